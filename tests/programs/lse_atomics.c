/*
 * lse_atomics.c -- GCC __atomic builtins on 8-, 16-, 32- and 64-bit objects, built for
 * ARMv8.1-A (build.py: -march=armv8.1-a for gcc, -mcpu=generic+v8_1a for zig), so that they
 * compile to the LSE instructions inline (AArch64 only): LDADD (fetch_add, and fetch_sub as
 * the addition of the negation), LDCLR (fetch_and, of the complement), LDSET (fetch_or),
 * LDEOR (fetch_xor), SWP (exchange), CAS (compare_exchange, success and failure, which must
 * write the current value back into `expected`), CASP (16-byte compare_exchange, with zig),
 * and LDSMAX/LDSMIN/LDUMAX/LDUMIN (clang's __atomic_fetch_max/min; gcc builds the same
 * results with CAS loops), each with relaxed, acquire, release and seq_cst orders (the
 * A/L/AL forms), with wrap-around, sign extension of the narrow results and the old values
 * returned. Single-threaded: the output is deterministic.
 */
#include <stdint.h>
#include <stdio.h>

static uint8_t u8 = 0xf0;
static int8_t s8 = -100;
static uint16_t u16 = 0xfff0;
static int16_t s16 = -30000;
static uint32_t u32 = 0xfffffff0u;
static int32_t s32 = INT32_MAX - 5;
static uint64_t u64 = 0xfffffffffffffff0ull;
static int64_t s64 = INT64_MIN + 3;

/* fetch_max/fetch_min: LDSMAX/LDUMAX... with clang, a CAS loop with gcc */
#if defined(__clang__)
#define FETCH_MAX(p, v, o) __atomic_fetch_max(p, v, o)
#define FETCH_MIN(p, v, o) __atomic_fetch_min(p, v, o)
#else
#define FETCH_MAX(p, v, o)                                                                     \
    ({                                                                                         \
        __typeof__(*(p)) old_ = __atomic_load_n(p, __ATOMIC_RELAXED), v_ = (v);                \
        while (!__atomic_compare_exchange_n(p, &old_, old_ > v_ ? old_ : v_, 0, o,             \
                                            __ATOMIC_RELAXED))                                 \
            ;                                                                                  \
        old_;                                                                                  \
    })
#define FETCH_MIN(p, v, o)                                                                     \
    ({                                                                                         \
        __typeof__(*(p)) old_ = __atomic_load_n(p, __ATOMIC_RELAXED), v_ = (v);                \
        while (!__atomic_compare_exchange_n(p, &old_, old_ < v_ ? old_ : v_, 0, o,             \
                                            __ATOMIC_RELAXED))                                 \
            ;                                                                                  \
        old_;                                                                                  \
    })
#endif

/* every read-modify-write on one object, printing old values and the object after each */
#define EXERCISE(name, obj, fmt, a, b)                                                         \
    do {                                                                                       \
        printf("%s:", name);                                                                   \
        printf(" add " fmt, __atomic_fetch_add(&obj, a, __ATOMIC_RELAXED));                    \
        printf(" sub " fmt, __atomic_fetch_sub(&obj, b, __ATOMIC_ACQUIRE));                    \
        printf(" and " fmt, __atomic_fetch_and(&obj, (__typeof__(obj))~(__typeof__(obj))a,   \
                                               __ATOMIC_RELEASE));                             \
        printf(" or " fmt, __atomic_fetch_or(&obj, b, __ATOMIC_SEQ_CST));                      \
        printf(" xor " fmt, __atomic_fetch_xor(&obj, a, __ATOMIC_ACQ_REL));                    \
        printf(" xchg " fmt, __atomic_exchange_n(&obj, b, __ATOMIC_SEQ_CST));                  \
        printf(" max " fmt, FETCH_MAX(&obj, a, __ATOMIC_SEQ_CST));                             \
        printf(" min " fmt, FETCH_MIN(&obj, b, __ATOMIC_ACQUIRE));                             \
        printf(" now " fmt "\n", __atomic_load_n(&obj, __ATOMIC_ACQUIRE));                     \
        __typeof__(obj) expected = (__typeof__(obj))(b + 1);                                   \
        int ok = __atomic_compare_exchange_n(&obj, &expected, a, 0, __ATOMIC_SEQ_CST,          \
                                             __ATOMIC_RELAXED);                                \
        printf("  cas fail: %d expected " fmt, ok, expected);                                  \
        ok = __atomic_compare_exchange_n(&obj, &expected, a, 0, __ATOMIC_ACQ_REL,              \
                                         __ATOMIC_ACQUIRE);                                    \
        printf(" cas ok: %d now " fmt, ok, __atomic_load_n(&obj, __ATOMIC_RELAXED));           \
        printf(" add_fetch " fmt, __atomic_add_fetch(&obj, b, __ATOMIC_RELAXED));              \
        printf(" nand_fetch " fmt "\n", __atomic_nand_fetch(&obj, a, __ATOMIC_SEQ_CST));       \
    } while (0)

/* max/min of both signednesses and all sizes at their edges */
static void signed_minmax(void)
{
    int8_t a = 5;
    int16_t b = -5;
    int32_t c = 0;
    int64_t d = -1;
    printf("smax8 %d", FETCH_MAX(&a, (int8_t)-128, __ATOMIC_RELAXED));
    printf(" smin8 %d", FETCH_MIN(&a, (int8_t)-128, __ATOMIC_RELAXED));
    printf(" now %d", a);
    printf(" smax16 %d", FETCH_MAX(&b, (int16_t)32767, __ATOMIC_ACQUIRE));
    printf(" now %d", b);
    printf(" smin32 %d", FETCH_MIN(&c, INT32_MIN, __ATOMIC_RELEASE));
    printf(" now %d", c);
    printf(" smax64 %lld", (long long)FETCH_MAX(&d, (int64_t)0, __ATOMIC_SEQ_CST));
    printf(" now %lld\n", (long long)d);
    uint32_t u = 7;
    uint64_t v = 7;
    printf("umin32 %u", FETCH_MIN(&u, 0xffffffffu, __ATOMIC_RELAXED));
    printf(" umax32 %u now %u", FETCH_MAX(&u, 0xffffffffu, __ATOMIC_RELAXED), u);
    printf(" umin64 %llu now %llu\n", (unsigned long long)FETCH_MIN(&v, 3u, __ATOMIC_ACQ_REL),
           (unsigned long long)v);
}

static void wide(void)
{
#if defined(__clang__)
    /* 16 bytes: CASP with LSE (gcc calls libatomic, which may take a lock; not here) */
    static __int128 q = ((__int128)0x0123456789abcdefll << 64) | 0xfedcba9876543210ull;
    __int128 want = q, next = ~q;
    int ok = __atomic_compare_exchange_n(&q, &want, next, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    __int128 bad = 5;
    int fail = __atomic_compare_exchange_n(&q, &bad, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    printf("cas128 ok %d now %016llx%016llx fail %d expected %016llx%016llx\n", ok,
           (unsigned long long)(q >> 64), (unsigned long long)q, fail,
           (unsigned long long)(bad >> 64), (unsigned long long)bad);
#else
    printf("cas128: not with gcc (it calls libatomic)\n");
#endif
}

int main(void)
{
    EXERCISE("u8", u8, "%u", 0x21, 0x13);
    EXERCISE("s8", s8, "%d", 100, -7);
    EXERCISE("u16", u16, "%u", 0x1234, 0xff);
    EXERCISE("s16", s16, "%d", -30000, 12345);
    EXERCISE("u32", u32, "%u", 0x80000000u, 0x17u);
    EXERCISE("s32", s32, "%d", 10, -20);
    EXERCISE("u64", u64, "%lu", 0x8000000000000001ull, 0x55ull);
    EXERCISE("s64", s64, "%ld", -4ll, 0x7ffffffffffffff0ll);
    signed_minmax();
    wide();
    /* a counter incremented by a loop, and a spin flag */
    static uint32_t counter;
    static uint8_t flag;
    for (int i = 0; i < 1000; i++)
        __atomic_fetch_add(&counter, (uint32_t)i, __ATOMIC_RELAXED);
    int spins = 0;
    while (__atomic_test_and_set(&flag, __ATOMIC_ACQUIRE))
        spins++;
    printf("counter %u test_and_set again %d spins %d\n", counter,
           __atomic_test_and_set(&flag, __ATOMIC_ACQUIRE), spins);
    __atomic_clear(&flag, __ATOMIC_RELEASE);
    return 0;
}
