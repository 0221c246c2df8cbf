// lv_frames on CUDA against the CPU backend: identical bytes with LV_ACCUMULATE_MAX, within one
// count (8-bit) or 1e-5 (float) with LV_ACCUMULATE_SUM, whose atomic adds run in another order.
// Skips without a device.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "../fixtures/raster_plain.h"
#include "lavoisier.h"

namespace
{

lv_context *make(lv_device d)
{
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = d;
    cp.n_threads = 2;
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&cp, &ctx), LV_OK) << lv_last_error();
    return ctx;
}

std::vector<uint8_t> frames(lv_context *ctx, const lv_frame_params &p,
                            const raster_plain::Spectra &s, uint64_t n)
{
    uint64_t bytes = 0;
    EXPECT_EQ(lv_frame_size(&p, nullptr, &bytes), LV_OK);
    std::vector<uint8_t> out(n * bytes);
    EXPECT_EQ(lv_frames(ctx, &p, s.n(), s.offsets.data(), s.mz.data(), s.intensity.data(),
                        s.rt.data(), s.ms_level.data(), n, out.data()),
              LV_OK)
        << lv_last_error();
    return out;
}

} // namespace

TEST(RasterGpu, FramesEqualCpu)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: GPU rasterization not run";
    lv_context *cpu = make(LV_DEVICE_CPU), *gpu = make(LV_DEVICE_CUDA);
    raster_plain::Spectra s = raster_plain::random_spectra(21, 300, 3000, 200, 900);
    int cases = 0;
    for (lv_frame_mode mode : {LV_FRAMES_HEATMAP, LV_FRAMES_STRIPE})
        for (lv_accumulate acc : {LV_ACCUMULATE_MAX, LV_ACCUMULATE_SUM})
            for (lv_intensity_scale sc : {LV_SCALE_LINEAR, LV_SCALE_SQRT, LV_SCALE_LOG1P})
                for (lv_normalize norm : {LV_NORMALIZE_FRAME, LV_NORMALIZE_GLOBAL})
                    for (lv_frame_format fmt : {LV_FRAME_GRAY8, LV_FRAME_RGB8, LV_FRAME_F32})
                        for (double sigma : {0.0, 1.5}) {
                            lv_frame_params p;
                            lv_frame_params_init(&p);
                            p.mode = mode;
                            p.width = 96;
                            p.height = 200;
                            p.mz_min = 200;
                            p.mz_max = 900;
                            p.mz_bins = cases % 2 ? LV_MZ_BINS_PPM : LV_MZ_BINS_LINEAR;
                            p.rt_window = 30;
                            p.rt_stride = 7;
                            p.accumulate = acc;
                            p.scale = sc;
                            p.normalize = norm;
                            p.format = fmt;
                            p.blur_sigma = sigma;
                            p.colormap = (lv_colormap)(cases % 4);
                            uint64_t n = 0;
                            ASSERT_EQ(
                                lv_frames_count(&p, s.n(), s.rt.data(), s.ms_level.data(), &n),
                                LV_OK);
                            std::vector<uint8_t> c = frames(cpu, p, s, n), g = frames(gpu, p, s, n);
                            ASSERT_EQ(c.size(), g.size());
                            if (acc == LV_ACCUMULATE_MAX) {
                                ASSERT_EQ(c, g) << "case " << cases;
                            } else if (fmt == LV_FRAME_F32) {
                                for (size_t k = 0; k < c.size(); k += 4) {
                                    float a, b;
                                    std::memcpy(&a, &c[k], 4);
                                    std::memcpy(&b, &g[k], 4);
                                    ASSERT_NEAR(a, b, 1e-5) << "case " << cases << " at " << k;
                                }
                            } else if (fmt == LV_FRAME_GRAY8) {
                                for (size_t k = 0; k < c.size(); k++)
                                    ASSERT_LE(std::abs((int)c[k] - (int)g[k]), 1)
                                        << "case " << cases << " at " << k;
                            }
                            cases++;
                        }
    lv_context_destroy(cpu);
    lv_context_destroy(gpu);
}

TEST(RasterGpu, RenderEqualsCpu)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: GPU rasterization not run";
    lv_context *cpu = make(LV_DEVICE_CPU), *gpu = make(LV_DEVICE_CUDA);
    std::vector<float> acc(3 * 70 * 50);
    std::mt19937 rng(4);
    for (float &v : acc)
        v = (rng() % 5 == 0) ? (float)(rng() % 10000) : 0.0f;
    lv_frame_params p;
    lv_frame_params_init(&p);
    p.width = 50;
    p.height = 70;
    p.format = LV_FRAME_RGB8;
    std::vector<uint8_t> a(3 * 70 * 50 * 3), b(a.size());
    ASSERT_EQ(lv_frames_render(cpu, &p, 3, acc.data(), a.data()), LV_OK);
    ASSERT_EQ(lv_frames_render(gpu, &p, 3, acc.data(), b.data()), LV_OK) << lv_last_error();
    EXPECT_EQ(a, b);
    lv_context_destroy(cpu);
    lv_context_destroy(gpu);
}
