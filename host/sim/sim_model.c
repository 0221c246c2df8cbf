/* sim_model.c - analytes, background, noise and the scans an Orbitrap-like instrument records.
 *
 * MS1 profile sampling.  An Orbitrap digitizes a transient and Fourier-transforms it, so profile
 * points are uniform in frequency, and frequency goes as 1/sqrt(m/z).  Its resolving power falls
 * as 1/sqrt(m/z) too (R = 60,000 at m/z 200 here), so the peak FWHM (m/z / R) grows as m/z^1.5,
 * exactly like the point spacing.  Sampling on a grid uniform in u = 1/sqrt(m/z) therefore puts
 * the same number of points (8) across every peak's FWHM, and a Gaussian peak is a Gaussian of
 * fixed width in grid units.  Points from neighbouring peaks land on the same grid, so merging
 * overlaps needs no resampling and the m/z values come out sorted and distinct.
 *
 * Like real Orbitrap profile data, only the regions near signal are stored (+-3 FWHM around each
 * peak, with electronic noise), plus two baseline points in each gap between regions. */
#include "sim/sim_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "sim/sim_rng.h"

/* ---- instrument constants ------------------------------------------------------------------ */

#define SIM_RESOLUTION_200  60000.0 /* FWHM resolving power at m/z 200 */
#define SIM_POINTS_PER_FWHM 8.0
#define SIM_HALF_WIDTH      24    /* region half-width in grid steps: 3 FWHM */
#define SIM_MERGE_GAP       4     /* regions closer than this are sampled as one */
#define SIM_GAP_POINTS      2     /* baseline points between separate regions */
#define SIM_NOISE_SIGMA     200.0 /* electronic noise, counts */
#define SIM_DETECT          (3.0 * SIM_NOISE_SIGMA)
#define SIM_SIGNAL_SHARE    0.9  /* at most this share of an MS1's points goes to real signal */
#define SIM_EXCLUSION_S     12.0 /* dynamic exclusion after a precursor is picked */
#define SIM_ELUTION_SIGMAS  6.0  /* an analyte is followed this many sigmas from its apex */
#define SIM_MAX_FRAGMENTS   150
#define SIM_MAX_MS2_NOISE   10
#define SIM_MS2_MERGE_PPM   20.0 /* centroids closer than this are unresolved */

/* Grid step in u = 1/sqrt(m/z): d(m/z)/du = -2 (m/z)^1.5, and FWHM = (m/z)^1.5 / (R200 sqrt 200),
 * so a step of FWHM / 8 in m/z is a constant step in u. */
#define SIM_DU (1.0 / (2.0 * SIM_POINTS_PER_FWHM * SIM_RESOLUTION_200 * 14.142135623730951))
/* exp(-4 ln 2 (d / 8)^2) is the Gaussian of FWHM 8 grid steps. */
#define SIM_GAUSS_K (4.0 * 0.6931471805599453 / (SIM_POINTS_PER_FWHM * SIM_POINTS_PER_FWHM))

enum { SRC_COMPOUND = 0, SRC_BACKGROUND = 1, SRC_NOISE = 2 };

typedef struct sim_compound {
    double mass;    /* neutral monoisotopic mass, Da */
    double rt_frac; /* apex position as a fraction of the run */
    double rt;      /* apex retention time, s */
    float sigma_l;  /* elution Gaussian width before the apex, s */
    float sigma_r;  /* after the apex (> sigma_l: peaks tail) */
    float height;   /* apex intensity of the whole isotope envelope, counts */
    float iso[SIM_N_ISO];
    uint32_t id; /* creation order: seeds the fragment pattern */
    int32_t charge;
} sim_compound;

typedef struct sim_bg_ion {
    double mz;
    float height;
    float period; /* slow intensity drift, s */
    float phase;
} sim_bg_ion;

struct sim_model {
    uint64_t seed;
    uint32_t n_compounds;
    sim_compound *compounds; /* sorted by rt_frac */
    sim_bg_ion bg[SIM_N_BG];
    double run_seconds;
    double max_sigma_l;
    double max_sigma_r;
    double k0;     /* grid: point p has u = (k0 - p) * SIM_DU */
    int32_t p_min; /* grid points inside the MS1 scan window */
    int32_t p_max;
};

typedef struct sim_peak {
    double mz;  /* observed apex m/z */
    double pos; /* apex on the grid (fractional) */
    float height;
    uint8_t src;
    uint8_t iso;
    int32_t charge;
    uint32_t index; /* compound or background ion */
} sim_peak;

typedef struct sim_fragment {
    double mz;
    float intensity;
} sim_fragment;

struct sim_gen {
    const sim_model *model;
    sim_rng rng;
    sim_peak *peaks;
    uint32_t n_peaks;
    uint32_t cap_peaks;
    sim_peak *cand; /* candidate precursor peaks, cap_peaks entries */
    float *acc;     /* one merged region's summed signal */
    uint32_t cap_acc;
    double *excluded_until;               /* per compound, then per background ion */
    double gauss[2 * SIM_HALF_WIDTH + 1]; /* exp(-SIM_GAUSS_K k^2), k = -SIM_HALF_WIDTH.. */
    sim_fragment frags[SIM_MAX_FRAGMENTS + SIM_MAX_MS2_NOISE + 8];
};

/* ---- spectra ------------------------------------------------------------------------------- */

lv_status sim_spectrum_reserve(sim_spectrum *s, uint32_t n)
{
    if (n <= s->cap) return LV_OK;
    uint32_t cap = s->cap ? s->cap : 1024;
    while (cap < n)
        cap = cap > UINT32_MAX / 2 ? n : cap * 2;
    double *mz = (double *)realloc(s->mz, (size_t)cap * sizeof *mz);
    RETURN_IF_NULL_ALLOC(mz, (size_t)cap * sizeof *mz);
    s->mz = mz;
    float *in = (float *)realloc(s->intensity, (size_t)cap * sizeof *in);
    RETURN_IF_NULL_ALLOC(in, (size_t)cap * sizeof *in);
    s->intensity = in;
    s->cap = cap;
    return LV_OK;
}

void sim_spectrum_free(sim_spectrum *s)
{
    free(s->mz);
    free(s->intensity);
    memset(s, 0, sizeof *s);
}

static void spectrum_summarize(sim_spectrum *s)
{
    double tic = 0, best = -1, best_mz = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        tic += s->intensity[i];
        if (s->intensity[i] > best) {
            best = s->intensity[i];
            best_mz = s->mz[i];
        }
    }
    s->tic = tic;
    s->base_mz = best_mz;
    s->base_intensity = best < 0 ? 0 : best;
}

/* ---- the model ----------------------------------------------------------------------------- */

/* A plausible mass defect for CHNOPS small molecules: about +0.48 mDa per Da (hydrogen-rich),
 * with scatter; without it masses would have uniform fractional parts, which no real compound
 * class shows. */
static double realistic_mass(sim_rng *r, double nominal)
{
    return nominal + nominal * 4.8e-4 + 0.03 * sim_gauss(r);
}

static int cmp_compound(const void *a, const void *b)
{
    const sim_compound *x = (const sim_compound *)a, *y = (const sim_compound *)b;
    if (x->rt_frac != y->rt_frac) return x->rt_frac < y->rt_frac ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id);
}

static double grid_mz(const sim_model *m, int32_t p)
{
    double u = (m->k0 - p) * SIM_DU;
    return 1.0 / (u * u);
}

static double grid_pos(const sim_model *m, double mz)
{
    return m->k0 - 1.0 / (sqrt(mz) * SIM_DU);
}

lv_status sim_model_create(uint64_t seed, uint32_t n_compounds, sim_model **out)
{
    sim_model *m = (sim_model *)calloc(1, sizeof *m);
    RETURN_IF_NULL_ALLOC(m, sizeof *m);
    m->seed = seed;
    m->n_compounds = n_compounds;
    if (n_compounds > 0) {
        m->compounds = (sim_compound *)calloc(n_compounds, sizeof *m->compounds);
        if (!m->compounds) {
            free(m);
            RETURN_IF_NULL_ALLOC(NULL, (size_t)n_compounds * sizeof(sim_compound));
        }
    }
    sim_rng r;
    sim_rng_seed(&r, seed, 1);
    for (uint32_t i = 0; i < n_compounds; i++) {
        sim_compound *c = &m->compounds[i];
        c->id = i;
        c->mass = realistic_mass(&r, (double)(100 + sim_below(&r, 1101)));
        double u = sim_uniform(&r);
        c->charge = u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
        /* Multiply charged ions of small molecules would fall below the scan window. */
        if ((c->mass + c->charge * SIM_PROTON) / c->charge < SIM_MZ_LO + 10) c->charge = 1;
        c->rt_frac = sim_uniform(&r);
        c->sigma_l = (float)sim_range(&r, 2.0, 8.0);
        c->sigma_r = c->sigma_l * (float)sim_range(&r, 1.1, 1.6);
        /* Log-normal apex height: most analytes within 10^4..10^8 counts. */
        double lg = 5.8 + 0.7 * sim_gauss(&r);
        lg = lg < 3.8 ? 3.8 : lg > 8.8 ? 8.8 : lg;
        c->height = (float)pow(10.0, lg);
        /* Averagine-like isotope envelope: the number of heavy isotopes (13C, 15N, 18O, 2H, 34S)
         * is close to Poisson with mean 5.35e-4 per Da (0.64 at 1200 Da). */
        double lambda = c->mass * 5.35e-4, p = exp(-lambda), sum = 0;
        double pk[SIM_N_ISO];
        for (int k = 0; k < SIM_N_ISO; k++) {
            pk[k] = p;
            sum += p;
            p *= lambda / (k + 1);
        }
        for (int k = 0; k < SIM_N_ISO; k++)
            c->iso[k] = (float)(pk[k] / sum);
        m->max_sigma_l = c->sigma_l > m->max_sigma_l ? c->sigma_l : m->max_sigma_l;
        m->max_sigma_r = c->sigma_r > m->max_sigma_r ? c->sigma_r : m->max_sigma_r;
    }
    if (n_compounds > 1) qsort(m->compounds, n_compounds, sizeof *m->compounds, cmp_compound);
    /* Background ions (solvent clusters, plasticizers, siloxanes): present all run long. */
    sim_rng_seed(&r, seed, 2);
    for (int i = 0; i < SIM_N_BG; i++) {
        m->bg[i].mz = realistic_mass(&r, (double)(110 + sim_below(&r, 1300)));
        m->bg[i].height = (float)sim_log_range(&r, 2e4, 5e5);
        m->bg[i].period = (float)sim_range(&r, 60.0, 900.0);
        m->bg[i].phase = (float)sim_range(&r, 0.0, 6.283185307179586);
    }
    m->k0 = ceil(1.0 / (sqrt(SIM_MZ_LO) * SIM_DU));
    m->p_min = (int32_t)ceil(m->k0 - 1.0 / (sqrt(SIM_MZ_LO) * SIM_DU));
    while (grid_mz(m, m->p_min) < SIM_MZ_LO)
        m->p_min++;
    m->p_max = (int32_t)floor(grid_pos(m, SIM_MZ_HI));
    while (grid_mz(m, m->p_max) > SIM_MZ_HI)
        m->p_max--;
    sim_model_set_run(m, 60.0);
    *out = m;
    return LV_OK;
}

void sim_model_set_run(sim_model *m, double run_seconds)
{
    m->run_seconds = run_seconds;
    for (uint32_t i = 0; i < m->n_compounds; i++)
        m->compounds[i].rt = m->compounds[i].rt_frac * run_seconds;
}

void sim_model_destroy(sim_model *m)
{
    if (!m) return;
    free(m->compounds);
    free(m);
}

/* ---- generators ---------------------------------------------------------------------------- */

lv_status sim_gen_create(const sim_model *model, uint64_t seed, uint64_t stream, sim_gen **out)
{
    sim_gen *g = (sim_gen *)calloc(1, sizeof *g);
    RETURN_IF_NULL_ALLOC(g, sizeof *g);
    g->model = model;
    sim_rng_seed(&g->rng, seed, stream);
    size_t n_excl = (size_t)model->n_compounds + SIM_N_BG;
    g->excluded_until = (double *)malloc(n_excl * sizeof *g->excluded_until);
    if (!g->excluded_until) {
        free(g);
        RETURN_IF_NULL_ALLOC(NULL, n_excl * sizeof(double));
    }
    for (size_t i = 0; i < n_excl; i++)
        g->excluded_until[i] = -INFINITY;
    for (int k = -SIM_HALF_WIDTH; k <= SIM_HALF_WIDTH; k++)
        g->gauss[k + SIM_HALF_WIDTH] = exp(-SIM_GAUSS_K * k * k);
    *out = g;
    return LV_OK;
}

void sim_gen_destroy(sim_gen *g)
{
    if (!g) return;
    free(g->peaks);
    free(g->cand);
    free(g->acc);
    free(g->excluded_until);
    free(g);
}

static lv_status push_peak(sim_gen *g, const sim_peak *pk)
{
    if (g->n_peaks == g->cap_peaks) {
        uint32_t cap = g->cap_peaks ? g->cap_peaks * 2 : 4096;
        sim_peak *p = (sim_peak *)realloc(g->peaks, (size_t)cap * sizeof *p);
        RETURN_IF_NULL_ALLOC(p, (size_t)cap * sizeof *p);
        g->peaks = p;
        sim_peak *c = (sim_peak *)realloc(g->cand, (size_t)cap * sizeof *c);
        RETURN_IF_NULL_ALLOC(c, (size_t)cap * sizeof *c);
        g->cand = c;
        g->cap_peaks = cap;
    }
    g->peaks[g->n_peaks++] = *pk;
    return LV_OK;
}

static int cmp_peak_height_desc(const void *a, const void *b)
{
    const sim_peak *x = (const sim_peak *)a, *y = (const sim_peak *)b;
    if (x->height != y->height) return x->height > y->height ? -1 : 1;
    return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static int cmp_peak_pos(const void *a, const void *b)
{
    const sim_peak *x = (const sim_peak *)a, *y = (const sim_peak *)b;
    if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    return x->height > y->height ? -1 : (x->height < y->height);
}

/* First compound whose apex is at or after t. */
static uint32_t first_compound_after(const sim_model *m, double t)
{
    uint32_t lo = 0, hi = m->n_compounds;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->compounds[mid].rt < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The analytes' isotope peaks and the background ions visible at rt, with the scan's mass
 * calibration error (ppm) applied. */
static lv_status collect_signal(sim_gen *g, double rt, double scan_ppm)
{
    const sim_model *m = g->model;
    sim_rng *r = &g->rng;
    uint32_t i = first_compound_after(m, rt - SIM_ELUTION_SIGMAS * m->max_sigma_r);
    double t_end = rt + SIM_ELUTION_SIGMAS * m->max_sigma_l;
    for (; i < m->n_compounds && m->compounds[i].rt <= t_end; i++) {
        const sim_compound *c = &m->compounds[i];
        double dt = rt - c->rt;
        double x = dt / (dt < 0 ? c->sigma_l : c->sigma_r);
        if (fabs(x) > SIM_ELUTION_SIGMAS) continue;
        double h = c->height * exp(-0.5 * x * x);
        if (h * c->iso[0] < SIM_DETECT) continue; /* M+0 is the largest below 1900 Da */
        for (int k = 0; k < SIM_N_ISO; k++) {
            /* Ion statistics: a few per cent of scan-to-scan scatter per isotope peak. */
            double hk = h * c->iso[k] * (1.0 + 0.04 * sim_gauss(r));
            if (hk < SIM_DETECT) continue;
            double mz = (c->mass + k * SIM_C13_SPACING) / c->charge + SIM_PROTON;
            if (mz < SIM_MZ_LO || mz > SIM_MZ_HI) continue;
            mz *= 1.0 + (scan_ppm + 0.5 * sim_gauss(r)) * 1e-6;
            sim_peak pk = {mz, grid_pos(m, mz), (float)hk, SRC_COMPOUND, (uint8_t)k, c->charge, i};
            FORWARD_IF_ERROR(push_peak(g, &pk));
        }
    }
    for (uint32_t b = 0; b < SIM_N_BG; b++) {
        const sim_bg_ion *ion = &m->bg[b];
        double drift = 1.0 + 0.3 * sin(6.283185307179586 * rt / ion->period + ion->phase);
        double h = ion->height * drift * (1.0 + 0.05 * sim_gauss(r));
        double mz = ion->mz * (1.0 + (scan_ppm + 0.5 * sim_gauss(r)) * 1e-6);
        sim_peak pk = {mz, grid_pos(m, mz), (float)h, SRC_BACKGROUND, 0, 1, b};
        FORWARD_IF_ERROR(push_peak(g, &pk));
    }
    return LV_OK;
}

static lv_status reserve_acc(sim_gen *g, uint32_t n)
{
    if (n <= g->cap_acc) return LV_OK;
    uint32_t cap = n < 4096 ? 4096 : n;
    float *a = (float *)realloc(g->acc, (size_t)cap * sizeof *a);
    RETURN_IF_NULL_ALLOC(a, (size_t)cap * sizeof *a);
    g->acc = a;
    g->cap_acc = cap;
    return LV_OK;
}

static inline void emit_point(sim_spectrum *s, const sim_model *m, int32_t p, double v)
{
    s->mz[s->n] = grid_mz(m, p);
    s->intensity[s->n] = (float)(v > 0 ? v : 0);
    s->n++;
}

lv_status sim_gen_ms1(sim_gen *g, double rt, uint32_t budget, sim_spectrum *out)
{
    const sim_model *m = g->model;
    sim_rng *r = &g->rng;
    if (budget < 1) budget = 1;
    /* Tiny budgets shrink the regions rather than overshoot. */
    int32_t hw = SIM_HALF_WIDTH;
    if ((uint32_t)(2 * hw + 1) > budget) hw = (int32_t)((budget - 1) / 2);
    uint32_t cost = (uint32_t)(2 * hw + 1) + SIM_GAP_POINTS;

    g->n_peaks = 0;
    double scan_ppm = 1.0 * sim_gauss(r);
    FORWARD_IF_ERROR(collect_signal(g, rt, scan_ppm));

    /* The most intense signal that fits in the point budget; the rest is below the instrument's
     * dynamic range in this scan. */
    uint32_t max_signal = (uint32_t)(SIM_SIGNAL_SHARE * budget / cost);
    if (max_signal < 1) max_signal = 1;
    if (g->n_peaks > max_signal) {
        qsort(g->peaks, g->n_peaks, sizeof *g->peaks, cmp_peak_height_desc);
        g->n_peaks = max_signal;
    }
    /* Chemical noise fills the rest of the budget: low, random peaks. */
    uint64_t used = (uint64_t)g->n_peaks * cost;
    uint32_t n_noise = used < budget ? (uint32_t)((budget - used) / cost) : 0;
    double span = (double)(m->p_max - m->p_min - 2 * hw);
    for (uint32_t i = 0; i < n_noise; i++) {
        double pos = m->p_min + hw + span * sim_uniform(r);
        double u = (m->k0 - pos) * SIM_DU;
        double h = sim_log_range(r, 2.0 * SIM_NOISE_SIGMA, 30.0 * SIM_NOISE_SIGMA);
        sim_peak pk = {1.0 / (u * u), pos, (float)h, SRC_NOISE, 0, 1, 0};
        FORWARD_IF_ERROR(push_peak(g, &pk));
    }
    qsort(g->peaks, g->n_peaks, sizeof *g->peaks, cmp_peak_pos);

    /* Each peak adds at most its region plus a merged gap or the baseline points before it. */
    uint64_t bound = (uint64_t)g->n_peaks * (uint32_t)(2 * hw + 1 + SIM_MERGE_GAP + SIM_GAP_POINTS);
    RETURN_ERROR_IF(bound >= UINT32_MAX, LV_ERR_INVALID_ARGUMENT, "MS1 spectrum too large");
    FORWARD_IF_ERROR(sim_spectrum_reserve(out, (uint32_t)bound + 1));
    out->n = 0;
    int32_t prev_hi = INT32_MIN;
    for (uint32_t i = 0; i < g->n_peaks;) {
        int32_t lo = (int32_t)lround(g->peaks[i].pos) - hw;
        int32_t hi = (int32_t)lround(g->peaks[i].pos) + hw;
        uint32_t j = i + 1;
        for (; j < g->n_peaks; j++) {
            int32_t c = (int32_t)lround(g->peaks[j].pos);
            if (c - hw > hi + SIM_MERGE_GAP) break;
            if (c + hw > hi) hi = c + hw;
        }
        if (lo < m->p_min) lo = m->p_min;
        if (lo <= prev_hi) lo = prev_hi + 1; /* a clipped region cannot reach back */
        if (hi > m->p_max) hi = m->p_max;
        if (hi < lo) {
            i = j;
            continue;
        }
        if (prev_hi != INT32_MIN && lo - prev_hi - 1 >= SIM_GAP_POINTS) {
            int32_t gap = lo - prev_hi - 1, half = gap / 2;
            int32_t a = prev_hi + 1 + (int32_t)sim_below(r, (uint32_t)half);
            int32_t b = prev_hi + 1 + half + (int32_t)sim_below(r, (uint32_t)(gap - half));
            emit_point(out, m, a, SIM_NOISE_SIGMA * sim_noise(r));
            emit_point(out, m, b, SIM_NOISE_SIGMA * sim_noise(r));
        }
        uint32_t len = (uint32_t)(hi - lo + 1);
        FORWARD_IF_ERROR(reserve_acc(g, len));
        memset(g->acc, 0, len * sizeof *g->acc);
        for (uint32_t q = i; q < j; q++) {
            const sim_peak *pk = &g->peaks[q];
            int32_t c = (int32_t)lround(pk->pos);
            int32_t a = c - hw < lo ? lo : c - hw;
            int32_t b = c + hw > hi ? hi : c + hw;
            /* h exp(-K (k - f)^2) at integer offsets k from c, with f = pos - c, is
             * h exp(-K f^2) exp(2 K f k) exp(-K k^2): a table term times a geometric one, so a
             * peak costs three exp() calls instead of one per point. */
            double f = pk->pos - c;
            double step = exp(2.0 * SIM_GAUSS_K * f);
            double geo =
                pk->height * exp(-SIM_GAUSS_K * f * f) * exp(2.0 * SIM_GAUSS_K * f * (a - c));
            for (int32_t p = a; p <= b; p++) {
                g->acc[p - lo] += (float)(geo * g->gauss[p - c + SIM_HALF_WIDTH]);
                geo *= step;
            }
        }
        for (uint32_t k = 0; k < len; k++)
            emit_point(out, m, lo + (int32_t)k, g->acc[k] + SIM_NOISE_SIGMA * sim_noise(r));
        prev_hi = hi;
        i = j;
    }
    spectrum_summarize(out);
    /* Automatic gain control: fuller scans need shorter injections. */
    double iit = 4e9 / (out->tic > 1 ? out->tic : 1);
    out->injection_ms = iit < 0.5 ? 0.5 : iit > 100 ? 100 : iit;
    return LV_OK;
}

/* ---- precursor selection ------------------------------------------------------------------- */

/* Last mass of an MS2 scan: a little above the singly charged molecule, as "auto" last-mass
 * settings do. */
static double ms2_upper_mz(double neutral_mass)
{
    double upper = 5.0 * ceil((neutral_mass + SIM_PROTON) * 1.05 / 5.0);
    return upper < SIM_MS2_LO + 50 ? SIM_MS2_LO + 50 : upper;
}

static void make_precursor(sim_gen *g, const sim_peak *pk, sim_precursor *p)
{
    const sim_model *m = g->model;
    p->mz = pk->mz;
    p->intensity = pk->height;
    p->charge = pk->charge;
    if (pk->src == SRC_COMPOUND) {
        const sim_compound *c = &m->compounds[pk->index];
        p->neutral_mass = c->mass;
        p->fragment_seed = sim_mix(m->seed, 0x100000000ull + c->id);
    } else if (pk->src == SRC_BACKGROUND) {
        p->neutral_mass = pk->mz - SIM_PROTON;
        p->fragment_seed = sim_mix(m->seed, 0x200000000ull + pk->index);
    } else {
        p->neutral_mass = pk->mz - SIM_PROTON;
        p->fragment_seed = sim_next(&g->rng);
    }
    p->upper_mz = ms2_upper_mz(p->neutral_mass);
}

lv_status sim_gen_select(sim_gen *g, double rt, uint32_t n, sim_precursor *out)
{
    const sim_model *m = g->model;
    uint32_t nc = 0;
    for (uint32_t i = 0; i < g->n_peaks; i++) {
        const sim_peak *pk = &g->peaks[i];
        /* Monoisotopic precursor selection: an analyte is picked by its M+0 peak. */
        if (pk->src == SRC_COMPOUND && (pk->iso != 0 || g->excluded_until[pk->index] > rt))
            continue;
        if (pk->src == SRC_BACKGROUND && g->excluded_until[m->n_compounds + pk->index] > rt)
            continue;
        g->cand[nc++] = *pk;
    }
    if (nc > 1) qsort(g->cand, nc, sizeof *g->cand, cmp_peak_height_desc);
    uint32_t k = 0;
    for (; k < n && k < nc; k++) {
        const sim_peak *pk = &g->cand[k];
        make_precursor(g, pk, &out[k]);
        if (pk->src == SRC_COMPOUND)
            g->excluded_until[pk->index] = rt + SIM_EXCLUSION_S;
        else if (pk->src == SRC_BACKGROUND)
            g->excluded_until[m->n_compounds + pk->index] = rt + SIM_EXCLUSION_S;
    }
    if (k == n) return LV_OK;
    /* More MS2 scans asked for than fresh precursors in the survey scan: the rest go to its
     * most intense peaks again, whatever their exclusion or isotope, in turn. */
    uint32_t first = k;
    nc = g->n_peaks;
    memcpy(g->cand, g->peaks, (size_t)nc * sizeof *g->cand);
    if (nc > 1) qsort(g->cand, nc, sizeof *g->cand, cmp_peak_height_desc);
    for (; k < n && nc > 0; k++)
        make_precursor(g, &g->cand[(k - first) % nc], &out[k]);
    /* A survey scan without any peak (not produced by sim_gen_ms1, which always keeps one). */
    for (; k < n; k++) {
        double pos = m->p_min + (m->p_max - m->p_min) * sim_uniform(&g->rng);
        double u = (m->k0 - pos) * SIM_DU;
        sim_peak pk = {1.0 / (u * u), pos, (float)SIM_DETECT, SRC_NOISE, 0, 1, 0};
        make_precursor(g, &pk, &out[k]);
    }
    return LV_OK;
}

/* ---- MS2 ----------------------------------------------------------------------------------- */

static int cmp_fragment(const void *a, const void *b)
{
    const sim_fragment *x = (const sim_fragment *)a, *y = (const sim_fragment *)b;
    if (x->mz != y->mz) return x->mz < y->mz ? -1 : 1;
    return x->intensity < y->intensity ? -1 : (x->intensity > y->intensity);
}

#define SIM_WATER 18.0105646863

/* Common small neutral losses: H2O, NH3, CO, CO2, HCOOH, CH3COOH. */
static const double neutral_losses[6] = {18.0105646863, 17.0265491015, 27.9949146221,
                                         43.9898292442, 46.0054793084, 60.0211293726};

lv_status sim_gen_ms2(sim_gen *g, const sim_precursor *p, sim_spectrum *out)
{
    sim_rng *r = &g->rng;
    sim_fragment *f = g->frags;
    uint32_t nf = 0;
    /* The fragment pattern (m/z and relative intensities) depends only on the analyte, so
     * repeated MS2 scans of one compound look alike, as real ones do. */
    sim_rng fr;
    sim_rng_seed(&fr, p->fragment_seed, 3);
    double mass = p->neutral_mass;
    double frac = (mass - 100.0) / 1100.0;
    frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    uint32_t want = 20 + (uint32_t)(130.0 * frac * sim_range(&fr, 0.6, 1.0));
    if (want > SIM_MAX_FRAGMENTS) want = SIM_MAX_FRAGMENTS;
    double max_rel = 0, sum_rel = 0;
    while (nf < want) {
        double kind = sim_uniform(&fr);
        /* Few dominant fragments, many small ones. */
        double rel = 0.005 + pow(sim_uniform(&fr), 4.0);
        if (kind < 0.7) {
            /* b/y-like pair: a protonated piece of the molecule and, often, its complement
             * (the rest, minus water). */
            double piece = realistic_mass(&fr, floor(sim_range(&fr, 0.06, 0.94) * mass));
            f[nf++] = (sim_fragment){piece + SIM_PROTON, (float)rel};
            double comp_rel = rel * sim_range(&fr, 0.2, 1.0);
            if (sim_uniform(&fr) < 0.6 && nf < want)
                f[nf++] = (sim_fragment){mass - piece - SIM_WATER + SIM_PROTON, (float)comp_rel};
        } else if (kind < 0.85) {
            double loss = neutral_losses[sim_below(&fr, 6)];
            f[nf++] = (sim_fragment){mass + SIM_PROTON - loss, (float)rel};
        } else {
            double hi = mass * 0.35 > 60.0 ? mass * 0.35 : 60.0;
            f[nf++] =
                (sim_fragment){realistic_mass(&fr, floor(sim_range(&fr, 50.0, hi))), (float)rel};
        }
        if (rel > max_rel) max_rel = rel;
        sum_rel += rel;
    }
    /* Unfragmented precursor left over. */
    f[nf] = (sim_fragment){p->mz, (float)(max_rel * sim_range(&fr, 0.02, 0.3))};
    sum_rel += f[nf++].intensity;

    /* This scan: the fragments share the precursor's ions times a fragmentation and transfer
     * yield, with ion statistics and mass error; then a few noise peaks. */
    double scale = p->intensity * sim_range(r, 0.2, 0.6) / sum_rel;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nf; i++) {
        if (f[i].mz < SIM_MS2_LO || f[i].mz > p->upper_mz) continue;
        double v = f[i].intensity * scale * (1.0 + 0.1 * sim_gauss(r));
        if (v <= 0) continue;
        f[kept].mz = f[i].mz * (1.0 + 2e-6 * sim_gauss(r));
        f[kept].intensity = (float)v;
        kept++;
    }
    uint32_t n_noise = 2 + sim_below(r, SIM_MAX_MS2_NOISE - 1);
    for (uint32_t i = 0; i < n_noise; i++) {
        f[kept].mz = sim_range(r, SIM_MS2_LO, p->upper_mz);
        f[kept].intensity = (float)(scale * max_rel * sim_log_range(r, 0.002, 0.02));
        kept++;
    }
    qsort(f, kept, sizeof *f, cmp_fragment);
    FORWARD_IF_ERROR(sim_spectrum_reserve(out, kept));
    out->n = 0;
    for (uint32_t i = 0; i < kept; i++) {
        /* Fragments closer than the MS2 resolution are one centroid, at their weighted mean
         * (which stays between its neighbours, so the order is kept). */
        if (out->n > 0 && f[i].mz - out->mz[out->n - 1] < SIM_MS2_MERGE_PPM * 1e-6 * f[i].mz) {
            uint32_t k = out->n - 1;
            double sum = (double)out->intensity[k] + f[i].intensity;
            out->mz[k] = (out->mz[k] * out->intensity[k] + f[i].mz * f[i].intensity) / sum;
            out->intensity[k] = (float)sum;
            continue;
        }
        out->mz[out->n] = f[i].mz;
        out->intensity[out->n] = f[i].intensity;
        out->n++;
    }
    spectrum_summarize(out);
    double iit = 2e7 / (p->intensity > 1 ? p->intensity : 1);
    out->injection_ms = iit < 1 ? 1 : iit > 50 ? 50 : iit;
    return LV_OK;
}
