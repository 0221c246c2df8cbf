/* denoise_real_test.cpp - the denoising operations on real spectra from ../shared/data/mzml
 * against the reference outputs in tests/fixtures/denoise/real_cases.txt
 * (make_denoise_fixtures.py: PyWavelets, scipy, MALDIquant's SNIP, R's mad).  Each case stores
 * the file, the spectrum index, the point count, the sum of the expected output and ~49
 * sampled values (evenly spaced plus the maximum).  Tolerance: 1e-6 of the largest |sample|
 * per sample; the sum to 1e-6 of the sum of |samples| scaled by n / samples.  Skips when the
 * data folder is absent. */
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "denoise_ops.h"
#include "lavoisier.h"
#include "test_support.h"

namespace
{

struct RealCase {
    std::string op, file;
    uint64_t index = 0, n = 0;
    std::map<std::string, std::string> params;
    double sum = 0;
    std::vector<std::pair<uint64_t, double>> samples;
};

std::vector<RealCase> load()
{
    std::ifstream f(std::string(LV_TEST_SOURCE_DIR) + "/tests/fixtures/denoise/real_cases.txt");
    std::vector<RealCase> out;
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream ss(line);
        std::string tag, tok;
        ss >> tag;
        if (tag != "real") continue;
        RealCase c;
        ss >> c.op >> c.file >> c.index;
        bool in_samples = false;
        while (ss >> tok) {
            if (tok == "samples") {
                in_samples = true;
            } else if (in_samples) {
                const size_t colon = tok.find(':');
                c.samples.emplace_back(std::stoull(tok.substr(0, colon)),
                                       std::stod(tok.substr(colon + 1)));
            } else {
                const size_t eq = tok.find('=');
                const std::string k = tok.substr(0, eq), v = tok.substr(eq + 1);
                if (k == "n")
                    c.n = std::stoull(v);
                else if (k == "sum")
                    c.sum = std::stod(v);
                else
                    c.params[k] = v;
            }
        }
        out.push_back(c);
    }
    return out;
}

TEST(DenoiseReal, MatchesReferenceOnRealSpectra)
{
    if (lvtest::data_dir().empty())
        GTEST_SKIP() << "no ../shared/data/mzml: real-data test skipped";
    const std::vector<RealCase> cases = load();
    ASSERT_GE(cases.size(), 30u);
    lv_context *ctx = nullptr;
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = 2;
    ASSERT_EQ(lv_context_create(&cp, &ctx), LV_OK) << lv_last_error();
    double worst = 0;
    int checked = 0;
    for (const RealCase &c : cases) {
        SCOPED_TRACE(c.op + " " + c.file + " #" + std::to_string(c.index));
        const std::string path = lvtest::data_file(c.file);
        struct stat st;
        if (stat(path.c_str(), &st) != 0) continue;
        lv_reader *r = nullptr;
        ASSERT_EQ(lv_reader_open(path.c_str(), nullptr, &r), LV_OK) << lv_last_error();
        lv_batch *b = nullptr;
        ASSERT_EQ(lv_reader_read(r, LV_RECORD_SPECTRUM, c.index, 1, &b), LV_OK) << lv_last_error();
        lv_batch_view v;
        v.size = sizeof v;
        ASSERT_EQ(lv_batch_get_view(b, &v), LV_OK);
        ASSERT_EQ(v.offsets[1] - v.offsets[0], c.n);
        std::vector<float> out(c.n);
        double noise = 0;
        ASSERT_EQ(lvtest::run_denoise_op(ctx, c.op, c.params, 1, v.offsets, v.intensity,
                                         out.data() - v.offsets[0], &noise),
                  LV_OK)
            << lv_last_error();
        if (c.op == "noise") {
            EXPECT_NEAR(noise, c.samples.at(0).second, 1e-9 * std::fabs(c.samples.at(0).second));
        } else {
            double scale = 0, abs_sum = 0, got_sum = 0;
            for (const auto &s : c.samples) {
                scale = std::max(scale, std::fabs(s.second));
                abs_sum += std::fabs(s.second);
            }
            for (float y : out)
                got_sum += y;
            for (const auto &s : c.samples) {
                const double diff = std::fabs(out.at(s.first) - s.second);
                const double err = scale > 0 ? diff / scale : diff; /* all-zero samples */
                worst = std::max(worst, err);
                EXPECT_LE(err, 1e-6)
                    << "point " << s.first << ": " << out[s.first] << " expected " << s.second;
            }
            const double sum_scale = abs_sum * (double)c.n / (double)c.samples.size();
            EXPECT_LE(std::fabs(got_sum - c.sum), 1e-6 * sum_scale + 1e-3)
                << "sum " << got_sum << " expected " << c.sum;
        }
        checked++;
        lv_batch_destroy(b);
        lv_reader_close(r);
    }
    lv_context_destroy(ctx);
    std::printf("[ real     ] %d cases, worst relative sample error %.3g\n", checked, worst);
    if (checked == 0) GTEST_SKIP() << "none of the fixture files is present";
}

} // namespace
