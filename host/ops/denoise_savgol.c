/* denoise_savgol.c - lv_savgol: Savitzky-Golay smoothing equal to scipy's savgol_filter in
 * 'interp' mode, per spectrum, in double.  The weights come from savgol_math.h (shared with
 * kernels/savgol.cu); the interior is one multiply-add pass per window position over the whole
 * spectrum, which the compiler vectorizes. */
#include <stdlib.h>
#include <string.h>

#include "cpu_clones.h"
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
    (void)n;
    return 1;
}

/* Interior points [first, last) of x: lv_savgol_interior's sum (k ascending from 0.0, so the
 * results are the kernel's) for 16 consecutive outputs at a time in four 4-double vectors
 * (independent add chains) (GCC / clang vector extensions: two SSE2 registers each at the baseline
 * ISA, one AVX2 register in the AVX2 copy), reading the float input directly.  One pass over the
 * spectrum instead of one per window position. */
typedef double sg_v4d __attribute__((vector_size(32)));
typedef float sg_v4f __attribute__((vector_size(16)));

/* Four floats at p as doubles (a macro: a function returning a 32-byte vector would change the
 * ABI between the baseline and AVX2 copies). */
static inline sg_v4f sg_loadf(const float *p)
{
    sg_v4f f;
    memcpy(&f, p, sizeof f);
    return f;
}
#define sg_load4(p) __builtin_convertvector(sg_loadf(p), sg_v4d)

LV_CPU_CLONES static void savgol_interior_run(const float *x, int64_t first, int64_t last, int w,
                                              const double *centre, float *out)
{
    const int half = w / 2;
    int64_t i = first;
    for (; i + 16 <= last; i += 16) {
        const float *src = x + i - half;
        sg_v4d a0 = {0.0, 0.0, 0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < w; k++) {
            const double c = centre[k];
            a0 += c * sg_load4(src + k);
            a1 += c * sg_load4(src + k + 4);
            a2 += c * sg_load4(src + k + 8);
            a3 += c * sg_load4(src + k + 12);
        }
        const sg_v4f f[4] = {
            __builtin_convertvector(a0, sg_v4f), __builtin_convertvector(a1, sg_v4f),
            __builtin_convertvector(a2, sg_v4f), __builtin_convertvector(a3, sg_v4f)};
        memcpy(out + i, f, sizeof f);
    }
    for (; i < last; i++)
        out[i] = (float)lv_savgol_interior(x, i, w, centre);
}

static void savgol_spectrum(const void *opv, const float *in, float *out, uint64_t n,
                            double *scratch)
{
    (void)scratch;
    const savgol_op *op = opv;
    const int w = op->window, half = w / 2;
    if (n < (uint64_t)w) { /* scipy raises here; documented: left unchanged */
        if (out != in) memcpy(out, in, (size_t)n * sizeof(float));
        return;
    }
    /* out may alias in, and each output reads `half` inputs on either side: the edges first
     * (they read the first / last window), then the interior in chunks that lag behind their
     * reads, through a ring of the last inputs overwritten. */
    double left[LV_SAVGOL_MAX_WINDOW / 2], right[LV_SAVGOL_MAX_WINDOW / 2];
    for (int t = 0; t < half; t++) {
        left[t] = lv_savgol_edge(in, (int64_t)n, t, 0, w, op->edge);
        right[t] = lv_savgol_edge(in, (int64_t)n, t, 1, w, op->edge);
    }
    if (out != in) {
        savgol_interior_run(in, half, (int64_t)n - half, w, op->centre, out);
    } else {
        /* In place: chunks of outputs computed from a private copy of their inputs.  A chunk
         * writes outputs the next one still reads (its first 2 * half inputs), so those are
         * carried over in buf from the original input instead of being re-read from in. */
        enum { CHUNK = 4096 };
        float buf[CHUNK + LV_SAVGOL_MAX_WINDOW];
        const int64_t end = (int64_t)n - half, carry = 2 * half;
        memcpy(buf, in, (size_t)carry * sizeof(float)); /* x[0, 2 half): nothing written yet */
        for (int64_t c0 = half; c0 < end; c0 += CHUNK) {
            const int64_t c1 = c0 + CHUNK < end ? c0 + CHUNK : end;
            /* buf[j] = x[c0 - half + j]; [0, carry) is there, the rest is unwritten in in. */
            memcpy(buf + carry, in + c0 + half, (size_t)(c1 - c0) * sizeof(float));
            savgol_interior_run(buf, half, half + (c1 - c0), w, op->centre, out + c0 - half);
            memmove(buf, buf + (c1 - c0), (size_t)carry * sizeof(float));
        }
    }
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
