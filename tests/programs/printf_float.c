/*
 * printf_float.c -- floating-point formatting and parsing round trips.
 *
 * Covers: %f %F %e %E %g %G %a %A for float (promoted), double and long double (IEEE
 * binary128 on RISC-V, so every long double operation is a soft-float libcall such as
 * __addtf3/__multf3/__divtf3/__extenddftf2); precision 0..40, '#', '+', ' ', '0', '-';
 * infinities, NaN (RISC-V produces the positive canonical NaN), signed zero, subnormals
 * (%a of a subnormal is one place where libcs differ), DBL_MAX/DBL_MIN/LDBL_MAX/LDBL_MIN,
 * rounding of halfway cases in %.Nf, and strtod/strtold round trips of printed values.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile double vzero = 0.0;
static volatile double vone = 1.0;

int main(void)
{
    static const double dv[] = {0.0, 1.0, -1.5, 0.1, 2.5, 3.5, 1e-5, 123456.789, 1e21, 1e22,
                                6.02214076e23, 1.0 / 3.0, 2.0 / 3.0, 5e-324, 2.2250738585072014e-308,
                                DBL_EPSILON, 0.000123456, 9.9999999, 0.5, 1.5, 100.0};
    for (unsigned i = 0; i < sizeof dv / sizeof *dv; i++) {
        double d = dv[i];
        printf("d%-2u %f|%.0f|%.3e|%g|%.12g|%a|%.3a|%#.0f|%+.2E|% G\n", i, d, d, d, d, d, d, d, d,
               d, d);
    }

    /* specials */
    double inf = vone / vzero, nan_ = vzero / vzero, nzero = -vzero;
    uint64_t bits;
    memcpy(&bits, &nan_, sizeof bits);
    printf("nan bits %016llx\n", (unsigned long long)bits);
    printf("inf [%f] [%e] [%g] [%a] [%F] [%E] [%G] [%A]\n", inf, -inf, inf, -inf, inf, inf, -inf,
           inf);
    printf("nan [%f] [%e] [%g] [%a] [%F] [%8.3f] [%-8f] [%+f]\n", nan_, nan_, nan_, nan_, nan_,
           nan_, nan_, nan_);
    printf("negnan [%f] [%F]\n", -nan_, -nan_);
    printf("zero [%f] [%e] [%g] [%a] [%+.1f] [% .1f]\n", nzero, nzero, nzero, nzero, 0.0, 0.0);
    printf("width [%12.4f] [%-12.4f|] [%012.4f] [%+012.4f] [%12e] [%012a]\n", 3.14159265,
           3.14159265, -3.14159265, 3.14159265, 31415.9265, 1.0);

    /* halfway cases of %.Nf and %.Ne (binary values, so the exact digits decide) */
    static const double half[] = {0.125, 0.375, 2.5, 0.5, 1.5, 1.25, 1.0625, 1e15 + 0.5,
                                  0.045, 1.005, 2.675};
    for (unsigned i = 0; i < sizeof half / sizeof *half; i++)
        printf("half %.17g -> %.0f %.1f %.2f %.3e\n", half[i], half[i], half[i], half[i], half[i]);

    /* long precisions: exact decimal expansion of binary fractions */
    printf("exact %.40f\n", 0.1);
    printf("exact %.60e\n", 1.0 / 3.0);
    printf("exact %.30f\n", 5e-324 * 1e300);
    printf("big %.0f %a %.3a %g\n", DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX);
    printf("big %f\n", 1e300);
    printf("min %.20e\n", DBL_MIN);
    printf("sub %a %a %a\n", 5e-324, 1e-310, DBL_MIN / 2);
    printf("sub %.3a %.0a %.20a\n", 1e-310, 1.5, 1.0 / 3.0);

    /* float: arithmetic in single precision, printed promoted */
    volatile float f1 = 1.0f, f3 = 3.0f;
    float fq = f1 / f3;
    printf("float %.9g %a %e %f\n", fq, fq, fq * 1e10f, FLT_MAX);
    printf("float min %a %a eps %a\n", FLT_MIN, FLT_TRUE_MIN, FLT_EPSILON);

    /* long double (binary128) */
    volatile long double l1 = 1.0L, l3 = 3.0L, l7 = 7.0L;
    long double lq = l1 / l3;
    printf("ld 1/3 %.36Lg\n", lq);
    printf("ld 1/3 %La\n", lq);
    printf("ld 1/3 %.10Le %Lf\n", lq, lq);
    long double lsum = 0;
    for (int i = 1; i <= 50; i++)
        lsum += l1 / (l7 * i);
    printf("ld sum %.33Le %La\n", lsum, lsum);
    /* (%Lg of LDBL_MAX/LDBL_MIN costs millions of instructions in some printfs) */
    printf("ld max %La ld min %La\n", LDBL_MAX, LDBL_MIN);
    printf("ld eps %Lg %La\n", LDBL_EPSILON, LDBL_EPSILON);
    printf("ld big %.5Le %.3Lg\n", 1e400L, 1e-400L);
    printf("ld mant %.34Lf\n", 0.1L);
    printf("ld spec %Lf %Lf %Lf\n", (long double)inf, -(long double)inf, (long double)nan_);
    long double lm = (long double)DBL_MAX * 16.0L;
    printf("ld mul %Le %d\n", lm, lm > DBL_MAX);
    printf("ld to double %a %a\n", (double)lq, (double)(l1 / l7));
    printf("ld from int %.0Lf %.0Lf\n", (long double)INT64_MIN, (long double)UINT64_MAX);
    long long back = (long long)(lq * 1e18L);
    printf("ld to int %lld\n", back);
    printf("ld dig %d mant %d\n", LDBL_DIG, LDBL_MANT_DIG);

    /* parse back what we print */
    static const char *in[] = {"0.1", "1e308", "2.2250738585072011e-308", "4.9e-324", "0x1.8p1",
                               "-0", "1.7976931348623157e308", "123456789012345678901234567890",
                               "3.14159265358979323846264338327950288"};
    for (unsigned i = 0; i < sizeof in / sizeof *in; i++) {
        double d = strtod(in[i], NULL);
        long double ld = strtold(in[i], NULL);
        float fl = strtof(in[i], NULL);
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        printf("parse %-38s d=%a f=%a ld=%La rt=%d\n", in[i], d, (double)fl, ld,
               strtod(buf, NULL) == d);
    }
    return 0;
}
