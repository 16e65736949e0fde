/*
 * fp_edge.c -- floating-point corner cases of RISC-V (and AArch64), partly through inline
 * assembly.
 *
 * Covers: fcvt.{w,wu,l,lu}.{s,d} saturation for NaN, +-inf and out-of-range values (RISC-V
 * saturates, NaN converts to the maximum; x86 does not) with every static rounding mode
 * (rne, rtz, rdn, rup, rmm) and the dynamic one; fcvt.{s,d}.{w,l} of large integers;
 * fclass.{s,d} of all ten classes; the canonical NaN (0x7ff8000000000000 / 0x7fc00000)
 * produced by arithmetic on NaN inputs; NaN boxing of single-precision values held in 64-bit
 * FP registers (fmv.d.x with a badly boxed float reads as the canonical NaN); fmin/fmax with
 * signalling and quiet NaNs and signed zeros; fsgnj/fsgnjn/fsgnjx; fmadd/fmsub/fnmadd/fnmsub
 * signs; feq/flt/fle with NaN; fcsr flag bits (fflags) read directly.
 *
 * On AArch64 the cases are AArch64's own: fcvt{n,z,m,p,a}{s,u} to W and X (NaN converts to
 * 0, out-of-range values saturate) and fcvtzs to fixed point; [su]cvtf under each FPCR
 * rounding mode; frint{n,a,m,p,z,x,i}; NaN propagation (the first signalling NaN quietened,
 * else the first quiet NaN, payloads kept; fmadd looks at its addend first; inf*0 + qNaN is
 * invalid) and the default NaN (FPCR.DN); flush-to-zero (FPCR.FZ, FPSR.IDC/UFC); fmin/fmax
 * against fminnm/fmaxnm with NaNs and signed zeros; fmadd/fmsub/fnmadd/fnmsub/fnmul signs;
 * fcmp/fcmpe/fccmp NZCV and their flags; fcsel; half-precision fcvt; FPSR flag bits read
 * directly and an FPCR/FPSR round trip.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double bdouble(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static float bfloat(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

#if defined(__aarch64__)
/* AArch64: FPSR's cumulative flags (IOC 0x01, DZC 0x02, OFC 0x04, UFC 0x08, IXC 0x10,
 * IDC 0x80) and FPCR's rounding mode (bits 23:22), FZ (bit 24) and DN (bit 25) */
static unsigned long get_fpsr(void)
{
    unsigned long v;
    __asm__ volatile("mrs %0, fpsr" : "=r"(v));
    return v;
}
static void set_fpsr(unsigned long v) { __asm__ volatile("msr fpsr, %0" : : "r"(v)); }
static unsigned long get_fpcr(void)
{
    unsigned long v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return v;
}
static void set_fpcr(unsigned long v) { __asm__ volatile("msr fpcr, %0" : : "r"(v)); }
#define RM_SHIFT 22
#define FPCR_FZ (1ul << 24)
#define FPCR_DN (1ul << 25)

/* one instruction with a general-register result and a double (%d) or float (%s) operand */
#define CVT(insn, dst, src, T, FT, x)                                                          \
    ({                                                                                         \
        T r_;                                                                                  \
        __asm__ volatile(insn " %" dst "0, %" src "1" : "=r"(r_) : "w"((FT)(x)));              \
        r_;                                                                                    \
    })
#define D2(insn, a, b)                                                                         \
    ({                                                                                         \
        double r_;                                                                             \
        __asm__ volatile(insn " %d0, %d1, %d2" : "=w"(r_) : "w"((double)(a)), "w"((double)(b))); \
        r_;                                                                                    \
    })
#define S2(insn, a, b)                                                                         \
    ({                                                                                         \
        float r_;                                                                              \
        __asm__ volatile(insn " %s0, %s1, %s2" : "=w"(r_) : "w"((float)(a)), "w"((float)(b))); \
        r_;                                                                                    \
    })
#define D3(insn, a, b, c)                                                                      \
    ({                                                                                         \
        double r_;                                                                             \
        __asm__ volatile(insn " %d0, %d1, %d2, %d3"                                            \
                         : "=w"(r_) : "w"((double)(a)), "w"((double)(b)), "w"((double)(c)));   \
        r_;                                                                                    \
    })
#define D1(insn, a)                                                                            \
    ({                                                                                         \
        double r_;                                                                             \
        __asm__ volatile(insn " %d0, %d1" : "=w"(r_) : "w"((double)(a)));                      \
        r_;                                                                                    \
    })

static void conv_double(double x)
{
    set_fpsr(0);
    long long l_n = CVT("fcvtns", "x", "d", long long, double, x);
    long long l_z = CVT("fcvtzs", "x", "d", long long, double, x);
    long long l_m = CVT("fcvtms", "x", "d", long long, double, x);
    long long l_p = CVT("fcvtps", "x", "d", long long, double, x);
    long long l_a = CVT("fcvtas", "x", "d", long long, double, x);
    unsigned long fl = get_fpsr();
    int w = CVT("fcvtzs", "w", "d", int, double, x);
    unsigned long wu = CVT("fcvtzu", "w", "d", unsigned long, double, x);
    unsigned long long lu = CVT("fcvtzu", "x", "d", unsigned long long, double, x);
    unsigned long long au = CVT("fcvtau", "x", "d", unsigned long long, double, x);
    long long fix;
    __asm__ volatile("fcvtzs %0, %d1, #4" : "=r"(fix) : "w"(x));
    printf("d %-24a l: %lld %lld %lld %lld %lld flags %02lx | w %d wu %lx lu %llu au %llu "
           "fix4 %lld\n", x, l_n, l_z, l_m, l_p, l_a, fl, w, wu, lu, au, fix);
}

static void conv_float(float x)
{
    set_fpsr(0);
    int w = CVT("fcvtns", "w", "s", int, float, x);
    unsigned wu = CVT("fcvtpu", "w", "s", unsigned, float, x);
    long long l = CVT("fcvtms", "x", "s", long long, float, x);
    unsigned long long lu = CVT("fcvtau", "x", "s", unsigned long long, float, x);
    /* 32-bit results are zero-extended into the 64-bit register */
    long wl;
    __asm__ volatile("fcvtzs %w0, %s1" : "=r"(wl) : "w"(x));
    printf("s %-16a w %d wu %u l %lld lu %llu w-as-x %lx flags %02lx\n", (double)x, w, wu, l, lu,
           wl, get_fpsr());
}

static void from_int(void)
{
    static const char *const names[4] = {"rn", "rp", "rm", "rz"};
    for (unsigned long rm = 0; rm < 4; rm++) {
        set_fpcr(rm << RM_SHIFT);
        set_fpsr(0);
        double d1, d2, d3, d4;
        float f1;
        __asm__ volatile("scvtf %d0, %1" : "=w"(d1) : "r"(0x7fffffffffffffffll));
        __asm__ volatile("ucvtf %d0, %1" : "=w"(d2) : "r"(-1ll));
        __asm__ volatile("scvtf %s0, %w1" : "=w"(f1) : "r"(-16777217));
        /* the W form ignores the upper bits */
        __asm__ volatile("ucvtf %d0, %w1" : "=w"(d3) : "r"(0xffffffff80000000ull));
        __asm__ volatile("scvtf %d0, %1, #8" : "=w"(d4) : "r"(-0x123456789abcdefll));
        printf("%s: scvtf %a ucvtf %a scvtf.s %a ucvtf.w %a scvtf.fix8 %a flags %02lx\n",
               names[rm], d1, d2, (double)f1, d3, d4, get_fpsr());
    }
    set_fpcr(0);
}

static void rounding(double x)
{
    set_fpsr(0);
    double n = D1("frintn", x), a = D1("frinta", x), m = D1("frintm", x), p = D1("frintp", x),
           z = D1("frintz", x);
    unsigned long quiet = get_fpsr();
    double xx = D1("frintx", x);
    unsigned long fx = get_fpsr();
    set_fpcr(1ul << RM_SHIFT);
    double i = D1("frinti", x);
    set_fpcr(0);
    float fs;       /* (the conversion in the asm too: a compiler could move a C one) */
    __asm__ volatile("fcvt %s0, %d1\n\tfrintx %s0, %s0" : "=&w"(fs) : "w"(x));
    printf("frint %-24a n %a a %a m %a p %a z %a (%02lx) x %a (%02lx) i/rp %a x.s %a\n", x, n, a,
           m, p, z, quiet, xx, fx, i, (double)fs);
}

static void nans(void)
{
    volatile double pn = bdouble(0xfff8000000000123ull), sn = bdouble(0x7ff0000000000001ull);
    volatile double one = 1.0, zero = 0.0;
    double inf = bdouble(0x7ff0000000000000ull);
    for (int dn = 0; dn < 2; dn++) {
        set_fpcr(dn ? FPCR_DN : 0);
        uint64_t n[6];
        unsigned long nf[6];
        set_fpsr(0); n[0] = dbits(D2("fadd", pn, one)); nf[0] = get_fpsr();
        set_fpsr(0); n[1] = dbits(D2("fadd", sn, one)); nf[1] = get_fpsr();
        set_fpsr(0); n[2] = dbits(D2("fdiv", zero, zero)); nf[2] = get_fpsr();
        set_fpsr(0); n[3] = dbits(D2("fsub", inf, inf)); nf[3] = get_fpsr();
        set_fpsr(0); n[4] = dbits(D2("fmul", one, pn)); nf[4] = get_fpsr();
        set_fpsr(0); n[5] = dbits(D2("fdiv", one, zero)); nf[5] = get_fpsr();
        printf("DN=%d: qnan+1 %016llx (%02lx) snan+1 %016llx (%02lx) 0/0 %016llx (%02lx) "
               "inf-inf %016llx (%02lx) 1*qnan %016llx (%02lx) 1/0 %016llx (%02lx)\n", dn,
               (unsigned long long)n[0], nf[0], (unsigned long long)n[1], nf[1],
               (unsigned long long)n[2], nf[2], (unsigned long long)n[3], nf[3],
               (unsigned long long)n[4], nf[4], (unsigned long long)n[5], nf[5]);
        volatile float fpn = bfloat(0xffc00123u), fsn = bfloat(0x7f800001u), fz = 0.0f;
        printf("DN=%d: float qnan+1 %08x snan+snan2 %08x 0/0 %08x\n", dn,
               fbits(S2("fadd", fpn, 1.0f)), fbits(S2("fadd", fsn, bfloat(0x7f800002u))),
               fbits(S2("fdiv", fz, fz)));
        /* fused multiply-add: which NaN wins (the addend's first), and inf*0 + qNaN */
        double q1 = bdouble(0x7ff8000000000001ull), q2 = bdouble(0x7ff8000000000002ull),
               q3 = bdouble(0x7ff8000000000003ull), s2 = bdouble(0x7ff0000000000002ull);
        set_fpsr(0);
        uint64_t f1 = dbits(D3("fmadd", q1, q2, q3)), f2 = dbits(D3("fmadd", q1, s2, q3)),
                 f3 = dbits(D3("fmadd", inf, 0.0, q3)), f4 = dbits(D3("fmadd", inf, 0.0, 1.0));
        printf("DN=%d: fmadd(q1,q2,q3) %016llx fmadd(q1,s2,q3) %016llx inf*0+q3 %016llx "
               "inf*0+1 %016llx flags %02lx\n", dn, (unsigned long long)f1,
               (unsigned long long)f2, (unsigned long long)f3, (unsigned long long)f4,
               get_fpsr());
    }
    set_fpcr(0);
    /* sign ops never look at NaNs, not even with DN */
    set_fpcr(FPCR_DN);
    double neg = D1("fneg", bdouble(0x7ff0000000000abcull));
    double abs = D1("fabs", bdouble(0xfff8000000000abcull));
    set_fpcr(0);
    printf("fneg(snan) %016llx fabs(-qnan) %016llx\n", (unsigned long long)dbits(neg),
           (unsigned long long)dbits(abs));
    double sq = D1("fsqrt", -1.0), sq0 = D1("fsqrt", -0.0);
    printf("fsqrt(-1) %016llx fsqrt(-0) %016llx\n", (unsigned long long)dbits(sq),
           (unsigned long long)dbits(sq0));
}

static void flush_to_zero(void)
{
    double sub = bdouble(0x000fffffffffffffull), minn = bdouble(0x0010000000000000ull);
    float fsub = bfloat(0x007fffffu);
    for (int fz = 0; fz < 2; fz++) {
        set_fpcr(fz ? FPCR_FZ : 0);
        set_fpsr(0);
        uint64_t a = dbits(D2("fmul", sub, 1.0));
        unsigned long fa = get_fpsr();
        set_fpsr(0);
        uint64_t b = dbits(D2("fmul", minn, -0.5));
        unsigned long fb = get_fpsr();
        set_fpsr(0);
        uint32_t c = fbits(S2("fadd", fsub, fsub));
        unsigned long fc = get_fpsr();
        set_fpsr(0);
        uint64_t d = dbits(D2("fmax", sub, 0.0));
        unsigned long fd = get_fpsr();
        printf("FZ=%d: sub*1 %016llx (%02lx) min*-0.5 %016llx (%02lx) fsub+fsub %08x (%02lx) "
               "fmax(sub,0) %016llx (%02lx)\n", fz, (unsigned long long)a, fa,
               (unsigned long long)b, fb, c, fc, (unsigned long long)d, fd);
    }
    set_fpcr(0);
}

static void min_max(void)
{
    double qn = bdouble(0x7ff8000000000000ull), sn = bdouble(0x7ff0000000000001ull);
    set_fpsr(0);
    uint64_t r[10] = {
        dbits(D2("fmin", qn, 2.0)), dbits(D2("fmax", sn, -3.0)), dbits(D2("fmin", 0.0, -0.0)),
        dbits(D2("fmax", -0.0, 0.0)), dbits(D2("fmax", qn, sn)), dbits(D2("fminnm", qn, 2.0)),
        dbits(D2("fmaxnm", -3.0, qn)), dbits(D2("fminnm", sn, 2.0)), dbits(D2("fmaxnm", qn, qn)),
        dbits(D2("fminnm", -0.0, 0.0))};
    printf("fmin(qnan,2) fmax(snan,-3) fmin(0,-0) fmax(-0,0) fmax(qnan,snan) fminnm(qnan,2) "
           "fmaxnm(-3,qnan) fminnm(snan,2) fmaxnm(qnan,qnan) fminnm(-0,0):\n");
    for (int i = 0; i < 10; i++)
        printf(" %016llx", (unsigned long long)r[i]);
    printf(" flags %02lx\n", get_fpsr());
}

static void fused(void)
{
    double a = 1.0 + 0x1p-30, b = 1.0 - 0x1p-30, c = -1.0;
    /* fmadd = c + a*b, fmsub = c - a*b, fnmadd = -c - a*b, fnmsub = a*b - c (Arm's order:
     * the addend is the last operand) */
    printf("fmadd %a fmsub %a fnmadd %a fnmsub %a fnmul %a\n", D3("fmadd", a, b, c),
           D3("fmsub", a, b, c), D3("fnmadd", a, b, c), D3("fnmsub", a, b, c),
           D2("fnmul", a, b));
    float fm;
    __asm__("fmadd %s0, %s1, %s2, %s3"
            : "=w"(fm) : "w"(1.0f + 0x1p-20f), "w"(1.0f - 0x1p-20f), "w"(-1.0f));
    printf("fmadd.s %a\n", (double)fm);
}

static void compares(void)
{
    static const uint64_t pairs[][2] = {
        {0x7ff8000000000000ull, 0x3ff0000000000000ull},
        {0x7ff0000000000001ull, 0x3ff0000000000000ull},
        {0x8000000000000000ull, 0x0000000000000000ull},
        {0x3ff0000000000000ull, 0x4000000000000000ull},
        {0x4000000000000000ull, 0x3ff0000000000000ull},
        {0xfff0000000000000ull, 0x7ff0000000000000ull}};
    for (unsigned i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        double x = bdouble(pairs[i][0]), y = bdouble(pairs[i][1]);
        unsigned long q, qf, s, sf, z, cc;
        double sel;
        set_fpsr(0);
        __asm__ volatile("fcmp %d1, %d2\n\tmrs %0, nzcv" : "=r"(q) : "w"(x), "w"(y) : "cc");
        qf = get_fpsr();
        set_fpsr(0);
        __asm__ volatile("fcmpe %d1, %d2\n\tmrs %0, nzcv" : "=r"(s) : "w"(x), "w"(y) : "cc");
        sf = get_fpsr();
        __asm__ volatile("fcmp %d1, #0.0\n\tmrs %0, nzcv" : "=r"(z) : "w"(x) : "cc");
        __asm__ volatile("cmp %2, #0\n\tfccmp %d3, %d4, #0b0010, ne\n\tmrs %0, nzcv\n\t"
                         "fcsel %d1, %d3, %d4, mi"
                         : "=r"(cc), "=w"(sel) : "r"((long)(i & 1)), "w"(x), "w"(y) : "cc");
        printf("fcmp %016llx %016llx: nzcv %lx (%02lx) fcmpe %lx (%02lx) with #0 %lx fccmp %lx "
               "fcsel.mi %016llx\n", (unsigned long long)pairs[i][0],
               (unsigned long long)pairs[i][1], q >> 28, qf, s >> 28, sf, z >> 28, cc >> 28,
               (unsigned long long)dbits(sel));
    }
}

static void half(void)
{
    static const uint32_t in[] = {0x3f800000u, 0x477ff000u, 0x477fefffu, 0x47800000u,
                                  0x3f801000u, 0x3f803000u, 0x33000000u, 0x33000001u,
                                  0x387fc000u, 0xff800000u, 0x7fc00001u, 0x7f800001u};
    printf("fcvt s->h->d:");
    for (unsigned i = 0; i < sizeof in / sizeof *in; i++) {
        unsigned short h;
        double back;
        set_fpsr(0);
        __asm__ volatile("fcvt h16, %s1\n\tumov %w0, v16.h[0]\n\tfcvt %d2, h16"
                         : "=r"(h), "=w"(back) : "w"(bfloat(in[i])), "w"(0.0) : "v16");
        /* (the "w"(0.0) input only gives the output its own register) */
        printf(" %04x=%a/%02lx", h, back, get_fpsr());
    }
    printf("\n");
    set_fpsr(0);
    float narrowed;
    __asm__ volatile("fcvt %s0, %d1" : "=w"(narrowed) : "w"(bdouble(0x36a0000000000001ull)));
    printf("fcvt d->s of 2^-149*1.000...1: %08x flags %02lx\n", fbits(narrowed), get_fpsr());
}

int main(void)
{
    static const uint64_t dspecial[] = {
        0x7ff8000000000000ull, /* qNaN */
        0x7ff0000000000001ull, /* sNaN */
        0xfff8000000000123ull, /* -qNaN with payload */
        0x7ff0000000000000ull, 0xfff0000000000000ull, /* +-inf */
        0x43e0000000000000ull, /* 2^63 */
        0xc3e0000000000000ull, /* -2^63 */
        0xc3e0000000000001ull, /* just below -2^63 */
        0x43efffffffffffffull, /* just below 2^64 */
        0x41dfffffffc00000ull, /* 2^31-1 */
        0x41e0000000000000ull, /* 2^31 */
        0xc1e0000000200000ull, /* -2^31-1 */
        0x0000000000000001ull, /* smallest subnormal */
        0x8000000000000000ull, /* -0 */
    };
    for (unsigned i = 0; i < sizeof dspecial / sizeof *dspecial; i++)
        conv_double(bdouble(dspecial[i]));
    static const double dv[] = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.5000000000000004, -7.75,
                                4503599627370495.5, 1e19, -1e19};
    for (unsigned i = 0; i < sizeof dv / sizeof *dv; i++)
        conv_double(dv[i]);
    static const uint32_t fspecial[] = {0x7fc00000u, 0x7f800001u, 0xff800000u, 0x4f000000u,
                                        0xcf000000u, 0x4f800000u, 0x5f800000u, 0x3f000000u,
                                        0x3fc00000u, 0xbfc00000u, 0x40200000u, 0xc0200000u};
    for (unsigned i = 0; i < sizeof fspecial / sizeof *fspecial; i++)
        conv_float(bfloat(fspecial[i]));
    from_int();
    static const double rv[] = {0.5, 1.5, 2.5, -0.5, -2.5, 2.5000000000000004, -7.75,
                                4503599627370495.5, 1e300, -0.0, 0x1p-1074};
    for (unsigned i = 0; i < sizeof rv / sizeof *rv; i++)
        rounding(rv[i]);
    rounding(bdouble(0x7ff0000000000001ull));
    nans();
    flush_to_zero();
    min_max();
    fused();
    compares();
    half();

    /* FPCR and FPSR round trip */
    set_fpcr((3ul << RM_SHIFT) | FPCR_DN);
    unsigned long fpcr = get_fpcr();
    set_fpcr(0);
    set_fpsr(0x0800009f);
    unsigned long fpsr = get_fpsr();
    set_fpsr(0);
    printf("fpcr %08lx fpsr %08lx after %08lx %08lx\n", fpcr, fpsr, get_fpcr(), get_fpsr());
    return 0;
}
#else
static unsigned read_fflags(void) { unsigned v; __asm__ volatile("frflags %0" : "=r"(v)); return v; }
static void clear_fflags(void) { __asm__ volatile("fsflags zero"); }

#define CVT(insn, rm, T, FT, x)                                                                \
    ({                                                                                         \
        T r_;                                                                                  \
        __asm__ volatile(insn " %0, %1, " rm : "=r"(r_) : "f"((FT)(x)));                       \
        r_;                                                                                    \
    })

static void conv_double(double x)
{
    clear_fflags();
    long long l_rne = CVT("fcvt.l.d", "rne", long long, double, x);
    long long l_rtz = CVT("fcvt.l.d", "rtz", long long, double, x);
    long long l_rdn = CVT("fcvt.l.d", "rdn", long long, double, x);
    long long l_rup = CVT("fcvt.l.d", "rup", long long, double, x);
    long long l_rmm = CVT("fcvt.l.d", "rmm", long long, double, x);
    unsigned fl = read_fflags();
    int w = CVT("fcvt.w.d", "rtz", int, double, x);
    unsigned wu = CVT("fcvt.wu.d", "rtz", unsigned, double, x);
    unsigned long long lu = CVT("fcvt.lu.d", "rtz", unsigned long long, double, x);
    long long dyn = CVT("fcvt.l.d", "dyn", long long, double, x);
    printf("d %-24a l: %lld %lld %lld %lld %lld flags %02x | w %d wu %u lu %llu dyn %lld\n", x,
           l_rne, l_rtz, l_rdn, l_rup, l_rmm, fl, w, wu, lu, dyn);
}

static void conv_float(float x)
{
    int w = CVT("fcvt.w.s", "rne", int, float, x);
    unsigned wu = CVT("fcvt.wu.s", "rup", unsigned, float, x);
    long long l = CVT("fcvt.l.s", "rdn", long long, float, x);
    unsigned long long lu = CVT("fcvt.lu.s", "rmm", unsigned long long, float, x);
    /* 32-bit results are sign-extended into the 64-bit register */
    long wl;
    __asm__ volatile("fcvt.wu.s %0, %1, rtz" : "=r"(wl) : "f"(x));
    printf("s %-16a w %d wu %u l %lld lu %llu wu-as-xlen %lx\n", (double)x, w, wu, l, lu, wl);
}

static unsigned fclass_d(double x) { unsigned long r; __asm__("fclass.d %0, %1" : "=r"(r) : "f"(x)); return (unsigned)r; }
static unsigned fclass_s(float x) { unsigned long r; __asm__("fclass.s %0, %1" : "=r"(r) : "f"(x)); return (unsigned)r; }

int main(void)
{
    static const uint64_t dspecial[] = {
        0x7ff8000000000000ull, /* qNaN */
        0x7ff0000000000001ull, /* sNaN */
        0xfff8000000000123ull, /* -qNaN with payload */
        0x7ff0000000000000ull, 0xfff0000000000000ull, /* +-inf */
        0x43e0000000000000ull, /* 2^63 */
        0xc3e0000000000000ull, /* -2^63 */
        0xc3e0000000000001ull, /* just below -2^63 */
        0x43efffffffffffffull, /* just below 2^64 */
        0x41dfffffffc00000ull, /* 2^31-1 */
        0x41e0000000000000ull, /* 2^31 */
        0xc1e0000000200000ull, /* -2^31-1 */
        0x0000000000000001ull, /* smallest subnormal */
        0x8000000000000000ull, /* -0 */
    };
    for (unsigned i = 0; i < sizeof dspecial / sizeof *dspecial; i++)
        conv_double(bdouble(dspecial[i]));
    static const double dv[] = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.5000000000000004, -7.75,
                                4503599627370495.5, 1e19, -1e19};
    for (unsigned i = 0; i < sizeof dv / sizeof *dv; i++)
        conv_double(dv[i]);

    static const uint32_t fspecial[] = {0x7fc00000u, 0x7f800001u, 0xff800000u, 0x4f000000u,
                                        0xcf000000u, 0x4f800000u, 0x5f800000u, 0x3f000000u,
                                        0x3fc00000u, 0xbfc00000u, 0x40200000u, 0xc0200000u};
    for (unsigned i = 0; i < sizeof fspecial / sizeof *fspecial; i++)
        conv_float(bfloat(fspecial[i]));

    /* int -> fp with rounding */
    long long bigl = 0x7fffffffffffffffll;
    double d1, d2, d3;
    float f1;
    __asm__ volatile("fcvt.d.l %0, %1, rne" : "=f"(d1) : "r"(bigl));
    __asm__ volatile("fcvt.d.l %0, %1, rtz" : "=f"(d2) : "r"(bigl));
    __asm__ volatile("fcvt.d.lu %0, %1, rdn" : "=f"(d3) : "r"(-1ll));
    __asm__ volatile("fcvt.s.w %0, %1, rup" : "=f"(f1) : "r"(16777217));
    printf("cvt from int: %a %a %a %a\n", d1, d2, d3, (double)f1);
    unsigned long long hi32 = 0xffffffff80000000ull;
    double dw;
    __asm__ volatile("fcvt.d.wu %0, %1" : "=f"(dw) : "r"(hi32));
    printf("fcvt.d.wu ignores upper bits: %a\n", dw);

    /* fclass */
    static const uint64_t cls[] = {0xfff0000000000000ull, 0xbff0000000000000ull,
                                   0x800fffffffffffffull, 0x8000000000000000ull,
                                   0x0000000000000000ull, 0x000fffffffffffffull,
                                   0x3ff0000000000000ull, 0x7ff0000000000000ull,
                                   0x7ff0000000000001ull, 0x7ff8000000000000ull};
    printf("fclass.d:");
    for (unsigned i = 0; i < 10; i++)
        printf(" %03x", fclass_d(bdouble(cls[i])));
    printf("\nfclass.s:");
    static const uint32_t clsf[] = {0xff800000u, 0xbf800000u, 0x807fffffu, 0x80000000u, 0,
                                    0x007fffffu, 0x3f800000u, 0x7f800000u, 0x7f800001u,
                                    0x7fc00000u};
    for (unsigned i = 0; i < 10; i++)
        printf(" %03x", fclass_s(bfloat(clsf[i])));
    printf("\n");

    /* canonical NaN from arithmetic, whatever the input NaN */
    volatile double pn = bdouble(0xfff8000000000123ull), sn = bdouble(0x7ff0000000000001ull);
    volatile double one = 1.0, zero = 0.0;
    double inf = bdouble(0x7ff0000000000000ull), r;
    unsigned nf[4];
    uint64_t n[4];
    clear_fflags();
    __asm__ volatile("fadd.d %0, %1, %2" : "=f"(r) : "f"((double)pn), "f"((double)one));
    n[0] = dbits(r);
    nf[0] = read_fflags();
    __asm__ volatile("fadd.d %0, %1, %2" : "=f"(r) : "f"((double)sn), "f"((double)one));
    n[1] = dbits(r);
    nf[1] = read_fflags();
    clear_fflags();
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"((double)zero), "f"((double)zero));
    n[2] = dbits(r);
    nf[2] = read_fflags();
    clear_fflags();
    __asm__ volatile("fsub.d %0, %1, %2" : "=f"(r) : "f"(inf), "f"(inf));
    n[3] = dbits(r);
    nf[3] = read_fflags();
    printf("qnan+1 %016llx (%02x) snan+1 %016llx (%02x) 0/0 %016llx (%02x) inf-inf %016llx (%02x)\n",
           (unsigned long long)n[0], nf[0], (unsigned long long)n[1], nf[1],
           (unsigned long long)n[2], nf[2], (unsigned long long)n[3], nf[3]);
    volatile float fpn = bfloat(0xffc00123u), fz = 0.0f;
    printf("float nan+1 %08x 0/0 %08x\n", fbits(fpn + 1.0f), fbits(fz / fz));
    /* sign ops do not canonicalise */
    double neg_nan;
    __asm__("fneg.d %0, %1" : "=f"(neg_nan) : "f"(bdouble(0x7ff8000000000abcull)));
    printf("fneg(nan) %016llx\n", (unsigned long long)dbits(neg_nan));

    /* NaN boxing: a float op on a register whose upper half is not all ones */
    double raw;
    float boxed;
    __asm__ volatile("fmv.d.x %0, %1" : "=f"(raw) : "r"(0x000000003f800000ull));
    __asm__ volatile("fadd.s %0, %1, %1" : "=f"(boxed) : "f"(raw));
    printf("badly boxed 1.0f + itself = %08x\n", fbits(boxed));
    __asm__ volatile("fmv.d.x %0, %1" : "=f"(raw) : "r"(0xffffffff3f800000ull));
    __asm__ volatile("fadd.s %0, %1, %1" : "=f"(boxed) : "f"(raw));
    printf("boxed 1.0f + itself = %08x\n", fbits(boxed));
    unsigned long long xreg;
    __asm__ volatile("fmv.x.d %0, %1" : "=r"(xreg) : "f"(boxed));
    printf("float register as 64 bits %016llx\n", xreg);
    __asm__ volatile("fmv.x.w %0, %1" : "=r"(xreg) : "f"(bfloat(0x80000001u)));
    printf("fmv.x.w sign-extends %016llx\n", xreg);

    /* fmin/fmax */
    double r1, r2, r3, r4, r5;
    __asm__("fmin.d %0, %1, %2" : "=f"(r1) : "f"(bdouble(0x7ff8000000000000ull)), "f"(2.0));
    __asm__("fmax.d %0, %1, %2" : "=f"(r2) : "f"(bdouble(0x7ff0000000000001ull)), "f"(-3.0));
    __asm__("fmin.d %0, %1, %2" : "=f"(r3) : "f"(0.0), "f"(-0.0));
    __asm__("fmax.d %0, %1, %2" : "=f"(r4) : "f"(-0.0), "f"(0.0));
    __asm__("fmax.d %0, %1, %2" : "=f"(r5) : "f"(bdouble(0x7ff8000000000000ull)),
            "f"(bdouble(0x7ff0000000000001ull)));
    printf("fmin(nan,2) %a fmax(snan,-3) %a fmin(0,-0) %016llx fmax(-0,0) %016llx fmax(nan,snan) %016llx\n",
           r1, r2, (unsigned long long)dbits(r3), (unsigned long long)dbits(r4),
           (unsigned long long)dbits(r5));

    /* sign injection */
    double sj, sjn, sjx;
    __asm__("fsgnj.d %0, %1, %2" : "=f"(sj) : "f"(3.0), "f"(-1.0));
    __asm__("fsgnjn.d %0, %1, %2" : "=f"(sjn) : "f"(3.0), "f"(-1.0));
    __asm__("fsgnjx.d %0, %1, %2" : "=f"(sjx) : "f"(-3.0), "f"(-1.0));
    printf("fsgnj %a fsgnjn %a fsgnjx %a\n", sj, sjn, sjx);

    /* fused multiply-add family */
    double a = 1.0 + 0x1p-30, b = 1.0 - 0x1p-30, c = -1.0, m1, m2, m3, m4;
    __asm__("fmadd.d %0, %1, %2, %3" : "=f"(m1) : "f"(a), "f"(b), "f"(c));
    __asm__("fmsub.d %0, %1, %2, %3" : "=f"(m2) : "f"(a), "f"(b), "f"(c));
    __asm__("fnmadd.d %0, %1, %2, %3" : "=f"(m3) : "f"(a), "f"(b), "f"(c));
    __asm__("fnmsub.d %0, %1, %2, %3" : "=f"(m4) : "f"(a), "f"(b), "f"(c));
    printf("fmadd %a fmsub %a fnmadd %a fnmsub %a\n", m1, m2, m3, m4);
    float fm;
    __asm__("fmadd.s %0, %1, %2, %3" : "=f"(fm) : "f"(1.0f + 0x1p-20f), "f"(1.0f - 0x1p-20f), "f"(-1.0f));
    printf("fmadd.s %a\n", (double)fm);

    /* comparisons with NaN and their flags (feq is quiet, flt/fle signal) */
    long e1, e2, e3;
    clear_fflags();
    __asm__ volatile("feq.d %0, %1, %2" : "=r"(e1) : "f"(bdouble(0x7ff8000000000000ull)), "f"(1.0));
    unsigned fq = read_fflags();
    __asm__ volatile("flt.d %0, %1, %2" : "=r"(e2) : "f"(bdouble(0x7ff8000000000000ull)), "f"(1.0));
    unsigned fl = read_fflags();
    __asm__ volatile("fle.d %0, %1, %2" : "=r"(e3) : "f"(-0.0), "f"(0.0));
    printf("feq(nan,1) %ld flags %02x flt(nan,1) %ld flags %02x fle(-0,0) %ld\n", e1, fq, e2, fl, e3);
    clear_fflags();
    __asm__ volatile("feq.d %0, %1, %2" : "=r"(e1) : "f"(bdouble(0x7ff0000000000001ull)), "f"(1.0));
    printf("feq(snan,1) %ld flags %02x\n", e1, read_fflags());

    /* frm/fcsr round trip */
    unsigned long old, now, csr;
    __asm__ volatile("fsrmi %0, 3" : "=r"(old));
    __asm__ volatile("frrm %0" : "=r"(now));
    __asm__ volatile("fsrm %0" : : "r"(old));
    __asm__ volatile("frcsr %0" : "=r"(csr));
    printf("frm old %lu set %lu fcsr %03lx\n", old, now, csr);
    return 0;
}
#endif
