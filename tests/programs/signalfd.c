/* signalfd: signals read from a file descriptor (blocked first, as signalfd(2) asks): one the
 * process sends itself, and the SIGCHLD of a child, through poll; neither is left pending. */
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
int main(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int fd = signalfd(-1, &mask, SFD_CLOEXEC);
    printf("signalfd: %d\n", fd >= 0);
    kill(getpid(), SIGUSR1);
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof si);
    printf("read %zd signo %u code %d pid_ok %d\n", n, si.ssi_signo, si.ssi_code, si.ssi_pid == (unsigned)getpid());
    pid_t c = fork();
    if (c == 0) _exit(7);
    struct pollfd p = {fd, POLLIN, 0};
    printf("poll %d\n", poll(&p, 1, 5000));
    n = read(fd, &si, sizeof si);
    printf("read %zd signo %u status %d code %d\n", n, si.ssi_signo, si.ssi_status, si.ssi_code);
    int st; waitpid(c, &st, 0);
    printf("child %d\n", WEXITSTATUS(st));
    sigset_t pend; sigpending(&pend);
    printf("pending usr1 %d chld %d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGCHLD));
    return 0;
}
