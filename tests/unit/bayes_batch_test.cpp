/* lv_bayes_posterior_batch(_f32) and lv_bayes_weights_from_bernoulli against numpy float64
 * fixtures and against lv_bayes_update on the same model. */
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "bayes_fixture.h"
#include "lavoisier.h"

namespace
{

lv_context *cpu_ctx(uint32_t threads)
{
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = LV_DEVICE_CPU;
    p.n_threads = threads;
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&p, &ctx), LV_OK);
    return ctx;
}

class BayesBatchFixture : public ::testing::TestWithParam<const char *>
{
};

TEST_P(BayesBatchFixture, MatchesNumpyFloat64)
{
    lvtest::BayesFixture f;
    ASSERT_TRUE(lvtest::bayes_load(GetParam(), &f)) << GetParam();
    ASSERT_EQ(f.kind, "batch");
    for (uint32_t threads : {1u, 2u, 3u}) {
        lv_context *ctx = cpu_ctx(threads);
        std::vector<double> out(f.b * f.n, -1.0);
        uint64_t deg = 99;
        ASSERT_EQ(lv_bayes_posterior_batch(ctx, f.b, f.n, f.m, f.e.data(), f.w.data(), f.c.data(),
                                           out.data(), &deg),
                  LV_OK)
            << lv_last_error();
        EXPECT_EQ(deg, f.degenerate);
        double worst = 0.0;
        for (size_t k = 0; k < out.size(); k++) {
            ASSERT_FALSE(std::isnan(out[k])) << k;
            ASSERT_TRUE(lvtest::bayes_close(out[k], f.posterior[k], 1e-6))
                << GetParam() << " [" << k / f.n << "][" << k % f.n << "]: " << out[k] << " vs "
                << f.posterior[k];
            if (f.posterior[k] > 1e-300)
                worst = std::max(worst, std::fabs(out[k] - f.posterior[k]) / f.posterior[k]);
        }
        RecordProperty(std::string("max_rel_err_threads_") + std::to_string(threads),
                       std::to_string(worst));
        lv_context_destroy(ctx);
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BayesBatchFixture,
                         ::testing::Values("batch_bernoulli", "batch_gaussian", "batch_extreme",
                                           "batch_degenerate"));

TEST(BayesBatch, Float32CloseToFloat64Reference)
{
    lvtest::BayesFixture f;
    ASSERT_TRUE(lvtest::bayes_load("batch_gaussian", &f));
    lv_context *ctx = cpu_ctx(2);
    std::vector<float> e(f.e.begin(), f.e.end()), w(f.w.begin(), f.w.end()),
        c(f.c.begin(), f.c.end()), out(f.b * f.n);
    ASSERT_EQ(lv_bayes_posterior_batch_f32(ctx, f.b, f.n, f.m, e.data(), w.data(), c.data(),
                                           out.data(), nullptr),
              LV_OK)
        << lv_last_error();
    /* float32 logits of magnitude ~10 carry ~1e-6 absolute error: posteriors within 1e-4 rel. */
    for (size_t k = 0; k < out.size(); k++)
        ASSERT_NEAR(out[k], f.posterior[k], 1e-4 * f.posterior[k] + 1e-30) << k;
    lv_context_destroy(ctx);
}

/* The batch form of a Bernoulli model equals the per-observation update with the likelihood
 * table p^e (1-p)^(1-e): two routes to the same posterior. */
TEST(BayesBatch, BernoulliHelperAgreesWithUpdate)
{
    const uint32_t n = 17, m = 9;
    const uint64_t b = 23;
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> p(n * m), prior(n), e(b * m);
    for (auto &x : p)
        x = u(rng);
    p[3] = 0.0; /* certain outcomes are clamped, not infinite */
    p[4] = 1.0;
    for (auto &x : prior)
        x = u(rng) + 0.1;
    for (auto &x : e)
        x = u(rng) < 0.5 ? 1.0 : 0.0;
    std::vector<double> w(n * m), c(n), out(b * n);
    ASSERT_EQ(lv_bayes_weights_from_bernoulli(n, m, p.data(), prior.data(), w.data(), c.data()),
              LV_OK);
    lv_context *ctx = cpu_ctx(2);
    ASSERT_EQ(
        lv_bayes_posterior_batch(ctx, b, n, m, e.data(), w.data(), c.data(), out.data(), nullptr),
        LV_OK);
    for (uint64_t r = 0; r < b; r++) {
        std::vector<double> l(n * m), post(n);
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < m; j++) {
                double pij = std::min(std::max(p[i * m + j], 1e-12), 1.0 - 1e-12);
                l[i * m + j] = e[r * m + j] > 0.5 ? pij : 1.0 - pij;
            }
        ASSERT_EQ(lv_bayes_update(ctx, n, m, l.data(), prior.data(), post.data(), nullptr), LV_OK);
        for (uint32_t i = 0; i < n; i++)
            ASSERT_TRUE(lvtest::bayes_close(out[r * n + i], post[i], 1e-9))
                << r << " " << i << ": " << out[r * n + i] << " vs " << post[i];
    }
    lv_context_destroy(ctx);
}

TEST(BayesBatch, RejectsNonFiniteInputs)
{
    lv_context *ctx = cpu_ctx(1);
    double e[2] = {1.0, NAN}, w[2] = {1.0, 1.0}, c[1] = {0.0}, out[1];
    EXPECT_EQ(lv_bayes_posterior_batch(ctx, 1, 1, 2, e, w, c, out, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("evidence[1]"), std::string::npos)
        << lv_last_error();
    e[1] = 0.0;
    c[0] = INFINITY;
    EXPECT_EQ(lv_bayes_posterior_batch(ctx, 1, 1, 2, e, w, c, out, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    double bad_p[1] = {1.5}, bw[1], bc[1];
    EXPECT_EQ(lv_bayes_weights_from_bernoulli(1, 1, bad_p, nullptr, bw, bc),
              LV_ERR_INVALID_ARGUMENT);
    lv_context_destroy(ctx);
}

} // namespace
