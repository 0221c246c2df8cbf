/* lv_bayes_posterior_batch(_f32) on CUDA against the CPU path (and the numpy fixtures).
 * Tolerance: 1e-9 relative in float64 (GEMM summation order differs), 1e-4 relative plus 1e-6
 * absolute in float32.  Skips without a device. */
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "../unit/bayes_fixture.h"
#include "lavoisier.h"

namespace
{

lv_context *make(lv_device d)
{
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = d;
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&p, &ctx), LV_OK) << lv_last_error();
    return ctx;
}

TEST(BayesGpu, Float64MatchesCpuOnRandomAndFixtures)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
    lv_context *gpu = make(LV_DEVICE_CUDA), *cpu = make(LV_DEVICE_CPU);
    std::mt19937_64 rng(3);
    std::normal_distribution<double> g(0.0, 1.0);
    const uint64_t b = 3001;
    const uint32_t n = 517, m = 50;
    std::vector<double> e(b * m), w(n * m), c(n), o1(b * n), o2(b * n);
    for (auto &x : e)
        x = g(rng);
    for (auto &x : w)
        x = g(rng);
    for (auto &x : c)
        x = 5 * g(rng);
    c[7] = -INFINITY;
    uint64_t d1 = 1, d2 = 2;
    ASSERT_EQ(lv_bayes_posterior_batch(gpu, b, n, m, e.data(), w.data(), c.data(), o1.data(), &d1),
              LV_OK)
        << lv_last_error();
    ASSERT_EQ(lv_bayes_posterior_batch(cpu, b, n, m, e.data(), w.data(), c.data(), o2.data(), &d2),
              LV_OK);
    EXPECT_EQ(d1, d2);
    for (size_t k = 0; k < o1.size(); k++)
        ASSERT_TRUE(lvtest::bayes_close(o1[k], o2[k], 1e-9)) << k << ": " << o1[k] << " " << o2[k];
    for (const char *name :
         {"batch_bernoulli", "batch_gaussian", "batch_extreme", "batch_degenerate"}) {
        lvtest::BayesFixture f;
        ASSERT_TRUE(lvtest::bayes_load(name, &f));
        std::vector<double> out(f.b * f.n);
        uint64_t deg = 0;
        ASSERT_EQ(lv_bayes_posterior_batch(gpu, f.b, f.n, f.m, f.e.data(), f.w.data(), f.c.data(),
                                           out.data(), &deg),
                  LV_OK);
        EXPECT_EQ(deg, f.degenerate) << name;
        for (size_t k = 0; k < out.size(); k++)
            ASSERT_TRUE(lvtest::bayes_close(out[k], f.posterior[k], 1e-6)) << name << " " << k;
    }
    lv_context_destroy(gpu);
    lv_context_destroy(cpu);
}

TEST(BayesGpu, Float32MatchesCpu)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
    lv_context *gpu = make(LV_DEVICE_CUDA), *cpu = make(LV_DEVICE_CPU);
    std::mt19937_64 rng(4);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const uint64_t b = 2000;
    const uint32_t n = 1000, m = 50;
    std::vector<float> e(b * m), w(n * m), c(n), o1(b * n), o2(b * n);
    for (auto &x : e)
        x = g(rng);
    for (auto &x : w)
        x = g(rng);
    for (auto &x : c)
        x = g(rng);
    ASSERT_EQ(lv_bayes_posterior_batch_f32(gpu, b, n, m, e.data(), w.data(), c.data(), o1.data(),
                                           nullptr),
              LV_OK)
        << lv_last_error();
    ASSERT_EQ(lv_bayes_posterior_batch_f32(cpu, b, n, m, e.data(), w.data(), c.data(), o2.data(),
                                           nullptr),
              LV_OK);
    for (size_t k = 0; k < o1.size(); k++)
        ASSERT_NEAR(o1[k], o2[k], 1e-4 * std::fabs(o2[k]) + 1e-6) << k;
    lv_context_destroy(gpu);
    lv_context_destroy(cpu);
}

} // namespace
