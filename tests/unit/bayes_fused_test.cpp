/* The fused CPU path of lv_bayes_posterior_batch(_f32) (host/ops/bayes_fused.c) against the CBLAS
 * path and a long double reference: ragged shapes around its 4 x 12 / 4 x 24 tiles, extreme and
 * non-finite logits, subnormal posteriors, and bit-identical results for any thread count. */
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "bayes_fixture.h"
#include "lavoisier.h"
#include "ops/bayes_cpu.h"
#include "peak_fixtures.h"

namespace
{

lv_context *cpu_ctx(uint32_t threads)
{
    lv_context *ctx = lvtest::cpu_context(threads);
    EXPECT_NE(ctx, nullptr) << lv_last_error();
    return ctx;
}

/* softmax(E W^T + c) in long double, with bayes_math.h's conventions; returns the degenerate
 * count. */
uint64_t reference(uint64_t b, uint32_t n, uint32_t m, const std::vector<double> &e,
                   const std::vector<double> &w, const std::vector<double> &c,
                   std::vector<double> &out)
{
    uint64_t deg = 0;
    out.assign(b * n, 0.0);
    std::vector<long double> x(n);
    for (uint64_t r = 0; r < b; r++) {
        long double mx = -INFINITY;
        for (uint32_t i = 0; i < n; i++) {
            long double s = 0;
            for (uint32_t k = 0; k < m; k++)
                s += (long double)e[r * m + k] * w[(uint64_t)i * m + k];
            x[i] = s + c[i];
            if (x[i] > mx) mx = x[i];
        }
        if (mx == -INFINITY) {
            for (uint32_t i = 0; i < n; i++)
                out[r * n + i] = 1.0 / n;
            deg++;
            continue;
        }
        long double sum = 0;
        for (uint32_t i = 0; i < n; i++)
            sum += x[i] == x[i] ? std::exp(x[i] - mx) : 0.0L;
        for (uint32_t i = 0; i < n; i++)
            out[r * n + i] = (double)((x[i] == x[i] ? std::exp(x[i] - mx) : 0.0L) / sum);
    }
    return deg;
}

std::vector<double> run64(lv_context *ctx, lv_bayes_cpu_path path, uint64_t b, uint32_t n,
                          uint32_t m, const std::vector<double> &e, const std::vector<double> &w,
                          const std::vector<double> &c, uint64_t *deg)
{
    std::vector<double> out(b * n, -1.0);
    EXPECT_EQ(
        lv_bayes_batch_path(ctx, 0, path, b, n, m, e.data(), w.data(), c.data(), out.data(), deg),
        LV_OK)
        << lv_last_error();
    return out;
}

std::vector<float> run32(lv_context *ctx, lv_bayes_cpu_path path, uint64_t b, uint32_t n,
                         uint32_t m, const std::vector<double> &e, const std::vector<double> &w,
                         const std::vector<double> &c, uint64_t *deg)
{
    std::vector<float> ef(e.begin(), e.end()), wf(w.begin(), w.end()), cf(c.begin(), c.end());
    std::vector<float> out(b * n, -1.0f);
    EXPECT_EQ(lv_bayes_batch_path(ctx, 1, path, b, n, m, ef.data(), wf.data(), cf.data(),
                                  out.data(), deg),
              LV_OK)
        << lv_last_error();
    return out;
}

struct Shape {
    uint64_t b;
    uint32_t n, m;
};

/* Shapes around the tiles (4 rows, 12 / 24 hypotheses), M = 0 and 1, N = 1, and an n_evidence
 * past LV_BAYES_FUSED_MAX_EV (AUTO takes CBLAS there; FUSED is still forced). */
const Shape kShapes[] = {{1, 1, 1},     {1, 1, 0},    {3, 5, 0},     {2, 1, 7},
                         {1, 12, 3},    {4, 12, 4},   {5, 13, 2},    {7, 23, 9},
                         {9, 24, 50},   {13, 25, 17}, {64, 100, 50}, {65, 37, 1},
                         {130, 49, 33}, {6, 30, 300}, {5, 13, 600},  {17, 1000, 5}};

TEST(BayesFused, MatchesCblasAndReferenceOnRaggedShapes)
{
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g(0.0, 1.0);
    lv_context *c1 = cpu_ctx(1), *c3 = cpu_ctx(3);
    for (const Shape &s : kShapes) {
        std::vector<double> e(s.b * s.m), w((uint64_t)s.n * s.m), c(s.n), ref;
        /* Logits of std ~30 whatever m (float keeps ~1e-4 there; see lavoisier.h). */
        const double sd = 2.0 * std::min(1.0, std::pow(50.0 / std::max(1u, s.m), 0.25));
        for (auto &x : e)
            x = sd * g(rng);
        for (auto &x : w)
            x = sd * g(rng);
        for (auto &x : c)
            x = g(rng);
        const uint64_t ref_deg = reference(s.b, s.n, s.m, e, w, c, ref);
        uint64_t dfu = 99, dbl = 99, d3 = 99;
        const auto fused = run64(c1, LV_BAYES_CPU_FUSED, s.b, s.n, s.m, e, w, c, &dfu);
        const auto fused3 = run64(c3, LV_BAYES_CPU_FUSED, s.b, s.n, s.m, e, w, c, &d3);
        const auto blas = run64(c1, LV_BAYES_CPU_CBLAS, s.b, s.n, s.m, e, w, c, &dbl);
        const auto aut = run64(c3, LV_BAYES_CPU_AUTO, s.b, s.n, s.m, e, w, c, nullptr);
        EXPECT_EQ(dfu, ref_deg);
        EXPECT_EQ(dbl, ref_deg);
        EXPECT_EQ(std::memcmp(fused.data(), fused3.data(), fused.size() * sizeof(double)), 0)
            << "thread count changed the bits, shape " << s.b << "x" << s.n << "x" << s.m;
        const auto &expect_auto = s.m <= LV_BAYES_FUSED_MAX_EV ? fused : blas;
        EXPECT_EQ(std::memcmp(aut.data(), expect_auto.data(), aut.size() * sizeof(double)), 0);
        for (size_t k = 0; k < ref.size(); k++) {
            ASSERT_TRUE(lvtest::bayes_close(fused[k], ref[k], 1e-11))
                << s.b << "x" << s.n << "x" << s.m << " [" << k << "] " << fused[k] << " vs "
                << ref[k];
            ASSERT_TRUE(lvtest::bayes_close(fused[k], blas[k], 1e-11)) << k;
        }

        uint64_t f1 = 99, f3 = 99, fb = 99;
        const auto f32 = run32(c1, LV_BAYES_CPU_FUSED, s.b, s.n, s.m, e, w, c, &f1);
        const auto f32t = run32(c3, LV_BAYES_CPU_FUSED, s.b, s.n, s.m, e, w, c, &f3);
        const auto f32b = run32(c1, LV_BAYES_CPU_CBLAS, s.b, s.n, s.m, e, w, c, &fb);
        EXPECT_EQ(f1, ref_deg);
        EXPECT_EQ(fb, ref_deg);
        EXPECT_EQ(std::memcmp(f32.data(), f32t.data(), f32.size() * sizeof(float)), 0);
        /* Inputs rounded to float: logits of magnitude ~30 carry ~1e-5 absolute error. */
        for (size_t k = 0; k < ref.size(); k++) {
            ASSERT_NEAR(f32[k], ref[k], 2e-4 * ref[k] + 1e-30) << k;
            ASSERT_NEAR(f32[k], f32b[k], 1e-4 * f32b[k] + 1e-30) << k;
        }
    }
    lv_context_destroy(c1);
    lv_context_destroy(c3);
}

/* The numpy fixtures through each forced path (AUTO is bayes_batch_test's). */
TEST(BayesFused, NumpyFixturesOnBothPaths)
{
    lv_context *ctx = cpu_ctx(2);
    for (const char *name :
         {"batch_bernoulli", "batch_gaussian", "batch_extreme", "batch_degenerate"}) {
        lvtest::BayesFixture f;
        ASSERT_TRUE(lvtest::bayes_load(name, &f)) << name;
        for (lv_bayes_cpu_path path : {LV_BAYES_CPU_FUSED, LV_BAYES_CPU_CBLAS}) {
            uint64_t deg = 99;
            const auto out = run64(ctx, path, f.b, f.n, f.m, f.e, f.w, f.c, &deg);
            EXPECT_EQ(deg, f.degenerate) << name;
            for (size_t k = 0; k < out.size(); k++) {
                ASSERT_FALSE(std::isnan(out[k]));
                ASSERT_TRUE(lvtest::bayes_close(out[k], f.posterior[k], 1e-6))
                    << name << " path " << path << " [" << k << "] " << out[k] << " vs "
                    << f.posterior[k];
            }
        }
    }
    lv_context_destroy(ctx);
}

/* Logits spread over the whole exp range: posteriors down into the subnormals (f64: 1e-308 ..
 * 5e-324; f32: 1e-38 .. 1e-45), -inf biases, and rows past the tile edge. */
TEST(BayesFused, ExtremeLogitsAndSubnormalPosteriors)
{
    const uint32_t n = 29, m = 1;
    const uint64_t b = 6;
    std::vector<double> e = {1.0, 2.0, 0.5, -1.0, 1e-3, 0.0}, w(n), c(n);
    for (uint32_t i = 0; i < n; i++) {
        w[i] = -30.0 * i; /* row r: logits -30 i e_r */
        c[i] = i % 7 == 3 ? -INFINITY : 0.0;
    }
    std::vector<double> ref;
    reference(b, n, m, e, w, c, ref);
    lv_context *ctx = cpu_ctx(2);
    uint64_t deg = 99;
    const auto out = run64(ctx, LV_BAYES_CPU_FUSED, b, n, m, e, w, c, &deg);
    EXPECT_EQ(deg, 0u);
    for (size_t k = 0; k < out.size(); k++) {
        if (ref[k] >= 2.2250738585072014e-308)
            ASSERT_TRUE(lvtest::bayes_close(out[k], ref[k], 1e-12)) << k;
        else /* subnormal: one rounding of a value with fewer bits */
            ASSERT_NEAR(out[k], ref[k], 1e-15 * 2.2250738585072014e-308 + 4.95e-324) << k;
        if (c[k % n] == -INFINITY) {
            ASSERT_EQ(out[k], 0.0) << k;
        }
    }
    /* float: logits down to -108.5 (row e = 1) cover float's normal and subnormal exp range;
     * multiples of 1/8, exact in float, so only the exp rounds. */
    std::vector<double> wf(n);
    for (uint32_t i = 0; i < n; i++)
        wf[i] = -3.875 * i;
    reference(b, n, m, e, wf, c, ref);
    const auto f = run32(ctx, LV_BAYES_CPU_FUSED, b, n, m, e, wf, c, &deg);
    EXPECT_EQ(deg, 0u);
    for (size_t k = 0; k < f.size(); k++) {
        if (ref[k] >= 1.17549435e-38)
            ASSERT_NEAR(f[k], ref[k], 1e-5 * ref[k]) << k;
        else
            ASSERT_NEAR(f[k], ref[k], 1e-5 * 1.17549435e-38 + 1.5e-45) << k;
    }
    lv_context_destroy(ctx);
}

/* The exp of the fused f64 path against long double exp over its whole range, densely: logits
 * 0 .. -744 in steps of ~0.37 (the stated ~1e-12 relative; subnormals also within 2 of their ulps).
 */
TEST(BayesFused, Float64ExpAccuracySweep)
{
    const uint32_t n = 2003, m = 1;
    std::vector<double> e = {1.0, 0.25}, w(n), c(n, 0.0), ref;
    for (uint32_t i = 0; i < n; i++)
        w[i] = -744.0 * i / (n - 1) + 1e-3 * std::sin(i); /* not on a grid */
    reference(2, n, m, e, w, c, ref);
    lv_context *ctx = cpu_ctx(1);
    const auto out = run64(ctx, LV_BAYES_CPU_FUSED, 2, n, m, e, w, c, nullptr);
    double worst = 0.0;
    for (size_t k = 0; k < out.size(); k++) {
        if (ref[k] >= 2.2250738585072014e-308) {
            const double rel = std::fabs(out[k] - ref[k]) / ref[k];
            worst = std::max(worst, rel);
            ASSERT_LE(rel, 1e-12) << k << ": " << out[k] << " vs " << ref[k];
        } else {
            ASSERT_NEAR(out[k], ref[k], 1e-12 * ref[k] + 1e-323) << k; /* + 2 subnormal ulps */
        }
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", worst);
    RecordProperty("max_rel_err", buf);
    lv_context_destroy(ctx);
}

/* Overflowing products: +inf logits share the posterior; +inf plus a -inf bias (NaN) counts as
 * -inf; a row of -inf biases is degenerate: the fused path follows the CBLAS path's
 * (bayes_math.h's) rules.  (Within one multiply-add chain inf - inf can not arise: a fused
 * multiply-add adds the exact product, so an overflowed sum stays infinite.) */
TEST(BayesFused, NonFiniteLogitsFollowTheScalarRules)
{
    const uint32_t n = 14, m = 2;
    const uint64_t b = 5;
    std::vector<double> w(n * m, 0.0), c(n, 0.0);
    for (uint32_t h : {0u, 5u, 9u})
        w[h * m + 0] = 1e200, w[h * m + 1] = 1e200;
    c[9] = -INFINITY;
    std::vector<double> e = {1e200,  1e200, /* row 0: 0 and 5 +inf, 9 NaN */
                             0.0,    1.0,   /* row 1: finite */
                             1e200,  0.0,   /* row 2: 0 and 5 +inf, 9 NaN */
                             -1e200, 1e200, /* row 3: 0 and 5 -inf or NaN (CPU-dependent) */
                             1.0,    1.0};
    lv_context *ctx = cpu_ctx(2);
    uint64_t df = 99, dc = 99;
    const auto fused = run64(ctx, LV_BAYES_CPU_FUSED, b, n, m, e, w, c, &df);
    const auto blas = run64(ctx, LV_BAYES_CPU_CBLAS, b, n, m, e, w, c, &dc);
    EXPECT_EQ(df, dc);
    for (size_t k = 0; k < fused.size(); k++) {
        ASSERT_FALSE(std::isnan(fused[k])) << k;
        ASSERT_TRUE(lvtest::bayes_close(fused[k], blas[k], 1e-12))
            << k << ": " << fused[k] << " vs " << blas[k];
    }
    EXPECT_EQ(fused[0], 0.5);
    EXPECT_EQ(fused[5], 0.5);
    EXPECT_EQ(fused[9], 0.0);

    /* Every bias -inf: each row degenerate, uniform. */
    std::vector<double> cm(n, -INFINITY);
    const auto d =
        run64(ctx, LV_BAYES_CPU_FUSED, b, n, m, std::vector<double>(b * m, 0.5), w, cm, &df);
    EXPECT_EQ(df, b);
    for (double x : d)
        ASSERT_EQ(x, 1.0 / n);
    std::vector<float> d32 =
        run32(ctx, LV_BAYES_CPU_FUSED, b, n, m, std::vector<double>(b * m, 0.5),
              std::vector<double>(n * m, 1.0), cm, &df);
    EXPECT_EQ(df, b);
    for (float x : d32)
        ASSERT_EQ(x, 1.0f / n);
    lv_context_destroy(ctx);
}

/* Large outputs take the streaming-store branch (> 32 MiB of out); the rows must be the same. */
TEST(BayesFused, StreamingStoresGiveTheSameRows)
{
    const uint64_t b = 4500;
    const uint32_t n = 1003, m = 7; /* odd n: rows start at every 8-byte alignment */
    std::mt19937_64 rng(5);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<double> e(b * m), w(n * m), c(n);
    for (auto &x : e)
        x = g(rng);
    for (auto &x : w)
        x = g(rng);
    for (auto &x : c)
        x = g(rng);
    lv_context *ctx = cpu_ctx(2);
    const auto big = run64(ctx, LV_BAYES_CPU_FUSED, b, n, m, e, w, c, nullptr);
    /* The first 40 rows alone: a small output, plain stores. */
    const auto small = run64(ctx, LV_BAYES_CPU_FUSED, 40, n, m, e, w, c, nullptr);
    EXPECT_EQ(std::memcmp(big.data(), small.data(), small.size() * sizeof(double)), 0);
    const uint64_t bf = 9000; /* f32: 36 MB */
    std::vector<double> e2(bf * m);
    for (auto &x : e2)
        x = g(rng);
    const auto bigf = run32(ctx, LV_BAYES_CPU_FUSED, bf, n, m, e2, w, c, nullptr);
    const auto smallf = run32(ctx, LV_BAYES_CPU_FUSED, 40, n, m, e2, w, c, nullptr);
    EXPECT_EQ(std::memcmp(bigf.data(), smallf.data(), smallf.size() * sizeof(float)), 0);
    lv_context_destroy(ctx);
}

} // namespace
