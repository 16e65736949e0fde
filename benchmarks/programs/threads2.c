/* threads2: a CPU-bound loop split between 2 threads (integer mixing, no shared writes until
 * the end): what a translator that runs guest threads in parallel gains on 2 cores.
 * argv[1] is the work in millions of iterations (default 40); argv[2] the threads (default
 * 2; 1 does the same work on one thread, for the speed-up). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct part {
    uint64_t seed, n, out;
};

static void *mix(void *arg) {
    struct part *p = arg;
    uint64_t x = p->seed, acc = 0;
    for (uint64_t i = 0; i < p->n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x * 0x9E3779B97F4A7C15ull >> 32;
    }
    p->out = acc;
    return NULL;
}

int main(int argc, char **argv) {
    uint64_t n = (uint64_t)(argc > 1 ? atol(argv[1]) : 40) * 1000000;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    struct part parts[2] = {{88172645463325252ull, n / 2, 0}, {0x2545F4914F6CDD1Dull, n / 2, 0}};
    if (threads == 2) {
        pthread_t t;
        pthread_create(&t, NULL, mix, &parts[1]);
        mix(&parts[0]);
        pthread_join(t, NULL);
    } else {
        mix(&parts[0]);
        mix(&parts[1]);
    }
    printf("threads2: %llu\n", (unsigned long long)(parts[0].out ^ parts[1].out));
    return 0;
}
