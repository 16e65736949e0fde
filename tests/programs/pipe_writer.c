/*
 * pipe_writer.c -- writes N lines to stdout with write(2), and reports a failed write.
 *
 * As a table case it writes a few lines. tests/test_robustness.py runs it with a large N
 * into a pipe whose reader has gone: with SIGPIPE at its default action the write kills
 * it (status 141 as a shell reports it); with SIGPIPE ignored by whoever started it (as the
 * guest inherits, under qemu-user too) the write fails with EPIPE, which it reports on
 * stderr before exiting with 3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 3;
    char line[64];
    for (long i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "line %ld\n", i);
        if (write(1, line, (size_t)len) != len) {
            fprintf(stderr, "write failed at line %ld: %s\n", i, strerror(errno));
            return 3;
        }
    }
    return 0;
}
