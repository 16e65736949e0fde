/* A timer's signal reaching a loop that makes no syscall. The loop is bounded (where a signal
 * is not delivered until the next syscall, it ends by itself); `spin_alarm early` also prints
 * whether the handler stopped it before the bound, which under qemu-user it always does and
 * under dbt-vm where the translated code polls for signals (tests/test_signals.py). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define BOUND 3000000000UL

static volatile sig_atomic_t fired;
static void on_alarm(int sig) { (void)sig; fired = 1; }

int main(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long spins = 0;
    while (!fired && spins < BOUND)
        spins++;
    usleep(1000);                          /* (a syscall: the latest point of delivery) */
    printf("handler ran: %d\n", fired);
    if (argc > 1 && strcmp(argv[1], "early") == 0)
        printf("stopped early: %d\n", spins < BOUND);
    return 0;
}
