/* decode.h - one mzML binary data array from its base64 text to typed values.
 *
 * The chain is: base64 -> optional zlib inflate -> optional MS-Numpress decode -> conversion to
 * the caller's element type.  The encoding is decided per array (never per file) from the array's
 * own cvParams.  Numpress always yields doubles, whatever precision term the array carries (or
 * lacks). */
#ifndef LV_DECODE_H
#define LV_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lv_numpress {
    LV_NUMPRESS_NONE = 0,
    LV_NUMPRESS_LINEAR = 1, /* MS:1002312 */
    LV_NUMPRESS_PIC = 2,    /* MS:1002313 */
    LV_NUMPRESS_SLOF = 3    /* MS:1002314 */
} lv_numpress;

typedef struct lv_array_encoding {
    lv_dtype dtype;      /* element type of the stored values (ignored for numpress) */
    uint8_t dtype_known; /* 0 when the array carries no precision/type term */
    uint8_t zlib;        /* 1: zlib compression (alone, or applied after numpress) */
    lv_numpress numpress;
} lv_array_encoding;

/* Reusable per-thread scratch buffers (grown on demand, freed by lv_decode_scratch_free). */
typedef struct lv_decode_scratch {
    uint8_t *a;
    size_t a_cap;
    uint8_t *b;
    size_t b_cap;
} lv_decode_scratch;

void lv_decode_scratch_free(lv_decode_scratch *s);

/* Size in bytes of one element of a dtype. */
size_t lv_dtype_size(lv_dtype t);

/* Decodes one array whose declared length is expected_n elements into out, converted to
 * out_dtype (LV_DTYPE_F64 or LV_DTYPE_F32 for m/z, time and intensity; the stored type for extra
 * arrays, or F64 for numpress).  out has room for expected_n elements of out_dtype.
 * Errors (message says which check failed and at which byte of the payload):
 *   LV_ERR_BASE64, LV_ERR_ZLIB, LV_ERR_NUMPRESS,
 *   LV_ERR_ARRAY_LENGTH when the decoded element count differs from expected_n (or the byte count
 *   is not a multiple of the element size),
 *   LV_ERR_FORMAT when the dtype is unknown for a non-numpress array, or an ASCII array is asked
 *   for as numbers.
 *
 * Details of the contract (implementation in decode.c): conversions are f32 -> f64 exact,
 * f64 -> f32 rounded to nearest, i32 and i64 -> f64 or f32 by value (rounded to nearest where
 * not exact), i32 -> i64; other numeric pairs fail with LV_ERR_INVALID_ARGUMENT.  An empty
 * payload (no base64 characters) is an empty array whatever its compression.  scratch may be
 * NULL (buffers are then allocated and freed within the call).  out need not be aligned; its
 * contents are unspecified after an error. */
lv_status lv_decode_array(const char *b64, size_t b64_len, const lv_array_encoding *enc,
                          uint64_t expected_n, lv_dtype out_dtype, void *out,
                          lv_decode_scratch *scratch);

/* Decodes one array of unknown length, allocating the result (malloc; caller frees *out) in
 * out_dtype (or, when out_dtype is (lv_dtype)-1, in the stored dtype: F64 for numpress).  Sets
 * *out_n elements and *out_type. */
lv_status lv_decode_array_alloc(const char *b64, size_t b64_len, const lv_array_encoding *enc,
                                int out_dtype, void **out, uint64_t *out_n, lv_dtype *out_type,
                                lv_decode_scratch *scratch);

/* zlib-format (RFC 1950) inflate of src into a growing buffer *dst (capacity *cap, realloc'd as
 * needed); sets *out_n.  When expect_n is nonzero it is the exact expected output size (the fast
 * path: one libdeflate call).
 *
 * Details of the contract (implementation in zlib_inflate.c):
 *   - *dst is replaced (the old buffer freed, its contents not kept) only when it is NULL or
 *     smaller than needed.  So with expect_n > 0 and *cap >= expect_n, *dst is never freed or
 *     replaced and may be any writable memory (e.g. the caller's output array); otherwise it
 *     must come from malloc.
 *   - Without expect_n the buffer starts at 4x the input and doubles; output beyond 1 GiB fails
 *     with LV_ERR_ZLIB.  Bytes after the end of the zlib stream are ignored.
 *   - Errors: LV_ERR_ZLIB (corrupt data, or too large); LV_ERR_ARRAY_LENGTH when the stream
 *     inflates to other than expect_n bytes, in which case *out_n IS set to the actual size. */
lv_status lv_zlib_inflate(const uint8_t *src, size_t n, size_t expect_n, uint8_t **dst, size_t *cap,
                          size_t *out_n);

/* MS-Numpress decoders, bit-identical to libmsnumpress (MSNumpress.cpp) on valid input and
 * bounds-checked on corrupt input (LV_ERR_NUMPRESS, never a read or write out of bounds).
 * out has room for max_out doubles; *out_n is set to the number decoded.
 * A valid stream holding more than max_out values fails with LV_ERR_ARRAY_LENGTH; room for
 * lv_numpress_max_values() doubles always suffices.  Slof streams of odd length are corrupt
 * (libmsnumpress reads a byte past their end).  The contents of out are unspecified after an
 * error. */
lv_status lv_numpress_decode_linear(const uint8_t *src, size_t n, double *out, size_t max_out,
                                    size_t *out_n);
lv_status lv_numpress_decode_pic(const uint8_t *src, size_t n, double *out, size_t max_out,
                                 size_t *out_n);
lv_status lv_numpress_decode_slof(const uint8_t *src, size_t n, double *out, size_t max_out,
                                  size_t *out_n);
/* Upper bound of values a numpress stream of n bytes can decode to. */
size_t lv_numpress_max_values(lv_numpress kind, size_t n);

#ifdef __cplusplus
}
#endif
#endif
