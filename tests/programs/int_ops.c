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

static void divs(long a, long b)
{
    printf("a=%ld b=%ld: div %ld divu %lu rem %ld remu %lu divw %ld divuw %ld remw %ld remuw %ld\n",
           a, b, R3("div", a, b), (unsigned long)R3("divu", a, b), R3("rem", a, b),
           (unsigned long)R3("remu", a, b), R3("divw", a, b), R3("divuw", a, b), R3("remw", a, b),
           R3("remuw", a, b));
}

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
