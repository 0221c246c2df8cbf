// The CPU rasterizer (lv_frames) against the plain reference of tests/fixtures/raster_plain.h,
// pixel for pixel, over every combination of mode, accumulation, scaling, bins, normalization
// and output format; blurred frames within one count of a double-precision 2-D convolution.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../fixtures/raster_plain.h"
#include "lavoisier.h"

namespace
{

using raster_plain::Spectra;

struct Ctx {
    lv_context *ctx = nullptr;
    explicit Ctx(uint32_t threads)
    {
        lv_context_params cp;
        lv_context_params_init(&cp);
        cp.device = LV_DEVICE_CPU;
        cp.n_threads = threads;
        EXPECT_EQ(lv_context_create(&cp, &ctx), LV_OK) << lv_last_error();
    }
    ~Ctx() { lv_context_destroy(ctx); }
};

lv_frame_params small_params(lv_frame_mode mode)
{
    lv_frame_params p;
    lv_frame_params_init(&p);
    p.mode = mode;
    p.width = 13;
    p.height = 11;
    p.mz_min = 200.0;
    p.mz_max = 300.0;
    p.rt_window = 6.0;
    p.rt_stride = 4.0; // overlapping windows
    p.blur_sigma = 0.0;
    return p;
}

std::vector<uint8_t> run_frames(lv_context *ctx, const lv_frame_params &p, const Spectra &s,
                                uint64_t n_frames)
{
    uint64_t bytes = 0;
    EXPECT_EQ(lv_frame_size(&p, nullptr, &bytes), LV_OK) << lv_last_error();
    std::vector<uint8_t> out(n_frames * bytes, 0xAB);
    EXPECT_EQ(lv_frames(ctx, &p, s.n(), s.offsets.data(), s.mz.data(), s.intensity.data(),
                        s.rt.data(), s.ms_level.data(), n_frames, out.data()),
              LV_OK)
        << lv_last_error();
    return out;
}

// The reference frames in the requested format.
std::vector<uint8_t> reference(const lv_frame_params &p, const Spectra &s, uint64_t n_frames)
{
    std::vector<float> v =
        raster_plain::values(p, raster_plain::accumulate(p, s, n_frames), n_frames);
    const size_t wc = p.mode == LV_FRAMES_STRIPE ? 1 : p.width;
    std::vector<uint8_t> out;
    for (uint64_t f = 0; f < n_frames; f++)
        for (size_t y = 0; y < p.height; y++)
            for (size_t x = 0; x < p.width; x++) {
                float val = v[(f * p.height + y) * wc + (wc == 1 ? 0 : x)];
                if (p.format == LV_FRAME_F32) {
                    uint8_t b[4];
                    std::memcpy(b, &val, 4);
                    out.insert(out.end(), b, b + 4);
                } else if (p.format == LV_FRAME_GRAY8) {
                    out.push_back(raster_plain::quantize(val));
                } else {
                    // The colormap tables are checked against matplotlib in raster_colormap_test.
                    lv_frame_params one = p;
                    one.mode = LV_FRAMES_HEATMAP;
                    one.width = one.height = 1;
                    one.blur_sigma = 0;
                    one.scale = LV_SCALE_LINEAR;
                    one.normalize = LV_NORMALIZE_FIXED;
                    one.norm_value = 1.0;
                    out.resize(out.size() + 3);
                    Ctx c(1);
                    EXPECT_EQ(lv_frames_render(c.ctx, &one, 1, &val, &out[out.size() - 3]), LV_OK);
                }
            }
    return out;
}

std::string describe(const lv_frame_params &p)
{
    char buf[200];
    snprintf(buf, sizeof buf, "mode %d acc %d scale %d bins %d norm %d format %d sigma %g", p.mode,
             p.accumulate, p.scale, p.mz_bins, p.normalize, p.format, p.blur_sigma);
    return buf;
}

} // namespace

TEST(RasterFrames, CountHeatmapAndStripe)
{
    Spectra s = raster_plain::random_spectra(1, 40, 30, 200, 300);
    lv_frame_params p = small_params(LV_FRAMES_HEATMAP);
    uint64_t n = 0;
    ASSERT_EQ(lv_frames_count(&p, s.n(), s.rt.data(), s.ms_level.data(), &n), LV_OK);
    double first = NAN, last = -INFINITY;
    uint64_t ms1 = 0;
    for (uint64_t i = 0; i < s.n(); i++) {
        if (s.ms_level[i] != 1) continue;
        ms1++;
        if (!std::isfinite(s.rt[i])) continue;
        if (std::isnan(first)) first = s.rt[i];
        last = std::max(last, s.rt[i]);
    }
    EXPECT_EQ(n, (uint64_t)std::floor((last - first) / p.rt_stride) + 1);
    p.mode = LV_FRAMES_STRIPE;
    ASSERT_EQ(lv_frames_count(&p, s.n(), nullptr, s.ms_level.data(), &n), LV_OK);
    EXPECT_EQ(n, ms1);
    ASSERT_EQ(lv_frames_count(&p, s.n(), nullptr, nullptr, &n), LV_OK);
    EXPECT_EQ(n, s.n());
}

TEST(RasterFrames, PixelExactAgainstPlainReference)
{
    Spectra s = raster_plain::random_spectra(7, 48, 60, 200, 300);
    Ctx one(1), three(3);
    int cases = 0;
    for (lv_frame_mode mode : {LV_FRAMES_HEATMAP, LV_FRAMES_STRIPE})
        for (lv_accumulate acc : {LV_ACCUMULATE_MAX, LV_ACCUMULATE_SUM})
            for (lv_intensity_scale sc : {LV_SCALE_LINEAR, LV_SCALE_SQRT, LV_SCALE_LOG1P})
                for (lv_mz_bins bins : {LV_MZ_BINS_LINEAR, LV_MZ_BINS_PPM})
                    for (lv_normalize norm :
                         {LV_NORMALIZE_FRAME, LV_NORMALIZE_GLOBAL, LV_NORMALIZE_FIXED})
                        for (lv_frame_format fmt : {LV_FRAME_GRAY8, LV_FRAME_RGB8, LV_FRAME_F32}) {
                            lv_frame_params p = small_params(mode);
                            p.accumulate = acc;
                            p.scale = sc;
                            p.mz_bins = bins;
                            p.normalize = norm;
                            p.norm_value = sc == LV_SCALE_LINEAR ? 800.0 : 5.0;
                            p.format = fmt;
                            p.colormap = (lv_colormap)(cases % 4);
                            uint64_t n = 0;
                            ASSERT_EQ(
                                lv_frames_count(&p, s.n(), s.rt.data(), s.ms_level.data(), &n),
                                LV_OK);
                            ASSERT_GT(n, 3u);
                            n += 2; // frames past the data are blank
                            std::vector<uint8_t> want = reference(p, s, n);
                            ASSERT_EQ(run_frames(one.ctx, p, s, n), want) << describe(p);
                            ASSERT_EQ(run_frames(three.ctx, p, s, n), want) << describe(p);
                            cases++;
                        }
    EXPECT_EQ(cases, 216);
}

TEST(RasterFrames, SlidingAndGappedWindowsAllLevels)
{
    Spectra s = raster_plain::random_spectra(3, 60, 40, 200, 300);
    Ctx ctx(2);
    for (double stride : {1.0, 2.5, 9.0}) // many frames per spectrum, some, gaps
        for (uint32_t level : {0u, 2u}) {
            lv_frame_params p = small_params(LV_FRAMES_HEATMAP);
            p.rt_stride = stride;
            p.ms_level = level;
            p.rt_start = 5.0;
            p.format = LV_FRAME_GRAY8;
            uint64_t n = 0;
            ASSERT_EQ(lv_frames_count(&p, s.n(), s.rt.data(), s.ms_level.data(), &n), LV_OK);
            EXPECT_EQ(run_frames(ctx.ctx, p, s, n), reference(p, s, n)) << "stride " << stride;
        }
}

TEST(RasterFrames, BlurredWithinOneCountOfDoubleConvolution)
{
    Spectra s = raster_plain::random_spectra(11, 30, 80, 200, 300);
    Ctx ctx(2);
    for (lv_frame_mode mode : {LV_FRAMES_HEATMAP, LV_FRAMES_STRIPE})
        for (double sigma : {0.6, 1.0, 3.0}) {
            lv_frame_params p = small_params(mode);
            p.blur_sigma = sigma;
            p.format = LV_FRAME_F32;
            uint64_t n = 6;
            std::vector<uint8_t> got = run_frames(ctx.ctx, p, s, n);
            std::vector<float> want = raster_plain::values(p, raster_plain::accumulate(p, s, n), n);
            const size_t wc = mode == LV_FRAMES_STRIPE ? 1 : p.width;
            double worst = 0;
            for (uint64_t f = 0; f < n; f++)
                for (size_t y = 0; y < p.height; y++)
                    for (size_t x = 0; x < p.width; x++) {
                        float g;
                        std::memcpy(&g, &got[4 * ((f * p.height + y) * p.width + x)], 4);
                        float w = want[(f * p.height + y) * wc + (wc == 1 ? 0 : x)];
                        worst = std::max(worst, (double)std::fabs(g - w));
                    }
            EXPECT_LT(worst, 2e-6) << describe(p);
            p.format = LV_FRAME_GRAY8;
            std::vector<uint8_t> g8 = run_frames(ctx.ctx, p, s, n);
            std::vector<uint8_t> w8 = reference(p, s, n);
            for (size_t k = 0; k < g8.size(); k++)
                ASSERT_LE(std::abs((int)g8[k] - (int)w8[k]), 1) << describe(p) << " at " << k;
        }
}

TEST(RasterFrames, StripeDefaultsAreLavoisierVideoFrames)
{
    // One peak per row region: rows hold max(log1p) scaled to 0-255, blurred along m/z only.
    lv_frame_params p;
    lv_frame_params_init(&p);
    p.mode = LV_FRAMES_STRIPE;
    EXPECT_EQ(p.width, 1024u);
    EXPECT_EQ(p.height, 1024u);
    EXPECT_EQ(p.mz_min, 100.0);
    EXPECT_EQ(p.mz_max, 1000.0);
    EXPECT_EQ(p.scale, LV_SCALE_LOG1P);
    EXPECT_EQ(p.blur_sigma, 1.0);
    EXPECT_EQ(p.format, LV_FRAME_GRAY8);
    Spectra s;
    s.mz = {150.0, 150.0001, 550.0, 999.0};
    s.intensity = {10.0f, 1000.0f, 100.0f, 5.0f};
    s.offsets = {0, 4};
    s.rt = {1.0};
    s.ms_level = {1};
    Ctx ctx(1);
    std::vector<uint8_t> got = run_frames(ctx.ctx, p, s, 1);
    std::vector<uint8_t> want = reference(p, s, 1);
    for (size_t k = 0; k < got.size(); k++)
        ASSERT_LE(std::abs((int)got[k] - (int)want[k]), 1);
    // Every column of a row is the same; the 1000-count peak is the frame's brightest row.
    size_t row150 = (size_t)((150.0 - 100.0) / 900.0 * 1024);
    for (size_t x = 1; x < 1024; x++)
        ASSERT_EQ(got[row150 * 1024 + x], got[row150 * 1024]);
    uint8_t top = *std::max_element(got.begin(), got.end());
    EXPECT_EQ(got[row150 * 1024], top);
    EXPECT_GT(got[(size_t)((550.0 - 100.0) / 900.0 * 1024) * 1024], 0);
}

TEST(RasterFrames, BatchFromReaderEqualsArrays)
{
    std::string path = std::string(LV_TEST_BINARY_DIR) + "/raster_batch_test.mzML";
    lv_simulate_params sp;
    lv_simulate_params_init(&sp);
    sp.target_bytes = 1u << 20;
    sp.ms1_points = 2000;
    ASSERT_EQ(lv_simulate(path.c_str(), &sp), LV_OK) << lv_last_error();
    lv_reader *r = nullptr;
    ASSERT_EQ(lv_reader_open(path.c_str(), nullptr, &r), LV_OK) << lv_last_error();
    lv_batch *b = nullptr;
    ASSERT_EQ(lv_reader_next(r, &b), LV_OK);
    ASSERT_NE(b, nullptr);
    lv_batch_view v;
    v.size = sizeof v;
    ASSERT_EQ(lv_batch_get_view(b, &v), LV_OK);
    lv_frame_params p = small_params(LV_FRAMES_HEATMAP);
    p.mz_min = 100;
    p.mz_max = 1500;
    p.rt_window = 20;
    p.rt_stride = 10;
    uint64_t n = 0;
    ASSERT_EQ(lv_frames_count(&p, v.n_records, v.rt_seconds, v.ms_level, &n), LV_OK);
    ASSERT_GT(n, 0u);
    uint64_t bytes = 0;
    ASSERT_EQ(lv_frame_size(&p, nullptr, &bytes), LV_OK);
    Ctx ctx(2);
    std::vector<uint8_t> a(n * bytes), c(n * bytes);
    ASSERT_EQ(lv_frames_batch(ctx.ctx, &p, b, n, a.data()), LV_OK) << lv_last_error();
    ASSERT_EQ(lv_frames(ctx.ctx, &p, v.n_records, v.offsets, v.mz, v.intensity, v.rt_seconds,
                        v.ms_level, n, c.data()),
              LV_OK);
    EXPECT_EQ(a, c);
    EXPECT_NE(std::count(a.begin(), a.end(), 0), (long)a.size()); // something was drawn
    lv_batch_destroy(b);
    lv_reader_close(r);
    std::remove(path.c_str());
}

TEST(RasterFrames, ArgumentErrors)
{
    Ctx ctx(1);
    lv_frame_params p;
    lv_frame_params_init(&p);
    uint8_t out[16];
    uint64_t off[2] = {0, 0};
    double rt = 1;
    p.size = 3;
    EXPECT_EQ(lv_frames(ctx.ctx, &p, 1, off, nullptr, nullptr, &rt, nullptr, 1, out),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("lv_frame_params.size"), std::string::npos);
    lv_frame_params_init(&p);
    p.mz_min = 500;
    p.mz_max = 400;
    EXPECT_EQ(lv_frame_size(&p, nullptr, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("m/z range"), std::string::npos);
    lv_frame_params_init(&p);
    p.width = 0;
    EXPECT_EQ(lv_frame_size(&p, nullptr, nullptr), LV_ERR_INVALID_ARGUMENT);
    lv_frame_params_init(&p);
    p.blur_sigma = -1;
    EXPECT_EQ(lv_frame_size(&p, nullptr, nullptr), LV_ERR_INVALID_ARGUMENT);
    lv_frame_params_init(&p);
    EXPECT_EQ(lv_frames(ctx.ctx, &p, 1, off, nullptr, nullptr, nullptr, nullptr, 1, out),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("mz is NULL"), std::string::npos);
    double mz = 1;
    float in = 1;
    EXPECT_EQ(lv_frames(ctx.ctx, &p, 1, off, &mz, &in, nullptr, nullptr, 1, out),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("need rt"), std::string::npos);
    uint64_t bad[2] = {5, 2};
    EXPECT_EQ(lv_frames(ctx.ctx, &p, 1, bad, &mz, &in, &rt, nullptr, 1, out),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("spectrum 0"), std::string::npos);
    EXPECT_EQ(lv_frames(nullptr, &p, 0, nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    // Zero frames need no buffer.
    EXPECT_EQ(lv_frames(ctx.ctx, nullptr, 1, off, &mz, &in, &rt, nullptr, 0, nullptr), LV_OK);
}
