/* decode_test.cpp - base64, zlib, MS-Numpress and the array decoding chain.
 *
 * The numpress decoders are checked bit for bit against libmsnumpress (the reference C++
 * library) on arrays it encodes, on corrupted streams, and on the numpress arrays of real files;
 * those comparisons are skipped when the tests are built without libmsnumpress. */
#include <gtest/gtest.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/base64.h"
#include "io/decode.h"
#include "test_support.h"

#ifdef LV_HAVE_MSNUMPRESS
#include <libmsnumpress/MSNumpress.hpp>
namespace np = ms::numpress::MSNumpress;
#endif

namespace
{

using Bytes = std::vector<uint8_t>;

/* ---- helpers --------------------------------------------------------------------------- */

/* An independent base64 encoder (the library's encoder is not part of this test). */
std::string b64(const uint8_t *s, size_t n)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string o;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = uint32_t(s[i]) << 16 | uint32_t(s[i + 1]) << 8 | s[i + 2];
        o += A[v >> 18];
        o += A[(v >> 12) & 63];
        o += A[(v >> 6) & 63];
        o += A[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = uint32_t(s[i]) << 16;
        o += A[v >> 18];
        o += A[(v >> 12) & 63];
        o += "==";
    } else if (n - i == 2) {
        uint32_t v = uint32_t(s[i]) << 16 | uint32_t(s[i + 1]) << 8;
        o += A[v >> 18];
        o += A[(v >> 12) & 63];
        o += A[(v >> 6) & 63];
        o += '=';
    }
    return o;
}
std::string b64(const Bytes &b)
{
    return b64(b.data(), b.size());
}

/* Inserts whitespace at random places (including the very start, the end and inside '='s). */
std::string sprinkle(const std::string &s, std::mt19937_64 &rng, double rate)
{
    static const char ws[] = {' ', '\t', '\r', '\n'};
    std::bernoulli_distribution insert(rate);
    std::string o;
    for (size_t i = 0; i <= s.size(); i++) {
        while (insert(rng))
            o += ws[rng() % 4];
        if (i < s.size()) o += s[i];
    }
    return o;
}

Bytes random_bytes(std::mt19937_64 &rng, size_t n)
{
    Bytes b(n);
    for (auto &x : b)
        x = uint8_t(rng());
    return b;
}

/* Decodes with lv_base64_decode into an exactly sized heap buffer (ASan sees any overrun). */
lv_status decode_b64(const std::string &s, Bytes *out)
{
    std::vector<char> in(s.begin(), s.end()); /* exact size: reads past the end are caught */
    std::vector<uint8_t> buf(lv_base64_decoded_bound(s.size()));
    size_t n = 12345;
    lv_status st = lv_base64_decode(in.data(), in.size(), buf.data(), &n);
    if (st == LV_OK) {
        EXPECT_LE(n, buf.size());
        out->assign(buf.begin(), buf.begin() + long(n));
    }
    return st;
}

Bytes zcompress(const Bytes &b, int level = 6)
{
    uLongf n = compressBound(uLong(b.size()));
    Bytes o(n);
    EXPECT_EQ(compress2(o.data(), &n, b.data(), uLong(b.size()), level), Z_OK);
    o.resize(n);
    return o;
}

/* zlib's own inflate, for reference outputs of unknown size. */
[[maybe_unused]] bool zinflate(const Bytes &in, Bytes *out)
{
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return false;
    out->clear();
    z.next_in = const_cast<Bytef *>(in.data());
    z.avail_in = uInt(in.size());
    uint8_t chunk[65536];
    int r;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        r = inflate(&z, Z_NO_FLUSH);
        if (r != Z_OK && r != Z_STREAM_END) break;
        out->insert(out->end(), chunk, chunk + (sizeof chunk - z.avail_out));
    } while (r != Z_STREAM_END);
    inflateEnd(&z);
    return r == Z_STREAM_END;
}

template <class T> Bytes as_bytes(const std::vector<T> &v)
{
    Bytes b(v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
    return b;
}

bool same_bits(const double *a, const double *b, size_t n)
{
    return n == 0 || std::memcmp(a, b, n * sizeof(double)) == 0;
}

std::string last_error()
{
    return lv_last_error();
}

/* ---- base64 ------------------------------------------------------------------------------ */

TEST(Base64, Rfc4648Vectors)
{
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        Bytes out;
        ASSERT_EQ(decode_b64(enc[i], &out), LV_OK) << enc[i] << ": " << last_error();
        EXPECT_EQ(std::string(out.begin(), out.end()), plain[i]);
    }
}

TEST(Base64, RoundTripAllLengths)
{
    std::mt19937_64 rng(1);
    for (size_t n = 0; n < 300; n++) {
        Bytes in = random_bytes(rng, n), out;
        ASSERT_EQ(decode_b64(b64(in), &out), LV_OK) << n << ": " << last_error();
        EXPECT_EQ(out, in) << n;
    }
    for (size_t n : {4095u, 4096u, 4097u, 100000u, 1000001u}) {
        Bytes in = random_bytes(rng, n), out;
        ASSERT_EQ(decode_b64(b64(in), &out), LV_OK) << last_error();
        EXPECT_EQ(out, in) << n;
    }
}

TEST(Base64, WhitespaceAnywhere)
{
    std::mt19937_64 rng(2);
    for (int rep = 0; rep < 2000; rep++) {
        size_t n = rng() % 200;
        Bytes in = random_bytes(rng, n), out;
        std::string s = sprinkle(b64(in), rng, rep % 2 ? 0.05 : 0.5);
        ASSERT_EQ(decode_b64(s, &out), LV_OK) << s << ": " << last_error();
        EXPECT_EQ(out, in);
    }
    /* Line-wrapped at 76 columns with CRLF, as some writers do. */
    Bytes in = random_bytes(rng, 100000), out;
    std::string s = b64(in), w;
    for (size_t i = 0; i < s.size(); i += 76)
        w += s.substr(i, 76) + "\r\n";
    ASSERT_EQ(decode_b64(w, &out), LV_OK) << last_error();
    EXPECT_EQ(out, in);
    EXPECT_EQ(decode_b64("Zm9v\n Y g =\t=\r\n", &out), LV_OK) << last_error();
    EXPECT_EQ(std::string(out.begin(), out.end()), "foob");
}

TEST(Base64, EmptyAndWhitespaceOnly)
{
    size_t n = 99;
    uint8_t buf[3];
    EXPECT_EQ(lv_base64_decode(nullptr, 0, nullptr, &n), LV_OK);
    EXPECT_EQ(n, 0u);
    n = 99;
    EXPECT_EQ(lv_base64_decode(" \r\n\t ", 5, buf, &n), LV_OK);
    EXPECT_EQ(n, 0u);
}

TEST(Base64, StaysWithinBound)
{
    /* Output exactly lv_base64_decoded_bound() bytes long plus canaries: nothing past it. */
    std::mt19937_64 rng(3);
    for (size_t n = 0; n < 100; n++) {
        std::string s = b64(random_bytes(rng, n));
        size_t bound = lv_base64_decoded_bound(s.size());
        Bytes buf(bound + 16, 0xA5);
        size_t got;
        ASSERT_EQ(lv_base64_decode(s.data(), s.size(), buf.data(), &got), LV_OK);
        EXPECT_EQ(got, n);
        for (size_t i = bound; i < buf.size(); i++)
            ASSERT_EQ(buf[i], 0xA5) << "wrote past the bound at n=" << n;
    }
}

struct B64Err {
    const char *in;
    const char *msg; /* substring of the message */
};

TEST(Base64, Errors)
{
    const B64Err cases[] = {
        {"Zm9v!m9v", "invalid character '!' (0x21) at byte 4"},
        {"Zm9vZm9v\x80", "invalid character 0x80 at byte 8"},
        {"Zm9vZm9v\x01m9v", "invalid character 0x01 at byte 8"},
        {"Zm9vY", "ended mid-quantum (1 of 4"},
        {"Zm9vYm", "ended mid-quantum (2 of 4"},
        {"Zm9vYmE", "ended mid-quantum (3 of 4"},
        {"Zg=", "ended mid-quantum (one '=' at byte 2"},
        {"Zg= \n", "ended mid-quantum (one '=' at byte 2"},
        {"=Zg=", "misplaced '=' padding at byte 0"},
        {"Z===", "misplaced '=' padding at byte 1"},
        {"Zm9v=", "misplaced '=' padding at byte 4"},
        {"Zm8==", "misplaced '=' padding at byte 4"},
        {"Zg=A", "misplaced '=' padding at byte 2 (followed by data at byte 3)"},
        {"Zg==Zg==", "data after the final '=' padding at byte 4"},
        {"Zm8=Zm8=", "data after the final '=' padding at byte 4"},
        {"Zm8= x", "data after the final '=' padding at byte 5"},
        {"Zm8= !", "invalid character '!' (0x21) at byte 5"},
        {"Zg=!", "invalid character '!' (0x21) at byte 3"},
        {"Zm9v-_", "invalid character '-' (0x2d) at byte 4"},
    };
    for (const auto &c : cases) {
        Bytes out;
        EXPECT_EQ(decode_b64(c.in, &out), LV_ERR_BASE64) << c.in;
        EXPECT_NE(last_error().find(c.msg), std::string::npos)
            << "input '" << c.in << "' gave: " << last_error();
        EXPECT_EQ(last_error().rfind("base64: ", 0), 0u) << last_error();
    }
    /* An error deep inside the fast path reports its own offset. */
    std::mt19937_64 rng(4);
    std::string s = b64(random_bytes(rng, 30000));
    s[12345] = '*';
    Bytes out;
    EXPECT_EQ(decode_b64(s, &out), LV_ERR_BASE64);
    EXPECT_NE(last_error().find("'*' (0x2a) at byte 12345"), std::string::npos) << last_error();
}

/* Decodes s with both decoders (the vector path where the CPU has one, and the scalar reference)
 * into bound-sized buffers followed by canaries; both must agree in everything observable. */
void expect_same_as_scalar(const std::string &s, const char *what)
{
    const size_t bound = lv_base64_decoded_bound(s.size());
    const size_t canary = 40;
    std::vector<char> in(s.begin(), s.end());
    Bytes a(bound + canary, 0xA5), b(bound + canary, 0xA5);
    size_t na = 777, nb = 777;
    lv_status sa = lv_base64_decode(in.data(), in.size(), a.data(), &na);
    std::string ea = sa == LV_OK ? "" : last_error();
    lv_status sb = lv_base64_decode_scalar(in.data(), in.size(), b.data(), &nb);
    std::string eb = sb == LV_OK ? "" : last_error();
    ASSERT_EQ(sa, sb) << what << " len " << s.size();
    ASSERT_EQ(ea, eb) << what << " len " << s.size(); /* message, hence offset, included */
    for (size_t k = bound; k < a.size(); k++)
        ASSERT_EQ(a[k], 0xA5) << what << ": write past the bound at " << k;
    if (sa != LV_OK) return;
    ASSERT_EQ(na, nb) << what << " len " << s.size();
    ASSERT_EQ(0, std::memcmp(a.data(), b.data(), na)) << what << " len " << s.size();
}

TEST(Base64, VectorPathMatchesScalar)
{
    std::mt19937_64 rng(64);
    static const char ws[] = {' ', '\t', '\r', '\n'};
    static const char bad[] = {'!', '-', '_', '*', '=', '\x80', '\xff', '\x01', '\0',   '@',
                               '[', '`', '{', ':', '.', ',',    '\x7f', '\x0b', '\x2c', '\x2e'};
    auto pos = [&](size_t len) -> size_t {
        if (len == 0) return 0;
        /* Half the time near a 32-character block edge (from the start of the input). */
        if (rng() % 2) {
            size_t edge = (rng() % (len / 32 + 1)) * 32 + rng() % 3;
            size_t p = edge >= 1 ? edge - 1 : 0;
            return std::min(p, len);
        }
        return rng() % (len + 1);
    };
    auto variants = [&](const std::string &enc, const char *what) {
        expect_same_as_scalar(enc, what);
        for (int rep = 0; rep < 4; rep++) {
            std::string w = enc; /* whitespace only: still valid */
            for (int k = int(rng() % 4); k >= 0; k--)
                w.insert(pos(w.size()), 1, ws[rng() % 4]);
            expect_same_as_scalar(w, "whitespace");
            std::string x = w; /* one bad character, inserted or replacing */
            size_t p = pos(x.size());
            char c = bad[rng() % sizeof bad];
            if (rng() % 2 && p < x.size())
                x[p] = c;
            else
                x.insert(p, 1, c);
            expect_same_as_scalar(x, "invalid");
            std::string t = w.substr(0, rng() % (w.size() + 1)); /* truncated */
            expect_same_as_scalar(t, "truncated");
        }
    };
    /* Every input length 0..300: encodings of random bytes, and arbitrary digit strings. */
    for (size_t len = 0; len <= 300; len++) {
        std::string digits(len, 'A');
        static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (auto &ch : digits)
            ch = A[rng() % 64];
        variants(digits, "digits");
        variants(b64(random_bytes(rng, len)), "encoded");
    }
    /* Every byte value at every position of the first two blocks. */
    std::string base = b64(random_bytes(rng, 60));
    for (size_t p = 0; p < 70; p++)
        for (int c = 0; c < 256; c++) {
            std::string x = base;
            x.insert(p, 1, char(c));
            expect_same_as_scalar(x, "byte sweep");
        }
    /* Long inputs: plain, line-wrapped, with a late error. */
    for (int rep = 0; rep < 3; rep++) {
        std::string enc = b64(random_bytes(rng, 100000 + rng() % 64));
        expect_same_as_scalar(enc, "long");
        std::string wrapped;
        for (size_t k = 0; k < enc.size(); k += 76)
            wrapped += enc.substr(k, 76) + "\r\n";
        expect_same_as_scalar(wrapped, "long wrapped");
        std::string x = enc;
        x[x.size() - 1 - rng() % 200] = bad[rng() % sizeof bad];
        expect_same_as_scalar(x, "long invalid");
        variants(enc, "long variants");
    }
    /* The vector path must also agree with the independent encoder on valid input. */
    Bytes raw = random_bytes(rng, 5000), out;
    ASSERT_EQ(decode_b64(b64(raw), &out), LV_OK);
    EXPECT_EQ(out, raw);
}

TEST(Base64, NullArguments)
{
    uint8_t buf[8];
    size_t n;
    EXPECT_EQ(lv_base64_decode("Zm9v", 4, buf, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_base64_decode(nullptr, 4, buf, &n), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_base64_decode("Zm9v", 4, nullptr, &n), LV_ERR_INVALID_ARGUMENT);
}

/* ---- zlib -------------------------------------------------------------------------------- */

TEST(Zlib, KnownAnswerExactAndGrowing)
{
    std::mt19937_64 rng(5);
    for (size_t n : {1u, 7u, 1000u, 65536u, 1000000u}) {
        Bytes plain = random_bytes(rng, n);
        for (size_t i = 0; i < n; i += 3)
            plain[i] = 0; /* somewhat compressible */
        Bytes z = zcompress(plain);
        uint8_t *buf = nullptr;
        size_t cap = 0, got = 0;
        ASSERT_EQ(lv_zlib_inflate(z.data(), z.size(), n, &buf, &cap, &got), LV_OK) << last_error();
        ASSERT_EQ(got, n);
        EXPECT_EQ(std::memcmp(buf, plain.data(), n), 0);
        free(buf);
        buf = nullptr;
        cap = 0;
        ASSERT_EQ(lv_zlib_inflate(z.data(), z.size(), 0, &buf, &cap, &got), LV_OK) << last_error();
        ASSERT_EQ(got, n);
        EXPECT_GE(cap, n);
        EXPECT_EQ(std::memcmp(buf, plain.data(), n), 0);
        free(buf);
    }
    /* Highly compressible: many doublings from the 4x guess, starting from a reused buffer. */
    Bytes zeros(20u << 20, 0);
    Bytes z = zcompress(zeros, 9);
    size_t cap = 16, got = 0;
    uint8_t *buf = static_cast<uint8_t *>(malloc(cap));
    ASSERT_EQ(lv_zlib_inflate(z.data(), z.size(), 0, &buf, &cap, &got), LV_OK) << last_error();
    EXPECT_EQ(got, zeros.size());
    EXPECT_EQ(std::memcmp(buf, zeros.data(), got), 0);
    /* The grown buffer is reused without reallocation. */
    uint8_t *before = buf;
    ASSERT_EQ(lv_zlib_inflate(z.data(), z.size(), 0, &buf, &cap, &got), LV_OK);
    EXPECT_EQ(buf, before);
    free(buf);
}

TEST(Zlib, EmptyStreamAndTrailingBytes)
{
    Bytes z = zcompress(Bytes{});
    uint8_t *buf = nullptr;
    size_t cap = 0, got = 99;
    ASSERT_EQ(lv_zlib_inflate(z.data(), z.size(), 0, &buf, &cap, &got), LV_OK) << last_error();
    EXPECT_EQ(got, 0u);
    Bytes plain{1, 2, 3, 4, 5};
    Bytes z2 = zcompress(plain);
    z2.push_back(0xff);
    z2.push_back(0x00);
    ASSERT_EQ(lv_zlib_inflate(z2.data(), z2.size(), 5, &buf, &cap, &got), LV_OK) << last_error();
    EXPECT_EQ(got, 5u);
    EXPECT_EQ(Bytes(buf, buf + 5), plain);
    free(buf);
}

TEST(Zlib, ExactSizeNeverReallocatesCallerBuffer)
{
    Bytes plain(1000);
    for (size_t i = 0; i < plain.size(); i++)
        plain[i] = uint8_t(i * 7);
    Bytes z = zcompress(plain);
    uint8_t stack_buf[1000];
    uint8_t *p = stack_buf;
    size_t cap = sizeof stack_buf, got = 0;
    ASSERT_EQ(lv_zlib_inflate(z.data(), z.size(), 1000, &p, &cap, &got), LV_OK) << last_error();
    EXPECT_EQ(p, stack_buf);
    EXPECT_EQ(std::memcmp(stack_buf, plain.data(), 1000), 0);
    /* Size mismatches also leave it alone, and report both sizes. */
    got = 0;
    EXPECT_EQ(lv_zlib_inflate(z.data(), z.size(), 999, &p, &cap, &got), LV_ERR_ARRAY_LENGTH);
    EXPECT_EQ(p, stack_buf);
    EXPECT_EQ(got, 1000u);
    EXPECT_NE(last_error().find("inflated to 1000 bytes, expected 999"), std::string::npos)
        << last_error();
    Bytes z2 = zcompress(Bytes(plain.begin(), plain.begin() + 600));
    got = 0;
    EXPECT_EQ(lv_zlib_inflate(z2.data(), z2.size(), 1000, &p, &cap, &got), LV_ERR_ARRAY_LENGTH);
    EXPECT_EQ(p, stack_buf);
    EXPECT_EQ(got, 600u);
    EXPECT_NE(last_error().find("inflated to 600 bytes, expected 1000"), std::string::npos)
        << last_error();
}

TEST(Zlib, CorruptData)
{
    Bytes plain(5000, 'x');
    for (size_t i = 0; i < plain.size(); i += 5)
        plain[i] = uint8_t(i);
    Bytes z = zcompress(plain);
    uint8_t *buf = nullptr;
    size_t cap = 0, got;
    for (size_t expect : {size_t(0), plain.size()}) {
        /* Truncated. */
        EXPECT_EQ(lv_zlib_inflate(z.data(), z.size() / 2, expect, &buf, &cap, &got), LV_ERR_ZLIB);
        EXPECT_NE(last_error().find("zlib: data corrupt"), std::string::npos) << last_error();
        /* Bad header, bad Adler-32. */
        Bytes bad = z;
        bad[0] ^= 0xff;
        EXPECT_EQ(lv_zlib_inflate(bad.data(), bad.size(), expect, &buf, &cap, &got), LV_ERR_ZLIB);
        bad = z;
        bad.back() ^= 1;
        EXPECT_EQ(lv_zlib_inflate(bad.data(), bad.size(), expect, &buf, &cap, &got), LV_ERR_ZLIB);
        /* Empty input. */
        EXPECT_EQ(lv_zlib_inflate(z.data(), 0, expect, &buf, &cap, &got), LV_ERR_ZLIB);
    }
    /* Random garbage never crashes. */
    std::mt19937_64 rng(6);
    for (int i = 0; i < 500; i++) {
        Bytes g = z;
        g[2 + rng() % (g.size() - 2)] ^= uint8_t(1 + rng() % 255);
        lv_status st =
            lv_zlib_inflate(g.data(), g.size(), i % 2 ? plain.size() : 0, &buf, &cap, &got);
        EXPECT_TRUE(st == LV_OK || st == LV_ERR_ZLIB || st == LV_ERR_ARRAY_LENGTH) << st;
    }
    free(buf);
    EXPECT_EQ(lv_zlib_inflate(nullptr, 4, 0, &buf, &cap, &got), LV_ERR_INVALID_ARGUMENT);
}

TEST(Zlib, RefusesOutputBeyondOneGiB)
{
    /* 1 GiB + 1 MiB of zeros deflates to about 1 MB. */
    z_stream zs{};
    ASSERT_EQ(deflateInit(&zs, 1), Z_OK);
    Bytes zeros(1 << 20, 0), out;
    uint8_t chunk[1 << 16];
    for (int i = 0; i < 1025; i++) {
        zs.next_in = zeros.data();
        zs.avail_in = uInt(zeros.size());
        int flush = i == 1024 ? Z_FINISH : Z_NO_FLUSH;
        do {
            zs.next_out = chunk;
            zs.avail_out = sizeof chunk;
            deflate(&zs, flush);
            out.insert(out.end(), chunk, chunk + (sizeof chunk - zs.avail_out));
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    uint8_t *buf = nullptr;
    size_t cap = 0, got;
    EXPECT_EQ(lv_zlib_inflate(out.data(), out.size(), 0, &buf, &cap, &got), LV_ERR_ZLIB);
    EXPECT_NE(last_error().find("inflated size exceeds the 1024 MiB limit"), std::string::npos)
        << last_error();
    free(buf);
}

TEST(Zlib, ThreadsEachUseTheirOwnDecompressor)
{
    std::mt19937_64 rng(7);
    std::vector<Bytes> plains, zs;
    for (int i = 0; i < 4; i++) {
        Bytes p = random_bytes(rng, 50000 + 1000 * size_t(i));
        for (size_t j = 0; j < p.size(); j += 2)
            p[j] = 0;
        zs.push_back(zcompress(p));
        plains.push_back(std::move(p));
    }
    std::vector<int> failures(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([&, t] {
            uint8_t *buf = nullptr;
            size_t cap = 0, got = 0;
            for (int rep = 0; rep < 50; rep++) {
                const Bytes &p = plains[size_t(t + rep) % 4];
                const Bytes &z = zs[size_t(t + rep) % 4];
                lv_status st =
                    lv_zlib_inflate(z.data(), z.size(), rep % 2 ? p.size() : 0, &buf, &cap, &got);
                if (st != LV_OK || got != p.size() || std::memcmp(buf, p.data(), got) != 0)
                    failures[size_t(t)]++;
            }
            free(buf);
        });
    }
    for (auto &th : threads)
        th.join();
    EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(Zlib, LongerThanDeclaredAndCorrupt)
{
    /* Inflates past the declared size before the bad Adler-32 shows: the corruption is what
     * gets reported, since the real size cannot be known. */
    Bytes plain(3000, 9);
    Bytes z = zcompress(plain);
    z.back() ^= 1;
    uint8_t *buf = nullptr;
    size_t cap = 0, got;
    EXPECT_EQ(lv_zlib_inflate(z.data(), z.size(), 1000, &buf, &cap, &got), LV_ERR_ZLIB);
    EXPECT_NE(last_error().find("zlib: data corrupt"), std::string::npos) << last_error();
    /* Shorter than declared, and corrupt. */
    EXPECT_EQ(lv_zlib_inflate(z.data(), z.size(), 5000, &buf, &cap, &got), LV_ERR_ZLIB);
    EXPECT_NE(last_error().find("zlib: data corrupt"), std::string::npos) << last_error();
    free(buf);
}

/* ---- numpress: hand-made streams (no reference library needed) -------------------------- */

TEST(Numpress, MaxValues)
{
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_LINEAR, 0), 0u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_LINEAR, 8), 0u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_LINEAR, 12), 1u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_LINEAR, 16), 2u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_LINEAR, 17), 4u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_PIC, 5), 10u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_SLOF, 7), 0u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_SLOF, 12), 2u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_NONE, 100), 0u);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_PIC, SIZE_MAX), SIZE_MAX);
    EXPECT_EQ(lv_numpress_max_values(LV_NUMPRESS_LINEAR, SIZE_MAX), SIZE_MAX);
}

/* Fixed point 1.0 (big-endian double), values 5 and 7, then two zero residuals (0x88). */
const Bytes kLinear = {0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 0x88};

TEST(Numpress, HandMadeStreams)
{
    double out[8];
    size_t n = 0;
    ASSERT_EQ(lv_numpress_decode_linear(kLinear.data(), kLinear.size(), out, 8, &n), LV_OK);
    ASSERT_EQ(n, 4u);
    EXPECT_EQ(out[0], 5.0);
    EXPECT_EQ(out[1], 7.0);
    EXPECT_EQ(out[2], 9.0);
    EXPECT_EQ(out[3], 11.0);
    /* 0x7f: head 7, one nibble 0xf -> 15; 0xf0: head 15 (seven 0xf nibbles), 0 -> 0xfffffff0. */
    const uint8_t pic1[] = {0x7f, 0xf0, 0x88};
    ASSERT_EQ(lv_numpress_decode_pic(pic1, 3, out, 8, &n), LV_OK);
    ASSERT_EQ(n, 4u);
    EXPECT_EQ(out[0], 15.0);
    EXPECT_EQ(out[1], 4294967280.0);
    EXPECT_EQ(out[2], 0.0);
    EXPECT_EQ(out[3], 0.0);
    /* A final 0x0 low nibble is padding. */
    const uint8_t pic2[] = {0x80};
    ASSERT_EQ(lv_numpress_decode_pic(pic2, 1, out, 8, &n), LV_OK);
    EXPECT_EQ(n, 1u);
    ASSERT_EQ(lv_numpress_decode_pic(pic2, 0, out, 8, &n), LV_OK);
    EXPECT_EQ(n, 0u);
    const uint8_t slof[] = {0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    ASSERT_EQ(lv_numpress_decode_slof(slof, sizeof slof, out, 8, &n), LV_OK);
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(out[0], 0.0);
    EXPECT_EQ(out[1], std::exp(1.0) - 1.0);
}

TEST(Numpress, CorruptHandMade)
{
    double out[64];
    size_t n;
    /* decodeInt overrun: head 0 needs eight more nibbles. */
    const uint8_t pic[] = {0x00, 0x00, 0x00};
    EXPECT_EQ(lv_numpress_decode_pic(pic, 3, out, 64, &n), LV_ERR_NUMPRESS);
    EXPECT_NE(last_error().find("numpress pic: corrupt input data (decodeInt overrun at byte 0"),
              std::string::npos)
        << last_error();
    /* Final low nibble neither padding (0) nor a complete value (8). */
    const uint8_t pic81[] = {0x81};
    EXPECT_EQ(lv_numpress_decode_pic(pic81, 1, out, 64, &n), LV_ERR_NUMPRESS);
    Bytes lin = kLinear;
    lin.back() = 0x81;
    EXPECT_EQ(lv_numpress_decode_linear(lin.data(), lin.size(), out, 64, &n), LV_ERR_NUMPRESS);
    EXPECT_NE(last_error().find("decodeInt overrun at byte 16 of 17"), std::string::npos)
        << last_error();
    for (size_t len : {0u, 1u, 7u, 9u, 11u, 13u, 15u}) {
        EXPECT_EQ(lv_numpress_decode_linear(kLinear.data(), len, out, 64, &n), LV_ERR_NUMPRESS)
            << len;
        EXPECT_NE(last_error().find("numpress linear: corrupt input data"), std::string::npos);
    }
    const uint8_t slof[] = {0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    for (size_t len : {0u, 7u, 9u, 11u})
        EXPECT_EQ(lv_numpress_decode_slof(slof, len, out, 64, &n), LV_ERR_NUMPRESS) << len;
    EXPECT_NE(last_error().find("even number of bytes"), std::string::npos) << last_error();
}

TEST(Numpress, OutputRoomIsRespected)
{
    double out[4];
    size_t n;
    EXPECT_EQ(lv_numpress_decode_linear(kLinear.data(), kLinear.size(), out, 3, &n),
              LV_ERR_ARRAY_LENGTH);
    EXPECT_EQ(lv_numpress_decode_linear(kLinear.data(), 12, out, 0, &n), LV_ERR_ARRAY_LENGTH);
    EXPECT_EQ(lv_numpress_decode_linear(kLinear.data(), 16, out, 1, &n), LV_ERR_ARRAY_LENGTH);
    const uint8_t pic[] = {0x88, 0x88};
    EXPECT_EQ(lv_numpress_decode_pic(pic, 2, out, 3, &n), LV_ERR_ARRAY_LENGTH);
    EXPECT_NE(last_error().find("more than the 3 values"), std::string::npos) << last_error();
    const uint8_t slof[] = {0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    EXPECT_EQ(lv_numpress_decode_slof(slof, 12, out, 1, &n), LV_ERR_ARRAY_LENGTH);
    EXPECT_EQ(lv_numpress_decode_pic(pic, 2, nullptr, 4, &n), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_numpress_decode_pic(nullptr, 2, out, 4, &n), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_numpress_decode_slof(slof, 12, out, 4, nullptr), LV_ERR_INVALID_ARGUMENT);
}

/* ---- numpress against libmsnumpress ------------------------------------------------------- */

#ifdef LV_HAVE_MSNUMPRESS

enum class Codec { linear, pic, slof };

const char *codec_name(Codec c)
{
    return c == Codec::linear ? "linear" : c == Codec::pic ? "pic" : "slof";
}

lv_numpress codec_kind(Codec c)
{
    return c == Codec::linear ? LV_NUMPRESS_LINEAR
           : c == Codec::pic  ? LV_NUMPRESS_PIC
                              : LV_NUMPRESS_SLOF;
}

Bytes ref_encode(Codec c, const std::vector<double> &v, double fixed_point = 0)
{
    Bytes out(v.size() * 5 + 16);
    size_t n = 0;
    switch (c) {
    case Codec::linear:
        if (fixed_point == 0) fixed_point = np::optimalLinearFixedPoint(v.data(), v.size());
        n = np::encodeLinear(v.data(), v.size(), out.data(), fixed_point);
        break;
    case Codec::pic: n = np::encodePic(v.data(), v.size(), out.data()); break;
    case Codec::slof:
        if (fixed_point == 0) fixed_point = np::optimalSlofFixedPoint(v.data(), v.size());
        n = np::encodeSlof(v.data(), v.size(), out.data(), fixed_point);
        break;
    }
    out.resize(n);
    return out;
}

/* The reference decoder; false when it throws. */
bool ref_decode(Codec c, const Bytes &in, std::vector<double> *out)
{
    out->assign(lv_numpress_max_values(codec_kind(c), in.size()) + 16, 0.0);
    try {
        size_t n = 0;
        switch (c) {
        case Codec::linear: n = np::decodeLinear(in.data(), in.size(), out->data()); break;
        case Codec::pic: n = np::decodePic(in.data(), in.size(), out->data()); break;
        case Codec::slof: n = np::decodeSlof(in.data(), in.size(), out->data()); break;
        }
        out->resize(n);
        return true;
    } catch (...) {
        return false;
    }
}

/* Ours, with input and output in exactly sized heap buffers so ASan sees any overrun. */
lv_status our_decode(Codec c, const Bytes &in, std::vector<double> *out)
{
    size_t cap = lv_numpress_max_values(codec_kind(c), in.size());
    Bytes copy(in);
    std::vector<double> buf(cap);
    const uint8_t *src = copy.empty() ? nullptr : copy.data();
    double *dst = buf.empty() ? nullptr : buf.data();
    size_t n = 0;
    lv_status st = LV_ERR_INTERNAL;
    switch (c) {
    case Codec::linear: st = lv_numpress_decode_linear(src, copy.size(), dst, cap, &n); break;
    case Codec::pic: st = lv_numpress_decode_pic(src, copy.size(), dst, cap, &n); break;
    case Codec::slof: st = lv_numpress_decode_slof(src, copy.size(), dst, cap, &n); break;
    }
    if (st == LV_OK) {
        EXPECT_LE(n, cap);
        out->assign(buf.begin(), buf.begin() + long(n));
    }
    return st;
}

void expect_same_as_reference(Codec c, const Bytes &enc, const std::string &what)
{
    std::vector<double> ref, ours;
    bool ref_ok = ref_decode(c, enc, &ref);
    lv_status st = our_decode(c, enc, &ours);
    ASSERT_TRUE(ref_ok) << what << ": reference failed on a stream it encoded";
    ASSERT_EQ(st, LV_OK) << what << ": " << last_error();
    ASSERT_EQ(ours.size(), ref.size()) << what;
    EXPECT_TRUE(same_bits(ours.data(), ref.data(), ref.size())) << what;
}

std::vector<double> mz_sequence(std::mt19937_64 &rng, size_t n)
{
    std::uniform_real_distribution<double> start(100, 400), step(1e-4, 0.5);
    std::vector<double> v(n);
    double x = start(rng);
    for (size_t i = 0; i < n; i++) {
        v[i] = x;
        x = std::min(2000.0, x + step(rng) * (rng() % 50 == 0 ? 40 : 1));
    }
    return v;
}

std::vector<double> intensities(std::mt19937_64 &rng, size_t n, double huge)
{
    std::lognormal_distribution<double> ln(8, 3);
    std::vector<double> v(n);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng() % 10;
        v[i] = r < 3 ? 0.0 : r == 9 ? huge * double(rng() % 1000) / 1000 : std::min(ln(rng), huge);
    }
    return v;
}

const size_t kLengths[] = {0, 1, 2, 3, 4, 5, 7, 10, 31, 101, 1001, 100000};

TEST(NumpressReference, LinearBitIdentical)
{
    std::mt19937_64 rng(10);
    for (size_t n : kLengths) {
        auto mz = mz_sequence(rng, n);
        expect_same_as_reference(Codec::linear, ref_encode(Codec::linear, mz),
                                 "m/z n=" + std::to_string(n));
        /* The fixed point OpenMS and pwiz commonly use for m/z. */
        expect_same_as_reference(Codec::linear, ref_encode(Codec::linear, mz, 1e5),
                                 "m/z fp=1e5 n=" + std::to_string(n));
        /* Unsorted values and retention times in seconds. */
        std::vector<double> r(n);
        std::uniform_real_distribution<double> u(0, 2000);
        for (auto &x : r)
            x = u(rng);
        expect_same_as_reference(Codec::linear, ref_encode(Codec::linear, r),
                                 "random n=" + std::to_string(n));
        std::vector<double> rt(n);
        for (size_t i = 0; i < n; i++)
            rt[i] = 0.5 * double(i) + 0.01 * double(rng() % 7);
        expect_same_as_reference(Codec::linear, ref_encode(Codec::linear, rt),
                                 "rt n=" + std::to_string(n));
    }
}

TEST(NumpressReference, PicBitIdentical)
{
    std::mt19937_64 rng(11);
    for (size_t n : kLengths) {
        for (double huge : {1e4, 2.1e9}) {
            auto v = intensities(rng, n, huge);
            expect_same_as_reference(Codec::pic, ref_encode(Codec::pic, v),
                                     "pic n=" + std::to_string(n));
        }
    }
}

TEST(NumpressReference, SlofBitIdentical)
{
    std::mt19937_64 rng(12);
    for (size_t n : kLengths) {
        for (double huge : {1e4, 1e9, 1e300}) {
            auto v = intensities(rng, n, huge);
            expect_same_as_reference(Codec::slof, ref_encode(Codec::slof, v),
                                     "slof n=" + std::to_string(n));
        }
        auto v = intensities(rng, n, 1e6);
        expect_same_as_reference(Codec::slof, ref_encode(Codec::slof, v, 100.0),
                                 "slof fp=100 n=" + std::to_string(n));
    }
}

/* Ours on a (possibly corrupt) stream: an error exactly where the reference throws, otherwise
 * the reference's values bit for bit. */
void expect_agrees_on_corrupt(Codec c, const Bytes &in, const std::string &what)
{
    std::vector<double> ours, ref;
    lv_status st = our_decode(c, in, &ours);
    ASSERT_TRUE(st == LV_OK || st == LV_ERR_NUMPRESS) << what << " status " << st;
    /* libmsnumpress reads one byte past the end of odd-length slof streams; not called there. */
    if (c == Codec::slof && in.size() >= 8 && (in.size() - 8) % 2 != 0) {
        EXPECT_EQ(st, LV_ERR_NUMPRESS) << what;
        return;
    }
    bool ref_ok = ref_decode(c, in, &ref);
    ASSERT_EQ(st == LV_OK, ref_ok) << what << ": ours " << st << " (" << last_error()
                                   << "), reference " << (ref_ok ? "ok" : "threw");
    if (ref_ok) {
        ASSERT_EQ(ours.size(), ref.size()) << what;
        EXPECT_TRUE(same_bits(ours.data(), ref.data(), ref.size())) << what;
    }
}

TEST(NumpressReference, TruncationAtEveryLength)
{
    std::mt19937_64 rng(13);
    for (Codec c : {Codec::linear, Codec::pic, Codec::slof}) {
        auto v = c == Codec::linear ? mz_sequence(rng, 300) : intensities(rng, 300, 1e7);
        Bytes enc = ref_encode(c, v);
        for (size_t len = 0; len <= enc.size(); len++)
            expect_agrees_on_corrupt(c, Bytes(enc.begin(), enc.begin() + long(len)),
                                     std::string(codec_name(c)) + " truncated to " +
                                         std::to_string(len));
    }
}

TEST(NumpressReference, RandomByteFlips)
{
    std::mt19937_64 rng(14);
    for (Codec c : {Codec::linear, Codec::pic, Codec::slof}) {
        for (int rep = 0; rep < 3000; rep++) {
            size_t n = rng() % 40;
            auto v = c == Codec::linear ? mz_sequence(rng, n) : intensities(rng, n, 1e6);
            Bytes enc = ref_encode(c, v);
            if (enc.empty()) continue;
            int flips = 1 + int(rng() % 3);
            for (int f = 0; f < flips; f++)
                enc[rng() % enc.size()] ^= uint8_t(1 + rng() % 255);
            if (rng() % 4 == 0) enc.resize(rng() % (enc.size() + 1));
            expect_agrees_on_corrupt(c, enc, std::string(codec_name(c)) + " flipped");
        }
        /* Pure noise too. */
        for (int rep = 0; rep < 2000; rep++)
            expect_agrees_on_corrupt(c, random_bytes(rng, rng() % 64), "noise");
    }
}

#endif /* LV_HAVE_MSNUMPRESS */

/* ---- lv_decode_array ------------------------------------------------------------------------ */

TEST(DecodeArray, DtypeSize)
{
    EXPECT_EQ(lv_dtype_size(LV_DTYPE_F32), 4u);
    EXPECT_EQ(lv_dtype_size(LV_DTYPE_F64), 8u);
    EXPECT_EQ(lv_dtype_size(LV_DTYPE_I32), 4u);
    EXPECT_EQ(lv_dtype_size(LV_DTYPE_I64), 8u);
    EXPECT_EQ(lv_dtype_size(LV_DTYPE_ASCII), 1u);
    EXPECT_EQ(lv_dtype_size(static_cast<lv_dtype>(9)), 0u);
    lv_decode_scratch s{};
    lv_decode_scratch_free(&s);
    lv_decode_scratch_free(nullptr);
}

/* Stored bytes of a test array of n elements of type t, and the exact expected values of
 * each output type (or "not convertible"). */
struct TypedArray {
    lv_dtype type;
    Bytes bytes;
    size_t n;
};

TypedArray make_array(lv_dtype t, size_t n, std::mt19937_64 &rng)
{
    TypedArray a{t, {}, n};
    switch (t) {
    case LV_DTYPE_F32: {
        std::vector<float> v(n);
        for (auto &x : v)
            x = float(std::ldexp(double(int64_t(rng() % 2000001) - 1000000), int(rng() % 40) - 20));
        if (n > 2) v[1] = std::numeric_limits<float>::infinity();
        a.bytes = as_bytes(v);
        break;
    }
    case LV_DTYPE_F64: {
        std::vector<double> v(n);
        for (auto &x : v)
            x = 100.0 + double(rng() % 1000000007) * 1.7e-6;
        if (n > 3) v[2] = 1e300;  /* overflows f32 */
        if (n > 4) v[3] = 1e-310; /* subnormal */
        a.bytes = as_bytes(v);
        break;
    }
    case LV_DTYPE_I32: {
        std::vector<int32_t> v(n);
        for (auto &x : v)
            x = int32_t(uint32_t(rng()));
        if (n > 1) v[0] = std::numeric_limits<int32_t>::min();
        if (n > 2) v[1] = 16777217; /* not exact in f32 */
        a.bytes = as_bytes(v);
        break;
    }
    case LV_DTYPE_I64: {
        std::vector<int64_t> v(n);
        for (auto &x : v)
            x = int64_t(rng());
        if (n > 1) v[0] = (int64_t(1) << 53) + 1; /* not exact in f64 */
        if (n > 2) v[1] = -5;
        a.bytes = as_bytes(v);
        break;
    }
    case LV_DTYPE_ASCII: {
        a.bytes.resize(n);
        for (size_t i = 0; i < n; i++)
            a.bytes[i] = i % 8 == 7 ? 0 : uint8_t('a' + rng() % 26);
        break;
    }
    }
    return a;
}

/* Element i of a stored array as a double, float, int64 (by the documented rules). */
template <class T> T load(const Bytes &b, size_t i)
{
    T v;
    std::memcpy(&v, b.data() + i * sizeof(T), sizeof(T));
    return v;
}

/* Expected output bytes for converting a to `to`, or false if the pair is not allowed. */
bool expected_conversion(const TypedArray &a, lv_dtype to, Bytes *out, lv_status *why)
{
    if (a.type == to) {
        *out = a.bytes;
        return true;
    }
    if (a.type == LV_DTYPE_ASCII || to == LV_DTYPE_ASCII) {
        *why = LV_ERR_FORMAT;
        return false;
    }
    bool to_float = to == LV_DTYPE_F32 || to == LV_DTYPE_F64;
    if (!to_float && !(a.type == LV_DTYPE_I32 && to == LV_DTYPE_I64)) {
        *why = LV_ERR_INVALID_ARGUMENT;
        return false;
    }
    out->assign(a.n * lv_dtype_size(to), 0);
    for (size_t i = 0; i < a.n; i++) {
        uint8_t *d = out->data() + i * lv_dtype_size(to);
        double g = 0;
        float f = 0;
        int64_t l = 0;
        switch (a.type) {
        case LV_DTYPE_F32:
            g = load<float>(a.bytes, i);
            f = load<float>(a.bytes, i);
            break;
        case LV_DTYPE_F64:
            g = load<double>(a.bytes, i);
            f = float(g);
            break;
        case LV_DTYPE_I32:
            g = load<int32_t>(a.bytes, i);
            f = float(load<int32_t>(a.bytes, i));
            l = load<int32_t>(a.bytes, i);
            break;
        case LV_DTYPE_I64:
            g = double(load<int64_t>(a.bytes, i));
            f = float(load<int64_t>(a.bytes, i));
            break;
        case LV_DTYPE_ASCII: break;
        }
        if (to == LV_DTYPE_F64) std::memcpy(d, &g, 8);
        if (to == LV_DTYPE_F32) std::memcpy(d, &f, 4);
        if (to == LV_DTYPE_I64) std::memcpy(d, &l, 8);
    }
    return true;
}

const lv_dtype kTypes[] = {LV_DTYPE_F32, LV_DTYPE_F64, LV_DTYPE_I32, LV_DTYPE_I64, LV_DTYPE_ASCII};

TEST(DecodeArray, EveryTypeZlibAndConversion)
{
    std::mt19937_64 rng(20);
    lv_decode_scratch s{};
    for (lv_dtype from : kTypes) {
        for (size_t n : {0u, 1u, 2u, 3u, 5u, 17u, 1000u}) {
            TypedArray a = make_array(from, n, rng);
            for (int zlib = 0; zlib < 2; zlib++) {
                for (int ws = 0; ws < 2; ws++) {
                    std::string text = b64(zlib ? zcompress(a.bytes) : a.bytes);
                    if (ws) text = sprinkle(text, rng, 0.05);
                    lv_array_encoding enc{from, 1, uint8_t(zlib), LV_NUMPRESS_NONE};
                    for (lv_dtype to : kTypes) {
                        std::string what = "from " + std::to_string(from) + " to " +
                                           std::to_string(to) + " n=" + std::to_string(n) +
                                           " zlib=" + std::to_string(zlib) +
                                           " ws=" + std::to_string(ws);
                        Bytes want;
                        lv_status why = LV_OK;
                        bool ok = expected_conversion(a, to, &want, &why);
                        /* Exactly sized heap output, so ASan catches overruns. */
                        Bytes out(n * lv_dtype_size(to));
                        lv_status st = lv_decode_array(text.data(), text.size(), &enc, n, to,
                                                       out.empty() ? nullptr : out.data(), &s);
                        if (!ok) {
                            EXPECT_EQ(st, why) << what;
                            continue;
                        }
                        ASSERT_EQ(st, LV_OK) << what << ": " << last_error();
                        EXPECT_EQ(out, want) << what;
                        /* The allocating variant agrees. */
                        void *res = nullptr;
                        uint64_t got_n = 0;
                        lv_dtype got_t;
                        ASSERT_EQ(lv_decode_array_alloc(text.data(), text.size(), &enc, int(to),
                                                        &res, &got_n, &got_t, &s),
                                  LV_OK)
                            << what << ": " << last_error();
                        EXPECT_EQ(got_n, n);
                        EXPECT_EQ(got_t, to);
                        EXPECT_TRUE(n == 0 || std::memcmp(res, want.data(), want.size()) == 0)
                            << what;
                        free(res);
                    }
                    /* Stored type by default. */
                    void *res = nullptr;
                    uint64_t got_n = 0;
                    lv_dtype got_t;
                    ASSERT_EQ(lv_decode_array_alloc(text.data(), text.size(), &enc, -1, &res,
                                                    &got_n, &got_t, nullptr),
                              LV_OK)
                        << last_error();
                    EXPECT_EQ(got_t, from);
                    EXPECT_EQ(got_n, n);
                    EXPECT_TRUE(n == 0 || std::memcmp(res, a.bytes.data(), a.bytes.size()) == 0);
                    free(res);
                }
            }
        }
    }
    lv_decode_scratch_free(&s);
    EXPECT_EQ(s.a, nullptr);
    EXPECT_EQ(s.b, nullptr);
}

TEST(DecodeArray, ConversionRules)
{
    /* Spot checks of the rules with literal values. */
    std::vector<float> f{1.1f, -0.0f, 3.4e38f};
    std::string t = b64(as_bytes(f));
    lv_array_encoding enc{LV_DTYPE_F32, 1, 0, LV_NUMPRESS_NONE};
    double d[3];
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 3, LV_DTYPE_F64, d, nullptr), LV_OK);
    EXPECT_EQ(d[0], double(1.1f));
    EXPECT_TRUE(std::signbit(d[1]));
    EXPECT_EQ(d[2], double(3.4e38f));

    std::vector<double> g{0.1, 1e300, 1.0000000596046448}; /* last: halfway, rounds to even */
    t = b64(as_bytes(g));
    enc.dtype = LV_DTYPE_F64;
    float o[3];
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 3, LV_DTYPE_F32, o, nullptr), LV_OK);
    EXPECT_EQ(o[0], 0.1f);
    EXPECT_TRUE(std::isinf(o[1]));
    EXPECT_EQ(o[2], 1.0f);

    std::vector<int64_t> l{(int64_t(1) << 53) + 1, -3, (int64_t(1) << 24) + 1};
    t = b64(as_bytes(l));
    enc.dtype = LV_DTYPE_I64;
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 3, LV_DTYPE_F64, d, nullptr), LV_OK);
    EXPECT_EQ(d[0], 9007199254740992.0);
    EXPECT_EQ(d[1], -3.0);
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 3, LV_DTYPE_F32, o, nullptr), LV_OK);
    EXPECT_EQ(o[1], -3.0f);
    EXPECT_EQ(o[2], 16777216.0f);

    std::vector<int32_t> i{-7, 2147483647};
    t = b64(as_bytes(i));
    enc.dtype = LV_DTYPE_I32;
    int64_t w[2];
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 2, LV_DTYPE_I64, w, nullptr), LV_OK);
    EXPECT_EQ(w[0], -7);
    EXPECT_EQ(w[1], 2147483647);
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 2, LV_DTYPE_F64, d, nullptr), LV_OK);
    EXPECT_EQ(d[0], -7.0);
    EXPECT_EQ(d[1], 2147483647.0);

    /* Not allowed: floats to integers, narrowing integers, ASCII <-> numbers. */
    int32_t i32[3];
    enc.dtype = LV_DTYPE_F64;
    t = b64(as_bytes(g));
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 3, LV_DTYPE_I32, i32, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    enc.dtype = LV_DTYPE_I64;
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 3, LV_DTYPE_I32, i32, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    enc.dtype = LV_DTYPE_ASCII;
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 24, LV_DTYPE_F64, d, nullptr),
              LV_ERR_FORMAT);
    EXPECT_NE(last_error().find("ASCII"), std::string::npos);
    enc.dtype = LV_DTYPE_F32;
    char str[12];
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 12, LV_DTYPE_ASCII, str, nullptr),
              LV_ERR_FORMAT);
}

TEST(DecodeArray, UnknownTypeAndBadArguments)
{
    std::string t = b64(Bytes(16, 1));
    double d[2];
    lv_array_encoding enc{LV_DTYPE_F64, 0, 0, LV_NUMPRESS_NONE};
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 2, LV_DTYPE_F64, d, nullptr),
              LV_ERR_FORMAT);
    EXPECT_NE(last_error().find("no data type"), std::string::npos) << last_error();
    void *res;
    uint64_t n;
    lv_dtype ty;
    EXPECT_EQ(lv_decode_array_alloc(t.data(), t.size(), &enc, -1, &res, &n, &ty, nullptr),
              LV_ERR_FORMAT);
    enc.dtype_known = 1;
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), nullptr, 2, LV_DTYPE_F64, d, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 2, LV_DTYPE_F64, nullptr, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_decode_array(nullptr, 4, &enc, 2, LV_DTYPE_F64, d, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 2, static_cast<lv_dtype>(7), d, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, UINT64_MAX / 2, LV_DTYPE_F64, d, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_decode_array_alloc(t.data(), t.size(), &enc, 5, &res, &n, &ty, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_decode_array_alloc(t.data(), t.size(), &enc, -1, nullptr, &n, &ty, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    enc.dtype = static_cast<lv_dtype>(12);
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 2, LV_DTYPE_F64, d, nullptr),
              LV_ERR_INVALID_ARGUMENT);
    enc.dtype = LV_DTYPE_F64;
    enc.numpress = static_cast<lv_numpress>(9);
    EXPECT_EQ(lv_decode_array(t.data(), t.size(), &enc, 2, LV_DTYPE_F64, d, nullptr),
              LV_ERR_INVALID_ARGUMENT);
}

TEST(DecodeArray, LengthMismatches)
{
    std::mt19937_64 rng(21);
    lv_decode_scratch s{};
    for (int zlib = 0; zlib < 2; zlib++) {
        for (size_t n : {1u, 2u, 3u, 100u}) {
            TypedArray a = make_array(LV_DTYPE_F64, n, rng);
            std::string text = b64(zlib ? zcompress(a.bytes) : a.bytes);
            lv_array_encoding enc{LV_DTYPE_F64, 1, uint8_t(zlib), LV_NUMPRESS_NONE};
            for (lv_dtype to : {LV_DTYPE_F64, LV_DTYPE_F32}) {
                for (size_t declared : {n - 1, n + 1, n + 7}) {
                    Bytes out(declared * lv_dtype_size(to) + 1);
                    EXPECT_EQ(lv_decode_array(text.data(), text.size(), &enc, declared, to,
                                              out.data(), &s),
                              LV_ERR_ARRAY_LENGTH);
                    std::string want = "declared " + std::to_string(declared) +
                                       " elements, decoded " + std::to_string(n) + " ";
                    EXPECT_NE(last_error().find(want), std::string::npos)
                        << "zlib=" << zlib << ": " << last_error();
                }
            }
        }
        /* A byte count that is not a whole number of elements. */
        std::string text = b64(zlib ? zcompress(Bytes(13, 7)) : Bytes(13, 7));
        lv_array_encoding enc{LV_DTYPE_F64, 1, uint8_t(zlib), LV_NUMPRESS_NONE};
        double d[2];
        EXPECT_EQ(lv_decode_array(text.data(), text.size(), &enc, 2, LV_DTYPE_F64, d, &s),
                  LV_ERR_ARRAY_LENGTH);
        EXPECT_NE(last_error().find("decoded 13 bytes, not a whole number of 8-byte"),
                  std::string::npos)
            << last_error();
        void *res;
        uint64_t got_n;
        lv_dtype ty;
        EXPECT_EQ(lv_decode_array_alloc(text.data(), text.size(), &enc, -1, &res, &got_n, &ty, &s),
                  LV_ERR_ARRAY_LENGTH);
    }
    lv_decode_scratch_free(&s);
}

TEST(DecodeArray, EmptyPayloads)
{
    for (int zlib = 0; zlib < 2; zlib++) {
        for (lv_numpress k :
             {LV_NUMPRESS_NONE, LV_NUMPRESS_LINEAR, LV_NUMPRESS_PIC, LV_NUMPRESS_SLOF}) {
            lv_array_encoding enc{LV_DTYPE_F64, 1, uint8_t(zlib), k};
            double d[1];
            EXPECT_EQ(lv_decode_array("", 0, &enc, 0, LV_DTYPE_F64, d, nullptr), LV_OK)
                << last_error();
            EXPECT_EQ(lv_decode_array(" \n", 2, &enc, 0, LV_DTYPE_F64, nullptr, nullptr), LV_OK)
                << last_error();
            EXPECT_EQ(lv_decode_array("", 0, &enc, 1, LV_DTYPE_F64, d, nullptr),
                      LV_ERR_ARRAY_LENGTH);
            void *res = nullptr;
            uint64_t n = 9;
            lv_dtype t;
            EXPECT_EQ(lv_decode_array_alloc("", 0, &enc, -1, &res, &n, &t, nullptr), LV_OK);
            EXPECT_EQ(n, 0u);
            EXPECT_EQ(t, LV_DTYPE_F64);
            free(res);
        }
    }
    /* An empty zlib stream (what writers emit for a zlib array of length 0). */
    std::string z = b64(zcompress(Bytes{}));
    lv_array_encoding enc{LV_DTYPE_F32, 1, 1, LV_NUMPRESS_NONE};
    EXPECT_EQ(lv_decode_array(z.data(), z.size(), &enc, 0, LV_DTYPE_F32, nullptr, nullptr), LV_OK)
        << last_error();
}

TEST(DecodeArray, ErrorsFromEachStage)
{
    std::mt19937_64 rng(22);
    TypedArray a = make_array(LV_DTYPE_F64, 100, rng);
    std::string text = b64(a.bytes);
    double d[100];
    lv_array_encoding enc{LV_DTYPE_F64, 1, 0, LV_NUMPRESS_NONE};
    /* Base64 errors report offsets within the whole payload, wherever they are. */
    for (size_t pos : {size_t(0), size_t(500), text.size() - 5, text.size() - 1}) {
        std::string bad = text;
        bad[pos] = '#';
        for (lv_dtype to : {LV_DTYPE_F64, LV_DTYPE_F32}) {
            EXPECT_EQ(lv_decode_array(bad.data(), bad.size(), &enc, 100, to, d, nullptr),
                      LV_ERR_BASE64);
            EXPECT_NE(last_error().find("'#' (0x23) at byte " + std::to_string(pos)),
                      std::string::npos)
                << last_error();
        }
    }
    std::string trunc = text.substr(0, text.size() - 1);
    EXPECT_EQ(lv_decode_array(trunc.data(), trunc.size(), &enc, 100, LV_DTYPE_F64, d, nullptr),
              LV_ERR_BASE64);
    EXPECT_NE(last_error().find("mid-quantum"), std::string::npos) << last_error();
    /* Whitespace around and inside the payload. */
    for (const std::string &w : {"\n  " + text + "\n  ", " " + text, text + "\r\n",
                                 text.substr(0, 100) + "\n" + text.substr(100)}) {
        double e[100];
        ASSERT_EQ(lv_decode_array(w.data(), w.size(), &enc, 100, LV_DTYPE_F64, e, nullptr), LV_OK)
            << last_error();
        EXPECT_EQ(std::memcmp(e, a.bytes.data(), 800), 0);
    }
    /* Padding in the middle must not pass through the split decode. */
    std::string mid = b64(Bytes(5, 1)) + b64(Bytes(795, 2));
    EXPECT_EQ(lv_decode_array(mid.data(), mid.size(), &enc, 100, LV_DTYPE_F64, d, nullptr),
              LV_ERR_BASE64);
    /* Zlib. */
    Bytes z = zcompress(a.bytes);
    z[z.size() / 2] ^= 0x55;
    z.back() ^= 1;
    std::string zt = b64(z);
    enc.zlib = 1;
    for (lv_dtype to : {LV_DTYPE_F64, LV_DTYPE_F32}) {
        EXPECT_EQ(lv_decode_array(zt.data(), zt.size(), &enc, 100, to, d, nullptr), LV_ERR_ZLIB);
        EXPECT_NE(last_error().find("zlib: data corrupt"), std::string::npos) << last_error();
    }
    /* Numpress. */
    enc = {LV_DTYPE_F64, 0, 0, LV_NUMPRESS_PIC};
    std::string bad_pic = b64(Bytes{0x00, 0x00, 0x00});
    EXPECT_EQ(lv_decode_array(bad_pic.data(), bad_pic.size(), &enc, 4, LV_DTYPE_F64, d, nullptr),
              LV_ERR_NUMPRESS);
    EXPECT_NE(last_error().find("decodeInt overrun"), std::string::npos) << last_error();
    EXPECT_EQ(lv_decode_array(bad_pic.data(), bad_pic.size(), &enc, 4, LV_DTYPE_F32, d, nullptr),
              LV_ERR_NUMPRESS);
    void *res;
    uint64_t n;
    lv_dtype t;
    EXPECT_EQ(
        lv_decode_array_alloc(bad_pic.data(), bad_pic.size(), &enc, -1, &res, &n, &t, nullptr),
        LV_ERR_NUMPRESS);
}

TEST(DecodeArray, NumpressHandMade)
{
    /* Works without the reference library: the hand-made streams above. */
    lv_decode_scratch s{};
    std::string t = b64(kLinear);
    lv_array_encoding enc{LV_DTYPE_F32, 1, 0, LV_NUMPRESS_LINEAR}; /* dtype ignored */
    double d[4];
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 4, LV_DTYPE_F64, d, &s), LV_OK)
        << last_error();
    EXPECT_EQ(d[3], 11.0);
    float f[4];
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 4, LV_DTYPE_F32, f, &s), LV_OK);
    EXPECT_EQ(f[2], 9.0f);
    enc.zlib = 1;
    std::string tz = b64(zcompress(kLinear));
    ASSERT_EQ(lv_decode_array(tz.data(), tz.size(), &enc, 4, LV_DTYPE_F64, d, &s), LV_OK)
        << last_error();
    EXPECT_EQ(d[0], 5.0);
    /* Declared more or fewer than the stream holds. */
    for (uint64_t declared : {3u, 5u}) {
        double big[5];
        EXPECT_EQ(lv_decode_array(tz.data(), tz.size(), &enc, declared, LV_DTYPE_F64, big, &s),
                  LV_ERR_ARRAY_LENGTH);
        EXPECT_NE(last_error().find("declared " + std::to_string(declared) +
                                    " elements, decoded 4 (numpress linear)"),
                  std::string::npos)
            << last_error();
    }
    EXPECT_EQ(lv_decode_array(tz.data(), tz.size(), &enc, 4, LV_DTYPE_I64, d, &s),
              LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_decode_array(tz.data(), tz.size(), &enc, 4, LV_DTYPE_ASCII, d, &s), LV_ERR_FORMAT);
    lv_decode_scratch_free(&s);
}

TEST(DecodeArray, UnalignedOutput)
{
    std::mt19937_64 rng(23);
    TypedArray a = make_array(LV_DTYPE_F64, 50, rng);
    Bytes out(50 * 8 + 1);
    for (int zlib = 0; zlib < 2; zlib++) {
        std::string t = b64(zlib ? zcompress(a.bytes) : a.bytes);
        lv_array_encoding enc{LV_DTYPE_F64, 1, uint8_t(zlib), LV_NUMPRESS_NONE};
        ASSERT_EQ(
            lv_decode_array(t.data(), t.size(), &enc, 50, LV_DTYPE_F64, out.data() + 1, nullptr),
            LV_OK);
        EXPECT_EQ(Bytes(out.begin() + 1, out.end()), a.bytes);
    }
    std::string t = b64(kLinear);
    lv_array_encoding enc{LV_DTYPE_F64, 0, 0, LV_NUMPRESS_LINEAR};
    ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, 4, LV_DTYPE_F64, out.data() + 1, nullptr),
              LV_OK)
        << last_error();
    EXPECT_EQ(load<double>(Bytes(out.begin() + 1, out.begin() + 33), 3), 11.0);
}

#ifdef LV_HAVE_MSNUMPRESS

TEST(DecodeArray, EveryNumpressCodecWithAndWithoutZlib)
{
    std::mt19937_64 rng(24);
    lv_decode_scratch s{};
    for (Codec c : {Codec::linear, Codec::pic, Codec::slof}) {
        for (size_t n : {1u, 2u, 3u, 7u, 1000u}) {
            auto v = c == Codec::linear ? mz_sequence(rng, n) : intensities(rng, n, 1e6);
            Bytes enc_bytes = ref_encode(c, v);
            std::vector<double> ref;
            ASSERT_TRUE(ref_decode(c, enc_bytes, &ref));
            for (int zlib = 0; zlib < 2; zlib++) {
                std::string t = b64(zlib ? zcompress(enc_bytes) : enc_bytes);
                lv_array_encoding enc{LV_DTYPE_F32, uint8_t(zlib), uint8_t(zlib), codec_kind(c)};
                std::vector<double> d(n);
                ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, n, LV_DTYPE_F64, d.data(), &s),
                          LV_OK)
                    << last_error();
                EXPECT_TRUE(same_bits(d.data(), ref.data(), n));
                std::vector<float> f(n);
                ASSERT_EQ(lv_decode_array(t.data(), t.size(), &enc, n, LV_DTYPE_F32, f.data(), &s),
                          LV_OK)
                    << last_error();
                for (size_t i = 0; i < n; i++)
                    ASSERT_EQ(f[i], float(ref[i]));
                void *res = nullptr;
                uint64_t got_n;
                lv_dtype got_t;
                ASSERT_EQ(
                    lv_decode_array_alloc(t.data(), t.size(), &enc, -1, &res, &got_n, &got_t, &s),
                    LV_OK);
                EXPECT_EQ(got_t, LV_DTYPE_F64);
                ASSERT_EQ(got_n, n);
                EXPECT_TRUE(same_bits(static_cast<double *>(res), ref.data(), n));
                free(res);
                /* Length mismatches in both directions. */
                std::vector<double> big(n + 1);
                EXPECT_EQ(
                    lv_decode_array(t.data(), t.size(), &enc, n + 1, LV_DTYPE_F64, big.data(), &s),
                    LV_ERR_ARRAY_LENGTH);
                EXPECT_EQ(
                    lv_decode_array(t.data(), t.size(), &enc, n - 1, LV_DTYPE_F64, big.data(), &s),
                    LV_ERR_ARRAY_LENGTH);
                EXPECT_NE(last_error().find("decoded " + std::to_string(n)), std::string::npos)
                    << last_error();
                EXPECT_EQ(
                    lv_decode_array(t.data(), t.size(), &enc, n - 1, LV_DTYPE_F32, big.data(), &s),
                    LV_ERR_ARRAY_LENGTH);
            }
        }
    }
    lv_decode_scratch_free(&s);
}

#endif /* LV_HAVE_MSNUMPRESS */

/* ---- real files ------------------------------------------------------------------------ */

struct FileArray {
    std::string text; /* base64 */
    lv_array_encoding enc;
    bool numpress_zlib; /* encoded as one of the "numpress followed by zlib" terms */
};

bool has_acc(const std::string &block, const char *acc)
{
    return block.find(std::string("accession=\"") + acc + "\"") != std::string::npos;
}

std::vector<FileArray> scan_arrays(const std::string &xml)
{
    std::vector<FileArray> out;
    size_t pos = 0;
    while ((pos = xml.find("<binaryDataArray ", pos)) != std::string::npos) {
        size_t end = xml.find("</binaryDataArray>", pos);
        if (end == std::string::npos) break;
        std::string block = xml.substr(pos, end - pos);
        pos = end;
        FileArray a{};
        size_t b = block.find("<binary>");
        if (b != std::string::npos) {
            size_t e = block.find("</binary>", b);
            a.text = block.substr(b + 8, e - b - 8);
        }
        a.enc.dtype_known = 1;
        if (has_acc(block, "MS:1000521"))
            a.enc.dtype = LV_DTYPE_F32;
        else if (has_acc(block, "MS:1000523"))
            a.enc.dtype = LV_DTYPE_F64;
        else if (has_acc(block, "MS:1000519"))
            a.enc.dtype = LV_DTYPE_I32;
        else if (has_acc(block, "MS:1000522"))
            a.enc.dtype = LV_DTYPE_I64;
        else if (has_acc(block, "MS:1001479"))
            a.enc.dtype = LV_DTYPE_ASCII;
        else
            a.enc.dtype_known = 0;
        a.enc.zlib = has_acc(block, "MS:1000574");
        if (has_acc(block, "MS:1002312")) a.enc.numpress = LV_NUMPRESS_LINEAR;
        if (has_acc(block, "MS:1002313")) a.enc.numpress = LV_NUMPRESS_PIC;
        if (has_acc(block, "MS:1002314")) a.enc.numpress = LV_NUMPRESS_SLOF;
        /* MS:1002746..1002748: numpress linear / pic / slof followed by zlib. */
        if (has_acc(block, "MS:1002746")) a.enc.numpress = LV_NUMPRESS_LINEAR;
        if (has_acc(block, "MS:1002747")) a.enc.numpress = LV_NUMPRESS_PIC;
        if (has_acc(block, "MS:1002748")) a.enc.numpress = LV_NUMPRESS_SLOF;
        a.numpress_zlib = has_acc(block, "MS:1002746") || has_acc(block, "MS:1002747") ||
                          has_acc(block, "MS:1002748");
        if (a.numpress_zlib) a.enc.zlib = 1;
        out.push_back(a);
    }
    return out;
}

TEST(RealFiles, NumpressArraysMatchReference)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "no real data folder";
    const char *files[] = {
        "openms__FileFilter_37_output.mzML",        "openms__FileFilter_38_output.mzML",
        "openms__FileFilter_49_output.mzML",        "pymzml__mini_numpress.chrom.mzML",
        "openms__FileFilter_39_input_corrupt.mzML", "openms__FileFilter_44_input.mzML"};
    lv_decode_scratch s{};
    for (const char *name : files) {
        bool ok = false;
        std::string xml = lvtest::read_file(lvtest::data_file(name), &ok);
        if (!ok) {
            ADD_FAILURE() << "cannot read " << name;
            continue;
        }
        bool corrupt = std::string(name).find("corrupt") != std::string::npos;
        auto arrays = scan_arrays(xml);
        size_t numpress_arrays = 0;
        for (size_t i = 0; i < arrays.size(); i++) {
            const FileArray &a = arrays[i];
            std::string what = std::string(name) + " array " + std::to_string(i);
            /* Every array also goes through the allocating decoder. */
            void *res = nullptr;
            uint64_t n = 0;
            lv_dtype t;
            lv_status st =
                lv_decode_array_alloc(a.text.data(), a.text.size(), &a.enc, -1, &res, &n, &t, &s);
            if (a.enc.numpress == LV_NUMPRESS_NONE) {
                ASSERT_EQ(st, LV_OK) << what << ": " << last_error();
                free(res);
                continue;
            }
            numpress_arrays++;
            if (corrupt) {
                EXPECT_EQ(st, LV_ERR_NUMPRESS) << what;
                EXPECT_NE(last_error().find("corrupt input data (decodeInt overrun"),
                          std::string::npos)
                    << last_error();
                double d[64];
                EXPECT_EQ(
                    lv_decode_array(a.text.data(), a.text.size(), &a.enc, 1, LV_DTYPE_F64, d, &s),
                    LV_ERR_NUMPRESS);
                free(res);
            } else {
                ASSERT_EQ(st, LV_OK) << what << ": " << last_error();
                EXPECT_EQ(t, LV_DTYPE_F64);
                std::vector<double> d(n);
                ASSERT_EQ(lv_decode_array(a.text.data(), a.text.size(), &a.enc, n, LV_DTYPE_F64,
                                          d.data(), &s),
                          LV_OK)
                    << what << ": " << last_error();
                EXPECT_TRUE(same_bits(d.data(), static_cast<double *>(res), n)) << what;
                free(res);
            }
#ifdef LV_HAVE_MSNUMPRESS
            /* Reference path: base64 (ours, tested above), zlib's inflate, libmsnumpress. */
            Bytes raw;
            ASSERT_EQ(decode_b64(a.text, &raw), LV_OK) << what;
            if (a.enc.zlib) {
                Bytes inflated;
                ASSERT_TRUE(zinflate(raw, &inflated)) << what;
                raw = inflated;
            }
            Codec c = a.enc.numpress == LV_NUMPRESS_LINEAR ? Codec::linear
                      : a.enc.numpress == LV_NUMPRESS_PIC  ? Codec::pic
                                                           : Codec::slof;
            std::vector<double> ref, ours;
            bool ref_ok = ref_decode(c, raw, &ref);
            lv_status ost = our_decode(c, raw, &ours);
            if (corrupt) {
                EXPECT_FALSE(ref_ok) << what;
                EXPECT_EQ(ost, LV_ERR_NUMPRESS) << what;
                continue;
            }
            ASSERT_TRUE(ref_ok) << what;
            ASSERT_EQ(ost, LV_OK) << what << ": " << last_error();
            ASSERT_EQ(ours.size(), ref.size()) << what;
            EXPECT_TRUE(same_bits(ours.data(), ref.data(), ref.size())) << what;
            EXPECT_EQ(ours.size(), n) << what;
#endif
        }
        EXPECT_GT(numpress_arrays, 0u) << name;
    }
    lv_decode_scratch_free(&s);
}

} // namespace
