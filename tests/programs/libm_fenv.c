/*
 * libm_fenv.c -- <math.h> functions and the dynamic rounding mode / exception flags.
 *
 * Covers: sin cos tan asin acos atan atan2 sinh cosh tanh exp exp2 expm1 log log2 log10
 * log1p pow sqrt cbrt hypot fma erf tgamma lgamma fmod remainder remquo frexp ldexp modf
 * nextafter copysign fmin fmax floor ceil trunc round nearbyint rint lrint llrint lround,
 * float variants (sinf, sqrtf, fmaf...), printed with %a so every bit shows (libm results
 * are one place where libcs differ in the last bit); fesetround/fegetround with each of
 * FE_TONEAREST/UPWARD/DOWNWARD/TOWARDZERO and results that depend on it (1/3, sqrt(2),
 * fma, double->float conversion, rint/lrint of halfway values, long double division);
 * fetestexcept/feclearexcept for INEXACT, DIVBYZERO, INVALID, OVERFLOW, UNDERFLOW.
 * Operands come from volatile variables so the compiler cannot fold them at build time.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

#pragma STDC FENV_ACCESS ON

static volatile double one = 1.0, two = 2.0, three = 3.0, half = 0.5, ten = 10.0;
static volatile double big = 1e308, tiny = 1e-308, zero = 0.0, neg = -2.5;
static volatile float fone = 1.0f, fthree = 3.0f;
static volatile long double lone = 1.0L, lthree = 3.0L;

static void flags(const char *what)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("  flags after %-14s:%s%s%s%s%s\n", what, f & FE_INEXACT ? " INEXACT" : "",
           f & FE_DIVBYZERO ? " DIVBYZERO" : "", f & FE_INVALID ? " INVALID" : "",
           f & FE_OVERFLOW ? " OVERFLOW" : "", f & FE_UNDERFLOW ? " UNDERFLOW" : "");
    feclearexcept(FE_ALL_EXCEPT);
}

int main(void)
{
    static const double xs[] = {0.5, 1.0, 2.0, 3.14159265358979, 10.0, 100.25, -0.75, 1e-10};
    for (unsigned i = 0; i < sizeof xs / sizeof *xs; i++) {
        volatile double x = xs[i];
        printf("x=%a\n", x);
        printf("  sin %a cos %a tan %a\n", sin(x), cos(x), tan(x));
        printf("  exp %a exp2 %a expm1 %a\n", exp(x), exp2(x), expm1(x));
        printf("  log %a log2 %a log10 %a log1p %a\n", log(fabs(x)), log2(fabs(x)),
               log10(fabs(x)), log1p(fabs(x)));
        printf("  sqrt %a cbrt %a pow(x,1.5) %a pow(1.5,x) %a\n", sqrt(fabs(x)), cbrt(x),
               pow(fabs(x), 1.5), pow(1.5, x));
        printf("  atan %a atan2(x,-1) %a sinh %a tanh %a erf %a\n", atan(x), atan2(x, -1.0),
               sinh(x), tanh(x), erf(x));
        printf("  sinf %a sqrtf %a expf %a\n", (double)sinf((float)x), (double)sqrtf((float)fabs(x)),
               (double)expf((float)x));
    }
    printf("asin %a acos %a cosh %a hypot %a\n", asin(half), acos(half), cosh(two),
           hypot(three, 4.0));
    printf("tgamma %a lgamma %a tgamma(5) %a\n", tgamma(half), lgamma(ten), tgamma(5.0 * one));
    printf("fma %a fmaf %a\n", fma(one / three, three, -one), (double)fmaf(fone / fthree, fthree, -fone));
    printf("fmod %a remainder %a", fmod(ten, three), remainder(ten, three));
    int quo;
    double rq = remquo(ten + 0.5, three, &quo);
    printf(" remquo %a quo %d\n", rq, quo);
    int ex;
    double fr = frexp(1000.0 * one, &ex);
    double ip, fp = modf(neg, &ip);
    printf("frexp %a exp %d ldexp %a modf %a %a\n", fr, ex, ldexp(one, -1074), fp, ip);
    printf("nextafter %a %a copysign %a\n", nextafter(one, two), nextafter(zero, -one),
           copysign(three, -zero));
    printf("fmin %a fmax %a fmin(-0,0) %a fmax(-0,0) %a fmin(nan,1) %a\n", fmin(one, two),
           fmax(one, two), fmin(-zero, zero), fmax(-zero, zero), fmin(zero / zero, one));
    printf("isnan %d isinf %d isfinite %d signbit %d fpclassify %d %d %d\n", isnan(zero / zero),
           isinf(one / zero), isfinite(big), signbit(-zero), fpclassify(tiny / 1e10) == FP_SUBNORMAL,
           fpclassify(zero) == FP_ZERO, fpclassify(one) == FP_NORMAL);
    printf("sqrt(-1) %f %a pow(-8,1/3) %f log(0) %f log(-1) %f\n", sqrt(-one), sqrt(-one),
           pow(-8.0, one / three), log(zero), log(-one));

    /* rounding functions in round-to-nearest */
    static const double rv[] = {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999999999996, 3.7, -3.7};
    for (unsigned i = 0; i < sizeof rv / sizeof *rv; i++) {
        volatile double x = rv[i];
        printf("round %-5g floor %g ceil %g trunc %g round %g nearbyint %g rint %g lrint %ld "
               "llrint %lld lround %ld\n",
               x, floor(x), ceil(x), trunc(x), round(x), nearbyint(x), rint(x), lrint(x),
               llrint(x), lround(x));
    }

    /* rounding modes */
    static const struct {
        int mode;
        const char *name;
    } modes[] = {{FE_TONEAREST, "nearest"}, {FE_UPWARD, "upward"}, {FE_DOWNWARD, "downward"},
                 {FE_TOWARDZERO, "towardzero"}};
    for (unsigned m = 0; m < 4; m++) {
        int r = fesetround(modes[m].mode);
        volatile double q = one / three;
        volatile double nq = -one / three;
        volatile double s2 = sqrt(two);
        volatile double f = fma(one / ten, ten, -one);
        volatile float cf = (float)q;
        volatile float fq = fone / fthree;
        volatile double sum = big + big;
        volatile double prod = tiny * tiny;
        volatile double rn = rint(neg), nb = nearbyint(-neg);
        volatile long lr = lrint(neg), lr2 = lrint(3.5 * one);
        volatile long long llr = llrint(-0.5 * one);
        volatile long double lq = lone / lthree;
        volatile double add = 1.0 * one + DBL_EPSILON / 2 * three / 2;
        printf("mode %-10s set %d get %d\n", modes[m].name, r, fegetround() == modes[m].mode);
        printf("  1/3 %a -1/3 %a sqrt2 %a fma %a\n", q, nq, s2, f);
        printf("  (float)1/3 %a float 1/3 %a 1+3eps/4 %a\n", (double)cf, (double)fq, add);
        printf("  big+big %a tiny*tiny %a\n", sum, prod);
        printf("  rint(-2.5) %g nearbyint(2.5) %g lrint(-2.5) %ld lrint(3.5) %ld llrint(-0.5) %lld\n",
               rn, nb, lr, lr2, llr);
        printf("  long double 1/3 %La\n", lq);
        printf("  printf %.1f %.0f %.2e\n", 0.25, 2.5, 1.125);
    }
    fesetround(FE_TONEAREST);

    /* exception flags */
    feclearexcept(FE_ALL_EXCEPT);
    flags("nothing");
    volatile double t = one / three;
    flags("1/3");
    t = one / zero;
    flags("1/0");
    t = zero / zero;
    flags("0/0");
    t = sqrt(-one);
    flags("sqrt(-1)");
    t = big * ten;
    flags("big*10");
    t = tiny / big;
    flags("tiny/big");
    t = two * three;
    flags("2*3");
    volatile float ft = (float)big;
    flags("(float)1e308");
    (void)t;
    (void)ft;
    fenv_t env;
    fegetenv(&env);
    fesetround(FE_UPWARD);
    t = one / three;
    fesetenv(&env);
    printf("fesetenv restores round %d, flags %d\n", fegetround() == FE_TONEAREST,
           fetestexcept(FE_ALL_EXCEPT) != 0);
    return 0;
}
