/*
 * hidden_entry.c -- code that static discovery cannot find.
 *
 * `visible` is an ordinary function; `hidden` is an entry point in the middle of it, after an
 * instruction that does not end a block, named by a local assembler label (no symbol), and
 * reached only through a pointer stored in a data table and mixed with a value read at run
 * time (so the call is no jump-table pattern either). A linear sweep and recursive descent
 * see one straight-line block from `visible` on: in `dbt-vm run --mode static` the jump to
 * `hidden` finds no translation and falls back to dynamic translation (and --stats says so).
 * The output is the same whatever finds the code.
 */
#include <stdio.h>

long visible(long x);
extern long (*const entry_table[2])(long);

#if defined(__aarch64__)
__asm__(".text\n"
        ".globl visible\n"
        ".type visible, @function\n"
        ".p2align 2\n"
        "visible:\n"
        "    add x0, x0, #100\n"
        ".Lhidden:\n"
        "    add x0, x0, #7\n"
        "    ret\n"
        ".size visible, .-visible\n"
        ".section .data.rel.ro,\"aw\"\n"
        ".globl entry_table\n"
        ".p2align 3\n"
        "entry_table:\n"
        "    .xword visible\n"
        "    .xword .Lhidden\n"
        ".text\n");
#else
__asm__(".text\n"
        ".globl visible\n"
        ".type visible, @function\n"
        "visible:\n"
        "    addi a0, a0, 100\n"
        ".Lhidden:\n"
        "    addi a0, a0, 7\n"
        "    ret\n"
        ".size visible, .-visible\n"
        ".section .data.rel.ro,\"aw\"\n"
        ".globl entry_table\n"
        ".p2align 3\n"
        "entry_table:\n"
        "    .dword visible\n"
        "    .dword .Lhidden\n"
        ".text\n");
#endif

static volatile unsigned long key;        /* 0, but read at run time */

int main(void)
{
    long sum = 0;
    for (long i = 0; i < 5; i++) {
        long (*entry)(long) = (long (*)(long))((unsigned long)entry_table[i & 1] ^ key);
        long a = entry(i);
        printf("entry %ld of %ld gives %ld\n", i & 1, i, a);
        sum += a;
    }
    printf("visible(1) = %ld, sum = %ld\n", visible(1), sum);
    return 0;
}
