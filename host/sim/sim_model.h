/* sim_model.h - the simulator's chemistry and instrument model.
 *
 * A run is a set of analytes (compounds) that elute over the run, plus persistent background ions
 * and random chemical noise, observed by an Orbitrap-like instrument in data-dependent mode: one
 * profile MS1 survey scan, then the top-N most intense precursors fragmented (HCD) into centroid
 * MS2 spectra, with dynamic exclusion.
 *
 * The model (sim_model) is immutable once the run length is set.  A generator (sim_gen) holds the
 * per-scan random stream, the dynamic-exclusion state and scratch space; several generators may
 * share one model (the planner calibrates with its own). */
#ifndef LV_SIM_MODEL_H
#define LV_SIM_MODEL_H

#include <stdint.h>

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_MZ_LO          100.0 /* MS1 scan window, m/z */
#define SIM_MZ_HI          1500.0
#define SIM_MS2_LO         50.0 /* MS2 first mass, m/z */
#define SIM_N_ISO          5    /* isotope peaks M+0..M+4 */
#define SIM_N_BG           40   /* persistent background ions */
#define SIM_PROTON         1.00727646688
#define SIM_C13_SPACING    1.0033548378 /* 13C - 12C */
#define SIM_ISOLATION_HALF 0.5          /* isolation window half-width, m/z */
#define SIM_COLLISION_EV   30.0

typedef struct sim_model sim_model;
typedef struct sim_gen sim_gen;

/* One spectrum's points (sorted by m/z, no duplicates) and summary values. */
typedef struct sim_spectrum {
    uint32_t n;
    uint32_t cap;
    double *mz;
    float *intensity;
    double tic;
    double base_mz;
    double base_intensity;
    double injection_ms; /* ion injection time the AGC would have chosen */
} sim_spectrum;

/* A precursor picked from an MS1 scan for fragmentation. */
typedef struct sim_precursor {
    double mz;              /* observed m/z of the selected (monoisotopic) peak */
    double intensity;       /* its height in the survey scan */
    double neutral_mass;    /* neutral monoisotopic mass of the ion's molecule */
    double upper_mz;        /* last mass of the MS2 scan window */
    uint64_t fragment_seed; /* same analyte -> same fragments every time it is picked */
    int32_t charge;
} sim_precursor;

lv_status sim_spectrum_reserve(sim_spectrum *s, uint32_t n);
void sim_spectrum_free(sim_spectrum *s);

/* Builds n_compounds analytes and the background ions from seed.  Retention times are stored as
 * fractions of the run until sim_model_set_run() scales them. */
lv_status sim_model_create(uint64_t seed, uint32_t n_compounds, sim_model **out);
void sim_model_set_run(sim_model *m, double run_seconds);
void sim_model_destroy(sim_model *m);

/* A generator drawing scans from model with its own random stream (seed, stream). */
lv_status sim_gen_create(const sim_model *model, uint64_t seed, uint64_t stream, sim_gen **out);
void sim_gen_destroy(sim_gen *g);

/* The MS1 profile scan at retention time rt (seconds) with about `budget` points. */
lv_status sim_gen_ms1(sim_gen *g, double rt, uint32_t budget, sim_spectrum *out);

/* Picks exactly n precursors from the last MS1 scan (top-N by height, skipping analytes and
 * background ions under dynamic exclusion at rt) and starts their exclusion. */
lv_status sim_gen_select(sim_gen *g, double rt, uint32_t n, sim_precursor *out);

/* The centroid MS2 spectrum of precursor p. */
lv_status sim_gen_ms2(sim_gen *g, const sim_precursor *p, sim_spectrum *out);

#ifdef __cplusplus
}
#endif

#endif
