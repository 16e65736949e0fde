/* Child processes: fork, vfork, pipes and dup2 across fork, wait4/waitpid/waitid with exit
 * statuses and deaths by signal, WNOHANG, ECHILD, process groups. Output is ordered: the parent
 * prints only after the child it waits for is done, and stdout is flushed before every fork. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int status) {
    if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d%s\n", what, WTERMSIG(status),
               WCOREDUMP(status) ? " (core)" : "");
    else
        printf("%s: status %#x\n", what, status);
}

static pid_t spawn(void (*child)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        child();
        _exit(99);
    }
    return pid;
}

static int pipe_fds[2];

static void child_writes_pipe(void) {
    close(pipe_fds[0]);
    char msg[64];
    int n = snprintf(msg, sizeof msg, "hello from child, ppid matches: %d",
                     getppid() != getpid());
    write(pipe_fds[1], msg, n);
    _exit(7);
}

static void child_stdout_to_pipe(void) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], 1);
    close(pipe_fds[1]);
    printf("printed by the child into the pipe\n");
    exit(0);                                    /* exit() flushes stdio */
}

static void child_raises(void) { raise(SIGTERM); }
static void child_aborts(void) { abort(); }
static void child_faults(void) { *(volatile int *)16 = 1; }

static void child_waits_for_eof(void) {
    char c;
    close(pipe_fds[1]);
    while (read(pipe_fds[0], &c, 1) > 0) {
    }
    _exit(3);
}

static void child_forks_again(void) {
    pid_t grandchild = spawn(child_raises);
    int status;
    if (waitpid(grandchild, &status, 0) != grandchild)
        _exit(50);
    _exit(WIFSIGNALED(status) ? 40 + WTERMSIG(status) : 60);
}

static void read_all(int fd) {
    char buf[256];
    ssize_t n, total = 0;
    while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0)
        total += n;
    buf[total] = 0;
    printf("pipe: \"%s\"\n", buf);
}

int main(void) {
    int status;
    pid_t pid, got;

    /* no children yet */
    errno = 0;
    got = wait(&status);
    printf("wait without children: %d %s\n", (int)got, errno == ECHILD ? "ECHILD" : "?");

    /* a child writes to a pipe and exits with a status */
    pipe(pipe_fds);
    pid = spawn(child_writes_pipe);
    close(pipe_fds[1]);
    read_all(pipe_fds[0]);
    close(pipe_fds[0]);
    got = waitpid(pid, &status, 0);
    printf("waitpid returned the child: %d\n", got == pid);
    report("pipe writer", status);

    /* dup2 in the child: its stdout is the pipe */
    pipe(pipe_fds);
    pid = spawn(child_stdout_to_pipe);
    close(pipe_fds[1]);
    read_all(pipe_fds[0]);
    close(pipe_fds[0]);
    waitpid(pid, &status, 0);
    report("stdout child", status);

    /* deaths by signal */
    pid = spawn(child_raises);
    waitpid(pid, &status, 0);
    report("raise(SIGTERM)", status);
    pid = spawn(child_aborts);
    waitpid(pid, &status, 0);
    report("abort()", status);
    pid = spawn(child_faults);
    waitpid(pid, &status, 0);
    report("null write", status);

    /* WNOHANG while the child runs, then a blocking wait4 with rusage */
    pipe(pipe_fds);
    pid = spawn(child_waits_for_eof);
    close(pipe_fds[0]);
    got = waitpid(pid, &status, WNOHANG);
    printf("WNOHANG while running: %d\n", (int)got);
    close(pipe_fds[1]);
    struct rusage usage;
    got = wait4(-1, &status, 0, &usage);
    printf("wait4(-1) returned the child: %d\n", got == pid);
    report("eof child", status);

    /* waitid */
    pid = spawn(child_raises);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int r = waitid(P_PID, pid, &info, WEXITED);
    printf("waitid: %d signo %d code %d status %d pid matches %d\n", r, info.si_signo,
           info.si_code, info.si_status, info.si_pid == pid);

    /* a grandchild */
    pid = spawn(child_forks_again);
    waitpid(pid, &status, 0);
    report("child of a child", status);

    /* vfork + _exit */
    fflush(stdout);
    pid = vfork();
    if (pid == 0)
        _exit(12);
    waitpid(pid, &status, 0);
    report("vfork child", status);

    /* several children, reaped in any order */
    int sum = 0;
    for (int i = 0; i < 4; i++) {
        fflush(stdout);
        if (fork() == 0)
            _exit(10 + i);
    }
    for (int i = 0; i < 4; i++) {
        if (wait(&status) > 0 && WIFEXITED(status))
            sum += WEXITSTATUS(status);
    }
    errno = 0;
    got = wait(&status);
    printf("four children: sum %d, then %d %s\n", sum, (int)got,
           errno == ECHILD ? "ECHILD" : "?");

    /* process groups */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int ok = setpgid(0, 0) == 0 && getpgid(0) == getpid() && getpgrp() == getpid();
        _exit(ok ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    report("setpgid child", status);
    errno = 0;
    got = waitpid(-getpgrp(), &status, WNOHANG);
    printf("waitpid(-pgrp) with none left: %d %s\n", (int)got, errno == ECHILD ? "ECHILD" : "?");
    printf("done\n");
    return 0;
}
