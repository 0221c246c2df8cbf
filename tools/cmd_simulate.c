/* cmd_simulate.c - `lavoisier simulate --size SIZE [--seed N] OUT.mzML`. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: lavoisier simulate --size SIZE [--seed N] [--ms1-points N] "
                 "[--ms2-per-cycle N] [--no-compress] OUT.mzML\n"
                 "Writes a realistic, deterministic LC-MS/MS run (indexedmzML, zlib) of about SIZE "
                 "bytes (e.g. 64M, 1G).\n");
}

static int parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (!end || *end || text[0] == '-') {
        fprintf(stderr, "lavoisier %s: %s expects a number, got '%s'\n", cmd, opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_simulate(int argc, char **argv)
{
    lv_simulate_params p;
    lv_simulate_params_init(&p);
    const char *out = NULL;
    int have_size = 0;
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            if (cli_parse_size(argv[++i], &p.target_bytes) != 0) {
                fprintf(stderr, "lavoisier simulate: --size expects e.g. 64M or 1G, got '%s'\n",
                        argv[i]);
                return 2;
            }
            have_size = 1;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (parse_u64("simulate", "--seed", argv[++i], &p.seed)) return 2;
        } else if (strcmp(argv[i], "--ms1-points") == 0 && i + 1 < argc) {
            if (parse_u64("simulate", "--ms1-points", argv[++i], &v)) return 2;
            p.ms1_points = (uint32_t)v;
        } else if (strcmp(argv[i], "--ms2-per-cycle") == 0 && i + 1 < argc) {
            if (parse_u64("simulate", "--ms2-per-cycle", argv[++i], &v)) return 2;
            p.ms2_per_cycle = (uint32_t)v;
        } else if (strcmp(argv[i], "--no-compress") == 0) {
            p.compress = 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "lavoisier simulate: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!out) {
            out = argv[i];
        } else {
            fprintf(stderr, "lavoisier simulate: one OUT path expected\n");
            return 2;
        }
    }
    if (!out || !have_size) {
        usage(stderr);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    lv_status st = lv_simulate(out, &p);
    if (st != LV_OK) return cli_fail("simulate", out, st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    FILE *f = fopen(out, "rb");
    long bytes = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        bytes = ftell(f);
        fclose(f);
    }
    fprintf(stderr, "lavoisier simulate: wrote %s: %ld bytes in %.2f s (%.0f MB/s)\n", out, bytes,
            secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
    return 0;
}
