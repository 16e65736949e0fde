/* compress: code-heavy — four compressors with their decompressors, round-tripping generated
 * data (English-like text, C-like source, binary records, long runs, random bytes, a mix):
 *  - DEFLATE in a zlib stream (RFC 1950/1951): LZ77 with hash chains and lazy matching,
 *    per-block choice of stored / fixed-Huffman / dynamic-Huffman (length-limited code
 *    lengths, run-length coded code-length code); decoded by two inflaters, one with a
 *    9-bit lookup table plus a canonical slow path, one bit-by-bit;
 *  - an LZMA-like coder: a range coder with adaptive bit models, literal contexts,
 *    matched literals, four rep distances, short reps, length and distance-slot trees,
 *    reverse-bit-tree and direct-bit distance footers, a 12-state machine;
 *  - a bzip2-like block sorter: BWT by prefix doubling with radix sorts, move-to-front,
 *    zero-run coding, canonical Huffman with the code lengths stored;
 *  - an LZ4-like byte-aligned LZ (token nibbles, 255-extended lengths, 16-bit offsets).
 * Every output must decode to the input (mismatches are counted); sizes and CRC-32s of the
 * compressed streams are printed. The zlib streams were checked once with Python's
 * zlib.decompress (identical data for every round of a run of 40 rounds), and the inflaters
 * decoded zlib.compress output of the same inputs at levels 1, 6 and 9.
 * argv[1] scales the work (rounds of one 12 KiB input, default 10). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define MAXIN (1 << 15)
#define OUTCAP (MAXIN * 2 + 1024)

/* ---- checksums ---------------------------------------------------------------------------- */

static u32 crc_table[256];

static void crc_init(void) {
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static u32 crc32(const u8 *p, size_t n) {
    u32 c = 0xffffffffu;
    while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static u32 adler32(const u8 *p, size_t n) {
    u32 a = 1, b = 0;
    while (n) {
        size_t k = n < 5552 ? n : 5552;
        n -= k;
        while (k--) { a += *p++; b += a; }
        a %= 65521;
        b %= 65521;
    }
    return (b << 16) | a;
}

/* ---- bit I/O (LSB first, as DEFLATE) ------------------------------------------------------ */

typedef struct { u8 *out; size_t pos, cap; u64 buf; int cnt; } bitw;

static void bw_put(bitw *w, u32 v, int n) {
    w->buf |= (u64)v << w->cnt;
    w->cnt += n;
    while (w->cnt >= 8) {
        if (w->pos < w->cap) w->out[w->pos] = (u8)w->buf;
        w->pos++;
        w->buf >>= 8;
        w->cnt -= 8;
    }
}

static void bw_align(bitw *w) { if (w->cnt) bw_put(w, 0, 8 - w->cnt); }

static u32 rev_bits(u32 code, int len) {
    u32 r = 0;
    for (int i = 0; i < len; i++) { r = (r << 1) | (code & 1); code >>= 1; }
    return r;
}

/* ---- Huffman code construction ------------------------------------------------------------ */

/* code lengths for freq[0..n) limited to maxlen: Huffman by repeatedly merging the two
 * lightest nodes (sorted leaves + a queue of internal nodes); when too deep, flatten the
 * frequencies and try again */
static void huff_lengths(const u32 *freq, int n, int maxlen, u8 *len) {
    static u32 f[1024];
    static int order[1024], parent[2048];
    static u64 weight[2048];
    for (int i = 0; i < n; i++) f[i] = freq[i];
    for (;;) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            len[i] = 0;
            if (f[i]) order[m++] = i;
        }
        if (m == 0) return;
        if (m == 1) { len[order[0]] = 1; return; }
        /* insertion sort of the used symbols by frequency (stable on symbol number) */
        for (int i = 1; i < m; i++) {
            int s = order[i], j = i - 1;
            while (j >= 0 && (f[order[j]] > f[s])) { order[j + 1] = order[j]; j--; }
            order[j + 1] = s;
        }
        for (int i = 0; i < m; i++) weight[i] = f[order[i]];
        int leaf = 0, inner = m, inner_head = m, next = m;
        while (next < 2 * m - 1) {
            int pick[2];
            for (int k = 0; k < 2; k++) {
                if (leaf < m && (inner_head >= inner || weight[leaf] <= weight[inner_head])) pick[k] = leaf++;
                else pick[k] = inner_head++;
            }
            weight[next] = weight[pick[0]] + weight[pick[1]];
            parent[pick[0]] = parent[pick[1]] = next;
            next++;
            inner = next;
        }
        int depth_ok = 1;
        static int depth[2048];
        depth[2 * m - 2] = 0;
        for (int i = 2 * m - 3; i >= 0; i--) depth[i] = depth[parent[i]] + 1;
        for (int i = 0; i < m; i++) {
            if (depth[i] > maxlen) depth_ok = 0;
            len[order[i]] = (u8)depth[i];
        }
        if (depth_ok) return;
        for (int i = 0; i < n; i++)
            if (f[i]) f[i] = (f[i] >> 1) | 1;
    }
}

/* canonical codes from lengths (RFC 1951 3.2.2) */
static void huff_codes(const u8 *len, int n, u32 *code) {
    int bl_count[32] = {0};
    u32 next[32];
    for (int i = 0; i < n; i++) bl_count[len[i]]++;
    bl_count[0] = 0;
    u32 c = 0;
    for (int b = 1; b < 32; b++) {
        c = (c + bl_count[b - 1]) << 1;
        next[b] = c;
    }
    for (int i = 0; i < n; i++)
        if (len[i]) code[i] = next[len[i]]++;
}

/* ---- DEFLATE tables ----------------------------------------------------------------------- */

static u16 len_base[29], dist_base[30];
static u8 len_extra[29], dist_extra[30];
static u8 len_code_of[259];     /* match length 3..258 -> code index 0..28 */
static u8 dist_code_lo[512];    /* distance-1 < 512 -> code; larger: 256 + ((d-1) >> 7) */
static const u8 clen_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

static void deflate_tables(void) {
    int base = 3;
    for (int i = 0; i < 28; i++) {
        len_extra[i] = (u8)(i < 8 ? 0 : (i - 4) / 4);
        len_base[i] = (u16)base;
        base += 1 << len_extra[i];
    }
    len_base[28] = 258;
    len_extra[28] = 0;
    for (int i = 0; i < 29; i++)
        for (int l = len_base[i]; l < len_base[i] + (1 << len_extra[i]) && l <= 258; l++) len_code_of[l] = (u8)i;
    len_code_of[258] = 28;
    base = 1;
    for (int i = 0; i < 30; i++) {
        dist_extra[i] = (u8)(i < 4 ? 0 : (i - 2) / 2);
        dist_base[i] = (u16)base;
        base += 1 << dist_extra[i];
    }
    for (int i = 0; i < 30; i++)
        for (int d = dist_base[i]; d < dist_base[i] + (1 << dist_extra[i]); d++) {
            if (d - 1 < 256) dist_code_lo[d - 1] = (u8)i;
            else if (((d - 1) & 127) == 0) dist_code_lo[256 + ((d - 1) >> 7)] = (u8)i;
        }
}

static int dist_code(int d) {
    return d - 1 < 256 ? dist_code_lo[d - 1] : dist_code_lo[256 + ((d - 1) >> 7)];
}

/* ---- LZ77 match finder (shared by DEFLATE, the LZMA-like coder and the LZ4-like coder) ---- */

#define HBITS 15
#define WSIZE 32768
static int head[1 << HBITS];
static int prevpos[MAXIN];

static u32 hash3(const u8 *p) { return ((u32)p[0] << 16 | (u32)p[1] << 8 | p[2]) * 2654435761u >> (32 - HBITS); }

static void mf_reset(void) { memset(head, -1, sizeof head); }

static void mf_insert(const u8 *in, int pos, int n) {
    if (pos + 3 > n) return;
    u32 h = hash3(in + pos);
    prevpos[pos] = head[h];
    head[h] = pos;
}

/* longest match at pos (insert first); returns length, *dist */
static int mf_longest(const u8 *in, int pos, int n, int max_len, int max_dist, int chain, int *dist) {
    int best = 0;
    if (pos + 3 > n) return 0;
    int limit = n - pos < max_len ? n - pos : max_len;
    int cand = prevpos[pos];
    while (cand >= 0 && pos - cand <= max_dist && chain-- > 0) {
        if (in[cand + best] == in[pos + best] && in[cand] == in[pos]) {
            int l = 0;
            while (l < limit && in[cand + l] == in[pos + l]) l++;
            if (l > best) {
                best = l;
                *dist = pos - cand;
                if (l >= limit) break;
            }
        }
        cand = prevpos[cand];
    }
    return best >= 3 ? best : 0;
}

/* ---- DEFLATE compressor ------------------------------------------------------------------- */

typedef struct { u16 len; u16 dist; u8 lit; } token;   /* len 0: literal */
static token toks[MAXIN + 8];

static int lz77_parse(const u8 *in, int n, int chain, int lazy) {
    int nt = 0, pos = 0, ins = 0;
    mf_reset();
    while (pos < n) {
        while (ins <= pos) mf_insert(in, ins++, n);
        int d1 = 0, l1 = mf_longest(in, pos, n, 258, WSIZE, chain, &d1);
        if (l1 && lazy && l1 < 32 && pos + 1 < n) {
            /* lazy matching: a longer match one byte later wins over this one */
            while (ins <= pos + 1) mf_insert(in, ins++, n);
            int d2 = 0, l2 = mf_longest(in, pos + 1, n, 258, WSIZE, chain / 2, &d2);
            if (l2 > l1) {
                toks[nt++] = (token){0, 0, in[pos]};
                pos++;
                continue;
            }
        }
        if (l1) {
            toks[nt++] = (token){(u16)l1, (u16)d1, 0};
            pos += l1;
        } else {
            toks[nt++] = (token){0, 0, in[pos]};
            pos++;
        }
    }
    return nt;
}

static u8 fixed_lit_len[288], fixed_dist_len[30];
static u32 fixed_lit_code[288], fixed_dist_code[30];

static void fixed_tables(void) {
    for (int i = 0; i < 288; i++) fixed_lit_len[i] = (u8)(i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
    for (int i = 0; i < 30; i++) fixed_dist_len[i] = 5;
    huff_codes(fixed_lit_len, 288, fixed_lit_code);
    huff_codes(fixed_dist_len, 30, fixed_dist_code);
}

static void put_code(bitw *w, u32 code, int len) { bw_put(w, rev_bits(code, len), len); }

static void emit_tokens(bitw *w, const token *t, int nt, const u8 *ll, const u32 *lc, const u8 *dl, const u32 *dc) {
    for (int i = 0; i < nt; i++) {
        if (!t[i].len) {
            put_code(w, lc[t[i].lit], ll[t[i].lit]);
            continue;
        }
        int li = len_code_of[t[i].len];
        put_code(w, lc[257 + li], ll[257 + li]);
        if (len_extra[li]) bw_put(w, t[i].len - len_base[li], len_extra[li]);
        int di = dist_code(t[i].dist);
        put_code(w, dc[di], dl[di]);
        if (dist_extra[di]) bw_put(w, t[i].dist - dist_base[di], dist_extra[di]);
    }
    put_code(w, lc[256], ll[256]);
}

/* run-length code the code lengths: symbols 0..18 with extra values */
static int rle_lengths(const u8 *lens, int n, u8 *sym, u8 *extra) {
    int ns = 0, i = 0;
    while (i < n) {
        int cur = lens[i], run = 1;
        while (i + run < n && lens[i + run] == cur) run++;
        if (cur == 0) {
            int left = run;
            while (left >= 11) { int r = left < 138 ? left : 138; sym[ns] = 18; extra[ns++] = (u8)(r - 11); left -= r; }
            if (left >= 3) { sym[ns] = 17; extra[ns++] = (u8)(left - 3); left = 0; }
            while (left-- > 0) { sym[ns] = 0; extra[ns++] = 0; }
        } else {
            sym[ns] = (u8)cur; extra[ns++] = 0;
            int left = run - 1;
            while (left >= 3) { int r = left < 6 ? left : 6; sym[ns] = 16; extra[ns++] = (u8)(r - 3); left -= r; }
            while (left-- > 0) { sym[ns] = (u8)cur; extra[ns++] = 0; }
        }
        i += run;
    }
    return ns;
}

static long blocks_stored, blocks_fixed, blocks_dynamic;

static void deflate_block(bitw *w, const u8 *raw, int rawlen, const token *t, int nt, int final) {
    u32 lf[286] = {0}, df[30] = {0};
    for (int i = 0; i < nt; i++) {
        if (!t[i].len) lf[t[i].lit]++;
        else {
            lf[257 + len_code_of[t[i].len]]++;
            df[dist_code(t[i].dist)]++;
        }
    }
    lf[256] = 1;
    u8 ll[286], dl[30];
    u32 lc[286], dc[30];
    huff_lengths(lf, 286, 15, ll);
    huff_lengths(df, 30, 15, dl);
    int ndist_used = 0;
    for (int i = 0; i < 30; i++) ndist_used += dl[i] != 0;
    if (!ndist_used) dl[0] = 1;
    huff_codes(ll, 286, lc);
    huff_codes(dl, 30, dc);
    int hlit = 286, hdist = 30;
    while (hlit > 257 && !ll[hlit - 1]) hlit--;
    while (hdist > 1 && !dl[hdist - 1]) hdist--;
    u8 all[316], sym[316], ext[316];
    memcpy(all, ll, hlit);
    memcpy(all + hlit, dl, hdist);
    int ns = rle_lengths(all, hlit + hdist, sym, ext);
    u32 cf[19] = {0};
    for (int i = 0; i < ns; i++) cf[sym[i]]++;
    int cused = 0;
    for (int i = 0; i < 19; i++) cused += cf[i] != 0;
    if (cused == 1) cf[sym[0] == 0 ? 1 : 0] = 1;     /* the code-length code must be complete */
    u8 cl[19];
    u32 cc[19];
    huff_lengths(cf, 19, 7, cl);
    huff_codes(cl, 19, cc);
    int hclen = 19;
    while (hclen > 4 && !cl[clen_order[hclen - 1]]) hclen--;

    /* costs in bits */
    u64 extra_bits = 0, dyn = 0, fix = 0;
    for (int i = 0; i < 286; i++) {
        if (!lf[i]) continue;
        dyn += (u64)lf[i] * ll[i];
        fix += (u64)lf[i] * fixed_lit_len[i];
        if (i >= 257) extra_bits += (u64)lf[i] * len_extra[i - 257];
    }
    for (int i = 0; i < 30; i++) {
        if (!df[i]) continue;
        dyn += (u64)df[i] * dl[i];
        fix += (u64)df[i] * 5;
        extra_bits += (u64)df[i] * dist_extra[i];
    }
    dyn += extra_bits + 14 + 3 * (u64)hclen;
    for (int i = 0; i < ns; i++) dyn += cl[sym[i]] + (sym[i] == 16 ? 2 : sym[i] == 17 ? 3 : sym[i] == 18 ? 7 : 0);
    fix += extra_bits;
    u64 stored = rawlen <= 65535 ? 32 + 8 * (u64)rawlen + 7 : ~0ULL;

    bw_put(w, (u32)final, 1);
    if (stored <= dyn && stored <= fix) {
        blocks_stored++;
        bw_put(w, 0, 2);
        bw_align(w);
        bw_put(w, (u32)rawlen, 16);
        bw_put(w, (u32)rawlen ^ 0xffff, 16);
        for (int i = 0; i < rawlen; i++) bw_put(w, raw[i], 8);
    } else if (fix <= dyn) {
        blocks_fixed++;
        bw_put(w, 1, 2);
        emit_tokens(w, t, nt, fixed_lit_len, fixed_lit_code, fixed_dist_len, fixed_dist_code);
    } else {
        blocks_dynamic++;
        bw_put(w, 2, 2);
        bw_put(w, (u32)(hlit - 257), 5);
        bw_put(w, (u32)(hdist - 1), 5);
        bw_put(w, (u32)(hclen - 4), 4);
        for (int i = 0; i < hclen; i++) bw_put(w, cl[clen_order[i]], 3);
        for (int i = 0; i < ns; i++) {
            put_code(w, cc[sym[i]], cl[sym[i]]);
            if (sym[i] == 16) bw_put(w, ext[i], 2);
            else if (sym[i] == 17) bw_put(w, ext[i], 3);
            else if (sym[i] == 18) bw_put(w, ext[i], 7);
        }
        emit_tokens(w, t, nt, ll, lc, dl, dc);
    }
}

static size_t zlib_compress(const u8 *in, int n, u8 *out, size_t cap, int chain, int lazy, int block_tokens) {
    bitw w = {out, 0, cap, 0, 0};
    bw_put(&w, 0x78, 8);
    bw_put(&w, 0x9c, 8);
    int nt = lz77_parse(in, n, chain, lazy);
    int t0 = 0, raw0 = 0;
    if (nt == 0) deflate_block(&w, in, 0, toks, 0, 1);
    while (t0 < nt) {
        int t1 = t0 + block_tokens < nt ? t0 + block_tokens : nt;
        int rawlen = 0;
        for (int i = t0; i < t1; i++) rawlen += toks[i].len ? toks[i].len : 1;
        deflate_block(&w, in + raw0, rawlen, toks + t0, t1 - t0, t1 == nt);
        raw0 += rawlen;
        t0 = t1;
    }
    bw_align(&w);
    u32 a = adler32(in, (size_t)n);
    for (int s = 24; s >= 0; s -= 8) bw_put(&w, (a >> s) & 0xff, 8);
    return w.pos;
}

/* ---- inflate 1: lookup table + canonical slow path ---------------------------------------- */

typedef struct { const u8 *in; size_t pos, n; u64 buf; int cnt; int err; } bitr;

static void br_fill(bitr *r) {
    while (r->cnt <= 56) {
        u64 b = r->pos < r->n ? r->in[r->pos] : 0;
        if (r->pos >= r->n + 8) { r->err = 1; }
        r->pos++;
        r->buf |= b << r->cnt;
        r->cnt += 8;
    }
}

static u32 br_get(bitr *r, int n) {
    if (r->cnt < n) br_fill(r);
    u32 v = (u32)(r->buf & ((1ULL << n) - 1));
    r->buf >>= n;
    r->cnt -= n;
    return v;
}

#define FASTBITS 9
typedef struct {
    u16 fast[1 << FASTBITS];    /* (symbol << 4) | length, 0 = slow path */
    u16 count[16];
    u16 symbol[320];
    int ok;
} huff;

static int huff_build(huff *h, const u8 *len, int n) {
    memset(h->count, 0, sizeof h->count);
    for (int i = 0; i < n; i++) h->count[len[i]]++;
    h->count[0] = 0;
    int left = 1;
    for (int l = 1; l < 16; l++) {
        left <<= 1;
        left -= h->count[l];
        if (left < 0) return h->ok = 0;   /* over-subscribed */
    }
    u16 offs[16];
    offs[1] = 0;
    for (int l = 1; l < 15; l++) offs[l + 1] = offs[l] + h->count[l];
    for (int i = 0; i < n; i++)
        if (len[i]) h->symbol[offs[len[i]]++] = (u16)i;
    memset(h->fast, 0, sizeof h->fast);
    u32 code[320];
    huff_codes(len, n, code);
    for (int i = 0; i < n; i++) {
        int l = len[i];
        if (!l || l > FASTBITS) continue;
        u32 r = rev_bits(code[i], l);
        for (u32 k = r; k < (1u << FASTBITS); k += 1u << l) h->fast[k] = (u16)((i << 4) | l);
    }
    return h->ok = 1;
}

static int huff_decode(bitr *r, const huff *h) {
    if (r->cnt < 16) br_fill(r);
    u16 e = h->fast[r->buf & ((1u << FASTBITS) - 1)];
    if (e) {
        r->buf >>= e & 15;
        r->cnt -= e & 15;
        return e >> 4;
    }
    int code = 0, first = 0, index = 0;
    for (int l = 1; l < 16; l++) {
        code |= (int)(r->buf & 1);
        r->buf >>= 1;
        r->cnt--;
        int count = h->count[l];
        if (code - count < first) return h->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    r->err = 1;
    return 0;
}

static huff fixed_lit_h, fixed_dist_h;

static int inflate_codes(bitr *r, u8 *out, size_t *op, size_t cap, const huff *lh, const huff *dh) {
    size_t o = *op;
    for (;;) {
        int sym = huff_decode(r, lh);
        if (r->err) return -1;
        if (sym < 256) {
            if (o >= cap) return -1;
            out[o++] = (u8)sym;
        } else if (sym == 256) {
            break;
        } else {
            sym -= 257;
            if (sym >= 29) return -1;
            int len = len_base[sym] + (int)br_get(r, len_extra[sym]);
            int ds = huff_decode(r, dh);
            if (ds >= 30) return -1;
            size_t dist = dist_base[ds] + br_get(r, dist_extra[ds]);
            if (dist > o || o + len > cap) return -1;
            const u8 *src = out + o - dist;
            for (int k = 0; k < len; k++) out[o + k] = src[k];
            o += len;
        }
    }
    *op = o;
    return 0;
}

static int read_dynamic(bitr *r, huff *lh, huff *dh) {
    int hlit = (int)br_get(r, 5) + 257, hdist = (int)br_get(r, 5) + 1, hclen = (int)br_get(r, 4) + 4;
    if (hlit > 286 || hdist > 30) return -1;
    u8 cl[19] = {0}, lens[320];
    for (int i = 0; i < hclen; i++) cl[clen_order[i]] = (u8)br_get(r, 3);
    huff ch;
    if (!huff_build(&ch, cl, 19)) return -1;
    int i = 0;
    while (i < hlit + hdist) {
        int sym = huff_decode(r, &ch);
        if (r->err) return -1;
        if (sym < 16) { lens[i++] = (u8)sym; continue; }
        int rep, val = 0;
        if (sym == 16) {
            if (!i) return -1;
            val = lens[i - 1];
            rep = 3 + (int)br_get(r, 2);
        } else if (sym == 17) rep = 3 + (int)br_get(r, 3);
        else rep = 11 + (int)br_get(r, 7);
        if (i + rep > hlit + hdist) return -1;
        while (rep--) lens[i++] = (u8)val;
    }
    if (!huff_build(lh, lens, hlit) || !huff_build(dh, lens + hlit, hdist)) return -1;
    return 0;
}

static long zlib_inflate_fast(const u8 *in, size_t n, u8 *out, size_t cap) {
    if (n < 6 || ((in[0] << 8) | in[1]) % 31 != 0 || (in[0] & 15) != 8) return -1;
    bitr r = {in, 2, n - 4, 0, 0, 0};
    size_t o = 0;
    int final;
    do {
        final = (int)br_get(&r, 1);
        int type = (int)br_get(&r, 2);
        if (type == 0) {
            int drop = r.cnt & 7;
            br_get(&r, drop);
            u32 len = br_get(&r, 16), nlen = br_get(&r, 16);
            if ((len ^ 0xffff) != nlen || o + len > cap) return -1;
            for (u32 k = 0; k < len; k++) out[o++] = (u8)br_get(&r, 8);
        } else if (type == 1) {
            if (inflate_codes(&r, out, &o, cap, &fixed_lit_h, &fixed_dist_h)) return -1;
        } else if (type == 2) {
            static huff lh, dh;
            if (read_dynamic(&r, &lh, &dh)) return -1;
            if (inflate_codes(&r, out, &o, cap, &lh, &dh)) return -1;
        } else return -1;
        if (r.err) return -1;
    } while (!final);
    u32 a = (u32)in[n - 4] << 24 | (u32)in[n - 3] << 16 | (u32)in[n - 2] << 8 | in[n - 1];
    if (a != adler32(out, o)) return -2;
    return (long)o;
}

/* ---- inflate 2: bit by bit (canonical decoding only) -------------------------------------- */

typedef struct { const u8 *in; size_t n, pos; int bit; int err; } sbits;

static int sb_bit(sbits *s) {
    if (s->pos >= s->n) { s->err = 1; return 0; }
    int b = (s->in[s->pos] >> s->bit) & 1;
    if (++s->bit == 8) { s->bit = 0; s->pos++; }
    return b;
}

static u32 sb_bits(sbits *s, int n) {
    u32 v = 0;
    for (int i = 0; i < n; i++) v |= (u32)sb_bit(s) << i;
    return v;
}

typedef struct { u16 count[16]; u16 symbol[320]; } shuff;

static int shuff_build(shuff *h, const u8 *len, int n) {
    memset(h->count, 0, sizeof h->count);
    for (int i = 0; i < n; i++) h->count[len[i]]++;
    h->count[0] = 0;
    u16 offs[16];
    offs[1] = 0;
    for (int l = 1; l < 15; l++) offs[l + 1] = offs[l] + h->count[l];
    for (int i = 0; i < n; i++)
        if (len[i]) h->symbol[offs[len[i]]++] = (u16)i;
    return 0;
}

static int shuff_decode(sbits *s, const shuff *h) {
    int code = 0, first = 0, index = 0;
    for (int l = 1; l < 16; l++) {
        code |= sb_bit(s);
        int count = h->count[l];
        if (code - count < first) return h->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    s->err = 1;
    return -1;
}

static long zlib_inflate_slow(const u8 *in, size_t n, u8 *out, size_t cap) {
    if (n < 6) return -1;
    sbits s = {in, n - 4, 2, 0, 0};
    size_t o = 0;
    int final;
    shuff lh, dh;
    do {
        final = sb_bit(&s);
        int type = (int)sb_bits(&s, 2);
        if (type == 0) {
            if (s.bit) { s.bit = 0; s.pos++; }
            if (s.pos + 4 > s.n) return -1;
            u32 len = in[s.pos] | in[s.pos + 1] << 8;
            s.pos += 4;
            if (s.pos + len > s.n || o + len > cap) return -1;
            memcpy(out + o, in + s.pos, len);
            o += len;
            s.pos += len;
            continue;
        }
        if (type == 1) {
            u8 l[288];
            for (int i = 0; i < 288; i++) l[i] = fixed_lit_len[i];
            shuff_build(&lh, l, 288);
            for (int i = 0; i < 30; i++) l[i] = 5;
            shuff_build(&dh, l, 30);
        } else if (type == 2) {
            int hlit = (int)sb_bits(&s, 5) + 257, hdist = (int)sb_bits(&s, 5) + 1, hclen = (int)sb_bits(&s, 4) + 4;
            u8 cl[19] = {0}, lens[320];
            for (int i = 0; i < hclen; i++) cl[clen_order[i]] = (u8)sb_bits(&s, 3);
            shuff ch;
            shuff_build(&ch, cl, 19);
            int i = 0;
            while (i < hlit + hdist && !s.err) {
                int sym = shuff_decode(&s, &ch);
                if (sym < 0) return -1;
                if (sym < 16) { lens[i++] = (u8)sym; continue; }
                int rep = sym == 16 ? 3 + (int)sb_bits(&s, 2) : sym == 17 ? 3 + (int)sb_bits(&s, 3) : 11 + (int)sb_bits(&s, 7);
                int val = sym == 16 && i ? lens[i - 1] : 0;
                if (i + rep > hlit + hdist) return -1;
                while (rep--) lens[i++] = (u8)val;
            }
            shuff_build(&lh, lens, hlit);
            shuff_build(&dh, lens + hlit, hdist);
        } else return -1;
        for (;;) {
            int sym = shuff_decode(&s, &lh);
            if (sym < 0 || s.err) return -1;
            if (sym < 256) { if (o >= cap) return -1; out[o++] = (u8)sym; continue; }
            if (sym == 256) break;
            sym -= 257;
            int len = len_base[sym] + (int)sb_bits(&s, len_extra[sym]);
            int ds = shuff_decode(&s, &dh);
            if (ds < 0) return -1;
            size_t dist = dist_base[ds] + sb_bits(&s, dist_extra[ds]);
            if (dist > o || o + len > cap) return -1;
            while (len--) { out[o] = out[o - dist]; o++; }
        }
    } while (!final && !s.err);
    return s.err ? -1 : (long)o;
}

/* ---- LZMA-like range coder ---------------------------------------------------------------- */

#define PROB_INIT 1024
#define NSTATES 12
#define POS_STATES 4
#define LC 3

typedef u16 prob;

typedef struct {
    prob is_match[NSTATES][POS_STATES], is_rep[NSTATES], is_rep0[NSTATES], is_rep1[NSTATES];
    prob is_rep2[NSTATES], is_rep0_long[NSTATES][POS_STATES];
    prob literal[1 << LC][0x300];
    prob dist_slot[4][64], dist_special[115], align[16];
    struct lenc { prob choice, choice2, low[POS_STATES][8], mid[POS_STATES][8], high[256]; } len, rep_len;
} lzm_model;

static void model_init(lzm_model *m) {
    prob *p = (prob *)m;
    for (size_t i = 0; i < sizeof *m / sizeof(prob); i++) p[i] = PROB_INIT;
}

typedef struct { u8 *out; size_t pos, cap; u64 low; u32 range; u8 cache; u64 cache_size; } renc;

static void re_byte(renc *e, u8 b) { if (e->pos < e->cap) e->out[e->pos] = b; e->pos++; }

static void re_shift_low(renc *e) {
    if ((u32)e->low < 0xff000000u || (e->low >> 32) != 0) {
        u8 carry = (u8)(e->low >> 32);
        u8 temp = e->cache;
        do {
            re_byte(e, (u8)(temp + carry));
            temp = 0xff;
        } while (--e->cache_size != 0);
        e->cache = (u8)(e->low >> 24);
    }
    e->cache_size++;
    e->low = (e->low & 0x00ffffffu) << 8;
}

static void re_bit(renc *e, prob *p, int bit) {
    u32 bound = (e->range >> 11) * *p;
    if (!bit) {
        e->range = bound;
        *p += (2048 - *p) >> 5;
    } else {
        e->low += bound;
        e->range -= bound;
        *p -= *p >> 5;
    }
    while (e->range < (1u << 24)) { e->range <<= 8; re_shift_low(e); }
}

static void re_direct(renc *e, u32 v, int n) {
    for (int i = n - 1; i >= 0; i--) {
        e->range >>= 1;
        if ((v >> i) & 1) e->low += e->range;
        while (e->range < (1u << 24)) { e->range <<= 8; re_shift_low(e); }
    }
}

static void re_flush(renc *e) { for (int i = 0; i < 5; i++) re_shift_low(e); }

static void re_tree(renc *e, prob *probs, int bits, u32 sym) {
    u32 m = 1;
    for (int i = bits - 1; i >= 0; i--) {
        int b = (sym >> i) & 1;
        re_bit(e, &probs[m], b);
        m = (m << 1) | (u32)b;
    }
}

static void re_tree_rev(renc *e, prob *probs, int bits, u32 sym) {
    u32 m = 1;
    for (int i = 0; i < bits; i++) {
        int b = sym & 1;
        sym >>= 1;
        re_bit(e, &probs[m], b);
        m = (m << 1) | (u32)b;
    }
}

typedef struct { const u8 *in; size_t pos, n; u32 range, code; int err; } rdec;

static u8 rd_byte(rdec *d) {
    if (d->pos >= d->n) { d->err = 1; return 0; }
    return d->in[d->pos++];
}

static void rd_init(rdec *d) {
    d->range = 0xffffffffu;
    d->code = 0;
    for (int i = 0; i < 5; i++) d->code = (d->code << 8) | rd_byte(d);
}

static int rd_bit(rdec *d, prob *p) {
    u32 bound = (d->range >> 11) * *p;
    int bit;
    if (d->code < bound) {
        d->range = bound;
        *p += (2048 - *p) >> 5;
        bit = 0;
    } else {
        d->code -= bound;
        d->range -= bound;
        *p -= *p >> 5;
        bit = 1;
    }
    if (d->range < (1u << 24)) { d->range <<= 8; d->code = (d->code << 8) | rd_byte(d); }
    return bit;
}

static u32 rd_direct(rdec *d, int n) {
    u32 v = 0;
    for (int i = 0; i < n; i++) {
        d->range >>= 1;
        u32 b = d->code >= d->range;
        if (b) d->code -= d->range;
        v = (v << 1) | b;
        if (d->range < (1u << 24)) { d->range <<= 8; d->code = (d->code << 8) | rd_byte(d); }
    }
    return v;
}

static u32 rd_tree(rdec *d, prob *probs, int bits) {
    u32 m = 1;
    for (int i = 0; i < bits; i++) m = (m << 1) | (u32)rd_bit(d, &probs[m]);
    return m - (1u << bits);
}

static u32 rd_tree_rev(rdec *d, prob *probs, int bits) {
    u32 m = 1, sym = 0;
    for (int i = 0; i < bits; i++) {
        int b = rd_bit(d, &probs[m]);
        m = (m << 1) | (u32)b;
        sym |= (u32)b << i;
    }
    return sym;
}

static int st_literal(int s) { return s < 4 ? 0 : s < 10 ? s - 3 : s - 6; }
static int st_match(int s) { return s < 7 ? 7 : 10; }
static int st_rep(int s) { return s < 7 ? 8 : 11; }
static int st_shortrep(int s) { return s < 7 ? 9 : 11; }

static void enc_len(renc *e, struct lenc *lc, u32 len, int ps) {
    len -= 2;
    if (len < 8) {
        re_bit(e, &lc->choice, 0);
        re_tree(e, lc->low[ps], 3, len);
    } else if (len < 16) {
        re_bit(e, &lc->choice, 1);
        re_bit(e, &lc->choice2, 0);
        re_tree(e, lc->mid[ps], 3, len - 8);
    } else {
        re_bit(e, &lc->choice, 1);
        re_bit(e, &lc->choice2, 1);
        re_tree(e, lc->high, 8, len - 16);
    }
}

static u32 dec_len(rdec *d, struct lenc *lc, int ps) {
    if (!rd_bit(d, &lc->choice)) return 2 + rd_tree(d, lc->low[ps], 3);
    if (!rd_bit(d, &lc->choice2)) return 10 + rd_tree(d, lc->mid[ps], 3);
    return 18 + rd_tree(d, lc->high, 8);
}

static u32 dist_slot_of(u32 d) {
    if (d < 4) return d;
    int n = 31 - __builtin_clz(d);
    return (u32)(2 * n) + ((d >> (n - 1)) & 1);
}

static void enc_dist(renc *e, lzm_model *m, u32 dist, u32 len) {
    u32 d = dist - 1;             /* coded distance: 0 = the previous byte */
    int ls = len - 2 < 3 ? (int)len - 2 : 3;
    u32 slot = dist_slot_of(d);
    re_tree(e, m->dist_slot[ls], 6, slot);
    if (slot < 4) return;
    int nb = (int)(slot >> 1) - 1;
    u32 base = (2 | (slot & 1)) << nb;
    u32 rest = d - base;
    if (slot < 14) {
        re_tree_rev(e, m->dist_special + base - slot, nb, rest);
    } else {
        re_direct(e, rest >> 4, nb - 4);
        re_tree_rev(e, m->align, 4, rest & 15);
    }
}

static u32 dec_dist(rdec *dd, lzm_model *m, u32 len) {
    int ls = len - 2 < 3 ? (int)len - 2 : 3;
    u32 slot = rd_tree(dd, m->dist_slot[ls], 6);
    if (slot < 4) return slot + 1;
    int nb = (int)(slot >> 1) - 1;
    u32 d = (2 | (slot & 1)) << nb;
    if (slot < 14) d += rd_tree_rev(dd, m->dist_special + d - slot, nb);
    else {
        d += rd_direct(dd, nb - 4) << 4;
        d += rd_tree_rev(dd, m->align, 4);
    }
    return d + 1;
}

static lzm_model enc_model, dec_model;

static int match_len_at(const u8 *in, int pos, int n, u32 dist, int max) {
    if (dist > (u32)pos) return 0;
    int l = 0, lim = n - pos < max ? n - pos : max;
    while (l < lim && in[pos + l] == in[pos - dist + l]) l++;
    return l;
}

static long lzm_stats[4];       /* literals, matches, reps, short reps */

static size_t lzm_compress(const u8 *in, int n, u8 *out, size_t cap) {
    renc e = {out, 0, cap, 0, 0xffffffffu, 0, 1};
    lzm_model *m = &enc_model;
    model_init(m);
    for (int s = 0; s < 32; s += 8) re_byte(&e, (u8)(n >> s));
    int state = 0;
    u32 reps[4] = {1, 1, 1, 1};
    mf_reset();
    int pos = 0;
    while (pos < n) {
        int ps = pos & (POS_STATES - 1);
        mf_insert(in, pos, n);
        int mdist = 0, mlen = mf_longest(in, pos, n, 273, MAXIN, 24, &mdist);
        int best_rep = -1, rep_len = 0;
        for (int r = 0; r < 4; r++) {
            int l = match_len_at(in, pos, n, reps[r], 273);
            if (l >= 2 && l > rep_len) { rep_len = l; best_rep = r; }
        }
        if (best_rep >= 0 && rep_len + 1 >= mlen) {
            int len = rep_len;
            re_bit(&e, &m->is_match[state][ps], 1);
            re_bit(&e, &m->is_rep[state], 1);
            if (best_rep == 0) {
                re_bit(&e, &m->is_rep0[state], 0);
                re_bit(&e, &m->is_rep0_long[state][ps], 1);
            } else {
                re_bit(&e, &m->is_rep0[state], 1);
                u32 dist = reps[best_rep];
                if (best_rep == 1) re_bit(&e, &m->is_rep1[state], 0);
                else {
                    re_bit(&e, &m->is_rep1[state], 1);
                    re_bit(&e, &m->is_rep2[state], best_rep == 3);
                    if (best_rep == 3) reps[3] = reps[2];
                    reps[2] = reps[1];
                }
                reps[1] = reps[0];
                reps[0] = dist;
            }
            enc_len(&e, &m->rep_len, (u32)len, ps);
            state = st_rep(state);
            lzm_stats[2]++;
            for (int k = 1; k < len; k++) mf_insert(in, pos + k, n);
            pos += len;
        } else if (mlen >= 3) {
            re_bit(&e, &m->is_match[state][ps], 1);
            re_bit(&e, &m->is_rep[state], 0);
            enc_len(&e, &m->len, (u32)mlen, ps);
            enc_dist(&e, m, (u32)mdist, (u32)mlen);
            reps[3] = reps[2]; reps[2] = reps[1]; reps[1] = reps[0]; reps[0] = (u32)mdist;
            state = st_match(state);
            lzm_stats[1]++;
            for (int k = 1; k < mlen; k++) mf_insert(in, pos + k, n);
            pos += mlen;
        } else if (pos >= (int)reps[0] && in[pos] == in[pos - reps[0]]) {
            re_bit(&e, &m->is_match[state][ps], 1);
            re_bit(&e, &m->is_rep[state], 1);
            re_bit(&e, &m->is_rep0[state], 0);
            re_bit(&e, &m->is_rep0_long[state][ps], 0);
            state = st_shortrep(state);
            lzm_stats[3]++;
            pos++;
        } else {
            re_bit(&e, &m->is_match[state][ps], 0);
            int prev = pos ? in[pos - 1] : 0;
            prob *lp = m->literal[prev >> (8 - LC)];
            u32 sym = in[pos];
            if (state >= 7 && pos >= (int)reps[0]) {
                u32 mb = in[pos - reps[0]], ctx = 1;
                int same = 1;
                for (int i = 7; i >= 0; i--) {
                    int b = (sym >> i) & 1;
                    if (same) {
                        int mbit = (mb >> i) & 1;
                        re_bit(&e, &lp[0x100 + (mbit << 8) + ctx], b);
                        same = mbit == b;
                    } else {
                        re_bit(&e, &lp[ctx], b);
                    }
                    ctx = (ctx << 1) | (u32)b;
                }
            } else {
                re_tree(&e, lp, 8, sym);
            }
            state = st_literal(state);
            lzm_stats[0]++;
            pos++;
        }
    }
    re_flush(&e);
    return e.pos;
}

static long lzm_decompress(const u8 *in, size_t n, u8 *out, size_t cap) {
    if (n < 4) return -1;
    u32 size = in[0] | in[1] << 8 | in[2] << 16 | (u32)in[3] << 24;
    if (size > cap) return -1;
    rdec d = {in, 4, n, 0, 0, 0};
    rd_init(&d);
    lzm_model *m = &dec_model;
    model_init(m);
    int state = 0;
    u32 reps[4] = {1, 1, 1, 1};
    u32 pos = 0;
    while (pos < size) {
        int ps = pos & (POS_STATES - 1);
        if (!rd_bit(&d, &m->is_match[state][ps])) {
            int prev = pos ? out[pos - 1] : 0;
            prob *lp = m->literal[prev >> (8 - LC)];
            u32 sym = 1;
            if (state >= 7 && pos >= reps[0]) {
                u32 mb = out[pos - reps[0]];
                do {
                    u32 mbit = (mb >> 7) & 1;
                    mb <<= 1;
                    u32 b = (u32)rd_bit(&d, &lp[0x100 + (mbit << 8) + sym]);
                    sym = (sym << 1) | b;
                    if (mbit != b) break;
                } while (sym < 0x100);
            }
            while (sym < 0x100) sym = (sym << 1) | (u32)rd_bit(&d, &lp[sym]);
            out[pos++] = (u8)sym;
            state = st_literal(state);
            continue;
        }
        u32 len;
        if (rd_bit(&d, &m->is_rep[state])) {
            if (!rd_bit(&d, &m->is_rep0[state])) {
                if (!rd_bit(&d, &m->is_rep0_long[state][ps])) {
                    if (pos < reps[0]) return -1;
                    out[pos] = out[pos - reps[0]];
                    pos++;
                    state = st_shortrep(state);
                    continue;
                }
            } else {
                u32 dist;
                if (!rd_bit(&d, &m->is_rep1[state])) dist = reps[1];
                else {
                    if (!rd_bit(&d, &m->is_rep2[state])) dist = reps[2];
                    else { dist = reps[3]; reps[3] = reps[2]; }
                    reps[2] = reps[1];
                }
                reps[1] = reps[0];
                reps[0] = dist;
            }
            len = dec_len(&d, &m->rep_len, ps);
            state = st_rep(state);
        } else {
            len = dec_len(&d, &m->len, ps);
            u32 dist = dec_dist(&d, m, len);
            reps[3] = reps[2]; reps[2] = reps[1]; reps[1] = reps[0]; reps[0] = dist;
            state = st_match(state);
        }
        if (reps[0] > pos || pos + len > size) return -1;
        for (u32 k = 0; k < len; k++) out[pos + k] = out[pos + k - reps[0]];
        pos += len;
        if (d.err) return -1;
    }
    return d.err ? -1 : (long)size;
}

/* ---- BWT + MTF + zero runs + Huffman ------------------------------------------------------ */

static int sa[MAXIN], rnk[MAXIN], tmp_rank[MAXIN], sa2[MAXIN], cnt[MAXIN + 1];

/* sort the cyclic rotations of in[0..n) by prefix doubling; returns the row of rotation 0 */
static int bwt_sort(const u8 *in, int n) {
    int maxr = 256;
    for (int i = 0; i < n; i++) { sa[i] = i; rnk[i] = in[i]; }
    for (int k = 1;; k <<= 1) {
        /* radix sort by (rank[i], rank[i+k]): second key first */
        int m = maxr > n ? maxr : n;
        memset(cnt, 0, sizeof(int) * (m + 1));
        for (int i = 0; i < n; i++) cnt[rnk[(i + k) % n]]++;
        for (int i = 1; i <= m; i++) cnt[i] += cnt[i - 1];
        for (int i = n - 1; i >= 0; i--) sa2[--cnt[rnk[(i + k) % n]]] = i;
        memset(cnt, 0, sizeof(int) * (m + 1));
        for (int i = 0; i < n; i++) cnt[rnk[i]]++;
        for (int i = 1; i <= m; i++) cnt[i] += cnt[i - 1];
        for (int i = n - 1; i >= 0; i--) { int j = sa2[i]; sa[--cnt[rnk[j]]] = j; }
        tmp_rank[sa[0]] = 0;
        int r = 0;
        for (int i = 1; i < n; i++) {
            int a = sa[i - 1], b = sa[i];
            if (rnk[a] != rnk[b] || rnk[(a + k) % n] != rnk[(b + k) % n]) r++;
            tmp_rank[b] = r;
        }
        memcpy(rnk, tmp_rank, sizeof(int) * n);
        maxr = r + 1;
        if (r == n - 1 || k >= n) break;
    }
    int primary = 0;
    for (int i = 0; i < n; i++)
        if (sa[i] == 0) primary = i;
    return primary;
}

static size_t bws_compress(const u8 *in, int n, u8 *out, size_t cap) {
    static u8 last[MAXIN];
    static u16 syms[MAXIN + 2];
    if (n == 0) { out[0] = out[1] = out[2] = out[3] = 0; return 4; }
    int primary = bwt_sort(in, n);
    for (int i = 0; i < n; i++) last[i] = in[(sa[i] + n - 1) % n];
    /* move-to-front, then runs of zeros in bijective base 2 (RUNA = 0, RUNB = 1), others + 1 */
    u8 order[256];
    for (int i = 0; i < 256; i++) order[i] = (u8)i;
    int ns = 0, zrun = 0;
    for (int i = 0; i <= n; i++) {
        int v = -1;
        if (i < n) {
            u8 c = last[i];
            int j = 0;
            while (order[j] != c) j++;
            memmove(order + 1, order, j);
            order[0] = c;
            v = j;
        }
        if (v == 0) { zrun++; continue; }
        while (zrun > 0) {
            zrun--;
            syms[ns++] = (u16)(zrun & 1);
            zrun >>= 1;
        }
        if (v > 0) syms[ns++] = (u16)(v + 1);
    }
    syms[ns++] = 257;              /* end of block */
    u32 freq[258] = {0};
    for (int i = 0; i < ns; i++) freq[syms[i]]++;
    u8 len[258];
    u32 code[258];
    huff_lengths(freq, 258, 15, len);
    huff_codes(len, 258, code);
    bitw w = {out, 0, cap, 0, 0};
    bw_put(&w, (u32)n, 16);
    bw_put(&w, (u32)primary, 16);
    for (int i = 0; i < 258; i++) bw_put(&w, len[i], 4);
    for (int i = 0; i < ns; i++) put_code(&w, code[syms[i]], len[syms[i]]);
    bw_align(&w);
    return w.pos;
}

static long bws_decompress(const u8 *in, size_t nin, u8 *out, size_t cap) {
    static u8 last[MAXIN];
    static int tt[MAXIN];
    bitr r = {in, 0, nin, 0, 0, 0};
    int n = (int)br_get(&r, 16), primary = (int)br_get(&r, 16);
    if (n == 0) return 0;
    if ((size_t)n > cap || primary >= n) return -1;
    u8 len[258];
    for (int i = 0; i < 258; i++) len[i] = (u8)br_get(&r, 4);
    static huff h;
    if (!huff_build(&h, len, 258)) return -1;
    u8 order[256];
    for (int i = 0; i < 256; i++) order[i] = (u8)i;
    int o = 0, run = 0, weight = 1;
    for (;;) {
        int s = huff_decode(&r, &h);
        if (r.err) return -1;
        if (s <= 1) {
            run += (s + 1) * weight;
            weight <<= 1;
            continue;
        }
        if (run) {
            if (o + run > n) return -1;
            memset(last + o, order[0], run);
            o += run;
            run = 0;
        }
        weight = 1;
        if (s == 257) break;
        int j = s - 1;
        u8 c = order[j];
        memmove(order + 1, order, j);
        order[0] = c;
        if (o >= n) return -1;
        last[o++] = c;
    }
    if (o != n) return -1;
    /* inverse BWT via the LF mapping */
    int count[256] = {0}, start[256];
    for (int i = 0; i < n; i++) count[last[i]]++;
    int sum = 0;
    for (int c = 0; c < 256; c++) { start[c] = sum; sum += count[c]; }
    for (int i = 0; i < n; i++) tt[start[last[i]]++] = i;
    int p = tt[primary];
    for (int i = 0; i < n; i++) {
        out[i] = last[p];
        p = tt[p];
    }
    return n;
}

/* ---- LZ4-like ----------------------------------------------------------------------------- */

static int lz4_table[1 << 12];

static u8 *lz4_len(u8 *o, int v) {
    while (v >= 255) { *o++ = 255; v -= 255; }
    *o++ = (u8)v;
    return o;
}

static size_t lz4_compress(const u8 *in, int n, u8 *out) {
    u8 *o = out;
    int anchor = 0, pos = 0;
    for (int i = 0; i < (1 << 12); i++) lz4_table[i] = -1;
    while (pos + 12 <= n) {
        u32 seq;
        memcpy(&seq, in + pos, 4);
        u32 h = (seq * 2654435761u) >> 20;
        int cand = lz4_table[h];
        lz4_table[h] = pos;
        if (cand < 0 || pos - cand > 65535 || memcmp(in + cand, in + pos, 4) != 0) { pos++; continue; }
        int ml = 4;
        while (pos + ml < n - 5 && in[cand + ml] == in[pos + ml]) ml++;
        while (pos > anchor && cand > 0 && in[pos - 1] == in[cand - 1]) { pos--; cand--; ml++; }
        int ll = pos - anchor;
        u8 *tok = o++;
        *tok = (u8)((ll < 15 ? ll : 15) << 4 | (ml - 4 < 15 ? ml - 4 : 15));
        if (ll >= 15) o = lz4_len(o, ll - 15);
        memcpy(o, in + anchor, ll);
        o += ll;
        *o++ = (u8)(pos - cand);
        *o++ = (u8)((pos - cand) >> 8);
        if (ml - 4 >= 15) o = lz4_len(o, ml - 4 - 15);
        pos += ml;
        anchor = pos;
    }
    int ll = n - anchor;
    *o++ = (u8)((ll < 15 ? ll : 15) << 4);
    if (ll >= 15) o = lz4_len(o, ll - 15);
    memcpy(o, in + anchor, ll);
    o += ll;
    return (size_t)(o - out);
}

static long lz4_decompress(const u8 *in, size_t n, u8 *out, size_t cap) {
    size_t i = 0, o = 0;
    while (i < n) {
        u8 tok = in[i++];
        size_t ll = tok >> 4;
        if (ll == 15) {
            u8 b;
            do { if (i >= n) return -1; b = in[i++]; ll += b; } while (b == 255);
        }
        if (i + ll > n || o + ll > cap) return -1;
        memcpy(out + o, in + i, ll);
        i += ll;
        o += ll;
        if (i >= n) break;        /* the last sequence has no match */
        if (i + 2 > n) return -1;
        size_t off = in[i] | in[i + 1] << 8;
        i += 2;
        size_t ml = (tok & 15) + 4;
        if ((tok & 15) == 15) {
            u8 b;
            do { if (i >= n) return -1; b = in[i++]; ml += b; } while (b == 255);
        }
        if (off == 0 || off > o || o + ml > cap) return -1;
        for (size_t k = 0; k < ml; k++) out[o + k] = out[o + k - off];
        o += ml;
    }
    return (long)o;
}

/* ---- data generation ---------------------------------------------------------------------- */

static u64 rs = 0x853c49e6748fea9bULL;
static u32 rnd(void) {
    rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
    u32 x = (u32)(((rs >> 18) ^ rs) >> 27), rot = (u32)(rs >> 59);
    return (x >> rot) | (x << ((32 - rot) & 31));
}

static const char *const vocab[] = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be",
    "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
    "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has",
    "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "compression",
    "entropy", "dictionary", "window", "symbol", "frequency", "Huffman", "range", "coder",
};
static const char *const ckw[] = {"int", "static", "return", "if", "else", "for", "while", "struct",
                                  "const", "unsigned", "void", "char", "sizeof", "break"};

static int gen_text(u8 *p, int n) {
    int i = 0, sentence = 1;
    while (i < n - 16) {
        /* Zipf-like: small indices much more often */
        u32 r = rnd() % 1000;
        int idx = (int)((r * r) / 17000) % (int)(sizeof vocab / sizeof vocab[0]);
        const char *w = vocab[idx];
        int first = 1;
        while (*w && i < n) { char c = *w++; if (first && sentence && c >= 'a' && c <= 'z') c -= 32; p[i++] = (u8)c; first = 0; }
        sentence = 0;
        u32 q = rnd() % 20;
        if (q == 0) { p[i++] = '.'; p[i++] = ' '; sentence = 1; }
        else if (q == 1) { p[i++] = ','; p[i++] = ' '; }
        else if (q == 2) { p[i++] = '.'; p[i++] = '\n'; sentence = 1; }
        else p[i++] = ' ';
    }
    while (i < n) p[i++] = ' ';
    return n;
}

static int gen_source(u8 *p, int n) {
    int i = 0, depth = 0;
    while (i < n - 80) {
        for (int k = 0; k < depth * 4; k++) p[i++] = ' ';
        switch (rnd() % 6) {
        case 0: i += sprintf((char *)p + i, "%s %s x%u = %u;\n", ckw[rnd() % 3], ckw[9], rnd() % 50, rnd() % 1000); break;
        case 1: if (depth < 5) { i += sprintf((char *)p + i, "for (int i = 0; i < n%u; i++) {\n", rnd() % 9); depth++; } break;
        case 2: if (depth > 0) { depth--; i -= 4; i += sprintf((char *)p + i, "}\n"); } break;
        case 3: i += sprintf((char *)p + i, "if (x%u %s y) return %u;\n", rnd() % 50, rnd() % 2 ? "<" : "==", rnd() % 10); break;
        case 4: i += sprintf((char *)p + i, "total += table[i] * %u + (v >> %u);\n", rnd() % 100, rnd() % 16); break;
        default: i += sprintf((char *)p + i, "/* %s %s */\n", vocab[rnd() % 20], vocab[rnd() % 40]); break;
        }
    }
    while (i < n) p[i++] = '\n';
    return n;
}

static int gen_records(u8 *p, int n) {
    int i = 0;
    u32 id = 1000, t = 0;
    while (i + 16 <= n) {
        id += 1 + rnd() % 3;
        t += rnd() % 500;
        u32 v = 100 + rnd() % 50;
        memcpy(p + i, &id, 4);
        memcpy(p + i + 4, &t, 4);
        memcpy(p + i + 8, &v, 4);
        p[i + 12] = (u8)(rnd() % 4);
        p[i + 13] = 0;
        p[i + 14] = 0xff;
        p[i + 15] = (u8)(id & 7);
        i += 16;
    }
    while (i < n) p[i++] = 0;
    return n;
}

static int gen_runs(u8 *p, int n) {
    int i = 0;
    while (i < n) {
        int len = 1 + (int)(rnd() % 300);
        u8 c = (u8)("aaabbc\0\xff"[rnd() % 8]);
        for (int k = 0; k < len && i < n; k++) p[i++] = c;
    }
    return n;
}

static int gen_random(u8 *p, int n) {
    for (int i = 0; i < n; i++) p[i] = (u8)rnd();
    return n;
}

static int gen_mixed(u8 *p, int n) {
    int q = n / 4;
    gen_text(p, q);
    gen_random(p + q, q / 4);
    gen_records(p + q + q / 4, q);
    gen_runs(p + 2 * q + q / 4, q / 2);
    gen_source(p + 2 * q + 3 * q / 4, n - (2 * q + 3 * q / 4));
    return n;
}

/* ---- driver ------------------------------------------------------------------------------- */

static u8 input[MAXIN], comp[OUTCAP], dec[MAXIN + 64];

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    crc_init();
    deflate_tables();
    fixed_tables();
    huff_build(&fixed_lit_h, fixed_lit_len, 288);
    huff_build(&fixed_dist_h, fixed_dist_len, 30);
    static const char *const kinds[] = {"text", "source", "records", "runs", "random", "mixed"};
    long bad = 0;
    u64 in_total = 0, out_total[5] = {0};
    u32 crc_all = 0;
    int n = 12 * 1024;
    for (int r = 0; r < rounds; r++) {
        int kind = r % 6;
        switch (kind) {
        case 0: gen_text(input, n); break;
        case 1: gen_source(input, n); break;
        case 2: gen_records(input, n); break;
        case 3: gen_runs(input, n); break;
        case 4: gen_random(input, n); break;
        default: gen_mixed(input, n); break;
        }
        in_total += (u64)n;
#ifdef DUMP
        printf("I %d ", r);
        for (int k = 0; k < n; k++) printf("%02x", input[k]);
        printf("\n");
#endif
        /* DEFLATE at two settings, decoded by both inflaters */
        for (int level = 0; level < 2; level++) {
            size_t cl = zlib_compress(input, n, comp, OUTCAP, level ? 128 : 8, level, level ? 4096 : 200);
            out_total[level] += cl;
            crc_all = crc_all * 31 + crc32(comp, cl);
#ifdef DUMP
            printf("Z %d %d ", r, level);
            for (size_t k = 0; k < cl; k++) printf("%02x", comp[k]);
            printf("\n");
#endif
            long dl = zlib_inflate_fast(comp, cl, dec, sizeof dec);
            if (dl != n || memcmp(dec, input, n) != 0) bad++;
            memset(dec, 0, 64);
            dl = zlib_inflate_slow(comp, cl, dec, sizeof dec);
            if (dl != n || memcmp(dec, input, n) != 0) bad++;
        }
        size_t cl = lzm_compress(input, n, comp, OUTCAP);
        out_total[2] += cl;
        crc_all = crc_all * 31 + crc32(comp, cl);
        long dl = lzm_decompress(comp, cl, dec, sizeof dec);
        if (dl != n || memcmp(dec, input, n) != 0) bad++;
        cl = bws_compress(input, n, comp, OUTCAP);
        out_total[3] += cl;
        crc_all = crc_all * 31 + crc32(comp, cl);
        dl = bws_decompress(comp, cl, dec, sizeof dec);
        if (dl != n || memcmp(dec, input, n) != 0) bad++;
        cl = lz4_compress(input, n, comp);
        out_total[4] += cl;
        crc_all = crc_all * 31 + crc32(comp, cl);
        dl = lz4_decompress(comp, cl, dec, sizeof dec);
        if (dl != n || memcmp(dec, input, n) != 0) bad++;
        (void)kinds;
    }
    printf("compress: %d rounds, %llu bytes in\n", rounds, (unsigned long long)in_total);
    static const char *const names[] = {"deflate-fast", "deflate-best", "lzma-like", "bwt", "lz4-like"};
    for (int c = 0; c < 5; c++)
        printf("  %-13s %9llu bytes (%.3f)\n", names[c], (unsigned long long)out_total[c],
               in_total ? (double)out_total[c] / (double)in_total : 0.0);
    printf("deflate blocks: stored %ld, fixed %ld, dynamic %ld; lzma-like: %ld literals, %ld matches, "
           "%ld reps, %ld short reps\n", blocks_stored, blocks_fixed, blocks_dynamic, lzm_stats[0],
           lzm_stats[1], lzm_stats[2], lzm_stats[3]);
    printf("round-trip failures %ld, crc %08x\n", bad, crc_all);
    return bad != 0;
}
