/*
 * traps.c -- instructions that end the process with a signal, one per argv[1]:
 *   illegal      an all-zero instruction word (SIGILL)
 *   csr          reading a machine-mode CSR (mstatus) from user mode (SIGILL)
 *   frm          a floating-point op with the dynamic rounding mode while frm holds the
 *                reserved value 5 (SIGILL)
 *   ebreak       a breakpoint (SIGTRAP)
 *   amo_misaligned   amoadd.w on an address that is not 4-byte aligned (SIGBUS under qemu-user)
 *   lr_misaligned    lr.d on an address that is not 8-byte aligned
 *   jump_null    a jump to address 0 (SIGSEGV on instruction fetch)
 * Each prints a line first (flushed) so the output before the signal is compared too.
 *
 * On AArch64 the same names mean: illegal the same all-zero word (UDF #0, SIGILL); csr
 * reading a system register of EL1 (MRS SCTLR_EL1, SIGILL); ebreak BRK #0 (SIGTRAP);
 * amo_misaligned LDADD (LSE, ARMv8.1) on a word that crosses a 16-byte boundary (SIGBUS);
 * lr_misaligned LDXR of a doubleword at a 4-byte aligned address (SIGBUS); jump_null the same.
 * There is no frm: AArch64 has no reserved rounding mode (the case runs on RISC-V only).
 */
#include <stdio.h>
#include <string.h>

static long words[4];

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "illegal";
    printf("about to: %s\n", what);
    fflush(stdout);
    if (!strcmp(what, "illegal")) {
        __asm__ volatile(".4byte 0x00000000");
#if defined(__aarch64__)
    } else if (!strcmp(what, "csr")) {
        long v;
        __asm__ volatile("mrs %0, sctlr_el1" : "=r"(v));
        printf("sctlr_el1 %lx\n", v);
    } else if (!strcmp(what, "ebreak")) {
        __asm__ volatile("brk #0");
    } else if (!strcmp(what, "amo_misaligned")) {
        int old;
        char *p = (char *)words + 14;
        __asm__ volatile(".arch_extension lse\n\tldadd %w2, %w0, [%1]"
                         : "=r"(old) : "r"(p), "r"(1) : "memory");
        printf("old %d\n", old);
    } else if (!strcmp(what, "lr_misaligned")) {
        long v;
        char *p = (char *)words + 4;
        __asm__ volatile("ldxr %0, [%1]" : "=r"(v) : "r"(p) : "memory");
        printf("v %ld\n", v);
#else
    } else if (!strcmp(what, "csr")) {
        long v;
        __asm__ volatile("csrr %0, mstatus" : "=r"(v));
        printf("mstatus %lx\n", v);
    } else if (!strcmp(what, "frm")) {
        double x = 1.0, y = 3.0, z;
        __asm__ volatile("csrwi frm, 5\n\tfdiv.d %0, %1, %2" : "=f"(z) : "f"(x), "f"(y));
        printf("z %a\n", z);
    } else if (!strcmp(what, "ebreak")) {
        __asm__ volatile("ebreak");
    } else if (!strcmp(what, "amo_misaligned")) {
        int old;
        char *p = (char *)words + 1;
        __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(1) : "memory");
        printf("old %d\n", old);
    } else if (!strcmp(what, "lr_misaligned")) {
        long v;
        char *p = (char *)words + 4;
        __asm__ volatile("lr.d %0, (%1)" : "=r"(v) : "r"(p) : "memory");
        printf("v %ld\n", v);
#endif
    } else if (!strcmp(what, "jump_null")) {
        void (*volatile f)(void) = 0;
        f();
    }
    printf("still alive\n");
    return 0;
}
