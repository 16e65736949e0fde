/* bytecode: branchy — a register-machine bytecode interpreter (switch dispatch compiled to a
 * jump table: an indirect jump per bytecode, data-dependent branches) running a fixed program
 * that sums the Collatz path lengths of 1..n.
 * argv[1] scales the work (n in thousands, default 20). */
#include <stdio.h>
#include <stdlib.h>

enum { LI, ADDI, ADD, ANDI, SHRI, JZ, JMP, JLE, HALT };
struct insn { unsigned char op, a, b; long c; };

static const struct insn program[] = {
    /* 0 */ {LI, 0, 0, 1},            /* r0 = n = 1 */
    /* 1 */ {LI, 2, 0, 0},            /* r2 = total = 0 */
    /* 2 */ {ADDI, 3, 0, 0},          /* loop_n: r3 = x = n */
    /* 3 */ {ADDI, 4, 3, -1},         /* loop_x: r4 = x - 1 */
    /* 4 */ {JZ, 4, 0, 14},           /* if x == 1 goto done_x */
    /* 5 */ {ANDI, 5, 3, 1},
    /* 6 */ {JZ, 5, 0, 11},           /* if x is even goto even */
    /* 7 */ {ADD, 6, 3, 3},           /* x = 3x + 1 (ADD's second source register is c) */
    /* 8 */ {ADD, 3, 6, 3},
    /* 9 */ {ADDI, 3, 3, 1},
    /* 10 */ {JMP, 0, 0, 12},
    /* 11 */ {SHRI, 3, 3, 1},         /* even: x >>= 1 */
    /* 12 */ {ADDI, 2, 2, 1},         /* total++ */
    /* 13 */ {JMP, 0, 0, 3},          /* goto loop_x */
    /* 14 */ {ADDI, 0, 0, 1},         /* done_x: n++ */
    /* 15 */ {JLE, 0, 1, 2},          /* if n <= limit goto loop_n */
    /* 16 */ {HALT, 0, 0, 0},
};

static long run(const struct insn *code, long limit, long *steps) {
    long r[8] = {0};
    long executed = 0;
    r[1] = limit;
    for (const struct insn *pc = code;; executed++) {
        const struct insn *i = pc++;
        switch (i->op) {
        case LI: r[i->a] = i->c; break;
        case ADDI: r[i->a] = r[i->b] + i->c; break;
        case ADD: r[i->a] = r[i->b] + r[(int)i->c]; break;
        case ANDI: r[i->a] = r[i->b] & i->c; break;
        case SHRI: r[i->a] = (long)((unsigned long)r[i->b] >> i->c); break;
        case JZ: if (r[i->a] == 0) pc = code + i->c; break;
        case JMP: pc = code + i->c; break;
        case JLE: if (r[i->a] <= r[i->b]) pc = code + i->c; break;
        case HALT: *steps = executed; return r[2];
        default: abort();
        }
    }
}

int main(int argc, char **argv) {
    long n = (argc > 1 ? atol(argv[1]) : 20) * 1000L;
    long steps, total = run(program, n, &steps);
    printf("collatz total %ld over 1..%ld, %ld bytecodes\n", total, n, steps);
    return 0;
}
