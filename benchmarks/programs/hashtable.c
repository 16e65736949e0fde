/* hashtable: branchy, memory-bound — an open-addressing hash table (2^17 slots, linear
 * probing, multiplicative hash) of 64-bit keys: inserts with update-on-hit, lookups that half
 * hit and half miss, unpredictable probe-loop branches and scattered loads.
 * argv[1] scales the work (rounds of 60,000 inserts + 120,000 lookups, default 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BITS 17
#define SIZE (1u << BITS)
static unsigned long keys[SIZE], vals[SIZE];

static inline unsigned slot_of(unsigned long k) {
    return (unsigned)((k * 0x9E3779B97F4A7C15UL) >> (64 - BITS));
}

static void insert(unsigned long k, unsigned long v) {
    for (unsigned s = slot_of(k);; s = (s + 1) & (SIZE - 1)) {
        if (keys[s] == 0) { keys[s] = k; vals[s] = v; return; }
        if (keys[s] == k) { vals[s] += v; return; }
    }
}

static int lookup(unsigned long k, unsigned long *v) {
    for (unsigned s = slot_of(k);; s = (s + 1) & (SIZE - 1)) {
        if (keys[s] == k) { *v = vals[s]; return 1; }
        if (keys[s] == 0) return 0;
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 4;
    unsigned long seed = 99, hits = 0, sum = 0;
    for (int r = 0; r < rounds; r++) {
        memset(keys, 0, sizeof keys);
        unsigned long base = seed;
        for (int i = 0; i < 60000; i++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            insert((seed >> 20) % 90000 + 1, seed & 0xff);
        }
        seed = base;
        for (int i = 0; i < 120000; i++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            unsigned long v, k = (i & 1) ? (seed >> 20) % 90000 + 1 : (seed >> 7) % 900000 + 90001;
            if (lookup(k, &v)) { hits++; sum += v; }
        }
    }
    printf("hits %lu sum %lu\n", hits, sum);
    return 0;
}
