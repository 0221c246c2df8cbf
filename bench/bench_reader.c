/* bench_reader.c - reader throughput against its bound, in one process per measurement.
 *
 *   bench_reader FILE bound          one core: locate each <binary>, base64-decode it and
 *                                    inflate it with libdeflate (what any reader must do)
 *   bench_reader FILE read THREADS   lv_reader_next over the whole file with THREADS threads
 *
 * Prints one line: mode, threads, seconds, MB/s (XML bytes / wall time), spectra/s, points and
 * the process's peak RSS (VmHWM) in MB.  Run each mode in its own process so that the peak RSS
 * belongs to that mode alone (bench/run_reader_bench.sh does this and takes medians). */
#define _GNU_SOURCE
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/base64.h"
#include "io/source.h"
#include "lavoisier.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtod(line + 6, NULL);
    if (f) fclose(f);
    return kb / 1024.0;
}

/* The bound: the irreducible work of reading the arrays, on one core. */
static int run_bound(const char *path)
{
    lv_source *src;
    if (lv_source_open(path, &src) != LV_OK) {
        fprintf(stderr, "%s\n", lv_last_error());
        return 1;
    }
    const uint8_t *p = lv_source_mapping(src);
    uint64_t n = lv_source_size(src);
    if (!p) {
        fprintf(stderr, "bound mode needs an uncompressed file\n");
        return 1;
    }
    size_t cap = 64u << 20;
    uint8_t *raw = malloc(cap), *out = malloc(cap);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    double t0 = now();
    uint64_t arrays = 0, bytes_out = 0, pos = 0;
    while (pos < n) {
        const uint8_t *b = memmem(p + pos, n - pos, "<binary>", 8);
        if (!b) break;
        const uint8_t *s = b + 8;
        const uint8_t *e = memchr(s, '<', n - (uint64_t)(s - p));
        if (!e) break;
        size_t m = 0;
        if ((size_t)(e - s) / 4 * 3 + 3 > cap) break;
        if (lv_base64_decode((const char *)s, (size_t)(e - s), raw, &m) != LV_OK) break;
        size_t got = 0;
        if (libdeflate_zlib_decompress(d, raw, m, out, cap, &got) == LIBDEFLATE_SUCCESS)
            bytes_out += got;
        else
            bytes_out += m; /* uncompressed array */
        arrays++;
        pos = (uint64_t)(e - p);
        lv_source_release_before(src, pos);
    }
    double secs = now() - t0;
    printf("bound\t1\t%.3f\t%.1f\tarrays=%llu\tdecoded_MB=%.1f\tpeak_rss_MB=%.1f\n", secs,
           (double)n / secs / 1e6, (unsigned long long)arrays, (double)bytes_out / 1e6,
           peak_rss_mb());
    libdeflate_free_decompressor(d);
    free(raw);
    free(out);
    lv_source_close(src);
    return 0;
}

static int run_read(const char *path, uint32_t threads)
{
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = threads;
    lv_context *ctx;
    lv_reader *r;
    double t0 = now();
    if (lv_context_create(&cp, &ctx) != LV_OK) return 1;
    lv_reader_params rp;
    lv_reader_params_init(&rp);
    rp.context = ctx;
    if (lv_reader_open(path, &rp, &r) != LV_OK) {
        fprintf(stderr, "%s\n", lv_last_error());
        return 1;
    }
    uint64_t spectra = 0, points = 0;
    lv_batch *b;
    lv_status st;
    while ((st = lv_reader_next(r, &b)) == LV_OK && b) {
        spectra += lv_batch_count(b);
        lv_batch_view v = {.size = sizeof v};
        lv_batch_get_view(b, &v);
        points += v.n_points;
        lv_batch_destroy(b);
    }
    if (st != LV_OK) {
        fprintf(stderr, "%s\n", lv_last_error());
        return 1;
    }
    double secs = now() - t0;
    lv_file_info fi = {.size = sizeof fi};
    lv_reader_info(r, &fi);
    printf("read\t%u\t%.3f\t%.1f\tspectra_per_s=%.0f\tpoints=%llu\tpeak_rss_MB=%.1f\n", threads,
           secs, (double)fi.file_bytes / secs / 1e6, (double)spectra / secs,
           (unsigned long long)points, peak_rss_mb());
    lv_reader_close(r);
    lv_context_destroy(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "bound") == 0) return run_bound(argv[1]);
    if (argc >= 4 && strcmp(argv[2], "read") == 0)
        return run_read(argv[1], (uint32_t)strtoul(argv[3], NULL, 10));
    fprintf(stderr, "usage: %s FILE bound | FILE read THREADS\n", argv[0]);
    return 2;
}
