/* memstream: streaming copy/scale/add over 64-bit arrays (STREAM-like, integer).
 * argv[1] scales the work (passes, default 4). */
#include <stdio.h>
#include <stdlib.h>

#define N (1 << 16)
static unsigned long a[N], b[N], c[N];

int main(int argc, char **argv) {
    int passes = argc > 1 ? atoi(argv[1]) : 4;
    for (long i = 0; i < N; i++) { a[i] = i; b[i] = 2 * i + 1; }
    unsigned long sum = 0;
    for (int p = 0; p < passes; p++) {
        for (long i = 0; i < N; i++) c[i] = a[i];
        for (long i = 0; i < N; i++) b[i] = 3 * c[i];
        for (long i = 0; i < N; i++) c[i] = a[i] + b[i];
        for (long i = 0; i < N; i++) a[i] = b[i] + 3 * c[i];
        sum += a[p] + c[N - 1 - p];
    }
    printf("%lu\n", sum);
    return 0;
}
