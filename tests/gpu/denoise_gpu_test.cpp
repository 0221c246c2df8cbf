/* denoise_gpu_test.cpp - the denoising kernels against the CPU fallback on ragged random batches
 * (empty, 1, 2, odd, powers of two, and spectra too long for shared memory, which run in global
 * scratch) and on real spectra.  Tolerance: 1e-6 of the spectrum's largest CPU value per point
 * for wavelet, zengeza and Savitzky-Golay (the kernels may contract multiply-adds into FMAs, the
 * CPU does not); SNIP has no multiply-add and must agree exactly.  Skips without a device. */
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "lavoisier.h"
#include "test_support.h"

namespace
{

constexpr const char *kNoDevice =
    "no CUDA device (or no CUDA backend library / driver) on this machine: GPU test skipped";

void use_backend_of_this_build()
{
    const std::string path = std::string(LV_TEST_BINARY_DIR) + "/liblavoisier_cuda.so.0";
    struct stat st;
    const char *chosen = std::getenv("LV_CUDA_LIBRARY");
    if ((!chosen || !*chosen) && stat(path.c_str(), &st) == 0)
        setenv("LV_CUDA_LIBRARY", path.c_str(), 1);
}

struct Spectra {
    std::vector<uint64_t> off{0};
    std::vector<float> v;
    void add(const std::vector<float> &x)
    {
        v.insert(v.end(), x.begin(), x.end());
        off.push_back(v.size());
    }
};

Spectra random_spectra(uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 20.0f);
    Spectra s;
    const size_t lengths[] = {0, 1, 2, 3, 7, 8, 16, 31, 64, 100, 257, 1024, 4099, 30000, 65536};
    for (size_t n : lengths) {
        std::vector<float> x(n);
        for (size_t i = 0; i < n; i++)
            x[i] = 200.0f + 50.0f * std::sin(0.001f * i) + noise(rng) +
                   (i % 97 == 50 ? 5000.0f : 0.0f);
        s.add(x);
    }
    return s;
}

struct Contexts {
    lv_context *cpu = nullptr, *gpu = nullptr;
    Contexts()
    {
        lv_context_params p;
        lv_context_params_init(&p);
        p.device = LV_DEVICE_CPU;
        p.n_threads = 2;
        EXPECT_EQ(lv_context_create(&p, &cpu), LV_OK) << lv_last_error();
        p.device = LV_DEVICE_CUDA;
        EXPECT_EQ(lv_context_create(&p, &gpu), LV_OK) << lv_last_error();
    }
    ~Contexts()
    {
        lv_context_destroy(cpu);
        lv_context_destroy(gpu);
    }
};

/* Runs op on both backends and compares per spectrum. */
template <typename Op> void compare(const Spectra &s, Op op, double tol, const char *what)
{
    Contexts c;
    ASSERT_NE(c.gpu, nullptr);
    std::vector<float> a(s.v.size()), b(s.v.size());
    const uint64_t n = s.off.size() - 1;
    ASSERT_EQ(op(c.cpu, n, s.off.data(), s.v.data(), a.data()), LV_OK) << lv_last_error();
    ASSERT_EQ(op(c.gpu, n, s.off.data(), s.v.data(), b.data()), LV_OK) << lv_last_error();
    double worst = 0;
    for (uint64_t i = 0; i < n; i++) {
        double scale = 0, err = 0;
        for (uint64_t k = s.off[i]; k < s.off[i + 1]; k++) {
            scale = std::max(scale, std::fabs((double)a[k]));
            err = std::max(err, std::fabs((double)a[k] - b[k]));
        }
        const double rel = scale > 0 ? err / scale : err;
        worst = std::max(worst, rel);
        EXPECT_LE(rel, tol) << what << ": spectrum " << i << " of " << s.off[i + 1] - s.off[i]
                            << " points";
    }
    std::printf("[ gpu=cpu  ] %-8s worst relative difference %.3g\n", what, worst);
}

lv_status wavelet_op(lv_context *ctx, uint64_t n, const uint64_t *off, const float *in, float *out)
{
    lv_wavelet_params p;
    lv_wavelet_params_init(&p);
    return lv_wavelet_denoise(ctx, &p, n, off, in, out);
}

lv_status wavelet_hard_sym8_op(lv_context *ctx, uint64_t n, const uint64_t *off, const float *in,
                               float *out)
{
    lv_wavelet_params p;
    lv_wavelet_params_init(&p);
    p.wavelet = LV_WAVELET_SYM8;
    p.mode = LV_THRESHOLD_HARD;
    p.level = 3;
    return lv_wavelet_denoise(ctx, &p, n, off, in, out);
}

lv_status zengeza_op(lv_context *ctx, uint64_t n, const uint64_t *off, const float *in, float *out)
{
    return lv_zengeza(ctx, nullptr, n, off, in, out);
}

lv_status savgol_op(lv_context *ctx, uint64_t n, const uint64_t *off, const float *in, float *out)
{
    return lv_savgol(ctx, nullptr, n, off, in, out);
}

lv_status snip_op(lv_context *ctx, uint64_t n, const uint64_t *off, const float *in, float *out)
{
    return lv_snip_remove(ctx, nullptr, n, off, in, out);
}

class DenoiseGpu : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        use_backend_of_this_build();
        if (lv_cuda_device_count() == 0) GTEST_SKIP() << kNoDevice;
    }
};

TEST_F(DenoiseGpu, WaveletMatchesCpu)
{
    compare(random_spectra(1), wavelet_op, 1e-6, "wavelet");
    compare(random_spectra(2), wavelet_hard_sym8_op, 1e-6, "sym8hard");
}

TEST_F(DenoiseGpu, ZengezaMatchesCpu)
{
    compare(random_spectra(3), zengeza_op, 1e-6, "zengeza");
}

TEST_F(DenoiseGpu, SavgolMatchesCpu)
{
    compare(random_spectra(4), savgol_op, 1e-6, "savgol");
}

TEST_F(DenoiseGpu, SnipMatchesCpuExactly)
{
    compare(random_spectra(5), snip_op, 0.0, "snip");
}

TEST_F(DenoiseGpu, RealSpectraMatchCpu)
{
    const std::string path = lvtest::data_file("mzdata__small.mzML");
    struct stat st;
    if (lvtest::data_dir().empty() || stat(path.c_str(), &st) != 0)
        GTEST_SKIP() << "real data not found: " << path;
    lv_reader *r = nullptr;
    ASSERT_EQ(lv_reader_open(path.c_str(), nullptr, &r), LV_OK) << lv_last_error();
    lv_batch *b = nullptr;
    ASSERT_EQ(lv_reader_read(r, LV_RECORD_SPECTRUM, 0, 48, &b), LV_OK) << lv_last_error();
    lv_batch_view v;
    v.size = sizeof v;
    ASSERT_EQ(lv_batch_get_view(b, &v), LV_OK);
    Spectra s;
    for (uint64_t i = 0; i < v.n_records; i++)
        s.add(std::vector<float>(v.intensity + v.offsets[i], v.intensity + v.offsets[i + 1]));
    compare(s, wavelet_op, 1e-6, "real-wav");
    compare(s, zengeza_op, 1e-6, "real-zen");
    compare(s, savgol_op, 1e-6, "real-sg");
    compare(s, snip_op, 0.0, "real-snip");
    lv_batch_destroy(b);
    lv_reader_close(r);
}

} // namespace
