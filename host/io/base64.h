/* base64.h - RFC 4648 base64 as used by mzML <binary> elements.
 *
 * Decoding never goes through libxml2: the reader locates each payload by a byte scan and hands
 * the raw span here.  Whitespace (space, tab, CR, LF) inside a payload is skipped, because some
 * writers wrap lines; '=' padding is required only to complete the final quantum. */
#ifndef LV_BASE64_H
#define LV_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound of decoded bytes for n input characters. */
static inline size_t lv_base64_decoded_bound(size_t n)
{
    return (n / 4 + 1) * 3;
}
/* Exact encoded length (with padding) of n bytes. */
static inline size_t lv_base64_encoded_size(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* Decodes src[0..n) into dst (room for lv_base64_decoded_bound(n) bytes) and sets *out_n.
 * Errors: LV_ERR_BASE64 naming the offending character and its offset within src. */
lv_status lv_base64_decode(const char *src, size_t n, uint8_t *dst, size_t *out_n);
/* The same without the vector path, whatever the CPU: the reference of the tests. */
lv_status lv_base64_decode_scalar(const char *src, size_t n, uint8_t *dst, size_t *out_n);

/* Encodes src[0..n) into dst (room for lv_base64_encoded_size(n) bytes, no NUL added).
 * Returns the number of characters written. */
size_t lv_base64_encode(const uint8_t *src, size_t n, char *dst);

#ifdef __cplusplus
}
#endif
#endif
