"""Socket syscalls (dbt/linux/net.py): a guest socket talks to a host service, with Linux's
errors; the host's own socket calls are the oracle."""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import struct

from linux_harness import UNMAPPED

AF_UNIX, AF_INET = 1, 2
SOCK_STREAM, SOCK_NONBLOCK, SOCK_CLOEXEC = 1, 0o4000, 0o2000000


def sockaddr_un(path: str) -> bytes:
    return struct.pack("<H", AF_UNIX) + path.encode() + b"\0"


def test_a_guest_socket_reaches_a_host_service(guest, tmp_path):
    path = str(tmp_path / "service")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    try:
        fd = guest.call("socket", AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)
        assert fd >= 3 and guest.kernel.fds.entry(fd).cloexec
        addr = sockaddr_un(path)
        assert guest.call("connect", fd, guest.alloc(addr), len(addr)) == 0
        peer, _ = server.accept()
        with peer:
            message = guest.alloc(b"hello")
            assert guest.call("write", fd, message, 5) == 5
            assert peer.recv(16) == b"hello"
            peer.sendall(b"back")
            buf = guest.alloc(16)
            assert guest.call("read", fd, buf, 16) == 4 and guest.read(buf, 4) == b"back"
        assert guest.call("close", fd) == 0
    finally:
        server.close()


def test_socket_and_connect_errors_are_linuxs(guest, tmp_path):
    fd = guest.call("socket", AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)
    host = guest.kernel.fds.host(fd)
    assert fcntl.fcntl(host, fcntl.F_GETFL) & os.O_NONBLOCK
    assert not guest.kernel.fds.entry(fd).cloexec
    missing = sockaddr_un(str(tmp_path / "nobody-listens"))
    # oracle: the host's answer to the same connect (nscd's socket is usually missing so)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    want = probe.connect_ex(str(tmp_path / "nobody-listens"))
    probe.close()
    assert want == errno.ENOENT
    assert guest.call("connect", fd, guest.alloc(missing), len(missing)) == -want
    assert guest.call("connect", fd, UNMAPPED, 16) == -errno.EFAULT
    assert guest.call("connect", fd, guest.alloc(missing), 129) == -errno.EINVAL
    assert guest.call("connect", 77, guest.alloc(missing), len(missing)) == -errno.EBADF
    assert guest.call("socket", 12345, SOCK_STREAM, 0) == -errno.EAFNOSUPPORT
    assert guest.call("socket", AF_INET, 99, 0) == -errno.EINVAL
