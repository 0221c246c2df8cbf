/* error.c - thread-local detail messages and status names. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LV_ERROR_CAP 2048

static _Thread_local char tls_message[LV_ERROR_CAP];

lv_status lv_error_set(lv_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tls_message, sizeof tls_message, fmt, ap);
    va_end(ap);
    return status;
}

lv_status lv_error_prefix(lv_status status, const char *fmt, ...)
{
    char prefix[LV_ERROR_CAP];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0) return status;
    /* prefix + ": " + old message, truncated to the buffer. */
    char joined[LV_ERROR_CAP];
    size_t plen = strnlen(prefix, sizeof joined - 3);
    memcpy(joined, prefix, plen);
    memcpy(joined + plen, ": ", 2);
    size_t rest = sizeof joined - plen - 3;
    size_t mlen = strnlen(tls_message, rest);
    memcpy(joined + plen + 2, tls_message, mlen);
    joined[plen + 2 + mlen] = '\0';
    memcpy(tls_message, joined, plen + 3 + mlen);
    return status;
}

void lv_error_clear(void)
{
    tls_message[0] = '\0';
}

LV_API const char *lv_last_error(void)
{
    return tls_message;
}

LV_API const char *lv_status_string(lv_status status)
{
    switch (status) {
    case LV_OK: return "ok";
    case LV_ERR_INVALID_ARGUMENT: return "invalid argument";
    case LV_ERR_NO_MEMORY: return "out of memory";
    case LV_ERR_IO: return "input/output error";
    case LV_ERR_EMPTY_FILE: return "empty file";
    case LV_ERR_TRUNCATED: return "truncated input";
    case LV_ERR_XML: return "malformed XML";
    case LV_ERR_FORMAT: return "invalid mzML";
    case LV_ERR_BASE64: return "invalid base64";
    case LV_ERR_ZLIB: return "corrupt zlib data";
    case LV_ERR_GZIP: return "corrupt gzip data";
    case LV_ERR_NUMPRESS: return "corrupt MS-Numpress data";
    case LV_ERR_ARRAY_LENGTH: return "array length mismatch";
    case LV_ERR_NOT_FOUND: return "not found";
    case LV_ERR_UNSUPPORTED: return "unsupported";
    case LV_ERR_CUDA: return "CUDA error";
    case LV_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

LV_API const char *lv_version(void)
{
    return LV_VERSION_STRING;
}
LV_API uint32_t lv_version_number(void)
{
    return LV_VERSION_NUMBER;
}
