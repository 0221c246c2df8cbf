/*
 * numpress.c - MS-Numpress decoders (linear, pic, slof), a C port of the reference algorithm
 * (libmsnumpress 1.0.0, MSNumpress.cpp by Johan Teleman) that gives bit-identical doubles on
 * valid input and an error, never an out-of-bounds access, on corrupt input.
 *
 * Formats, in brief:
 *
 *   - Integers are written as half-bytes (nibbles), high nibble of a byte first.  A head nibble
 *     h says how many leading nibbles of the 32-bit value were dropped: h <= 8 means h leading
 *     0x0 nibbles, h > 8 means h - 8 leading 0xf nibbles.  The remaining 8 - (h or h-8) nibbles
 *     follow, least significant first.  A stream that ends in the middle of a byte pads the last
 *     low nibble with 0x0, which is why a 0x0 head in the very last nibble ends the stream.
 *   - Linear: an 8-byte fixed point (an IEEE double stored most significant byte first), the
 *     first two values as 4-byte little-endian unsigned integers, then for each further value
 *     the difference between its fixed-point integer and the linear extrapolation 2*b - a of
 *     the previous two, as a nibble integer.  Value = integer / fixed point.
 *   - Pic: nibble integers only, each the rounded value.
 *   - Slof: the 8-byte fixed point, then 2-byte little-endian unsigned integers x; value =
 *     exp(x / fixed point) - 1.
 *
 * Bit-identity rests on doing the same IEEE operations in the same order: the integer is
 * converted to double once and divided by the fixed point once (linear), the 32-bit unsigned
 * value converted to double (pic), and (double)x / fp passed to the same libm exp() (slof).
 * The linear predictor runs in 64-bit two's complement like the reference's long long; here it
 * is computed in uint64_t so that wrap-around on corrupt input is defined behaviour with the
 * same bits.
 *
 * Where the reference throws ("Corrupt input data"), these functions return LV_ERR_NUMPRESS.
 * Slof payloads of odd length make the reference read one byte past the end; here they are
 * an error too.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "io/decode.h"
#include "runtime/error.h"

/* Nibble p of s: even p is the high half of byte p/2, odd p the low half. */
static inline unsigned nibble(const uint8_t *s, size_t p)
{
    return (unsigned)(s[p >> 1] >> ((~p & 1) * 4)) & 15u;
}

/* Reads one nibble integer starting at nibble *pp of a stream of nn nibbles (*pp < nn).
 * Returns 0 when the integer runs past the end (the reference's decodeInt overrun). */
static inline int read_int(const uint8_t *s, size_t nn, size_t *pp, uint32_t *res)
{
    size_t p = *pp;
    unsigned head = nibble(s, p++);
    unsigned lead;
    uint32_t v;
    if (head <= 8) {
        lead = head;
        v = 0;
    } else {
        lead = head - 8;
        v = 0xffffffffu << (32 - 4 * lead);
    }
    unsigned rest = 8 - lead;
    if (rest > nn - p) return 0;
    for (unsigned i = 0; i < rest; i++)
        v |= (uint32_t)nibble(s, p + i) << (4 * i);
    *pp = p + rest;
    *res = v;
    return 1;
}

/* The fixed point: a double stored most significant byte first. */
static double read_fixed_point(const uint8_t *s)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | s[i];
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline uint32_t le32(const uint8_t *s)
{
    return (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
}

static inline double i64_bits_to_double(uint64_t u)
{
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return (double)v;
}

static lv_status check_args(const char *codec, const uint8_t *src, size_t n, const double *out,
                            size_t max_out, const size_t *out_n)
{
    RETURN_ERROR_IF(out_n == NULL, LV_ERR_INVALID_ARGUMENT, "numpress %s: out_n is NULL", codec);
    RETURN_ERROR_IF(src == NULL && n > 0, LV_ERR_INVALID_ARGUMENT,
                    "numpress %s: NULL input with %zu bytes", codec, n);
    RETURN_ERROR_IF(out == NULL && max_out > 0, LV_ERR_INVALID_ARGUMENT,
                    "numpress %s: NULL output with room for %zu values", codec, max_out);
    return LV_OK;
}

static lv_status no_room(const char *codec, size_t max_out, size_t byte)
{
    return lv_error_set(LV_ERR_ARRAY_LENGTH,
                        "numpress %s: more than the %zu values there is room for (at byte %zu)",
                        codec, max_out, byte);
}

static lv_status overrun(const char *codec, size_t byte, size_t n)
{
    return lv_error_set(LV_ERR_NUMPRESS,
                        "numpress %s: corrupt input data (decodeInt overrun at byte %zu of %zu)",
                        codec, byte, n);
}

lv_status lv_numpress_decode_linear(const uint8_t *src, size_t n, double *out, size_t max_out,
                                    size_t *out_n)
{
    FORWARD_IF_ERROR(check_args("linear", src, n, out, max_out, out_n));
    RETURN_ERROR_IF(n < 8, LV_ERR_NUMPRESS,
                    "numpress linear: corrupt input data (%zu bytes, too few to read the 8-byte "
                    "fixed point)",
                    n);
    double fp = read_fixed_point(src);
    if (n == 8) {
        *out_n = 0;
        return LV_OK;
    }
    RETURN_ERROR_IF(n < 12, LV_ERR_NUMPRESS,
                    "numpress linear: corrupt input data (%zu bytes, too few to read the first "
                    "value)",
                    n);
    if (max_out < 1) return no_room("linear", max_out, 8);
    uint64_t a = le32(src + 8);
    out[0] = (double)a / fp;
    if (n == 12) {
        *out_n = 1;
        return LV_OK;
    }
    RETURN_ERROR_IF(n < 16, LV_ERR_NUMPRESS,
                    "numpress linear: corrupt input data (%zu bytes, too few to read the second "
                    "value)",
                    n);
    if (max_out < 2) return no_room("linear", max_out, 12);
    uint64_t b = le32(src + 12);
    out[1] = (double)b / fp;

    size_t ri = 2;
    size_t nn = 2 * n; /* n <= PTRDIFF_MAX for any object, so this cannot wrap */
    size_t p = 32;
    while (p < nn) {
        if (p == nn - 1 && nibble(src, p) == 0) break; /* padding of the last byte */
        size_t at = p >> 1;
        uint32_t diff;
        if (!read_int(src, nn, &p, &diff)) return overrun("linear", at, n);
        if (ri == max_out) return no_room("linear", max_out, at);
        /* Sign-extend the 32-bit difference, then predict in wrapping 64-bit arithmetic. */
        uint64_t d64 = (uint64_t)diff - ((uint64_t)(diff & 0x80000000u) << 1);
        uint64_t y = b + (b - a) + d64;
        out[ri++] = i64_bits_to_double(y) / fp;
        a = b;
        b = y;
    }
    *out_n = ri;
    return LV_OK;
}

lv_status lv_numpress_decode_pic(const uint8_t *src, size_t n, double *out, size_t max_out,
                                 size_t *out_n)
{
    FORWARD_IF_ERROR(check_args("pic", src, n, out, max_out, out_n));
    size_t ri = 0;
    size_t nn = 2 * n;
    size_t p = 0;
    while (p < nn) {
        if (p == nn - 1 && nibble(src, p) == 0) break;
        size_t at = p >> 1;
        uint32_t x;
        if (!read_int(src, nn, &p, &x)) return overrun("pic", at, n);
        if (ri == max_out) return no_room("pic", max_out, at);
        out[ri++] = (double)x;
    }
    *out_n = ri;
    return LV_OK;
}

lv_status lv_numpress_decode_slof(const uint8_t *src, size_t n, double *out, size_t max_out,
                                  size_t *out_n)
{
    FORWARD_IF_ERROR(check_args("slof", src, n, out, max_out, out_n));
    RETURN_ERROR_IF(n < 8, LV_ERR_NUMPRESS,
                    "numpress slof: corrupt input data (%zu bytes, too few to read the 8-byte "
                    "fixed point)",
                    n);
    RETURN_ERROR_IF((n - 8) % 2 != 0, LV_ERR_NUMPRESS,
                    "numpress slof: corrupt input data (%zu bytes: the values after the 8-byte "
                    "fixed point need an even number of bytes)",
                    n);
    size_t count = (n - 8) / 2;
    if (count > max_out) return no_room("slof", max_out, 8 + 2 * max_out);
    double fp = read_fixed_point(src);
    const uint8_t *s = src + 8;
    for (size_t i = 0; i < count; i++) {
        unsigned x = (unsigned)s[2 * i] | (unsigned)s[2 * i + 1] << 8;
        out[i] = exp((double)x / fp) - 1.0;
    }
    *out_n = count;
    return LV_OK;
}

size_t lv_numpress_max_values(lv_numpress kind, size_t n)
{
    switch (kind) {
    case LV_NUMPRESS_LINEAR:
        /* Two 4-byte values after the fixed point, then at least one nibble per value. */
        if (n < 12) return 0;
        if (n < 16) return 1;
        return n - 16 <= (SIZE_MAX - 2) / 2 ? 2 + 2 * (n - 16) : SIZE_MAX;
    case LV_NUMPRESS_PIC: return n <= SIZE_MAX / 2 ? 2 * n : SIZE_MAX;
    case LV_NUMPRESS_SLOF: return n < 8 ? 0 : (n - 8) / 2;
    case LV_NUMPRESS_NONE: return 0;
    }
    return 0;
}
