/*
 * strings_sort.c -- qsort/bsearch and the <string.h>/<stdlib.h> string routines.
 *
 * Covers: qsort of ints, of strings (array of pointers) and of structs with a two-key
 * comparator; bsearch hits and misses; strtok and strtok_r (empty fields, several
 * delimiters); strstr/strchr/strrchr/strspn/strcspn/strpbrk; memmove with overlapping
 * ranges in both directions and memcpy/memset/memcmp/memchr at odd alignments; strncpy
 * padding, strncat, strdup, strcmp/strncmp/strcasecmp sign; snprintf truncation;
 * strtol/strtoul/strtoll/strtoull edge cases (base 0, 16, 36, overflow -> ERANGE, endptr,
 * leading space and sign, "-1" through strtoul) and strtod/strtof edge cases (hex floats,
 * inf/nan, overflow/underflow with ERANGE, no-conversion endptr); atoi; ctype in the C locale.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct rec {
    int key;
    int seq;
};

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static void show(const char *label, const char *s, size_t n)
{
    printf("%s [", label);
    for (size_t i = 0; i < n; i++)
        putchar(s[i] ? s[i] : '.');
    printf("]\n");
}

static int sgn(int x) { return (x > 0) - (x < 0); }

int main(void)
{
    /* qsort / bsearch on ints */
    enum { N = 500 };
    static int a[N];
    for (int i = 0; i < N; i++)
        a[i] = (int)(rnd() % 2000) - 1000;
    qsort(a, N, sizeof a[0], cmp_int);
    int sorted = 1;
    long sum = 0;
    for (int i = 0; i < N; i++) {
        sum += (long)a[i] * (i + 1);
        if (i && a[i - 1] > a[i])
            sorted = 0;
    }
    printf("qsort ints sorted=%d min=%d max=%d weighted=%ld\n", sorted, a[0], a[N - 1], sum);
    int hits = 0;
    for (int k = -1000; k < 1000; k += 7)
        hits += bsearch(&k, a, N, sizeof a[0], cmp_int) != NULL;
    int miss = 5000;
    printf("bsearch hits %d miss %d\n", hits, bsearch(&miss, a, N, sizeof a[0], cmp_int) != NULL);

    /* qsort strings */
    const char *words[] = {"pear", "apple", "fig", "banana", "Apple", "cherry", "", "date",
                           "apple pie", "zebra", "Zebra", "10", "9", "apricot"};
    size_t nw = sizeof words / sizeof *words;
    qsort(words, nw, sizeof *words, cmp_str);
    printf("sorted:");
    for (size_t i = 0; i < nw; i++)
        printf(" '%s'", words[i]);
    printf("\n");
    const char *key = "cherry";
    const char **found = bsearch(&key, words, nw, sizeof *words, cmp_str);
    printf("bsearch cherry at %ld\n", found ? (long)(found - words) : -1L);

    /* stable ordering via second key */
    struct rec recs[40];
    for (int i = 0; i < 40; i++) {
        recs[i].key = (int)(rnd() % 5);
        recs[i].seq = i;
    }
    qsort(recs, 40, sizeof recs[0], cmp_rec);
    printf("recs:");
    for (int i = 0; i < 40; i++)
        printf(" %d/%d", recs[i].key, recs[i].seq);
    printf("\n");

    /* strtok / strtok_r */
    char line[] = ",,alpha, beta;;gamma ,delta,,";
    printf("strtok:");
    for (char *t = strtok(line, ",; "); t; t = strtok(NULL, ",; "))
        printf(" <%s>", t);
    printf("\n");
    char kv[] = "a=1&b=22&&c=333&d";
    char *save1, *save2;
    for (char *pair = strtok_r(kv, "&", &save1); pair; pair = strtok_r(NULL, "&", &save1)) {
        char *k = strtok_r(pair, "=", &save2);
        char *v = strtok_r(NULL, "=", &save2);
        printf("kv %s -> %s\n", k, v ? v : "(none)");
    }

    /* searching */
    const char *hay = "the quick brown fox jumps over the lazy dog";
    printf("strstr %ld %ld %d %ld\n", (long)(strstr(hay, "the lazy") - hay),
           (long)(strstr(hay, "o") - hay), strstr(hay, "cat") == NULL, (long)(strstr(hay, "") - hay));
    printf("strchr %ld strrchr %ld nul %ld\n", (long)(strchr(hay, 'o') - hay),
           (long)(strrchr(hay, 'o') - hay), (long)(strchr(hay, '\0') - hay));
    printf("strspn %zu strcspn %zu strpbrk %ld\n", strspn(hay, "eht "), strcspn(hay, "xyz"),
           (long)(strpbrk(hay, "zyx") - hay));
    printf("memchr %ld memrchr-ish %d\n", (long)((const char *)memchr(hay, 'q', 43) - hay),
           memchr(hay, '!', 43) == NULL);

    /* memmove overlaps, at various alignments and lengths */
    char buf[96];
    unsigned long digest = 0;
    static const int lens[] = {0, 1, 2, 3, 5, 8, 13, 21, 34};
    for (unsigned l = 0; l < sizeof lens / sizeof *lens; l++) {
        for (int src = 0; src < 7; src++) {
            for (int dst = 0; dst < 7; dst++) {
                for (int i = 0; i < 96; i++)
                    buf[i] = (char)('A' + i % 26);
                memmove(buf + dst + 30, buf + src + 30, (size_t)lens[l]);
                for (int i = 0; i < 96; i++)
                    digest = digest * 131 + (unsigned char)buf[i];
            }
        }
    }
    printf("memmove digest %lu\n", digest);
    strcpy(buf, "0123456789abcdef");
    memmove(buf + 3, buf, 10);
    show("memmove fwd", buf, 16);
    strcpy(buf, "0123456789abcdef");
    memmove(buf, buf + 3, 10);
    show("memmove back", buf, 16);
    memset(buf + 1, '*', 5);
    show("memset", buf, 16);
    char odd[64], odd2[64];
    for (int i = 0; i < 64; i++)
        odd[i] = odd2[i] = (char)i;
    odd2[37] = 100;
    printf("memcmp %d %d %d\n", sgn(memcmp(odd + 3, odd2 + 3, 34)), sgn(memcmp(odd + 3, odd2 + 3, 35)),
           sgn(memcmp(odd2 + 5, odd + 5, 50)));
    printf("memcmp unsigned %d\n", sgn(memcmp("\x80", "\x01", 1)));

    /* copies and concatenation */
    char sn[12];
    memset(sn, 'x', sizeof sn);
    strncpy(sn, "abc", 8);
    show("strncpy pad", sn, 12);
    strncpy(sn, "abcdefghijkl", 5);
    show("strncpy trunc", sn, 12);
    char cat[32] = "foo";
    strncat(cat, "barbazqux", 4);
    strcat(cat, "!");
    printf("strncat '%s' len %zu\n", cat, strlen(cat));
    char *dup = strdup(hay + 4);
    printf("strdup '%s'\n", dup);
    free(dup);
    printf("strcmp %d %d %d ncmp %d casecmp %d %d\n", sgn(strcmp("abc", "abd")),
           sgn(strcmp("abc", "ab")), sgn(strcmp("\xff", "a")), sgn(strncmp("abcX", "abcY", 3)),
           sgn(strcasecmp("HeLLo", "hello")), sgn(strncasecmp("ABCD", "abce", 4)));

    /* snprintf truncation */
    char tr[10];
    for (int sz = 0; sz <= 10; sz += 2) {
        memset(tr, '#', sizeof tr);
        int r = snprintf(tr, (size_t)sz, "%s-%d", "truncate", 12345);
        show("snprintf", tr, sizeof tr);
        printf("  size %d ret %d\n", sz, r);
    }

    /* strtol family */
    static const struct {
        const char *s;
        int base;
    } li[] = {{"0x1f", 0},   {"0X1F", 16}, {"017", 0},   {"017", 10}, {"  +42abc", 10},
              {"-0", 10},    {"zz", 36},   {"ZZ", 36},   {"", 10},    {"   ", 0},
              {"-", 10},     {"0x", 16},   {"0x", 0},    {"08", 0},   {"9223372036854775807", 10},
              {"9223372036854775808", 10}, {"-9223372036854775808", 10},
              {"-9223372036854775809", 10}, {"99999999999999999999999", 0},
              {"1010", 2},   {"777", 8},   {"12", 3}};
    for (unsigned i = 0; i < sizeof li / sizeof *li; i++) {
        char *end;
        errno = 0;
        long v = strtol(li[i].s, &end, li[i].base);
        int e1 = errno;
        errno = 0;
        unsigned long u = strtoul(li[i].s, NULL, li[i].base);
        int e2 = errno;
        printf("strtol(\"%s\",%d) = %ld end+%ld errno %d | strtoul %lu errno %d\n", li[i].s,
               li[i].base, v, (long)(end - li[i].s), e1, u, e2);
    }
    errno = 0;
    printf("strtoul(-1) %lu errno %d\n", strtoul("-1", NULL, 10), errno);
    errno = 0;
    printf("strtoull(18446744073709551616) %llu errno %d\n",
           strtoull("18446744073709551616", NULL, 10), errno);
    errno = 0;
    printf("strtoll(LLONG_MIN) %lld errno %d\n", strtoll("-9223372036854775808", NULL, 0), errno);
    printf("atoi %d %d %d\n", atoi("  -123xyz"), atoi("+7"), atoi("abc"));

    /* strtod family */
    static const char *dd[] = {"3.25", "  -0.0", ".5", "5.", "1e10", "1E-10", "1.5e", "1.5e+",
                               ".", "-.e1", "0x1.8p3", "0X.8P-1", "0x1p-1074", "0x", "inf",
                               "-Infinity", "nan", "NAN(123)", "1e400", "-1e400", "1e-400",
                               "2.4703282292062328e-324", "2.4703282292062327e-324",
                               "179769313486231580793728971405301e276", "1e-320",
                               "0.000000000000000000000000000000000000001e39", "+12.5xyz"};
    for (unsigned i = 0; i < sizeof dd / sizeof *dd; i++) {
        char *end;
        errno = 0;
        double d = strtod(dd[i], &end);
        int e = errno;
        errno = 0;
        float f = strtof(dd[i], NULL);
        int ef = errno;
        printf("strtod(\"%s\") = %a (%.17g) end+%ld errno %d | strtof %a errno %d\n", dd[i], d, d,
               (long)(end - dd[i]), e != 0, (double)f, ef != 0);
    }

    /* ctype in the C locale */
    int counts[6] = {0};
    for (int c = 0; c < 256; c++) {
        counts[0] += !!isalpha(c);
        counts[1] += !!isdigit(c);
        counts[2] += !!isspace(c);
        counts[3] += !!ispunct(c);
        counts[4] += !!isprint(c);
        counts[5] += toupper(c) != c;
    }
    printf("ctype alpha %d digit %d space %d punct %d print %d upper-changes %d\n", counts[0],
           counts[1], counts[2], counts[3], counts[4], counts[5]);
    return 0;
}
