/* cli_denoise.c - denoising options shared by `denoise` and `centroid --denoise`: parsing,
 * checking through the library, and the text that names them in the output's dataProcessing. */
#include "cli_denoise.h"

#include <stdlib.h>
#include <string.h>

#include "cli_pipeline.h"

/* Names in lv_wavelet order (PyWavelets' names). */
static const char *const wavelet_names[] = {"haar", "db2",  "db3",  "db4",  "db5",  "db6", "db7",
                                            "db8",  "sym4", "sym5", "sym6", "sym7", "sym8"};
#define N_WAVELETS (sizeof wavelet_names / sizeof wavelet_names[0])

static const char *const method_names[] = {"zengeza", "wavelet", "savgol", "snip"};

int cli_parse_denoise_method(const char *text, lv_denoise_method *method)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(text, method_names[k]) == 0) {
            *method = (lv_denoise_method)k;
            return 0;
        }
    return -1;
}

int cli_parse_denoise_option(lv_denoise_params *p, const char *cmd, int *i, int argc, char **argv)
{
    const char *a = argv[*i];
    if (*i + 1 >= argc) return 0;
    const char *v = argv[*i + 1];
    if (strcmp(a, "--method") == 0) {
        if (cli_parse_denoise_method(v, &p->method) != 0) {
            fprintf(stderr,
                    "lavoisier %s: --method expects zengeza, wavelet, savgol or snip, got '%s'\n",
                    cmd, v);
            return -1;
        }
    } else if (strcmp(a, "--wavelet") == 0) {
        size_t k = 0;
        while (k < N_WAVELETS && strcmp(v, wavelet_names[k]) != 0)
            k++;
        if (k == N_WAVELETS) {
            fprintf(stderr,
                    "lavoisier %s: --wavelet expects haar, db2..db8 or sym4..sym8, got '%s'\n", cmd,
                    v);
            return -1;
        }
        p->wavelet.wavelet = (lv_wavelet)k;
    } else if (strcmp(a, "--level") == 0) {
        if (cli_parse_uint(cmd, a, v, 0, 32, &p->wavelet.level) != 0) return -1;
    } else if (strcmp(a, "--threshold") == 0) {
        if (strcmp(v, "soft") == 0)
            p->wavelet.mode = LV_THRESHOLD_SOFT;
        else if (strcmp(v, "hard") == 0)
            p->wavelet.mode = LV_THRESHOLD_HARD;
        else {
            fprintf(stderr, "lavoisier %s: --threshold expects soft or hard, got '%s'\n", cmd, v);
            return -1;
        }
    } else if (strcmp(a, "--threshold-value") == 0) {
        if (cli_parse_nonneg(cmd, a, v, &p->wavelet.threshold) != 0) return -1;
    } else if (strcmp(a, "--window") == 0) {
        if (cli_parse_uint(cmd, a, v, 1, 255, &p->savgol.window) != 0) return -1;
    } else if (strcmp(a, "--polyorder") == 0) {
        if (cli_parse_uint(cmd, a, v, 0, 20, &p->savgol.polyorder) != 0) return -1;
    } else if (strcmp(a, "--iterations") == 0) {
        if (cli_parse_uint(cmd, a, v, 0, 1u << 30, &p->snip.iterations) != 0) return -1;
    } else {
        return 0;
    }
    ++*i;
    return 1;
}

int cli_check_denoise(const char *cmd, lv_context *ctx, const lv_denoise_params *p)
{
    /* No spectra: the operations check their parameters and return. */
    const uint64_t offsets[1] = {0};
    lv_status st = LV_OK;
    switch (p->method) {
    case LV_DENOISE_ZENGEZA: {
        lv_zengeza_params z;
        lv_zengeza_params_init(&z);
        z.snip = p->snip;
        z.wavelet = p->wavelet;
        st = lv_zengeza(ctx, &z, 0, offsets, NULL, NULL);
        break;
    }
    case LV_DENOISE_WAVELET:
        st = lv_wavelet_denoise(ctx, &p->wavelet, 0, offsets, NULL, NULL);
        break;
    case LV_DENOISE_SAVGOL: st = lv_savgol(ctx, &p->savgol, 0, offsets, NULL, NULL); break;
    case LV_DENOISE_SNIP: st = lv_snip_remove(ctx, &p->snip, 0, offsets, NULL, NULL); break;
    }
    if (st == LV_OK) return 0;
    fprintf(stderr, "lavoisier %s: bad denoising parameters: %s\n", cmd, lv_last_error());
    return 2;
}

static void describe_wavelet(const lv_wavelet_params *w, char *buf, size_t cap)
{
    char level[16], value[40];
    if (w->level)
        snprintf(level, sizeof level, "%u", w->level);
    else
        snprintf(level, sizeof level, "auto");
    if (w->threshold >= 0)
        snprintf(value, sizeof value, "%g", w->threshold);
    else
        snprintf(value, sizeof value, "universal");
    snprintf(buf, cap, "wavelet=%s level=%s threshold=%s threshold_value=%s",
             (size_t)w->wavelet < N_WAVELETS ? wavelet_names[w->wavelet] : "?", level,
             w->mode == LV_THRESHOLD_HARD ? "hard" : "soft", value);
}

void cli_describe_denoise(const lv_denoise_params *p, char *buf, size_t cap)
{
    char params[256] = "", wavelet[160], levels[160];
    describe_wavelet(&p->wavelet, wavelet, sizeof wavelet);
    cli_describe_levels(p->ms_levels, levels, sizeof levels);
    switch (p->method) {
    case LV_DENOISE_ZENGEZA:
        snprintf(params, sizeof params, "iterations=%u %s", p->snip.iterations, wavelet);
        break;
    case LV_DENOISE_WAVELET: snprintf(params, sizeof params, "%s", wavelet); break;
    case LV_DENOISE_SAVGOL:
        snprintf(params, sizeof params, "window=%u polyorder=%u", p->savgol.window,
                 p->savgol.polyorder);
        break;
    case LV_DENOISE_SNIP:
        snprintf(params, sizeof params, "iterations=%u", p->snip.iterations);
        break;
    }
    snprintf(buf, cap, "denoise method=%s %s ms_levels=%s",
             (unsigned)p->method < 4 ? method_names[p->method] : "?", params, levels);
}

const char *cli_denoise_options_help(void)
{
    return "  --method M            zengeza (SNIP baseline removal, wavelet shrinkage, clamp at "
           "0;\n"
           "                        default), wavelet, savgol or snip (baseline removal)\n"
           "  --wavelet W           haar, db2..db8, sym4..sym8 (default db4)\n"
           "  --level N             wavelet levels, 0 = the most the length allows (default 0)\n"
           "  --threshold soft|hard wavelet threshold rule (default soft)\n"
           "  --threshold-value X   fixed threshold (default: universal, sigma*sqrt(2 ln n))\n"
           "  --window N            Savitzky-Golay window, odd (default 11)\n"
           "  --polyorder N         Savitzky-Golay polynomial order (default 4)\n"
           "  --iterations N        SNIP clipping window in points (default 100)\n";
}
