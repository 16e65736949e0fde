/* ackermann: calls and deep recursion — Ackermann's function A(3, 7) (about 693,964 calls,
 * recursion depth up to about 1,000 frames, mostly non-tail calls) and A(2, n) repeated:
 * call/return through ra, stack pointer arithmetic, spills to the stack.
 * argv[1] scales the work (repetitions, default 10). */
#include <stdio.h>
#include <stdlib.h>

static long calls;

__attribute__((noinline)) static long ack(long m, long n) {
    calls++;
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 10;
    long sum = 0;
    for (int r = 0; r < reps; r++)
        sum += ack(3, 7) + ack(2, 200 + r % 7);
    printf("sum %ld calls %ld\n", sum, calls);
    return 0;
}
