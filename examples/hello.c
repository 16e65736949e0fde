/*
 * hello.c -- a tiny RISC-V (RV64GC) and AArch64 Linux guest for dbt-vm's README.
 *
 * Prints a greeting and its arguments with write(2) only (no printf, to stay small).
 * The committed binary examples/hello-rv64 was built from the repository root with:
 *
 *   python -m ziglang cc -target riscv64-linux-musl -static -Os -s -fno-unwind-tables \
 *       -fno-asynchronous-unwind-tables -Wl,--gc-sections -o examples/hello-rv64 examples/hello.c
 *
 * and examples/hello-a64 the same way, with -target aarch64-linux-musl and -o examples/hello-a64.
 *
 * Try it:  qemu-riscv64 examples/hello-rv64 a "b c"
 *          dbt-vm run examples/hello-rv64 a "b c"
 *          dbt-vm run examples/hello-a64 a "b c"
 */
#include <string.h>
#include <unistd.h>

static void put(const char *s) { write(1, s, strlen(s)); }

int main(int argc, char **argv)
{
    char num[4] = {0};
#if defined(__aarch64__)
    put("Hello from AArch64!\n");
#else
    put("Hello from RISC-V!\n");
#endif
    for (int i = 0; i < argc && i < 1000; i++) {
        int n = i, k = 0;
        char tmp[4];
        do {
            tmp[k++] = (char)('0' + n % 10);
            n /= 10;
        } while (n);
        for (int j = 0; j < k; j++)
            num[j] = tmp[k - 1 - j];
        num[k] = 0;
        put("argv[");
        put(num);
        put("] = ");
        put(argv[i]);
        put("\n");
    }
    return 0;
}
