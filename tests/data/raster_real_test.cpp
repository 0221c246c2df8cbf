// lv_frames on real files: frames of every spectrum of a real run equal the plain reference
// pixel for pixel (no blur) on the CPU, with any thread count, and the CUDA backend's when a
// device is present.  Skips without the data folder.
#include <gtest/gtest.h>
#include <png.h>
#include <sys/wait.h>

#include <cstdlib>
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

// `lavoisier image` draws one column per scan on a uniform time grid, and real scans are not
// evenly spaced: in this run the MS1 scans at 285.38 s and 285.99 s are 0.61 s apart while the
// grid step is 0.47 s, so one column held no scan and showed as a black stripe across all m/z.
// Every plot column must now show signal (the low-m/z background is present in every scan).
TEST(RasterReal, OverviewImageHasNoEmptyScanColumns)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "no real data folder";
    const char *cli = std::getenv("LV_CLI");
    if (!cli || !*cli) GTEST_SKIP() << "LV_CLI not set";
    const std::string out = lvtest::temp_dir() + "/overview.png";
    std::string cmd = std::string(cli) + " image '" +
                      lvtest::data_file("mzmine__171103_PMA_TK_QC_04-4to5min.mzML") + "' -o '" +
                      out + "' --blur 0 > /dev/null";
    int rc = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << cmd;
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    ASSERT_TRUE(png_image_begin_read_from_file(&img, out.c_str())) << img.message;
    img.format = PNG_FORMAT_RGB;
    std::vector<uint8_t> px(PNG_IMAGE_SIZE(img));
    ASSERT_TRUE(png_image_finish_read(&img, nullptr, px.data(), 0, nullptr)) << img.message;
    // The plot's frame (black lines) sits inside fixed margins: left 90, top 40, 1200x800 plot.
    const uint32_t left = 90, top = 40, w = 1200, h = 800;
    ASSERT_EQ(img.width, left + w + 30);
    ASSERT_EQ(img.height, top + h + 70);
    // viridis(0), the colour of an empty pixel
    auto empty = [&](uint32_t x, uint32_t y) {
        const uint8_t *p = &px[3 * ((size_t)y * img.width + x)];
        return p[0] == 68 && p[1] == 1 && p[2] == 84;
    };
    for (uint32_t x = left; x < left + w; x++) {
        uint32_t lit = 0;
        for (uint32_t y = top; y < top + h; y++)
            lit += !empty(x, y);
        EXPECT_GT(lit, h / 20) << "plot column " << x - left << " is (almost) empty";
    }
}
