/*
 * int128.c -- 128-bit integer arithmetic (and the 64-bit multiply-high it relies on).
 *
 * Covers: __int128 / unsigned __int128 add, sub, mul (mul + mulhu sequences), div and mod
 * (the __divti3/__udivti3/__modti3/__umodti3 libcalls) with signed operands of every sign
 * combination, shifts by 0..127, comparisons, conversions to/from double and long double,
 * 30! and 2^127-1 factorisation checks, __builtin_mul_overflow/__builtin_add_overflow on 64
 * and 128 bits, the high half of 64x64 products (mulh/mulhu/mulhsu), and popcount/clz/ctz.
 * Values are printed in decimal and hex by the program's own routines (printf has no
 * 128-bit conversion).
 */
#include <stdint.h>
#include <stdio.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

static char *u128_dec(u128 v, char *buf)
{
    char tmp[64];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return buf;
}

static char *i128_dec(i128 v, char *buf)
{
    if (v < 0) {
        buf[0] = '-';
        u128_dec(-(u128)v, buf + 1);
        return buf;
    }
    return u128_dec((u128)v, buf);
}

static void put_u(const char *label, u128 v)
{
    char b[64];
    printf("%s %s 0x%016llx%016llx\n", label, u128_dec(v, b), (unsigned long long)(v >> 64),
           (unsigned long long)v);
}

static void put_i(const char *label, i128 v)
{
    char b[64];
    printf("%s %s\n", label, i128_dec(v, b));
}

static volatile uint64_t seeds[4] = {0x0123456789abcdefull, 0xfedcba9876543210ull,
                                     0xffffffffffffffffull, 0x8000000000000000ull};

int main(void)
{
    u128 f = 1;
    for (int i = 1; i <= 30; i++)
        f *= (u128)i;
    put_u("30!", f);
    put_u("30!/29!", f / (f / 30));
    u128 umax = ~(u128)0;
    i128 imax = (i128)(umax >> 1), imin = -imax - 1;
    put_u("u128max", umax);
    put_i("i128max", imax);
    put_i("i128min", imin);
    put_u("umax/10", umax / 10);
    put_u("umax%10", umax % 10);
    put_u("umax/3", umax / 3);
    put_u("umax/(2^64+1)", umax / (((u128)1 << 64) + 1));
    put_u("umax%(2^64-1)", umax % (((u128)1 << 64) - 1));

    /* signed division: all sign combinations, C truncation semantics */
    static const long long ns[] = {7, -7, 1000000007, -1000000007};
    static const long long ds[] = {2, -2, 3, -3};
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            i128 a = (i128)ns[i] * ((i128)1 << 70) + ns[i];
            i128 b = ds[j];
            char q[64], r[64];
            printf("div %lld*2^70+%lld / %lld = %s rem %s\n", ns[i], ns[i], ds[j],
                   i128_dec(a / b, q), i128_dec(a % b, r));
        }
    }
    put_i("imin/-1+1", (imin + 1) / -1);
    put_i("imin%3", imin % 3);
    put_i("imin/7", imin / 7);

    /* mul: 128 x 128 truncated, and 64 x 64 -> 128 */
    for (int i = 0; i < 4; i++) {
        for (int j = i; j < 4; j++) {
            uint64_t a = seeds[i], b = seeds[j];
            u128 p = (u128)a * b;
            i128 sp = (i128)(int64_t)a * (int64_t)b;
            i128 su = (i128)(int64_t)a * (i128)(u128)b; /* mulhsu */
            printf("mul %016llx*%016llx hi_u %016llx hi_s %016llx hi_su %016llx lo %016llx\n",
                   (unsigned long long)a, (unsigned long long)b, (unsigned long long)(p >> 64),
                   (unsigned long long)((u128)sp >> 64), (unsigned long long)((u128)su >> 64),
                   (unsigned long long)p);
        }
    }
    u128 x = ((u128)seeds[0] << 64) | seeds[1];
    u128 y = ((u128)seeds[2] << 64) | seeds[3];
    put_u("x*y", x * y);
    put_u("x/y", x / y);
    put_u("y/x", y / x);
    put_u("y%x", y % x);
    put_u("y/seed0", y / seeds[0]);
    put_u("x-y", x - y);
    put_u("x+y", x + y);
    printf("cmp %d %d %d %d\n", x < y, (i128)x < (i128)y, x == (x ^ y ^ y), (i128)y < 0);

    /* shifts */
    unsigned long long sh_digest = 0;
    for (int s = 0; s < 128; s++) {
        u128 l = x << s, r = x >> s;
        i128 ar = (i128)y >> s;
        sh_digest = sh_digest * 1000003 ^ (unsigned long long)(l ^ (l >> 64)) ^
                    (unsigned long long)(r ^ (r >> 64)) ^ (unsigned long long)((u128)ar >> 64);
    }
    printf("shift digest %016llx\n", sh_digest);
    put_i("y>>100 (arith)", (i128)y >> 100);
    put_u("y>>100 (logic)", y >> 100);

    /* Mersenne 2^127-1 and 2^89-1 modular exponent check (Fermat test base 3, 2^61-1) */
    u128 m61 = ((u128)1 << 61) - 1, base = 3, e = m61 - 1, acc = 1;
    while (e) {
        if (e & 1)
            acc = acc * base % m61;
        base = base * base % m61;
        e >>= 1;
    }
    put_u("3^(p-1) mod 2^61-1", acc);

    /* conversions */
    double d = (double)x;
    long double ld = (long double)x;
    printf("to double %a to long double %La\n", d, ld);
    put_u("from double 1e38", (u128)1e38);
    put_i("from double -1.5e30", (i128)-1.5e30);
    put_u("from long double 2^127", (u128)0x1p127L);

    /* overflow builtins */
    int64_t r64a, r64b;
    int o1 = __builtin_mul_overflow((int64_t)3037000500, (int64_t)3037000500, &r64a);
    int o2 = __builtin_mul_overflow((int64_t)3037000499, (int64_t)3037000499, &r64b);
    printf("mul_overflow64 %d %d product %lld\n", o1, o2, (long long)r64b);
    u128 r128a, r128b;
    o1 = __builtin_mul_overflow(f, f, &r128a);
    o2 = __builtin_mul_overflow(f >> 40, (u128)1 << 20, &r128b);
    put_u("mul_overflow128 wrapped", r128a);
    printf("mul_overflow128 %d %d\n", o1, o2);
    uint64_t rua, rub;
    o1 = __builtin_add_overflow(seeds[2], (uint64_t)1, &rua);
    o2 = __builtin_add_overflow(seeds[0], seeds[0], &rub);
    printf("add_overflow %d %d sums %llu %llu\n", o1, o2, (unsigned long long)rua,
           (unsigned long long)rub);

    /* bit counting */
    for (int i = 0; i < 4; i++) {
        uint64_t v = seeds[i];
        printf("bits %016llx pop %d clz %d ctz %d parity %d\n", (unsigned long long)v,
               __builtin_popcountll(v), v ? __builtin_clzll(v) : 64, v ? __builtin_ctzll(v) : 64,
               __builtin_parityll(v));
    }
    return 0;
}
