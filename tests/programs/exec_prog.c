/* execve: `exec_prog errors` tries files that cannot be executed (compared with qemu-user,
 * whose execve is the host's); `exec_prog exec TARGET` and `exec_prog script TARGET` replace
 * the process with TARGET (a guest program: this one, as built for any guest ISA), directly
 * or through a `#!` script, and TARGET in `child` mode prints what it was given. qemu-user
 * without binfmt_misc cannot run a foreign program, so tests/test_spawn.py states what those
 * two print. `exec_prog signals TARGET` ignores SIGUSR1, handles SIGUSR2, blocks SIGHUP, forks
 * a child that exits 5 and execs TARGET in `child-signals` mode: what execve keeps and resets
 * (see that function); `exec_prog signals-threaded TARGET` does so with a second thread
 * running (which the execve ends). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const char *errname(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case EFAULT: return "EFAULT";
    case ELOOP: return "ELOOP";
    default: return "other";
    }
}

static void try_exec(const char *what, const char *path) {
    char *argv[] = {(char *)path, NULL};
    char *envp[] = {NULL};
    errno = 0;
    int r = execve(path, argv, envp);
    printf("%s: %d %s\n", what, r, errname(errno));
}

static void write_file(const char *path, const char *text, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    write(fd, text, strlen(text));
    close(fd);
    chmod(path, mode);
}

static int child(int argc, char **argv) {
    printf("child: argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    printf("fd 5 open: %d\n", fcntl(5, F_GETFD) >= 0);
    printf("fd 6 open: %d\n", fcntl(6, F_GETFD) >= 0);
    fflush(stdout);
    if (fcntl(5, F_GETFD) >= 0)
        write(5, "written to fd 5\n", 16);
    return 3;
}

static void on_usr2(int sig) { (void)sig; }

static void *sleeper(void *arg) {
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

/* After execve: SIGUSR1 stays ignored (raising it does nothing), SIGHUP stays blocked (a
 * raised one stays pending), the child forked before execve is still this process's to wait
 * for, and SIGUSR2's handler is gone: raising it kills the process with SIGUSR2. */
static int child_signals(void) {
    sigset_t set;
    raise(SIGUSR1);
    printf("SIGUSR1 ignored\n");
    raise(SIGHUP);
    sigpending(&set);
    printf("SIGHUP pending: %d\n", sigismember(&set, SIGHUP));
    int status = 0;
    pid_t pid = wait(&status);
    printf("waited: %d, exit %d\n", pid > 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    fflush(stdout);
    raise(SIGUSR2);
    printf("SIGUSR2 survived\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child-signals") == 0)
        return child_signals();
    if (argc > 1 && strncmp(argv[1], "child", 5) == 0)
        return child(argc, argv);
    if (argc > 2 && strncmp(argv[1], "signals", 7) == 0) {
        pthread_t thread;
        if (strcmp(argv[1], "signals-threaded") == 0)
            pthread_create(&thread, NULL, sleeper, NULL);
        signal(SIGUSR1, SIG_IGN);
        signal(SIGUSR2, on_usr2);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, NULL);
        if (fork() == 0)
            _exit(5);
        char *args[] = {argv[2], "child-signals", NULL};
        execv(argv[2], args);
        printf("execve failed: %s\n", errname(errno));
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "errors") == 0) {
        write_file("plain.txt", "hello\n", 0644);
        write_file("text.sh", "echo no interpreter line\n", 0755);
        write_file("empty", "", 0755);
        write_file("noexec.sh", "#!/bin/sh\n", 0644);
        mkdir("dir", 0755);
        try_exec("missing", "./no-such-file");
        try_exec("not executable", "./plain.txt");
        try_exec("no #! line", "./text.sh");
        try_exec("empty file", "./empty");
        try_exec("script not executable", "./noexec.sh");
        try_exec("directory", "./dir");
        try_exec("under a file", "./plain.txt/x");
        errno = 0;
        int r = execve((char *)16, argv, environ);
        printf("bad path pointer: %d %s\n", r, errname(errno));
        unlink("plain.txt");
        unlink("text.sh");
        unlink("empty");
        unlink("noexec.sh");
        rmdir("dir");
        return 0;
    }
    if (argc > 2 && (strcmp(argv[1], "exec") == 0 || strcmp(argv[1], "script") == 0)) {
        const char *target = argv[2];
        dup2(1, 5);                                   /* kept across execve */
        dup2(1, 6);
        fcntl(6, F_SETFD, FD_CLOEXEC);                /* closed by it */
        char *envp[] = {"X=1", "Y=two words", NULL};
        printf("before exec\n");
        fflush(stdout);
        if (strcmp(argv[1], "exec") == 0) {
            char *args[] = {"renamed-argv0", "child", "a b", "", NULL};
            execve(target, args, envp);
        } else {
            char line[4200];
            snprintf(line, sizeof line, "#!%s child-from-script\n", target);
            write_file("script.sh", line, 0755);
            char *args[] = {"script.sh", "x", NULL};
            execve("./script.sh", args, envp);
        }
        printf("execve failed: %s\n", errname(errno));
        return 1;
    }
    fprintf(stderr, "usage: exec_prog errors | exec TARGET | script TARGET | signals[-threaded] TARGET\n");
    return 2;
}
