/*
 * close_std.c -- closes its standard output and error, then writes to them.
 *
 * Coreutils programs close both at exit. The writes after the close fail (EBADF), and the
 * exit status says how many did. Whatever dbt-vm itself prints (--stats) must still reach
 * dbt-vm's stderr, which the guest cannot close (tests/test_robustness.py).
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("before closing\n");
    fflush(stdout);
    int closed = close(1) == 0;
    closed += close(2) == 0;
    int failed = (write(1, "x\n", 2) < 0 && errno == EBADF);
    failed += (write(2, "y\n", 2) < 0 && errno == EBADF);
    return 10 * closed + failed;                /* 22 when both closes and writes behave */
}
