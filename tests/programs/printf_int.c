/*
 * printf_int.c -- integer formatting through printf/snprintf.
 *
 * Covers: %d %i %u %x %X %o %c %s %% and %n; flags '-' '+' ' ' '#' '0'; field width and
 * precision (literal, '*' and '.*'); length modifiers hh h l ll j z t; the extreme values
 * of every integer type (INT_MIN, LLONG_MIN, ULLONG_MAX, ...); positional arguments
 * (%1$d); snprintf return values; a long table of values so that the integer-to-decimal
 * paths of libc (division by 10, 64-bit multiply-high) run many times.
 */
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *flagsets[] = {"", "-", "+", " ", "#", "0", "-+", "+0", "#0", " 0"};

static void filter(char *dst, const char *src, const char *drop)
{
    for (; *src; src++)
        if (!strchr(drop, *src))
            *dst++ = *src;
    *dst = 0;
}

int main(void)
{
    int n1 = 0, n2 = 0;

    printf("basic: %d %i %u %x %X %o %c %s %%\n", -17, 42, 3000000000u, 0xbeefu, 0xbeefu, 0755u,
           'Z', "str");
    printf("n: [%n%d%n]\n", &n1, 12345, &n2);
    printf("n1=%d n2=%d\n", n1, n2);

    /* extremes */
    printf("schar %hhd %hhd %hhu\n", (signed char)SCHAR_MIN, (signed char)SCHAR_MAX,
           (unsigned char)UCHAR_MAX);
    printf("short %hd %hd %hu %hx\n", (short)SHRT_MIN, (short)SHRT_MAX, (unsigned short)USHRT_MAX,
           (unsigned short)0x8001);
    printf("int %d %d %u %x %o\n", INT_MIN, INT_MAX, UINT_MAX, UINT_MAX, UINT_MAX);
    printf("long %ld %ld %lu %lx\n", LONG_MIN, LONG_MAX, ULONG_MAX, ULONG_MAX);
    printf("llong %lld %lld %llu %llo\n", LLONG_MIN, LLONG_MAX, ULLONG_MAX, ULLONG_MAX);
    printf("intmax %jd %ju size %zu %zd ptrdiff %td\n", INTMAX_MIN, UINTMAX_MAX, (size_t)SIZE_MAX,
           (ptrdiff_t)-5, (ptrdiff_t)PTRDIFF_MIN);
    printf("inttypes %" PRId8 " %" PRIu16 " %" PRIx32 " %" PRId64 " %" PRIX64 "\n", (int8_t)-128,
           (uint16_t)65535, (uint32_t)0xdeadbeefu, (int64_t)-1, (uint64_t)0xfedcba9876543210ull);
    /* hh/h truncate the promoted int */
    printf("trunc %hhd %hhu %hd %hu\n", 0x1ff, 0x1ff, 0x18000, 0x18000);

    /* flags x width x precision over a few values */
    static const int vals[] = {0, 1, -1, 42, -42, 123456, INT_MIN};
    for (unsigned f = 0; f < sizeof flagsets / sizeof *flagsets; f++) {
        for (unsigned v = 0; v < sizeof vals / sizeof *vals; v++) {
            char fmt[64], out[128], fd[8], fu[8];
            /* '#' is undefined for d, and '+'/' ' only apply to signed conversions */
            filter(fd, flagsets[f], "#");
            filter(fu, flagsets[f], "+ ");
            snprintf(fmt, sizeof fmt, "%%%s8d|%%%s.3d|%%%s12.5x|%%%so", fd, fd, fu, fu);
            int r = snprintf(out, sizeof out, fmt, vals[v], vals[v], (unsigned)vals[v],
                             (unsigned)vals[v]);
            printf("[%-6s] %-24s -> %s (%d)\n", flagsets[f], fmt, out, r);
        }
    }

    /* star width/precision, negative star width means '-' */
    printf("star [%*d] [%-*d] [%*d] [%.*d] [%*.*d]\n", 6, 7, 6, 7, -6, 7, 4, 7, 8, 5, -7);
    printf("prec0 [%.0d] [%.0x] [%#.0o] [%5.0d]\n", 0, 0u, 0u, 0);
    printf("strs [%10s] [%-10s] [%.3s] [%*.*s] [%c%c%c]\n", "right", "left", "truncated", 7, 2,
           "abcdef", 'a', 0x62, 'c');
    printf("hex [%#x] [%#X] [%#08x] [%#o] [%#llx] [%#x]\n", 255u, 255u, 255u, 8u, 1ull << 63, 0u);
    printf("pos %2$s %1$d %3$c %2$s\n", 99, "two", 'x');

    /* snprintf truncation and return values */
    char small[8];
    int r = snprintf(small, sizeof small, "%d-%d-%d", 1234, 5678, 9012);
    printf("snprintf r=%d buf=\"%s\"\n", r, small);
    r = snprintf(NULL, 0, "%lld", LLONG_MIN);
    printf("snprintf(NULL,0) r=%d\n", r);
    r = snprintf(small, 1, "abc");
    printf("snprintf size1 r=%d buf_len=%zu\n", r, strlen(small));

    /* a long table: powers, primes, digit runs */
    uint64_t acc = 1;
    for (int i = 0; i < 64; i++) {
        printf("%2d %20llu %16llx %22llo %+21lld\n", i, (unsigned long long)acc,
               (unsigned long long)acc, (unsigned long long)acc, (long long)(acc * 3 - 7));
        acc = acc * 2 + (i & 1);
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned long long sum = 0;
    for (int i = 0; i < 200; i++) {
        char buf[32];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int len = snprintf(buf, sizeof buf, "%lld", (long long)x);
        for (int j = 0; j < len; j++)
            sum = sum * 31 + (unsigned char)buf[j];
        if (i % 40 == 0)
            printf("xs %3d %s\n", i, buf);
    }
    printf("digest %llu\n", sum);
    return 0;
}
