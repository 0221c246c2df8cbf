// The rasterizer's blur against scipy.ndimage.gaussian_filter and its colormaps against
// matplotlib, through lv_frames_render (reference values from tests/fixtures/make_colormaps.py).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../fixtures/raster_reference.h"
#include "lavoisier.h"

namespace
{

lv_context *cpu_context()
{
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = 2;
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&cp, &ctx), LV_OK) << lv_last_error();
    return ctx;
}

// Values pass through unchanged up to the blur: linear scale, fixed normalization by 1.
lv_frame_params identity_params(lv_frame_mode mode, uint32_t w, uint32_t h, double sigma)
{
    lv_frame_params p;
    lv_frame_params_init(&p);
    p.mode = mode;
    p.width = w;
    p.height = h;
    p.scale = LV_SCALE_LINEAR;
    p.normalize = LV_NORMALIZE_FIXED;
    p.norm_value = 1.0;
    p.blur_sigma = sigma;
    p.format = LV_FRAME_F32;
    return p;
}

} // namespace

TEST(RasterBlur, EqualsScipyGaussianFilter)
{
    using namespace raster_ref;
    lv_context *ctx = cpu_context();
    for (int s = 0; s < kBlurSigmas; s++) {
        lv_frame_params p = identity_params(LV_FRAMES_HEATMAP, kBlurW, kBlurH, kBlurSigma[s]);
        std::vector<float> out(kBlurH * kBlurW);
        ASSERT_EQ(lv_frames_render(ctx, &p, 1, kBlurInput, out.data()), LV_OK) << lv_last_error();
        for (int k = 0; k < kBlurH * kBlurW; k++)
            EXPECT_NEAR(out[k], kBlurOutput[s][k], 2e-7)
                << "sigma " << kBlurSigma[s] << " at " << k;
    }
    lv_context_destroy(ctx);
}

TEST(RasterBlur, StripeBlursAlongMzOnlyLikeGaussianFilter1d)
{
    using namespace raster_ref;
    lv_context *ctx = cpu_context();
    // Radius 8 is longer than the 5-row signal: reflection has to repeat.
    lv_frame_params p = identity_params(LV_FRAMES_STRIPE, 3, kLine, kLineSigma);
    std::vector<float> out(kLine * 3);
    ASSERT_EQ(lv_frames_render(ctx, &p, 1, kLineInput, out.data()), LV_OK) << lv_last_error();
    for (int r = 0; r < kLine; r++)
        for (int c = 0; c < 3; c++)
            EXPECT_NEAR(out[r * 3 + c], kLineOutput[r], 2e-7) << r;
    lv_context_destroy(ctx);
}

TEST(RasterColormap, EqualsMatplotlibColormapCall)
{
    using namespace raster_ref;
    lv_context *ctx = cpu_context();
    for (int map = 0; map < 4; map++) {
        lv_frame_params p = identity_params(LV_FRAMES_HEATMAP, kColorValues, 1, 0.0);
        p.format = LV_FRAME_RGB8;
        p.colormap = (lv_colormap)map;
        std::vector<uint8_t> rgb(kColorValues * 3);
        ASSERT_EQ(lv_frames_render(ctx, &p, 1, kColorValue, rgb.data()), LV_OK);
        for (int k = 0; k < kColorValues; k++)
            for (int c = 0; c < 3; c++)
                EXPECT_EQ(rgb[k * 3 + c], kColorRgb[map][k][c])
                    << "colormap " << map << " value " << kColorValue[k];
    }
    // Gray output is the table index itself, which the gray colormap maps to (q, q, q).
    lv_frame_params p = identity_params(LV_FRAMES_HEATMAP, kColorValues, 1, 0.0);
    p.format = LV_FRAME_GRAY8;
    std::vector<uint8_t> gray(kColorValues);
    ASSERT_EQ(lv_frames_render(ctx, &p, 1, kColorValue, gray.data()), LV_OK);
    for (int k = 0; k < kColorValues; k++)
        EXPECT_EQ(gray[k], kColorRgb[0][k][0]);
    lv_context_destroy(ctx);
}

TEST(RasterColormap, ScalingAndClipping)
{
    lv_context *ctx = cpu_context();
    lv_frame_params p = identity_params(LV_FRAMES_HEATMAP, 6, 1, 0.0);
    p.format = LV_FRAME_GRAY8;
    p.scale = LV_SCALE_SQRT;
    p.normalize = LV_NORMALIZE_FRAME;
    const float acc[6] = {0.0f, -5.0f, NAN, 16.0f, 64.0f, 4.0f};
    uint8_t out[6];
    ASSERT_EQ(lv_frames_render(ctx, &p, 1, acc, out), LV_OK);
    // sqrt: 0, 0, 0, 4, 8, 2 over max 8 -> 0, 0, 0, 0.5, 1, 0.25 -> 0, 0, 0, 128, 255, 64
    const uint8_t want[6] = {0, 0, 0, 128, 255, 64};
    for (int k = 0; k < 6; k++)
        EXPECT_EQ(out[k], want[k]) << k;
    // Fixed normalization below the data clips at 255.
    p.normalize = LV_NORMALIZE_FIXED;
    p.norm_value = 4.0;
    ASSERT_EQ(lv_frames_render(ctx, &p, 1, acc, out), LV_OK);
    const uint8_t clipped[6] = {0, 0, 0, 255, 255, 128};
    for (int k = 0; k < 6; k++)
        EXPECT_EQ(out[k], clipped[k]) << k;
    lv_context_destroy(ctx);
}
