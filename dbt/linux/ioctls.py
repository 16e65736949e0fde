"""The ioctls dbt-vm knows: the terminal block of qemu-user 7.2's table (linux-user/ioctls.h),
with the generic ABI's numbers (RISC-V and AArch64 alike; x86-64 hosts use the same numbers
and structs for them).

Each is (name, access, argument): access IOC_R (the kernel writes the argument), IOC_W (reads
it), IOC_RW, or 0; the argument None (none), "int" (the register itself), or what the pointer
points at: "*int", "*winsize", "*termios". qemu compares its `int target_cmd` with the whole
register: TIOCGPTN (_IOR, bit 31 set) is known only sign-extended. An ioctl that is not in
qemu's table fails with ENOSYS under qemu-user; ioctls in qemu's table outside its terminal
block (block devices, file-system flags, sound, ...) are not here: they fail with ENOSYS too.
"""

from .structs import TERMIOS_SIZE, WINSIZE_SIZE

IOC_R, IOC_W, IOC_RW = 1, 2, 3
POINTEE_SIZE = {"*int": 4, "*winsize": WINSIZE_SIZE, "*termios": TERMIOS_SIZE}

IOCTLS = {
    0x5401: ("TCGETS", IOC_R, "*termios"), 0x5402: ("TCSETS", IOC_W, "*termios"),
    0x5404: ("TCSETSF", IOC_W, "*termios"), 0x5403: ("TCSETSW", IOC_W, "*termios"),
    0x5413: ("TIOCGWINSZ", IOC_R, "*winsize"), 0x5414: ("TIOCSWINSZ", IOC_W, "*winsize"),
    0x541B: ("FIONREAD", IOC_R, "*int"), 0x5405: ("TCGETA", IOC_R, "*int"),
    0x5406: ("TCSETA", IOC_W, "*int"), 0x5407: ("TCSETAW", IOC_W, "*int"),
    0x5408: ("TCSETAF", IOC_W, "*int"), 0x5409: ("TCSBRK", 0, "int"),
    0x5425: ("TCSBRKP", 0, "int"), 0x540A: ("TCXONC", 0, "int"), 0x540B: ("TCFLSH", 0, "int"),
    0x540C: ("TIOCEXCL", 0, None), 0x540D: ("TIOCNXCL", 0, None),
    0x540E: ("TIOCSCTTY", 0, "int"), 0x540F: ("TIOCGPGRP", IOC_R, "*int"),
    0x5410: ("TIOCSPGRP", IOC_W, "*int"), 0x5429: ("TIOCGSID", IOC_W, "*int"),   # (qemu's W)
    0x5411: ("TIOCOUTQ", IOC_R, "*int"), 0x5412: ("TIOCSTI", IOC_W, "*int"),
    0x5415: ("TIOCMGET", IOC_R, "*int"), 0x5416: ("TIOCMBIS", IOC_W, "*int"),
    0x5417: ("TIOCMBIC", IOC_W, "*int"), 0x5418: ("TIOCMSET", IOC_W, "*int"),
    0x5419: ("TIOCGSOFTCAR", IOC_R, "*int"), 0x541A: ("TIOCSSOFTCAR", IOC_W, "*int"),
    0x541C: ("TIOCLINUX", IOC_RW, "*int"), 0x541D: ("TIOCCONS", 0, None),
    0x541E: ("TIOCGSERIAL", IOC_R, "*int"), 0x541F: ("TIOCSSERIAL", IOC_W, "*int"),
    0x5420: ("TIOCPKT", IOC_W, "*int"), 0x5421: ("FIONBIO", IOC_W, "*int"),
    0x5422: ("TIOCNOTTY", 0, None), 0x5424: ("TIOCGETD", IOC_R, "*int"),
    0x5423: ("TIOCSETD", IOC_W, "*int"), 0x5441: ("TIOCGPTPEER", 0, "int"),
    0x5451: ("FIOCLEX", 0, None), 0x5450: ("FIONCLEX", 0, None),
    0x5452: ("FIOASYNC", IOC_W, "*int"), 0x5456: ("TIOCGLCKTRMIOS", IOC_R, "*termios"),
    0x5457: ("TIOCSLCKTRMIOS", IOC_W, "*termios"), 0x5453: ("TIOCSERCONFIG", 0, None),
    0x5459: ("TIOCSERGETLSR", IOC_R, "*int"), 0x545C: ("TIOCMIWAIT", 0, "int"),
    0xFFFF_FFFF_8004_5430: ("TIOCGPTN", IOC_R, "*int"),
    0x4004_5431: ("TIOCSPTLCK", IOC_W, "*int"),
}
