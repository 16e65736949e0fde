/* Sockets between processes: a socketpair echo through poll, a loopback TCP (IPv4 and IPv6)
 * and an AF_UNIX stream echo through epoll, datagrams with recvfrom, an fd passed with
 * SCM_RIGHTS, socket options and names. Ports and paths are never printed. Waits time out
 * after a minute: a child dbt-vm translating its code on a loaded machine may take seconds to
 * answer. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void echo_upper(int fd) {
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            buf[i] = toupper((unsigned char)buf[i]);
        write(fd, buf, n);
    }
    _exit(0);
}

static void exchange(const char *what, int fd, const char *msg) {
    struct pollfd p = {fd, POLLIN, 0};
    send(fd, msg, strlen(msg), 0);
    char buf[256];
    size_t total = 0;
    while (total < strlen(msg) && poll(&p, 1, 60000) == 1) {
        ssize_t n = recv(fd, buf + total, sizeof buf - 1 - total, 0);
        if (n <= 0)
            break;
        total += n;
    }
    buf[total] = 0;
    printf("%s: \"%s\"\n", what, buf);
}

static void reap(const char *what, pid_t pid) {
    int status;
    waitpid(pid, &status, 0);
    printf("%s child: %s %d\n", what, WIFEXITED(status) ? "exited" : "signal",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void stream_server(const char *what, int listener, struct sockaddr *addr,
                          socklen_t len) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(addr->sa_family, SOCK_STREAM, 0);
        if (connect(c, addr, len) != 0)
            _exit(10);
        echo_upper(c);
    }
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;
    int conn = accept4(listener, (struct sockaddr *)&peer, &peer_len, SOCK_CLOEXEC);
    printf("%s accept: %d family ok %d\n", what, conn >= 0, peer.ss_family == addr->sa_family);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, conn, &ev);
    write(conn, "over ", 5);
    write(conn, addr->sa_family == AF_UNIX ? "unix" : "tcp", addr->sa_family == AF_UNIX ? 4 : 3);
    shutdown(conn, SHUT_WR);
    char buf[64];
    size_t total = 0;
    for (;;) {
        struct epoll_event out;
        if (epoll_wait(ep, &out, 1, 60000) != 1)
            break;
        ssize_t n = read(conn, buf + total, sizeof buf - 1 - total);
        if (n <= 0)
            break;
        total += n;
    }
    buf[total] = 0;
    printf("%s echo: \"%s\"\n", what, buf);
    close(conn);
    close(ep);
    reap(what, pid);
}

int main(void) {
    /* socketpair */
    int sv[2];
    printf("socketpair: %d\n", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int type = 0;
    socklen_t len = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len);
    printf("SO_TYPE: %d len %d\n", type, (int)len);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        echo_upper(sv[1]);
    }
    close(sv[1]);
    exchange("socketpair", sv[0], "hello through a socketpair");
    close(sv[0]);
    reap("socketpair", pid);

    /* TCP over IPv4 loopback */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    printf("SO_REUSEADDR: %d\n", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = 0};
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    printf("bind: %d listen: %d\n", bind(s, (struct sockaddr *)&a4, sizeof a4), listen(s, 4));
    len = sizeof a4;
    getsockname(s, (struct sockaddr *)&a4, &len);
    printf("getsockname: len %d port set %d\n", (int)len, a4.sin_port != 0);
    stream_server("tcp4", s, (struct sockaddr *)&a4, sizeof a4);
    close(s);

    /* TCP over IPv6 loopback (when the host has it) */
    s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (s >= 0 && bind(s, (struct sockaddr *)&a6, sizeof a6) == 0 && listen(s, 4) == 0) {
        len = sizeof a6;
        getsockname(s, (struct sockaddr *)&a6, &len);
        stream_server("tcp6", s, (struct sockaddr *)&a6, sizeof a6);
    } else {
        printf("tcp6: no IPv6 loopback\n");
    }
    if (s >= 0)
        close(s);

    /* AF_UNIX stream socket on a path */
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strcpy(un.sun_path, "echo.sock");
    printf("unix bind: %d listen: %d\n", bind(s, (struct sockaddr *)&un, sizeof un), listen(s, 1));
    stream_server("unix", s, (struct sockaddr *)&un, sizeof un);
    close(s);
    unlink("echo.sock");

    /* datagrams */
    int d1 = socket(AF_INET, SOCK_DGRAM, 0), d2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in b = {.sin_family = AF_INET};
    b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(d2, (struct sockaddr *)&b, sizeof b);
    len = sizeof b;
    getsockname(d2, (struct sockaddr *)&b, &len);
    printf("sendto: %zd\n", sendto(d1, "datagram", 8, 0, (struct sockaddr *)&b, sizeof b));
    char buf[64] = {0};
    struct sockaddr_in from;
    len = sizeof from;
    ssize_t n = recvfrom(d2, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("recvfrom: %zd \"%s\" from loopback %d len %d\n", n, buf,
           from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), (int)len);
    close(d1);
    close(d2);

    /* an fd passed over a socketpair */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int p[2];
    pipe(p);
    char byte = 'x';
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
                       .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    printf("sendmsg: %zd\n", sendmsg(sv[0], &m, 0));
    close(p[1]);
    char got = 0;
    struct iovec iov2 = {&got, 1};
    memset(&ctl, 0, sizeof ctl);
    struct msghdr r = {.msg_iov = &iov2, .msg_iovlen = 1, .msg_control = &ctl,
                       .msg_controllen = sizeof ctl};
    n = recvmsg(sv[1], &r, 0);
    c = CMSG_FIRSTHDR(&r);
    int passed = -1;
    if (c && c->cmsg_type == SCM_RIGHTS)
        memcpy(&passed, CMSG_DATA(c), sizeof(int));
    printf("recvmsg: %zd '%c' fd passed %d\n", n, got, passed >= 0);
    write(passed, "via passed fd", 13);
    close(passed);
    n = read(p[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("pipe got: \"%s\"\n", buf);
    errno = 0;
    n = recv(77, buf, 1, 0);
    printf("recv on a closed fd: %zd %s\n", n, errno == EBADF ? "EBADF" : "?");
    return 0;
}
