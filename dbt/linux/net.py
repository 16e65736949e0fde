"""Socket syscalls: the host's sockets behind guest fds.

The socket type and flag values, the socket options (asm-generic's SOL_SOCKET values are
x86-64's), and the layouts of the sockaddrs of the families Linux has on both sides (AF_UNIX,
AF_INET, AF_INET6), of struct msghdr, iovec and cmsghdr are the same for the generic syscall ABI
and x86-64, so the calls go to the host as qemu-user passes them, with the guest's buffers
copied in and out: only pointers and fds change. SCM_RIGHTS control messages carry fds, which
are translated (guest fd <-> host fd) both ways.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

from ..memory import PROT_READ, PROT_WRITE
from .abi import fail, host_syscall, s32, u32
from .mm import io_length

SOCK_CLOEXEC, SOCK_NONBLOCK = 0o2000000, 0o4000
SOCKADDR_MAX = 128                       # sizeof(struct sockaddr_storage)
MSGHDR = struct.Struct("<QI4xQQQQi4x")   # name namelen iov iovlen control controllen flags
IOVEC = struct.Struct("<QQ")
CMSGHDR = struct.Struct("<Qii")          # cmsg_len, level, type
SOL_SOCKET, SCM_RIGHTS = 1, 1
UIO_MAXIOV = 1024
OPTLEN_MAX = 1 << 16
MSG_CMSG_CLOEXEC = 0x40000000


def sys_socket(k, family, type_, protocol):
    type_ = u32(type_)
    host = host_syscall("socket", s32(family), type_ | SOCK_CLOEXEC, s32(protocol))
    return k.fds.install(host, cloexec=bool(type_ & SOCK_CLOEXEC))


def sys_connect(k, fd, addr, length):
    length = s32(length)
    if not 0 <= length <= SOCKADDR_MAX:
        fail(errno.EINVAL)
    host = k.fds.host(fd)
    host_syscall("connect", host, k.memory.read(addr, length), length)
    return 0


def sys_socketpair(k, family, type_, protocol, sv):
    type_ = u32(type_)
    if not k.memory.check(sv, 8, PROT_WRITE):
        fail(errno.EFAULT)
    pair = (ctypes.c_int * 2)()
    host_syscall("socketpair", s32(family), type_ | SOCK_CLOEXEC, s32(protocol), pair)
    cloexec = bool(type_ & SOCK_CLOEXEC)
    first = k.fds.install(pair[0], cloexec)
    try:
        second = k.fds.install(pair[1], cloexec)
    except Exception:
        os.close(k.fds.close(first))
        raise
    k.memory.write(sv, struct.pack("<ii", first, second))
    return 0


def _sockaddr_in(k, addr: int, length: int) -> bytes:
    length = s32(length)
    if not 0 <= length <= SOCKADDR_MAX:
        fail(errno.EINVAL)
    return k.memory.read(addr, length) if length else b""


class _AddrOut:
    """A (sockaddr *, socklen_t *) pair the kernel fills: the guest's length in, the full
    length out, the address truncated to what the guest's buffer holds."""

    def __init__(self, k, addr: int, lenp: int):
        self.k, self.addr, self.lenp = k, addr, lenp
        self.room = 0
        if addr:
            self.room = s32(k.memory.load(lenp, 4)) if lenp else 0
            if self.room < 0:
                fail(errno.EINVAL)
            if not k.memory.check(lenp, 4, PROT_WRITE) or (
                    self.room and not k.memory.check(addr, self.room, PROT_WRITE)):
                fail(errno.EFAULT)
        self.buf = ctypes.create_string_buffer(SOCKADDR_MAX)
        self.length = (ctypes.c_uint * 1)(SOCKADDR_MAX)

    def host_args(self) -> tuple:
        return (self.buf, self.length) if self.addr else (0, 0)

    def copy_out(self) -> None:
        if self.addr:
            n = min(self.room, self.length[0])
            if n:
                self.k.memory.write(self.addr, self.buf.raw[:n])
            self.k.memory.store(self.lenp, 4, self.length[0])


def sys_bind(k, fd, addr, length):
    data = _sockaddr_in(k, addr, length)
    host_syscall("bind", k.fds.host(fd), data, len(data))
    return 0


def sys_listen(k, fd, backlog):
    host_syscall("listen", k.fds.host(fd), s32(backlog))
    return 0


def sys_accept4(k, fd, addr, lenp, flags):
    flags = u32(flags)
    if flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        fail(errno.EINVAL)
    host = k.fds.host(fd)
    out = _AddrOut(k, addr, lenp)
    new = host_syscall("accept4", host, *out.host_args(), flags | SOCK_CLOEXEC)
    guest = k.fds.install(new, cloexec=bool(flags & SOCK_CLOEXEC))
    out.copy_out()
    return guest


def sys_accept(k, fd, addr, lenp):
    return sys_accept4(k, fd, addr, lenp, 0)


def _name_call(name: str):
    def handler(k, fd, addr, lenp):
        host = k.fds.host(fd)
        out = _AddrOut(k, addr, lenp)
        if not addr:
            fail(errno.EFAULT)
        host_syscall(name, host, *out.host_args())
        out.copy_out()
        return 0
    handler.__name__ = f"sys_{name}"
    return handler


def sys_sendto(k, fd, buf, length, flags, addr, addrlen):
    host = k.fds.host(fd)
    n = io_length(k.memory, buf, length, PROT_READ) if length else 0
    data = k.memory.read(buf, n) if n else b""
    dest = _sockaddr_in(k, addr, addrlen) if addr else b""
    return host_syscall("sendto", host, data, n, u32(flags), dest if addr else 0, len(dest))


def sys_recvfrom(k, fd, buf, length, flags, addr, lenp):
    host = k.fds.host(fd)
    n = io_length(k.memory, buf, length, PROT_WRITE) if length else 0
    out = _AddrOut(k, addr, lenp)
    data = ctypes.create_string_buffer(max(n, 1))
    got = host_syscall("recvfrom", host, data, n, u32(flags), *out.host_args())
    if got > 0:
        k.memory.write(buf, data.raw[:min(got, n)])
    out.copy_out()
    return got


def sys_setsockopt(k, fd, level, name, value, length):
    length = s32(length)
    if not 0 <= length <= OPTLEN_MAX:
        fail(errno.EINVAL)
    data = k.memory.read(value, length) if length else b""
    host_syscall("setsockopt", k.fds.host(fd), s32(level), s32(name), data if length else 0,
                 length)
    return 0


def sys_getsockopt(k, fd, level, name, value, lenp):
    host = k.fds.host(fd)
    room = s32(k.memory.load(lenp, 4))
    if room < 0:
        fail(errno.EINVAL)
    room = min(room, OPTLEN_MAX)
    buf = ctypes.create_string_buffer(max(room, 1))
    got = (ctypes.c_uint * 1)(room)
    host_syscall("getsockopt", host, s32(level), s32(name), buf, got)
    if got[0]:
        k.memory.write(value, buf.raw[:min(got[0], room)])
    k.memory.store(lenp, 4, got[0])
    return 0


def sys_shutdown(k, fd, how):
    host_syscall("shutdown", k.fds.host(fd), s32(how))
    return 0


# -- sendmsg / recvmsg ---------------------------------------------------------------------------
def _iovecs(k, iov: int, count: int) -> list[tuple[int, int]]:
    if count > UIO_MAXIOV:
        fail(errno.EMSGSIZE)
    raw = k.memory.read(iov, IOVEC.size * count) if count else b""
    return [IOVEC.unpack_from(raw, i * IOVEC.size) for i in range(count)]


def _cmsgs_to_host(k, data: bytes) -> bytes:
    """The guest's control messages with SCM_RIGHTS fds made host fds."""
    out, at = bytearray(), 0
    while at + CMSGHDR.size <= len(data):
        length, level, type_ = CMSGHDR.unpack_from(data, at)
        if length < CMSGHDR.size or at + length > len(data):
            fail(errno.EINVAL)
        body = data[at + CMSGHDR.size:at + length]
        if level == SOL_SOCKET and type_ == SCM_RIGHTS:
            fds = struct.unpack(f"<{len(body) // 4}i", body[:len(body) // 4 * 4])
            body = struct.pack(f"<{len(fds)}i", *(k.fds.host(fd) for fd in fds))
        out += data[at:at + CMSGHDR.size] + body
        step = (length + 7) & ~7
        out += bytes(min(step, len(data) - at) - length)
        at += step
    return bytes(out)


def _cmsgs_to_guest(k, data: bytes, cloexec: bool) -> bytes:
    """Received control messages with SCM_RIGHTS host fds installed as guest fds."""
    out, at = bytearray(data), 0
    while at + CMSGHDR.size <= len(data):
        length, level, type_ = CMSGHDR.unpack_from(data, at)
        if length < CMSGHDR.size:
            break
        if level == SOL_SOCKET and type_ == SCM_RIGHTS:
            end = min(at + length, len(data))
            for pos in range(at + CMSGHDR.size, end - 3, 4):
                host = struct.unpack_from("<i", data, pos)[0]
                struct.pack_into("<i", out, pos, k.fds.install(host, cloexec))
        at += (length + 7) & ~7
    return bytes(out)


def sys_sendmsg(k, fd, msg, flags):
    host = k.fds.host(fd)
    name, namelen, iov, iovlen, control, controllen, _ = MSGHDR.unpack(
        k.memory.read(msg, MSGHDR.size))
    data = b"".join(k.memory.read(base, length) for base, length in _iovecs(k, iov, iovlen)
                    if length)
    name_bytes = _sockaddr_in(k, name, namelen) if name else b""
    ctl = _cmsgs_to_host(k, k.memory.read(control, controllen)) if control and controllen \
        else b""
    payload = ctypes.create_string_buffer(data, max(len(data), 1))
    name_buf = ctypes.create_string_buffer(name_bytes, max(len(name_bytes), 1))
    ctl_buf = ctypes.create_string_buffer(ctl, max(len(ctl), 1))
    one = ctypes.create_string_buffer(IOVEC.pack(ctypes.addressof(payload), len(data)))
    hdr = ctypes.create_string_buffer(MSGHDR.pack(
        ctypes.addressof(name_buf) if name_bytes else 0, len(name_bytes),
        ctypes.addressof(one), 1, ctypes.addressof(ctl_buf) if ctl else 0, len(ctl), 0))
    return host_syscall("sendmsg", host, hdr, u32(flags))


def sys_recvmsg(k, fd, msg, flags):
    host = k.fds.host(fd)
    if not k.memory.check(msg, MSGHDR.size, PROT_WRITE):
        fail(errno.EFAULT)
    name, namelen, iov, iovlen, control, controllen, _ = MSGHDR.unpack(
        k.memory.read(msg, MSGHDR.size))
    vecs = _iovecs(k, iov, iovlen)
    total = sum(length for _, length in vecs)
    for base, length in vecs:
        if length and not k.memory.check(base, length, PROT_WRITE):
            fail(errno.EFAULT)
    payload = ctypes.create_string_buffer(max(total, 1))
    name_room = min(u32(namelen), SOCKADDR_MAX) if name else 0
    name_buf = ctypes.create_string_buffer(SOCKADDR_MAX)
    ctl_room = min(controllen, 1 << 20) if control else 0
    ctl_buf = ctypes.create_string_buffer(max(ctl_room, 1))
    one = ctypes.create_string_buffer(IOVEC.pack(ctypes.addressof(payload), total))
    hdr = ctypes.create_string_buffer(MSGHDR.pack(
        ctypes.addressof(name_buf) if name else 0, SOCKADDR_MAX if name else 0,
        ctypes.addressof(one), 1, ctypes.addressof(ctl_buf) if ctl_room else 0, ctl_room, 0))
    got = host_syscall("recvmsg", host, hdr, u32(flags) | MSG_CMSG_CLOEXEC)
    _, out_namelen, _, _, _, out_ctllen, out_flags = MSGHDR.unpack_from(hdr.raw)
    data, at = payload.raw[:min(got, total)], 0
    for base, length in vecs:
        piece = data[at:at + length]
        if piece:
            k.memory.write(base, piece)
        at += len(piece)
    if name and name_room:
        k.memory.write(name, name_buf.raw[:min(name_room, out_namelen)])
    if ctl_room and out_ctllen:
        k.memory.write(control, _cmsgs_to_guest(k, ctl_buf.raw[:out_ctllen],
                                                bool(u32(flags) & MSG_CMSG_CLOEXEC)))
    k.memory.write(msg, MSGHDR.pack(name, out_namelen if name else 0, iov, iovlen, control,
                                    out_ctllen if control else 0, out_flags))
    return got


HANDLERS = {
    "socket": sys_socket, "connect": sys_connect, "socketpair": sys_socketpair,
    "bind": sys_bind, "listen": sys_listen, "accept": sys_accept, "accept4": sys_accept4,
    "getsockname": _name_call("getsockname"), "getpeername": _name_call("getpeername"),
    "sendto": sys_sendto, "recvfrom": sys_recvfrom, "setsockopt": sys_setsockopt,
    "getsockopt": sys_getsockopt, "shutdown": sys_shutdown, "sendmsg": sys_sendmsg,
    "recvmsg": sys_recvmsg,
}
