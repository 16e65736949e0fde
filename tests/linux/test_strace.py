"""--strace output in qemu-user's -strace format."""

from __future__ import annotations

import os
import struct

import pytest

from dbt.linux import ProcessExit

AT_FDCWD = -100 & (1 << 64) - 1
NEG1 = (1 << 64) - 1


@pytest.fixture
def traced(make_guest):
    return make_guest(strace=True)


def lines(guest):
    return guest.err.getvalue().splitlines()


def test_write_line(traced, capfd):
    buf = traced.alloc(b"hi\n")
    traced.call("write", 1, buf, 3)
    assert lines(traced) == [f"{os.getpid()} write(1,{buf:#x},3) = 3"]


def test_errors_print_errno(traced):
    traced.call("close", 99)
    assert lines(traced) == [f"{os.getpid()} close(99) = -1 errno=9 (Bad file descriptor)"]


def test_openat_line(traced, tmp_path):
    path = tmp_path / "x"
    name = traced.cstr(str(path))
    traced.call("openat", AT_FDCWD, name, 0o2000000 | 0o1000 | 0o100 | 2, 0o644)
    pid = os.getpid()
    assert lines(traced) == [
        f'{pid} openat(AT_FDCWD,"{path}",O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC,0644) = 3']


def test_mmap_and_brk_print_addresses(traced):
    addr = traced.call("mmap", 0, 8192, 3, 0x22, NEG1, 0)
    traced.call("brk", 0)
    pid = os.getpid()
    assert lines(traced) == [
        f"{pid} mmap(NULL,8192,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0) = "
        f"0x{addr:016x}",
        f"{pid} brk(NULL) = 0x{traced.mem.brk_end:016x}"]


def test_generic_and_struct_results(traced):
    ts = traced.alloc(16)
    traced.call("clock_gettime", 1, ts)
    sec, nsec = struct.unpack("<qq", traced.read(ts, 16))
    traced.call("getpid")
    traced.call("set_tid_address", 0x100000)
    pid = os.getpid()
    assert lines(traced) == [
        f"{pid} clock_gettime(CLOCK_MONOTONIC,0x{ts:016x}) = 0 ({{tv_sec = {sec},"
        f"tv_nsec = {nsec}}})",
        f"{pid} getpid() = {pid}",
        f"{pid} set_tid_address(1048576,0,0,0,0,0) = {pid}"]


def test_exit_group_line(traced):
    with pytest.raises(ProcessExit):
        traced.call("exit_group", 3)
    assert traced.err.getvalue() == f"{os.getpid()} exit_group(3)\n"


def test_unknown_syscall_line(traced):
    traced.call(999)
    assert lines(traced) == [f"{os.getpid()} Unknown syscall 999",
                             "dbt-vm: warning: unsupported syscall 999"]


def test_bad_string_prints_pointer(traced):
    traced.call("chdir", 0x130000)
    assert lines(traced)[0].startswith(f"{os.getpid()} chdir(0x0000000000130000) = -1 errno=14")


def test_no_output_without_strace(guest):
    guest.call("getpid")
    assert guest.err.getvalue() == ""


def test_fatal_signal_after_the_result(traced):
    import struct as _struct
    from dbt.linux import FatalSignal
    mask = traced.alloc(_struct.pack("<Q", 1 << 5))
    traced.call("rt_sigprocmask", 0, mask, 0, 8)
    traced.call("tkill", os.getpid(), 6)
    empty = traced.alloc(8)
    with pytest.raises(FatalSignal):
        traced.call("rt_sigprocmask", 2, empty, 0, 8)
    pid = os.getpid()
    assert lines(traced)[-3:] == [
        f"{pid} tkill({pid},SIGIOT) = 0",
        f"{pid} rt_sigprocmask(SIG_SETMASK,0x{empty:016x},NULL) = 0",
        f"--- SIGIOT {{si_signo=SIGIOT, si_code=SI_TKILL, si_pid={pid}, "
        f"si_uid={os.getuid()}}} ---"]


def test_execve_line(traced):
    # qemu-riscv64 7.2 -strace prints a failed execve as
    #   execve("./no-such-file",{"./no-such-file",NULL}) = -1 errno=2 (No such file or directory)
    path = traced.cstr("/no/such/file")
    argv = traced.alloc(struct.pack("<QQQ", traced.cstr("a"), traced.cstr("b c"), 0))
    traced.call("execve", path, argv, 0)
    assert lines(traced) == [f'{os.getpid()} execve("/no/such/file",{{"a","b c",NULL}}) = -1 '
                             'errno=2 (No such file or directory)']


def test_clone_arguments_as_qemu_prints_them(traced):
    # the line qemu-riscv64 7.2 -strace printed for glibc's fork() (tests/programs/fork_wait)
    from dbt.linux import strace
    text = strace.call_text(traced.kernel, "clone", [0x1200011, 0, 0, 0, 0x800d0, 0])
    assert text == (f"{traced.kernel.pid} clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|0x11,"
                    "child_stack=0x0000000000000000,parent_tidptr=0x0000000000000000,"
                    "tls=0x0000000000000000,child_tidptr=0x00000000000800d0)")


def test_a_syscall_qemu_lacks_prints_as_qemu_prints_it(traced):
    # qemu-riscv64 7.2 -strace on glibc's start-up prints `<pid> Unknown syscall 293` (rseq)
    assert traced.call("rseq", 0, 0, 0, 0) == -38
    assert lines(traced) == [f"{os.getpid()} Unknown syscall 293"]
