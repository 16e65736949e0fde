/* intloop: a tight integer loop (64-bit multiply-add LCG, shifts, xor).
 * argv[1] scales the work (iterations in millions, default 1). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = (argc > 1 ? atol(argv[1]) : 1) * 1000000L;
    unsigned long x = 1, s = 0;
    for (long i = 0; i < n; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        s += (x >> 33) ^ (unsigned long)i;
    }
    printf("%lu\n", s);
    return 0;
}
