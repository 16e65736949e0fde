/*
 * atomics.c -- C11 atomics and GCC __atomic/__sync builtins, single-threaded.
 *
 * Covers: atomic_fetch_add/sub/and/or/xor, atomic_exchange, atomic_compare_exchange_strong
 * and _weak (success, and failure which must write the current value back into `expected`)
 * on 32-bit (amo*.w / lr.w/sc.w, sign-extended results) and 64-bit (amo*.d / lr.d/sc.d)
 * objects, 8- and 16-bit atomics (masked LR/SC loops or libatomic), atomic_flag, memory
 * orders from relaxed to seq_cst, atomic_thread_fence, __atomic_{add,sub,and,or,xor,nand}
 * _fetch, __atomic_compare_exchange_n, __atomic_exchange_n, __sync_fetch_and_add,
 * __sync_val_compare_and_swap and __sync_bool_compare_and_swap, with negative values and
 * wrap-around at INT32_MAX/UINT64_MAX.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static atomic_int ai = 0;
static atomic_uint au = 0;
static atomic_long al = 0;
static atomic_ullong aull = 0;
static _Atomic int8_t a8 = 0;
static _Atomic uint16_t a16 = 0;
static atomic_flag flag = ATOMIC_FLAG_INIT;
static int32_t g32 = 0;
static int64_t g64 = 0;
static uint8_t g8 = 0;

int main(void)
{
    /* 32-bit: wrap and sign extension of the old value */
    atomic_store(&ai, INT32_MAX - 2);
    int old = atomic_fetch_add(&ai, 5);
    printf("i32 fetch_add old %d new %d\n", old, atomic_load(&ai));
    old = atomic_fetch_sub_explicit(&ai, 10, memory_order_relaxed);
    printf("i32 fetch_sub old %d new %d\n", old, atomic_load_explicit(&ai, memory_order_acquire));
    atomic_store_explicit(&ai, -1, memory_order_release);
    /* (arguments with side effects are sequenced into locals: evaluation order of function
       arguments is unspecified and differs between compilers) */
    int r1 = atomic_fetch_and(&ai, 0x0f0f0f0f);
    int r2 = atomic_fetch_or(&ai, (int)0x80000000);
    int r3 = atomic_fetch_xor(&ai, 0x7fffffff);
    printf("i32 and %d or %d xor %d now %d\n", r1, r2, r3, atomic_load(&ai));
    r1 = atomic_exchange(&ai, 12345);
    printf("i32 exchange %d now %d\n", r1, atomic_load(&ai));

    int expected = 999;
    _Bool ok = atomic_compare_exchange_strong(&ai, &expected, 1);
    printf("i32 cas fail ok=%d expected=%d value=%d\n", ok, expected, atomic_load(&ai));
    ok = atomic_compare_exchange_strong(&ai, &expected, -7);
    printf("i32 cas ok ok=%d expected=%d value=%d\n", ok, expected, atomic_load(&ai));
    expected = -7;
    int spins = 0;
    while (!atomic_compare_exchange_weak(&ai, &expected, expected * 3))
        spins++;
    printf("i32 cas weak value=%d spins<100=%d\n", atomic_load(&ai), spins < 100);

    atomic_store(&au, 0xfffffff0u);
    unsigned uo = atomic_fetch_add(&au, 0x20);
    printf("u32 fetch_add old %u new %u\n", uo, atomic_load(&au));

    /* 64-bit */
    atomic_store(&al, INT64_MAX);
    long lo = atomic_fetch_add(&al, 1);
    printf("i64 fetch_add old %ld new %ld\n", lo, atomic_load(&al));
    atomic_store(&aull, UINT64_MAX);
    unsigned long long ullo = atomic_fetch_add(&aull, 2);
    printf("u64 fetch_add old %llu new %llu\n", ullo, atomic_load(&aull));
    atomic_store(&al, 0x0123456789abcdefL);
    long l1 = atomic_fetch_and(&al, (long)0xff00ff00ff00ff00ull);
    long l2 = atomic_fetch_or(&al, 0x11L);
    long l3 = atomic_fetch_xor(&al, -1L);
    printf("i64 and %lx or %lx xor %lx now %lx\n", l1, l2, l3, atomic_load(&al));
    long lexp = 5;
    ok = atomic_compare_exchange_strong(&al, &lexp, 6);
    printf("i64 cas fail ok=%d expected=%lx\n", ok, lexp);
    ok = atomic_compare_exchange_strong_explicit(&al, &lexp, 0x7fffffffffffL, memory_order_acq_rel,
                                                 memory_order_acquire);
    printf("i64 cas ok ok=%d value=%lx\n", ok, atomic_load(&al));
    long sum = 0;
    for (long i = 0; i < 1000; i++)
        sum += atomic_fetch_add_explicit(&al, i, memory_order_seq_cst) & 0xff;
    printf("i64 loop value=%ld sum=%ld\n", atomic_load(&al), sum);

    /* sub-word atomics */
    atomic_store(&a8, 120);
    int8_t o8 = atomic_fetch_add(&a8, 10);
    printf("i8 fetch_add old %d new %d\n", o8, atomic_load(&a8));
    int8_t e8 = -126;
    ok = atomic_compare_exchange_strong(&a8, &e8, 1);
    printf("i8 cas ok=%d value=%d\n", ok, atomic_load(&a8));
    atomic_store(&a16, 65530);
    uint16_t o16 = atomic_fetch_add(&a16, 10);
    printf("u16 fetch_add old %u new %u\n", o16, atomic_load(&a16));
    o16 = atomic_exchange(&a16, 4242);
    printf("u16 xchg %u\n", o16);
    printf("u16 now %u\n", atomic_load(&a16));

    /* atomic_flag */
    r1 = atomic_flag_test_and_set(&flag);
    r2 = atomic_flag_test_and_set(&flag);
    atomic_flag_clear(&flag);
    r3 = atomic_flag_test_and_set(&flag);
    printf("flag %d %d after clear %d\n", r1, r2, r3);
    atomic_thread_fence(memory_order_seq_cst);
    atomic_signal_fence(memory_order_seq_cst);

    /* __atomic builtins */
    g32 = 10;
    int32_t v[6];
    v[0] = __atomic_add_fetch(&g32, 5, __ATOMIC_SEQ_CST);
    v[1] = __atomic_sub_fetch(&g32, 20, __ATOMIC_RELAXED);
    v[2] = __atomic_and_fetch(&g32, 0xff, __ATOMIC_ACQUIRE);
    v[3] = __atomic_or_fetch(&g32, 0x100, __ATOMIC_RELEASE);
    v[4] = __atomic_xor_fetch(&g32, 0x3, __ATOMIC_ACQ_REL);
    v[5] = __atomic_nand_fetch(&g32, 0xf0, __ATOMIC_SEQ_CST);
    printf("__atomic add_fetch %d sub_fetch %d and_fetch %d or_fetch %d xor_fetch %d nand_fetch %d\n",
           v[0], v[1], v[2], v[3], v[4], v[5]);
    int32_t e32 = 0;
    ok = __atomic_compare_exchange_n(&g32, &e32, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    printf("__atomic cas fail ok=%d e=%d\n", ok, e32);
    ok = __atomic_compare_exchange_n(&g32, &e32, 77, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED) ||
         __atomic_compare_exchange_n(&g32, &e32, 77, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    printf("__atomic cas ok=%d g32=%d\n", ok, __atomic_load_n(&g32, __ATOMIC_SEQ_CST));
    g64 = -1;
    long long x1 = __atomic_exchange_n(&g64, INT64_MIN, __ATOMIC_SEQ_CST);
    long long x2 = g64;
    long long x3 = __atomic_fetch_sub(&g64, 1, __ATOMIC_SEQ_CST);
    printf("__atomic exchange64 %lld now %lld fetch_sub %lld\n", x1, x2, x3);
    printf("g64 wrapped %lld\n", (long long)__atomic_load_n(&g64, __ATOMIC_RELAXED));
    g8 = 250;
    unsigned u8old = __atomic_fetch_add(&g8, 10, __ATOMIC_SEQ_CST);
    printf("__atomic u8 fetch_add %u now %u\n", u8old, g8);

    /* legacy __sync */
    g32 = 100;
    v[0] = __sync_fetch_and_add(&g32, 1);
    v[1] = __sync_val_compare_and_swap(&g32, 101, 200);
    v[2] = __sync_bool_compare_and_swap(&g32, 999, 1);
    v[3] = __sync_bool_compare_and_swap(&g32, 200, 300);
    printf("__sync fetch_and_add %d val_cas %d bool_cas %d %d now %d\n", v[0], v[1], v[2], v[3],
           g32);
    g64 = 1;
    for (int i = 0; i < 62; i++)
        __sync_fetch_and_add(&g64, g64);
    x1 = g64;
    x2 = __sync_lock_test_and_set(&g64, 5);
    printf("__sync 64 %lld lock_test_and_set %lld\n", x1, x2);
    __sync_lock_release(&g64);
    __sync_synchronize();
    printf("after release %lld\n", (long long)g64);
    printf("lock free: int %d long %d char %d\n", atomic_is_lock_free(&ai), atomic_is_lock_free(&al),
           atomic_is_lock_free(&a8));
    return 0;
}
