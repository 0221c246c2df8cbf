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
 */
#include <stdint.h>
#include <string.h>

#include "io/base64.h"
#include "runtime/error.h"

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

lv_status lv_base64_decode(const char *src, size_t n, uint8_t *dst, size_t *out_n)
{
    RETURN_ERROR_IF(out_n == NULL, LV_ERR_INVALID_ARGUMENT, "base64: out_n is NULL");
    RETURN_ERROR_IF(n > 0 && (src == NULL || dst == NULL), LV_ERR_INVALID_ARGUMENT,
                    "base64: NULL %s with %zu input bytes", src == NULL ? "src" : "dst", n);

    const unsigned char *s = (const unsigned char *)src;
    uint8_t *d = dst;
    size_t i = 0;

    for (;;) {
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
