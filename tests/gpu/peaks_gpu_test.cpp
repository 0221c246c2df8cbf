/* peaks_gpu_test.cpp - lv_localmax and lv_centroid on the CUDA backend against the CPU fallback:
 * exact indices for localmax; centroid m/z within 1e-9 relative and intensity / FWHM within 1e-6
 * relative (log/exp differ in the last bits between the device and glibc).  Random batches (with
 * plateaus, ties, empty and tiny spectra) and real profile spectra.  Skips without a device. */
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "lavoisier.h"
#include "peak_fixtures.h"
#include "test_support.h"

namespace
{

/* Use the backend of this build (see saxpy_gpu_test.cpp). */
struct BackendEnv : ::testing::Environment {
    void SetUp() override
    {
        const std::string path = std::string(LV_TEST_BINARY_DIR) + "/liblavoisier_cuda.so.0";
        struct stat st;
        const char *chosen = std::getenv("LV_CUDA_LIBRARY");
        if ((!chosen || !*chosen) && stat(path.c_str(), &st) == 0)
            setenv("LV_CUDA_LIBRARY", path.c_str(), 1);
    }
};
::testing::Environment *const env = ::testing::AddGlobalTestEnvironment(new BackendEnv);

lv_context *cuda_context()
{
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = LV_DEVICE_CUDA;
    lv_context *ctx = nullptr;
    return lv_context_create(&p, &ctx) == LV_OK ? ctx : nullptr;
}

struct Csr {
    std::vector<uint64_t> off{0};
    std::vector<double> mz;
    std::vector<float> x;
};

Csr random_batch(uint32_t seed)
{
    std::mt19937 rng(seed);
    Csr c;
    for (int s = 0; s < 500; s++) {
        const size_t n = s % 50 == 0 ? rng() % 4 : rng() % 30000;
        const int kind = s % 3;
        for (size_t i = 0; i < n; i++) {
            c.mz.push_back(100.0 + 0.001 * (double)i);
            float v = kind == 0   ? (float)(rng() % 5) /* plateaus, ties */
                      : kind == 1 ? (float)(rng() % 100000) * 0.01f
                                  : (float)std::exp((double)(rng() % 1000) * 0.01);
            c.x.push_back(v);
        }
        c.off.push_back(c.x.size());
    }
    return c;
}

void compare_localmax(lv_context *gpu, lv_context *cpu, const Csr &c, uint32_t distance)
{
    lv_localmax_params p;
    lv_localmax_params_init(&p);
    p.min_distance = distance;
    const uint64_t n = c.off.size() - 1;
    std::vector<uint32_t> a(c.x.size() + 1), b(c.x.size() + 1);
    std::vector<uint64_t> ao(n + 1), bo(n + 1);
    ASSERT_EQ(lv_localmax(gpu, &p, n, c.off.data(), c.x.data(), a.size(), a.data(), ao.data()),
              LV_OK)
        << lv_last_error();
    ASSERT_EQ(lv_localmax(cpu, &p, n, c.off.data(), c.x.data(), b.size(), b.data(), bo.data()),
              LV_OK);
    ASSERT_EQ(ao, bo) << "distance " << distance;
    a.resize(ao[n]);
    b.resize(bo[n]);
    EXPECT_EQ(a, b) << "distance " << distance;
}

void compare_centroid(lv_context *gpu, lv_context *cpu, const Csr &c, const lv_centroid_params &p)
{
    const uint64_t n = c.off.size() - 1, cap = c.x.size() / 2 + 1;
    std::vector<double> am(cap), bm(cap);
    std::vector<float> ai(cap), bi(cap), af(cap), bf(cap);
    std::vector<uint64_t> ao(n + 1), bo(n + 1);
    ASSERT_EQ(lv_centroid(gpu, &p, n, c.off.data(), c.mz.data(), c.x.data(), cap, am.data(),
                          ai.data(), af.data(), ao.data()),
              LV_OK)
        << lv_last_error();
    ASSERT_EQ(lv_centroid(cpu, &p, n, c.off.data(), c.mz.data(), c.x.data(), cap, bm.data(),
                          bi.data(), bf.data(), bo.data()),
              LV_OK);
    ASSERT_EQ(ao, bo);
    size_t bad = 0;
    for (uint64_t k = 0; k < ao[n]; k++) {
        bad += std::fabs(am[k] - bm[k]) > 1e-9 * std::fabs(bm[k]);
        bad += std::fabs(ai[k] - bi[k]) > 1e-6 * std::fabs(bi[k]);
        if (p.fwhm) bad += std::fabs(af[k] - bf[k]) > 1e-6 * std::fabs(bf[k]) + 1e-12;
    }
    EXPECT_EQ(bad, 0u) << "of " << ao[n] << " centroids";
}

TEST(PeaksGpu, LocalmaxEqualsCpuOnRandomBatches)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: GPU test skipped";
    lv_context *gpu = cuda_context(), *cpu = lvtest::cpu_context(0);
    ASSERT_NE(gpu, nullptr) << lv_last_error();
    Csr c = random_batch(1);
    for (uint32_t d : {1u, 2u, 7u, 50u})
        compare_localmax(gpu, cpu, c, d);
    lv_context_destroy(gpu);
    lv_context_destroy(cpu);
}

TEST(PeaksGpu, CentroidEqualsCpuOnRandomBatches)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: GPU test skipped";
    lv_context *gpu = cuda_context(), *cpu = lvtest::cpu_context(0);
    ASSERT_NE(gpu, nullptr) << lv_last_error();
    Csr c = random_batch(2);
    lv_centroid_params p;
    lv_centroid_params_init(&p);
    compare_centroid(gpu, cpu, c, p);
    p.snr = 3.0; /* MAD noise on the device */
    p.fwhm = 1;
    compare_centroid(gpu, cpu, c, p);
    p.intensity = LV_CENTROID_AREA;
    p.noise = 10.0;
    compare_centroid(gpu, cpu, c, p);
    lv_context_destroy(gpu);
    lv_context_destroy(cpu);
}

TEST(PeaksGpu, RealProfileSpectra)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: GPU test skipped";
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "real data folder absent";
    lv_context *gpu = cuda_context(), *cpu = lvtest::cpu_context(0);
    ASSERT_NE(gpu, nullptr) << lv_last_error();
    Csr c;
    for (uint64_t i : {0u, 1u, 7u, 8u}) {
        bool ok;
        auto s = lvtest::read_spectrum(lvtest::data_file("mzdata__small.mzML"), i, &ok);
        ASSERT_TRUE(ok);
        c.mz.insert(c.mz.end(), s.mz.begin(), s.mz.end());
        c.x.insert(c.x.end(), s.intensity.begin(), s.intensity.end());
        c.off.push_back(c.x.size());
    }
    compare_localmax(gpu, cpu, c, 1);
    compare_localmax(gpu, cpu, c, 5);
    lv_centroid_params p;
    lv_centroid_params_init(&p);
    p.snr = 2.0;
    p.fwhm = 1;
    compare_centroid(gpu, cpu, c, p);
    lv_context_destroy(gpu);
    lv_context_destroy(cpu);
}

TEST(PeaksGpu, CentroidReportsUnsortedMz)
{
    if (lv_cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device: GPU test skipped";
    lv_context *gpu = cuda_context();
    ASSERT_NE(gpu, nullptr);
    std::vector<double> mz{1, 2, 3, 1.5, 5};
    std::vector<float> x{0, 1, 0, 1, 0};
    uint64_t off[2] = {0, 5}, oo[2];
    double om[5];
    float oi[5];
    EXPECT_EQ(lv_centroid(gpu, nullptr, 1, off, mz.data(), x.data(), 5, om, oi, nullptr, oo),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("point 3"), std::string::npos) << lv_last_error();
    lv_context_destroy(gpu);
}

} // namespace
