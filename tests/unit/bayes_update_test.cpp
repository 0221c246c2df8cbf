/* lv_bayes_update against the numpy float64 fixtures, plus its edge cases and argument checks. */
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "bayes_fixture.h"
#include "lavoisier.h"

namespace
{

struct Ctx {
    lv_context *ctx = nullptr;
    Ctx()
    {
        lv_context_params p;
        lv_context_params_init(&p);
        p.device = LV_DEVICE_CPU;
        p.n_threads = 2;
        EXPECT_EQ(lv_context_create(&p, &ctx), LV_OK);
    }
    ~Ctx() { lv_context_destroy(ctx); }
};

class BayesUpdateFixture : public ::testing::TestWithParam<const char *>
{
};

TEST_P(BayesUpdateFixture, MatchesNumpyFloat64)
{
    lvtest::BayesFixture f;
    ASSERT_TRUE(lvtest::bayes_load(GetParam(), &f)) << GetParam();
    ASSERT_EQ(f.kind, "update");
    Ctx c;
    std::vector<double> post(f.n, -1.0);
    lv_bayes_outcome outcome = LV_BAYES_NORMAL;
    ASSERT_EQ(lv_bayes_update(c.ctx, f.n, f.m, f.l.data(), f.has_prior ? f.prior.data() : nullptr,
                              post.data(), &outcome),
              LV_OK)
        << lv_last_error();
    EXPECT_EQ(outcome, f.degenerate ? LV_BAYES_DEGENERATE : LV_BAYES_NORMAL);
    double sum = 0.0;
    for (uint32_t i = 0; i < f.n; i++) {
        ASSERT_FALSE(std::isnan(post[i])) << i;
        EXPECT_TRUE(lvtest::bayes_close(post[i], f.posterior[i], 1e-6))
            << GetParam() << " hypothesis " << i << ": " << post[i] << " vs " << f.posterior[i];
        if (f.posterior[i] == 0.0) {
            EXPECT_EQ(post[i], 0.0) << i;
        }
        sum += post[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BayesUpdateFixture,
                         ::testing::Values("update_plain", "update_missing", "update_zeros",
                                           "update_tiny", "update_huge", "update_degenerate"));

TEST(BayesUpdate, ZeroLikelihoodGivesExactZeroAndNoNaN)
{
    Ctx c;
    const double l[] = {0.5, 0.0, /**/ 0.25, 0.5, /**/ 0.0, 0.0};
    double post[3];
    lv_bayes_outcome o;
    ASSERT_EQ(lv_bayes_update(c.ctx, 3, 2, l, nullptr, post, &o), LV_OK);
    EXPECT_EQ(o, LV_BAYES_NORMAL);
    EXPECT_EQ(post[0], 0.0);
    EXPECT_EQ(post[1], 1.0);
    EXPECT_EQ(post[2], 0.0);
}

TEST(BayesUpdate, AllZeroFallsBackToPriorAndSaysSo)
{
    Ctx c;
    const double l[] = {0.0, 0.0, 0.0};
    const double prior[] = {1.0, 3.0, 0.0};
    double post[3];
    lv_bayes_outcome o = LV_BAYES_NORMAL;
    ASSERT_EQ(lv_bayes_update(c.ctx, 3, 1, l, prior, post, &o), LV_OK);
    EXPECT_EQ(o, LV_BAYES_DEGENERATE);
    EXPECT_DOUBLE_EQ(post[0], 0.25);
    EXPECT_DOUBLE_EQ(post[1], 0.75);
    EXPECT_EQ(post[2], 0.0);
    ASSERT_EQ(lv_bayes_update(c.ctx, 3, 1, l, nullptr, post, &o), LV_OK);
    EXPECT_EQ(o, LV_BAYES_DEGENERATE);
    for (double p : post)
        EXPECT_DOUBLE_EQ(p, 1.0 / 3.0);
}

TEST(BayesUpdate, RejectsBadArguments)
{
    Ctx c;
    double post[2];
    const double neg[] = {0.5, -0.1};
    EXPECT_EQ(lv_bayes_update(c.ctx, 2, 1, neg, nullptr, post, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("hypothesis 1"), std::string::npos)
        << lv_last_error();
    const double inf[] = {INFINITY, 0.5};
    EXPECT_EQ(lv_bayes_update(c.ctx, 2, 1, inf, nullptr, post, nullptr), LV_ERR_INVALID_ARGUMENT);
    const double ok[] = {0.5, 0.5};
    const double zero_prior[] = {0.0, 0.0};
    EXPECT_EQ(lv_bayes_update(c.ctx, 2, 1, ok, zero_prior, post, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_bayes_update(c.ctx, 0, 1, ok, nullptr, post, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_bayes_update(nullptr, 2, 1, ok, nullptr, post, nullptr), LV_ERR_INVALID_ARGUMENT);
}

} // namespace
