/*
 * fuzz_decode.c - libFuzzer target for the binary-array decoders (base64, zlib, numpress and
 * the lv_decode_array chain).
 *
 * Input layout:
 *   byte 0  bits 0-2  stored dtype (0-4; 5-7: no type term)
 *           bit 3     zlib
 *           bits 4-5  numpress codec (0 none, 1 linear, 2 pic, 3 slof)
 *           bit 6     "raw": the payload is the decoded bytes and is base64-encoded here, so
 *                     the fuzzer reaches zlib and numpress without having to learn base64
 *           bit 7     wrap the base64 text with whitespace (raw mode)
 *   byte 1  bits 0-2  output dtype (0-4; 5-7: the stored type via lv_decode_array_alloc(-1))
 *           bits 3-4  declared length relative to the decoded one (0 same, 1 one less,
 *                     2 one more, 3 zero)
 *   rest    payload
 *
 * Besides crashes and sanitizer reports, it checks invariants and traps when one fails:
 * decoders stay within their documented output room, lv_decode_array agrees with
 * lv_decode_array_alloc, and every failure is one of the documented statuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/base64.h"
#include "io/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

static char *encode_b64(const uint8_t *s, size_t n, int wrap, size_t *out_len)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t enc = (n + 2) / 3 * 4;
    char *o = malloc(enc + enc / 7 * 2 + 3);
    CHECK(o != NULL);
    size_t k = 0, q = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n) v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        char c[4] = {A[v >> 18], A[(v >> 12) & 63], i + 1 < n ? A[(v >> 6) & 63] : '=',
                     i + 2 < n ? A[v & 63] : '='};
        for (int j = 0; j < 4; j++) {
            o[k++] = c[j];
            if (wrap && ++q % 7 == 0) {
                o[k++] = '\r';
                o[k++] = '\n';
            }
        }
    }
    if (wrap) o[k++] = ' ';
    *out_len = k;
    return o;
}

static int status_ok(lv_status st)
{
    return st == LV_OK || st == LV_ERR_BASE64 || st == LV_ERR_ZLIB || st == LV_ERR_NUMPRESS ||
           st == LV_ERR_ARRAY_LENGTH || st == LV_ERR_FORMAT || st == LV_ERR_INVALID_ARGUMENT;
}

static void fuzz_numpress_raw(const uint8_t *p, size_t n)
{
    /* The payload in an exactly sized buffer, so that reading past it is caught. */
    uint8_t *in = malloc(n > 0 ? n : 1);
    CHECK(in != NULL);
    if (n > 0) memcpy(in, p, n);
    for (int k = LV_NUMPRESS_LINEAR; k <= LV_NUMPRESS_SLOF; k++) {
        size_t cap = lv_numpress_max_values((lv_numpress)k, n);
        double *out = malloc(cap > 0 ? cap * sizeof(double) : 1);
        CHECK(out != NULL);
        size_t got = SIZE_MAX;
        lv_status st;
        if (k == LV_NUMPRESS_LINEAR)
            st = lv_numpress_decode_linear(in, n, out, cap, &got);
        else if (k == LV_NUMPRESS_PIC)
            st = lv_numpress_decode_pic(in, n, out, cap, &got);
        else
            st = lv_numpress_decode_slof(in, n, out, cap, &got);
        CHECK(st == LV_OK || st == LV_ERR_NUMPRESS);
        if (st == LV_OK) CHECK(got <= cap);
        free(out);
    }
    free(in);
}

static void fuzz_chain(const char *text, size_t len, const lv_array_encoding *enc, uint8_t sel1,
                       lv_decode_scratch *s)
{
    int out_sel = sel1 & 7;
    int out_dtype = out_sel <= 4 ? out_sel : -1;
    void *res = NULL;
    uint64_t n = 0;
    lv_dtype t;
    lv_status st = lv_decode_array_alloc(text, len, enc, out_dtype, &res, &n, &t, s);
    CHECK(status_ok(st));
    if (st != LV_OK) {
        /* The fixed-length decoder must fail too, whatever length is declared. */
        if (out_dtype >= 0) {
            double small[4];
            CHECK(lv_decode_array(text, len, enc, 4, (lv_dtype)out_dtype, small, s) != LV_OK);
        }
        return;
    }
    size_t es = lv_dtype_size(t);
    uint64_t declared = n;
    switch ((sel1 >> 3) & 3) {
    case 1: declared = n > 0 ? n - 1 : 0; break;
    case 2: declared = n + 1; break;
    case 3: declared = 0; break;
    }
    /* Exactly the declared size, so writes beyond it are caught. */
    uint8_t *out = malloc(declared > 0 ? declared * es : 1);
    CHECK(out != NULL);
    lv_status st2 = lv_decode_array(text, len, enc, declared, t, declared > 0 ? out : NULL, s);
    if (declared == n) {
        CHECK(st2 == LV_OK);
        CHECK(n == 0 || memcmp(out, res, n * es) == 0);
    } else {
        CHECK(st2 == LV_ERR_ARRAY_LENGTH);
    }
    free(out);
    free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    uint8_t sel0 = data[0], sel1 = data[1];
    const uint8_t *payload = data + 2;
    size_t n = size - 2;

    lv_array_encoding enc;
    enc.dtype = (lv_dtype)((sel0 & 7) <= 4 ? (sel0 & 7) : 0);
    enc.dtype_known = (sel0 & 7) <= 4;
    enc.zlib = (sel0 >> 3) & 1;
    enc.numpress = (lv_numpress)((sel0 >> 4) & 3);
    int raw = (sel0 >> 6) & 1, wrap = (sel0 >> 7) & 1;

    /* Base64 on the payload as text, into exactly the documented room. */
    size_t bound = lv_base64_decoded_bound(n);
    uint8_t *dec = malloc(bound);
    CHECK(dec != NULL);
    size_t dn = SIZE_MAX;
    lv_status st = lv_base64_decode((const char *)payload, n, dec, &dn);
    CHECK(st == LV_OK || st == LV_ERR_BASE64);
    if (st == LV_OK) CHECK(dn <= bound);
    free(dec);

    fuzz_numpress_raw(payload, n);

    lv_decode_scratch s = {0};
    if (raw) {
        size_t len;
        char *text = encode_b64(payload, n, wrap, &len);
        fuzz_chain(text, len, &enc, sel1, &s);
        free(text);
    } else {
        char *text = malloc(n > 0 ? n : 1);
        CHECK(text != NULL);
        if (n > 0) memcpy(text, payload, n);
        fuzz_chain(text, n, &enc, sel1, &s);
        free(text);
    }
    lv_decode_scratch_free(&s);
    return 0;
}
