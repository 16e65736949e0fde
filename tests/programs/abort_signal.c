/*
 * abort_signal.c -- death by SIGABRT, and signal handlers that run before it.
 *
 * Usage: abort_signal [plain|handler|blocked|raise_usr1]
 *   plain      message on stderr (unbuffered) and on stdout (buffered: lost, since abort() does
 *              not flush stdio), then abort(): exit status 134 (128 + SIGABRT)
 *   handler    a SIGABRT handler (sigaction) that writes with write(2) and returns; abort()
 *              then restores the default action and the process still dies with SIGABRT
 *   blocked    SIGABRT blocked with sigprocmask first: abort() unblocks it and still dies
 *   raise_usr1 raise(SIGUSR1) with a handler (runs, returns, program continues: exercises
 *              rt_sigaction + signal frame + rt_sigreturn), then raise(SIGUSR2) with the
 *              default action: the process dies with status 140 (128 + SIGUSR2)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_count;

static void on_abrt(int sig)
{
    static const char msg[] = "SIGABRT handler ran\n";
    (void)sig;
    write(2, msg, sizeof msg - 1);
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    usr1_count++;
    char msg[64];
    int n = snprintf(msg, sizeof msg, "SIGUSR1 handler: sig %d code_is_tkill %d\n", sig,
                     si->si_code == SI_TKILL);
    write(1, msg, (size_t)n);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "plain";
    printf("buffered stdout line (lost unless flushed before the process dies)\n");
    fprintf(stderr, "mode %s\n", mode);
    if (strcmp(mode, "handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_abrt;
        sigaction(SIGABRT, &sa, NULL);
    } else if (strcmp(mode, "blocked") == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGABRT);
        sigprocmask(SIG_BLOCK, &s, NULL);
    } else if (strcmp(mode, "raise_usr1") == 0) {
        fflush(stdout);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_usr1;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGUSR1, &sa, NULL);
        volatile double f = 1.5; /* FP state must survive the handler */
        long before = 12345;
        raise(SIGUSR1);
        raise(SIGUSR1);
        printf("after raise: count %d f %g before %ld\n", (int)usr1_count, f * 2, before);
        fflush(stdout);
        raise(SIGUSR2);
        fprintf(stderr, "not reached\n");
        return 0;
    }
    abort();
}
