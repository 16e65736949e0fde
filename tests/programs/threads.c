/* POSIX threads: mutexes, condition variables, barriers, thread-local storage, atomics
 * raced on from several threads, many short-lived threads, join values, keys with
 * destructors, pthread_once, and the ways a threaded process ends.
 *
 * Every figure printed is fixed by the program (it does not depend on scheduling): counters
 * are incremented a known number of times under a lock or atomically, and each check says 1
 * when it holds.
 *
 *   threads            all the checks below, in turn
 *   threads exit       a thread calls exit(3) while main waits in pthread_join: status 3
 *   threads lastexit   main calls pthread_exit; the last thread to end returns: status 0
 *   threads raise      a thread sends itself SIGUSR1 with a handler, then SIGTERM: death
 *   threads fork       a thread forks: the child (one thread, its tid its pid) prints and
 *                      exits 7, a second child aborts; the parent reaps both
 *   threads tkill      pthread_kill to one thread: its handler runs in that thread, and a
 *                      signal that thread blocks waits for it (sigpending) while the others
 *                      do not block it
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 4
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long locked_count;
static atomic_long atomic_count;
static _Atomic unsigned cas_count;

static void *count_up(void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        locked_count++;
        pthread_mutex_unlock(&lock);
        atomic_fetch_add(&atomic_count, 1);
        unsigned old = atomic_load(&cas_count);
        while (!atomic_compare_exchange_weak(&cas_count, &old, old + 2))
            ;
    }
    return NULL;
}

static void check_counters(void) {
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, count_up, NULL);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    printf("counters: mutex %ld atomic %ld cas %u\n", locked_count,
           (long)atomic_load(&atomic_count), atomic_load(&cas_count));
}

/* a bounded queue between 2 producers and 2 consumers */
#define QSIZE 8
#define ITEMS 2000
static int queue[QSIZE];
static int qhead, qtail, qlen, produced_done;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg) {
    int base = (int)(intptr_t)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&qlock);
        while (qlen == QSIZE)
            pthread_cond_wait(&not_full, &qlock);
        queue[qtail] = base + i;
        qtail = (qtail + 1) % QSIZE;
        qlen++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&qlock);
    }
    pthread_mutex_lock(&qlock);
    produced_done++;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&qlock);
    return NULL;
}

static void *consumer(void *arg) {
    long sum = 0, count = 0;
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&qlock);
        while (qlen == 0 && produced_done < 2)
            pthread_cond_wait(&not_empty, &qlock);
        if (qlen == 0) {
            pthread_mutex_unlock(&qlock);
            break;
        }
        sum += queue[qhead];
        qhead = (qhead + 1) % QSIZE;
        qlen--;
        count++;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&qlock);
    }
    long *out = malloc(2 * sizeof(long));
    out[0] = sum;
    out[1] = count;
    return out;
}

static void check_condvar(void) {
    pthread_t p[2], c[2];
    pthread_create(&c[0], NULL, consumer, NULL);
    pthread_create(&c[1], NULL, consumer, NULL);
    pthread_create(&p[0], NULL, producer, (void *)(intptr_t)0);
    pthread_create(&p[1], NULL, producer, (void *)(intptr_t)100000);
    long sum = 0, count = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(p[i], NULL);
        pthread_join(c[i], &r);
        sum += ((long *)r)[0];
        count += ((long *)r)[1];
        free(r);
    }
    /* 2 * (1 + ... + ITEMS) + ITEMS * 100000 */
    printf("condvar: items %ld sum %ld\n", count, sum);
}

/* a barrier and thread-local storage */
static pthread_barrier_t barrier;
static __thread int tls_value = 7;
static int seen_tls[NTHREADS];
static int phase_ok = 1;
static _Atomic int arrived;

static void *barrier_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    if (tls_value != 7)                    /* each thread starts with the initial value */
        phase_ok = 0;
    tls_value = id * 10;
    for (int round = 0; round < 3; round++) {
        atomic_fetch_add(&arrived, 1);
        pthread_barrier_wait(&barrier);
        if (atomic_load(&arrived) < (round + 1) * NTHREADS)
            phase_ok = 0;                   /* someone passed before all arrived */
        pthread_barrier_wait(&barrier);
    }
    seen_tls[id] = tls_value;
    return NULL;
}

static void check_barrier_tls(void) {
    pthread_t t[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    tls_value = 99;
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, barrier_worker, (void *)(intptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    printf("barrier: phases %d tls main %d threads %d %d %d %d\n", phase_ok, tls_value,
           seen_tls[0], seen_tls[1], seen_tls[2], seen_tls[3]);
}

/* many short-lived threads, their return values, their tids */
static pid_t main_tid;
static _Atomic int tid_differs;

static void *short_lived(void *arg) {
    if ((pid_t)syscall(SYS_gettid) != main_tid && getpid() == main_tid)
        atomic_fetch_add(&tid_differs, 1);
    return (void *)((intptr_t)arg * 2);
}

static void check_many_threads(void) {
    long sum = 0;
    main_tid = (pid_t)syscall(SYS_gettid);
    for (int batch = 0; batch < 25; batch++) {
        pthread_t t[8];
        for (int i = 0; i < 8; i++)
            if (pthread_create(&t[i], NULL, short_lived, (void *)(intptr_t)(batch * 8 + i)))
                printf("pthread_create failed\n");
        for (int i = 0; i < 8; i++) {
            void *r;
            pthread_join(t[i], &r);
            sum += (intptr_t)r;
        }
    }
    /* 2 * (0 + ... + 199) */
    printf("short-lived: 200 threads, sum %ld, own tids %d, main tid is pid %d\n", sum,
           atomic_load(&tid_differs), main_tid == getpid());
}

/* keys with destructors, pthread_once, detached threads */
static pthread_key_t key;
static _Atomic int destructed;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic int once_runs;

static void destructor(void *value) {
    atomic_fetch_add(&destructed, (int)(intptr_t)value);
}

static void init_once(void) {
    atomic_fetch_add(&once_runs, 1);
}

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;

static void *keyed(void *arg) {
    pthread_once(&once, init_once);
    pthread_setspecific(key, arg);
    return NULL;
}

static void *detached(void *arg) {
    (void)arg;
    pthread_mutex_lock(&done_lock);
    detached_done++;
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&done_lock);
    return NULL;
}

static void check_keys(void) {
    pthread_t t[NTHREADS];
    pthread_key_create(&key, destructor);
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, keyed, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 3; i++) {
        pthread_t d;
        pthread_create(&d, &attr, detached, NULL);
    }
    pthread_mutex_lock(&done_lock);
    while (detached_done < 3)
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    printf("keys: destructors %d once %d detached %d\n", atomic_load(&destructed),
           atomic_load(&once_runs), detached_done);
}

/* how a threaded process ends */
static void *exit_three(void *arg) {
    (void)arg;
    printf("thread: exit(3)\n");
    exit(3);
}

static void *last_one(void *arg) {
    (void)arg;
    usleep(20000);
    printf("last thread: returning\n");
    fflush(stdout);
    return NULL;
}

static void on_usr1(int sig) {
    (void)sig;
    static const char msg[] = "handler: SIGUSR1\n";
    write(1, msg, sizeof msg - 1);
}

static void *raiser(void *arg) {
    (void)arg;
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("thread: after SIGUSR1\n");
    fflush(stdout);
    raise(SIGTERM);
    printf("not reached\n");
    return NULL;
}

static pthread_t target;
static volatile int ran_in_target, ran_elsewhere, worker_ready, worker_go;

static void on_usr2(int sig) {
    (void)sig;
    if (pthread_equal(pthread_self(), target))
        ran_in_target++;
    else
        ran_elsewhere++;
}

static void *blocker(void *arg) {
    (void)arg;
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    worker_ready = 1;
    while (!worker_go)
        usleep(1000);
    sigpending(&pend);
    printf("worker: SIGUSR2 pending %d, handler ran %d/%d\n", sigismember(&pend, SIGUSR2),
           ran_in_target, ran_elsewhere);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    printf("worker: after unblocking, handler ran %d/%d\n", ran_in_target, ran_elsewhere);
    return NULL;
}

static void thread_kill(void) {
    signal(SIGUSR2, on_usr2);
    pthread_create(&target, NULL, blocker, NULL);
    while (!worker_ready)
        usleep(1000);
    pthread_kill(target, SIGUSR2);
    usleep(20000);                      /* (main does not block SIGUSR2: it must not run it) */
    printf("main: handler ran in the target %d, elsewhere %d\n", ran_in_target, ran_elsewhere);
    worker_go = 1;
    pthread_join(target, NULL);
    printf("main: joined, %d/%d\n", ran_in_target, ran_elsewhere);
}

static void *forker(void *arg) {
    (void)arg;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: tid is pid %d\n", (pid_t)syscall(SYS_gettid) == getpid());
        exit(7);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("parent: child exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        abort();
    waitpid(pid, &status, 0);
    printf("parent: child signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *what = argc > 1 ? argv[1] : "all";
    pthread_t t;
    if (!strcmp(what, "exit")) {
        pthread_create(&t, NULL, exit_three, NULL);
        pthread_join(t, NULL);
        printf("not reached\n");
        return 0;
    }
    if (!strcmp(what, "lastexit")) {
        pthread_create(&t, NULL, last_one, NULL);
        printf("main: pthread_exit\n");
        pthread_exit(NULL);
    }
    if (!strcmp(what, "fork")) {
        pthread_create(&t, NULL, forker, NULL);
        pthread_join(t, NULL);
        return 0;
    }
    if (!strcmp(what, "tkill")) {
        thread_kill();
        return 0;
    }
    if (!strcmp(what, "raise")) {
        pthread_create(&t, NULL, raiser, NULL);
        pthread_join(t, NULL);
        printf("not reached\n");
        return 0;
    }
    check_counters();
    check_condvar();
    check_barrier_tls();
    check_many_threads();
    check_keys();
    return 0;
}
