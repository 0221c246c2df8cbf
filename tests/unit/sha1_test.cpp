// SHA-1 (host/io/sha1.c) against the FIPS 180 example vectors, split updates, and sha1sum.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/sha1.h"
#include "test_support.h"

namespace
{

std::string sha1_hex(const std::string &data)
{
    lv_sha1 s;
    lv_sha1_init(&s);
    lv_sha1_update(&s, data.data(), data.size());
    char hex[41];
    lv_sha1_final_hex(&s, hex);
    return hex;
}

// Deterministic bytes with every value present (splitmix64).
std::string pseudo_random_bytes(size_t n, uint64_t seed)
{
    std::string out(n, '\0');
    uint64_t x = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        out[i] = static_cast<char>((z ^ (z >> 31)) & 0xff);
    }
    return out;
}

TEST(Sha1, FipsVectors)
{
    EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    EXPECT_EQ(
        sha1_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklm"
                 "nopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
        "a49b2446a02c645bf419f995b67091253a04a259");
}

TEST(Sha1, MillionA)
{
    EXPECT_EQ(sha1_hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    // The same million bytes fed one byte at a time.
    lv_sha1 s;
    lv_sha1_init(&s);
    for (int i = 0; i < 1000000; i++)
        lv_sha1_update(&s, "a", 1);
    char hex[41];
    lv_sha1_final_hex(&s, hex);
    EXPECT_STREQ(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

// Lengths around the 55/56/64-byte padding boundaries, each hashed whole and in odd pieces.
TEST(Sha1, SplitUpdatesMatchOneShot)
{
    const std::string data = pseudo_random_bytes(4096 + 77, 7);
    for (size_t n : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4173}) {
        const std::string part = data.substr(0, n);
        const std::string whole = sha1_hex(part);
        for (size_t step : {1, 3, 63, 64, 65, 500}) {
            lv_sha1 s;
            lv_sha1_init(&s);
            for (size_t i = 0; i < n; i += step)
                lv_sha1_update(&s, part.data() + i, std::min(step, n - i));
            char hex[41];
            lv_sha1_final_hex(&s, hex);
            EXPECT_EQ(whole, hex) << "n=" << n << " step=" << step;
        }
    }
}

TEST(Sha1, MatchesSha1sumOfAFile)
{
    if (std::system("command -v sha1sum > /dev/null 2>&1") != 0) GTEST_SKIP() << "no sha1sum";
    const std::string path = lvtest::temp_dir() + "/sha1_input.bin";
    const std::string data = pseudo_random_bytes(3 * 1000 * 1000 + 17, 42);
    lvtest::write_file(path, data);
    std::string cmd = "sha1sum '" + path + "'";
    FILE *p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char line[256] = {0};
    ASSERT_NE(fgets(line, sizeof line, p), nullptr);
    pclose(p);
    EXPECT_EQ(std::string(line, 40), sha1_hex(data));
}

} // namespace
