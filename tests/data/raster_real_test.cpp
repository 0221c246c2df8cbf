// lv_frames on real files: frames of every spectrum of a real run equal the plain reference
// pixel for pixel (no blur) on the CPU, with any thread count, and the CUDA backend's when a
// device is present.  Skips without the data folder.
#include <gtest/gtest.h>

#include <vector>

#include "../fixtures/raster_plain.h"
#include "lavoisier.h"
#include "test_support.h"

namespace
{

raster_plain::Spectra load(const std::string &path)
{
    raster_plain::Spectra s;
    lv_reader *r = nullptr;
    EXPECT_EQ(lv_reader_open(path.c_str(), nullptr, &r), LV_OK) << lv_last_error();
    if (!r) return s;
    for (;;) {
        lv_batch *b = nullptr;
        EXPECT_EQ(lv_reader_next(r, &b), LV_OK) << lv_last_error();
        if (!b) break;
        lv_batch_view v;
        v.size = sizeof v;
        lv_batch_get_view(b, &v);
        for (uint64_t i = 0; i < v.n_records; i++) {
            for (uint64_t k = v.offsets[i]; k < v.offsets[i + 1]; k++) {
                s.mz.push_back(v.mz[k]);
                s.intensity.push_back(v.intensity[k]);
            }
            s.offsets.push_back(s.mz.size());
            s.rt.push_back(v.rt_seconds[i]);
            s.ms_level.push_back(v.ms_level[i]);
        }
        lv_batch_destroy(b);
    }
    lv_reader_close(r);
    return s;
}

std::vector<uint8_t> run(lv_device d, uint32_t threads, const lv_frame_params &p,
                         const raster_plain::Spectra &s, uint64_t n)
{
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = d;
    cp.n_threads = threads;
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&cp, &ctx), LV_OK) << lv_last_error();
    uint64_t bytes = 0;
    lv_frame_size(&p, nullptr, &bytes);
    std::vector<uint8_t> out(n * bytes);
    EXPECT_EQ(lv_frames(ctx, &p, s.n(), s.offsets.data(), s.mz.data(), s.intensity.data(),
                        s.rt.data(), s.ms_level.data(), n, out.data()),
              LV_OK)
        << lv_last_error();
    lv_context_destroy(ctx);
    return out;
}

} // namespace

TEST(RasterReal, HeatmapAndStripeFramesOfRealRuns)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "no real data folder";
    for (const char *name : {"mzmine__171103_PMA_TK_QC_04-4to5min.mzML", "openms__SerumTest.mzML",
                             "pyteomics__test.mzML"}) {
        raster_plain::Spectra s = load(lvtest::data_file(name));
        ASSERT_GT(s.n(), 0u) << name;
        for (lv_frame_mode mode : {LV_FRAMES_HEATMAP, LV_FRAMES_STRIPE}) {
            lv_frame_params p;
            lv_frame_params_init(&p);
            p.mode = mode;
            p.width = 64;
            p.height = 256;
            p.mz_min = 100;
            p.mz_max = 1500;
            p.rt_window = 20;
            p.rt_stride = 5;
            p.blur_sigma = 0;
            p.ms_level = 0;
            p.format = LV_FRAME_GRAY8;
            uint64_t n = 0;
            ASSERT_EQ(lv_frames_count(&p, s.n(), s.rt.data(), s.ms_level.data(), &n), LV_OK);
            if (n > 200) n = 200;
            ASSERT_GT(n, 0u) << name;
            std::vector<float> v = raster_plain::values(p, raster_plain::accumulate(p, s, n), n);
            std::vector<uint8_t> want;
            const size_t wc = mode == LV_FRAMES_STRIPE ? 1 : p.width;
            for (uint64_t f = 0; f < n; f++)
                for (size_t y = 0; y < p.height; y++)
                    for (size_t x = 0; x < p.width; x++)
                        want.push_back(
                            raster_plain::quantize(v[(f * p.height + y) * wc + (wc == 1 ? 0 : x)]));
            std::vector<uint8_t> one = run(LV_DEVICE_CPU, 1, p, s, n);
            EXPECT_EQ(one, want) << name << " mode " << mode;
            EXPECT_EQ(run(LV_DEVICE_CPU, 2, p, s, n), one) << name;
            EXPECT_NE(std::count(one.begin(), one.end(), 0), (long)one.size()) << name;
            if (lv_cuda_device_count() > 0) {
                EXPECT_EQ(run(LV_DEVICE_CUDA, 2, p, s, n), one) << name << " on CUDA";
            }
        }
    }
}
