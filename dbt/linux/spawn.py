"""Child processes: clone without CLONE_VM (fork), wait4/waitid, execve, process groups.

A guest fork is a fork of the whole dbt-vm process (as qemu-user's): the child carries on
from the same guest state with 0 in the result register. CLONE_VFORK is a fork too (qemu-user
drops CLONE_VM|CLONE_VFORK the same way): the child gets a copy of memory instead of the
parent's, which libcs' posix_spawn and vfork() cope with, since the parent waits for nothing
the child writes. The engine's helper process is the parent's own: the child's engine lets go
of it (`LinuxKernel.on_fork`).

dbt-vm may have children of its own (the engine's helper process), which a guest's wait for
"any child" must not see: the kernel keeps the pids of the guest's children, a wait for any
child with none of them left fails with ECHILD at once, and a reaped pid that is not the
guest's is passed over.

execve of a guest program runs it with the same options, as qemu-user does where binfmt_misc
runs it for foreign binaries: the guest's argv and environment, its fds without close-on-exec
(same numbers), its ignored and blocked signals and its children go to the new image
(`ExecState`). The command line's single-threaded guest gets it in the same process
(`ExecImage`: the old image's run ends as at an exit and `leave_image` undoes what it left on
the host, so no new Python starts); otherwise a new dbt-vm replaces this process (options:
`LinuxKernel.relaunch`; the ExecState in an inherited memfd).
`#!` scripts run their interpreter, looked up in the sysroot as every guest path is. A
program of the host (x86-64: a path the sysroot lacks, such as /bin/sh in a sysroot of
libraries) runs natively, as under qemu-user, with the guest's fds at their numbers. Anything
else is ENOEXEC.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import signal
import stat
import sys

from ..arch import arch_for_machine
from ..memory import PROT_WRITE
from .abi import fail, host_syscall, s32, u32
from .paths import host_path, read_path
from .signals import HOST_KEPT, child_state

CSIGNAL = 0xff
CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND = 0x100, 0x200, 0x400, 0x800
CLONE_PIDFD, CLONE_PTRACE, CLONE_VFORK, CLONE_PARENT = 0x1000, 0x2000, 0x4000, 0x8000
CLONE_THREAD, CLONE_NEWNS, CLONE_SYSVSEM, CLONE_SETTLS = 0x10000, 0x20000, 0x40000, 0x80000
CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID = 0x100000, 0x200000
CLONE_DETACHED, CLONE_UNTRACED, CLONE_CHILD_SETTID = 0x400000, 0x800000, 0x1000000
CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER = 0x2000000, 0x4000000, 0x8000000, \
    0x10000000
CLONE_NEWPID, CLONE_NEWNET, CLONE_IO = 0x20000000, 0x40000000, 0x80000000
# What a fork may ask for (qemu-user's CLONE_IGNORED_FLAGS and CLONE_OPTIONAL_FORK_FLAGS, and
# the namespaces, which it passes to the host kernel and dbt-vm leaves out)
FORK_FLAGS = (CSIGNAL | CLONE_DETACHED | CLONE_IO | CLONE_SETTLS | CLONE_PARENT_SETTID
              | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_UNTRACED | CLONE_NEWNS
              | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
              | CLONE_NEWNET | CLONE_PTRACE)

WNOHANG, WUNTRACED, WCONTINUED, WEXITED, WNOWAIT = 1, 2, 8, 4, 0x01000000
WNOTHREAD, WALL, WCLONE = 0x20000000, 0x40000000, 0x80000000
P_ALL, P_PID, P_PGID, P_PIDFD = 0, 1, 2, 3
RUSAGE_SIZE, SIGINFO_SIZE = 144, 128       # struct rusage, siginfo_t: the same on x86-64

MAX_ARG_STRINGS = 0x7FFFFFFF
MAX_ARG_BYTES = 2 << 20                    # argv + envp: what Linux's default stack allows
BINPRM_BUF_SIZE = 256                      # the bytes of a `#!` line Linux reads
MAX_INTERP_DEPTH = 4                       # Linux's BINPRM_MAX_RECURSION
ELF_MAGIC = b"\x7fELF"


# -- fork ----------------------------------------------------------------------------------------
def sys_clone(k, flags, newsp, parent_tid, tls, child_tid):
    """clone(flags, stack, parent_tid, tls, child_tid): the asm-generic order of riscv64 and
    arm64 (CONFIG_CLONE_BACKWARDS)."""
    flags = u32(flags)
    if flags & CLONE_VFORK:
        flags &= ~(CLONE_VFORK | CLONE_VM)
    if flags & CLONE_THREAD:
        return k.threads.clone(flags, newsp, parent_tid, tls, child_tid)
    if flags & CLONE_VM:                  # (memory shared by another process: not made)
        k.warn_once("clone-vm", "clone with CLONE_VM but not CLONE_THREAD is not supported")
        fail(errno.ENOSYS)
    if flags & ~FORK_FLAGS:
        fail(errno.EINVAL)
    if flags & CLONE_PARENT_SETTID and not k.memory.check(parent_tid, 4, PROT_WRITE):
        fail(errno.EFAULT)
    if flags & CLONE_CHILD_SETTID and not k.memory.check(child_tid, 4, PROT_WRITE):
        fail(errno.EFAULT)
    pid = fork_process(k)
    state, abi = k.state, k.abi
    if pid == 0:
        pid_now = k.pid
        if newsp:
            state[abi.sp] = newsp
        if flags & CLONE_SETTLS:
            state[abi.tls] = tls
        if flags & CLONE_CHILD_SETTID:
            k.memory.store(child_tid, 4, pid_now)
        if flags & CLONE_CHILD_CLEARTID:
            k.threads.current.tid_address = child_tid
        if flags & CLONE_PARENT_SETTID:        # (the child's copy, as Linux writes both)
            k.memory.store(parent_tid, 4, pid_now)
        return 0
    if flags & CLONE_PARENT_SETTID:
        k.memory.store(parent_tid, 4, pid)
    return pid


def _flush_own_output(k) -> None:
    """Flush dbt-vm's own buffered output before the process is copied or replaced."""
    for stream in (sys.stdout, sys.stderr, k.err):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def fork_process(k) -> int:
    """Fork dbt-vm: the child's pid in the parent, 0 in the child (whose kernel and engine
    have let go of what is the parent's own)."""
    _flush_own_output(k)                    # (nothing of dbt-vm's printed twice)
    pid = os.fork()
    if pid:
        k.children.add(pid)
        return pid
    k.pid = os.getpid()
    k.children = set()
    for hook in k.on_fork:
        hook()
    return 0


# -- wait ----------------------------------------------------------------------------------------
def _wait_options(options: int, allowed: int) -> int:
    if options & ~allowed:
        fail(errno.EINVAL)
    return options


def sys_wait4(k, pid, status_addr, options, rusage_addr):
    pid = s32(pid)
    options = _wait_options(u32(options), WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL
                            | WCLONE)
    if pid == -(1 << 31):                  # -INT_MIN has no process group (Linux: ESRCH)
        fail(errno.ESRCH)
    status = (ctypes.c_int * 1)()
    usage = ctypes.create_string_buffer(RUSAGE_SIZE)
    while True:
        if pid == -1 and not k.children:
            fail(errno.ECHILD)
        got = host_syscall("wait4", pid, status, options & ~(WALL | WCLONE), usage)
        if got == 0 or _guest_child(k, got, pid, exited=not _stopped(status[0])):
            break
    if got and not _stopped(status[0]):
        k.last_child = (got, *child_state(status[0]))
    if got and status_addr:
        k.memory.write(status_addr, status[0].to_bytes(4, "little", signed=True))
    if got and rusage_addr:
        k.memory.write(rusage_addr, usage.raw)
    return got


def _stopped(status: int) -> bool:
    """WIFSTOPPED or WIFCONTINUED: the child is still there."""
    return status & 0xff == 0x7f or status == 0xffff


def _guest_child(k, pid: int, asked: int, exited: bool) -> bool:
    """A reaped or reported child: the guest's (True), or one of dbt-vm's own (False: the
    guest's wait goes on, unless it asked for exactly this pid)."""
    ours = pid in k.children
    if exited:
        k.children.discard(pid)
    return ours or asked > 0


def sys_waitid(k, idtype, ident, infop, options, rusage_addr):
    idtype, ident = s32(idtype), s32(ident)
    options = _wait_options(u32(options), WNOHANG | WUNTRACED | WCONTINUED | WEXITED | WNOWAIT
                            | WNOTHREAD | WALL | WCLONE)
    if idtype not in (P_ALL, P_PID, P_PGID) or not options & (WEXITED | WUNTRACED | WCONTINUED):
        fail(errno.EINVAL)
    if idtype != P_ALL and ident <= 0 and not (idtype == P_PGID and ident == 0):
        fail(errno.EINVAL)
    info = ctypes.create_string_buffer(SIGINFO_SIZE)
    usage = ctypes.create_string_buffer(RUSAGE_SIZE)
    while True:
        if idtype == P_ALL and not k.children:
            fail(errno.ECHILD)
        ctypes.memset(info, 0, SIGINFO_SIZE)
        host_syscall("waitid", idtype, ident, info, options & ~(WALL | WCLONE), usage)
        pid = int.from_bytes(info.raw[16:20], "little", signed=True)
        code = int.from_bytes(info.raw[8:12], "little", signed=True)
        exited = code in (1, 2, 3) and not options & WNOWAIT   # CLD_EXITED/KILLED/DUMPED
        asked = ident if idtype == P_PID else -1
        if pid == 0 or _guest_child(k, pid, asked, exited):
            break
    if infop:
        k.memory.write(infop, info.raw)
    if rusage_addr:
        k.memory.write(rusage_addr, usage.raw)
    return 0


# -- process groups and sessions -------------------------------------------------------------------
def sys_setpgid(k, pid, pgid):
    pid, pgid = s32(pid), s32(pgid)
    if pgid < 0:
        fail(errno.EINVAL)
    os.setpgid(pid, pgid)
    return 0


def sys_setsid(k):
    os.setsid()
    return os.getsid(0)


# -- execve --------------------------------------------------------------------------------------
def _string_array(k, addr: int) -> list[bytes]:
    """A NULL-terminated array of guest string pointers (EFAULT when unreadable, E2BIG when
    too long)."""
    out, total = [], 0
    if not addr:
        return out
    while True:
        ptr = k.memory.load(addr + 8 * len(out), 8)
        if not ptr:
            return out
        text = k.memory.read_cstring(ptr, MAX_ARG_BYTES)
        total += len(text) + 1 + 8
        if total > MAX_ARG_BYTES or len(out) >= MAX_ARG_STRINGS:
            fail(errno.E2BIG)
        out.append(text)


def sys_execve(k, path, argv, envp):
    return _execve(k, read_path(k, path), _string_array(k, argv), _string_array(k, envp))


def _execve(k, path: bytes, argv: list[bytes], envp: list[bytes]) -> int:
    native, host, argv = find_image(k, path, argv)
    if native:
        _before_exec(k)
        exec_native(k, host, argv, envp)
    exec_image(k, host, path, argv, envp)    # returns only if the host execve failed
    return 0


def _before_exec(k) -> None:
    for hook in k.on_exec:                  # (the engine keeps what this image translated)
        hook()


def find_image(k, path: bytes, argv: list[bytes]) -> tuple[bool, bytes, list[bytes]]:
    """(native, host path, argv) of the ELF that execve(path, argv) runs, through `#!` lines
    as Linux follows them: a guest program (native False), or one of the host's (a file that
    the sysroot does not have, such as /bin/sh: run natively, as under qemu-user). Errors as
    Linux reports them."""
    for _ in range(MAX_INTERP_DEPTH + 1):
        host = host_path(k, path)
        head = _read_head(host)
        if head.startswith(ELF_MAGIC):
            machine = _elf64_machine(head)
            if machine is not None and arch_for_machine(machine) is not None:
                return False, host, argv
            if machine == EM_X86_64:
                return True, host, argv
            fail(errno.ENOEXEC)
        if not head.startswith(b"#!"):
            fail(errno.ENOEXEC)
        line = head[2:].split(b"\n", 1)[0].strip(b" \t")
        if not line:
            fail(errno.ENOEXEC)
        parts = line.replace(b"\t", b" ").split(b" ", 1)
        interp = parts[0]
        extra = [parts[1].strip(b" \t")] if len(parts) > 1 and parts[1].strip(b" \t") else []
        argv = [interp, *extra, path, *argv[1:]]
        path = interp
    fail(errno.ELOOP)


EM_X86_64 = 62


def _elf64_machine(head: bytes) -> int | None:
    """e_machine of a little-endian ELF64 header, else None (dbt-vm runs no other kind)."""
    if len(head) >= 20 and head[4] == 2 and head[5] == 1:
        return int.from_bytes(head[18:20], "little")
    return None


def exec_native(k, host: bytes, argv: list[bytes], envp: list[bytes]) -> None:
    """Replace this process with a host program, the guest's fds at their guest numbers (as
    qemu-user's execve does for a program of the host). Past the point where the fds have
    moved there is no way back: should the host's execve still fail, the process ends with
    status 127."""
    keep = k.fds.kept_on_exec()
    for entry in k.fds.entries.values():
        os.set_inheritable(entry.host, False)
    top = max([*keep, *keep.values(), 2]) + 1
    moved = {g: fcntl.fcntl(h, fcntl.F_DUPFD_CLOEXEC, top)       # (out of the way first)
             for g, h in keep.items()}
    for fd in (0, 1, 2):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    for g, h in moved.items():
        os.dup2(h, g, inheritable=True)
    _flush_own_output(k)
    signal.pthread_sigmask(signal.SIG_SETMASK, _signals(k.signals.blocked))
    ignored, _ = k.signals.exec_masks()
    for signo in range(1, 65):
        if signo in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(signo, signal.SIG_IGN if ignored >> (signo - 1) & 1 else signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    try:
        os.execve(host, argv, _env_dict(envp))
    except OSError as exc:
        os.write(2, f"dbt-vm: cannot execute {os.fsdecode(host)}: {exc.strerror}\n".encode())
    os._exit(127)


def _signals(mask: int) -> set:
    return {signo for signo in range(1, 65) if mask >> (signo - 1) & 1}


def _env_dict(envp: list[bytes]) -> dict:
    """os.execve wants a mapping: entries without '=' (which Linux passes on) are dropped."""
    env = {}
    for item in envp:
        if b"=" in item:
            key, value = item.split(b"=", 1)
            if key:
                env[key] = value
    return env


def _read_head(host: bytes) -> bytes:
    """The first bytes of an executable file, with execve's errors: ENOENT, EACCES for a file
    that is not regular or not executable, ENOEXEC for one too short to be anything."""
    info = os.stat(host)
    if not stat.S_ISREG(info.st_mode) or not os.access(host, os.X_OK):
        fail(errno.EACCES)
    with open(host, "rb") as f:
        return f.read(BINPRM_BUF_SIZE)


class ExecState:
    """What a guest execve hands to the new image: argv, envp, the guest's fds (guest number
    -> host fd, all inheritable), its ignored and blocked signals, and the process's children
    (still its own to wait for). For a new dbt-vm it travels as JSON in a memfd whose number
    is the `--exec-state` option."""

    def __init__(self, argv: list[bytes], envp: list[bytes], fds: dict[int, int],
                 ignored: int, blocked: int, execfn: bytes, children: set[int] = frozenset()):
        self.argv, self.envp, self.fds = argv, envp, fds
        self.ignored, self.blocked, self.execfn = ignored, blocked, execfn
        self.children = set(children)

    def dump(self) -> bytes:
        text = {"argv": [os.fsdecode(a) for a in self.argv],
                "envp": [os.fsdecode(e) for e in self.envp],
                "fds": {str(g): h for g, h in self.fds.items()},
                "ignored": self.ignored, "blocked": self.blocked,
                "execfn": os.fsdecode(self.execfn), "children": sorted(self.children)}
        return json.dumps(text).encode()

    @classmethod
    def load(cls, fd: int) -> "ExecState":
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read())
        return cls([os.fsencode(a) for a in data["argv"]], [os.fsencode(e) for e in data["envp"]],
                   {int(g): h for g, h in data["fds"].items()}, data["ignored"],
                   data["blocked"], os.fsencode(data["execfn"]), data["children"])


class ExecImage(Exception):
    """The guest's execve replaces its image by the guest program at `host`, in this
    process (`LinuxKernel.exec_here`): the runtime ends the old image's run as at an exit,
    `leave_image` undoes what it left on the host, and the command line runs the new one."""

    def __init__(self, state: ExecState, host: bytes):
        super().__init__(os.fsdecode(host))
        self.state, self.host = state, host


def exec_image(k, host: bytes, execfn: bytes, argv: list[bytes], envp: list[bytes]) -> None:
    """Replace this process's image with the guest ELF at `host`: in this process when the
    kernel may (ExecImage: a single-threaded guest of the command line), else by the host's
    execve of a new dbt-vm. Returns only when the host's execve failed (then nothing of the
    guest's has changed)."""
    fds = k.fds.kept_on_exec()
    ignored, blocked = k.signals.exec_masks()
    state = ExecState(argv, envp, fds, ignored, blocked, execfn, k.children)
    if k.exec_here and not k.threads.multi:
        raise ExecImage(state, host)
    _before_exec(k)
    memfd = os.memfd_create("dbt-vm-exec", 0)
    os.set_inheritable(memfd, True)
    os.write(memfd, state.dump())
    os.lseek(memfd, 0, os.SEEK_SET)
    for entry in k.fds.entries.values():           # (a host fd of a close-on-exec one too)
        if entry.cloexec and entry.host not in fds.values():
            os.set_inheritable(entry.host, False)
    made_inheritable = []
    for h in set(fds.values()):
        if not os.get_inheritable(h):
            os.set_inheritable(h, True)
            made_inheritable.append(h)
    flags, variables = _python_flags()
    command = [sys.executable, *flags, "-m", "dbt", "--host-sigign", f"{ignored:x}",
               "--host-sigblk", f"{blocked:x}", "run", *k.relaunch, "--exec-state",
               str(memfd), "--", os.fsdecode(host)]
    _flush_own_output(k)
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])  # (dbt/__init__.py)
    try:
        os.execve(sys.executable, command, {**k.host_env, **variables})
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        for h in made_inheritable:
            os.set_inheritable(h, False)
        os.close(memfd)


def leave_image(k, state: ExecState) -> None:
    """Undo on the host what the image that ExecImage replaces left there, as the host's
    execve would have: its close-on-exec fds are closed (the others stay, by number, in
    `state.fds`), the signals it handled go back to their default action (ignored ones stay
    ignored; the blocked mask stays), and the thread that watched for them ends."""
    kept = set(state.fds.values())
    for entry in k.fds.entries.values():
        if entry.host not in kept:
            try:
                os.close(entry.host)
            except OSError:
                pass
    k.fds.entries.clear()
    for signo in range(1, 65):
        if signo in HOST_KEPT:
            continue
        try:
            signal.signal(signo, signal.SIG_IGN if state.ignored >> (signo - 1) & 1
                          else signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    if k.watcher is not None:
        k.watcher.stop()
        k.watcher = None


def _python_flags() -> tuple[list[str], dict]:
    """The new dbt-vm's flags and the variables it needs beyond dbt-vm's environment. It
    starts without the `site` module (python -S) and with this process's import path in
    PYTHONPATH (stdlib, site-packages, what .pth files added; not the directory this one
    started in, as -P leaves it out): it skips reading site-packages' .pth files, which may
    import anything (a machine here had one that imported certifi: 25 ms of every exec'd
    process, a quarter of a warm one's time). Where this dbt-vm is not found through that
    path (an editable install's import hook), `site` stays."""
    paths = [p for p in sys.path[0 if sys.flags.safe_path else 1:] if isinstance(p, str) and p]
    home = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if home not in paths:
        return ["-P"], {}
    return ["-P", "-S"], {"PYTHONPATH": os.pathsep.join(paths)}


HANDLERS = {
    "clone": sys_clone, "wait4": sys_wait4, "waitid": sys_waitid, "execve": sys_execve,
    "setpgid": sys_setpgid, "setsid": sys_setsid,
}

__all__ = ["ExecImage", "ExecState", "HANDLERS", "fork_process", "leave_image"]
