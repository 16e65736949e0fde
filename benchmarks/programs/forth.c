/* forth: code-heavy — a Forth system in call-threaded style: every primitive is a C function of
 * its own (about 130 of them), reached through a pointer in its dictionary entry; colon
 * definitions are threaded code (cells holding execution tokens, inline literals and branch
 * offsets) run by a tiny inner interpreter with a return stack. The outer interpreter parses
 * words, looks them up in a hashed dictionary, converts numbers in BASE, and compiles: IF ELSE
 * THEN, BEGIN UNTIL AGAIN WHILE REPEAT, DO ?DO LOOP +LOOP LEAVE UNLOOP, RECURSE, CREATE DOES>,
 * VARIABLE CONSTANT VALUE TO, ." S" ( \ [ ] ' ['] LITERAL POSTPONE IMMEDIATE, pictured numeric
 * output, EVALUATE. Each round boots a fresh dictionary from Forth source (the Hayes tester
 * T{ -> }T is itself written in Forth), runs 127 tester cases, then programs (a sieve,
 * recursive fib, an insertion sort, gcd tables, Collatz, a DOES> array, a string reverser,
 * hex and decimal formatting, nested EVALUATE); their output is compared line by line with
 * the same results computed in C. Exit status 1 on any mismatch or tester failure.
 * argv[1] scales the work (rounds, default 10). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t cell;
typedef uint64_t ucell;

#define MEM (1 << 20)
#define MAXW 1024
#define STK 256
#define HASH 512

typedef struct Word Word;
struct Word {
    char name[32];
    int len, immediate, hidden, next;       /* next: the previous word of the same hash */
    void (*code)(Word *);
    cell body;                                /* threaded code / data field (offset in mem) */
    cell does;                                /* DOES> code, or -1 */
};

static unsigned char mem[MEM];
static Word words[MAXW];
static int nwords, buckets[HASH];
static cell ds[STK], rs[STK];
static int sp, rp;                            /* ds[0..sp) and rs[0..rp) */
static cell ip, here, state, base = 10, hld;
static const char *src;
static int src_len, to_in;
static char out[1 << 16];
static int out_len;
static long errors, steps;
static int abort_flag;
static cell xt_lit, xt_branch, xt_0branch, xt_exit, xt_do, xt_qdo, xt_loop, xt_ploop, xt_slit,
    xt_dotq, xt_does;

/* ---- memory and stacks -------------------------------------------------------------------- */

static void fail(const char *what);
static cell fetch(cell a) {
    cell v = 0;
    if ((ucell)a > MEM - 8) fail("address out of range");
    else memcpy(&v, mem + a, 8);
    return v;
}
static void store(cell a, cell v) {
    if ((ucell)a > MEM - 8) fail("address out of range");
    else memcpy(mem + a, &v, 8);
}
static void fail(const char *what) {
    if (!abort_flag) {
        int n = snprintf(out + out_len, sizeof out - out_len - 1, "error: %s\n", what);
        if (n > 0 && out_len + n < (int)sizeof out - 1) out_len += n;
    }
    abort_flag = 1;
    errors++;
}
static void push(cell v) {
    if (sp >= STK) { fail("stack overflow"); return; }
    ds[sp++] = v;
}
static cell pop(void) {
    if (sp <= 0) { fail("stack underflow"); return 0; }
    return ds[--sp];
}
static void rpush(cell v) {
    if (rp >= STK) { fail("return stack overflow"); return; }
    rs[rp++] = v;
}
static cell rpop(void) {
    if (rp <= 0) { fail("return stack underflow"); return 0; }
    return rs[--rp];
}
static void comma(cell v) { store(here, v); here += 8; }
static void emit(int c) {
    if (out_len < (int)sizeof out - 1) out[out_len++] = (char)c;
}

/* ---- primitives: stack -------------------------------------------------------------------- */

static void p_dup(Word *w) { cell a = pop(); push(a); push(a); }
static void p_drop(Word *w) { pop(); }
static void p_swap(Word *w) { cell b = pop(), a = pop(); push(b); push(a); }
static void p_over(Word *w) { cell b = pop(), a = pop(); push(a); push(b); push(a); }
static void p_rot(Word *w) { cell c = pop(), b = pop(), a = pop(); push(b); push(c); push(a); }
static void p_mrot(Word *w) { cell c = pop(), b = pop(), a = pop(); push(c); push(a); push(b); }
static void p_nip(Word *w) { cell b = pop(); pop(); push(b); }
static void p_tuck(Word *w) { cell b = pop(), a = pop(); push(b); push(a); push(b); }
static void p_pick(Word *w) {
    cell n = pop();
    if (n < 0 || n >= sp) { fail("pick out of range"); return; }
    push(ds[sp - 1 - n]);
}
static void p_roll(Word *w) {
    cell n = pop();
    if (n < 0 || n >= sp) { fail("roll out of range"); return; }
    cell v = ds[sp - 1 - n];
    memmove(&ds[sp - 1 - n], &ds[sp - n], (size_t)n * sizeof(cell));
    ds[sp - 1] = v;
}
static void p_2dup(Word *w) { cell b = pop(), a = pop(); push(a); push(b); push(a); push(b); }
static void p_2drop(Word *w) { pop(); pop(); }
static void p_2swap(Word *w) {
    cell d = pop(), c = pop(), b = pop(), a = pop();
    push(c); push(d); push(a); push(b);
}
static void p_2over(Word *w) {
    cell d = pop(), c = pop(), b = pop(), a = pop();
    push(a); push(b); push(c); push(d); push(a); push(b);
}
static void p_qdup(Word *w) { cell a = pop(); push(a); if (a) push(a); }
static void p_depth(Word *w) { push(sp); }
static void p_tor(Word *w) { rpush(pop()); }
static void p_rfrom(Word *w) { push(rpop()); }
static void p_rfetch(Word *w) { if (rp) push(rs[rp - 1]); else fail("r@ on empty"); }

/* ---- primitives: arithmetic and logic ----------------------------------------------------- */

static void p_add(Word *w) { cell b = pop(), a = pop(); push((cell)((ucell)a + (ucell)b)); }
static void p_sub(Word *w) { cell b = pop(), a = pop(); push((cell)((ucell)a - (ucell)b)); }
static void p_mul(Word *w) { cell b = pop(), a = pop(); push((cell)((ucell)a * (ucell)b)); }
static cell floor_div(cell a, cell b, cell *rem) {
    cell q = a / b, r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) { q--; r += b; }
    *rem = r;
    return q;
}
static int divisor_ok(cell b, cell a) {
    if (b == 0) { fail("division by zero"); return 0; }
    if (b == -1 && a == INT64_MIN) { fail("division overflow"); return 0; }
    return 1;
}
static void p_div(Word *w) {
    cell b = pop(), a = pop(), r;
    if (divisor_ok(b, a)) push(floor_div(a, b, &r)); else push(0);
}
static void p_mod(Word *w) {
    cell b = pop(), a = pop(), r = 0;
    if (divisor_ok(b, a)) floor_div(a, b, &r);
    push(r);
}
static void p_divmod(Word *w) {
    cell b = pop(), a = pop(), r = 0, q = 0;
    if (divisor_ok(b, a)) q = floor_div(a, b, &r);
    push(r);
    push(q);
}
static void p_muldiv(Word *w) {          /* a * b / c with a 128-bit intermediate, floored */
    cell c = pop(), b = pop(), a = pop();
    if (c == 0) { fail("division by zero"); push(0); return; }
    __int128 p = (__int128)a * b, q = p / c, m = p % c;
    if (m != 0 && ((m < 0) != (c < 0))) q--;
    push((cell)q);
}
static void p_negate(Word *w) { push((cell)(0 - (ucell)pop())); }
static void p_abs(Word *w) { cell a = pop(); push(a < 0 ? (cell)(0 - (ucell)a) : a); }
static void p_min(Word *w) { cell b = pop(), a = pop(); push(a < b ? a : b); }
static void p_max(Word *w) { cell b = pop(), a = pop(); push(a > b ? a : b); }
static void p_inc(Word *w) { push(pop() + 1); }
static void p_dec(Word *w) { push(pop() - 1); }
static void p_2mul(Word *w) { push((cell)((ucell)pop() << 1)); }
static void p_2div(Word *w) { push(pop() >> 1); }
static void p_and(Word *w) { cell b = pop(), a = pop(); push(a & b); }
static void p_or(Word *w) { cell b = pop(), a = pop(); push(a | b); }
static void p_xor(Word *w) { cell b = pop(), a = pop(); push(a ^ b); }
static void p_invert(Word *w) { push(~pop()); }
static void p_lshift(Word *w) {
    cell n = pop();
    ucell a = (ucell)pop();
    push(n >= 64 ? 0 : (cell)(a << n));
}
static void p_rshift(Word *w) {
    cell n = pop();
    ucell a = (ucell)pop();
    push(n >= 64 ? 0 : (cell)(a >> n));
}
static void p_eq(Word *w) { cell b = pop(), a = pop(); push(a == b ? -1 : 0); }
static void p_ne(Word *w) { cell b = pop(), a = pop(); push(a != b ? -1 : 0); }
static void p_lt(Word *w) { cell b = pop(), a = pop(); push(a < b ? -1 : 0); }
static void p_gt(Word *w) { cell b = pop(), a = pop(); push(a > b ? -1 : 0); }
static void p_ult(Word *w) { ucell b = (ucell)pop(), a = (ucell)pop(); push(a < b ? -1 : 0); }
static void p_0eq(Word *w) { push(pop() == 0 ? -1 : 0); }
static void p_0lt(Word *w) { push(pop() < 0 ? -1 : 0); }
static void p_0gt(Word *w) { push(pop() > 0 ? -1 : 0); }
static void p_within(Word *w) {
    ucell hi = (ucell)pop(), lo = (ucell)pop(), x = (ucell)pop();
    push(x - lo < hi - lo ? -1 : 0);
}

/* ---- primitives: memory ------------------------------------------------------------------- */

static void p_fetch(Word *w) { push(fetch(pop())); }
static void p_store(Word *w) { cell a = pop(), v = pop(); store(a, v); }
static void p_pstore(Word *w) { cell a = pop(), v = pop(); store(a, fetch(a) + v); }
static void p_cfetch(Word *w) { push(mem[pop() & (MEM - 1)]); }
static void p_cstore(Word *w) { cell a = pop(), v = pop(); mem[a & (MEM - 1)] = (unsigned char)v; }
static void p_comma(Word *w) { comma(pop()); }
static void p_ccomma(Word *w) { mem[here++ & (MEM - 1)] = (unsigned char)pop(); }
static void p_here(Word *w) { push(here); }
static void p_allot(Word *w) { here += pop(); }
static void p_align(Word *w) { here = (here + 7) & ~7; }
static void p_cells(Word *w) { push(pop() * 8); }
static void p_cellp(Word *w) { push(pop() + 8); }
static void p_charp(Word *w) { push(pop() + 1); }
static void p_count(Word *w) { cell a = pop(); push(a + 1); push(mem[a & (MEM - 1)]); }
static void p_move(Word *w) {
    cell n = pop(), to = pop(), from = pop();
    if (n > 0 && from >= 0 && to >= 0 && from + n <= MEM && to + n <= MEM)
        memmove(mem + to, mem + from, (size_t)n);
}
static void p_fill(Word *w) {
    cell c = pop(), n = pop(), a = pop();
    if (n > 0 && a >= 0 && a + n <= MEM) memset(mem + a, (int)c, (size_t)n);
}
static void p_compare(Word *w) {
    cell n2 = pop(), a2 = pop(), n1 = pop(), a1 = pop();
    cell n = n1 < n2 ? n1 : n2;
    int c = n > 0 ? memcmp(mem + (a1 & (MEM - 1)), mem + (a2 & (MEM - 1)), (size_t)n) : 0;
    push(c < 0 ? -1 : c > 0 ? 1 : n1 < n2 ? -1 : n1 > n2 ? 1 : 0);
}

/* ---- primitives: output ------------------------------------------------------------------- */

static void p_emit(Word *w) { emit((int)pop()); }
static void p_cr(Word *w) { emit('\n'); }
static void p_space(Word *w) { emit(' '); }
static void p_spaces(Word *w) { for (cell n = pop(); n > 0; n--) emit(' '); }
static void p_type(Word *w) {
    cell n = pop(), a = pop();
    for (cell i = 0; i < n; i++) emit(mem[(a + i) & (MEM - 1)]);
}
static void put_number(cell v, int is_unsigned) {
    char buf[72];
    int n = 0, neg = !is_unsigned && v < 0;
    ucell u = neg ? 0 - (ucell)v : (ucell)v;
    do {
        int d = (int)(u % (ucell)base);
        buf[n++] = (char)(d < 10 ? '0' + d : 'A' + d - 10);
        u /= (ucell)base;
    } while (u);
    if (neg) buf[n++] = '-';
    while (n) emit(buf[--n]);
    emit(' ');
}
static void p_dot(Word *w) { put_number(pop(), 0); }
static void p_udot(Word *w) { put_number(pop(), 1); }
static void p_basefetch(Word *w) { push(base); }
static void p_basestore(Word *w) {
    cell b = pop();
    if (b >= 2 && b <= 36) base = b;
    else fail("bad base");
}
static void p_decimal(Word *w) { base = 10; }
static void p_hex(Word *w) { base = 16; }
/* pictured numeric output: the buffer grows down from the end of mem */
#define PAD_END (MEM - 64)
static void p_lessnum(Word *w) { hld = PAD_END; }
static void p_hold(Word *w) { mem[--hld & (MEM - 1)] = (unsigned char)pop(); }
static void p_num(Word *w) {
    ucell u = (ucell)pop();
    int d = (int)(u % (ucell)base);
    mem[--hld & (MEM - 1)] = (unsigned char)(d < 10 ? '0' + d : 'A' + d - 10);
    push((cell)(u / (ucell)base));
}
static void p_nums(Word *w) { do p_num(w); while (ds[sp - 1] != 0 && !abort_flag); }
static void p_numgreater(Word *w) { pop(); push(hld); push(PAD_END - hld); }
static void p_sign(Word *w) { if (pop() < 0) mem[--hld & (MEM - 1)] = '-'; }

/* ---- the inner interpreter ---------------------------------------------------------------- */

static void execute(cell xt);

static void docol(Word *w) {
    rpush(ip);
    ip = w->body;
}
static void dovar(Word *w) { push(w->body); }
static void docon(Word *w) { push(fetch(w->body)); }
static void dodoes(Word *w) {
    push(w->body);
    rpush(ip);
    ip = w->does;
}
static void p_exit(Word *w) { ip = rpop(); }
static void p_lit(Word *w) { push(fetch(ip)); ip += 8; }
static void p_branch(Word *w) { ip += fetch(ip); }
static void p_0branch(Word *w) { if (pop() == 0) ip += fetch(ip); else ip += 8; }
static void p_do(Word *w) {
    cell start = pop(), limit = pop();
    rpush(fetch(ip));                /* where LEAVE goes */
    ip += 8;
    rpush(limit);
    rpush(start);
}
static void p_qdo(Word *w) {
    cell start = pop(), limit = pop();
    if (start == limit) { ip = fetch(ip); return; }       /* past the loop */
    push(limit);
    push(start);
    p_do(w);
}
static void p_loop(Word *w) {
    cell i = rs[rp - 1] + 1, limit = rs[rp - 2];
    if (i == limit) { rp -= 3; ip += 8; }
    else { rs[rp - 1] = i; ip += fetch(ip); }
}
static void p_ploop(Word *w) {          /* ends when the index crosses limit-1 | limit */
    cell n = pop(), i = rs[rp - 1], limit = rs[rp - 2];
    cell before = (cell)((ucell)i - (ucell)limit), after = (cell)((ucell)before + (ucell)n);
    if (n >= 0 ? (before < 0 && after >= 0) : (before >= 0 && after < 0)) {
        rp -= 3;
        ip += 8;
        return;
    }
    rs[rp - 1] = (cell)((ucell)i + (ucell)n);
    ip += fetch(ip);
}
static void p_i(Word *w) { push(rs[rp - 1]); }
static void p_j(Word *w) { push(rs[rp - 4]); }
static void p_unloop(Word *w) { rp -= 3; }
static void p_leave(Word *w) { ip = rs[rp - 3]; rp -= 3; }
static void p_slit(Word *w) {
    cell n = fetch(ip);
    push(ip + 8);
    push(n);
    ip += 8 + ((n + 7) & ~7);
}
static void p_dotq(Word *w) {
    p_slit(w);
    p_type(w);
}
static void p_execute(Word *w) { execute(pop()); }

static void execute(cell xt) {
    if (xt < 0 || xt >= nwords) { fail("bad execution token"); return; }
    Word *w = &words[xt];
    if (w->code != docol && w->code != dodoes) { w->code(w); return; }
    cell saved_ip = ip;
    int depth = rp;
    ip = 0;                           /* the word's EXIT returns to 0: the loop ends */
    w->code(w);
    while (ip != 0 && !abort_flag) {
        cell next = fetch(ip);
        ip += 8;
        steps++;
        if (next < 0 || next >= nwords) { fail("bad threaded code"); break; }
        words[next].code(&words[next]);
    }
    if (abort_flag) rp = depth;
    ip = saved_ip;
}

/* ---- the dictionary and the outer interpreter --------------------------------------------- */

static unsigned hash_name(const char *s, int n) {
    unsigned h = 2166136261u;
    for (int i = 0; i < n; i++) {
        int c = s[i];
        if (c >= 'a' && c <= 'z') c -= 32;
        h = (h ^ (unsigned)c) * 16777619u;
    }
    return h % HASH;
}
static int name_eq(const char *a, const char *b, int n) {
    for (int i = 0; i < n; i++) {
        int x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x -= 32;
        if (y >= 'a' && y <= 'z') y -= 32;
        if (x != y) return 0;
    }
    return 1;
}
static cell find(const char *s, int n) {
    for (int i = buckets[hash_name(s, n)]; i >= 0; i = words[i].next)
        if (!words[i].hidden && words[i].len == n && name_eq(words[i].name, s, n)) return i;
    return -1;
}
static cell define(const char *s, int n, void (*code)(Word *)) {
    if (nwords >= MAXW || n >= 32) { fail("dictionary full"); return 0; }
    Word *w = &words[nwords];
    memcpy(w->name, s, (size_t)n);
    w->name[n] = 0;
    w->len = n;
    w->immediate = w->hidden = 0;
    w->code = code;
    w->body = here;
    w->does = -1;
    unsigned h = hash_name(s, n);
    w->next = buckets[h];
    buckets[h] = nwords;
    return nwords++;
}
static cell prim(const char *s, void (*code)(Word *)) { return define(s, (int)strlen(s), code); }

static int parse_word(const char **start) {
    while (to_in < src_len && (unsigned char)src[to_in] <= ' ') to_in++;
    *start = src + to_in;
    int n = 0;
    while (to_in < src_len && (unsigned char)src[to_in] > ' ') { to_in++; n++; }
    if (to_in < src_len) to_in++;
    return n;
}
static int parse_until(char delim, const char **start) {
    *start = src + to_in;
    int n = 0;
    while (to_in < src_len && src[to_in] != delim) { to_in++; n++; }
    if (to_in < src_len) to_in++;
    return n;
}
static int to_number(const char *s, int n, cell *value) {
    int neg = 0, i = 0;
    cell b = base;
    if (n > 0 && s[0] == '$') { b = 16; i++; }
    else if (n > 0 && s[0] == '#') { b = 10; i++; }
    else if (n > 0 && s[0] == '%') { b = 2; i++; }
    if (n == 3 && s[0] == '\'' && s[2] == '\'') { *value = s[1]; return 1; }
    if (i < n && s[i] == '-') { neg = 1; i++; }
    if (i >= n) return 0;
    ucell v = 0;
    for (; i < n; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
        else return 0;
        if (d >= b) return 0;
        v = v * (ucell)b + (ucell)d;
    }
    *value = neg ? (cell)(0 - v) : (cell)v;
    return 1;
}
static void compile_string(const char *s, int n) {
    comma(n);
    memcpy(mem + here, s, (size_t)n);
    here += (n + 7) & ~7;
}

static void interpret(const char *text, int n) {
    const char *saved_src = src;
    int saved_len = src_len, saved_in = to_in;
    src = text;
    src_len = n;
    to_in = 0;
    while (!abort_flag) {
        const char *s;
        int len = parse_word(&s);
        if (len == 0) break;
        cell xt = find(s, len), v;
        if (xt >= 0) {
            if (state && !words[xt].immediate) comma(xt);
            else execute(xt);
        } else if (to_number(s, len, &v)) {
            if (state) { comma(xt_lit); comma(v); }
            else push(v);
        } else {
            char msg[64];
            snprintf(msg, sizeof msg, "unknown word %.*s", len > 40 ? 40 : len, s);
            fail(msg);
        }
    }
    src = saved_src;
    src_len = saved_len;
    to_in = saved_in;
}

/* ---- compiling words ---------------------------------------------------------------------- */

static cell latest = -1;
static void p_colon(Word *w) {
    const char *s;
    int n = parse_word(&s);
    if (!n) { fail("name expected"); return; }
    latest = define(s, n, docol);
    words[latest].hidden = 1;
    state = 1;
}
static void p_semicolon(Word *w) {
    comma(xt_exit);
    if (latest >= 0) words[latest].hidden = 0;
    state = 0;
}
static void p_immediate(Word *w) { if (latest >= 0) words[latest].immediate = 1; }
static void p_lbracket(Word *w) { state = 0; }
static void p_rbracket(Word *w) { state = 1; }
static void p_state(Word *w) { push(state); }
static void p_tick(Word *w) {
    const char *s;
    int n = parse_word(&s);
    cell xt = find(s, n);
    if (xt < 0) fail("' of an unknown word");
    push(xt);
}
static void p_btick(Word *w) { p_tick(w); comma(xt_lit); comma(pop()); }
static void p_literal(Word *w) { comma(xt_lit); comma(pop()); }
static void p_postpone(Word *w) {
    const char *s;
    int n = parse_word(&s);
    cell xt = find(s, n);
    if (xt < 0) { fail("postpone of an unknown word"); return; }
    if (words[xt].immediate) comma(xt);
    else { comma(xt_lit); comma(xt); comma(find(",", 1)); }
}
static void p_recurse(Word *w) { comma(latest); }
static void p_if(Word *w) { comma(xt_0branch); push(here); comma(0); }
static void p_else(Word *w) {
    cell orig = pop();
    comma(xt_branch);
    push(here);
    comma(0);
    store(orig, here - orig);
}
static void p_then(Word *w) { cell orig = pop(); store(orig, here - orig); }
static void p_begin(Word *w) { push(here); }
static void p_until(Word *w) { comma(xt_0branch); cell dest = pop(); comma(dest - here); }
static void p_again(Word *w) { comma(xt_branch); cell dest = pop(); comma(dest - here); }
static void p_while(Word *w) { cell dest = pop(); p_if(w); push(dest); }
static void p_repeat(Word *w) { p_again(w); p_then(w); }
static void p_cdo(Word *w) { comma(xt_do); push(here); comma(0); }
static void p_cqdo(Word *w) { comma(xt_qdo); push(here); comma(0); }
static void loop_end(cell xt) {
    cell leave_cell = pop();
    comma(xt);
    comma(leave_cell + 8 - here);
    store(leave_cell, here);          /* LEAVE and ?DO go past the loop */
}
static void p_cloop(Word *w) { loop_end(xt_loop); }
static void p_cploop(Word *w) { loop_end(xt_ploop); }
static void p_paren(Word *w) { const char *s; parse_until(')', &s); }
static void p_backslash(Word *w) { const char *s; parse_until('\n', &s); }
static void p_squote(Word *w) {
    const char *s;
    int n = parse_until('"', &s);
    if (state) { comma(xt_slit); compile_string(s, n); }
    else {                            /* interpreted: a transient copy at the pad */
        cell pad = PAD_END - 2048;
        memcpy(mem + pad, s, (size_t)n);
        push(pad);
        push(n);
    }
}
static void p_dotquote(Word *w) {
    const char *s;
    int n = parse_until('"', &s);
    if (state) { comma(xt_dotq); compile_string(s, n); }
    else for (int i = 0; i < n; i++) emit(s[i]);
}
static void p_char(Word *w) { const char *s; parse_word(&s); push((unsigned char)s[0]); }
static void p_bchar(Word *w) { p_char(w); p_literal(w); }
static void p_create(Word *w) {
    const char *s;
    int n = parse_word(&s);
    here = (here + 7) & ~7;
    latest = define(s, n, dovar);
}
static void p_doesrt(Word *w) {          /* run by the defining word: point latest at the code */
    words[latest].code = dodoes;
    words[latest].does = ip;
    ip = rpop();
}
static void p_cdoes(Word *w) { comma(xt_does); }
static void p_variable(Word *w) { p_create(w); comma(0); }
static void p_constant(Word *w) {
    p_create(w);
    words[latest].code = docon;
    comma(pop());
}
static void p_value(Word *w) { p_constant(w); }
static void p_to(Word *w) {
    const char *s;
    int n = parse_word(&s);
    cell xt = find(s, n);
    if (xt < 0 || words[xt].code != docon) { fail("TO of a non-VALUE"); return; }
    if (state) { comma(xt_lit); comma(words[xt].body); comma(find("!", 1)); }
    else store(words[xt].body, pop());
}
static void p_evaluate(Word *w) {
    cell n = pop(), a = pop();
    if (a < 0 || n < 0 || a + n > MEM) { fail("bad evaluate"); return; }
    char *copy = malloc((size_t)n + 1);
    memcpy(copy, mem + a, (size_t)n);
    cell saved_ip = ip;
    interpret(copy, (int)n);
    ip = saved_ip;
    free(copy);
}

/* ---- boot --------------------------------------------------------------------------------- */

static const struct { const char *name; void (*code)(Word *); int immediate; } PRIMS[] = {
    {"DUP", p_dup, 0}, {"DROP", p_drop, 0}, {"SWAP", p_swap, 0}, {"OVER", p_over, 0},
    {"ROT", p_rot, 0}, {"-ROT", p_mrot, 0}, {"NIP", p_nip, 0}, {"TUCK", p_tuck, 0},
    {"PICK", p_pick, 0}, {"ROLL", p_roll, 0}, {"2DUP", p_2dup, 0}, {"2DROP", p_2drop, 0},
    {"2SWAP", p_2swap, 0}, {"2OVER", p_2over, 0}, {"?DUP", p_qdup, 0}, {"DEPTH", p_depth, 0},
    {">R", p_tor, 0}, {"R>", p_rfrom, 0}, {"R@", p_rfetch, 0}, {"+", p_add, 0}, {"-", p_sub, 0},
    {"*", p_mul, 0}, {"/", p_div, 0}, {"MOD", p_mod, 0}, {"/MOD", p_divmod, 0},
    {"*/", p_muldiv, 0}, {"NEGATE", p_negate, 0}, {"ABS", p_abs, 0}, {"MIN", p_min, 0},
    {"MAX", p_max, 0}, {"1+", p_inc, 0}, {"1-", p_dec, 0}, {"2*", p_2mul, 0}, {"2/", p_2div, 0},
    {"AND", p_and, 0}, {"OR", p_or, 0}, {"XOR", p_xor, 0}, {"INVERT", p_invert, 0},
    {"LSHIFT", p_lshift, 0}, {"RSHIFT", p_rshift, 0}, {"=", p_eq, 0}, {"<>", p_ne, 0},
    {"<", p_lt, 0}, {">", p_gt, 0}, {"U<", p_ult, 0}, {"0=", p_0eq, 0}, {"0<", p_0lt, 0},
    {"0>", p_0gt, 0}, {"WITHIN", p_within, 0}, {"@", p_fetch, 0}, {"!", p_store, 0},
    {"+!", p_pstore, 0}, {"C@", p_cfetch, 0}, {"C!", p_cstore, 0}, {",", p_comma, 0},
    {"C,", p_ccomma, 0}, {"HERE", p_here, 0}, {"ALLOT", p_allot, 0}, {"ALIGN", p_align, 0},
    {"CELLS", p_cells, 0}, {"CELL+", p_cellp, 0}, {"CHAR+", p_charp, 0}, {"COUNT", p_count, 0},
    {"MOVE", p_move, 0}, {"FILL", p_fill, 0}, {"COMPARE", p_compare, 0},
    {"EMIT", p_emit, 0}, {"CR", p_cr, 0}, {"SPACE", p_space, 0}, {"SPACES", p_spaces, 0},
    {"TYPE", p_type, 0}, {".", p_dot, 0}, {"U.", p_udot, 0}, {"BASE@", p_basefetch, 0},
    {"BASE!", p_basestore, 0}, {"DECIMAL", p_decimal, 0}, {"HEX", p_hex, 0},
    {"<#", p_lessnum, 0}, {"HOLD", p_hold, 0}, {"#", p_num, 0}, {"#S", p_nums, 0},
    {"#>", p_numgreater, 0}, {"SIGN", p_sign, 0}, {"EXIT", p_exit, 0}, {"(LIT)", p_lit, 0},
    {"(BRANCH)", p_branch, 0}, {"(0BRANCH)", p_0branch, 0}, {"(DO)", p_do, 0},
    {"(?DO)", p_qdo, 0}, {"(LOOP)", p_loop, 0}, {"(+LOOP)", p_ploop, 0}, {"I", p_i, 0},
    {"J", p_j, 0}, {"UNLOOP", p_unloop, 0}, {"LEAVE", p_leave, 0}, {"(S\")", p_slit, 0},
    {"(.\")", p_dotq, 0}, {"EXECUTE", p_execute, 0}, {":", p_colon, 0}, {";", p_semicolon, 1},
    {"IMMEDIATE", p_immediate, 0}, {"[", p_lbracket, 1}, {"]", p_rbracket, 0},
    {"STATE", p_state, 0}, {"'", p_tick, 0}, {"[']", p_btick, 1}, {"LITERAL", p_literal, 1},
    {"POSTPONE", p_postpone, 1}, {"RECURSE", p_recurse, 1}, {"IF", p_if, 1},
    {"ELSE", p_else, 1}, {"THEN", p_then, 1}, {"BEGIN", p_begin, 1}, {"UNTIL", p_until, 1},
    {"AGAIN", p_again, 1}, {"WHILE", p_while, 1}, {"REPEAT", p_repeat, 1}, {"DO", p_cdo, 1},
    {"?DO", p_cqdo, 1}, {"LOOP", p_cloop, 1}, {"+LOOP", p_cploop, 1}, {"(", p_paren, 1},
    {"\\", p_backslash, 1}, {"S\"", p_squote, 1}, {".\"", p_dotquote, 1}, {"CHAR", p_char, 0},
    {"[CHAR]", p_bchar, 1}, {"CREATE", p_create, 0}, {"(DOES>)", p_doesrt, 0},
    {"DOES>", p_cdoes, 1}, {"VARIABLE", p_variable, 0}, {"CONSTANT", p_constant, 0},
    {"VALUE", p_value, 0}, {"TO", p_to, 1}, {"EVALUATE", p_evaluate, 0},
};

static void boot(void) {
    nwords = 0;
    for (int i = 0; i < HASH; i++) buckets[i] = -1;
    here = 64;
    sp = rp = 0;
    state = 0;
    base = 10;
    latest = -1;
    abort_flag = 0;
    ip = 0;
    for (size_t i = 0; i < sizeof PRIMS / sizeof PRIMS[0]; i++) {
        cell xt = prim(PRIMS[i].name, PRIMS[i].code);
        words[xt].immediate = PRIMS[i].immediate;
    }
    xt_lit = find("(LIT)", 5);
    xt_branch = find("(BRANCH)", 8);
    xt_0branch = find("(0BRANCH)", 9);
    xt_exit = find("EXIT", 4);
    xt_do = find("(DO)", 4);
    xt_qdo = find("(?DO)", 5);
    xt_loop = find("(LOOP)", 6);
    xt_ploop = find("(+LOOP)", 7);
    xt_slit = find("(S\")", 4);
    xt_dotq = find("(.\")", 4);
    xt_does = find("(DOES>)", 7);
}

/* ---- Forth sources ------------------------------------------------------------------------ */

static const char LIBRARY[] =
    "VARIABLE ACTUAL-DEPTH  CREATE ACTUAL-RESULTS 32 CELLS ALLOT\n"
    "VARIABLE START-DEPTH  VARIABLE #ERRORS  VARIABLE #TESTS\n"
    ": T{ DEPTH START-DEPTH ! 1 #TESTS +! ;\n"
    ": -> DEPTH DUP ACTUAL-DEPTH ! START-DEPTH @ > IF\n"
    "   DEPTH START-DEPTH @ - 0 DO ACTUAL-RESULTS I CELLS + ! LOOP THEN ;\n"
    ": FAILED 1 #ERRORS +! .\" FAIL \" #TESTS @ . CR ;\n"
    ": }T DEPTH ACTUAL-DEPTH @ = IF\n"
    "     DEPTH START-DEPTH @ > IF DEPTH START-DEPTH @ - 0 DO\n"
    "       ACTUAL-RESULTS I CELLS + @ <> IF FAILED THEN LOOP THEN\n"
    "   ELSE FAILED BEGIN DEPTH START-DEPTH @ > WHILE DROP REPEAT THEN ;\n"
    "-1 CONSTANT TRUE  0 CONSTANT FALSE\n"
    ": SQUARE DUP * ;  : CUBE DUP SQUARE * ;\n"
    ": GCD ( a b -- g ) BEGIN ?DUP WHILE TUCK MOD REPEAT ;\n"
    ": FIB ( n -- f ) DUP 2 < IF EXIT THEN DUP 1- RECURSE SWAP 2 - RECURSE + ;\n"
    ": FACT ( n -- n! ) DUP 1 > IF DUP 1- RECURSE * ELSE DROP 1 THEN ;\n"
    ": POW ( b e -- b^e ) 1 SWAP 0 ?DO OVER * LOOP NIP ;\n"
    ": SUM-TO ( n -- s ) 0 SWAP 1+ 0 ?DO I + LOOP ;\n"
    ": ISQRT ( n -- r ) DUP 2 < IF EXIT THEN DUP 2/\n"
    "   BEGIN 2DUP / OVER + 2/ 2DUP > WHILE NIP REPEAT DROP NIP ;\n"
    ": COLLATZ-LEN ( n -- len ) 0 SWAP BEGIN DUP 1 > WHILE\n"
    "   DUP 1 AND IF 3 * 1+ ELSE 2/ THEN SWAP 1+ SWAP REPEAT DROP ;\n"
    ": ARRAY ( n -- ) CREATE CELLS ALLOT DOES> SWAP CELLS + ;\n"
    ": COUNTER ( n -- ) CREATE , DOES> DUP 1 SWAP +! @ ;\n"
    ": ENDIF POSTPONE THEN ; IMMEDIATE\n"
    ": N. ( n -- ) DUP ABS <# #S SWAP SIGN #> TYPE SPACE ;\n"
    ": HEX. ( u -- ) BASE@ >R HEX <# #S #> TYPE SPACE R> BASE! ;\n"
    "VARIABLE SEED\n"
    ": RND ( -- u ) SEED @ 1103515245 * 12345 + $7FFFFFFF AND DUP SEED ! ;\n"
    "CREATE FLAGS 20000 ALLOT  VARIABLE LIM\n"
    ": PRIMES ( n -- count ) DUP LIM ! FLAGS SWAP 1 FILL 0 LIM @ 2 ?DO\n"
    "   FLAGS I + C@ IF 1+ I DUP * LIM @ < IF LIM @ I DUP * ?DO 0 FLAGS I + C! J +LOOP THEN THEN\n"
    "   LOOP ;\n"
    "CREATE DATA 512 CELLS ALLOT\n"
    ": D@ CELLS DATA + @ ;  : D! CELLS DATA + ! ;\n"
    ": FILL-DATA ( m -- ) 0 ?DO RND 1000 MOD I D! LOOP ;\n"
    ": INSERT ( i -- ) DUP D@ SWAP BEGIN DUP 0> IF 2DUP 1- D@ < ELSE FALSE THEN\n"
    "   WHILE DUP 1- D@ OVER D! 1- REPEAT D! ;\n"
    ": SORT ( m -- ) 1 ?DO I INSERT LOOP ;\n"
    ": CHECKSUM ( m -- c ) 0 SWAP 0 ?DO I 1+ I D@ * + LOOP ;\n"
    ": SORTED? ( m -- f ) TRUE SWAP 1 ?DO I 1- D@ I D@ > IF DROP FALSE THEN LOOP ;\n"
    ": GCDSUM ( k -- s ) LIM ! 0 LIM @ 1+ 1 ?DO LIM @ 1+ 1 ?DO I J GCD + LOOP LOOP ;\n"
    ": COLLATZ-MAX ( k -- n len ) 0 0 ROT 1 ?DO I COLLATZ-LEN 2DUP < IF NIP NIP I SWAP\n"
    "   ELSE DROP THEN LOOP ;\n"
    "CREATE BUF 256 ALLOT\n"
    ": REV ( a n -- ) 1- OVER + BEGIN 2DUP < WHILE OVER C@ OVER C@ 3 PICK C! OVER C!\n"
    "   1- SWAP 1+ SWAP REPEAT 2DROP ;\n"
    ": VOWEL? ( c -- f ) DUP [CHAR] a = OVER [CHAR] e = OR OVER [CHAR] i = OR\n"
    "   OVER [CHAR] o = OR SWAP [CHAR] u = OR ;\n"
    ": VOWELS ( a n -- k ) 0 -ROT 0 ?DO DUP I + C@ VOWEL? IF SWAP 1+ SWAP THEN LOOP DROP ;\n";

static const char TESTS[] =
    "T{ 1 2 + -> 3 }T  T{ 1 2 SWAP -> 2 1 }T  T{ 1 2 OVER -> 1 2 1 }T\n"
    "T{ 1 2 3 ROT -> 2 3 1 }T  T{ 1 2 3 -ROT -> 3 1 2 }T  T{ 1 2 NIP -> 2 }T\n"
    "T{ 1 2 TUCK -> 2 1 2 }T  T{ 1 2 3 2 PICK -> 1 2 3 1 }T  T{ 1 2 3 2 ROLL -> 2 3 1 }T\n"
    "T{ 1 2 2DUP -> 1 2 1 2 }T  T{ 1 2 3 4 2SWAP -> 3 4 1 2 }T\n"
    "T{ 1 2 3 4 2OVER -> 1 2 3 4 1 2 }T  T{ 0 ?DUP -> 0 }T  T{ 5 ?DUP -> 5 5 }T\n"
    "T{ 1 2 3 DEPTH -> 1 2 3 3 }T  T{ 1 2 3 4 5 4 ROLL -> 2 3 4 5 1 }T\n"
    "T{ 7 3 - -> 4 }T  T{ 6 7 * -> 42 }T  T{ 7 2 / -> 3 }T  T{ -7 2 / -> -4 }T\n"
    "T{ -7 2 MOD -> 1 }T  T{ 7 -2 MOD -> -1 }T  T{ 13 5 /MOD -> 3 2 }T\n"
    "T{ 10 3 MOD -> 1 }T  T{ -10 3 MOD -> 2 }T  T{ -10 3 / -> -4 }T\n"
    "T{ 1000000 3000000 1000 */ -> 3000000000 }T  T{ 2 3 4 */ -> 1 }T  T{ -7 2 3 */ -> -5 }T\n"
    "T{ 5 NEGATE -> -5 }T  T{ -5 ABS -> 5 }T  T{ 3 9 MIN -> 3 }T  T{ 3 9 MAX -> 9 }T\n"
    "T{ 5 0 MAX 10 MIN -> 5 }T  T{ 1 1+ -> 2 }T  T{ 1 1- -> 0 }T  T{ 5 2* -> 10 }T\n"
    "T{ -5 2/ -> -3 }T  T{ $F0 $3C AND -> $30 }T  T{ $F0 $0F OR -> $FF }T\n"
    "T{ $FF $0F XOR -> $F0 }T  T{ 0 INVERT -> -1 }T  T{ 1 10 LSHIFT -> 1024 }T\n"
    "T{ 1024 3 RSHIFT -> 128 }T  T{ -1 63 RSHIFT -> 1 }T  T{ -1 1 RSHIFT 0> -> -1 }T\n"
    "T{ 1 63 LSHIFT 0< -> -1 }T  T{ 1 1 = -> -1 }T  T{ 1 2 = -> 0 }T  T{ 1 2 <> -> -1 }T\n"
    "T{ 1 2 < -> -1 }T  T{ 2 1 > -> -1 }T  T{ -1 1 U< -> 0 }T  T{ 1 -1 U< -> -1 }T\n"
    "T{ 0 0= -> -1 }T  T{ -3 0< -> -1 }T  T{ 3 0> -> -1 }T  T{ 5 1 10 WITHIN -> -1 }T\n"
    "T{ 10 1 10 WITHIN -> 0 }T\n"
    "VARIABLE V1  T{ 123 V1 ! V1 @ -> 123 }T  T{ 5 V1 +! V1 @ -> 128 }T\n"
    "T{ HERE 65 C, C@ ALIGN -> 65 }T  T{ 1 CELLS -> 8 }T  T{ 100 CELL+ -> 108 }T\n"
    "T{ 65 HERE C! HERE C@ -> 65 }T  T{ HERE 3 ALLOT HERE SWAP - ALIGN -> 3 }T\n"
    "T{ CREATE FB 16 ALLOT FB 4 66 FILL FB 3 + C@ -> 66 }T\n"
    "T{ FB FB 8 + 4 MOVE FB 11 + C@ -> 66 }T\n"
    "T{ : GT1 123 ; GT1 -> 123 }T  T{ : GT2 IF 1 ELSE 2 THEN ; -1 GT2 0 GT2 -> 1 2 }T\n"
    "T{ : GT3 BEGIN DUP 10 < WHILE 1+ REPEAT ; 3 GT3 -> 10 }T\n"
    "T{ : GT4 BEGIN 1+ DUP 5 > UNTIL ; 0 GT4 -> 6 }T\n"
    "T{ : GT5 0 SWAP 0 DO I + LOOP ; 5 GT5 -> 10 }T\n"
    "T{ : GT6 0 SWAP 0 ?DO I + LOOP ; 0 GT6 -> 0 }T\n"
    "T{ : GT7 0 10 0 DO I 5 = IF LEAVE THEN 1+ LOOP ; GT7 -> 5 }T\n"
    "T{ : GT8 0 3 0 DO 4 0 DO I J * + LOOP LOOP ; GT8 -> 18 }T\n"
    "T{ : GT9 0 10 0 DO I + 3 +LOOP ; GT9 -> 18 }T\n"
    "T{ : GT10 0 0 10 DO I + -2 +LOOP ; GT10 -> 30 }T\n"
    "T{ : GT11 DUP 0> IF DUP 1- RECURSE + THEN ; 4 GT11 -> 10 }T\n"
    "T{ 1 2 ' + EXECUTE -> 3 }T  T{ : GT12 ['] * ; 6 7 GT12 EXECUTE -> 42 }T\n"
    "T{ : GT13 [ 3 4 + ] LITERAL ; GT13 -> 7 }T  T{ CHAR A -> 65 }T\n"
    "T{ : GT14 [CHAR] z ; GT14 -> 122 }T  T{ 42 CONSTANT C42 C42 -> 42 }T\n"
    "T{ 7 VALUE VAL1 VAL1 -> 7 }T  T{ 9 TO VAL1 VAL1 -> 9 }T\n"
    "T{ : GT15 11 TO VAL1 ; GT15 VAL1 -> 11 }T\n"
    "T{ S\" abc\" SWAP DROP -> 3 }T  T{ : GT16 S\" hello\" ; GT16 NIP -> 5 }T\n"
    "T{ : GT17 S\" hello\" DROP C@ ; GT17 -> 104 }T\n"
    "T{ : GT18 S\" abc\" S\" abd\" COMPARE ; GT18 -> -1 }T\n"
    "T{ : GT19 S\" abc\" S\" abc\" COMPARE ; GT19 -> 0 }T\n"
    "T{ : GT20 S\" abcd\" S\" abc\" COMPARE ; GT20 -> 1 }T\n"
    "T{ 12 18 GCD -> 6 }T  T{ 17 5 GCD -> 1 }T  T{ 10 FIB -> 55 }T  T{ 5 FACT -> 120 }T\n"
    "T{ 2 10 POW -> 1024 }T  T{ 100 SUM-TO -> 5050 }T  T{ 99 ISQRT -> 9 }T\n"
    "T{ 100 ISQRT -> 10 }T  T{ 27 COLLATZ-LEN -> 111 }T  T{ 3 SQUARE -> 9 }T\n"
    "T{ 3 CUBE -> 27 }T  T{ : GT21 IF 1 ELSE 2 ENDIF ; 0 GT21 -> 2 }T\n"
    "T{ 0 COUNTER CT1 CT1 CT1 -> 1 2 }T  T{ 4 ARRAY AR1 7 2 AR1 ! 2 AR1 @ -> 7 }T\n"
    "T{ 1 AR1 0 AR1 - -> 8 }T  T{ S\" 1 2 +\" EVALUATE -> 3 }T\n"
    "T{ : GT22 S\" 10 20 *\" EVALUATE ; GT22 -> 200 }T\n"
    "T{ $10 -> 16 }T  T{ %101 -> 5 }T  T{ #99 -> 99 }T  T{ 'A' -> 65 }T\n"
    "T{ HEX FF DECIMAL -> 255 }T  T{ BASE@ -> 10 }T  T{ 1 2 >R 3 R> -> 1 3 2 }T\n"
    "T{ : GT23 >R R@ R> + ; 21 GT23 -> 42 }T  T{ : GT24 3 0 DO I LOOP ; GT24 -> 0 1 2 }T\n"
    "T{ : GT25 5 0 DO I 2 = IF I UNLOOP EXIT THEN LOOP 99 ; GT25 -> 2 }T\n"
    "T{ : GT26 <# 0 # # #> NIP ; GT26 -> 2 }T  T{ : GT27 123 <# #S #> NIP ; GT27 -> 3 }T\n"
    "T{ : GT28 -45 DUP ABS <# #S SWAP SIGN #> NIP ; GT28 -> 3 }T\n"
    "T{ 2 3 4 5 6 4 PICK -> 2 3 4 5 6 2 }T  T{ 3 4 2DROP -> }T\n"
    "T{ 1 2 3 4 5 6 7 8 9 10 SUM-TO -> 1 2 3 4 5 6 7 8 9 55 }T\n";

/* ---- the runs ----------------------------------------------------------------------------- */

static int count_tests(const char *s) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, "T{ ")) != NULL; p += 3) n++;
    return n;
}

static long rnd_state;
static long c_rnd(void) {
    rnd_state = (rnd_state * 1103515245 + 12345) & 0x7fffffff;
    return rnd_state;
}
static long c_gcd(long a, long b) {
    while (b) { long t = a % b; a = b; b = t; }
    return a;
}
static long c_fib(long n) { return n < 2 ? n : c_fib(n - 1) + c_fib(n - 2); }
static long c_collatz(long n) {
    long k = 0;
    while (n > 1) { n = (n & 1) ? 3 * n + 1 : n / 2; k++; }
    return k;
}
static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The programs of round R as Forth source, and the output they must print. */
static void round_programs(int r, char *prog, size_t cap, char *expect, size_t ecap) {
    int n_sieve = 1000 + 97 * (r % 10), k_fib = 12 + r % 4, m = 60 + r % 50;
    int k_gcd = 12 + r % 10, k_col = 150 + 11 * (r % 7);
    long seed = r + 1;
    const char *text = r % 2 ? "binary translation in python" : "hello forth world";
    size_t tl = strlen(text);
    snprintf(prog, cap,
             ".\" primes \" %d PRIMES . CR\n"
             ".\" fib \" %d FIB . CR\n"
             "%ld SEED ! %d FILL-DATA %d SORT .\" sort \" %d CHECKSUM . %d SORTED? . "
             "0 D@ . %d D@ . CR\n"
             ".\" gcd \" %d GCDSUM . CR\n"
             ".\" collatz \" %d COLLATZ-MAX SWAP . . CR\n"
             "10 ARRAY SQ : FILL-SQ 10 0 DO I SQUARE I SQ ! LOOP ; FILL-SQ\n"
             ": SUM-SQ 0 10 0 DO I SQ @ + LOOP ; .\" squares \" SUM-SQ . CR\n"
             "S\" %s\" BUF SWAP MOVE BUF %zu REV .\" rev \" BUF %zu TYPE SPACE "
             "BUF %zu VOWELS . CR\n"
             ".\" hex \" 255 HEX. 3735928559 HEX. %d HEX. CR\n"
             ".\" signed \" -%d N. %d N. 0 N. CR\n"
             ".\" eval \" S\" 3 4 + 5 *\" EVALUATE . S\" : TWICE DUP + ;\" EVALUATE %d TWICE . CR\n"
             ".\" misc \" %d FACT . 3 %d POW . %d SUM-TO . %d ISQRT . CR\n"
             ".\" tests \" #TESTS @ . .\" failures \" #ERRORS @ . CR\n",
             n_sieve, k_fib, seed, m, m, m, m, m - 1, k_gcd, k_col, text, tl, tl, tl,
             r * 4099 + 7, r * 37 + 5, r + 12, r + 21, 10 + r % 10, 20 + r % 15,
             1000 + r * 13, 50000 + r * 101);
    /* the same in C */
    static unsigned char flags[20000];
    memset(flags, 1, sizeof flags);
    long primes = 0;
    for (long i = 2; i < n_sieve; i++)
        if (flags[i]) {
            primes++;
            for (long j = i * i; j < n_sieve; j += i) flags[j] = 0;
        }
    static long data[512];
    rnd_state = seed;
    for (int i = 0; i < m; i++) data[i] = c_rnd() % 1000;
    qsort(data, (size_t)m, sizeof data[0], cmp_long);
    long sum = 0;
    for (int i = 0; i < m; i++) sum += (i + 1) * data[i];
    long gsum = 0;
    for (long i = 1; i <= k_gcd; i++)
        for (long j = 1; j <= k_gcd; j++) gsum += c_gcd(j, i);
    long best_n = 0, best_len = 0;
    for (long i = 1; i < k_col; i++) {
        long len = c_collatz(i);
        if (best_len < len) { best_len = len; best_n = i; }
    }
    char rev[64];
    long vowels = 0;
    for (size_t i = 0; i < tl; i++) {
        rev[i] = text[tl - 1 - i];
        vowels += strchr("aeiou", text[i]) != NULL;
    }
    rev[tl] = 0;
    long fact = 1, pw = 1;
    for (int i = 2; i <= 10 + r % 10; i++) fact *= i;
    for (int i = 0; i < 20 + r % 15; i++) pw *= 3;
    long isq = 0;
    while ((isq + 1) * (isq + 1) <= 50000 + r * 101) isq++;
    long n_sum = 1000 + r * 13;
    snprintf(expect, ecap,
             "primes %ld \nfib %ld \nsort %ld -1 %ld %ld \ngcd %ld \ncollatz %ld %ld \n"
             "squares 285 \nrev %s %ld \nhex FF DEADBEEF %X \nsigned -%d %d 0 \n"
             "eval 35 %d \nmisc %ld %ld %ld %ld \ntests %d failures 0 \n",
             primes, c_fib(k_fib), sum, data[0], data[m - 1], gsum, best_n, best_len, rev,
             vowels, (unsigned)(r * 4099 + 7), r * 37 + 5, r + 12, 2 * (r + 21), fact, pw,
             n_sum * (n_sum + 1) / 2, isq, count_tests(TESTS));
}

static void run_text(const char *text) {
    interpret(text, (int)strlen(text));
    if (abort_flag) {                 /* like QUIT: clear the stacks and go on */
        sp = rp = 0;
        state = 0;
        abort_flag = 0;
    }
}

static unsigned long long fnv(const char *s, int n, unsigned long long h) {
    for (int i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    static char prog[8192], expect[4096];
    long mismatches = 0, words_total = 0;
    unsigned long long checksum = 14695981039346656037ull;
    for (int r = 0; r < rounds; r++) {
        boot();
        out_len = 0;
        run_text(LIBRARY);
        run_text(TESTS);
        round_programs(r, prog, sizeof prog, expect, sizeof expect);
        run_text(prog);
        out[out_len] = 0;
        words_total += nwords;
        checksum = fnv(out, out_len, checksum);
        if (strcmp(out, expect) != 0) {
            if (mismatches++ < 3) {
                const char *a = out, *b = expect;
                while (*a && *a == *b) { a++; b++; }
                printf("round %d: output differs at byte %d: got \"%.60s\" want \"%.60s\"\n", r,
                       (int)(a - out), a, b);
            }
        }
        if (r == 0) fputs(out, stdout);
    }
    printf("forth: %d rounds, %d tests each, %ld words defined, %ld threaded steps\n", rounds,
           count_tests(TESTS), words_total, steps);
    printf("errors %ld, mismatches %ld, checksum %016llx\n", errors, mismatches, checksum);
    return errors || mismatches;
}
