/* sim_deflate.c - zlib streams of one literal-only dynamic Huffman block (see sim_deflate.h). */
#include "sim/sim_deflate.h"

#include <libdeflate.h>
#include <string.h>

#define N_LITLEN         257 /* literals 0..255 and end-of-block; no length codes are used */
#define N_DIST           2   /* two unused distance codes of length 1: a complete (if idle) tree */
#define N_CODELEN        19
#define MAX_BITS         15
#define MAX_CODELEN_BITS 7
#define STORED_MAX       65535

/* Order in which code-length code lengths are sent (RFC 1951, 3.2.7). */
static const uint8_t codelen_order[N_CODELEN] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                 11, 4,  12, 3, 13, 2, 14, 1, 15};

size_t sim_zlib_bound(size_t n)
{
    size_t blocks = n / STORED_MAX + 1;
    return 2 + n + 5 * blocks + 4 + 8; /* header, stored data, block headers, adler, slack */
}

/* ---- Huffman code lengths ------------------------------------------------------------------ */

/* Code lengths for freq[0..n) (n <= N_LITLEN), at most max_bits long.  Symbols with frequency 0
 * get length 0; at least two symbols must be used.  Lengths come from a two-queue Huffman
 * construction over the symbols sorted by (frequency, symbol); if the tree is too deep, the
 * frequencies are halved (rounding up, so no used symbol disappears) and the tree rebuilt,
 * which flattens it until it fits. */
static void huffman_lengths(const uint32_t *freq_in, int n, int max_bits, uint8_t *len)
{
    uint32_t freq[N_LITLEN];
    memcpy(freq, freq_in, (size_t)n * sizeof *freq);
    for (;;) {
        /* Leaves sorted by (frequency, symbol): keys sorted by a bottom-up merge sort (the
         * tables are built twice per array, so a quadratic sort would show in the profile). */
        uint64_t key[N_LITLEN], tmp[N_LITLEN];
        int m = 0;
        for (int s = 0; s < n; s++)
            if (freq[s]) key[m++] = (uint64_t)freq[s] << 16 | (uint64_t)s;
        if (m < 2) { /* degenerate: a lone symbol still needs a 1-bit code */
            memset(len, 0, (size_t)n);
            if (m == 1) len[key[0] & 0xffff] = 1;
            return;
        }
        uint64_t *a = key, *b = tmp;
        for (int width = 1; width < m; width *= 2) {
            for (int lo = 0; lo < m; lo += 2 * width) {
                int mid = lo + width < m ? lo + width : m;
                int hi = lo + 2 * width < m ? lo + 2 * width : m;
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi)
                    b[k++] = a[i] <= a[j] ? a[i++] : a[j++];
                while (i < mid)
                    b[k++] = a[i++];
                while (j < hi)
                    b[k++] = a[j++];
            }
            uint64_t *t = a;
            a = b;
            b = t;
        }
        int sym[N_LITLEN];
        for (int i = 0; i < m; i++)
            sym[i] = (int)(a[i] & 0xffff);
        /* Nodes 0..m-1 are the sorted leaves, m.. the internal nodes in creation order. */
        uint64_t weight[2 * N_LITLEN];
        int parent[2 * N_LITLEN];
        for (int i = 0; i < m; i++)
            weight[i] = freq[sym[i]];
        int leaf = 0, inner = m, next = m;
        for (int k = 0; k < m - 1; k++) {
            int pick[2];
            for (int t = 0; t < 2; t++) {
                if (leaf < m && (inner >= next || weight[leaf] <= weight[inner]))
                    pick[t] = leaf++;
                else
                    pick[t] = inner++;
            }
            weight[next] = weight[pick[0]] + weight[pick[1]];
            parent[pick[0]] = parent[pick[1]] = next;
            next++;
        }
        int depth[2 * N_LITLEN];
        depth[next - 1] = 0;
        int deepest = 0;
        for (int i = next - 2; i >= 0; i--) {
            depth[i] = depth[parent[i]] + 1;
            if (i < m && depth[i] > deepest) deepest = depth[i];
        }
        if (deepest <= max_bits) {
            memset(len, 0, (size_t)n);
            for (int i = 0; i < m; i++)
                len[sym[i]] = (uint8_t)depth[i];
            return;
        }
        for (int s = 0; s < n; s++)
            freq[s] = (freq[s] + 1) / 2;
    }
}

/* Canonical codes (RFC 1951, 3.2.2), bit-reversed because deflate sends codes MSB first into an
 * LSB-first bit stream. */
static void canonical_codes(const uint8_t *len, int n, uint16_t *code)
{
    uint16_t count[MAX_BITS + 1] = {0}, next[MAX_BITS + 1];
    for (int s = 0; s < n; s++)
        count[len[s]]++;
    count[0] = 0;
    uint16_t c = 0;
    for (int b = 1; b <= MAX_BITS; b++) {
        c = (uint16_t)((c + count[b - 1]) << 1);
        next[b] = c;
    }
    for (int s = 0; s < n; s++) {
        if (!len[s]) {
            code[s] = 0;
            continue;
        }
        uint16_t v = next[len[s]]++, r = 0;
        for (int b = 0; b < len[s]; b++)
            r = (uint16_t)(r << 1 | ((v >> b) & 1));
        code[s] = r;
    }
}

/* ---- bit output ---------------------------------------------------------------------------- */

typedef struct bits {
    uint8_t *out;
    uint64_t buf;
    unsigned count;
} bits;

static inline void put_bits(bits *b, uint32_t v, unsigned n)
{
    b->buf |= (uint64_t)v << b->count;
    b->count += n;
    if (b->count >= 32) {
        uint32_t w = (uint32_t)b->buf;
        b->out[0] = (uint8_t)w;
        b->out[1] = (uint8_t)(w >> 8);
        b->out[2] = (uint8_t)(w >> 16);
        b->out[3] = (uint8_t)(w >> 24);
        b->out += 4;
        b->buf >>= 32;
        b->count -= 32;
    }
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 8);
#else
    for (int k = 0; k < 8; k++)
        p[k] = (uint8_t)(v >> (8 * k));
#endif
}

static void flush_bits(bits *b)
{
    while (b->count > 0) {
        *b->out++ = (uint8_t)b->buf;
        b->buf >>= 8;
        b->count = b->count > 8 ? b->count - 8 : 0;
    }
}

/* ---- the stream ---------------------------------------------------------------------------- */

static void histogram(const uint8_t *src, size_t n, uint32_t *freq)
{
    /* Four tables so that runs of equal bytes do not serialize on one counter. */
    uint32_t h[4][256];
    memset(h, 0, sizeof h);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        h[0][src[i]]++;
        h[1][src[i + 1]]++;
        h[2][src[i + 2]]++;
        h[3][src[i + 3]]++;
    }
    for (; i < n; i++)
        h[0][src[i]]++;
    for (int s = 0; s < 256; s++)
        freq[s] = h[0][s] + h[1][s] + h[2][s] + h[3][s];
}

/* The histogram of every fourth 64-byte block, scaled to the whole, plus one for every byte value
 * (so that each has a code whether the sample saw it or not). */
static void sampled_histogram(const uint8_t *src, size_t n, uint32_t *freq)
{
    uint32_t h[4][256];
    memset(h, 0, sizeof h);
    for (size_t b = 0; b + 64 <= n; b += 256)
        for (size_t i = b; i < b + 64; i += 4) {
            h[0][src[i]]++;
            h[1][src[i + 1]]++;
            h[2][src[i + 2]]++;
            h[3][src[i + 3]]++;
        }
    for (int s = 0; s < 256; s++)
        freq[s] = 4 * (h[0][s] + h[1][s] + h[2][s] + h[3][s]) + 1;
}

static uint8_t *put_stored(const uint8_t *src, size_t n, uint8_t *out)
{
    do {
        size_t take = n < STORED_MAX ? n : STORED_MAX;
        *out++ = take == n ? 1 : 0; /* BFINAL, BTYPE 00, padding to the byte */
        out[0] = (uint8_t)take;
        out[1] = (uint8_t)(take >> 8);
        out[2] = (uint8_t)~take;
        out[3] = (uint8_t)(~take >> 8);
        out += 4;
        memcpy(out, src, take);
        out += take;
        src += take;
        n -= take;
    } while (n > 0);
    return out;
}

/* sampled: code lengths from sampled_histogram (arrays of 16 KiB and more); the encoding is then
 * watched and replaced by stored blocks should it outgrow them (the estimate can be wrong). */
static size_t compress(const uint8_t *src, size_t n, uint8_t *dst, int sampled)
{
    uint8_t *out = dst;
    *out++ = 0x78; /* deflate, 32 KiB window */
    *out++ = 0x01; /* fastest compression level, no dictionary; (0x78 << 8 | 0x01) % 31 == 0 */

    uint32_t freq[N_LITLEN];
    sampled = sampled && n >= 16384;
    if (sampled)
        sampled_histogram(src, n, freq);
    else
        histogram(src, n, freq);
    freq[256] = 1; /* end of block */
    /* A complete code needs two symbols: pretend a byte value that never occurs was seen. */
    int used = 0;
    for (int s = 0; s < 256; s++)
        used += freq[s] != 0;
    if (used == 0) freq[0] = 1;

    uint8_t lens[N_LITLEN + N_DIST];
    huffman_lengths(freq, N_LITLEN, MAX_BITS, lens);
    lens[N_LITLEN] = lens[N_LITLEN + 1] = 1;
    uint32_t cl_freq[N_CODELEN] = {0};
    for (int i = 0; i < N_LITLEN + N_DIST; i++)
        cl_freq[lens[i]]++;
    uint8_t cl_len[N_CODELEN];
    huffman_lengths(cl_freq, N_CODELEN, MAX_CODELEN_BITS, cl_len);
    int n_cl = N_CODELEN;
    while (n_cl > 4 && cl_len[codelen_order[n_cl - 1]] == 0)
        n_cl--;

    uint64_t nbits = 3 + 5 + 5 + 4 + 3 * (uint64_t)n_cl;
    for (int i = 0; i < N_LITLEN + N_DIST; i++)
        nbits += cl_len[lens[i]];
    for (int s = 0; s < N_LITLEN; s++)
        nbits += (uint64_t)freq[s] * lens[s];
    size_t stored = n + 5 * (n / STORED_MAX + 1);
    if ((nbits + 7) / 8 >= stored) {
        out = put_stored(src, n, out);
    } else {
        uint16_t code[N_LITLEN], cl_code[N_CODELEN];
        canonical_codes(lens, N_LITLEN, code);
        canonical_codes(cl_len, N_CODELEN, cl_code);
        bits b = {out, 0, 0};
        put_bits(&b, 1, 1); /* BFINAL */
        put_bits(&b, 2, 2); /* BTYPE 10: dynamic Huffman */
        put_bits(&b, N_LITLEN - 257, 5);
        put_bits(&b, N_DIST - 1, 5);
        put_bits(&b, (uint32_t)(n_cl - 4), 4);
        for (int i = 0; i < n_cl; i++)
            put_bits(&b, cl_len[codelen_order[i]], 3);
        for (int i = 0; i < N_LITLEN + N_DIST; i++)
            put_bits(&b, cl_code[lens[i]], cl_len[lens[i]]);
        /* Code and length packed in one word: one table load per byte. */
        uint32_t enc[256];
        unsigned max_len = 0;
        for (int s = 0; s < 256; s++) {
            enc[s] = code[s] | (uint32_t)lens[s] << 16;
            if (lens[s] > max_len) max_len = lens[s];
        }
        /* The hot loop keeps fewer than 8 bits pending between groups, adds four codes (three
         * when one may be 15 bits long: 7 + 4 * 15 would not fit), stores the 64-bit container
         * whole and advances by its complete bytes.  The stores overhang by up to 7 bytes,
         * which the bound's slack covers. */
        while (b.count >= 8) {
            *b.out++ = (uint8_t)b.buf;
            b.buf >>= 8;
            b.count -= 8;
        }
        uint8_t *o = b.out;
        uint64_t buf = b.buf;
        unsigned cnt = b.count;
        size_t i = 0;
        /* With sampled codes (which may be wrong for the rest), each step codes no more input
         * than the room left in dst could take at 15 bits a byte; when that room is nearly gone
         * the block is redone stored, which always fits. */
        uint8_t *const end = dst + sim_zlib_bound(n) - 4 - 16; /* adler, end code and slack */
#define SIM_PUT(e)                                                                                 \
    do {                                                                                           \
        buf |= (uint64_t)((e)&0xffff) << cnt;                                                      \
        cnt += (e) >> 16;                                                                          \
    } while (0)
#define SIM_STORE()                                                                                \
    do {                                                                                           \
        store_le64(o, buf);                                                                        \
        o += cnt >> 3;                                                                             \
        buf >>= cnt & ~7u;                                                                         \
        cnt &= 7;                                                                                  \
    } while (0)
        while (i + 4 <= n) {
            size_t chunk = 4096;
            if (sampled) {
                const size_t room = o < end ? (size_t)(end - o) : 0;
                if (room / 15 * 8 < chunk) chunk = room / 15 * 8 / 4 * 4;
                if (chunk < 64 && n - i > chunk) {
                    out = put_stored(src, n, dst + 2);
                    goto adler;
                }
            }
            const size_t lim = n - i > chunk ? i + chunk : n;
            if (max_len <= 14) {
                for (; i + 4 <= lim; i += 4) {
                    SIM_PUT(enc[src[i]]);
                    SIM_PUT(enc[src[i + 1]]);
                    SIM_PUT(enc[src[i + 2]]);
                    SIM_PUT(enc[src[i + 3]]);
                    SIM_STORE();
                }
            } else {
                for (; i + 3 <= lim; i += 3) {
                    SIM_PUT(enc[src[i]]);
                    SIM_PUT(enc[src[i + 1]]);
                    SIM_PUT(enc[src[i + 2]]);
                    SIM_STORE();
                }
            }
            if (lim == n) break;
        }
#undef SIM_PUT
#undef SIM_STORE
        b.out = o;
        b.buf = buf;
        b.count = cnt;
        for (; i < n; i++)
            put_bits(&b, enc[src[i]] & 0xffff, enc[src[i]] >> 16);
        put_bits(&b, code[256], lens[256]);
        flush_bits(&b);
        out = b.out;
    }
adler:;
    uint32_t adler = libdeflate_adler32(1, src, n);
    out[0] = (uint8_t)(adler >> 24);
    out[1] = (uint8_t)(adler >> 16);
    out[2] = (uint8_t)(adler >> 8);
    out[3] = (uint8_t)adler;
    return (size_t)(out + 4 - dst);
}

size_t sim_zlib_compress(const uint8_t *src, size_t n, uint8_t *dst)
{
    return compress(src, n, dst, 0);
}

size_t sim_zlib_compress_sampled(const uint8_t *src, size_t n, uint8_t *dst)
{
    return compress(src, n, dst, 1);
}
