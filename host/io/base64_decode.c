/*
 * base64_decode.c - RFC 4648 base64 decoding of mzML <binary> payloads.
 *
 * Two paths share one output cursor:
 *
 *   - The fast path decodes whole quanta with four lookup tables, one per position in the
 *     quantum, whose entries are the 6-bit value already shifted to its place in the 24-bit
 *     little-endian output word.  OR-ing four entries yields three output bytes; every byte that
 *     is not a base64 digit (whitespace and '=' included) maps to a word with bit 24 set, so one
 *     test per group rejects the group and hands over to the careful path.  Groups of 16 input
 *     characters are stored as two 8-byte words and groups of 4 as one 4-byte word, so stores
 *     overrun the decoded bytes by up to 2 bytes; lv_base64_decoded_bound() leaves 3 bytes of
 *     room after the last full quantum for exactly that reason.
 *
 *   - The careful path decodes one quantum at a time, skipping ASCII whitespace, and deals with
 *     '=' padding, the end of the input and errors.  After each whole quantum it returns to the
 *     fast path, so line-wrapped payloads still spend most of their time in the fast loop.
 *
 *   - On x86 CPUs with AVX2 (checked at run time) a vector loop runs first and decodes blocks of
 *     32 digits into 24 bytes (Mula and Lemire's nibble-lookup method).  It stops at the first
 *     block holding anything but the 64 digits and leaves that block to the paths above, so
 *     whitespace, padding and error messages are handled by the scalar code alone, and it stores
 *     exactly 24 bytes per block, never more than the scalar code itself writes.
 */
#include <stdint.h>
#include <string.h>

#include "io/base64.h"
#include "runtime/error.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LV_B64_AVX2 1
#endif

/* 6-bit value of a base64 digit, 0xFF for anything else (assumes an ASCII execution charset). */
#define B64V(c)                                                                                    \
    ((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                                        \
     : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                                                   \
     : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                                                   \
     : (c) == '+'               ? 62                                                               \
     : (c) == '/'               ? 63                                                               \
                                : 0xFF)

/* Marks a byte that is not a base64 digit; above the 24 bits that one quantum produces. */
#define B64_BAD 0x01000000u

/* Output bytes of a quantum with digits v0 v1 v2 v3:
 *   b0 = v0 << 2 | v1 >> 4,  b1 = (v1 & 15) << 4 | v2 >> 2,  b2 = (v2 & 3) << 6 | v3,
 * placed as a little-endian word b0 | b1 << 8 | b2 << 16. */
#define D0(c) (B64V(c) == 0xFF ? B64_BAD : (uint32_t)B64V(c) << 2)
#define D1(c) (B64V(c) == 0xFF ? B64_BAD : (uint32_t)B64V(c) >> 4 | ((uint32_t)B64V(c) & 15) << 12)
#define D2(c)                                                                                      \
    (B64V(c) == 0xFF ? B64_BAD : (uint32_t)B64V(c) >> 2 << 8 | ((uint32_t)B64V(c) & 3) << 22)
#define D3(c) (B64V(c) == 0xFF ? B64_BAD : (uint32_t)B64V(c) << 16)
#define DV(c) ((uint8_t)B64V(c))

#define T4(f, b)  f(b), f(b + 1), f(b + 2), f(b + 3)
#define T16(f, b) T4(f, b), T4(f, b + 4), T4(f, b + 8), T4(f, b + 12)
#define T64(f, b) T16(f, b), T16(f, b + 16), T16(f, b + 32), T16(f, b + 48)
#define T256(f)   T64(f, 0), T64(f, 64), T64(f, 128), T64(f, 192)

static const uint32_t dec0[256] = {T256(D0)};
static const uint32_t dec1[256] = {T256(D1)};
static const uint32_t dec2[256] = {T256(D2)};
static const uint32_t dec3[256] = {T256(D3)};
static const uint8_t decv[256] = {T256(DV)};

static inline int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline uint32_t quantum(const unsigned char *s)
{
    return dec0[s[0]] | dec1[s[1]] | dec2[s[2]] | dec3[s[3]];
}

/* The error for a byte that is neither a digit, whitespace nor '='. */
static lv_status bad_char(unsigned char c, size_t off)
{
    if (c >= 0x21 && c <= 0x7e)
        return lv_error_set(LV_ERR_BASE64, "base64: invalid character '%c' (0x%02x) at byte %zu",
                            (int)c, (unsigned)c, off);
    return lv_error_set(LV_ERR_BASE64, "base64: invalid character 0x%02x at byte %zu", (unsigned)c,
                        off);
}

/* After the '=' at src[i] that completes the final quantum only whitespace may follow. */
static lv_status check_after_padding(const unsigned char *s, size_t i, size_t n)
{
    for (; i < n; i++) {
        if (is_ws(s[i])) continue;
        if (s[i] == '=')
            return lv_error_set(LV_ERR_BASE64, "base64: misplaced '=' padding at byte %zu", i);
        if (decv[s[i]] != 0xFF)
            return lv_error_set(LV_ERR_BASE64,
                                "base64: data after the final '=' padding at byte %zu", i);
        return bad_char(s[i], i);
    }
    return LV_OK;
}

#ifdef LV_B64_AVX2
/* Decodes whole 32-digit blocks from s[*i..n) into d while they contain nothing but digits;
 * advances *i and returns the new output cursor.  Intrinsics need the target attribute on the
 * function itself, hence no LV_CPU_CLONES here but a run-time check in the caller. */
__attribute__((target("avx2"))) static uint8_t *decode_avx2(const unsigned char *s, size_t n,
                                                            size_t *i, uint8_t *d)
{
    /* Validation: a byte is a digit iff lut_lo[low nibble] & lut_hi[high nibble] == 0.  Each
     * high nibble has one class bit (0x10: no digits at all, 0x01: '+' '/', 0x02: '0'-'9',
     * 0x04: 'A'-'O' 'a'-'o', 0x08: 'P'-'Z' 'p'-'z'); lut_lo sets the classes in which that low
     * nibble is not a digit. */
    const __m256i lut_lo =
        _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A,
                         0x1B, 0x1B, 0x1B, 0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                         0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    const __m256i lut_hi =
        _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10,
                         0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08,
                         0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    /* Translation: the offset from character to value depends on the high nibble only, except
     * that '/' (0x2F) and '+' (0x2B) share one; '/' is moved to index 1. */
    const __m256i lut_roll =
        _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 19, 4,
                         -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0F), slash = _mm256_set1_epi8(0x2F);
    /* Packing: (v0 v1 v2 v3) -> v0 << 18 | v1 << 12 | v2 << 6 | v3 per 32-bit lane, whose bytes
     * are then reversed and the three payload bytes of each lane gathered. */
    const __m256i m1 = _mm256_set1_epi32(0x01400140), m2 = _mm256_set1_epi32(0x00011000);
    const __m256i pack = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2,
                                          1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    size_t k = *i;
    while (n - k >= 32) {
        __m256i in = _mm256_loadu_si256((const __m256i *)(const void *)(s + k));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(in, 4), nib);
        __m256i lo = _mm256_and_si256(in, nib);
        if (!_mm256_testz_si256(_mm256_shuffle_epi8(lut_lo, lo), _mm256_shuffle_epi8(lut_hi, hi)))
            break;
        __m256i roll =
            _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(_mm256_cmpeq_epi8(in, slash), hi));
        __m256i v = _mm256_add_epi8(in, roll);
        v = _mm256_madd_epi16(_mm256_maddubs_epi16(v, m1), m2);
        v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, pack), lanes);
        _mm_storeu_si128((__m128i *)(void *)d, _mm256_castsi256_si128(v));
        _mm_storel_epi64((__m128i *)(void *)(d + 16), _mm256_extracti128_si256(v, 1));
        d += 24;
        k += 32;
    }
    *i = k;
    return d;
}
#endif

static lv_status decode(const char *src, size_t n, uint8_t *dst, size_t *out_n, int vector)
{
    RETURN_ERROR_IF(out_n == NULL, LV_ERR_INVALID_ARGUMENT, "base64: out_n is NULL");
    RETURN_ERROR_IF(n > 0 && (src == NULL || dst == NULL), LV_ERR_INVALID_ARGUMENT,
                    "base64: NULL %s with %zu input bytes", src == NULL ? "src" : "dst", n);

    const unsigned char *s = (const unsigned char *)src;
    uint8_t *d = dst;
    size_t i = 0;
    (void)vector;
#ifdef LV_B64_AVX2
    /* (__builtin_cpu_supports reads flags that libgcc sets up before main; it is cheap.) */
    const int avx2 = vector && n >= 32 && __builtin_cpu_supports("avx2");
#endif

    for (;;) {
#ifdef LV_B64_AVX2
        if (avx2) d = decode_avx2(s, n, &i, d);
#endif
        /* Fast path: whole groups without whitespace or padding. */
        while (n - i >= 16) {
            uint32_t a = quantum(s + i), b = quantum(s + i + 4);
            uint32_t c = quantum(s + i + 8), e = quantum(s + i + 12);
            if ((a | b | c | e) & B64_BAD) break;
            uint64_t w0 = a | (uint64_t)b << 24, w1 = c | (uint64_t)e << 24;
            memcpy(d, &w0, 8);
            memcpy(d + 6, &w1, 8);
            d += 12;
            i += 16;
        }
        while (n - i >= 4) {
            uint32_t a = quantum(s + i);
            if (a & B64_BAD) break;
            memcpy(d, &a, 4);
            d += 3;
            i += 4;
        }

        /* Careful path: one quantum, skipping whitespace. */
        uint32_t acc = 0;
        unsigned k = 0;
        size_t start = i;
        while (k < 4 && i < n) {
            unsigned char ch = s[i];
            uint8_t v = decv[ch];
            if (v != 0xFF) {
                acc = acc << 6 | v;
                k++;
                i++;
            } else if (is_ws(ch)) {
                i++;
            } else if (ch == '=') {
                break;
            } else {
                return bad_char(ch, i);
            }
        }
        if (k == 4) {
            d[0] = (uint8_t)(acc >> 16);
            d[1] = (uint8_t)(acc >> 8);
            d[2] = (uint8_t)acc;
            d += 3;
            continue;
        }
        if (i == n) {
            RETURN_ERROR_IF(k != 0, LV_ERR_BASE64,
                            "base64: input ended mid-quantum (%u of 4 characters after byte %zu, "
                            "'=' padding missing)",
                            k, start);
            break;
        }
        /* s[i] == '=': legal only as the third or fourth character of the final quantum. */
        RETURN_ERROR_IF(k < 2, LV_ERR_BASE64,
                        "base64: misplaced '=' padding at byte %zu (%u of 4 characters in the "
                        "quantum)",
                        i, k);
        if (k == 2) {
            /* A second '=' must follow, possibly after whitespace. */
            size_t j = i + 1;
            while (j < n && is_ws(s[j]))
                j++;
            RETURN_ERROR_IF(j == n, LV_ERR_BASE64,
                            "base64: input ended mid-quantum (one '=' at byte %zu, two needed)", i);
            if (s[j] != '=') {
                if (decv[s[j]] != 0xFF)
                    return lv_error_set(LV_ERR_BASE64,
                                        "base64: misplaced '=' padding at byte %zu (followed by "
                                        "data at byte %zu)",
                                        i, j);
                return bad_char(s[j], j);
            }
            FORWARD_IF_ERROR(check_after_padding(s, j + 1, n));
            *d++ = (uint8_t)(acc >> 4);
        } else {
            FORWARD_IF_ERROR(check_after_padding(s, i + 1, n));
            d[0] = (uint8_t)(acc >> 10);
            d[1] = (uint8_t)(acc >> 2);
            d += 2;
        }
        break;
    }
    *out_n = (size_t)(d - dst);
    return LV_OK;
}

lv_status lv_base64_decode(const char *src, size_t n, uint8_t *dst, size_t *out_n)
{
    return decode(src, n, dst, out_n, 1);
}

lv_status lv_base64_decode_scalar(const char *src, size_t n, uint8_t *dst, size_t *out_n)
{
    return decode(src, n, dst, out_n, 0);
}
