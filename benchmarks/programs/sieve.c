/* sieve: byte-array sieve of Eratosthenes (loads, stores, branches).
 * argv[1] scales the work (sieve passes, default 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000000
static unsigned char flags[N];

int main(int argc, char **argv) {
    int passes = argc > 1 ? atoi(argv[1]) : 1, count = 0;
    for (int p = 0; p < passes; p++) {
        memset(flags, 1, sizeof flags);
        count = 0;
        for (int i = 2; i < N; i++)
            if (flags[i]) {
                count++;
                for (int j = 2 * i; j < N; j += i)
                    flags[j] = 0;
            }
    }
    printf("%d primes below %d\n", count, N);
    return 0;
}
