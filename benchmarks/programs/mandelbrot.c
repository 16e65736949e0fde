/* mandelbrot: double-precision FP — escape-time iteration z = z^2 + c over a 256-column
 * grid: fmul/fadd/fsub/fmadd.d, an FP compare in the loop condition (fle.d), int->double
 * conversions.
 * argv[1] scales the work (blocks of 32 rows, default 4). Output is integer counts only. */
#include <stdio.h>
#include <stdlib.h>

#define W 256
#define MAXIT 200

int main(int argc, char **argv) {
    int h = (argc > 1 ? atoi(argv[1]) : 4) * 32;
    long total = 0, inside = 0;
    unsigned long hash = 0;
    for (int y = 0; y < h; y++) {
        /* rows sweep the same window again and again, slightly shifted */
        double ci = -1.2 + 2.4 * (double)(y % 256) / 256.0 + 1e-4 * (y / 256);
        for (int x = 0; x < W; x++) {
            double cr = -2.1 + 3.0 * (double)x / W;
            double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
            int it = 0;
            while (it < MAXIT && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            total += it;
            if (it == MAXIT) inside++;
            hash = hash * 31 + (unsigned)it;
        }
    }
    printf("rows %d iterations %ld inside %ld hash %lu\n", h, total, inside, hash);
    return 0;
}
