/*
 * malloc_mmap.c -- heap stress and large anonymous mappings.
 *
 * Covers: malloc/calloc/realloc/free with a deterministic pseudo-random mix of sizes (small
 * bins, medium, and > 128 KiB blocks that libc serves with mmap), content preserved across
 * realloc grow/shrink, calloc zeroing, brk growth; a 64 MiB anonymous mmap touched sparsely
 * (one write per 256 KiB), mremap grow with MREMAP_MAYMOVE (contents preserved, new part
 * zero), mremap shrink, mprotect, partial munmap (a hole in the middle), MAP_FIXED into the
 * hole, and a file-less MAP_SHARED mapping. No addresses are printed.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SLOTS 256
#define OPS 1500

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

struct slot {
    unsigned char *p;
    size_t n;
    unsigned char tag;
};

static int verify(const struct slot *s)
{
    if (!s->p)
        return 1;
    /* check both ends and a middle byte: cheap but catches lost data */
    size_t idx[3] = {0, s->n / 2, s->n - 1};
    for (int i = 0; i < 3; i++)
        if (s->p[idx[i]] != (unsigned char)(s->tag + idx[i] % 7))
            return 0;
    return 1;
}

static void fill(struct slot *s)
{
    s->p[0] = (unsigned char)(s->tag);
    s->p[s->n / 2] = (unsigned char)(s->tag + (s->n / 2) % 7);
    s->p[s->n - 1] = (unsigned char)(s->tag + (s->n - 1) % 7);
}

static size_t pick_size(void)
{
    uint32_t r = next();
    switch (r % 32) {
    case 0:
        return 131072 + r % 200000; /* mmap-served */
    case 1:
    case 2:
        return 4096 + r % 30000;
    default:
        return 1 + r % 600;
    }
}

int main(void)
{
    static struct slot slots[SLOTS];
    unsigned long mallocs = 0, reallocs = 0, frees = 0, bad = 0, bytes = 0;

    for (int op = 0; op < OPS; op++) {
        struct slot *s = &slots[next() % SLOTS];
        uint32_t what = next() % 8;
        if (!verify(s))
            bad++;
        if (!s->p) {
            s->n = pick_size();
            s->tag = (unsigned char)next();
            int use_calloc = what == 0 && s->n <= 4096; /* some libcs zero byte by byte */
            s->p = use_calloc ? calloc(1, s->n) : malloc(s->n);
            if (use_calloc) {
                /* calloc must hand out zeroed memory */
                for (size_t i = 0; i < s->n; i += 61)
                    if (s->p[i])
                        bad++;
            }
            fill(s);
            mallocs++;
            bytes += s->n;
        } else if (what < 4) {
            size_t old = s->n, nn = pick_size();
            unsigned char *q = realloc(s->p, nn);
            /* preserved prefix: the old first byte */
            if (q[0] != s->tag)
                bad++;
            size_t keep = old < nn ? old : nn;
            if (old / 2 < keep && q[old / 2] != (unsigned char)(s->tag + (old / 2) % 7))
                bad++;
            if (old <= nn && q[old - 1] != (unsigned char)(s->tag + (old - 1) % 7))
                bad++;
            s->p = q;
            s->n = nn;
            fill(s);
            reallocs++;
        } else {
            free(s->p);
            s->p = NULL;
            frees++;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (!verify(&slots[i]))
            bad++;
        free(slots[i].p);
    }
    printf("heap: mallocs %lu reallocs %lu frees %lu bytes %lu bad %lu\n", mallocs, reallocs,
           frees, bytes, bad);

    /* many tiny allocations, freed in reverse, then in a strided order */
    enum { N = 2000 };
    static void *tiny[N];
    for (int i = 0; i < N; i++) {
        tiny[i] = malloc(16 + (i % 5) * 8);
        memset(tiny[i], i & 0xff, 16);
    }
    unsigned long tsum = 0;
    for (int i = 0; i < N; i++)
        tsum += ((unsigned char *)tiny[i])[15];
    for (int i = 0; i < N; i += 2)
        free(tiny[i]);
    for (int i = 1; i < N; i += 2)
        free(tiny[i]);
    printf("tiny sum %lu\n", tsum);

    /* 64 MiB anonymous mapping, sparsely touched */
    size_t big = 64ul << 20;
    unsigned char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    unsigned long s1 = 0, untouched_nonzero = 0;
    for (size_t off = 0; off < big; off += 256 << 10)
        m[off + (off >> 18) % 4096] = (unsigned char)(off >> 18);
    for (size_t off = 0; off < big; off += 256 << 10) {
        s1 += m[off + (off >> 18) % 4096];
        untouched_nonzero += m[off + 4000] != 0; /* writes land in [off, off+255] */
    }
    printf("mmap 64MiB: sum %lu untouched_nonzero %lu\n", s1, untouched_nonzero);

    /* grow to 128 MiB: may move; contents must follow */
    unsigned char *m2 = mremap(m, big, 2 * big, MREMAP_MAYMOVE);
    if (m2 == MAP_FAILED) {
        perror("mremap");
        return 1;
    }
    unsigned long s2 = 0, newpart = 0;
    for (size_t off = 0; off < big; off += 256 << 10)
        s2 += m2[off + (off >> 18) % 4096];
    for (size_t off = big; off < 2 * big; off += 1 << 20) {
        newpart += m2[off];
        m2[off + 1] = 7;
    }
    printf("mremap grow: sum %lu newpart %lu last %d\n", s2, newpart, m2[2 * big - (1 << 20) + 1]);

    /* shrink back to 1 MiB in place */
    unsigned char *m3 = mremap(m2, 2 * big, 1 << 20, 0);
    printf("mremap shrink same %d first %d\n", m3 == m2, m3[0]);

    /* punch a hole, map it again with MAP_FIXED; make a page read-only and back */
    int r = munmap(m3 + 4096, 4096);
    unsigned char *fx = mmap(m3 + 4096, 4096, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("munmap hole %d fixed same %d fresh %d\n", r, fx == m3 + 4096, fx[100]);
    r = mprotect(m3, 4096, PROT_READ);
    int v = m3[0];
    int r2 = mprotect(m3, 4096, PROT_READ | PROT_WRITE);
    m3[0] = 99;
    printf("mprotect %d %d read %d write %d\n", r, r2, v, m3[0]);
    printf("munmap %d\n", munmap(m3, 1 << 20));

    /* shared anonymous mapping */
    int *sh = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 2048; i++)
        sh[i] = i * 3;
    long ss = 0;
    for (int i = 0; i < 2048; i++)
        ss += sh[i];
    printf("shared sum %ld munmap %d\n", ss, munmap(sh, 8192));
    printf("bad mmap %d\n", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED);
    return bad != 0;
}
