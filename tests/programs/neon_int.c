/*
 * neon_int.c -- AdvSIMD integer instructions through arm_neon.h intrinsics (AArch64 only).
 *
 * Inputs come from a xorshift generator seeded at run time (a volatile), so the compiler
 * cannot fold the intrinsics into constants. Covers: lane-wise add/sub/mul/mla/mls, saturating
 * add/sub (vqadd, vqsub), halving and rounding halving adds, absolute difference (and its
 * accumulating form); widening and long multiplies (vmull, vmull_high, vmlal, polynomial
 * vmull_p8), vmovl/vmovn/vqmovn/vqmovun; table lookups with in- and out-of-range indices
 * (vtbl1/vtbl2/vtbx1, vqtbl1q/vqtbl2q/vqtbx1q); comparisons (vceq/vcgt/vcle/vcltz/vtst);
 * shifts by immediates and by signed per-lane registers (vshl, vrshl, vqshl), rounding and
 * narrowing shifts (vrshr_n, vsra_n, vshrn_n, vqrshrn_n, vsli_n, vsri_n); reductions (vaddv,
 * vaddlv, vmaxv/vminv, vpadd, vpadal); permutes (vzip/vuzp/vtrn, vext, vrev16/32/64);
 * bitwise ops (vbsl, vbic, vorn, veor, vmvn), vcnt/vclz/vcls/vrbit; dup/lane moves; structure
 * loads and stores (vld2q/vld3q/vld4q, vst2q, vld1q_lane, vld1q_dup); 64-bit lanes; and a
 * few kernels: a sum of absolute differences, a byte histogram, a dot product and a
 * byte-string search.
 */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile uint32_t seed = 0x9e3779b9u;
static uint32_t rng;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void fill(void *p, size_t n)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(next() >> 11);
}

static void show(const char *name, const void *v, size_t n)
{
    const unsigned char *b = v;
    printf("%-14s", name);
    for (size_t i = 0; i < n; i++)
        printf("%s%02x", i && i % 4 == 0 ? " " : "", b[i]);
    printf("\n");
}

#define SHOWQ(name, v) do { __typeof__(v) t_ = (v); show(name, &t_, 16); } while (0)
#define SHOWD(name, v) do { __typeof__(v) t_ = (v); show(name, &t_, 8); } while (0)

static uint8_t a8[64], b8[64];
static int16_t a16[32], b16[32];
static int32_t a32[16], b32[16];
static int64_t a64[8], b64[8];

static void arith(void)
{
    uint8x16_t ua = vld1q_u8(a8), ub = vld1q_u8(b8);
    int8x16_t sa = vreinterpretq_s8_u8(ua), sb = vreinterpretq_s8_u8(ub);
    int16x8_t ha = vld1q_s16(a16), hb = vld1q_s16(b16);
    int32x4_t wa = vld1q_s32(a32), wb = vld1q_s32(b32);
    int64x2_t da = vld1q_s64(a64), db = vld1q_s64(b64);
    SHOWQ("add.16b", vaddq_u8(ua, ub));
    SHOWQ("sub.8h", vsubq_s16(ha, hb));
    SHOWQ("mul.4s", vmulq_s32(wa, wb));
    SHOWQ("mla.8h", vmlaq_s16(ha, hb, ha));
    SHOWQ("mls.4s", vmlsq_s32(wa, wb, wa));
    SHOWQ("mul.lane", vmulq_laneq_s16(ha, hb, 5));
    SHOWQ("add.2d", vaddq_s64(da, db));
    SHOWQ("sub.2d", vsubq_s64(da, db));
    SHOWQ("neg.2d", vnegq_s64(da));
    SHOWQ("abs.16b", vabsq_s8(sa));
    SHOWQ("sqadd.16b", vqaddq_s8(sa, sb));
    SHOWQ("uqadd.16b", vqaddq_u8(ua, ub));
    SHOWQ("sqsub.8h", vqsubq_s16(ha, hb));
    SHOWQ("uqsub.16b", vqsubq_u8(ua, ub));
    SHOWQ("sqneg.16b", vqnegq_s8(vdupq_n_s8(-128)));
    SHOWQ("shadd.16b", vhaddq_s8(sa, sb));
    SHOWQ("urhadd.16b", vrhaddq_u8(ua, ub));
    SHOWQ("uhsub.8h", vhsubq_u16(vreinterpretq_u16_s16(ha), vreinterpretq_u16_s16(hb)));
    SHOWQ("sabd.4s", vabdq_s32(wa, wb));
    SHOWQ("uaba.16b", vabaq_u8(ua, ua, ub));
    SHOWQ("smax.8h", vmaxq_s16(ha, hb));
    SHOWQ("umin.16b", vminq_u8(ua, ub));
    SHOWQ("sqdmulh.8h", vqdmulhq_s16(ha, hb));
    SHOWQ("sqrdmulh.4s", vqrdmulhq_s32(wa, wb));
}

static void widening(void)
{
    uint8x16_t ua = vld1q_u8(a8), ub = vld1q_u8(b8);
    int16x8_t ha = vld1q_s16(a16), hb = vld1q_s16(b16);
    int32x4_t wa = vld1q_s32(a32), wb = vld1q_s32(b32);
    SHOWQ("umull.8b", vmull_u8(vget_low_u8(ua), vget_low_u8(ub)));
    SHOWQ("umull2.16b", vmull_high_u8(ua, ub));
    SHOWQ("smull.4h", vmull_s16(vget_low_s16(ha), vget_low_s16(hb)));
    SHOWQ("smull2.4s", vmull_high_s32(wa, wb));
    SHOWQ("umlal.8b", vmlal_u8(vmovl_u8(vget_low_u8(ua)), vget_high_u8(ua), vget_low_u8(ub)));
    SHOWQ("smlsl.4h", vmlsl_s16(vmovl_s16(vget_low_s16(ha)), vget_low_s16(ha), vget_high_s16(hb)));
    SHOWQ("sqdmull.4h", vqdmull_s16(vget_low_s16(ha), vdup_n_s16(-32768)));
    SHOWQ("pmull.8b", vmull_p8(vget_low_p8(vreinterpretq_p8_u8(ua)),
                               vget_low_p8(vreinterpretq_p8_u8(ub))));
    SHOWQ("uaddl.8b", vaddl_u8(vget_low_u8(ua), vget_low_u8(ub)));
    SHOWQ("saddw.8h", vaddw_s8(ha, vget_low_s8(vreinterpretq_s8_u8(ub))));
    SHOWQ("usubl2.16b", vsubl_high_u8(ua, ub));
    SHOWQ("sxtl.4s", vmovl_s32(vget_low_s32(wa)));
    SHOWQ("uxtl2.16b", vmovl_high_u8(ua));
    SHOWD("xtn.8h", vmovn_s16(ha));
    SHOWD("sqxtn.4s", vqmovn_s32(wa));
    SHOWD("uqxtn.8h", vqmovn_u16(vreinterpretq_u16_s16(ha)));
    SHOWD("sqxtun.8h", vqmovun_s16(ha));
    SHOWQ("xtn2.2d", vmovn_high_s64(vmovn_s64(vld1q_s64(b64)), vld1q_s64(a64)));
}

static void tables(void)
{
    uint8x16_t t0 = vld1q_u8(a8), t1 = vld1q_u8(a8 + 16);
    /* indices 0..31 and out of range (>= 16, >= 32, 0xff) */
    static const uint8_t idx_src[16] = {0, 15, 16, 31, 32, 255, 7, 3, 17, 2, 64, 1, 30, 8, 9, 128};
    uint8x16_t idx = vld1q_u8(idx_src);
    uint8x16_t rnd = vandq_u8(vld1q_u8(b8), vdupq_n_u8(0x1f));
    uint8x16x2_t pair = {{t0, t1}};
    SHOWQ("tbl1q", vqtbl1q_u8(t0, idx));
    SHOWQ("tbl1q.rnd", vqtbl1q_u8(t0, rnd));
    SHOWQ("tbl2q", vqtbl2q_u8(pair, idx));
    SHOWQ("tbx1q", vqtbx1q_u8(vdupq_n_u8(0xee), t0, idx));
    SHOWQ("tbx2q.rnd", vqtbx2q_u8(vdupq_n_u8(0xdd), pair, rnd));
    uint8x8_t d0 = vget_low_u8(t0), d1 = vget_high_u8(t0);
    uint8x8x2_t dpair = {{d0, d1}};
    SHOWD("tbl1", vtbl1_u8(d0, vget_low_u8(idx)));
    SHOWD("tbl2", vtbl2_u8(dpair, vget_high_u8(idx)));
    SHOWD("tbx1", vtbx1_u8(vdup_n_u8(0x55), d1, vget_low_u8(rnd)));
    SHOWD("tbl1.lo", vtbl1_u8(d0, vand_u8(vget_low_u8(rnd), vdup_n_u8(7))));
}

static void compares(void)
{
    int8x16_t sa = vld1q_s8((const int8_t *)a8), sb = vld1q_s8((const int8_t *)b8);
    int32x4_t wa = vld1q_s32(a32), wb = vld1q_s32(b32);
    int64x2_t da = vld1q_s64(a64), db = vld1q_s64(b64);
    SHOWQ("cmeq.16b", vceqq_s8(sa, vsetq_lane_s8(vgetq_lane_s8(sb, 3), sa, 3)));
    SHOWQ("cmgt.16b", vcgtq_s8(sa, sb));
    SHOWQ("cmhi.16b", vcgtq_u8(vreinterpretq_u8_s8(sa), vreinterpretq_u8_s8(sb)));
    SHOWQ("cmle.4s", vcleq_s32(wa, wb));
    SHOWQ("cmhs.4s", vcgeq_u32(vreinterpretq_u32_s32(wa), vreinterpretq_u32_s32(wb)));
    SHOWQ("cmlt0.16b", vcltzq_s8(sa));
    SHOWQ("cmeq0.8h", vceqzq_s16(vandq_s16(vld1q_s16(a16), vdupq_n_s16(3))));
    SHOWQ("cmtst.16b", vtstq_s8(sa, sb));
    SHOWQ("cmgt.2d", vcgtq_s64(da, db));
    SHOWQ("cmhi.2d", vcgtq_u64(vreinterpretq_u64_s64(da), vreinterpretq_u64_s64(db)));
}

static void shifts(void)
{
    int8x16_t sa = vld1q_s8((const int8_t *)a8);
    int16x8_t ha = vld1q_s16(a16);
    int32x4_t wa = vld1q_s32(a32);
    int64x2_t da = vld1q_s64(a64);
    uint8x16_t ua = vld1q_u8(a8);
    /* per-lane signed amounts from -20 to 20, including beyond the lane width */
    static const int8_t amt_src[16] = {0, 1, -1, 7, -7, 8, -8, 9, -9, 15, -15, 16, -16, 20, -20, 3};
    int8x16_t amt = vld1q_s8(amt_src);
    int16x8_t amt16 = vmovl_s8(vget_low_s8(amt));
    int32x4_t amt32 = vmovl_s16(vget_low_s16(vmovl_s8(vget_high_s8(amt))));
    int64x2_t amt64 = {63, -65};
    SHOWQ("shl.16b#3", vshlq_n_s8(sa, 3));
    SHOWQ("sshr.8h#5", vshrq_n_s16(ha, 5));
    SHOWQ("ushr.16b#7", vshrq_n_u8(ua, 7));
    SHOWQ("sshr.2d#63", vshrq_n_s64(da, 63));
    SHOWQ("sshl.16b", vshlq_s8(sa, amt));
    SHOWQ("ushl.16b", vshlq_u8(ua, amt));
    SHOWQ("sshl.8h", vshlq_s16(ha, amt16));
    SHOWQ("ushl.4s", vshlq_u32(vreinterpretq_u32_s32(wa), amt32));
    SHOWQ("sshl.2d", vshlq_s64(da, amt64));
    SHOWQ("srshl.8h", vrshlq_s16(ha, amt16));
    SHOWQ("sqshl.16b", vqshlq_s8(sa, amt));
    SHOWQ("uqshl.8h", vqshlq_u16(vreinterpretq_u16_s16(ha), amt16));
    SHOWQ("srshr.4s#9", vrshrq_n_s32(wa, 9));
    SHOWQ("ursra.16b#2", vrsraq_n_u8(ua, ua, 2));
    SHOWQ("ssra.8h#15", vsraq_n_s16(ha, ha, 15));
    SHOWQ("sli.16b#4", vsliq_n_u8(ua, vld1q_u8(b8), 4));
    SHOWQ("sri.8h#3", vsriq_n_s16(ha, vld1q_s16(b16), 3));
    SHOWQ("sqshl.4s#12", vqshlq_n_s32(wa, 12));
    SHOWQ("sqshlu.8h#2", vqshluq_n_s16(ha, 2));
    SHOWD("shrn.8h#4", vshrn_n_s16(ha, 4));
    SHOWD("rshrn.4s#16", vrshrn_n_s32(wa, 16));
    SHOWD("sqrshrn.8h#3", vqrshrn_n_s16(ha, 3));
    SHOWD("uqshrn.4s#8", vqshrn_n_u32(vreinterpretq_u32_s32(wa), 8));
    SHOWQ("shll.8b#8", vshll_n_u8(vget_low_u8(ua), 8));
    SHOWQ("sshll2.8h#3", vshll_high_n_s16(ha, 3));
}

static void reductions(void)
{
    uint8x16_t ua = vld1q_u8(a8);
    int8x16_t sa = vreinterpretq_s8_u8(ua);
    int16x8_t ha = vld1q_s16(a16);
    int32x4_t wa = vld1q_s32(a32);
    int64x2_t da = vld1q_s64(a64);
    printf("addv.16b %u addv.8h %d addv.4s %d addp.2d %lld\n", vaddvq_u8(ua), vaddvq_s16(ha),
           vaddvq_s32(wa), (long long)vaddvq_s64(da));
    printf("uaddlv.16b %u saddlv.8h %d saddlv.4s %lld\n", vaddlvq_u8(ua), vaddlvq_s16(ha),
           (long long)vaddlvq_s32(wa));
    printf("smaxv.16b %d uminv.16b %u smaxv.8h %d uminv.4s %u sminv.4s %d\n", vmaxvq_s8(sa),
           vminvq_u8(ua), vmaxvq_s16(ha), vminvq_u32(vreinterpretq_u32_s32(wa)), vminvq_s32(wa));
    SHOWQ("addp.16b", vpaddq_u8(ua, vld1q_u8(b8)));
    SHOWQ("addp.4s", vpaddq_s32(wa, vld1q_s32(b32)));
    SHOWQ("smaxp.8h", vpmaxq_s16(ha, vld1q_s16(b16)));
    SHOWQ("uminp.16b", vpminq_u8(ua, vld1q_u8(b8)));
    SHOWQ("uaddlp.16b", vpaddlq_u8(ua));
    SHOWQ("sadalp.8h", vpadalq_s16(wa, ha));
}

static void permutes(void)
{
    uint8x16_t ua = vld1q_u8(a8), ub = vld1q_u8(b8);
    uint16x8_t ha = vld1q_u16((const uint16_t *)a16), hb = vld1q_u16((const uint16_t *)b16);
    uint32x4_t wa = vld1q_u32((const uint32_t *)a32), wb = vld1q_u32((const uint32_t *)b32);
    uint64x2_t da = vld1q_u64((const uint64_t *)a64), db = vld1q_u64((const uint64_t *)b64);
    SHOWQ("zip1.16b", vzip1q_u8(ua, ub));
    SHOWQ("zip2.16b", vzip2q_u8(ua, ub));
    SHOWQ("uzp1.8h", vuzp1q_u16(ha, hb));
    SHOWQ("uzp2.8h", vuzp2q_u16(ha, hb));
    SHOWQ("trn1.4s", vtrn1q_u32(wa, wb));
    SHOWQ("trn2.16b", vtrn2q_u8(ua, ub));
    SHOWQ("zip2.2d", vzip2q_u64(da, db));
    SHOWQ("ext.16b#5", vextq_u8(ua, ub, 5));
    SHOWQ("ext.16b#13", vextq_u8(ua, ub, 13));
    SHOWD("ext.8b#3", vext_u8(vget_low_u8(ua), vget_high_u8(ub), 3));
    SHOWQ("rev64.16b", vrev64q_u8(ua));
    SHOWQ("rev32.8h", vrev32q_u16(ha));
    SHOWQ("rev16.16b", vrev16q_u8(ua));
    uint8x16x2_t z = vzipq_u8(ua, ub);
    SHOWQ("zip.val1", z.val[1]);
    uint16x8x2_t u = vuzpq_u16(ha, hb);
    SHOWQ("uzp.val0", u.val[0]);
    uint32x4x2_t t = vtrnq_u32(wa, wb);
    SHOWQ("trn.val1", t.val[1]);
}

static void bits(void)
{
    uint8x16_t ua = vld1q_u8(a8), ub = vld1q_u8(b8), mask = vld1q_u8(a8 + 32);
    int8x16_t sa = vreinterpretq_s8_u8(ua);
    int16x8_t ha = vld1q_s16(a16);
    int32x4_t wa = vld1q_s32(a32);
    SHOWQ("bsl", vbslq_u8(mask, ua, ub));
    SHOWQ("bic", vbicq_u8(ua, ub));
    SHOWQ("orn", vornq_u8(ua, ub));
    SHOWQ("eor", veorq_u8(ua, ub));
    SHOWQ("and", vandq_u8(ua, ub));
    SHOWQ("orr", vorrq_u8(ua, ub));
    SHOWQ("mvn", vmvnq_u8(ua));
    SHOWQ("cnt", vcntq_u8(ua));
    SHOWQ("clz.16b", vclzq_u8(vshrq_n_u8(ua, 2)));
    SHOWQ("clz.4s", vclzq_s32(vshrq_n_s32(wa, 7)));
    SHOWQ("cls.8h", vclsq_s16(ha));
    SHOWQ("cls.16b", vclsq_s8(sa));
    SHOWQ("rbit", vrbitq_u8(ua));
    SHOWQ("bic.imm", vbicq_u16(vreinterpretq_u16_u8(ua), vdupq_n_u16(0x00f0)));
    SHOWQ("orr.imm", vorrq_u32(vreinterpretq_u32_u8(ua), vdupq_n_u32(0x0000ff00)));
    SHOWQ("movi.2d", vdupq_n_u64(0xff00ff0000ffff00ull));
    SHOWQ("mvni.4s", vdupq_n_u32(0xffff12ffu));
}

static void lanes(void)
{
    uint8x16_t ua = vld1q_u8(a8);
    int16x8_t ha = vld1q_s16(a16);
    int32x4_t wa = vld1q_s32(a32);
    int64x2_t da = vld1q_s64(a64);
    SHOWQ("dup.16b", vdupq_n_u8(a8[40]));
    SHOWQ("dup.lane.8h", vdupq_laneq_s16(ha, 6));
    SHOWQ("dup.2d", vdupq_n_s64(a64[3]));
    SHOWQ("ins.4s", vsetq_lane_s32(a32[9], wa, 2));
    SHOWQ("ins.elem", vcopyq_laneq_s16(ha, 1, vld1q_s16(b16), 7));
    printf("umov.b %u smov.b %d smov.h %d umov.s %u umov.d %lld\n", vgetq_lane_u8(ua, 13),
           vgetq_lane_s8(vreinterpretq_s8_u8(ua), 13), vgetq_lane_s16(ha, 7),
           (unsigned)vgetq_lane_s32(wa, 3), (long long)vgetq_lane_s64(da, 1));
    SHOWQ("combine", vcombine_s32(vget_high_s32(wa), vget_low_s32(wa)));
}

static void structures(void)
{
    uint8_t out[64];
    uint8x16x2_t l2 = vld2q_u8(a8);
    SHOWQ("ld2.val0", l2.val[0]);
    SHOWQ("ld2.val1", l2.val[1]);
    uint8x16x3_t l3 = vld3q_u8(a8);
    SHOWQ("ld3.val2", l3.val[2]);
    uint16x8x4_t l4 = vld4q_u16((const uint16_t *)a16);
    SHOWQ("ld4.val3", l4.val[3]);
    uint8x16x2_t swapped = {{l2.val[1], l2.val[0]}};
    vst2q_u8(out, swapped);
    show("st2", out, 32);
    vst3q_u8(out, l3);
    printf("st3 round trip %s\n", memcmp(out, a8, 48) ? "differs" : "equal");
    vst4q_u16((uint16_t *)out, l4);
    printf("st4 round trip %s\n", memcmp(out, a16, 64) ? "differs" : "equal");
    SHOWQ("ld1.lane",
          vld1q_lane_u32((const uint32_t *)(b8 + 4), vld1q_u32((const uint32_t *)a8), 2));
    SHOWQ("ld1r", vld1q_dup_u16((const uint16_t *)(b8 + 6)));
    uint8x16x2_t l1x2 = vld1q_u8_x2(b8);
    SHOWQ("ld1x2.val1", l1x2.val[1]);
    uint32x4_t v = vld1q_u32((const uint32_t *)b8);
    vst1q_lane_u32((uint32_t *)(out + 1), v, 3);
    show("st1.lane", out, 8);
}

/* kernels that the compiler turns into vector loops at -O3 as well */
static uint32_t sad(const uint8_t *x, const uint8_t *y, int n)
{
    uint16x8_t acc = vdupq_n_u16(0);
    for (int i = 0; i < n; i += 16) {
        uint8x16_t a = vld1q_u8(x + i), b = vld1q_u8(y + i);
        acc = vabal_u8(acc, vget_low_u8(a), vget_low_u8(b));
        acc = vabal_high_u8(acc, a, b);
    }
    return vaddlvq_u16(acc);
}

static int64_t dot(const int16_t *x, const int16_t *y, int n)
{
    int32x4_t acc = vdupq_n_s32(0);
    int64_t tail = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t a = vld1q_s16(x + i), b = vld1q_s16(y + i);
        acc = vmlal_s16(acc, vget_low_s16(a), vget_low_s16(b));
        acc = vmlal_high_s16(acc, a, b);
    }
    for (; i < n; i++)
        tail += x[i] * y[i];
    return vaddlvq_s32(acc) + tail;
}

static int find_byte(const uint8_t *p, int n, uint8_t c)
{
    uint8x16_t needle = vdupq_n_u8(c);
    for (int i = 0; i + 16 <= n; i += 16) {
        uint8x16_t eq = vceqq_u8(vld1q_u8(p + i), needle);
        uint8x8_t nibbles = vshrn_n_u16(vreinterpretq_u16_u8(eq), 4);   /* 4 bits a byte */
        uint64_t mask = vget_lane_u64(vreinterpret_u64_u8(nibbles), 0);
        if (mask)
            return i + __builtin_ctzll(mask) / 4;
    }
    return -1;
}

int main(void)
{
    rng = seed;
    fill(a8, sizeof a8);
    fill(b8, sizeof b8);
    fill(a16, sizeof a16);
    fill(b16, sizeof b16);
    fill(a32, sizeof a32);
    fill(b32, sizeof b32);
    fill(a64, sizeof a64);
    fill(b64, sizeof b64);
    a32[1] = INT32_MIN;
    b32[1] = -1;
    a16[2] = INT16_MIN;
    a8[5] = 0x80;
    b64[1] = a64[1];
    arith();
    widening();
    tables();
    compares();
    shifts();
    reductions();
    permutes();
    bits();
    lanes();
    structures();

    static uint8_t big_a[4096], big_b[4096];
    static int16_t wx[1000], wy[1000];
    fill(big_a, sizeof big_a);
    fill(big_b, sizeof big_b);
    fill(wx, sizeof wx);
    fill(wy, sizeof wy);
    unsigned hist[16] = {0};
    for (int i = 0; i < 4096; i++)
        hist[big_a[i] >> 4]++;
    printf("sad %u dot %lld find 0x5a at %d, 0x00 at %d\nhistogram:", sad(big_a, big_b, 4096),
           (long long)dot(wx, wy, 1000), find_byte(big_a, 4096, 0x5a),
           find_byte(big_b + 100, 4096 - 112, 0x00));
    for (int i = 0; i < 16; i++)
        printf(" %u", hist[i]);
    printf("\n");
    return 0;
}
