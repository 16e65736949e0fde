/* matmul: double-precision FP — dense 100x100 matrix multiply C = A*B (i-k-j order, so the
 * inner loop is a streaming multiply-add over rows), then B = C scaled back, repeated:
 * fmadd.d in the inner loop, FP loads/stores, flt.d, int->double conversions in the set-up.
 * argv[1] scales the work (multiplies, default 10). Prints a checksum with 6 significant
 * digits. */
#include <stdio.h>
#include <stdlib.h>

#define N 100
static double a[N][N], b[N][N], c[N][N];

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 10;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * 7 + j * 3) % 17 - 8) / 16.0;
            b[i][j] = (double)((i * 5 + j * 11) % 13 - 6) / 8.0;
        }
    double trace_sum = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) c[i][j] = 0.0;
            for (int k = 0; k < N; k++) {
                double aik = a[i][k];
                for (int j = 0; j < N; j++) c[i][j] += aik * b[k][j];
            }
        }
        double t = 0, m = 0;
        for (int i = 0; i < N; i++) {
            t += c[i][i];
            for (int j = 0; j < N; j++) {
                double v = c[i][j] < 0 ? -c[i][j] : c[i][j];
                if (v > m) m = v;
            }
        }
        trace_sum += t;
        /* keep the values bounded: B = C / max|C| */
        double inv = m > 0 ? 1.0 / m : 1.0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) b[i][j] = c[i][j] * inv;
    }
    printf("trace sum %.6g, b[7][9] %.6g\n", trace_sum, b[7][9]);
    return 0;
}
