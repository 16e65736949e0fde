/* image: code-heavy — image codecs and filters over generated RGB images (gradients, discs,
 * stripes, checkerboards, noise and blocky "text"):
 *  - a baseline JPEG (JFIF) encoder: fixed-point colour conversion, 4:2:0 chroma averaging,
 *    a fixed-point 8x8 DCT, IJG-scaled quantization at two qualities, zigzag, DC prediction,
 *    run/size coding, Huffman tables optimized from a first pass (with the reserved all-ones
 *    code), byte stuffing; and a decoder that parses the markers (APP0, DQT, SOF0, DHT, SOS,
 *    EOI), decodes the Huffman data, dequantizes, runs the inverse DCT, upsamples and
 *    converts back to RGB; PSNR against the original is printed;
 *  - QOI (index / diff / luma / run / RGB ops) encoder and decoder;
 *  - a LOCO-I-like lossless coder: median edge predictor, 365 gradient contexts with bias
 *    correction, adaptive Golomb-Rice codes with an escape, and a run mode;
 *  - median-cut colour quantization to 16 colours, Floyd-Steinberg dithering, and GIF-style
 *    LZW (variable code width, clear and end codes) encoder and decoder of the indices;
 *  - box blur, Sobel edges, bilinear downscaling and rotation.
 * The lossless codecs must reproduce their input exactly (failures are counted). The JPEG
 * files were checked once with Python's Pillow: they decode, to the same picture (PSNR against
 * the original within about 1 dB of this decoder's, up to 4 dB on the sharpest colour edges,
 * where Pillow interpolates the chroma and this decoder replicates it).
 * argv[1] scales the work (rounds of one 64x48 image, default 10). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef int16_t i16;
typedef uint16_t u16;
typedef int32_t i32;
typedef uint32_t u32;
typedef uint64_t u64;

#define W 64
#define H 48
#define NPIX (W * H)

static u8 img[NPIX * 3], out_img[NPIX * 3];

/* ---- generation --------------------------------------------------------------------------- */

static u64 rs = 0x9e3779b97f4a7c15ULL;
static u32 rnd(void) {
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (u32)(rs >> 16);
}

static u8 clamp255(int v) { return (u8)(v < 0 ? 0 : v > 255 ? 255 : v); }

static void gen_image(int variant) {
    int cx = (int)(rnd() % W), cy = (int)(rnd() % H), rad = 10 + (int)(rnd() % 30);
    int stripe = 4 + (int)(rnd() % 12);
    u8 base[3] = {(u8)rnd(), (u8)rnd(), (u8)rnd()};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            u8 *p = img + 3 * (y * W + x);
            int r = base[0] + x * 2 - y, g = base[1] + y * 2, b = base[2] + (x + y);
            int dx = x - cx, dy = y - cy;
            if (dx * dx + dy * dy < rad * rad) { r = 240 - dx; g = 40 + dy; b = 60; }
            switch (variant % 4) {
            case 0: if ((x / stripe) & 1) { r /= 2; b = 255 - b; } break;
            case 1: if (((x >> 3) ^ (y >> 3)) & 1) { g = 255 - g; } break;
            case 2: r += (int)(rnd() % 32) - 16; g += (int)(rnd() % 32) - 16; b += (int)(rnd() % 32) - 16; break;
            default: break;
            }
            p[0] = clamp255(r);
            p[1] = clamp255(g);
            p[2] = clamp255(b);
        }
    /* blocky "text" in the last variant and a flat band in every image */
    for (int k = 0; k < 20; k++) {
        int tx = (int)(rnd() % (W - 6)), ty = (int)(rnd() % (H - 8));
        u32 glyph = rnd();
        for (int yy = 0; yy < 8; yy++)
            for (int xx = 0; xx < 5; xx++)
                if ((glyph >> ((yy * 5 + xx) % 32)) & 1) {
                    u8 *p = img + 3 * ((ty + yy) * W + tx + xx);
                    p[0] = p[1] = p[2] = variant % 4 == 3 ? 0 : p[0];
                }
    }
    for (int y = H - 10; y < H; y++)
        for (int x = 0; x < W; x++) {
            u8 *p = img + 3 * (y * W + x);
            p[0] = 30; p[1] = 60; p[2] = 90;
        }
}

/* ---- JPEG: tables ------------------------------------------------------------------------- */

static const u8 std_lum_q[64] = {
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const u8 std_chr_q[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

static int zigzag[64];          /* zigzag index -> natural index */
static i32 dct_t[8][8];         /* orthonormal DCT matrix, scaled by 2^12 */

static void jpeg_init(void) {
    int i = 0, x = 0, y = 0;
    for (int s = 0; s < 15; s++) {
        if (s & 1) {
            for (y = s < 8 ? 0 : s - 7; y <= s && y < 8; y++) { x = s - y; zigzag[i++] = y * 8 + x; }
        } else {
            for (x = s < 8 ? 0 : s - 7; x <= s && x < 8; x++) { y = s - x; zigzag[i++] = y * 8 + x; }
        }
    }
    for (int u = 0; u < 8; u++)
        for (int k = 0; k < 8; k++) {
            double c = u == 0 ? sqrt(0.125) : 0.5;
            dct_t[u][k] = (i32)lround(c * cos((2 * k + 1) * u * 3.14159265358979323846 / 16) * 4096);
        }
}

static void scale_quant(const u8 *base, int quality, u16 *q) {
    int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    for (int i = 0; i < 64; i++) {
        int v = (base[i] * scale + 50) / 100;
        q[i] = (u16)(v < 1 ? 1 : v > 255 ? 255 : v);
    }
}

/* ---- JPEG: DCT ---------------------------------------------------------------------------- */

static void fdct(const i32 in[64], i32 out[64]) {
    i32 tmp[64];
    for (int y = 0; y < 8; y++)
        for (int u = 0; u < 8; u++) {
            i32 s = 0;
            for (int x = 0; x < 8; x++) s += dct_t[u][x] * in[y * 8 + x];
            tmp[y * 8 + u] = (s + (1 << 8)) >> 9;              /* scale 2^3 */
        }
    for (int u = 0; u < 8; u++)
        for (int v = 0; v < 8; v++) {
            i32 s = 0;
            for (int y = 0; y < 8; y++) s += dct_t[v][y] * tmp[y * 8 + u];
            out[v * 8 + u] = (s + (1 << 14)) >> 15;            /* back to scale 1 */
        }
}

static void idct(const i32 in[64], i32 out[64]) {
    i32 tmp[64];
    for (int v = 0; v < 8; v++)
        for (int x = 0; x < 8; x++) {
            i32 s = 0;
            for (int u = 0; u < 8; u++) s += dct_t[u][x] * in[v * 8 + u];
            tmp[v * 8 + x] = (s + (1 << 8)) >> 9;
        }
    for (int x = 0; x < 8; x++)
        for (int y = 0; y < 8; y++) {
            i32 s = 0;
            for (int v = 0; v < 8; v++) s += dct_t[v][y] * tmp[v * 8 + x];
            out[y * 8 + x] = (s + (1 << 14)) >> 15;
        }
}

/* ---- JPEG: Huffman tables ----------------------------------------------------------------- */

typedef struct { u8 bits[17]; u8 vals[256]; int nvals; u32 code[256]; u8 size[256]; } htable;

/* lengths <= 16 from frequencies with a reserved symbol 256; canonical JPEG BITS/HUFFVAL */
static void build_htable(const u32 *freq_in, htable *t) {
    u32 freq[257];
    memcpy(freq, freq_in, 256 * sizeof(u32));
    freq[256] = 1;
    int len[257];
    /* plain Huffman by repeated minimum search (257 symbols at most: cheap enough) */
    static u64 w[514];
    static int parent[514];
    int nodes = 0, leaf_of[257], alive[514];
    for (int i = 0; i < 257; i++) {
        len[i] = 0;
        if (freq[i]) { leaf_of[i] = nodes; w[nodes] = freq[i]; alive[nodes] = 1; parent[nodes] = -1; nodes++; }
        else leaf_of[i] = -1;
    }
    int leaves = nodes;
    if (leaves == 1) { len[256] = 1; }
    for (;;) {
        int a = -1, b = -1;
        for (int i = 0; i < nodes; i++) {
            if (!alive[i]) continue;
            if (a < 0 || w[i] < w[a]) { b = a; a = i; }
            else if (b < 0 || w[i] < w[b]) b = i;
        }
        if (b < 0) break;
        w[nodes] = w[a] + w[b];
        alive[a] = alive[b] = 0;
        alive[nodes] = 1;
        parent[nodes] = -1;
        parent[a] = parent[b] = nodes;
        nodes++;
    }
    for (int i = 0; i < 257; i++) {
        if (leaf_of[i] < 0) continue;
        int d = 0;
        for (int n = leaf_of[i]; parent[n] >= 0; n = parent[n]) d++;
        len[i] = d ? d : 1;
    }
    /* limit to 16 bits (the JPEG standard's Figure K.3 adjustment) */
    int count[300] = {0};
    for (int i = 0; i < 257; i++) if (len[i]) count[len[i]]++;
    for (int l = 299; l > 16; l--) {
        while (count[l] > 0) {
            int j = l - 2;
            while (count[j] == 0) j--;
            count[l] -= 2;
            count[l - 1]++;
            count[j + 1] += 2;
            count[j]--;
        }
    }
    /* remove the reserved symbol from the longest length */
    int l = 16;
    while (count[l] == 0) l--;
    count[l]--;
    /* symbols sorted by frequency (descending), stable by value */
    int order[256], n = 0;
    for (int i = 0; i < 256; i++) if (freq[i]) order[n++] = i;
    for (int i = 1; i < n; i++) {
        int s = order[i], j = i - 1;
        while (j >= 0 && freq[order[j]] < freq[s]) { order[j + 1] = order[j]; j--; }
        order[j + 1] = s;
    }
    memset(t->bits, 0, sizeof t->bits);
    int k = 0;
    for (int len2 = 1; len2 <= 16; len2++) {
        t->bits[len2] = (u8)count[len2];
        for (int c = 0; c < count[len2]; c++) { t->vals[k] = (u8)order[k]; k++; }
    }
    t->nvals = k;
    /* canonical codes */
    memset(t->size, 0, sizeof t->size);
    u32 code = 0;
    k = 0;
    for (int len2 = 1; len2 <= 16; len2++) {
        for (int c = 0; c < t->bits[len2]; c++) {
            t->code[t->vals[k]] = code++;
            t->size[t->vals[k]] = (u8)len2;
            k++;
        }
        code <<= 1;
    }
}

/* ---- JPEG: encoder ------------------------------------------------------------------------ */

typedef struct { u8 *buf; size_t pos; u32 acc; int nbits; } jbw;

static void jput_byte(jbw *w, u8 b) { w->buf[w->pos++] = b; }
static void jput_bits(jbw *w, u32 v, int n) {
    for (int i = n - 1; i >= 0; i--) {
        w->acc = (w->acc << 1) | ((v >> i) & 1);
        if (++w->nbits == 8) {
            jput_byte(w, (u8)w->acc);
            if ((u8)w->acc == 0xff) jput_byte(w, 0);
            w->acc = 0;
            w->nbits = 0;
        }
    }
}
static void jflush(jbw *w) { while (w->nbits) jput_bits(w, 1, 1); }
static void jput16(jbw *w, int v) { jput_byte(w, (u8)(v >> 8)); jput_byte(w, (u8)v); }

static int bit_size(int v) {
    if (v < 0) v = -v;
    int s = 0;
    while (v) { s++; v >>= 1; }
    return s;
}

/* quantized blocks of the whole image, in MCU order */
#define NBLOCKS (NPIX / 64 * 3 / 2)
static i16 qblocks[NBLOCKS][64];
static u8 block_comp[NBLOCKS];

static int encode_blocks(int quality, u16 *ql, u16 *qc) {
    static i32 ycc[3][NPIX];
    for (int i = 0; i < NPIX; i++) {
        int r = img[3 * i], g = img[3 * i + 1], b = img[3 * i + 2];
        ycc[0][i] = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
        ycc[1][i] = ((-11059 * r - 21709 * g + 32768 * b + 32768) >> 16) + 128;
        ycc[2][i] = ((32768 * r - 27439 * g - 5329 * b + 32768) >> 16) + 128;
    }
    scale_quant(std_lum_q, quality, ql);
    scale_quant(std_chr_q, quality, qc);
    int nb = 0;
    for (int my = 0; my < H; my += 16)
        for (int mx = 0; mx < W; mx += 16) {
            i32 blk[64], coef[64];
            for (int k = 0; k < 4; k++) {
                int bx = mx + (k & 1) * 8, by = my + (k >> 1) * 8;
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++) blk[y * 8 + x] = ycc[0][(by + y) * W + bx + x] - 128;
                fdct(blk, coef);
                for (int i = 0; i < 64; i++) {
                    int c = coef[zigzag[i]], q = ql[i];
                    qblocks[nb][i] = (i16)(c >= 0 ? (c + q / 2) / q : -((-c + q / 2) / q));
                }
                block_comp[nb++] = 0;
            }
            for (int comp = 1; comp <= 2; comp++) {
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++) {
                        int sx = mx + 2 * x, sy = my + 2 * y;
                        int s = ycc[comp][sy * W + sx] + ycc[comp][sy * W + sx + 1] +
                                ycc[comp][(sy + 1) * W + sx] + ycc[comp][(sy + 1) * W + sx + 1];
                        blk[y * 8 + x] = ((s + 2) >> 2) - 128;
                    }
                fdct(blk, coef);
                for (int i = 0; i < 64; i++) {
                    int c = coef[zigzag[i]], q = qc[i];
                    qblocks[nb][i] = (i16)(c >= 0 ? (c + q / 2) / q : -((-c + q / 2) / q));
                }
                block_comp[nb++] = (u8)comp;
            }
        }
    return nb;
}

/* pass 0 counts symbols, pass 1 writes them */
static void entropy_pass(int nb, int pass, u32 freq[4][256], htable *tabs, jbw *w) {
    int pred[3] = {0, 0, 0};
    for (int b = 0; b < nb; b++) {
        int comp = block_comp[b], dc_t = comp ? 1 : 0, ac_t = comp ? 3 : 2;
        const i16 *c = qblocks[b];
        int diff = c[0] - pred[comp];
        pred[comp] = c[0];
        int s = bit_size(diff);
        if (pass == 0) freq[dc_t][s]++;
        else {
            jput_bits(w, tabs[dc_t].code[s], tabs[dc_t].size[s]);
            if (s) jput_bits(w, (u32)(diff < 0 ? diff + (1 << s) - 1 : diff), s);
        }
        int run = 0;
        for (int i = 1; i < 64; i++) {
            if (!c[i]) { run++; continue; }
            while (run > 15) {
                if (pass == 0) freq[ac_t][0xf0]++;
                else jput_bits(w, tabs[ac_t].code[0xf0], tabs[ac_t].size[0xf0]);
                run -= 16;
            }
            s = bit_size(c[i]);
            int sym = run << 4 | s;
            if (pass == 0) freq[ac_t][sym]++;
            else {
                jput_bits(w, tabs[ac_t].code[sym], tabs[ac_t].size[sym]);
                jput_bits(w, (u32)(c[i] < 0 ? c[i] + (1 << s) - 1 : c[i]), s);
            }
            run = 0;
        }
        if (run) {
            if (pass == 0) freq[ac_t][0]++;
            else jput_bits(w, tabs[ac_t].code[0], tabs[ac_t].size[0]);
        }
    }
}

static size_t jpeg_encode(int quality, u8 *out) {
    u16 ql[64], qc[64];
    int nb = encode_blocks(quality, ql, qc);
    static u32 freq[4][256];
    static htable tabs[4];
    memset(freq, 0, sizeof freq);
    entropy_pass(nb, 0, freq, tabs, 0);
    for (int t = 0; t < 4; t++) build_htable(freq[t], &tabs[t]);
    jbw w = {out, 0, 0, 0};
    jput16(&w, 0xffd8);
    jput16(&w, 0xffe0);
    jput16(&w, 16);
    const u8 app0[] = {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
    for (size_t i = 0; i < sizeof app0; i++) jput_byte(&w, app0[i]);
    jput16(&w, 0xffdb);
    jput16(&w, 2 + 2 * 65);
    jput_byte(&w, 0);
    for (int i = 0; i < 64; i++) jput_byte(&w, (u8)ql[i]);
    jput_byte(&w, 1);
    for (int i = 0; i < 64; i++) jput_byte(&w, (u8)qc[i]);
    jput16(&w, 0xffc0);
    jput16(&w, 17);
    jput_byte(&w, 8);
    jput16(&w, H);
    jput16(&w, W);
    jput_byte(&w, 3);
    const u8 comps[3][3] = {{1, 0x22, 0}, {2, 0x11, 1}, {3, 0x11, 1}};
    for (int c = 0; c < 3; c++) for (int k = 0; k < 3; k++) jput_byte(&w, comps[c][k]);
    for (int t = 0; t < 4; t++) {
        jput16(&w, 0xffc4);
        jput16(&w, 2 + 1 + 16 + tabs[t].nvals);
        jput_byte(&w, (u8)((t >= 2) << 4 | (t & 1)));
        for (int l = 1; l <= 16; l++) jput_byte(&w, tabs[t].bits[l]);
        for (int k = 0; k < tabs[t].nvals; k++) jput_byte(&w, tabs[t].vals[k]);
    }
    jput16(&w, 0xffda);
    jput16(&w, 12);
    jput_byte(&w, 3);
    jput_byte(&w, 1); jput_byte(&w, 0x00);
    jput_byte(&w, 2); jput_byte(&w, 0x11);
    jput_byte(&w, 3); jput_byte(&w, 0x11);
    jput_byte(&w, 0); jput_byte(&w, 63); jput_byte(&w, 0);
    entropy_pass(nb, 1, freq, tabs, &w);
    jflush(&w);
    jput16(&w, 0xffd9);
    return w.pos;
}

/* ---- JPEG: decoder ------------------------------------------------------------------------ */

typedef struct { int mincode[18], maxcode[18], valptr[18]; u8 vals[256]; int present; } dhuff;

typedef struct {
    const u8 *p, *end;
    u32 acc;
    int nbits;
    int err;
} jbr;

static int jget_bit(jbr *r) {
    if (r->nbits == 0) {
        if (r->p >= r->end) { r->err = 1; return 0; }
        u8 b = *r->p++;
        if (b == 0xff) {
            if (r->p < r->end && *r->p == 0) r->p++;
            else { r->err = 1; return 0; }
        }
        r->acc = b;
        r->nbits = 8;
    }
    r->nbits--;
    return (r->acc >> r->nbits) & 1;
}

static int jget_bits(jbr *r, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = (v << 1) | jget_bit(r);
    return v;
}

static int jdecode(jbr *r, const dhuff *h) {
    int code = 0;
    for (int l = 1; l <= 16; l++) {
        code = (code << 1) | jget_bit(r);
        if (h->maxcode[l] >= 0 && code <= h->maxcode[l] && code >= h->mincode[l])
            return h->vals[h->valptr[l] + code - h->mincode[l]];
    }
    r->err = 1;
    return 0;
}

static int extend(int v, int s) { return s && v < (1 << (s - 1)) ? v - (1 << s) + 1 : v; }

static int jpeg_decode(const u8 *data, size_t n, u8 *rgb) {
    u16 qt[4][64];
    dhuff ht[2][4];
    memset(ht, 0, sizeof ht);
    int width = 0, height = 0, ncomp = 0, comp_id[3] = {0}, comp_samp[3] = {0}, comp_q[3] = {0};
    int comp_dc[3] = {0}, comp_ac[3] = {0};
    const u8 *p = data, *end = data + n;
    if (n < 4 || p[0] != 0xff || p[1] != 0xd8) return -1;
    p += 2;
    static i32 planes[3][NPIX];
    while (p + 4 <= end) {
        if (p[0] != 0xff) return -2;
        int marker = p[1];
        int len = p[2] << 8 | p[3];
        const u8 *seg = p + 4, *next = p + 2 + len;
        if (next > end) return -3;
        switch (marker) {
        case 0xdb: {
            const u8 *q = seg;
            while (q < next) {
                int id = q[0] & 3;
                for (int i = 0; i < 64; i++) qt[id][i] = q[1 + i];
                q += 65;
            }
            break;
        }
        case 0xc0:
            height = seg[1] << 8 | seg[2];
            width = seg[3] << 8 | seg[4];
            ncomp = seg[5];
            if (width != W || height != H || ncomp != 3) return -4;
            for (int c = 0; c < 3; c++) {
                comp_id[c] = seg[6 + 3 * c];
                comp_samp[c] = seg[7 + 3 * c];
                comp_q[c] = seg[8 + 3 * c];
            }
            break;
        case 0xc4: {
            const u8 *q = seg;
            while (q < next) {
                int cls = q[0] >> 4, id = q[0] & 3;
                dhuff *h = &ht[cls][id];
                int total = 0, code = 0;
                for (int l = 1; l <= 16; l++) {
                    int cnt = q[l];
                    h->valptr[l] = total;
                    h->mincode[l] = code;
                    h->maxcode[l] = cnt ? code + cnt - 1 : -1;
                    code = (code + cnt) << 1;
                    total += cnt;
                }
                memcpy(h->vals, q + 17, total);
                h->present = 1;
                q += 17 + total;
            }
            break;
        }
        case 0xda: {
            int ns = seg[0];
            for (int k = 0; k < ns; k++) {
                int id = seg[1 + 2 * k], t = seg[2 + 2 * k];
                for (int c = 0; c < 3; c++)
                    if (comp_id[c] == id) { comp_dc[c] = t >> 4; comp_ac[c] = t & 15; }
            }
            jbr r = {next, end, 0, 0, 0};
            int pred[3] = {0, 0, 0};
            for (int my = 0; my < height; my += 16)
                for (int mx = 0; mx < width; mx += 16)
                    for (int c = 0; c < 3; c++) {
                        int hs = comp_samp[c] >> 4, vs = comp_samp[c] & 15;
                        for (int by = 0; by < vs; by++)
                            for (int bx = 0; bx < hs; bx++) {
                                i32 coef[64], pix[64];
                                memset(coef, 0, sizeof coef);
                                const dhuff *dh = &ht[0][comp_dc[c]], *ah = &ht[1][comp_ac[c]];
                                int s = jdecode(&r, dh);
                                int diff = extend(jget_bits(&r, s), s);
                                pred[c] += diff;
                                coef[0] = pred[c] * qt[comp_q[c]][0];
                                for (int i = 1; i < 64;) {
                                    int rs2 = jdecode(&r, ah);
                                    int run = rs2 >> 4, sz = rs2 & 15;
                                    if (sz == 0) {
                                        if (run == 15) { i += 16; continue; }
                                        break;
                                    }
                                    i += run;
                                    if (i > 63) { r.err = 1; break; }
                                    coef[zigzag[i]] = extend(jget_bits(&r, sz), sz) * qt[comp_q[c]][i];
                                    i++;
                                }
                                if (r.err) return -5;
                                idct(coef, pix);
                                int x0 = (mx / (hs == 2 ? 1 : 2)) + bx * 8, y0 = (my / (vs == 2 ? 1 : 2)) + by * 8;
                                int pw = hs == 2 ? width : width / 2;
                                for (int y = 0; y < 8; y++)
                                    for (int x = 0; x < 8; x++) planes[c][(y0 + y) * pw + x0 + x] = pix[y * 8 + x] + 128;
                            }
                    }
            /* skip to the EOI marker */
            p = r.p;
            while (p + 1 < end && !(p[0] == 0xff && p[1] == 0xd9)) p++;
            next = p;
            len = 0;
            break;
        }
        case 0xd9:
            goto done;
        default:
            break;              /* APPn and others: skipped */
        }
        if (marker == 0xda) { if (p + 1 < end && p[1] == 0xd9) break; continue; }
        p = next;
    }
done:
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            int Y = planes[0][y * width + x];
            int cb = planes[1][(y / 2) * (width / 2) + x / 2] - 128;
            int cr = planes[2][(y / 2) * (width / 2) + x / 2] - 128;
            u8 *o = rgb + 3 * (y * width + x);
            o[0] = clamp255(Y + ((91881 * cr + 32768) >> 16));
            o[1] = clamp255(Y - ((22554 * cb + 46802 * cr + 32768) >> 16));
            o[2] = clamp255(Y + ((116130 * cb + 32768) >> 16));
        }
    return 0;
}

/* ---- QOI ---------------------------------------------------------------------------------- */

static size_t qoi_encode(const u8 *px, int w, int h, u8 *out) {
    u8 index[64][4];
    memset(index, 0, sizeof index);
    size_t o = 0;
    out[o++] = 'q'; out[o++] = 'o'; out[o++] = 'i'; out[o++] = 'f';
    for (int s = 24; s >= 0; s -= 8) out[o++] = (u8)(w >> s);
    for (int s = 24; s >= 0; s -= 8) out[o++] = (u8)(h >> s);
    out[o++] = 3;
    out[o++] = 0;
    u8 pr = 0, pg = 0, pb = 0, pa = 255;
    int run = 0, n = w * h;
    for (int i = 0; i < n; i++) {
        u8 r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2], a = 255;
        if (r == pr && g == pg && b == pb && a == pa) {
            run++;
            if (run == 62 || i == n - 1) { out[o++] = (u8)(0xc0 | (run - 1)); run = 0; }
            continue;
        }
        if (run) { out[o++] = (u8)(0xc0 | (run - 1)); run = 0; }
        int h6 = (r * 3 + g * 5 + b * 7 + a * 11) % 64;
        if (index[h6][0] == r && index[h6][1] == g && index[h6][2] == b && index[h6][3] == a) {
            out[o++] = (u8)h6;
        } else {
            index[h6][0] = r; index[h6][1] = g; index[h6][2] = b; index[h6][3] = a;
            signed char vr = (signed char)(r - pr), vg = (signed char)(g - pg), vb = (signed char)(b - pb);
            signed char vgr = (signed char)(vr - vg), vgb = (signed char)(vb - vg);
            if (vr > -3 && vr < 2 && vg > -3 && vg < 2 && vb > -3 && vb < 2) {
                out[o++] = (u8)(0x40 | (vr + 2) << 4 | (vg + 2) << 2 | (vb + 2));
            } else if (vgr > -9 && vgr < 8 && vg > -33 && vg < 32 && vgb > -9 && vgb < 8) {
                out[o++] = (u8)(0x80 | (vg + 32));
                out[o++] = (u8)((vgr + 8) << 4 | (vgb + 8));
            } else {
                out[o++] = 0xfe; out[o++] = r; out[o++] = g; out[o++] = b;
            }
        }
        pr = r; pg = g; pb = b; pa = a;
    }
    for (int k = 0; k < 7; k++) out[o++] = 0;
    out[o++] = 1;
    return o;
}

static int qoi_decode(const u8 *in, size_t n, u8 *px, int w, int h) {
    if (n < 22 || memcmp(in, "qoif", 4) != 0) return -1;
    int ww = in[4] << 24 | in[5] << 16 | in[6] << 8 | in[7], hh = in[8] << 24 | in[9] << 16 | in[10] << 8 | in[11];
    if (ww != w || hh != h) return -1;
    u8 index[64][4];
    memset(index, 0, sizeof index);
    u8 r = 0, g = 0, b = 0, a = 255;
    size_t p = 14;
    int run = 0;
    for (int i = 0; i < w * h; i++) {
        if (run) run--;
        else if (p < n - 8) {
            u8 op = in[p++];
            if (op == 0xfe) { r = in[p++]; g = in[p++]; b = in[p++]; }
            else if (op == 0xff) { r = in[p++]; g = in[p++]; b = in[p++]; a = in[p++]; }
            else switch (op >> 6) {
                case 0: r = index[op][0]; g = index[op][1]; b = index[op][2]; a = index[op][3]; break;
                case 1: r += ((op >> 4) & 3) - 2; g += ((op >> 2) & 3) - 2; b += (op & 3) - 2; break;
                case 2: {
                    int vg = (op & 63) - 32;
                    u8 nx = in[p++];
                    r += vg - 8 + (nx >> 4);
                    g += vg;
                    b += vg - 8 + (nx & 15);
                    break;
                }
                default: run = op & 63; break;
            }
            int h6 = (r * 3 + g * 5 + b * 7 + a * 11) % 64;
            index[h6][0] = r; index[h6][1] = g; index[h6][2] = b; index[h6][3] = a;
        }
        px[3 * i] = r; px[3 * i + 1] = g; px[3 * i + 2] = b;
    }
    return 0;
}

/* ---- LOCO-I-like lossless coder ----------------------------------------------------------- */

typedef struct { u8 *buf; size_t pos; u32 acc; int n; } gbw;
typedef struct { const u8 *buf; size_t pos, len; u32 acc; int n; } gbr;

static void g_put(gbw *w, u32 v, int n) {
    for (int i = n - 1; i >= 0; i--) {
        w->acc = (w->acc << 1) | ((v >> i) & 1);
        if (++w->n == 8) { w->buf[w->pos++] = (u8)w->acc; w->acc = 0; w->n = 0; }
    }
}
static void g_flush(gbw *w) { while (w->n) g_put(w, 0, 1); }
static int g_bit(gbr *r) {
    if (!r->n) { r->acc = r->pos < r->len ? r->buf[r->pos] : 0; r->pos++; r->n = 8; }
    r->n--;
    return (r->acc >> r->n) & 1;
}
static u32 g_get(gbr *r, int n) { u32 v = 0; while (n--) v = (v << 1) | (u32)g_bit(r); return v; }

#define NCTX 365
#define LIMIT 24
typedef struct { int A[NCTX + 2], B[NCTX + 2], C[NCTX + 2], N[NCTX + 2]; int runidx; } loco_state;

static void loco_init(loco_state *s) {
    for (int i = 0; i < NCTX + 2; i++) { s->A[i] = 4; s->B[i] = 0; s->C[i] = 0; s->N[i] = 1; }
    s->runidx = 0;
}

static int quant_grad(int d) {
    if (d <= -21) return -4;
    if (d <= -7) return -3;
    if (d <= -3) return -2;
    if (d < 0) return -1;
    if (d == 0) return 0;
    if (d < 3) return 1;
    if (d < 7) return 2;
    if (d < 21) return 3;
    return 4;
}

static int med(int a, int b, int c) {
    int mx = a > b ? a : b, mn = a < b ? a : b;
    if (c >= mx) return mn;
    if (c <= mn) return mx;
    return a + b - c;
}

static void golomb_put(gbw *w, u32 m, int k) {
    u32 q = m >> k;
    if (q < LIMIT - 9) {
        g_put(w, 0, (int)q);
        g_put(w, 1, 1);
        if (k) g_put(w, m & ((1u << k) - 1), k);
    } else {
        g_put(w, 0, LIMIT - 9);
        g_put(w, 1, 1);
        g_put(w, m, 9);                 /* escape: the value in 9 bits (m < 512) */
    }
}

static u32 golomb_get(gbr *r, int k) {
    u32 q = 0;
    while (!g_bit(r) && q < LIMIT - 9) q++;
    if (q >= LIMIT - 9) return g_get(r, 9);
    return (q << k) | (k ? g_get(r, k) : 0);
}

static const int run_bits[32] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* code one plane (w x h, values 0..255) ; enc != 0: encode from plane, else decode into it */
static void loco_plane(u8 *plane, int w, int h, gbw *wr, gbr *rd, int enc) {
    loco_state st;
    loco_init(&st);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w;) {
            int a = x ? plane[y * w + x - 1] : (y ? plane[(y - 1) * w] : 0);
            int b = y ? plane[(y - 1) * w + x] : a;
            int c = y && x ? plane[(y - 1) * w + x - 1] : b;
            int d = y && x + 1 < w ? plane[(y - 1) * w + x + 1] : b;
            int q1 = quant_grad(d - b), q2 = quant_grad(b - c), q3 = quant_grad(c - a);
            if (q1 == 0 && q2 == 0 && q3 == 0) {
                /* run mode: pixels equal to a */
                int run = 0;
                if (enc) {
                    while (x + run < w && plane[y * w + x + run] == a) run++;
                    int left = run;
                    while (left >= (1 << run_bits[st.runidx])) {
                        g_put(wr, 1, 1);
                        left -= 1 << run_bits[st.runidx];
                        if (st.runidx < 31) st.runidx++;
                    }
                    if (x + run < w) {
                        g_put(wr, 0, 1);
                        if (run_bits[st.runidx]) g_put(wr, (u32)left, run_bits[st.runidx]);
                        if (st.runidx) st.runidx--;
                    } else if (left) {
                        g_put(wr, 0, 1);
                        if (run_bits[st.runidx]) g_put(wr, (u32)left, run_bits[st.runidx]);
                    }
                } else {
                    int remaining = w - x;
                    for (;;) {
                        if (run >= remaining) break;
                        if (g_bit(rd)) {
                            int chunk = 1 << run_bits[st.runidx];
                            run += chunk;
                            if (st.runidx < 31) st.runidx++;
                            if (run >= remaining) { run = remaining; break; }
                        } else {
                            if (run_bits[st.runidx]) run += (int)g_get(rd, run_bits[st.runidx]);
                            if (run < remaining && st.runidx) st.runidx--;
                            if (run > remaining) run = remaining;
                            break;
                        }
                    }
                    for (int k = 0; k < run; k++) plane[y * w + x + k] = (u8)a;
                }
                x += run;
                if (x >= w) break;
                /* the interruption pixel: coded in the regular way with a special context */
                b = y ? plane[(y - 1) * w + x] : a;
                int pred = b;
                int ctx = NCTX + (a == b);
                int k = 0;
                while ((st.N[ctx] << k) < st.A[ctx]) k++;
                if (enc) {
                    int err = plane[y * w + x] - pred;
                    if (err < -128) err += 256;
                    if (err > 127) err -= 256;
                    u32 m = err >= 0 ? (u32)(2 * err) : (u32)(-2 * err - 1);
                    golomb_put(wr, m, k);
                    st.A[ctx] += err < 0 ? -err : err;
                } else {
                    u32 m = golomb_get(rd, k);
                    int err = (m & 1) ? -(int)((m + 1) >> 1) : (int)(m >> 1);
                    plane[y * w + x] = (u8)(pred + err);
                    st.A[ctx] += err < 0 ? -err : err;
                }
                if (++st.N[ctx] >= 64) { st.A[ctx] >>= 1; st.N[ctx] >>= 1; }
                x++;
                continue;
            }
            int sign = 1;
            if (q1 < 0 || (q1 == 0 && (q2 < 0 || (q2 == 0 && q3 < 0)))) { sign = -1; q1 = -q1; q2 = -q2; q3 = -q3; }
            int ctx = (q1 * 9 + q2) * 9 + q3;
            if (ctx > 364) ctx = 364;
            int pred = med(a, b, c) + sign * st.C[ctx];
            pred = pred < 0 ? 0 : pred > 255 ? 255 : pred;
            int k = 0;
            while ((st.N[ctx] << k) < st.A[ctx]) k++;
            int err;
            if (enc) {
                err = (plane[y * w + x] - pred) * sign;
                if (err < -128) err += 256;
                if (err > 127) err -= 256;
                u32 m = err >= 0 ? (u32)(2 * err) : (u32)(-2 * err - 1);
                golomb_put(wr, m, k);
            } else {
                u32 m = golomb_get(rd, k);
                err = (m & 1) ? -(int)((m + 1) >> 1) : (int)(m >> 1);
                plane[y * w + x] = (u8)(pred + sign * err);
            }
            st.B[ctx] += err;
            st.A[ctx] += err < 0 ? -err : err;
            if (++st.N[ctx] >= 64) { st.A[ctx] >>= 1; st.B[ctx] /= 2; st.N[ctx] >>= 1; }
            if (st.B[ctx] <= -st.N[ctx]) { st.B[ctx] += st.N[ctx]; if (st.C[ctx] > -128) st.C[ctx]--; if (st.B[ctx] <= -st.N[ctx]) st.B[ctx] = -st.N[ctx] + 1; }
            else if (st.B[ctx] > 0) { st.B[ctx] -= st.N[ctx]; if (st.C[ctx] < 127) st.C[ctx]++; if (st.B[ctx] > 0) st.B[ctx] = 0; }
            x++;
        }
    }
}

static size_t loco_encode(const u8 *px, u8 *out) {
    static u8 plane[NPIX];
    gbw w = {out, 0, 0, 0};
    for (int ch = 0; ch < 3; ch++) {
        /* colour transform: G, R-G, B-G (mod 256) */
        for (int i = 0; i < NPIX; i++) {
            int g = px[3 * i + 1];
            plane[i] = ch == 0 ? (u8)g : (u8)(px[3 * i + (ch == 1 ? 0 : 2)] - g);
        }
        loco_plane(plane, W, H, &w, 0, 1);
    }
    g_flush(&w);
    return w.pos;
}

static void loco_decode(const u8 *in, size_t n, u8 *px) {
    static u8 plane[3][NPIX];
    gbr r = {in, 0, n, 0, 0};
    for (int ch = 0; ch < 3; ch++) loco_plane(plane[ch], W, H, 0, &r, 0);
    for (int i = 0; i < NPIX; i++) {
        u8 g = plane[0][i];
        px[3 * i] = (u8)(plane[1][i] + g);
        px[3 * i + 1] = g;
        px[3 * i + 2] = (u8)(plane[2][i] + g);
    }
}

/* ---- median cut, dithering, LZW ----------------------------------------------------------- */

static int cut_channel;
static u8 *cut_px;
static int cmp_channel(const void *x, const void *y) {
    int a = cut_px[3 * *(const int *)x + cut_channel], b = cut_px[3 * *(const int *)y + cut_channel];
    if (a != b) return a - b;
    return *(const int *)x - *(const int *)y;
}

static int median_cut(u8 *px, int n, u8 pal[][3], int ncolors) {
    static int idx[NPIX];
    int start[64], len[64], nb = 1;
    for (int i = 0; i < n; i++) idx[i] = i;
    start[0] = 0;
    len[0] = n;
    cut_px = px;
    while (nb < ncolors) {
        int best = -1, best_range = -1, best_ch = 0;
        for (int bx = 0; bx < nb; bx++) {
            if (len[bx] < 2) continue;
            for (int ch = 0; ch < 3; ch++) {
                int mn = 255, mx = 0;
                for (int i = start[bx]; i < start[bx] + len[bx]; i++) {
                    int v = px[3 * idx[i] + ch];
                    if (v < mn) mn = v;
                    if (v > mx) mx = v;
                }
                if (mx - mn > best_range) { best_range = mx - mn; best = bx; best_ch = ch; }
            }
        }
        if (best < 0 || best_range == 0) break;
        cut_channel = best_ch;
        qsort(idx + start[best], len[best], sizeof(int), cmp_channel);
        int half = len[best] / 2;
        start[nb] = start[best] + half;
        len[nb] = len[best] - half;
        len[best] = half;
        nb++;
    }
    for (int bx = 0; bx < nb; bx++) {
        long s[3] = {0, 0, 0};
        for (int i = start[bx]; i < start[bx] + len[bx]; i++)
            for (int ch = 0; ch < 3; ch++) s[ch] += px[3 * idx[i] + ch];
        for (int ch = 0; ch < 3; ch++) pal[bx][ch] = (u8)(s[ch] / (len[bx] ? len[bx] : 1));
    }
    return nb;
}

static void dither(const u8 *px, u8 pal[][3], int ncol, u8 *indices) {
    static int err[2][W + 2][3];
    memset(err, 0, sizeof err);
    for (int y = 0; y < H; y++) {
        int (*cur)[3] = err[y & 1], (*nxt)[3] = err[(y + 1) & 1];
        memset(nxt, 0, sizeof err[0]);
        for (int x = 0; x < W; x++) {
            int want[3];
            for (int ch = 0; ch < 3; ch++) {
                int v = px[3 * (y * W + x) + ch] + cur[x + 1][ch] / 16;
                want[ch] = v < 0 ? 0 : v > 255 ? 255 : v;
            }
            int best = 0, bestd = 1 << 30;
            for (int k = 0; k < ncol; k++) {
                int dr = want[0] - pal[k][0], dg = want[1] - pal[k][1], db = want[2] - pal[k][2];
                int d = dr * dr * 2 + dg * dg * 4 + db * db * 3;
                if (d < bestd) { bestd = d; best = k; }
            }
            indices[y * W + x] = (u8)best;
            for (int ch = 0; ch < 3; ch++) {
                int e = want[ch] - pal[best][ch];
                cur[x + 2][ch] += e * 7;
                nxt[x][ch] += e * 3;
                nxt[x + 1][ch] += e * 5;
                nxt[x + 2][ch] += e;
            }
        }
    }
}

typedef struct { u8 *buf; size_t pos; u32 acc; int n; } lbw;
static void l_put(lbw *w, u32 v, int n) {
    w->acc |= v << w->n;
    w->n += n;
    while (w->n >= 8) { w->buf[w->pos++] = (u8)w->acc; w->acc >>= 8; w->n -= 8; }
}

#define LZW_MAX 4096
static size_t lzw_encode(const u8 *in, int n, int min_bits, u8 *out) {
    static int dict_prefix[LZW_MAX], dict_char[LZW_MAX], hash_code[8192];
    lbw w = {out, 0, 0, 0};
    int clear = 1 << min_bits, eoi = clear + 1, next = eoi + 1, width = min_bits + 1;
    for (int i = 0; i < 8192; i++) hash_code[i] = -1;
    l_put(&w, (u32)clear, width);
    int cur = in[0];
    for (int i = 1; i < n; i++) {
        int c = in[i];
        u32 h = ((u32)cur * 257 + (u32)c) * 2654435761u >> 19;
        int found = -1;
        while (hash_code[h] >= 0) {
            int code = hash_code[h];
            if (dict_prefix[code] == cur && dict_char[code] == c) { found = code; break; }
            h = (h + 1) & 8191;
        }
        if (found >= 0) { cur = found; continue; }
        l_put(&w, (u32)cur, width);
        if (next < LZW_MAX) {
            dict_prefix[next] = cur;
            dict_char[next] = c;
            hash_code[h] = next;
            if (next == (1 << width) && width < 12) width++;
            next++;
        } else {
            l_put(&w, (u32)clear, width);
            for (int k = 0; k < 8192; k++) hash_code[k] = -1;
            next = eoi + 1;
            width = min_bits + 1;
        }
        cur = c;
    }
    l_put(&w, (u32)cur, width);
    if (next == (1 << width) && width < 12) width++;
    l_put(&w, (u32)eoi, width);
    if (w.n) l_put(&w, 0, 8 - w.n);
    return w.pos;
}

static int lzw_decode(const u8 *in, size_t len, int min_bits, u8 *out, int max) {
    static int prefix[LZW_MAX], suffix[LZW_MAX], first[LZW_MAX];
    static u8 stack[LZW_MAX];
    int clear = 1 << min_bits, eoi = clear + 1, next = eoi + 1, width = min_bits + 1;
    u32 acc = 0;
    int nbits = 0, o = 0, prev = -1;
    size_t p = 0;
    for (int i = 0; i < clear; i++) { prefix[i] = -1; suffix[i] = i; first[i] = i; }
    for (;;) {
        while (nbits < width) {
            if (p >= len) return -1;
            acc |= (u32)in[p++] << nbits;
            nbits += 8;
        }
        int code = (int)(acc & ((1u << width) - 1));
        acc >>= width;
        nbits -= width;
        if (code == clear) { next = eoi + 1; width = min_bits + 1; prev = -1; continue; }
        if (code == eoi) break;
        int sp = 0, cur = code;
        if (code > next || (code == next && prev < 0)) return -2;
        if (code == next) { stack[sp++] = (u8)first[prev]; cur = prev; }
        while (cur >= 0) { stack[sp++] = (u8)suffix[cur]; cur = prefix[cur]; }
        if (o + sp > max) return -3;
        while (sp) out[o++] = stack[--sp];
        if (prev >= 0 && next < LZW_MAX) {
            prefix[next] = prev;
            suffix[next] = code == next ? first[prev] : first[code];
            first[next] = first[prev];
            next++;
            if (next == (1 << width) && width < 12) width++;
        }
        prev = code;
    }
    return o;
}

/* ---- filters ------------------------------------------------------------------------------ */

static u32 filters(const u8 *px) {
    static u8 tmp[NPIX * 3], small[NPIX * 3], rot[NPIX * 3];
    u32 h = 2166136261u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < 3; ch++) {
                int s = 0, n = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                        s += px[3 * (yy * W + xx) + ch];
                        n++;
                    }
                tmp[3 * (y * W + x) + ch] = (u8)(s / n);
            }
    for (int y = 1; y < H - 1; y++)
        for (int x = 1; x < W - 1; x++) {
            int g[9];
            for (int k = 0; k < 9; k++) {
                const u8 *q = tmp + 3 * ((y + k / 3 - 1) * W + x + k % 3 - 1);
                g[k] = (q[0] * 77 + q[1] * 150 + q[2] * 29) >> 8;
            }
            int gx = g[2] + 2 * g[5] + g[8] - g[0] - 2 * g[3] - g[6];
            int gy = g[6] + 2 * g[7] + g[8] - g[0] - 2 * g[1] - g[2];
            int m = (gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy);
            h = (h ^ (u32)(m > 255 ? 255 : m)) * 16777619u;
        }
    int sw = W * 2 / 3, sh = H * 2 / 3;
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            int fx = (x * (W - 1) << 8) / (sw - 1), fy = (y * (H - 1) << 8) / (sh - 1);
            int x0 = fx >> 8, y0 = fy >> 8, ax = fx & 255, ay = fy & 255;
            int x1 = x0 + 1 < W ? x0 + 1 : x0, y1 = y0 + 1 < H ? y0 + 1 : y0;
            for (int ch = 0; ch < 3; ch++) {
                int p00 = px[3 * (y0 * W + x0) + ch], p01 = px[3 * (y0 * W + x1) + ch];
                int p10 = px[3 * (y1 * W + x0) + ch], p11 = px[3 * (y1 * W + x1) + ch];
                int top = p00 * (256 - ax) + p01 * ax, bot = p10 * (256 - ax) + p11 * ax;
                small[3 * (y * sw + x) + ch] = (u8)((top * (256 - ay) + bot * ay + (1 << 15)) >> 16);
            }
        }
    for (int i = 0; i < sw * sh * 3; i++) h = (h ^ small[i]) * 16777619u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < 3; ch++) rot[3 * (x * H + (H - 1 - y)) + ch] = px[3 * (y * W + x) + ch];
    for (int i = 0; i < NPIX * 3; i += 7) h = (h ^ rot[i]) * 16777619u;
    return h;
}

/* ---- driver ------------------------------------------------------------------------------- */

static u32 crc_tab[256];
static u32 crc32(const u8 *p, size_t n) {
    u32 c = 0xffffffffu;
    while (n--) c = crc_tab[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_tab[i] = c;
    }
    jpeg_init();
    static u8 buf[NPIX * 8], indices[NPIX], indices2[NPIX];
    long fails = 0, sizes[6] = {0};
    double psnr_sum[2] = {0, 0};
    u32 crc = 0, fh = 0;
    for (int r = 0; r < rounds; r++) {
        gen_image(r);
        for (int qi = 0; qi < 2; qi++) {
            size_t n = jpeg_encode(qi ? 90 : 50, buf);
            sizes[qi] += (long)n;
            crc = crc * 33 + crc32(buf, n);
#ifdef DUMP
            if (r < 8) {
                char name[64];
                sprintf(name, "/tmp/cb/img%d_%d.jpg", r, qi);
                FILE *f = fopen(name, "wb"); fwrite(buf, 1, n, f); fclose(f);
            }
#endif
            if (jpeg_decode(buf, n, out_img) != 0) { fails++; continue; }
#ifdef DUMP
            if (r < 8) {
                char name[64];
                sprintf(name, "/tmp/cb/img%d_%d.ppm", r, qi);
                FILE *f = fopen(name, "wb"); fprintf(f, "P6\n%d %d\n255\n", W, H); fwrite(out_img, 1, NPIX * 3, f); fclose(f);
            }
#endif
            u64 se = 0;
            for (int i = 0; i < NPIX * 3; i++) { int d = img[i] - out_img[i]; se += (u64)(d * d); }
            double mse = (double)se / (NPIX * 3);
            psnr_sum[qi] += mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99;
        }
        size_t n = qoi_encode(img, W, H, buf);
        sizes[2] += (long)n;
        crc = crc * 33 + crc32(buf, n);
        memset(out_img, 0, sizeof out_img);
        if (qoi_decode(buf, n, out_img, W, H) != 0 || memcmp(out_img, img, NPIX * 3) != 0) fails++;
        n = loco_encode(img, buf);
        sizes[3] += (long)n;
        crc = crc * 33 + crc32(buf, n);
        memset(out_img, 0, sizeof out_img);
        loco_decode(buf, n, out_img);
        if (memcmp(out_img, img, NPIX * 3) != 0) fails++;
        u8 pal[64][3];
        int ncol = median_cut(img, NPIX, pal, 16);
        dither(img, pal, ncol, indices);
        n = lzw_encode(indices, NPIX, 4, buf);
        sizes[4] += (long)n;
        crc = crc * 33 + crc32(buf, n);
        int dn = lzw_decode(buf, n, 4, indices2, NPIX);
        if (dn != NPIX || memcmp(indices, indices2, NPIX) != 0) fails++;
        fh = fh * 31 + filters(img);
    }
    printf("image: %d rounds of %dx%d\n", rounds, W, H);
    printf("  jpeg q50 %ld bytes, mean PSNR %.2f dB\n", sizes[0], rounds ? psnr_sum[0] / rounds : 0);
    printf("  jpeg q90 %ld bytes, mean PSNR %.2f dB\n", sizes[1], rounds ? psnr_sum[1] / rounds : 0);
    printf("  qoi %ld bytes, loco %ld bytes, lzw(16 colours) %ld bytes\n", sizes[2], sizes[3], sizes[4]);
    printf("failures %ld, crc %08x, filters %08x\n", fails, crc, fh);
    return fails != 0;
}
