/* Waiting for fds: poll (ppoll), select (pselect6), epoll, eventfd, and close_range, on
 * pipes (no timing dependence: every wait either has its answer ready or times out at 0, except
 * one short timeout whose expiry is all that is printed). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show_poll(const char *what, struct pollfd *p, int n, int r) {
    printf("%s: %d", what, r);
    for (int i = 0; i < n; i++)
        printf(" [fd %d ev %#x rev %#x]", p[i].fd >= 0 ? 1 : p[i].fd, p[i].events, p[i].revents);
    printf("\n");
}

int main(void) {
    int p[2];
    pipe(p);

    /* poll */
    struct pollfd fds[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}};
    show_poll("empty pipe", fds, 3, poll(fds, 3, 0));
    write(p[1], "ab", 2);
    show_poll("after write", fds, 3, poll(fds, 3, 0));
    struct pollfd bad = {77, POLLIN, 0};
    show_poll("closed fd", &bad, 1, poll(&bad, 1, 1000));
    struct pollfd wait_in = {p[0], POLLPRI, 0};
    show_poll("timeout 20 ms", &wait_in, 1, poll(&wait_in, 1, 20));
    errno = 0;
    int r = poll((struct pollfd *)8, 1, 0);
    printf("bad pointer: %d %s\n", r, errno == EFAULT ? "EFAULT" : "?");

    /* select */
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    struct timeval tv = {0, 0};
    r = select(p[1] + 1, &rd, &wr, NULL, &tv);
    printf("select: %d read %d write %d\n", r, FD_ISSET(p[0], &rd) != 0, FD_ISSET(p[1], &wr) != 0);
    char buf[8];
    read(p[0], buf, 2);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    r = select(p[0] + 1, &rd, NULL, NULL, &tv);
    printf("select drained: %d read %d\n", r, FD_ISSET(p[0], &rd) != 0);
    FD_ZERO(&rd);
    FD_SET(60, &rd);
    errno = 0;
    r = select(61, &rd, NULL, NULL, &tv);
    printf("select closed fd: %d %s\n", r, errno == EBADF ? "EBADF" : "?");

    /* epoll */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll cloexec: %d\n", (fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    printf("ctl add: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    errno = 0;
    r = epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    printf("ctl add again: %d %s\n", r, errno == EEXIST ? "EEXIST" : "?");
    struct epoll_event out[4];
    memset(out, 0, sizeof out);
    printf("wait empty: %d\n", epoll_wait(ep, out, 4, 0));
    write(p[1], "x", 1);
    r = epoll_wait(ep, out, 4, 0);
    printf("wait ready: %d events %#x data %#llx\n", r, out[0].events,
           (unsigned long long)out[0].data.u64);
    ev.events = EPOLLOUT;
    ev.data.u64 = 42;
    printf("ctl add write end: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    r = epoll_wait(ep, out, 4, 0);
    unsigned long long sum = 0;
    for (int i = 0; i < r; i++)
        sum += out[i].data.u64;
    printf("wait both: %d data sum %#llx\n", r, sum);
    printf("ctl del: %d\n", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    r = epoll_wait(ep, out, 4, 0);
    printf("after del: %d data %llu\n", r, (unsigned long long)out[0].data.u64);
    errno = 0;
    r = epoll_wait(ep, out, 0, 0);
    printf("maxevents 0: %d %s\n", r, errno == EINVAL ? "EINVAL" : "?");
    close(ep);

    /* eventfd */
    int efd = eventfd(3, EFD_NONBLOCK);
    uint64_t v = 0;
    read(efd, &v, 8);
    printf("eventfd read: %llu\n", (unsigned long long)v);
    errno = 0;
    r = read(efd, &v, 8);
    printf("eventfd empty: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
    v = 5;
    write(efd, &v, 8);
    struct pollfd pe = {efd, POLLIN, 0};
    printf("eventfd poll: %d %#x\n", poll(&pe, 1, 0), pe.revents);
    int sem = eventfd(2, EFD_SEMAPHORE);
    read(sem, &v, 8);
    printf("semaphore read: %llu\n", (unsigned long long)v);
    close(efd);
    close(sem);

    /* close_range */
    for (int fd = 10; fd < 14; fd++)
        dup2(p[0], fd);
    r = syscall(SYS_close_range, 12, ~0u, 0);
    printf("close_range: %d, fd 11 %d, fd 12 %d, fd 13 %d\n", r, fcntl(11, F_GETFD) >= 0,
           fcntl(12, F_GETFD) >= 0, fcntl(13, F_GETFD) >= 0);
    r = syscall(SYS_close_range, 10, 11, 4 /* CLOSE_RANGE_CLOEXEC */);
    printf("close_range cloexec: %d, fd 10 flags %d\n", r, fcntl(10, F_GETFD));
    errno = 0;
    r = syscall(SYS_close_range, 5, 4, 0);
    printf("close_range backwards: %d %s\n", r, errno == EINVAL ? "EINVAL" : "?");
    return 0;
}
