/* cmd_simulate.c - `lavoisier simulate`: writes a simulated LC-MS/MS run as indexed mzML. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lavoisier simulate --size SIZE [OPTIONS] OUT.mzML\n"
            "\n"
            "Writes a realistic, deterministic LC-MS/MS run (profile MS1, centroid top-N MS2,\n"
            "TIC chromatogram) as indexed mzML 1.1 with a SHA-1 checksum.\n"
            "\n"
            "options:\n"
            "  --size SIZE           approximate file size: 64k, 16M, 1G, 10GB ... (required)\n"
            "  --seed N              random seed; the same seed gives the same bytes (default 1)\n"
            "  --ms1-points N        profile points per MS1 spectrum (default 20000)\n"
            "  --ms2-per-cycle N     MS2 spectra after each MS1, top-N (default 10)\n"
            "  --no-compress         store arrays uncompressed instead of zlib\n"
            "  --help                show this help\n");
}

static int parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    if (!text || !*text || *text == '-' || *text == '+') return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) return -1;
    *out = v;
    return 0;
}

/* The spectrum count from the file's header: the public API returns only a status, and the
 * spectrumList start tag is within the first few kilobytes. */
static unsigned long long spectra_in(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char head[65536];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    const char *p = strstr(head, "<spectrumList count=\"");
    return p ? strtoull(p + strlen("<spectrumList count=\""), NULL, 10) : 0;
}

static double seconds_now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int cli_simulate(int argc, char **argv)
{
    lv_simulate_params params;
    lv_simulate_params_init(&params);
    const char *out_path = NULL;
    int have_size = 0;
    char what[256];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--no-compress") == 0) {
            params.compress = 0;
            continue;
        }
        if (strncmp(arg, "--", 2) == 0) {
            /* --name VALUE or --name=VALUE */
            const char *eq = strchr(arg, '=');
            size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
            const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            uint64_t v = 0;
            int bad = value == NULL;
            if (name_len == 6 && strncmp(arg, "--size", 6) == 0) {
                bad = bad || cli_parse_size(value, &v) != 0 || v == 0;
                params.target_bytes = v;
                have_size = 1;
            } else if (name_len == 6 && strncmp(arg, "--seed", 6) == 0) {
                bad = bad || parse_u64(value, UINT64_MAX, &v) != 0;
                params.seed = v;
            } else if (name_len == 12 && strncmp(arg, "--ms1-points", 12) == 0) {
                bad = bad || parse_u64(value, UINT32_MAX, &v) != 0;
                params.ms1_points = (uint32_t)v;
            } else if (name_len == 15 && strncmp(arg, "--ms2-per-cycle", 15) == 0) {
                bad = bad || parse_u64(value, UINT32_MAX, &v) != 0;
                params.ms2_per_cycle = (uint32_t)v;
            } else {
                snprintf(what, sizeof what, "unknown option '%.*s' (see --help)", (int)name_len,
                         arg);
                return cli_fail("simulate", what, LV_ERR_INVALID_ARGUMENT);
            }
            if (bad) {
                snprintf(what, sizeof what, "invalid value '%s' for %.*s", value ? value : "",
                         (int)name_len, arg);
                return cli_fail("simulate", what, LV_ERR_INVALID_ARGUMENT);
            }
            continue;
        }
        if (out_path) {
            snprintf(what, sizeof what, "unexpected argument '%s' (one output path only)", arg);
            return cli_fail("simulate", what, LV_ERR_INVALID_ARGUMENT);
        }
        out_path = arg;
    }
    if (!have_size) return cli_fail("simulate", "--size is required", LV_ERR_INVALID_ARGUMENT);
    if (!out_path)
        return cli_fail("simulate", "missing output path OUT.mzML", LV_ERR_INVALID_ARGUMENT);

    double t0 = seconds_now();
    lv_status st = lv_simulate(out_path, &params);
    double elapsed = seconds_now() - t0;
    if (st != LV_OK) {
        snprintf(what, sizeof what, "cannot write '%s'", out_path);
        return cli_fail("simulate", what, st);
    }
    FILE *f = fopen(out_path, "rb");
    long long bytes = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) bytes = (long long)ftell(f);
    if (f) fclose(f);
    fprintf(stderr, "lavoisier simulate: %llu spectra, %lld bytes in %.2f s (%.1f MB/s) -> %s\n",
            spectra_in(out_path), bytes, elapsed, elapsed > 0 ? (double)bytes / 1e6 / elapsed : 0.0,
            out_path);
    return 0;
}
