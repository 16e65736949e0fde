/* More fd syscalls real programs use: memfd_create, sendfile, copy_file_range, splice, flock,
 * timerfd, sched_setaffinity, pidfd_open. Files are made in the (empty) working directory and
 * removed again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
    printf("%s: %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

int main(void) {
    char buf[64];

    /* memfd_create */
    int m = syscall(SYS_memfd_create, "scratch", 1 /* MFD_CLOEXEC */);
    show("memfd write", write(m, "memory file contents", 20));
    printf("memfd cloexec %d size %ld\n", (fcntl(m, F_GETFD) & FD_CLOEXEC) != 0,
           (long)lseek(m, 0, SEEK_END));

    /* sendfile from the memfd into a file, with and without an offset */
    int f = open("out.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    off_t off = 7;
    show("sendfile at offset", sendfile(f, m, &off, 100));
    printf("offset now %ld\n", (long)off);
    lseek(m, 0, SEEK_SET);
    show("sendfile", sendfile(f, m, NULL, 6));
    memset(buf, 0, sizeof buf);
    pread(f, buf, sizeof buf - 1, 0);
    printf("file: '%s'\n", buf);

    /* copy_file_range */
    int g = open("copy.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    loff_t in = 2, outp = 0;
    show("copy_file_range", syscall(SYS_copy_file_range, f, &in, g, &outp, 8, 0));
    printf("offsets %ld %ld\n", (long)in, (long)outp);
    memset(buf, 0, sizeof buf);
    pread(g, buf, sizeof buf - 1, 0);
    printf("copy: '%s'\n", buf);

    /* splice: file -> pipe -> file */
    int p[2];
    pipe(p);
    loff_t from = 0;
    show("splice to pipe", splice(f, &from, p[1], NULL, 5, 0));
    show("splice from pipe", splice(p[0], NULL, g, NULL, 5, 0));
    memset(buf, 0, sizeof buf);
    pread(g, buf, sizeof buf - 1, 0);
    printf("after splice: '%s'\n", buf);

    /* flock */
    show("flock ex", flock(f, LOCK_EX));
    int f2 = open("out.txt", O_RDONLY);
    show("flock nb on another open", flock(f2, LOCK_EX | LOCK_NB));
    show("unlock", flock(f, LOCK_UN));
    show("flock nb again", flock(f2, LOCK_EX | LOCK_NB));

    /* timerfd */
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = {{0, 0}, {0, 20 * 1000 * 1000}};
    show("timerfd_settime", timerfd_settime(t, 0, &its, NULL));
    struct itimerspec cur;
    timerfd_gettime(t, &cur);
    printf("armed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
    uint64_t ticks = 0;
    show("timerfd read", read(t, &ticks, 8));
    printf("ticks %llu\n", (unsigned long long)ticks);

    /* sched_setaffinity to the CPUs we have */
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    show("sched_setaffinity", sched_setaffinity(0, sizeof set, &set));

    /* pidfd_open on a child: readable once it has exited */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(4);
    int pfd = syscall(SYS_pidfd_open, pid, 0);
    struct pollfd pp = {pfd, POLLIN, 0};
    show("poll pidfd", poll(&pp, 1, 60000));
    int status;
    waitpid(pid, &status, 0);
    printf("child exit %d\n", WEXITSTATUS(status));

    close(f);
    close(f2);
    close(g);
    unlink("out.txt");
    unlink("copy.txt");
    return 0;
}
