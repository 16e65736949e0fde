"""File syscalls: real effects on files in tmp_path, the guest fd table, bad pointers."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import struct
import termios

import pytest

from dbt.linux.structs import STAT, parse_dirents64, unpack_stat
from dbt.memory import PAGE_SIZE

from linux_harness import RO_PAGE, SCRATCH, SCRATCH_SIZE, UNMAPPED

AT_FDCWD = -100 & (1 << 64) - 1
O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2
O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK = 0o100, 0o200, 0o1000, 0o2000, 0o4000
O_DIRECTORY, O_CLOEXEC = 0o200000, 0o2000000
AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_EMPTY_PATH = 0x100, 0x200, 0x1000


def open_file(guest, path, flags=O_RDONLY, mode=0o644):
    return guest.call("openat", AT_FDCWD, guest.cstr(str(path)), flags, mode)


def test_openat_write_read_close(guest, tmp_path):
    path = tmp_path / "f.txt"
    fd = open_file(guest, path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    assert fd == 3
    assert guest.call("write", fd, guest.alloc(b"hello world"), 11) == 11
    assert path.read_bytes() == b"hello world"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 & ~_umask()
    assert guest.call("lseek", fd, 6, 0) == 6
    buf = guest.alloc(32)
    assert guest.call("read", fd, buf, 32) == 5
    assert guest.read(buf, 5) == b"world"
    assert guest.call("read", fd, buf, 32) == 0
    assert guest.call("close", fd) == 0
    assert guest.call("close", fd) == -errno.EBADF
    assert guest.call("read", fd, buf, 1) == -errno.EBADF


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_openat_errors(guest, tmp_path):
    path = tmp_path / "exists"
    path.write_text("x")
    assert open_file(guest, path, O_CREAT | O_EXCL | O_WRONLY) == -errno.EEXIST
    assert open_file(guest, tmp_path / "missing") == -errno.ENOENT
    assert open_file(guest, path, O_DIRECTORY) == -errno.ENOTDIR
    assert guest.call("openat", AT_FDCWD, guest.cstr(""), 0, 0) == -errno.ENOENT
    assert guest.call("openat", 77, guest.cstr("relative"), 0, 0) == -errno.EBADF
    # dirfd is ignored for absolute paths, even when it is not open
    assert guest.call("openat", 77, guest.cstr(str(path)), 0, 0) == 3
    assert guest.call("openat", AT_FDCWD, guest.cstr("x" * 5000), 0, 0) == -errno.ENAMETOOLONG


def test_openat_relative_to_dirfd(guest, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner").write_bytes(b"inside")
    dirfd = open_file(guest, tmp_path / "sub", O_DIRECTORY)
    fd = guest.call("openat", dirfd, guest.cstr("inner"), O_RDONLY, 0)
    buf = guest.alloc(16)
    assert guest.call("read", fd, buf, 16) == 6
    assert guest.read(buf, 6) == b"inside"


def test_fd_numbers_follow_lowest_free_rule(guest, tmp_path):
    path = tmp_path / "f"
    path.write_text("abc")
    fds = [open_file(guest, path) for _ in range(4)]
    assert fds == [3, 4, 5, 6]
    assert guest.call("close", 4) == 0
    assert open_file(guest, path) == 4
    assert guest.call("dup", 3) == 7
    assert guest.call("close", 5) == 0
    assert guest.call("dup", 3) == 5


def test_guest_fds_never_reach_dbt_vm_files(guest, tmp_path):
    own = os.open(tmp_path, os.O_RDONLY)          # a host fd the guest never opened
    try:
        assert guest.call("fstat", own, guest.alloc(128)) == -errno.EBADF
        assert guest.call("close", own) == -errno.EBADF
        os.fstat(own)                              # still open on the host
        link = guest.cstr(f"/proc/self/fd/{own}")
        assert guest.call("openat", AT_FDCWD, link, 0, 0) < 0
    finally:
        os.close(own)


def test_proc_self_fd_names_the_guest_fd(guest, tmp_path):
    path = tmp_path / "target"
    path.write_text("t")
    fd = open_file(guest, path)
    buf = guest.alloc(256)
    n = guest.call("readlinkat", AT_FDCWD, guest.cstr(f"/proc/self/fd/{fd}"), buf, 256)
    assert guest.read(buf, n) == str(path).encode()


def test_dup3_and_fcntl(guest, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    fd = open_file(guest, path, O_RDONLY | O_CLOEXEC)
    assert guest.call("fcntl", fd, 1, 0) == 1                      # F_GETFD: FD_CLOEXEC
    assert guest.call("fcntl", fd, 2, 0) == 0                      # F_SETFD 0
    assert guest.call("fcntl", fd, 1, 0) == 0
    assert guest.call("dup3", fd, 10, O_CLOEXEC) == 10
    assert guest.call("fcntl", 10, 1, 0) == 1
    assert guest.call("dup3", fd, fd, 0) == -errno.EINVAL
    assert guest.call("dup3", fd, 11, 1) == -errno.EINVAL
    assert guest.call("dup3", 99, 11, 0) == -errno.EBADF
    assert guest.call("fcntl", fd, 0, 20) == 20                    # F_DUPFD >= 20
    assert guest.call("fcntl", fd, 1030, 20) == 21                 # F_DUPFD_CLOEXEC
    assert guest.call("fcntl", 21, 1, 0) == 1
    assert guest.call("fcntl", fd, 9999, 0) == -errno.EINVAL
    # the duplicates share the file offset
    buf = guest.alloc(4)
    assert guest.call("read", fd, buf, 4) == 4
    assert guest.call("read", 10, buf, 4) == 4
    assert guest.read(buf, 4) == b"4567"
    # dup3 onto an open fd closes what it referred to
    other = open_file(guest, path)
    old_host = guest.kernel.fds.host(other)
    assert guest.call("dup3", fd, other, 0) == other
    with pytest.raises(OSError):
        os.fstat(old_host)


def test_fcntl_status_flags(guest, tmp_path):
    r, w = _pipe(guest)
    flags = guest.call("fcntl", r, 3, 0)                           # F_GETFL
    assert flags & 3 == O_RDONLY and not flags & O_NONBLOCK
    assert guest.call("fcntl", r, 4, O_NONBLOCK) == 0              # F_SETFL
    assert guest.call("fcntl", r, 3, 0) & O_NONBLOCK
    assert guest.call("read", r, guest.alloc(4), 4) == -errno.EAGAIN


def test_fcntl_locks_pass_through(guest, tmp_path):
    path = tmp_path / "lock"
    path.write_bytes(b"x" * 100)
    fd = open_file(guest, path, O_RDWR)
    lock = guest.alloc(struct.pack("<hhqqi4x", fcntl.F_WRLCK, 0, 0, 10, 0))
    assert guest.call("fcntl", fd, 6, lock) == 0                   # F_SETLK
    query = guest.alloc(struct.pack("<hhqqi4x", fcntl.F_WRLCK, 0, 0, 10, 0))
    assert guest.call("fcntl", fd, 5, query) == 0                  # F_GETLK (own lock)
    assert struct.unpack("<h", guest.read(query, 2))[0] == fcntl.F_UNLCK
    assert guest.call("fcntl", fd, 6, UNMAPPED) == -errno.EFAULT


def _pipe(guest, flags=0):
    fds = guest.alloc(8)
    assert guest.call("pipe2", fds, flags) == 0
    return struct.unpack("<ii", guest.read(fds, 8))


def test_pipe_round_trip(guest):
    r, w = _pipe(guest, O_CLOEXEC)
    assert (r, w) == (3, 4)
    assert guest.call("fcntl", r, 1, 0) == 1
    assert guest.call("write", w, guest.alloc(b"through the pipe"), 16) == 16
    buf = guest.alloc(32)
    assert guest.call("read", r, buf, 32) == 16
    assert guest.read(buf, 16) == b"through the pipe"
    assert guest.call("pipe2", guest.alloc(8), 0x1) == -errno.EINVAL
    assert guest.call("pipe2", UNMAPPED, 0) == -errno.EFAULT
    assert 5 not in guest.kernel.fds.entries


def test_write_to_closed_pipe_is_sigpipe(guest):
    from dbt.linux import FatalSignal
    r, w = _pipe(guest)
    guest.call("close", r)
    with pytest.raises(FatalSignal) as exc:
        guest.call("write", w, guest.alloc(b"x"), 1)
    assert exc.value.signo == 13
    sigact = guest.alloc(struct.pack("<QQQ", 1, 0, 0))             # SIG_IGN
    assert guest.call("rt_sigaction", 13, sigact, 0, 8) == 0
    assert guest.call("write", w, guest.alloc(b"x"), 1) == -errno.EPIPE


def test_readv_writev(guest, tmp_path):
    path = tmp_path / "v"
    fd = open_file(guest, path, O_RDWR | O_CREAT)
    a, b = guest.alloc(b"abc"), guest.alloc(b"defgh")
    iov = guest.alloc(struct.pack("<QQQQ", a, 3, b, 5))
    assert guest.call("writev", fd, iov, 2) == 8
    assert path.read_bytes() == b"abcdefgh"
    assert guest.call("writev", fd, iov, 0) == 0
    guest.call("lseek", fd, 0, 0)
    x, y = guest.alloc(2), guest.alloc(10)
    iov = guest.alloc(struct.pack("<QQQQ", x, 2, y, 10))
    assert guest.call("readv", fd, iov, 2) == 8
    assert guest.read(x, 2) == b"ab" and guest.read(y, 6) == b"cdefgh"
    assert guest.call("readv", fd, iov, 1025) == -errno.EINVAL
    assert guest.call("readv", fd, UNMAPPED, 2) == -errno.EFAULT
    bad = guest.alloc(struct.pack("<QQ", UNMAPPED, 4))
    assert guest.call("writev", fd, bad, 1) == -errno.EFAULT
    neg = guest.alloc(struct.pack("<QQ", x, (1 << 64) - 1))
    assert guest.call("readv", fd, neg, 1) == -errno.EINVAL


def test_pread_pwrite(guest, tmp_path):
    path = tmp_path / "p"
    path.write_bytes(b"0123456789")
    fd = open_file(guest, path, O_RDWR)
    buf = guest.alloc(4)
    assert guest.call("pread64", fd, buf, 4, 3) == 4
    assert guest.read(buf, 4) == b"3456"
    assert guest.call("pwrite64", fd, guest.alloc(b"XY"), 2, 8) == 2
    assert path.read_bytes() == b"01234567XY"
    assert guest.call("lseek", fd, 0, 1) == 0                      # offset untouched
    assert guest.call("pread64", fd, buf, 4, -1 & (1 << 64) - 1) == -errno.EINVAL


def test_wild_read_write_have_no_host_effect(guest, tmp_path):
    r, w = _pipe(guest)
    assert guest.call("write", w, guest.alloc(b"data"), 4) == 4
    assert guest.call("read", r, UNMAPPED, 4) == -errno.EFAULT
    assert guest.call("read", r, RO_PAGE, 4) == -errno.EFAULT      # not writable
    buf = guest.alloc(4)
    assert guest.call("read", r, buf, 4) == 4                      # data still there
    path = tmp_path / "empty"
    fd = open_file(guest, path, O_WRONLY | O_CREAT)
    assert guest.call("write", fd, UNMAPPED, 10) == -errno.EFAULT
    assert guest.call("write", fd, 0, 10) == -errno.EFAULT
    assert guest.call("write", fd, buf, (1 << 64) - 1) == -errno.EFAULT
    assert guest.call("write", fd, (1 << 64) - 16, 10) == -errno.EFAULT
    assert guest.call("write", fd, 0, 0) == 0
    assert path.read_bytes() == b""
    assert guest.call("write", 99, UNMAPPED, 10) == -errno.EBADF


def test_write_from_buffer_ending_half_way(guest, tmp_path):
    # the last scratch page is followed by an unmapped page: a write across the boundary is
    # short, as Linux copies up to the fault
    path = tmp_path / "partial"
    fd = open_file(guest, path, O_WRONLY | O_CREAT)
    end = SCRATCH + SCRATCH_SIZE
    guest.mem.write(end - 5, b"12345")
    assert guest.call("write", fd, end - 5, 100) == 5
    assert path.read_bytes() == b"12345"
    path.write_bytes(b"abcdefghij")
    rfd = open_file(guest, path)
    assert guest.call("read", rfd, end - 3, 10) == 3
    assert guest.read(end - 3, 3) == b"abc"
    assert guest.call("lseek", rfd, 0, 1) == 3


def test_read_on_write_only_fd_with_bad_buffer_is_ebadf(guest, tmp_path):
    fd = open_file(guest, tmp_path / "wo", O_WRONLY | O_CREAT)
    assert guest.call("read", fd, UNMAPPED, 4) == -errno.EBADF


def _stat_of(guest, buf):
    return unpack_stat(guest.read(buf, STAT.size))


def test_fstat_layout_matches_host_stat(guest, tmp_path):
    path = tmp_path / "s"
    path.write_bytes(b"x" * 1234)
    os.utime(path, ns=(1_600_000_000_123_456_789, 1_700_000_000_987_654_321))
    fd = open_file(guest, path)
    buf = guest.alloc(STAT.size)
    assert guest.call("fstat", fd, buf) == 0
    got, want = _stat_of(guest, buf), os.stat(path)
    assert (got.dev, got.ino, got.mode, got.nlink) == (want.st_dev, want.st_ino,
                                                       want.st_mode, want.st_nlink)
    assert (got.uid, got.gid, got.size) == (want.st_uid, want.st_gid, 1234)
    assert (got.blksize, got.blocks) == (want.st_blksize, want.st_blocks)
    assert got.atime == (1_600_000_000, 123_456_789)
    assert got.mtime == (1_700_000_000, 987_654_321)
    raw = guest.read(buf, STAT.size)
    assert struct.unpack_from("<I", raw, 16)[0] == want.st_mode   # st_mode at offset 16
    assert struct.unpack_from("<q", raw, 48)[0] == 1234            # st_size at offset 48
    assert guest.call("fstat", fd, UNMAPPED) == -errno.EFAULT
    assert guest.call("fstat", fd, RO_PAGE) == -errno.EFAULT
    assert guest.call("fstat", 55, buf) == -errno.EBADF


def test_newfstatat_flags(guest, tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"abc")
    link = tmp_path / "link"
    link.symlink_to(target)
    buf = guest.alloc(STAT.size)
    assert guest.call("newfstatat", AT_FDCWD, guest.cstr(str(link)), buf, 0) == 0
    assert stat.S_ISREG(_stat_of(guest, buf).mode)
    assert guest.call("newfstatat", AT_FDCWD, guest.cstr(str(link)), buf,
                      AT_SYMLINK_NOFOLLOW) == 0
    assert stat.S_ISLNK(_stat_of(guest, buf).mode)
    fd = open_file(guest, target)
    assert guest.call("newfstatat", fd, guest.cstr(""), buf, AT_EMPTY_PATH) == 0
    assert _stat_of(guest, buf).size == 3
    assert guest.call("newfstatat", fd, guest.cstr(""), buf, 0) == -errno.ENOENT
    assert guest.call("newfstatat", AT_FDCWD, guest.cstr(str(target)), buf, 1) == -errno.EINVAL
    assert guest.call("newfstatat", AT_FDCWD, UNMAPPED, buf, 0) == -errno.EFAULT


def test_statx_layout(guest, tmp_path):
    path = tmp_path / "sx"
    path.write_bytes(b"y" * 777)
    buf = guest.alloc(256)
    assert guest.call("statx", AT_FDCWD, guest.cstr(str(path)), 0, 0x7FF, buf) == 0
    raw, want = guest.read(buf, 256), os.stat(path)
    mask, blksize, attrs, nlink, uid, gid, mode = struct.unpack_from("<IIQIIIH", raw, 0)
    ino, size, blocks = struct.unpack_from("<QQQ", raw, 32)
    mtime_sec, mtime_nsec = struct.unpack_from("<qI", raw, 0x70)
    assert mask & 0x7FF == 0x7FF
    assert (mode, nlink, uid, gid) == (want.st_mode, want.st_nlink, want.st_uid, want.st_gid)
    assert (ino, size, blocks) == (want.st_ino, 777, want.st_blocks)
    assert mtime_sec * 10**9 + mtime_nsec == want.st_mtime_ns
    fd = open_file(guest, path)
    assert guest.call("statx", fd, guest.cstr(""), AT_EMPTY_PATH, 0x7FF, buf) == 0
    assert struct.unpack_from("<Q", guest.read(buf, 256), 40)[0] == 777
    assert guest.call("statx", AT_FDCWD, guest.cstr(str(path)), 0, 0x7FF,
                      UNMAPPED) == -errno.EFAULT


def test_getdents64_records(guest, tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    names = {b"alpha", b"b", b"a-much-longer-file-name.txt"}
    for name in names:
        (d / name.decode()).write_text("x")
    (d / "subdir").mkdir()
    fd = open_file(guest, d, O_DIRECTORY)
    buf = guest.alloc(4096)
    got = guest.call("getdents64", fd, buf, 4096)
    assert got > 0
    records = parse_dirents64(guest.read(buf, got))
    assert {r.name for r in records} == names | {b"subdir", b".", b".."}
    for r in records:
        assert r.reclen % 8 == 0 and r.reclen >= 19 + len(r.name) + 1
        expected_ino = os.lstat(d / r.name.decode()).st_ino if r.name not in (b".", b"..") \
            else r.ino
        assert r.ino == expected_ino
        assert r.type == (4 if r.name in (b"subdir", b".", b"..") else 8)   # DT_DIR / DT_REG
    assert guest.call("getdents64", fd, buf, 4096) == 0            # end of directory


def test_getdents64_bad_buffers(guest, tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    (d / "f").write_text("x")
    fd = open_file(guest, d, O_DIRECTORY)
    assert guest.call("getdents64", fd, UNMAPPED, 4096) == -errno.EFAULT
    assert guest.call("getdents64", fd, RO_PAGE, 4096) == -errno.EFAULT
    assert guest.call("getdents64", fd, guest.alloc(8), 8) == -errno.EINVAL  # too small
    buf = guest.alloc(4096)                                        # nothing was consumed
    got = guest.call("getdents64", fd, buf, 4096)
    assert {r.name for r in parse_dirents64(guest.read(buf, got))} == {b".", b"..", b"f"}
    plain = open_file(guest, d / "f")
    assert guest.call("getdents64", plain, buf, 4096) == -errno.ENOTDIR


def test_mkdirat_unlinkat_renameat2(guest, tmp_path):
    d = tmp_path / "newdir"
    assert guest.call("mkdirat", AT_FDCWD, guest.cstr(str(d)), 0o755) == 0
    assert d.is_dir()
    assert guest.call("mkdirat", AT_FDCWD, guest.cstr(str(d)), 0o755) == -errno.EEXIST
    f = d / "file"
    f.write_text("content")
    g = d / "renamed"
    assert guest.call("renameat2", AT_FDCWD, guest.cstr(str(f)), AT_FDCWD,
                      guest.cstr(str(g)), 0) == 0
    assert g.read_text() == "content" and not f.exists()
    f.write_text("other")
    assert guest.call("renameat2", AT_FDCWD, guest.cstr(str(f)), AT_FDCWD,
                      guest.cstr(str(g)), 1) == -errno.EEXIST          # RENAME_NOREPLACE
    assert guest.call("unlinkat", AT_FDCWD, guest.cstr(str(d)), 0) == -errno.EISDIR
    assert guest.call("unlinkat", AT_FDCWD, guest.cstr(str(d)), AT_REMOVEDIR) == -errno.ENOTEMPTY
    assert guest.call("unlinkat", AT_FDCWD, guest.cstr(str(g)), 0) == 0
    assert guest.call("unlinkat", AT_FDCWD, guest.cstr(str(f)), 0x1) == -errno.EINVAL
    assert guest.call("unlinkat", AT_FDCWD, guest.cstr(str(f)), 0) == 0
    assert guest.call("unlinkat", AT_FDCWD, guest.cstr(str(d)), AT_REMOVEDIR) == 0
    assert not d.exists()
    assert guest.call("mkdirat", AT_FDCWD, UNMAPPED, 0o755) == -errno.EFAULT


def test_faccessat(guest, tmp_path):
    path = tmp_path / "acc"
    path.write_text("x")
    assert guest.call("faccessat", AT_FDCWD, guest.cstr(str(path)), 4) == 0
    assert guest.call("faccessat", AT_FDCWD, guest.cstr(str(tmp_path / "no")), 0) == -errno.ENOENT
    assert guest.call("faccessat", AT_FDCWD, guest.cstr(str(path)), 8) == -errno.EINVAL
    assert guest.call("faccessat2", AT_FDCWD, guest.cstr(str(path)), 4, 0x200) == 0
    assert guest.call("faccessat", AT_FDCWD, UNMAPPED, 0) == -errno.EFAULT


def test_ftruncate_fsync(guest, tmp_path):
    path = tmp_path / "t"
    path.write_bytes(b"0123456789")
    fd = open_file(guest, path, O_RDWR)
    assert guest.call("ftruncate", fd, 4) == 0
    assert path.read_bytes() == b"0123"
    assert guest.call("ftruncate", fd, -1 & (1 << 64) - 1) == -errno.EINVAL
    assert guest.call("fsync", fd) == 0
    assert guest.call("fsync", 77) == -errno.EBADF


def test_getcwd_chdir(guest, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    buf = guest.alloc(512)
    n = guest.call("getcwd", buf, 512)
    assert guest.read(buf, n) == os.fsencode(os.getcwd()) + b"\0"
    assert guest.call("getcwd", buf, 2) == -errno.ERANGE
    assert guest.call("getcwd", UNMAPPED, 512) == -errno.EFAULT
    (tmp_path / "sub").mkdir()
    assert guest.call("chdir", guest.cstr("sub")) == 0
    assert os.getcwd() == str(tmp_path / "sub")
    assert guest.call("chdir", guest.cstr("nowhere")) == -errno.ENOENT
    assert guest.call("chdir", UNMAPPED) == -errno.EFAULT


def test_readlinkat_proc_self_exe(guest, exe, tmp_path):
    buf = guest.alloc(256)
    n = guest.call("readlinkat", AT_FDCWD, guest.cstr("/proc/self/exe"), buf, 256)
    assert guest.read(buf, n) == os.fsencode(os.path.realpath(exe))
    assert guest.call("readlinkat", AT_FDCWD, guest.cstr("/proc/self/exe"), buf, 4) == 4
    assert guest.call("readlinkat", AT_FDCWD, guest.cstr("/proc/self/exe"), buf, 0) == \
        -errno.EINVAL
    assert guest.call("readlinkat", AT_FDCWD, guest.cstr("/proc/self/exe"),
                      UNMAPPED, 10) == -errno.EFAULT
    link = tmp_path / "lnk"
    link.symlink_to("somewhere/else")
    n = guest.call("readlinkat", AT_FDCWD, guest.cstr(str(link)), buf, 256)
    assert guest.read(buf, n) == b"somewhere/else"
    assert guest.call("readlinkat", AT_FDCWD, guest.cstr(str(exe)), buf, 256) == -errno.EINVAL
    fd = guest.call("openat", AT_FDCWD, guest.cstr("/proc/self/exe"), 0, 0)
    assert guest.call("read", fd, buf, 4) == 4 and guest.read(buf, 4) == b"\x7fELF"


def test_sysroot_is_searched_first(make_guest, tmp_path):
    root = tmp_path / "sysroot"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "only-in-sysroot").write_bytes(b"from sysroot")
    g = make_guest(sysroot=str(root))
    fd = g.call("openat", AT_FDCWD, g.cstr("/etc/only-in-sysroot"), 0, 0)
    buf = g.alloc(32)
    assert g.call("read", fd, buf, 32) == 12 and g.read(buf, 12) == b"from sysroot"
    # paths missing from the sysroot fall back to the host's
    assert g.call("faccessat", AT_FDCWD, g.cstr("/etc/passwd"), 0) == 0
    st = g.alloc(128)
    assert g.call("newfstatat", AT_FDCWD, g.cstr("/etc/only-in-sysroot"), st, 0) == 0
    assert unpack_stat(g.read(st, 128)).size == 12


def test_ioctl_terminal_queries(guest):
    master, slave = os.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("<HHHH", 33, 111, 0, 0))
        fd = guest.call("dup", 0)                  # get a guest fd, then point it at the pty
        guest.kernel.fds.place(fd, os.dup(slave), False)
        ws = guest.alloc(8)
        assert guest.call("ioctl", fd, 0x5413, ws) == 0            # TIOCGWINSZ
        assert struct.unpack("<HHHH", guest.read(ws, 8))[:2] == (33, 111)
        tio = guest.alloc(36)
        assert guest.call("ioctl", fd, 0x5401, tio) == 0           # TCGETS
        iflag, oflag, cflag, lflag = struct.unpack_from("<IIII", guest.read(tio, 36))
        host = termios.tcgetattr(slave)
        assert [iflag, oflag, cflag, lflag] == host[:4]
        assert guest.read(tio, 36)[17:17 + 19] == b"".join(
            c if isinstance(c, bytes) else bytes([c]) for c in host[6][:19])
        assert guest.call("ioctl", fd, 0x5401, UNMAPPED) == -errno.EFAULT
        # an ioctl qemu-user's table does not have: ENOSYS, as qemu's do_ioctl answers
        assert guest.call("ioctl", fd, 0x1234, tio) == -errno.ENOSYS
        # TCSETS writes the termios back (the host's tcsetattr sees it), TIOCSWINSZ the size
        raw = bytearray(guest.read(tio, 36))
        raw[12:16] = (struct.unpack_from("<I", raw, 12)[0] & ~termios.ECHO).to_bytes(4, "little")
        guest.mem.write(tio, bytes(raw))
        assert guest.call("ioctl", fd, 0x5402, tio) == 0                # TCSETS
        assert not termios.tcgetattr(slave)[3] & termios.ECHO
        guest.mem.write(ws, struct.pack("<HHHH", 12, 34, 0, 0))
        assert guest.call("ioctl", fd, 0x5414, ws) == 0                 # TIOCSWINSZ
        assert struct.unpack("<HHHH", fcntl.ioctl(slave, termios.TIOCGWINSZ, bytes(8)))[:2] \
            == (12, 34)
        # FIOCLEX / FIONCLEX: the guest fd's close-on-exec flag
        assert guest.call("ioctl", fd, 0x5451, 0) == 0 and guest.call("fcntl", fd, 1, 0) == 1
        assert guest.call("ioctl", fd, 0x5450, 0) == 0 and guest.call("fcntl", fd, 1, 0) == 0
    finally:
        os.close(master)
        os.close(slave)


def test_ioctl_on_regular_file(guest, tmp_path):
    path = tmp_path / "plain"
    path.write_text("x")
    fd = open_file(guest, path)
    assert guest.call("ioctl", fd, 0x5401, guest.alloc(36)) == -errno.ENOTTY
    assert guest.call("ioctl", 99, 0x5401, guest.alloc(36)) == -errno.EBADF
    # FIONREAD: the bytes left to read, which Linux answers for a regular file too (coreutils'
    # cat asks; under qemu-riscv64 -strace: `ioctl(3,FIONREAD,...) = 0 (1207)`)
    count = guest.alloc(4)
    assert guest.call("ioctl", fd, 0x541B, count) == 0
    assert struct.unpack("<i", guest.read(count, 4))[0] == 1
    # F_GETFL has no O_LARGEFILE (the host kernel's, which qemu-user drops: `fcntl(3,F_GETFL)
    # = 0` for a file opened O_RDONLY, on riscv64 and aarch64 alike)
    assert guest.call("fcntl", fd, 3, 0) == 0


def test_aarch64_open_flags_are_translated(arm_guest, tmp_path):
    arm_o_directory, arm_o_nofollow = 0o40000, 0o100000
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("x")
    g = arm_guest
    assert g.call("openat", AT_FDCWD, g.cstr(str(tmp_path / "f")), arm_o_directory, 0) == \
        -errno.ENOTDIR
    fd = g.call("openat", AT_FDCWD, g.cstr(str(tmp_path / "d")), arm_o_directory, 0)
    assert fd >= 0
    assert g.call("fcntl", fd, 3, 0) & arm_o_directory
    (tmp_path / "l").symlink_to(tmp_path / "f")
    assert g.call("openat", AT_FDCWD, g.cstr(str(tmp_path / "l")), arm_o_nofollow, 0) == \
        -errno.ELOOP


def test_emfile_when_table_full(guest, tmp_path):
    path = tmp_path / "f"
    path.write_text("x")
    guest.kernel.fds.limit = 5
    assert open_file(guest, path) == 3
    assert open_file(guest, path) == 4
    before = len(os.listdir("/proc/self/fd"))
    assert open_file(guest, path) == -errno.EMFILE
    assert guest.call("dup", 3) == -errno.EMFILE
    assert len(os.listdir("/proc/self/fd")) == before               # nothing leaked


def test_page_boundary_path(guest, tmp_path):
    # a path that ends exactly at the end of the mapped scratch area has no NUL: EFAULT
    end = SCRATCH + SCRATCH_SIZE
    guest.mem.write(end - 4, b"abcd")
    assert guest.call("openat", AT_FDCWD, end - 4, 0, 0) == -errno.EFAULT
    assert PAGE_SIZE == 4096


def test_links_modes_owners(guest, tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"0123456789")
    link = tmp_path / "sym"
    assert guest.call("symlinkat", guest.cstr("target"), AT_FDCWD, guest.cstr(str(link))) == 0
    assert os.readlink(link) == "target"
    hard = tmp_path / "hard"
    assert guest.call("linkat", AT_FDCWD, guest.cstr(str(target)), AT_FDCWD,
                      guest.cstr(str(hard)), 0) == 0
    assert os.stat(hard).st_ino == os.stat(target).st_ino
    assert guest.call("linkat", AT_FDCWD, guest.cstr(str(target)), AT_FDCWD,
                      guest.cstr(str(hard)), 0) == -errno.EEXIST
    assert guest.call("fchmodat", AT_FDCWD, guest.cstr(str(target)), 0o600) == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    fd = open_file(guest, target, O_RDWR)
    assert guest.call("fchmod", fd, 0o640) == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    me = os.getuid(), os.getgid()
    assert guest.call("fchown", fd, *me) == 0
    assert guest.call("fchownat", AT_FDCWD, guest.cstr(str(link)), (1 << 32) - 1,
                      (1 << 32) - 1, AT_SYMLINK_NOFOLLOW) == 0
    assert guest.call("truncate", guest.cstr(str(target)), 3) == 0
    assert target.read_bytes() == b"012"
    assert guest.call("symlinkat", UNMAPPED, AT_FDCWD, guest.cstr(str(link))) == -errno.EFAULT


def test_utimensat(guest, tmp_path):
    path = tmp_path / "times"
    path.write_text("x")
    omit, now = (1 << 30) - 2, (1 << 30) - 1
    times = guest.alloc(struct.pack("<qqqq", 1_000_000_000, 5, 0, omit))
    before = os.stat(path).st_mtime_ns
    assert guest.call("utimensat", AT_FDCWD, guest.cstr(str(path)), times, 0) == 0
    st = os.stat(path)
    assert st.st_atime_ns == 1_000_000_000 * 10**9 + 5 and st.st_mtime_ns == before
    fd = open_file(guest, path)
    times = guest.alloc(struct.pack("<qqqq", 0, omit, 7, 0))
    assert guest.call("utimensat", fd, 0, times, 0) == 0              # futimens
    assert os.stat(path).st_mtime_ns == 7 * 10**9
    assert guest.call("utimensat", AT_FDCWD, guest.cstr(str(path)), 0, 0) == 0   # now
    assert os.stat(path).st_mtime_ns > 7 * 10**9
    assert guest.call("utimensat", AT_FDCWD, guest.cstr(str(path)), UNMAPPED, 0) == -errno.EFAULT
    del now


# -- statfs, fstatfs, fadvise64 -----------------------------------------------------------------
def _statfs_fields(raw: bytes) -> dict:
    """struct statfs (64-bit generic ABI): seven 8-byte counts, f_fsid, namelen, frsize,
    flags, spare[4]."""
    (f_type, bsize, blocks, bfree, bavail, files, ffree, fsid0, fsid1, namelen, frsize, flags,
     *spare) = struct.unpack("<7q2i7q", raw)
    return dict(type=f_type, bsize=bsize, blocks=blocks, files=files, namelen=namelen,
                frsize=frsize, spare=spare)


def test_statfs_and_fstatfs_give_the_hosts_figures(guest, tmp_path):
    # oracle: the host's statvfs of the same file system (glibc fills it from statfs)
    host = os.statvfs(tmp_path)
    buf = guest.alloc(120)
    assert guest.call("statfs", guest.cstr(str(tmp_path)), buf) == 0
    got = _statfs_fields(guest.read(buf, 120))
    assert (got["bsize"], got["blocks"], got["files"], got["namelen"], got["frsize"]) == (
        host.f_bsize, host.f_blocks, host.f_files, host.f_namemax, host.f_frsize)
    assert got["type"] != 0 and got["spare"] == [0, 0, 0, 0]
    fd = open_file(guest, tmp_path, O_DIRECTORY)
    buf2 = guest.alloc(120)
    assert guest.call("fstatfs", fd, buf2) == 0
    assert _statfs_fields(guest.read(buf2, 120))["blocks"] == got["blocks"]
    assert guest.call("statfs", guest.cstr(str(tmp_path / "missing")), buf) == -errno.ENOENT
    assert guest.call("statfs", guest.cstr(str(tmp_path)), RO_PAGE) == -errno.EFAULT
    assert guest.call("statfs", UNMAPPED, buf) == -errno.EFAULT
    assert guest.call("fstatfs", 77, buf) == -errno.EBADF


def test_statfs_looks_in_the_sysroot_first(make_guest, tmp_path):
    root = tmp_path / "sysroot"
    (root / "only-here").mkdir(parents=True)
    g = make_guest(sysroot=str(root))
    buf = g.alloc(120)
    assert g.call("statfs", g.cstr("/only-here"), buf) == 0     # qemu: statfs(path(p))
    assert g.call("statfs", g.cstr("/no-such-dir-anywhere"), buf) == -errno.ENOENT


def test_fadvise64_is_the_hosts_answer(guest, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    fd = open_file(guest, path)
    POSIX_FADV_SEQUENTIAL, POSIX_FADV_DONTNEED = 2, 4
    assert guest.call("fadvise64", fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0
    assert guest.call("fadvise64", fd, 10, 50, POSIX_FADV_DONTNEED) == 0
    assert guest.call("fadvise64", fd, 0, 0, 99) == -errno.EINVAL
    assert guest.call("fadvise64", 77, 0, 0, POSIX_FADV_SEQUENTIAL) == -errno.EBADF
    pipe = guest.alloc(8)
    assert guest.call("pipe2", pipe, 0) == 0
    read_end = struct.unpack("<i", guest.read(pipe, 4))[0]
    assert guest.call("fadvise64", read_end, 0, 0, POSIX_FADV_SEQUENTIAL) == -errno.ESPIPE


def test_xattrs_are_the_hosts(guest, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"")
    try:
        os.setxattr(path, "user.dbt", b"value")
    except OSError:
        pytest.skip("the host file system of tmp_path has no user xattrs")
    names = b"".join(os.fsencode(n) + b"\0" for n in os.listxattr(path))   # oracle: the host
    buf = guest.alloc(256)
    p = guest.cstr(str(path))
    for call in ("listxattr", "llistxattr"):
        assert guest.call(call, p, 0, 0) == len(names)
        assert guest.call(call, p, buf, 256) == len(names) and guest.read(buf, len(names)) == names
        assert guest.call(call, p, buf, 1) == -errno.ERANGE
    fd = open_file(guest, path)
    assert guest.call("flistxattr", fd, buf, 256) == len(names)
    key = guest.cstr("user.dbt")
    for call, target in (("getxattr", p), ("lgetxattr", p), ("fgetxattr", fd)):
        assert guest.call(call, target, key, 0, 0) == 5
        assert guest.call(call, target, key, buf, 256) == 5 and guest.read(buf, 5) == b"value"
        assert guest.call(call, target, key, buf, 2) == -errno.ERANGE
    assert guest.call("getxattr", p, guest.cstr("user.none"), buf, 256) == -errno.ENODATA
    assert guest.call("getxattr", p, guest.cstr(""), buf, 256) == -errno.ERANGE
    assert guest.call("getxattr", p, key, UNMAPPED, 256) == -errno.EFAULT
    assert guest.call("listxattr", guest.cstr(str(tmp_path / "missing")), buf, 256) == -errno.ENOENT
