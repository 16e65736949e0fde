"""Socket syscalls: the host's sockets behind guest fds.

So far the calls a program makes to talk to a local service: `socket` and `connect` (glibc's
name-service lookups try nscd's AF_UNIX socket this way; without it they print nothing but
take another path). The socket type and flag values and the sockaddr layouts of the families
Linux has on both sides (AF_UNIX, AF_INET, AF_INET6) are the same for the generic syscall ABI
and x86-64, so both calls pass them through as qemu-user does; the rest of the socket API is
issue 12's.
"""

from __future__ import annotations

import errno

from .abi import fail, host_syscall, s32, u32

SOCK_CLOEXEC = 0o2000000
SOCKADDR_MAX = 128                       # sizeof(struct sockaddr_storage)


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


HANDLERS = {"socket": sys_socket, "connect": sys_connect}
