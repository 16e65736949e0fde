/*
 * fileio.c -- POSIX and stdio file I/O in a private directory under the current directory.
 *
 * Covers: mkdir/rmdir, open (O_CREAT|O_EXCL|O_TRUNC|O_APPEND), read/write, lseek
 * (SET/CUR/END, past the end -> a hole that reads as zeros), pread/pwrite (the file offset is
 * unchanged), ftruncate (shrink and grow), fstat/stat sizes and permission bits (after
 * umask), dup/dup2, fcntl(F_GETFL), rename, unlink, access, readlink of a symlink,
 * opendir/readdir (names sorted before printing), stdio fopen/fprintf/fgets/fseek/ftell/
 * fread/fwrite, and errno values with strerror texts for ENOENT, EEXIST, EISDIR, ENOTDIR,
 * ENOTEMPTY, EBADF (strerror texts are one place where libcs may differ).
 * Everything it creates is removed again; it checks that the directory is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_NAME "fileio_tmp.d"

static int fails;

static void check(int ok, const char *what)
{
    if (!ok) {
        fails++;
        printf("FAIL %s (errno %d)\n", what, errno);
    }
}

static void err(const char *what, int r)
{
    int e = errno;
    printf("%s -> %d errno=%d (%s)\n", what, r, r < 0 ? e : 0, r < 0 ? strerror(e) : "-");
}

/* a printable length for "%.*s": a failed read (-1) must not print the whole buffer */
static int shown(long n) { return n > 0 ? (int)n : 0; }

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *path)
{
    DIR *d = opendir(path);
    check(d != NULL, "opendir");
    if (!d)
        return;
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        struct stat st;
        char p[256];
        snprintf(p, sizeof p, "%s/%s", path, names[i]);
        if (lstat(p, &st) == 0)
            printf(" %s(%s,%lld)", names[i],
                   S_ISDIR(st.st_mode) ? "d" : S_ISLNK(st.st_mode) ? "l" : "f",
                   S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
        free(names[i]);
    }
    printf("\n");
}

int main(void)
{
    umask(022);
    char buf[256];
    int r;

    r = mkdir(DIR_NAME, 0755);
    check(r == 0, "mkdir");
    err("mkdir again", mkdir(DIR_NAME, 0755));
    check(chdir(DIR_NAME) == 0, "chdir");

    int fd = open("a.txt", O_CREAT | O_EXCL | O_RDWR | O_TRUNC, 0666);
    check(fd >= 0, "open a.txt");
    err("open O_EXCL existing", open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0666));
    err("open missing", open("missing.txt", O_RDONLY));
    err("open dir for write", open(".", O_WRONLY));
    err("open file as dir", open("a.txt/x", O_RDONLY));

    const char *msg = "Hello, file!\nSecond line.\n";
    ssize_t w = write(fd, msg, strlen(msg));
    printf("write %zd\n", w);
    printf("lseek cur %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek set %lld\n", (long long)lseek(fd, 7, SEEK_SET));
    ssize_t n = read(fd, buf, 4);
    printf("read %zd '%.*s'\n", n, shown(n), buf);
    printf("lseek end %lld\n", (long long)lseek(fd, -5, SEEK_END));
    n = read(fd, buf, sizeof buf);
    printf("read tail %zd '%.*s'\n", n, shown(n - 1), buf);
    n = read(fd, buf, sizeof buf);
    printf("read at eof %zd\n", n);

    /* pwrite/pread leave the offset alone */
    off_t before = lseek(fd, 3, SEEK_SET);
    w = pwrite(fd, "XYZ", 3, 100); /* creates a hole */
    n = pread(fd, buf, 5, 0);
    printf("pwrite %zd pread %zd '%.*s' off %lld->%lld\n", w, n, shown(n), buf, (long long)before,
           (long long)lseek(fd, 0, SEEK_CUR));
    n = pread(fd, buf, 80, 26);
    int zeros = 0;
    for (int i = 0; i < n; i++)
        zeros += buf[i] == 0;
    printf("hole read %zd zeros %d tail '%.3s'\n", n, zeros, buf + 74);

    struct stat st;
    check(fstat(fd, &st) == 0, "fstat");
    printf("size %lld mode %o reg %d\n", (long long)st.st_size, st.st_mode & 0777,
           S_ISREG(st.st_mode));
    check(ftruncate(fd, 10) == 0, "ftruncate shrink");
    fstat(fd, &st);
    printf("after shrink %lld\n", (long long)st.st_size);
    check(ftruncate(fd, 4096 + 10) == 0, "ftruncate grow");
    fstat(fd, &st);
    printf("after grow %lld\n", (long long)st.st_size);
    n = pread(fd, buf, 16, 4090);
    printf("grown tail read %zd first %d\n", n, buf[0]);

    /* dup, dup2, fcntl */
    int fd2 = dup(fd);
    lseek(fd, 0, SEEK_SET);
    n = read(fd2, buf, 5);
    printf("dup shares offset: read %zd '%.*s' off %lld\n", n, shown(n), buf,
           (long long)lseek(fd, 0, SEEK_CUR));
    int fd3 = dup2(fd, 20);
    printf("dup2 -> %d flags acc %d\n", fd3, fcntl(fd3, F_GETFL) & O_ACCMODE);
    close(fd3);
    close(fd2);
    close(fd);
    err("close closed", close(fd));
    err("read bad fd", (int)read(fd, buf, 1));

    /* O_APPEND */
    fd = open("log.txt", O_CREAT | O_WRONLY | O_APPEND, 0600);
    write(fd, "one\n", 4);
    lseek(fd, 0, SEEK_SET);
    write(fd, "two\n", 4);
    close(fd);
    fd = open("log.txt", O_RDONLY);
    n = read(fd, buf, sizeof buf);
    close(fd);
    printf("append: '%.*s'\n", shown(n), buf);
    stat("log.txt", &st);
    printf("log mode %o\n", st.st_mode & 0777);

    /* stdio */
    FILE *fp = fopen("data.txt", "w+");
    check(fp != NULL, "fopen");
    for (int i = 0; i < 50; i++)
        fprintf(fp, "line %02d value %d\n", i, i * i);
    printf("ftell %ld\n", ftell(fp));
    fseek(fp, 0, SEEK_SET);
    int lines = 0;
    long total = 0;
    while (fgets(buf, sizeof buf, fp)) {
        lines++;
        total += atoi(buf + 13);
    }
    printf("fgets lines %d total %ld eof %d\n", lines, total, feof(fp));
    fseek(fp, -16, SEEK_END);
    size_t got = fread(buf, 1, 16, fp);
    printf("fread %zu '%.*s'\n", got, shown((long)got - 1), buf);
    fclose(fp);

    fp = fopen("bin.dat", "wb");
    unsigned int words[256];
    for (int i = 0; i < 256; i++)
        words[i] = i * 2654435761u;
    printf("fwrite %zu\n", fwrite(words, sizeof words[0], 256, fp));
    fclose(fp);
    fp = fopen("bin.dat", "rb");
    unsigned int chk = 0, rd[64];
    size_t k;
    while ((k = fread(rd, sizeof rd[0], 64, fp)) > 0)
        for (size_t i = 0; i < k; i++)
            chk = chk * 33 + rd[i];
    fclose(fp);
    printf("fread checksum %u\n", chk);
    err("fopen missing", fopen("nope/x", "r") ? 0 : -1);

    /* directories, rename, symlink */
    check(mkdir("sub", 0700) == 0, "mkdir sub");
    fd = open("sub/inner", O_CREAT | O_WRONLY, 0644);
    write(fd, "inner", 5);
    close(fd);
    check(rename("a.txt", "b.txt") == 0, "rename");
    err("access a.txt", access("a.txt", F_OK));
    err("access b.txt", access("b.txt", R_OK | W_OK));
    check(symlink("b.txt", "link") == 0, "symlink");
    r = (int)readlink("link", buf, sizeof buf);
    printf("readlink %d '%.*s'\n", r, shown(r), buf);
    list_dir(".");
    list_dir("sub");
    err("rmdir non-empty", rmdir("sub"));
    err("unlink dir", unlink("sub"));
    err("rename onto missing dir", rename("b.txt", "nodir/b.txt"));

    /* clean up */
    check(unlink("sub/inner") == 0, "unlink inner");
    check(rmdir("sub") == 0, "rmdir sub");
    const char *files[] = {"b.txt", "link", "log.txt", "data.txt", "bin.dat"};
    for (unsigned i = 0; i < sizeof files / sizeof *files; i++)
        check(unlink(files[i]) == 0, files[i]);
    err("unlink twice", unlink("b.txt"));
    list_dir(".");
    check(chdir("..") == 0, "chdir ..");
    check(rmdir(DIR_NAME) == 0, "rmdir");
    err("stat removed dir", stat(DIR_NAME, &st));
    printf("fails %d\n", fails);
    return fails != 0;
}
