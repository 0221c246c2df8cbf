/* cli_denoise.h - the denoising options shared by `denoise` and `centroid --denoise`. */
#ifndef LV_CLI_DENOISE_H
#define LV_CLI_DENOISE_H

#include <stddef.h>

#include "cli.h"

/* "zengeza", "wavelet", "savgol" or "snip"; -1 for anything else. */
int cli_parse_denoise_method(const char *text, lv_denoise_method *method);

/* Consumes argv[*i] (and its value) when it is a denoising option: --method, --wavelet,
 * --level, --threshold, --threshold-value, --window, --polyorder, --iterations.  Returns 1 if
 * consumed, 0 if not a denoising option, -1 on a bad value (message printed). */
int cli_parse_denoise_option(lv_denoise_params *p, const char *cmd, int *i, int argc, char **argv);

/* Checks the method's parameters with the library (the method run on no spectra), so that a
 * bad combination such as --window 4 is a usage error before any file is opened.  Prints the
 * library's message and returns 2, or 0. */
int cli_check_denoise(const char *cmd, lv_context *ctx, const lv_denoise_params *p);

/* "denoise method=savgol window=11 polyorder=4 ms_levels=all": the method and the parameters it
 * uses, for the mzML dataProcessing entry. */
void cli_describe_denoise(const lv_denoise_params *p, char *buf, size_t cap);

/* Help lines for the options above. */
const char *cli_denoise_options_help(void);

#endif
