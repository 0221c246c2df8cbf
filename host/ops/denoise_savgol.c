/* denoise_savgol.c - lv_savgol: Savitzky-Golay smoothing equal to scipy's savgol_filter in
 * 'interp' mode, per spectrum, in double.  The weights come from savgol_math.h (shared with
 * kernels/savgol.cu); the interior is one multiply-add pass per window position over the whole
 * spectrum, which the compiler vectorizes. */
#include <stdlib.h>
#include <string.h>

#include "denoise_cpu.h"
#include "denoise_job.h"
#include "runtime/context.h"
#include "runtime/error.h"
#include "savgol_math.h"

LV_API void lv_savgol_params_init(lv_savgol_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->window = 11;
    p->polyorder = 4;
}

typedef struct savgol_op {
    int window;
    double *centre; /* window */
    double *edge;   /* (window / 2) * window */
} savgol_op;

static uint64_t savgol_need(const void *op, uint64_t n)
{
    (void)op;
    return 2 * n;
}

static void savgol_spectrum(const void *opv, const float *in, float *out, uint64_t n,
                            double *scratch)
{
    const savgol_op *op = opv;
    const int w = op->window, half = w / 2;
    if (n < (uint64_t)w) { /* scipy raises here; documented: left unchanged */
        if (out != in) memcpy(out, in, (size_t)n * sizeof(float));
        return;
    }
    double *x = scratch, *acc = scratch + n;
    for (uint64_t i = 0; i < n; i++)
        x[i] = in[i];
    /* Interior: acc[i] = sum_k centre[k] * x[i - half + k], k ascending as in
     * lv_savgol_interior. */
    const uint64_t m = n - (uint64_t)w + 1; /* interior points, acc[0] is point half */
    for (uint64_t i = 0; i < m; i++)
        acc[i] = 0.0;
    for (int k = 0; k < w; k++) {
        const double c = op->centre[k];
        const double *src = x + k;
        for (uint64_t i = 0; i < m; i++)
            acc[i] += c * src[i];
    }
    /* Edges read in[] directly (the float input), which is still intact: out is written
     * only below, after every read of in. */
    double left[LV_SAVGOL_MAX_WINDOW / 2], right[LV_SAVGOL_MAX_WINDOW / 2];
    for (int t = 0; t < half; t++) {
        left[t] = lv_savgol_edge(in, (int64_t)n, t, 0, w, op->edge);
        right[t] = lv_savgol_edge(in, (int64_t)n, t, 1, w, op->edge);
    }
    for (uint64_t i = 0; i < m; i++)
        out[half + i] = (float)acc[i];
    for (int t = 0; t < half; t++) {
        out[t] = (float)left[t];
        out[n - 1 - (uint64_t)t] = (float)right[t];
    }
}

LV_API lv_status lv_savgol(lv_context *ctx, const lv_savgol_params *params, uint64_t n_spectra,
                           const uint64_t *offsets, const float *intensity, float *out)
{
    static const char fn[] = "lv_savgol";
    FORWARD_IF_ERROR(lv_dn_check_csr(fn, ctx, n_spectra, offsets, intensity, out));
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_savgol_params);
    lv_savgol_params def;
    lv_savgol_params_init(&def);
    const lv_savgol_params *p = params ? params : &def;
    RETURN_ERROR_IF(p->window < 1 || p->window > LV_SAVGOL_MAX_WINDOW || p->window % 2 == 0,
                    LV_ERR_INVALID_ARGUMENT, "%s: window %u is not odd in 1..%d", fn, p->window,
                    LV_SAVGOL_MAX_WINDOW);
    RETURN_ERROR_IF(p->polyorder >= p->window || p->polyorder > LV_SAVGOL_MAX_POLYORDER,
                    LV_ERR_INVALID_ARGUMENT, "%s: polyorder %u must be < window (%u) and <= %d", fn,
                    p->polyorder, p->window, LV_SAVGOL_MAX_POLYORDER);
    if (n_spectra == 0 || offsets[n_spectra] == offsets[0]) return LV_OK;

    const int w = (int)p->window, half = w / 2;
    const size_t doubles = (size_t)w * (p->polyorder + 1) + (size_t)w + (size_t)half * w + 1;
    double *mem = malloc(doubles * sizeof(double));
    RETURN_IF_NULL_ALLOC(mem, doubles * sizeof(double));
    savgol_op op = {w, mem + (size_t)w * (p->polyorder + 1), NULL};
    op.edge = op.centre + w;
    lv_status st = LV_OK;
    if (lv_savgol_coeffs(w, (int)p->polyorder, mem, op.centre, op.edge) != 0)
        st = lv_error_set(LV_ERR_INTERNAL,
                          "%s: the polynomial basis of window %d, order %u "
                          "degenerated",
                          fn, w, p->polyorder);
    else if (ctx->device == LV_DEVICE_CUDA) {
        lv_cuda_denoise_job job;
        memset(&job, 0, sizeof job);
        job.n_spectra = n_spectra;
        job.offsets = offsets;
        job.in = intensity;
        job.out = out;
        job.window = w;
        job.centre = op.centre;
        job.edge = op.edge;
        char err[512] = "";
        int cst = ctx->cuda->denoise_savgol(ctx->cuda_ctx, &job, err, sizeof err);
        if (cst != LV_OK)
            st = lv_error_set((lv_status)cst, "%s on %s: %s", fn, ctx->backend_name, err);
    } else {
        st = lv_dn_run_cpu(ctx, n_spectra, offsets, intensity, out, savgol_spectrum, savgol_need,
                           &op);
    }
    free(mem);
    return st;
}
