/* sha1.c - SHA-1 (FIPS 180-4) for mzML's fileChecksum.
 *
 * The checksum covers every byte of a file that may be 100 GB, so the hash is on the critical path
 * of both the simulator (which writes it) and the reader (which verifies it).  On x86-64 CPUs with
 * the SHA extensions the block function uses them (about 3x the portable code); elsewhere a plain
 * unrolled C version runs.  Both produce identical digests; the choice is made once per process
 * from CPUID. */
#include "io/sha1.h"

#include <string.h>

/* LV_SHA1_NO_SHANI builds only the portable code (toolchains without the intrinsics). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(LV_SHA1_NO_SHANI)
#define LV_SHA1_HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#endif

static inline uint32_t rol32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- portable block function ------------------------------------------------------------- */

/* The 80-word schedule lives in a 16-word ring: w[t & 15] is overwritten by W[t] once t >= 16. */
#define SHA1_W(t)                                                                                  \
    (w[(t)&15] = rol32(w[((t) + 13) & 15] ^ w[((t) + 8) & 15] ^ w[((t) + 2) & 15] ^ w[(t)&15], 1))

#define SHA1_ROUND(a, b, c, d, e, f, k, wt)                                                        \
    do {                                                                                           \
        e += rol32(a, 5) + (f) + (k) + (wt);                                                       \
        b = rol32(b, 30);                                                                          \
    } while (0)

#define F0(b, c, d) (d ^ (b & (c ^ d)))
#define F1(b, c, d) (b ^ c ^ d)
#define F2(b, c, d) ((b & c) | (d & (b | c)))

#define R0(a, b, c, d, e, t)  SHA1_ROUND(a, b, c, d, e, F0(b, c, d), 0x5a827999u, w[t])
#define R0W(a, b, c, d, e, t) SHA1_ROUND(a, b, c, d, e, F0(b, c, d), 0x5a827999u, SHA1_W(t))
#define R1(a, b, c, d, e, t)  SHA1_ROUND(a, b, c, d, e, F1(b, c, d), 0x6ed9eba1u, SHA1_W(t))
#define R2(a, b, c, d, e, t)  SHA1_ROUND(a, b, c, d, e, F2(b, c, d), 0x8f1bbcdcu, SHA1_W(t))
#define R3(a, b, c, d, e, t)  SHA1_ROUND(a, b, c, d, e, F1(b, c, d), 0xca62c1d6u, SHA1_W(t))

/* Five rounds with the register roles rotated, so no moves are needed between rounds. */
#define SHA1_FIVE(R, t)                                                                            \
    do {                                                                                           \
        R(a, b, c, d, e, (t));                                                                     \
        R(e, a, b, c, d, (t) + 1);                                                                 \
        R(d, e, a, b, c, (t) + 2);                                                                 \
        R(c, d, e, a, b, (t) + 3);                                                                 \
        R(b, c, d, e, a, (t) + 4);                                                                 \
    } while (0)

static void sha1_blocks_portable(uint32_t h[5], const uint8_t *p, size_t blocks)
{
    for (; blocks > 0; blocks--, p += 64) {
        uint32_t w[16];
        for (int i = 0; i < 16; i++)
            w[i] = load_be32(p + 4 * i);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        SHA1_FIVE(R0, 0);
        SHA1_FIVE(R0, 5);
        SHA1_FIVE(R0, 10);
        R0(a, b, c, d, e, 15);
        R0W(e, a, b, c, d, 16);
        R0W(d, e, a, b, c, 17);
        R0W(c, d, e, a, b, 18);
        R0W(b, c, d, e, a, 19);
        SHA1_FIVE(R1, 20);
        SHA1_FIVE(R1, 25);
        SHA1_FIVE(R1, 30);
        SHA1_FIVE(R1, 35);
        SHA1_FIVE(R2, 40);
        SHA1_FIVE(R2, 45);
        SHA1_FIVE(R2, 50);
        SHA1_FIVE(R2, 55);
        SHA1_FIVE(R3, 60);
        SHA1_FIVE(R3, 65);
        SHA1_FIVE(R3, 70);
        SHA1_FIVE(R3, 75);
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
}

/* ---- x86 SHA extensions -------------------------------------------------------------------- */

#ifdef LV_SHA1_HAVE_SHANI

/* Four rounds (group g of 20) with round function f.  W[g & 3] holds message words 4g..4g+3;
 * for g >= 4 they are derived from the previous four groups with sha1msg1/sha1msg2.  E[] swaps
 * roles every group: one holds the E input of this group, the other saves ABCD for the next. */
#define SHANI_GROUP(g, f)                                                                          \
    do {                                                                                           \
        if ((g) < 4) {                                                                             \
            W[(g)&3] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * (g))), mask);   \
        } else {                                                                                   \
            __m128i m1_ = _mm_sha1msg1_epu32(W[(g)&3], W[((g) + 1) & 3]);                          \
            W[(g)&3] = _mm_sha1msg2_epu32(_mm_xor_si128(m1_, W[((g) + 2) & 3]), W[((g) + 3) & 3]); \
        }                                                                                          \
        if ((g) == 0)                                                                              \
            E[0] = _mm_add_epi32(E[0], W[0]);                                                      \
        else                                                                                       \
            E[(g)&1] = _mm_sha1nexte_epu32(E[(g)&1], W[(g)&3]);                                    \
        E[((g) + 1) & 1] = abcd;                                                                   \
        abcd = _mm_sha1rnds4_epu32(abcd, E[(g)&1], (f));                                           \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3"))) static void
sha1_blocks_shani(uint32_t h[5], const uint8_t *p, size_t blocks)
{
    const __m128i mask = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
    __m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0);
    for (; blocks > 0; blocks--, p += 64) {
        __m128i W[4], E[2];
        const __m128i abcd_save = abcd, e_save = e0;
        E[0] = e0;
        E[1] = _mm_setzero_si128();
        SHANI_GROUP(0, 0);
        SHANI_GROUP(1, 0);
        SHANI_GROUP(2, 0);
        SHANI_GROUP(3, 0);
        SHANI_GROUP(4, 0);
        SHANI_GROUP(5, 1);
        SHANI_GROUP(6, 1);
        SHANI_GROUP(7, 1);
        SHANI_GROUP(8, 1);
        SHANI_GROUP(9, 1);
        SHANI_GROUP(10, 2);
        SHANI_GROUP(11, 2);
        SHANI_GROUP(12, 2);
        SHANI_GROUP(13, 2);
        SHANI_GROUP(14, 2);
        SHANI_GROUP(15, 3);
        SHANI_GROUP(16, 3);
        SHANI_GROUP(17, 3);
        SHANI_GROUP(18, 3);
        SHANI_GROUP(19, 3);
        /* After group 19, E[0] holds ABCD from before the last four rounds: its rotated A is the
         * new E, to which the saved E is added. */
        e0 = _mm_sha1nexte_epu32(E[0], e_save);
        abcd = _mm_add_epi32(abcd, abcd_save);
    }
    _mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
    h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

/* 0 unknown, 1 portable, 2 SHA extensions.  Relaxed atomics: every thread computes the same. */
static atomic_int sha1_impl;

static int sha1_pick(void)
{
    int impl = atomic_load_explicit(&sha1_impl, memory_order_relaxed);
    if (impl != 0) return impl;
    unsigned a, b, c, d;
    impl = 1;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1) &&
        __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA))
        impl = 2;
    atomic_store_explicit(&sha1_impl, impl, memory_order_relaxed);
    return impl;
}

static void sha1_blocks(uint32_t h[5], const uint8_t *p, size_t blocks)
{
    if (sha1_pick() == 2)
        sha1_blocks_shani(h, p, blocks);
    else
        sha1_blocks_portable(h, p, blocks);
}

#else

static void sha1_blocks(uint32_t h[5], const uint8_t *p, size_t blocks)
{
    sha1_blocks_portable(h, p, blocks);
}

#endif

/* ---- streaming interface ------------------------------------------------------------------- */

void lv_sha1_init(lv_sha1 *s)
{
    s->h[0] = 0x67452301u;
    s->h[1] = 0xefcdab89u;
    s->h[2] = 0x98badcfeu;
    s->h[3] = 0x10325476u;
    s->h[4] = 0xc3d2e1f0u;
    s->length = 0;
    s->fill = 0;
}

void lv_sha1_update(lv_sha1 *s, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    s->length += n;
    if (s->fill > 0) {
        size_t take = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        n -= take;
        if (s->fill < 64) return;
        sha1_blocks(s->h, s->block, 1);
        s->fill = 0;
    }
    if (n >= 64) {
        sha1_blocks(s->h, p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    memcpy(s->block, p, n);
    s->fill = n;
}

void lv_sha1_final_hex(lv_sha1 *s, char hex[41])
{
    uint64_t bits = s->length * 8;
    uint8_t pad[72];
    /* 0x80, zeros up to 56 mod 64, then the bit length big-endian. */
    size_t npad = (s->fill < 56 ? 56 - s->fill : 120 - s->fill);
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (int i = 0; i < 8; i++)
        pad[npad + i] = (uint8_t)(bits >> (56 - 8 * i));
    uint64_t length = s->length;
    lv_sha1_update(s, pad, npad + 8);
    s->length = length;
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 8; j++)
            hex[8 * i + j] = digits[(s->h[i] >> (28 - 4 * j)) & 15];
    hex[40] = '\0';
}
