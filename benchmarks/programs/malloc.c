/* malloc: libc allocator churn — malloc/free/realloc of random sizes (64 B to 4 KiB, one in
 * 256 of 64 KiB) over a pool of 4,096 live slots; each block gets its first 64 bytes set with
 * memset and its last byte written; checksums use the contents (never addresses), so the
 * output does not depend on the allocator's layout.
 * argv[1] scales the work (operations in units of 10,000, default 40). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
static unsigned char *slot[SLOTS];
static size_t size[SLOTS];

int main(int argc, char **argv) {
    long ops = (argc > 1 ? atol(argv[1]) : 40) * 10000L;
    unsigned long seed = 7, check = 0;
    for (long i = 0; i < ops; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        unsigned v = (unsigned)(seed >> 33);
        int s = (int)(v % SLOTS);
        size_t n = (v >> 12) % 256 == 0 ? 65536 : 64 + (v >> 18) % 4032;
        if (slot[s] == NULL) {
            slot[s] = malloc(n);
            size[s] = n;
            memset(slot[s], (int)(v & 0xff), 64);
            slot[s][n - 1] = (unsigned char)(v >> 8);
        } else if ((v >> 8) % 3 == 0) {
            unsigned char *p = realloc(slot[s], n);
            p[n - 1] = (unsigned char)(v >> 8);
            slot[s] = p;
            size[s] = n;
        } else {
            check = check * 31 + slot[s][0] + slot[s][63] + slot[s][size[s] - 1] + size[s];
            free(slot[s]);
            slot[s] = NULL;
        }
    }
    for (int s = 0; s < SLOTS; s++)
        if (slot[s]) { check += slot[s][size[s] - 1]; free(slot[s]); }
    printf("check %lu\n", check);
    return 0;
}
