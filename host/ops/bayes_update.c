/* bayes_update.c - lv_bayes_update: one observation, N hypotheses, M pieces of evidence.
 *
 * log posterior_i = log prior_i + sum_j log L_ij (NaN terms skipped), normalized with
 * log-sum-exp (kernels/common/bayes_math.h).  It runs on the calling thread: an N x M table for
 * one observation is microseconds of work, far below a thread hand-off or a PCIe transfer; the
 * batch form (bayes_batch.c) is the one that scales. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "bayes_math.h"
#include "runtime/context.h"
#include "runtime/error.h"

LV_API lv_status lv_bayes_update(lv_context *ctx, uint32_t n_hypotheses, uint32_t n_evidence,
                                 const double *likelihood, const double *prior, double *posterior,
                                 lv_bayes_outcome *outcome)
{
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "lv_bayes_update: ctx is NULL");
    RETURN_ERROR_IF(n_hypotheses == 0, LV_ERR_INVALID_ARGUMENT,
                    "lv_bayes_update: n_hypotheses is 0 (a posterior needs a hypothesis)");
    RETURN_ERROR_IF(posterior == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_bayes_update: posterior is NULL");
    RETURN_ERROR_IF(likelihood == NULL && n_evidence > 0, LV_ERR_INVALID_ARGUMENT,
                    "lv_bayes_update: likelihood is NULL with n_evidence = %u", n_evidence);

    const uint64_t n_cells = (uint64_t)n_hypotheses * n_evidence;
    for (uint64_t k = 0; k < n_cells; k++) {
        const double l = likelihood[k];
        RETURN_ERROR_IF(!(l != l) && !(l >= 0.0 && l < INFINITY), LV_ERR_INVALID_ARGUMENT,
                        "lv_bayes_update: likelihood[%llu] (hypothesis %llu, evidence %llu) is %g; "
                        "likelihoods must be finite and >= 0, or NaN for missing evidence",
                        (unsigned long long)k, (unsigned long long)(k / n_evidence),
                        (unsigned long long)(k % n_evidence), l);
    }
    double prior_sum = 0.0;
    if (prior != NULL) {
        for (uint32_t i = 0; i < n_hypotheses; i++) {
            RETURN_ERROR_IF(!(prior[i] >= 0.0 && prior[i] < INFINITY), LV_ERR_INVALID_ARGUMENT,
                            "lv_bayes_update: prior[%u] is %g; priors must be finite and >= 0", i,
                            prior[i]);
            prior_sum += prior[i];
        }
        RETURN_ERROR_IF(!(prior_sum > 0.0), LV_ERR_INVALID_ARGUMENT,
                        "lv_bayes_update: the priors sum to 0");
    }

    /* Unnormalized log posteriors go straight into the output. */
    for (uint32_t i = 0; i < n_hypotheses; i++) {
        double x = prior ? log(prior[i] / prior_sum) : 0.0;
        const double *row = likelihood + (uint64_t)i * n_evidence;
        for (uint32_t j = 0; j < n_evidence; j++)
            x += lv_log_likelihood_term(row[j]);
        posterior[i] = x;
    }
    const int degenerate = lv_row_softmax_d(posterior, n_hypotheses, NULL);
    if (degenerate) {
        for (uint32_t i = 0; i < n_hypotheses; i++)
            posterior[i] = prior ? prior[i] / prior_sum : 1.0 / n_hypotheses;
    }
    if (outcome) *outcome = degenerate ? LV_BAYES_DEGENERATE : LV_BAYES_NORMAL;
    lv_error_clear();
    return LV_OK;
}
