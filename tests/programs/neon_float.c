/*
 * neon_float.c -- AdvSIMD floating-point instructions through arm_neon.h intrinsics (AArch64
 * only).
 *
 * Inputs are built at run time (from a volatile seed), with NaNs, infinities, signed zeros and
 * subnormals in some lanes. Covers: vaddq/vsubq/vmulq/vdivq on f32 and f64, fused vfmaq/vfmsq
 * (and by lane), vmulxq, vabsq/vnegq/vabdq, vsqrtq, vminq/vmaxq (NaN-propagating) against
 * vminnmq/vmaxnmq, pairwise vpaddq/vpmaxq and reductions vmaxvq/vminnmvq/vaddvq;
 * comparisons vceqq/vcgeq/vcltq/vcagtq with NaN lanes; conversions vcvtq (to and from s32,
 * u32, s64, u64, with out-of-range and NaN lanes; to and from fixed point), vcvtnq/vcvtmq/
 * vcvtpq/vcvtaq, vcvt_f64_f32/vcvt_f32_f64/vcvtx_f32_f64, half precision vcvt_f32_f16;
 * rounding vrndq/vrndnq/vrndmq/vrndpq/vrndaq/vrndxq/vrndiq; estimates vrecpeq/vrsqrteq and
 * the Newton steps vrecpsq/vrsqrtsq; FPSR flags after vector ops; and kernels (a 4x4
 * single-precision matrix product, a double-precision axpy, a polynomial by fma).
 */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile uint32_t seed = 0x2545f491u;
static uint32_t rng;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static unsigned long get_fpsr(void)
{
    unsigned long v;
    __asm__ volatile("mrs %0, fpsr" : "=r"(v));
    return v;
}
static void set_fpsr(unsigned long v) { __asm__ volatile("msr fpsr, %0" : : "r"(v)); }
static void set_fpcr(unsigned long v) { __asm__ volatile("msr fpcr, %0" : : "r"(v)); }

static void show(const char *name, const void *v, size_t n)
{
    const uint32_t *w = v;
    printf("%-14s", name);
    for (size_t i = 0; i < n / 4; i++)
        printf(" %08x", w[i]);
    printf("\n");
}

/* The compiler may neither know a value (and fold the operation, with its own idea of NaNs)
 * nor move an operation across the FPSR reads and writes: values go through PIN, an empty
 * asm that "changes" them, and loads through LD, which pins what they load. Between
 * set_fpsr(0), PIN of the inputs, the operations, PIN of the results and get_fpsr(), the
 * order is fixed, since volatile asm statements keep theirs. (Pinning what is shown also
 * keeps gcc 12 -O2 from losing vrndq_f32 results stored to the stack in a loop.) */
#define PIN(v) __asm__ volatile("" : "+w"(v))
#define LD(f, p) ({ __typeof__(f(p)) v_ = f(p); PIN(v_); v_; })
#define SHOWQ(name, v) do { __typeof__(v) t_ = (v); PIN(t_); show(name, &t_, 16); } while (0)
#define SHOWD(name, v) do { __typeof__(v) t_ = (v); PIN(t_); show(name, &t_, 8); } while (0)

static float fa[16], fb[16], fc[16];
static double da[8], db[8], dc[8];

static float bf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static double bd(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static void setup(void)
{
    rng = seed;
    for (int i = 0; i < 16; i++) {
        fa[i] = (float)(int32_t)next() / 65536.0f;
        fb[i] = (float)(int32_t)next() / 16777216.0f;
        fc[i] = (float)(next() % 2001) / 8.0f - 125.0f;
    }
    for (int i = 0; i < 8; i++) {
        da[i] = (double)(int32_t)next() / 3.0;
        db[i] = (double)(int32_t)next() * 1e-7;
        dc[i] = (double)(next() % 1000) - 500.5;
    }
    /* special lanes: second vector of each array */
    fa[4] = bf(0x7fc00001u);        /* qNaN */
    fa[5] = bf(0x7f800001u);        /* sNaN */
    fa[6] = -0.0f;
    fa[7] = bf(0x00000003u);        /* subnormal */
    fb[4] = 1.0f;
    fb[5] = bf(0xff800000u);        /* -inf */
    fb[6] = 0.0f;
    fb[7] = bf(0x80400000u);        /* -subnormal */
    da[2] = bd(0x7ff8000000000005ull);
    da[3] = bd(0xfff0000000000000ull);
    db[2] = bd(0x7ff0000000000007ull);
    db[3] = -0.0;
}

static void arith(void)
{
    float32x4_t a = LD(vld1q_f32, fa), b = LD(vld1q_f32, fb), c = LD(vld1q_f32, fc);
    float32x4_t sa = LD(vld1q_f32, fa + 4), sb = LD(vld1q_f32, fb + 4);
    float64x2_t x = LD(vld1q_f64, da), y = LD(vld1q_f64, db), z = LD(vld1q_f64, dc);
    float64x2_t sx = LD(vld1q_f64, da + 2), sy = LD(vld1q_f64, db + 2);
    float32x4_t inf0 = vsetq_lane_f32(bf(0x7f800000u), a, 0), zero0 = vsetq_lane_f32(0.0f, b, 0);
    PIN(inf0);
    PIN(zero0);
    SHOWQ("fadd.4s", vaddq_f32(a, b));
    SHOWQ("fsub.4s", vsubq_f32(a, c));
    SHOWQ("fmul.4s", vmulq_f32(a, b));
    SHOWQ("fdiv.4s", vdivq_f32(c, b));
    SHOWQ("fadd.2d", vaddq_f64(x, y));
    SHOWQ("fmul.2d", vmulq_f64(x, y));
    SHOWQ("fdiv.2d", vdivq_f64(z, y));
    SHOWQ("fmla.4s", vfmaq_f32(c, a, b));
    SHOWQ("fmls.4s", vfmsq_f32(c, a, b));
    SHOWQ("fmla.2d", vfmaq_f64(z, x, y));
    SHOWQ("fmls.2d", vfmsq_f64(z, x, y));
    SHOWQ("fmla.lane", vfmaq_laneq_f32(c, a, b, 3));
    SHOWQ("fmul.lane.2d", vmulq_laneq_f64(x, y, 1));
    SHOWQ("fmulx.4s", vmulxq_f32(inf0, zero0));
    SHOWQ("fabd.4s", vabdq_f32(a, c));
    SHOWQ("fabs.4s", vabsq_f32(sa));
    SHOWQ("fneg.2d", vnegq_f64(sx));
    SHOWQ("fsqrt.4s", vsqrtq_f32(vabsq_f32(c)));
    SHOWQ("fsqrt.2d", vsqrtq_f64(z));
    set_fpsr(0);
    PIN(sa);
    PIN(sb);
    PIN(sx);
    PIN(sy);
    float32x4_t r1 = vaddq_f32(sa, sb), r3 = vfmaq_f32(sb, sa, sb);
    float64x2_t r2 = vmulq_f64(sx, sy);
    PIN(r1);
    PIN(r2);
    PIN(r3);
    unsigned long flags = get_fpsr();
    SHOWQ("fadd.nan.4s", r1);
    SHOWQ("fmul.nan.2d", r2);
    SHOWQ("fmla.nan.4s", r3);
    printf("flags %02lx\n", flags);
}

static void minmax(void)
{
    float32x4_t a = LD(vld1q_f32, fa), b = LD(vld1q_f32, fb);
    float32x4_t sa = LD(vld1q_f32, fa + 4), sb = LD(vld1q_f32, fb + 4);
    float64x2_t sx = LD(vld1q_f64, da + 2), sy = LD(vld1q_f64, db + 2);
    float32x4_t pz = vdupq_n_f32(0.0f), nz = vdupq_n_f32(-0.0f);
    set_fpsr(0);
    PIN(a);
    PIN(b);
    PIN(sa);
    PIN(sb);
    PIN(sx);
    PIN(sy);
    PIN(pz);
    PIN(nz);
    float32x4_t r1 = vminq_f32(a, b), r2 = vmaxq_f32(sa, sb), r3 = vminnmq_f32(sa, sb),
                r4 = vmaxnmq_f32(sb, sa), r7 = vminnmq_f32(pz, nz);
    float64x2_t r5 = vmaxnmq_f64(sx, sy), r6 = vminq_f64(sx, sy);
    PIN(r1);
    PIN(r2);
    PIN(r3);
    PIN(r4);
    PIN(r5);
    PIN(r6);
    PIN(r7);
    unsigned long flags = get_fpsr();
    SHOWQ("fmin.4s", r1);
    SHOWQ("fmax.nan.4s", r2);
    SHOWQ("fminnm.nan.4s", r3);
    SHOWQ("fmaxnm.nan.4s", r4);
    SHOWQ("fmaxnm.nan.2d", r5);
    SHOWQ("fmin.nan.2d", r6);
    SHOWQ("fminnm.zero", r7);
    printf("flags %02lx\n", flags);
    SHOWQ("faddp.4s", vpaddq_f32(a, b));
    SHOWQ("fmaxp.4s", vpmaxq_f32(a, sa));
    SHOWQ("fminnmp.2d", vpminnmq_f64(sx, sy));
    float r[6] = {vmaxvq_f32(a), vminvq_f32(b), vmaxnmvq_f32(sa), vminnmvq_f32(sb),
                  vmaxvq_f32(sa), vaddvq_f32(a)};
    show("reductions", r, sizeof r);
    double rd[2] = {vmaxnmvq_f64(sx), vaddvq_f64(LD(vld1q_f64, da))};
    show("reductions.2d", rd, sizeof rd);
}

static void compares(void)
{
    float32x4_t a = LD(vld1q_f32, fa), c = LD(vld1q_f32, fc);
    float32x4_t sa = LD(vld1q_f32, fa + 4), sb = LD(vld1q_f32, fb + 4);
    float64x2_t sx = LD(vld1q_f64, da + 2), sy = LD(vld1q_f64, db + 2);
    set_fpsr(0);
    PIN(sa);
    uint32x4_t eq = vceqq_f32(sa, sa);
    PIN(eq);
    unsigned long quiet = get_fpsr();
    PIN(a);
    PIN(c);
    PIN(sb);
    PIN(sx);
    PIN(sy);
    uint32x4_t ge = vcgeq_f32(a, c), gt = vcgtq_f32(sa, sb), le0 = vclezq_f32(sa),
               agt = vcagtq_f32(a, c), age = vcageq_f32(sa, sb);
    uint64x2_t lt = vcltq_f64(sx, sy);
    PIN(ge);
    PIN(gt);
    PIN(le0);
    PIN(agt);
    PIN(age);
    PIN(lt);
    unsigned long all = get_fpsr();
    SHOWQ("fcmeq.4s", eq);
    SHOWQ("fcmge.4s", ge);
    SHOWQ("fcmgt.nan.4s", gt);
    SHOWQ("fcmlt.2d", lt);
    SHOWQ("fcmle0.4s", le0);
    SHOWQ("facgt.4s", agt);
    SHOWQ("facge.nan.4s", age);
    printf("flags eq %02lx all %02lx\n", quiet, all);
}

static float edge_f[8] = {2147483520.0f, 2147483648.0f, -2147483904.0f, 4294967296.0f,
                          -1.5f, 2.5f, -0.5f, 1e10f};
static uint16_t halves[4] = {0x3c00, 0x7bff, 0x0001, 0xfe01};

static void conversions(void)
{
    float32x4_t e0 = LD(vld1q_f32, edge_f), e1 = LD(vld1q_f32, edge_f + 4);
    float32x4_t a = LD(vld1q_f32, fa), sa = LD(vld1q_f32, fa + 4);
    float64x2_t x = LD(vld1q_f64, da), sx = LD(vld1q_f64, da + 2);
    float64x2_t nano = vdupq_n_f64(1e-9);
    set_fpsr(0);
    PIN(e0);
    PIN(e1);
    PIN(sa);
    PIN(x);
    PIN(sx);
    PIN(nano);
    int32x4_t c1 = vcvtq_s32_f32(e0), c3 = vcvtq_s32_f32(sa), c5 = vcvtnq_s32_f32(e1),
              c6 = vcvtmq_s32_f32(e1), c7 = vcvtpq_s32_f32(e1), c8 = vcvtaq_s32_f32(e1);
    uint32x4_t c2 = vcvtq_u32_f32(e0), c4 = vcvtq_u32_f32(e1), c9 = vcvtaq_u32_f32(e1);
    int64x2_t c10 = vcvtq_s64_f64(x), c12 = vcvtnq_s64_f64(vmulq_f64(x, nano));
    uint64x2_t c11 = vcvtq_u64_f64(sx);
    PIN(c1);
    PIN(c2);
    PIN(c3);
    PIN(c4);
    PIN(c5);
    PIN(c6);
    PIN(c7);
    PIN(c8);
    PIN(c9);
    PIN(c10);
    PIN(c11);
    PIN(c12);
    unsigned long flags = get_fpsr();
    SHOWQ("fcvtzs.4s", c1);
    SHOWQ("fcvtzu.4s", c2);
    SHOWQ("fcvtzs.nan", c3);
    SHOWQ("fcvtzu.neg", c4);
    SHOWQ("fcvtns.4s", c5);
    SHOWQ("fcvtms.4s", c6);
    SHOWQ("fcvtps.4s", c7);
    SHOWQ("fcvtas.4s", c8);
    SHOWQ("fcvtau.4s", c9);
    SHOWQ("fcvtzs.2d", c10);
    SHOWQ("fcvtzu.2d", c11);
    SHOWQ("fcvtns.2d", c12);
    printf("flags %02lx\n", flags);
    int32x4_t ints = vcvtq_s32_f32(a);
    int64x2_t big = vcombine_s64(vcreate_s64(0x7fffffffffffffffull),
                                 vcreate_s64(0x8000000000000001ull));
    uint64x2_t ubig = vdupq_n_u64(0xfffffffffffff801ull);
    float64x2_t one = vdupq_n_f64(1.0), three = vdupq_n_f64(3.0);
    PIN(big);
    PIN(ubig);
    PIN(one);
    PIN(three);
    SHOWQ("scvtf.4s", vcvtq_f32_s32(vmulq_n_s32(ints, 255)));
    SHOWQ("ucvtf.4s", vcvtq_f32_u32(vreinterpretq_u32_s32(ints)));
    SHOWQ("scvtf.2d", vcvtq_f64_s64(big));
    SHOWQ("ucvtf.2d", vcvtq_f64_u64(ubig));
    SHOWQ("fcvtzs.fix8", vcvtq_n_s32_f32(a, 8));
    SHOWQ("scvtf.fix16", vcvtq_n_f32_s32(ints, 16));
    SHOWQ("fcvtzu.fix3.2d", vcvtq_n_u64_f64(vabsq_f64(x), 3));
    SHOWQ("fcvtl.2d", vcvt_f64_f32(vget_low_f32(sa)));
    SHOWQ("fcvtl2.2d", vcvt_high_f64_f32(a));
    SHOWD("fcvtn.2s", vcvt_f32_f64(LD(vld1q_f64, db)));
    SHOWD("fcvtn.nan", vcvt_f32_f64(sx));
    SHOWD("fcvtxn.2s", vcvtx_f32_f64(vdivq_f64(one, three)));
    SHOWQ("fcvtn2.4s", vcvt_high_f32_f64(vget_low_f32(a), x));
    SHOWQ("fcvtl.h", vcvt_f32_f16(vreinterpret_f16_u16(LD(vld1_u16, halves))));
    SHOWD("fcvtn.h", vreinterpret_u16_f16(vcvt_f16_f32(vmulq_n_f32(a, 0.01f))));
}

static float round_f[8] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4999998f, -7.75f, 8388607.5f};
static double round_d[2] = {4503599627370495.5, -2.5};

static void rounding(void)
{
    for (int h = 0; h < 2; h++) {
        float32x4_t a = LD(vld1q_f32, round_f + 4 * h);
        SHOWQ("frintz", vrndq_f32(a));
        SHOWQ("frintn", vrndnq_f32(a));
        SHOWQ("frintm", vrndmq_f32(a));
        SHOWQ("frintp", vrndpq_f32(a));
        SHOWQ("frinta", vrndaq_f32(a));
    }
    float64x2_t d = LD(vld1q_f64, round_d);
    float32x4_t f = LD(vld1q_f32, round_f), a = LD(vld1q_f32, fa), b = LD(vld1q_f32, fb);
    set_fpsr(0);
    PIN(d);
    float64x2_t n = vrndnq_f64(d);
    PIN(n);
    unsigned long quiet = get_fpsr();
    PIN(d);
    float64x2_t x = vrndxq_f64(d);
    PIN(x);
    unsigned long exact = get_fpsr();
    set_fpcr(2ul << 22);      /* round toward minus infinity */
    PIN(f);
    PIN(a);
    PIN(b);
    float32x4_t i = vrndiq_f32(f), sum = vaddq_f32(a, b);
    PIN(i);
    PIN(sum);
    set_fpcr(0);
    SHOWQ("frintn.2d", n);
    SHOWQ("frintx.2d", x);
    SHOWQ("frinti.rm", i);
    SHOWQ("fadd.rm", sum);
    printf("flags frintn %02lx frintx %02lx\n", quiet, exact);
}

static void estimates(void)
{
    float32x4_t a = LD(vld1q_f32, fa), c = LD(vld1q_f32, fc);
    float32x4_t sa = LD(vld1q_f32, fa + 4);
    SHOWQ("frecpe.4s", vrecpeq_f32(a));
    SHOWQ("frecpe.nan", vrecpeq_f32(sa));
    SHOWQ("frsqrte.4s", vrsqrteq_f32(vabsq_f32(c)));
    SHOWQ("frecpe.2d", vrecpeq_f64(LD(vld1q_f64, dc)));
    SHOWQ("frecps.4s", vrecpsq_f32(a, c));
    SHOWQ("frsqrts.4s", vrsqrtsq_f32(a, c));
    SHOWQ("urecpe.4s", vrecpeq_u32(vreinterpretq_u32_f32(a)));
    /* one Newton step: the refined reciprocal */
    float32x4_t r = vrecpeq_f32(c);
    r = vmulq_f32(r, vrecpsq_f32(c, r));
    SHOWQ("1/c refined", r);
}

static void kernels(void)
{
    float m[16], n[16], out[16];
    for (int i = 0; i < 16; i++) {
        m[i] = fc[i] / 16.0f;
        n[i] = (float)(i * 3 % 7) - 2.5f;
    }
    for (int i = 0; i < 4; i++) {
        float32x4_t acc = vdupq_n_f32(0.0f);
        for (int k = 0; k < 4; k++)
            acc = vfmaq_n_f32(acc, LD(vld1q_f32, n + 4 * k), m[4 * i + k]);
        vst1q_f32(out + 4 * i, acc);
    }
    show("matmul4", out, sizeof out);
    double xs[64], ys[64];
    for (int i = 0; i < 64; i++) {
        xs[i] = (double)(int32_t)next() / 1024.0;
        ys[i] = (double)(i - 32) / 7.0;
    }
    float64x2_t alpha = vdupq_n_f64(-1.0 / 3.0), sum = vdupq_n_f64(0.0);
    for (int i = 0; i < 64; i += 2) {
        float64x2_t yv = vfmaq_f64(LD(vld1q_f64, ys + i), alpha, LD(vld1q_f64, xs + i));
        vst1q_f64(ys + i, yv);
        sum = vaddq_f64(sum, yv);
    }
    printf("axpy sum %a y[63] %a\n", vaddvq_f64(sum), ys[63]);
    /* Horner: sin(x) to 7th order on 4 lanes */
    float32x4_t xv = {0.1f, 0.5f, 1.0f, -2.0f}, x2 = vmulq_f32(xv, xv);
    float32x4_t p = vdupq_n_f32(-1.0f / 5040.0f);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 120.0f), p, x2);
    p = vfmaq_f32(vdupq_n_f32(-1.0f / 6.0f), p, x2);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, x2);
    float res[4];
    vst1q_f32(res, vmulq_f32(p, xv));
    printf("sin poly %a %a %a %a\n", res[0], res[1], res[2], res[3]);
}

int main(void)
{
    setup();
    arith();
    minmax();
    compares();
    conversions();
    rounding();
    estimates();
    kernels();
    return 0;
}
