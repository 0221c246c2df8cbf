/* context_test.cpp - contexts, host memory, lv_saxpy on the CPU, statuses and error messages. */
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "lavoisier.h"

namespace
{

/* Sets (or unsets, with nullptr) an environment variable for one scope, restoring the old value,
 * so tests do not leak LV_DEVICE into each other or depend on the caller's environment. */
class ScopedEnv
{
  public:
    ScopedEnv(const char *name, const char *value) : name_(name)
    {
        const char *old = std::getenv(name);
        had_ = old != nullptr;
        if (had_) old_ = old;
        if (value)
            setenv(name, value, 1);
        else
            unsetenv(name);
    }
    ~ScopedEnv()
    {
        if (had_)
            setenv(name_.c_str(), old_.c_str(), 1);
        else
            unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;

  private:
    std::string name_, old_;
    bool had_ = false;
};

lv_context_params params_for(lv_device device, uint32_t n_threads = 0)
{
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = device;
    p.n_threads = n_threads;
    return p;
}

/* An lv_context that is destroyed at the end of the test. */
struct ContextHolder {
    lv_context *ctx = nullptr;
    ~ContextHolder() { lv_context_destroy(ctx); }
};

uint32_t bits(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

std::vector<float> random_floats(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1000.0f, 1000.0f);
    std::vector<float> v(n);
    for (float &f : v)
        f = dist(rng);
    return v;
}

/* The oracle: one correctly rounded fused multiply-add per element. */
std::vector<float> fma_reference(float a, const std::vector<float> &x, const std::vector<float> &y)
{
    std::vector<float> r(x.size());
    for (size_t i = 0; i < x.size(); i++)
        r[i] = std::fmaf(a, x[i], y[i]);
    return r;
}

/* Index of the first element whose bits differ, or -1. */
long first_difference(const std::vector<float> &got, const std::vector<float> &want)
{
    for (size_t i = 0; i < got.size(); i++)
        if (bits(got[i]) != bits(want[i])) return (long)i;
    return -1;
}

} // namespace

TEST(Context, DefaultsCreateAndDestroy)
{
    ScopedEnv env("LV_DEVICE", nullptr);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(nullptr, &h.ctx), LV_OK) << lv_last_error();
    ASSERT_NE(h.ctx, nullptr);
    lv_device dev = lv_context_device(h.ctx);
    EXPECT_TRUE(dev == LV_DEVICE_CPU || dev == LV_DEVICE_CUDA) << "AUTO must resolve";
    if (lv_cuda_device_count() == 0) {
        EXPECT_EQ(dev, LV_DEVICE_CPU);
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    EXPECT_EQ(lv_context_threads(h.ctx), (uint32_t)(online > 0 ? online : 1));
}

TEST(Context, ParamsInitFillsDefaults)
{
    lv_context_params p;
    std::memset(&p, 0xab, sizeof p);
    lv_context_params_init(&p);
    EXPECT_EQ(p.size, sizeof p);
    EXPECT_EQ(p.device, LV_DEVICE_AUTO);
    EXPECT_EQ(p.cuda_device, 0);
    EXPECT_EQ(p.n_threads, 0u);
    lv_context_params_init(nullptr); /* must not crash */
}

TEST(Context, ExplicitCpu)
{
    lv_context_params p = params_for(LV_DEVICE_CPU);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
    EXPECT_EQ(lv_context_device(h.ctx), LV_DEVICE_CPU);
    EXPECT_STREQ(lv_context_backend_name(h.ctx), "cpu");
}

TEST(Context, ThreadCountHonoured)
{
    for (uint32_t n : {1u, 2u, 3u, 7u}) {
        lv_context_params p = params_for(LV_DEVICE_CPU, n);
        ContextHolder h;
        ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
        EXPECT_EQ(lv_context_threads(h.ctx), n);
    }
}

TEST(Context, EnvironmentSelectsCpu)
{
    for (const char *value : {"cpu", "CPU", "Cpu"}) {
        ScopedEnv env("LV_DEVICE", value);
        ContextHolder h;
        ASSERT_EQ(lv_context_create(nullptr, &h.ctx), LV_OK) << value << ": " << lv_last_error();
        EXPECT_EQ(lv_context_device(h.ctx), LV_DEVICE_CPU) << value;
    }
}

TEST(Context, EnvironmentAutoIsAccepted)
{
    ScopedEnv env("LV_DEVICE", "auto");
    ContextHolder h;
    ASSERT_EQ(lv_context_create(nullptr, &h.ctx), LV_OK) << lv_last_error();
}

TEST(Context, EnvironmentDoesNotOverrideExplicitChoice)
{
    /* LV_DEVICE overrides AUTO only: a program that asks for the CPU gets the CPU. */
    ScopedEnv env("LV_DEVICE", "cuda");
    lv_context_params p = params_for(LV_DEVICE_CPU);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
    EXPECT_EQ(lv_context_device(h.ctx), LV_DEVICE_CPU);
}

TEST(Context, InvalidEnvironmentValueIsRejected)
{
    ScopedEnv env("LV_DEVICE", "tpu");
    lv_context *ctx = reinterpret_cast<lv_context *>(0x1);
    EXPECT_EQ(lv_context_create(nullptr, &ctx), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(ctx, reinterpret_cast<lv_context *>(0x1)) << "out written on failure";
    std::string msg = lv_last_error();
    EXPECT_NE(msg.find("LV_DEVICE"), std::string::npos) << msg;
    EXPECT_NE(msg.find("tpu"), std::string::npos) << msg;
}

TEST(Context, CudaRequestWithoutDeviceIsUnsupported)
{
    if (lv_cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present: not applicable";
    ScopedEnv env("LV_DEVICE", nullptr);
    lv_context_params p = params_for(LV_DEVICE_CUDA);
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&p, &ctx), LV_ERR_UNSUPPORTED);
    EXPECT_EQ(ctx, nullptr);
    std::string msg = lv_last_error();
    EXPECT_NE(msg.find("CUDA"), std::string::npos) << msg;

    /* The same through the environment. */
    ScopedEnv cuda("LV_DEVICE", "cuda");
    EXPECT_EQ(lv_context_create(nullptr, &ctx), LV_ERR_UNSUPPORTED);
    EXPECT_EQ(ctx, nullptr);
    msg = lv_last_error();
    EXPECT_NE(msg.find("CUDA"), std::string::npos) << msg;
}

TEST(Context, CudaDeviceCountNeverFails)
{
    int32_t n = lv_cuda_device_count();
    EXPECT_GE(n, 0);
    EXPECT_EQ(lv_cuda_device_count(), n) << "stable across calls";
}

TEST(Context, WrongParamsSizeIsRejected)
{
    for (size_t size : {size_t(0), sizeof(lv_context_params) - 1, sizeof(lv_context_params) + 8}) {
        lv_context_params p = params_for(LV_DEVICE_CPU);
        p.size = size;
        lv_context *ctx = nullptr;
        EXPECT_EQ(lv_context_create(&p, &ctx), LV_ERR_INVALID_ARGUMENT) << size;
        EXPECT_EQ(ctx, nullptr);
        std::string msg = lv_last_error();
        EXPECT_NE(msg.find("lv_context_params.size"), std::string::npos) << msg;
    }
}

TEST(Context, InvalidDeviceValueIsRejected)
{
    lv_context_params p = params_for(static_cast<lv_device>(7));
    lv_context *ctx = nullptr;
    EXPECT_EQ(lv_context_create(&p, &ctx), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_NE(std::string(lv_last_error()).find("device"), std::string::npos) << lv_last_error();
}

TEST(Context, NullOutIsRejected)
{
    EXPECT_EQ(lv_context_create(nullptr, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("out"), std::string::npos) << lv_last_error();
}

TEST(Context, DestroyNullAndNullAccessors)
{
    lv_context_destroy(nullptr);
    EXPECT_EQ(lv_context_device(nullptr), LV_DEVICE_CPU);
    EXPECT_STREQ(lv_context_backend_name(nullptr), "cpu");
    EXPECT_EQ(lv_context_threads(nullptr), 1u);
}

TEST(HostMemory, AllocWriteReadFreeOnCpu)
{
    lv_context_params p = params_for(LV_DEVICE_CPU, 1);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
    for (size_t bytes : {size_t(0), size_t(1), size_t(4096), size_t(1) << 20}) {
        void *mem = nullptr;
        ASSERT_EQ(lv_host_alloc(h.ctx, bytes, &mem), LV_OK) << lv_last_error();
        ASSERT_NE(mem, nullptr) << bytes;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(mem) % 64, 0u) << "64-byte aligned";
        auto *b = static_cast<unsigned char *>(mem);
        for (size_t i = 0; i < bytes; i++)
            b[i] = (unsigned char)(i * 31u);
        for (size_t i = 0; i < bytes; i++)
            ASSERT_EQ(b[i], (unsigned char)(i * 31u));
        lv_host_free(h.ctx, mem);
    }
    lv_host_free(h.ctx, nullptr); /* no-op */
}

TEST(HostMemory, NullArgumentsAreRejected)
{
    void *mem = nullptr;
    EXPECT_EQ(lv_host_alloc(nullptr, 16, &mem), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("lv_host_alloc"), std::string::npos);
    lv_context_params p = params_for(LV_DEVICE_CPU, 1);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
    EXPECT_EQ(lv_host_alloc(h.ctx, 16, nullptr), LV_ERR_INVALID_ARGUMENT);
}

TEST(Saxpy, CpuMatchesFmaLoopBitForBit)
{
    const uint64_t sizes[] = {0, 1, 7, 1000, 1000000};
    const float a = 1.7320508f;
    for (uint32_t threads : {1u, 2u}) {
        lv_context_params p = params_for(LV_DEVICE_CPU, threads);
        ContextHolder h;
        ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
        for (uint64_t n : sizes) {
            std::vector<float> x = random_floats(n, 11 + (uint32_t)n);
            std::vector<float> y = random_floats(n, 29 + (uint32_t)n);
            std::vector<float> out(n, -1.0f);
            ASSERT_EQ(lv_saxpy(h.ctx, n, a, x.data(), y.data(), out.data()), LV_OK)
                << lv_last_error();
            EXPECT_EQ(first_difference(out, fma_reference(a, x, y)), -1)
                << "n=" << n << " threads=" << threads;
        }
    }
}

TEST(Saxpy, ComparisonDistinguishesFusedFromUnfused)
{
    /* Guards the test above: on these inputs a * x + y rounded twice differs from fmaf in many
     * elements, so bit equality really shows that the fused operation ran. */
    const uint64_t n = 100000;
    const float a = 1.7320508f;
    std::vector<float> x = random_floats(n, 3), y = random_floats(n, 5);
    std::vector<float> fused = fma_reference(a, x, y);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        volatile float product = a * x[i]; /* force the product's own rounding */
        if (bits(product + y[i]) != bits(fused[i])) differ++;
    }
    EXPECT_GT(differ, n / 100);
}

TEST(Saxpy, OutputMayAliasAnInput)
{
    const uint64_t n = 200003; /* several CPU tasks, last one partial */
    const float a = -0.3f;
    std::vector<float> x = random_floats(n, 41), y = random_floats(n, 43);
    std::vector<float> want = fma_reference(a, x, y);
    lv_context_params p = params_for(LV_DEVICE_CPU, 2);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();

    std::vector<float> ax = x;
    ASSERT_EQ(lv_saxpy(h.ctx, n, a, ax.data(), y.data(), ax.data()), LV_OK) << lv_last_error();
    EXPECT_EQ(first_difference(ax, want), -1) << "out == x";

    std::vector<float> ay = y;
    ASSERT_EQ(lv_saxpy(h.ctx, n, a, x.data(), ay.data(), ay.data()), LV_OK) << lv_last_error();
    EXPECT_EQ(first_difference(ay, want), -1) << "out == y";
}

TEST(Saxpy, ConcurrentCallsOnOneContext)
{
    /* A context may be shared: its pool runs one loop at a time, the others wait. */
    lv_context_params p = params_for(LV_DEVICE_CPU, 2);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
    const uint64_t n = 300000;
    std::vector<float> x = random_floats(n, 7), y = random_floats(n, 9);
    std::vector<float> want = fma_reference(2.5f, x, y);
    std::vector<std::vector<float>> outs(4, std::vector<float>(n));
    std::vector<lv_status> st(4, LV_ERR_INTERNAL);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < outs.size(); t++)
        threads.emplace_back(
            [&, t] { st[t] = lv_saxpy(h.ctx, n, 2.5f, x.data(), y.data(), outs[t].data()); });
    for (std::thread &t : threads)
        t.join();
    for (size_t t = 0; t < outs.size(); t++) {
        EXPECT_EQ(st[t], LV_OK);
        EXPECT_EQ(first_difference(outs[t], want), -1) << "thread " << t;
    }
}

TEST(Saxpy, NullArguments)
{
    float v[4] = {1, 2, 3, 4}, out[4];
    EXPECT_EQ(lv_saxpy(nullptr, 4, 1.0f, v, v, out), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("ctx"), std::string::npos) << lv_last_error();

    lv_context_params p = params_for(LV_DEVICE_CPU, 1);
    ContextHolder h;
    ASSERT_EQ(lv_context_create(&p, &h.ctx), LV_OK) << lv_last_error();
    struct Case {
        const float *x, *y;
        float *out;
        const char *name;
    } cases[] = {{nullptr, v, out, "x is NULL"},
                 {v, nullptr, out, "y is NULL"},
                 {v, v, nullptr, "out is NULL"}};
    for (const Case &c : cases) {
        EXPECT_EQ(lv_saxpy(h.ctx, 4, 1.0f, c.x, c.y, c.out), LV_ERR_INVALID_ARGUMENT) << c.name;
        std::string msg = lv_last_error();
        EXPECT_NE(msg.find("lv_saxpy"), std::string::npos) << msg;
        EXPECT_NE(msg.find(c.name), std::string::npos) << msg;
    }
    /* n == 0 touches nothing, so NULL arrays are fine. */
    EXPECT_EQ(lv_saxpy(h.ctx, 0, 1.0f, nullptr, nullptr, nullptr), LV_OK);
}

TEST(Status, EveryStatusHasItsOwnString)
{
    std::vector<std::string> seen;
    for (int s = LV_OK; s <= LV_ERR_INTERNAL; s++) {
        const char *text = lv_status_string(static_cast<lv_status>(s));
        ASSERT_NE(text, nullptr);
        EXPECT_GT(std::strlen(text), 0u) << s;
        EXPECT_STRNE(text, "unknown status") << s;
        for (const std::string &other : seen)
            EXPECT_NE(other, text) << s;
        seen.emplace_back(text);
    }
    EXPECT_STREQ(lv_status_string(LV_OK), "ok");
    EXPECT_STREQ(lv_status_string(static_cast<lv_status>(LV_ERR_INTERNAL + 1)), "unknown status");
    EXPECT_STREQ(lv_status_string(static_cast<lv_status>(-1)), "unknown status");
}

TEST(Version, MatchesHeader)
{
    EXPECT_STREQ(lv_version(), LV_VERSION_STRING);
    EXPECT_EQ(lv_version_number(), (uint32_t)LV_VERSION_NUMBER);
    EXPECT_EQ(LV_VERSION_NUMBER,
              LV_VERSION_MAJOR * 10000 + LV_VERSION_MINOR * 100 + LV_VERSION_PATCH);
}

TEST(LastError, NamesTheCheckAndIsPerThread)
{
    lv_context_params p = params_for(LV_DEVICE_CPU);
    p.size = 3;
    lv_context *ctx = nullptr;
    ASSERT_EQ(lv_context_create(&p, &ctx), LV_ERR_INVALID_ARGUMENT);
    std::string msg = lv_last_error();
    EXPECT_NE(msg.find("lv_context_params.size is 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(sizeof(lv_context_params))), std::string::npos) << msg;

    /* Another thread has its own (empty) message and its failures do not touch this one's. */
    std::string other_before, other_after;
    std::thread t([&] {
        other_before = lv_last_error();
        float v = 0;
        (void)lv_saxpy(nullptr, 1, 1.0f, &v, &v, &v);
        other_after = lv_last_error();
    });
    t.join();
    EXPECT_EQ(other_before, "");
    EXPECT_NE(other_after.find("lv_saxpy: ctx is NULL"), std::string::npos) << other_after;
    EXPECT_EQ(std::string(lv_last_error()), msg);
}
