/*
 * fp_edge.c -- RISC-V floating-point corner cases, partly through inline assembly.
 *
 * Covers: fcvt.{w,wu,l,lu}.{s,d} saturation for NaN, +-inf and out-of-range values (RISC-V
 * saturates, NaN converts to the maximum; x86 does not) with every static rounding mode
 * (rne, rtz, rdn, rup, rmm) and the dynamic one; fcvt.{s,d}.{w,l} of large integers;
 * fclass.{s,d} of all ten classes; the canonical NaN (0x7ff8000000000000 / 0x7fc00000)
 * produced by arithmetic on NaN inputs; NaN boxing of single-precision values held in 64-bit
 * FP registers (fmv.d.x with a badly boxed float reads as the canonical NaN); fmin/fmax with
 * signalling and quiet NaNs and signed zeros; fsgnj/fsgnjn/fsgnjx; fmadd/fmsub/fnmadd/fnmsub
 * signs; feq/flt/fle with NaN; fcsr flag bits (fflags) read directly.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static double bdouble(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static float bfloat(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

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
