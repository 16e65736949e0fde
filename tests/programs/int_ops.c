/*
 * int_ops.c -- integer instruction semantics that differ from x86, plus integer kernels.
 *
 * Covers (inline assembly, so the exact RISC-V instruction runs): div/divu/rem/remu and the
 * *w forms by zero (quotient all ones, remainder = dividend, no trap) and INT_MIN / -1
 * (overflow: quotient INT_MIN, remainder 0); sll/srl/sra and *w forms using only the low 6
 * (5) bits of the shift amount; addw/subw/mulw sign-extending their 32-bit results; slt/sltu;
 * mulh/mulhu/mulhsu; lui/auipc-sized constants; sign/zero extension of lb/lbu/lh/lhu/lw/lwu.
 * Then C kernels: CRC-32 (table-driven), a sieve of Eratosthenes, a 32x32 integer matrix
 * product, Collatz lengths, and byte-swapping/rotation helpers.
 *
 * On AArch64 the assembly part is AArch64's own: sdiv/udiv (64- and 32-bit) by zero (0, no
 * trap) and INT_MIN / -1 (INT_MIN), remainders by msub; lslv/lsrv/asrv/rorv using the amount
 * modulo 64 (32); W-register results zero-extended; adds/subs/adcs/sbcs and their NZCV (read
 * with mrs); ccmp, csel/csinc/csinv/csneg; smulh/umulh, smull/umull, madd/msub, smaddl/
 * umsubl; clz/cls/rbit/rev/rev16/rev32, ubfx/sbfx/bfi/extr; ldrsb/ldrb/ldrsh/ldrh/ldrsw/ldr
 * into X and W registers. The C kernels are the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define R3(insn, a, b)                                                                         \
    ({                                                                                         \
        long r_;                                                                               \
        __asm__ volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((long)(a)), "r"((long)(b)));    \
        r_;                                                                                    \
    })

#if defined(__aarch64__)
/* the same with W registers: the result's upper 32 bits read back as written (zero) */
#define R3W(insn, a, b)                                                                        \
    ({                                                                                         \
        long r_;                                                                               \
        __asm__ volatile(insn " %w0, %w1, %w2" : "=r"(r_) : "r"((long)(a)), "r"((long)(b))); \
        r_;                                                                                    \
    })
/* an instruction that sets the flags, and NZCV after it (as a nibble) */
#define FLAGS3(insn, w, a, b, res)                                                             \
    ({                                                                                         \
        unsigned long f_;                                                                      \
        __asm__ volatile(insn " %" w "0, %" w "2, %" w "3\n\tmrs %1, nzcv"                     \
                         : "=&r"(res), "=r"(f_) : "r"((long)(a)), "r"((long)(b)) : "cc");      \
        (unsigned)(f_ >> 28);                                                                  \
    })

static void divs(long a, long b)
{
    long q, qu, qw, quw, r, ru;
    q = R3("sdiv", a, b);
    qu = R3("udiv", a, b);
    qw = R3W("sdiv", a, b);
    quw = R3W("udiv", a, b);
    __asm__ volatile("msub %0, %1, %2, %3" : "=r"(r) : "r"(q), "r"(b), "r"(a));
    __asm__ volatile("msub %0, %1, %2, %3" : "=r"(ru) : "r"(qu), "r"(b), "r"(a));
    printf("a=%ld b=%ld: sdiv %ld udiv %lu srem %ld urem %lu sdiv.w %016lx udiv.w %016lx\n",
           a, b, q, (unsigned long)qu, r, (unsigned long)ru, qw, quw);
}

static void flags(long a, long b)
{
    long r;
    unsigned f;
    printf("flags a=%lx b=%lx:", a, b);
    f = FLAGS3("adds", "", a, b, r);
    printf(" adds %lx %x", r, f);
    f = FLAGS3("subs", "", a, b, r);
    printf(" subs %lx %x", r, f);
    f = FLAGS3("adds", "w", a, b, r);
    printf(" adds.w %lx %x", r, f);
    f = FLAGS3("subs", "w", a, b, r);
    printf(" subs.w %lx %x", r, f);
    f = FLAGS3("ands", "", a, b, r);
    printf(" ands %lx %x", r, f);
    /* adc/sbc with the carry of a compare: C set when a >= b unsigned */
    unsigned long nzcv;
    __asm__ volatile("cmp %2, %3\n\tadcs %0, %2, %3\n\tmrs %1, nzcv"
                     : "=&r"(r), "=r"(nzcv) : "r"(a), "r"(b) : "cc");
    printf(" cmp+adcs %lx %lx", r, nzcv >> 28);
    __asm__ volatile("cmp %2, %3\n\tsbcs %w0, %w2, %w3\n\tmrs %1, nzcv"
                     : "=&r"(r), "=r"(nzcv) : "r"(a), "r"(b) : "cc");
    printf(" cmp+sbcs.w %lx %lx\n", r, nzcv >> 28);
}

static void conds(long a, long b)
{
    long sel, inc, inv, neg, cc;
    __asm__ volatile("cmp %5, %6\n\tcsel %0, %5, %6, lt\n\tcsinc %1, %5, %6, ge\n\t"
                     "csinv %2, %5, %6, hi\n\tcsneg %3, %5, %6, ls\n\t"
                     "ccmp %5, #3, #0b0101, ne\n\tcset %4, eq"
                     : "=&r"(sel), "=&r"(inc), "=&r"(inv), "=&r"(neg), "=&r"(cc)
                     : "r"(a), "r"(b) : "cc");
    printf("cond a=%ld b=%ld: csel.lt %ld csinc.ge %ld csinv.hi %ld csneg.ls %ld ccmp %ld\n", a,
           b, sel, inc, inv, neg, cc);
}

static void a64_checks(void)
{
    divs(7, 0);
    divs(-7, 0);
    divs(0, 0);
    divs(INT64_MIN, -1);
    divs(INT32_MIN, -1);
    divs(-7, 2);
    divs(7, -2);
    divs(0x100000007l, 0x100000002l); /* W forms look at the low 32 bits only */
    divs(0xffffffff00000005l, 3);

    static const long amounts[] = {0, 1, 31, 32, 33, 63, 64, 65, -1};
    for (unsigned i = 0; i < sizeof amounts / sizeof *amounts; i++) {
        long s = amounts[i], v = (long)0x8000000180000001ull;
        printf("shift %3ld: lsl %016lx lsr %016lx asr %016lx ror %016lx lsl.w %016lx "
               "lsr.w %016lx asr.w %016lx ror.w %016lx\n", s, R3("lsl", v, s), R3("lsr", v, s),
               R3("asr", v, s), R3("ror", v, s), R3W("lsl", v, s), R3W("lsr", v, s),
               R3W("asr", v, s), R3W("ror", v, s));
    }
    printf("add.w %016lx sub.w %016lx mul.w %016lx add.w-neg %016lx\n",
           R3W("add", 0x7fffffffl, 1), R3W("sub", (long)0x80000000l, 1),
           R3W("mul", 0x10000l, 0x10000l), R3W("add", 0x1ffffffffl, 0));
    long m1 = (long)0x8000000000000000ull, m2 = -1, m3 = 0x7fffffffffffffffl;
    printf("smulh %016lx %016lx umulh %016lx %016lx smull %016lx umull %016lx\n",
           R3("smulh", m1, m2), R3("smulh", m3, m3), R3("umulh", m2, m2), R3("umulh", m1, 2),
           ({ long r_; __asm__("smull %0, %w1, %w2" : "=r"(r_) : "r"(m2), "r"(m3)); r_; }),
           ({ long r_; __asm__("umull %0, %w1, %w2" : "=r"(r_) : "r"(m2), "r"(m3)); r_; }));
    long ma, ms, sml, uml;
    __asm__("madd %0, %1, %2, %3" : "=r"(ma) : "r"(m3), "r"(3l), "r"(5l));
    __asm__("msub %0, %1, %2, %3" : "=r"(ms) : "r"(m1), "r"(3l), "r"(5l));
    __asm__("smaddl %0, %w1, %w2, %3" : "=r"(sml) : "r"(-3l), "r"(0x80000000l), "r"(1l));
    __asm__("umsubl %0, %w1, %w2, %3" : "=r"(uml) : "r"(-3l), "r"(0x80000000l), "r"(1l));
    printf("madd %016lx msub %016lx smaddl %016lx umsubl %016lx\n", ma, ms, sml, uml);

    static const long fl[][2] = {{0, 0}, {1, -1}, {0x7fffffffffffffffl, 1},
                                 {(long)0x8000000000000000ull, -1}, {0x7fffffff, 1},
                                 {(long)0xffffffff80000000ull, (long)0xffffffff80000000ull},
                                 {5, 7}, {-5, -5}};
    for (unsigned i = 0; i < sizeof fl / sizeof *fl; i++)
        flags(fl[i][0], fl[i][1]);
    conds(1, 2);
    conds(2, 1);
    conds(3, 3);
    conds(-1, 1);
    conds(3, 5);

    unsigned long x = 0x00f0000123456789ull;
    long clz, cls, rbit, rev, rev16, rev32, clzw, clsw, ubfx, sbfx, extr, bfi = 0x1111111111111111l;
    __asm__("clz %0, %1" : "=r"(clz) : "r"(x));
    __asm__("cls %0, %1" : "=r"(cls) : "r"(~x));
    __asm__("rbit %0, %1" : "=r"(rbit) : "r"(x));
    __asm__("rev %0, %1" : "=r"(rev) : "r"(x));
    __asm__("rev16 %0, %1" : "=r"(rev16) : "r"(x));
    __asm__("rev32 %0, %1" : "=r"(rev32) : "r"(x));
    __asm__("clz %w0, %w1" : "=r"(clzw) : "r"(0l));
    __asm__("cls %w0, %w1" : "=r"(clsw) : "r"(-1l));
    __asm__("ubfx %0, %1, #8, #20" : "=r"(ubfx) : "r"(x));
    __asm__("sbfx %0, %1, #52, #8" : "=r"(sbfx) : "r"(x));
    __asm__("extr %0, %1, %2, #12" : "=r"(extr) : "r"(x), "r"(~x));
    __asm__("bfi %0, %1, #20, #16" : "+r"(bfi) : "r"(x));
    printf("clz %ld cls %ld rbit %016lx rev %016lx rev16 %016lx rev32 %016lx clz.w %ld cls.w %ld\n",
           clz, cls, rbit, rev, rev16, rev32, clzw, clsw);
    printf("ubfx %lx sbfx %lx extr %016lx bfi %016lx\n", ubfx, sbfx, extr, bfi);
}
#else
static void divs(long a, long b)
{
    printf("a=%ld b=%ld: div %ld divu %lu rem %ld remu %lu divw %ld divuw %ld remw %ld remuw %ld\n",
           a, b, R3("div", a, b), (unsigned long)R3("divu", a, b), R3("rem", a, b),
           (unsigned long)R3("remu", a, b), R3("divw", a, b), R3("divuw", a, b), R3("remw", a, b),
           R3("remuw", a, b));
}
#endif

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

int main(void)
{
#if defined(__aarch64__)
    a64_checks();
    static const unsigned char mem[8] = {0x81, 0xff, 0x7f, 0x80, 0xfe, 0xff, 0xff, 0xff};
    long lb, lbu, lh, lhu, lw, lwu, ld, lbw, lhw;
    __asm__ volatile("ldrsb %0, [%1]" : "=r"(lb) : "r"(mem));
    __asm__ volatile("ldrb %w0, [%1]" : "=r"(lbu) : "r"(mem));
    __asm__ volatile("ldrsh %0, [%1]" : "=r"(lh) : "r"(mem));
    __asm__ volatile("ldrh %w0, [%1]" : "=r"(lhu) : "r"(mem));
    __asm__ volatile("ldrsw %0, [%1, #4]" : "=r"(lw) : "r"(mem));
    __asm__ volatile("ldr %w0, [%1, #4]" : "=r"(lwu) : "r"(mem));
    __asm__ volatile("ldr %0, [%1]" : "=r"(ld) : "r"(mem));
    __asm__ volatile("ldrsb %w0, [%1]" : "=r"(lbw) : "r"(mem));
    __asm__ volatile("ldrsh %w0, [%1, #2]" : "=r"(lhw) : "r"(mem));
    printf("ldrsb %lx ldrb %lx ldrsh %lx ldrh %lx ldrsw %lx ldr.w %lx ldr %lx ldrsb.w %lx "
           "ldrsh.w %lx\n", lb, lbu, lh, lhu, lw, lwu, ld, lbw, lhw);
#else
    divs(7, 0);
    divs(-7, 0);
    divs(0, 0);
    divs(INT64_MIN, -1);
    divs(INT32_MIN, -1);
    divs(-7, 2);
    divs(7, -2);
    divs(0x100000007l, 0x100000002l); /* *w forms look at the low 32 bits only */
    divs(0xffffffff00000005l, 3);

    static const long amounts[] = {0, 1, 31, 32, 33, 63, 64, 65, -1};
    for (unsigned i = 0; i < sizeof amounts / sizeof *amounts; i++) {
        long s = amounts[i], v = (long)0x8000000180000001ull;
        printf("shift %3ld: sll %016lx srl %016lx sra %016lx sllw %016lx srlw %016lx sraw %016lx\n",
               s, R3("sll", v, s), R3("srl", v, s), R3("sra", v, s), R3("sllw", v, s),
               R3("srlw", v, s), R3("sraw", v, s));
    }
    printf("addw %016lx subw %016lx mulw %016lx addw-neg %016lx\n",
           R3("addw", 0x7fffffffl, 1), R3("subw", (long)0x80000000l, 1),
           R3("mulw", 0x10000l, 0x10000l), R3("addw", 0x1ffffffffl, 0));
    printf("slt %ld %ld sltu %ld %ld\n", R3("slt", -1, 1), R3("slt", 1, -1), R3("sltu", -1, 1),
           R3("sltu", 1, -1));
    long m1 = (long)0x8000000000000000ull, m2 = -1, m3 = 0x7fffffffffffffffl;
    printf("mulh %016lx %016lx mulhu %016lx %016lx mulhsu %016lx %016lx\n", R3("mulh", m1, m2),
           R3("mulh", m3, m3), R3("mulhu", m2, m2), R3("mulhu", m1, 2), R3("mulhsu", m2, m2),
           R3("mulhsu", m1, m3));

    /* loads: sign and zero extension */
    static const unsigned char mem[8] = {0x81, 0xff, 0x7f, 0x80, 0xfe, 0xff, 0xff, 0xff};
    long lb, lbu, lh, lhu, lw, lwu, ld;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(lb) : "r"(mem));
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(lbu) : "r"(mem));
    __asm__ volatile("lh %0, 0(%1)" : "=r"(lh) : "r"(mem));
    __asm__ volatile("lhu %0, 0(%1)" : "=r"(lhu) : "r"(mem));
    __asm__ volatile("lw %0, 4(%1)" : "=r"(lw) : "r"(mem));
    __asm__ volatile("lwu %0, 4(%1)" : "=r"(lwu) : "r"(mem));
    __asm__ volatile("ld %0, 0(%1)" : "=r"(ld) : "r"(mem));
    printf("lb %lx lbu %lx lh %lx lhu %lx lw %lx lwu %lx ld %lx\n", lb, lbu, lh, lhu, lw, lwu, ld);
#endif
    /* unaligned C access via memcpy */
    uint64_t un;
    memcpy(&un, mem + 1, 7);
    printf("memcpy 7 bytes at +1: %016llx\n", (unsigned long long)un & 0x00ffffffffffffffull);

    /* kernels */
    crc_init();
    static unsigned char data[4096];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 5));
    printf("crc32 %08x crc32(\"123456789\") %08x\n", crc32(data, sizeof data),
           crc32((const unsigned char *)"123456789", 9));

    enum { LIMIT = 30000 };
    static unsigned char composite[LIMIT];
    int primes = 0;
    long psum = 0;
    for (int i = 2; i < LIMIT; i++) {
        if (composite[i])
            continue;
        primes++;
        psum += i;
        for (int j = i * 2; j < LIMIT; j += i)
            composite[j] = 1;
    }
    printf("primes below %d: %d sum %ld\n", LIMIT, primes, psum);

    static int32_t A[32][32], B[32][32], C[32][32];
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            A[i][j] = (i * 31 + j * 17) % 23 - 11;
            B[i][j] = (i * 13 - j * 7) % 19;
        }
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            int32_t s = 0;
            for (int k = 0; k < 32; k++)
                s += A[i][k] * B[k][j];
            C[i][j] = s;
        }
    int64_t trace = 0, total = 0;
    for (int i = 0; i < 32; i++) {
        trace += C[i][i];
        for (int j = 0; j < 32; j++)
            total += (int64_t)C[i][j] * (i + 1) * (j + 1);
    }
    printf("matmul trace %lld weighted %lld\n", (long long)trace, (long long)total);

    int best = 0, bestn = 0;
    for (int n = 1; n < 3000; n++) {
        uint64_t x = (uint64_t)n;
        int len = 0;
        while (x != 1) {
            x = x & 1 ? 3 * x + 1 : x / 2;
            len++;
        }
        if (len > best) {
            best = len;
            bestn = n;
        }
    }
    printf("collatz longest below 3000: n=%d steps=%d\n", bestn, best);

    uint32_t h = 0x12345678u;
    uint64_t h64 = 0x0123456789abcdefull;
    for (int i = 0; i < 100; i++) {
        h = rotl32(h ^ (uint32_t)i, i % 31 + 1) * 0x9e3779b1u;
        h64 = __builtin_bswap64(h64) ^ (h64 >> (i % 63 + 1)) ^ ((uint64_t)h << 17);
    }
    printf("rot/bswap %08x %016llx bswap32 %08x bswap16 %04x\n", h, (unsigned long long)h64,
           __builtin_bswap32(0x11223344u), __builtin_bswap16(0xabcd));
    printf("signed shifts %d %d %lld unsigned %u\n", -17 >> 2, -1 >> 31, (long long)INT64_MIN >> 63,
           0x80000000u >> 31);
    printf("c division %d %d %d %d\n", -7 / 2, -7 % 2, 7 / -2, 7 % -2);
    return 0;
}
