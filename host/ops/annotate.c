/* annotate.c - lv_annotate / lv_annotate_batch: compound annotation of centroids.
 *
 * Per peak: candidates (entry, adduct) by binary search over the mass-sorted database, exactly as
 * OpenMS AccurateMassSearchEngine::queryByMZ does (neutral mass from the peak m/z per adduct, a
 * window of ppm * m/z * |z| / n around it, inclusive, then the adduct's losses must be contained
 * in the formula); then a log-space Bayesian update over the candidates plus a "no match"
 * hypothesis (kernels/common/bayes_math.h), and the candidates ranked by posterior.
 *
 * The work is split into tasks of whole spectra on the context's pool; each task fills its own
 * result arrays, which are concatenated in spectrum order at the end, so the output does not
 * depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bayes_math.h"
#include "io/batch.h"
#include "io/compound_table.h"
#include "ops/isotope.h"
#include "runtime/context.h"
#include "runtime/error.h"

/* Uniform density of a relative isotope intensity under "no match": ratios on [0, 2]. */
#define NO_MATCH_RATIO_LOG_DENSITY (-0.69314718055994531)
/* Spectra per pool task: enough to amortize the hand-out, few enough to balance. */
#define SPECTRA_PER_TASK 8

struct lv_annotation {
    uint64_t n_peaks, n_rows;
    uint64_t *peak_offsets, *peak_spectrum, *peak_point;
    double *peak_mz, *peak_rt, *no_match;
    float *peak_intensity;
    int8_t *peak_polarity;
    uint32_t *peak_n_candidates;
    uint64_t *compound;
    uint32_t *adduct;
    double *theo, *ppm, *iso, *post;
};

/* Growable per-task results. */
typedef struct peak_rec {
    uint64_t spectrum, point, rows;
    double mz, rt, no_match;
    float intensity;
    int8_t polarity;
    uint32_t n_candidates;
} peak_rec;

typedef struct row_rec {
    uint64_t compound;
    uint32_t adduct;
    double theo, ppm, iso, post;
} row_rec;

typedef struct task_out {
    peak_rec *peaks;
    size_t n_peaks, cap_peaks;
    row_rec *rows;
    size_t n_rows, cap_rows;
    row_rec *cand; /* scratch: the candidates of one peak */
    size_t cap_cand;
} task_out;

typedef struct annotate_job {
    const lv_compound_db *db;
    lv_annotate_params p;
    uint64_t n_spectra;
    const uint64_t *offsets;
    const double *mz;
    const float *intensity;
    const double *rt;
    const int8_t *polarity;  /* per spectrum or NULL */
    const uint8_t *selected; /* per spectrum or NULL (all) */
    task_out *out;
} annotate_job;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np) return 0;
    *p = np;
    *cap = nc;
    return 1;
}

/* First index with mass >= x / first with mass > x (std::lower_bound / upper_bound). */
static uint64_t lower_bound(const double *a, uint64_t n, double x)
{
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t upper_bound(const double *a, uint64_t n, double x)
{
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* AdductInfo::isCompatible: every atom the adduct loses is present in the formula. */
static int compatible(const lv_compound_db *db, const lv_db_entry *e, const lv_adduct *a)
{
    for (int k = 0; k < a->ef.n; k++) {
        if (a->ef.count[k] >= 0) continue;
        int32_t have = 0;
        for (uint16_t q = 0; q < e->elem_n; q++)
            if (db->elem_key[e->elem_first + q] == a->ef.key[k])
                have = db->elem_count[e->elem_first + q];
        if (have < -a->ef.count[k]) return 0;
    }
    return 1;
}

/* Intensity of the centroid nearest to target within tol_ppm in [b, e) of a spectrum (ascending
 * m/z), or NaN when none. */
static double find_peak(const double *mz, const float *in, uint64_t b, uint64_t e, double target,
                        double tol_ppm)
{
    const double tol = target * tol_ppm * 1e-6;
    uint64_t i = b + lower_bound(mz + b, e - b, target - tol);
    double best = NAN, best_d = INFINITY;
    for (; i < e && mz[i] <= target + tol; i++) {
        const double d = fabs(mz[i] - target);
        if (d < best_d) {
            best_d = d;
            best = in[i];
        }
    }
    return best;
}

static int cmp_rows(const void *a, const void *b)
{
    const row_rec *x = a, *y = b;
    if (x->post != y->post) return x->post > y->post ? -1 : 1;
    if (x->compound != y->compound) return x->compound < y->compound ? -1 : 1;
    return (x->adduct > y->adduct) - (x->adduct < y->adduct);
}

static lv_status annotate_peak(const annotate_job *j, task_out *t, uint64_t s, uint64_t pt,
                               int slot)
{
    const lv_compound_db *db = j->db;
    const lv_annotate_params *p = &j->p;
    const double mz = j->mz[pt];
    const uint64_t b = j->offsets[s], e = j->offsets[s + 1];
    const double i0 = j->intensity[pt];
    const double *weights = slot == 0 ? p->adduct_weights : p->negative_adduct_weights;
    /* Observed M+1/M+2 ratios per |charge| (1..4 cached; higher computed each time). */
    double ratio_cache[5][2];
    int have_ratio[5] = {0};
    size_t n = 0;
    double weight_sum = 0.0;

    for (uint32_t ai = 0; ai < db->n_adducts[slot]; ai++) {
        const lv_adduct *a = &db->adducts[slot][ai];
        const int z = a->charge, az = abs(z);
        const double neutral = (mz * az - a->mass + z * LV_ELECTRON_MASS) / a->mult;
        const double diff = (mz / 1e6 * p->ppm) * az / a->mult;
        const uint64_t lo = lower_bound(db->mass, db->n, neutral - diff);
        const uint64_t hi = upper_bound(db->mass, db->n, neutral + diff);
        if (lo >= hi) continue;
        double r_obs[2];
        if (p->isotopes) {
            if (az <= 4 && have_ratio[az]) {
                r_obs[0] = ratio_cache[az][0];
                r_obs[1] = ratio_cache[az][1];
            } else {
                for (int k = 0; k < 2; k++)
                    r_obs[k] = find_peak(j->mz, j->intensity, b, e,
                                         mz + (k + 1) * LV_ISOTOPE_SPACING / az, p->isotope_ppm) /
                               i0;
                if (az <= 4) {
                    ratio_cache[az][0] = r_obs[0];
                    ratio_cache[az][1] = r_obs[1];
                    have_ratio[az] = 1;
                }
            }
        }
        const double w = weights ? weights[ai] : 1.0;
        for (uint64_t i = lo; i < hi; i++) {
            const lv_db_entry *ent = &db->entry[i];
            if (!compatible(db, ent, a)) continue;
            if (!grow((void **)&t->cand, &t->cap_cand, n + 1, sizeof *t->cand))
                return lv_error_set(LV_ERR_NO_MEMORY, "out of memory for %zu candidates", n + 1);
            row_rec *c = &t->cand[n];
            c->compound = i;
            c->adduct = ai;
            c->theo = (db->mass[i] * a->mult + a->mass - z * LV_ELECTRON_MASS) / az;
            c->ppm = lv_ppm_error(mz, c->theo);
            /* Log score (posterior before normalization) kept in c->post for now. */
            double x = lv_gauss_logpdf(c->ppm, p->sigma_ppm) + (w > 0.0 ? log(w) : -INFINITY);
            c->iso = NAN;
            if (p->isotopes) {
                double r_exp[2];
                lv_isotope_ratios(a->mult * ent->l1 + a->ef.l1, a->mult * ent->l2 + a->ef.l2,
                                  &r_exp[0], &r_exp[1]);
                double z2 = 0.0;
                int used = 0;
                for (int k = 0; k < 2; k++) {
                    if (r_obs[k] != r_obs[k]) continue; /* isotope peak not found: missing */
                    const double sd = p->isotope_sd_abs + p->isotope_sd_rel * r_exp[k];
                    const double zz = (r_obs[k] - r_exp[k]) / sd;
                    x += lv_gauss_logpdf(r_obs[k] - r_exp[k], sd);
                    z2 += zz * zz;
                    used++;
                }
                if (used) c->iso = exp(-0.5 * z2 / used);
            }
            c->post = x;
            weight_sum += w;
            n++;
        }
    }

    /* The peak record. */
    if (!grow((void **)&t->peaks, &t->cap_peaks, t->n_peaks + 1, sizeof *t->peaks))
        return lv_error_set(LV_ERR_NO_MEMORY, "out of memory for peak results");
    peak_rec *pr = &t->peaks[t->n_peaks++];
    pr->spectrum = s;
    pr->point = pt;
    pr->mz = mz;
    pr->intensity = j->intensity[pt];
    pr->rt = j->rt ? j->rt[s] : NAN;
    pr->polarity = (int8_t)(slot == 0 ? 1 : -1);
    pr->n_candidates = (uint32_t)n;
    pr->rows = 0;
    pr->no_match = 1.0;
    if (n == 0) return LV_OK;

    /* Bayesian update over candidates + "no match" (last). */
    double *x = malloc((n + 1) * sizeof *x);
    RETURN_IF_NULL_ALLOC(x, (n + 1) * sizeof *x);
    const double log_match = log1p(-p->no_match_prior) - log(weight_sum);
    for (size_t k = 0; k < n; k++)
        x[k] = t->cand[k].post + log_match;
    double nm = log(p->no_match_prior) - log(2.0 * p->ppm);
    if (p->isotopes && have_ratio[1])
        for (int k = 0; k < 2; k++)
            if (ratio_cache[1][k] == ratio_cache[1][k]) nm += NO_MATCH_RATIO_LOG_DENSITY;
    x[n] = nm;
    if (lv_row_softmax_d(x, (uint32_t)(n + 1), NULL)) {
        /* Every hypothesis impossible (zero weights and zero no-match prior): uniform. */
        for (size_t k = 0; k <= n; k++)
            x[k] = 1.0 / (double)(n + 1);
    }
    for (size_t k = 0; k < n; k++)
        t->cand[k].post = x[k];
    pr->no_match = x[n];
    free(x);
    if (n > 1) qsort(t->cand, n, sizeof *t->cand, cmp_rows);
    size_t keep = p->top_k && p->top_k < n ? p->top_k : n;
    if (!grow((void **)&t->rows, &t->cap_rows, t->n_rows + keep, sizeof *t->rows))
        return lv_error_set(LV_ERR_NO_MEMORY, "out of memory for %zu result rows",
                            t->n_rows + keep);
    memcpy(t->rows + t->n_rows, t->cand, keep * sizeof *t->rows);
    t->n_rows += keep;
    pr->rows = keep;
    return LV_OK;
}

static lv_status annotate_task(void *arg, size_t task, uint32_t worker)
{
    (void)worker;
    const annotate_job *j = arg;
    task_out *t = &j->out[task];
    const uint64_t s0 = (uint64_t)task * SPECTRA_PER_TASK;
    const uint64_t s1 = s0 + SPECTRA_PER_TASK < j->n_spectra ? s0 + SPECTRA_PER_TASK : j->n_spectra;
    for (uint64_t s = s0; s < s1; s++) {
        if (j->selected && !j->selected[s]) continue;
        int pol = j->p.polarity;
        if (pol == 0) pol = j->polarity && j->polarity[s] < 0 ? -1 : 1;
        const int slot = pol > 0 ? 0 : 1;
        for (uint64_t pt = j->offsets[s]; pt < j->offsets[s + 1]; pt++) {
            if (!(j->intensity[pt] >= j->p.min_intensity) || !(j->intensity[pt] > 0.0f)) continue;
            FORWARD_IF_ERROR_CTX(annotate_peak(j, t, s, pt, slot), "spectrum %llu point %llu",
                                 (unsigned long long)s, (unsigned long long)pt);
        }
    }
    return LV_OK;
}

LV_API void lv_annotate_params_init(lv_annotate_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->size = sizeof *params;
    params->ppm = 5.0;
    params->sigma_ppm = 2.0;
    params->polarity = 0;
    params->top_k = 5;
    params->no_match_prior = 0.1;
    params->isotopes = 1;
    params->isotope_ppm = 5.0;
    params->isotope_sd_abs = 0.02;
    params->isotope_sd_rel = 0.1;
    params->min_intensity = 0.0;
    params->ms_levels = 1u << 1;
}

LV_API void lv_annotation_destroy(lv_annotation *a)
{
    if (!a) return;
    free(a->peak_offsets);
    free(a->peak_spectrum);
    free(a->peak_point);
    free(a->peak_mz);
    free(a->peak_rt);
    free(a->no_match);
    free(a->peak_intensity);
    free(a->peak_polarity);
    free(a->peak_n_candidates);
    free(a->compound);
    free(a->adduct);
    free(a->theo);
    free(a->ppm);
    free(a->iso);
    free(a->post);
    free(a);
}

/* Concatenates the task results in task (= spectrum) order. */
static lv_status gather(task_out *outs, size_t n_tasks, lv_annotation **out)
{
    uint64_t np = 0, nr = 0;
    for (size_t t = 0; t < n_tasks; t++) {
        np += outs[t].n_peaks;
        nr += outs[t].n_rows;
    }
    lv_annotation *a = calloc(1, sizeof *a);
    RETURN_IF_NULL_ALLOC(a, sizeof *a);
    a->n_peaks = np;
    a->n_rows = nr;
    const size_t P = np ? np : 1, R = nr ? nr : 1;
    a->peak_offsets = malloc((np + 1) * sizeof *a->peak_offsets);
    a->peak_spectrum = malloc(P * sizeof *a->peak_spectrum);
    a->peak_point = malloc(P * sizeof *a->peak_point);
    a->peak_mz = malloc(P * sizeof *a->peak_mz);
    a->peak_rt = malloc(P * sizeof *a->peak_rt);
    a->no_match = malloc(P * sizeof *a->no_match);
    a->peak_intensity = malloc(P * sizeof *a->peak_intensity);
    a->peak_polarity = malloc(P * sizeof *a->peak_polarity);
    a->peak_n_candidates = malloc(P * sizeof *a->peak_n_candidates);
    a->compound = malloc(R * sizeof *a->compound);
    a->adduct = malloc(R * sizeof *a->adduct);
    a->theo = malloc(R * sizeof *a->theo);
    a->ppm = malloc(R * sizeof *a->ppm);
    a->iso = malloc(R * sizeof *a->iso);
    a->post = malloc(R * sizeof *a->post);
    if (!a->peak_offsets || !a->peak_spectrum || !a->peak_point || !a->peak_mz || !a->peak_rt ||
        !a->no_match || !a->peak_intensity || !a->peak_polarity || !a->peak_n_candidates ||
        !a->compound || !a->adduct || !a->theo || !a->ppm || !a->iso || !a->post) {
        lv_annotation_destroy(a);
        return lv_error_set(LV_ERR_NO_MEMORY, "out of memory for %llu peaks and %llu rows",
                            (unsigned long long)np, (unsigned long long)nr);
    }
    uint64_t ip = 0, ir = 0;
    a->peak_offsets[0] = 0;
    for (size_t t = 0; t < n_tasks; t++) {
        for (size_t k = 0; k < outs[t].n_peaks; k++, ip++) {
            const peak_rec *pr = &outs[t].peaks[k];
            a->peak_spectrum[ip] = pr->spectrum;
            a->peak_point[ip] = pr->point;
            a->peak_mz[ip] = pr->mz;
            a->peak_rt[ip] = pr->rt;
            a->no_match[ip] = pr->no_match;
            a->peak_intensity[ip] = pr->intensity;
            a->peak_polarity[ip] = pr->polarity;
            a->peak_n_candidates[ip] = pr->n_candidates;
            a->peak_offsets[ip + 1] = a->peak_offsets[ip] + pr->rows;
        }
        for (size_t k = 0; k < outs[t].n_rows; k++, ir++) {
            const row_rec *r = &outs[t].rows[k];
            a->compound[ir] = r->compound;
            a->adduct[ir] = r->adduct;
            a->theo[ir] = r->theo;
            a->ppm[ir] = r->ppm;
            a->iso[ir] = r->iso;
            a->post[ir] = r->post;
        }
    }
    *out = a;
    return LV_OK;
}

static lv_status run(lv_context *ctx, annotate_job *j, lv_annotation **out)
{
    const size_t n_tasks = (size_t)((j->n_spectra + SPECTRA_PER_TASK - 1) / SPECTRA_PER_TASK);
    j->out = calloc(n_tasks ? n_tasks : 1, sizeof *j->out);
    RETURN_IF_NULL_ALLOC(j->out, n_tasks * sizeof *j->out);
    lv_status st = n_tasks ? lv_context_parallel(ctx, n_tasks, annotate_task, j) : LV_OK;
    if (st == LV_OK) st = gather(j->out, n_tasks, out);
    for (size_t t = 0; t < n_tasks; t++) {
        free(j->out[t].peaks);
        free(j->out[t].rows);
        free(j->out[t].cand);
    }
    free(j->out);
    if (st == LV_OK) lv_error_clear();
    return st;
}

static lv_status check_common(lv_context *ctx, const lv_compound_db *db,
                              const lv_annotate_params *params, lv_annotation **out,
                              lv_annotate_params *p, const char *fn)
{
    RETURN_ERROR_IF(ctx == NULL || db == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "%s: %s is NULL", fn,
                    ctx == NULL  ? "ctx"
                    : db == NULL ? "db"
                                 : "out");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_annotate_params);
    lv_annotate_params_init(p);
    if (params) *p = *params;
    RETURN_ERROR_IF(!(p->ppm > 0.0 && p->ppm < 1e6), LV_ERR_INVALID_ARGUMENT,
                    "%s: params.ppm = %g must be in (0, 1e6)", fn, p->ppm);
    RETURN_ERROR_IF(!(p->sigma_ppm > 0.0 && isfinite(p->sigma_ppm)), LV_ERR_INVALID_ARGUMENT,
                    "%s: params.sigma_ppm = %g must be > 0", fn, p->sigma_ppm);
    RETURN_ERROR_IF(!(p->no_match_prior >= 0.0 && p->no_match_prior < 1.0), LV_ERR_INVALID_ARGUMENT,
                    "%s: params.no_match_prior = %g must be in [0, 1)", fn, p->no_match_prior);
    RETURN_ERROR_IF(p->polarity < -1 || p->polarity > 1, LV_ERR_INVALID_ARGUMENT,
                    "%s: params.polarity = %d must be -1, 0 or +1", fn, p->polarity);
    RETURN_ERROR_IF(p->isotopes && !(p->isotope_ppm > 0.0 && p->isotope_sd_abs > 0.0 &&
                                     p->isotope_sd_rel >= 0.0),
                    LV_ERR_INVALID_ARGUMENT,
                    "%s: params.isotope_ppm and isotope_sd_abs must be > 0, isotope_sd_rel >= 0",
                    fn);
    for (int s = 0; s < 2; s++) {
        const double *w = s == 0 ? p->adduct_weights : p->negative_adduct_weights;
        for (uint32_t k = 0; w && k < db->n_adducts[s]; k++)
            RETURN_ERROR_IF(!(w[k] >= 0.0 && isfinite(w[k])), LV_ERR_INVALID_ARGUMENT,
                            "%s: params.%sadduct_weights[%u] = %g must be finite and >= 0", fn,
                            s ? "negative_" : "", k, w[k]);
    }
    return LV_OK;
}

static lv_status check_spectra(const char *fn, uint64_t n_spectra, const uint64_t *offsets,
                               const double *mz, const float *intensity, const uint8_t *selected)
{
    if (n_spectra == 0) return LV_OK;
    RETURN_ERROR_IF(offsets == NULL, LV_ERR_INVALID_ARGUMENT, "%s: offsets is NULL", fn);
    RETURN_ERROR_IF(offsets[n_spectra] > offsets[0] && (mz == NULL || intensity == NULL),
                    LV_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, mz == NULL ? "mz" : "intensity");
    for (uint64_t s = 0; s < n_spectra; s++) {
        RETURN_ERROR_IF(offsets[s + 1] < offsets[s], LV_ERR_INVALID_ARGUMENT,
                        "%s: offsets decrease at spectrum %llu", fn, (unsigned long long)s);
        if (selected && !selected[s]) continue;
        for (uint64_t i = offsets[s] + 1; i < offsets[s + 1]; i++)
            RETURN_ERROR_IF(!(mz[i] >= mz[i - 1]), LV_ERR_INVALID_ARGUMENT,
                            "%s: spectrum %llu: m/z does not ascend at point %llu (%g after %g)",
                            fn, (unsigned long long)s, (unsigned long long)(i - offsets[s]), mz[i],
                            mz[i - 1]);
    }
    return LV_OK;
}

LV_API lv_status lv_annotate(lv_context *ctx, const lv_compound_db *db,
                             const lv_annotate_params *params, uint64_t n_spectra,
                             const uint64_t *offsets, const double *mz, const float *intensity,
                             const double *rt_seconds, lv_annotation **out)
{
    const char *fn = "lv_annotate";
    annotate_job j;
    memset(&j, 0, sizeof j);
    FORWARD_IF_ERROR(check_common(ctx, db, params, out, &j.p, fn));
    FORWARD_IF_ERROR(check_spectra(fn, n_spectra, offsets, mz, intensity, NULL));
    j.db = db;
    j.n_spectra = n_spectra;
    j.offsets = offsets;
    j.mz = mz;
    j.intensity = intensity;
    j.rt = rt_seconds;
    return run(ctx, &j, out);
}

LV_API lv_status lv_annotate_batch(lv_context *ctx, const lv_compound_db *db,
                                   const lv_annotate_params *params, const lv_batch *batch,
                                   lv_annotation **out)
{
    const char *fn = "lv_annotate_batch";
    annotate_job j;
    memset(&j, 0, sizeof j);
    FORWARD_IF_ERROR(check_common(ctx, db, params, out, &j.p, fn));
    RETURN_ERROR_IF(batch == NULL, LV_ERR_INVALID_ARGUMENT, "%s: batch is NULL", fn);
    lv_batch_view v = {.size = sizeof v};
    FORWARD_IF_ERROR(lv_batch_get_view(batch, &v));
    RETURN_ERROR_IF(v.kind != LV_RECORD_SPECTRUM, LV_ERR_INVALID_ARGUMENT,
                    "%s: the batch holds chromatograms", fn);
    uint8_t *selected = malloc(v.n_records ? v.n_records : 1);
    RETURN_IF_NULL_ALLOC(selected, v.n_records);
    lv_status st = LV_OK;
    for (uint64_t s = 0; s < v.n_records && st == LV_OK; s++) {
        const uint32_t level = v.ms_level[s];
        selected[s] = level < 32 && ((j.p.ms_levels >> level) & 1u);
        if (selected[s] && v.representation[s] == LV_REPR_PROFILE)
            st = lv_error_set(LV_ERR_INVALID_ARGUMENT,
                              "%s: spectrum %llu '%s' is profile data; centroid it first "
                              "(lv_centroid_batch)",
                              fn, (unsigned long long)s, v.id_arena + v.id_offsets[s]);
    }
    if (st == LV_OK) st = check_spectra(fn, v.n_records, v.offsets, v.mz, v.intensity, selected);
    if (st == LV_OK) {
        j.db = db;
        j.n_spectra = v.n_records;
        j.offsets = v.offsets;
        j.mz = v.mz;
        j.intensity = v.intensity;
        j.rt = v.rt_seconds;
        j.polarity = v.polarity;
        j.selected = selected;
        st = run(ctx, &j, out);
    }
    free(selected);
    return st;
}

LV_API lv_status lv_annotation_get_view(const lv_annotation *a, lv_annotation_view *v)
{
    RETURN_ERROR_IF(a == NULL || v == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_annotation_get_view: %s is NULL", a == NULL ? "annotation" : "view");
    RETURN_IF_BAD_PARAMS_SIZE(v, lv_annotation_view);
    v->n_peaks = a->n_peaks;
    v->n_rows = a->n_rows;
    v->peak_offsets = a->peak_offsets;
    v->peak_spectrum = a->peak_spectrum;
    v->peak_point = a->peak_point;
    v->peak_mz = a->peak_mz;
    v->peak_intensity = a->peak_intensity;
    v->peak_rt = a->peak_rt;
    v->peak_polarity = a->peak_polarity;
    v->peak_n_candidates = a->peak_n_candidates;
    v->no_match_posterior = a->no_match;
    v->compound = a->compound;
    v->adduct = a->adduct;
    v->theoretical_mz = a->theo;
    v->ppm_error = a->ppm;
    v->isotope_score = a->iso;
    v->posterior = a->post;
    return LV_OK;
}
