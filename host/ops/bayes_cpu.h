/* bayes_cpu.h - the CPU paths of lv_bayes_posterior_batch(_f32), shared by bayes_batch.c (the
 * dispatcher and the CBLAS path) and bayes_fused.c (the fused GEMM + softmax kernels). */
#ifndef LV_BAYES_CPU_H
#define LV_BAYES_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which CPU path computes the batch: AUTO picks by shape (the fused kernels for small n_evidence,
 * CBLAS otherwise); the others force one (tests compare the two on the same inputs). */
typedef enum lv_bayes_cpu_path {
    LV_BAYES_CPU_AUTO = 0,
    LV_BAYES_CPU_CBLAS = 1,
    LV_BAYES_CPU_FUSED = 2,
} lv_bayes_cpu_path;

/* lv_bayes_posterior_batch(_f32) with the CPU path chosen (ctx must be a CPU context for the
 * choice to matter; a CUDA context ignores it).  f32: the inputs and out are float. */
lv_status lv_bayes_batch_path(lv_context *ctx, int f32, lv_bayes_cpu_path path, uint64_t n_obs,
                              uint32_t n_hyp, uint32_t n_ev, const void *e, const void *w,
                              const void *c, void *out, uint64_t *n_degenerate);

/* AUTO uses the fused kernels up to this many evidence columns.  They do not block K, so their
 * W panel (n_ev x 12 doubles or 24 floats) and MR evidence rows must stay in L1/L2: measured on
 * Zen 2 (N = 1000, one thread), fused vs CBLAS f64: K = 50 9.5 vs 15.3 ms per 2000 rows, K = 512
 * 50 vs 63, K = 1024 50 vs 58, but K = 2048 249 vs 113.  512 keeps a margin for smaller caches. */
#define LV_BAYES_FUSED_MAX_EV 512u

/* The fused kernels' tile: rows of observations per pass and hypotheses per packed panel. */
#define LV_BAYES_FUSED_MR     4u
#define LV_BAYES_FUSED_NR_F64 12u
#define LV_BAYES_FUSED_NR_F32 24u

/* The weights packed for the fused kernels: panels of NR hypotheses, each n_ev rows of NR
 * values (k-major, zero-padded past n_hyp), and the bias padded to n_pad with -inf (padding
 * hypotheses get logit -inf: posterior 0, never the maximum).  n_pad = n_hyp rounded up to NR. */
typedef struct lv_bayes_packed {
    uint32_t n_hyp, n_ev, n_pad;
    int stream; /* write out with streaming (non-temporal) stores: set when out is large */
    void *wp;   /* n_pad * n_ev values */
    void *cp;   /* n_pad values */
} lv_bayes_packed;

lv_status lv_bayes_pack_f64(const double *w, const double *c, uint32_t n_hyp, uint32_t n_ev,
                            lv_bayes_packed *p);
lv_status lv_bayes_pack_f32(const float *w, const float *c, uint32_t n_hyp, uint32_t n_ev,
                            lv_bayes_packed *p);
void lv_bayes_packed_free(lv_bayes_packed *p);

/* Posteriors of `rows` observations (e: rows x n_ev, out: rows x n_hyp) with packed weights.
 * scratch: (LV_BAYES_FUSED_MR + 1) * p->n_pad values (per calling thread).  Degenerate rows (every
 * logit -inf) get 1/n_hyp and are counted in the return value.  Each row's result depends on
 * that row's inputs only (not on `rows` or on its position), so any split into calls gives the
 * same bits. */
uint64_t lv_bayes_fused_rows_f64(const lv_bayes_packed *p, const double *e, uint64_t rows,
                                 double *scratch, double *out);
uint64_t lv_bayes_fused_rows_f32(const lv_bayes_packed *p, const float *e, uint64_t rows,
                                 float *scratch, float *out);

#ifdef __cplusplus
}
#endif
#endif
