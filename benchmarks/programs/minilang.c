/* minilang: code-heavy — a small C-like scripting language implemented twice: a lexer, a
 * recursive-descent parser with precedence climbing, a resolver (block scopes, locals and
 * globals, arity checks), a constant folder, a pretty-printer (whose output must reparse to
 * the same text), a tree-walking interpreter, and a compiler to stack bytecode with its own
 * VM (jumps for && || and loops, compound assignments, calls with frames). Values are 64-bit
 * integers, strings and arrays (reference semantics), with builtins len, push, pop, str, chr,
 * ord, substr, abs, min, max. Each round runs hand-written programs (quicksort and insertion
 * sort, a sieve, string processing with a Caesar cipher and palindromes, fib/Ackermann/
 * permutations, integer matrices with a Bareiss determinant, Collatz and modular powers, a
 * bignum factorial, N-queens) and randomly generated ones (functions, nested loops, branches,
 * arrays and strings); the interpreter and the VM must print the same output for each.
 * argv[1] scales the work (rounds, default 10). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t i64;
typedef int32_t i32;

/* ---- arena -------------------------------------------------------------------------------- */

#define ARENA (16 << 20)
static u8 *arena;
static size_t arena_used;
static void *alloc(size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (arena_used + n > ARENA) { fprintf(stderr, "out of memory\n"); exit(2); }
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

/* ---- values ------------------------------------------------------------------------------- */

enum { V_NIL, V_INT, V_STR, V_ARR };
typedef struct str { size_t len; char s[]; } str;
typedef struct arr arr;
typedef struct { int t; union { i64 i; str *s; arr *a; } u; } val;
struct arr { size_t n, cap; val *v; };

static val nil(void) { val v; v.t = V_NIL; v.u.i = 0; return v; }
static val mkint(i64 i) { val v; v.t = V_INT; v.u.i = i; return v; }
static val mkstr(const char *s, size_t n) {
    str *p = alloc(sizeof(str) + n + 1);
    p->len = n;
    memcpy(p->s, s, n);
    p->s[n] = 0;
    val v;
    v.t = V_STR;
    v.u.s = p;
    return v;
}
static val mkarr(size_t cap) {
    arr *a = alloc(sizeof *a);
    a->n = 0;
    a->cap = cap < 4 ? 4 : cap;
    a->v = alloc(a->cap * sizeof(val));
    val v;
    v.t = V_ARR;
    v.u.a = a;
    return v;
}
static void arr_push(arr *a, val x) {
    if (a->n == a->cap) {
        val *nv = alloc(a->cap * 2 * sizeof(val));
        memcpy(nv, a->v, a->n * sizeof(val));
        a->v = nv;
        a->cap *= 2;
    }
    a->v[a->n++] = x;
}

static int truthy(val v) {
    switch (v.t) {
    case V_INT: return v.u.i != 0;
    case V_STR: return v.u.s->len != 0;
    case V_ARR: return v.u.a->n != 0;
    default: return 0;
    }
}

static int fmt_int(char *o, i64 v) {
    char tmp[24];
    int k = 0, n = 0;
    u64 u = v < 0 ? 0 - (u64)v : (u64)v;
    do { tmp[k++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) o[n++] = '-';
    while (k) o[n++] = tmp[--k];
    return n;
}

static val to_str(val v) {
    char buf[32];
    switch (v.t) {
    case V_STR: return v;
    case V_INT: return mkstr(buf, (size_t)fmt_int(buf, v.u.i));
    case V_ARR: {
        int n = snprintf(buf, sizeof buf, "<array %zu>", v.u.a->n);
        return mkstr(buf, (size_t)n);
    }
    default: return mkstr("nil", 3);
    }
}

static int compare(val a, val b) {
    if (a.t != b.t) return a.t < b.t ? -1 : 1;
    switch (a.t) {
    case V_INT: return a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
    case V_STR: {
        size_t n = a.u.s->len < b.u.s->len ? a.u.s->len : b.u.s->len;
        int c = memcmp(a.u.s->s, b.u.s->s, n);
        if (c) return c < 0 ? -1 : 1;
        return a.u.s->len < b.u.s->len ? -1 : a.u.s->len > b.u.s->len;
    }
    case V_ARR: return a.u.a == b.u.a ? 0 : (a.u.a < b.u.a ? -1 : 1);
    default: return 0;
    }
}

/* operators shared by both engines */
enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_SHL, OP_SHR, OP_BAND, OP_BOR, OP_BXOR,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_NEG, OP_NOT, OP_BNOT, NUM_OPS
};
static const char *const op_text[NUM_OPS] = {"+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^",
                                             "==", "!=", "<", "<=", ">", ">=", "-", "!", "~"};

static val binop(int op, val a, val b) {
    if (op == OP_ADD && (a.t == V_STR || b.t == V_STR)) {
        val x = to_str(a), y = to_str(b);
        size_t n = x.u.s->len + y.u.s->len;
        str *p = alloc(sizeof(str) + n + 1);
        p->len = n;
        memcpy(p->s, x.u.s->s, x.u.s->len);
        memcpy(p->s + x.u.s->len, y.u.s->s, y.u.s->len);
        p->s[n] = 0;
        val r;
        r.t = V_STR;
        r.u.s = p;
        return r;
    }
    if (op == OP_ADD && a.t == V_ARR && b.t == V_ARR) {
        val r = mkarr(a.u.a->n + b.u.a->n);
        for (size_t i = 0; i < a.u.a->n; i++) arr_push(r.u.a, a.u.a->v[i]);
        for (size_t i = 0; i < b.u.a->n; i++) arr_push(r.u.a, b.u.a->v[i]);
        return r;
    }
    switch (op) {
    case OP_EQ: return mkint(compare(a, b) == 0);
    case OP_NE: return mkint(compare(a, b) != 0);
    case OP_LT: return mkint(compare(a, b) < 0);
    case OP_LE: return mkint(compare(a, b) <= 0);
    case OP_GT: return mkint(compare(a, b) > 0);
    case OP_GE: return mkint(compare(a, b) >= 0);
    default: break;
    }
    if (a.t != V_INT || b.t != V_INT) return nil();
    u64 x = (u64)a.u.i, y = (u64)b.u.i;
    switch (op) {
    case OP_ADD: return mkint((i64)(x + y));
    case OP_SUB: return mkint((i64)(x - y));
    case OP_MUL: return mkint((i64)(x * y));
    case OP_DIV:
        if (!y) return mkint(0);
        if (b.u.i == -1) return mkint((i64)(0 - x));
        return mkint(a.u.i / b.u.i);
    case OP_MOD:
        if (!y || b.u.i == -1) return mkint(0);
        return mkint(a.u.i % b.u.i);
    case OP_SHL: return mkint((i64)(x << (y & 63)));
    case OP_SHR: return mkint(a.u.i >> (y & 63));
    case OP_BAND: return mkint((i64)(x & y));
    case OP_BOR: return mkint((i64)(x | y));
    case OP_BXOR: return mkint((i64)(x ^ y));
    default: return nil();
    }
}

static val unop(int op, val a) {
    switch (op) {
    case OP_NOT: return mkint(!truthy(a));
    case OP_NEG: return a.t == V_INT ? mkint((i64)(0 - (u64)a.u.i)) : nil();
    case OP_BNOT: return a.t == V_INT ? mkint(~a.u.i) : nil();
    default: return nil();
    }
}

static val index_get(val a, val i) {
    if (i.t != V_INT) return nil();
    if (a.t == V_ARR) return i.u.i >= 0 && (u64)i.u.i < a.u.a->n ? a.u.a->v[i.u.i] : nil();
    if (a.t == V_STR) return mkint(i.u.i >= 0 && (u64)i.u.i < a.u.s->len ? (u8)a.u.s->s[i.u.i] : 0);
    return nil();
}

static void index_set(val a, val i, val x) {
    if (a.t != V_ARR || i.t != V_INT || i.u.i < 0) return;
    if ((u64)i.u.i < a.u.a->n) a.u.a->v[i.u.i] = x;
    else if ((u64)i.u.i == a.u.a->n) arr_push(a.u.a, x);
}

enum { B_LEN, B_PUSH, B_POP, B_STR, B_CHR, B_ORD, B_SUBSTR, B_ABS, B_MIN, B_MAX, NUM_BUILTINS };
static const char *const builtin_names[NUM_BUILTINS] = {"len", "push", "pop", "str", "chr", "ord", "substr", "abs", "min", "max"};
static const int builtin_arity[NUM_BUILTINS] = {1, 2, 1, 1, 1, 1, 3, 1, 2, 2};

static val builtin(int b, val *args) {
    switch (b) {
    case B_LEN:
        if (args[0].t == V_STR) return mkint((i64)args[0].u.s->len);
        if (args[0].t == V_ARR) return mkint((i64)args[0].u.a->n);
        return mkint(0);
    case B_PUSH:
        if (args[0].t == V_ARR) arr_push(args[0].u.a, args[1]);
        return nil();
    case B_POP:
        if (args[0].t == V_ARR && args[0].u.a->n) return args[0].u.a->v[--args[0].u.a->n];
        return nil();
    case B_STR: return to_str(args[0]);
    case B_CHR: { char c = (char)(args[0].t == V_INT ? args[0].u.i : '?'); return mkstr(&c, 1); }
    case B_ORD: return mkint(args[0].t == V_STR && args[0].u.s->len ? (u8)args[0].u.s->s[0] : 0);
    case B_SUBSTR: {
        if (args[0].t != V_STR || args[1].t != V_INT || args[2].t != V_INT) return nil();
        i64 len = (i64)args[0].u.s->len, st = args[1].u.i, n = args[2].u.i;
        if (st < 0) st = 0;
        if (st > len) st = len;
        if (n < 0) n = 0;
        if (n > len - st) n = len - st;
        return mkstr(args[0].u.s->s + st, (size_t)n);
    }
    case B_ABS: return args[0].t == V_INT ? mkint(args[0].u.i < 0 ? (i64)(0 - (u64)args[0].u.i) : args[0].u.i) : nil();
    case B_MIN: return compare(args[0], args[1]) <= 0 ? args[0] : args[1];
    case B_MAX: return compare(args[0], args[1]) >= 0 ? args[0] : args[1];
    default: return nil();
    }
}

/* output of a run */
typedef struct { char *buf; size_t len, cap; u64 hash; long lines; } outbuf;
static void out_val(outbuf *o, val v, int last) {
    val s = to_str(v);
    if (o->len + s.u.s->len + 2 > o->cap) {
        size_t nc = (o->cap ? o->cap * 2 : 4096) + s.u.s->len;
        char *nb = malloc(nc);
        if (o->len) memcpy(nb, o->buf, o->len);
        free(o->buf);
        o->buf = nb;
        o->cap = nc;
    }
    memcpy(o->buf + o->len, s.u.s->s, s.u.s->len);
    o->len += s.u.s->len;
    o->buf[o->len++] = last ? '\n' : ' ';
    for (size_t i = 0; i < s.u.s->len; i++) o->hash = (o->hash ^ (u8)s.u.s->s[i]) * 0x100000001b3ULL;
    o->hash = (o->hash ^ (u64)(last ? '\n' : ' ')) * 0x100000001b3ULL;
    if (last) o->lines++;
}

/* ---- lexer -------------------------------------------------------------------------------- */

enum {
    T_EOF, T_INT, T_STR, T_IDENT, T_FN, T_VAR, T_IF, T_ELSE, T_WHILE, T_FOR, T_BREAK, T_CONTINUE,
    T_RETURN, T_PRINT, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COMMA, T_SEMI,
    T_ASSIGN, T_OP_ASSIGN, T_OP, T_ANDAND, T_OROR, T_ERROR
};

typedef struct { int kind, op; i64 ival; const char *start; int len, line; } token;

typedef struct {
    const char *src, *p;
    int line;
    token tok;
} lexer;

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static void next_token(lexer *lx) {
    const char *p = lx->p;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') { if (*p == '\n') lx->line++; p++; }
        if (p[0] == '/' && p[1] == '/') { while (*p && *p != '\n') p++; continue; }
        if (p[0] == '/' && p[1] == '*') {
            p += 2;
            while (*p && !(p[0] == '*' && p[1] == '/')) { if (*p == '\n') lx->line++; p++; }
            if (*p) p += 2;
            continue;
        }
        break;
    }
    token t = {T_EOF, 0, 0, p, 0, lx->line};
    char c = *p;
    if (!c) { lx->tok = t; lx->p = p; return; }
    if (is_digit(c)) {
        i64 v = 0;
        if (c == '0' && (p[1] == 'x' || p[1] == 'X')) {
            p += 2;
            for (;;) {
                int d = is_digit(*p) ? *p - '0' : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 : -1;
                if (d < 0) break;
                v = (i64)((u64)v * 16 + (u64)d);
                p++;
            }
        } else {
            while (is_digit(*p)) v = (i64)((u64)v * 10 + (u64)(*p++ - '0'));
        }
        t.kind = T_INT;
        t.ival = v;
    } else if (is_alpha(c)) {
        while (is_alpha(*p) || is_digit(*p)) p++;
        static const struct { const char *w; int k; } kw[] = {
            {"fn", T_FN}, {"var", T_VAR}, {"if", T_IF}, {"else", T_ELSE}, {"while", T_WHILE}, {"for", T_FOR},
            {"break", T_BREAK}, {"continue", T_CONTINUE}, {"return", T_RETURN}, {"print", T_PRINT}};
        t.kind = T_IDENT;
        for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
            if ((size_t)(p - t.start) == strlen(kw[i].w) && memcmp(t.start, kw[i].w, (size_t)(p - t.start)) == 0) t.kind = kw[i].k;
    } else if (c == '"') {
        p++;
        while (*p && *p != '"') { if (*p == '\\' && p[1]) p++; p++; }
        if (*p == '"') { p++; t.kind = T_STR; }
        else t.kind = T_ERROR;
    } else {
        p++;
        t.kind = T_OP;
        switch (c) {
        case '(': t.kind = T_LPAREN; break;
        case ')': t.kind = T_RPAREN; break;
        case '{': t.kind = T_LBRACE; break;
        case '}': t.kind = T_RBRACE; break;
        case '[': t.kind = T_LBRACK; break;
        case ']': t.kind = T_RBRACK; break;
        case ',': t.kind = T_COMMA; break;
        case ';': t.kind = T_SEMI; break;
        case '+': t.op = OP_ADD; break;
        case '-': t.op = OP_SUB; break;
        case '*': t.op = OP_MUL; break;
        case '/': t.op = OP_DIV; break;
        case '%': t.op = OP_MOD; break;
        case '^': t.op = OP_BXOR; break;
        case '~': t.op = OP_BNOT; break;
        case '&': if (*p == '&') { p++; t.kind = T_ANDAND; } else t.op = OP_BAND; break;
        case '|': if (*p == '|') { p++; t.kind = T_OROR; } else t.op = OP_BOR; break;
        case '=': if (*p == '=') { p++; t.op = OP_EQ; } else t.kind = T_ASSIGN; break;
        case '!': if (*p == '=') { p++; t.op = OP_NE; } else t.op = OP_NOT; break;
        case '<':
            if (*p == '<') { p++; t.op = OP_SHL; }
            else if (*p == '=') { p++; t.op = OP_LE; }
            else t.op = OP_LT;
            break;
        case '>':
            if (*p == '>') { p++; t.op = OP_SHR; }
            else if (*p == '=') { p++; t.op = OP_GE; }
            else t.op = OP_GT;
            break;
        default: t.kind = T_ERROR; break;
        }
        /* compound assignment: + - * / % & | ^ << >> followed by = */
        if (t.kind == T_OP && *p == '=' && t.op != OP_EQ && t.op != OP_NE && t.op != OP_LE && t.op != OP_GE &&
            t.op != OP_LT && t.op != OP_GT && t.op != OP_NOT && t.op != OP_BNOT) {
            p++;
            t.kind = T_OP_ASSIGN;
        }
    }
    t.len = (int)(p - t.start);
    lx->tok = t;
    lx->p = p;
}

/* ---- AST ---------------------------------------------------------------------------------- */

enum {
    N_INT, N_STR, N_VAR, N_ARRAY, N_INDEX, N_CALL, N_BUILTIN, N_UNARY, N_BINARY, N_AND, N_OR,
    N_VARDECL, N_ASSIGN, N_IF, N_WHILE, N_FOR, N_BREAK, N_CONTINUE, N_RETURN, N_BLOCK, N_EXPR, N_PRINT,
    N_FUNC
};

typedef struct node node;
struct node {
    int kind, op, line;
    node *a, *b, *c, *d;
    node **list;
    int nlist;
    i64 ival;
    char *name;                 /* identifiers, string literal contents */
    int namelen;
    int slot, global, func;     /* resolved */
};

static node *mknode(int kind, int line) {
    node *n = alloc(sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = line;
    n->slot = -1;
    return n;
}

typedef struct {
    lexer lx;
    int err;
    char msg[128];
} parser;

static void perr(parser *ps, const char *m) {
    if (!ps->err) {
        ps->err = 1;
        snprintf(ps->msg, sizeof ps->msg, "line %d: %s near '%.*s'", ps->lx.tok.line, m, ps->lx.tok.len, ps->lx.tok.start);
    }
}

static int accept(parser *ps, int kind) {
    if (ps->lx.tok.kind == kind) { next_token(&ps->lx); return 1; }
    return 0;
}
static void expect(parser *ps, int kind, const char *what) { if (!accept(ps, kind)) perr(ps, what); }

static node **list_push(node **list, int *n, node *x) {
    node **nl = alloc((size_t)(*n + 1) * sizeof(node *));
    if (*n) memcpy(nl, list, (size_t)*n * sizeof(node *));
    nl[(*n)++] = x;
    return nl;
}

static node *parse_expr(parser *ps);

static char *unescape(const char *s, int n, int *outn) {
    char *o = alloc((size_t)n + 1);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            switch (s[i]) {
            case 'n': o[k++] = '\n'; break;
            case 't': o[k++] = '\t'; break;
            case '0': o[k++] = 0; break;
            default: o[k++] = s[i]; break;
            }
        } else o[k++] = s[i];
    }
    o[k] = 0;
    *outn = k;
    return o;
}

static node *parse_primary(parser *ps) {
    token t = ps->lx.tok;
    node *n;
    switch (t.kind) {
    case T_INT:
        next_token(&ps->lx);
        n = mknode(N_INT, t.line);
        n->ival = t.ival;
        return n;
    case T_STR:
        next_token(&ps->lx);
        n = mknode(N_STR, t.line);
        n->name = unescape(t.start + 1, t.len - 2, &n->namelen);
        return n;
    case T_LPAREN:
        next_token(&ps->lx);
        n = parse_expr(ps);
        expect(ps, T_RPAREN, "')' expected");
        return n;
    case T_LBRACK:
        next_token(&ps->lx);
        n = mknode(N_ARRAY, t.line);
        if (!accept(ps, T_RBRACK)) {
            do n->list = list_push(n->list, &n->nlist, parse_expr(ps));
            while (accept(ps, T_COMMA) && !ps->err);
            expect(ps, T_RBRACK, "']' expected");
        }
        return n;
    case T_IDENT:
        next_token(&ps->lx);
        if (ps->lx.tok.kind == T_LPAREN) {
            next_token(&ps->lx);
            n = mknode(N_CALL, t.line);
            n->name = (char *)t.start;
            n->namelen = t.len;
            if (!accept(ps, T_RPAREN)) {
                do n->list = list_push(n->list, &n->nlist, parse_expr(ps));
                while (accept(ps, T_COMMA) && !ps->err);
                expect(ps, T_RPAREN, "')' expected");
            }
            return n;
        }
        n = mknode(N_VAR, t.line);
        n->name = (char *)t.start;
        n->namelen = t.len;
        return n;
    default:
        perr(ps, "expression expected");
        next_token(&ps->lx);
        return mknode(N_INT, t.line);
    }
}

static node *parse_postfix(parser *ps) {
    node *n = parse_primary(ps);
    while (ps->lx.tok.kind == T_LBRACK && !ps->err) {
        int line = ps->lx.tok.line;
        next_token(&ps->lx);
        node *ix = mknode(N_INDEX, line);
        ix->a = n;
        ix->b = parse_expr(ps);
        expect(ps, T_RBRACK, "']' expected");
        n = ix;
    }
    return n;
}

static node *parse_unary(parser *ps) {
    token t = ps->lx.tok;
    if (t.kind == T_OP && (t.op == OP_SUB || t.op == OP_NOT || t.op == OP_BNOT)) {
        next_token(&ps->lx);
        node *n = mknode(N_UNARY, t.line);
        n->op = t.op == OP_SUB ? OP_NEG : t.op;
        n->a = parse_unary(ps);
        return n;
    }
    return parse_postfix(ps);
}

static int precedence(const token *t) {
    if (t->kind == T_OROR) return 1;
    if (t->kind == T_ANDAND) return 2;
    if (t->kind != T_OP) return 0;
    switch (t->op) {
    case OP_BOR: return 3;
    case OP_BXOR: return 4;
    case OP_BAND: return 5;
    case OP_EQ: case OP_NE: return 6;
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: return 7;
    case OP_SHL: case OP_SHR: return 8;
    case OP_ADD: case OP_SUB: return 9;
    case OP_MUL: case OP_DIV: case OP_MOD: return 10;
    default: return 0;
    }
}

static node *parse_binary(parser *ps, int min_prec) {
    node *left = parse_unary(ps);
    for (;;) {
        token t = ps->lx.tok;
        int prec = precedence(&t);
        if (!prec || prec < min_prec || ps->err) return left;
        next_token(&ps->lx);
        node *right = parse_binary(ps, prec + 1);
        node *n = mknode(t.kind == T_OROR ? N_OR : t.kind == T_ANDAND ? N_AND : N_BINARY, t.line);
        n->op = t.op;
        n->a = left;
        n->b = right;
        left = n;
    }
}

static node *parse_expr(parser *ps) { return parse_binary(ps, 1); }

static node *parse_block(parser *ps);

static node *parse_simple(parser *ps) {
    /* var decl, assignment or expression (no trailing ';') */
    token t = ps->lx.tok;
    if (t.kind == T_VAR) {
        next_token(&ps->lx);
        node *n = mknode(N_VARDECL, t.line);
        if (ps->lx.tok.kind != T_IDENT) { perr(ps, "name expected"); return n; }
        n->name = (char *)ps->lx.tok.start;
        n->namelen = ps->lx.tok.len;
        next_token(&ps->lx);
        if (accept(ps, T_ASSIGN)) n->a = parse_expr(ps);
        return n;
    }
    node *e = parse_expr(ps);
    if (ps->lx.tok.kind == T_ASSIGN || ps->lx.tok.kind == T_OP_ASSIGN) {
        token at = ps->lx.tok;
        if (e->kind != N_VAR && e->kind != N_INDEX) perr(ps, "cannot assign");
        next_token(&ps->lx);
        node *n = mknode(N_ASSIGN, at.line);
        n->op = at.kind == T_ASSIGN ? -1 : at.op;
        n->a = e;
        n->b = parse_expr(ps);
        return n;
    }
    node *n = mknode(N_EXPR, t.line);
    n->a = e;
    return n;
}

static node *parse_stmt(parser *ps) {
    token t = ps->lx.tok;
    node *n;
    switch (t.kind) {
    case T_LBRACE: return parse_block(ps);
    case T_IF:
        next_token(&ps->lx);
        n = mknode(N_IF, t.line);
        expect(ps, T_LPAREN, "'(' expected");
        n->a = parse_expr(ps);
        expect(ps, T_RPAREN, "')' expected");
        n->b = parse_stmt(ps);
        if (accept(ps, T_ELSE)) n->c = parse_stmt(ps);
        return n;
    case T_WHILE:
        next_token(&ps->lx);
        n = mknode(N_WHILE, t.line);
        expect(ps, T_LPAREN, "'(' expected");
        n->a = parse_expr(ps);
        expect(ps, T_RPAREN, "')' expected");
        n->b = parse_stmt(ps);
        return n;
    case T_FOR:
        next_token(&ps->lx);
        n = mknode(N_FOR, t.line);
        expect(ps, T_LPAREN, "'(' expected");
        if (ps->lx.tok.kind != T_SEMI) n->a = parse_simple(ps);
        expect(ps, T_SEMI, "';' expected");
        if (ps->lx.tok.kind != T_SEMI) n->b = parse_expr(ps);
        expect(ps, T_SEMI, "';' expected");
        if (ps->lx.tok.kind != T_RPAREN) n->c = parse_simple(ps);
        expect(ps, T_RPAREN, "')' expected");
        n->d = parse_stmt(ps);
        return n;
    case T_BREAK: next_token(&ps->lx); expect(ps, T_SEMI, "';' expected"); return mknode(N_BREAK, t.line);
    case T_CONTINUE: next_token(&ps->lx); expect(ps, T_SEMI, "';' expected"); return mknode(N_CONTINUE, t.line);
    case T_RETURN:
        next_token(&ps->lx);
        n = mknode(N_RETURN, t.line);
        if (ps->lx.tok.kind != T_SEMI) n->a = parse_expr(ps);
        expect(ps, T_SEMI, "';' expected");
        return n;
    case T_PRINT:
        next_token(&ps->lx);
        n = mknode(N_PRINT, t.line);
        expect(ps, T_LPAREN, "'(' expected");
        if (!accept(ps, T_RPAREN)) {
            do n->list = list_push(n->list, &n->nlist, parse_expr(ps));
            while (accept(ps, T_COMMA) && !ps->err);
            expect(ps, T_RPAREN, "')' expected");
        }
        expect(ps, T_SEMI, "';' expected");
        return n;
    default:
        n = parse_simple(ps);
        expect(ps, T_SEMI, "';' expected");
        return n;
    }
}

static node *parse_block(parser *ps) {
    node *n = mknode(N_BLOCK, ps->lx.tok.line);
    expect(ps, T_LBRACE, "'{' expected");
    while (ps->lx.tok.kind != T_RBRACE && ps->lx.tok.kind != T_EOF && !ps->err)
        n->list = list_push(n->list, &n->nlist, parse_stmt(ps));
    expect(ps, T_RBRACE, "'}' expected");
    return n;
}

typedef struct {
    node **funcs;
    int nfuncs;
    node **globals;             /* N_VARDECL at top level */
    int nglobals;
    int main_func;
} program;

static int parse_program(const char *src, program *pg, char *msg) {
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.lx.src = ps.lx.p = src;
    ps.lx.line = 1;
    next_token(&ps.lx);
    memset(pg, 0, sizeof *pg);
    while (ps.lx.tok.kind != T_EOF && !ps.err) {
        if (ps.lx.tok.kind == T_FN) {
            int line = ps.lx.tok.line;
            next_token(&ps.lx);
            node *f = mknode(N_FUNC, line);
            if (ps.lx.tok.kind != T_IDENT) { perr(&ps, "function name expected"); break; }
            f->name = (char *)ps.lx.tok.start;
            f->namelen = ps.lx.tok.len;
            next_token(&ps.lx);
            expect(&ps, T_LPAREN, "'(' expected");
            if (!accept(&ps, T_RPAREN)) {
                do {
                    if (ps.lx.tok.kind != T_IDENT) { perr(&ps, "parameter expected"); break; }
                    node *p = mknode(N_VAR, ps.lx.tok.line);
                    p->name = (char *)ps.lx.tok.start;
                    p->namelen = ps.lx.tok.len;
                    f->list = list_push(f->list, &f->nlist, p);
                    next_token(&ps.lx);
                } while (accept(&ps, T_COMMA));
                expect(&ps, T_RPAREN, "')' expected");
            }
            f->a = parse_block(&ps);
            pg->funcs = list_push(pg->funcs, &pg->nfuncs, f);
        } else if (ps.lx.tok.kind == T_VAR) {
            node *g = parse_simple(&ps);
            expect(&ps, T_SEMI, "';' expected");
            pg->globals = list_push(pg->globals, &pg->nglobals, g);
        } else {
            perr(&ps, "declaration expected");
        }
    }
    if (ps.err) { strcpy(msg, ps.msg); return -1; }
    return 0;
}

/* ---- resolver ----------------------------------------------------------------------------- */

typedef struct { const char *name; int len, slot; } binding;

typedef struct {
    program *pg;
    binding scope[512];
    int nscope;
    int marks[64], nmarks;
    int nlocals, maxlocals;
    binding globals[256];
    int nglobals;
    int err;
    char msg[128];
} resolver;

static void rerr(resolver *r, node *n, const char *m) {
    if (!r->err) { r->err = 1; snprintf(r->msg, sizeof r->msg, "line %d: %s '%.*s'", n->line, m, n->namelen, n->name ? n->name : ""); }
}

static int same_name(const char *a, int al, const char *b, int bl) { return al == bl && memcmp(a, b, (size_t)al) == 0; }

static void declare_local(resolver *r, node *n) {
    for (int i = r->nscope - 1; i >= (r->nmarks ? r->marks[r->nmarks - 1] : 0); i--)
        if (same_name(r->scope[i].name, r->scope[i].len, n->name, n->namelen)) { rerr(r, n, "redeclared"); return; }
    if (r->nscope >= 512) { rerr(r, n, "too many names"); return; }
    n->slot = r->nlocals++;
    if (r->nlocals > r->maxlocals) r->maxlocals = r->nlocals;
    r->scope[r->nscope++] = (binding){n->name, n->namelen, n->slot};
}

static void push_scope(resolver *r) { r->marks[r->nmarks++] = r->nscope; }
static void pop_scope(resolver *r) {
    r->nscope = r->marks[--r->nmarks];
    /* slots are not reused: every local keeps its own slot (simpler frames) */
}

static void resolve_expr(resolver *r, node *n);

static void resolve_name(resolver *r, node *n) {
    for (int i = r->nscope - 1; i >= 0; i--)
        if (same_name(r->scope[i].name, r->scope[i].len, n->name, n->namelen)) { n->slot = r->scope[i].slot; n->global = 0; return; }
    for (int i = 0; i < r->nglobals; i++)
        if (same_name(r->globals[i].name, r->globals[i].len, n->name, n->namelen)) { n->slot = r->globals[i].slot; n->global = 1; return; }
    rerr(r, n, "undefined variable");
}

static void resolve_expr(resolver *r, node *n) {
    if (!n) return;
    switch (n->kind) {
    case N_VAR: resolve_name(r, n); break;
    case N_CALL: {
        n->func = -1;
        for (int b = 0; b < NUM_BUILTINS; b++)
            if (same_name(builtin_names[b], (int)strlen(builtin_names[b]), n->name, n->namelen)) {
                n->kind = N_BUILTIN;
                n->func = b;
                if (n->nlist != builtin_arity[b]) rerr(r, n, "wrong number of arguments to");
            }
        if (n->kind == N_CALL) {
            for (int f = 0; f < r->pg->nfuncs; f++)
                if (same_name(r->pg->funcs[f]->name, r->pg->funcs[f]->namelen, n->name, n->namelen)) n->func = f;
            if (n->func < 0) rerr(r, n, "undefined function");
            else if (r->pg->funcs[n->func]->nlist != n->nlist) rerr(r, n, "wrong number of arguments to");
        }
        for (int i = 0; i < n->nlist; i++) resolve_expr(r, n->list[i]);
        break;
    }
    case N_ARRAY: for (int i = 0; i < n->nlist; i++) resolve_expr(r, n->list[i]); break;
    default:
        resolve_expr(r, n->a);
        resolve_expr(r, n->b);
        break;
    }
}

static void resolve_stmt(resolver *r, node *n, int loop_depth) {
    if (!n) return;
    switch (n->kind) {
    case N_VARDECL:
        resolve_expr(r, n->a);
        declare_local(r, n);
        break;
    case N_ASSIGN: resolve_expr(r, n->a); resolve_expr(r, n->b); break;
    case N_IF:
        resolve_expr(r, n->a);
        push_scope(r); resolve_stmt(r, n->b, loop_depth); pop_scope(r);
        push_scope(r); resolve_stmt(r, n->c, loop_depth); pop_scope(r);
        break;
    case N_WHILE:
        resolve_expr(r, n->a);
        push_scope(r); resolve_stmt(r, n->b, loop_depth + 1); pop_scope(r);
        break;
    case N_FOR:
        push_scope(r);
        resolve_stmt(r, n->a, loop_depth);
        resolve_expr(r, n->b);
        resolve_stmt(r, n->c, loop_depth);
        push_scope(r); resolve_stmt(r, n->d, loop_depth + 1); pop_scope(r);
        pop_scope(r);
        break;
    case N_BREAK: case N_CONTINUE:
        if (!loop_depth) rerr(r, n, "break/continue outside a loop");
        break;
    case N_RETURN: resolve_expr(r, n->a); break;
    case N_BLOCK:
        push_scope(r);
        for (int i = 0; i < n->nlist; i++) resolve_stmt(r, n->list[i], loop_depth);
        pop_scope(r);
        break;
    case N_EXPR: resolve_expr(r, n->a); break;
    case N_PRINT: for (int i = 0; i < n->nlist; i++) resolve_expr(r, n->list[i]); break;
    default: break;
    }
}

static int resolve_program(program *pg, char *msg) {
    static resolver r;
    memset(&r, 0, sizeof r);
    r.pg = pg;
    pg->main_func = -1;
    for (int i = 0; i < pg->nglobals; i++) {
        node *g = pg->globals[i];
        resolve_expr(&r, g->a);
        g->slot = r.nglobals;
        g->global = 1;
        r.globals[r.nglobals++] = (binding){g->name, g->namelen, g->slot};
    }
    for (int f = 0; f < pg->nfuncs; f++) {
        node *fn = pg->funcs[f];
        r.nscope = 0;
        r.nmarks = 0;
        r.nlocals = 0;
        r.maxlocals = 0;
        push_scope(&r);
        for (int p = 0; p < fn->nlist; p++) declare_local(&r, fn->list[p]);
        resolve_stmt(&r, fn->a, 0);
        pop_scope(&r);
        fn->slot = r.maxlocals;           /* frame size */
        if (same_name(fn->name, fn->namelen, "main", 4)) pg->main_func = f;
    }
    if (pg->main_func < 0 && !r.err) { r.err = 1; strcpy(r.msg, "no main"); }
    if (r.err) { strcpy(msg, r.msg); return -1; }
    return 0;
}

/* ---- constant folding --------------------------------------------------------------------- */

static long folds;

static node *fold(node *n) {
    if (!n) return n;
    switch (n->kind) {
    case N_BINARY:
        n->a = fold(n->a);
        n->b = fold(n->b);
        if (n->a->kind == N_INT && n->b->kind == N_INT) {
            val v = binop(n->op, mkint(n->a->ival), mkint(n->b->ival));
            if (v.t == V_INT) { node *k = mknode(N_INT, n->line); k->ival = v.u.i; folds++; return k; }
        }
        if (n->op == OP_ADD && n->b->kind == N_INT && n->b->ival == 0 && n->a->kind == N_INT) return n->a;
        return n;
    case N_UNARY:
        n->a = fold(n->a);
        if (n->a->kind == N_INT) {
            val v = unop(n->op, mkint(n->a->ival));
            node *k = mknode(N_INT, n->line);
            k->ival = v.u.i;
            folds++;
            return k;
        }
        return n;
    case N_AND: case N_OR:
        n->a = fold(n->a);
        n->b = fold(n->b);
        if (n->a->kind == N_INT && n->b->kind == N_INT) {
            int r = n->kind == N_AND ? (n->a->ival && n->b->ival) : (n->a->ival || n->b->ival);
            node *k = mknode(N_INT, n->line);
            k->ival = r;
            folds++;
            return k;
        }
        return n;
    case N_IF:
        n->a = fold(n->a);
        n->b = fold(n->b);
        n->c = fold(n->c);
        return n;
    default:
        n->a = fold(n->a);
        n->b = fold(n->b);
        n->c = fold(n->c);
        n->d = fold(n->d);
        for (int i = 0; i < n->nlist; i++) n->list[i] = fold(n->list[i]);
        return n;
    }
}

/* ---- pretty-printer ----------------------------------------------------------------------- */

typedef struct { char *buf; size_t len, cap; } text;
static void tx_grow(text *t, size_t n) {
    if (t->len + n + 1 <= t->cap) return;
    size_t nc = t->cap ? t->cap * 2 : 4096;
    while (nc < t->len + n + 1) nc *= 2;
    char *nb = alloc(nc);
    if (t->len) memcpy(nb, t->buf, t->len);
    t->buf = nb;
    t->cap = nc;
}
static void tx_puts(text *t, const char *s, size_t n) { tx_grow(t, n); memcpy(t->buf + t->len, s, n); t->len += n; t->buf[t->len] = 0; }
static void tx_str(text *t, const char *s) { tx_puts(t, s, strlen(s)); }
static void tx_ind(text *t, int d) { for (int i = 0; i < d; i++) tx_puts(t, "    ", 4); }

static int node_prec(const node *n) {
    switch (n->kind) {
    case N_OR: return 1;
    case N_AND: return 2;
    case N_BINARY: {
        token t = {T_OP, n->op, 0, 0, 0, 0};
        return precedence(&t);
    }
    default: return 20;
    }
}

static void pr_expr(text *t, const node *n, int ctx) {
    char buf[32];
    int p = node_prec(n), paren = p < ctx;
    if (paren) tx_puts(t, "(", 1);
    switch (n->kind) {
    case N_INT:
        if (n->ival < 0) { tx_puts(t, "(0 - ", 5); tx_puts(t, buf, (size_t)fmt_int(buf, (i64)(0 - (u64)n->ival))); tx_puts(t, ")", 1); }
        else tx_puts(t, buf, (size_t)fmt_int(buf, n->ival));
        break;
    case N_STR:
        tx_puts(t, "\"", 1);
        for (int i = 0; i < n->namelen; i++) {
            char c = n->name[i];
            if (c == '"' || c == '\\') { tx_puts(t, "\\", 1); tx_puts(t, &c, 1); }
            else if (c == '\n') tx_puts(t, "\\n", 2);
            else if (c == '\t') tx_puts(t, "\\t", 2);
            else if (c == 0) tx_puts(t, "\\0", 2);
            else tx_puts(t, &c, 1);
        }
        tx_puts(t, "\"", 1);
        break;
    case N_VAR: tx_puts(t, n->name, (size_t)n->namelen); break;
    case N_ARRAY:
        tx_puts(t, "[", 1);
        for (int i = 0; i < n->nlist; i++) { if (i) tx_puts(t, ", ", 2); pr_expr(t, n->list[i], 1); }
        tx_puts(t, "]", 1);
        break;
    case N_INDEX:
        pr_expr(t, n->a, 20);
        tx_puts(t, "[", 1);
        pr_expr(t, n->b, 1);
        tx_puts(t, "]", 1);
        break;
    case N_CALL: case N_BUILTIN:
        tx_puts(t, n->name, (size_t)n->namelen);
        tx_puts(t, "(", 1);
        for (int i = 0; i < n->nlist; i++) { if (i) tx_puts(t, ", ", 2); pr_expr(t, n->list[i], 1); }
        tx_puts(t, ")", 1);
        break;
    case N_UNARY:
        tx_str(t, n->op == OP_NEG ? "-" : op_text[n->op]);
        pr_expr(t, n->a, 20);
        break;
    case N_AND: case N_OR: case N_BINARY:
        pr_expr(t, n->a, p);
        tx_str(t, n->kind == N_AND ? " && " : n->kind == N_OR ? " || " : " ");
        if (n->kind == N_BINARY) { tx_str(t, op_text[n->op]); tx_puts(t, " ", 1); }
        pr_expr(t, n->b, p + 1);
        break;
    default: break;
    }
    if (paren) tx_puts(t, ")", 1);
}

static void pr_simple(text *t, const node *n) {
    if (n->kind == N_VARDECL) {
        tx_str(t, "var ");
        tx_puts(t, n->name, (size_t)n->namelen);
        if (n->a) { tx_str(t, " = "); pr_expr(t, n->a, 1); }
    } else if (n->kind == N_ASSIGN) {
        pr_expr(t, n->a, 1);
        if (n->op < 0) tx_str(t, " = ");
        else { tx_str(t, " "); tx_str(t, op_text[n->op]); tx_str(t, "= "); }
        pr_expr(t, n->b, 1);
    } else if (n->kind == N_EXPR) {
        pr_expr(t, n->a, 1);
    }
}

static void pr_stmt(text *t, const node *n, int d) {
    tx_ind(t, d);
    switch (n->kind) {
    case N_BLOCK:
        tx_str(t, "{\n");
        for (int i = 0; i < n->nlist; i++) pr_stmt(t, n->list[i], d + 1);
        tx_ind(t, d);
        tx_str(t, "}\n");
        break;
    case N_IF:
        tx_str(t, "if (");
        pr_expr(t, n->a, 1);
        tx_str(t, ")\n");
        pr_stmt(t, n->b, d + 1);
        if (n->c) { tx_ind(t, d); tx_str(t, "else\n"); pr_stmt(t, n->c, d + 1); }
        break;
    case N_WHILE:
        tx_str(t, "while (");
        pr_expr(t, n->a, 1);
        tx_str(t, ")\n");
        pr_stmt(t, n->b, d + 1);
        break;
    case N_FOR:
        tx_str(t, "for (");
        if (n->a) pr_simple(t, n->a);
        tx_str(t, "; ");
        if (n->b) pr_expr(t, n->b, 1);
        tx_str(t, "; ");
        if (n->c) pr_simple(t, n->c);
        tx_str(t, ")\n");
        pr_stmt(t, n->d, d + 1);
        break;
    case N_BREAK: tx_str(t, "break;\n"); break;
    case N_CONTINUE: tx_str(t, "continue;\n"); break;
    case N_RETURN:
        tx_str(t, "return");
        if (n->a) { tx_str(t, " "); pr_expr(t, n->a, 1); }
        tx_str(t, ";\n");
        break;
    case N_PRINT:
        tx_str(t, "print(");
        for (int i = 0; i < n->nlist; i++) { if (i) tx_str(t, ", "); pr_expr(t, n->list[i], 1); }
        tx_str(t, ");\n");
        break;
    default:
        pr_simple(t, n);
        tx_str(t, ";\n");
        break;
    }
}

static void pr_program(text *t, const program *pg) {
    for (int i = 0; i < pg->nglobals; i++) { pr_simple(t, pg->globals[i]); tx_str(t, ";\n"); }
    for (int f = 0; f < pg->nfuncs; f++) {
        const node *fn = pg->funcs[f];
        tx_str(t, "fn ");
        tx_puts(t, fn->name, (size_t)fn->namelen);
        tx_str(t, "(");
        for (int i = 0; i < fn->nlist; i++) { if (i) tx_str(t, ", "); tx_puts(t, fn->list[i]->name, (size_t)fn->list[i]->namelen); }
        tx_str(t, ")\n");
        pr_stmt(t, fn->a, 0);
    }
}

/* ---- tree-walking interpreter ------------------------------------------------------------- */

enum { X_NORMAL, X_BREAK, X_CONTINUE, X_RETURN };

typedef struct {
    program *pg;
    val *globals;
    outbuf *out;
    val ret;
    long steps, calls;
    int depth;
} interp;

static val eval(interp *in, const node *n, val *frame);
static int exec(interp *in, const node *n, val *frame);

static val call_func(interp *in, int f, val *args) {
    const node *fn = in->pg->funcs[f];
    val *frame = alloc((size_t)(fn->slot + 1) * sizeof(val));
    for (int i = 0; i < fn->slot; i++) frame[i] = nil();
    for (int i = 0; i < fn->nlist; i++) frame[i] = args[i];
    in->calls++;
    if (++in->depth > 2000) { in->depth--; return nil(); }
    in->ret = nil();
    exec(in, fn->a, frame);
    in->depth--;
    val r = in->ret;
    in->ret = nil();
    return r;
}

static val eval(interp *in, const node *n, val *frame) {
    in->steps++;
    switch (n->kind) {
    case N_INT: return mkint(n->ival);
    case N_STR: {
        val v;
        v.t = V_STR;
        v.u.s = (str *)n->d;            /* interned at first use */
        if (!n->d) { val s = mkstr(n->name, (size_t)n->namelen); ((node *)n)->d = (node *)s.u.s; v.u.s = s.u.s; }
        return v;
    }
    case N_VAR: return n->global ? in->globals[n->slot] : frame[n->slot];
    case N_ARRAY: {
        val a = mkarr((size_t)n->nlist);
        for (int i = 0; i < n->nlist; i++) arr_push(a.u.a, eval(in, n->list[i], frame));
        return a;
    }
    case N_INDEX: {
        val a = eval(in, n->a, frame);
        val i = eval(in, n->b, frame);
        return index_get(a, i);
    }
    case N_CALL: {
        val args[16];
        for (int i = 0; i < n->nlist && i < 16; i++) args[i] = eval(in, n->list[i], frame);
        return call_func(in, n->func, args);
    }
    case N_BUILTIN: {
        val args[4];
        for (int i = 0; i < n->nlist && i < 4; i++) args[i] = eval(in, n->list[i], frame);
        return builtin(n->func, args);
    }
    case N_UNARY: return unop(n->op, eval(in, n->a, frame));
    case N_BINARY: {
        val a = eval(in, n->a, frame);
        val b = eval(in, n->b, frame);
        return binop(n->op, a, b);
    }
    case N_AND: return mkint(truthy(eval(in, n->a, frame)) && truthy(eval(in, n->b, frame)));
    case N_OR: return mkint(truthy(eval(in, n->a, frame)) || truthy(eval(in, n->b, frame)));
    default: return nil();
    }
}

static void assign(interp *in, const node *n, val *frame) {
    const node *target = n->a;
    if (target->kind == N_VAR) {
        val *slot = target->global ? &in->globals[target->slot] : &frame[target->slot];
        val v = eval(in, n->b, frame);
        *slot = n->op < 0 ? v : binop(n->op, *slot, v);
    } else {
        val a = eval(in, target->a, frame);
        val i = eval(in, target->b, frame);
        val v = eval(in, n->b, frame);
        if (n->op >= 0) v = binop(n->op, index_get(a, i), v);
        index_set(a, i, v);
    }
}

static int exec(interp *in, const node *n, val *frame) {
    if (!n) return X_NORMAL;
    in->steps++;
    switch (n->kind) {
    case N_BLOCK:
        for (int i = 0; i < n->nlist; i++) {
            int r = exec(in, n->list[i], frame);
            if (r != X_NORMAL) return r;
        }
        return X_NORMAL;
    case N_VARDECL:
        frame[n->slot] = n->a ? eval(in, n->a, frame) : nil();
        return X_NORMAL;
    case N_ASSIGN: assign(in, n, frame); return X_NORMAL;
    case N_EXPR: eval(in, n->a, frame); return X_NORMAL;
    case N_PRINT: {
        /* every argument first (they may call functions that print), then the line */
        val args[32];
        for (int i = 0; i < n->nlist && i < 32; i++) args[i] = eval(in, n->list[i], frame);
        for (int i = 0; i < n->nlist && i < 32; i++) out_val(in->out, args[i], i == n->nlist - 1);
        if (!n->nlist) out_val(in->out, mkstr("", 0), 1);
        return X_NORMAL;
    }
    case N_IF:
        if (truthy(eval(in, n->a, frame))) return exec(in, n->b, frame);
        return exec(in, n->c, frame);
    case N_WHILE:
        while (truthy(eval(in, n->a, frame))) {
            int r = exec(in, n->b, frame);
            if (r == X_BREAK) break;
            if (r == X_RETURN) return r;
        }
        return X_NORMAL;
    case N_FOR:
        if (n->a) exec(in, n->a, frame);
        while (!n->b || truthy(eval(in, n->b, frame))) {
            int r = exec(in, n->d, frame);
            if (r == X_BREAK) break;
            if (r == X_RETURN) return r;
            if (n->c) exec(in, n->c, frame);
        }
        return X_NORMAL;
    case N_BREAK: return X_BREAK;
    case N_CONTINUE: return X_CONTINUE;
    case N_RETURN:
        in->ret = n->a ? eval(in, n->a, frame) : nil();
        return X_RETURN;
    default: return X_NORMAL;
    }
}

static void run_interp(program *pg, outbuf *out, long *steps) {
    interp in;
    memset(&in, 0, sizeof in);
    in.pg = pg;
    in.out = out;
    in.globals = alloc((size_t)(pg->nglobals + 1) * sizeof(val));
    for (int i = 0; i < pg->nglobals; i++) in.globals[i] = pg->globals[i]->a ? eval(&in, pg->globals[i]->a, 0) : nil();
    call_func(&in, pg->main_func, 0);
    *steps += in.steps;
}

/* ---- bytecode compiler -------------------------------------------------------------------- */

enum {
    BC_INT, BC_STR, BC_NIL, BC_LOADL, BC_STOREL, BC_LOADG, BC_STOREG, BC_BINOP, BC_UNOP, BC_JMP, BC_JZ,
    BC_JNZ, BC_CALL, BC_BUILTIN, BC_RET, BC_POP, BC_DUP2, BC_NEWARR, BC_INDEX, BC_SETINDEX, BC_PRINT,
    BC_BOOL, BC_HALT
};
typedef struct { u8 op; i32 a, b; } bc;

typedef struct {
    bc *code;
    int n, cap;
    int *func_entry;
    int loop_break[64][256], nbreak[64];
    int loop_cont[64][256], ncont[64];
    int loop_depth;
    const node **strs;
    int nstrs;
} compiler;

static int emit(compiler *c, int op, int a, int b) {
    if (c->n == c->cap) {
        int nc = c->cap ? c->cap * 2 : 1024;
        bc *ncode = alloc((size_t)nc * sizeof(bc));
        if (c->n) memcpy(ncode, c->code, (size_t)c->n * sizeof(bc));
        c->code = ncode;
        c->cap = nc;
    }
    c->code[c->n] = (bc){(u8)op, a, b};
    return c->n++;
}

static void c_expr(compiler *c, const node *n) {
    switch (n->kind) {
    case N_INT:
        if (n->ival == (i32)n->ival) emit(c, BC_INT, (i32)n->ival, 0);
        else {
            /* a 64-bit constant: high half, shift, low half */
            emit(c, BC_INT, (i32)(n->ival >> 32), 0);
            emit(c, BC_INT, 32, 0);
            emit(c, BC_BINOP, OP_SHL, 0);
            emit(c, BC_INT, (i32)(u32)n->ival, 1);   /* b = 1: zero-extend */
            emit(c, BC_BINOP, OP_BOR, 0);
        }
        break;
    case N_STR: {
        c->strs = (const node **)list_push((node **)c->strs, &c->nstrs, (node *)n);
        emit(c, BC_STR, c->nstrs - 1, 0);
        break;
    }
    case N_VAR: emit(c, n->global ? BC_LOADG : BC_LOADL, n->slot, 0); break;
    case N_ARRAY:
        for (int i = 0; i < n->nlist; i++) c_expr(c, n->list[i]);
        emit(c, BC_NEWARR, n->nlist, 0);
        break;
    case N_INDEX:
        c_expr(c, n->a);
        c_expr(c, n->b);
        emit(c, BC_INDEX, 0, 0);
        break;
    case N_CALL:
        for (int i = 0; i < n->nlist; i++) c_expr(c, n->list[i]);
        emit(c, BC_CALL, n->func, n->nlist);
        break;
    case N_BUILTIN:
        for (int i = 0; i < n->nlist; i++) c_expr(c, n->list[i]);
        emit(c, BC_BUILTIN, n->func, n->nlist);
        break;
    case N_UNARY:
        c_expr(c, n->a);
        emit(c, BC_UNOP, n->op, 0);
        break;
    case N_BINARY:
        c_expr(c, n->a);
        c_expr(c, n->b);
        emit(c, BC_BINOP, n->op, 0);
        break;
    case N_AND: case N_OR: {
        /* a && b: if !a -> 0 else bool(b) */
        c_expr(c, n->a);
        int j = emit(c, n->kind == N_AND ? BC_JZ : BC_JNZ, 0, 1);   /* b = 1: keep the value */
        c_expr(c, n->b);
        emit(c, BC_BOOL, 0, 0);
        int end = emit(c, BC_JMP, 0, 0);
        c->code[j].a = c->n;
        emit(c, BC_BOOL, 0, 0);
        c->code[end].a = c->n;
        break;
    }
    default: break;
    }
}

static void c_stmt(compiler *c, const node *n);

static void c_assign(compiler *c, const node *n) {
    const node *t = n->a;
    if (t->kind == N_VAR) {
        if (n->op >= 0) {
            emit(c, t->global ? BC_LOADG : BC_LOADL, t->slot, 0);
            c_expr(c, n->b);
            emit(c, BC_BINOP, n->op, 0);
        } else {
            c_expr(c, n->b);
        }
        emit(c, t->global ? BC_STOREG : BC_STOREL, t->slot, 0);
    } else {
        c_expr(c, t->a);
        c_expr(c, t->b);
        if (n->op >= 0) {
            emit(c, BC_DUP2, 0, 0);
            emit(c, BC_INDEX, 0, 0);
            c_expr(c, n->b);
            emit(c, BC_BINOP, n->op, 0);
        } else {
            c_expr(c, n->b);
        }
        emit(c, BC_SETINDEX, 0, 0);
    }
}

static void loop_begin(compiler *c) { c->loop_depth++; c->nbreak[c->loop_depth] = c->ncont[c->loop_depth] = 0; }
static void loop_end(compiler *c, int cont_target, int break_target) {
    for (int i = 0; i < c->ncont[c->loop_depth]; i++) c->code[c->loop_cont[c->loop_depth][i]].a = cont_target;
    for (int i = 0; i < c->nbreak[c->loop_depth]; i++) c->code[c->loop_break[c->loop_depth][i]].a = break_target;
    c->loop_depth--;
}

static void c_stmt(compiler *c, const node *n) {
    if (!n) return;
    switch (n->kind) {
    case N_BLOCK: for (int i = 0; i < n->nlist; i++) c_stmt(c, n->list[i]); break;
    case N_VARDECL:
        if (n->a) c_expr(c, n->a);
        else emit(c, BC_NIL, 0, 0);
        emit(c, BC_STOREL, n->slot, 0);
        break;
    case N_ASSIGN: c_assign(c, n); break;
    case N_EXPR: c_expr(c, n->a); emit(c, BC_POP, 0, 0); break;
    case N_PRINT:
        for (int i = 0; i < n->nlist; i++) c_expr(c, n->list[i]);
        emit(c, BC_PRINT, n->nlist, 0);
        break;
    case N_IF: {
        c_expr(c, n->a);
        int jz = emit(c, BC_JZ, 0, 0);
        c_stmt(c, n->b);
        if (n->c) {
            int j = emit(c, BC_JMP, 0, 0);
            c->code[jz].a = c->n;
            c_stmt(c, n->c);
            c->code[j].a = c->n;
        } else {
            c->code[jz].a = c->n;
        }
        break;
    }
    case N_WHILE: {
        int top = c->n;
        c_expr(c, n->a);
        int jz = emit(c, BC_JZ, 0, 0);
        loop_begin(c);
        c_stmt(c, n->b);
        emit(c, BC_JMP, top, 0);
        c->code[jz].a = c->n;
        loop_end(c, top, c->n);
        break;
    }
    case N_FOR: {
        c_stmt(c, n->a);
        int top = c->n, jz = -1;
        if (n->b) { c_expr(c, n->b); jz = emit(c, BC_JZ, 0, 0); }
        loop_begin(c);
        c_stmt(c, n->d);
        int step = c->n;
        c_stmt(c, n->c);
        emit(c, BC_JMP, top, 0);
        if (jz >= 0) c->code[jz].a = c->n;
        loop_end(c, step, c->n);
        break;
    }
    case N_BREAK: {
        int j = emit(c, BC_JMP, 0, 0);
        c->loop_break[c->loop_depth][c->nbreak[c->loop_depth]++] = j;
        break;
    }
    case N_CONTINUE: {
        int j = emit(c, BC_JMP, 0, 0);
        c->loop_cont[c->loop_depth][c->ncont[c->loop_depth]++] = j;
        break;
    }
    case N_RETURN:
        if (n->a) c_expr(c, n->a);
        else emit(c, BC_NIL, 0, 0);
        emit(c, BC_RET, 0, 0);
        break;
    default: break;
    }
}

static void compile_program(compiler *c, program *pg) {
    memset(c, 0, sizeof *c);
    c->func_entry = alloc((size_t)(pg->nfuncs + 1) * sizeof(int));
    /* entry: globals, call main, halt */
    for (int i = 0; i < pg->nglobals; i++) {
        if (pg->globals[i]->a) c_expr(c, pg->globals[i]->a);
        else emit(c, BC_NIL, 0, 0);
        emit(c, BC_STOREG, i, 0);
    }
    emit(c, BC_CALL, pg->main_func, 0);
    emit(c, BC_POP, 0, 0);
    emit(c, BC_HALT, 0, 0);
    for (int f = 0; f < pg->nfuncs; f++) {
        c->func_entry[f] = c->n;
        c_stmt(c, pg->funcs[f]->a);
        emit(c, BC_NIL, 0, 0);
        emit(c, BC_RET, 0, 0);
    }
}

/* ---- bytecode VM -------------------------------------------------------------------------- */

typedef struct { int ret_pc, base, func; } frame_rec;

static void run_vm(compiler *c, program *pg, outbuf *out, long *steps) {
    static val stack[1 << 16];
    static frame_rec frames[2048];
    val *globals = alloc((size_t)(pg->nglobals + 1) * sizeof(val));
    val *strs = alloc((size_t)(c->nstrs + 1) * sizeof(val));
    for (int i = 0; i < c->nstrs; i++) strs[i] = mkstr(c->strs[i]->name, (size_t)c->strs[i]->namelen);
    int sp = 0, fp = 0, pc = 0, base = 0;
    long n_steps = 0;
    for (;;) {
        const bc *ins = &c->code[pc++];
        n_steps++;
        switch (ins->op) {
        case BC_INT:
            stack[sp++] = mkint(ins->b ? (i64)(u32)ins->a : (i64)ins->a);
            break;
        case BC_STR: stack[sp++] = strs[ins->a]; break;
        case BC_NIL: stack[sp++] = nil(); break;
        case BC_LOADL: stack[sp++] = stack[base + ins->a]; break;
        case BC_STOREL: stack[base + ins->a] = stack[--sp]; break;
        case BC_LOADG: stack[sp++] = globals[ins->a]; break;
        case BC_STOREG: globals[ins->a] = stack[--sp]; break;
        case BC_BINOP: sp--; stack[sp - 1] = binop(ins->a, stack[sp - 1], stack[sp]); break;
        case BC_UNOP: stack[sp - 1] = unop(ins->a, stack[sp - 1]); break;
        case BC_JMP: pc = ins->a; break;
        case BC_JZ:
            if (ins->b) { if (!truthy(stack[sp - 1])) pc = ins->a; else sp--; }
            else if (!truthy(stack[--sp])) pc = ins->a;
            break;
        case BC_JNZ:
            if (truthy(stack[sp - 1])) pc = ins->a;
            else sp--;
            break;
        case BC_BOOL: stack[sp - 1] = mkint(truthy(stack[sp - 1])); break;
        case BC_CALL: {
            const node *fn = pg->funcs[ins->a];
            if (fp >= 2000) {
                sp -= ins->b;
                stack[sp++] = nil();
                break;
            }
            frames[fp++] = (frame_rec){pc, base, ins->a};
            base = sp - ins->b;
            for (int i = ins->b; i < fn->slot; i++) stack[base + i] = nil();
            sp = base + fn->slot;
            pc = c->func_entry[ins->a];
            break;
        }
        case BC_RET: {
            val r = stack[--sp];
            frame_rec f = frames[--fp];
            sp = base;
            stack[sp++] = r;
            pc = f.ret_pc;
            base = f.base;
            break;
        }
        case BC_BUILTIN: {
            val args[4];
            sp -= ins->b;
            for (int i = 0; i < ins->b; i++) args[i] = stack[sp + i];
            stack[sp++] = builtin(ins->a, args);
            break;
        }
        case BC_POP: sp--; break;
        case BC_DUP2: stack[sp] = stack[sp - 2]; stack[sp + 1] = stack[sp - 1]; sp += 2; break;
        case BC_NEWARR: {
            val a = mkarr((size_t)ins->a);
            sp -= ins->a;
            for (int i = 0; i < ins->a; i++) arr_push(a.u.a, stack[sp + i]);
            stack[sp++] = a;
            break;
        }
        case BC_INDEX: sp--; stack[sp - 1] = index_get(stack[sp - 1], stack[sp]); break;
        case BC_SETINDEX: sp -= 3; index_set(stack[sp], stack[sp + 1], stack[sp + 2]); break;
        case BC_PRINT:
            sp -= ins->a;
            for (int i = 0; i < ins->a; i++) out_val(out, stack[sp + i], i == ins->a - 1);
            if (!ins->a) out_val(out, mkstr("", 0), 1);
            break;
        case BC_HALT:
            *steps += n_steps;
            return;
        default:
            *steps += n_steps;
            return;
        }
    }
}

/* ---- programs ----------------------------------------------------------------------------- */

static const char *const fixed_programs[] = {
    /* sorting */
    "var seed = 12345;\n"
    "fn rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 65536; }\n"
    "fn qsort(a, lo, hi) {\n"
    "  if (lo >= hi) { return 0; }\n"
    "  var p = a[(lo + hi) / 2]; var i = lo; var j = hi;\n"
    "  while (i <= j) {\n"
    "    while (a[i] < p) { i += 1; }\n"
    "    while (a[j] > p) { j -= 1; }\n"
    "    if (i <= j) { var t = a[i]; a[i] = a[j]; a[j] = t; i += 1; j -= 1; }\n"
    "  }\n"
    "  qsort(a, lo, j); qsort(a, i, hi); return 0;\n"
    "}\n"
    "fn isort(a) {\n"
    "  for (var i = 1; i < len(a); i += 1) {\n"
    "    var k = a[i]; var j = i - 1;\n"
    "    while (j >= 0 && a[j] > k) { a[j + 1] = a[j]; j -= 1; }\n"
    "    a[j + 1] = k;\n"
    "  }\n"
    "}\n"
    "fn main() {\n"
    "  var a = []; var b = [];\n"
    "  for (var i = 0; i < 120; i += 1) { var x = rnd() % 1000; push(a, x); push(b, x); }\n"
    "  qsort(a, 0, len(a) - 1); isort(b);\n"
    "  var ok = 1; var sum = 0;\n"
    "  for (var i = 0; i < len(a); i += 1) { if (a[i] != b[i]) { ok = 0; } if (i > 0 && a[i - 1] > a[i]) { ok = 0; } sum += a[i] * (i + 1); }\n"
    "  print(\"sorted\", ok, sum, a[0], a[len(a) - 1]);\n"
    "  var words = [\"pear\", \"apple\", \"fig\", \"banana\", \"kiwi\", \"cherry\", \"date\"];\n"
    "  isort(words); print(words[0], words[3], words[6]);\n"
    "}\n",
    /* primes */
    "fn sieve(n) {\n"
    "  var s = []; for (var i = 0; i <= n; i += 1) { push(s, 1); }\n"
    "  s[0] = 0; s[1] = 0;\n"
    "  for (var i = 2; i * i <= n; i += 1) { if (s[i]) { for (var j = i * i; j <= n; j += i) { s[j] = 0; } } }\n"
    "  return s;\n"
    "}\n"
    "fn main() {\n"
    "  var s = sieve(1500); var count = 0; var twins = 0; var last = 0; var sum = 0;\n"
    "  for (var i = 2; i <= 1500; i += 1) {\n"
    "    if (!s[i]) { continue; }\n"
    "    count += 1; sum += i;\n"
    "    if (i - last == 2) { twins += 1; }\n"
    "    last = i;\n"
    "  }\n"
    "  print(\"primes\", count, twins, sum);\n"
    "  var n = 360360; var f = 2; var out = \"\";\n"
    "  while (n > 1) { if (n % f == 0) { out = out + str(f) + \" \"; n /= f; } else { f += 1; } }\n"
    "  print(out);\n"
    "}\n",
    /* strings */
    "fn caesar(s, k) {\n"
    "  var r = \"\";\n"
    "  for (var i = 0; i < len(s); i += 1) {\n"
    "    var c = s[i];\n"
    "    if (c >= 97 && c <= 122) { c = (c - 97 + k) % 26 + 97; }\n"
    "    else if (c >= 65 && c <= 90) { c = (c - 65 + k) % 26 + 65; }\n"
    "    r = r + chr(c);\n"
    "  }\n"
    "  return r;\n"
    "}\n"
    "fn reverse(s) { var r = \"\"; for (var i = len(s) - 1; i >= 0; i -= 1) { r = r + chr(s[i]); } return r; }\n"
    "fn split(s) {\n"
    "  var out = []; var cur = \"\";\n"
    "  for (var i = 0; i < len(s); i += 1) {\n"
    "    if (s[i] == 32) { if (len(cur) > 0) { push(out, cur); cur = \"\"; } } else { cur = cur + chr(s[i]); }\n"
    "  }\n"
    "  if (len(cur) > 0) { push(out, cur); }\n"
    "  return out;\n"
    "}\n"
    "fn main() {\n"
    "  var text = \"A man a plan a canal Panama level radar rotor kayak madam stats noon civic refer \";\n"
    "  text = text + \"the quick brown fox jumps over the lazy dog\";\n"
    "  var w = split(text); var pal = 0; var letters = 0;\n"
    "  for (var i = 0; i < len(w); i += 1) {\n"
    "    if (reverse(w[i]) == w[i]) { pal += 1; }\n"
    "    letters += len(w[i]);\n"
    "  }\n"
    "  var enc = caesar(text, 13); var dec = caesar(enc, 13);\n"
    "  print(\"words\", len(w), \"palindromes\", pal, \"letters\", letters, dec == text);\n"
    "  print(substr(enc, 0, 24));\n"
    "  var counts = []; for (var i = 0; i < 26; i += 1) { push(counts, 0); }\n"
    "  for (var i = 0; i < len(text); i += 1) { var c = text[i] | 32; if (c >= 97 && c <= 122) { counts[c - 97] += 1; } }\n"
    "  var best = 0; for (var i = 1; i < 26; i += 1) { if (counts[i] > counts[best]) { best = i; } }\n"
    "  print(\"most\", chr(best + 97), counts[best], ord(\"z\"), min(\"b\", \"a\"), max(3, 7));\n"
    "}\n",
    /* recursion */
    "fn fib(n) { if (n < 2) { return n; } return fib(n - 1) + fib(n - 2); }\n"
    "fn ack(m, n) { if (m == 0) { return n + 1; } if (n == 0) { return ack(m - 1, 1); } return ack(m - 1, ack(m, n - 1)); }\n"
    "fn perms(a, k, acc) {\n"
    "  if (k == len(a)) { var v = 0; for (var i = 0; i < len(a); i += 1) { v = v * 10 + a[i]; } acc[0] += v % 7; acc[1] += 1; return 0; }\n"
    "  for (var i = k; i < len(a); i += 1) {\n"
    "    var t = a[k]; a[k] = a[i]; a[i] = t;\n"
    "    perms(a, k + 1, acc);\n"
    "    t = a[k]; a[k] = a[i]; a[i] = t;\n"
    "  }\n"
    "  return 0;\n"
    "}\n"
    "fn main() {\n"
    "  print(\"fib\", fib(14), \"ack\", ack(2, 5), ack(3, 2));\n"
    "  var acc = [0, 0]; perms([1, 2, 3, 4, 5], 0, acc);\n"
    "  print(\"perms\", acc[1], acc[0]);\n"
    "}\n",
    /* matrices */
    "fn matmul(a, b, n) {\n"
    "  var c = [];\n"
    "  for (var i = 0; i < n; i += 1) { var row = []; for (var j = 0; j < n; j += 1) {\n"
    "    var s = 0; for (var k = 0; k < n; k += 1) { s += a[i][k] * b[k][j]; } push(row, s); } push(c, row); }\n"
    "  return c;\n"
    "}\n"
    "fn det(m, n) {\n"
    "  /* Bareiss fraction-free elimination on a copy */\n"
    "  var a = []; for (var i = 0; i < n; i += 1) { var r = []; for (var j = 0; j < n; j += 1) { push(r, m[i][j]); } push(a, r); }\n"
    "  var sign = 1; var prev = 1;\n"
    "  for (var k = 0; k < n - 1; k += 1) {\n"
    "    if (a[k][k] == 0) {\n"
    "      var sw = -1; for (var r = k + 1; r < n; r += 1) { if (a[r][k] != 0) { sw = r; break; } }\n"
    "      if (sw < 0) { return 0; }\n"
    "      var t = a[k]; a[k] = a[sw]; a[sw] = t; sign = -sign;\n"
    "    }\n"
    "    for (var i = k + 1; i < n; i += 1) { for (var j = k + 1; j < n; j += 1) {\n"
    "      a[i][j] = (a[i][j] * a[k][k] - a[i][k] * a[k][j]) / prev; } }\n"
    "    prev = a[k][k];\n"
    "  }\n"
    "  return sign * a[n - 1][n - 1];\n"
    "}\n"
    "fn main() {\n"
    "  var n = 7; var a = []; var b = [];\n"
    "  for (var i = 0; i < n; i += 1) { var r = []; var s = []; for (var j = 0; j < n; j += 1) {\n"
    "    push(r, (i * 3 + j * 5) % 7 - 3); push(s, (i == j) * 2 + (i + j) % 3); } push(a, r); push(b, s); }\n"
    "  var c = matmul(a, b, n); var tr = 0; for (var i = 0; i < n; i += 1) { tr += c[i][i]; }\n"
    "  print(\"trace\", tr, \"det a\", det(a, n), \"det b\", det(b, n), \"det c\", det(c, n));\n"
    "}\n",
    /* numbers */
    "fn collatz(n) { var s = 0; while (n != 1) { if (n % 2 == 0) { n /= 2; } else { n = 3 * n + 1; } s += 1; } return s; }\n"
    "fn gcd(a, b) { while (b != 0) { var t = a % b; a = b; b = t; } return a; }\n"
    "fn modpow(b, e, m) { var r = 1; b %= m; while (e > 0) { if (e & 1) { r = r * b % m; } b = b * b % m; e >>= 1; } return r; }\n"
    "fn main() {\n"
    "  var best = 0; var arg = 0;\n"
    "  for (var i = 1; i < 300; i += 1) { var s = collatz(i); if (s > best) { best = s; arg = i; } }\n"
    "  var g = 0; for (var i = 1; i < 100; i += 1) { g += gcd(i * 7919, 104729 % (i + 3) + i); }\n"
    "  var fermat = 0; for (var p = 3; p < 200; p += 2) { if (modpow(2, p - 1, p) == 1) { fermat += 1; } }\n"
    "  print(\"collatz\", arg, best, \"gcd\", g, \"fermat\", fermat, 0x7fff ^ 0x1234, ~5, -7 / 2, -7 % 3, 1 << 40);\n"
    "}\n",
    /* bignum factorial */
    "fn mul(d, k) { var carry = 0; for (var i = 0; i < len(d); i += 1) { var v = d[i] * k + carry; d[i] = v % 10000; carry = v / 10000; }\n"
    "  while (carry > 0) { push(d, carry % 10000); carry /= 10000; } }\n"
    "fn tostr(d) { var s = str(d[len(d) - 1]);\n"
    "  for (var i = len(d) - 2; i >= 0; i -= 1) { var part = str(d[i]); while (len(part) < 4) { part = \"0\" + part; } s = s + part; }\n"
    "  return s; }\n"
    "fn main() {\n"
    "  var d = [1]; for (var k = 2; k <= 60; k += 1) { mul(d, k); }\n"
    "  var s = tostr(d); var sum = 0; for (var i = 0; i < len(s); i += 1) { sum += s[i] - 48; }\n"
    "  print(\"60!\", len(s), sum, substr(s, 0, 20));\n"
    "}\n",
    /* n-queens */
    "var solutions = 0;\n"
    "fn place(cols, row, n) {\n"
    "  if (row == n) { solutions += 1; return 0; }\n"
    "  for (var c = 0; c < n; c += 1) {\n"
    "    var ok = 1;\n"
    "    for (var r = 0; r < row; r += 1) { var d = cols[r] - c; if (d == 0 || abs(d) == row - r) { ok = 0; break; } }\n"
    "    if (ok) { cols[row] = c; place(cols, row + 1, n); }\n"
    "  }\n"
    "  return 0;\n"
    "}\n"
    "fn main() { for (var n = 4; n <= 6; n += 1) { solutions = 0; var cols = []; for (var i = 0; i < n; i += 1) { push(cols, 0); } place(cols, 0, n); print(n, \"queens\", solutions); } }\n",
};
#define NFIXED (int)(sizeof fixed_programs / sizeof fixed_programs[0])

/* random programs */
static u64 rs = 0x6a09e667f3bcc908ULL;
static u32 rnd(void) { rs = rs * 6364136223846793005ULL + 1442695040888963407ULL; return (u32)(rs >> 33); }

typedef struct { text t; int nvars; int depth; int nfuncs; int loop; } gen;

static void g_expr(gen *g, int depth) {
    char buf[48];
    if (depth <= 0 || rnd() % 4 == 0) {
        switch (rnd() % 4) {
        case 0: snprintf(buf, sizeof buf, "%u", rnd() % 100); tx_str(&g->t, buf); return;
        case 1: if (g->nvars) { snprintf(buf, sizeof buf, "v%u", rnd() % (u32)g->nvars); tx_str(&g->t, buf); return; }
            /* fall through */
        case 2: snprintf(buf, sizeof buf, "%d", (int)(rnd() % 2000) - 1000); tx_str(&g->t, buf); return;
        default: tx_str(&g->t, "p"); return;
        }
    }
    static const char *const ops[] = {"+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "==", "!=", "<", "<=", ">", ">=", "&&", "||"};
    switch (rnd() % 8) {
    case 0: tx_str(&g->t, "-"); g_expr(g, depth - 1); return;
    case 1: tx_str(&g->t, "!("); g_expr(g, depth - 1); tx_str(&g->t, ")"); return;
    case 2:
        if (g->nfuncs) { snprintf(buf, sizeof buf, "f%u(", rnd() % (u32)g->nfuncs); tx_str(&g->t, buf); g_expr(g, depth - 1); tx_str(&g->t, ")"); return; }
        /* fall through */
    case 3: tx_str(&g->t, "abs("); g_expr(g, depth - 1); tx_str(&g->t, ")"); return;
    case 4: tx_str(&g->t, "len(str("); g_expr(g, depth - 1); tx_str(&g->t, "))"); return;
    default:
        tx_str(&g->t, "(");
        g_expr(g, depth - 1);
        tx_str(&g->t, " ");
        tx_str(&g->t, ops[rnd() % 18]);
        tx_str(&g->t, " ");
        g_expr(g, depth - 1);
        tx_str(&g->t, ")");
        return;
    }
}

static void g_stmts(gen *g, int n, int depth) {
    char buf[64];
    for (int i = 0; i < n; i++) {
        tx_ind(&g->t, g->depth);
        switch (depth > 0 ? rnd() % 8 : rnd() % 4) {
        case 0:
            snprintf(buf, sizeof buf, "var v%d = ", g->nvars);
            tx_str(&g->t, buf);
            g_expr(g, 3);
            tx_str(&g->t, ";\n");
            g->nvars++;
            break;
        case 1:
            if (!g->nvars) { tx_str(&g->t, "print(p);\n"); break; }
            snprintf(buf, sizeof buf, "v%u %s= ", rnd() % (u32)g->nvars, (const char *[]){"+", "-", "^", "|", "*"}[rnd() % 5]);
            tx_str(&g->t, buf);
            g_expr(g, 3);
            tx_str(&g->t, ";\n");
            break;
        case 2: case 3:
            tx_str(&g->t, "print(");
            g_expr(g, 3);
            tx_str(&g->t, ", ");
            g_expr(g, 2);
            tx_str(&g->t, ");\n");
            break;
        case 4: {
            tx_str(&g->t, "if (");
            g_expr(g, 2);
            tx_str(&g->t, ") {\n");
            int save = g->nvars;
            g->depth++;
            g_stmts(g, 1 + (int)(rnd() % 3), depth - 1);
            g->depth--;
            g->nvars = save;
            tx_ind(&g->t, g->depth);
            tx_str(&g->t, "} else {\n");
            g->depth++;
            g_stmts(g, 1 + (int)(rnd() % 2), depth - 1);
            g->depth--;
            g->nvars = save;
            tx_ind(&g->t, g->depth);
            tx_str(&g->t, "}\n");
            break;
        }
        case 5: case 6: {
            int save = g->nvars, lv = g->loop++;
            snprintf(buf, sizeof buf, "for (var i%d = 0; i%d < %u; i%d += 1) {\n", lv, lv, 2 + rnd() % 6, lv);
            tx_str(&g->t, buf);
            g->depth++;
            tx_ind(&g->t, g->depth);
            snprintf(buf, sizeof buf, "p += i%d;\n", lv);
            tx_str(&g->t, buf);
            g_stmts(g, 1 + (int)(rnd() % 3), depth - 1);
            if (rnd() % 4 == 0) { tx_ind(&g->t, g->depth); snprintf(buf, sizeof buf, "if (i%d == 3) { break; }\n", lv); tx_str(&g->t, buf); }
            g->depth--;
            g->nvars = save;
            tx_ind(&g->t, g->depth);
            tx_str(&g->t, "}\n");
            break;
        }
        default: {
            int save = g->nvars;
            tx_str(&g->t, "{ var arr = [");
            for (int k = 0; k < 4; k++) { if (k) tx_str(&g->t, ", "); g_expr(g, 1); }
            tx_str(&g->t, "];\n");
            tx_ind(&g->t, g->depth);
            tx_str(&g->t, "  var w = 0; while (w < len(arr)) { arr[w] += w * p; p ^= arr[w]; w += 1; } print(arr[0], len(arr), arr[3] % 97); }\n");
            g->nvars = save;
            break;
        }
        }
    }
}

static const char *gen_program(int nfuncs) {
    gen g;
    memset(&g, 0, sizeof g);
    for (int f = 0; f < nfuncs; f++) {
        char buf[64];
        snprintf(buf, sizeof buf, "fn f%d(p) {\n", f);
        tx_str(&g.t, buf);
        g.nvars = 0;
        g.depth = 1;
        g.nfuncs = 0;               /* functions call no functions: every run stays short */
        g_stmts(&g, 2 + (int)(rnd() % 4), 2);
        tx_str(&g.t, "    return ");
        g_expr(&g, 3);
        tx_str(&g.t, ";\n}\n");
    }
    g.nfuncs = nfuncs;
    tx_str(&g.t, "fn main() {\n    var p = 7;\n");
    g.nvars = 0;
    g.depth = 1;
    g_stmts(&g, 6 + (int)(rnd() % 6), 2);
    tx_str(&g.t, "    print(\"end\", p);\n}\n");
    return g.t.buf;
}

/* ---- driver ------------------------------------------------------------------------------- */

static u64 mix(u64 h, u64 v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static long mismatches, errors, interp_steps, vm_steps, programs_run, printer_bad, out_lines;
static u64 checksum;

static void run_source(const char *src, int show) {
    char msg[160];
    program pg, pg2;
    programs_run++;
    if (parse_program(src, &pg, msg) || resolve_program(&pg, msg)) {
        errors++;
        if (show) printf("error: %s\n", msg);
        return;
    }
    /* printer round trip: print, reparse, print again: the texts must be equal */
    text t1 = {0, 0, 0}, t2 = {0, 0, 0};
    pr_program(&t1, &pg);
    if (parse_program(t1.buf, &pg2, msg) || resolve_program(&pg2, msg)) printer_bad++;
    else {
        pr_program(&t2, &pg2);
        if (t1.len != t2.len || memcmp(t1.buf, t2.buf, t1.len) != 0) printer_bad++;
    }
    outbuf o1 = {0, 0, 0, 0xcbf29ce484222325ULL, 0}, o2 = {0, 0, 0, 0xcbf29ce484222325ULL, 0};
    run_interp(&pg, &o1, &interp_steps);
    /* the VM runs the constant-folded reparsed copy */
    for (int f = 0; f < pg2.nfuncs; f++) pg2.funcs[f]->a = fold(pg2.funcs[f]->a);
    compiler c;
    compile_program(&c, &pg2);
    run_vm(&c, &pg2, &o2, &vm_steps);
    if (o1.len != o2.len || memcmp(o1.buf, o2.buf, o1.len) != 0) mismatches++;
    if (show) fwrite(o1.buf, 1, o1.len, stdout);
    checksum = mix(checksum, o1.hash);
    out_lines += o1.lines;
    free(o1.buf);
    free(o2.buf);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    arena = malloc(ARENA);
    for (int r = 0; r < rounds; r++) {
        for (int p = 0; p < NFIXED; p++) {
            if ((r + p) % 3 != 0 && p != r % NFIXED) continue;     /* about a third of them per round */
            arena_used = 0;
            run_source(fixed_programs[p], r == 0);
        }
        for (int k = 0; k < 3; k++) {
            arena_used = 0;
            const char *src = gen_program(2 + (int)(rnd() % 4));
            char *copy = malloc(strlen(src) + 1);
            strcpy(copy, src);
            arena_used = 0;
            run_source(copy, 0);
            free(copy);
        }
    }
    printf("minilang: %d rounds, %ld programs, %ld output lines\n", rounds, programs_run, out_lines);
    printf("tree-walker steps %ld, vm instructions %ld, constants folded %ld\n", interp_steps, vm_steps, folds);
    printf("errors %ld, printer mismatches %ld, interpreter/vm mismatches %ld, checksum %016llx\n", errors,
           printer_bad, mismatches, (unsigned long long)checksum);
    return mismatches || errors || printer_bad;
}
