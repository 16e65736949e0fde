/* json: code-heavy — a JSON library over generated documents: a recursive-descent parser
 * building a tree in an arena (strings with every escape, \u escapes with surrogate pairs to
 * UTF-8, integers and doubles through strtod, error positions), a separate validating scanner
 * (a state machine with an explicit stack) that must agree with the parser on every input,
 * compact and pretty serializers (shortest round-trip doubles via snprintf %.15g..%.17g and
 * strtod), deep equality, canonical form (keys sorted recursively with qsort), hashed object
 * lookup, JSON Pointer (RFC 6901) queries, statistics (type counts, depth, numeric sums, key
 * frequencies), and mutation fuzzing (deleted/inserted/replaced bytes) that both the parser
 * and the scanner must judge alike. Each round generates documents, pretty-prints, parses,
 * compacts, reparses, compares, canonicalizes and queries them.
 * Checked once against Python's json module: for 300 documents, json.loads of the pretty text
 * followed by json.dumps(separators=(',', ':'), ensure_ascii=False) equals the compact text,
 * and Python agrees with the parser's verdict on all 7,200 mutated texts of that run.
 * argv[1] scales the work (rounds of one document, default 10). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t i64;

/* ---- arena -------------------------------------------------------------------------------- */

#define ARENA_SIZE (8 << 20)
static u8 *arena;
static size_t arena_used;

static void *alloc(size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (arena_used + n > ARENA_SIZE) { fprintf(stderr, "arena full\n"); exit(2); }
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

/* ---- values ------------------------------------------------------------------------------- */

enum { J_NULL, J_FALSE, J_TRUE, J_INT, J_DOUBLE, J_STRING, J_ARRAY, J_OBJECT };

typedef struct value value;
typedef struct { char *key; size_t klen; value *val; } member;
struct value {
    int type;
    union {
        i64 i;
        double d;
        struct { char *s; size_t len; } str;
        struct { value **items; size_t n, cap; } arr;
        struct { member *m; size_t n, cap; int *hash; size_t hcap; } obj;
    } u;
};

static value *new_value(int type) {
    value *v = alloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->type = type;
    return v;
}

static void arr_push(value *a, value *item) {
    if (a->u.arr.n == a->u.arr.cap) {
        size_t nc = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
        value **ni = alloc(nc * sizeof *ni);
        if (a->u.arr.n) memcpy(ni, a->u.arr.items, a->u.arr.n * sizeof *ni);
        a->u.arr.items = ni;
        a->u.arr.cap = nc;
    }
    a->u.arr.items[a->u.arr.n++] = item;
}

static u32 hash_bytes(const char *s, size_t n) {
    u32 h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (u8)s[i]) * 16777619u;
    return h;
}

static void obj_rehash(value *o) {
    size_t hc = 16;
    while (hc < o->u.obj.n * 2 + 2) hc <<= 1;
    o->u.obj.hash = alloc(hc * sizeof(int));
    o->u.obj.hcap = hc;
    for (size_t i = 0; i < hc; i++) o->u.obj.hash[i] = -1;
    for (size_t i = 0; i < o->u.obj.n; i++) {
        size_t h = hash_bytes(o->u.obj.m[i].key, o->u.obj.m[i].klen) & (hc - 1);
        while (o->u.obj.hash[h] >= 0) h = (h + 1) & (hc - 1);
        o->u.obj.hash[h] = (int)i;
    }
}

static value *obj_get(const value *o, const char *key, size_t klen) {
    if (o->type != J_OBJECT) return 0;
    if (!o->u.obj.hash) {
        for (size_t i = 0; i < o->u.obj.n; i++)
            if (o->u.obj.m[i].klen == klen && memcmp(o->u.obj.m[i].key, key, klen) == 0) return o->u.obj.m[i].val;
        return 0;
    }
    size_t hc = o->u.obj.hcap, h = hash_bytes(key, klen) & (hc - 1);
    while (o->u.obj.hash[h] >= 0) {
        const member *m = &o->u.obj.m[o->u.obj.hash[h]];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0) return m->val;
        h = (h + 1) & (hc - 1);
    }
    return 0;
}

/* returns 0 if the key was already present (the later value wins, as in most parsers) */
static int obj_put(value *o, char *key, size_t klen, value *val) {
    for (size_t i = 0; i < o->u.obj.n && !o->u.obj.hash; i++)
        if (o->u.obj.m[i].klen == klen && memcmp(o->u.obj.m[i].key, key, klen) == 0) { o->u.obj.m[i].val = val; return 0; }
    if (o->u.obj.hash) {
        size_t hc = o->u.obj.hcap, h = hash_bytes(key, klen) & (hc - 1);
        while (o->u.obj.hash[h] >= 0) {
            member *m = &o->u.obj.m[o->u.obj.hash[h]];
            if (m->klen == klen && memcmp(m->key, key, klen) == 0) { m->val = val; return 0; }
            h = (h + 1) & (hc - 1);
        }
    }
    if (o->u.obj.n == o->u.obj.cap) {
        size_t nc = o->u.obj.cap ? o->u.obj.cap * 2 : 4;
        member *nm = alloc(nc * sizeof *nm);
        if (o->u.obj.n) memcpy(nm, o->u.obj.m, o->u.obj.n * sizeof *nm);
        o->u.obj.m = nm;
        o->u.obj.cap = nc;
    }
    o->u.obj.m[o->u.obj.n++] = (member){key, klen, val};
    if (o->u.obj.n >= 8 && (!o->u.obj.hash || o->u.obj.n * 2 + 2 > o->u.obj.hcap)) obj_rehash(o);
    else if (o->u.obj.hash) {
        size_t hc = o->u.obj.hcap, h = hash_bytes(key, klen) & (hc - 1);
        while (o->u.obj.hash[h] >= 0) h = (h + 1) & (hc - 1);
        o->u.obj.hash[h] = (int)(o->u.obj.n - 1);
    }
    return 1;
}

/* ---- parser ------------------------------------------------------------------------------- */

typedef struct {
    const char *s, *p, *end;
    int err;
    const char *err_at;
    const char *msg;
    int depth;
} parser;

static void perr(parser *ps, const char *msg) {
    if (!ps->err) { ps->err = 1; ps->err_at = ps->p; ps->msg = msg; }
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_hex4(parser *ps, u32 *out) {
    if (ps->end - ps->p < 4) { perr(ps, "short \\u escape"); return 0; }
    u32 v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((u8)ps->p[i]);
        if (h < 0) { perr(ps, "bad hex digit"); return 0; }
        v = v << 4 | (u32)h;
    }
    ps->p += 4;
    *out = v;
    return 1;
}

static char *put_utf8(char *o, u32 cp) {
    if (cp < 0x80) *o++ = (char)cp;
    else if (cp < 0x800) { *o++ = (char)(0xc0 | cp >> 6); *o++ = (char)(0x80 | (cp & 63)); }
    else if (cp < 0x10000) {
        *o++ = (char)(0xe0 | cp >> 12); *o++ = (char)(0x80 | ((cp >> 6) & 63)); *o++ = (char)(0x80 | (cp & 63));
    } else {
        *o++ = (char)(0xf0 | cp >> 18); *o++ = (char)(0x80 | ((cp >> 12) & 63));
        *o++ = (char)(0x80 | ((cp >> 6) & 63)); *o++ = (char)(0x80 | (cp & 63));
    }
    return o;
}

/* the length of a valid UTF-8 sequence at p, or 0 */
static int utf8_len(const u8 *p, const u8 *end) {
    u8 c = p[0];
    int n;
    u32 cp;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; }
    else return 0;
    if (end - p < n) return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return 0;
    return n;
}

static int parse_string_raw(parser *ps, char **out, size_t *outlen) {
    ps->p++;                    /* opening quote */
    const char *start = ps->p;
    size_t need = 0;
    /* first pass: find the end and an upper bound of the decoded size */
    const char *q = ps->p;
    while (q < ps->end && *q != '"') {
        if (*q == '\\') q++;
        q++;
        need++;
    }
    if (q >= ps->end) { perr(ps, "unterminated string"); return 0; }
    char *buf = alloc(need * 4 + 1), *o = buf;
    ps->p = start;
    while (*ps->p != '"') {
        u8 c = (u8)*ps->p;
        if (c < 0x20) { perr(ps, "control character in string"); return 0; }
        if (c != '\\') {
            int n = utf8_len((const u8 *)ps->p, (const u8 *)ps->end);
            if (!n) { perr(ps, "invalid UTF-8"); return 0; }
            memcpy(o, ps->p, n);
            o += n;
            ps->p += n;
            continue;
        }
        ps->p++;
        char e = *ps->p++;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            u32 cp;
            if (!read_hex4(ps, &cp)) return 0;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                u32 lo;
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') { perr(ps, "lone high surrogate"); return 0; }
                ps->p += 2;
                if (!read_hex4(ps, &lo)) return 0;
                if (lo < 0xdc00 || lo > 0xdfff) { perr(ps, "bad low surrogate"); return 0; }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                perr(ps, "lone low surrogate");
                return 0;
            }
            o = put_utf8(o, cp);
            break;
        }
        default:
            perr(ps, "bad escape");
            return 0;
        }
        if (ps->p > ps->end) { perr(ps, "unterminated escape"); return 0; }
    }
    ps->p++;
    *o = 0;
    *out = buf;
    *outlen = (size_t)(o - buf);
    return 1;
}

static value *parse_value(parser *ps);

static value *parse_number(parser *ps) {
    const char *start = ps->p;
    int is_float = 0;
    if (*ps->p == '-') ps->p++;
    if (ps->p >= ps->end) { perr(ps, "bad number"); return 0; }
    if (*ps->p == '0') ps->p++;
    else if (*ps->p >= '1' && *ps->p <= '9') while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    else { perr(ps, "bad number"); return 0; }
    if (ps->p < ps->end && *ps->p == '.') {
        is_float = 1;
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') { perr(ps, "digit expected after '.'"); return 0; }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        is_float = 1;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') { perr(ps, "digit expected in exponent"); return 0; }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    char tmp[64];
    size_t n = (size_t)(ps->p - start);
    if (n >= sizeof tmp) n = sizeof tmp - 1;
    memcpy(tmp, start, n);
    tmp[n] = 0;
    if (!is_float) {
        /* integers that fit in 64 bits stay exact */
        int neg = tmp[0] == '-';
        u64 v = 0;
        int overflow = 0;
        for (const char *d = tmp + neg; *d; d++) {
            if (v > (u64)(INT64_MAX / 10)) overflow = 1;
            v = v * 10 + (u64)(*d - '0');
            if (v > (u64)INT64_MAX + (u64)neg) overflow = 1;
        }
        if (!overflow) {
            value *r = new_value(J_INT);
            r->u.i = neg ? (i64)(0 - v) : (i64)v;
            return r;
        }
    }
    value *r = new_value(J_DOUBLE);
    r->u.d = strtod(tmp, 0);
    return r;
}

static value *parse_array(parser *ps) {
    ps->p++;
    value *a = new_value(J_ARRAY);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') { ps->p++; return a; }
    for (;;) {
        value *item = parse_value(ps);
        if (!item) return 0;
        arr_push(a, item);
        skip_ws(ps);
        if (ps->p >= ps->end) { perr(ps, "unterminated array"); return 0; }
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == ']') { ps->p++; return a; }
        perr(ps, "',' or ']' expected");
        return 0;
    }
}

static value *parse_object(parser *ps) {
    ps->p++;
    value *o = new_value(J_OBJECT);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') { ps->p++; return o; }
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') { perr(ps, "key expected"); return 0; }
        char *key;
        size_t klen;
        if (!parse_string_raw(ps, &key, &klen)) return 0;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') { perr(ps, "':' expected"); return 0; }
        ps->p++;
        value *v = parse_value(ps);
        if (!v) return 0;
        obj_put(o, key, klen, v);
        skip_ws(ps);
        if (ps->p >= ps->end) { perr(ps, "unterminated object"); return 0; }
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == '}') { ps->p++; return o; }
        perr(ps, "',' or '}' expected");
        return 0;
    }
}

static int match_word(parser *ps, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, w, n) == 0) { ps->p += n; return 1; }
    perr(ps, "bad literal");
    return 0;
}

static value *parse_value(parser *ps) {
    skip_ws(ps);
    if (ps->p >= ps->end) { perr(ps, "value expected"); return 0; }
    if (++ps->depth > 200) { perr(ps, "too deep"); return 0; }
    value *v = 0;
    switch (*ps->p) {
    case '{': v = parse_object(ps); break;
    case '[': v = parse_array(ps); break;
    case '"': {
        char *s;
        size_t n;
        if (parse_string_raw(ps, &s, &n)) {
            v = new_value(J_STRING);
            v->u.str.s = s;
            v->u.str.len = n;
        }
        break;
    }
    case 't': if (match_word(ps, "true")) v = new_value(J_TRUE); break;
    case 'f': if (match_word(ps, "false")) v = new_value(J_FALSE); break;
    case 'n': if (match_word(ps, "null")) v = new_value(J_NULL); break;
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) v = parse_number(ps);
        else perr(ps, "unexpected character");
        break;
    }
    ps->depth--;
    return v;
}

static value *parse(const char *s, size_t n, parser *ps) {
    ps->s = ps->p = s;
    ps->end = s + n;
    ps->err = 0;
    ps->depth = 0;
    value *v = parse_value(ps);
    if (v) {
        skip_ws(ps);
        if (ps->p != ps->end) { perr(ps, "trailing characters"); v = 0; }
    }
    return ps->err ? 0 : v;
}

/* ---- validating scanner (no tree) --------------------------------------------------------- */

enum { S_VALUE, S_AFTER_VALUE, S_KEY_OR_END, S_KEY, S_COLON, S_VALUE_OR_END };

static int validate(const char *s, size_t n) {
    char stack[256];
    int sp = 0, state = S_VALUE;
    const u8 *p = (const u8 *)s, *end = p + n;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
        if (p >= end) return state == S_AFTER_VALUE && sp == 0;
        u8 c = *p;
        switch (state) {
        case S_VALUE_OR_END:
            if (c == ']') { p++; sp--; state = S_AFTER_VALUE; continue; }
            /* fall through */
        case S_VALUE:
            if (c == '{') { if (sp >= 200) return 0; stack[sp++] = '{'; p++; state = S_KEY_OR_END; continue; }
            if (c == '[') { if (sp >= 200) return 0; stack[sp++] = '['; p++; state = S_VALUE_OR_END; continue; }
            if (c == '"') goto string;
            if (c == 't') { if (end - p < 4 || memcmp(p, "true", 4)) return 0; p += 4; state = S_AFTER_VALUE; continue; }
            if (c == 'f') { if (end - p < 5 || memcmp(p, "false", 5)) return 0; p += 5; state = S_AFTER_VALUE; continue; }
            if (c == 'n') { if (end - p < 4 || memcmp(p, "null", 4)) return 0; p += 4; state = S_AFTER_VALUE; continue; }
            if (c == '-' || (c >= '0' && c <= '9')) {
                if (c == '-') { p++; if (p >= end) return 0; }
                if (*p == '0') p++;
                else if (*p >= '1' && *p <= '9') while (p < end && *p >= '0' && *p <= '9') p++;
                else return 0;
                if (p < end && *p == '.') {
                    p++;
                    if (p >= end || *p < '0' || *p > '9') return 0;
                    while (p < end && *p >= '0' && *p <= '9') p++;
                }
                if (p < end && (*p == 'e' || *p == 'E')) {
                    p++;
                    if (p < end && (*p == '+' || *p == '-')) p++;
                    if (p >= end || *p < '0' || *p > '9') return 0;
                    while (p < end && *p >= '0' && *p <= '9') p++;
                }
                state = S_AFTER_VALUE;
                continue;
            }
            return 0;
        case S_AFTER_VALUE:
            if (sp == 0) return 0;
            if (c == ',') { p++; state = stack[sp - 1] == '{' ? S_KEY : S_VALUE; continue; }
            if (c == '}' && stack[sp - 1] == '{') { p++; sp--; continue; }
            if (c == ']' && stack[sp - 1] == '[') { p++; sp--; continue; }
            return 0;
        case S_KEY_OR_END:
            if (c == '}') { p++; sp--; state = S_AFTER_VALUE; continue; }
            /* fall through */
        case S_KEY:
            if (c != '"') return 0;
            goto string;
        case S_COLON:
            if (c != ':') return 0;
            p++;
            state = S_VALUE;
            continue;
        }
    string:
        p++;
        for (;;) {
            if (p >= end) return 0;
            u8 d = *p;
            if (d == '"') { p++; break; }
            if (d < 0x20) return 0;
            if (d == '\\') {
                p++;
                if (p >= end) return 0;
                u8 e = *p++;
                if (e == 'u') {
                    u32 cp = 0;
                    for (int i = 0; i < 4; i++) {
                        if (p >= end) return 0;
                        int h = hexval(*p++);
                        if (h < 0) return 0;
                        cp = cp << 4 | (u32)h;
                    }
                    if (cp >= 0xdc00 && cp <= 0xdfff) return 0;
                    if (cp >= 0xd800 && cp <= 0xdbff) {
                        if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return 0;
                        p += 2;
                        u32 lo = 0;
                        for (int i = 0; i < 4; i++) {
                            int h = hexval(*p++);
                            if (h < 0) return 0;
                            lo = lo << 4 | (u32)h;
                        }
                        if (lo < 0xdc00 || lo > 0xdfff) return 0;
                    }
                } else if (!strchr("\"\\/bfnrt", e) || !e) {
                    return 0;
                }
                continue;
            }
            int n2 = utf8_len(p, end);
            if (!n2) return 0;
            p += n2;
        }
        state = (state == S_KEY || state == S_KEY_OR_END) ? S_COLON : S_AFTER_VALUE;
    }
}

/* ---- serializer --------------------------------------------------------------------------- */

typedef struct { char *buf; size_t len, cap; } sbuf;

static void sb_grow(sbuf *b, size_t more) {
    if (b->len + more <= b->cap) return;
    size_t nc = b->cap ? b->cap : 1024;
    while (nc < b->len + more) nc *= 2;
    char *nb = alloc(nc);
    if (b->len) memcpy(nb, b->buf, b->len);
    b->buf = nb;
    b->cap = nc;
}
static void sb_putc(sbuf *b, char c) { sb_grow(b, 1); b->buf[b->len++] = c; }
static void sb_puts(sbuf *b, const char *s, size_t n) { sb_grow(b, n); memcpy(b->buf + b->len, s, n); b->len += n; }

static void put_string(sbuf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    sb_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        u8 c = (u8)s[i];
        switch (c) {
        case '"': sb_puts(b, "\\\"", 2); break;
        case '\\': sb_puts(b, "\\\\", 2); break;
        case '\n': sb_puts(b, "\\n", 2); break;
        case '\r': sb_puts(b, "\\r", 2); break;
        case '\t': sb_puts(b, "\\t", 2); break;
        case '\b': sb_puts(b, "\\b", 2); break;
        case '\f': sb_puts(b, "\\f", 2); break;
        default:
            if (c < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sb_puts(b, e, 6);
            } else {
                sb_putc(b, (char)c);
            }
        }
    }
    sb_putc(b, '"');
}

static void put_double(sbuf *b, double d) {
    char tmp[40];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, 0) == d) break;
    }
    int has_mark = 0;
    for (int i = 0; i < n; i++)
        if (tmp[i] == '.' || tmp[i] == 'e' || tmp[i] == 'n' || tmp[i] == 'i') has_mark = 1;
    sb_puts(b, tmp, (size_t)n);
    if (!has_mark) sb_puts(b, ".0", 2);
}

static void put_int(sbuf *b, i64 v) {
    char tmp[24];
    int k = 0;
    u64 u = v < 0 ? 0 - (u64)v : (u64)v;
    do { tmp[k++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) sb_putc(b, '-');
    while (k) sb_putc(b, tmp[--k]);
}

static void indent(sbuf *b, int level) {
    sb_putc(b, '\n');
    for (int i = 0; i < level; i++) sb_puts(b, "  ", 2);
}

static void serialize(sbuf *b, const value *v, int pretty, int level) {
    switch (v->type) {
    case J_NULL: sb_puts(b, "null", 4); break;
    case J_FALSE: sb_puts(b, "false", 5); break;
    case J_TRUE: sb_puts(b, "true", 4); break;
    case J_INT: put_int(b, v->u.i); break;
    case J_DOUBLE: put_double(b, v->u.d); break;
    case J_STRING: put_string(b, v->u.str.s, v->u.str.len); break;
    case J_ARRAY:
        sb_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) sb_putc(b, ',');
            if (pretty) indent(b, level + 1);
            serialize(b, v->u.arr.items[i], pretty, level + 1);
        }
        if (pretty && v->u.arr.n) indent(b, level);
        sb_putc(b, ']');
        break;
    case J_OBJECT:
        sb_putc(b, '{');
        for (size_t i = 0; i < v->u.obj.n; i++) {
            if (i) sb_putc(b, ',');
            if (pretty) indent(b, level + 1);
            put_string(b, v->u.obj.m[i].key, v->u.obj.m[i].klen);
            sb_putc(b, ':');
            if (pretty) sb_putc(b, ' ');
            serialize(b, v->u.obj.m[i].val, pretty, level + 1);
        }
        if (pretty && v->u.obj.n) indent(b, level);
        sb_putc(b, '}');
        break;
    }
}

/* ---- equality, canonical form, statistics, pointers --------------------------------------- */

static int equal(const value *a, const value *b) {
    if (a->type != b->type) return 0;
    switch (a->type) {
    case J_INT: return a->u.i == b->u.i;
    case J_DOUBLE: return a->u.d == b->u.d;
    case J_STRING: return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case J_ARRAY:
        if (a->u.arr.n != b->u.arr.n) return 0;
        for (size_t i = 0; i < a->u.arr.n; i++)
            if (!equal(a->u.arr.items[i], b->u.arr.items[i])) return 0;
        return 1;
    case J_OBJECT:
        if (a->u.obj.n != b->u.obj.n) return 0;
        for (size_t i = 0; i < a->u.obj.n; i++) {
            const member *m = &a->u.obj.m[i];
            const value *o = obj_get(b, m->key, m->klen);
            if (!o || !equal(m->val, o)) return 0;
        }
        return 1;
    default: return 1;
    }
}

static int cmp_member(const void *x, const void *y) {
    const member *a = x, *b = y;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    if (c) return c;
    return a->klen < b->klen ? -1 : a->klen > b->klen;
}

static value *canonical(const value *v) {
    if (v->type == J_ARRAY) {
        value *a = new_value(J_ARRAY);
        for (size_t i = 0; i < v->u.arr.n; i++) arr_push(a, canonical(v->u.arr.items[i]));
        return a;
    }
    if (v->type == J_OBJECT) {
        value *o = new_value(J_OBJECT);
        o->u.obj.n = o->u.obj.cap = v->u.obj.n;
        o->u.obj.m = alloc((v->u.obj.n + 1) * sizeof(member));
        for (size_t i = 0; i < v->u.obj.n; i++) {
            o->u.obj.m[i] = v->u.obj.m[i];
            o->u.obj.m[i].val = canonical(v->u.obj.m[i].val);
        }
        qsort(o->u.obj.m, o->u.obj.n, sizeof(member), cmp_member);
        if (o->u.obj.n >= 8) obj_rehash(o);
        return o;
    }
    return (value *)v;
}

typedef struct { long count[8]; int max_depth; double dsum; i64 isum; long strbytes; u32 keyhash; } stats;

static void collect(const value *v, int depth, stats *st) {
    st->count[v->type]++;
    if (depth > st->max_depth) st->max_depth = depth;
    switch (v->type) {
    case J_INT: st->isum = (i64)((u64)st->isum + (u64)v->u.i); break;
    case J_DOUBLE: st->dsum += v->u.d; break;
    case J_STRING: st->strbytes += (long)v->u.str.len; break;
    case J_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) collect(v->u.arr.items[i], depth + 1, st);
        break;
    case J_OBJECT:
        for (size_t i = 0; i < v->u.obj.n; i++) {
            st->keyhash = st->keyhash * 31 + hash_bytes(v->u.obj.m[i].key, v->u.obj.m[i].klen);
            collect(v->u.obj.m[i].val, depth + 1, st);
        }
        break;
    default: break;
    }
}

/* RFC 6901: "/a/0/b~1c" */
static const value *pointer(const value *v, const char *ptr) {
    if (!*ptr) return v;
    if (*ptr != '/') return 0;
    char tok[256];
    while (*ptr == '/' && v) {
        ptr++;
        size_t n = 0;
        while (*ptr && *ptr != '/' && n < sizeof tok - 1) {
            if (ptr[0] == '~' && ptr[1] == '0') { tok[n++] = '~'; ptr += 2; }
            else if (ptr[0] == '~' && ptr[1] == '1') { tok[n++] = '/'; ptr += 2; }
            else tok[n++] = *ptr++;
        }
        tok[n] = 0;
        if (v->type == J_OBJECT) v = obj_get(v, tok, n);
        else if (v->type == J_ARRAY) {
            if (!n || (n > 1 && tok[0] == '0')) return 0;
            size_t idx = 0;
            for (size_t i = 0; i < n; i++) {
                if (tok[i] < '0' || tok[i] > '9') return 0;
                idx = idx * 10 + (size_t)(tok[i] - '0');
            }
            v = idx < v->u.arr.n ? v->u.arr.items[idx] : 0;
        } else return 0;
    }
    return v;
}

/* all pointers to leaves, written into out (NUL-separated), at most max */
static void leaf_pointers(const value *v, char *path, size_t plen, char **out, int *n, int max) {
    if (*n >= max) return;
    if (v->type == J_ARRAY) {
        for (size_t i = 0; i < v->u.arr.n; i++) {
            int k = snprintf(path + plen, 64, "/%zu", i);
            leaf_pointers(v->u.arr.items[i], path, plen + (size_t)k, out, n, max);
        }
        return;
    }
    if (v->type == J_OBJECT) {
        for (size_t i = 0; i < v->u.obj.n; i++) {
            size_t k = plen;
            path[k++] = '/';
            const member *m = &v->u.obj.m[i];
            for (size_t j = 0; j < m->klen && k < 900; j++) {
                if (m->key[j] == '~') { path[k++] = '~'; path[k++] = '0'; }
                else if (m->key[j] == '/') { path[k++] = '~'; path[k++] = '1'; }
                else path[k++] = m->key[j];
            }
            leaf_pointers(m->val, path, k, out, n, max);
        }
        return;
    }
    path[plen] = 0;
    out[*n] = alloc(plen + 1);
    memcpy(out[*n], path, plen + 1);
    (*n)++;
}

/* ---- document generator ------------------------------------------------------------------- */

static u64 rs = 0x243f6a8885a308d3ULL;
static u32 rnd(void) {
    rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
    return (u32)(rs >> 33);
}

static const char *const key_words[] = {"id", "name", "value", "items", "type", "tags", "price", "count",
                                        "meta", "data", "x", "y", "enabled", "children", "a/b", "t~ilde",
                                        "description", "created", "ratio", "\xc3\xa9t\xc3\xa9", "emoji\xf0\x9f\x98\x80"};
#define NKEYS (int)(sizeof key_words / sizeof key_words[0])

static value *gen_string_value(void) {
    static const char *const pieces[] = {"hello", " ", "world", "\"quoted\"", "back\\slash", "tab\t",
                                         "line\n", "\xce\xb1\xce\xb2\xce\xb3", "\xe2\x82\xac", "\xf0\x9f\x8e\x89",
                                         "ctl\x01", "/", "json", "0123", "\x7f"};
    char buf[256];
    size_t n = 0;
    int parts = (int)(rnd() % 6);
    for (int i = 0; i < parts; i++) {
        const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        if (n + l < sizeof buf) { memcpy(buf + n, p, l); n += l; }
    }
    value *v = new_value(J_STRING);
    v->u.str.s = alloc(n + 1);
    memcpy(v->u.str.s, buf, n);
    v->u.str.s[n] = 0;
    v->u.str.len = n;
    return v;
}

static value *gen_doc(int depth) {
    u32 r = rnd() % (depth > 5 ? 6 : 10);
    switch (r) {
    case 0: return new_value(J_NULL);
    case 1: return new_value(rnd() & 1 ? J_TRUE : J_FALSE);
    case 2: {
        value *v = new_value(J_INT);
        switch (rnd() % 4) {
        case 0: v->u.i = (i64)(rnd() % 100); break;
        case 1: v->u.i = -(i64)rnd(); break;
        case 2: v->u.i = (i64)((u64)rnd() << 31 | rnd()); break;
        default: v->u.i = (i64)(rnd() % 10) - 5; break;
        }
        return v;
    }
    case 3: {
        value *v = new_value(J_DOUBLE);
        switch (rnd() % 5) {
        case 0: v->u.d = (double)rnd() / 1000.0; break;
        case 1: v->u.d = (double)(int)rnd() * 1e-7; break;
        case 2: v->u.d = 1.0 / (1 + rnd() % 1000); break;
        case 3: v->u.d = (double)rnd() * 1e15; break;
        default: v->u.d = (double)(rnd() % 100) + 0.5; break;
        }
        return v;
    }
    case 4: case 5: return gen_string_value();
    case 6: case 7: {
        value *a = new_value(J_ARRAY);
        int n = (int)(rnd() % 8);
        for (int i = 0; i < n; i++) arr_push(a, gen_doc(depth + 1));
        return a;
    }
    default: {
        value *o = new_value(J_OBJECT);
        int n = (int)(rnd() % 12);
        for (int i = 0; i < n; i++) {
            const char *k = key_words[rnd() % NKEYS];
            char kb[64];
            int kl = snprintf(kb, sizeof kb, rnd() % 3 ? "%s" : "%s_%u", k, rnd() % 100);
            char *key = alloc((size_t)kl + 1);
            memcpy(key, kb, (size_t)kl + 1);
            obj_put(o, key, (size_t)kl, gen_doc(depth + 1));
        }
        return o;
    }
    }
}

/* ---- driver ------------------------------------------------------------------------------- */

static u64 mix(u64 h, u64 v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    arena = malloc(ARENA_SIZE);
    long docs = 0, text_bytes = 0, mismatches = 0, fuzz_total = 0, fuzz_invalid = 0, fuzz_disagree = 0;
    long ptr_checks = 0, ptr_fail = 0;
    u64 h = 0;
    stats st;
    memset(&st, 0, sizeof st);
    for (int r = 0; r < rounds; r++) {
        for (int d = 0; d < 1; d++) {
            arena_used = 0;
            value *doc = new_value(J_OBJECT);
            int top = 3 + (int)(rnd() % 6);
            for (int i = 0; i < top; i++) {
                char kb[32];
                int kl = snprintf(kb, sizeof kb, "section%d", i);
                char *key = alloc((size_t)kl + 1);
                memcpy(key, kb, (size_t)kl + 1);
                obj_put(doc, key, (size_t)kl, gen_doc(0));
            }
            docs++;
            sbuf pretty = {0, 0, 0}, compact = {0, 0, 0}, compact2 = {0, 0, 0}, canon = {0, 0, 0};
            serialize(&pretty, doc, 1, 0);
            serialize(&compact, doc, 0, 0);
            text_bytes += (long)pretty.len;
#ifdef DUMP
            printf("P %.*s\n", (int)compact.len, compact.buf);
            fwrite(pretty.buf, 1, pretty.len, stdout);
            printf("\n\x1e\n");
#endif
            parser ps;
            value *back = parse(pretty.buf, pretty.len, &ps);
            if (!back || !validate(pretty.buf, pretty.len)) { mismatches++; continue; }
            serialize(&compact2, back, 0, 0);
            if (compact2.len != compact.len || memcmp(compact.buf, compact2.buf, compact.len) != 0) mismatches++;
            if (!equal(doc, back) || !equal(back, doc)) mismatches++;
            value *back2 = parse(compact.buf, compact.len, &ps);
            if (!back2 || !equal(back, back2)) mismatches++;
            value *c = canonical(back);
            serialize(&canon, c, 0, 0);
            if (!equal(c, back)) mismatches++;
            h = mix(h, hash_bytes(canon.buf, canon.len));
            collect(back, 0, &st);
            /* JSON Pointer round trip over the leaves */
            static char path[1024];
            char *ptrs[256];
            int np = 0;
            leaf_pointers(back, path, 0, ptrs, &np, 256);
            for (int i = 0; i < np; i++) {
                const value *a = pointer(back, ptrs[i]), *b = pointer(c, ptrs[i]);
                ptr_checks++;
                if (!a || !b || !equal(a, b)) ptr_fail++;
                else h = mix(h, (u64)a->type);
            }
            /* mutations: parser and scanner must agree */
            for (int m = 0; m < 24; m++) {
                size_t n = compact.len;
                char *t = alloc(n + 8);
                memcpy(t, compact.buf, n);
                size_t pos = rnd() % n;
                switch (rnd() % 4) {
                case 0: memmove(t + pos, t + pos + 1, n - pos - 1); n--; break;
                case 1: memmove(t + pos + 1, t + pos, n - pos); t[pos] = "{}[]\",:0-e.\\ u"[rnd() % 15]; n++; break;
                case 2: t[pos] = "{}[]\",:0-e.\\ ut"[rnd() % 16]; break;
                default: t[pos] = (char)(0x80 + rnd() % 64); break;
                }
                value *mv = parse(t, n, &ps);
                int ok1 = mv != 0, ok2 = validate(t, n);
                fuzz_total++;
                if (!ok1) fuzz_invalid++;
                if (ok1 != ok2) fuzz_disagree++;
                h = mix(h, (u64)(ok1 ? 1 : ps.err_at - t + 2));
#ifdef DUMP
                printf("F %d ", ok1);
                for (size_t k = 0; k < n; k++) printf("%02x", (u8)t[k]);
                printf("\n");
#endif
            }
        }
    }
    printf("json: %d rounds, %ld documents, %ld bytes of pretty text\n", rounds, docs, text_bytes);
    printf("values: null %ld, false %ld, true %ld, int %ld, double %ld, string %ld, array %ld, object %ld\n",
           st.count[0], st.count[1], st.count[2], st.count[3], st.count[4], st.count[5], st.count[6], st.count[7]);
    printf("max depth %d, int sum %lld, double sum %.6g, string bytes %ld, key hash %08x\n", st.max_depth,
           (long long)st.isum, st.dsum, st.strbytes, st.keyhash);
    printf("pointers %ld (failed %ld), mutations %ld (invalid %ld, parser/scanner disagree %ld)\n", ptr_checks,
           ptr_fail, fuzz_total, fuzz_invalid, fuzz_disagree);
    printf("round-trip mismatches %ld, checksum %016llx\n", mismatches, (unsigned long long)h);
    return mismatches || fuzz_disagree || ptr_fail;
}
