/* regex: code-heavy — a regular-expression engine with four matchers over generated
 * log-like text. A recursive-descent parser (literals, ., classes with ranges and negation,
 * \d \w \s \D \W \S escapes, ^ $ \b \B, capturing and non-capturing groups, alternation,
 * the repeats * + ? {m} {m,} {m,n}, lazy repeats, a (?i) flag) builds a tree that a compiler
 * turns into a program of CHAR/ANY/CLASS/SPLIT/JMP/SAVE/assertion instructions. The program
 * runs on a Pike VM (Thompson NFA simulation with capture groups, leftmost-first), on a
 * backtracking matcher with a visited bit set, and, for patterns without word boundaries, on
 * a lazy DFA (subset construction on demand, a hashed state cache with a size limit and
 * flushes); a fourth matcher backtracks over the tree itself with continuations. A literal
 * every match must contain feeds a Horspool prefilter, and a printer turns each tree back into
 * a pattern that must compile to the same program. 42 patterns (dates, times, e-mail
 * addresses, IPs, URLs, quoted strings, key=value, nested alternations, lazy and bounded
 * repeats) are recompiled every round and matched against every line: find-all with captures
 * on the Pike VM, the backtracker and the tree matcher (which must agree), the DFA's yes/no
 * answer (which must agree with them), and a substitution that rewrites each match from its
 * groups. Shell globs (the wildcards ? and *, [set], [!set]) are matched by a direct matcher
 * and by their translation to regexes (which must agree), and a lexer built from a dozen
 * token rules as one program (the longest match wins, then the earliest rule) tokenizes a
 * generated C-like text.
 * Checked once against Python: re.finditer over the same lines gave identical match and group
 * spans (about 25,000 matches), and fnmatch.fnmatchcase the same answers for every glob.
 * argv[1] scales the work (rounds of 3 generated lines, default 10). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define NCAP 10                 /* capture groups 0..9 -> 20 slots */
#define NSLOT (2 * NCAP)
#define MAXNODE 8192
#define MAXPROG 4096
#define MAXCLASS 1024
#define MAXLINE 512
#define LINES 3

/* ---- character classes -------------------------------------------------------------------- */

typedef struct { u32 bits[8]; } cclass;
static cclass classes[MAXCLASS];
static int nclasses;

static int add_class(const cclass *c) {
    if (nclasses >= MAXCLASS) { fprintf(stderr, "too many classes\n"); exit(2); }
    classes[nclasses] = *c;
    return nclasses++;
}

static void cc_set(cclass *c, int ch) { c->bits[ch >> 5] |= 1u << (ch & 31); }
static int cc_has(const cclass *c, int ch) { return (c->bits[ch >> 5] >> (ch & 31)) & 1; }
static void cc_range(cclass *c, int lo, int hi) { for (int ch = lo; ch <= hi; ch++) cc_set(c, ch); }
static void cc_negate(cclass *c) { for (int i = 0; i < 8; i++) c->bits[i] = ~c->bits[i]; }
static void cc_union(cclass *c, const cclass *d) { for (int i = 0; i < 8; i++) c->bits[i] |= d->bits[i]; }

static int is_word(int ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}
static int to_lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch; }
static int to_upper(int ch) { return ch >= 'a' && ch <= 'z' ? ch - 32 : ch; }

static void cc_escape(cclass *c, int e) {
    cclass t;
    memset(&t, 0, sizeof t);
    switch (e) {
    case 'd': case 'D': cc_range(&t, '0', '9'); break;
    case 'w': case 'W':
        cc_range(&t, 'a', 'z'); cc_range(&t, 'A', 'Z'); cc_range(&t, '0', '9'); cc_set(&t, '_');
        break;
    case 's': case 'S':
        cc_set(&t, ' '); cc_set(&t, '\t'); cc_set(&t, '\n'); cc_set(&t, '\r'); cc_set(&t, '\f'); cc_set(&t, '\v');
        break;
    default: break;
    }
    if (e == 'D' || e == 'W' || e == 'S') cc_negate(&t);
    cc_union(c, &t);
}

/* ---- parser ------------------------------------------------------------------------------- */

enum { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_CAT, N_ALT, N_STAR, N_PLUS, N_QUEST, N_REPEAT,
       N_GROUP, N_BOL, N_EOL, N_WORDB, N_NWORDB };

typedef struct { int kind, a, b, min, max, greedy, ch, cap; } node;
static node nodes[MAXNODE];
static int nnodes;

typedef struct {
    const char *p;
    int ncap;
    int icase;
    int error;
} parser;

static int new_node(int kind, int a, int b) {
    if (nnodes >= MAXNODE) { fprintf(stderr, "regex too large\n"); exit(2); }
    nodes[nnodes] = (node){kind, a, b, 0, 0, 1, 0, -1};
    return nnodes++;
}

static int parse_alt(parser *ps);

static int escape_char(int e) {
    switch (e) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case '0': return 0;
    default: return e;
    }
}

static int parse_class(parser *ps) {
    cclass c;
    memset(&c, 0, sizeof c);
    int neg = 0;
    if (*ps->p == '^') { neg = 1; ps->p++; }
    int first = 1;
    while (*ps->p && (*ps->p != ']' || first)) {
        first = 0;
        int lo;
        if (*ps->p == '\\') {
            ps->p++;
            int e = *ps->p++;
            if (strchr("dDwWsS", e)) { cc_escape(&c, e); continue; }
            lo = escape_char(e);
        } else {
            lo = (u8)*ps->p++;
        }
        int hi = lo;
        if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
            ps->p++;
            if (*ps->p == '\\') { ps->p++; hi = escape_char(*ps->p++); }
            else hi = (u8)*ps->p++;
        }
        if (hi < lo) { ps->error = 1; hi = lo; }
        cc_range(&c, lo, hi);
    }
    if (*ps->p != ']') ps->error = 1;
    else ps->p++;
    if (ps->icase)
        for (int ch = 'a'; ch <= 'z'; ch++)
            if (cc_has(&c, ch) || cc_has(&c, ch - 32)) { cc_set(&c, ch); cc_set(&c, ch - 32); }
    if (neg) cc_negate(&c);
    int n = new_node(N_CLASS, 0, 0);
    nodes[n].ch = add_class(&c);
    return n;
}

static int class_node_for_escape(int e) {
    cclass c;
    memset(&c, 0, sizeof c);
    cc_escape(&c, e);
    int n = new_node(N_CLASS, 0, 0);
    nodes[n].ch = add_class(&c);
    return n;
}

static int parse_atom(parser *ps) {
    int ch = (u8)*ps->p;
    switch (ch) {
    case '(': {
        ps->p++;
        int cap = -1;
        if (ps->p[0] == '?' && ps->p[1] == ':') ps->p += 2;
        else if (ps->ncap < NCAP) cap = ps->ncap++;
        else ps->error = 1;
        int inner = parse_alt(ps);
        if (*ps->p != ')') { ps->error = 1; return inner; }
        ps->p++;
        int n = new_node(N_GROUP, inner, 0);
        nodes[n].cap = cap;
        return n;
    }
    case '[':
        ps->p++;
        return parse_class(ps);
    case '.':
        ps->p++;
        return new_node(N_ANY, 0, 0);
    case '^':
        ps->p++;
        return new_node(N_BOL, 0, 0);
    case '$':
        ps->p++;
        return new_node(N_EOL, 0, 0);
    case '\\': {
        ps->p++;
        int e = (u8)*ps->p++;
        if (!e) { ps->error = 1; return new_node(N_EMPTY, 0, 0); }
        if (e == 'b') return new_node(N_WORDB, 0, 0);
        if (e == 'B') return new_node(N_NWORDB, 0, 0);
        if (strchr("dDwWsS", e)) return class_node_for_escape(e);
        int n = new_node(N_CHAR, 0, 0);
        nodes[n].ch = escape_char(e);
        return n;
    }
    default: {
        ps->p++;
        if (ps->icase && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) {
            cclass c;
            memset(&c, 0, sizeof c);
            cc_set(&c, to_lower(ch));
            cc_set(&c, to_upper(ch));
            int n = new_node(N_CLASS, 0, 0);
            nodes[n].ch = add_class(&c);
            return n;
        }
        int n = new_node(N_CHAR, 0, 0);
        nodes[n].ch = ch;
        return n;
    }
    }
}

static int parse_int(parser *ps, int *out) {
    if (*ps->p < '0' || *ps->p > '9') return 0;
    int v = 0;
    while (*ps->p >= '0' && *ps->p <= '9') v = v * 10 + (*ps->p++ - '0');
    *out = v;
    return 1;
}

static int parse_repeat(parser *ps) {
    int atom = parse_atom(ps);
    for (;;) {
        int ch = *ps->p, n;
        if (ch == '*') { ps->p++; n = new_node(N_STAR, atom, 0); }
        else if (ch == '+') { ps->p++; n = new_node(N_PLUS, atom, 0); }
        else if (ch == '?') { ps->p++; n = new_node(N_QUEST, atom, 0); }
        else if (ch == '{') {
            const char *save = ps->p;
            ps->p++;
            int lo, hi;
            if (!parse_int(ps, &lo)) { ps->p = save; break; }
            hi = lo;
            if (*ps->p == ',') {
                ps->p++;
                if (!parse_int(ps, &hi)) hi = -1;
            }
            if (*ps->p != '}') { ps->p = save; break; }
            ps->p++;
            if (hi >= 0 && hi < lo) ps->error = 1;
            n = new_node(N_REPEAT, atom, 0);
            nodes[n].min = lo;
            nodes[n].max = hi;
        } else break;
        if (*ps->p == '?') { ps->p++; nodes[n].greedy = 0; }
        atom = n;
    }
    return atom;
}

static int parse_cat(parser *ps) {
    int left = -1;
    while (*ps->p && *ps->p != '|' && *ps->p != ')') {
        int r = parse_repeat(ps);
        left = left < 0 ? r : new_node(N_CAT, left, r);
    }
    return left < 0 ? new_node(N_EMPTY, 0, 0) : left;
}

static int parse_alt(parser *ps) {
    int left = parse_cat(ps);
    while (*ps->p == '|') {
        ps->p++;
        int right = parse_cat(ps);
        left = new_node(N_ALT, left, right);
    }
    return left;
}

/* ---- compiler ----------------------------------------------------------------------------- */

enum { I_CHAR, I_ANY, I_CLASS, I_SPLIT, I_JMP, I_SAVE, I_MATCH, I_BOL, I_EOL, I_WORDB, I_NWORDB };
typedef struct { u8 op; int x, y; } inst;

typedef struct {
    inst code[MAXPROG];
    int len;
    int ncap;
    int has_wordb;
    int anchored;               /* begins with ^ */
    int first_char;             /* a literal every match starts with, or -1 */
    int root;                   /* the parse tree (for the tree matcher and the printer) */
    int lit_len;                /* a literal every match contains (prefilter), if >= 2 */
    u8 lit[64];
    u8 skip[256];               /* Horspool shifts for lit */
    const char *src;
} regex;

static int emit(regex *re, int op, int x, int y) {
    if (re->len >= MAXPROG) { fprintf(stderr, "program too large\n"); exit(2); }
    re->code[re->len] = (inst){(u8)op, x, y};
    return re->len++;
}

static void compile_node(regex *re, int n) {
    node *nd = &nodes[n];
    switch (nd->kind) {
    case N_EMPTY: break;
    case N_CHAR: emit(re, I_CHAR, nd->ch, 0); break;
    case N_ANY: emit(re, I_ANY, 0, 0); break;
    case N_CLASS: emit(re, I_CLASS, nd->ch, 0); break;
    case N_BOL: emit(re, I_BOL, 0, 0); break;
    case N_EOL: emit(re, I_EOL, 0, 0); break;
    case N_WORDB: emit(re, I_WORDB, 0, 0); re->has_wordb = 1; break;
    case N_NWORDB: emit(re, I_NWORDB, 0, 0); re->has_wordb = 1; break;
    case N_CAT:
        compile_node(re, nd->a);
        compile_node(re, nd->b);
        break;
    case N_ALT: {
        int split = emit(re, I_SPLIT, 0, 0);
        re->code[split].x = re->len;
        compile_node(re, nd->a);
        int jmp = emit(re, I_JMP, 0, 0);
        re->code[split].y = re->len;
        compile_node(re, nd->b);
        re->code[jmp].x = re->len;
        break;
    }
    case N_GROUP:
        if (nd->cap >= 0) emit(re, I_SAVE, 2 * nd->cap, 0);
        compile_node(re, nd->a);
        if (nd->cap >= 0) emit(re, I_SAVE, 2 * nd->cap + 1, 0);
        break;
    case N_STAR: {
        int split = emit(re, I_SPLIT, 0, 0);
        int body = re->len;
        compile_node(re, nd->a);
        emit(re, I_JMP, split, 0);
        int out = re->len;
        re->code[split].x = nd->greedy ? body : out;
        re->code[split].y = nd->greedy ? out : body;
        break;
    }
    case N_PLUS: {
        int body = re->len;
        compile_node(re, nd->a);
        int split = emit(re, I_SPLIT, 0, 0);
        int out = re->len;
        re->code[split].x = nd->greedy ? body : out;
        re->code[split].y = nd->greedy ? out : body;
        break;
    }
    case N_QUEST: {
        int split = emit(re, I_SPLIT, 0, 0);
        int body = re->len;
        compile_node(re, nd->a);
        int out = re->len;
        re->code[split].x = nd->greedy ? body : out;
        re->code[split].y = nd->greedy ? out : body;
        break;
    }
    case N_REPEAT: {
        for (int i = 0; i < nd->min; i++) compile_node(re, nd->a);
        if (nd->max < 0) {
            int split = emit(re, I_SPLIT, 0, 0);
            int body = re->len;
            compile_node(re, nd->a);
            emit(re, I_JMP, split, 0);
            int out = re->len;
            re->code[split].x = nd->greedy ? body : out;
            re->code[split].y = nd->greedy ? out : body;
        } else {
            int pending[64], np = 0;
            for (int i = nd->min; i < nd->max; i++) {
                int split = emit(re, I_SPLIT, 0, 0);
                if (np < 64) pending[np++] = split;
                re->code[split].x = re->len;    /* provisional: body */
                compile_node(re, nd->a);
            }
            int out = re->len;
            for (int k = 0; k < np; k++) {
                int s = pending[k], body = s + 1;
                re->code[s].x = nd->greedy ? body : out;
                re->code[s].y = nd->greedy ? out : body;
            }
        }
        break;
    }
    }
}

static int first_literal(int n) {
    const node *nd = &nodes[n];
    switch (nd->kind) {
    case N_CHAR: return nd->ch;
    case N_CAT: return first_literal(nd->a);
    case N_GROUP: return first_literal(nd->a);
    case N_PLUS: return first_literal(nd->a);
    case N_REPEAT: return nd->min > 0 ? first_literal(nd->a) : -1;
    default: return -1;
    }
}

static int compile(regex *re, const char *pattern) {
    parser ps = {pattern, 1, 0, 0};
    if (strncmp(pattern, "(?i)", 4) == 0) { ps.icase = 1; ps.p += 4; }
    int root = parse_alt(&ps);
    if (*ps.p) ps.error = 1;
    if (ps.error) return -1;
    re->len = 0;
    re->has_wordb = 0;
    re->src = pattern;
    re->ncap = ps.ncap;
    emit(re, I_SAVE, 0, 0);
    compile_node(re, root);
    emit(re, I_SAVE, 1, 0);
    emit(re, I_MATCH, 0, 0);
    int leftmost = root;
    while (nodes[leftmost].kind == N_CAT) leftmost = nodes[leftmost].a;
    re->anchored = nodes[leftmost].kind == N_BOL;
    re->first_char = first_literal(root);
    re->root = root;
    return 0;
}

/* ---- printing a tree back to a pattern ---------------------------------------------------- */

static char *print_char(char *o, int ch) {
    if (strchr(".[]{}()*+?|^$\\", ch) && ch) *o++ = '\\';
    *o++ = (char)ch;
    return o;
}

static char *print_class_char(char *o, int x) {
    if (x == ']' || x == '\\' || x == '^' || x == '-' || x == '[') *o++ = '\\';
    *o++ = (char)x;
    return o;
}

static char *print_class(char *o, const cclass *c) {
    cclass t = *c;
    *o++ = '[';
    if (cc_has(&t, 0)) { *o++ = '^'; cc_negate(&t); }
    for (int ch = 1; ch < 256; ch++) {
        if (!cc_has(&t, ch)) continue;
        int hi = ch;
        while (hi + 1 < 256 && cc_has(&t, hi + 1)) hi++;
        o = print_class_char(o, ch);
        if (hi == ch + 1) o = print_class_char(o, hi);
        else if (hi > ch + 1) { *o++ = '-'; o = print_class_char(o, hi); }
        ch = hi;
    }
    *o++ = ']';
    return o;
}

/* precedence: 0 alternation, 1 concatenation, 2 repetition operand */
static char *print_node(char *o, int n, int prec) {
    const node *nd = &nodes[n];
    switch (nd->kind) {
    case N_EMPTY: break;
    case N_CHAR: o = print_char(o, nd->ch); break;
    case N_ANY: *o++ = '.'; break;
    case N_CLASS: o = print_class(o, &classes[nd->ch]); break;
    case N_BOL: *o++ = '^'; break;
    case N_EOL: *o++ = '$'; break;
    case N_WORDB: *o++ = '\\'; *o++ = 'b'; break;
    case N_NWORDB: *o++ = '\\'; *o++ = 'B'; break;
    case N_GROUP:
        *o++ = '(';
        if (nd->cap < 0) { *o++ = '?'; *o++ = ':'; }
        o = print_node(o, nd->a, 0);
        *o++ = ')';
        break;
    case N_CAT:
    case N_ALT: {
        int mine = nd->kind == N_ALT ? 0 : 1;
        int wrap = prec > mine;
        if (wrap) { *o++ = '('; *o++ = '?'; *o++ = ':'; }
        o = print_node(o, nd->a, mine);
        if (nd->kind == N_ALT) *o++ = '|';
        o = print_node(o, nd->b, 1);
        if (wrap) *o++ = ')';
        break;
    }
    default: {                  /* repetitions */
        int body = nd->a, bk = nodes[body].kind;
        int wrap = bk == N_CAT || bk == N_ALT || bk == N_STAR || bk == N_PLUS || bk == N_QUEST ||
                   bk == N_REPEAT || bk == N_EMPTY;
        if (wrap) { *o++ = '('; *o++ = '?'; *o++ = ':'; }
        o = print_node(o, body, 2);
        if (wrap) *o++ = ')';
        switch (nd->kind) {
        case N_STAR: *o++ = '*'; break;
        case N_PLUS: *o++ = '+'; break;
        case N_QUEST: *o++ = '?'; break;
        default:
            *o++ = '{';
            o += sprintf(o, "%d", nd->min);
            if (nd->max != nd->min) {
                *o++ = ',';
                if (nd->max >= 0) o += sprintf(o, "%d", nd->max);
            }
            *o++ = '}';
            break;
        }
        if (!nd->greedy) *o++ = '?';
        break;
    }
    }
    *o = 0;
    return o;
}

/* do two programs do the same thing? (classes compared by content) */
static int same_program(const regex *a, const regex *b) {
    if (a->len != b->len || a->ncap != b->ncap) return 0;
    for (int i = 0; i < a->len; i++) {
        const inst *x = &a->code[i], *y = &b->code[i];
        if (x->op != y->op) return 0;
        if (x->op == I_CLASS) {
            if (memcmp(&classes[x->x], &classes[y->x], sizeof(cclass)) != 0) return 0;
        } else if (x->x != y->x || x->y != y->y) {
            return 0;
        }
    }
    return 1;
}

/* ---- required literal (prefilter) --------------------------------------------------------- */

typedef struct { u8 exact[64]; int exact_len; u8 req[64]; int req_len; } litinfo;

static void lit_of(int n, litinfo *out) {
    const node *nd = &nodes[n];
    out->exact_len = -1;
    out->req_len = 0;
    switch (nd->kind) {
    case N_EMPTY: case N_BOL: case N_EOL: case N_WORDB: case N_NWORDB:
        out->exact_len = 0;
        break;
    case N_CHAR:
        out->exact[0] = (u8)nd->ch;
        out->exact_len = 1;
        out->req[0] = (u8)nd->ch;
        out->req_len = 1;
        break;
    case N_GROUP:
        lit_of(nd->a, out);
        break;
    case N_PLUS:
        lit_of(nd->a, out);
        out->exact_len = -1;
        break;
    case N_REPEAT:
        lit_of(nd->a, out);
        if (nd->min == 0) out->req_len = 0;
        if (!(nd->min == 1 && nd->max == 1)) out->exact_len = -1;
        break;
    case N_CAT: {
        litinfo a, b;
        lit_of(nd->a, &a);
        lit_of(nd->b, &b);
        if (a.exact_len >= 0 && b.exact_len >= 0 && a.exact_len + b.exact_len <= 64) {
            memcpy(out->exact, a.exact, a.exact_len);
            memcpy(out->exact + a.exact_len, b.exact, b.exact_len);
            out->exact_len = a.exact_len + b.exact_len;
            memcpy(out->req, out->exact, out->exact_len);
            out->req_len = out->exact_len;
        } else {
            const litinfo *best = a.req_len >= b.req_len ? &a : &b;
            memcpy(out->req, best->req, best->req_len);
            out->req_len = best->req_len;
        }
        break;
    }
    default:
        break;
    }
}

static void prepare_prefilter(regex *re) {
    litinfo li;
    lit_of(re->root, &li);
    re->lit_len = li.req_len >= 2 ? li.req_len : 0;
    memcpy(re->lit, li.req, li.req_len);
    for (int c = 0; c < 256; c++) re->skip[c] = (u8)(re->lit_len ? re->lit_len : 1);
    for (int i = 0; i + 1 < re->lit_len; i++) re->skip[re->lit[i]] = (u8)(re->lit_len - 1 - i);
}

/* Horspool: does the literal occur? (1 when there is no prefilter) */
static int prefilter_pass(const regex *re, const u8 *s, int len) {
    int m = re->lit_len;
    if (!m) return 1;
    for (int i = 0; i + m <= len;) {
        u8 last = s[i + m - 1];
        if (last == re->lit[m - 1] && memcmp(s + i, re->lit, m - 1) == 0) return 1;
        i += re->skip[last];
    }
    return 0;
}

/* ---- backtracking over the tree, with continuations --------------------------------------- */

static int assert_ok(int op, const u8 *s, int len, int pos);

enum { K_NODE, K_LOOP, K_CLOSE };
typedef struct cont { int kind, node, count, start; const struct cont *next; } cont;

static int tm_caps[NSLOT];
static const u8 *tm_s;
static int tm_len;
static long tm_steps;

static int tm_node(int n, int pos, const cont *k);

static int tm_rep(int n, int count, int pos, const cont *k) {
    const node *nd = &nodes[n];
    int min = 0, max = -1;
    switch (nd->kind) {
    case N_STAR: break;
    case N_PLUS: min = 1; break;
    case N_QUEST: max = 1; break;
    default: min = nd->min; max = nd->max; break;
    }
    cont c = {K_LOOP, n, count + 1, pos, k};
    if (count < min) return tm_node(nd->a, pos, &c);
    if (max >= 0 && count >= max) return tm_node(-1, pos, k);
    if (nd->greedy) return tm_node(nd->a, pos, &c) || tm_node(-1, pos, k);
    return tm_node(-1, pos, k) || tm_node(nd->a, pos, &c);
}

/* n < 0: continue with k */
static int tm_node(int n, int pos, const cont *k) {
    tm_steps++;
    if (n < 0) {
        if (!k) { tm_caps[1] = pos; return 1; }
        switch (k->kind) {
        case K_NODE: return tm_node(k->node, pos, k->next);
        case K_LOOP: {
            const node *nd = &nodes[k->node];
            int min = nd->kind == N_PLUS ? 1 : nd->kind == N_REPEAT ? nd->min : 0;
            if (pos == k->start && k->count > min) return 0;    /* an empty iteration */
            return tm_rep(k->node, k->count, pos, k->next);
        }
        default: {              /* K_CLOSE */
            int slot = 2 * nodes[k->node].cap + 1;
            int old = tm_caps[slot];
            tm_caps[slot] = pos;
            if (tm_node(-1, pos, k->next)) return 1;
            tm_caps[slot] = old;
            return 0;
        }
        }
    }
    const node *nd = &nodes[n];
    switch (nd->kind) {
    case N_EMPTY: return tm_node(-1, pos, k);
    case N_CHAR: return pos < tm_len && tm_s[pos] == nd->ch && tm_node(-1, pos + 1, k);
    case N_ANY: return pos < tm_len && tm_s[pos] != '\n' && tm_node(-1, pos + 1, k);
    case N_CLASS: return pos < tm_len && cc_has(&classes[nd->ch], tm_s[pos]) && tm_node(-1, pos + 1, k);
    case N_BOL: return assert_ok(I_BOL, tm_s, tm_len, pos) && tm_node(-1, pos, k);
    case N_EOL: return assert_ok(I_EOL, tm_s, tm_len, pos) && tm_node(-1, pos, k);
    case N_WORDB: return assert_ok(I_WORDB, tm_s, tm_len, pos) && tm_node(-1, pos, k);
    case N_NWORDB: return assert_ok(I_NWORDB, tm_s, tm_len, pos) && tm_node(-1, pos, k);
    case N_CAT: {
        cont c = {K_NODE, nd->b, 0, 0, k};
        return tm_node(nd->a, pos, &c);
    }
    case N_ALT: return tm_node(nd->a, pos, k) || tm_node(nd->b, pos, k);
    case N_GROUP: {
        if (nd->cap < 0) return tm_node(nd->a, pos, k);
        int s0 = 2 * nd->cap, old0 = tm_caps[s0], old1 = tm_caps[s0 + 1];
        tm_caps[s0] = pos;
        cont c = {K_CLOSE, n, 0, 0, k};
        if (tm_node(nd->a, pos, &c)) return 1;
        tm_caps[s0] = old0;
        tm_caps[s0 + 1] = old1;
        return 0;
    }
    default: return tm_rep(n, 0, pos, k);
    }
}

static int tm_search(const regex *re, const u8 *s, int len, int start, int *out) {
    tm_s = s;
    tm_len = len;
    for (int pos = start; pos <= len; pos++) {
        if (re->first_char >= 0) {
            const u8 *f = memchr(s + pos, re->first_char, len - pos);
            if (!f) return 0;
            pos = (int)(f - s);
        }
        for (int i = 0; i < NSLOT; i++) tm_caps[i] = -1;
        tm_caps[0] = pos;
        if (tm_node(re->root, pos, 0)) {
            memcpy(out, tm_caps, sizeof(int) * 2 * re->ncap);
            return 1;
        }
        if (re->anchored) break;
    }
    return 0;
}

/* ---- Pike VM ------------------------------------------------------------------------------ */

typedef struct { int pc; int caps[NSLOT]; } thread;
typedef struct { int n; thread t[MAXPROG]; } tlist;

static tlist lists[2];
static int marks[MAXPROG];
static int mark_gen;

static int assert_ok(int op, const u8 *s, int len, int pos) {
    switch (op) {
    case I_BOL: return pos == 0;
    case I_EOL: return pos == len;
    case I_WORDB:
    case I_NWORDB: {
        int a = pos > 0 && is_word(s[pos - 1]);
        int b = pos < len && is_word(s[pos]);
        return op == I_WORDB ? a != b : a == b;
    }
    default: return 0;
    }
}

static void addthread(const regex *re, tlist *l, int pc, int *caps, const u8 *s, int len, int pos) {
    if (marks[pc] == mark_gen) return;
    marks[pc] = mark_gen;
    const inst *in = &re->code[pc];
    switch (in->op) {
    case I_JMP: addthread(re, l, in->x, caps, s, len, pos); return;
    case I_SPLIT:
        addthread(re, l, in->x, caps, s, len, pos);
        addthread(re, l, in->y, caps, s, len, pos);
        return;
    case I_SAVE: {
        int old = caps[in->x];
        caps[in->x] = pos;
        addthread(re, l, pc + 1, caps, s, len, pos);
        caps[in->x] = old;
        return;
    }
    case I_BOL: case I_EOL: case I_WORDB: case I_NWORDB:
        if (assert_ok(in->op, s, len, pos)) addthread(re, l, pc + 1, caps, s, len, pos);
        return;
    default: {
        thread *t = &l->t[l->n++];
        t->pc = pc;
        memcpy(t->caps, caps, sizeof(int) * 2 * re->ncap);
        return;
    }
    }
}

/* leftmost-first search from `start`; fills caps (2*ncap slots), returns 1 on a match */
static int pike_search(const regex *re, const u8 *s, int len, int start, int *out) {
    tlist *cl = &lists[0], *nl = &lists[1];
    int caps[NSLOT];
    int matched = 0;
    for (int i = 0; i < NSLOT; i++) caps[i] = -1;
    cl->n = 0;
    mark_gen++;
    addthread(re, cl, 0, caps, s, len, start);
    for (int pos = start;; pos++) {
        if (cl->n == 0 && matched) break;
        nl->n = 0;
        mark_gen++;
        int ch = pos < len ? s[pos] : -1;
        for (int i = 0; i < cl->n; i++) {
            thread *t = &cl->t[i];
            const inst *in = &re->code[t->pc];
            int ok = 0;
            switch (in->op) {
            case I_CHAR: ok = ch == in->x; break;
            case I_ANY: ok = ch >= 0 && ch != '\n'; break;
            case I_CLASS: ok = ch >= 0 && cc_has(&classes[in->x], ch); break;
            case I_MATCH:
                matched = 1;
                memcpy(out, t->caps, sizeof(int) * 2 * re->ncap);
                i = cl->n;              /* lower-priority threads are cut */
                continue;
            default: break;
            }
            if (ok) addthread(re, nl, t->pc + 1, t->caps, s, len, pos + 1);
        }
        if (ch < 0) break;
        if (!matched && !re->anchored) {
            /* a new thread starting at the next position, lowest priority */
            addthread(re, nl, 0, caps, s, len, pos + 1);
        }
        tlist *tmp = cl; cl = nl; nl = tmp;
    }
    return matched;
}

/* ---- backtracking ------------------------------------------------------------------------- */

static u32 visited[(MAXPROG * (MAXLINE + 1)) / 32 + 1];
static int bt_caps[NSLOT];
static const regex *bt_re;
static const u8 *bt_s;
static int bt_len;
static long bt_steps;

static int bt_run(int pc, int pos) {
    for (;;) {
        u32 key = (u32)pc * (u32)(bt_len + 1) + (u32)pos;
        if ((visited[key >> 5] >> (key & 31)) & 1) return 0;
        visited[key >> 5] |= 1u << (key & 31);
        bt_steps++;
        const inst *in = &bt_re->code[pc];
        switch (in->op) {
        case I_CHAR:
            if (pos < bt_len && bt_s[pos] == in->x) { pc++; pos++; continue; }
            return 0;
        case I_ANY:
            if (pos < bt_len && bt_s[pos] != '\n') { pc++; pos++; continue; }
            return 0;
        case I_CLASS:
            if (pos < bt_len && cc_has(&classes[in->x], bt_s[pos])) { pc++; pos++; continue; }
            return 0;
        case I_SPLIT:
            if (bt_run(in->x, pos)) return 1;
            pc = in->y;
            continue;
        case I_JMP:
            pc = in->x;
            continue;
        case I_SAVE: {
            int old = bt_caps[in->x];
            bt_caps[in->x] = pos;
            if (bt_run(pc + 1, pos)) return 1;
            bt_caps[in->x] = old;
            return 0;
        }
        case I_MATCH:
            return 1;
        default:
            if (!assert_ok(in->op, bt_s, bt_len, pos)) return 0;
            pc++;
            continue;
        }
    }
}

static int bt_search(const regex *re, const u8 *s, int len, int start, int *out) {
    bt_re = re;
    bt_s = s;
    bt_len = len;
    size_t words = ((size_t)re->len * (len + 1)) / 32 + 1;
    memset(visited, 0, words * 4);
    for (int pos = start; pos <= len; pos++) {
        if (re->first_char >= 0) {
            const u8 *f = memchr(s + pos, re->first_char, len - pos);
            if (!f) return 0;
            pos = (int)(f - s);
        }
        for (int i = 0; i < NSLOT; i++) bt_caps[i] = -1;
        if (bt_run(0, pos)) {
            memcpy(out, bt_caps, sizeof(int) * 2 * re->ncap);
            return 1;
        }
        if (re->anchored) break;
    }
    return 0;
}

/* ---- lazy DFA ----------------------------------------------------------------------------- */

#define DFA_MAX 512
#define DFA_SETMAX 256

typedef struct {
    int n;
    int flags;                  /* 1: contains MATCH, 2: contains a pending EOL that leads to a match */
    int next[256];
    int pcs_off;
} dstate;

static dstate dstates[DFA_MAX];
static int ndstates;
static int dpool[DFA_MAX * DFA_SETMAX];
static int dpool_len;
static int dhash[2048];
static long dfa_flushes, dfa_built;
static const regex *dfa_re;

static int set_tmp[DFA_SETMAX * 2];
static int set_n;
static int set_mark[MAXPROG];
static int set_gen;

static void closure_add(const regex *re, int pc, int at_start) {
    if (set_mark[pc] == set_gen) return;
    set_mark[pc] = set_gen;
    const inst *in = &re->code[pc];
    switch (in->op) {
    case I_JMP: closure_add(re, in->x, at_start); return;
    case I_SPLIT:
        closure_add(re, in->x, at_start);
        closure_add(re, in->y, at_start);
        return;
    case I_SAVE: closure_add(re, pc + 1, at_start); return;
    case I_BOL:
        if (at_start) closure_add(re, pc + 1, at_start);
        return;
    default:
        if (set_n < DFA_SETMAX * 2) set_tmp[set_n++] = pc;   /* CHAR/ANY/CLASS/MATCH/EOL */
        return;
    }
}

static int eol_reaches_match(const regex *re, int pc) {
    /* from a pending EOL at the end of input: follow epsilons (other EOLs hold too) */
    const inst *in = &re->code[pc];
    switch (in->op) {
    case I_MATCH: return 1;
    case I_EOL: return eol_reaches_match(re, pc + 1);
    case I_SAVE: return eol_reaches_match(re, pc + 1);
    case I_JMP: return in->x > pc && eol_reaches_match(re, in->x);
    case I_SPLIT:
        return (in->x > pc && eol_reaches_match(re, in->x)) || (in->y > pc && eol_reaches_match(re, in->y));
    default: return 0;
    }
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void dfa_reset(const regex *re) {
    dfa_re = re;
    ndstates = 0;
    dpool_len = 0;
    memset(dhash, -1, sizeof dhash);
}

/* the state for the set in set_tmp (sorted here) */
static int dfa_intern(void) {
    qsort(set_tmp, set_n, sizeof(int), cmp_int);
    u32 h = 2166136261u;
    for (int i = 0; i < set_n; i++) h = (h ^ (u32)set_tmp[i]) * 16777619u;
    int slot = (int)(h & 2047);
    while (dhash[slot] >= 0) {
        dstate *d = &dstates[dhash[slot]];
        if (d->n == set_n && memcmp(dpool + d->pcs_off, set_tmp, set_n * sizeof(int)) == 0) return dhash[slot];
        slot = (slot + 1) & 2047;
    }
    if (ndstates >= DFA_MAX || dpool_len + set_n > DFA_MAX * DFA_SETMAX) return -2;   /* full */
    int id = ndstates++;
    dstate *d = &dstates[id];
    d->n = set_n;
    d->pcs_off = dpool_len;
    memcpy(dpool + dpool_len, set_tmp, set_n * sizeof(int));
    dpool_len += set_n;
    d->flags = 0;
    for (int i = 0; i < set_n; i++) {
        int op = dfa_re->code[set_tmp[i]].op;
        if (op == I_MATCH) d->flags |= 1;
        if (op == I_EOL && eol_reaches_match(dfa_re, set_tmp[i])) d->flags |= 2;
    }
    for (int c = 0; c < 256; c++) d->next[c] = -1;
    dhash[slot] = id;
    dfa_built++;
    return id;
}

static int dfa_start(const regex *re) {
    set_gen++;
    set_n = 0;
    closure_add(re, 0, 1);
    return dfa_intern();
}

static int dfa_step(const regex *re, int st, int ch) {
    const dstate *d = &dstates[st];
    set_gen++;
    set_n = 0;
    for (int i = 0; i < d->n; i++) {
        int pc = dpool[d->pcs_off + i];
        const inst *in = &re->code[pc];
        int ok = 0;
        switch (in->op) {
        case I_CHAR: ok = ch == in->x; break;
        case I_ANY: ok = ch != '\n'; break;
        case I_CLASS: ok = cc_has(&classes[in->x], ch); break;
        default: break;
        }
        if (ok) closure_add(re, pc + 1, 0);
    }
    if (!re->anchored) closure_add(re, 0, 0);
    return dfa_intern();
}

/* yes/no: does the line contain a match? (-1 when the DFA cannot be used) */
static int dfa_match(const regex *re, const u8 *s, int len) {
    if (re->has_wordb) return -1;
    if (dfa_re != re) dfa_reset(re);
    int st = dfa_start(re);
    if (st == -2) { dfa_flushes++; dfa_reset(re); st = dfa_start(re); }
    for (int i = 0;; i++) {
        if (dstates[st].flags & 1) return 1;
        if (i == len) return (dstates[st].flags & 2) != 0;
        int nx = dstates[st].next[s[i]];
        if (nx < 0) {
            nx = dfa_step(re, st, s[i]);
            if (nx == -2) {
                /* cache full: flush it, keeping only the current state */
                static int saved[DFA_SETMAX * 2];
                int n = dstates[st].n;
                memcpy(saved, dpool + dstates[st].pcs_off, n * sizeof(int));
                dfa_flushes++;
                dfa_reset(re);
                memcpy(set_tmp, saved, n * sizeof(int));
                set_n = n;
                st = dfa_intern();
                nx = dfa_step(re, st, s[i]);
                dstates[st].next[s[i]] = nx;
            } else {
                dstates[st].next[s[i]] = nx;
            }
        }
        st = nx;
    }
}

/* ---- text generation ---------------------------------------------------------------------- */

static u64 rng_state;
static u32 rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (u32)(rng_state >> 11);
}
static u32 rndn(u32 n) { return rnd() % n; }

static const char *const words[] = {
    "alpha", "beta", "gamma", "delta", "server", "client", "request", "timeout", "refused",
    "connection", "user", "session", "cache", "disk", "memory", "queue", "worker", "retry",
    "red", "green", "blue", "black", "white", "cat", "dog", "bird", "abcd", "abc", "aab",
    "queen", "quiet", "qat", "eerie", "xxyy", "yxx", "zebra", "ooze", "aeiou", "idea", "f",
};
#define NWORDS (int)(sizeof words / sizeof words[0])
static const char *const tlds[] = {"com", "org", "net", "io", "de"};
static const char *const levels[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

static char *gen_word(char *p) {
    const char *w = words[rndn(NWORDS)];
    while (*w) *p++ = *w++;
    return p;
}

static char *gen_num(char *p, u32 v) {
    char tmp[12];
    int k = 0;
    do { tmp[k++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (k) *p++ = tmp[--k];
    return p;
}

static char *gen_2(char *p, u32 v) { *p++ = (char)('0' + v / 10 % 10); *p++ = (char)('0' + v % 10); return p; }

static int gen_line(char *buf, int max) {
    char *p = buf, *end = buf + max - 64;
    if (rndn(3)) {
        const char *l = levels[rndn(5)];
        while (*l) *p++ = *l++;
        *p++ = ' ';
    }
    int ntok = 4 + (int)rndn(10);
    for (int t = 0; t < ntok && p < end; t++) {
        if (t) {
            *p++ = ' ';
            if (!rndn(12)) *p++ = ' ';
        }
        switch (rndn(16)) {
        case 0: /* date */
            p = gen_num(p, 2000 + rndn(30)); *p++ = '-'; p = gen_2(p, 1 + rndn(12)); *p++ = '-';
            p = gen_2(p, 1 + rndn(28));
            break;
        case 1: /* time */
            p = gen_num(p, rndn(24)); *p++ = ':'; p = gen_2(p, rndn(60));
            if (rndn(2)) { *p++ = ':'; p = gen_2(p, rndn(60)); }
            break;
        case 2: /* e-mail */
            p = gen_word(p);
            if (rndn(2)) { *p++ = '.'; p = gen_word(p); }
            *p++ = '@'; p = gen_word(p); *p++ = '.';
            { const char *d = tlds[rndn(5)]; while (*d) *p++ = *d++; }
            break;
        case 3: /* IP */
            for (int k = 0; k < 4; k++) { if (k) *p++ = '.'; p = gen_num(p, rndn(k == 0 ? 300 : 256)); }
            break;
        case 4: /* URL */
            *p++ = 'h'; *p++ = 't'; *p++ = 't'; *p++ = 'p';
            if (rndn(2)) *p++ = 's';
            *p++ = ':'; *p++ = '/'; *p++ = '/';
            if (rndn(2)) { *p++ = 'w'; *p++ = 'w'; *p++ = 'w'; *p++ = '.'; }
            p = gen_word(p); *p++ = '.';
            { const char *d = tlds[rndn(5)]; while (*d) *p++ = *d++; }
            for (int k = (int)rndn(3); k > 0; k--) { *p++ = '/'; p = gen_word(p); }
            if (!rndn(3)) { *p++ = '/'; p = gen_num(p, rndn(1000)); }
            break;
        case 5: /* hex id */
            for (int k = 6 + (int)rndn(8); k > 0; k--) *p++ = "0123456789abcdef"[rndn(16)];
            break;
        case 6: /* quoted string, maybe with an escaped quote */
            *p++ = '"';
            p = gen_word(p);
            if (!rndn(3)) { *p++ = '\\'; *p++ = '"'; }
            *p++ = ' ';
            p = gen_word(p);
            *p++ = '"';
            break;
        case 7: /* key=value */
            p = gen_word(p); *p++ = '='; if (rndn(2)) p = gen_word(p); else p = gen_num(p, rndn(100000));
            break;
        case 8: /* tag */
            *p++ = '<'; p = gen_word(p); if (rndn(2)) { *p++ = ' '; p = gen_word(p); } *p++ = '>';
            break;
        case 9: /* Capitalized */
            { char *w = p; p = gen_word(p); *w = (char)to_upper(*w); }
            break;
        case 10: /* percentage */
            p = gen_num(p, rndn(100));
            if (rndn(2)) { *p++ = '.'; p = gen_num(p, rndn(10)); }
            *p++ = '%';
            break;
        case 11: /* ACRONYM */
            for (int k = 2 + (int)rndn(4); k > 0; k--) *p++ = (char)('A' + rndn(26));
            break;
        case 12: /* id=N */
            *p++ = 'i'; *p++ = 'd'; *p++ = '='; p = gen_num(p, rnd());
            break;
        default:
            p = gen_word(p);
            break;
        }
    }
    if (!rndn(8)) { *p++ = ' '; *p++ = ' '; }
    *p = 0;
    return (int)(p - buf);
}

/* ---- patterns ----------------------------------------------------------------------------- */

static const char *const patterns[] = {
    "\\d{4}-\\d{2}-\\d{2}",
    "(\\d{4})-(\\d\\d)-(\\d\\d)",
    "\\b\\d{1,2}:\\d{2}(:\\d{2})?\\b",
    "([a-z0-9._]+)@([a-z]+)\\.(com|org|net|io)",
    "(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})",
    "https?://([a-z.]+)(/[a-z0-9/]*)?",
    "\\b[A-Z][a-z]+\\b",
    "^(ERROR|WARN)\\b.*$",
    "\"([^\"\\\\]|\\\\.)*\"",
    "(\\w+)=(\\w+)",
    "(?i)timeout|refused",
    "[0-9a-f]{8,}",
    "a[^x ]{2,5}b",
    "(ab|a)(bc|c)?d?",
    "<[^>]+>",
    "<.+?>",
    "\\s{2,}",
    "[aeiou]{3}",
    "(\\w+)\\s+(\\w+)\\s*$",
    "x+y+|yx+",
    "id=[0-9]+",
    "(?:[a-z]+\\.)+[a-z]{2,3}",
    "[^ ]+$",
    "^\\S+\\s\\S+",
    "\\d+(\\.\\d+)?%",
    "(red|green|blue|black|white)\\s+(cat|dog|bird)",
    "e.{0,3}e",
    "[A-Z]{2,}",
    "\\B[a-z]{2}\\b",
    "(a|b|c|d|e)*f",
    "q[^u]",
    "(?i)(error|warn)[a-z]* (\\w+)",
    "(\\w+?)(\\d+)",
    "([a-z]+) ([a-z]+) ([a-z]+)",
    "^[A-Z]+ .*(session|cache)",
    "(?:a|b)*?c",
    "[[:]+",
    "(x|y|z|w){2,4}",
    "\\.(com|org)\\b",
    "[a-z]{3}[0-9]{2,}|[0-9]{2}[a-z]{3}",
    "(..)*?(ee|oo)",
    "c.t|d.g|b..d",
};
#define NPAT (int)(sizeof patterns / sizeof patterns[0])
static regex compiled[NPAT];

static u64 mix64(u64 h, u64 v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

/* ---- glob patterns: a direct matcher and a translation to regexes ----------------------- */

/* the end of a [set] starting at p[i] == '[', or -1 when it is not closed (then '[' is literal) */
static int glob_set_end(const char *p, int i) {
    int j = i + 1;
    if (p[j] == '!') j++;
    if (p[j] == ']') j++;
    while (p[j] && p[j] != ']') j++;
    return p[j] ? j : -1;
}

static int glob_set_has(const char *p, int i, int end, int c) {
    int j = i + 1, neg = 0, hit = 0;
    if (p[j] == '!') { neg = 1; j++; }
    int first = 1;
    while (j < end) {
        int lo = (u8)p[j];
        if (p[j + 1] == '-' && j + 2 < end && !(first && 0)) {
            int hi = (u8)p[j + 2];
            if (c >= lo && c <= hi) hit = 1;
            j += 3;
        } else {
            if (c == lo) hit = 1;
            j++;
        }
        first = 0;
    }
    return hit != neg;
}

static int glob_match(const char *p, const u8 *s, int slen) {
    int pi = 0, si = 0, star_p = -1, star_s = 0, plen = (int)strlen(p);
    while (si < slen) {
        if (pi < plen && p[pi] == '*') { star_p = pi++; star_s = si; continue; }
        if (pi < plen) {
            int next = -1;
            if (p[pi] == '?') next = pi + 1;
            else if (p[pi] == '[') {
                int end = glob_set_end(p, pi);
                if (end < 0) next = s[si] == '[' ? pi + 1 : -1;
                else if (glob_set_has(p, pi, end, s[si])) next = end + 1;
            } else if ((u8)p[pi] == s[si]) next = pi + 1;
            if (next >= 0) { pi = next; si++; continue; }
        }
        if (star_p >= 0) { pi = star_p + 1; si = ++star_s; continue; }
        return 0;
    }
    while (pi < plen && p[pi] == '*') pi++;
    return pi == plen;
}

static void glob_to_regex(const char *p, char *out) {
    char *o = out;
    *o++ = '^';
    for (int i = 0; p[i]; i++) {
        char c = p[i];
        if (c == '*') { *o++ = '.'; *o++ = '*'; continue; }
        if (c == '?') { *o++ = '.'; continue; }
        if (c == '[') {
            int end = glob_set_end(p, i);
            if (end >= 0) {
                int j = i + 1;
                *o++ = '[';
                if (p[j] == '!') { *o++ = '^'; j++; }
                else if (p[j] == '^') { *o++ = '\\'; *o++ = '^'; j++; }
                for (; j < end; j++) {
                    if (p[j] == '\\' || p[j] == '[' || p[j] == ']') *o++ = '\\';
                    *o++ = p[j];
                }
                *o++ = ']';
                i = end;
                continue;
            }
        }
        if (strchr(".[]{}()*+?|^$\\", c)) *o++ = '\\';
        *o++ = c;
    }
    *o++ = '$';
    *o = 0;
}

static const char *const globs[] = {
    "*.org", "*.net*", "ser*", "?lient*", "[a-m]*", "*[0-9]*", "*e?e*", "[!a-f]*", "*.[ch]*",
    "http*://*", "*@*.*", "[A-Z][A-Z]*", "*[!a-z0-9]*", "id=*", "*:??", "????", "*[.]*", "*[]a]*",
    "[0-9][0-9][0-9][0-9]-*", "*o*o*", "<*>", "\"*\"", "*[[]*", "q[!u]*",
};
#define NGLOB (int)(sizeof globs / sizeof globs[0])
static regex glob_res[NGLOB];

/* ---- a lexer: one program of many token rules, longest match, earliest rule on ties ------- */

static const char *const lex_rules[] = {
    "[ \t\n]+",
    "//[^\n]*",
    "/\\*([^*]|\\*+[^*/])*\\*+/",
    "if|else|while|for|return|int|char|void|struct|static|const|unsigned|sizeof|break",
    "[A-Za-z_][A-Za-z0-9_]*",
    "0[xX][0-9a-fA-F]+",
    "[0-9]+\\.[0-9]*([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+",
    "[0-9]+",
    "\"([^\"\\\\\n]|\\\\.)*\"",
    "'([^'\\\\\n]|\\\\.)'",
    "<<=|>>=|\\+\\+|--|->|&&|\\|\\||<<|>>|[-+*/%&|^<>=!]=?",
    "[{}()\\[\\];,.?:~]",
};
#define NRULES (int)(sizeof lex_rules / sizeof lex_rules[0])
static regex lexer_re, rule_tmp;

static int build_lexer(void) {
    lexer_re.len = NRULES;
    lexer_re.ncap = 1;
    lexer_re.has_wordb = 0;
    lexer_re.anchored = 1;
    lexer_re.first_char = -1;
    for (int r = 0; r < NRULES; r++) {
        if (compile(&rule_tmp, lex_rules[r]) != 0) return -1;
        int off = lexer_re.len;
        if (r < NRULES - 1) lexer_re.code[r] = (inst){I_SPLIT, off, r + 1};
        else lexer_re.code[r] = (inst){I_JMP, off, 0};
        for (int i = 0; i < rule_tmp.len; i++) {
            inst in = rule_tmp.code[i];
            if (in.op == I_JMP) in.x += off;
            else if (in.op == I_SPLIT) { in.x += off; in.y += off; }
            else if (in.op == I_MATCH) in.x = r;
            if (lexer_re.len >= MAXPROG) return -1;
            lexer_re.code[lexer_re.len++] = in;
        }
        lexer_re.has_wordb |= rule_tmp.has_wordb;
    }
    return 0;
}

static int lex_longest(const regex *re, const u8 *s, int len, int start, int *rule) {
    tlist *cl = &lists[0], *nl = &lists[1];
    int caps[NSLOT];
    for (int i = 0; i < NSLOT; i++) caps[i] = -1;
    int best_end = -1, best_rule = 1 << 30;
    cl->n = 0;
    mark_gen++;
    addthread(re, cl, 0, caps, s, len, start);
    for (int pos = start;; pos++) {
        nl->n = 0;
        mark_gen++;
        int ch = pos < len ? s[pos] : -1;
        for (int i = 0; i < cl->n; i++) {
            const inst *in = &re->code[cl->t[i].pc];
            int ok = 0;
            switch (in->op) {
            case I_CHAR: ok = ch == in->x; break;
            case I_ANY: ok = ch >= 0 && ch != '\n'; break;
            case I_CLASS: ok = ch >= 0 && cc_has(&classes[in->x], ch); break;
            case I_MATCH:
                if (pos > best_end || (pos == best_end && in->x < best_rule)) { best_end = pos; best_rule = in->x; }
                break;
            default: break;
            }
            if (ok) addthread(re, nl, cl->t[i].pc + 1, cl->t[i].caps, s, len, pos + 1);
        }
        if (ch < 0 || nl->n == 0) break;
        tlist *t = cl; cl = nl; nl = t;
    }
    *rule = best_rule;
    return best_end;
}

static int gen_source(char *buf, int max) {
    static const char *const kw[] = {"if", "else", "while", "for", "return", "int", "char", "void", "struct",
                                     "static", "const", "unsigned", "sizeof", "break", "iffy", "format", "x_1"};
    static const char *const ops[] = {"+", "-", "*", "/", "%", "==", "!=", "<=", ">=", "&&", "||", "<<=", "->",
                                      "++", "--", "=", "+=", "&", "|", "^", "!", "~", "<", ">>"};
    static const char *const punct[] = {"{", "}", "(", ")", "[", "]", ";", ",", ".", "?", ":"};
    char *o = buf, *end = buf + max - 64;
    while (o < end) {
        switch (rndn(12)) {
        case 0: *o++ = ' '; if (!rndn(4)) *o++ = '\n'; if (!rndn(6)) *o++ = '\t'; break;
        case 1: { const char *k = kw[rndn(17)]; while (*k) *o++ = *k++; *o++ = ' '; break; }
        case 2: o = gen_word(o); if (rndn(2)) { *o++ = '_'; o = gen_num(o, rndn(100)); } break;
        case 3: o = gen_num(o, rnd() % 100000); break;
        case 4: o = gen_num(o, rndn(100)); *o++ = '.'; o = gen_num(o, rndn(1000)); if (rndn(2)) { *o++ = 'e'; *o++ = '-'; o = gen_num(o, rndn(30)); } break;
        case 5: *o++ = '0'; *o++ = 'x'; for (int k = 1 + (int)rndn(8); k > 0; k--) *o++ = "0123456789abcdefABCDEF"[rndn(22)]; break;
        case 6: *o++ = '"'; o = gen_word(o); if (rndn(2)) { *o++ = '\\'; *o++ = "n\"\\t"[rndn(4)]; } *o++ = '"'; break;
        case 7: *o++ = '\''; if (rndn(3)) *o++ = (char)('a' + rndn(26)); else { *o++ = '\\'; *o++ = 'n'; } *o++ = '\''; break;
        case 8: case 9: { const char *k = ops[rndn(24)]; while (*k) *o++ = *k++; break; }
        case 10: { const char *k = punct[rndn(11)]; while (*k) *o++ = *k++; break; }
        default:
            if (rndn(2)) { *o++ = '/'; *o++ = '/'; o = gen_word(o); *o++ = '\n'; }
            else { *o++ = '/'; *o++ = '*'; o = gen_word(o); if (rndn(2)) *o++ = '*'; *o++ = ' '; *o++ = '*'; *o++ = '/'; }
            break;
        }
    }
    *o = 0;
    return (int)(o - buf);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    int bad_patterns = 0;
    long roundtrip_bad = 0, prefilter_skips = 0, glob_disagree = 0, lex_errors = 0;
    static long glob_hits[NGLOB], token_counts[NRULES];
    u64 token_hash = 0xcbf29ce484222325ULL;
    static regex reparsed;
    static char printed[NPAT][1024];
    static long matches[NPAT], lines_matched[NPAT];
    static u64 hashes[NPAT];
    long disagree = 0, dfa_disagree = 0, total_lines = 0, total_bytes = 0;
    u64 subst_hash = 0;
    static char lines[LINES][MAXLINE];
    static int lens[LINES];
    static char outbuf[MAXLINE * 16];
    rng_state = 0x2545f4914f6cdd1dULL;
    for (int r = 0; r < rounds; r++) {
        for (int ln = 0; ln < LINES; ln++) {
            lens[ln] = gen_line(lines[ln], MAXLINE);
            total_lines++;
            total_bytes += lens[ln];
        }
        /* (re)compile every pattern, print its tree back and check the reparse */
        nnodes = 0;
        nclasses = 0;
        for (int pi = 0; pi < NPAT; pi++) {
            if (compile(&compiled[pi], patterns[pi]) != 0) {
                compiled[pi].len = 0;
                if (r == 0) bad_patterns++;
                continue;
            }
            prepare_prefilter(&compiled[pi]);
            print_node(printed[pi], compiled[pi].root, 0);
            if (compile(&reparsed, printed[pi]) != 0 || !same_program(&compiled[pi], &reparsed))
                roundtrip_bad++;
        }
        for (int pi = 0; pi < NPAT; pi++) {
            const regex *re = &compiled[pi];
            if (!re->len) continue;
            dfa_reset(re);              /* each pattern's DFA is rebuilt every round */
            for (int ln = 0; ln < LINES; ln++) {
                const char *line = lines[ln];
                int len = lens[ln];
                const u8 *s = (const u8 *)line;
                int pos = 0, any = 0, caps1[NSLOT], caps2[NSLOT], caps3[NSLOT];
                char *o = outbuf;
                int copied = 0;
                if (!prefilter_pass(re, s, len)) {
                    /* the required literal is missing: no engine may find a match */
                    prefilter_skips++;
                    int d = dfa_match(re, s, len);
                    if (d < 0) d = tm_search(re, s, len, 0, caps3);
                    if (d != 0) disagree++;
                    continue;
                }
                while (pos <= len) {
                    int m1 = pike_search(re, s, len, pos, caps1);
                    int m2 = bt_search(re, s, len, pos, caps2);
                    int m3 = tm_search(re, s, len, pos, caps3);
                    if (m1 != m2 || m1 != m3 ||
                        (m1 && memcmp(caps1, caps2, sizeof(int) * 2 * re->ncap) != 0) ||
                        (m1 && memcmp(caps1, caps3, sizeof(int) * 2 * re->ncap) != 0)) {
                        disagree++;
                        break;
                    }
                    if (!m1) break;
                    any = 1;
                    matches[pi]++;
                    for (int k = 0; k < 2 * re->ncap; k++) hashes[pi] = mix64(hashes[pi], (u64)(caps1[k] + 1));
                    /* substitution: text before the match, then [g1|g2|...] */
                    if (o - outbuf < MAXLINE * 8) {
                        memcpy(o, line + copied, caps1[0] - copied);
                        o += caps1[0] - copied;
                        *o++ = '[';
                        for (int g = 1; g < re->ncap; g++) {
                            if (g > 1) *o++ = '|';
                            if (caps1[2 * g] >= 0) {
                                memcpy(o, line + caps1[2 * g], caps1[2 * g + 1] - caps1[2 * g]);
                                o += caps1[2 * g + 1] - caps1[2 * g];
                            }
                        }
                        *o++ = ']';
                        copied = caps1[1];
                    }
                    pos = caps1[1] > caps1[0] ? caps1[1] : caps1[1] + 1;
                    if (re->anchored) break;
                }
                if (any) {
                    lines_matched[pi]++;
                    memcpy(o, line + copied, len - copied);
                    o += len - copied;
                    for (char *q = outbuf; q < o; q++) subst_hash = (subst_hash ^ (u8)*q) * 0x100000001b3ULL;
                }
                int d = dfa_match(re, s, len);
                if (d >= 0 && d != any) dfa_disagree++;
            }
        }
        /* globs: the direct matcher against the regex translation, over every word of the lines */
        for (int gi = 0; gi < NGLOB; gi++) {
            char rx[256];
            glob_to_regex(globs[gi], rx);
            if (compile(&glob_res[gi], rx) != 0) { roundtrip_bad++; continue; }
        }
        for (int ln = 0; ln < LINES; ln++) {
            const u8 *s = (const u8 *)lines[ln];
            int len = lens[ln];
            for (int a = 0; a < len;) {
                int b = a;
                while (b < len && s[b] != ' ') b++;
                if (b > a) {
                    for (int gi = 0; gi < NGLOB; gi++) {
                        int g1 = glob_match(globs[gi], s + a, b - a);
                        int caps[NSLOT];
                        int g2 = pike_search(&glob_res[gi], s + a, b - a, 0, caps);
                        if (g1 != g2) glob_disagree++;
                        glob_hits[gi] += g1;
#ifdef DUMP
                        printf("G %d %d %.*s\n", gi, g1, b - a, s + a);
#endif
                    }
                }
                a = b + 1;
            }
        }
        /* the lexer over a generated C-like text */
        if (build_lexer() != 0) roundtrip_bad++;
        else {
            static char src[2048];
            int sl = gen_source(src, (int)sizeof src);
            for (int pos = 0; pos < sl;) {
                int rule, end = lex_longest(&lexer_re, (const u8 *)src, sl, pos, &rule);
                if (end <= pos) { lex_errors++; pos++; continue; }
                token_counts[rule]++;
                for (int k = pos; k < end; k++) token_hash = (token_hash ^ (u8)src[k]) * 0x100000001b3ULL;
                token_hash = (token_hash ^ (u64)rule) * 0x100000001b3ULL;
                pos = end;
            }
        }
    }
    u64 all = 0;
    for (int pi = 0; pi < NPAT; pi++) {
        all = mix64(all, hashes[pi]);
        all = mix64(all, (u64)matches[pi]);
    }
    printf("regex: %d patterns (%d bad), %ld lines, %ld bytes\n", NPAT, bad_patterns, total_lines, total_bytes);
    for (int pi = 0; pi < NPAT; pi += 3) {
        for (int k = pi; k < pi + 3 && k < NPAT; k++)
            printf("  p%-2d %6ld/%-6ld", k, matches[k], lines_matched[k]);
        printf("\n");
    }
    printf("backtracker steps %ld, tree matcher steps %ld, dfa states built %ld, flushes %ld, "
           "prefilter skips %ld\n", bt_steps, tm_steps, dfa_built, dfa_flushes, prefilter_skips);
    printf("disagreements: pike/backtrack/tree %ld, dfa %ld, print-reparse %ld\n", disagree,
           dfa_disagree, roundtrip_bad);
    printf("globs:");
    for (int gi = 0; gi < NGLOB; gi++) printf(" %ld", glob_hits[gi]);
    printf("\nglob disagreements %ld; tokens:", glob_disagree);
    for (int r = 0; r < NRULES; r++) printf(" %ld", token_counts[r]);
    printf("\nlexer errors %ld, token hash %016llx\n", lex_errors, (unsigned long long)token_hash);
    printf("checksum %016llx subst %016llx\n", (unsigned long long)all, (unsigned long long)subst_hash);
    return disagree || dfa_disagree || bad_patterns || roundtrip_bad || glob_disagree || lex_errors;
}
