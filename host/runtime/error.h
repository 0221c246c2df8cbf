/* error.h - the thread-local error state behind lv_last_error(), and the macros that propagate
 * statuses inside the library (in the style of zstd's RETURN_ERROR_IF / FORWARD_IF_ERROR).
 *
 * A failing function sets the detail message once, where the failure is detected, and returns its
 * status; callers that know more context (file name, byte offset, record id) add it in front with
 * lv_error_prefix() as the status travels up.  The final message reads outermost context first:
 *   "run.mzML: byte 123456: spectrum 7 'scan=8': m/z array: base64: invalid character '!' ..."
 */
#ifndef LV_ERROR_H
#define LV_ERROR_H

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LV_PRINTF(a, b)
#endif

/* Replaces the thread's message with the formatted text and returns status (for `return`). */
lv_status lv_error_set(lv_status status, const char *fmt, ...) LV_PRINTF(2, 3);
/* Prepends "<formatted text>: " to the thread's message.  Returns status unchanged. */
lv_status lv_error_prefix(lv_status status, const char *fmt, ...) LV_PRINTF(2, 3);
/* Clears the message (at the start of public entry points that succeed). */
void lv_error_clear(void);

/* Fail with `status` and a formatted message when `cond` holds. */
#define RETURN_ERROR_IF(cond, status, ...)                                                         \
    do {                                                                                           \
        if (cond) return lv_error_set((status), __VA_ARGS__);                                      \
    } while (0)

/* Evaluate an expression returning lv_status; return it unchanged when it is an error. */
#define FORWARD_IF_ERROR(expr)                                                                     \
    do {                                                                                           \
        lv_status lv_fwd_status_ = (expr);                                                         \
        if (lv_fwd_status_ != LV_OK) return lv_fwd_status_;                                        \
    } while (0)

/* Same, adding context in front of the message on the way up. */
#define FORWARD_IF_ERROR_CTX(expr, ...)                                                            \
    do {                                                                                           \
        lv_status lv_fwd_status_ = (expr);                                                         \
        if (lv_fwd_status_ != LV_OK) return lv_error_prefix(lv_fwd_status_, __VA_ARGS__);          \
    } while (0)

/* Allocation helpers that set LV_ERR_NO_MEMORY with the size asked for. */
#define RETURN_IF_NULL_ALLOC(ptr, bytes)                                                           \
    RETURN_ERROR_IF((ptr) == NULL, LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",         \
                    (size_t)(bytes))

/* Checks a params struct pointer's size field against the struct the library was built with. */
#define RETURN_IF_BAD_PARAMS_SIZE(p, type)                                                         \
    RETURN_ERROR_IF((p) != NULL && (p)->size != sizeof(type), LV_ERR_INVALID_ARGUMENT,             \
                    #type ".size is %zu, expected %zu (call " #type "_init-style function first)", \
                    (size_t)(p)->size, sizeof(type))

#ifdef __cplusplus
}
#endif

#endif
