/* denoise_api_test.cpp - the denoising API's contracts: argument checks with clear messages,
 * defaults, in-place use, thread counts, level-0 identity and lv_denoise_batch's record
 * selection. */
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "lavoisier.h"
extern "C" {
#include "io/batch.h" /* lv_batch_alloc, to build a batch by hand (C header without guards) */
}

namespace
{

lv_context *cpu(uint32_t threads)
{
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = LV_DEVICE_CPU;
    p.n_threads = threads;
    lv_context *c = nullptr;
    EXPECT_EQ(lv_context_create(&p, &c), LV_OK) << lv_last_error();
    return c;
}

std::vector<float> noisy(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++)
        v[i] = 100.0f + (float)(rng() % 1000) + (i % 50 == 25 ? 8000.0f : 0.0f);
    return v;
}

TEST(DenoiseApi, ArgumentChecksNameTheProblem)
{
    lv_context *c = cpu(1);
    std::vector<float> x = noisy(64, 1), y(64);
    const uint64_t off[2] = {0, 64}, bad_off[3] = {0, 64, 10};
    EXPECT_EQ(lv_wavelet_denoise(nullptr, nullptr, 1, off, x.data(), y.data()),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("ctx is NULL"), std::string::npos);
    EXPECT_EQ(lv_wavelet_denoise(c, nullptr, 2, bad_off, x.data(), y.data()),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("offsets decrease at spectrum 1"),
              std::string::npos);
    EXPECT_EQ(lv_savgol(c, nullptr, 1, off, nullptr, y.data()), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("intensity is NULL"), std::string::npos);

    lv_wavelet_params wp;
    lv_wavelet_params_init(&wp);
    wp.size = 3;
    EXPECT_EQ(lv_wavelet_denoise(c, &wp, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("lv_wavelet_params.size"), std::string::npos);
    lv_wavelet_params_init(&wp);
    wp.wavelet = (lv_wavelet)13;
    EXPECT_EQ(lv_wavelet_denoise(c, &wp, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("wavelet 13"), std::string::npos);
    lv_wavelet_params_init(&wp);
    wp.level = 33;
    EXPECT_EQ(lv_wavelet_denoise(c, &wp, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);
    lv_wavelet_params_init(&wp);
    wp.threshold = NAN;
    EXPECT_EQ(lv_wavelet_denoise(c, &wp, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);

    lv_savgol_params sp;
    lv_savgol_params_init(&sp);
    sp.window = 10;
    EXPECT_EQ(lv_savgol(c, &sp, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("window 10 is not odd"), std::string::npos);
    sp.window = 5;
    sp.polyorder = 5;
    EXPECT_EQ(lv_savgol(c, &sp, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("polyorder 5 must be < window (5)"),
              std::string::npos);

    lv_snip_params np;
    lv_snip_params_init(&np);
    np.decreasing = 2;
    EXPECT_EQ(lv_snip_remove(c, &np, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);
    lv_noise_params nz;
    lv_noise_params_init(&nz);
    nz.method = (lv_noise_method)7;
    double noise;
    EXPECT_EQ(lv_noise_level(c, &nz, 1, off, x.data(), &noise), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_noise_level(c, nullptr, 1, off, x.data(), nullptr), LV_ERR_INVALID_ARGUMENT);
    lv_zengeza_params zp;
    lv_zengeza_params_init(&zp);
    zp.wavelet.size = 0;
    EXPECT_EQ(lv_zengeza(c, &zp, 1, off, x.data(), y.data()), LV_ERR_INVALID_ARGUMENT);

    /* Zero spectra and zero points are fine with NULL arrays. */
    EXPECT_EQ(lv_zengeza(c, nullptr, 0, nullptr, nullptr, nullptr), LV_OK);
    const uint64_t empty[3] = {5, 5, 5};
    EXPECT_EQ(lv_wavelet_denoise(c, nullptr, 2, empty, nullptr, nullptr), LV_OK);
    lv_context_destroy(c);
}

TEST(DenoiseApi, DefaultsAreDocumented)
{
    lv_wavelet_params w;
    lv_wavelet_params_init(&w);
    EXPECT_EQ(w.wavelet, LV_WAVELET_DB4);
    EXPECT_EQ(w.level, 0u);
    EXPECT_EQ(w.mode, LV_THRESHOLD_SOFT);
    EXPECT_LT(w.threshold, 0.0);
    lv_savgol_params s;
    lv_savgol_params_init(&s);
    EXPECT_EQ(s.window, 11u);
    EXPECT_EQ(s.polyorder, 4u);
    lv_snip_params n;
    lv_snip_params_init(&n);
    EXPECT_EQ(n.iterations, 100u);
    EXPECT_EQ(n.decreasing, 1u);
    lv_denoise_params d;
    lv_denoise_params_init(&d);
    EXPECT_EQ(d.method, LV_DENOISE_ZENGEZA);
    EXPECT_EQ(d.ms_levels, 0xFFFFFFFFu);
    EXPECT_EQ(d.wavelet.size, sizeof(lv_wavelet_params));
}

/* Same result with 1 and 3 threads, in place and out of place, for every operation. */
TEST(DenoiseApi, ThreadsAndInPlaceGiveIdenticalResults)
{
    lv_context *c1 = cpu(1), *c3 = cpu(3);
    std::vector<uint64_t> off{0};
    std::vector<float> x;
    for (int s = 0; s < 40; s++) {
        std::vector<float> v = noisy(500 + 97 * s, s);
        x.insert(x.end(), v.begin(), v.end());
        off.push_back(x.size());
    }
    const uint64_t n = off.size() - 1;
    for (int op = 0; op < 4; op++) {
        std::vector<float> a(x.size()), b = x;
        auto run = [&](lv_context *c, const float *in, float *out) {
            switch (op) {
            case 0: return lv_wavelet_denoise(c, nullptr, n, off.data(), in, out);
            case 1: return lv_savgol(c, nullptr, n, off.data(), in, out);
            case 2: return lv_snip_baseline(c, nullptr, n, off.data(), in, out);
            default: return lv_zengeza(c, nullptr, n, off.data(), in, out);
            }
        };
        ASSERT_EQ(run(c1, x.data(), a.data()), LV_OK) << lv_last_error();
        ASSERT_EQ(run(c3, b.data(), b.data()), LV_OK) << lv_last_error();
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "op " << op;
        EXPECT_NE(std::memcmp(a.data(), x.data(), a.size() * sizeof(float)), 0) << "op " << op;
    }
    lv_context_destroy(c1);
    lv_context_destroy(c3);
}

/* Level 0 (spectra shorter than F - 1 with the default level) and windows longer than the
 * spectrum leave it unchanged; an explicit level on such a spectrum is used (as pywt does). */
TEST(DenoiseApi, ShortSpectraAreIdentityWhereDocumented)
{
    lv_context *c = cpu(1);
    std::vector<float> x = {5.0f, 1.0f, 7.0f, 3.0f, 2.0f}, y(5);
    const uint64_t off[2] = {0, 5};
    lv_wavelet_params w;
    lv_wavelet_params_init(&w); /* db4: F - 1 = 7 > 5 points -> level 0 */
    ASSERT_EQ(lv_wavelet_denoise(c, &w, 1, off, x.data(), y.data()), LV_OK);
    EXPECT_EQ(y, x);
    ASSERT_EQ(lv_savgol(c, nullptr, 1, off, x.data(), y.data()), LV_OK); /* window 11 > 5 */
    EXPECT_EQ(y, x);
    w.level = 2;
    w.threshold = 0.0; /* no shrinkage: perfect reconstruction even beyond max level */
    ASSERT_EQ(lv_wavelet_denoise(c, &w, 1, off, x.data(), y.data()), LV_OK);
    for (int i = 0; i < 5; i++)
        EXPECT_NEAR(y[i], x[i], 1e-5) << i;
    lv_context_destroy(c);
}

/* A batch with a profile MS1, a centroid MS1 and a profile MS2 spectrum: with ms_levels = MS1
 * only, just the first is denoised; m/z, ids and metadata are copied. */
TEST(DenoiseApi, BatchDenoisesSelectedProfileSpectraOnly)
{
    lv_context *c = cpu(2);
    const uint64_t n = 3, pts = 300;
    const char ids[] = "a\0bb\0ccc";
    lv_batch *in = nullptr;
    ASSERT_EQ(lv_batch_alloc(nullptr, LV_RECORD_SPECTRUM, n, pts, sizeof ids, &in), LV_OK);
    std::memcpy(in->id_arena, ids, sizeof ids);
    const uint64_t id_off[4] = {0, 2, 5, sizeof ids};
    const uint8_t levels[3] = {1, 1, 2},
                  repr[3] = {LV_REPR_PROFILE, LV_REPR_CENTROID, LV_REPR_PROFILE};
    std::vector<float> v = noisy(pts, 9);
    for (uint64_t i = 0; i < n; i++) {
        in->offsets[i] = i * 100;
        in->index[i] = 10 + i;
        in->id_offsets[i] = id_off[i];
        in->ms_level[i] = levels[i];
        in->representation[i] = repr[i];
        in->rt_seconds[i] = 1.5 * i;
        in->polarity[i] = 1;
        in->precursor_mz[i] = NAN;
        in->precursor_charge[i] = 0;
        in->precursor_intensity[i] = NAN;
    }
    in->offsets[n] = pts;
    in->id_offsets[n] = id_off[n];
    for (uint64_t k = 0; k < pts; k++) {
        in->mz[k] = 100.0 + 0.01 * k;
        in->intensity[k] = v[k];
    }
    lv_denoise_params p;
    lv_denoise_params_init(&p);
    p.method = LV_DENOISE_WAVELET;
    p.ms_levels = 1u << 1;
    lv_batch *out = nullptr;
    ASSERT_EQ(lv_denoise_batch(c, &p, in, &out), LV_OK) << lv_last_error();

    std::vector<float> expect(100);
    const uint64_t one[2] = {0, 100};
    ASSERT_EQ(lv_wavelet_denoise(c, &p.wavelet, 1, one, v.data(), expect.data()), LV_OK);
    lv_batch_view view;
    view.size = sizeof view;
    ASSERT_EQ(lv_batch_get_view(out, &view), LV_OK);
    EXPECT_EQ(view.processed[0], 1);
    EXPECT_EQ(view.processed[1], 0);
    EXPECT_EQ(view.processed[2], 0);
    EXPECT_EQ(std::memcmp(view.intensity, expect.data(), 100 * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(view.intensity + 100, v.data() + 100, 200 * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(view.mz, in->mz, pts * sizeof(double)), 0);
    EXPECT_STREQ(lv_batch_id(out, 2), "ccc");
    EXPECT_EQ(view.index[1], 11u);
    EXPECT_EQ(view.rt_seconds[2], 3.0);
    EXPECT_EQ(in->intensity[0], v[0]); /* input untouched */

    p.method = (lv_denoise_method)9;
    lv_batch *bad = nullptr;
    EXPECT_EQ(lv_denoise_batch(c, &p, in, &bad), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(bad, nullptr);
    lv_batch_destroy(out);
    lv_batch_destroy(in);
    lv_context_destroy(c);
}

} // namespace
