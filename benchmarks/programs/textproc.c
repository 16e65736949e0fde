/* textproc: libc string and number formatting — build a CSV-like text with snprintf
 * ("%d,%.3f,%s"), split it into lines with memchr/memcpy, parse each with strtol/strtod,
 * search it with strchr/strstr, compare with strlen/memcmp.
 * argv[1] scales the work (rounds over 1,000 lines, default 16). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINES 1000
static char text[LINES * 48];
static const char *words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
                              "golf", "hotel", "india", "juliet", "kilo", "lima"};

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 16;
    unsigned long seed = 42;
    long isum = 0, matches = 0, bytes = 0;
    double dsum = 0;
    for (int r = 0; r < rounds; r++) {
        size_t len = 0;
        for (int i = 0; i < LINES; i++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            unsigned v = (unsigned)(seed >> 33);
            len += (size_t)snprintf(text + len, sizeof text - len, "%d,%.3f,%s\n",
                                    (int)(v % 200001) - 100000, (double)(v % 99991) / 97.0,
                                    words[v % 12]);
        }
        bytes += (long)len;
        char line[64];
        for (const char *p = text, *end = text + len; p < end; ) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            memcpy(line, p, (size_t)(nl - p));
            line[nl - p] = 0;
            p = nl + 1;
            char *q;
            isum += strtol(line, &q, 10);
            dsum += strtod(q + 1, &q);
            char *word = strchr(q, ',') + 1;
            if (strlen(word) == 5 && memcmp(word, "hotel", 5) == 0)
                matches++;
            if (strstr(line, "7,") != NULL)
                matches++;
            if (strchr(word, 'x') != NULL)
                matches++;
        }
    }
    printf("bytes %ld ints %ld doubles %.3f matches %ld\n", bytes, isum, dsum, matches);
    return 0;
}
