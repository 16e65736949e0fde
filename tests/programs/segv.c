/*
 * segv.c -- memory faults.
 *
 * Usage: segv [read|write|exec|handler]
 *   read     load through a wild pointer (an address in the unmapped first page): the process
 *            dies by SIGSEGV, exit status 139; stdout written with write(2) before it survives
 *   write    store through a wild pointer: same
 *   exec     call through a wild function pointer (instruction fetch fault): same
 *   handler  SA_SIGINFO SIGSEGV handler reporting si_signo, si_code (SEGV_MAPERR for an
 *            unmapped page, SEGV_ACCERR for a write to a PROT_READ page) and si_addr (a fixed,
 *            known address, so printing it is deterministic), escaping with siglongjmp; then
 *            exits 0
 *   resume   a SIGSEGV handler that makes the page writable and returns, so that the store
 *            that faulted runs again with the registers the signal frame holds: in a loop
 *            hot enough for dbt-vm's -O2 tier, whose registers at the fault must be the
 *            guest's exact ones (the sum printed depends on them)
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile uintptr_t expected_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    char msg[160];
    int n = snprintf(msg, sizeof msg, "caught signal %d code %s addr_matches %d\n", sig,
                     si->si_code == SEGV_MAPERR   ? "SEGV_MAPERR"
                     : si->si_code == SEGV_ACCERR ? "SEGV_ACCERR"
                                                  : "other",
                     (uintptr_t)si->si_addr == expected_addr);
    write(1, msg, (size_t)n);
    siglongjmp(env, 1);
}

static void say(const char *s) { write(1, s, strlen(s)); }

#define PAGES 64
static char *buf;
static volatile int faults;

static void on_segv_unprotect(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    mprotect(buf, PAGES * 4096, PROT_READ | PROT_WRITE);
    faults++;
}

static void resume(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv_unprotect;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    buf = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned long sum = 0, mix = 1;
    for (int round = 0; round < 20; round++) {
        /* rounds 16-19 (the loop has run 500,000 times: dbt-vm's hot tier runs it): the
           upper half is read-only, so the loop faults halfway through */
        if (round >= 16)
            mprotect(buf + PAGES / 2 * 4096, PAGES / 2 * 4096, PROT_READ);
        for (unsigned long i = 0; i < PAGES * 4096 / 8; i++) {
            sum += i ^ (unsigned long)round;
            mix = mix * 6364136223846793005UL + sum;
            ((volatile unsigned long *)buf)[i] = mix;
        }
    }
    unsigned long check = 0;
    for (unsigned long i = 0; i < PAGES * 4096 / 8; i++)
        check ^= ((unsigned long *)buf)[i] + i;
    printf("sum %lu mix %lu check %lu faults %d\n", sum, mix, check, faults);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "read";
    volatile uintptr_t wild = 0x100; /* inside the never-mapped page 0 */

    if (strcmp(mode, "read") == 0) {
        say("about to read through a wild pointer\n");
        int v = *(volatile int *)wild;
        printf("not reached %d\n", v);
    } else if (strcmp(mode, "write") == 0) {
        say("about to write through a wild pointer\n");
        *(volatile long *)(wild + 0x808) = 42;
        say("not reached\n");
    } else if (strcmp(mode, "exec") == 0) {
        say("about to jump to a wild address\n");
        void (*fn)(void) = (void (*)(void))(wild + 0x200);
        fn();
        say("not reached\n");
    } else if (strcmp(mode, "handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);

        expected_addr = wild + 8;
        if (sigsetjmp(env, 1) == 0) {
            int v = *(volatile int *)(wild + 8);
            printf("not reached %d\n", v);
        }
        say("back from read fault\n");

        char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        expected_addr = (uintptr_t)(page + 123);
        if (sigsetjmp(env, 1) == 0) {
            page[123] = 1;
            say("not reached\n");
        }
        say("back from write-protect fault\n");
        printf("page still reads %d\n", page[123]);

        expected_addr = wild + 0x400;
        if (sigsetjmp(env, 1) == 0) {
            void (*fn)(void) = (void (*)(void))(wild + 0x400);
            fn();
        }
        say("back from exec fault\n");
        /* the handler is still installed and SIGSEGV unblocked after siglongjmp */
        expected_addr = wild;
        if (sigsetjmp(env, 1) == 0)
            *(volatile char *)wild = 1;
        say("second read fault handled\n");
        return 0;
    } else if (strcmp(mode, "resume") == 0) {
        resume();
        return 0;
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 1;
}
