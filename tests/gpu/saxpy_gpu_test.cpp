/* saxpy_gpu_test.cpp - the CUDA backend end to end: contexts, pinned memory, lv_saxpy on the GPU
 * against the CPU fallback bit for bit.  Every test skips on machines without a CUDA device. */
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "lavoisier.h"

namespace
{

/* The tests link the core statically, so the loader's "next to the core library" is next to this
 * executable, where the backend is not.  Point it at the backend of this build before the first
 * call into the library (unless the caller chose one). */
class BackendFromThisBuild : public ::testing::Environment
{
  public:
    void SetUp() override
    {
        const std::string path = std::string(LV_TEST_BINARY_DIR) + "/liblavoisier_cuda.so.0";
        struct stat st;
        const char *chosen = std::getenv("LV_CUDA_LIBRARY");
        if ((!chosen || !*chosen) && stat(path.c_str(), &st) == 0)
            setenv("LV_CUDA_LIBRARY", path.c_str(), 1);
    }
};
::testing::Environment *const backend_env =
    ::testing::AddGlobalTestEnvironment(new BackendFromThisBuild);

constexpr const char *kNoDevice =
    "no CUDA device (or no CUDA backend library / driver) on this machine: GPU test skipped";

/* The backend moves data in chunks of 8 Mi elements on two alternating streams. */
constexpr uint64_t kChunk = uint64_t(8) << 20;

uint32_t bits(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

void fill_random(float *v, size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1000.0f, 1000.0f);
    for (size_t i = 0; i < n; i++)
        v[i] = dist(rng);
}

std::vector<float> random_floats(size_t n, uint32_t seed)
{
    std::vector<float> v(n);
    fill_random(v.data(), n, seed);
    return v;
}

long first_difference(const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bits(got[i]) != bits(want[i])) return (long)i;
    return -1;
}

class Gpu : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        if (lv_cuda_device_count() == 0) GTEST_SKIP() << kNoDevice;
        lv_context_params p;
        lv_context_params_init(&p);
        p.device = LV_DEVICE_CUDA;
        ASSERT_EQ(lv_context_create(&p, &gpu_), LV_OK) << lv_last_error();
        lv_context_params_init(&p);
        p.device = LV_DEVICE_CPU;
        ASSERT_EQ(lv_context_create(&p, &cpu_), LV_OK) << lv_last_error();
    }
    void TearDown() override
    {
        lv_context_destroy(gpu_);
        lv_context_destroy(cpu_);
    }

    /* Runs lv_saxpy on both backends and compares bit for bit. */
    void expect_same_as_cpu(uint64_t n, float a, const float *x, const float *y, float *out)
    {
        std::vector<float> want(n);
        ASSERT_EQ(lv_saxpy(cpu_, n, a, x, y, want.data()), LV_OK) << lv_last_error();
        ASSERT_EQ(lv_saxpy(gpu_, n, a, x, y, out), LV_OK) << lv_last_error();
        EXPECT_EQ(first_difference(out, want.data(), n), -1) << "n=" << n;
    }

    lv_context *gpu_ = nullptr;
    lv_context *cpu_ = nullptr;
};

} // namespace

TEST_F(Gpu, ContextReportsCuda)
{
    EXPECT_EQ(lv_context_device(gpu_), LV_DEVICE_CUDA);
    std::string name = lv_context_backend_name(gpu_);
    EXPECT_EQ(name.rfind("cuda:0 ", 0), 0u) << name;
    EXPECT_GT(name.size(), std::strlen("cuda:0 ")) << "device name missing: " << name;
    std::printf("backend: %s\n", name.c_str());
}

TEST_F(Gpu, AutoPicksCuda)
{
    const char *env = std::getenv("LV_DEVICE");
    if (env && *env) GTEST_SKIP() << "LV_DEVICE is set in the environment";
    lv_context *ctx = nullptr;
    ASSERT_EQ(lv_context_create(nullptr, &ctx), LV_OK) << lv_last_error();
    EXPECT_EQ(lv_context_device(ctx), LV_DEVICE_CUDA);
    lv_context_destroy(ctx);
}

TEST_F(Gpu, DeviceOrdinalOutOfRange)
{
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = LV_DEVICE_CUDA;
    p.cuda_device = lv_cuda_device_count();
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&p, &ctx), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_NE(std::string(lv_last_error()).find("out of range"), std::string::npos)
        << lv_last_error();
}

TEST_F(Gpu, HostAllocWriteRead)
{
    for (size_t bytes : {size_t(0), size_t(1), size_t(1) << 20}) {
        void *mem = nullptr;
        ASSERT_EQ(lv_host_alloc(gpu_, bytes, &mem), LV_OK) << lv_last_error();
        ASSERT_NE(mem, nullptr);
        auto *b = static_cast<unsigned char *>(mem);
        for (size_t i = 0; i < bytes; i++)
            b[i] = (unsigned char)(i * 13u);
        for (size_t i = 0; i < bytes; i++)
            ASSERT_EQ(b[i], (unsigned char)(i * 13u));
        lv_host_free(gpu_, mem);
    }
}

TEST_F(Gpu, HostAllocFailureIsReportedAndHarmless)
{
    void *mem = nullptr;
    const size_t huge = size_t(1) << 50; /* 1 PiB */
    /* cudaErrorMemoryAllocation maps to LV_ERR_NO_MEMORY; a driver may instead reject a size
     * this far beyond physical memory as an invalid value (LV_ERR_CUDA). */
    lv_status st = lv_host_alloc(gpu_, huge, &mem);
    EXPECT_TRUE(st == LV_ERR_NO_MEMORY || st == LV_ERR_CUDA) << st << ": " << lv_last_error();
    std::printf("1 PiB pinned allocation: %s: %s\n", lv_status_string(st), lv_last_error());
    EXPECT_EQ(mem, nullptr);
    EXPECT_NE(std::string(lv_last_error()).find(std::to_string(huge)), std::string::npos)
        << lv_last_error();
    /* The failure must not leak into the next operation's launch check. */
    std::vector<float> x = random_floats(1000, 1), y = random_floats(1000, 2), out(1000);
    expect_same_as_cpu(1000, 3.0f, x.data(), y.data(), out.data());
}

TEST_F(Gpu, SaxpyMatchesCpuOnPageableMemory)
{
    /* 10^7 crosses one chunk boundary; 5 chunks + 123 reuses both streams' buffers. */
    const uint64_t sizes[] = {0, 1, 1000, 10000000, 5 * kChunk + 123};
    for (uint64_t n : sizes) {
        std::vector<float> x = random_floats(n, 100 + (uint32_t)n);
        std::vector<float> y = random_floats(n, 200 + (uint32_t)n);
        std::vector<float> out(n, NAN);
        expect_same_as_cpu(n, 1.7320508f, x.data(), y.data(), out.data());
    }
}

TEST_F(Gpu, SaxpyMatchesCpuOnPinnedMemory)
{
    const uint64_t n = 3 * kChunk + 77;
    const size_t bytes = n * sizeof(float);
    void *px = nullptr, *py = nullptr, *pout = nullptr;
    ASSERT_EQ(lv_host_alloc(gpu_, bytes, &px), LV_OK) << lv_last_error();
    ASSERT_EQ(lv_host_alloc(gpu_, bytes, &py), LV_OK) << lv_last_error();
    ASSERT_EQ(lv_host_alloc(gpu_, bytes, &pout), LV_OK) << lv_last_error();
    auto *x = static_cast<float *>(px), *y = static_cast<float *>(py);
    auto *out = static_cast<float *>(pout);
    fill_random(x, n, 5);
    fill_random(y, n, 6);
    expect_same_as_cpu(n, -0.75f, x, y, out);

    /* Mixed: pinned inputs, pageable output, and the reverse. */
    std::vector<float> pageable(n);
    expect_same_as_cpu(n, 0.5f, x, y, pageable.data());
    std::vector<float> px_pageable(x, x + n);
    expect_same_as_cpu(n, 0.25f, px_pageable.data(), y, out);

    lv_host_free(gpu_, px);
    lv_host_free(gpu_, py);
    lv_host_free(gpu_, pout);
}

TEST_F(Gpu, SaxpyOutputMayAliasAnInput)
{
    const uint64_t n = 2 * kChunk + 5;
    const float a = 1.25f;
    std::vector<float> x = random_floats(n, 8), y = random_floats(n, 9), want(n);
    ASSERT_EQ(lv_saxpy(cpu_, n, a, x.data(), y.data(), want.data()), LV_OK);

    std::vector<float> ax = x; /* pageable, out == x */
    ASSERT_EQ(lv_saxpy(gpu_, n, a, ax.data(), y.data(), ax.data()), LV_OK) << lv_last_error();
    EXPECT_EQ(first_difference(ax.data(), want.data(), n), -1) << "pageable out == x";

    void *py = nullptr; /* pinned, out == y */
    ASSERT_EQ(lv_host_alloc(gpu_, n * sizeof(float), &py), LV_OK) << lv_last_error();
    auto *y_pinned = static_cast<float *>(py);
    std::memcpy(y_pinned, y.data(), n * sizeof(float));
    ASSERT_EQ(lv_saxpy(gpu_, n, a, x.data(), y_pinned, y_pinned), LV_OK) << lv_last_error();
    EXPECT_EQ(first_difference(y_pinned, want.data(), n), -1) << "pinned out == y";
    lv_host_free(gpu_, py);
}

TEST_F(Gpu, ConcurrentCallsOnOneContext)
{
    const uint64_t n = kChunk + 1000;
    std::vector<float> x = random_floats(n, 21), y = random_floats(n, 22), want(n);
    ASSERT_EQ(lv_saxpy(cpu_, n, 2.0f, x.data(), y.data(), want.data()), LV_OK);
    std::vector<std::vector<float>> outs(4, std::vector<float>(n));
    std::vector<lv_status> st(outs.size(), LV_ERR_INTERNAL);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < outs.size(); t++)
        threads.emplace_back(
            [&, t] { st[t] = lv_saxpy(gpu_, n, 2.0f, x.data(), y.data(), outs[t].data()); });
    for (std::thread &t : threads)
        t.join();
    for (size_t t = 0; t < outs.size(); t++) {
        EXPECT_EQ(st[t], LV_OK) << "thread " << t;
        EXPECT_EQ(first_difference(outs[t].data(), want.data(), n), -1) << "thread " << t;
    }
}

/* LV_DISABLE_CUDA is read once, when the loader first runs, so it is tested in a child process:
 * this executable again, running only DisabledChild with the variable set. */
TEST(GpuLoader, DisableCudaEnvironmentHidesTheBackend)
{
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    ASSERT_GT(len, 0);
    self[len] = '\0';
    std::string cmd = std::string("LV_DISABLE_CUDA=1 LV_TEST_DISABLED_CHILD=1 '") + self +
                      "' --gtest_filter=GpuLoader.DisabledChild 2>&1";
    FILE *pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buf[512];
    while (size_t got = std::fread(buf, 1, sizeof buf, pipe))
        output.append(buf, got);
    int status = pclose(pipe);
    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find("[  PASSED  ] 1 test"), std::string::npos) << output;
    EXPECT_EQ(output.find("SKIPPED"), std::string::npos) << "the child did not run:\n" << output;
}

TEST(GpuLoader, DisabledChild)
{
    if (!std::getenv("LV_TEST_DISABLED_CHILD"))
        GTEST_SKIP() << "runs only as the child of GpuLoader.DisableCudaEnvironmentHidesTheBackend";
    EXPECT_EQ(lv_cuda_device_count(), 0);
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = LV_DEVICE_CUDA;
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&p, &ctx), LV_ERR_UNSUPPORTED);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_NE(std::string(lv_last_error()).find("LV_DISABLE_CUDA"), std::string::npos)
        << lv_last_error();
}
