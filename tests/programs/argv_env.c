/*
 * argv_env.c -- the initial process state: argc/argv, environment, auxiliary vector.
 *
 * Covers: argc and every argv[i] (i >= 1) with its length, including empty strings, spaces,
 * UTF-8 and long arguments; the basename of argv[0] (the path itself depends on where the
 * binary lives); argv[argc] == NULL; getenv of chosen variables (set, empty, unset); the
 * whole environment sorted by name (the tests run guests with a fixed environment);
 * setenv/unsetenv/putenv then getenv; getauxval(AT_PAGESZ), AT_SECURE, and the AT_HWCAP
 * extension letters; the initial stack pointer alignment (16 bytes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    printf("argc %d\n", argc);
    printf("argv[0] basename '%s'\n", base);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] len %zu '%s'\n", i, strlen(argv[i]), argv[i]);
    printf("argv[argc] is NULL: %d\n", argv[argc] == NULL);

    static const char *vars[] = {"HOME", "PATH", "LANG", "DBT_TEST_GREETING", "DBT_TEST_EMPTY",
                                 "DBT_TEST_UNSET"};
    for (unsigned i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v)
            printf("getenv %s = '%s'\n", vars[i], v);
        else
            printf("getenv %s unset\n", vars[i]);
    }

    int n = 0;
    while (environ[n])
        n++;
    char **copy = malloc((size_t)(n + 1) * sizeof *copy);
    memcpy(copy, environ, (size_t)n * sizeof *copy);
    qsort(copy, (size_t)n, sizeof *copy, cmp);
    printf("environ has %d entries\n", n);
    for (int i = 0; i < n; i++)
        printf("  %s\n", copy[i]);
    free(copy);

    setenv("DBT_NEW", "value1", 0);
    setenv("DBT_NEW", "value2", 0); /* no overwrite */
    printf("setenv no-overwrite: %s\n", getenv("DBT_NEW"));
    setenv("DBT_NEW", "value3", 1);
    printf("setenv overwrite: %s\n", getenv("DBT_NEW"));
    unsetenv("DBT_NEW");
    printf("unsetenv: %s\n", getenv("DBT_NEW") ? "still set" : "gone");
    static char put[] = "DBT_PUT=abc";
    putenv(put);
    printf("putenv: %s\n", getenv("DBT_PUT"));

    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
    unsigned long hw = getauxval(AT_HWCAP);
    printf("AT_HWCAP letters:");
    for (int b = 0; b < 26; b++)
        if (hw & (1ul << b))
            printf(" %c", 'A' + b);
    printf("\n");
    /* argv lives on the initial stack just above argc; check ABI alignment there */
    printf("argv pointer 8-aligned %d\n", ((uintptr_t)argv & 7) == 0);
    return 0;
}
