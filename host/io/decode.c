/*
 * decode.c - one mzML binary data array: base64 -> (zlib) -> (numpress) -> typed values.
 *
 * The common arrays (uncompressed or zlib, stored in the type the caller wants) are decoded
 * with no copy beyond the one each stage must make: base64 goes straight into the caller's
 * array when there is no compression, and zlib inflates straight into it when the size is
 * declared.  Everything else goes through the two scratch buffers and a final conversion.
 *
 * Scratch use: `a` receives the base64 bytes; `b` the inflated bytes; the numpress doubles go
 * to whichever of the two no longer holds live data.  Buffers from malloc are aligned for any
 * element type, but all element loads and stores use memcpy anyway, because the caller's array
 * carries no alignment promise.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/base64.h"
#include "io/decode.h"
#include "runtime/error.h"

void lv_decode_scratch_free(lv_decode_scratch *s)
{
    if (s == NULL) return;
    free(s->a);
    free(s->b);
    s->a = s->b = NULL;
    s->a_cap = s->b_cap = 0;
}

size_t lv_dtype_size(lv_dtype t)
{
    switch (t) {
    case LV_DTYPE_F32: return 4;
    case LV_DTYPE_F64: return 8;
    case LV_DTYPE_I32: return 4;
    case LV_DTYPE_I64: return 8;
    case LV_DTYPE_ASCII: return 1;
    }
    return 0;
}

static const char *dtype_name(lv_dtype t)
{
    switch (t) {
    case LV_DTYPE_F32: return "32-bit float";
    case LV_DTYPE_F64: return "64-bit float";
    case LV_DTYPE_I32: return "32-bit integer";
    case LV_DTYPE_I64: return "64-bit integer";
    case LV_DTYPE_ASCII: return "ASCII";
    }
    return "unknown type";
}

static const char *numpress_name(lv_numpress k)
{
    switch (k) {
    case LV_NUMPRESS_LINEAR: return "linear";
    case LV_NUMPRESS_PIC: return "pic";
    case LV_NUMPRESS_SLOF: return "slof";
    case LV_NUMPRESS_NONE: return "none";
    }
    return "unknown";
}

static int dtype_valid(int t)
{
    return t >= LV_DTYPE_F32 && t <= LV_DTYPE_ASCII;
}

/* Room for `need` bytes in a scratch buffer; the old contents are not kept. */
static lv_status scratch_room(uint8_t **buf, size_t *cap, size_t need)
{
    if (*buf != NULL && *cap >= need) return LV_OK;
    size_t want = need;
    if (*cap <= SIZE_MAX / 3 * 2 && *cap + *cap / 2 > want) want = *cap + *cap / 2;
    uint8_t *p = malloc(want > 0 ? want : 1);
    if (p == NULL && want > need) {
        want = need;
        p = malloc(want > 0 ? want : 1);
    }
    RETURN_IF_NULL_ALLOC(p, need);
    free(*buf);
    *buf = p;
    *cap = want;
    return LV_OK;
}

/* Which conversions exist: same type; floats between each other; integers to floats by value;
 * i32 to i64.  ASCII only to ASCII.  Everything else would lose information silently. */
static lv_status check_conversion(lv_dtype from, lv_dtype to)
{
    if (from == to) return LV_OK;
    RETURN_ERROR_IF(from == LV_DTYPE_ASCII, LV_ERR_FORMAT,
                    "an ASCII string array cannot be read as %s values", dtype_name(to));
    RETURN_ERROR_IF(to == LV_DTYPE_ASCII, LV_ERR_FORMAT,
                    "a %s array cannot be read as an ASCII string", dtype_name(from));
    if (to == LV_DTYPE_F64 || to == LV_DTYPE_F32) return LV_OK;
    if (from == LV_DTYPE_I32 && to == LV_DTYPE_I64) return LV_OK;
    return lv_error_set(LV_ERR_INVALID_ARGUMENT,
                        "cannot convert a %s array to %s values (only widening, or to floats)",
                        dtype_name(from), dtype_name(to));
}

/* Converts n elements (check_conversion() has accepted the pair). */
static void convert(const uint8_t *src, lv_dtype from, size_t n, lv_dtype to, uint8_t *dst)
{
    if (n == 0) return;
    if (from == to) {
        memcpy(dst, src, n * lv_dtype_size(from));
        return;
    }
    size_t fs = lv_dtype_size(from), ts = lv_dtype_size(to);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = src + i * fs;
        uint8_t *d = dst + i * ts;
        float f;
        double g;
        int32_t i32;
        int64_t i64;
        switch (from) {
        case LV_DTYPE_F32:
            memcpy(&f, s, 4);
            g = f;
            break;
        case LV_DTYPE_F64: memcpy(&g, s, 8); break;
        case LV_DTYPE_I32:
            memcpy(&i32, s, 4);
            if (to == LV_DTYPE_I64) {
                i64 = i32;
                memcpy(d, &i64, 8);
                continue;
            }
            if (to == LV_DTYPE_F32) {
                f = (float)i32;
                memcpy(d, &f, 4);
                continue;
            }
            g = i32;
            break;
        case LV_DTYPE_I64:
            memcpy(&i64, s, 8);
            if (to == LV_DTYPE_F32) {
                f = (float)i64; /* one rounding, not two through double */
                memcpy(d, &f, 4);
                continue;
            }
            g = (double)i64;
            break;
        case LV_DTYPE_ASCII: return; /* rejected by check_conversion() */
        }
        if (to == LV_DTYPE_F64) {
            memcpy(d, &g, 8);
        } else {
            f = (float)g;
            memcpy(d, &f, 4);
        }
    }
}

static lv_status length_error(uint64_t declared, size_t bytes, lv_dtype stored)
{
    size_t es = lv_dtype_size(stored);
    if (bytes % es != 0)
        return lv_error_set(LV_ERR_ARRAY_LENGTH,
                            "declared %llu elements, decoded %zu bytes, not a whole number of "
                            "%zu-byte %s elements",
                            (unsigned long long)declared, bytes, es, dtype_name(stored));
    return lv_error_set(LV_ERR_ARRAY_LENGTH, "declared %llu elements, decoded %zu (%s)",
                        (unsigned long long)declared, bytes / es, dtype_name(stored));
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Base64 of src[0..n) into dst, which has room for exactly `want` bytes; *got is the decoded
 * size (the array is complete only when *got == want).  lv_base64_decode() needs room for
 * lv_base64_decoded_bound() bytes, more than an exactly sized array has, so all but the last
 * 8 characters are decoded in place and the rest through a small buffer.  That split is valid
 * when the first part ends on a whole quantum without padding (decoded size a multiple of 3);
 * otherwise (whitespace, errors) the payload is decoded again through scratch, which also
 * gives error messages offsets within the whole payload. */
static lv_status base64_exact(const char *src, size_t n, uint8_t *dst, size_t want, size_t *got,
                              lv_decode_scratch *s)
{
    /* Whitespace around the payload (common: the text of <binary> on its own line) would shift
     * the split off a quantum boundary. */
    size_t lo = 0, hi = n;
    while (lo < hi && is_ws(src[lo]))
        lo++;
    while (hi > lo && is_ws(src[hi - 1]))
        hi--;
    if (hi - lo > 8 && lv_base64_decoded_bound(hi - lo - 8) <= want) {
        size_t m, t;
        uint8_t tail[9];
        if (lv_base64_decode(src + lo, hi - lo - 8, dst, &m) == LV_OK && m % 3 == 0 &&
            lv_base64_decode(src + hi - 8, 8, tail, &t) == LV_OK) {
            if (m + t == want) memcpy(dst + m, tail, t);
            *got = m + t;
            return LV_OK;
        }
    }
    FORWARD_IF_ERROR(scratch_room(&s->a, &s->a_cap, lv_base64_decoded_bound(n)));
    size_t m;
    FORWARD_IF_ERROR(lv_base64_decode(src, n, s->a, &m));
    if (m == want && m > 0) memcpy(dst, s->a, m);
    *got = m;
    return LV_OK;
}

/* Numpress payload[0..n) to doubles in out (room for cap doubles); *got the count. */
static lv_status numpress_run(lv_numpress k, const uint8_t *payload, size_t n, double *out,
                              size_t cap, size_t *got)
{
    switch (k) {
    case LV_NUMPRESS_LINEAR: return lv_numpress_decode_linear(payload, n, out, cap, got);
    case LV_NUMPRESS_PIC: return lv_numpress_decode_pic(payload, n, out, cap, got);
    case LV_NUMPRESS_SLOF: return lv_numpress_decode_slof(payload, n, out, cap, got);
    case LV_NUMPRESS_NONE: break;
    }
    return lv_error_set(LV_ERR_INTERNAL, "numpress_run called without a numpress codec");
}

/* The encoded bytes of an array (after base64 and zlib, before numpress), in scratch. */
static lv_status payload_bytes(const char *b64, size_t b64_len, const lv_array_encoding *enc,
                               lv_decode_scratch *s, const uint8_t **bytes, size_t *n, int *in_b)
{
    FORWARD_IF_ERROR(scratch_room(&s->a, &s->a_cap, lv_base64_decoded_bound(b64_len)));
    size_t m;
    FORWARD_IF_ERROR(lv_base64_decode(b64, b64_len, s->a, &m));
    *bytes = s->a;
    *n = m;
    *in_b = 0;
    if (enc->zlib && m > 0) {
        size_t z;
        FORWARD_IF_ERROR(lv_zlib_inflate(s->a, m, 0, &s->b, &s->b_cap, &z));
        *bytes = s->b;
        *n = z;
        *in_b = 1;
    }
    return LV_OK;
}

/* Decodes the numpress payload held in one scratch buffer into doubles in the other. */
static lv_status numpress_to_scratch(lv_numpress k, const uint8_t *payload, size_t n, int in_b,
                                     lv_decode_scratch *s, const double **vals, size_t *count)
{
    size_t maxv = lv_numpress_max_values(k, n);
    RETURN_ERROR_IF(maxv > SIZE_MAX / sizeof(double), LV_ERR_NO_MEMORY,
                    "numpress %s: %zu bytes could decode to more values than memory holds",
                    numpress_name(k), n);
    uint8_t **buf = in_b ? &s->a : &s->b;
    size_t *cap = in_b ? &s->a_cap : &s->b_cap;
    FORWARD_IF_ERROR(scratch_room(buf, cap, maxv * sizeof(double)));
    /* malloc'd memory is suitably aligned for double. */
    double *d = (double *)(void *)*buf;
    FORWARD_IF_ERROR(numpress_run(k, payload, n, d, maxv, count));
    *vals = d;
    return LV_OK;
}

static lv_status check_encoding(const lv_array_encoding *enc)
{
    RETURN_ERROR_IF(enc == NULL, LV_ERR_INVALID_ARGUMENT, "array encoding is NULL");
    RETURN_ERROR_IF(enc->numpress < LV_NUMPRESS_NONE || enc->numpress > LV_NUMPRESS_SLOF,
                    LV_ERR_INVALID_ARGUMENT, "unknown numpress codec %d", (int)enc->numpress);
    if (enc->numpress != LV_NUMPRESS_NONE) return LV_OK;
    RETURN_ERROR_IF(!enc->dtype_known, LV_ERR_FORMAT,
                    "binary data array has no data type (no 32/64-bit float, integer or string "
                    "cvParam) and no numpress compression");
    RETURN_ERROR_IF(!dtype_valid((int)enc->dtype), LV_ERR_INVALID_ARGUMENT,
                    "unknown stored data type %d", (int)enc->dtype);
    return LV_OK;
}

static lv_status decode_array(const char *b64, size_t b64_len, const lv_array_encoding *enc,
                              uint64_t expected_n, lv_dtype out_dtype, void *out,
                              lv_decode_scratch *s)
{
    FORWARD_IF_ERROR(check_encoding(enc));
    RETURN_ERROR_IF(!dtype_valid((int)out_dtype), LV_ERR_INVALID_ARGUMENT,
                    "unknown output data type %d", (int)out_dtype);
    RETURN_ERROR_IF(b64 == NULL && b64_len > 0, LV_ERR_INVALID_ARGUMENT,
                    "NULL base64 text with length %zu", b64_len);
    RETURN_ERROR_IF(out == NULL && expected_n > 0, LV_ERR_INVALID_ARGUMENT,
                    "NULL output for %llu elements", (unsigned long long)expected_n);
    lv_dtype stored = enc->numpress != LV_NUMPRESS_NONE ? LV_DTYPE_F64 : enc->dtype;
    FORWARD_IF_ERROR(check_conversion(stored, out_dtype));
    size_t out_es = lv_dtype_size(out_dtype), es = lv_dtype_size(stored);
    RETURN_ERROR_IF(expected_n > SIZE_MAX / (out_es > es ? out_es : es), LV_ERR_INVALID_ARGUMENT,
                    "declared length %llu elements does not fit in memory",
                    (unsigned long long)expected_n);
    size_t n_el = (size_t)expected_n;
    size_t want = n_el * es; /* bytes of stored values */
    uint8_t *o = out;

    if (enc->numpress == LV_NUMPRESS_NONE) {
        const uint8_t *bytes;
        size_t got;
        if (!enc->zlib && out_dtype == stored) {
            FORWARD_IF_ERROR(base64_exact(b64, b64_len, o, want, &got, s));
            return got == want ? LV_OK : length_error(expected_n, got, stored);
        }
        FORWARD_IF_ERROR(scratch_room(&s->a, &s->a_cap, lv_base64_decoded_bound(b64_len)));
        FORWARD_IF_ERROR(lv_base64_decode(b64, b64_len, s->a, &got));
        bytes = s->a;
        if (enc->zlib && got > 0) {
            /* (An empty payload is an empty array, whatever its declared compression.) */
            size_t m = got;
            if (want == 0) {
                FORWARD_IF_ERROR(lv_zlib_inflate(s->a, m, 0, &s->b, &s->b_cap, &got));
            } else {
                /* Inflate straight into the caller's array when no conversion follows; the
                 * inflater never reallocates a buffer that is already large enough. */
                size_t o_cap = want;
                int direct = out_dtype == stored;
                lv_status st = lv_zlib_inflate(s->a, m, want, direct ? &o : &s->b,
                                               direct ? &o_cap : &s->b_cap, &got);
                if (st == LV_ERR_ARRAY_LENGTH) return length_error(expected_n, got, stored);
                FORWARD_IF_ERROR(st);
                if (direct) return LV_OK;
            }
            bytes = s->b;
        }
        if (got != want) return length_error(expected_n, got, stored);
        convert(bytes, stored, n_el, out_dtype, o);
        return LV_OK;
    }

    /* Numpress. */
    const uint8_t *payload;
    size_t pn;
    int in_b;
    FORWARD_IF_ERROR(payload_bytes(b64, b64_len, enc, s, &payload, &pn, &in_b));
    if (pn == 0) {
        RETURN_ERROR_IF(n_el != 0, LV_ERR_ARRAY_LENGTH,
                        "declared %llu elements, but the numpress %s payload is empty",
                        (unsigned long long)expected_n, numpress_name(enc->numpress));
        return LV_OK;
    }
    size_t count;
    if (out_dtype == LV_DTYPE_F64 && (uintptr_t)out % _Alignof(double) == 0) {
        /* Straight into the caller's array; a stream with more values than declared runs out
         * of room, and is decoded again below to count them (or find its corruption). */
        double *d = n_el > 0 ? (double *)out : NULL;
        lv_status st = numpress_run(enc->numpress, payload, pn, d, n_el, &count);
        if (st == LV_OK) {
            RETURN_ERROR_IF(count != n_el, LV_ERR_ARRAY_LENGTH,
                            "declared %llu elements, decoded %zu (numpress %s)",
                            (unsigned long long)expected_n, count, numpress_name(enc->numpress));
            return LV_OK;
        }
        if (st != LV_ERR_ARRAY_LENGTH) return st;
    }
    const double *vals;
    FORWARD_IF_ERROR(numpress_to_scratch(enc->numpress, payload, pn, in_b, s, &vals, &count));
    RETURN_ERROR_IF(count != n_el, LV_ERR_ARRAY_LENGTH,
                    "declared %llu elements, decoded %zu (numpress %s)",
                    (unsigned long long)expected_n, count, numpress_name(enc->numpress));
    convert((const uint8_t *)vals, LV_DTYPE_F64, count, out_dtype, o);
    return LV_OK;
}

lv_status lv_decode_array(const char *b64, size_t b64_len, const lv_array_encoding *enc,
                          uint64_t expected_n, lv_dtype out_dtype, void *out,
                          lv_decode_scratch *scratch)
{
    if (scratch != NULL)
        return decode_array(b64, b64_len, enc, expected_n, out_dtype, out, scratch);
    lv_decode_scratch local = {0};
    lv_status st = decode_array(b64, b64_len, enc, expected_n, out_dtype, out, &local);
    lv_decode_scratch_free(&local);
    return st;
}

static lv_status decode_alloc(const char *b64, size_t b64_len, const lv_array_encoding *enc,
                              int out_dtype, void **out, uint64_t *out_n, lv_dtype *out_type,
                              lv_decode_scratch *s)
{
    FORWARD_IF_ERROR(check_encoding(enc));
    RETURN_ERROR_IF(out == NULL || out_n == NULL || out_type == NULL, LV_ERR_INVALID_ARGUMENT,
                    "NULL output pointer");
    RETURN_ERROR_IF(out_dtype != -1 && !dtype_valid(out_dtype), LV_ERR_INVALID_ARGUMENT,
                    "unknown output data type %d", out_dtype);
    RETURN_ERROR_IF(b64 == NULL && b64_len > 0, LV_ERR_INVALID_ARGUMENT,
                    "NULL base64 text with length %zu", b64_len);
    lv_dtype stored = enc->numpress != LV_NUMPRESS_NONE ? LV_DTYPE_F64 : enc->dtype;
    lv_dtype to = out_dtype == -1 ? stored : (lv_dtype)out_dtype;
    FORWARD_IF_ERROR(check_conversion(stored, to));

    const uint8_t *bytes;
    size_t n;
    int in_b;
    FORWARD_IF_ERROR(payload_bytes(b64, b64_len, enc, s, &bytes, &n, &in_b));
    size_t count;
    if (enc->numpress != LV_NUMPRESS_NONE && n > 0) {
        const double *vals;
        FORWARD_IF_ERROR(numpress_to_scratch(enc->numpress, bytes, n, in_b, s, &vals, &count));
        bytes = (const uint8_t *)vals;
    } else if (enc->numpress != LV_NUMPRESS_NONE) {
        count = 0;
    } else {
        size_t es = lv_dtype_size(stored);
        RETURN_ERROR_IF(n % es != 0, LV_ERR_ARRAY_LENGTH,
                        "decoded %zu bytes, not a whole number of %zu-byte %s elements", n, es,
                        dtype_name(stored));
        count = n / es;
    }
    size_t ts = lv_dtype_size(to);
    RETURN_ERROR_IF(count > SIZE_MAX / ts, LV_ERR_NO_MEMORY, "%zu elements do not fit in memory",
                    count);
    uint8_t *res = malloc(count > 0 ? count * ts : 1);
    RETURN_IF_NULL_ALLOC(res, count * ts);
    convert(bytes, stored, count, to, res);
    *out = res;
    *out_n = count;
    *out_type = to;
    return LV_OK;
}

lv_status lv_decode_array_alloc(const char *b64, size_t b64_len, const lv_array_encoding *enc,
                                int out_dtype, void **out, uint64_t *out_n, lv_dtype *out_type,
                                lv_decode_scratch *scratch)
{
    if (scratch != NULL)
        return decode_alloc(b64, b64_len, enc, out_dtype, out, out_n, out_type, scratch);
    lv_decode_scratch local = {0};
    lv_status st = decode_alloc(b64, b64_len, enc, out_dtype, out, out_n, out_type, &local);
    lv_decode_scratch_free(&local);
    return st;
}
