"""The guest's own /proc files: /proc/self/maps, /proc/self/auxv and /proc/self/cmdline.

As qemu-user does, an open of one of these (by /proc/self/, /proc/<pid>/ or
/proc/thread-self/, after resolving the path as the host would) gets a memfd holding text
generated from the guest's state; any other /proc file is the host's.

/proc/self/maps lists GuestMemory's mapping records as qemu-user 7.2 prints them (its
open_self_maps copies the host's VMAs of the guest's range): `start-end perms offset
major:minor inode` with unpadded hex addresses, then spaces to column 73 and the name (a file's
host path, [stack] for the stack above its guard page, nothing for anonymous memory — the heap
included, since qemu's brk pages are host mmaps — on every line, padded alike); adjacent
records that Linux would hold as one VMA (they differ only in `written`) are one line.
qemu's /proc/thread-self is the host's.
"""

from __future__ import annotations

import os
import re

from ..memory import PROT_EXEC, PROT_READ, PROT_WRITE, STACK, GuestFault, GuestMemory

_OWN = re.compile(rb"^/proc/(\d+)/(?:task/(\d+)/)?(maps|auxv|cmdline)$")
_NAME_COLUMN = 73            # qemu pads each line to 73 characters, then the name


def fake_file(k, name: bytes) -> bytes | None:
    """The contents of one of the guest's own /proc files named by `name`, else None."""
    if b"proc" not in name and not os.getcwdb().startswith(b"/proc"):
        return None
    found = _OWN.match(os.path.realpath(name))
    if not found or int(found.group(1)) != k.pid or found.group(2) not in (None, b"%d" % k.pid):
        return None
    return _GENERATORS[found.group(3)](k)


def memfd(content: bytes) -> int:
    """A host fd holding `content`, at offset 0."""
    fd = os.memfd_create("dbt-vm-proc", os.MFD_CLOEXEC)
    try:
        os.write(fd, content)
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


def maps_text(memory: GuestMemory) -> bytes:
    """/proc/self/maps of the guest."""
    lines = []
    for m in linux_vmas(memory):
        perms = b"%c%c%c%c" % (b"r" if m.prot & PROT_READ else b"-",
                               b"w" if m.prot & PROT_WRITE else b"-",
                               b"x" if m.prot & PROT_EXEC else b"-",
                               b"s" if m.shared else b"p")
        dev = m.file.dev if m.file else 0
        head = b"%x-%x %s %08x %02x:%02x %d" % (
            m.start, m.end, perms, m.offset, os.major(dev), os.minor(dev),
            m.file.ino if m.file else 0)
        lines.append(head.ljust(_NAME_COLUMN) + _name(m))
    return b"".join(line + b"\n" for line in lines)


def linux_vmas(memory: GuestMemory) -> list:
    """The mapping records merged as Linux's VMAs would be (`written` apart)."""
    vmas = []
    for m in memory.mappings():
        if vmas and vmas[-1].joins(m, linux=True):
            vmas[-1] = vmas[-1]._replace(end=m.end, written=vmas[-1].written or m.written)
        else:
            vmas.append(m)
    return vmas


def _name(m) -> bytes:
    if m.file is not None:
        return m.file.path
    if m.kind == STACK:
        return b"[stack]"
    return b"/dev/zero (deleted)" if m.shared else b""


def auxv_bytes(k) -> bytes:
    """The auxiliary vector as it is on the guest's stack (qemu reads it from there too)."""
    addr, size = k.auxv
    try:
        return k.memory.read(addr, size) if size else b""
    except GuestFault:
        return b""


def cmdline(k) -> bytes:
    return b"".join(arg + b"\0" for arg in k.argv)


_GENERATORS = {b"maps": lambda k: maps_text(k.memory), b"auxv": auxv_bytes, b"cmdline": cmdline}
