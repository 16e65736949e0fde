/*
 * stdin_stats.c -- read all of standard input and summarise it.
 *
 * Covers: read(0, ...) in a loop until it returns 0 (short reads from a pipe are fine),
 * binary input (NUL and bytes >= 0x80), empty input, large input (several pipe buffers);
 * prints the byte count, line and word counts (as wc does), the longest line, a histogram
 * of byte classes, FNV-1a 64 and CRC-32 checksums. With the argument "stdio" it reads through
 * getchar() instead (the stdio buffering path) and must print exactly the same.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint32_t crc_table[256];

int main(int argc, char **argv)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    int use_stdio = argc > 1 && strcmp(argv[1], "stdio") == 0;
    unsigned long long bytes = 0, lines = 0, words = 0, longest = 0, cur = 0, reads = 0;
    unsigned long long nul = 0, high = 0, digit = 0, alpha = 0, space = 0;
    uint64_t fnv = 0xcbf29ce484222325ull;
    uint32_t crc = 0xffffffffu;
    int inword = 0;
    static unsigned char buf[3000];
    for (;;) {
        ssize_t n;
        if (use_stdio) {
            n = 0;
            int c;
            while (n < (ssize_t)sizeof buf && (c = getchar()) != EOF)
                buf[n++] = (unsigned char)c;
        } else {
            n = read(0, buf, sizeof buf);
            if (n < 0) {
                perror("read");
                return 2;
            }
        }
        if (n == 0)
            break;
        reads++;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char c = buf[i];
            bytes++;
            fnv = (fnv ^ c) * 0x100000001b3ull;
            crc = crc_table[(crc ^ c) & 0xff] ^ (crc >> 8);
            nul += c == 0;
            high += c >= 0x80;
            digit += c >= '0' && c <= '9';
            alpha += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            int sp = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
            space += sp;
            if (sp)
                inword = 0;
            else if (!inword) {
                inword = 1;
                words++;
            }
            if (c == '\n') {
                lines++;
                if (cur > longest)
                    longest = cur;
                cur = 0;
            } else {
                cur++;
            }
        }
        if (use_stdio && n < (ssize_t)sizeof buf)
            break;
    }
    if (cur > longest)
        longest = cur;
    printf("bytes %llu lines %llu words %llu longest %llu\n", bytes, lines, words, longest);
    printf("nul %llu high %llu digit %llu alpha %llu space %llu\n", nul, high, digit, alpha, space);
    printf("fnv1a64 %016llx crc32 %08x\n", (unsigned long long)fnv, crc ^ 0xffffffffu);
    printf("got input: %s\n", reads ? "yes" : "no");
    return 0;
}
