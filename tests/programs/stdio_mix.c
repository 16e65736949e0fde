/*
 * stdio_mix.c -- stdout and stderr written interleaved, through stdio and raw write(2).
 *
 * Usage: stdio_mix [full|line|none]
 *   Chooses stdout's buffering with setvbuf (full: the default for a pipe; line: _IOLBF;
 *   none: _IONBF). stderr is always unbuffered. The program mixes printf/puts/fputs/putchar/
 *   fwrite on stdout, fprintf/fputs/perror on stderr, and raw write(1)/write(2), with explicit
 *   fflush points and more than one buffer's worth of text (so stdio flushes mid-run by
 *   itself). Captured separately, each stream shows stdio's ordering relative to the raw
 *   writes on the same fd; the test table also runs it with stderr redirected into stdout, so
 *   the exact order of every write(2) call on the shared pipe is compared.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void raw(int fd, const char *s) { write(fd, s, strlen(s)); }

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "full";
    if (strcmp(mode, "line") == 0)
        setvbuf(stdout, NULL, _IOLBF, 0);
    else if (strcmp(mode, "none") == 0)
        setvbuf(stdout, NULL, _IONBF, 0);

    printf("out 1 (stdio)\n");
    fprintf(stderr, "err 1 (stdio)\n");
    raw(1, "out 2 (raw write)\n");
    raw(2, "err 2 (raw write)\n");
    printf("out 3 no newline yet...");
    fputs("err 3\n", stderr);
    printf(" done\n");
    fflush(stdout);
    raw(1, "out 4 (raw, after fflush)\n");

    for (int i = 0; i < 120; i++) {
        printf("stdout block line %03d: %s\n", i, "the quick brown fox jumps over the lazy dog");
        if (i % 25 == 0) {
            fprintf(stderr, "stderr progress %d\n", i);
            char msg[32];
            snprintf(msg, sizeof msg, "raw out %d\n", i);
            raw(1, msg);
        }
    }
    puts("puts line");
    putchar('c');
    putchar('\n');
    fwrite("fwrite bytes\n", 1, 13, stdout);
    errno = ENOENT;
    perror("perror with ENOENT");
    errno = 0;
    fputs("fputs to stdout without flush\n", stdout);
    raw(2, "err last (raw)\n");
    printf("final stdout line (flushed at exit)\n");
    return 0;
}
