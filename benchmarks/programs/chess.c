/* chess: code-heavy — a chess engine on a 0x88 board: FEN parsing and printing, pseudo-legal
 * move generation per piece kind (pawn pushes, double pushes, captures, en passant, four
 * promotions, knight and king steps, bishop/rook/queen rays, castling through unattacked
 * squares), attack detection, make/unmake with an undo stack and incremental Zobrist keys,
 * perft, a static evaluation (material, formula piece-square tables tapered by game phase,
 * mobility, bishop pair, doubled/isolated/passed pawns, rooks on open files, king shelter),
 * and an iterative-deepening alpha-beta search with quiescence, a transposition table,
 * MVV-LVA, killer and history move ordering, null-move pruning, check extensions, mate and
 * repetition/fifty-move draws, plus SAN move names (disambiguation, check and mate marks).
 * A second move generator on bitboards (ray attacks with bit scans, shifted pawn sets,
 * copy-make) must give the same perft counts.
 * Each round runs perft on one of five standard test positions (the node counts are checked
 * against their published values: the program prints "perft mismatches 0"), searches a
 * position and plays a few self-play moves, printing the moves in SAN and the final FEN.
 * argv[1] scales the work (rounds, default 10). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint8_t u8;

enum { EMPTY, PAWN, KNIGHT, BISHOP, ROOK, QUEEN, KING };
#define WHITE 0
#define BLACK 8
#define COLOR(p) ((p) & 8)
#define KIND(p) ((p) & 7)
#define OFFBOARD(sq) ((sq) & 0x88)
#define NO_SQ (-1)

enum { WK = 1, WQ = 2, BK = 4, BQ = 8 };
enum { F_CAPTURE = 1, F_EP = 2, F_CASTLE = 4, F_DOUBLE = 8 };

typedef u32 move;
#define MV(from, to, promo, flags) ((u32)(from) | (u32)(to) << 7 | (u32)(promo) << 14 | (u32)(flags) << 17)
#define FROM(m) ((int)((m) & 127))
#define TO(m) ((int)(((m) >> 7) & 127))
#define PROMO(m) ((int)(((m) >> 14) & 7))
#define FLAGS(m) ((int)(((m) >> 17) & 15))

typedef struct {
    int board[128];
    int side;                   /* WHITE or BLACK */
    int castling, ep, halfmove, fullmove;
    int king[2];
    u64 key;
} position;

typedef struct { move m; int captured, castling, ep, halfmove; u64 key; } undo;

static u64 z_piece[16][128], z_castle[16], z_ep[128], z_side;
static int castle_mask[128];
static const int knight_dirs[8] = {33, 31, 18, 14, -33, -31, -18, -14};
static const int king_dirs[8] = {16, -16, 1, -1, 17, 15, -17, -15};
static const int bishop_dirs[4] = {17, 15, -17, -15};
static const int rook_dirs[4] = {16, -16, 1, -1};

static u64 rs = 0x9e3779b97f4a7c15ULL;
static u64 rnd64(void) {
    u64 z = (rs += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void init_tables(void) {
    for (int p = 0; p < 16; p++)
        for (int sq = 0; sq < 128; sq++) z_piece[p][sq] = rnd64();
    for (int c = 0; c < 16; c++) z_castle[c] = rnd64();
    for (int sq = 0; sq < 128; sq++) z_ep[sq] = rnd64();
    z_side = rnd64();
    for (int sq = 0; sq < 128; sq++) castle_mask[sq] = 15;
    castle_mask[0x00] &= ~WQ;
    castle_mask[0x07] &= ~WK;
    castle_mask[0x04] &= ~(WK | WQ);
    castle_mask[0x70] &= ~BQ;
    castle_mask[0x77] &= ~BK;
    castle_mask[0x74] &= ~(BK | BQ);
}

static u64 compute_key(const position *p) {
    u64 k = 0;
    for (int sq = 0; sq < 128; sq++)
        if (!OFFBOARD(sq) && p->board[sq]) k ^= z_piece[p->board[sq]][sq];
    k ^= z_castle[p->castling];
    if (p->ep != NO_SQ) k ^= z_ep[p->ep];
    if (p->side == BLACK) k ^= z_side;
    return k;
}

/* ---- FEN ---------------------------------------------------------------------------------- */

static int piece_of_char(char c) {
    const char *s = "PNBRQK", *t = "pnbrqk";
    for (int i = 0; i < 6; i++) {
        if (c == s[i]) return (i + 1) | WHITE;
        if (c == t[i]) return (i + 1) | BLACK;
    }
    return -1;
}

static char char_of_piece(int p) { return (COLOR(p) ? " pnbrqk" : " PNBRQK")[KIND(p)]; }

static int parse_fen(position *p, const char *fen) {
    memset(p, 0, sizeof *p);
    int rank = 7, file = 0;
    const char *s = fen;
    for (; *s && *s != ' '; s++) {
        if (*s == '/') { rank--; file = 0; continue; }
        if (*s >= '1' && *s <= '8') { file += *s - '0'; continue; }
        int pc = piece_of_char(*s);
        if (pc < 0 || rank < 0 || file > 7) return -1;
        int sq = rank * 16 + file++;
        p->board[sq] = pc;
        if (KIND(pc) == KING) p->king[COLOR(pc) >> 3] = sq;
    }
    if (*s++ != ' ') return -1;
    p->side = *s == 'b' ? BLACK : WHITE;
    s += 2;
    p->castling = 0;
    for (; *s && *s != ' '; s++) {
        if (*s == 'K') p->castling |= WK;
        if (*s == 'Q') p->castling |= WQ;
        if (*s == 'k') p->castling |= BK;
        if (*s == 'q') p->castling |= BQ;
    }
    s++;
    p->ep = NO_SQ;
    if (*s >= 'a' && *s <= 'h') { p->ep = (s[1] - '1') * 16 + (s[0] - 'a'); s += 2; }
    else s++;
    p->halfmove = 0;
    p->fullmove = 1;
    if (*s == ' ') {
        p->halfmove = atoi(s + 1);
        const char *t = strchr(s + 1, ' ');
        if (t) p->fullmove = atoi(t + 1);
    }
    p->key = compute_key(p);
    return 0;
}

static void to_fen(const position *p, char *out) {
    char *o = out;
    for (int rank = 7; rank >= 0; rank--) {
        int empty = 0;
        for (int file = 0; file < 8; file++) {
            int pc = p->board[rank * 16 + file];
            if (!pc) { empty++; continue; }
            if (empty) { *o++ = (char)('0' + empty); empty = 0; }
            *o++ = char_of_piece(pc);
        }
        if (empty) *o++ = (char)('0' + empty);
        if (rank) *o++ = '/';
    }
    *o++ = ' ';
    *o++ = p->side == WHITE ? 'w' : 'b';
    *o++ = ' ';
    if (!p->castling) *o++ = '-';
    if (p->castling & WK) *o++ = 'K';
    if (p->castling & WQ) *o++ = 'Q';
    if (p->castling & BK) *o++ = 'k';
    if (p->castling & BQ) *o++ = 'q';
    *o++ = ' ';
    if (p->ep == NO_SQ) *o++ = '-';
    else { *o++ = (char)('a' + (p->ep & 7)); *o++ = (char)('1' + (p->ep >> 4)); }
    sprintf(o, " %d %d", p->halfmove, p->fullmove);
}

/* ---- attacks ------------------------------------------------------------------------------ */

static int attacked(const position *p, int sq, int by) {
    const int *b = p->board;
    if (by == WHITE) {
        if (!OFFBOARD(sq - 15) && b[sq - 15] == (PAWN | WHITE)) return 1;
        if (!OFFBOARD(sq - 17) && b[sq - 17] == (PAWN | WHITE)) return 1;
    } else {
        if (!OFFBOARD(sq + 15) && b[sq + 15] == (PAWN | BLACK)) return 1;
        if (!OFFBOARD(sq + 17) && b[sq + 17] == (PAWN | BLACK)) return 1;
    }
    for (int i = 0; i < 8; i++) {
        int t = sq + knight_dirs[i];
        if (!OFFBOARD(t) && b[t] == (KNIGHT | by)) return 1;
        t = sq + king_dirs[i];
        if (!OFFBOARD(t) && b[t] == (KING | by)) return 1;
    }
    for (int i = 0; i < 4; i++) {
        for (int t = sq + bishop_dirs[i]; !OFFBOARD(t); t += bishop_dirs[i]) {
            if (!b[t]) continue;
            if (b[t] == (BISHOP | by) || b[t] == (QUEEN | by)) return 1;
            break;
        }
        for (int t = sq + rook_dirs[i]; !OFFBOARD(t); t += rook_dirs[i]) {
            if (!b[t]) continue;
            if (b[t] == (ROOK | by) || b[t] == (QUEEN | by)) return 1;
            break;
        }
    }
    return 0;
}

static int in_check(const position *p, int side) { return attacked(p, p->king[side >> 3], side ^ 8); }

/* ---- move generation ---------------------------------------------------------------------- */

static int add_pawn_moves(move *list, int n, int from, int to, int flags, int promo_rank, int color) {
    if ((to >> 4) == promo_rank) {
        for (int pr = QUEEN; pr >= KNIGHT; pr--) list[n++] = MV(from, to, pr, flags);
        (void)color;
    } else {
        list[n++] = MV(from, to, 0, flags);
    }
    return n;
}

/* captures_only: captures and promotions (for quiescence) */
static int gen_moves(const position *p, move *list, int captures_only) {
    const int *b = p->board;
    int us = p->side, them = us ^ 8, n = 0;
    int fwd = us == WHITE ? 16 : -16, start_rank = us == WHITE ? 1 : 6, promo_rank = us == WHITE ? 7 : 0;
    for (int from = 0; from < 128; from++) {
        if (OFFBOARD(from)) { from += 7; continue; }
        int pc = b[from];
        if (!pc || COLOR(pc) != us) continue;
        switch (KIND(pc)) {
        case PAWN: {
            int to = from + fwd;
            if (!OFFBOARD(to) && !b[to]) {
                if (!captures_only || (to >> 4) == promo_rank) n = add_pawn_moves(list, n, from, to, 0, promo_rank, us);
                if (!captures_only && (from >> 4) == start_rank && !b[to + fwd]) list[n++] = MV(from, to + fwd, 0, F_DOUBLE);
            }
            for (int side = -1; side <= 1; side += 2) {
                int t = from + fwd + side;
                if (OFFBOARD(t)) continue;
                if (b[t] && COLOR(b[t]) == them) n = add_pawn_moves(list, n, from, t, F_CAPTURE, promo_rank, us);
                else if (t == p->ep) list[n++] = MV(from, t, 0, F_CAPTURE | F_EP);
            }
            break;
        }
        case KNIGHT:
            for (int i = 0; i < 8; i++) {
                int t = from + knight_dirs[i];
                if (OFFBOARD(t)) continue;
                if (!b[t]) { if (!captures_only) list[n++] = MV(from, t, 0, 0); }
                else if (COLOR(b[t]) == them) list[n++] = MV(from, t, 0, F_CAPTURE);
            }
            break;
        case BISHOP: case ROOK: case QUEEN: {
            const int *dirs = KIND(pc) == ROOK ? rook_dirs : bishop_dirs;
            int ndirs = KIND(pc) == QUEEN ? 8 : 4;
            if (KIND(pc) == QUEEN) dirs = king_dirs;
            for (int i = 0; i < ndirs; i++)
                for (int t = from + dirs[i]; !OFFBOARD(t); t += dirs[i]) {
                    if (!b[t]) { if (!captures_only) list[n++] = MV(from, t, 0, 0); continue; }
                    if (COLOR(b[t]) == them) list[n++] = MV(from, t, 0, F_CAPTURE);
                    break;
                }
            break;
        }
        case KING:
            for (int i = 0; i < 8; i++) {
                int t = from + king_dirs[i];
                if (OFFBOARD(t)) continue;
                if (!b[t]) { if (!captures_only) list[n++] = MV(from, t, 0, 0); }
                else if (COLOR(b[t]) == them) list[n++] = MV(from, t, 0, F_CAPTURE);
            }
            if (captures_only) break;
            if (us == WHITE && from == 0x04) {
                if ((p->castling & WK) && !b[5] && !b[6] && b[7] == (ROOK | WHITE) &&
                    !attacked(p, 4, BLACK) && !attacked(p, 5, BLACK) && !attacked(p, 6, BLACK))
                    list[n++] = MV(4, 6, 0, F_CASTLE);
                if ((p->castling & WQ) && !b[3] && !b[2] && !b[1] && b[0] == (ROOK | WHITE) &&
                    !attacked(p, 4, BLACK) && !attacked(p, 3, BLACK) && !attacked(p, 2, BLACK))
                    list[n++] = MV(4, 2, 0, F_CASTLE);
            } else if (us == BLACK && from == 0x74) {
                if ((p->castling & BK) && !b[0x75] && !b[0x76] && b[0x77] == (ROOK | BLACK) &&
                    !attacked(p, 0x74, WHITE) && !attacked(p, 0x75, WHITE) && !attacked(p, 0x76, WHITE))
                    list[n++] = MV(0x74, 0x76, 0, F_CASTLE);
                if ((p->castling & BQ) && !b[0x73] && !b[0x72] && !b[0x71] && b[0x70] == (ROOK | BLACK) &&
                    !attacked(p, 0x74, WHITE) && !attacked(p, 0x73, WHITE) && !attacked(p, 0x72, WHITE))
                    list[n++] = MV(0x74, 0x72, 0, F_CASTLE);
            }
            break;
        }
    }
    return n;
}

/* ---- make / unmake ------------------------------------------------------------------------ */

static void make_move(position *p, move m, undo *u) {
    int from = FROM(m), to = TO(m), flags = FLAGS(m), us = p->side;
    int pc = p->board[from];
    u->m = m;
    u->castling = p->castling;
    u->ep = p->ep;
    u->halfmove = p->halfmove;
    u->key = p->key;
    u->captured = EMPTY;
    u64 k = p->key ^ z_castle[p->castling] ^ z_side;
    if (p->ep != NO_SQ) k ^= z_ep[p->ep];
    if (flags & F_EP) {
        int cs = to + (us == WHITE ? -16 : 16);
        u->captured = p->board[cs];
        k ^= z_piece[p->board[cs]][cs];
        p->board[cs] = EMPTY;
    } else if (p->board[to]) {
        u->captured = p->board[to];
        k ^= z_piece[p->board[to]][to];
    }
    int placed = PROMO(m) ? (PROMO(m) | us) : pc;
    k ^= z_piece[pc][from] ^ z_piece[placed][to];
    p->board[to] = placed;
    p->board[from] = EMPTY;
    if (flags & F_CASTLE) {
        int rf, rt;
        if (to > from) { rf = to + 1; rt = to - 1; }
        else { rf = to - 2; rt = to + 1; }
        int rook = p->board[rf];
        p->board[rt] = rook;
        p->board[rf] = EMPTY;
        k ^= z_piece[rook][rf] ^ z_piece[rook][rt];
    }
    if (KIND(pc) == KING) p->king[us >> 3] = to;
    p->ep = (flags & F_DOUBLE) ? (from + to) / 2 : NO_SQ;
    if (p->ep != NO_SQ) k ^= z_ep[p->ep];
    p->castling &= castle_mask[from] & castle_mask[to];
    k ^= z_castle[p->castling];
    p->halfmove = (KIND(pc) == PAWN || u->captured) ? 0 : p->halfmove + 1;
    if (us == BLACK) p->fullmove++;
    p->side ^= 8;
    p->key = k;
}

static void unmake_move(position *p, const undo *u) {
    move m = u->m;
    int from = FROM(m), to = TO(m), flags = FLAGS(m);
    p->side ^= 8;
    int us = p->side;
    if (us == BLACK) p->fullmove--;
    int placed = p->board[to];
    int pc = PROMO(m) ? (PAWN | us) : placed;
    p->board[from] = pc;
    if (flags & F_EP) {
        p->board[to] = EMPTY;
        p->board[to + (us == WHITE ? -16 : 16)] = u->captured;
    } else {
        p->board[to] = u->captured;
    }
    if (flags & F_CASTLE) {
        int rf, rt;
        if (to > from) { rf = to + 1; rt = to - 1; }
        else { rf = to - 2; rt = to + 1; }
        p->board[rf] = p->board[rt];
        p->board[rt] = EMPTY;
    }
    if (KIND(pc) == KING) p->king[us >> 3] = from;
    p->castling = u->castling;
    p->ep = u->ep;
    p->halfmove = u->halfmove;
    p->key = u->key;
}

/* null move for null-move pruning */
static void make_null(position *p, undo *u) {
    u->ep = p->ep;
    u->key = p->key;
    u->halfmove = p->halfmove;
    u64 k = p->key ^ z_side;
    if (p->ep != NO_SQ) k ^= z_ep[p->ep];
    p->ep = NO_SQ;
    p->side ^= 8;
    p->key = k;
}
static void unmake_null(position *p, const undo *u) {
    p->side ^= 8;
    p->ep = u->ep;
    p->key = u->key;
    p->halfmove = u->halfmove;
}

/* ---- perft -------------------------------------------------------------------------------- */

static u64 perft(position *p, int depth) {
    move list[256];
    int n = gen_moves(p, list, 0);
    u64 nodes = 0;
    for (int i = 0; i < n; i++) {
        undo u;
        make_move(p, list[i], &u);
        if (!in_check(p, p->side ^ 8)) nodes += depth > 1 ? perft(p, depth - 1) : 1;
        unmake_move(p, &u);
    }
    return nodes;
}

/* ---- a second move generator on bitboards (copy-make), cross-checked by perft ------------- */

typedef struct { u64 pc[2][7], occ[2], all; int side, castling, ep; } bpos;   /* side 0/1, ep 0..63 or -1 */

static u64 knight_att[64], king_att[64], pawn_att[2][64], rays[8][64];
static const int ray_df[8] = {0, 0, 1, -1, 1, -1, 1, -1}, ray_dr[8] = {1, -1, 0, 0, 1, 1, -1, -1};
static const int ray_positive[8] = {1, 0, 1, 0, 1, 1, 0, 0};   /* N S E W NE NW SE SW */
static int bb_castle_mask[64];

static void init_bitboards(void) {
    for (int sq = 0; sq < 64; sq++) {
        int r = sq >> 3, f = sq & 7;
        static const int kd[8][2] = {{1, 2}, {2, 1}, {2, -1}, {1, -2}, {-1, -2}, {-2, -1}, {-2, 1}, {-1, 2}};
        for (int i = 0; i < 8; i++) {
            int rr = r + kd[i][0], ff = f + kd[i][1];
            if (rr >= 0 && rr < 8 && ff >= 0 && ff < 8) knight_att[sq] |= 1ULL << (rr * 8 + ff);
            rr = r + ray_dr[i];
            ff = f + ray_df[i];
            if (rr >= 0 && rr < 8 && ff >= 0 && ff < 8) king_att[sq] |= 1ULL << (rr * 8 + ff);
        }
        if (r < 7) {
            if (f > 0) pawn_att[0][sq] |= 1ULL << (sq + 7);
            if (f < 7) pawn_att[0][sq] |= 1ULL << (sq + 9);
        }
        if (r > 0) {
            if (f > 0) pawn_att[1][sq] |= 1ULL << (sq - 9);
            if (f < 7) pawn_att[1][sq] |= 1ULL << (sq - 7);
        }
        for (int d = 0; d < 8; d++)
            for (int rr = r + ray_dr[d], ff = f + ray_df[d]; rr >= 0 && rr < 8 && ff >= 0 && ff < 8; rr += ray_dr[d], ff += ray_df[d])
                rays[d][sq] |= 1ULL << (rr * 8 + ff);
        bb_castle_mask[sq] = 15;
    }
    bb_castle_mask[0] &= ~WQ;
    bb_castle_mask[7] &= ~WK;
    bb_castle_mask[4] &= ~(WK | WQ);
    bb_castle_mask[56] &= ~BQ;
    bb_castle_mask[63] &= ~BK;
    bb_castle_mask[60] &= ~(BK | BQ);
}

static u64 ray_attacks(int d, int sq, u64 occ) {
    u64 ray = rays[d][sq], b = ray & occ;
    if (!b) return ray;
    int s = ray_positive[d] ? __builtin_ctzll(b) : 63 - __builtin_clzll(b);
    return ray ^ rays[d][s];
}
static u64 bishop_att(int sq, u64 occ) { return ray_attacks(4, sq, occ) | ray_attacks(5, sq, occ) | ray_attacks(6, sq, occ) | ray_attacks(7, sq, occ); }
static u64 rook_att(int sq, u64 occ) { return ray_attacks(0, sq, occ) | ray_attacks(1, sq, occ) | ray_attacks(2, sq, occ) | ray_attacks(3, sq, occ); }

static int bb_attacked(const bpos *p, int sq, int by) {
    const u64 *b = p->pc[by];
    if (pawn_att[by ^ 1][sq] & b[PAWN]) return 1;
    if (knight_att[sq] & b[KNIGHT]) return 1;
    if (king_att[sq] & b[KING]) return 1;
    if (bishop_att(sq, p->all) & (b[BISHOP] | b[QUEEN])) return 1;
    if (rook_att(sq, p->all) & (b[ROOK] | b[QUEEN])) return 1;
    return 0;
}

static void bb_from_position(const position *x, bpos *p) {
    memset(p, 0, sizeof *p);
    for (int sq = 0; sq < 128; sq++) {
        if (OFFBOARD(sq) || !x->board[sq]) continue;
        int pc = x->board[sq], s64 = (sq >> 4) * 8 + (sq & 7);
        p->pc[COLOR(pc) >> 3][KIND(pc)] |= 1ULL << s64;
    }
    for (int c = 0; c < 2; c++)
        for (int k = PAWN; k <= KING; k++) p->occ[c] |= p->pc[c][k];
    p->all = p->occ[0] | p->occ[1];
    p->side = x->side >> 3;
    p->castling = x->castling;
    p->ep = x->ep == NO_SQ ? -1 : (x->ep >> 4) * 8 + (x->ep & 7);
}

#define RANK_1 0xffULL
#define RANK_8 (0xffULL << 56)
#define FILE_A 0x0101010101010101ULL
#define FILE_H (FILE_A << 7)

static int bb_add_pawn(move *list, int n, int from, int to, int flags) {
    if ((1ULL << to) & (RANK_1 | RANK_8))
        for (int pr = QUEEN; pr >= KNIGHT; pr--) list[n++] = MV(from, to, pr, flags);
    else list[n++] = MV(from, to, 0, flags);
    return n;
}

static int bb_gen(const bpos *p, move *list) {
    int us = p->side, them = us ^ 1, n = 0;
    u64 own = p->occ[us], opp = p->occ[them], empty = ~p->all, pawns = p->pc[us][PAWN];
    u64 single, dbl, capl, capr;
    int up;
    if (us == 0) {
        up = 8;
        single = (pawns << 8) & empty;
        dbl = ((single & (RANK_1 << 16)) << 8) & empty;
        capl = ((pawns & ~FILE_A) << 7) & opp;
        capr = ((pawns & ~FILE_H) << 9) & opp;
    } else {
        up = -8;
        single = (pawns >> 8) & empty;
        dbl = ((single & (RANK_1 << 40)) >> 8) & empty;
        capl = ((pawns & ~FILE_A) >> 9) & opp;
        capr = ((pawns & ~FILE_H) >> 7) & opp;
    }
    for (u64 b = single; b; b &= b - 1) { int to = __builtin_ctzll(b); n = bb_add_pawn(list, n, to - up, to, 0); }
    for (u64 b = dbl; b; b &= b - 1) { int to = __builtin_ctzll(b); list[n++] = MV(to - 2 * up, to, 0, F_DOUBLE); }
    for (u64 b = capl; b; b &= b - 1) { int to = __builtin_ctzll(b); n = bb_add_pawn(list, n, to - (us == 0 ? 7 : -9), to, F_CAPTURE); }
    for (u64 b = capr; b; b &= b - 1) { int to = __builtin_ctzll(b); n = bb_add_pawn(list, n, to - (us == 0 ? 9 : -7), to, F_CAPTURE); }
    if (p->ep >= 0)
        for (u64 b = pawn_att[them][p->ep] & pawns; b; b &= b - 1) list[n++] = MV(__builtin_ctzll(b), p->ep, 0, F_CAPTURE | F_EP);
    for (int kind = KNIGHT; kind <= KING; kind++)
        for (u64 b = p->pc[us][kind]; b; b &= b - 1) {
            int from = __builtin_ctzll(b);
            u64 t;
            switch (kind) {
            case KNIGHT: t = knight_att[from]; break;
            case BISHOP: t = bishop_att(from, p->all); break;
            case ROOK: t = rook_att(from, p->all); break;
            case QUEEN: t = bishop_att(from, p->all) | rook_att(from, p->all); break;
            default: t = king_att[from]; break;
            }
            t &= ~own;
            for (; t; t &= t - 1) {
                int to = __builtin_ctzll(t);
                list[n++] = MV(from, to, 0, (opp >> to) & 1 ? F_CAPTURE : 0);
            }
        }
    int ksq = __builtin_ctzll(p->pc[us][KING]), base = us ? 56 : 0;
    if (ksq == base + 4) {
        int kbit = us ? BK : WK, qbit = us ? BQ : WQ;
        if ((p->castling & kbit) && !((p->all >> (base + 5)) & 1) && !((p->all >> (base + 6)) & 1) &&
            ((p->pc[us][ROOK] >> (base + 7)) & 1) && !bb_attacked(p, base + 4, them) &&
            !bb_attacked(p, base + 5, them) && !bb_attacked(p, base + 6, them))
            list[n++] = MV(base + 4, base + 6, 0, F_CASTLE);
        if ((p->castling & qbit) && !((p->all >> (base + 1)) & 7) && ((p->pc[us][ROOK] >> base) & 1) &&
            !bb_attacked(p, base + 4, them) && !bb_attacked(p, base + 3, them) && !bb_attacked(p, base + 2, them))
            list[n++] = MV(base + 4, base + 2, 0, F_CASTLE);
    }
    return n;
}

static int bb_kind_at(const bpos *p, int color, int sq) {
    for (int k = PAWN; k <= KING; k++)
        if ((p->pc[color][k] >> sq) & 1) return k;
    return EMPTY;
}

static void bb_make(const bpos *p, move m, bpos *n) {
    *n = *p;
    int us = p->side, them = us ^ 1, from = FROM(m), to = TO(m), flags = FLAGS(m);
    int kind = bb_kind_at(p, us, from);
    u64 fb = 1ULL << from, tb = 1ULL << to;
    n->pc[us][kind] ^= fb;
    n->pc[us][PROMO(m) ? PROMO(m) : kind] |= tb;
    if (flags & F_EP) n->pc[them][PAWN] &= ~(1ULL << (to + (us == 0 ? -8 : 8)));
    else if (flags & F_CAPTURE) n->pc[them][bb_kind_at(p, them, to)] &= ~tb;
    if (flags & F_CASTLE) {
        int rf = to > from ? to + 1 : to - 2, rt = to > from ? to - 1 : to + 1;
        n->pc[us][ROOK] ^= (1ULL << rf) | (1ULL << rt);
    }
    n->castling &= bb_castle_mask[from] & bb_castle_mask[to];
    n->ep = (flags & F_DOUBLE) ? (from + to) / 2 : -1;
    n->side = them;
    for (int c = 0; c < 2; c++) {
        n->occ[c] = 0;
        for (int k = PAWN; k <= KING; k++) n->occ[c] |= n->pc[c][k];
    }
    n->all = n->occ[0] | n->occ[1];
}

static u64 bb_perft(const bpos *p, int depth) {
    move list[256];
    int n = bb_gen(p, list);
    u64 nodes = 0;
    for (int i = 0; i < n; i++) {
        bpos c;
        bb_make(p, list[i], &c);
        if (bb_attacked(&c, __builtin_ctzll(c.pc[p->side][KING]), c.side)) continue;
        nodes += depth > 1 ? bb_perft(&c, depth - 1) : 1;
    }
    return nodes;
}

/* ---- evaluation --------------------------------------------------------------------------- */

static const int value[7] = {0, 100, 320, 330, 500, 900, 20000};
static int pst_mg[7][128], pst_eg[7][128];

static int iabs(int x) { return x < 0 ? -x : x; }

static void init_pst(void) {
    for (int sq = 0; sq < 128; sq++) {
        if (OFFBOARD(sq)) continue;
        int r = sq >> 4, f = sq & 7;
        int center = 6 - (iabs(2 * f - 7) + iabs(2 * r - 7)) / 2;     /* 0 at corners .. 6 in the middle */
        pst_mg[PAWN][sq] = r * 6 + (f >= 2 && f <= 5 ? r * 3 : 0) - (r == 1 && (f == 3 || f == 4) ? 10 : 0);
        pst_eg[PAWN][sq] = r * r * 3;
        pst_mg[KNIGHT][sq] = center * 8 - 20;
        pst_eg[KNIGHT][sq] = center * 6 - 15;
        pst_mg[BISHOP][sq] = center * 4 + (r == f || r + f == 7 ? 8 : 0) - 10;
        pst_eg[BISHOP][sq] = center * 3 - 8;
        pst_mg[ROOK][sq] = (r == 6 ? 15 : 0) + (f == 3 || f == 4 ? 5 : 0);
        pst_eg[ROOK][sq] = r == 6 ? 10 : 0;
        pst_mg[QUEEN][sq] = center * 2 - 5;
        pst_eg[QUEEN][sq] = center * 4 - 10;
        pst_mg[KING][sq] = (r == 0 ? (f <= 2 || f >= 6 ? 20 : 0) : -15 * r);
        pst_eg[KING][sq] = center * 8 - 25;
    }
}

static int mirror(int sq) { return (7 - (sq >> 4)) * 16 + (sq & 7); }

static int mobility(const position *p, int sq, int kind, int color) {
    const int *dirs = kind == ROOK ? rook_dirs : bishop_dirs;
    int nd = 4, count = 0;
    if (kind == QUEEN) { dirs = king_dirs; nd = 8; }
    if (kind == KNIGHT) {
        for (int i = 0; i < 8; i++) {
            int t = sq + knight_dirs[i];
            if (!OFFBOARD(t) && (!p->board[t] || COLOR(p->board[t]) != color)) count++;
        }
        return count;
    }
    for (int i = 0; i < nd; i++)
        for (int t = sq + dirs[i]; !OFFBOARD(t); t += dirs[i]) {
            if (!p->board[t]) { count++; continue; }
            if (COLOR(p->board[t]) != color) count++;
            break;
        }
    return count;
}

static int evaluate(const position *p) {
    int mg[2] = {0, 0}, eg[2] = {0, 0}, phase = 0;
    int pawns_on_file[2][8] = {{0}}, bishops[2] = {0, 0};
    int pawn_min_rank[2][8], pawn_max_rank[2][8];
    for (int c = 0; c < 2; c++)
        for (int f = 0; f < 8; f++) { pawn_min_rank[c][f] = 8; pawn_max_rank[c][f] = -1; }
    for (int sq = 0; sq < 128; sq++) {
        if (OFFBOARD(sq)) { sq += 7; continue; }
        int pc = p->board[sq];
        if (!pc || KIND(pc) != PAWN) continue;
        int c = COLOR(pc) >> 3, f = sq & 7, r = sq >> 4;
        pawns_on_file[c][f]++;
        if (r < pawn_min_rank[c][f]) pawn_min_rank[c][f] = r;
        if (r > pawn_max_rank[c][f]) pawn_max_rank[c][f] = r;
    }
    for (int sq = 0; sq < 128; sq++) {
        if (OFFBOARD(sq)) { sq += 7; continue; }
        int pc = p->board[sq];
        if (!pc) continue;
        int c = COLOR(pc) >> 3, kind = KIND(pc), rel = c ? mirror(sq) : sq, f = sq & 7, r = sq >> 4;
        mg[c] += value[kind] + pst_mg[kind][rel];
        eg[c] += value[kind] + pst_eg[kind][rel];
        switch (kind) {
        case PAWN: {
            int isolated = (f == 0 || !pawns_on_file[c][f - 1]) && (f == 7 || !pawns_on_file[c][f + 1]);
            if (isolated) { mg[c] -= 12; eg[c] -= 18; }
            if (pawns_on_file[c][f] > 1) { mg[c] -= 8; eg[c] -= 16; }
            int passed = 1;
            for (int ff = f - 1; ff <= f + 1; ff++) {
                if (ff < 0 || ff > 7) continue;
                if (c == 0 && pawn_max_rank[1][ff] > r) passed = 0;
                if (c == 1 && pawn_min_rank[0][ff] < r && pawn_min_rank[0][ff] < 8) passed = 0;
            }
            if (passed) {
                int adv = c ? 7 - r : r;
                mg[c] += adv * 5;
                eg[c] += adv * adv * 4;
            }
            break;
        }
        case KNIGHT:
            phase += 1;
            mg[c] += 4 * (mobility(p, sq, KNIGHT, COLOR(pc)) - 4);
            eg[c] += 4 * (mobility(p, sq, KNIGHT, COLOR(pc)) - 4);
            break;
        case BISHOP:
            phase += 1;
            bishops[c]++;
            mg[c] += 5 * (mobility(p, sq, BISHOP, COLOR(pc)) - 6);
            eg[c] += 5 * (mobility(p, sq, BISHOP, COLOR(pc)) - 6);
            break;
        case ROOK:
            phase += 2;
            mg[c] += 2 * (mobility(p, sq, ROOK, COLOR(pc)) - 7);
            eg[c] += 4 * (mobility(p, sq, ROOK, COLOR(pc)) - 7);
            if (!pawns_on_file[c][f]) {
                mg[c] += pawns_on_file[c ^ 1][f] ? 10 : 20;
                eg[c] += 10;
            }
            break;
        case QUEEN:
            phase += 4;
            mg[c] += mobility(p, sq, QUEEN, COLOR(pc)) - 14;
            eg[c] += 2 * (mobility(p, sq, QUEEN, COLOR(pc)) - 14);
            break;
        case KING: {
            /* pawn shelter in front of the king */
            int dir = c ? -16 : 16, shelter = 0;
            for (int df = -1; df <= 1; df++) {
                int t = sq + dir + df;
                if (!OFFBOARD(t) && p->board[t] == (PAWN | COLOR(pc))) shelter++;
                t += dir;
                if (!OFFBOARD(t) && p->board[t] == (PAWN | COLOR(pc))) shelter++;
            }
            mg[c] += shelter * 10;
            break;
        }
        default: break;
        }
    }
    for (int c = 0; c < 2; c++)
        if (bishops[c] >= 2) { mg[c] += 30; eg[c] += 50; }
    if (phase > 24) phase = 24;
    int score = ((mg[0] - mg[1]) * phase + (eg[0] - eg[1]) * (24 - phase)) / 24;
    return p->side == WHITE ? score + 10 : -score + 10;   /* side to move, with a tempo bonus */
}

/* ---- search ------------------------------------------------------------------------------- */

#define MATE 30000
#define INF 32000
#define MAXPLY 64
#define TT_BITS 16

typedef struct { u64 key; move best; int16_t score; int8_t depth; u8 flag; } tt_entry;
enum { TT_EXACT = 1, TT_LOWER = 2, TT_UPPER = 3 };

static tt_entry tt[1 << TT_BITS];
static move killers[MAXPLY][2];
static int history[128][128];
static u64 rep_keys[1024];
static int rep_count;
static long nodes_searched, qnodes, tt_hits, null_cuts;

static int score_move(const position *p, move m, move tt_move, int ply) {
    if (m == tt_move) return 1000000;
    if (FLAGS(m) & F_CAPTURE) {
        int victim = FLAGS(m) & F_EP ? PAWN : KIND(p->board[TO(m)]);
        int attacker = KIND(p->board[FROM(m)]);
        return 100000 + value[victim] * 10 - value[attacker] / 10;
    }
    if (PROMO(m)) return 90000 + PROMO(m);
    if (killers[ply][0] == m) return 80000;
    if (killers[ply][1] == m) return 79000;
    return history[FROM(m)][TO(m)];
}

static void sort_moves(move *list, int *scores, int n) {
    for (int i = 1; i < n; i++) {
        move m = list[i];
        int s = scores[i], j = i - 1;
        while (j >= 0 && scores[j] < s) { list[j + 1] = list[j]; scores[j + 1] = scores[j]; j--; }
        list[j + 1] = m;
        scores[j + 1] = s;
    }
}

static int quiesce(position *p, int alpha, int beta, int ply) {
    qnodes++;
    int stand = evaluate(p);
    if (stand >= beta) return stand;
    if (stand > alpha) alpha = stand;
    if (ply >= MAXPLY - 1) return stand;
    move list[256];
    int scores[256];
    int n = gen_moves(p, list, 1);
    for (int i = 0; i < n; i++) scores[i] = score_move(p, list[i], 0, ply);
    sort_moves(list, scores, n);
    for (int i = 0; i < n; i++) {
        undo u;
        make_move(p, list[i], &u);
        if (in_check(p, p->side ^ 8)) { unmake_move(p, &u); continue; }
        int s = -quiesce(p, -beta, -alpha, ply + 1);
        unmake_move(p, &u);
        if (s >= beta) return s;
        if (s > alpha) alpha = s;
    }
    return alpha;
}

static int is_repetition(const position *p) {
    for (int i = rep_count - 3; i >= 0 && i >= rep_count - 1 - p->halfmove; i -= 2)
        if (rep_keys[i] == p->key) return 1;
    return 0;
}

static int has_non_pawns(const position *p, int side) {
    for (int sq = 0; sq < 128; sq++) {
        if (OFFBOARD(sq)) { sq += 7; continue; }
        int pc = p->board[sq];
        if (pc && COLOR(pc) == side && KIND(pc) != PAWN && KIND(pc) != KING) return 1;
    }
    return 0;
}

static int search(position *p, int depth, int alpha, int beta, int ply, int allow_null) {
    if (ply && (p->halfmove >= 100 || is_repetition(p))) return 0;
    int check = in_check(p, p->side);
    if (check) depth++;
    if (depth <= 0) return quiesce(p, alpha, beta, ply);
    nodes_searched++;
    if (ply >= MAXPLY - 1) return evaluate(p);
    tt_entry *e = &tt[p->key & ((1 << TT_BITS) - 1)];
    move tt_move = 0;
    if (e->key == p->key) {
        tt_hits++;
        tt_move = e->best;
        if (ply && e->depth >= depth) {
            int s = e->score;
            if (e->flag == TT_EXACT) return s;
            if (e->flag == TT_LOWER && s >= beta) return s;
            if (e->flag == TT_UPPER && s <= alpha) return s;
        }
    }
    if (allow_null && !check && depth >= 2 && ply && has_non_pawns(p, p->side) && evaluate(p) >= beta) {
        undo u;
        make_null(p, &u);
        rep_keys[rep_count++] = p->key;
        int s = -search(p, depth - 3, -beta, -beta + 1, ply + 1, 0);
        rep_count--;
        unmake_null(p, &u);
        if (s >= beta) { null_cuts++; return beta; }
    }
    move list[256];
    int scores[256];
    int n = gen_moves(p, list, 0);
    for (int i = 0; i < n; i++) scores[i] = score_move(p, list[i], tt_move, ply);
    sort_moves(list, scores, n);
    int best = -INF, legal = 0, orig_alpha = alpha;
    move best_move = 0;
    for (int i = 0; i < n; i++) {
        undo u;
        make_move(p, list[i], &u);
        if (in_check(p, p->side ^ 8)) { unmake_move(p, &u); continue; }
        legal++;
        rep_keys[rep_count++] = p->key;
        int s;
        if (legal == 1) s = -search(p, depth - 1, -beta, -alpha, ply + 1, 1);
        else {
            s = -search(p, depth - 1, -alpha - 1, -alpha, ply + 1, 1);     /* null window */
            if (s > alpha && s < beta) s = -search(p, depth - 1, -beta, -alpha, ply + 1, 1);
        }
        rep_count--;
        unmake_move(p, &u);
        if (s > best) { best = s; best_move = list[i]; }
        if (s > alpha) alpha = s;
        if (alpha >= beta) {
            if (!(FLAGS(list[i]) & F_CAPTURE)) {
                if (killers[ply][0] != list[i]) { killers[ply][1] = killers[ply][0]; killers[ply][0] = list[i]; }
                history[FROM(list[i])][TO(list[i])] += depth * depth;
                if (history[FROM(list[i])][TO(list[i])] > 50000)
                    for (int a = 0; a < 128; a++) for (int b = 0; b < 128; b++) history[a][b] /= 2;
            }
            break;
        }
    }
    if (!legal) return check ? -MATE + ply : 0;
    e->key = p->key;
    e->best = best_move;
    e->score = (int16_t)best;
    e->depth = (int8_t)depth;
    e->flag = best <= orig_alpha ? TT_UPPER : best >= beta ? TT_LOWER : TT_EXACT;
    return best;
}

static move think(position *p, int max_depth, int *score_out) {
    move best = 0;
    int score = 0;
    for (int d = 1; d <= max_depth; d++) {
        score = search(p, d, -INF, INF, 0, 0);
        tt_entry *e = &tt[p->key & ((1 << TT_BITS) - 1)];
        if (e->key == p->key && e->best) best = e->best;
    }
    *score_out = score;
    return best;
}

/* ---- SAN ---------------------------------------------------------------------------------- */

static int legal_moves(position *p, move *out) {
    move list[256];
    int n = gen_moves(p, list, 0), k = 0;
    for (int i = 0; i < n; i++) {
        undo u;
        make_move(p, list[i], &u);
        if (!in_check(p, p->side ^ 8)) out[k++] = list[i];
        unmake_move(p, &u);
    }
    return k;
}

static void san(position *p, move m, char *out) {
    char *o = out;
    int from = FROM(m), to = TO(m), pc = p->board[from], kind = KIND(pc);
    if (FLAGS(m) & F_CASTLE) {
        strcpy(o, to > from ? "O-O" : "O-O-O");
        o += strlen(o);
    } else {
        if (kind != PAWN) {
            *o++ = " PNBRQK"[kind];
            move legal[256];
            int n = legal_moves(p, legal), same_file = 0, same_rank = 0, other = 0;
            for (int i = 0; i < n; i++) {
                int f2 = FROM(legal[i]);
                if (legal[i] == m || TO(legal[i]) != to || p->board[f2] != pc) continue;
                other = 1;
                if ((f2 & 7) == (from & 7)) same_file = 1;
                if ((f2 >> 4) == (from >> 4)) same_rank = 1;
            }
            if (other) {
                if (!same_file) *o++ = (char)('a' + (from & 7));
                else if (!same_rank) *o++ = (char)('1' + (from >> 4));
                else { *o++ = (char)('a' + (from & 7)); *o++ = (char)('1' + (from >> 4)); }
            }
        } else if (FLAGS(m) & F_CAPTURE) {
            *o++ = (char)('a' + (from & 7));
        }
        if (FLAGS(m) & F_CAPTURE) *o++ = 'x';
        *o++ = (char)('a' + (to & 7));
        *o++ = (char)('1' + (to >> 4));
        if (PROMO(m)) { *o++ = '='; *o++ = " PNBRQK"[PROMO(m)]; }
    }
    undo u;
    make_move(p, m, &u);
    if (in_check(p, p->side)) {
        move replies[256];
        *o++ = legal_moves(p, replies) ? '+' : '#';
    }
    unmake_move(p, &u);
    *o = 0;
}

/* ---- driver ------------------------------------------------------------------------------- */

static const struct { const char *fen; int depth; u64 nodes; } perft_tests[] = {
    {"rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", 3, 8902},
    {"r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1", 2, 2039},
    {"8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1", 4, 43238},
    {"r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1", 3, 9467},
    {"rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8", 2, 1486},
    {"r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1", 1, 48},
    {"rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", 2, 400},
    {"8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1", 3, 2812},
};
#define NPERFT (int)(sizeof perft_tests / sizeof perft_tests[0])

static const char *const game_fens[] = {
    "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
    "r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3",
    "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
    "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1",
    "6k1/5ppp/8/8/8/8/5PPP/3R2K1 w - - 0 1",
    "r1bq1rk1/ppp2ppp/2np1n2/2b1p3/2B1P3/2NP1N2/PPP2PPP/R1BQ1RK1 w - - 0 7",
};
#define NGAMES (int)(sizeof game_fens / sizeof game_fens[0])

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    init_tables();
    init_bitboards();
    init_pst();
    long perft_bad = 0;
    u64 perft_total = 0, h = 0;
    char fen[128], name[16];
    for (int r = 0; r < rounds; r++) {
        position p;
        int t = r % NPERFT;
        parse_fen(&p, perft_tests[t].fen);
        bpos bp;
        bb_from_position(&p, &bp);
        u64 nodes = perft(&p, perft_tests[t].depth);
        u64 bb_nodes = bb_perft(&bp, perft_tests[t].depth);
        perft_total += nodes;
        if (nodes != perft_tests[t].nodes || bb_nodes != nodes) perft_bad++;
        to_fen(&p, fen);
        if (strcmp(fen, perft_tests[t].fen) != 0) perft_bad++;          /* make/unmake restored it */
        if (p.key != compute_key(&p)) perft_bad++;
        /* self-play: a few moves from one of the game positions */
        parse_fen(&p, game_fens[r % NGAMES]);
        memset(tt, 0, sizeof tt);
        memset(killers, 0, sizeof killers);
        memset(history, 0, sizeof history);
        rep_count = 0;
        rep_keys[rep_count++] = p.key;
        if (r < NGAMES) printf("game %d:", r);
        for (int ply = 0; ply < 4; ply++) {
            int score;
            move m = think(&p, 3, &score);
            if (!m) break;
            san(&p, m, name);
            for (char *c = name; *c; c++) h = (h ^ (u8)*c) * 0x100000001b3ULL;
            h = (h ^ (u64)(score & 0xffff)) * 0x100000001b3ULL;
            if (r < NGAMES) printf(" %s(%d)", name, score);
            undo u;
            make_move(&p, m, &u);
            if (p.key != compute_key(&p)) perft_bad++;
            rep_keys[rep_count++] = p.key;
        }
        to_fen(&p, fen);
        if (r < NGAMES) printf("\n  %s\n", fen);
        for (char *c = fen; *c; c++) h = (h ^ (u8)*c) * 0x100000001b3ULL;
    }
    printf("chess: %d rounds, perft nodes %llu, perft mismatches %ld\n", rounds, (unsigned long long)perft_total, perft_bad);
    printf("search nodes %ld, quiescence nodes %ld, tt hits %ld, null-move cuts %ld, hash %016llx\n",
           nodes_searched, qnodes, tt_hits, null_cuts, (unsigned long long)h);
    return perft_bad != 0;
}
