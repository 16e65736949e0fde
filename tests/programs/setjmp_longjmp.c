/*
 * setjmp_longjmp.c -- non-local jumps.
 *
 * Covers: setjmp/longjmp across several frames, longjmp(env, 0) returning 1, re-using one
 * jmp_buf many times in a loop, nested jmp_bufs (an inner handler re-throwing to an outer one),
 * unwinding out of deep recursion, volatile locals surviving the jump, callee-saved integer
 * (s0-s11) and floating-point (fs0-fs11) registers restored by longjmp, and
 * sigsetjmp/siglongjmp with the signal mask saved and restored (sigprocmask).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf outer, inner;
static sigjmp_buf sigenv;
static int depth_reached;

static void __attribute__((noinline)) recurse(int n)
{
    volatile char pad[64];
    pad[n % 64] = (char)n;
    depth_reached = n;
    if (n == 500)
        longjmp(outer, n + pad[n % 64] * 0);
    recurse(n + 1);
    pad[0]++;
}

static void __attribute__((noinline)) thrower(int code)
{
    if (code >= 0)
        longjmp(inner, code);
}

static int __attribute__((noinline)) try_code(int code)
{
    int r = setjmp(inner);
    if (r == 0) {
        thrower(code);
        return -100; /* not thrown */
    }
    if (r == 3)
        longjmp(outer, 33); /* re-throw to the outer handler */
    return r;
}

/* Many live values in callee-saved registers across setjmp. */
static double __attribute__((noinline)) heavy(int seed)
{
    double f0 = seed * 1.5, f1 = seed * 2.25, f2 = seed + 0.125, f3 = seed - 7.5;
    double f4 = f0 * f1, f5 = f2 / 3.0, f6 = f3 * f3, f7 = f0 + f3;
    long i0 = seed * 3, i1 = seed * 5, i2 = seed * 7, i3 = seed * 11, i4 = seed ^ 0x55;
    long i5 = seed << 3, i6 = ~seed, i7 = seed * seed;
    if (setjmp(inner) == 0)
        thrower(1);
    return f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + (double)(i0 + i1 + i2 + i3 + i4 + i5 + i6 + i7);
}

int main(void)
{
    volatile int counter = 0;
    int r;

    r = setjmp(outer);
    printf("setjmp returned %d\n", r);
    if (r == 0)
        longjmp(outer, 0);
    printf("longjmp(0) came back as %d\n", r);

    /* loop via longjmp */
    r = setjmp(outer);
    if (counter < 10) {
        counter++;
        longjmp(outer, counter);
    }
    printf("loop counter %d last r %d\n", counter, r);

    /* deep recursion */
    if ((r = setjmp(outer)) == 0)
        recurse(0);
    printf("recursion unwound from depth %d r=%d\n", depth_reached, r);

    /* nested handlers */
    for (volatile int code = -1; code <= 4; code++) {
        if ((r = setjmp(outer)) == 0)
            printf("try_code(%d) = %d\n", code, try_code(code));
        else
            printf("try_code(%d) re-thrown to outer: %d\n", code, r);
    }

    double h = 0;
    for (int s = 1; s <= 5; s++)
        h += heavy(s);
    printf("callee-saved after longjmp: %.6f\n", h);

    /* sigsetjmp saves the mask; siglongjmp restores it */
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (sigsetjmp(sigenv, 1) == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        sigprocmask(SIG_BLOCK, NULL, &cur);
        printf("before siglongjmp: USR1 blocked %d\n", sigismember(&cur, SIGUSR1));
        siglongjmp(sigenv, 7);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("after siglongjmp: USR1 blocked %d\n", sigismember(&cur, SIGUSR1));
    if (sigsetjmp(sigenv, 0) == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        siglongjmp(sigenv, 8);
    }
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("sigsetjmp(env,0): USR1 blocked %d\n", sigismember(&cur, SIGUSR1));
    return 0;
}
