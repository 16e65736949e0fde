/* Signal delivery to guest handlers: faults with siginfo and ucontext (longjmp out, fix and
 * return, skip the instruction by editing the saved pc), sigaltstack, SA_RESETHAND,
 * SA_NODEFER, sa_mask, a timer interrupting a read (EINTR, and restarted with SA_RESTART),
 * sigsuspend, sigpending and sigtimedwait, SIGCHLD, a POSIX timer, kill to itself. Every
 * handler only sets variables or writes with write(2); main prints. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jump;
static volatile void *fault_addr;
static volatile int fault_code, hits, order[8], norder, chain;
static volatile uintptr_t handler_sp;
static char *page;

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags,
                        int masked) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (masked)
        sigaddset(&sa.sa_mask, masked);
    sigaction(sig, &sa, NULL);
}

/* the saved pc in a ucontext (the first word of RISC-V's mcontext; AArch64's sigcontext has
 * fault_address, x0-x30 and sp before it) */
static uintptr_t *saved_pc(void *uc) {
    uintptr_t *mc = (uintptr_t *)&((ucontext_t *)uc)->uc_mcontext;
#if defined(__aarch64__)
    return mc + 33;
#else
    return mc;
#endif
}

static void on_segv_jump(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jump, 1);
}

static void on_segv_fix(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)uc;
    hits++;
    fault_addr = si->si_addr;
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

static void on_ill_skip(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    hits++;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    uintptr_t *pc = saved_pc(uc);
    order[norder++] = *pc == (uintptr_t)si->si_addr;
    *pc += 4;
}

static void on_usr_stack(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)si, (void)uc;
    int local;
    handler_sp = (uintptr_t)&local;
}

static void on_record(int sig, siginfo_t *si, void *uc) {
    (void)si, (void)uc;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    order[norder++] = sig * 10 + sigismember(&now, sig);
    if (sig == SIGUSR1 && chain) {
        chain = 0;
        raise(SIGUSR2);
    }                     /* masked by sa_mask: runs after this returns */
}

static int wake_pipe[2];
static void on_alarm(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)si, (void)uc;
    hits++;
    write(wake_pipe[1], "w", 1);
}

static void on_alarm_interrupt(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)si, (void)uc;
    hits = 1;
}

static volatile int children;
static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig, (void)si, (void)uc;
    children++;
}

static void arm_timer_ms(int ms) {
    struct itimerval it = {{0, 0}, {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);           /* (the order of output and handlers' writes) */
    /* 1. SIGSEGV, longjmp out of the handler */
    set_handler(SIGSEGV, on_segv_jump, 0, 0);
    if (sigsetjmp(jump, 1) == 0) {
        *(volatile int *)0x10 = 1;
        puts("not reached");
    }
    printf("segv: addr %p code %s\n", (void *)fault_addr,
           fault_code == SEGV_MAPERR ? "SEGV_MAPERR" : "?");

    /* 2. SIGSEGV on a read-only page: the handler makes it writable, the store runs again */
    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    set_handler(SIGSEGV, on_segv_fix, 0, 0);
    ((volatile char *)page)[100] = 42;
    printf("fixed: hits %d value %d addr ok %d\n", hits, page[100],
           fault_addr == page + 100);

    /* 3. an illegal instruction: the handler moves the saved pc past it */
    hits = 0;
    norder = 0;
    set_handler(SIGILL, on_ill_skip, 0, 0);
    __asm__ volatile(".4byte 0");
    printf("sigill: hits %d code %s ucontext pc matches si_addr %d\n", hits,
           fault_code == ILL_ILLOPC ? "ILL_ILLOPC" : "?", order[0]);

    /* 4. sigaltstack and SA_ONSTACK */
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    printf("sigaltstack: %d\n", sigaltstack(&ss, NULL));
    set_handler(SIGUSR1, on_usr_stack, SA_ONSTACK, 0);
    raise(SIGUSR1);
    printf("handler on the alternate stack: %d\n",
           handler_sp > (uintptr_t)alt && handler_sp < (uintptr_t)alt + sizeof alt);
    set_handler(SIGUSR1, on_usr_stack, 0, 0);
    raise(SIGUSR1);
    printf("without SA_ONSTACK: %d\n",
           !(handler_sp > (uintptr_t)alt && handler_sp < (uintptr_t)alt + sizeof alt));
    stack_t old;
    sigaltstack(NULL, &old);
    printf("sigaltstack query: size ok %d flags %d\n", old.ss_size == sizeof alt, old.ss_flags);

    /* 5. sa_mask, SA_NODEFER: order of delivery and the mask inside handlers */
    norder = 0;
    chain = 1;
    set_handler(SIGUSR1, on_record, 0, SIGUSR2);
    set_handler(SIGUSR2, on_record, SA_NODEFER, 0);
    raise(SIGUSR1);
    printf("order:");
    for (int i = 0; i < norder; i++)
        printf(" %d", order[i]);
    printf("\n");

    /* 6. SA_RESETHAND */
    set_handler(SIGUSR2, on_usr_stack, SA_RESETHAND, 0);
    raise(SIGUSR2);
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    printf("SA_RESETHAND: handler now SIG_DFL %d\n", now.sa_handler == SIG_DFL);

    /* 7. a timer interrupting a blocking read: EINTR without SA_RESTART. The timer repeats
     * until a read is interrupted, then stops: a process slow to reach the read (a cold
     * translation on a loaded machine) may take the first alarm before it blocks. */
    pipe(wake_pipe);
    char c;
    hits = 0;
    set_handler(SIGALRM, on_alarm_interrupt, 0, 0);
    int pipe2_[2];
    pipe(pipe2_);
    struct itimerval every = {{0, 30000}, {0, 30000}}, stop = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &every, NULL);
    errno = 0;
    ssize_t r = read(pipe2_[0], &c, 1);
    setitimer(ITIMER_REAL, &stop, NULL);
    printf("read interrupted: %zd %s hits %d\n", r, errno == EINTR ? "EINTR" : "?", hits);
    /* ... and restarted with SA_RESTART: the handler's byte ends the read (or is there
     * already when the alarm comes first) */
    set_handler(SIGALRM, on_alarm, SA_RESTART, 0);
    arm_timer_ms(30);
    r = read(wake_pipe[0], &c, 1);
    printf("read restarted: %zd '%c' hits %d\n", r, c, hits);

    /* 8. sigsuspend with a pending signal, and the mask afterwards */
    sigset_t block, empty, after;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    norder = 0;
    raise(SIGUSR1);
    printf("pending before sigsuspend: %d\n", norder);
    errno = 0;
    r = sigsuspend(&empty);
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("sigsuspend: %zd %s ran %d, still blocked after %d\n", r,
           errno == EINTR ? "EINTR" : "?", norder, sigismember(&after, SIGUSR1));

    /* 9. sigpending and sigtimedwait */
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("sigpending has SIGUSR1: %d\n", sigismember(&pend, SIGUSR1));
    siginfo_t info;
    struct timespec zero = {0, 0};
    int got = sigtimedwait(&block, &info, &zero);
    printf("sigtimedwait: %d code %s\n", got, info.si_code == SI_TKILL ? "SI_TKILL" : "?");
    errno = 0;
    got = sigtimedwait(&block, &info, &zero);
    printf("sigtimedwait again: %d %s\n", got, errno == EAGAIN ? "EAGAIN" : "?");
    sigprocmask(SIG_UNBLOCK, &block, NULL);

    /* 10. SIGCHLD from a child that exits */
    set_handler(SIGCHLD, on_chld, SA_RESTART, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(5);
    int status;
    waitpid(pid, &status, 0);
    sigset_t none;
    sigemptyset(&none);
    while (!children) {
        sigprocmask(SIG_BLOCK, &none, NULL);    /* (a syscall: where signals are delivered) */
        usleep(1000);
    }
    printf("SIGCHLD: %d, child status %d\n", children, WEXITSTATUS(status));

    /* 11. a timer's signal reaches a loop that makes no syscall (translated code polls) */
    hits = 0;
    set_handler(SIGALRM, on_alarm, 0, 0);
    arm_timer_ms(50);
    unsigned long spins = 0;
    while (!hits && spins < 3000000000UL)      /* (bounded: the handler runs at the next */
        spins++;                               /* syscall where a loop does not poll) */
    usleep(1000);
    printf("loop without syscalls, then SIGALRM's handler ran: %d\n", hits);

    /* 12. a POSIX timer (SIGEV_SIGNAL) */
    norder = 0;
    set_handler(SIGUSR2, on_record, 0, 0);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR2;
    timer_t tid;
    printf("timer_create: %d\n", timer_create(CLOCK_MONOTONIC, &sev, &tid));
    struct itimerspec tv2 = {{0, 0}, {0, 20 * 1000 * 1000}};
    printf("timer_settime: %d\n", timer_settime(tid, 0, &tv2, NULL));
    sigset_t none2;
    sigemptyset(&none2);
    while (!norder)
        sigsuspend(&none2);
    struct itimerspec left;
    timer_gettime(tid, &left);
    printf("timer fired: %d, disarmed after %d\n", order[0],
           left.it_value.tv_sec == 0 && left.it_value.tv_nsec == 0);
    printf("timer_delete: %d\n", timer_delete(tid));

    /* 13. kill to itself, and a handler for SIGTERM */
    norder = 0;
    set_handler(SIGTERM, on_record, 0, 0);
    kill(getpid(), SIGTERM);
    printf("kill(getpid(), SIGTERM): %d\n", order[0]);
    return 0;
}
