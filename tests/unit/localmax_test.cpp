// localmax_test.cpp - lv_localmax against scipy.signal.find_peaks (fixtures written by
// tests/fixtures/make_peak_fixtures.py), alone and batched over threads, plus its argument checks.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lavoisier.h"
#include "peak_fixtures.h"
#include "test_support.h"

namespace
{

struct Ctx {
    lv_context *ctx;
    explicit Ctx(uint32_t threads) : ctx(lvtest::cpu_context(threads)) {}
    ~Ctx() { lv_context_destroy(ctx); }
};

std::vector<uint32_t> pick(lv_context *ctx, const std::vector<float> &x, double height,
                           uint32_t distance, lv_status *st_out = nullptr)
{
    lv_localmax_params p;
    lv_localmax_params_init(&p);
    p.min_height = height;
    p.min_distance = distance;
    uint64_t offsets[2] = {0, x.size()};
    std::vector<uint32_t> idx(x.size() + 1);
    uint64_t out_off[2] = {99, 99};
    lv_status st = lv_localmax(ctx, &p, 1, offsets, x.data(), idx.size(), idx.data(), out_off);
    if (st_out) *st_out = st;
    EXPECT_EQ(st, LV_OK) << lv_last_error();
    EXPECT_EQ(out_off[0], 0u);
    idx.resize(st == LV_OK ? out_off[1] : 0);
    return idx;
}

TEST(Localmax, ParamsInitDefaults)
{
    lv_localmax_params p;
    lv_localmax_params_init(&p);
    EXPECT_EQ(p.size, sizeof p);
    EXPECT_TRUE(std::isinf(p.min_height) && p.min_height < 0);
    EXPECT_EQ(p.min_distance, 1u);
}

TEST(Localmax, RandomFixturesEqualScipy)
{
    Ctx c(1);
    auto cases = lvtest::read_localmax_cases("localmax_random.txt");
    ASSERT_GT(cases.size(), 150u);
    for (const auto &k : cases)
        EXPECT_EQ(pick(c.ctx, k.x, k.height, k.distance), k.peaks) << k.name;
}

/* All cases with the same parameters in one CSR call (offsets[0] != 0), on 4 threads: the
 * half-slot staging and the packing must give every spectrum its own peaks. */
TEST(Localmax, RandomFixturesBatchedOnThreads)
{
    Ctx c(4);
    auto cases = lvtest::read_localmax_cases("localmax_random.txt");
    for (uint32_t d : {1u, 2u, 3u, 5u, 8u, 20u}) {
        std::vector<const lvtest::LocalmaxCase *> sel;
        for (const auto &k : cases)
            if (k.distance == d && std::isinf(k.height)) sel.push_back(&k);
        if (sel.empty()) continue;
        std::vector<float> x(7, 1.0f); /* leading junk: offsets[0] = 7 */
        std::vector<uint64_t> off{7};
        for (auto *k : sel) {
            x.insert(x.end(), k->x.begin(), k->x.end());
            off.push_back(x.size());
        }
        lv_localmax_params p;
        lv_localmax_params_init(&p);
        p.min_distance = d;
        std::vector<uint32_t> idx(x.size());
        std::vector<uint64_t> out_off(sel.size() + 1);
        ASSERT_EQ(lv_localmax(c.ctx, &p, sel.size(), off.data(), x.data(), idx.size(), idx.data(),
                              out_off.data()),
                  LV_OK)
            << lv_last_error();
        for (size_t i = 0; i < sel.size(); i++) {
            std::vector<uint32_t> got(idx.begin() + out_off[i], idx.begin() + out_off[i + 1]);
            EXPECT_EQ(got, sel[i]->peaks) << sel[i]->name;
        }
    }
}

TEST(Localmax, RealSpectraEqualScipy)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "real data folder absent";
    Ctx c(2);
    auto cases = lvtest::read_localmax_cases("localmax_real.txt");
    ASSERT_FALSE(cases.empty());
    for (const auto &k : cases) {
        bool ok;
        auto s = lvtest::read_spectrum(lvtest::data_file(k.file), k.index, &ok);
        ASSERT_TRUE(ok) << k.name << ": " << lv_last_error();
        auto got = pick(c.ctx, s.intensity, k.height, k.distance);
        EXPECT_EQ(got, k.peaks) << k.name;
        printf("  %-60s %zu points, %zu peaks\n", k.name.c_str(), s.intensity.size(), got.size());
    }
}

TEST(Localmax, NaNIsNeverAPeakNorLower)
{
    Ctx c(1);
    const float nan = NAN;
    EXPECT_EQ(pick(c.ctx, {0, nan, 0}, -INFINITY, 1), std::vector<uint32_t>{});
    EXPECT_EQ(pick(c.ctx, {0, 2, nan, 0}, -INFINITY, 1), std::vector<uint32_t>{});
    /* The NaN is not lower than 3, so 3 does not rise from its left neighbour (scipy: [1]). */
    EXPECT_EQ(pick(c.ctx, {0, 2, 1, nan, 3, 0}, -INFINITY, 1), std::vector<uint32_t>{1});
}

/* Many random spectra of varied length: 1 thread, 3 threads and one call per spectrum agree. */
TEST(Localmax, ThreadCountDoesNotChangeResults)
{
    std::mt19937 rng(5);
    std::vector<float> x;
    std::vector<uint64_t> off{0};
    for (int s = 0; s < 300; s++) {
        size_t n = rng() % 3000;
        for (size_t i = 0; i < n; i++)
            x.push_back((float)(rng() % 20));
        off.push_back(x.size());
    }
    std::vector<std::vector<uint32_t>> res;
    for (uint32_t t : {1u, 3u}) {
        Ctx c(t);
        lv_localmax_params p;
        lv_localmax_params_init(&p);
        p.min_distance = 4;
        std::vector<uint32_t> idx(x.size());
        std::vector<uint64_t> oo(off.size());
        ASSERT_EQ(lv_localmax(c.ctx, &p, off.size() - 1, off.data(), x.data(), idx.size(),
                              idx.data(), oo.data()),
                  LV_OK);
        idx.resize(oo.back());
        res.push_back(idx);
        if (t == 1) {
            for (size_t s = 0; s + 1 < off.size(); s++) {
                std::vector<float> one(x.begin() + off[s], x.begin() + off[s + 1]);
                std::vector<uint32_t> want(idx.begin() + oo[s], idx.begin() + oo[s + 1]);
                ASSERT_EQ(pick(c.ctx, one, -INFINITY, 4), want) << "spectrum " << s;
            }
        }
    }
    EXPECT_EQ(res[0], res[1]);
}

TEST(Localmax, CapacityTooSmallNamesTheCount)
{
    Ctx c(2);
    std::vector<float> x{0, 1, 0, 1, 0, 1, 0};
    uint64_t off[2] = {0, x.size()};
    uint32_t idx[2];
    uint64_t oo[2];
    ASSERT_EQ(lv_localmax(c.ctx, nullptr, 1, off, x.data(), 2, idx, oo), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("3 peaks"), std::string::npos) << lv_last_error();
    uint32_t idx3[3];
    ASSERT_EQ(lv_localmax(c.ctx, nullptr, 1, off, x.data(), 3, idx3, oo), LV_OK);
    EXPECT_EQ(oo[1], 3u);
    EXPECT_EQ(idx3[0], 1u);
    EXPECT_EQ(idx3[2], 5u);
}

TEST(Localmax, InvalidArguments)
{
    Ctx c(1);
    std::vector<float> x{0, 1, 0};
    uint64_t off[2] = {0, 3};
    uint32_t idx[3];
    uint64_t oo[2];
    lv_localmax_params p;
    lv_localmax_params_init(&p);
    EXPECT_EQ(lv_localmax(nullptr, &p, 1, off, x.data(), 3, idx, oo), LV_ERR_INVALID_ARGUMENT);
    p.min_distance = 0;
    EXPECT_EQ(lv_localmax(c.ctx, &p, 1, off, x.data(), 3, idx, oo), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("min_distance"), std::string::npos);
    lv_localmax_params_init(&p);
    p.min_height = NAN;
    EXPECT_EQ(lv_localmax(c.ctx, &p, 1, off, x.data(), 3, idx, oo), LV_ERR_INVALID_ARGUMENT);
    lv_localmax_params_init(&p);
    p.size = 3;
    EXPECT_EQ(lv_localmax(c.ctx, &p, 1, off, x.data(), 3, idx, oo), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("size"), std::string::npos);
    EXPECT_EQ(lv_localmax(c.ctx, nullptr, 1, off, nullptr, 3, idx, oo), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_localmax(c.ctx, nullptr, 1, off, x.data(), 3, idx, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    uint64_t bad[3] = {0, 3, 2};
    EXPECT_EQ(lv_localmax(c.ctx, nullptr, 2, bad, x.data(), 3, idx, oo), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("spectrum 1"), std::string::npos)
        << lv_last_error();
    /* Zero spectra and empty spectra are fine. */
    uint64_t none[1] = {0};
    EXPECT_EQ(lv_localmax(c.ctx, nullptr, 0, none, nullptr, 0, nullptr, oo), LV_OK);
    EXPECT_EQ(oo[0], 0u);
    uint64_t empties[3] = {5, 5, 5};
    uint64_t oo3[3];
    EXPECT_EQ(lv_localmax(c.ctx, nullptr, 2, empties, nullptr, 0, nullptr, oo3), LV_OK);
    EXPECT_EQ(oo3[2], 0u);
}

} // namespace
