/* vm_big: code-heavy — a register + stack bytecode VM with 138 opcodes (64-bit ALU,
 * immediates, bit manipulation, byte/half/word/dword loads and stores with bounds checks,
 * compare-and-branch, calls, a data stack with stack arithmetic, block memory/string ops,
 * hashing), executed by three separately compiled interpreters of the same opcode bodies:
 * a switch loop, a table of handler functions, and computed-goto threaded code. Programs
 * are assembled at run time (labels, fix-ups); each run executes on two of four variants
 * (the three interpreters and a peephole-optimized copy on the switch loop), rotating so that
 * every pair is compared: insertion sort, recursive quicksort and shell sort; a prime sieve
 * checked by trial division, gcd and modular powers; string processing (word split, case
 * change, reversal, substring search, strcmp, atoi/itoa); bit tricks and CRC-32; recursive
 * fib, Ackermann, N-queens and Hanoi through an indirect call; bignum factorial; an int32
 * matrix multiply and Game of Life; and random expression trees compiled both to register
 * code and to stack code, checked against a C evaluator of the same trees. A verifier and a
 * disassembler walk every program. The two runs of a program must agree (status, result,
 * output hash, steps); mismatches are counted and printed.
 * argv[1] scales the work (rounds, default 20; one round runs every program). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef int8_t i8;
typedef uint16_t u16;
typedef int16_t i16;
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;
typedef int64_t i64;
typedef unsigned __int128 u128;
typedef __int128 i128;

#define MEMSZ (128 * 1024)
#define STK 1024
#define CSTK 512
#define MAXCODE 16384
#define FUEL 20000000L

typedef struct { u8 op, a, b, c; i32 imm; } insn;

typedef struct {
    u64 r[32];
    u64 stk[STK];
    long cstk[CSTK];
    int sp, csp;
    int status;
    long steps;
    u64 out;
    long nout;
    u8 mem[MEMSZ];
} VM;

/* ---- helpers shared by the opcode bodies and the C evaluator ------------------------------ */

static inline u64 h_div(u64 b, u64 c) {
    i64 x = (i64)b, y = (i64)c;
    if (y == 0) return ~0ULL;
    if (y == -1) return 0 - b;
    return (u64)(x / y);
}
static inline u64 h_rem(u64 b, u64 c) {
    i64 x = (i64)b, y = (i64)c;
    if (y == 0) return b;
    if (y == -1) return 0;
    return (u64)(x % y);
}
static inline u64 h_rol(u64 x, u64 s) { s &= 63; return s ? (x << s) | (x >> (64 - s)) : x; }
static inline u64 h_ror(u64 x, u64 s) { s &= 63; return s ? (x >> s) | (x << (64 - s)) : x; }
static inline u64 h_bitrev(u64 x) {
    u64 r = 0;
    for (int i = 0; i < 64; i++) { r = (r << 1) | (x & 1); x >>= 1; }
    return r;
}
static inline u64 h_isqrt(u64 x) {
    u64 r = 0, bit = 1ULL << 62;
    while (bit > x) bit >>= 2;
    while (bit) {
        if (x >= r + bit) { x -= r + bit; r = (r >> 1) + bit; }
        else r >>= 1;
        bit >>= 2;
    }
    return r;
}
static inline u64 h_gcd(u64 a, u64 b) {
    while (b) { u64 t = a % b; a = b; b = t; }
    return a;
}
static inline u64 h_hash(u64 h, u64 v) { return (h ^ (v & 0xff)) * 0x100000001b3ULL; }
static inline u64 h_mix(u64 h, u64 v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}
static inline u64 h_clamp(u64 x, u64 lo, u64 hi) {
    i64 v = (i64)x;
    if (v < (i64)lo) v = (i64)lo;
    if (v > (i64)hi) v = (i64)hi;
    return (u64)v;
}

static inline u64 ld16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static inline u64 ld32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline u64 ld64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }
static inline void st16(u8 *p, u64 v) { u16 x = (u16)v; memcpy(p, &x, 2); }
static inline void st32(u8 *p, u64 v) { u32 x = (u32)v; memcpy(p, &x, 4); }
static inline void st64(u8 *p, u64 v) { memcpy(p, &v, 8); }

/* ---- the opcodes: name, operand format, body ---------------------------------------------
 * Bodies see: R (registers), M (memory), vm, a b c (register fields), imm (sign-extended),
 * pc (already the next instruction), and the macros TRAP(code), CHK(addr, n), PUSHD, POPD. */

#define CHK(addr, n) do { if ((u64)(addr) > (u64)(MEMSZ - (n))) TRAP(1); } while (0)
#define PUSHD(v) do { if (vm->sp >= STK) TRAP(2); vm->stk[vm->sp++] = (v); } while (0)
#define POPD(dst) do { if (vm->sp <= 0) TRAP(2); (dst) = vm->stk[--vm->sp]; } while (0)
#define NEEDD(n) do { if (vm->sp < (n)) TRAP(2); } while (0)
#define TOP vm->stk[vm->sp - 1]
#define SEC vm->stk[vm->sp - 2]
#define BINS(expr) do { NEEDD(2); u64 y_ = TOP, x_ = SEC; (void)x_; (void)y_; vm->sp--; TOP = (expr); } while (0)
#define PUSHC(v) do { if (vm->csp >= CSTK) TRAP(2); vm->cstk[vm->csp++] = (v); } while (0)
#define POPC(dst) do { if (vm->csp <= 0) TRAP(2); (dst) = vm->cstk[--vm->csp]; } while (0)

/* formats for the verifier and disassembler */
enum { F_NONE, F_A, F_AB, F_ABC, F_AI, F_ABI, F_J, F_AJ, F_ABJ, F_ACJ, F_I };

#define OPS(X)                                                                            \
    X(NOP, F_NONE, (void)0;)                                                              \
    X(HALT, F_NONE, TRAP(0);)                                                             \
    X(LI, F_AI, R[a] = (u64)imm;)                                                         \
    X(LUI, F_AI, R[a] = ((u64)(u32)imm << 32) | (u32)R[a];)                               \
    X(MOV, F_AB, R[a] = R[b];)                                                            \
    X(ADD, F_ABC, R[a] = R[b] + R[c];)                                                    \
    X(SUB, F_ABC, R[a] = R[b] - R[c];)                                                    \
    X(MUL, F_ABC, R[a] = R[b] * R[c];)                                                    \
    X(MULH, F_ABC, R[a] = (u64)(((i128)(i64)R[b] * (i64)R[c]) >> 64);)                    \
    X(MULHU, F_ABC, R[a] = (u64)(((u128)R[b] * R[c]) >> 64);)                             \
    X(DIV, F_ABC, R[a] = h_div(R[b], R[c]);)                                              \
    X(DIVU, F_ABC, R[a] = R[c] ? R[b] / R[c] : ~0ULL;)                                    \
    X(REM, F_ABC, R[a] = h_rem(R[b], R[c]);)                                              \
    X(REMU, F_ABC, R[a] = R[c] ? R[b] % R[c] : R[b];)                                     \
    X(AND, F_ABC, R[a] = R[b] & R[c];)                                                    \
    X(OR, F_ABC, R[a] = R[b] | R[c];)                                                     \
    X(XOR, F_ABC, R[a] = R[b] ^ R[c];)                                                    \
    X(ANDN, F_ABC, R[a] = R[b] & ~R[c];)                                                  \
    X(SHL, F_ABC, R[a] = R[b] << (R[c] & 63);)                                            \
    X(SHR, F_ABC, R[a] = R[b] >> (R[c] & 63);)                                            \
    X(SAR, F_ABC, R[a] = (u64)((i64)R[b] >> (R[c] & 63));)                                \
    X(ROL, F_ABC, R[a] = h_rol(R[b], R[c]);)                                              \
    X(ROR, F_ABC, R[a] = h_ror(R[b], R[c]);)                                              \
    X(MIN, F_ABC, R[a] = (i64)R[b] < (i64)R[c] ? R[b] : R[c];)                            \
    X(MAX, F_ABC, R[a] = (i64)R[b] > (i64)R[c] ? R[b] : R[c];)                            \
    X(MINU, F_ABC, R[a] = R[b] < R[c] ? R[b] : R[c];)                                     \
    X(MAXU, F_ABC, R[a] = R[b] > R[c] ? R[b] : R[c];)                                     \
    X(SLT, F_ABC, R[a] = (i64)R[b] < (i64)R[c];)                                          \
    X(SLTU, F_ABC, R[a] = R[b] < R[c];)                                                   \
    X(SEQ, F_ABC, R[a] = R[b] == R[c];)                                                   \
    X(SNE, F_ABC, R[a] = R[b] != R[c];)                                                   \
    X(ADDI, F_ABI, R[a] = R[b] + (u64)imm;)                                               \
    X(MULI, F_ABI, R[a] = R[b] * (u64)imm;)                                               \
    X(ANDI, F_ABI, R[a] = R[b] & (u64)imm;)                                               \
    X(ORI, F_ABI, R[a] = R[b] | (u64)imm;)                                                \
    X(XORI, F_ABI, R[a] = R[b] ^ (u64)imm;)                                               \
    X(SHLI, F_ABI, R[a] = R[b] << (imm & 63);)                                            \
    X(SHRI, F_ABI, R[a] = R[b] >> (imm & 63);)                                            \
    X(SARI, F_ABI, R[a] = (u64)((i64)R[b] >> (imm & 63));)                                \
    X(SLTI, F_ABI, R[a] = (i64)R[b] < imm;)                                               \
    X(SLTIU, F_ABI, R[a] = R[b] < (u64)imm;)                                              \
    X(DIVUI, F_ABI, R[a] = imm ? R[b] / (u64)imm : ~0ULL;)                                \
    X(REMUI, F_ABI, R[a] = imm ? R[b] % (u64)imm : R[b];)                                 \
    X(NEG, F_AB, R[a] = 0 - R[b];)                                                        \
    X(NOT, F_AB, R[a] = ~R[b];)                                                           \
    X(ABS, F_AB, R[a] = (i64)R[b] < 0 ? 0 - R[b] : R[b];)                                 \
    X(CLZ, F_AB, R[a] = R[b] ? (u64)__builtin_clzll(R[b]) : 64;)                          \
    X(CTZ, F_AB, R[a] = R[b] ? (u64)__builtin_ctzll(R[b]) : 64;)                          \
    X(POPC, F_AB, R[a] = (u64)__builtin_popcountll(R[b]);)                                \
    X(BSWAP, F_AB, R[a] = __builtin_bswap64(R[b]);)                                       \
    X(BITREV, F_AB, R[a] = h_bitrev(R[b]);)                                               \
    X(SEXTB, F_AB, R[a] = (u64)(i64)(i8)R[b];)                                            \
    X(SEXTH, F_AB, R[a] = (u64)(i64)(i16)R[b];)                                           \
    X(SEXTW, F_AB, R[a] = (u64)(i64)(i32)R[b];)                                           \
    X(ZEXTB, F_AB, R[a] = (u8)R[b];)                                                      \
    X(ZEXTH, F_AB, R[a] = (u16)R[b];)                                                     \
    X(ZEXTW, F_AB, R[a] = (u32)R[b];)                                                     \
    X(INC, F_A, R[a]++;)                                                                  \
    X(DEC, F_A, R[a]--;)                                                                  \
    X(SELECT, F_ABC, if (R[c]) R[a] = R[b];)                                              \
    X(MADD, F_ABC, R[a] += R[b] * R[c];)                                                  \
    X(ISQRT, F_AB, R[a] = h_isqrt(R[b]);)                                                 \
    X(GCD, F_ABC, R[a] = h_gcd(R[b], R[c]);)                                              \
    X(CLAMP, F_ABC, R[a] = h_clamp(R[a], R[b], R[c]);)                                    \
    X(ALIGN, F_ABI, R[a] = (R[b] + (u64)imm - 1) & ~((u64)imm - 1);)                      \
    X(LDB, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 1); R[a] = (u64)(i64)(i8)M[ad]; })  \
    X(LDBU, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 1); R[a] = M[ad]; })               \
    X(LDH, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 2); R[a] = (u64)(i64)(i16)ld16(M + ad); }) \
    X(LDHU, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 2); R[a] = ld16(M + ad); })        \
    X(LDW, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 4); R[a] = (u64)(i64)(i32)ld32(M + ad); }) \
    X(LDWU, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 4); R[a] = ld32(M + ad); })        \
    X(LDD, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 8); R[a] = ld64(M + ad); })         \
    X(STB, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 1); M[ad] = (u8)R[a]; })            \
    X(STH, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 2); st16(M + ad, R[a]); })          \
    X(STW, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 4); st32(M + ad, R[a]); })          \
    X(STD, F_ABI, { u64 ad = R[b] + (u64)imm; CHK(ad, 8); st64(M + ad, R[a]); })          \
    X(LDX, F_ABC, { u64 ad = R[b] + R[c] * 8; CHK(ad, 8); R[a] = ld64(M + ad); })         \
    X(STX, F_ABC, { u64 ad = R[b] + R[c] * 8; CHK(ad, 8); st64(M + ad, R[a]); })          \
    X(LDBX, F_ABC, { u64 ad = R[b] + R[c]; CHK(ad, 1); R[a] = M[ad]; })                   \
    X(STBX, F_ABC, { u64 ad = R[b] + R[c]; CHK(ad, 1); M[ad] = (u8)R[a]; })               \
    X(LDHX, F_ABC, { u64 ad = R[b] + R[c] * 2; CHK(ad, 2); R[a] = ld16(M + ad); })        \
    X(STHX, F_ABC, { u64 ad = R[b] + R[c] * 2; CHK(ad, 2); st16(M + ad, R[a]); })         \
    X(LDWX, F_ABC, { u64 ad = R[b] + R[c] * 4; CHK(ad, 4); R[a] = (u64)(i64)(i32)ld32(M + ad); }) \
    X(STWX, F_ABC, { u64 ad = R[b] + R[c] * 4; CHK(ad, 4); st32(M + ad, R[a]); })         \
    X(JMP, F_J, pc = imm;)                                                                \
    X(BEQ, F_ABJ, if (R[a] == R[b]) pc = imm;)                                            \
    X(BNE, F_ABJ, if (R[a] != R[b]) pc = imm;)                                            \
    X(BLT, F_ABJ, if ((i64)R[a] < (i64)R[b]) pc = imm;)                                   \
    X(BGE, F_ABJ, if ((i64)R[a] >= (i64)R[b]) pc = imm;)                                  \
    X(BLTU, F_ABJ, if (R[a] < R[b]) pc = imm;)                                            \
    X(BGEU, F_ABJ, if (R[a] >= R[b]) pc = imm;)                                           \
    X(BEQI, F_ACJ, if ((i64)R[a] == (i8)c) pc = imm;)                                     \
    X(BNEI, F_ACJ, if ((i64)R[a] != (i8)c) pc = imm;)                                     \
    X(BLTI, F_ACJ, if ((i64)R[a] < (i8)c) pc = imm;)                                      \
    X(BGEI, F_ACJ, if ((i64)R[a] >= (i8)c) pc = imm;)                                     \
    X(JZ, F_AJ, if (!R[a]) pc = imm;)                                                     \
    X(JNZ, F_AJ, if (R[a]) pc = imm;)                                                     \
    X(LOOP, F_AJ, if (--R[a] != 0) pc = imm;)                                             \
    X(JTAB, F_ACJ, pc = imm + (R[a] < c ? (long)R[a] : (long)c);)                         \
    X(CALL, F_J, { PUSHC(pc); pc = imm; })                                                \
    X(CALLR, F_A, { PUSHC(pc); pc = (long)R[a]; })                                        \
    X(RET, F_NONE, POPC(pc);)                                                             \
    X(JR, F_A, pc = (long)R[a];)                                                          \
    X(LA, F_AJ, R[a] = (u64)imm;)                                                         \
    X(PUSH, F_A, PUSHD(R[a]);)                                                            \
    X(POP, F_A, POPD(R[a]);)                                                              \
    X(PUSHI, F_I, PUSHD((u64)imm);)                                                       \
    X(DUP, F_NONE, { NEEDD(1); u64 t_ = TOP; PUSHD(t_); })                                \
    X(OVER, F_NONE, { NEEDD(2); u64 t_ = SEC; PUSHD(t_); })                               \
    X(SWAP, F_NONE, { NEEDD(2); u64 t_ = TOP; TOP = SEC; SEC = t_; })                     \
    X(DROP, F_NONE, { NEEDD(1); vm->sp--; })                                              \
    X(PEEK, F_AI, { if (imm < 0 || imm >= vm->sp) TRAP(2); R[a] = vm->stk[vm->sp - 1 - imm]; }) \
    X(ADDS, F_NONE, BINS(x_ + y_);)                                                       \
    X(SUBS, F_NONE, BINS(x_ - y_);)                                                       \
    X(MULS, F_NONE, BINS(x_ * y_);)                                                       \
    X(ANDS, F_NONE, BINS(x_ & y_);)                                                       \
    X(ORS, F_NONE, BINS(x_ | y_);)                                                        \
    X(XORS, F_NONE, BINS(x_ ^ y_);)                                                       \
    X(SHLS, F_NONE, BINS(x_ << (y_ & 63));)                                               \
    X(SHRS, F_NONE, BINS(x_ >> (y_ & 63));)                                               \
    X(LTS, F_NONE, BINS((u64)((i64)x_ < (i64)y_));)                                       \
    X(LTUS, F_NONE, BINS((u64)(x_ < y_));)                                                \
    X(EQS, F_NONE, BINS((u64)(x_ == y_));)                                                \
    X(DIVUS, F_NONE, BINS(y_ ? x_ / y_ : ~0ULL);)                                         \
    X(REMUS, F_NONE, BINS(y_ ? x_ % y_ : x_);)                                            \
    X(NEGS, F_NONE, { NEEDD(1); TOP = 0 - TOP; })                                         \
    X(NOTS, F_NONE, { NEEDD(1); TOP = ~TOP; })                                            \
    X(HASH, F_AB, R[a] = h_hash(R[a], R[b]);)                                             \
    X(MIX, F_AB, R[a] = h_mix(R[a], R[b]);)                                               \
    X(CRCB, F_AB, {                                                                       \
        u32 cr_ = (u32)R[a] ^ (u8)R[b];                                                   \
        for (int k_ = 0; k_ < 8; k_++) cr_ = (cr_ >> 1) ^ (0xedb88320u & (0u - (cr_ & 1))); \
        R[a] = cr_;                                                                       \
    })                                                                                    \
    X(MEMCPY, F_ABC, {                                                                    \
        u64 n_ = R[c];                                                                    \
        if (R[a] > MEMSZ || R[b] > MEMSZ || n_ > MEMSZ - R[a] || n_ > MEMSZ - R[b]) TRAP(1); \
        memmove(M + R[a], M + R[b], n_);                                                  \
    })                                                                                    \
    X(MEMSET, F_ABC, {                                                                    \
        u64 n_ = R[c];                                                                    \
        if (R[a] > MEMSZ || n_ > MEMSZ - R[a]) TRAP(1);                                   \
        memset(M + R[a], (int)(u8)R[b], n_);                                              \
    })                                                                                    \
    X(STRLEN, F_AB, {                                                                     \
        u64 p_ = R[b];                                                                    \
        while (p_ < MEMSZ && M[p_]) p_++;                                                 \
        if (p_ >= MEMSZ) TRAP(1);                                                         \
        R[a] = p_ - R[b];                                                                 \
    })                                                                                    \
    X(STRCMP, F_ABC, {                                                                    \
        u64 p_ = R[b], q_ = R[c];                                                         \
        for (;;) {                                                                        \
            if (p_ >= MEMSZ || q_ >= MEMSZ) TRAP(1);                                      \
            if (M[p_] != M[q_] || !M[p_]) break;                                          \
            p_++; q_++;                                                                   \
        }                                                                                 \
        R[a] = M[p_] < M[q_] ? ~0ULL : M[p_] > M[q_];                                     \
    })                                                                                    \
    X(OUT, F_A, { vm->out = h_mix(vm->out, R[a]); vm->nout++; })                          \
    X(ASSERT, F_A, if (!R[a]) TRAP(3);)                                                   \
    X(CMPSWAP, F_AB, if ((i64)R[a] > (i64)R[b]) { u64 t_ = R[a]; R[a] = R[b]; R[b] = t_; }) \
    X(CHKB, F_AB, if (R[a] >= R[b]) TRAP(4);)

enum {
#define X_ENUM(name, fmt, ...) OP_##name,
    OPS(X_ENUM)
#undef X_ENUM
    NOPS
};

static const char *const op_names[] = {
#define X_NAME(name, fmt, ...) #name,
    OPS(X_NAME)
#undef X_NAME
};

static const u8 op_fmt[] = {
#define X_FMT(name, fmt, ...) fmt,
    OPS(X_FMT)
#undef X_FMT
};

/* ---- interpreter 1: a switch loop --------------------------------------------------------- */

static void run_switch(VM *vm, const insn *code, long n) {
    u64 *R = vm->r;
    u8 *M = vm->mem;
    long pc = 0, steps = 0;
#define TRAP(code_) do { vm->status = (code_); goto out; } while (0)
    for (;;) {
        if (pc < 0 || pc >= n) TRAP(5);
        if (++steps > FUEL) TRAP(9);
        insn in = code[pc++];
        int a = in.a & 31, b = in.b & 31, c = in.c;
        i64 imm = in.imm;
        (void)a; (void)b; (void)c; (void)imm;
        switch (in.op) {
#define X_CASE(name, fmt, ...) case OP_##name: { __VA_ARGS__ } break;
            OPS(X_CASE)
#undef X_CASE
        default: TRAP(6);
        }
    }
out:
#undef TRAP
    vm->steps = steps;
}

/* ---- interpreter 2: a table of handler functions ------------------------------------------ */

typedef long (*handler)(VM *vm, long pc, const insn *in);

#define TRAP(code_) do { vm->status = (code_); return -1; } while (0)
#define X_FN(name, fmt, ...)                                              \
    static long hf_##name(VM *vm, long pc, const insn *in) {              \
        u64 *R = vm->r;                                                   \
        u8 *M = vm->mem;                                                  \
        int a = in->a & 31, b = in->b & 31, c = in->c;                    \
        i64 imm = in->imm;                                                \
        (void)R; (void)M; (void)a; (void)b; (void)c; (void)imm;           \
        { __VA_ARGS__ }                                                   \
        return pc;                                                        \
    }
OPS(X_FN)
#undef X_FN
#undef TRAP

static const handler handlers[] = {
#define X_TAB(name, fmt, ...) hf_##name,
    OPS(X_TAB)
#undef X_TAB
};

static void run_table(VM *vm, const insn *code, long n) {
    long pc = 0, steps = 0;
    for (;;) {
        if (pc < 0 || pc >= n) { vm->status = 5; break; }
        if (++steps > FUEL) { vm->status = 9; break; }
        const insn *in = &code[pc];
        if (in->op >= NOPS) { vm->status = 6; break; }
        pc = handlers[in->op](vm, pc + 1, in);
        if (pc < 0) break;
    }
    vm->steps = steps;
}

/* ---- interpreter 3: computed-goto threaded code ------------------------------------------- */

static void run_threaded(VM *vm, const insn *code, long n) {
    static void *const labels[] = {
#define X_LAB(name, fmt, ...) &&L_##name,
        OPS(X_LAB)
#undef X_LAB
    };
    u64 *R = vm->r;
    u8 *M = vm->mem;
    long pc = 0, steps = 0;
    int a, b, c;
    i64 imm;
#define TRAP(code_) do { vm->status = (code_); goto out; } while (0)
#define NEXT                                                  \
    do {                                                      \
        if (pc < 0 || pc >= n) TRAP(5);                       \
        if (++steps > FUEL) TRAP(9);                          \
        const insn *in_ = &code[pc++];                        \
        a = in_->a & 31; b = in_->b & 31; c = in_->c;         \
        imm = in_->imm;                                       \
        if (in_->op >= NOPS) TRAP(6);                         \
        goto *labels[in_->op];                                \
    } while (0)
    NEXT;
#define X_GOTO(name, fmt, ...) L_##name: { __VA_ARGS__ } NEXT;
    OPS(X_GOTO)
#undef X_GOTO
out:
#undef NEXT
#undef TRAP
    vm->steps = steps;
}

/* ---- assembler ---------------------------------------------------------------------------- */

static insn code[MAXCODE];
static int ncode;
static int labels[4096], nlabels;
static struct { int at, label; } fixes[8192];
static int nfixes;

static void begin(void) { ncode = 0; nlabels = 0; nfixes = 0; }
static int L(void) { labels[nlabels] = -1; return nlabels++; }
static void H(int l) { labels[l] = ncode; }
static void I(int op, int a, int b, int c, i32 imm) {
    if (ncode >= MAXCODE) { fprintf(stderr, "program too large\n"); exit(2); }
    code[ncode++] = (insn){(u8)op, (u8)a, (u8)b, (u8)c, imm};
}
static void J(int op, int a, int b, int c, int label) {
    fixes[nfixes].at = ncode;
    fixes[nfixes++].label = label;
    I(op, a, b, c, 0);
}
static void link_code(void) {
    for (int i = 0; i < nfixes; i++) {
        if (labels[fixes[i].label] < 0) { fprintf(stderr, "unplaced label\n"); exit(2); }
        code[fixes[i].at].imm = labels[fixes[i].label];
    }
}
static void li64(int r, u64 v) {
    I(OP_LI, r, 0, 0, (i32)(u32)v);
    if ((u64)(i64)(i32)(u32)v != v) I(OP_LUI, r, 0, 0, (i32)(u32)(v >> 32));
}
#define R3(op, a, b, c) I(OP_##op, a, b, c, 0)
#define RI(op, a, b, imm) I(OP_##op, a, b, 0, imm)
#define BR(op, a, b, l) J(OP_##op, a, b, 0, l)
#define BI(op, a, k, l) J(OP_##op, a, 0, (u8)(i8)(k), l)

/* the LCG step used by the programs: r = r * A + C, with A in r20, C in r21 */
static void lcg_consts(void) {
    li64(20, 6364136223846793005ULL);
    li64(21, 1442695040888963407ULL);
}
static void lcg(int r) { R3(MUL, r, r, 20); R3(ADD, r, r, 21); }

/* ---- program 1: sorting ------------------------------------------------------------------- */
/* in: r2 = n, r3 = seed. out: OUT of checksums, r1 = hash */

static void prog_sort(void) {
    int fill = L(), filled = L(), outer = L(), inner = L(), place = L(), sorted = L();
    int chk = L(), chkd = L();
    lcg_consts();
    li64(10, 0x1000);
    RI(LI, 4, 0, 0);
    H(fill);
    BR(BGE, 4, 2, filled);
    lcg(3);
    RI(SHRI, 5, 3, 40);
    R3(STX, 5, 10, 4);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, fill);
    H(filled);
    /* insertion sort of 64-bit words */
    RI(LI, 4, 0, 1);
    H(outer);
    BR(BGE, 4, 2, sorted);
    R3(LDX, 5, 10, 4);
    RI(ADDI, 6, 4, -1);
    H(inner);
    BI(BLTI, 6, 0, place);
    R3(LDX, 7, 10, 6);
    BR(BGE, 5, 7, place);
    RI(ADDI, 8, 6, 1);
    R3(STX, 7, 10, 8);
    R3(DEC, 6, 0, 0);
    J(OP_JMP, 0, 0, 0, inner);
    H(place);
    RI(ADDI, 8, 6, 1);
    R3(STX, 5, 10, 8);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, outer);
    H(sorted);
    li64(12, 0xcbf29ce484222325ULL);
    RI(LI, 4, 0, 1);
    RI(LI, 9, 0, 0);
    RI(LDD, 11, 10, 0);
    H(chk);
    BR(BGE, 4, 2, chkd);
    R3(LDX, 5, 10, 4);
    R3(SLTU, 6, 5, 11);
    R3(ADD, 9, 9, 6);
    R3(HASH, 12, 5, 0);
    RI(SHRI, 13, 5, 8);
    R3(HASH, 12, 13, 0);
    R3(MOV, 11, 5, 0);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, chk);
    H(chkd);
    R3(OUT, 12, 0, 0);
    R3(OUT, 9, 0, 0);

    /* recursive quicksort of int32 words at 0x8000 (n2 = 2n elements) */
    int qs = L(), qret = L(), part = L(), pnext = L(), pend = L(), f2 = L(), f2d = L();
    int c2 = L(), c2d = L();
    li64(14, 0x8000);
    RI(SHLI, 15, 2, 1);                 /* r15 = 2n */
    RI(LI, 4, 0, 0);
    H(f2);
    BR(BGE, 4, 15, f2d);
    lcg(3);
    RI(SARI, 5, 3, 37);
    R3(SEXTW, 5, 5, 0);
    R3(STWX, 5, 14, 4);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, f2);
    H(f2d);
    RI(LI, 4, 0, 0);
    RI(ADDI, 5, 15, -1);
    J(OP_CALL, 0, 0, 0, qs);
    /* check sorted */
    RI(LI, 4, 0, 1);
    RI(LI, 9, 0, 0);
    li64(12, 0xcbf29ce484222325ULL);
    H(c2);
    BR(BGE, 4, 15, c2d);
    RI(ADDI, 6, 4, -1);
    R3(LDWX, 7, 14, 6);
    R3(LDWX, 8, 14, 4);
    R3(SLT, 6, 8, 7);
    R3(ADD, 9, 9, 6);
    R3(HASH, 12, 8, 0);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, c2);
    H(c2d);
    R3(OUT, 12, 0, 0);
    R3(OUT, 9, 0, 0);

    /* shell sort of u16 halfwords at 0x14000 (n elements), gaps n/2, n/4, ... */
    int sf = L(), sfd = L(), gap_loop = L(), gdone = L(), iloop = L(), idone = L(), jloop = L(), jdone = L();
    int c3 = L(), c3d = L();
    li64(16, 0x14000);
    RI(LI, 4, 0, 0);
    H(sf);
    BR(BGE, 4, 2, sfd);
    lcg(3);
    RI(SHRI, 5, 3, 48);
    R3(STHX, 5, 16, 4);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, sf);
    H(sfd);
    RI(DIVUI, 17, 2, 2);                /* gap */
    H(gap_loop);
    J(OP_JZ, 17, 0, 0, gdone);
    R3(MOV, 4, 17, 0);                  /* i = gap */
    H(iloop);
    BR(BGE, 4, 2, idone);
    R3(LDHX, 5, 16, 4);                 /* tmp */
    R3(MOV, 6, 4, 0);                   /* j */
    H(jloop);
    BR(BLT, 6, 17, jdone);
    R3(SUB, 7, 6, 17);
    R3(LDHX, 8, 16, 7);
    BR(BGEU, 5, 8, jdone);
    R3(STHX, 8, 16, 6);
    R3(MOV, 6, 7, 0);
    J(OP_JMP, 0, 0, 0, jloop);
    H(jdone);
    R3(STHX, 5, 16, 6);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, iloop);
    H(idone);
    RI(SHRI, 17, 17, 1);
    J(OP_JMP, 0, 0, 0, gap_loop);
    H(gdone);
    RI(LI, 4, 0, 1);
    RI(LI, 9, 0, 0);
    RI(LI, 12, 0, 0);
    H(c3);
    BR(BGE, 4, 2, c3d);
    RI(ADDI, 6, 4, -1);
    R3(LDHX, 7, 16, 6);
    R3(LDHX, 8, 16, 4);
    R3(SLTU, 6, 8, 7);
    R3(ADD, 9, 9, 6);
    R3(MIX, 12, 8, 0);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, c3);
    H(c3d);
    R3(OUT, 12, 0, 0);
    R3(OUT, 9, 0, 0);
    R3(MOV, 1, 12, 0);
    I(OP_HALT, 0, 0, 0, 0);

    /* qsort(lo = r4, hi = r5) over int32 at r14 */
    H(qs);
    BR(BGE, 4, 5, qret);
    R3(LDWX, 6, 14, 5);
    RI(ADDI, 7, 4, -1);
    R3(MOV, 8, 4, 0);
    H(part);
    BR(BGE, 8, 5, pend);
    R3(LDWX, 9, 14, 8);
    BR(BLT, 6, 9, pnext);
    R3(INC, 7, 0, 0);
    R3(LDWX, 11, 14, 7);
    R3(STWX, 9, 14, 7);
    R3(STWX, 11, 14, 8);
    H(pnext);
    R3(INC, 8, 0, 0);
    J(OP_JMP, 0, 0, 0, part);
    H(pend);
    R3(INC, 7, 0, 0);
    R3(LDWX, 11, 14, 7);
    R3(STWX, 6, 14, 7);
    R3(STWX, 11, 14, 5);
    R3(PUSH, 5, 0, 0);
    R3(PUSH, 7, 0, 0);
    RI(ADDI, 5, 7, -1);
    J(OP_CALL, 0, 0, 0, qs);
    R3(POP, 7, 0, 0);
    R3(POP, 5, 0, 0);
    RI(ADDI, 4, 7, 1);
    J(OP_JMP, 0, 0, 0, qs);
    H(qret);
    I(OP_RET, 0, 0, 0, 0);
}

/* ---- program 2: primes -------------------------------------------------------------------- */
/* in: r2 = N (sieve limit), r3 = seed */

static void prog_primes(void) {
    int lp = L(), lm = L(), lpn = L(), lcount = L(), lc = L(), lcn = L(), lcd = L();
    RI(LI, 0, 0, 0);
    li64(10, 0x2000);
    RI(LI, 11, 0, 1);
    R3(MEMSET, 10, 11, 2);
    RI(LI, 4, 0, 2);
    H(lp);
    R3(MUL, 5, 4, 4);
    BR(BLTU, 2, 5, lcount);
    R3(LDBX, 6, 10, 4);
    J(OP_JZ, 6, 0, 0, lpn);
    H(lm);
    BR(BGEU, 5, 2, lpn);
    R3(STBX, 0, 10, 5);
    R3(ADD, 5, 5, 4);
    J(OP_JMP, 0, 0, 0, lm);
    H(lpn);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, lp);
    H(lcount);
    RI(LI, 4, 0, 2);
    RI(LI, 7, 0, 0);
    RI(LI, 8, 0, 0);
    RI(LI, 9, 0, 0);
    H(lc);
    BR(BGEU, 4, 2, lcd);
    R3(LDBX, 6, 10, 4);
    J(OP_JZ, 6, 0, 0, lcn);
    R3(INC, 7, 0, 0);
    R3(ADD, 8, 8, 4);
    R3(HASH, 9, 4, 0);
    H(lcn);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, lc);
    H(lcd);
    R3(OUT, 7, 0, 0);
    R3(OUT, 8, 0, 0);
    R3(OUT, 9, 0, 0);

    /* trial division of 2..N/4 against the sieve */
    int tk = L(), td = L(), tdn = L(), tcomp = L(), tcmp = L(), tnext = L(), tdone = L();
    RI(DIVUI, 12, 2, 4);
    RI(LI, 4, 0, 2);
    RI(LI, 13, 0, 0);                   /* mismatches */
    H(tk);
    BR(BGEU, 4, 12, tdone);
    RI(LI, 14, 0, 1);                   /* is prime */
    RI(LI, 5, 0, 2);
    H(td);
    R3(MUL, 6, 5, 5);
    BR(BLTU, 4, 6, tcmp);
    R3(REMU, 7, 4, 5);
    J(OP_JZ, 7, 0, 0, tcomp);
    H(tdn);
    R3(INC, 5, 0, 0);
    J(OP_JMP, 0, 0, 0, td);
    H(tcomp);
    RI(LI, 14, 0, 0);
    H(tcmp);
    R3(LDBX, 6, 10, 4);
    R3(SNE, 6, 6, 14);
    R3(ADD, 13, 13, 6);
    H(tnext);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, tk);
    H(tdone);
    R3(OUT, 13, 0, 0);

    /* gcd sums: the GCD opcode against Euclid with REM, and integer square roots */
    int gl = L(), ge = L(), ged = L(), gd = L();
    RI(DIVUI, 12, 2, 8);
    RI(LI, 4, 0, 1);
    RI(LI, 15, 0, 0);
    RI(LI, 16, 0, 0);
    RI(LI, 17, 0, 0);
    RI(MULI, 18, 2, 7);
    RI(ADDI, 18, 18, 12345);
    H(gl);
    BR(BGEU, 4, 12, gd);
    R3(GCD, 6, 18, 4);
    R3(ADD, 15, 15, 6);
    R3(MOV, 7, 18, 0);
    R3(MOV, 8, 4, 0);
    H(ge);
    J(OP_JZ, 8, 0, 0, ged);
    R3(REM, 9, 7, 8);
    R3(MOV, 7, 8, 0);
    R3(MOV, 8, 9, 0);
    J(OP_JMP, 0, 0, 0, ge);
    H(ged);
    R3(ADD, 16, 16, 7);
    R3(MUL, 9, 4, 18);
    R3(ISQRT, 9, 9, 0);
    R3(ADD, 17, 17, 9);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, gl);
    H(gd);
    R3(SEQ, 6, 15, 16);
    R3(ASSERT, 6, 0, 0);
    R3(OUT, 15, 0, 0);
    R3(OUT, 17, 0, 0);

    /* Fermat tests 2^(p-1) mod p for odd p in [3, N/16): square-and-multiply with MUL/REMU */
    int fl = L(), fd = L(), pw = L(), pwd = L(), pskip = L(), fnext = L();
    RI(DIVUI, 12, 2, 16);
    RI(LI, 4, 0, 3);
    RI(LI, 19, 0, 0);                   /* count of probable primes */
    RI(LI, 22, 0, 0);                   /* agreement with sieve */
    H(fl);
    BR(BGEU, 4, 12, fd);
    RI(ADDI, 5, 4, -1);                 /* e */
    RI(LI, 6, 0, 1);                    /* result */
    RI(LI, 7, 0, 2);                    /* base */
    H(pw);
    J(OP_JZ, 5, 0, 0, pwd);
    RI(ANDI, 8, 5, 1);
    J(OP_JZ, 8, 0, 0, pskip);
    R3(MUL, 6, 6, 7);
    R3(REMU, 6, 6, 4);
    H(pskip);
    R3(MUL, 7, 7, 7);
    R3(REMU, 7, 7, 4);
    RI(SHRI, 5, 5, 1);
    J(OP_JMP, 0, 0, 0, pw);
    H(pwd);
    RI(XORI, 6, 6, 1);
    R3(SEQ, 6, 6, 0);                   /* r0 == 0: 1 if result was 1 */
    R3(ADD, 19, 19, 6);
    R3(LDBX, 8, 10, 4);
    R3(SEQ, 8, 8, 6);
    R3(ADD, 22, 22, 8);
    H(fnext);
    RI(ADDI, 4, 4, 2);
    J(OP_JMP, 0, 0, 0, fl);
    H(fd);
    R3(OUT, 19, 0, 0);
    R3(OUT, 22, 0, 0);
    R3(MOV, 1, 9, 0);
    I(OP_HALT, 0, 0, 0, 0);
}

/* ---- program 3: strings ------------------------------------------------------------------- */
/* in: r2 = number of words, r3 = seed. text at 0x1000, copies at 0x6000, 0xb000 */

static void prog_strings(void) {
    lcg_consts();
    RI(LI, 0, 0, 0);
    li64(10, 0x1000);
    li64(11, 0x6000);
    li64(12, 0xb000);
    /* generate words: 2..9 lowercase letters separated by single spaces */
    int gw = L(), gl = L(), gld = L(), gwd = L(), gsp = L();
    RI(LI, 4, 0, 0);                    /* word index */
    R3(MOV, 5, 10, 0);                  /* write pointer */
    H(gw);
    BR(BGE, 4, 2, gwd);
    J(OP_JZ, 4, 0, 0, gsp);
    RI(LI, 6, 0, ' ');
    RI(STB, 6, 5, 0);
    R3(INC, 5, 0, 0);
    H(gsp);
    lcg(3);
    RI(SHRI, 6, 3, 45);
    RI(REMUI, 6, 6, 8);
    RI(ADDI, 6, 6, 2);                  /* length */
    H(gl);
    J(OP_JZ, 6, 0, 0, gld);
    lcg(3);
    RI(SHRI, 7, 3, 40);
    RI(REMUI, 7, 7, 26);
    RI(ADDI, 7, 7, 'a');
    RI(STB, 7, 5, 0);
    R3(INC, 5, 0, 0);
    R3(DEC, 6, 0, 0);
    J(OP_JMP, 0, 0, 0, gl);
    H(gld);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, gw);
    H(gwd);
    RI(STB, 0, 5, 0);
    R3(STRLEN, 13, 10, 0);              /* r13 = length */
    R3(OUT, 13, 0, 0);
    /* upper-case copy */
    int up = L(), upn = L(), upd = L();
    RI(ADDI, 14, 13, 1);
    R3(MEMCPY, 11, 10, 14);
    RI(LI, 4, 0, 0);
    RI(LI, 15, 0, 'a');
    RI(LI, 16, 0, 'z' + 1);
    H(up);
    BR(BGE, 4, 13, upd);
    R3(LDBX, 6, 11, 4);
    BR(BLTU, 6, 15, upn);
    BR(BGEU, 6, 16, upn);
    RI(XORI, 6, 6, 32);
    R3(STBX, 6, 11, 4);
    H(upn);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, up);
    H(upd);
    /* count vowels and words with a jump table over character classes */
    int cv = L(), cvd = L(), tab = L(), c_other = L(), c_vowel = L(), c_space = L(), c_next = L();
    RI(LI, 4, 0, 0);
    RI(LI, 17, 0, 0);                   /* vowels */
    RI(LI, 18, 0, 0);                   /* spaces */
    RI(LI, 19, 0, 0);                   /* consonants */
    H(cv);
    BR(BGE, 4, 13, cvd);
    R3(LDBX, 6, 11, 4);
    RI(LI, 7, 0, 2);                    /* class: 0 vowel, 1 space, 2 other */
    {
        static const char vowels[] = "AEIOU";
        int isv = L(), notsp = L(), go = L();
        for (int k = 0; k < 5; k++) BI(BEQI, 6, vowels[k], isv);
        BI(BNEI, 6, ' ', notsp);
        RI(LI, 7, 0, 1);
        J(OP_JMP, 0, 0, 0, go);
        H(isv);
        RI(LI, 7, 0, 0);
        H(notsp);
        H(go);
    }
    J(OP_JTAB, 7, 0, 2, tab);
    H(tab);
    J(OP_JMP, 0, 0, 0, c_vowel);
    J(OP_JMP, 0, 0, 0, c_space);
    J(OP_JMP, 0, 0, 0, c_other);
    H(c_vowel);
    R3(INC, 17, 0, 0);
    J(OP_JMP, 0, 0, 0, c_next);
    H(c_space);
    R3(INC, 18, 0, 0);
    J(OP_JMP, 0, 0, 0, c_next);
    H(c_other);
    R3(INC, 19, 0, 0);
    H(c_next);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, cv);
    H(cvd);
    R3(OUT, 17, 0, 0);
    R3(OUT, 18, 0, 0);
    R3(OUT, 19, 0, 0);
    /* reverse each word in place in the upper-case copy */
    int rw = L(), rwd = L(), fe = L(), fed = L(), sw = L(), swd = L();
    RI(LI, 4, 0, 0);                    /* word start */
    H(rw);
    BR(BGE, 4, 13, rwd);
    R3(MOV, 5, 4, 0);
    H(fe);
    BR(BGE, 5, 13, fed);
    R3(LDBX, 6, 11, 5);
    BI(BEQI, 6, ' ', fed);
    R3(INC, 5, 0, 0);
    J(OP_JMP, 0, 0, 0, fe);
    H(fed);
    R3(MOV, 7, 4, 0);
    RI(ADDI, 8, 5, -1);
    H(sw);
    BR(BGE, 7, 8, swd);
    R3(LDBX, 6, 11, 7);
    R3(LDBX, 9, 11, 8);
    R3(STBX, 9, 11, 7);
    R3(STBX, 6, 11, 8);
    R3(INC, 7, 0, 0);
    R3(DEC, 8, 0, 0);
    J(OP_JMP, 0, 0, 0, sw);
    H(swd);
    RI(ADDI, 4, 5, 1);
    J(OP_JMP, 0, 0, 0, rw);
    H(rwd);
    /* FNV hashes of both buffers */
    int hh = L(), hhd = L();
    li64(22, 0xcbf29ce484222325ULL);
    li64(23, 0xcbf29ce484222325ULL);
    RI(LI, 4, 0, 0);
    H(hh);
    BR(BGE, 4, 13, hhd);
    R3(LDBX, 6, 10, 4);
    R3(HASH, 22, 6, 0);
    R3(LDBX, 6, 11, 4);
    R3(HASH, 23, 6, 0);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, hh);
    H(hhd);
    R3(OUT, 22, 0, 0);
    R3(OUT, 23, 0, 0);
    /* substring search: 3-letter needles taken from the text, naive scan */
    int ns = L(), nsd = L(), sp = L(), spd = L(), mt = L(), nom = L();
    RI(LI, 24, 0, 0);                   /* needle index */
    RI(LI, 25, 0, 0);                   /* total matches */
    H(ns);
    BI(BGEI, 24, 24, nsd);
    RI(MULI, 26, 24, 37);
    R3(REMU, 26, 26, 13);
    RI(ADDI, 13, 13, -3);
    R3(REMU, 26, 26, 13);               /* needle position */
    RI(ADDI, 13, 13, 3);
    R3(LDBX, 27, 10, 26);
    RI(ADDI, 26, 26, 1);
    R3(LDBX, 28, 10, 26);
    RI(ADDI, 26, 26, 1);
    R3(LDBX, 29, 10, 26);
    RI(LI, 4, 0, 0);
    RI(ADDI, 30, 13, -2);
    H(sp);
    BR(BGE, 4, 30, spd);
    R3(LDBX, 6, 10, 4);
    BR(BNE, 6, 27, nom);
    R3(ADD, 7, 10, 4);
    RI(LDBU, 6, 7, 1);
    BR(BNE, 6, 28, nom);
    RI(LDBU, 6, 7, 2);
    BR(BNE, 6, 29, nom);
    H(mt);
    R3(INC, 25, 0, 0);
    H(nom);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, sp);
    H(spd);
    R3(INC, 24, 0, 0);
    J(OP_JMP, 0, 0, 0, ns);
    H(nsd);
    R3(OUT, 25, 0, 0);
    /* split into NUL-terminated words at 0xb000, compare neighbours with STRCMP */
    int zs = L(), zsn = L(), zsd = L(), cmpl = L(), cmpd = L(), nx = L(), nxd = L();
    RI(ADDI, 14, 13, 1);
    R3(MEMCPY, 12, 10, 14);
    RI(LI, 4, 0, 0);
    H(zs);
    BR(BGE, 4, 13, zsd);
    R3(LDBX, 6, 12, 4);
    BI(BNEI, 6, ' ', zsn);
    R3(STBX, 0, 12, 4);
    H(zsn);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, zs);
    H(zsd);
    R3(MOV, 5, 12, 0);                  /* current word */
    RI(LI, 17, 0, 0);
    RI(LI, 18, 0, 0);
    R3(ADD, 30, 12, 13);                /* end */
    H(cmpl);
    R3(STRLEN, 6, 5, 0);
    R3(ADD, 7, 5, 6);
    R3(INC, 7, 0, 0);                   /* next word */
    BR(BGEU, 7, 30, cmpd);
    R3(STRCMP, 8, 5, 7);
    R3(ADD, 17, 17, 8);
    R3(MIX, 18, 8, 0);
    R3(MOV, 5, 7, 0);
    J(OP_JMP, 0, 0, 0, cmpl);
    H(cmpd);
    R3(OUT, 17, 0, 0);
    R3(OUT, 18, 0, 0);
    /* itoa then atoi of LCG numbers through a buffer at 0x10000 */
    int it = L(), itd = L(), dg = L(), at = L(), atd = L();
    li64(14, 0x10000);
    RI(LI, 24, 0, 0);
    RI(LI, 25, 0, 0);
    RI(LI, 26, 0, 0);
    H(nx);
    BI(BGEI, 24, 30, nxd);
    lcg(3);
    RI(SHRI, 6, 3, 20);                 /* value */
    R3(MOV, 7, 14, 0);                  /* write digits reversed */
    R3(MOV, 8, 6, 0);
    H(dg);
    RI(REMUI, 9, 8, 10);
    RI(ADDI, 9, 9, '0');
    RI(STB, 9, 7, 0);
    R3(INC, 7, 0, 0);
    RI(DIVUI, 8, 8, 10);
    J(OP_JNZ, 8, 0, 0, dg);
    RI(STB, 0, 7, 0);
    /* reverse digits */
    R3(MOV, 8, 14, 0);
    RI(ADDI, 7, 7, -1);
    H(it);
    BR(BGEU, 8, 7, itd);
    RI(LDBU, 9, 8, 0);
    RI(LDBU, 27, 7, 0);
    RI(STB, 27, 8, 0);
    RI(STB, 9, 7, 0);
    R3(INC, 8, 0, 0);
    R3(DEC, 7, 0, 0);
    J(OP_JMP, 0, 0, 0, it);
    H(itd);
    R3(MOV, 8, 14, 0);
    RI(LI, 9, 0, 0);
    H(at);
    RI(LDBU, 27, 8, 0);
    J(OP_JZ, 27, 0, 0, atd);
    RI(MULI, 9, 9, 10);
    RI(ADDI, 27, 27, -'0');
    R3(ADD, 9, 9, 27);
    R3(INC, 8, 0, 0);
    J(OP_JMP, 0, 0, 0, at);
    H(atd);
    R3(SNE, 27, 9, 6);
    R3(ADD, 25, 25, 27);
    R3(STRLEN, 27, 14, 0);
    R3(ADD, 26, 26, 27);
    R3(INC, 24, 0, 0);
    J(OP_JMP, 0, 0, 0, nx);
    H(nxd);
    R3(OUT, 25, 0, 0);
    R3(OUT, 26, 0, 0);
    R3(MOV, 1, 23, 0);
    I(OP_HALT, 0, 0, 0, 0);
}

/* ---- program 4: bit manipulation and CRC-32 ----------------------------------------------- */
/* in: r2 = iterations, r3 = seed */

static void prog_bits(void) {
    lcg_consts();
    RI(LI, 0, 0, 0);
    int lp = L(), done = L();
    RI(LI, 4, 0, 0);
    RI(LI, 22, 0, 0);
    RI(LI, 23, 0, 0);
    RI(LI, 24, 0, 0);
    li64(25, 0x123456789abcdefULL);
    H(lp);
    BR(BGE, 4, 2, done);
    lcg(3);
    R3(MOV, 5, 3, 0);
    R3(POPC, 6, 5, 0);
    R3(CLZ, 7, 5, 0);
    R3(CTZ, 8, 5, 0);
    RI(MULI, 7, 7, 3);
    RI(MULI, 8, 8, 5);
    R3(ADD, 6, 6, 7);
    R3(ADD, 6, 6, 8);
    R3(XOR, 22, 22, 6);
    R3(BSWAP, 9, 5, 0);
    R3(ROL, 9, 9, 4);
    R3(ROR, 9, 9, 5);
    R3(BITREV, 10, 9, 0);
    R3(ADD, 23, 23, 10);
    R3(SEXTB, 11, 5, 0);
    R3(SEXTH, 12, 5, 0);
    R3(SEXTW, 13, 5, 0);
    R3(ZEXTB, 14, 9, 0);
    R3(ZEXTH, 15, 9, 0);
    R3(ZEXTW, 16, 9, 0);
    R3(ADD, 11, 11, 12);
    R3(ADD, 11, 11, 13);
    R3(XOR, 11, 11, 14);
    R3(XOR, 11, 11, 15);
    R3(SUB, 11, 11, 16);
    R3(MIX, 24, 11, 0);
    R3(MULH, 12, 5, 25);
    R3(MULHU, 13, 5, 25);
    R3(SUB, 12, 13, 12);
    R3(MIX, 24, 12, 0);
    R3(MIN, 12, 5, 9);
    R3(MAX, 13, 5, 9);
    R3(MINU, 14, 5, 9);
    R3(MAXU, 15, 5, 9);
    R3(XOR, 12, 12, 13);
    R3(XOR, 14, 14, 15);
    R3(ADD, 12, 12, 14);
    R3(MIX, 24, 12, 0);
    R3(SLT, 12, 5, 9);
    R3(SLTU, 13, 5, 9);
    R3(SEQ, 14, 12, 13);
    R3(SNE, 15, 12, 13);
    RI(SHLI, 13, 13, 1);
    RI(SHLI, 14, 14, 2);
    RI(SHLI, 15, 15, 3);
    R3(OR, 12, 12, 13);
    R3(OR, 12, 12, 14);
    R3(OR, 12, 12, 15);
    R3(ADD, 22, 22, 12);
    R3(SAR, 12, 5, 4);
    R3(SHR, 13, 5, 4);
    R3(SHL, 14, 5, 4);
    R3(XOR, 12, 12, 13);
    R3(XOR, 12, 12, 14);
    R3(ANDN, 12, 12, 9);
    R3(MIX, 24, 12, 0);
    RI(SARI, 12, 5, 50);
    RI(LI, 13, 0, -1000);
    RI(LI, 14, 0, 1000);
    R3(CLAMP, 12, 13, 14);
    R3(ABS, 13, 12, 0);
    R3(NEG, 14, 13, 0);
    R3(NOT, 15, 14, 0);
    R3(ADD, 22, 22, 15);
    RI(ALIGN, 12, 5, 64);
    RI(SLTI, 13, 12, 0);
    RI(SLTIU, 14, 12, 4096);
    R3(ADD, 13, 13, 14);
    R3(ADD, 23, 23, 13);
    R3(ADD, 23, 23, 12);
    /* signed division by a small nonzero (maybe negative) divisor */
    RI(SARI, 12, 9, 58);
    RI(ORI, 12, 12, 1);
    R3(DIV, 13, 5, 12);
    R3(REM, 14, 5, 12);
    R3(MUL, 15, 13, 12);
    R3(ADD, 15, 15, 14);
    R3(SEQ, 15, 15, 5);
    R3(ASSERT, 15, 0, 0);
    R3(DIVU, 13, 5, 9);
    R3(REMU, 14, 5, 9);
    R3(XOR, 13, 13, 14);
    R3(ADD, 23, 23, 13);
    R3(MOV, 16, 9, 0);
    R3(CMPSWAP, 16, 5, 0);
    R3(SUB, 16, 5, 16);
    R3(MIX, 24, 16, 0);
    RI(ANDI, 12, 5, 0xff);
    RI(ORI, 12, 12, 0x100);
    RI(XORI, 12, 12, 0x5a);
    R3(MADD, 22, 12, 12);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, lp);
    H(done);
    R3(OUT, 22, 0, 0);
    R3(OUT, 23, 0, 0);
    R3(OUT, 24, 0, 0);
    /* CRC-32 of 256 bytes from the LCG: CRCB against a bitwise loop */
    int fb = L(), fbd = L(), cl = L(), cld = L(), bit = L(), bitd = L();
    li64(10, 0x3000);
    RI(LI, 4, 0, 0);
    RI(LI, 30, 0, 256);
    H(fb);
    BR(BGE, 4, 30, fbd);
    lcg(3);
    RI(SHRI, 6, 3, 56);
    R3(STBX, 6, 10, 4);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, fb);
    H(fbd);
    RI(LI, 4, 0, 0);
    li64(11, 0xffffffffULL);
    li64(12, 0xffffffffULL);
    li64(13, 0xedb88320ULL);
    H(cl);
    BR(BGE, 4, 30, cld);
    R3(LDBX, 6, 10, 4);
    R3(CRCB, 11, 6, 0);
    R3(XOR, 12, 12, 6);
    RI(LI, 7, 0, 8);
    H(bit);
    RI(ANDI, 8, 12, 1);
    RI(SHRI, 12, 12, 1);
    R3(MOV, 9, 13, 0);
    R3(SEQ, 8, 8, 0);                   /* 1 if low bit was 0 */
    R3(SELECT, 9, 0, 8);                /* r9 = 0 if low bit was 0 */
    R3(XOR, 12, 12, 9);
    J(OP_LOOP, 7, 0, 0, bit);
    H(bitd);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, cl);
    H(cld);
    RI(XORI, 11, 11, -1);
    R3(ZEXTW, 11, 11, 0);
    RI(XORI, 12, 12, -1);
    R3(ZEXTW, 12, 12, 0);
    R3(SEQ, 6, 11, 12);
    R3(ASSERT, 6, 0, 0);
    R3(OUT, 11, 0, 0);
    R3(MOV, 1, 24, 0);
    I(OP_HALT, 0, 0, 0, 0);
}

/* ---- program 5: recursion ----------------------------------------------------------------- */
/* in: r2 = fib n, r3 = seed. fib(r4) -> r5; ack(2, k); queens(N); hanoi via CALLR */

static void prog_recursion(void) {
    int fib = L(), fib_base = L(), ack = L(), ack_m0 = L(), ack_n0 = L(), ack_ret = L();
    int q = L(), qloop = L(), qdone = L(), qfull = L(), hanoi = L(), hret = L();
    R3(MOV, 4, 2, 0);
    J(OP_CALL, 0, 0, 0, fib);
    R3(OUT, 5, 0, 0);
    R3(MOV, 1, 5, 0);
    /* ack(2, k) for k = 0..r2 */
    int al = L(), ald = L();
    RI(LI, 20, 0, 0);
    RI(LI, 21, 0, 0);
    H(al);
    BR(BLT, 2, 20, ald);
    RI(LI, 6, 0, 2);
    R3(MOV, 7, 20, 0);
    J(OP_CALL, 0, 0, 0, ack);
    R3(ADD, 21, 21, 8);
    R3(INC, 20, 0, 0);
    J(OP_JMP, 0, 0, 0, al);
    H(ald);
    R3(OUT, 21, 0, 0);
    /* n-queens with bitmasks for n = 6 (r10 = full mask) */
    RI(LI, 10, 0, 0x3f);
    RI(LI, 11, 0, 0);                   /* cols */
    RI(LI, 12, 0, 0);                   /* diag1 */
    RI(LI, 13, 0, 0);                   /* diag2 */
    RI(LI, 14, 0, 0);                   /* count */
    J(OP_CALL, 0, 0, 0, q);
    R3(OUT, 14, 0, 0);
    RI(LI, 10, 0, 0x7f);
    RI(LI, 14, 0, 0);
    J(OP_CALL, 0, 0, 0, q);
    R3(OUT, 14, 0, 0);
    /* hanoi(n = 10) through an indirect call; counts moves and hashes them */
    J(OP_LA, 15, 0, 0, hanoi);
    RI(LI, 16, 0, 10);
    RI(LI, 17, 0, 0);                   /* from */
    RI(LI, 18, 0, 2);                   /* to */
    RI(LI, 19, 0, 1);                   /* via */
    RI(LI, 22, 0, 0);
    RI(LI, 23, 0, 0);
    R3(CALLR, 15, 0, 0);
    R3(OUT, 22, 0, 0);
    R3(OUT, 23, 0, 0);
    I(OP_HALT, 0, 0, 0, 0);

    /* fib(r4) -> r5, saving on the data stack */
    H(fib);
    BI(BLTI, 4, 2, fib_base);
    R3(PUSH, 4, 0, 0);
    RI(ADDI, 4, 4, -1);
    J(OP_CALL, 0, 0, 0, fib);
    R3(POP, 4, 0, 0);
    R3(PUSH, 5, 0, 0);
    RI(ADDI, 4, 4, -2);
    J(OP_CALL, 0, 0, 0, fib);
    R3(POP, 6, 0, 0);
    R3(ADD, 5, 5, 6);
    RI(ADDI, 4, 4, 2);
    I(OP_RET, 0, 0, 0, 0);
    H(fib_base);
    R3(MOV, 5, 4, 0);
    I(OP_RET, 0, 0, 0, 0);

    /* ack(m = r6, n = r7) -> r8 */
    H(ack);
    J(OP_JZ, 6, 0, 0, ack_m0);
    J(OP_JZ, 7, 0, 0, ack_n0);
    R3(PUSH, 6, 0, 0);
    R3(DEC, 7, 0, 0);
    J(OP_CALL, 0, 0, 0, ack);
    R3(POP, 6, 0, 0);
    R3(DEC, 6, 0, 0);
    R3(MOV, 7, 8, 0);
    R3(PUSH, 6, 0, 0);
    J(OP_CALL, 0, 0, 0, ack);
    R3(POP, 6, 0, 0);
    R3(INC, 6, 0, 0);
    J(OP_JMP, 0, 0, 0, ack_ret);
    H(ack_n0);
    R3(PUSH, 6, 0, 0);
    R3(DEC, 6, 0, 0);
    RI(LI, 7, 0, 1);
    J(OP_CALL, 0, 0, 0, ack);
    R3(POP, 6, 0, 0);
    J(OP_JMP, 0, 0, 0, ack_ret);
    H(ack_m0);
    RI(ADDI, 8, 7, 1);
    H(ack_ret);
    I(OP_RET, 0, 0, 0, 0);

    /* queens: cols r11, d1 r12, d2 r13 */
    H(q);
    BR(BEQ, 11, 10, qfull);
    R3(OR, 4, 11, 12);
    R3(OR, 4, 4, 13);
    R3(NOT, 4, 4, 0);
    R3(AND, 4, 4, 10);                  /* available */
    H(qloop);
    J(OP_JZ, 4, 0, 0, qdone);
    R3(NEG, 5, 4, 0);
    R3(AND, 5, 5, 4);                   /* lowest bit */
    R3(XOR, 4, 4, 5);
    R3(PUSH, 4, 0, 0);
    R3(PUSH, 11, 0, 0);
    R3(PUSH, 12, 0, 0);
    R3(PUSH, 13, 0, 0);
    R3(OR, 11, 11, 5);
    R3(OR, 12, 12, 5);
    RI(SHLI, 12, 12, 1);
    R3(OR, 13, 13, 5);
    RI(SHRI, 13, 13, 1);
    J(OP_CALL, 0, 0, 0, q);
    R3(POP, 13, 0, 0);
    R3(POP, 12, 0, 0);
    R3(POP, 11, 0, 0);
    R3(POP, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, qloop);
    H(qfull);
    R3(INC, 14, 0, 0);
    H(qdone);
    I(OP_RET, 0, 0, 0, 0);

    /* hanoi(n r16, from r17, to r18, via r19) */
    H(hanoi);
    J(OP_JZ, 16, 0, 0, hret);
    R3(PUSH, 16, 0, 0);
    R3(PUSH, 17, 0, 0);
    R3(PUSH, 18, 0, 0);
    R3(PUSH, 19, 0, 0);
    R3(DEC, 16, 0, 0);
    R3(MOV, 24, 18, 0);
    R3(MOV, 18, 19, 0);
    R3(MOV, 19, 24, 0);
    R3(CALLR, 15, 0, 0);
    RI(PEEK, 19, 0, 0);
    RI(PEEK, 18, 0, 1);
    RI(PEEK, 17, 0, 2);
    R3(INC, 22, 0, 0);
    RI(MULI, 24, 17, 3);
    R3(ADD, 24, 24, 18);
    R3(MIX, 23, 24, 0);
    RI(PEEK, 16, 0, 3);
    R3(DEC, 16, 0, 0);
    R3(MOV, 24, 17, 0);
    R3(MOV, 17, 19, 0);
    R3(MOV, 19, 24, 0);
    R3(CALLR, 15, 0, 0);
    R3(POP, 19, 0, 0);
    R3(POP, 18, 0, 0);
    R3(POP, 17, 0, 0);
    R3(POP, 16, 0, 0);
    H(hret);
    I(OP_RET, 0, 0, 0, 0);
}

/* ---- program 6: bignum factorial, matrix multiply, Game of Life --------------------------- */
/* in: r2 = n for n!, r3 = seed */

static void prog_numeric(void) {
    lcg_consts();
    RI(LI, 0, 0, 0);
    /* n! in base 10000, little-endian u16 limbs at 0x1000; r5 = limb count */
    int fl = L(), fld = L(), ml = L(), mld = L(), cr = L(), crd = L(), ds = L(), dsd = L(), dd = L();
    li64(10, 0x1000);
    RI(LI, 6, 0, 1);
    RI(STH, 6, 10, 0);
    RI(LI, 5, 0, 1);
    RI(LI, 4, 0, 2);
    H(fl);
    BR(BLT, 2, 4, fld);
    RI(LI, 7, 0, 0);                    /* carry */
    RI(LI, 8, 0, 0);                    /* index */
    H(ml);
    BR(BGE, 8, 5, mld);
    R3(LDHX, 9, 10, 8);
    R3(MUL, 9, 9, 4);
    R3(ADD, 9, 9, 7);
    RI(REMUI, 11, 9, 10000);
    R3(STHX, 11, 10, 8);
    RI(DIVUI, 7, 9, 10000);
    R3(INC, 8, 0, 0);
    J(OP_JMP, 0, 0, 0, ml);
    H(mld);
    H(cr);
    J(OP_JZ, 7, 0, 0, crd);
    RI(REMUI, 11, 7, 10000);
    R3(STHX, 11, 10, 5);
    R3(INC, 5, 0, 0);
    RI(DIVUI, 7, 7, 10000);
    J(OP_JMP, 0, 0, 0, cr);
    H(crd);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, fl);
    H(fld);
    /* digit sum */
    RI(LI, 8, 0, 0);
    RI(LI, 12, 0, 0);
    H(ds);
    BR(BGE, 8, 5, dsd);
    R3(LDHX, 9, 10, 8);
    RI(LI, 13, 0, 4);
    H(dd);
    RI(REMUI, 11, 9, 10);
    R3(ADD, 12, 12, 11);
    RI(DIVUI, 9, 9, 10);
    J(OP_LOOP, 13, 0, 0, dd);
    R3(INC, 8, 0, 0);
    J(OP_JMP, 0, 0, 0, ds);
    H(dsd);
    R3(OUT, 5, 0, 0);
    R3(OUT, 12, 0, 0);

    /* 16x16 int32 matrices at 0x4000 (A), 0x5000 (B), 0x6000 (C = A B) */
    int fa = L(), fad = L(), mi = L(), mid = L(), mj = L(), mjd = L(), mk = L(), mkd = L();
    int tr = L(), trd = L();
    li64(14, 0x4000);
    li64(15, 0x4400);
    li64(16, 0x6000);
    RI(LI, 4, 0, 0);
    RI(LI, 30, 0, 512);
    H(fa);
    BR(BGE, 4, 30, fad);
    lcg(3);
    RI(SARI, 6, 3, 57);
    R3(STWX, 6, 14, 4);                 /* A and B are contiguous: 512 words */
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, fa);
    H(fad);
    RI(LI, 4, 0, 0);                    /* i */
    H(mi);
    BI(BGEI, 4, 16, mid);
    RI(LI, 5, 0, 0);                    /* j */
    H(mj);
    BI(BGEI, 5, 16, mjd);
    RI(LI, 7, 0, 0);                    /* sum */
    RI(LI, 6, 0, 0);                    /* k */
    RI(SHLI, 8, 4, 4);                  /* i*16 */
    H(mk);
    BI(BGEI, 6, 16, mkd);
    R3(ADD, 9, 8, 6);
    R3(LDWX, 11, 14, 9);
    RI(SHLI, 9, 6, 4);
    R3(ADD, 9, 9, 5);
    R3(LDWX, 12, 15, 9);
    R3(MADD, 7, 11, 12);
    R3(INC, 6, 0, 0);
    J(OP_JMP, 0, 0, 0, mk);
    H(mkd);
    R3(ADD, 9, 8, 5);
    R3(STWX, 7, 16, 9);
    R3(INC, 5, 0, 0);
    J(OP_JMP, 0, 0, 0, mj);
    H(mjd);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, mi);
    H(mid);
    RI(LI, 4, 0, 0);
    RI(LI, 12, 0, 0);
    RI(LI, 13, 0, 0);
    H(tr);
    BI(BGEI, 4, 16, trd);
    RI(MULI, 9, 4, 17);
    R3(LDWX, 11, 16, 9);
    R3(ADD, 12, 12, 11);
    RI(SHLI, 9, 4, 4);
    RI(SHLI, 9, 9, 2);
    R3(ADD, 9, 9, 16);
    RI(LDW, 11, 9, 60);
    R3(MIX, 13, 11, 0);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, tr);
    H(trd);
    R3(OUT, 12, 0, 0);
    R3(OUT, 13, 0, 0);

    /* Game of Life on a 32x32 torus of bytes at 0x8000 / 0x9000, 1 generation */
    int gi = L(), gid = L(), gen = L(), gend = L(), cy = L(), cyd = L(), cx = L(), cxd = L();
    int ny = L(), nyd = L(), nxl = L(), nxd = L(), live = L(), dead = L(), stor = L(), pop = L(), popd = L();
    li64(17, 0x8000);
    li64(18, 0x9000);
    RI(LI, 4, 0, 0);
    RI(LI, 30, 0, 1024);
    H(gi);
    BR(BGE, 4, 30, gid);
    lcg(3);
    RI(SHRI, 6, 3, 62);
    RI(SLTIU, 6, 6, 1);                 /* 1 in 4 alive */
    R3(STBX, 6, 17, 4);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, gi);
    H(gid);
    RI(LI, 19, 0, 1);
    H(gen);
    J(OP_JZ, 19, 0, 0, gend);
    RI(LI, 4, 0, 0);                    /* y */
    H(cy);
    BI(BGEI, 4, 32, cyd);
    RI(LI, 5, 0, 0);                    /* x */
    H(cx);
    BI(BGEI, 5, 32, cxd);
    RI(LI, 7, 0, 0);                    /* neighbours */
    RI(LI, 8, 0, -1);                   /* dy */
    H(ny);
    BI(BGEI, 8, 2, nyd);
    RI(LI, 9, 0, -1);                   /* dx */
    H(nxl);
    BI(BGEI, 9, 2, nxd);
    R3(ADD, 11, 4, 8);
    RI(ANDI, 11, 11, 31);
    R3(ADD, 12, 5, 9);
    RI(ANDI, 12, 12, 31);
    RI(SHLI, 11, 11, 5);
    R3(ADD, 11, 11, 12);
    R3(LDBX, 12, 17, 11);
    R3(ADD, 7, 7, 12);
    R3(INC, 9, 0, 0);
    J(OP_JMP, 0, 0, 0, nxl);
    H(nxd);
    R3(INC, 8, 0, 0);
    J(OP_JMP, 0, 0, 0, ny);
    H(nyd);
    RI(SHLI, 11, 4, 5);
    R3(ADD, 11, 11, 5);
    R3(LDBX, 12, 17, 11);
    R3(SUB, 7, 7, 12);                  /* the cell itself was counted */
    RI(LI, 13, 0, 0);
    J(OP_JNZ, 12, 0, 0, live);
    BI(BNEI, 7, 3, stor);
    RI(LI, 13, 0, 1);
    J(OP_JMP, 0, 0, 0, stor);
    H(live);
    BI(BLTI, 7, 2, dead);
    BI(BGEI, 7, 4, dead);
    RI(LI, 13, 0, 1);
    H(dead);
    H(stor);
    R3(STBX, 13, 18, 11);
    R3(INC, 5, 0, 0);
    J(OP_JMP, 0, 0, 0, cx);
    H(cxd);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, cy);
    H(cyd);
    R3(MEMCPY, 17, 18, 30);
    R3(DEC, 19, 0, 0);
    J(OP_JMP, 0, 0, 0, gen);
    H(gend);
    RI(LI, 4, 0, 0);
    RI(LI, 12, 0, 0);
    RI(LI, 13, 0, 0);
    H(pop);
    BR(BGE, 4, 30, popd);
    R3(LDBX, 6, 17, 4);
    R3(ADD, 12, 12, 6);
    R3(CRCB, 13, 6, 0);
    R3(INC, 4, 0, 0);
    J(OP_JMP, 0, 0, 0, pop);
    H(popd);
    R3(OUT, 12, 0, 0);
    R3(OUT, 13, 0, 0);
    R3(MOV, 1, 13, 0);
    I(OP_HALT, 0, 0, 0, 0);
}

/* ---- program 7: random expression trees, compiled two ways -------------------------------- */

enum {
    E_CONST, E_VAR, E_ADD, E_SUB, E_MUL, E_MULH, E_MULHU, E_DIV, E_DIVU, E_REM, E_REMU, E_AND,
    E_OR, E_XOR, E_ANDN, E_SHL, E_SHR, E_SAR, E_ROL, E_ROR, E_MIN, E_MAX, E_MINU, E_MAXU, E_SLT,
    E_SLTU, E_EQ, E_NE, E_NEG, E_NOT, E_ABS, E_CLZ, E_CTZ, E_POPC, E_BSWAP, E_SEXTB, E_SEXTH,
    E_SEXTW, E_ZEXTB, E_ZEXTH, E_ZEXTW, E_SELECT, E_GCD, E_ISQRT, E_BITREV, NEKINDS
};
typedef struct { int kind, x, y, z; u64 val; } Node;
static Node pool[8192];
static int npool;
static u64 erng;

static u64 enext(void) {
    erng = erng * 6364136223846793005ULL + 1442695040888963407ULL;
    return erng >> 17;
}

static int mk(int kind, int x, int y, int z, u64 val) {
    pool[npool] = (Node){kind, x, y, z, val};
    return npool++;
}

static int gen_expr(int depth) {
    if (depth <= 0 || enext() % 7 == 0) {
        if (enext() & 1) return mk(E_VAR, 0, 0, 0, enext() % 8);
        u64 v = enext();
        switch (enext() % 4) {
        case 0: v %= 16; break;
        case 1: v = (u64)(i64)(i32)v; break;
        case 2: v = (u64)-(i64)(v % 100); break;
        default: v = v * 0x9e3779b97f4a7c15ULL; break;
        }
        return mk(E_CONST, 0, 0, 0, v);
    }
    int kind = 2 + (int)(enext() % (NEKINDS - 2));
    int x = gen_expr(depth - 1), y = -1, z = -1;
    if (kind < E_NEG || kind == E_GCD) y = gen_expr(depth - 1);
    if (kind == E_SELECT) { y = gen_expr(depth - 1); z = gen_expr(depth - 1); }
    return mk(kind, x, y, z, 0);
}

static u64 eval(int n, const u64 *vars) {
    const Node *e = &pool[n];
    u64 a = 0, b = 0;
    switch (e->kind) {
    case E_CONST: return e->val;
    case E_VAR: return vars[e->val];
    case E_SELECT: return eval(e->x, vars) ? eval(e->y, vars) : eval(e->z, vars);
    default: break;
    }
    a = eval(e->x, vars);
    if (e->y >= 0) b = eval(e->y, vars);
    switch (e->kind) {
    case E_ADD: return a + b;
    case E_SUB: return a - b;
    case E_MUL: return a * b;
    case E_MULH: return (u64)(((i128)(i64)a * (i64)b) >> 64);
    case E_MULHU: return (u64)(((u128)a * b) >> 64);
    case E_DIV: return h_div(a, b);
    case E_DIVU: return b ? a / b : ~0ULL;
    case E_REM: return h_rem(a, b);
    case E_REMU: return b ? a % b : a;
    case E_AND: return a & b;
    case E_OR: return a | b;
    case E_XOR: return a ^ b;
    case E_ANDN: return a & ~b;
    case E_SHL: return a << (b & 63);
    case E_SHR: return a >> (b & 63);
    case E_SAR: return (u64)((i64)a >> (b & 63));
    case E_ROL: return h_rol(a, b);
    case E_ROR: return h_ror(a, b);
    case E_MIN: return (i64)a < (i64)b ? a : b;
    case E_MAX: return (i64)a > (i64)b ? a : b;
    case E_MINU: return a < b ? a : b;
    case E_MAXU: return a > b ? a : b;
    case E_SLT: return (i64)a < (i64)b;
    case E_SLTU: return a < b;
    case E_EQ: return a == b;
    case E_NE: return a != b;
    case E_NEG: return 0 - a;
    case E_NOT: return ~a;
    case E_ABS: return (i64)a < 0 ? 0 - a : a;
    case E_CLZ: return a ? (u64)__builtin_clzll(a) : 64;
    case E_CTZ: return a ? (u64)__builtin_ctzll(a) : 64;
    case E_POPC: return (u64)__builtin_popcountll(a);
    case E_BSWAP: return __builtin_bswap64(a);
    case E_SEXTB: return (u64)(i64)(i8)a;
    case E_SEXTH: return (u64)(i64)(i16)a;
    case E_SEXTW: return (u64)(i64)(i32)a;
    case E_ZEXTB: return (u8)a;
    case E_ZEXTH: return (u16)a;
    case E_ZEXTW: return (u32)a;
    case E_GCD: return h_gcd(a, b);
    case E_ISQRT: return h_isqrt(a);
    case E_BITREV: return h_bitrev(a);
    default: return 0;
    }
}

/* constant folding and a few identities */
static int simplify(int n) {
    Node *e = &pool[n];
    if (e->kind == E_CONST || e->kind == E_VAR) return n;
    e->x = simplify(e->x);
    if (e->y >= 0) e->y = simplify(e->y);
    if (e->z >= 0) e->z = simplify(e->z);
    const Node *x = &pool[e->x];
    const Node *y = e->y >= 0 ? &pool[e->y] : 0;
    if (e->kind == E_SELECT) {
        if (x->kind == E_CONST) return x->val ? e->y : e->z;
        return n;
    }
    if (x->kind == E_CONST && (!y || y->kind == E_CONST)) {
        u64 v = eval(n, 0);
        return mk(E_CONST, 0, 0, 0, v);
    }
    if (y && y->kind == E_CONST) {
        switch (e->kind) {
        case E_ADD: case E_SUB: case E_OR: case E_XOR: case E_SHL: case E_SHR: case E_SAR:
        case E_ROL: case E_ROR:
            if (y->val == 0) return e->x;
            break;
        case E_MUL:
            if (y->val == 1) return e->x;
            if (y->val == 0) return e->y;
            break;
        case E_AND:
            if (y->val == ~0ULL) return e->x;
            if (y->val == 0) return e->y;
            break;
        default: break;
        }
    }
    if (y && e->x == e->y) {
        switch (e->kind) {
        case E_SUB: case E_XOR: return mk(E_CONST, 0, 0, 0, 0);
        case E_AND: case E_OR: case E_MIN: case E_MAX: case E_MINU: case E_MAXU: return e->x;
        default: break;
        }
    }
    return n;
}

static int count_nodes(int n) {
    const Node *e = &pool[n];
    int c = 1;
    if (e->kind == E_CONST || e->kind == E_VAR) return 1;
    c += count_nodes(e->x);
    if (e->y >= 0) c += count_nodes(e->y);
    if (e->z >= 0) c += count_nodes(e->z);
    return c;
}

static const u8 e2op[NEKINDS] = {
    [E_ADD] = OP_ADD, [E_SUB] = OP_SUB, [E_MUL] = OP_MUL, [E_MULH] = OP_MULH,
    [E_MULHU] = OP_MULHU, [E_DIV] = OP_DIV, [E_DIVU] = OP_DIVU, [E_REM] = OP_REM,
    [E_REMU] = OP_REMU, [E_AND] = OP_AND, [E_OR] = OP_OR, [E_XOR] = OP_XOR, [E_ANDN] = OP_ANDN,
    [E_SHL] = OP_SHL, [E_SHR] = OP_SHR, [E_SAR] = OP_SAR, [E_ROL] = OP_ROL, [E_ROR] = OP_ROR,
    [E_MIN] = OP_MIN, [E_MAX] = OP_MAX, [E_MINU] = OP_MINU, [E_MAXU] = OP_MAXU,
    [E_SLT] = OP_SLT, [E_SLTU] = OP_SLTU, [E_EQ] = OP_SEQ, [E_NE] = OP_SNE, [E_NEG] = OP_NEG,
    [E_NOT] = OP_NOT, [E_ABS] = OP_ABS, [E_CLZ] = OP_CLZ, [E_CTZ] = OP_CTZ, [E_POPC] = OP_POPC,
    [E_BSWAP] = OP_BSWAP, [E_SEXTB] = OP_SEXTB, [E_SEXTH] = OP_SEXTH, [E_SEXTW] = OP_SEXTW,
    [E_ZEXTB] = OP_ZEXTB, [E_ZEXTH] = OP_ZEXTH, [E_ZEXTW] = OP_ZEXTW, [E_GCD] = OP_GCD,
    [E_ISQRT] = OP_ISQRT, [E_BITREV] = OP_BITREV,
};

/* register code: result in register `dst` (8..27); deeper temporaries spill to the stack */
static void cg_reg(int n, int dst) {
    const Node *e = &pool[n];
    switch (e->kind) {
    case E_CONST: li64(dst, e->val); return;
    case E_VAR: R3(MOV, dst, (int)e->val, 0); return;
    case E_SELECT:
        cg_reg(e->x, dst);
        R3(PUSH, dst, 0, 0);
        cg_reg(e->y, dst);
        R3(PUSH, dst, 0, 0);
        cg_reg(e->z, dst);
        R3(POP, 28, 0, 0);              /* then value */
        R3(POP, 29, 0, 0);              /* condition */
        R3(SELECT, dst, 28, 29);
        return;
    default: break;
    }
    cg_reg(e->x, dst);
    if (e->y < 0) { I(e2op[e->kind], dst, dst, 0, 0); return; }
    if (dst < 27) {
        cg_reg(e->y, dst + 1);
        I(e2op[e->kind], dst, dst, dst + 1, 0);
    } else {
        R3(PUSH, dst, 0, 0);
        cg_reg(e->y, dst);
        R3(MOV, 29, dst, 0);
        R3(POP, dst, 0, 0);
        I(e2op[e->kind], dst, dst, 29, 0);
    }
}

/* stack code: leaves the value on the data stack */
static void cg_stack(int n) {
    const Node *e = &pool[n];
    switch (e->kind) {
    case E_CONST:
        if ((u64)(i64)(i32)e->val == e->val) I(OP_PUSHI, 0, 0, 0, (i32)e->val);
        else { li64(30, e->val); R3(PUSH, 30, 0, 0); }
        return;
    case E_VAR: R3(PUSH, (int)e->val, 0, 0); return;
    case E_SELECT: {
        int els = L(), end = L();
        cg_stack(e->x);
        R3(POP, 30, 0, 0);
        J(OP_JZ, 30, 0, 0, els);
        cg_stack(e->y);
        J(OP_JMP, 0, 0, 0, end);
        H(els);
        cg_stack(e->z);
        H(end);
        return;
    }
    default: break;
    }
    cg_stack(e->x);
    if (e->y < 0) {
        if (e->kind == E_NEG) { I(OP_NEGS, 0, 0, 0, 0); return; }
        if (e->kind == E_NOT) { I(OP_NOTS, 0, 0, 0, 0); return; }
        R3(POP, 30, 0, 0);
        I(e2op[e->kind], 30, 30, 0, 0);
        R3(PUSH, 30, 0, 0);
        return;
    }
    cg_stack(e->y);
    int sop = -1;
    switch (e->kind) {
    case E_ADD: sop = OP_ADDS; break;
    case E_SUB: sop = OP_SUBS; break;
    case E_MUL: sop = OP_MULS; break;
    case E_AND: sop = OP_ANDS; break;
    case E_OR: sop = OP_ORS; break;
    case E_XOR: sop = OP_XORS; break;
    case E_SHL: sop = OP_SHLS; break;
    case E_SHR: sop = OP_SHRS; break;
    case E_SLT: sop = OP_LTS; break;
    case E_SLTU: sop = OP_LTUS; break;
    case E_EQ: sop = OP_EQS; break;
    case E_DIVU: sop = OP_DIVUS; break;
    case E_REMU: sop = OP_REMUS; break;
    default: break;
    }
    if (sop >= 0) { I(sop, 0, 0, 0, 0); return; }
    R3(POP, 29, 0, 0);
    R3(POP, 30, 0, 0);
    I(e2op[e->kind], 30, 30, 29, 0);
    R3(PUSH, 30, 0, 0);
}

#define NASSIGN 16
static u64 assign_vals[NASSIGN][8];

/* builds a program evaluating expression `root` for every assignment; returns the expected
 * output hash computed by the C evaluator */
static u64 prog_expr(int root, u64 *expected_nout) {
    RI(LI, 31, 0, 0);
    int lp = L(), done = L();
    li64(26, 0x100);                    /* assignments: 8 dwords each */
    RI(LI, 27, 0, 0);
    H(lp);
    BI(BGEI, 27, NASSIGN, done);
    R3(PUSH, 27, 0, 0);
    R3(PUSH, 26, 0, 0);
    for (int v = 0; v < 8; v++) RI(LDD, v, 26, v * 8);
    cg_reg(root, 8);
    R3(OUT, 8, 0, 0);
    cg_stack(root);
    R3(POP, 9, 0, 0);
    R3(OUT, 9, 0, 0);
    R3(SEQ, 9, 9, 8);
    R3(ASSERT, 9, 0, 0);
    R3(POP, 26, 0, 0);
    R3(POP, 27, 0, 0);
    RI(ADDI, 26, 26, 64);
    R3(INC, 27, 0, 0);
    J(OP_JMP, 0, 0, 0, lp);
    H(done);
    I(OP_HALT, 0, 0, 0, 0);
    u64 h = 0;
    for (int k = 0; k < NASSIGN; k++) {
        u64 v = eval(root, assign_vals[k]);
        h = h_mix(h, v);
        h = h_mix(h, v);
    }
    *expected_nout = 2 * NASSIGN;
    return h;
}

/* ---- verifier, disassembler, peephole optimizer ------------------------------------------- */

static int verify(const insn *c, int n) {
    int bad = 0;
    for (int i = 0; i < n; i++) {
        if (c[i].op >= NOPS) { bad++; continue; }
        int f = op_fmt[c[i].op];
        switch (f) {
        case F_J: case F_AJ: case F_ABJ: case F_ACJ:
            if (c[i].imm < 0 || c[i].imm >= n) bad++;
            break;
        default: break;
        }
        if (c[i].a > 31 || c[i].b > 31) bad++;
        if (f == F_ABC && c[i].op != OP_CLAMP && c[i].c > 31) bad++;
    }
    return bad;
}

static char *put_str(char *p, const char *s) { while (*s) *p++ = *s++; return p; }
static char *put_int(char *p, i64 v) {
    char tmp[24];
    int k = 0;
    u64 u = v < 0 ? 0 - (u64)v : (u64)v;
    do { tmp[k++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) *p++ = '-';
    while (k) *p++ = tmp[--k];
    return p;
}
static char *put_reg(char *p, int r) { *p++ = 'r'; return put_int(p, r); }

static u64 disasm_hash(const insn *c, int n) {
    char line[96];
    u64 h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < n; i++) {
        char *p = put_int(line, i);
        *p++ = ':';
        *p++ = ' ';
        p = put_str(p, op_names[c[i].op]);
        switch (op_fmt[c[i].op]) {
        case F_NONE: break;
        case F_A: *p++ = ' '; p = put_reg(p, c[i].a); break;
        case F_AB: *p++ = ' '; p = put_reg(p, c[i].a); *p++ = ','; p = put_reg(p, c[i].b); break;
        case F_ABC:
            *p++ = ' '; p = put_reg(p, c[i].a); *p++ = ','; p = put_reg(p, c[i].b);
            *p++ = ','; p = put_reg(p, c[i].c);
            break;
        case F_AI: *p++ = ' '; p = put_reg(p, c[i].a); *p++ = ','; p = put_int(p, c[i].imm); break;
        case F_ABI:
            *p++ = ' '; p = put_reg(p, c[i].a); *p++ = ','; p = put_int(p, c[i].imm);
            *p++ = '('; p = put_reg(p, c[i].b); *p++ = ')';
            break;
        case F_J: p = put_str(p, " @"); p = put_int(p, c[i].imm); break;
        case F_AJ: *p++ = ' '; p = put_reg(p, c[i].a); p = put_str(p, ", @"); p = put_int(p, c[i].imm); break;
        case F_ABJ:
            *p++ = ' '; p = put_reg(p, c[i].a); *p++ = ','; p = put_reg(p, c[i].b);
            p = put_str(p, ", @"); p = put_int(p, c[i].imm);
            break;
        case F_ACJ:
            *p++ = ' '; p = put_reg(p, c[i].a); *p++ = ','; p = put_int(p, (i8)c[i].c);
            p = put_str(p, ", @"); p = put_int(p, c[i].imm);
            break;
        case F_I: *p++ = ' '; p = put_int(p, c[i].imm); break;
        }
        *p = 0;
        for (char *q = line; *q; q++) h = h_hash(h, (u8)*q);
    }
    return h;
}

static insn opt[MAXCODE];

/* local rewrites that keep every instruction index (so no branch needs relocating) */
static int peephole(const insn *in, insn *out, int n) {
    int changes = 0;
    memcpy(out, in, n * sizeof(insn));
    for (int i = 0; i < n; i++) {
        insn *x = &out[i];
        switch (x->op) {
        case OP_ADDI:
            if (x->imm == 0) { x->op = OP_MOV; changes++; }
            else if (x->imm == 1 && x->a == x->b) { x->op = OP_INC; changes++; }
            else if (x->imm == -1 && x->a == x->b) { x->op = OP_DEC; changes++; }
            break;
        case OP_MULI:
            if (x->imm > 0 && (x->imm & (x->imm - 1)) == 0) {
                x->op = OP_SHLI;
                x->imm = __builtin_ctz((u32)x->imm);
                changes++;
            }
            break;
        case OP_DIVUI:
            if (x->imm > 0 && (x->imm & (x->imm - 1)) == 0) {
                x->op = OP_SHRI;
                x->imm = __builtin_ctz((u32)x->imm);
                changes++;
            }
            break;
        case OP_REMUI:
            if (x->imm > 0 && (x->imm & (x->imm - 1)) == 0) {
                x->op = OP_ANDI;
                x->imm = x->imm - 1;
                changes++;
            }
            break;
        case OP_MOV:
            if (x->a == x->b) { x->op = OP_NOP; changes++; }
            break;
        case OP_JMP: {
            /* thread jumps to jumps */
            int t = x->imm, hops = 0;
            while (t >= 0 && t < n && out[t].op == OP_JMP && hops < 8) { t = out[t].imm; hops++; }
            if (t != x->imm) { x->imm = t; changes++; }
            if (x->imm == i + 1) { x->op = OP_NOP; changes++; }
            break;
        }
        case OP_BEQ: case OP_BGE: case OP_BGEU:
            if (x->a == x->b) { x->op = OP_JMP; changes++; }
            /* fall through */
        case OP_BNE: case OP_BLT: case OP_BLTU: case OP_BEQI: case OP_BNEI: case OP_BLTI:
        case OP_BGEI: case OP_JZ: case OP_JNZ: {
            if (x->op == OP_JMP) break;
            int t = x->imm, hops = 0;
            while (t >= 0 && t < n && out[t].op == OP_JMP && hops < 8) { t = out[t].imm; hops++; }
            if (t != x->imm) { x->imm = t; changes++; }
            break;
        }
        default: break;
        }
    }
    return changes;
}

/* ---- driver ------------------------------------------------------------------------------- */

static VM vm;

typedef void (*interp_fn)(VM *, const insn *, long);

typedef struct { int status; u64 r1, out; long nout, steps; } result;

static result run(interp_fn fn, const insn *c, int n, const u64 *init, int ninit) {
    memset(vm.r, 0, sizeof vm.r);
    memset(vm.mem, 0, MEMSZ);
    for (int i = 0; i < ninit; i++) vm.r[2 + i] = init[i];
    vm.sp = vm.csp = 0;
    vm.status = -1;
    vm.steps = 0;
    vm.out = 0;
    vm.nout = 0;
    if (init == 0) {
        for (int k = 0; k < NASSIGN; k++)
            for (int v = 0; v < 8; v++) st64(vm.mem + 0x100 + k * 64 + v * 8, assign_vals[k][v]);
    }
    fn(&vm, c, n);
    return (result){vm.status, vm.r[1], vm.out, vm.nout, vm.steps};
}

static const char *const prog_names[] = {"sort", "primes", "strings", "bits", "recursion",
                                         "numeric", "expr"};
#define NPROGS 7

static long total_steps[NPROGS];
static u64 prog_hash[NPROGS];
static long mismatches, traps, bad_verify, opt_changes;
static int variant_turn;

static int same(result x, result y) {
    return x.status == y.status && x.r1 == y.r1 && x.out == y.out && x.nout == y.nout;
}

static void run_all(int p, const u64 *init, int ninit, u64 expect, long expect_n) {
    link_code();
    int n = ncode;
    bad_verify += verify(code, n);
    prog_hash[p] = h_mix(prog_hash[p], disasm_hash(code, n));
    opt_changes += peephole(code, opt, n);
    bad_verify += verify(opt, n);
    /* two of the four variants per run, rotating: every pair gets compared over the rounds */
    static const interp_fn fns[4] = {run_switch, run_table, run_threaded, run_switch};
    int va = variant_turn % 4, vb = (variant_turn + 1 + variant_turn / 4 % 3) % 4;
    variant_turn++;
    result r1 = run(fns[va], va == 3 ? opt : code, n, init, ninit);
    result r2 = run(fns[vb], vb == 3 ? opt : code, n, init, ninit);
    if (!same(r1, r2) || (va != 3 && vb != 3 && r1.steps != r2.steps)) mismatches++;
    if (r1.status != 0) traps++;
    if (expect_n >= 0 && (r1.out != expect || r1.nout != expect_n)) mismatches++;
    total_steps[p] += r1.steps + r2.steps;
    prog_hash[p] = h_mix(prog_hash[p], r1.out);
    prog_hash[p] = h_mix(prog_hash[p], r1.r1);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    long expr_nodes = 0;
    for (int round = 0; round < rounds; round++) {
        u64 seed = 0x1234567ULL + (u64)round * 0x9e3779b97f4a7c15ULL;
        u64 init[2];
        begin(); prog_sort();
        init[0] = 24 + round % 16; init[1] = seed;
        run_all(0, init, 2, 0, -1);
        begin(); prog_primes();
        init[0] = 600 + (round % 7) * 50;
        run_all(1, init, 2, 0, -1);
        begin(); prog_strings();
        init[0] = 30 + round % 16;
        run_all(2, init, 2, 0, -1);
        begin(); prog_bits();
        init[0] = 30 + round % 16;
        run_all(3, init, 2, 0, -1);
        begin(); prog_recursion();
        init[0] = 9 + round % 3;
        run_all(4, init, 2, 0, -1);
        begin(); prog_numeric();
        init[0] = 20 + round % 20;
        run_all(5, init, 2, 0, -1);
        erng = seed;
        for (int k = 0; k < NASSIGN; k++)
            for (int v = 0; v < 8; v++) {
                u64 x = enext();
                assign_vals[k][v] = (v & 1) ? x : x % 97;
            }
        for (int e = 0; e < 3; e++) {
            npool = 0;
            int root = gen_expr(5 + e % 3);
            root = simplify(root);
            expr_nodes += count_nodes(root);
            begin();
            u64 nout;
            u64 expect = prog_expr(root, &nout);
            run_all(6, 0, 0, expect, (long)nout);
        }
    }
    long all = 0;
    for (int p = 0; p < NPROGS; p++) {
        printf("%-10s steps %10ld  hash %016llx\n", prog_names[p], total_steps[p],
               (unsigned long long)prog_hash[p]);
        all += total_steps[p];
    }
    printf("vm_big: %d rounds, %d opcodes, %ld VM instructions, %ld expression nodes, "
           "%ld peephole rewrites\n", rounds, NOPS, all, expr_nodes, opt_changes);
    printf("mismatches %ld, traps %ld, verifier errors %ld\n", mismatches, traps, bad_verify);
    return mismatches != 0 || bad_verify != 0;
}
