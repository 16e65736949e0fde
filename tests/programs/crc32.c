/*
 * crc32.c -- the ARMv8 CRC32 instructions (FEAT_CRC32) through arm_acle.h: __crc32b/h/w/d
 * (CRC32B/H/W/X, polynomial 0x04C11DB7, zlib's CRC-32) and __crc32cb/ch/cw/cd (CRC32CB/CH/CW/CX,
 * Castagnoli 0x1EDC6F41), built for ARMv8-A with the CRC extension (build.py: -march=armv8-a+crc
 * for gcc, -mcpu=generic+crc for zig). AArch64 only.
 *
 * Over a fixed pseudo-random buffer (xorshift32, seeded through argc so that no compiler folds
 * the CRCs at build time): the standard CRC (inverted before and after) of the whole buffer a
 * byte, a halfword, a word and a doubleword at a time, of every prefix of 0..40 bytes with
 * mixed sizes from every alignment, a bitwise software CRC beside each; the catalogued check
 * values of "123456789" (CRC-32 cbf43926, CRC-32C e3069283); and single instructions on edge
 * accumulators and data (no inversion). The recorded output (expected/crc32.*.json, from
 * qemu-aarch64) was checked against Python's zlib.crc32 and a bitwise CRC-32C in Python.
 */
#include <arm_acle.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIZE 1024

static uint8_t buf[SIZE];

/* the reflected CRC with polynomial `poly` (reflected), bit by bit: the reference */
static uint32_t soft_crc(uint32_t crc, const uint8_t *p, size_t n, uint32_t poly)
{
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (poly & -(crc & 1));
    }
    return crc;
}

#define SOFT32(p, n) (~soft_crc(~0u, p, n, 0xedb88320u))
#define SOFT32C(p, n) (~soft_crc(~0u, p, n, 0x82f63b78u))

/* one unit at a time: B, H, W or D (X) */
#define CHUNKED(name, fn, type)                                                                \
    static uint32_t name(uint32_t crc, const uint8_t *p, size_t n)                             \
    {                                                                                          \
        for (; n >= sizeof(type); n -= sizeof(type), p += sizeof(type)) {                      \
            type v;                                                                            \
            memcpy(&v, p, sizeof v);                                                           \
            crc = fn(crc, v);                                                                  \
        }                                                                                      \
        return crc;                                                                            \
    }
CHUNKED(by_b, __crc32b, uint8_t)
CHUNKED(by_h, __crc32h, uint16_t)
CHUNKED(by_w, __crc32w, uint32_t)
CHUNKED(by_d, __crc32d, uint64_t)
CHUNKED(by_cb, __crc32cb, uint8_t)
CHUNKED(by_ch, __crc32ch, uint16_t)
CHUNKED(by_cw, __crc32cw, uint32_t)
CHUNKED(by_cd, __crc32cd, uint64_t)

/* the usual way: bytes up to 8-byte alignment, doublewords, then words, halfwords, bytes */
#define MIXED(name, b, h, w, d)                                                                \
    static uint32_t name(uint32_t crc, const uint8_t *p, size_t n)                             \
    {                                                                                          \
        while (n && ((uintptr_t)p & 7)) {                                                      \
            crc = b(crc, *p++);                                                                \
            n--;                                                                               \
        }                                                                                      \
        for (; n >= 8; n -= 8, p += 8) {                                                       \
            uint64_t v;                                                                        \
            memcpy(&v, p, 8);                                                                  \
            crc = d(crc, v);                                                                   \
        }                                                                                      \
        if (n >= 4) {                                                                          \
            uint32_t v;                                                                        \
            memcpy(&v, p, 4);                                                                  \
            crc = w(crc, v);                                                                   \
            p += 4, n -= 4;                                                                    \
        }                                                                                      \
        if (n >= 2) {                                                                          \
            uint16_t v;                                                                        \
            memcpy(&v, p, 2);                                                                  \
            crc = h(crc, v);                                                                   \
            p += 2, n -= 2;                                                                    \
        }                                                                                      \
        if (n)                                                                                 \
            crc = b(crc, *p);                                                                  \
        return crc;                                                                            \
    }
MIXED(mixed32, __crc32b, __crc32h, __crc32w, __crc32d)
MIXED(mixed32c, __crc32cb, __crc32ch, __crc32cw, __crc32cd)

int main(int argc, char **argv)
{
    (void)argv;
    uint32_t x = 2463534242u + (uint32_t)(argc - 1);
    for (int i = 0; i < SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)(x >> 11);
    }

    printf("whole buffer (%d bytes):\n", SIZE);
    printf("  crc32  b %08x h %08x w %08x d %08x soft %08x\n", ~by_b(~0u, buf, SIZE),
           ~by_h(~0u, buf, SIZE), ~by_w(~0u, buf, SIZE), ~by_d(~0u, buf, SIZE),
           SOFT32(buf, SIZE));
    printf("  crc32c b %08x h %08x w %08x d %08x soft %08x\n", ~by_cb(~0u, buf, SIZE),
           ~by_ch(~0u, buf, SIZE), ~by_cw(~0u, buf, SIZE), ~by_cd(~0u, buf, SIZE),
           SOFT32C(buf, SIZE));

    const uint8_t *check = (const uint8_t *)"123456789";
    printf("\"123456789\": crc32 %08x (soft %08x) crc32c %08x (soft %08x)\n",
           ~mixed32(~0u, check, 9), SOFT32(check, 9), ~mixed32c(~0u, check, 9),
           SOFT32C(check, 9));

    /* prefixes from each alignment: printed as the CRC; 'ok' when the bitwise one agrees */
    for (int align = 0; align < 8; align++) {
        int agree = 0;
        printf("align %d:", align);
        for (size_t n = 0; n <= 40; n++) {
            const uint8_t *p = buf + 64 + align;
            uint32_t a = ~mixed32(~0u, p, n), c = ~mixed32c(~0u, p, n);
            agree += a == SOFT32(p, n) && c == SOFT32C(p, n);
            if (n % 8 == 5)
                printf(" %zu:%08x/%08x", n, a, c);
        }
        printf(" agree %d/41\n", agree);
    }

    /* single instructions on edge operands, accumulators not inverted */
    static const uint32_t accs[] = {0, 1, 0x80000000u, 0x7fffffffu, 0xffffffffu, 0xdeadbeefu};
    static const uint64_t data[] = {0, 1, 0xff, 0x8000, 0xffffffffu, 0x8000000000000000ull,
                                    0xffffffffffffffffull, 0x0123456789abcdefull};
    for (size_t i = 0; i < sizeof accs / sizeof *accs; i++) {
        volatile uint32_t acc = accs[i];
        printf("acc %08x:\n", acc);
        for (size_t j = 0; j < sizeof data / sizeof *data; j++) {
            volatile uint64_t v = data[j];
            printf("  %016llx  b %08x h %08x w %08x d %08x  cb %08x ch %08x cw %08x cd %08x\n",
                   (unsigned long long)v, __crc32b(acc, (uint8_t)v), __crc32h(acc, (uint16_t)v),
                   __crc32w(acc, (uint32_t)v), __crc32d(acc, v), __crc32cb(acc, (uint8_t)v),
                   __crc32ch(acc, (uint16_t)v), __crc32cw(acc, (uint32_t)v), __crc32cd(acc, v));
        }
    }
    return 0;
}
