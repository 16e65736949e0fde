/*
 * exit_code.c -- process exit paths and their status.
 *
 * Usage: exit_code MODE [CODE]
 *   exit N     printf (buffered, flushed by exit), atexit handlers run in reverse order, exit(N)
 *   return N   return N from main (same flushing and handlers)
 *   _exit N    _exit(N): no atexit handlers, buffered stdout that was never flushed is lost
 *   flush_exit N  like _exit but fflush(stdout) first
 * Statuses above 255 are truncated by the kernel (exit(256) -> 0, exit(-1) -> 255).
 * Default (no arguments): exit(42).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void h1(void) { printf("atexit handler 1 (registered first, runs last)\n"); }
static void h2(void) { printf("atexit handler 2\n"); }
static void h3(void) { fprintf(stderr, "atexit handler 3 on stderr\n"); }

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "exit";
    int code = argc > 2 ? atoi(argv[2]) : 42;
    atexit(h1);
    atexit(h2);
    atexit(h3);
    printf("mode %s code %d (buffered)\n", mode, code);
    fprintf(stderr, "stderr line before exit\n");
    if (strcmp(mode, "exit") == 0)
        exit(code);
    if (strcmp(mode, "return") == 0)
        return code;
    if (strcmp(mode, "_exit") == 0)
        _exit(code);
    if (strcmp(mode, "flush_exit") == 0) {
        fflush(stdout);
        _exit(code);
    }
    fprintf(stderr, "unknown mode\n");
    return 2;
}
