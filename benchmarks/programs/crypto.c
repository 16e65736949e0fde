/* crypto: code-heavy — a suite of hash functions, ciphers and MACs over generated data:
 * MD5, SHA-1, SHA-224/256, SHA-384/512, SHA3-256/512 and SHAKE128 (Keccak-f[1600]),
 * BLAKE2b and BLAKE2s (keyed), SM3, RIPEMD-160, HMAC-SHA256, PBKDF2-HMAC-SHA256, SipHash-2-4,
 * CRC-32, Adler-32, AES-128 and AES-256 (T-table encryption, equivalent-inverse-cipher
 * decryption; CTR, CBC and GCM with a bitwise GHASH), ChaCha20, Poly1305, ChaCha20-Poly1305
 * (RFC 8439 AEAD) and X25519 (radix-2^51 field arithmetic).
 * Every constant table is computed at start-up (SHA round constants from exact integer
 * square/cube roots of primes, MD5's from sin, AES's S-box from GF(2^8) inverses, Keccak's
 * from its LFSR). Each round hashes/encrypts a slice of a 4 KiB buffer whose length and
 * offset vary (all padding paths), feeds every digest into a 64-byte accumulator that keys
 * the next round, and encrypts the buffer in place (CTR, ChaCha20), so all rounds chain.
 * Checked once against Python: hashlib (md5, sha1, sha224/256/384/512, sha3_256/512,
 * shake_128, blake2b/blake2s keyed, sm3, ripemd160, pbkdf2_hmac), hmac, zlib.crc32/adler32,
 * and the `cryptography` package (AES-128 CTR/CBC, AES-256-GCM, ChaCha20, Poly1305,
 * ChaCha20Poly1305, X25519) replaying the
 * same chain for 1..40 rounds: all digests and the final accumulator were identical.
 * Known-answer tests built in: FIPS-197 AES-128, RFC 7748 X25519, SipHash-2-4 paper vector.
 * argv[1] scales the work (rounds, default 100). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned __int128 u128;

static u32 rol32(u32 x, int n) { return (x << n) | (x >> ((32 - n) & 31)); }
static u32 ror32(u32 x, int n) { return (x >> n) | (x << ((32 - n) & 31)); }
static u64 rol64(u64 x, int n) { return (x << n) | (x >> ((64 - n) & 63)); }
static u64 ror64(u64 x, int n) { return (x >> n) | (x << ((64 - n) & 63)); }
static u32 ld32le(const u8 *p) { return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }
static u32 ld32be(const u8 *p) { return p[3] | (u32)p[2] << 8 | (u32)p[1] << 16 | (u32)p[0] << 24; }
static u64 ld64le(const u8 *p) { return ld32le(p) | (u64)ld32le(p + 4) << 32; }
static u64 ld64be(const u8 *p) { return (u64)ld32be(p) << 32 | ld32be(p + 4); }
static void st32le(u8 *p, u32 v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static void st32be(u8 *p, u32 v) { p[3] = v; p[2] = v >> 8; p[1] = v >> 16; p[0] = v >> 24; }
static void st64le(u8 *p, u64 v) { st32le(p, (u32)v); st32le(p + 4, (u32)(v >> 32)); }
static void st64be(u8 *p, u64 v) { st32be(p, (u32)(v >> 32)); st32be(p + 4, (u32)v); }

/* ---- constants from integer roots of primes ---------------------------------------------- */

static int primes[80];

static void gen_primes(void) {
    int n = 0;
    for (int c = 2; n < 80; c++) {
        int ok = 1;
        for (int d = 2; d * d <= c; d++)
            if (c % d == 0) { ok = 0; break; }
        if (ok) primes[n++] = c;
    }
}

/* 256-bit little-endian integers: enough for (2^71)^3 */
typedef struct { u64 w[4]; } u256;

static u256 mul256(u256 a, u128 b) {
    u256 r = {{0, 0, 0, 0}};
    u64 bl[2] = {(u64)b, (u64)(b >> 64)};
    for (int j = 0; j < 2; j++) {
        u64 carry = 0;
        for (int i = 0; i + j < 4; i++) {
            u128 t = (u128)a.w[i] * bl[j] + r.w[i + j] + carry;
            r.w[i + j] = (u64)t;
            carry = (u64)(t >> 64);
        }
    }
    return r;
}

static int cmp256(u256 a, u256 b) {
    for (int i = 3; i >= 0; i--)
        if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
    return 0;
}

/* floor(p^(1/k) * 2^64) for k = 2 or 3, found bit by bit */
static u128 root_fixed(int p, int k) {
    u256 target = {{0, 0, 0, 0}};
    target.w[k] = (u64)p;                       /* p << (64 k) */
    u128 x = 0;
    for (int bit = 72; bit >= 0; bit--) {
        u128 cand = x | ((u128)1 << bit);
        u256 c = {{(u64)cand, (u64)(cand >> 64), 0, 0}};
        u256 pw = c;
        for (int i = 1; i < k; i++) pw = mul256(pw, cand);
        if (cmp256(pw, target) <= 0) x = cand;
    }
    return x;
}

static u32 K256[64], H256[8], H224[8];
static u64 K512[80], H512[8], H384[8];

static void gen_sha_constants(void) {
    gen_primes();
    for (int i = 0; i < 80; i++) {
        u64 f = (u64)root_fixed(primes[i], 3);
        K512[i] = f;
        if (i < 64) K256[i] = (u32)(f >> 32);
    }
    for (int i = 0; i < 8; i++) {
        u64 f = (u64)root_fixed(primes[i], 2);
        H512[i] = f;
        H256[i] = (u32)(f >> 32);
        u64 g = (u64)root_fixed(primes[i + 8], 2);
        H384[i] = g;
        H224[i] = (u32)g;
    }
}

/* ---- MD5 ---------------------------------------------------------------------------------- */

static u32 MD5T[64];
static const u8 MD5S[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static void md5_block(u32 h[4], const u8 *blk) {
    u32 m[16];
    for (int i = 0; i < 16; i++) m[i] = ld32le(blk + 4 * i);
    u32 a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        u32 f;
        int g, r = i >> 4;
        switch (r) {
        case 0: f = (b & c) | (~b & d); g = i; break;
        case 1: f = (b & d) | (c & ~d); g = (5 * i + 1) & 15; break;
        case 2: f = b ^ c ^ d; g = (3 * i + 5) & 15; break;
        default: f = c ^ (b | ~d); g = (7 * i) & 15; break;
        }
        u32 t = d;
        d = c;
        c = b;
        b = b + rol32(a + f + MD5T[i] + m[g], MD5S[r][i & 3]);
        a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
}

/* Merkle-Damgard padding shared by MD5, SHA-1 and SHA-256 (64-byte blocks) */
typedef void (*block32_fn)(u32 *h, const u8 *blk);

static void md_hash32(block32_fn fn, u32 *h, const u8 *msg, size_t len, int big_endian) {
    size_t i = 0;
    for (; i + 64 <= len; i += 64) fn(h, msg + i);
    u8 tail[128];
    size_t rest = len - i;
    memcpy(tail, msg + i, rest);
    tail[rest++] = 0x80;
    size_t total = rest + 8 <= 64 ? 64 : 128;
    memset(tail + rest, 0, total - rest);
    u64 bits = (u64)len * 8;
    if (big_endian) st64be(tail + total - 8, bits);
    else st64le(tail + total - 8, bits);
    fn(h, tail);
    if (total == 128) fn(h, tail + 64);
}

static void md5(const u8 *msg, size_t len, u8 out[16]) {
    u32 h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    md_hash32(md5_block, h, msg, len, 0);
    for (int i = 0; i < 4; i++) st32le(out + 4 * i, h[i]);
}

/* ---- SHA-1 -------------------------------------------------------------------------------- */

static void sha1_block(u32 h[5], const u8 *blk) {
    u32 w[80];
    for (int i = 0; i < 16; i++) w[i] = ld32be(blk + 4 * i);
    for (int i = 16; i < 80; i++) w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 20; i++) {
        u32 t = rol32(a, 5) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i];
        e = d; d = c; c = rol32(b, 30); b = a; a = t;
    }
    for (int i = 20; i < 40; i++) {
        u32 t = rol32(a, 5) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i];
        e = d; d = c; c = rol32(b, 30); b = a; a = t;
    }
    for (int i = 40; i < 60; i++) {
        u32 t = rol32(a, 5) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[i];
        e = d; d = c; c = rol32(b, 30); b = a; a = t;
    }
    for (int i = 60; i < 80; i++) {
        u32 t = rol32(a, 5) + (b ^ c ^ d) + e + 0xca62c1d6 + w[i];
        e = d; d = c; c = rol32(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

static void sha1(const u8 *msg, size_t len, u8 out[20]) {
    u32 h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    md_hash32(sha1_block, h, msg, len, 1);
    for (int i = 0; i < 5; i++) st32be(out + 4 * i, h[i]);
}

/* ---- SHA-256 / SHA-224 -------------------------------------------------------------------- */

static void sha256_block(u32 h[8], const u8 *blk) {
    u32 w[64];
    for (int i = 0; i < 16; i++) w[i] = ld32be(blk + 4 * i);
    for (int i = 16; i < 64; i++) {
        u32 s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        u32 s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        u32 S1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
        u32 ch = (e & f) ^ (~e & g);
        u32 t1 = hh + S1 + ch + K256[i] + w[i];
        u32 S0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
        u32 maj = (a & b) ^ (a & c) ^ (b & c);
        u32 t2 = S0 + maj;
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256(const u8 *msg, size_t len, u8 out[32]) {
    u32 h[8];
    memcpy(h, H256, sizeof h);
    md_hash32(sha256_block, h, msg, len, 1);
    for (int i = 0; i < 8; i++) st32be(out + 4 * i, h[i]);
}

static void sha224(const u8 *msg, size_t len, u8 out[28]) {
    u32 h[8];
    memcpy(h, H224, sizeof h);
    md_hash32(sha256_block, h, msg, len, 1);
    for (int i = 0; i < 7; i++) st32be(out + 4 * i, h[i]);
}

/* ---- SHA-512 / SHA-384 -------------------------------------------------------------------- */

static void sha512_block(u64 h[8], const u8 *blk) {
    u64 w[80];
    for (int i = 0; i < 16; i++) w[i] = ld64be(blk + 8 * i);
    for (int i = 16; i < 80; i++) {
        u64 s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
        u64 s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    u64 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 80; i++) {
        u64 S1 = ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41);
        u64 ch = (e & f) ^ (~e & g);
        u64 t1 = hh + S1 + ch + K512[i] + w[i];
        u64 S0 = ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39);
        u64 maj = (a & b) ^ (a & c) ^ (b & c);
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + S0 + maj;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha512_core(u64 h[8], const u8 *msg, size_t len) {
    size_t i = 0;
    for (; i + 128 <= len; i += 128) sha512_block(h, msg + i);
    u8 tail[256];
    size_t rest = len - i;
    memcpy(tail, msg + i, rest);
    tail[rest++] = 0x80;
    size_t total = rest + 16 <= 128 ? 128 : 256;
    memset(tail + rest, 0, total - rest);
    st64be(tail + total - 8, (u64)len * 8);
    sha512_block(h, tail);
    if (total == 256) sha512_block(h, tail + 128);
}

static void sha512(const u8 *msg, size_t len, u8 out[64]) {
    u64 h[8];
    memcpy(h, H512, sizeof h);
    sha512_core(h, msg, len);
    for (int i = 0; i < 8; i++) st64be(out + 8 * i, h[i]);
}

static void sha384(const u8 *msg, size_t len, u8 out[48]) {
    u64 h[8];
    memcpy(h, H384, sizeof h);
    sha512_core(h, msg, len);
    for (int i = 0; i < 6; i++) st64be(out + 8 * i, h[i]);
}

/* ---- SM3 ---------------------------------------------------------------------------------- */

static void sm3_block(u32 v[8], const u8 *blk) {
    u32 w[68], w1[64];
    for (int i = 0; i < 16; i++) w[i] = ld32be(blk + 4 * i);
    for (int j = 16; j < 68; j++) {
        u32 x = w[j - 16] ^ w[j - 9] ^ rol32(w[j - 3], 15);
        w[j] = (x ^ rol32(x, 15) ^ rol32(x, 23)) ^ rol32(w[j - 13], 7) ^ w[j - 6];
    }
    for (int j = 0; j < 64; j++) w1[j] = w[j] ^ w[j + 4];
    u32 a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
    for (int j = 0; j < 64; j++) {
        u32 tj = j < 16 ? 0x79cc4519u : 0x7a879d8au;
        u32 ss1 = rol32(rol32(a, 12) + e + rol32(tj, j % 32), 7);
        u32 ss2 = ss1 ^ rol32(a, 12);
        u32 ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
        u32 gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
        u32 tt1 = ff + d + ss2 + w1[j];
        u32 tt2 = gg + h + ss1 + w[j];
        d = c;
        c = rol32(b, 9);
        b = a;
        a = tt1;
        h = g;
        g = rol32(f, 19);
        f = e;
        e = tt2 ^ rol32(tt2, 9) ^ rol32(tt2, 17);
    }
    v[0] ^= a; v[1] ^= b; v[2] ^= c; v[3] ^= d; v[4] ^= e; v[5] ^= f; v[6] ^= g; v[7] ^= h;
}

static void sm3(const u8 *msg, size_t len, u8 out[32]) {
    u32 v[8] = {0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e};
    md_hash32(sm3_block, v, msg, len, 1);
    for (int i = 0; i < 8; i++) st32be(out + 4 * i, v[i]);
}

/* ---- RIPEMD-160 --------------------------------------------------------------------------- */

static const u8 RMD_R[80] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
    3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12, 1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
    4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13};
static const u8 RMD_RP[80] = {
    5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, 6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
    15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13, 8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
    12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11};
static const u8 RMD_S[80] = {
    11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8, 7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
    11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5, 11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
    9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6};
static const u8 RMD_SP[80] = {
    8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6, 9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
    9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5, 15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
    8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11};

static u32 rmd_f(int j, u32 x, u32 y, u32 z) {
    switch (j >> 4) {
    case 0: return x ^ y ^ z;
    case 1: return (x & y) | (~x & z);
    case 2: return (x | ~y) ^ z;
    case 3: return (x & z) | (y & ~z);
    default: return x ^ (y | ~z);
    }
}

static void rmd160_block(u32 h[5], const u8 *blk) {
    static const u32 K[5] = {0, 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xa953fd4e};
    static const u32 KP[5] = {0x50a28be6, 0x5c4dd124, 0x6d703ef3, 0x7a6d76e9, 0};
    u32 x[16];
    for (int i = 0; i < 16; i++) x[i] = ld32le(blk + 4 * i);
    u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    u32 ap = a, bp = b, cp = c, dp = d, ep = e;
    for (int j = 0; j < 80; j++) {
        u32 t = rol32(a + rmd_f(j, b, c, d) + x[RMD_R[j]] + K[j >> 4], RMD_S[j]) + e;
        a = e; e = d; d = rol32(c, 10); c = b; b = t;
        t = rol32(ap + rmd_f(79 - j, bp, cp, dp) + x[RMD_RP[j]] + KP[j >> 4], RMD_SP[j]) + ep;
        ap = ep; ep = dp; dp = rol32(cp, 10); cp = bp; bp = t;
    }
    u32 t = h[1] + c + dp;
    h[1] = h[2] + d + ep;
    h[2] = h[3] + e + ap;
    h[3] = h[4] + a + bp;
    h[4] = h[0] + b + cp;
    h[0] = t;
}

static void ripemd160(const u8 *msg, size_t len, u8 out[20]) {
    u32 h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    md_hash32(rmd160_block, h, msg, len, 0);
    for (int i = 0; i < 5; i++) st32le(out + 4 * i, h[i]);
}

/* ---- HMAC-SHA256 -------------------------------------------------------------------------- */

static void hmac_sha256(const u8 *key, size_t klen, const u8 *msg, size_t len, u8 out[32]) {
    u8 k[64], pad[64], inner[32];
    memset(k, 0, 64);
    if (klen > 64) sha256(key, klen, k);
    else memcpy(k, key, klen);
    u32 h[8];
    memcpy(h, H256, sizeof h);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    sha256_block(h, pad);
    /* the message continues after one block: hash it with the length offset by 64 bytes */
    size_t i = 0;
    for (; i + 64 <= len; i += 64) sha256_block(h, msg + i);
    u8 tail[128];
    size_t rest = len - i;
    memcpy(tail, msg + i, rest);
    tail[rest++] = 0x80;
    size_t total = rest + 8 <= 64 ? 64 : 128;
    memset(tail + rest, 0, total - rest);
    st64be(tail + total - 8, (u64)(len + 64) * 8);
    sha256_block(h, tail);
    if (total == 128) sha256_block(h, tail + 64);
    for (int j = 0; j < 8; j++) st32be(inner + 4 * j, h[j]);
    memcpy(h, H256, sizeof h);
    for (int j = 0; j < 64; j++) pad[j] = k[j] ^ 0x5c;
    sha256_block(h, pad);
    u8 t2[64];
    memcpy(t2, inner, 32);
    t2[32] = 0x80;
    memset(t2 + 33, 0, 31);
    st64be(t2 + 56, (u64)(96) * 8);
    sha256_block(h, t2);
    for (int j = 0; j < 8; j++) st32be(out + 4 * j, h[j]);
}

/* PBKDF2-HMAC-SHA256 (RFC 8018), one 32-byte block */
static void pbkdf2_sha256(const u8 *pw, size_t pwlen, const u8 *salt, size_t slen, int iters, u8 out[32]) {
    u8 s[96], u[32];
    size_t n = slen < 60 ? slen : 60;
    memcpy(s, salt, n);
    st32be(s + n, 1);
    hmac_sha256(pw, pwlen, s, n + 4, u);
    memcpy(out, u, 32);
    for (int i = 1; i < iters; i++) {
        hmac_sha256(pw, pwlen, u, 32, u);
        for (int k = 0; k < 32; k++) out[k] ^= u[k];
    }
}

/* ---- Keccak / SHA-3 ----------------------------------------------------------------------- */

static u64 KRC[24];
static int KROT[25], KPI[25];

static void gen_keccak_constants(void) {
    u8 lfsr = 1;
    for (int r = 0; r < 24; r++) {
        u64 rc = 0;
        for (int j = 0; j < 7; j++) {
            if (lfsr & 1) rc ^= (u64)1 << ((1 << j) - 1);
            lfsr = (lfsr & 0x80) ? (u8)((lfsr << 1) ^ 0x71) : (u8)(lfsr << 1);
        }
        KRC[r] = rc;
    }
    KROT[0] = 0;
    int x = 1, y = 0;
    for (int t = 0; t < 24; t++) {
        KROT[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
        int nx = y, ny = (2 * x + 3 * y) % 5;
        x = nx; y = ny;
    }
    for (x = 0; x < 5; x++)
        for (y = 0; y < 5; y++) KPI[x + 5 * y] = y + 5 * ((2 * x + 3 * y) % 5);
}

static void keccak_f(u64 a[25]) {
    u64 b[25], c[5], d[5];
    for (int r = 0; r < 24; r++) {
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) d[x] = c[(x + 4) % 5] ^ rol64(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++) a[i] ^= d[i % 5];
        for (int i = 0; i < 25; i++) b[KPI[i]] = rol64(a[i], KROT[i]);
        for (int y = 0; y < 25; y += 5)
            for (int x = 0; x < 5; x++)
                a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
        a[0] ^= KRC[r];
    }
}

static void keccak(int rate, u8 pad, const u8 *msg, size_t len, u8 *out, size_t outlen) {
    u64 a[25];
    memset(a, 0, sizeof a);
    while (len >= (size_t)rate) {
        for (int i = 0; i < rate / 8; i++) a[i] ^= ld64le(msg + 8 * i);
        keccak_f(a);
        msg += rate;
        len -= rate;
    }
    u8 blk[200];
    memset(blk, 0, rate);
    memcpy(blk, msg, len);
    blk[len] ^= pad;
    blk[rate - 1] ^= 0x80;
    for (int i = 0; i < rate / 8; i++) a[i] ^= ld64le(blk + 8 * i);
    keccak_f(a);
    for (;;) {
        u8 sq[200];
        for (int i = 0; i < rate / 8; i++) st64le(sq + 8 * i, a[i]);
        size_t n = outlen < (size_t)rate ? outlen : (size_t)rate;
        memcpy(out, sq, n);
        out += n;
        outlen -= n;
        if (!outlen) break;
        keccak_f(a);
    }
}

/* ---- BLAKE2b / BLAKE2s -------------------------------------------------------------------- */

static const u8 SIGMA[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

#define B2B_G(a, b, c, d, x, y)                    \
    do {                                           \
        v[a] = v[a] + v[b] + (x);                  \
        v[d] = ror64(v[d] ^ v[a], 32);             \
        v[c] = v[c] + v[d];                        \
        v[b] = ror64(v[b] ^ v[c], 24);             \
        v[a] = v[a] + v[b] + (y);                  \
        v[d] = ror64(v[d] ^ v[a], 16);             \
        v[c] = v[c] + v[d];                        \
        v[b] = ror64(v[b] ^ v[c], 63);             \
    } while (0)

static void blake2b_compress(u64 h[8], const u8 *blk, u64 t, int last) {
    u64 v[16], m[16];
    for (int i = 0; i < 16; i++) m[i] = ld64le(blk + 8 * i);
    for (int i = 0; i < 8; i++) { v[i] = h[i]; v[i + 8] = H512[i]; }
    v[12] ^= t;
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const u8 *s = SIGMA[r % 10];
        B2B_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2B_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2B_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2B_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2B_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2B_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2B_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2B_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

static void blake2b(const u8 *key, size_t klen, const u8 *msg, size_t len, u8 *out, size_t outlen) {
    u64 h[8];
    memcpy(h, H512, sizeof h);
    h[0] ^= 0x01010000 ^ (klen << 8) ^ outlen;
    u8 blk[128];
    u64 t = 0;
    int have_key = klen > 0;
    if (have_key) {
        memset(blk, 0, 128);
        memcpy(blk, key, klen);
        t = 128;
        blake2b_compress(h, blk, t, len == 0);
    }
    if (len > 0 || !have_key) {
        while (len > 128) {
            t += 128;
            blake2b_compress(h, msg, t, 0);
            msg += 128;
            len -= 128;
        }
        memset(blk, 0, 128);
        memcpy(blk, msg, len);
        t += len;
        blake2b_compress(h, blk, t, 1);
    }
    u8 full[64];
    for (int i = 0; i < 8; i++) st64le(full + 8 * i, h[i]);
    memcpy(out, full, outlen);
}

#define B2S_G(a, b, c, d, x, y)                    \
    do {                                           \
        v[a] = v[a] + v[b] + (x);                  \
        v[d] = ror32(v[d] ^ v[a], 16);             \
        v[c] = v[c] + v[d];                        \
        v[b] = ror32(v[b] ^ v[c], 12);             \
        v[a] = v[a] + v[b] + (y);                  \
        v[d] = ror32(v[d] ^ v[a], 8);              \
        v[c] = v[c] + v[d];                        \
        v[b] = ror32(v[b] ^ v[c], 7);              \
    } while (0)

static void blake2s_compress(u32 h[8], const u8 *blk, u64 t, int last) {
    u32 v[16], m[16];
    for (int i = 0; i < 16; i++) m[i] = ld32le(blk + 4 * i);
    for (int i = 0; i < 8; i++) { v[i] = h[i]; v[i + 8] = H256[i]; }
    v[12] ^= (u32)t;
    v[13] ^= (u32)(t >> 32);
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 10; r++) {
        const u8 *s = SIGMA[r];
        B2S_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2S_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2S_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2S_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2S_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2S_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2S_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2S_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

static void blake2s(const u8 *key, size_t klen, const u8 *msg, size_t len, u8 *out, size_t outlen) {
    u32 h[8];
    memcpy(h, H256, sizeof h);
    h[0] ^= 0x01010000 ^ ((u32)klen << 8) ^ (u32)outlen;
    u8 blk[64];
    u64 t = 0;
    int have_key = klen > 0;
    if (have_key) {
        memset(blk, 0, 64);
        memcpy(blk, key, klen);
        t = 64;
        blake2s_compress(h, blk, t, len == 0);
    }
    if (len > 0 || !have_key) {
        while (len > 64) {
            t += 64;
            blake2s_compress(h, msg, t, 0);
            msg += 64;
            len -= 64;
        }
        memset(blk, 0, 64);
        memcpy(blk, msg, len);
        t += len;
        blake2s_compress(h, blk, t, 1);
    }
    u8 full[32];
    for (int i = 0; i < 8; i++) st32le(full + 4 * i, h[i]);
    memcpy(out, full, outlen);
}

/* ---- SipHash-2-4, CRC-32, Adler-32 -------------------------------------------------------- */

#define SIPROUND                                                            \
    do {                                                                    \
        v0 += v1; v1 = rol64(v1, 13); v1 ^= v0; v0 = rol64(v0, 32);         \
        v2 += v3; v3 = rol64(v3, 16); v3 ^= v2;                             \
        v0 += v3; v3 = rol64(v3, 21); v3 ^= v0;                             \
        v2 += v1; v1 = rol64(v1, 17); v1 ^= v2; v2 = rol64(v2, 32);         \
    } while (0)

static u64 siphash24(const u8 key[16], const u8 *msg, size_t len) {
    u64 k0 = ld64le(key), k1 = ld64le(key + 8);
    u64 v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    u64 v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        u64 m = ld64le(msg + i);
        v3 ^= m;
        SIPROUND; SIPROUND;
        v0 ^= m;
    }
    u64 b = (u64)len << 56;
    switch (len & 7) {
    case 7: b |= (u64)msg[i + 6] << 48; /* fall through */
    case 6: b |= (u64)msg[i + 5] << 40; /* fall through */
    case 5: b |= (u64)msg[i + 4] << 32; /* fall through */
    case 4: b |= (u64)msg[i + 3] << 24; /* fall through */
    case 3: b |= (u64)msg[i + 2] << 16; /* fall through */
    case 2: b |= (u64)msg[i + 1] << 8; /* fall through */
    case 1: b |= (u64)msg[i]; break;
    default: break;
    }
    v3 ^= b;
    SIPROUND; SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND; SIPROUND; SIPROUND; SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static u32 crc_table[256];

static void gen_crc_table(void) {
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static u32 crc32(const u8 *p, size_t len) {
    u32 c = 0xffffffffu;
    for (size_t i = 0; i < len; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static u32 adler32(const u8 *p, size_t len) {
    u32 a = 1, b = 0;
    while (len) {
        size_t n = len < 5552 ? len : 5552;
        len -= n;
        while (n--) { a += *p++; b += a; }
        a %= 65521;
        b %= 65521;
    }
    return (b << 16) | a;
}

/* ---- AES-128 ------------------------------------------------------------------------------ */

static u8 SBOX[256], INV_SBOX[256];
static u32 TE[4][256], TD[4][256];

static u8 gmul(u8 a, u8 b) {
    u8 p = 0;
    while (b) {
        if (b & 1) p ^= a;
        a = (u8)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return p;
}

static void gen_aes_tables(void) {
    u8 exp[256], log[256];
    u8 x = 1;
    for (int i = 0; i < 255; i++) {
        exp[i] = x;
        log[x] = (u8)i;
        x = gmul(x, 3);
    }
    for (int i = 0; i < 256; i++) {
        u8 inv = i ? exp[(255 - log[i]) % 255] : 0;
        u8 s = inv;
        u8 r = inv;
        for (int k = 0; k < 4; k++) {
            r = (u8)((r << 1) | (r >> 7));
            s ^= r;
        }
        s ^= 0x63;
        SBOX[i] = s;
        INV_SBOX[s] = (u8)i;
    }
    for (int i = 0; i < 256; i++) {
        u8 s = SBOX[i];
        u32 e = (u32)gmul(s, 2) << 24 | (u32)s << 16 | (u32)s << 8 | gmul(s, 3);
        u8 si = INV_SBOX[i];
        u32 d = (u32)gmul(si, 14) << 24 | (u32)gmul(si, 9) << 16 | (u32)gmul(si, 13) << 8 |
                gmul(si, 11);
        for (int k = 0; k < 4; k++) {
            TE[k][i] = ror32(e, 8 * k);
            TD[k][i] = ror32(d, 8 * k);
        }
    }
}

typedef struct { int nr; u32 ek[60], dk[60]; } aes128;     /* also AES-192/256 */

static u32 inv_mix_word(u32 w) {
    /* InvMixColumns of one column via the decryption tables and the S-box */
    return TD[0][SBOX[w >> 24]] ^ TD[1][SBOX[(w >> 16) & 0xff]] ^ TD[2][SBOX[(w >> 8) & 0xff]] ^
           TD[3][SBOX[w & 0xff]];
}

static u32 sub_word(u32 t) {
    return (u32)SBOX[t >> 24] << 24 | (u32)SBOX[(t >> 16) & 0xff] << 16 | (u32)SBOX[(t >> 8) & 0xff] << 8 |
           SBOX[t & 0xff];
}

static void aes_init(aes128 *c, const u8 *key, int keylen) {
    u8 rcon = 1;
    int nk = keylen / 4, nr = nk + 6, total = 4 * (nr + 1);
    c->nr = nr;
    for (int i = 0; i < nk; i++) c->ek[i] = ld32be(key + 4 * i);
    for (int i = nk; i < total; i++) {
        u32 t = c->ek[i - 1];
        if (i % nk == 0) {
            t = sub_word(rol32(t, 8)) ^ (u32)rcon << 24;
            rcon = gmul(rcon, 2);
        } else if (nk > 6 && i % nk == 4) {
            t = sub_word(t);
        }
        c->ek[i] = c->ek[i - nk] ^ t;
    }
    /* equivalent inverse cipher: reversed round keys, InvMixColumns on the middle ones */
    for (int r = 0; r <= nr; r++)
        for (int j = 0; j < 4; j++) {
            u32 w = c->ek[4 * (nr - r) + j];
            c->dk[4 * r + j] = (r == 0 || r == nr) ? w : inv_mix_word(w);
        }
}

static void aes128_init(aes128 *c, const u8 key[16]) { aes_init(c, key, 16); }

static void aes128_encrypt(const aes128 *c, const u8 in[16], u8 out[16]) {
    const u32 *rk = c->ek;
    u32 s0 = ld32be(in) ^ rk[0], s1 = ld32be(in + 4) ^ rk[1];
    u32 s2 = ld32be(in + 8) ^ rk[2], s3 = ld32be(in + 12) ^ rk[3];
    for (int r = 1; r < c->nr; r++) {
        rk += 4;
        u32 t0 = TE[0][s0 >> 24] ^ TE[1][(s1 >> 16) & 0xff] ^ TE[2][(s2 >> 8) & 0xff] ^ TE[3][s3 & 0xff] ^ rk[0];
        u32 t1 = TE[0][s1 >> 24] ^ TE[1][(s2 >> 16) & 0xff] ^ TE[2][(s3 >> 8) & 0xff] ^ TE[3][s0 & 0xff] ^ rk[1];
        u32 t2 = TE[0][s2 >> 24] ^ TE[1][(s3 >> 16) & 0xff] ^ TE[2][(s0 >> 8) & 0xff] ^ TE[3][s1 & 0xff] ^ rk[2];
        u32 t3 = TE[0][s3 >> 24] ^ TE[1][(s0 >> 16) & 0xff] ^ TE[2][(s1 >> 8) & 0xff] ^ TE[3][s2 & 0xff] ^ rk[3];
        s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    rk += 4;
#define LASTE(a, b, c_, d) \
    ((u32)SBOX[(a) >> 24] << 24 | (u32)SBOX[((b) >> 16) & 0xff] << 16 | (u32)SBOX[((c_) >> 8) & 0xff] << 8 | SBOX[(d) & 0xff])
    st32be(out, LASTE(s0, s1, s2, s3) ^ rk[0]);
    st32be(out + 4, LASTE(s1, s2, s3, s0) ^ rk[1]);
    st32be(out + 8, LASTE(s2, s3, s0, s1) ^ rk[2]);
    st32be(out + 12, LASTE(s3, s0, s1, s2) ^ rk[3]);
}

static void aes128_decrypt(const aes128 *c, const u8 in[16], u8 out[16]) {
    const u32 *rk = c->dk;
    u32 s0 = ld32be(in) ^ rk[0], s1 = ld32be(in + 4) ^ rk[1];
    u32 s2 = ld32be(in + 8) ^ rk[2], s3 = ld32be(in + 12) ^ rk[3];
    for (int r = 1; r < c->nr; r++) {
        rk += 4;
        u32 t0 = TD[0][s0 >> 24] ^ TD[1][(s3 >> 16) & 0xff] ^ TD[2][(s2 >> 8) & 0xff] ^ TD[3][s1 & 0xff] ^ rk[0];
        u32 t1 = TD[0][s1 >> 24] ^ TD[1][(s0 >> 16) & 0xff] ^ TD[2][(s3 >> 8) & 0xff] ^ TD[3][s2 & 0xff] ^ rk[1];
        u32 t2 = TD[0][s2 >> 24] ^ TD[1][(s1 >> 16) & 0xff] ^ TD[2][(s0 >> 8) & 0xff] ^ TD[3][s3 & 0xff] ^ rk[2];
        u32 t3 = TD[0][s3 >> 24] ^ TD[1][(s2 >> 16) & 0xff] ^ TD[2][(s1 >> 8) & 0xff] ^ TD[3][s0 & 0xff] ^ rk[3];
        s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    rk += 4;
#define LASTD(a, b, c_, d) \
    ((u32)INV_SBOX[(a) >> 24] << 24 | (u32)INV_SBOX[((b) >> 16) & 0xff] << 16 | (u32)INV_SBOX[((c_) >> 8) & 0xff] << 8 | INV_SBOX[(d) & 0xff])
    st32be(out, LASTD(s0, s3, s2, s1) ^ rk[0]);
    st32be(out + 4, LASTD(s1, s0, s3, s2) ^ rk[1]);
    st32be(out + 8, LASTD(s2, s1, s0, s3) ^ rk[2]);
    st32be(out + 12, LASTD(s3, s2, s1, s0) ^ rk[3]);
}

static void aes128_ctr(const aes128 *c, const u8 iv[16], u8 *buf, size_t len) {
    u8 ctr[16], ks[16];
    memcpy(ctr, iv, 16);
    for (size_t i = 0; i < len; i += 16) {
        aes128_encrypt(c, ctr, ks);
        size_t n = len - i < 16 ? len - i : 16;
        for (size_t j = 0; j < n; j++) buf[i + j] ^= ks[j];
        for (int j = 15; j >= 0; j--)
            if (++ctr[j]) break;
    }
}

static void aes128_cbc_encrypt(const aes128 *c, const u8 iv[16], const u8 *in, u8 *out, size_t len) {
    u8 prev[16], blk[16];
    memcpy(prev, iv, 16);
    for (size_t i = 0; i < len; i += 16) {
        for (int j = 0; j < 16; j++) blk[j] = in[i + j] ^ prev[j];
        aes128_encrypt(c, blk, out + i);
        memcpy(prev, out + i, 16);
    }
}

static void aes128_cbc_decrypt(const aes128 *c, const u8 iv[16], const u8 *in, u8 *out, size_t len) {
    u8 prev[16], blk[16];
    memcpy(prev, iv, 16);
    for (size_t i = 0; i < len; i += 16) {
        aes128_decrypt(c, in + i, blk);
        for (int j = 0; j < 16; j++) out[i + j] = blk[j] ^ prev[j];
        memcpy(prev, in + i, 16);
    }
}

/* GCM (NIST SP 800-38D) with a 96-bit IV: GHASH by the bitwise multiplication in GF(2^128) */
typedef struct { u64 hi, lo; } be128;

static be128 gf_mul(be128 x, be128 y) {
    be128 z = {0, 0}, v = y;
    for (int i = 0; i < 128; i++) {
        u64 bit = i < 64 ? (x.hi >> (63 - i)) & 1 : (x.lo >> (127 - i)) & 1;
        if (bit) { z.hi ^= v.hi; z.lo ^= v.lo; }
        u64 carry = v.lo & 1;
        v.lo = (v.lo >> 1) | (v.hi << 63);
        v.hi >>= 1;
        if (carry) v.hi ^= 0xe100000000000000ULL;
    }
    return z;
}

static void ghash_update(be128 *y, be128 h, const u8 *data, size_t len) {
    for (size_t i = 0; i < len; i += 16) {
        u8 blk[16] = {0};
        memcpy(blk, data + i, len - i < 16 ? len - i : 16);
        y->hi ^= ld64be(blk);
        y->lo ^= ld64be(blk + 8);
        *y = gf_mul(*y, h);
    }
}

static void gcm_crypt(const aes128 *c, const u8 iv[12], const u8 *aad, size_t alen, u8 *buf, size_t len,
                      u8 tag[16], int decrypt) {
    u8 zero[16] = {0}, hb[16], j0[16], ctr[16], ks[16];
    aes128_encrypt(c, zero, hb);
    be128 h = {ld64be(hb), ld64be(hb + 8)}, y = {0, 0};
    memcpy(j0, iv, 12);
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
    memcpy(ctr, j0, 16);
    ghash_update(&y, h, aad, alen);
    if (decrypt) ghash_update(&y, h, buf, len);
    for (size_t i = 0; i < len; i += 16) {
        u32 cnt = ld32be(ctr + 12) + 1;
        st32be(ctr + 12, cnt);
        aes128_encrypt(c, ctr, ks);
        size_t n = len - i < 16 ? len - i : 16;
        for (size_t j = 0; j < n; j++) buf[i + j] ^= ks[j];
    }
    if (!decrypt) ghash_update(&y, h, buf, len);
    u8 lens[16];
    st64be(lens, (u64)alen * 8);
    st64be(lens + 8, (u64)len * 8);
    ghash_update(&y, h, lens, 16);
    aes128_encrypt(c, j0, ks);
    st64be(tag, y.hi);
    st64be(tag + 8, y.lo);
    for (int i = 0; i < 16; i++) tag[i] ^= ks[i];
}

/* ---- ChaCha20, Poly1305, AEAD ------------------------------------------------------------- */

#define QR(a, b, c, d)                          \
    do {                                        \
        a += b; d ^= a; d = rol32(d, 16);       \
        c += d; b ^= c; b = rol32(b, 12);       \
        a += b; d ^= a; d = rol32(d, 8);        \
        c += d; b ^= c; b = rol32(b, 7);        \
    } while (0)

static void chacha20_block(const u8 key[32], u32 counter, const u8 nonce[12], u8 out[64]) {
    u32 s[16], x[16];
    s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
    for (int i = 0; i < 8; i++) s[4 + i] = ld32le(key + 4 * i);
    s[12] = counter;
    for (int i = 0; i < 3; i++) s[13 + i] = ld32le(nonce + 4 * i);
    memcpy(x, s, sizeof x);
    for (int i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) st32le(out + 4 * i, x[i] + s[i]);
}

static void chacha20_xor(const u8 key[32], u32 counter, const u8 nonce[12], u8 *buf, size_t len) {
    u8 ks[64];
    for (size_t i = 0; i < len; i += 64) {
        chacha20_block(key, counter++, nonce, ks);
        size_t n = len - i < 64 ? len - i : 64;
        for (size_t j = 0; j < n; j++) buf[i + j] ^= ks[j];
    }
}

typedef struct {
    u64 r0, r1, r2, s1, s2, h0, h1, h2, pad0, pad1;
    u8 buf[16];
    size_t fill;
} poly1305;

#define M44 0xfffffffffffULL
#define M42 0x3ffffffffffULL

static void poly1305_init(poly1305 *p, const u8 key[32]) {
    u64 t0 = ld64le(key), t1 = ld64le(key + 8);
    p->r0 = t0 & 0xffc0fffffffULL;
    p->r1 = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffffULL;
    p->r2 = (t1 >> 24) & 0x00ffffffc0fULL;
    p->s1 = p->r1 * 20;
    p->s2 = p->r2 * 20;
    p->h0 = p->h1 = p->h2 = 0;
    p->pad0 = ld64le(key + 16);
    p->pad1 = ld64le(key + 24);
    p->fill = 0;
}

static void poly1305_blocks(poly1305 *p, const u8 *m, size_t len, u64 hibit) {
    u64 h0 = p->h0, h1 = p->h1, h2 = p->h2;
    const u64 r0 = p->r0, r1 = p->r1, r2 = p->r2, s1 = p->s1, s2 = p->s2;
    while (len >= 16) {
        u64 t0 = ld64le(m), t1 = ld64le(m + 8);
        h0 += t0 & M44;
        h1 += ((t0 >> 44) | (t1 << 20)) & M44;
        h2 += ((t1 >> 24) & M42) | hibit;
        u128 d0 = (u128)h0 * r0 + (u128)h1 * s2 + (u128)h2 * s1;
        u128 d1 = (u128)h0 * r1 + (u128)h1 * r0 + (u128)h2 * s2;
        u128 d2 = (u128)h0 * r2 + (u128)h1 * r1 + (u128)h2 * r0;
        u64 c = (u64)(d0 >> 44);
        h0 = (u64)d0 & M44;
        d1 += c;
        c = (u64)(d1 >> 44);
        h1 = (u64)d1 & M44;
        d2 += c;
        c = (u64)(d2 >> 42);
        h2 = (u64)d2 & M42;
        h0 += c * 5;
        c = h0 >> 44;
        h0 &= M44;
        h1 += c;
        m += 16;
        len -= 16;
    }
    p->h0 = h0; p->h1 = h1; p->h2 = h2;
}

static void poly1305_update(poly1305 *p, const u8 *m, size_t len) {
    if (p->fill) {
        size_t n = 16 - p->fill < len ? 16 - p->fill : len;
        memcpy(p->buf + p->fill, m, n);
        p->fill += n;
        m += n;
        len -= n;
        if (p->fill < 16) return;
        poly1305_blocks(p, p->buf, 16, (u64)1 << 40);
        p->fill = 0;
    }
    size_t whole = len & ~(size_t)15;
    if (whole) poly1305_blocks(p, m, whole, (u64)1 << 40);
    m += whole;
    len -= whole;
    memcpy(p->buf, m, len);
    p->fill = len;
}

static void poly1305_final(poly1305 *p, u8 tag[16]) {
    if (p->fill) {
        p->buf[p->fill] = 1;
        memset(p->buf + p->fill + 1, 0, 15 - p->fill);
        poly1305_blocks(p, p->buf, 16, 0);
    }
    u64 h0 = p->h0, h1 = p->h1, h2 = p->h2, c;
    c = h1 >> 44; h1 &= M44; h2 += c;
    c = h2 >> 42; h2 &= M42; h0 += c * 5;
    c = h0 >> 44; h0 &= M44; h1 += c;
    c = h1 >> 44; h1 &= M44; h2 += c;
    c = h2 >> 42; h2 &= M42; h0 += c * 5;
    c = h0 >> 44; h0 &= M44; h1 += c;
    /* g = h + 5 - 2^130; use g if it did not go negative */
    u64 g0 = h0 + 5; c = g0 >> 44; g0 &= M44;
    u64 g1 = h1 + c; c = g1 >> 44; g1 &= M44;
    u64 g2 = h2 + c - ((u64)1 << 42);
    u64 mask = (g2 >> 63) - 1;          /* all ones if g2 >= 0 */
    h0 = (h0 & ~mask) | (g0 & mask);
    h1 = (h1 & ~mask) | (g1 & mask);
    h2 = (h2 & ~mask) | (g2 & mask & M42);
    u64 lo = h0 | (h1 << 44), hi = (h1 >> 20) | (h2 << 24);
    u128 sum = (u128)lo + p->pad0;
    lo = (u64)sum;
    hi = hi + p->pad1 + (u64)(sum >> 64);
    st64le(tag, lo);
    st64le(tag + 8, hi);
}

static void poly1305_mac(const u8 key[32], const u8 *m, size_t len, u8 tag[16]) {
    poly1305 p;
    poly1305_init(&p, key);
    poly1305_update(&p, m, len);
    poly1305_final(&p, tag);
}

static void aead_tag(const u8 otk[32], const u8 *aad, size_t alen, const u8 *ct, size_t clen, u8 tag[16]) {
    static const u8 zeros[16];
    u8 lens[16];
    poly1305 p;
    poly1305_init(&p, otk);
    poly1305_update(&p, aad, alen);
    if (alen % 16) poly1305_update(&p, zeros, 16 - alen % 16);
    poly1305_update(&p, ct, clen);
    if (clen % 16) poly1305_update(&p, zeros, 16 - clen % 16);
    st64le(lens, alen);
    st64le(lens + 8, clen);
    poly1305_update(&p, lens, 16);
    poly1305_final(&p, tag);
}

static void aead_encrypt(const u8 key[32], const u8 nonce[12], const u8 *aad, size_t alen, u8 *buf,
                         size_t len, u8 tag[16]) {
    u8 blk[64];
    chacha20_block(key, 0, nonce, blk);
    chacha20_xor(key, 1, nonce, buf, len);
    aead_tag(blk, aad, alen, buf, len, tag);
}

static int aead_decrypt(const u8 key[32], const u8 nonce[12], const u8 *aad, size_t alen, u8 *buf,
                        size_t len, const u8 tag[16]) {
    u8 blk[64], want[16];
    chacha20_block(key, 0, nonce, blk);
    aead_tag(blk, aad, alen, buf, len, want);
    u8 diff = 0;
    for (int i = 0; i < 16; i++) diff |= want[i] ^ tag[i];
    if (diff) return -1;
    chacha20_xor(key, 1, nonce, buf, len);
    return 0;
}

/* ---- X25519 ------------------------------------------------------------------------------- */

typedef struct { u64 v[5]; } fe;
#define M51 0x7ffffffffffffULL

static void fe_frombytes(fe *h, const u8 s[32]) {
    u64 a = ld64le(s), b = ld64le(s + 8), c = ld64le(s + 16), d = ld64le(s + 24);
    h->v[0] = a & M51;
    h->v[1] = ((a >> 51) | (b << 13)) & M51;
    h->v[2] = ((b >> 38) | (c << 26)) & M51;
    h->v[3] = ((c >> 25) | (d << 39)) & M51;
    h->v[4] = (d >> 12) & M51;
}

static void fe_carry(fe *h) {
    u64 c;
    for (int i = 0; i < 4; i++) { c = h->v[i] >> 51; h->v[i] &= M51; h->v[i + 1] += c; }
    c = h->v[4] >> 51; h->v[4] &= M51; h->v[0] += c * 19;
    c = h->v[0] >> 51; h->v[0] &= M51; h->v[1] += c;
}

static void fe_tobytes(u8 s[32], const fe *f) {
    fe h = *f;
    fe_carry(&h);
    fe_carry(&h);
    /* subtract p if h >= p: q = (h + 19) >> 255 */
    u64 q = (h.v[0] + 19) >> 51;
    q = (h.v[1] + q) >> 51;
    q = (h.v[2] + q) >> 51;
    q = (h.v[3] + q) >> 51;
    q = (h.v[4] + q) >> 51;
    h.v[0] += 19 * q;
    for (int i = 0; i < 4; i++) { h.v[i + 1] += h.v[i] >> 51; h.v[i] &= M51; }
    h.v[4] &= M51;
    st64le(s, h.v[0] | (h.v[1] << 51));
    st64le(s + 8, (h.v[1] >> 13) | (h.v[2] << 38));
    st64le(s + 16, (h.v[2] >> 26) | (h.v[3] << 25));
    st64le(s + 24, (h.v[3] >> 39) | (h.v[4] << 12));
}

static void fe_add(fe *h, const fe *f, const fe *g) {
    for (int i = 0; i < 5; i++) h->v[i] = f->v[i] + g->v[i];
}

static void fe_sub(fe *h, const fe *f, const fe *g) {
    /* add 4p so the limbs stay positive */
    h->v[0] = f->v[0] + 0x1fffffffffffb4ULL - g->v[0];
    for (int i = 1; i < 5; i++) h->v[i] = f->v[i] + 0x1ffffffffffffcULL - g->v[i];
    fe_carry(h);
}

static void fe_mul(fe *h, const fe *f, const fe *g) {
    u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    u64 g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
    u64 g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19;
    u128 t0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19;
    u128 t1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19;
    u128 t2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19;
    u128 t3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
    u128 t4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
    t1 += (u64)(t0 >> 51); u64 r0 = (u64)t0 & M51;
    t2 += (u64)(t1 >> 51); u64 r1 = (u64)t1 & M51;
    t3 += (u64)(t2 >> 51); u64 r2 = (u64)t2 & M51;
    t4 += (u64)(t3 >> 51); u64 r3 = (u64)t3 & M51;
    u64 c = (u64)(t4 >> 51); u64 r4 = (u64)t4 & M51;
    r0 += c * 19;
    r1 += r0 >> 51;
    r0 &= M51;
    h->v[0] = r0; h->v[1] = r1; h->v[2] = r2; h->v[3] = r3; h->v[4] = r4;
}

static void fe_sq(fe *h, const fe *f) {
    u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    u64 d0 = f0 * 2, d1 = f1 * 2, d2 = f2 * 2, f3_19 = f3 * 19, f4_19 = f4 * 19;
    u128 t0 = (u128)f0 * f0 + (u128)d1 * f4_19 + (u128)d2 * f3_19;
    u128 t1 = (u128)d0 * f1 + (u128)d2 * f4_19 + (u128)f3 * f3_19;
    u128 t2 = (u128)d0 * f2 + (u128)f1 * f1 + (u128)(f3 * 2) * f4_19;
    u128 t3 = (u128)d0 * f3 + (u128)d1 * f2 + (u128)f4 * f4_19;
    u128 t4 = (u128)d0 * f4 + (u128)d1 * f3 + (u128)f2 * f2;
    t1 += (u64)(t0 >> 51); u64 r0 = (u64)t0 & M51;
    t2 += (u64)(t1 >> 51); u64 r1 = (u64)t1 & M51;
    t3 += (u64)(t2 >> 51); u64 r2 = (u64)t2 & M51;
    t4 += (u64)(t3 >> 51); u64 r3 = (u64)t3 & M51;
    u64 c = (u64)(t4 >> 51); u64 r4 = (u64)t4 & M51;
    r0 += c * 19;
    r1 += r0 >> 51;
    r0 &= M51;
    h->v[0] = r0; h->v[1] = r1; h->v[2] = r2; h->v[3] = r3; h->v[4] = r4;
}

static void fe_mul_small(fe *h, const fe *f, u64 k) {
    u128 t[5];
    for (int i = 0; i < 5; i++) t[i] = (u128)f->v[i] * k;
    u64 c = 0;
    for (int i = 0; i < 5; i++) {
        t[i] += c;
        h->v[i] = (u64)t[i] & M51;
        c = (u64)(t[i] >> 51);
    }
    h->v[0] += c * 19;
}

static void fe_invert(fe *out, const fe *z) {
    /* z^(p-2), p-2 = 2^255 - 21: square-and-multiply over its bits */
    fe r = {{1, 0, 0, 0, 0}}, t;
    for (int bit = 254; bit >= 0; bit--) {
        fe_sq(&t, &r);
        r = t;
        int set = bit >= 5 || ((0x0b >> bit) & 1);   /* low five bits of 2^255-21: 01011 */
        if (set) { fe_mul(&t, &r, z); r = t; }
    }
    *out = r;
}

static void fe_cswap(fe *a, fe *b, u64 swap) {
    u64 mask = 0 - swap;
    for (int i = 0; i < 5; i++) {
        u64 x = mask & (a->v[i] ^ b->v[i]);
        a->v[i] ^= x;
        b->v[i] ^= x;
    }
}

static void x25519(u8 out[32], const u8 scalar[32], const u8 point[32]) {
    u8 k[32], u[32];
    memcpy(k, scalar, 32);
    k[0] &= 248; k[31] &= 127; k[31] |= 64;
    memcpy(u, point, 32);
    u[31] &= 127;
    fe x1, x2 = {{1, 0, 0, 0, 0}}, z2 = {{0, 0, 0, 0, 0}}, x3, z3 = {{1, 0, 0, 0, 0}};
    fe a, aa, b, bb, e, c, d, da, cb, t;
    fe_frombytes(&x1, u);
    x3 = x1;
    u64 swap = 0;
    for (int pos = 254; pos >= 0; pos--) {
        u64 bit = (k[pos >> 3] >> (pos & 7)) & 1;
        swap ^= bit;
        fe_cswap(&x2, &x3, swap);
        fe_cswap(&z2, &z3, swap);
        swap = bit;
        fe_add(&a, &x2, &z2);
        fe_sq(&aa, &a);
        fe_sub(&b, &x2, &z2);
        fe_sq(&bb, &b);
        fe_sub(&e, &aa, &bb);
        fe_add(&c, &x3, &z3);
        fe_sub(&d, &x3, &z3);
        fe_mul(&da, &d, &a);
        fe_mul(&cb, &c, &b);
        fe_add(&t, &da, &cb);
        fe_sq(&x3, &t);
        fe_sub(&t, &da, &cb);
        fe_sq(&t, &t);
        fe_mul(&z3, &x1, &t);
        fe_mul(&x2, &aa, &bb);
        fe_mul_small(&t, &e, 121665);
        fe_add(&t, &t, &aa);
        fe_mul(&z2, &e, &t);
    }
    fe_cswap(&x2, &x3, swap);
    fe_cswap(&z2, &z3, swap);
    fe_invert(&t, &z2);
    fe_mul(&x2, &x2, &t);
    fe_tobytes(out, &x2);
}

/* ---- driver ------------------------------------------------------------------------------- */

#define BUFSZ 4096
static u8 buf[BUFSZ + 128];
static u8 acc[64];
static int acc_pos;
static u64 rng = 0x9e3779b97f4a7c15ULL;

static u64 splitmix(void) {
    u64 z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void mix(const u8 *h, size_t n) {
    for (size_t i = 0; i < n; i++) acc[(acc_pos + i) % 64] ^= h[i];
    acc_pos = (acc_pos + 13) % 64;
}

static void hex(const char *name, const u8 *p, size_t n) {
    printf("%-10s ", name);
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

static int unhex(const char *s, u8 *out) {
    int n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (u8)v;
    }
    return n;
}

static int self_test(void) {
    int bad = 0;
    u8 k[16], p[16], c[16], d[16], want[32];
    for (int i = 0; i < 16; i++) { k[i] = (u8)i; p[i] = (u8)(i * 0x11); }
    aes128 ctx;
    aes128_init(&ctx, k);
    aes128_encrypt(&ctx, p, c);
    unhex("69c4e0d86a7b0430d8cdb78070b4c55a", want);
    bad += memcmp(c, want, 16) != 0;
    aes128_decrypt(&ctx, c, d);
    bad += memcmp(d, p, 16) != 0;
    u8 sc[32], pt[32], out[32];
    unhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", sc);
    unhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", pt);
    unhex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", want);
    x25519(out, sc, pt);
    bad += memcmp(out, want, 32) != 0;
    u8 sk[16], sm[15];
    for (int i = 0; i < 16; i++) sk[i] = (u8)i;
    for (int i = 0; i < 15; i++) sm[i] = (u8)i;
    bad += siphash24(sk, sm, 15) != 0xa129ca6149be45e5ULL;
    return bad;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    for (int i = 0; i < 64; i++) MD5T[i] = (u32)(u64)(fabs(sin((double)(i + 1))) * 4294967296.0);
    gen_sha_constants();
    gen_keccak_constants();
    gen_crc_table();
    gen_aes_tables();
    int bad = self_test();
    for (int i = 0; i < BUFSZ + 128; i += 8) st64le(buf + i, splitmix());
    for (int i = 0; i < 64; i++) acc[i] = (u8)i;

    u8 h[64], tmp[BUFSZ + 64], tmp2[BUFSZ + 64], tag[16];
    long cbc_bad = 0, aead_bad = 0;
    for (int r = 0; r < rounds; r++) {
        size_t len = 1 + ((u64)r * 2654435761u) % (BUFSZ - 64);
        size_t off = (size_t)(r % 61);
        u8 *m = buf + off;
        md5(m, len, h); mix(h, 16);
        sha1(m, len, h); mix(h, 20);
        sha224(m, len, h); mix(h, 28);
        sha256(m, len, h); mix(h, 32);
        sha384(m, len, h); mix(h, 48);
        sha512(m, len, h); mix(h, 64);
        keccak(136, 0x06, m, len, h, 32); mix(h, 32);     /* SHA3-256 */
        keccak(72, 0x06, m, len, h, 64); mix(h, 64);      /* SHA3-512 */
        keccak(168, 0x1f, m, len, h, 64); mix(h, 64);     /* SHAKE128, 64 bytes */
        blake2b(acc, 32, m, len, h, 64); mix(h, 64);
        blake2s(acc + 32, 32, m, len, h, 32); mix(h, 32);
        hmac_sha256(acc, 64, m, len, h); mix(h, 32);
        st64le(h, siphash24(acc, m, len)); mix(h, 8);
        st32le(h, crc32(m, len)); st32le(h + 4, adler32(m, len)); mix(h, 8);
        sm3(m, len, h); mix(h, 32);
        ripemd160(m, len, h); mix(h, 20);
        pbkdf2_sha256(acc, 32, m, len < 48 ? len : 48, 8, h); mix(h, 32);
        {
            aes128 a256;
            u8 gkey[32], giv[12], gaad[20], gtag[16], gtag2[16];
            memcpy(gkey, acc, 32);
            memcpy(giv, acc + 32, 12);
            memcpy(gaad, acc + 44, 20);
            aes_init(&a256, gkey, 32);
            size_t glen = len < 1024 ? len : 1024;
            memcpy(tmp, m, glen);
            gcm_crypt(&a256, giv, gaad, 20, tmp, glen, gtag, 0);
            mix(gtag, 16);
            if (glen >= 16) mix(tmp + glen - 16, 16);
            gcm_crypt(&a256, giv, gaad, 20, tmp, glen, gtag2, 1);
            aead_bad += memcmp(gtag, gtag2, 16) != 0 || memcmp(tmp, m, glen) != 0;
        }
        aes128 aes;
        aes128_init(&aes, acc);
        aes128_ctr(&aes, acc + 16, m, len);
        chacha20_xor(acc, (u32)r, acc + 32, m, len);
        size_t len16 = len & ~(size_t)15;
        aes128_cbc_encrypt(&aes, acc + 48, m, tmp, len16);
        aes128_cbc_decrypt(&aes, acc + 48, tmp, tmp2, len16);
        cbc_bad += memcmp(tmp2, m, len16) != 0;
        if (len16) mix(tmp + len16 - 16, 16);
        poly1305_mac(acc + 16, m, len, h); mix(h, 16);
        u8 akey[64];
        memcpy(akey, acc, 64);
        memcpy(tmp, m, len);
        aead_encrypt(akey + 32, akey, akey + 8, 16 + r % 17, tmp, len, tag);
        mix(tag, 16);
        aead_bad += aead_decrypt(akey + 32, akey, akey + 8, 16 + r % 17, tmp, len, tag) != 0;
        aead_bad += memcmp(tmp, m, len) != 0;
        x25519(h, acc, acc + 32); mix(h, 32);
    }

    printf("crypto: %d rounds, self-test %s, cbc mismatches %ld, aead failures %ld\n", rounds,
           bad ? "FAILED" : "ok", cbc_bad, aead_bad);
    hex("acc", acc, 64);
    md5(buf, BUFSZ, h); hex("md5", h, 16);
    sha1(buf, BUFSZ, h); hex("sha1", h, 20);
    sha256(buf, BUFSZ, h); hex("sha256", h, 32);
    sha512(buf, BUFSZ, h); hex("sha512", h, 64);
    keccak(136, 0x06, buf, BUFSZ, h, 32); hex("sha3-256", h, 32);
    blake2b(0, 0, buf, BUFSZ, h, 64); hex("blake2b", h, 64);
    blake2s(0, 0, buf, BUFSZ, h, 32); hex("blake2s", h, 32);
    printf("crc32      %08x\n", crc32(buf, BUFSZ));
    return bad != 0;
}
