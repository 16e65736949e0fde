/*
 * funcptr_switch.c -- indirect control flow.
 *
 * Covers: calls through a table of function pointers and through pointers stored in
 * structs, function pointers passed as arguments and returned from functions, a dense
 * 24-case switch that -O2 compiles to a jump table (an indirect jump through a table in
 * .rodata), a small bytecode interpreter (switch dispatch) and the same interpreter with
 * computed goto (labels as values), indirect tail calls, and deep mutual recursion.
 */
#include <stdint.h>
#include <stdio.h>

typedef long (*binop)(long, long);

static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b ? a / b : 0; }
static long op_mod(long a, long b) { return b ? a % b : 0; }
static long op_and(long a, long b) { return a & b; }
static long op_or(long a, long b) { return a | b; }
static long op_xor(long a, long b) { return a ^ b; }

static const binop table[] = {op_add, op_sub, op_mul, op_div, op_mod, op_and, op_or, op_xor};
static const char *names[] = {"add", "sub", "mul", "div", "mod", "and", "or", "xor"};

struct shape {
    const char *name;
    long (*area)(const struct shape *);
    long w, h;
};
static long rect_area(const struct shape *s) { return s->w * s->h; }
static long tri_area(const struct shape *s) { return s->w * s->h / 2; }
static long sq_area(const struct shape *s) { return s->w * s->w; }

static binop pick(int i) { return table[i & 7]; }
static long apply(binop f, long a, long b) { return f(a, b); }

static __attribute__((noinline)) long dense(unsigned x)
{
    switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return (long)x * 41;
    case 4: return 53;
    case 5: return -67;
    case 6: return 79;
    case 7: return 83 << 3;
    case 8: return 97;
    case 9: return 101;
    case 10: return 103 ^ 0x55;
    case 11: return 107;
    case 12: return 109;
    case 13: return 113;
    case 14: return -127;
    case 15: return 131;
    case 16: return 137;
    case 17: return 139;
    case 18: return 149;
    case 19: return 151;
    case 20: return 157;
    case 21: return 163;
    case 22: return 167;
    case 23: return 173;
    default: return -1;
    }
}

enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, POP, HALT, OVER, ROT };

static long run_switch(const long *code)
{
    long st[64];
    int sp = 0;
    long pc = 0;
    for (;;) {
        switch (code[pc++]) {
        case PUSH: st[sp++] = code[pc++]; break;
        case ADD: sp--; st[sp - 1] += st[sp]; break;
        case SUB: sp--; st[sp - 1] -= st[sp]; break;
        case MUL: sp--; st[sp - 1] *= st[sp]; break;
        case DUP: st[sp] = st[sp - 1]; sp++; break;
        case SWAP: { long t = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = t; } break;
        case JNZ: { long t = code[pc++]; if (st[--sp]) pc = t; } break;
        case DEC: st[sp - 1]--; break;
        case POP: sp--; break;
        case OVER: st[sp] = st[sp - 2]; sp++; break;
        case ROT: { long t = st[sp - 3]; st[sp - 3] = st[sp - 2]; st[sp - 2] = st[sp - 1]; st[sp - 1] = t; } break;
        case HALT: return st[sp - 1];
        default: return -999;
        }
    }
}

static long run_goto(const long *code)
{
    static void *const labels[] = {&&l_push, &&l_add, &&l_sub, &&l_mul, &&l_dup, &&l_swap,
                                   &&l_jnz,  &&l_dec, &&l_pop, &&l_halt, &&l_over, &&l_rot};
    long st[64];
    int sp = 0;
    long pc = 0;
#define NEXT goto *labels[code[pc++]]
    NEXT;
l_push: st[sp++] = code[pc++]; NEXT;
l_add: sp--; st[sp - 1] += st[sp]; NEXT;
l_sub: sp--; st[sp - 1] -= st[sp]; NEXT;
l_mul: sp--; st[sp - 1] *= st[sp]; NEXT;
l_dup: st[sp] = st[sp - 1]; sp++; NEXT;
l_swap: { long t = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = t; } NEXT;
l_jnz: { long t = code[pc++]; if (st[--sp]) pc = t; } NEXT;
l_dec: st[sp - 1]--; NEXT;
l_pop: sp--; NEXT;
l_over: st[sp] = st[sp - 2]; sp++; NEXT;
l_rot: { long t = st[sp - 3]; st[sp - 3] = st[sp - 2]; st[sp - 2] = st[sp - 1]; st[sp - 1] = t; } NEXT;
l_halt: return st[sp - 1];
#undef NEXT
}

/* mutual recursion through pointers */
static int is_even(unsigned n);
static int is_odd(unsigned n);
static int (*volatile ev)(unsigned) = is_even;
static int (*volatile od)(unsigned) = is_odd;
static int is_even(unsigned n) { return n == 0 ? 1 : od(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : ev(n - 1); }

int main(void)
{
    for (int i = 0; i < 8; i++)
        printf("%s(1000003, -17) = %ld; via pick %ld\n", names[i], table[i](1000003, -17),
               apply(pick(i), 77, 5));

    struct shape shapes[] = {{"rect", rect_area, 6, 7}, {"tri", tri_area, 9, 5},
                             {"square", sq_area, 12, 0}};
    for (int i = 0; i < 3; i++)
        printf("%s area %ld\n", shapes[i].name, shapes[i].area(&shapes[i]));

    long acc = 0;
    for (unsigned i = 0; i < 3000; i++)
        acc = acc * 3 + dense((i * 7u) % 26u);
    printf("dense switch acc %ld\n", acc);
    for (unsigned i = 0; i < 26; i++)
        printf("%ld%c", dense(i), i == 25 ? '\n' : ' ');

    /* factorial of 20 and a countdown sum, as bytecode:
       acc=1 n=20; loop: acc*=n; n--; jnz n loop */
    static const long fact[] = {PUSH, 1, PUSH, 20,          /* acc n */
                                DUP, ROT, MUL, SWAP, DEC,   /* acc*n  n-1 */
                                DUP, JNZ, 4, POP, HALT};
    static const long tri[] = {PUSH, 0, PUSH, 1000,       /* s n */
                               DUP, ROT, ADD, SWAP, DEC, DUP, JNZ, 4, POP, HALT};
    printf("bytecode switch fact20=%ld tri1000=%ld\n", run_switch(fact), run_switch(tri));
    printf("bytecode goto   fact20=%ld tri1000=%ld\n", run_goto(fact), run_goto(tri));

    printf("mutual recursion even(3001)=%d odd(3001)=%d\n", ev(3001), od(3001));
    return 0;
}
