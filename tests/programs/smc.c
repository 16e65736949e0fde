/*
 * smc.c -- self-modifying code: machine code written at run time, run, changed, run again.
 *
 * Usage: smc [store|read|pread|remap|all]
 *   store   map a page RW, store `li a0, 42; ret` into it, mprotect it RX, fence.i, call it
 *           (many times, so that a translator compiles it and its caller hot); then make it
 *           writable again, store `li a0, 7; ret`, back to RX, fence.i, call again; then the
 *           same on a RWX page without any mprotect in between (only fence.i tells the
 *           translator), and with a longer function (a loop) replaced by a shorter one
 *   read    the new code comes from a pipe: read(2) writes it into the RWX page (the kernel
 *           writes, not a guest store), then fence.i; then once more without the fence.i
 *           (real hardware would need it; qemu-user and dbt-vm notice the kernel's write)
 *   pread   the same with pread64(2) from a file (created in the working directory and
 *           removed again), and with readv(2) from a pipe, both without fence.i
 *   remap   munmap the page and map a new one at the same address holding other code
 *           (MAP_FIXED, and a file mapping with PROT_EXEC), fence.i, call
 *   all     every one of the above (the default)
 * Prints each result; exits 0.
 *
 * On AArch64 the code is `mov x0, #v; ret` and so on, and "fence.i" is DC CVAU, DSB ISH,
 * IC IVAU, DSB ISH, ISB on the code's cache line (the messages keep the RISC-V name).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

typedef long (*fn_t)(long);

#if defined(__aarch64__)
/* AArch64 encodings; fence.i below stands for what AArch64 asks for instead (see fence_i) */
#define LI_A0(v) ((v) < 0 ? 0x92800000u | ((uint32_t)~(v) & 0xffff) << 5  /* movn x0, ~v */ \
                          : 0xd2800000u | ((uint32_t)(v) & 0xffff) << 5)  /* movz x0, v */
#define RET 0xd65f03c0u                                          /* ret */
#define ADDI_A0_A0(v) (0x91000000u | ((uint32_t)(v) & 0xfff) << 10) /* add x0, x0, v */

/* The cache maintenance that makes new code visible to instruction fetch (one cache line
 * is enough: every page's code starts at the page and is shorter than 64 bytes); the
 * functions below call it with no argument, so the code is always at `code_page`. */
static void *code_page;
static void fence_i(void)
{
    __asm__ volatile("dc cvau, %0\n\tdsb ish\n\tic ivau, %0\n\tdsb ish\n\tisb"
                     : : "r"(code_page) : "memory");
}
#define SET_CODE_PAGE(p) (code_page = (p))
#else
/* RV64 encodings */
#define LI_A0(v) (0x00000513u | ((uint32_t)(v) & 0xfff) << 20) /* addi a0, zero, v */
#define RET 0x00008067u                                          /* jalr zero, 0(ra) */
#define ADDI_A0_A0(v) (0x00050513u | ((uint32_t)(v) & 0xfff) << 20)

static void fence_i(void) { __asm__ volatile(".4byte 0x0000100f" ::: "memory"); /* fence.i */ }
#define SET_CODE_PAGE(p) ((void)(p))
#endif

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* `li a0, v; ret` */
static void put_li_ret(uint32_t *p, int v)
{
    p[0] = LI_A0(v);
    p[1] = RET;
}

/* a0 = a0 * 3 by a loop of `addi a0, a0, ...`: a few blocks, not one */
static void put_loop(uint32_t *p)
{
#if defined(__aarch64__)
    p[0] = 0xaa0003e1u;   /* mov x1, x0 */
    p[1] = 0xd2800062u;   /* mov x2, #3 */
    p[2] = 0xd2800000u;   /* mov x0, #0 */
    p[3] = 0x8b010000u;   /* loop: add x0, x0, x1 */
    p[4] = 0xd1000442u;   /* sub x2, x2, #1 */
    p[5] = 0xb5ffffc2u;   /* cbnz x2, loop */
    p[6] = RET;
#else
    p[0] = 0x00050593u;   /* mv a1, a0 */
    p[1] = 0x00300613u;   /* li a2, 3 */
    p[2] = 0x00000513u;   /* li a0, 0 */
    p[3] = 0x00b50533u;   /* loop: add a0, a0, a1 */
    p[4] = 0xfff60613u;   /* addi a2, a2, -1 */
    p[5] = 0xfe061ce3u;   /* bnez a2, loop */
    p[6] = RET;
#endif
}

static long call_many(void *code, long arg, int times)
{
    fn_t f = (fn_t)code;
    long sum = 0;
    for (int i = 0; i < times; i++)
        sum += f(arg);
    return sum;
}

static void *map(void *at, int prot, int flags)
{
    void *p = mmap(at, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    SET_CODE_PAGE(p);
    return p;
}

static void test_store(void)
{
    uint32_t *page = map(NULL, PROT_READ | PROT_WRITE, 0);
    put_li_ret(page, 42);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC))
        die("mprotect");
    fence_i();
    printf("store: first %ld, sum of 30000 calls %ld\n", ((fn_t)page)(0),
           call_many(page, 0, 30000));
    if (mprotect(page, 4096, PROT_READ | PROT_WRITE))
        die("mprotect");
    put_li_ret(page, 7);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC))
        die("mprotect");
    fence_i();
    printf("store: rewritten %ld, sum of 30000 calls %ld\n", ((fn_t)page)(0),
           call_many(page, 0, 30000));
    munmap(page, 4096);

    /* RWX: nothing but fence.i says that the code changed */
    page = map(NULL, PROT_READ | PROT_WRITE | PROT_EXEC, 0);
    put_li_ret(page, 42);
    fence_i();
    printf("rwx: first %ld, sum %ld\n", ((fn_t)page)(0), call_many(page, 0, 30000));
    put_li_ret(page, 7);
    fence_i();
    printf("rwx: rewritten %ld, sum %ld\n", ((fn_t)page)(0), call_many(page, 0, 30000));
    page[0] = ADDI_A0_A0(100); /* one word only: a0 + 100 */
    fence_i();
    printf("rwx: one word changed %ld\n", ((fn_t)page)(5));
    put_loop(page);
    fence_i();
    printf("rwx: loop 3*a0 %ld, sum %ld\n", ((fn_t)page)(14), call_many(page, 2, 30000));
    put_li_ret(page, -1);
    fence_i();
    printf("rwx: loop replaced %ld\n", ((fn_t)page)(14));
    munmap(page, 4096);
}

static void pipe_code(int fds[2], int v)
{
    uint32_t code[2];
    put_li_ret(code, v);
    if (pipe(fds))
        die("pipe");
    if (write(fds[1], code, sizeof code) != sizeof code)
        die("write");
    close(fds[1]);
}

static void test_read(void)
{
    uint32_t *page = map(NULL, PROT_READ | PROT_WRITE | PROT_EXEC, 0);
    int fds[2];
    put_li_ret(page, 42);
    fence_i();
    printf("read: first %ld, sum %ld\n", ((fn_t)page)(0), call_many(page, 0, 30000));
    pipe_code(fds, 7);
    printf("read: read %zd bytes\n", read(fds[0], page, 4096));
    close(fds[0]);
    fence_i();
    printf("read: after read and fence.i %ld, sum %ld\n", ((fn_t)page)(0),
           call_many(page, 0, 30000));
    pipe_code(fds, 9);
    printf("read: read %zd bytes\n", read(fds[0], page, 4096));
    close(fds[0]);
    printf("read: after read, no fence.i %ld\n", ((fn_t)page)(0));
    munmap(page, 4096);
}

static void test_pread(void)
{
    uint32_t *page = map(NULL, PROT_READ | PROT_WRITE | PROT_EXEC, 0);
    uint32_t code[4];
    put_li_ret(code, 11);
    put_li_ret(code + 2, 13);
    int fd = open("smc-code.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        die("open");
    if (write(fd, code, sizeof code) != sizeof code)
        die("write");
    put_li_ret(page, 42);
    fence_i();
    printf("pread: first %ld, sum %ld\n", ((fn_t)page)(0), call_many(page, 0, 30000));
    printf("pread: %zd bytes\n", pread(fd, page, 8, 8));
    printf("pread: after pread64, no fence.i %ld\n", ((fn_t)page)(0));
    close(fd);
    unlink("smc-code.bin");

    int fds[2];
    pipe_code(fds, 21);
    uint32_t scratch;
    struct iovec iov[2] = {{&scratch, 0}, {page, 8}};
    printf("readv: %zd bytes\n", readv(fds[0], iov, 2));
    close(fds[0]);
    printf("readv: after readv, no fence.i %ld, sum %ld\n", ((fn_t)page)(0),
           call_many(page, 0, 30000));
    munmap(page, 4096);
}

static void test_remap(void)
{
    uint32_t *page = map(NULL, PROT_READ | PROT_WRITE, 0);
    put_li_ret(page, 42);
    mprotect(page, 4096, PROT_READ | PROT_EXEC);
    fence_i();
    printf("remap: first %ld, sum %ld\n", ((fn_t)page)(0), call_many(page, 0, 30000));
    if (munmap(page, 4096))
        die("munmap");
    uint32_t *again = map(page, PROT_READ | PROT_WRITE, MAP_FIXED);
    put_li_ret(again, 5);
    mprotect(again, 4096, PROT_READ | PROT_EXEC);
    fence_i();
    printf("remap: same address %d, new code %ld, sum %ld\n", again == page,
           ((fn_t)again)(0), call_many(again, 0, 30000));

    /* a file mapping with PROT_EXEC replacing the page in place */
    uint32_t code[1024] = {0};
    put_li_ret(code, 77);
    int fd = open("smc-map.bin", O_RDWR | O_CREAT | O_TRUNC, 0700);
    if (fd < 0)
        die("open");
    if (write(fd, code, sizeof code) != sizeof code)
        die("write");
    void *file = mmap(page, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (file == MAP_FAILED)
        die("mmap file");
    SET_CODE_PAGE(file);
    close(fd);
    unlink("smc-map.bin");
    fence_i();
    printf("remap: file mapping %ld, sum %ld\n", ((fn_t)file)(0), call_many(file, 0, 30000));
    munmap(file, 4096);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    int all = !strcmp(what, "all");
    if (all || !strcmp(what, "store"))
        test_store();
    if (all || !strcmp(what, "read"))
        test_read();
    if (all || !strcmp(what, "pread"))
        test_pread();
    if (all || !strcmp(what, "remap"))
        test_remap();
    return 0;
}
