/* denoise_parity_test.cpp - the denoising operations against PyWavelets, scipy and MALDIquant's
 * SNIP on random inputs (tests/fixtures/denoise/cases.txt, from make_denoise_fixtures.py):
 * lengths 1, 2, odd and powers of two, every wavelet, soft / hard, universal and given
 * thresholds, explicit levels beyond dwt_max_level, windows longer than the spectrum.
 *
 * Tolerance: |ours - reference| <= 1e-6 * max(|reference|) of the spectrum for every point,
 * which covers the float32 rounding of the stored result (6e-8 relative).  Noise levels are
 * doubles and agree to 1e-10 (the fixtures print 12 significant digits). */
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "denoise_ops.h"
#include "lavoisier.h"

namespace
{

struct Case {
    std::string op, name;
    std::map<std::string, std::string> params;
    std::vector<float> x;
    std::vector<double> y;
};

std::vector<Case> load_cases()
{
    std::ifstream f(std::string(LV_TEST_SOURCE_DIR) + "/tests/fixtures/denoise/cases.txt");
    std::vector<Case> cases;
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream ss(line);
        std::string tag;
        ss >> tag;
        if (tag == "case") {
            Case c;
            ss >> c.op >> c.name;
            std::string kv;
            while (ss >> kv) {
                const size_t eq = kv.find('=');
                c.params[kv.substr(0, eq)] = kv.substr(eq + 1);
            }
            cases.push_back(c);
        } else if (tag == "x") {
            double v;
            while (ss >> v)
                cases.back().x.push_back((float)v);
        } else if (tag == "y") {
            double v;
            while (ss >> v)
                cases.back().y.push_back(v);
        }
    }
    return cases;
}

struct Ctx {
    lv_context *ctx = nullptr;
    explicit Ctx(uint32_t threads)
    {
        lv_context_params p;
        lv_context_params_init(&p);
        p.device = LV_DEVICE_CPU;
        p.n_threads = threads;
        EXPECT_EQ(lv_context_create(&p, &ctx), LV_OK) << lv_last_error();
    }
    ~Ctx() { lv_context_destroy(ctx); }
};

/* Largest |ours - ref| / max|ref| over the spectrum (0 when both are all zero). */
double rel_error(const std::vector<double> &ref, const float *ours)
{
    double scale = 0, err = 0;
    for (double v : ref)
        scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < ref.size(); i++)
        err = std::max(err, std::fabs((double)ours[i] - ref[i]));
    return scale > 0 ? err / scale : err;
}

TEST(DenoiseParity, EveryFixtureCaseOneByOne)
{
    const std::vector<Case> cases = load_cases();
    ASSERT_GE(cases.size(), 200u)
        << "fixtures missing: run tests/fixtures/make_denoise_fixtures.py";
    Ctx c(1);
    std::map<std::string, double> worst;
    for (const Case &k : cases) {
        SCOPED_TRACE(k.op + " " + k.name);
        const uint64_t off[2] = {0, k.x.size()};
        std::vector<float> out(k.x.size(), -12345.0f);
        double noise = -1;
        ASSERT_EQ(
            lvtest::run_denoise_op(c.ctx, k.op, k.params, 1, off, k.x.data(), out.data(), &noise),
            LV_OK)
            << lv_last_error();
        double err;
        if (k.op == "noise") {
            ASSERT_EQ(k.y.size(), 1u);
            err = std::fabs(noise - k.y[0]) / std::max(std::fabs(k.y[0]), 1e-300);
            EXPECT_LE(err, 1e-10) << "noise " << noise << " expected " << k.y[0];
        } else {
            ASSERT_EQ(k.y.size(), k.x.size());
            err = rel_error(k.y, out.data());
            EXPECT_LE(err, 1e-6);
        }
        worst[k.op] = std::max(worst[k.op], err);
    }
    for (const auto &w : worst)
        std::printf("[ parity   ] %-8s worst relative error %.3g\n", w.first.c_str(), w.second);
}

/* All cases of one op and parameter set in one ragged CSR call (offsets not starting at 0), on
 * 2 threads and in place: the same results as one by one. */
TEST(DenoiseParity, RaggedBatchesInPlaceOnTwoThreads)
{
    const std::vector<Case> cases = load_cases();
    Ctx c(2);
    std::map<std::string, std::vector<const Case *>> groups;
    for (const Case &k : cases) {
        if (k.op == "noise") continue;
        std::string key = k.op;
        for (const auto &kv : k.params)
            key += " " + kv.first + "=" + kv.second;
        groups[key].push_back(&k);
    }
    size_t checked = 0;
    for (const auto &g : groups) {
        SCOPED_TRACE(g.first);
        std::vector<uint64_t> off{7};
        std::vector<float> data(7, 99.0f); /* points before offsets[0] stay untouched */
        for (const Case *k : g.second) {
            data.insert(data.end(), k->x.begin(), k->x.end());
            off.push_back(data.size());
        }
        ASSERT_EQ(lvtest::run_denoise_op(c.ctx, g.second[0]->op, g.second[0]->params,
                                         g.second.size(), off.data(), data.data(), data.data(),
                                         nullptr),
                  LV_OK)
            << lv_last_error();
        for (int i = 0; i < 7; i++)
            EXPECT_EQ(data[i], 99.0f);
        for (size_t s = 0; s < g.second.size(); s++) {
            EXPECT_LE(rel_error(g.second[s]->y, data.data() + off[s]), 1e-6) << g.second[s]->name;
            checked++;
        }
    }
    EXPECT_GE(checked, 150u);
}

} // namespace
