// source_test.cpp - lv_source: mapped files, spooled streams, gzip random access, RSS bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <thread>
#include <unistd.h>
#include <vector>
#include <zlib.h>

#include "io/source.h"
#include "io/source_gzip.h"
#include "test_support.h"

namespace
{

constexpr size_t KiB = 1024, MiB = 1024 * 1024;

struct SourceCloser {
    void operator()(lv_source *s) const { lv_source_close(s); }
};
using SourcePtr = std::unique_ptr<lv_source, SourceCloser>;

SourcePtr open_source(const std::string &path, const lv_gzip_tuning *tuning = nullptr)
{
    lv_source *s = nullptr;
    lv_status st = lv_source_open_tuned(path.c_str(), tuning, &s);
    EXPECT_EQ(st, LV_OK) << lv_last_error();
    return SourcePtr(st == LV_OK ? s : nullptr);
}

// Opens a source that must fail; returns the status and the message.
lv_status open_error(const std::string &path, std::string *msg)
{
    lv_source *s = nullptr;
    lv_status st = lv_source_open(path.c_str(), &s);
    if (st == LV_OK) {
        lv_source_close(s);
        msg->clear();
        return st;
    }
    *msg = lv_last_error();
    return st;
}

// Pseudo-random but compressible mzML-like text (about 3-4x with zlib), deterministic per seed.
std::string make_text(size_t n, uint64_t seed)
{
    std::string out;
    out.reserve(n + 128);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    char line[128];
    while (out.size() < n) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned a = (unsigned)(x >> 33), b = (unsigned)(x >> 17) & 0xffff;
        int k =
            std::snprintf(line, sizeof line,
                          "<cvParam cvRef=\"MS\" accession=\"MS:1000%03u\" value=\"%u.%04u\"/>\n",
                          a % 64, a % 2000, b % 10000);
        out.append(line, (size_t)k);
    }
    out.resize(n);
    return out;
}

// One gzip member of data, with the given deflate level and strategy and an optional header.
std::string gzip_member(const std::string &data, int level = 6, int strategy = Z_DEFAULT_STRATEGY,
                        gz_header *header = nullptr)
{
    z_stream s;
    std::memset(&s, 0, sizeof s);
    EXPECT_EQ(deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, strategy), Z_OK);
    if (header) {
        EXPECT_EQ(deflateSetHeader(&s, header), Z_OK);
    }
    std::string out(deflateBound(&s, data.size()) + 64, '\0');
    s.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
    s.avail_in = (uInt)data.size();
    s.next_out = reinterpret_cast<Bytef *>(&out[0]);
    s.avail_out = (uInt)out.size();
    EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

// Inflates concatenated gzip members with plain zlib (the oracle), accepting zero padding after
// the last member.  Returns false on any error.
bool inflate_all(const std::string &gz, std::string *out, uint32_t *members = nullptr,
                 bool keep = true)
{
    z_stream s;
    std::memset(&s, 0, sizeof s);
    if (inflateInit2(&s, 15 + 16) != Z_OK) return false;
    std::vector<unsigned char> buf(1 * MiB);
    s.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(gz.data()));
    s.avail_in = (uInt)gz.size();
    uint32_t n = 0;
    out->clear();
    bool ok = true;
    for (;;) {
        s.next_out = buf.data();
        s.avail_out = (uInt)buf.size();
        int ret = inflate(&s, Z_NO_FLUSH);
        if (keep) out->append(reinterpret_cast<char *>(buf.data()), buf.size() - s.avail_out);
        if (ret == Z_STREAM_END) {
            n++;
            bool rest_zero = true;
            for (uInt i = 0; i < s.avail_in && rest_zero; i++)
                rest_zero = s.next_in[i] == 0;
            if (s.avail_in == 0 || rest_zero) break;
            inflateReset(&s);
        } else if (ret != Z_OK) {
            ok = false;
            break;
        }
    }
    inflateEnd(&s);
    if (members) *members = n;
    return ok;
}

// The bytes of a view as a string (empty when got is 0).
std::string view_bytes(lv_source *s, uint64_t off, size_t len)
{
    const uint8_t *p = nullptr;
    size_t got = 12345;
    lv_status st = lv_source_view(s, off, len, &p, &got);
    EXPECT_EQ(st, LV_OK) << lv_last_error();
    if (st != LV_OK) return std::string();
    EXPECT_NE(p, nullptr);
    return std::string(reinterpret_cast<const char *>(p), got);
}

// Checks a view against the expected content at [off, off + len) (clipped).
::testing::AssertionResult view_matches(lv_source *s, const std::string &want, uint64_t off,
                                        size_t len)
{
    const uint8_t *p = nullptr;
    size_t got = 0;
    lv_status st = lv_source_view(s, off, len, &p, &got);
    if (st != LV_OK)
        return ::testing::AssertionFailure()
               << "view(" << off << ", " << len << ") failed " << st << ": " << lv_last_error();
    size_t expect = off >= want.size() ? 0 : std::min<uint64_t>(len, want.size() - off);
    if (got != expect)
        return ::testing::AssertionFailure()
               << "view(" << off << ", " << len << ") got " << got << ", want " << expect;
    if (got && std::memcmp(p, want.data() + off, got) != 0) {
        size_t i = 0;
        while (p[i] == (uint8_t)want[off + i])
            i++;
        return ::testing::AssertionFailure()
               << "view(" << off << ", " << len << ") differs at offset " << off + i;
    }
    return ::testing::AssertionSuccess();
}

// Random views: mostly small, some large, offsets anywhere (including past the end).
void random_views(lv_source *s, const std::string &want, int count, uint64_t seed,
                  size_t max_len = 2 * MiB)
{
    std::mt19937_64 rng(seed);
    for (int i = 0; i < count; i++) {
        uint64_t off = rng() % (want.size() + 64);
        size_t len;
        switch (rng() % 8) {
        case 0: len = 1 + rng() % 16; break;
        case 1: len = max_len; break;
        case 2: len = max_len >= 2 * MiB ? SIZE_MAX : max_len; break;
        default: len = 1 + rng() % (256 * KiB); break;
        }
        ASSERT_TRUE(view_matches(s, want, off, len)) << "view #" << i;
    }
}

// Sequential walk in `step` views that overlap the previous one by `overlap` bytes.
void sequential_walk(lv_source *s, const std::string &want, size_t step, size_t overlap)
{
    for (uint64_t off = 0; off < want.size(); off += step - overlap)
        ASSERT_TRUE(view_matches(s, want, off, step));
}

std::string status_field(const char *key)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) return line;
    return std::string();
}

// VmRSS / VmHWM of this process in bytes (0 when /proc is unavailable).
uint64_t proc_kb(const char *key)
{
    std::string line = status_field(key);
    if (line.empty()) return 0;
    return std::strtoull(line.c_str() + std::strlen(key), nullptr, 10) * 1024;
}

bool starts_with(const std::string &s, const std::string &prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

// ---- Regular files ----------------------------------------------------------------------------

TEST(Source, PlainFileViewsMatchBytes)
{
    std::string path = lvtest::temp_dir() + "/plain.txt";
    std::string data = make_text(3 * MiB + 4321, 1);
    lvtest::write_file(path, data);
    SourcePtr s = open_source(path);
    ASSERT_TRUE(s);
    EXPECT_EQ(lv_source_size(s.get()), data.size());
    EXPECT_EQ(lv_source_disk_size(s.get()), data.size());
    EXPECT_EQ(lv_source_is_gzip(s.get()), 0);
    EXPECT_EQ(lv_source_gzip_members(s.get()), 0u);
    EXPECT_EQ(lv_source_gzip(s.get()), nullptr);
    const uint8_t *map = lv_source_mapping(s.get());
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(std::memcmp(map, data.data(), data.size()), 0);

    random_views(s.get(), data, 500, 11);
    // Views are pointers into the mapping.
    const uint8_t *p = nullptr;
    size_t got = 0;
    ASSERT_EQ(lv_source_view(s.get(), 1000, 10, &p, &got), LV_OK);
    EXPECT_EQ(p, map + 1000);
    // Clipping at the end.
    EXPECT_EQ(view_bytes(s.get(), data.size() - 10, 100), data.substr(data.size() - 10));
    EXPECT_EQ(view_bytes(s.get(), data.size(), 100), "");
    EXPECT_EQ(view_bytes(s.get(), data.size() + 5, 100), "");
    EXPECT_EQ(view_bytes(s.get(), UINT64_MAX, SIZE_MAX), "");
    EXPECT_EQ(view_bytes(s.get(), 0, 0), "");
}

TEST(Source, ReleaseBeforeKeepsViewsCorrect)
{
    std::string path = lvtest::temp_dir() + "/release.txt";
    std::string data = make_text(6 * MiB + 77, 2);
    lvtest::write_file(path, data);
    SourcePtr s = open_source(path);
    ASSERT_TRUE(s);
    for (uint64_t off = 0; off < data.size(); off += 512 * KiB) {
        ASSERT_TRUE(view_matches(s.get(), data, off, 600 * KiB));
        lv_source_release_before(s.get(), off + 512 * KiB);
    }
    // Released pages fault back in with the same content, and can be released again.
    ASSERT_TRUE(view_matches(s.get(), data, 12345, 3 * MiB));
    lv_source_release_before(s.get(), data.size());
    lv_source_release_before(s.get(), UINT64_MAX);
    ASSERT_TRUE(view_matches(s.get(), data, 0, data.size()));
    lv_source_release_before(nullptr, 10);
}

TEST(Source, ReleaseAllKeepsViewsAndLaterReleasesCorrect)
{
    std::string path = lvtest::temp_dir() + "/release_all.txt";
    std::string data = make_text(3 * MiB + 5, 3);
    lvtest::write_file(path, data);
    SourcePtr s = open_source(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE(view_matches(s.get(), data, 0, data.size())); // every page touched
    lv_source_release_all(s.get());
    ASSERT_TRUE(view_matches(s.get(), data, 4096, 256 * KiB));
    // streaming after it: releases behind the reader still work, content stays the same
    for (uint64_t off = 0; off < data.size(); off += 256 * KiB) {
        ASSERT_TRUE(view_matches(s.get(), data, off, 300 * KiB));
        lv_source_release_before(s.get(), off + 256 * KiB);
    }
    lv_source_release_all(s.get());
    lv_source_release_all(s.get());
    ASSERT_TRUE(view_matches(s.get(), data, 0, data.size()));
    lv_source_release_all(nullptr);
}

TEST(Source, EmptyFileIsAnError)
{
    std::string path = lvtest::temp_dir() + "/empty.mzML";
    lvtest::write_file(path, "");
    std::string msg;
    EXPECT_EQ(open_error(path, &msg), LV_ERR_EMPTY_FILE);
    EXPECT_EQ(msg, path + ": file is empty (0 bytes)");
}

TEST(Source, MissingFileIsAnIoError)
{
    std::string path = lvtest::temp_dir() + "/does-not-exist.mzML";
    std::string msg;
    EXPECT_EQ(open_error(path, &msg), LV_ERR_IO);
    EXPECT_TRUE(starts_with(msg, path + ": ")) << msg;
    EXPECT_NE(msg.find(std::strerror(ENOENT)), std::string::npos) << msg;
}

TEST(Source, UnreadableFileIsAnIoError)
{
    if (geteuid() == 0) GTEST_SKIP() << "running as root: permissions are not enforced";
    std::string path = lvtest::temp_dir() + "/unreadable.mzML";
    lvtest::write_file(path, "<mzML/>");
    ASSERT_EQ(chmod(path.c_str(), 0), 0);
    std::string msg;
    EXPECT_EQ(open_error(path, &msg), LV_ERR_IO);
    EXPECT_TRUE(starts_with(msg, path + ": ")) << msg;
    EXPECT_NE(msg.find(std::strerror(EACCES)), std::string::npos) << msg;
}

TEST(Source, DirectoryIsAnIoError)
{
    std::string path = lvtest::temp_dir();
    std::string msg;
    EXPECT_EQ(open_error(path, &msg), LV_ERR_IO);
    EXPECT_EQ(msg, path + ": is a directory");
}

TEST(Source, InvalidArguments)
{
    lv_source *s = nullptr;
    EXPECT_EQ(lv_source_open(nullptr, &s), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_source_open("x", nullptr), LV_ERR_INVALID_ARGUMENT);
    std::string path = lvtest::temp_dir() + "/args.txt";
    lvtest::write_file(path, "abc");
    SourcePtr src = open_source(path);
    ASSERT_TRUE(src);
    const uint8_t *p;
    size_t got;
    EXPECT_EQ(lv_source_view(src.get(), 0, 1, nullptr, &got), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_source_view(src.get(), 0, 1, &p, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_source_view(nullptr, 0, 1, &p, &got), LV_ERR_INVALID_ARGUMENT);
    lv_gzip_tuning t;
    lv_gzip_tuning_init(&t);
    t.span = 0;
    lvtest::write_file(path + ".gz", gzip_member("abc"));
    EXPECT_EQ(lv_source_open_tuned((path + ".gz").c_str(), &t, &s), LV_ERR_INVALID_ARGUMENT);
    lv_source_close(nullptr);
    EXPECT_EQ(lv_source_size(nullptr), 0u);
    EXPECT_EQ(lv_source_mapping(nullptr), nullptr);
}

// ---- Streams ----------------------------------------------------------------------------------

namespace
{

void write_fd_all(int fd, const std::string &data)
{
    size_t done = 0;
    while (done < data.size()) {
        ssize_t w = write(fd, data.data() + done, data.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        done += (size_t)w;
    }
}

// Opens a FIFO fed by a writer thread with data.
SourcePtr open_fifo(const std::string &data, const std::string &name, lv_status *status)
{
    std::string fifo = lvtest::temp_dir() + "/" + name;
    EXPECT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
    // A source that fails before reading closes the FIFO under the writer: EPIPE, not a signal.
    signal(SIGPIPE, SIG_IGN);
    std::thread writer([&] {
        int fd = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return;
        write_fd_all(fd, data);
        close(fd);
    });
    lv_source *s = nullptr;
    *status = lv_source_open(fifo.c_str(), &s);
    writer.join();
    unlink(fifo.c_str());
    return SourcePtr(*status == LV_OK ? s : nullptr);
}

} // namespace

TEST(Source, FifoIsSpooledAndMatchesBytes)
{
    std::string data = make_text(5 * MiB + 999, 3); // several 1 MiB spool chunks
    lv_status st;
    SourcePtr s = open_fifo(data, "fifo-plain", &st);
    ASSERT_EQ(st, LV_OK) << lv_last_error();
    EXPECT_EQ(lv_source_size(s.get()), data.size());
    EXPECT_EQ(lv_source_disk_size(s.get()), data.size());
    ASSERT_NE(lv_source_mapping(s.get()), nullptr);
    EXPECT_EQ(std::memcmp(lv_source_mapping(s.get()), data.data(), data.size()), 0);
    random_views(s.get(), data, 200, 5);
}

TEST(Source, EmptyFifoIsEmptyFile)
{
    lv_status st;
    SourcePtr s = open_fifo("", "fifo-empty", &st);
    EXPECT_EQ(st, LV_ERR_EMPTY_FILE);
    EXPECT_NE(std::string(lv_last_error()).find("file is empty (0 bytes)"), std::string::npos);
}

TEST(Source, GzipThroughFifo)
{
    std::string text = make_text(3 * MiB, 4);
    std::string gz = gzip_member(text.substr(0, MiB)) + gzip_member(text.substr(MiB));
    lv_status st;
    SourcePtr s = open_fifo(gz, "fifo-gz", &st);
    ASSERT_EQ(st, LV_OK) << lv_last_error();
    EXPECT_EQ(lv_source_is_gzip(s.get()), 1);
    EXPECT_EQ(lv_source_gzip_members(s.get()), 2u);
    EXPECT_EQ(lv_source_size(s.get()), text.size());
    EXPECT_EQ(lv_source_disk_size(s.get()), gz.size());
    EXPECT_EQ(lv_source_mapping(s.get()), nullptr);
    random_views(s.get(), text, 50, 6);
}

TEST(Source, DashReadsStdin)
{
    std::string data = make_text(2 * MiB + 3, 8);
    int saved = dup(STDIN_FILENO);
    ASSERT_GE(saved, 0);
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    ASSERT_EQ(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);
    std::thread writer([&] {
        write_fd_all(p[1], data);
        close(p[1]);
    });
    lv_source *s = nullptr;
    lv_status st = lv_source_open("-", &s);
    writer.join();
    dup2(saved, STDIN_FILENO);
    close(saved);
    ASSERT_EQ(st, LV_OK) << lv_last_error();
    SourcePtr src(s);
    EXPECT_EQ(lv_source_size(s), data.size());
    ASSERT_TRUE(view_matches(s, data, 0, data.size()));
}

TEST(Source, SpoolFailsCleanlyWithoutTempDir)
{
    std::string data = "<mzML/>";
    const char *old = std::getenv("TMPDIR");
    std::string saved = old ? old : "";
    std::string bad = lvtest::temp_dir() + "/no/such/dir";
    setenv("TMPDIR", bad.c_str(), 1);
    lv_status st;
    SourcePtr s = open_fifo(data, "fifo-notmp", &st);
    std::string msg = lv_last_error();
    if (old)
        setenv("TMPDIR", saved.c_str(), 1);
    else
        unsetenv("TMPDIR");
    EXPECT_EQ(st, LV_ERR_IO);
    EXPECT_NE(msg.find(bad), std::string::npos) << msg;
    EXPECT_NE(msg.find("temporary file"), std::string::npos) << msg;
}

// ---- gzip: real files -------------------------------------------------------------------------

namespace
{

struct GzCase {
    const char *name;
    uint64_t size;
    uint32_t members;
};

const GzCase kGzFiles[] = {
    {"mzdata__small.mzML.gz", 5117677, 1},
    {"msdeisotope__20150710_3um_AGP_001_29_30.preprocessed.mzML.gz", 3841949, 1},
    {"openms__FileFilter_25_input.mzML.gz", 9371231, 1},
    {"pymzml__example.mzML.idx.gz", 211796, 15},
};

} // namespace

TEST(SourceGzip, RealFilesSizeMembersAndRandomViews)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "no test data folder";
    for (const GzCase &c : kGzFiles) {
        SCOPED_TRACE(c.name);
        std::string path = lvtest::data_file(c.name);
        bool ok = false;
        std::string gz = lvtest::read_file(path, &ok);
        ASSERT_TRUE(ok);
        std::string want;
        uint32_t members = 0;
        ASSERT_TRUE(inflate_all(gz, &want, &members));
        ASSERT_EQ(want.size(), c.size);
        ASSERT_EQ(members, c.members);

        SourcePtr s = open_source(path);
        ASSERT_TRUE(s);
        EXPECT_EQ(lv_source_is_gzip(s.get()), 1);
        EXPECT_EQ(lv_source_size(s.get()), c.size);
        EXPECT_EQ(lv_source_disk_size(s.get()), gz.size());
        EXPECT_EQ(lv_source_gzip_members(s.get()), c.members);
        EXPECT_EQ(lv_source_mapping(s.get()), nullptr);
        random_views(s.get(), want, 120, 21);
        ASSERT_TRUE(view_matches(s.get(), want, 0, want.size())); // the whole file in one view

        // Close access points (every 32 KiB, most with a window and a bit offset) exercise
        // restarts inside members.
        lv_gzip_tuning t;
        lv_gzip_tuning_init(&t);
        t.span = 32 * KiB;
        t.view_readahead = 64 * KiB;
        SourcePtr dense = open_source(path, &t);
        ASSERT_TRUE(dense);
        lv_gzip_stats st;
        lv_gzip_stats_get(lv_source_gzip(dense.get()), &st);
        EXPECT_GE(st.points, c.size / (64 * KiB));
        random_views(dense.get(), want, 300, 22, 256 * KiB);
        lv_gzip_stats_get(lv_source_gzip(dense.get()), &st);
        EXPECT_GT(st.view_restarts, 20u);
    }
}

TEST(SourceGzip, SequentialWalkCostsOnePass)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "no test data folder";
    for (const GzCase &c : kGzFiles) {
        SCOPED_TRACE(c.name);
        std::string path = lvtest::data_file(c.name);
        std::string want;
        ASSERT_TRUE(inflate_all(lvtest::read_file(path), &want));
        lv_gzip_tuning t;
        lv_gzip_tuning_init(&t);
        t.span = 64 * KiB; // many access points: the walk must still not restart
        SourcePtr s = open_source(path, &t);
        ASSERT_TRUE(s);
        sequential_walk(s.get(), want, 64 * KiB, 3 * KiB);
        lv_gzip_stats st;
        lv_gzip_stats_get(lv_source_gzip(s.get()), &st);
        EXPECT_LE(st.view_inflated, want.size());
        EXPECT_EQ(st.view_restarts, 1u);
    }
}

TEST(SourceGzip, SequentialThroughputOnRealFiles)
{
    if (lvtest::data_dir().empty()) GTEST_SKIP() << "no test data folder";
    for (const char *name : {"mzdata__small.mzML.gz",
                             "msdeisotope__20150710_3um_AGP_001_29_30.preprocessed.mzML.gz"}) {
        SCOPED_TRACE(name);
        std::string path = lvtest::data_file(name);
        std::string gz = lvtest::read_file(path);
        std::string unused;
        double zlib_s = 1e9, walk_s = 1e9;
        for (int rep = 0; rep < 5; rep++) {
            auto t0 = std::chrono::steady_clock::now();
            ASSERT_TRUE(inflate_all(gz, &unused, nullptr, false));
            zlib_s = std::min(zlib_s, seconds_since(t0));
        }
        lv_gzip_tuning t; // read-ahead below the file size, so that every walk inflates
        lv_gzip_tuning_init(&t);
        t.view_readahead = MiB;
        SourcePtr s = open_source(path, &t);
        ASSERT_TRUE(s);
        const uint64_t size = lv_source_size(s.get());
        uint64_t sum = 0;
        for (int rep = 0; rep < 5; rep++) {
            auto t0 = std::chrono::steady_clock::now();
            for (uint64_t off = 0; off < size; off += 60 * KiB) {
                const uint8_t *p;
                size_t got;
                ASSERT_EQ(lv_source_view(s.get(), off, 64 * KiB, &p, &got), LV_OK);
                sum += p[got - 1];
            }
            walk_s = std::min(walk_s, seconds_since(t0));
        }
        EXPECT_GT(sum, 0u);
        lv_gzip_stats st;
        lv_gzip_stats_get(lv_source_gzip(s.get()), &st);
        EXPECT_EQ(st.view_inflated, 5 * size);
        std::printf("[ source   ] %s (%.1f MB): plain zlib inflate %.0f MB/s, sequential 64 KiB "
                    "views %.0f MB/s (%.2fx zlib)\n",
                    name, size / 1e6, size / 1e6 / zlib_s, size / 1e6 / walk_s, zlib_s / walk_s);
    }
}

// ---- gzip: synthetic ---------------------------------------------------------------------------

TEST(SourceGzip, HeaderFieldsEmptyMembersAndZeroPadding)
{
    std::string text = make_text(700 * KiB, 9);
    gz_header h;
    std::memset(&h, 0, sizeof h);
    static unsigned char extra[] = "AB\x04\x00xyzw";
    static unsigned char name[] = "run.mzML";
    static unsigned char comment[] = "a comment";
    h.extra = extra;
    h.extra_len = 8;
    h.name = name;
    h.comment = comment;
    h.hcrc = 1;
    h.os = 3;
    std::string gz = gzip_member(text.substr(0, 300 * KiB), 9, Z_DEFAULT_STRATEGY, &h) +
                     gzip_member("") + gzip_member(text.substr(300 * KiB, 100 * KiB), 0) +
                     gzip_member(text.substr(400 * KiB, 100 * KiB), 6, Z_FIXED) +
                     gzip_member(text.substr(500 * KiB), 6, Z_HUFFMAN_ONLY, &h) + gzip_member("") +
                     std::string(1000, '\0');
    std::string path = lvtest::temp_dir() + "/headers.mzML"; // no .gz suffix: magic decides
    lvtest::write_file(path, gz);
    lv_gzip_tuning t;
    lv_gzip_tuning_init(&t);
    t.span = 16 * KiB;
    t.view_readahead = 8 * KiB;
    SourcePtr s = open_source(path, &t);
    ASSERT_TRUE(s);
    EXPECT_EQ(lv_source_gzip_members(s.get()), 6u);
    EXPECT_EQ(lv_source_size(s.get()), text.size());
    random_views(s.get(), text, 400, 10, 200 * KiB);
    sequential_walk(s.get(), text, 20 * KiB, KiB);
    // Views across every member boundary, from a restart in the member before.
    for (size_t b : {300 * KiB, 400 * KiB, 500 * KiB}) {
        ASSERT_TRUE(view_matches(s.get(), text, b - 5000, 10000));
        ASSERT_TRUE(view_matches(s.get(), text, b - 1, 2));
    }
}

TEST(SourceGzip, InflatesToZeroBytesIsEmptyFile)
{
    std::string path = lvtest::temp_dir() + "/nothing.mzML.gz";
    lvtest::write_file(path, gzip_member(""));
    std::string msg;
    EXPECT_EQ(open_error(path, &msg), LV_ERR_EMPTY_FILE);
    EXPECT_TRUE(starts_with(msg, path + ": ")) << msg;
    lvtest::write_file(path, gzip_member("") + gzip_member("") + std::string(10, '\0'));
    EXPECT_EQ(open_error(path, &msg), LV_ERR_EMPTY_FILE);
    EXPECT_TRUE(starts_with(msg, path + ": ")) << msg;
}

TEST(SourceGzip, TrailingGarbageIsAnError)
{
    std::string path = lvtest::temp_dir() + "/garbage.mzML.gz";
    lvtest::write_file(path, gzip_member("<mzML/>") + "junk");
    std::string msg;
    EXPECT_EQ(open_error(path, &msg), LV_ERR_GZIP);
    EXPECT_TRUE(starts_with(msg, path + ": gzip member 2: ")) << msg;
}

namespace
{

// Every corruption of gz must fail with LV_ERR_GZIP and a message naming path and a member.
void expect_gzip_error(const std::string &path, const std::string &bytes, const char *what)
{
    SCOPED_TRACE(what);
    lvtest::write_file(path, bytes);
    std::string msg;
    lv_status st = open_error(path, &msg);
    EXPECT_EQ(st, LV_ERR_GZIP) << msg;
    EXPECT_TRUE(starts_with(msg, path + ": gzip member ")) << msg;
    EXPECT_NE(msg.find("compressed byte"), std::string::npos) << msg;
}

void check_corruptions(const std::string &gz, const std::string &path)
{
    const size_t n = gz.size();
    for (size_t at : {n / 3, n / 2, n * 2 / 3}) {
        std::string bad = gz;
        bad[at] = (char)(bad[at] ^ 0xff);
        bad[at + 1] = (char)(bad[at + 1] ^ 0x55);
        expect_gzip_error(path, bad, "flipped bytes");
    }
    for (size_t cut : {(size_t)2, (size_t)10, n / 4, n / 2, n - 8, n - 3, n - 1})
        expect_gzip_error(path, gz.substr(0, cut), "truncated");
    std::string bad_trailer = gz;
    bad_trailer[n - 6] = (char)(bad_trailer[n - 6] ^ 1); // CRC-32
    expect_gzip_error(path, bad_trailer, "bad crc");
    bad_trailer = gz;
    bad_trailer[n - 2] = (char)(bad_trailer[n - 2] ^ 1); // ISIZE
    expect_gzip_error(path, bad_trailer, "bad length");
}

} // namespace

TEST(SourceGzip, CorruptAndTruncatedAreGzipErrors)
{
    std::string text = make_text(2 * MiB, 12);
    std::string path = lvtest::temp_dir() + "/corrupt.mzML.gz";
    check_corruptions(gzip_member(text), path);
    check_corruptions(gzip_member(text, 0), path); // stored blocks: only the CRC can tell
    if (!lvtest::data_dir().empty()) {
        std::string multi = lvtest::read_file(lvtest::data_file("pymzml__example.mzML.idx.gz"));
        check_corruptions(multi, path);
        // Truncated in a later member: the message names that member.
        lvtest::write_file(path, multi.substr(0, multi.size() / 2));
        std::string msg;
        EXPECT_EQ(open_error(path, &msg), LV_ERR_GZIP);
        EXPECT_EQ(msg.find(path + ": gzip member 1:"), std::string::npos) << msg;
        EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    }
}

// A 128 MB multi-member stream with a tight memory cap: spacing doubling, restarts at points
// with windows in every block type, sequential cost, and throughput against plain zlib.
TEST(SourceGzip, LargeSyntheticMultiMember)
{
    const size_t total = 128 * MiB;
    std::string text = make_text(total, 13);
    // Members: fast level, empty, stored, fixed codes, Huffman-only, default level.  The stored
    // member makes the compressed file larger than the 64 MiB step in which the first pass
    // drops the mapped pages behind it.
    const size_t cuts[] = {0, 48 * MiB, 48 * MiB, 104 * MiB, 112 * MiB, 116 * MiB, total};
    const int levels[] = {1, 1, 0, 1, 1, 6};
    const int strategies[] = {Z_DEFAULT_STRATEGY, Z_DEFAULT_STRATEGY, Z_DEFAULT_STRATEGY, Z_FIXED,
                              Z_HUFFMAN_ONLY,     Z_DEFAULT_STRATEGY};
    std::string gz;
    for (int m = 0; m < 6; m++)
        gz += gzip_member(text.substr(cuts[m], cuts[m + 1] - cuts[m]), levels[m], strategies[m]);
    std::string path = lvtest::temp_dir() + "/large.mzML.gz";
    lvtest::write_file(path, gz);

    // Baseline: plain zlib inflate of the same bytes, output discarded (best of two).
    double zlib_s = 1e9;
    auto t0 = std::chrono::steady_clock::now();
    for (int rep = 0; rep < 2; rep++) {
        t0 = std::chrono::steady_clock::now();
        std::string unused;
        ASSERT_TRUE(inflate_all(gz, &unused, nullptr, false));
        zlib_s = std::min(zlib_s, seconds_since(t0));
    }

    lv_gzip_tuning t;
    lv_gzip_tuning_init(&t);
    t.span = 256 * KiB;
    t.index_cap = 2 * MiB;
    uint64_t rss_file0 = proc_kb("RssFile:");
    t0 = std::chrono::steady_clock::now();
    SourcePtr s = open_source(path, &t);
    ASSERT_TRUE(s);
    double open_s = seconds_since(t0);
    ASSERT_GT(gz.size(), 64 * MiB);
    if (rss_file0 > 0) { // the first pass left at most its last 64 MiB step of input resident
        EXPECT_LT(proc_kb("RssFile:"), rss_file0 + gz.size() - 32 * MiB);
    }
    EXPECT_EQ(lv_source_size(s.get()), total);
    EXPECT_EQ(lv_source_gzip_members(s.get()), 6u);
    lv_gzip_stats st;
    lv_gzip_stats_get(lv_source_gzip(s.get()), &st);
    EXPECT_LE(st.index_bytes, t.index_cap);
    EXPECT_GE(st.span, 8 * t.span); // 512 points wanted, at most ~64 fit: doubled 3+ times
    EXPECT_GE(st.points, 16u);
    EXPECT_LE(st.points, t.index_cap / (32 * KiB) + 1);

    // Sequential 64 KiB views overlapping by 4 KiB: one pass each, timed against plain zlib
    // (best of two walks; the second starts with a restart at offset 0).
    double walk_s = 1e9;
    uint64_t sum = 0;
    for (int rep = 0; rep < 2; rep++) {
        t0 = std::chrono::steady_clock::now();
        for (uint64_t off = 0; off < total; off += 60 * KiB) {
            const uint8_t *p;
            size_t got;
            ASSERT_EQ(lv_source_view(s.get(), off, 64 * KiB, &p, &got), LV_OK);
            sum += p[0] + p[got - 1];
        }
        walk_s = std::min(walk_s, seconds_since(t0));
        lv_gzip_stats_get(lv_source_gzip(s.get()), &st);
        EXPECT_LE(st.view_inflated, (rep + 1) * total);
        EXPECT_EQ(st.view_restarts, rep + 1u);
    }
    EXPECT_GT(sum, 0u);
    // Once more with releases: the compressed pages behind the stream leave the resident set.
    for (uint64_t off = 0; off < total; off += 8 * MiB) {
        ASSERT_TRUE(view_matches(s.get(), text, off, 8 * MiB));
        lv_source_release_before(s.get(), off + 8 * MiB);
    }
    if (rss_file0 > 0) {
        EXPECT_LT(proc_kb("RssFile:"), rss_file0 + 16 * MiB);
    }
    std::printf("[ source   ] %zu MB gzip (%zu MB compressed, 6 members, one stored): plain zlib "
                "inflate %.0f MB/s, open pass %.0f MB/s, sequential 64 KiB views %.0f MB/s (%.2fx "
                "zlib); "
                "%u access points, span %llu KiB, index %zu KiB\n",
                total / MiB, gz.size() / MiB, total / 1e6 / zlib_s, total / 1e6 / open_s,
                total / 1e6 / walk_s, zlib_s / walk_s, st.points,
                (unsigned long long)(st.span / KiB), st.index_bytes / KiB);

    // Random views (restarts at points inside every kind of member), large views, releases.
    random_views(s.get(), text, 60, 14);
    for (size_t b : {72 * MiB, 76 * MiB, 84 * MiB, 88 * MiB})
        ASSERT_TRUE(view_matches(s.get(), text, b - 100, 200));
    ASSERT_TRUE(view_matches(s.get(), text, 10 * MiB + 17, 40 * MiB)); // a 40 MB view
    lv_gzip_stats_get(lv_source_gzip(s.get()), &st);
    ASSERT_TRUE(view_matches(s.get(), text, 30 * MiB, 20 * MiB)); // inside it: no inflate
    lv_gzip_stats after;
    lv_gzip_stats_get(lv_source_gzip(s.get()), &after);
    EXPECT_EQ(after.view_inflated, st.view_inflated);
    // A small view after the huge one inflates a span and the read-ahead, not a buffer's worth.
    ASSERT_TRUE(view_matches(s.get(), text, 100 * MiB + 3, 1000));
    lv_gzip_stats_get(lv_source_gzip(s.get()), &st);
    EXPECT_LE(st.view_inflated - after.view_inflated, st.span + t.view_readahead + 1000);
    lv_source_release_before(s.get(), 100 * MiB);
    ASSERT_TRUE(view_matches(s.get(), text, 5 * MiB, MiB)); // backward after a release
    lv_source_release_before(s.get(), total);
    ASSERT_TRUE(view_matches(s.get(), text, total - 5 * MiB, 6 * MiB));

    // Overlapping 16 MiB views advancing by 1 MiB: about one pass, not 16.
    lv_gzip_stats before;
    lv_gzip_stats_get(lv_source_gzip(s.get()), &before);
    for (uint64_t off = 32 * MiB; off < 64 * MiB; off += MiB)
        ASSERT_TRUE(view_matches(s.get(), text, off, 16 * MiB));
    lv_gzip_stats_get(lv_source_gzip(s.get()), &st);
    EXPECT_LE(st.view_inflated - before.view_inflated, 64 * MiB + st.span);
}

// ---- RSS bound --------------------------------------------------------------------------------

TEST(Source, RssStaysBoundedWhenStreamingLargeFile)
{
    const uint64_t total = 2048ull * MiB;
    std::string dir = lvtest::temp_dir();
    struct statvfs vfs;
    ASSERT_EQ(statvfs(dir.c_str(), &vfs), 0);
    if ((uint64_t)vfs.f_bavail * vfs.f_frsize < 4096ull * MiB)
        GTEST_SKIP() << "less than 4 GB free in " << dir;
    // Text every 256 MiB, holes in between: quick to make, and the holes still read (as zeros)
    // through the page cache, so every page of the 2 GB costs resident memory when touched.
    std::string path = dir + "/big.mzML";
    std::string block = make_text(MiB, 15);
    {
        int fd = open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
        ASSERT_GE(fd, 0);
        for (uint64_t at = 0; at < total; at += 256 * MiB)
            ASSERT_EQ(pwrite(fd, block.data(), block.size(), (off_t)at), (ssize_t)block.size());
        ASSERT_EQ(ftruncate(fd, (off_t)total), 0);
        close(fd);
    }
    SourcePtr s = open_source(path);
    ASSERT_TRUE(s);
    ASSERT_EQ(lv_source_size(s.get()), total);
    const long page = sysconf(_SC_PAGESIZE);

    auto stream = [&](uint64_t begin, uint64_t end, bool release, uint64_t *max_rss) {
        const size_t step = 8 * MiB;
        uint64_t sum = 0;
        for (uint64_t off = begin; off < end; off += step) {
            const uint8_t *p;
            size_t got;
            ASSERT_EQ(lv_source_view(s.get(), off, step + 4096, &p, &got), LV_OK);
            for (size_t i = 0; i < got; i += (size_t)page)
                sum += p[i];
            if (off % (256 * MiB) == 0) {
                ASSERT_EQ(std::memcmp(p, block.data(), MiB), 0);
            }
            *max_rss = std::max(*max_rss, proc_kb("VmRSS:"));
            if (release) lv_source_release_before(s.get(), off + step);
        }
        EXPECT_GT(sum, 0u);
    };

    // Reset the peak (VmHWM) to the current RSS where the kernel allows it.
    {
        std::ofstream clear("/proc/self/clear_refs");
        clear << "5";
    }
    uint64_t rss0 = proc_kb("VmRSS:"), max_rss = rss0;
    stream(0, total, true, &max_rss);
    uint64_t hwm = proc_kb("VmHWM:");
    std::printf("[ source   ] streamed 2 GiB in 8 MiB views with release: VmRSS start %llu MB, "
                "max %llu MB, VmHWM %llu MB\n",
                (unsigned long long)(rss0 >> 20), (unsigned long long)(max_rss >> 20),
                (unsigned long long)(hwm >> 20));
    EXPECT_LT(max_rss, 150 * MiB);
    EXPECT_LT(hwm, 150 * MiB + rss0);

    // Control: without releases the same loop does grow the resident set, so the bound above is
    // the release's doing and not the kernel's.
    uint64_t control_max = proc_kb("VmRSS:");
    stream(0, 512 * MiB, false, &control_max);
    EXPECT_GT(control_max, 400 * MiB);
    lv_source_release_before(s.get(), total);
    EXPECT_LT(proc_kb("VmRSS:"), 150 * MiB);

    // A second pass through the mapping pointer (no views): releases at offsets below the
    // previous ones start a new pass, so the resident set stays bounded again.
    const uint8_t *map = lv_source_mapping(s.get());
    uint64_t second_max = 0, sum = 0;
    for (uint64_t off = 0; off < 1024 * MiB; off += 8 * MiB) {
        for (uint64_t i = off; i < off + 8 * MiB; i += (uint64_t)page)
            sum += map[i];
        second_max = std::max(second_max, proc_kb("VmRSS:"));
        lv_source_release_before(s.get(), off + 8 * MiB);
    }
    EXPECT_GT(sum, 0u);
    EXPECT_LT(second_max, 150 * MiB);
    std::printf("[ source   ] without release 512 MiB streamed: VmRSS max %llu MB; second pass "
                "through the mapping with release: max %llu MB\n",
                (unsigned long long)(control_max >> 20), (unsigned long long)(second_max >> 20));
    s.reset();
    unlink(path.c_str());
}
