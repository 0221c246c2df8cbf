/* fuzz_gzip_source.c - lv_source over arbitrary bytes (mostly gzip, from the seed corpus).
 *
 * The input is written to a temporary file and opened as a source, with access points every
 * 64 output bytes so that even tiny inputs exercise restarts (bit priming, windows, member
 * boundaries) and the spacing doubling of the memory cap.  Then views at offsets and lengths
 * taken from the input's first bytes are checked against a first, sequential read of the whole
 * content.  Errors are fine; crashes, sanitizer reports and inconsistent views are not. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/source.h"
#include "io/source_gzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next_u64(uint64_t *state)
{
    /* splitmix64: the view script is derived from the input, so runs are reproducible. */
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int write_temp(const uint8_t *data, size_t size, char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/lv-fuzz-gzip-%ld-XXXXXX", dir && *dir ? dir : "/tmp", (long)getpid());
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    close(fd);
    if (done != size) {
        unlink(path);
        return -1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    if (write_temp(data, size, path, sizeof path) != 0) return 0;

    lv_gzip_tuning tuning;
    lv_gzip_tuning_init(&tuning);
    tuning.span = 64;
    tuning.index_cap = 256 * 1024; /* a few windows: doubling starts early */
    tuning.view_readahead = 128;
    lv_source *src = NULL;
    if (lv_source_open_tuned(path, &tuning, &src) != LV_OK) {
        unlink(path);
        return 0;
    }
    unlink(path);

    /* Open guarantees content; past 64 MiB (a gzip bomb) only the open pass is exercised. */
    const uint64_t total = lv_source_size(src);
    if (total == 0) abort();
    uint8_t *whole = total <= ((uint64_t)64 << 20) ? malloc((size_t)total) : NULL;
    const uint8_t *p = NULL;
    size_t got = 0;
    if (whole && lv_source_view(src, 0, (size_t)total, &p, &got) == LV_OK) {
        if (got != total) abort();
        memcpy(whole, p, got);
        uint64_t state = size;
        for (size_t i = 0; i < 8 && i < size; i++)
            state = state * 131 + data[i];
        for (int k = 0; k < 24; k++) {
            uint64_t r = next_u64(&state);
            uint64_t off = r % (total + 16);
            size_t len = (size_t)(next_u64(&state) % (r & 1 ? 64 : total + 16));
            if (lv_source_view(src, off, len, &p, &got) != LV_OK) break;
            size_t want = off >= total ? 0 : (size_t)(total - off < len ? total - off : len);
            if (got != want || (got && memcmp(p, whole + off, got) != 0)) abort();
            if (k % 5 == 4) lv_source_release_before(src, off);
        }
    }
    free(whole);
    lv_source_close(src);
    return 0;
}
