/* montecarlo: double-precision FP and libm — Monte-Carlo integration with a fixed 64-bit LCG:
 * u64->double conversion, fmul/fadd/fdiv, FP compares, and libm's exp, sin, log, sqrt
 * (software libm code paths: bit manipulation of doubles, polynomial evaluation).
 * argv[1] scales the work (samples in units of 10,000, default 100). Prints 6 decimals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long state = 88172645463325252UL;

static double uniform(void) {
    state = state * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(state >> 11) * (1.0 / 9007199254740992.0);
}

int main(int argc, char **argv) {
    long n = (argc > 1 ? atol(argv[1]) : 100) * 10000L;
    long hits = 0;
    double s_gauss = 0, s_sin = 0, s_log = 0, s_sqrt = 0;
    for (long i = 0; i < n; i++) {
        double x = uniform(), y = uniform();
        if (x * x + y * y <= 1.0) hits++;                     /* pi/4 */
        s_gauss += exp(-x * x);                               /* 0.746824 */
        s_sin += sin(3.141592653589793 * y);                  /* 2/pi */
        s_log += log(1.0 + x);                                /* 2 ln 2 - 1 */
        s_sqrt += sqrt(x * (1.0 - y));                        /* 4/9 */
    }
    printf("pi %.6f\n", 4.0 * (double)hits / (double)n);
    printf("int exp(-x^2) %.6f\n", s_gauss / n);
    printf("int sin(pi y) %.6f\n", s_sin / n);
    printf("int log(1+x) %.6f\n", s_log / n);
    printf("int sqrt(x(1-y)) %.6f\n", s_sqrt / n);
    return 0;
}
