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
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 1;
}
