/* sha1.h - SHA-1 (FIPS 180-4), for mzML's fileChecksum (written and verified). */
#ifndef LV_SHA1_H
#define LV_SHA1_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_sha1 {
    uint32_t h[5];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t fill;
} lv_sha1;

void lv_sha1_init(lv_sha1 *s);
void lv_sha1_update(lv_sha1 *s, const void *data, size_t n);
/* Writes the digest as 40 lowercase hex characters plus NUL into hex[41]. */
void lv_sha1_final_hex(lv_sha1 *s, char hex[41]);

#ifdef __cplusplus
}
#endif
#endif
