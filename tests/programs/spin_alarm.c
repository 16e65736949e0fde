/* A timer's signal reaching a loop that makes no syscall. The loop is bounded (where a signal
 * is not delivered until the next syscall, it ends by itself); `spin_alarm early` also prints
 * whether the handler stopped it before the bound, which under qemu-user it always does and
 * under dbt-vm where the translated code polls for signals (tests/test_signals.py).
 * `spin_alarm late` runs the loop a while before there is a handler (a translator may have
 * made it hot code that does not poll by then), then as `early` does. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define BOUND 3000000000UL
#define WARM 3000000UL

static volatile sig_atomic_t fired;
static void on_alarm(int sig) { (void)sig; fired = 1; }

static __attribute__((noinline)) unsigned long spin(unsigned long bound) {
    unsigned long spins = 0;
    while (!fired && spins < bound)
        spins++;
    return spins;
}

int main(int argc, char **argv) {
    int early = argc > 1 && strcmp(argv[1], "early") == 0;
    int late = argc > 1 && strcmp(argv[1], "late") == 0;
    if (late)
        printf("warm-up spins: %lu\n", spin(WARM));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long spins = spin(BOUND);
    usleep(1000);                          /* (a syscall: the latest point of delivery) */
    printf("handler ran: %d\n", fired);
    if (early || late)
        printf("stopped early: %d\n", spins < BOUND);
    return 0;
}
