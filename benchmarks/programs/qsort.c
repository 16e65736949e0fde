/* qsort: libc — qsort of 4,096 records (name, key, score) with a multi-key comparator called
 * through a function pointer (strcmp, then integer, then double compares), names made with
 * snprintf, then bsearch lookups of every record.
 * argv[1] scales the work (sort + search rounds, default 20). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 4096

struct rec { char name[12]; int key; double score; };
static struct rec recs[N];
static unsigned long seed = 12345;

static unsigned rnd(void) {
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)(seed >> 33);
}

static int cmp(const void *pa, const void *pb) {
    const struct rec *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->score > b->score) - (a->score < b->score);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    unsigned long check = 0;
    long found = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < N; i++) {
            unsigned v = rnd();
            snprintf(recs[i].name, sizeof recs[i].name, "k%c%c%05u", 'a' + v % 26,
                     'a' + (v / 26) % 26, (v >> 12) % 1000);
            recs[i].key = (int)(rnd() % 100000) - 50000;
            recs[i].score = (double)(rnd() % 10000) / 7.0;
        }
        qsort(recs, N, sizeof recs[0], cmp);
        for (int i = 0; i < N; i++) {
            struct rec *hit = bsearch(&recs[i], recs, N, sizeof recs[0], cmp);
            if (hit && cmp(hit, &recs[i]) == 0) found++;
        }
        for (int i = 0; i < N; i += 97)
            check = check * 131 + (unsigned long)recs[i].key + (unsigned char)recs[i].name[2];
    }
    printf("first %s last %s found %ld check %lu\n", recs[0].name, recs[N - 1].name, found, check);
    return 0;
}
