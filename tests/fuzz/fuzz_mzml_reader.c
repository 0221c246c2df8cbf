/*
 * fuzz_mzml_reader.c - libFuzzer target for the whole mzML reader: header, index verification and
 * rebuild, record splitting, the SAX metadata parser, array decoding and batch layout.
 *
 * Input layout:
 *   byte 0  bit 0  rebuild_index
 *           bit 1  verify_checksum
 *           bits 2-3  batch point budget: 1, 64, 4096 or the default
 *   rest    the file's bytes (plain or gzip: the reader detects gzip by its magic)
 *
 * The bytes are put in a memfd so that the reader maps them like a file.  Every public entry point
 * a user would call on an opened file runs: info, streaming with next() to the end, random
 * access to spectra and chromatograms, find_id, find_rt.  Besides crashes and sanitizer reports,
 * it traps when an invariant fails: statuses are documented codes with a message, and every
 * batch's CSR layout is consistent.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lavoisier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

/* A failing call must return a documented status and leave a message. */
static void check_status(lv_status st)
{
    CHECK(st >= LV_OK && st <= LV_ERR_INTERNAL);
    CHECK(st != LV_ERR_INTERNAL);
    if (st != LV_OK) CHECK(lv_last_error()[0] != '\0');
}

static void check_batch(const lv_batch *b)
{
    lv_batch_view v;
    memset(&v, 0, sizeof v);
    v.size = sizeof v;
    CHECK(lv_batch_get_view(b, &v) == LV_OK);
    CHECK(v.offsets[0] == 0 && v.offsets[v.n_records] == v.n_points);
    for (uint64_t i = 0; i < v.n_records; i++) {
        CHECK(v.offsets[i] <= v.offsets[i + 1]);
        CHECK(v.id_offsets[i] <= v.id_offsets[i + 1]);
        const char *id = lv_batch_id(b, i);
        CHECK(id != NULL && strlen(id) == v.id_offsets[i + 1] - v.id_offsets[i] - 1);
        if (i > 0) CHECK(v.index[i] > v.index[i - 1]);
    }
    /* Touch every value so ASan sees any read past the block. */
    double sum = 0;
    for (uint64_t k = 0; k < v.n_points; k++)
        sum += v.mz[k] + (double)v.intensity[k];
    (void)sum;
    for (uint32_t k = 0; k < v.n_extra; k++) {
        const uint64_t *off = NULL;
        CHECK(lv_batch_extra(b, k, NULL, NULL, &off, NULL) == LV_OK);
        for (uint64_t i = 0; i < v.n_records; i++)
            CHECK(off[i] <= off[i + 1]);
    }
}

static void exercise(lv_reader *r)
{
    lv_file_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    check_status(lv_reader_info(r, &info));

    /* Streaming to the end (bounded: a corrupt file can only make it stop early). */
    uint64_t seen = 0;
    for (int guard = 0; guard < 100000; guard++) {
        lv_batch *b = NULL;
        lv_status st = lv_reader_next(r, &b);
        check_status(st);
        if (st != LV_OK || b == NULL) break;
        check_batch(b);
        seen += lv_batch_count(b);
        lv_batch_destroy(b);
    }
    CHECK(seen <= info.n_spectra);

    /* Random access to the last spectrum and to all chromatograms. */
    if (info.n_spectra > 0) {
        lv_batch *b = NULL;
        lv_status st = lv_reader_read(r, LV_RECORD_SPECTRUM, info.n_spectra - 1, 1, &b);
        check_status(st);
        if (st == LV_OK) {
            check_batch(b);
            const char *id = lv_batch_id(b, 0);
            uint64_t index = 0;
            char copy[256];
            snprintf(copy, sizeof copy, "%s", id);
            lv_batch_destroy(b);
            st = lv_reader_find_id(r, LV_RECORD_SPECTRUM, copy, &index);
            check_status(st);
            /* Ids may repeat in a corrupt file; the one found must at least exist. */
            if (st == LV_OK) CHECK(index < info.n_spectra);
        }
    }
    if (info.n_chromatograms > 0) {
        lv_batch *b = NULL;
        lv_status st = lv_reader_read(r, LV_RECORD_CHROMATOGRAM, 0, info.n_chromatograms, &b);
        check_status(st);
        if (st == LV_OK) {
            check_batch(b);
            lv_batch_destroy(b);
        }
    }
    uint64_t first = 0, count = 0;
    lv_status st = lv_reader_find_rt(r, -INFINITY, INFINITY, &first, &count);
    check_status(st);
    if (st == LV_OK) CHECK(first + count <= info.n_spectra);
    check_status(lv_reader_seek(r, 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t flags = data[0];
    data++;
    size--;

    int fd = memfd_create("fuzz_mzml", MFD_CLOEXEC);
    CHECK(fd >= 0);
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        CHECK(w > 0);
        done += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    static const uint64_t budgets[4] = {1, 64, 4096, 0};
    lv_reader_params p;
    lv_reader_params_init(&p);
    p.rebuild_index = flags & 1u;
    p.verify_checksum = (flags >> 1) & 1u;
    if (budgets[(flags >> 2) & 3u]) p.batch_points = budgets[(flags >> 2) & 3u];

    lv_reader *r = NULL;
    lv_status st = lv_reader_open(path, &p, &r);
    check_status(st);
    if (st == LV_OK) {
        exercise(r);
        lv_reader_close(r);
    }
    close(fd);
    return 0;
}
