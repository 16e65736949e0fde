/* query: code-heavy — a small SQL query engine over in-memory tables: a tokenizer, a
 * recursive-descent parser (SELECT [DISTINCT] ... FROM ... JOIN ... ON ... WHERE ... GROUP BY
 * ... HAVING ... ORDER BY ... LIMIT, with AND/OR/NOT, comparisons, BETWEEN, IN, LIKE, IS
 * [NOT] NULL, CASE, arithmetic, ||, aggregates COUNT/SUM/MIN/MAX/AVG and scalar functions
 * LENGTH/UPPER/LOWER/SUBSTR/ABS/COALESCE), name resolution over joined rows, a planner that
 * picks a hash join for equi-joins and a nested loop otherwise, hash grouping, DISTINCT, a
 * stable merge sort and LIMIT. Values are NULL, 64-bit integers or strings. Each round
 * generates three tables (employees, departments, sales) and runs ten queries, a third of
 * them (in turn) a second time with nested loops only (the results must agree), and checks
 * every result against the same query computed by hand-written C loops.
 * Exit status 1 on any mismatch or error. argv[1] scales the work (rounds, default 10). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t i64;
enum { T_NULL, T_INT, T_STR };
typedef struct { int type; i64 i; const char *s; } Val;

/* ---- arena -------------------------------------------------------------------------------- */

#define ARENA (8 << 20)
static char *arena;
static size_t arena_used;
static void *alloc(size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (arena_used + n > ARENA) { fprintf(stderr, "arena full\n"); exit(2); }
    void *p = arena + arena_used;
    arena_used += n;
    memset(p, 0, n);
    return p;
}
static const char *strdup_a(const char *s, size_t n) {
    char *p = alloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static Val vnull(void) { Val v = {T_NULL, 0, NULL}; return v; }
static Val vint(i64 i) { Val v = {T_INT, i, NULL}; return v; }
static Val vstr(const char *s) { Val v = {T_STR, 0, s}; return v; }

static int vcmp(Val a, Val b) {            /* NULL < integers < strings */
    if (a.type != b.type) return a.type < b.type ? -1 : 1;
    if (a.type == T_INT) return (a.i > b.i) - (a.i < b.i);
    if (a.type == T_STR) { int c = strcmp(a.s, b.s); return (c > 0) - (c < 0); }
    return 0;
}
static uint64_t vhash(Val v, uint64_t h) {
    h = (h ^ (uint64_t)v.type) * 1099511628211ull;
    if (v.type == T_INT) h = (h ^ (uint64_t)v.i) * 1099511628211ull;
    else if (v.type == T_STR)
        for (const char *p = v.s; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}
static int vformat(char *out, size_t cap, Val v) {
    if (v.type == T_INT) return snprintf(out, cap, "%lld", (long long)v.i);
    if (v.type == T_STR) return snprintf(out, cap, "%s", v.s);
    return snprintf(out, cap, "NULL");
}

/* ---- tables ------------------------------------------------------------------------------- */

#define MAXCOL 8
typedef struct {
    const char *name;
    int ncols, nrows;
    const char *cols[MAXCOL];
    Val *rows;                        /* nrows * ncols */
} Table;
static Table tables[3];
static int ntables;

/* ---- tokens ------------------------------------------------------------------------------- */

enum { K_EOF, K_NUM, K_STR, K_ID, K_OP };
typedef struct { int kind; i64 num; char text[48]; } Tok;
static Tok toks[512];
static int ntok, pos;
static long errors;
static char errmsg[160];
static void error(const char *msg) {
    if (!errmsg[0]) snprintf(errmsg, sizeof errmsg, "%s (at token %d)", msg, pos);
}

static void tokenize(const char *s) {
    ntok = 0;
    while (*s && ntok < 511) {
        Tok *t = &toks[ntok];
        if (*s == ' ' || *s == '\n' || *s == '\t') { s++; continue; }
        if (*s >= '0' && *s <= '9') {
            t->kind = K_NUM;
            t->num = 0;
            while (*s >= '0' && *s <= '9') t->num = t->num * 10 + (*s++ - '0');
        } else if (*s == '\'') {
            size_t n = 0;
            s++;
            while (*s && *s != '\'' && n < sizeof t->text - 1) t->text[n++] = *s++;
            t->text[n] = 0;
            if (*s) s++;
            t->kind = K_STR;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_') {
            size_t n = 0;
            while (((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'
                    || (*s >= '0' && *s <= '9')) && n < sizeof t->text - 1)
                t->text[n++] = *s++;
            t->text[n] = 0;
            t->kind = K_ID;
        } else {
            static const char *two[] = {"<=", ">=", "<>", "!=", "||"};
            t->kind = K_OP;
            t->text[0] = *s;
            t->text[1] = 0;
            for (int k = 0; k < 5; k++)
                if (s[0] == two[k][0] && s[1] == two[k][1]) { t->text[1] = s[1]; t->text[2] = 0; }
            s += strlen(t->text);
            if (!strcmp(t->text, "!=")) strcpy(t->text, "<>");
        }
        ntok++;
    }
    toks[ntok].kind = K_EOF;
    toks[ntok].text[0] = 0;
}

static int ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        int x = *a, y = *b;
        if (x >= 'a' && x <= 'z') x -= 32;
        if (y >= 'a' && y <= 'z') y -= 32;
        if (x != y) return 0;
    }
    return *a == *b;
}
static int is_kw(const char *kw) { return toks[pos].kind == K_ID && ieq(toks[pos].text, kw); }
static int accept_kw(const char *kw) { if (is_kw(kw)) { pos++; return 1; } return 0; }
static int is_op(const char *op) { return toks[pos].kind == K_OP && !strcmp(toks[pos].text, op); }
static int accept_op(const char *op) { if (is_op(op)) { pos++; return 1; } return 0; }
static void expect_kw(const char *kw) { if (!accept_kw(kw)) error(kw); }
static void expect_op(const char *op) { if (!accept_op(op)) error(op); }

/* ---- the syntax tree ---------------------------------------------------------------------- */

enum {
    N_LIT, N_COL, N_BIN, N_NOT, N_NEG, N_BETWEEN, N_IN, N_LIKE, N_ISNULL, N_CASE, N_FUNC,
    N_AGG, N_STAR
};
enum { F_LENGTH, F_UPPER, F_LOWER, F_SUBSTR, F_ABS, F_COALESCE };
enum { A_COUNT, A_COUNTSTAR, A_SUM, A_MIN, A_MAX, A_AVG };
typedef struct Node Node;
struct Node {
    int kind, op, negate, nargs, slot;
    Val lit;
    char qual[24], name[24];          /* N_COL: [qualifier.]name, resolved to col */
    int col;
    Node *a, *b, *c;
    Node **args;
};
static Node *node(int kind) { Node *n = alloc(sizeof *n); n->kind = kind; n->col = -1; return n; }

static Node *expr(void);
static Node *primary(void) {
    Tok *t = &toks[pos];
    if (t->kind == K_NUM) { pos++; Node *n = node(N_LIT); n->lit = vint(t->num); return n; }
    if (t->kind == K_STR) {
        pos++;
        Node *n = node(N_LIT);
        n->lit = vstr(strdup_a(t->text, strlen(t->text)));
        return n;
    }
    if (accept_op("(")) { Node *n = expr(); expect_op(")"); return n; }
    if (accept_kw("NULL")) { Node *n = node(N_LIT); n->lit = vnull(); return n; }
    if (accept_kw("CASE")) {
        Node *n = node(N_CASE);
        n->args = alloc(sizeof(Node *) * 16);
        while (accept_kw("WHEN") && n->nargs < 14) {
            n->args[n->nargs++] = expr();
            expect_kw("THEN");
            n->args[n->nargs++] = expr();
        }
        n->a = accept_kw("ELSE") ? expr() : NULL;
        expect_kw("END");
        return n;
    }
    if (t->kind != K_ID) { error("expression expected"); pos++; return node(N_LIT); }
    static const char *aggs[] = {"COUNT", "", "SUM", "MIN", "MAX", "AVG"};
    static const char *funcs[] = {"LENGTH", "UPPER", "LOWER", "SUBSTR", "ABS", "COALESCE"};
    pos++;
    if (accept_op("(")) {
        for (int k = 0; k < 6; k++)
            if (aggs[k][0] && ieq(t->text, aggs[k])) {
                Node *n = node(N_AGG);
                n->op = k;
                if (k == A_COUNT && accept_op("*")) n->op = A_COUNTSTAR;
                else n->a = expr();
                expect_op(")");
                return n;
            }
        for (int k = 0; k < 6; k++)
            if (ieq(t->text, funcs[k])) {
                Node *n = node(N_FUNC);
                n->op = k;
                n->args = alloc(sizeof(Node *) * 8);
                do n->args[n->nargs++] = expr(); while (n->nargs < 8 && accept_op(","));
                expect_op(")");
                return n;
            }
        error("unknown function");
        return node(N_LIT);
    }
    Node *n = node(N_COL);
    if (accept_op(".")) {
        snprintf(n->qual, sizeof n->qual, "%s", t->text);
        snprintf(n->name, sizeof n->name, "%s", toks[pos].text);
        pos++;
    } else {
        snprintf(n->name, sizeof n->name, "%s", t->text);
    }
    return n;
}
static Node *unary(void) {
    if (accept_op("-")) { Node *n = node(N_NEG); n->a = unary(); return n; }
    return primary();
}
static Node *binary(int op, Node *a, Node *b) {
    Node *n = node(N_BIN);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}
static Node *mul(void) {
    Node *n = unary();
    for (;;) {
        if (accept_op("*")) n = binary('*', n, unary());
        else if (accept_op("/")) n = binary('/', n, unary());
        else if (accept_op("%")) n = binary('%', n, unary());
        else return n;
    }
}
static Node *add(void) {
    Node *n = mul();
    for (;;) {
        if (accept_op("+")) n = binary('+', n, mul());
        else if (accept_op("-")) n = binary('-', n, mul());
        else if (accept_op("||")) n = binary('|', n, mul());
        else return n;
    }
}
static Node *cmp(void) {
    Node *n = add();
    static const char *ops[] = {"=", "<>", "<", "<=", ">", ">="};
    for (int k = 0; k < 6; k++)
        if (accept_op(ops[k])) return binary(200 + k, n, add());
    if (accept_kw("IS")) {
        Node *m = node(N_ISNULL);
        m->negate = accept_kw("NOT");
        expect_kw("NULL");
        m->a = n;
        return m;
    }
    int negate = accept_kw("NOT");
    if (accept_kw("BETWEEN")) {
        Node *m = node(N_BETWEEN);
        m->a = n;
        m->b = add();
        expect_kw("AND");
        m->c = add();
        m->negate = negate;
        return m;
    }
    if (accept_kw("IN")) {
        Node *m = node(N_IN);
        m->a = n;
        m->negate = negate;
        m->args = alloc(sizeof(Node *) * 32);
        expect_op("(");
        do m->args[m->nargs++] = expr(); while (m->nargs < 32 && accept_op(","));
        expect_op(")");
        return m;
    }
    if (accept_kw("LIKE")) {
        Node *m = node(N_LIKE);
        m->a = n;
        m->b = add();
        m->negate = negate;
        return m;
    }
    if (negate) error("BETWEEN, IN or LIKE expected after NOT");
    return n;
}
static Node *not_expr(void) {
    if (accept_kw("NOT")) { Node *n = node(N_NOT); n->a = not_expr(); return n; }
    return cmp();
}
static Node *and_expr(void) {
    Node *n = not_expr();
    while (accept_kw("AND")) n = binary('&', n, not_expr());
    return n;
}
static Node *expr(void) {
    Node *n = and_expr();
    while (accept_kw("OR")) n = binary('O', n, and_expr());
    return n;
}

/* ---- queries ------------------------------------------------------------------------------ */

#define MAXITEM 12
typedef struct {
    int distinct, nitems, nfrom, ngroup, norder, limit, naggs, star;
    Node *items[MAXITEM];
    char alias[MAXITEM][24];
    Table *from[4];
    char from_alias[4][24];
    int from_base[4];                  /* first column of each table in the joined row */
    Node *on[4], *where, *having;
    Node *group[MAXITEM], *order[MAXITEM];
    int desc[MAXITEM], order_item[MAXITEM];   /* order_item: an output column, or -1 */
    Node *aggs[32];
    int width;
} Query;

static Table *find_table(const char *name) {
    for (int i = 0; i < ntables; i++) if (ieq(tables[i].name, name)) return &tables[i];
    return NULL;
}
static void parse_from(Query *q) {
    do {
        if (q->nfrom > 0) { expect_kw("JOIN"); }
        Tok *t = &toks[pos++];
        Table *tb = t->kind == K_ID ? find_table(t->text) : NULL;
        if (!tb) { error("unknown table"); return; }
        int k = q->nfrom++;
        q->from[k] = tb;
        snprintf(q->from_alias[k], 24, "%s", tb->name);
        if (toks[pos].kind == K_ID && !is_kw("JOIN") && !is_kw("ON") && !is_kw("WHERE")
            && !is_kw("GROUP") && !is_kw("ORDER") && !is_kw("LIMIT"))
            snprintf(q->from_alias[k], 24, "%s", toks[pos++].text);
        q->from_base[k] = q->width;
        q->width += tb->ncols;
        if (k > 0) { expect_kw("ON"); q->on[k] = expr(); }
    } while (is_kw("JOIN") && q->nfrom < 4);
}
static int parse_query(Query *q, const char *sql) {
    memset(q, 0, sizeof *q);
    q->limit = -1;
    errmsg[0] = 0;
    tokenize(sql);
    pos = 0;
    expect_kw("SELECT");
    q->distinct = accept_kw("DISTINCT");
    do {
        if (accept_op("*")) { q->star = 1; continue; }
        int k = q->nitems++;
        q->items[k] = expr();
        if (accept_kw("AS")) snprintf(q->alias[k], 24, "%s", toks[pos++].text);
    } while (q->nitems < MAXITEM && accept_op(","));
    expect_kw("FROM");
    parse_from(q);
    if (accept_kw("WHERE")) q->where = expr();
    if (accept_kw("GROUP")) {
        expect_kw("BY");
        do q->group[q->ngroup++] = expr(); while (q->ngroup < MAXITEM && accept_op(","));
    }
    if (accept_kw("HAVING")) q->having = expr();
    if (accept_kw("ORDER")) {
        expect_kw("BY");
        do {
            int k = q->norder++;
            q->order[k] = expr();
            q->desc[k] = accept_kw("DESC");
            if (!q->desc[k]) accept_kw("ASC");
        } while (q->norder < MAXITEM && accept_op(","));
    }
    if (accept_kw("LIMIT")) q->limit = (int)toks[pos++].num;
    if (toks[pos].kind != K_EOF) error("end of query expected");
    return errmsg[0] == 0;
}

/* name resolution: columns to joined-row positions, aggregates to slots */
static void resolve(Query *q, Node *n, int tables_visible) {
    if (!n) return;
    if (n->kind == N_COL) {
        for (int k = 0; k < tables_visible && n->col < 0; k++) {
            if (n->qual[0] && !ieq(n->qual, q->from_alias[k])) continue;
            for (int c = 0; c < q->from[k]->ncols; c++)
                if (ieq(q->from[k]->cols[c], n->name)) { n->col = q->from_base[k] + c; break; }
        }
        if (n->col < 0) error("unknown column");
        return;
    }
    if (n->kind == N_AGG) {
        if (q->naggs < 32) { n->slot = q->naggs; q->aggs[q->naggs++] = n; }
        resolve(q, n->a, tables_visible);
        return;
    }
    resolve(q, n->a, tables_visible);
    resolve(q, n->b, tables_visible);
    resolve(q, n->c, tables_visible);
    for (int i = 0; i < n->nargs; i++) resolve(q, n->args[i], tables_visible);
}
static int order_alias(Query *q, Node *n) {     /* ORDER BY 2, or ORDER BY an alias */
    if (n->kind == N_LIT && n->lit.type == T_INT && n->lit.i >= 1 && n->lit.i <= q->nitems)
        return (int)n->lit.i - 1;
    if (n->kind == N_COL && !n->qual[0])
        for (int i = 0; i < q->nitems; i++)
            if (q->alias[i][0] && ieq(q->alias[i], n->name)) return i;
    return -1;
}
static void resolve_query(Query *q) {
    for (int k = 1; k < q->nfrom; k++) resolve(q, q->on[k], k + 1);
    for (int i = 0; i < q->nitems; i++) resolve(q, q->items[i], q->nfrom);
    resolve(q, q->where, q->nfrom);
    for (int i = 0; i < q->ngroup; i++) resolve(q, q->group[i], q->nfrom);
    resolve(q, q->having, q->nfrom);
    for (int i = 0; i < q->norder; i++) {
        q->order_item[i] = order_alias(q, q->order[i]);
        if (q->order_item[i] < 0) resolve(q, q->order[i], q->nfrom);
    }
}

/* ---- evaluation --------------------------------------------------------------------------- */

typedef struct { Val *row; Val *agg; } Ctx;
static int truthy(Val v) { return v.type == T_INT && v.i != 0; }

static int like(const char *s, const char *p) {
    if (!*p) return !*s;
    if (*p == '%') {
        for (;; s++) {
            if (like(s, p + 1)) return 1;
            if (!*s) return 0;
        }
    }
    if (!*s) return 0;
    return (*p == '_' || *p == *s) && like(s + 1, p + 1);
}
static Val eval(Node *n, Ctx *c);
static Val eval_func(Node *n, Ctx *c) {
    Val a = eval(n->args[0], c);
    if (n->op == F_COALESCE) {
        for (int i = 0; i < n->nargs; i++) {
            Val v = i ? eval(n->args[i], c) : a;
            if (v.type != T_NULL) return v;
        }
        return vnull();
    }
    if (a.type == T_NULL) return vnull();
    if (n->op == F_ABS) return a.type == T_INT ? vint(a.i < 0 ? -a.i : a.i) : vnull();
    char buf[64];
    vformat(buf, sizeof buf, a);
    size_t len = strlen(buf);
    if (n->op == F_LENGTH) return vint((i64)len);
    if (n->op == F_SUBSTR) {
        i64 start = n->nargs > 1 ? eval(n->args[1], c).i : 1, count = n->nargs > 2
            ? eval(n->args[2], c).i : (i64)len;
        if (start < 1) { count += start - 1; start = 1; }
        if (start > (i64)len || count <= 0) return vstr("");
        if (start - 1 + count > (i64)len) count = (i64)len - start + 1;
        return vstr(strdup_a(buf + start - 1, (size_t)count));
    }
    for (size_t i = 0; i < len; i++) {
        if (n->op == F_UPPER && buf[i] >= 'a' && buf[i] <= 'z') buf[i] -= 32;
        if (n->op == F_LOWER && buf[i] >= 'A' && buf[i] <= 'Z') buf[i] += 32;
    }
    return vstr(strdup_a(buf, len));
}
static Val eval_bin(Node *n, Ctx *c) {
    if (n->op == '&') return vint(truthy(eval(n->a, c)) && truthy(eval(n->b, c)));
    if (n->op == 'O') return vint(truthy(eval(n->a, c)) || truthy(eval(n->b, c)));
    Val a = eval(n->a, c), b = eval(n->b, c);
    if (a.type == T_NULL || b.type == T_NULL) return vnull();
    if (n->op >= 200) {   /* comparisons: 200 + index in cmp()'s table */
        int r = vcmp(a, b);
        static const int want[6][3] = {{0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1},
                                       {0, 1, 1}};
        return vint(want[n->op - 200][r + 1]);
    }
    if (n->op == '|') {
        char x[128], y[128];
        vformat(x, sizeof x, a);
        vformat(y, sizeof y, b);
        size_t lx = strlen(x), ly = strlen(y);
        char *s = alloc(lx + ly + 1);
        memcpy(s, x, lx);
        memcpy(s + lx, y, ly + 1);
        return vstr(s);
    }
    if (a.type != T_INT || b.type != T_INT) return vnull();
    switch (n->op) {
    case '+': return vint(a.i + b.i);
    case '-': return vint(a.i - b.i);
    case '*': return vint(a.i * b.i);
    case '/': return b.i ? vint(a.i / b.i) : vnull();
    default: return b.i ? vint(a.i % b.i) : vnull();
    }
}
static Val eval(Node *n, Ctx *c) {
    switch (n->kind) {
    case N_LIT: return n->lit;
    case N_COL: return c->row[n->col];
    case N_AGG:
        if (!c->agg) { error("aggregate outside a group"); return vnull(); }
        return c->agg[n->slot];
    case N_BIN: return eval_bin(n, c);
    case N_NOT: return vint(!truthy(eval(n->a, c)));
    case N_NEG: { Val v = eval(n->a, c); return v.type == T_INT ? vint(-v.i) : vnull(); }
    case N_BETWEEN: {
        Val v = eval(n->a, c), lo = eval(n->b, c), hi = eval(n->c, c);
        if (v.type == T_NULL || lo.type == T_NULL || hi.type == T_NULL) return vnull();
        return vint((vcmp(v, lo) >= 0 && vcmp(v, hi) <= 0) != n->negate);
    }
    case N_IN: {
        Val v = eval(n->a, c);
        if (v.type == T_NULL) return vnull();
        int found = 0;
        for (int i = 0; i < n->nargs && !found; i++) found = vcmp(v, eval(n->args[i], c)) == 0;
        return vint(found != n->negate);
    }
    case N_LIKE: {
        Val v = eval(n->a, c), p = eval(n->b, c);
        if (v.type != T_STR || p.type != T_STR) return vnull();
        return vint(like(v.s, p.s) != n->negate);
    }
    case N_ISNULL: return vint((eval(n->a, c).type == T_NULL) != n->negate);
    case N_CASE:
        for (int i = 0; i + 1 < n->nargs; i += 2)
            if (truthy(eval(n->args[i], c))) return eval(n->args[i + 1], c);
        return n->a ? eval(n->a, c) : vnull();
    case N_FUNC: return eval_func(n, c);
    default: error("bad node"); return vnull();
    }
}

/* ---- execution ---------------------------------------------------------------------------- */

typedef struct { Val **rows; int n, cap; } Rows;
static void rows_add(Rows *r, Val *row) {
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 64;
        Val **bigger = alloc(sizeof(Val *) * (size_t)cap);
        if (r->n) memcpy(bigger, r->rows, sizeof(Val *) * (size_t)r->n);
        r->rows = bigger;
        r->cap = cap;
    }
    r->rows[r->n++] = row;
}
static int max_col(Node *n) {
    if (!n) return -1;
    int m = n->kind == N_COL ? n->col : -1;
    int subs[3] = {max_col(n->a), max_col(n->b), max_col(n->c)};
    for (int i = 0; i < 3; i++) if (subs[i] > m) m = subs[i];
    for (int i = 0; i < n->nargs; i++) { int s = max_col(n->args[i]); if (s > m) m = s; }
    return m;
}
static long hash_joins, nested_joins;
static Rows join(Query *q, Rows left, int k, int nested_only) {
    Table *t = q->from[k];
    int base = q->from_base[k];
    Rows out = {0};
    Node *on = q->on[k], *probe = NULL;
    int key_col = -1;
    if (!nested_only && on->kind == N_BIN && on->op == 200) {
        if (on->b->kind == N_COL && on->b->col >= base && max_col(on->a) < base) {
            key_col = on->b->col - base; probe = on->a;
        } else if (on->a->kind == N_COL && on->a->col >= base && max_col(on->b) < base) {
            key_col = on->a->col - base; probe = on->b;
        }
    }
    if (probe) {                                  /* hash join on t.key_col */
        hash_joins++;
        int nb = 1;
        while (nb < t->nrows * 2) nb <<= 1;
        int *head = alloc(sizeof(int) * (size_t)nb), *next = alloc(sizeof(int) * (size_t)t->nrows);
        for (int i = 0; i < nb; i++) head[i] = -1;
        for (int i = t->nrows - 1; i >= 0; i--) {  /* chains in table order */
            Val v = t->rows[i * t->ncols + key_col];
            if (v.type == T_NULL) continue;
            int b = (int)(vhash(v, 1469598103934665603ull) & (uint64_t)(nb - 1));
            next[i] = head[b];
            head[b] = i;
        }
        for (int l = 0; l < left.n; l++) {
            Ctx c = {left.rows[l], NULL};
            Val v = eval(probe, &c);
            if (v.type == T_NULL) continue;
            int b = (int)(vhash(v, 1469598103934665603ull) & (uint64_t)(nb - 1));
            for (int i = head[b]; i >= 0; i = next[i]) {
                if (vcmp(t->rows[i * t->ncols + key_col], v) != 0) continue;
                Val *row = alloc(sizeof(Val) * (size_t)q->width);
                memcpy(row, left.rows[l], sizeof(Val) * (size_t)base);
                memcpy(row + base, t->rows + i * t->ncols, sizeof(Val) * (size_t)t->ncols);
                rows_add(&out, row);
            }
        }
        return out;
    }
    nested_joins++;
    Val *row = alloc(sizeof(Val) * (size_t)q->width);
    for (int l = 0; l < left.n; l++) {
        memcpy(row, left.rows[l], sizeof(Val) * (size_t)base);
        for (int i = 0; i < t->nrows; i++) {
            memcpy(row + base, t->rows + i * t->ncols, sizeof(Val) * (size_t)t->ncols);
            Ctx c = {row, NULL};
            if (!truthy(eval(on, &c))) continue;
            rows_add(&out, row);
            row = alloc(sizeof(Val) * (size_t)q->width);
            memcpy(row, left.rows[l], sizeof(Val) * (size_t)base);
        }
    }
    return out;
}

typedef struct { Val *vals, *keys; } Out;
typedef struct { Val *key, *first, *agg; i64 *count, *sum; int *has; } Group;

static void accumulate(Query *q, Group *g, Val *row) {
    Ctx c = {row, NULL};
    for (int s = 0; s < q->naggs; s++) {
        Node *a = q->aggs[s];
        if (a->op == A_COUNTSTAR) { g->count[s]++; continue; }
        Val v = eval(a->a, &c);
        if (v.type == T_NULL) continue;
        g->count[s]++;
        if (v.type == T_INT) g->sum[s] += v.i;
        if (!g->has[s] || (a->op == A_MIN && vcmp(v, g->agg[s]) < 0)
            || (a->op == A_MAX && vcmp(v, g->agg[s]) > 0))
            g->agg[s] = v;
        g->has[s] = 1;
    }
}
static void finish(Query *q, Group *g) {
    for (int s = 0; s < q->naggs; s++) {
        int op = q->aggs[s]->op;
        if (op == A_COUNT || op == A_COUNTSTAR) g->agg[s] = vint(g->count[s]);
        else if (op == A_SUM) g->agg[s] = g->count[s] ? vint(g->sum[s]) : vnull();
        else if (op == A_AVG) g->agg[s] = g->count[s] ? vint(g->sum[s] / g->count[s]) : vnull();
        else if (!g->has[s]) g->agg[s] = vnull();
    }
}
static Group *new_group(Query *q, Val *row) {
    Group *g = alloc(sizeof *g);
    g->first = row;
    g->key = alloc(sizeof(Val) * (size_t)(q->ngroup + 1));
    g->agg = alloc(sizeof(Val) * (size_t)(q->naggs + 1));
    g->count = alloc(sizeof(i64) * (size_t)(q->naggs + 1));
    g->sum = alloc(sizeof(i64) * (size_t)(q->naggs + 1));
    g->has = alloc(sizeof(int) * (size_t)(q->naggs + 1));
    return g;
}
static int group_rows(Query *q, Rows *rows, Group ***groups_out) {
    int nb = 256, ng = 0;
    Group **groups = alloc(sizeof(Group *) * (size_t)(rows->n + 1));
    int *head = alloc(sizeof(int) * (size_t)nb), *next = alloc(sizeof(int) * (size_t)(rows->n + 1));
    for (int i = 0; i < nb; i++) head[i] = -1;
    for (int r = 0; r < rows->n; r++) {
        Ctx c = {rows->rows[r], NULL};
        Val key[MAXITEM];
        uint64_t h = 1469598103934665603ull;
        for (int k = 0; k < q->ngroup; k++) {
            key[k] = eval(q->group[k], &c);
            h = vhash(key[k], h);
        }
        int b = (int)(h & (uint64_t)(nb - 1)), found = -1;
        for (int gi = head[b]; gi >= 0 && found < 0; gi = next[gi]) {
            int same = 1;
            for (int k = 0; k < q->ngroup && same; k++)
                same = vcmp(groups[gi]->key[k], key[k]) == 0;
            if (same) found = gi;
        }
        if (found < 0) {
            found = ng++;
            groups[found] = new_group(q, rows->rows[r]);
            memcpy(groups[found]->key, key, sizeof(Val) * (size_t)q->ngroup);
            next[found] = head[b];
            head[b] = found;
        }
        accumulate(q, groups[found], rows->rows[r]);
    }
    if (ng == 0 && q->ngroup == 0)        /* aggregates over no rows: one group of NULLs */
        groups[ng++] = new_group(q, alloc(sizeof(Val) * (size_t)q->width));
    for (int gi = 0; gi < ng; gi++) finish(q, groups[gi]);
    *groups_out = groups;
    return ng;
}

static Query *sort_query;
static int out_cmp(const Out *a, const Out *b) {
    for (int k = 0; k < sort_query->norder; k++) {
        int c = vcmp(a->keys[k], b->keys[k]);
        if (c) return sort_query->desc[k] ? -c : c;
    }
    return 0;
}
static void merge_sort(Out *v, Out *tmp, int n) {
    if (n < 2) return;
    int h = n / 2;
    merge_sort(v, tmp, h);
    merge_sort(v + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = out_cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, sizeof(Out) * (size_t)n);
}

static Out make_out(Query *q, Ctx *c) {
    Out o;
    int n = q->star ? q->width : q->nitems;
    o.vals = alloc(sizeof(Val) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) o.vals[i] = q->star ? c->row[i] : eval(q->items[i], c);
    o.keys = alloc(sizeof(Val) * (size_t)(q->norder + 1));
    for (int k = 0; k < q->norder; k++)
        o.keys[k] = q->order_item[k] >= 0 ? o.vals[q->order_item[k]] : eval(q->order[k], c);
    return o;
}
static int out_same(Query *q, Out *a, Out *b) {
    int n = q->star ? q->width : q->nitems;
    for (int i = 0; i < n; i++) if (vcmp(a->vals[i], b->vals[i])) return 0;
    return 1;
}

/* Run SQL; the result rows as text ("a|b\n" ...) into out; the row count, or -1 on error. */
static int run_sql(const char *sql, int nested_only, char *out, size_t cap) {
    Query q;
    if (!parse_query(&q, sql)) return -1;
    resolve_query(&q);
    if (errmsg[0]) return -1;
    Rows rows = {0};
    Table *t0 = q.from[0];
    for (int i = 0; i < t0->nrows; i++) {
        Val *row = alloc(sizeof(Val) * (size_t)q.width);
        memcpy(row, t0->rows + i * t0->ncols, sizeof(Val) * (size_t)t0->ncols);
        rows_add(&rows, row);
    }
    for (int k = 1; k < q.nfrom; k++) rows = join(&q, rows, k, nested_only);
    if (q.where) {
        int kept = 0;
        for (int i = 0; i < rows.n; i++) {
            Ctx c = {rows.rows[i], NULL};
            if (truthy(eval(q.where, &c))) rows.rows[kept++] = rows.rows[i];
        }
        rows.n = kept;
    }
    Out *outs = alloc(sizeof(Out) * (size_t)(rows.n + 1));
    int n = 0;
    if (q.ngroup || q.naggs) {
        Group **groups;
        int ng = group_rows(&q, &rows, &groups);
        for (int gi = 0; gi < ng; gi++) {
            Ctx c = {groups[gi]->first, groups[gi]->agg};
            if (q.having && !truthy(eval(q.having, &c))) continue;
            outs[n++] = make_out(&q, &c);
        }
    } else {
        for (int i = 0; i < rows.n; i++) {
            Ctx c = {rows.rows[i], NULL};
            outs[n++] = make_out(&q, &c);
        }
    }
    if (q.distinct) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            int dup = 0;
            for (int j = 0; j < kept && !dup; j++) dup = out_same(&q, &outs[j], &outs[i]);
            if (!dup) outs[kept++] = outs[i];
        }
        n = kept;
    }
    if (q.norder) {
        sort_query = &q;
        merge_sort(outs, alloc(sizeof(Out) * (size_t)(n + 1)), n);
    }
    if (q.limit >= 0 && n > q.limit) n = q.limit;
    size_t used = 0;
    int width = q.star ? q.width : q.nitems;
    out[0] = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < width; k++) {
            used += (size_t)vformat(out + used, cap - used, outs[i].vals[k]);
            used += (size_t)snprintf(out + used, cap - used, k + 1 < width ? "|" : "\n");
            if (used >= cap - 64) { error("result too long"); return -1; }
        }
    return errmsg[0] ? -1 : n;
}

/* ---- data --------------------------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 2685821657736338717ull) >> 33;
}
static const char *SYLLABLES[] = {"ka", "lo", "mi", "ra", "tu", "ne", "si", "do", "ve", "an",
                                  "or", "be"};
static const char *DEPTS[] = {"sales", "research", "ops", "legal", "support", "design",
                              "finance", "hr", "it", "qa", "admin", "logistics"};
static const char *CITIES[] = {"lyon", "oslo", "quito", "perth", "kyoto"};
static const char *REGIONS[] = {"north", "south", "east", "west", "central"};
enum { E_ID, E_NAME, E_DEPT, E_SALARY, E_AGE, E_BOSS };
enum { D_ID, D_NAME, D_CITY };
enum { S_ID, S_EMP, S_AMOUNT, S_REGION, S_DAY };
#define NDEPT 12

static Table *make_table(const char *name, const char *cols, int nrows) {
    Table *t = &tables[ntables++];
    t->name = name;
    t->ncols = 0;
    for (const char *p = cols; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        t->cols[t->ncols++] = strdup_a(p, n);
        p += n + (e != NULL);
    }
    t->nrows = nrows;
    t->rows = alloc(sizeof(Val) * (size_t)(nrows * t->ncols));
    return t;
}
static void generate(int ne, int ns) {
    ntables = 0;
    Table *e = make_table("emp", "id,name,dept,salary,age,boss", ne);
    for (int i = 0; i < ne; i++) {
        Val *row = e->rows + i * e->ncols;
        char name[16] = "";
        int syl = 2 + (int)(rnd() % 2);
        for (int k = 0; k < syl; k++) strcat(name, SYLLABLES[rnd() % 12]);
        row[E_ID] = vint(i + 1);
        row[E_NAME] = vstr(strdup_a(name, strlen(name)));
        row[E_DEPT] = vint(1 + (i64)(rnd() % NDEPT));
        row[E_SALARY] = vint(1000 + (i64)(rnd() % 7000));
        row[E_AGE] = vint(20 + (i64)(rnd() % 45));
        row[E_BOSS] = (i + 1) % 17 == 1 ? vnull() : vint(1 + (i64)(rnd() % (uint64_t)ne));
    }
    Table *d = make_table("dept", "id,name,city", NDEPT);
    for (int i = 0; i < NDEPT; i++) {
        Val *row = d->rows + i * d->ncols;
        row[D_ID] = vint(i + 1);
        row[D_NAME] = vstr(DEPTS[i]);
        row[D_CITY] = vstr(CITIES[rnd() % 5]);
    }
    Table *s = make_table("sale", "id,emp,amount,region,day", ns);
    for (int i = 0; i < ns; i++) {
        Val *row = s->rows + i * s->ncols;
        row[S_ID] = vint(i + 1);
        row[S_EMP] = vint(1 + (i64)(rnd() % (uint64_t)ne));
        row[S_AMOUNT] = vint(10 + (i64)(rnd() % 990));
        row[S_REGION] = vstr(REGIONS[rnd() % 5]);
        row[S_DAY] = vint(1 + (i64)(rnd() % 365));
    }
}

/* ---- the queries and the same results computed in C -------------------------------------- */

#define E(i, c) (tables[0].rows[(i) * 6 + (c)])
#define D(i, c) (tables[1].rows[(i) * 3 + (c)])
#define S(i, c) (tables[2].rows[(i) * 5 + (c)])
typedef struct { i64 k1, k2; const char *s; char text[96]; } XRow;
static XRow xrows[4096];
static int nx, x_desc1;
static int x_cmp(const void *pa, const void *pb) {     /* k1 (desc if x_desc1), s, k2 */
    const XRow *a = pa, *b = pb;
    if (a->k1 != b->k1) return (a->k1 < b->k1) == x_desc1 ? 1 : -1;
    int c = strcmp(a->s ? a->s : "", b->s ? b->s : "");
    if (c) return c;
    return (a->k2 > b->k2) - (a->k2 < b->k2);
}
static void x_add(i64 k1, const char *s, i64 k2, const char *text) {
    xrows[nx].k1 = k1;
    xrows[nx].k2 = k2;
    xrows[nx].s = s;
    snprintf(xrows[nx].text, sizeof xrows[nx].text, "%s", text);
    nx++;
}
static void x_emit(char *out, size_t cap, int limit) {
    qsort(xrows, (size_t)nx, sizeof xrows[0], x_cmp);
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < nx && (limit < 0 || i < limit); i++)
        used += (size_t)snprintf(out + used, cap - used, "%s\n", xrows[i].text);
}
static int pattern_match(int which, const char *s) {    /* the LIKE patterns, by hand */
    size_t n = strlen(s);
    switch (which) {
    case 0: return strstr(s, "ka") != NULL;
    case 1:
        for (size_t i = 0; i + 2 < n; i++) if (s[i] == 'o' && s[i + 2] == 'a') return 1;
        return 0;
    case 2: return strncmp(s, "mi", 2) == 0;
    case 3: return n > 0 && s[n - 1] == 'e';
    default: for (size_t i = 0; i + 1 < n; i++) if (s[i] == 'r') return 1; return 0;
    }
}
static const char *PATTERNS[] = {"%ka%", "%o_a%", "mi%", "%e", "%r_%"};

#define NQ 10
/* Query Q of round R (parameters from R) into sql, and its expected result into want. */
static void query(int qn, int r, int ne, int ns, char *sql, size_t cap, char *want, size_t wcap) {
    char t[96];
    nx = 0;
    x_desc1 = 0;
    switch (qn) {
    case 0: {
        int lo = 25 + r % 10, hi = lo + 15;
        snprintf(sql, cap, "SELECT COUNT(*), SUM(salary), MIN(age), MAX(age) FROM emp "
                 "WHERE age BETWEEN %d AND %d", lo, hi);
        i64 n = 0, sum = 0, mn = 1 << 30, mx = -1;
        for (int i = 0; i < ne; i++) {
            i64 a = E(i, E_AGE).i;
            if (a < lo || a > hi) continue;
            n++; sum += E(i, E_SALARY).i; mn = a < mn ? a : mn; mx = a > mx ? a : mx;
        }
        if (n) snprintf(want, wcap, "%lld|%lld|%lld|%lld\n", (long long)n, (long long)sum,
                        (long long)mn, (long long)mx);
        else snprintf(want, wcap, "0|NULL|NULL|NULL\n");
        return;
    }
    case 1: {
        snprintf(sql, cap, "SELECT d.name, COUNT(*), SUM(e.salary) FROM emp e JOIN dept d "
                 "ON e.dept = d.id GROUP BY d.name ORDER BY 3 DESC, 1");
        i64 cnt[NDEPT] = {0}, sum[NDEPT] = {0};
        for (int i = 0; i < ne; i++) {
            cnt[E(i, E_DEPT).i - 1]++;
            sum[E(i, E_DEPT).i - 1] += E(i, E_SALARY).i;
        }
        x_desc1 = 1;
        for (int k = 0; k < NDEPT; k++) {
            if (!cnt[k]) continue;
            snprintf(t, sizeof t, "%s|%lld|%lld", DEPTS[k], (long long)cnt[k], (long long)sum[k]);
            x_add(sum[k], DEPTS[k], 0, t);
        }
        x_emit(want, wcap, -1);
        return;
    }
    case 2: {
        int th = 500 + r % 200;
        snprintf(sql, cap, "SELECT e.name, s.amount FROM sale s JOIN emp e ON s.emp = e.id "
                 "WHERE s.region = 'north' AND s.amount > %d ORDER BY s.amount DESC, e.name "
                 "LIMIT 10", th);
        x_desc1 = 1;
        for (int i = 0; i < ns; i++) {
            if (strcmp(S(i, S_REGION).s, "north") || S(i, S_AMOUNT).i <= th) continue;
            const char *name = E(S(i, S_EMP).i - 1, E_NAME).s;
            snprintf(t, sizeof t, "%s|%lld", name, (long long)S(i, S_AMOUNT).i);
            x_add(S(i, S_AMOUNT).i, name, 0, t);
        }
        x_emit(want, wcap, 10);
        return;
    }
    case 3: {
        int th = ns / 5 - 10 + r % 20;
        snprintf(sql, cap, "SELECT region, COUNT(*) AS n, AVG(amount) FROM sale GROUP BY region "
                 "HAVING COUNT(*) > %d ORDER BY n DESC, region", th);
        i64 cnt[5] = {0}, sum[5] = {0};
        for (int i = 0; i < ns; i++)
            for (int k = 0; k < 5; k++)
                if (!strcmp(S(i, S_REGION).s, REGIONS[k])) { cnt[k]++; sum[k] += S(i, S_AMOUNT).i; }
        x_desc1 = 1;
        for (int k = 0; k < 5; k++) {
            if (cnt[k] <= th) continue;
            snprintf(t, sizeof t, "%s|%lld|%lld", REGIONS[k], (long long)cnt[k],
                     (long long)(sum[k] / cnt[k]));
            x_add(cnt[k], REGIONS[k], 0, t);
        }
        x_emit(want, wcap, -1);
        return;
    }
    case 4: {
        int p = r % 5;
        snprintf(sql, cap, "SELECT DISTINCT dept FROM emp WHERE name LIKE '%s' ORDER BY dept DESC",
                 PATTERNS[p]);
        int seen[NDEPT + 1] = {0};
        for (int i = 0; i < ne; i++) if (pattern_match(p, E(i, E_NAME).s)) seen[E(i, E_DEPT).i] = 1;
        size_t used = 0;
        want[0] = 0;
        for (int k = NDEPT; k >= 1; k--)
            if (seen[k]) used += (size_t)snprintf(want + used, wcap - used, "%d\n", k);
        return;
    }
    case 5: {
        int k = r % 23;
        snprintf(sql, cap, "SELECT UPPER(SUBSTR(name, 2, 3)) || '-' || LENGTH(name), CASE WHEN "
                 "salary > 6000 THEN 'high' WHEN salary > 3000 THEN 'mid' ELSE 'low' END, "
                 "ABS(age - 40) FROM emp WHERE id %% 23 = %d ORDER BY id DESC", k);
        size_t used = 0;
        want[0] = 0;
        for (int i = ne - 1; i >= 0; i--) {
            if ((i + 1) % 23 != k) continue;
            const char *name = E(i, E_NAME).s;
            char sub[4] = "";
            size_t n = strlen(name), j = 0;
            for (size_t c = 1; c < n && j < 3; c++) sub[j++] = (char)(name[c] - 32);
            sub[j] = 0;
            i64 sal = E(i, E_SALARY).i, age = E(i, E_AGE).i;
            used += (size_t)snprintf(want + used, wcap - used, "%s-%zu|%s|%lld\n", sub, n,
                                     sal > 6000 ? "high" : sal > 3000 ? "mid" : "low",
                                     (long long)(age > 40 ? age - 40 : 40 - age));
        }
        return;
    }
    case 6: {
        int dd = 2000 + r % 1000;
        snprintf(sql, cap, "SELECT e.name, b.name, e.salary - b.salary FROM emp e JOIN emp b "
                 "ON e.boss = b.id WHERE e.salary > b.salary + %d ORDER BY 3 DESC, e.id LIMIT 15",
                 dd);
        x_desc1 = 1;
        for (int i = 0; i < ne; i++) {
            if (E(i, E_BOSS).type == T_NULL) continue;
            int b = (int)E(i, E_BOSS).i - 1;
            i64 diff = E(i, E_SALARY).i - E(b, E_SALARY).i;
            if (diff <= dd) continue;
            snprintf(t, sizeof t, "%s|%s|%lld", E(i, E_NAME).s, E(b, E_NAME).s, (long long)diff);
            x_add(diff, NULL, i, t);
        }
        x_emit(want, wcap, 15);
        return;
    }
    case 7: {
        int x = 5 + r % 7, a = 22 + r % 5;
        snprintf(sql, cap, "SELECT COUNT(*), COUNT(boss), COALESCE(MAX(boss), -1), MIN(name) "
                 "FROM emp WHERE dept IN (1, 3, %d) AND boss IS NOT NULL OR age < %d", x, a);
        i64 n = 0, nb = 0, mb = -1;
        const char *mn = NULL;
        for (int i = 0; i < ne; i++) {
            i64 dp = E(i, E_DEPT).i;
            int has_boss = E(i, E_BOSS).type != T_NULL;
            if (!(((dp == 1 || dp == 3 || dp == x) && has_boss) || E(i, E_AGE).i < a)) continue;
            n++;
            if (has_boss) { nb++; if (E(i, E_BOSS).i > mb) mb = E(i, E_BOSS).i; }
            if (!mn || strcmp(E(i, E_NAME).s, mn) < 0) mn = E(i, E_NAME).s;
        }
        snprintf(want, wcap, "%lld|%lld|%lld|%s\n", (long long)n, (long long)nb, (long long)mb,
                 mn ? mn : "NULL");
        return;
    }
    case 8: {
        int lo = 1 + r * 7 % 300, hi = lo + 60;
        snprintf(sql, cap, "SELECT d.city, SUM(s.amount), COUNT(*) FROM sale s JOIN emp e "
                 "ON s.emp = e.id JOIN dept d ON e.dept = d.id WHERE s.day BETWEEN %d AND %d "
                 "GROUP BY d.city ORDER BY 2 DESC, 1", lo, hi);
        i64 cnt[5] = {0}, sum[5] = {0};
        for (int i = 0; i < ns; i++) {
            if (S(i, S_DAY).i < lo || S(i, S_DAY).i > hi) continue;
            const char *city = D(E(S(i, S_EMP).i - 1, E_DEPT).i - 1, D_CITY).s;
            for (int k = 0; k < 5; k++)
                if (!strcmp(city, CITIES[k])) { cnt[k]++; sum[k] += S(i, S_AMOUNT).i; }
        }
        x_desc1 = 1;
        for (int k = 0; k < 5; k++) {
            if (!cnt[k]) continue;
            snprintf(t, sizeof t, "%s|%lld|%lld", CITIES[k], (long long)sum[k], (long long)cnt[k]);
            x_add(sum[k], CITIES[k], 0, t);
        }
        x_emit(want, wcap, -1);
        return;
    }
    default: {
        snprintf(sql, cap, "SELECT a.city, COUNT(*) FROM dept a JOIN dept b ON a.id < b.id "
                 "WHERE a.city <> b.city GROUP BY a.city ORDER BY a.city");
        i64 cnt[5] = {0};
        for (int i = 0; i < NDEPT; i++)
            for (int j = i + 1; j < NDEPT; j++)
                if (strcmp(D(i, D_CITY).s, D(j, D_CITY).s))
                    for (int k = 0; k < 5; k++) if (!strcmp(D(i, D_CITY).s, CITIES[k])) cnt[k]++;
        for (int k = 0; k < 5; k++) {
            if (!cnt[k]) continue;
            snprintf(t, sizeof t, "%s|%lld", CITIES[k], (long long)cnt[k]);
            x_add(0, CITIES[k], 0, t);
        }
        x_emit(want, wcap, -1);
        return;
    }
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    arena = malloc(ARENA);
    static char sql[1024], want[16384], got[16384], nested[16384];
    long mismatches = 0, rows_total = 0;
    uint64_t checksum = 1469598103934665603ull;
    for (int r = 0; r < rounds; r++) {
        arena_used = 0;
        rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)(r + 1) * 0x100000001b3ull;
        int ne = 60 + r % 30, ns = 200 + r % 100;
        generate(ne, ns);
        for (int qn = 0; qn < NQ; qn++) {
            query(qn, r, ne, ns, sql, sizeof sql, want, sizeof want);
            int n = run_sql(sql, 0, got, sizeof got);
            if (n < 0) {
                errors++;
                if (errors < 4) printf("round %d query %d: error: %s\n", r, qn, errmsg);
                continue;
            }
            rows_total += n;
            for (const char *p = got; *p; p++)
                checksum = (checksum ^ (unsigned char)*p) * 1099511628211ull;
            if (strcmp(got, want) != 0 && mismatches++ < 3)
                printf("round %d query %d differs from C:\n%s\n--- got\n%s--- want\n%s", r, qn, sql,
                       got, want);
            if ((qn + r) % 3 == 0) {      /* the same query with nested loops only */
                if (run_sql(sql, 1, nested, sizeof nested) < 0 || strcmp(nested, got) != 0) {
                    if (mismatches++ < 3) printf("round %d query %d: nested loops differ\n", r, qn);
                }
            }
            if (r == 0) printf("%s\n%s", sql, got);
        }
    }
    printf("query: %d rounds, %d queries each, %ld result rows, %ld hash joins, %ld nested-loop "
           "joins\n", rounds, NQ, rows_total, hash_joins, nested_joins);
    printf("errors %ld, mismatches %ld, checksum %016llx\n", errors, mismatches,
           (unsigned long long)checksum);
    return errors || mismatches;
}
