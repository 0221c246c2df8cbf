// centroid_test.cpp - lv_centroid on synthetic spectra with known answers (Gaussian peaks of known
// centre and height, analytic log-parabola fits, thresholds, MAD noise against a sort-based
// median), edge cases and argument checks, and lv_centroid_batch's record handling.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lavoisier.h"
extern "C" {
#include "io/batch.h"
#include "ops/noise_mad.h"
}
#include "peak_fixtures.h"

namespace
{

struct Result {
    std::vector<double> mz;
    std::vector<float> in, fwhm;
};

Result centroid(lv_context *ctx, const std::vector<double> &mz, const std::vector<float> &x,
                const lv_centroid_params *p = nullptr, lv_status *st_out = nullptr)
{
    Result r;
    uint64_t off[2] = {0, mz.size()};
    size_t cap = mz.size() / 2 + 1;
    r.mz.resize(cap);
    r.in.resize(cap);
    r.fwhm.resize(cap);
    uint64_t oo[2];
    lv_status st = lv_centroid(ctx, p, 1, off, mz.data(), x.data(), cap, r.mz.data(), r.in.data(),
                               r.fwhm.data(), oo);
    if (st_out)
        *st_out = st;
    else
        EXPECT_EQ(st, LV_OK) << lv_last_error();
    size_t n = st == LV_OK ? oo[1] : 0;
    r.mz.resize(n);
    r.in.resize(n);
    r.fwhm.resize(n);
    return r;
}

struct Ctx {
    lv_context *ctx;
    explicit Ctx(uint32_t t) : ctx(lvtest::cpu_context(t)) {}
    ~Ctx() { lv_context_destroy(ctx); }
};

/* Gaussian peaks of known centre on a uniform grid: a log-parabola through samples of a Gaussian
 * is the Gaussian itself, so the fit must return the centre and height up to float rounding of
 * the samples. */
TEST(Centroid, GaussianPeaksRecoverCentreAndHeight)
{
    Ctx c(1);
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> frac(-0.5, 0.5);
    const double step = 0.002, sigma = 0.004;
    std::vector<double> mz, centres, heights;
    for (int i = 0; i < 20000; i++)
        mz.push_back(300.0 + i * step);
    std::vector<float> x(mz.size(), 0.0f);
    for (int k = 0; k < 50; k++) {
        const double centre = 300.5 + k * 0.7 + frac(rng) * step, h = 1000.0 + 100.0 * k;
        centres.push_back(centre);
        heights.push_back(h);
        for (size_t i = 0; i < mz.size(); i++) {
            const double d = (mz[i] - centre) / sigma;
            if (std::fabs(d) < 8) x[i] = (float)(h * std::exp(-0.5 * d * d));
        }
    }
    lv_centroid_params p;
    lv_centroid_params_init(&p);
    p.fwhm = 1;
    p.min_intensity = 1.0; /* ignore the far tails' float underflow wiggles */
    Result r = centroid(c.ctx, mz, x, &p);
    ASSERT_EQ(r.mz.size(), centres.size());
    double worst_ppm = 0, worst_h = 0, worst_w = 0;
    for (size_t k = 0; k < centres.size(); k++) {
        worst_ppm = std::max(worst_ppm, std::fabs(r.mz[k] - centres[k]) / centres[k] * 1e6);
        worst_h = std::max(worst_h, std::fabs(r.in[k] - heights[k]) / heights[k]);
        worst_w = std::max(worst_w, std::fabs(r.fwhm[k] - 2.3548 * sigma) / (2.3548 * sigma));
    }
    EXPECT_LT(worst_ppm, 1e-3) << "apex m/z error, ppm";
    EXPECT_LT(worst_h, 1e-5) << "apex height relative error";
    EXPECT_LT(worst_w, 0.03) << "FWHM relative error (linear interpolation between samples)";
}

TEST(Centroid, LogParabolaOnUnevenSpacing)
{
    Ctx c(1);
    /* ln I = 5 - 2 (mz - 2.2)^2 sampled at uneven m/z: the vertex is exactly 2.2, height e^5. */
    std::vector<double> mz{1.0, 2.0, 2.5, 3.0};
    std::vector<float> x;
    for (double m : mz)
        x.push_back((float)std::exp(5.0 - 2.0 * (m - 2.2) * (m - 2.2)));
    Result r = centroid(c.ctx, mz, x);
    ASSERT_EQ(r.mz.size(), 1u);
    EXPECT_NEAR(r.mz[0], 2.2, 1e-6);
    EXPECT_NEAR(r.in[0], std::exp(5.0), std::exp(5.0) * 1e-6);
}

TEST(Centroid, ZeroNeighbourFallsBackToTheApexSample)
{
    Ctx c(1);
    Result r = centroid(c.ctx, {1.0, 2.0, 3.0, 4.0, 5.0}, {0, 0, 7, 3, 0});
    ASSERT_EQ(r.mz.size(), 1u);
    EXPECT_EQ(r.mz[0], 3.0);
    EXPECT_EQ(r.in[0], 7.0f);
    /* A flat plateau of three: the fit is not concave, the middle sample is used. */
    r = centroid(c.ctx, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {1, 4, 4, 4, 1, 0});
    ASSERT_EQ(r.mz.size(), 1u);
    EXPECT_EQ(r.mz[0], 3.0);
}

TEST(Centroid, AreaIsTheTrapezoidOverTheExtent)
{
    Ctx c(1);
    lv_centroid_params p;
    lv_centroid_params_init(&p);
    p.intensity = LV_CENTROID_AREA;
    /* Extent of the peak at 4: from 1 (the valley 0 at index 1... the flank stops where the
     * intensity rises) to index 6. */
    std::vector<double> mz{0, 1, 2, 3, 4, 5, 6, 7};
    std::vector<float> x{2, 0, 1, 3, 6, 2, 1, 5};
    Result r = centroid(c.ctx, mz, x, &p);
    ASSERT_EQ(r.mz.size(), 1u);
    /* Trapezoids over [1, 6]: (0+1)/2 + (1+3)/2 + (3+6)/2 + (6+2)/2 + (2+1)/2 = 12.5 */
    EXPECT_FLOAT_EQ(r.in[0], 12.5f);
}

TEST(Centroid, ThresholdsAndMadNoise)
{
    Ctx c(2);
    std::mt19937 rng(3);
    std::normal_distribution<double> noise(15.0, 10.0);
    std::vector<double> mz;
    std::vector<float> x;
    for (int i = 0; i < 5001; i++) {
        mz.push_back(100.0 + 0.01 * i);
        x.push_back((float)noise(rng));
    }
    /* Reference MAD by full sorting. */
    std::vector<double> v(x.begin(), x.end());
    std::sort(v.begin(), v.end());
    const double med = v[v.size() / 2];
    for (double &d : v)
        d = std::fabs(d - med);
    std::sort(v.begin(), v.end());
    const double sigma = 1.4826 * v[v.size() / 2];
    std::vector<double> scratch(x.size());
    EXPECT_DOUBLE_EQ(lv_mad_noise(x.data(), x.size(), scratch.data()), sigma);
    /* Even count: the mean of the two middle values. */
    std::vector<float> even{1, 2, 4, 10};
    EXPECT_DOUBLE_EQ(lv_mad_noise(even.data(), 4, scratch.data()), 1.4826 * 1.5);

    lv_centroid_params p;
    lv_centroid_params_init(&p);
    p.snr = 2.0;
    Result r = centroid(c.ctx, mz, x, &p);
    auto all = centroid(c.ctx, mz, x);
    size_t expect = 0;
    for (size_t i = 1; i + 1 < x.size(); i++)
        if (x[i] > x[i - 1] && x[i] > x[i + 1] && x[i] >= 2.0 * sigma) expect++;
    EXPECT_EQ(r.mz.size(), expect);
    EXPECT_LT(r.mz.size(), all.mz.size());
    /* A fixed noise level and min_intensity: the larger threshold wins. */
    p.noise = 5.0;
    p.snr = 2.0;
    p.min_intensity = 30.0;
    r = centroid(c.ctx, mz, x, &p);
    expect = 0;
    for (size_t i = 1; i + 1 < x.size(); i++)
        if (x[i] > x[i - 1] && x[i] > x[i + 1] && x[i] >= 30.0) expect++;
    EXPECT_EQ(r.mz.size(), expect);
}

TEST(Centroid, EdgeCasesAndThreads)
{
    Ctx c1(1), c3(3);
    EXPECT_TRUE(centroid(c1.ctx, {}, {}).mz.empty());
    EXPECT_TRUE(centroid(c1.ctx, {1.0}, {5}).mz.empty());
    EXPECT_TRUE(centroid(c1.ctx, {1.0, 2.0}, {5, 1}).mz.empty());
    /* Many random spectra: 1 and 3 threads give identical results. */
    std::mt19937 rng(9);
    std::vector<double> mz;
    std::vector<float> x;
    std::vector<uint64_t> off{0};
    for (int s = 0; s < 200; s++) {
        size_t n = rng() % 4000;
        for (size_t i = 0; i < n; i++) {
            mz.push_back(100.0 + 0.001 * i);
            x.push_back((float)(rng() % 1000));
        }
        off.push_back(mz.size());
    }
    std::vector<Result> out;
    for (lv_context *ctx : {c1.ctx, c3.ctx}) {
        Result r;
        r.mz.resize(mz.size());
        r.in.resize(mz.size());
        std::vector<uint64_t> oo(off.size());
        lv_centroid_params p;
        lv_centroid_params_init(&p);
        p.snr = 1.0;
        ASSERT_EQ(lv_centroid(ctx, &p, off.size() - 1, off.data(), mz.data(), x.data(), mz.size(),
                              r.mz.data(), r.in.data(), nullptr, oo.data()),
                  LV_OK);
        r.mz.resize(oo.back());
        r.in.resize(oo.back());
        out.push_back(r);
    }
    EXPECT_EQ(out[0].mz, out[1].mz);
    EXPECT_EQ(out[0].in, out[1].in);
}

TEST(Centroid, InvalidArguments)
{
    Ctx c(1);
    std::vector<double> mz{1, 2, 3, 2.5, 5};
    std::vector<float> x{0, 1, 0, 1, 0};
    uint64_t off[2] = {0, 5};
    double om[5];
    float oi[5];
    uint64_t oo[2];
    EXPECT_EQ(lv_centroid(c.ctx, nullptr, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("point 3"), std::string::npos) << lv_last_error();
    mz[3] = 4;
    EXPECT_EQ(lv_centroid(nullptr, nullptr, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_centroid(c.ctx, nullptr, 1, off, mz.data(), x.data(), 1, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("2 centroids"), std::string::npos);
    lv_centroid_params p;
    lv_centroid_params_init(&p);
    p.snr = NAN;
    EXPECT_EQ(lv_centroid(c.ctx, &p, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    lv_centroid_params_init(&p);
    p.noise = -1;
    EXPECT_EQ(lv_centroid(c.ctx, &p, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    lv_centroid_params_init(&p);
    p.intensity = (lv_centroid_intensity)7;
    EXPECT_EQ(lv_centroid(c.ctx, &p, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    lv_centroid_params_init(&p);
    p.size = 1;
    EXPECT_EQ(lv_centroid(c.ctx, &p, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_centroid(c.ctx, nullptr, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_OK);
    EXPECT_EQ(oo[1], 2u);
}

/* Four records: MS1 profile, MS2 centroid, MS2 unknown, MS3 profile; one extra array. */
lv_batch *make_batch()
{
    lv_batch *b;
    const char ids[] = "a\0b\0c\0d";
    if (lv_batch_alloc(nullptr, LV_RECORD_SPECTRUM, 4, 20, sizeof ids, &b) != LV_OK) return nullptr;
    memcpy(b->id_arena, ids, sizeof ids);
    const uint64_t ido[5] = {0, 2, 4, 6, 8};
    memcpy(b->id_offsets, ido, sizeof ido);
    const uint8_t lvl[4] = {1, 2, 2, 3}, rep[4] = {1, 2, 0, 1};
    for (int i = 0; i < 4; i++) {
        b->offsets[i] = 5 * i;
        b->index[i] = 10 + i;
        b->ms_level[i] = lvl[i];
        b->representation[i] = rep[i];
        b->rt_seconds[i] = i;
        b->polarity[i] = 1;
        b->precursor_mz[i] = NAN;
        b->precursor_charge[i] = 0;
        b->precursor_intensity[i] = NAN;
        const float shape[5] = {1, 4, 9, 4, 1};
        for (int j = 0; j < 5; j++) {
            b->mz[5 * i + j] = 100.0 * (i + 1) + j;
            b->intensity[5 * i + j] = shape[j];
        }
    }
    b->offsets[4] = 20;
    uint32_t k;
    if (lv_batch_add_extra(b, "charge array", LV_DTYPE_I32, 8, &k) != LV_OK) return nullptr;
    for (int i = 0; i <= 4; i++)
        b->extras[k].offsets[i] = 2 * i;
    for (int j = 0; j < 8; j++)
        ((int32_t *)b->extras[k].data)[j] = j;
    return b;
}

TEST(CentroidBatch, SelectsProfileLevelsAndPassesTheRestThrough)
{
    Ctx c(2);
    lv_batch *in = make_batch();
    ASSERT_NE(in, nullptr);
    lv_centroid_params p;
    lv_centroid_params_init(&p);
    p.ms_levels = (1u << 1) | (1u << 2); /* MS1 and MS2: the MS3 record stays profile */
    p.fwhm = 1;
    lv_batch *out = nullptr;
    ASSERT_EQ(lv_centroid_batch(c.ctx, &p, in, &out), LV_OK) << lv_last_error();
    lv_batch_view v;
    v.size = sizeof v;
    ASSERT_EQ(lv_batch_get_view(out, &v), LV_OK);
    ASSERT_EQ(v.n_records, 4u);
    /* 0: centroided; 1: already centroid, copied; 2: unknown, centroided; 3: MS3, copied. */
    const uint64_t want_len[4] = {1, 5, 1, 5};
    const uint8_t want_proc[4] = {1, 0, 1, 0}, want_rep[4] = {2, 2, 2, 1};
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(v.offsets[i + 1] - v.offsets[i], want_len[i]) << i;
        EXPECT_EQ(v.processed[i], want_proc[i]) << i;
        EXPECT_EQ(v.representation[i], want_rep[i]) << i;
        EXPECT_EQ(v.index[i], 10u + i);
        EXPECT_STREQ(lv_batch_id(out, i), lv_batch_id(in, i));
    }
    EXPECT_NEAR(v.mz[v.offsets[0]], 102.0, 1e-12); /* symmetric peak: apex at the middle */
    EXPECT_EQ(v.mz[v.offsets[1] + 4], 204.0);      /* copied values */
    ASSERT_EQ(v.n_extra, 2u);
    const char *name;
    lv_dtype dt;
    const uint64_t *eo;
    const void *data;
    ASSERT_EQ(lv_batch_extra(out, 0, &name, &dt, &eo, &data), LV_OK);
    EXPECT_STREQ(name, "charge array");
    EXPECT_EQ(eo[1] - eo[0], 0u); /* dropped on processed records */
    EXPECT_EQ(eo[2] - eo[1], 2u); /* kept on copied ones */
    EXPECT_EQ(((const int32_t *)data)[eo[1]], 2);
    ASSERT_EQ(lv_batch_extra(out, 1, &name, &dt, &eo, &data), LV_OK);
    EXPECT_STREQ(name, "FWHM");
    EXPECT_EQ(dt, LV_DTYPE_F32);
    EXPECT_EQ(eo[1] - eo[0], 1u);
    EXPECT_EQ(eo[2] - eo[1], 0u);
    EXPECT_GT(((const float *)data)[0], 0.0f);
    lv_batch_destroy(out);
    EXPECT_EQ(lv_centroid_batch(c.ctx, &p, in, nullptr), LV_ERR_INVALID_ARGUMENT);
    lv_batch_destroy(in);
}

} // namespace

/* ---- the apex fit's arithmetic (kernels/common/peak_math.h) ---- */

extern "C" {
#include "peak_math.h"
}

namespace
{

/* Distance in units in the last place between two finite doubles of the same sign. */
double ulps(double a, double b)
{
    return std::fabs(a - b) / std::ldexp(1.0, std::ilogb(std::fabs(b)) - 52);
}

/* The fit as it was computed before peak_math.h did its own log and exp (libm log of the two
 * ratios, then exp): the reference for the documented tolerance. */
void old_gauss3_apex(const double *mz, const float *x, uint64_t c, double *apex_mz, double *h)
{
    const double i0 = x[c - 1], i1 = x[c], i2 = x[c + 1];
    *apex_mz = mz[c];
    *h = i1;
    if (!(i0 > 0.0 && i1 > 0.0 && i2 > 0.0)) return;
    const double u0 = mz[c - 1] - mz[c], u2 = mz[c + 1] - mz[c];
    if (!(u0 < 0.0 && u2 > 0.0)) return;
    const double s0 = std::log(i0 / i1) / u0, s2 = std::log(i2 / i1) / u2;
    const double a = (s2 - s0) / (u2 - u0);
    if (!(a < 0.0)) return;
    const double b = s2 - a * u2, u = -b / (2.0 * a);
    if (!(u >= u0 && u <= u2)) return;
    *apex_mz = mz[c] + u;
    *h = i1 * std::exp(-b * b / (4.0 * a));
}

} // namespace

TEST(PeakMath, LogOfEveryFloatRangeWithinOneUlpOfLibm)
{
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<uint32_t> bits(1, 0x7f7fffffu); /* positive finite floats */
    double worst = 0;
    for (int k = 0; k < 2000000; k++) {
        uint32_t b = bits(rng);
        float f;
        std::memcpy(&f, &b, sizeof f);
        const double want = std::log((double)f);
        if (want == 0.0) {
            EXPECT_EQ(lv_log_normal(f), 0.0);
            continue;
        }
        worst = std::max(worst, ulps(lv_log_normal(f), want));
    }
    for (float f : {1.0f, 2.0f, 0.5f, 1e-45f, 3.4028235e38f, 0.70710677f, 1.4142135f})
        worst = std::max(worst, f == 1.0f ? 0.0 : ulps(lv_log_normal(f), std::log((double)f)));
    EXPECT_EQ(lv_log_normal(1.0), 0.0);
    EXPECT_LE(worst, 1.0);
}

TEST(PeakMath, ExpRiseWithinTwoUlpOfLibm)
{
    std::mt19937_64 rng(8);
    std::uniform_real_distribution<double> small(0.0, 2.0), large(0.0, 709.0);
    double worst = 0;
    for (int k = 0; k < 1000000; k++) {
        const double z = k % 2 ? small(rng) : large(rng);
        worst = std::max(worst, ulps(lv_exp_rise(z), std::exp(z)));
    }
    EXPECT_EQ(lv_exp_rise(0.0), 1.0); /* the fallback keeps the apex height exactly */
    EXPECT_LE(worst, 2.0);
}

/* The documented tolerance of the fit against the libm formula it replaced, on realistic profile
 * peaks (Gaussians of 5-50 mDa width on a grid of ~2-5 mDa, m/z 50-2000, intensities 1 to 1e9,
 * noise, flat tops, zeros): the same peaks, the same fallbacks (bit for bit), and where the fit
 * is defined m/z within 1e-12 relative (1e-6 ppm) and height within 1e-12 relative before the
 * rounding to float (so within one float ulp after it). */
TEST(PeakMath, FitMatchesTheLibmFormulaWithinTolerance)
{
    Ctx c(1);
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    uint64_t peaks = 0, fitted = 0;
    double worst_mz = 0, worst_h = 0;
    for (int spec = 0; spec < 200; spec++) {
        std::vector<double> mz;
        std::vector<float> x;
        double m = 50.0 + 1950.0 * U(rng);
        const double step = 0.002 + 0.003 * U(rng);
        for (int k = 0; k < 4000; k++, m += step * (1.0 + 1e-4 * k))
            mz.push_back(m);
        x.assign(mz.size(), 0.0f);
        for (int p = 0; p < 60; p++) {
            const double centre = mz[10] + (mz[mz.size() - 10] - mz[10]) * U(rng);
            const double sigma = 0.005 + 0.045 * U(rng), height = std::pow(10.0, 9.0 * U(rng));
            for (size_t k = 0; k < mz.size(); k++) {
                const double d = (mz[k] - centre) / sigma;
                if (std::fabs(d) < 8) x[k] += (float)(height * std::exp(-0.5 * d * d));
            }
        }
        for (size_t k = 0; k < x.size(); k++) {
            if (spec % 3 == 0) x[k] += (float)(10.0 * U(rng));     /* noise */
            if (spec % 5 == 0 && k % 97 < 3) x[k] = x[k - k % 97]; /* flat runs */
            if (spec % 7 == 0 && k % 53 == 0) x[k] = 0.0f;
        }
        Result r = centroid(c.ctx, mz, x);
        /* The reference: the same peaks, fitted the old way. */
        std::vector<double> rm;
        std::vector<float> ri;
        std::vector<bool> fell;
        for (uint64_t i = 1; i + 1 < x.size(); i++) {
            uint64_t right;
            const int64_t p = lv_peak_at_left_edge(x.data(), x.size(), i, &right);
            if (p < 0) continue;
            double am, ah;
            old_gauss3_apex(mz.data(), x.data(), (uint64_t)p, &am, &ah);
            rm.push_back(am);
            ri.push_back((float)ah);
            fell.push_back(am == mz[(size_t)p]);
            if (!fell.back()) fitted++;
        }
        ASSERT_EQ(r.mz.size(), rm.size()) << "spectrum " << spec;
        for (size_t k = 0; k < rm.size(); k++) {
            if (fell[k]) {
                ASSERT_EQ(r.mz[k], rm[k]) << "spectrum " << spec << " peak " << k;
                ASSERT_EQ(r.in[k], ri[k]) << "spectrum " << spec << " peak " << k;
                continue;
            }
            worst_mz = std::max(worst_mz, std::fabs(r.mz[k] - rm[k]) / rm[k]);
            worst_h = std::max(worst_h, std::fabs((double)r.in[k] - ri[k]) / ri[k]);
            EXPECT_LE(std::fabs(r.in[k] - ri[k]), std::nextafter(ri[k], INFINITY) - ri[k])
                << "spectrum " << spec << " peak " << k;
        }
        peaks += rm.size();
    }
    EXPECT_GT(fitted, peaks / 2);
    EXPECT_LE(worst_mz, 1e-12);
    EXPECT_LE(worst_h, 1.2e-7); /* one float ulp at most */
    std::printf("  %llu peaks (%llu fitted): worst m/z %.2e relative, height %.2e relative\n",
                (unsigned long long)peaks, (unsigned long long)fitted, worst_mz, worst_h);
}

/* The same against extreme inputs: intensities of every float magnitude next to each other and
 * m/z spacings varying by up to 1e6 between neighbours, where the rise of the fitted apex can
 * exceed what a float holds (libm's exp gave inf: so must the fit) or even what a double holds. */
TEST(PeakMath, FitMatchesTheLibmFormulaOnExtremeInputs)
{
    Ctx c(1);
    std::mt19937_64 rng(10);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    uint64_t peaks = 0, fitted = 0, overflowed = 0;
    double worst_mz = 0;
    for (int spec = 0; spec < 100; spec++) {
        std::vector<double> mz;
        std::vector<float> x;
        double m = 100.0;
        for (int k = 0; k < 4000; k++) {
            mz.push_back(m);
            m += std::pow(10.0, -9.0 + 6.0 * U(rng));
            x.push_back((float)std::pow(10.0, -45.0 + 83.0 * U(rng)));
        }
        Result r = centroid(c.ctx, mz, x);
        size_t k = 0;
        for (uint64_t i = 1; i + 1 < x.size(); i++) {
            uint64_t right;
            const int64_t p = lv_peak_at_left_edge(x.data(), x.size(), i, &right);
            if (p < 0) continue;
            double am, ah;
            old_gauss3_apex(mz.data(), x.data(), (uint64_t)p, &am, &ah);
            ASSERT_LT(k, r.mz.size());
            const float rh = (float)ah;
            if (am == mz[(size_t)p]) {
                EXPECT_EQ(r.mz[k], am);
            } else {
                fitted++;
                worst_mz = std::max(worst_mz, std::fabs(r.mz[k] - am) / am);
            }
            if (std::isinf(rh)) {
                overflowed++;
                EXPECT_EQ(r.in[k], rh) << "spectrum " << spec << " peak " << k;
            } else {
                EXPECT_LE(std::fabs(r.in[k] - rh), 2.0f * (std::nextafter(rh, INFINITY) - rh))
                    << "spectrum " << spec << " peak " << k;
            }
            k++;
        }
        EXPECT_EQ(k, r.mz.size());
        peaks += k;
    }
    EXPECT_GT(overflowed, 0u);
    EXPECT_LE(worst_mz, 1e-12);
    std::printf("  %llu peaks (%llu fitted, %llu overflowing): worst m/z %.2e relative\n",
                (unsigned long long)peaks, (unsigned long long)fitted,
                (unsigned long long)overflowed, worst_mz);
}
