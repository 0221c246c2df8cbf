/*
 * zlib_inflate.c - zlib (RFC 1950) arrays of mzML through libdeflate.
 *
 * libdeflate inflates a whole buffer in one call, about twice as fast as zlib's streaming
 * inflate, but it needs the output room up front.  mzML usually tells us the size (arrayLength
 * times the element size), so the common case is one call into a buffer of exactly that size.
 * When the size is unknown (numpress followed by zlib, extra arrays) the buffer grows by doubling
 * from a guess of 4x the input, up to LV_ZLIB_MAX_OUT.
 *
 * A decompressor holds about 10 KB of tables; allocating one per array would cost more than
 * inflating a small array, so each thread keeps one.  A pthread key frees it when the thread
 * exits; the pointer itself lives in a _Thread_local for a fast lookup.
 */
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>

#include "io/decode.h"
#include "runtime/error.h"

/* No single mzML array is anywhere near this; a stream that inflates beyond it is hostile or
 * corrupt, and refusing it keeps a zip bomb from exhausting memory. */
#define LV_ZLIB_MAX_OUT ((size_t)1 << 30)

static _Thread_local struct libdeflate_decompressor *tls_decompressor;
static pthread_key_t decompressor_key;
static pthread_once_t decompressor_once = PTHREAD_ONCE_INIT;
static int decompressor_key_ok;

static void free_decompressor(void *p)
{
    libdeflate_free_decompressor(p);
}

static void make_key(void)
{
    decompressor_key_ok = pthread_key_create(&decompressor_key, free_decompressor) == 0;
}

static lv_status get_decompressor(struct libdeflate_decompressor **out)
{
    if (tls_decompressor == NULL) {
        struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
        RETURN_ERROR_IF(d == NULL, LV_ERR_NO_MEMORY,
                        "zlib: out of memory allocating a libdeflate decompressor");
        pthread_once(&decompressor_once, make_key);
        /* Without the key the decompressor still works; it is only not freed at thread exit. */
        if (decompressor_key_ok) pthread_setspecific(decompressor_key, d);
        tls_decompressor = d;
    }
    *out = tls_decompressor;
    return LV_OK;
}

/* Grows a malloc'd buffer to at least `need` bytes without keeping its contents. */
static lv_status ensure_room(uint8_t **buf, size_t *cap, size_t need)
{
    if (*cap >= need && *buf != NULL) return LV_OK;
    uint8_t *p = malloc(need > 0 ? need : 1);
    RETURN_IF_NULL_ALLOC(p, need);
    free(*buf);
    *buf = p;
    *cap = need;
    return LV_OK;
}

/* Inflates with a doubling buffer.  On success *buf holds *out_n bytes. */
static lv_status inflate_growing(struct libdeflate_decompressor *d, const uint8_t *src, size_t n,
                                 uint8_t **buf, size_t *cap, size_t *out_n)
{
    size_t size = n < LV_ZLIB_MAX_OUT / 4 ? 4 * n : LV_ZLIB_MAX_OUT;
    if (size < 1024) size = 1024;
    if (*buf != NULL && *cap > size) size = *cap < LV_ZLIB_MAX_OUT ? *cap : LV_ZLIB_MAX_OUT;
    for (;;) {
        FORWARD_IF_ERROR(ensure_room(buf, cap, size));
        size_t got = 0;
        enum libdeflate_result r = libdeflate_zlib_decompress(d, src, n, *buf, size, &got);
        if (r == LIBDEFLATE_SUCCESS) {
            *out_n = got;
            return LV_OK;
        }
        RETURN_ERROR_IF(r != LIBDEFLATE_INSUFFICIENT_SPACE, LV_ERR_ZLIB,
                        "zlib: data corrupt (%zu compressed bytes do not inflate)", n);
        RETURN_ERROR_IF(size >= LV_ZLIB_MAX_OUT, LV_ERR_ZLIB,
                        "zlib: inflated size exceeds the %zu MiB limit (%zu compressed bytes)",
                        LV_ZLIB_MAX_OUT >> 20, n);
        size = size <= LV_ZLIB_MAX_OUT / 2 ? 2 * size : LV_ZLIB_MAX_OUT;
    }
}

lv_status lv_zlib_inflate(const uint8_t *src, size_t n, size_t expect_n, uint8_t **dst, size_t *cap,
                          size_t *out_n)
{
    RETURN_ERROR_IF(dst == NULL || cap == NULL || out_n == NULL || (src == NULL && n > 0),
                    LV_ERR_INVALID_ARGUMENT, "zlib: NULL argument");
    struct libdeflate_decompressor *d = NULL;
    FORWARD_IF_ERROR(get_decompressor(&d));

    if (expect_n == 0) return inflate_growing(d, src, n, dst, cap, out_n);

    if (*cap < expect_n || *dst == NULL) {
        /* Growing realloc's semantics are not needed: the old contents are dead. */
        FORWARD_IF_ERROR(ensure_room(dst, cap, expect_n));
    }
    enum libdeflate_result r = libdeflate_zlib_decompress(d, src, n, *dst, expect_n, NULL);
    if (r == LIBDEFLATE_SUCCESS) {
        *out_n = expect_n;
        return LV_OK;
    }
    RETURN_ERROR_IF(r == LIBDEFLATE_BAD_DATA, LV_ERR_ZLIB,
                    "zlib: data corrupt (%zu compressed bytes do not inflate)", n);

    /* A size mismatch.  Find the real size for the message, without touching *dst beyond
     * expect_n bytes (it may be the caller's output array). */
    size_t got = 0;
    if (r == LIBDEFLATE_SHORT_OUTPUT) {
        /* The first pass stops before the Adler-32 check, so corruption can show up here. */
        r = libdeflate_zlib_decompress(d, src, n, *dst, expect_n, &got);
        RETURN_ERROR_IF(r != LIBDEFLATE_SUCCESS, LV_ERR_ZLIB,
                        "zlib: data corrupt (%zu compressed bytes do not inflate)", n);
    } else {
        uint8_t *tmp = NULL;
        size_t tmp_cap = 0;
        lv_status st = inflate_growing(d, src, n, &tmp, &tmp_cap, &got);
        free(tmp);
        /* Corrupt further on, or beyond the size limit: that is the more useful message. */
        FORWARD_IF_ERROR(st);
    }
    *out_n = got;
    return lv_error_set(LV_ERR_ARRAY_LENGTH, "zlib: inflated to %zu bytes, expected %zu", got,
                        expect_n);
}
