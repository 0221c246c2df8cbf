// The mzML writer on simulated files: copy-through, processed spectra read back exactly, byte
// identity of unprocessed records, gzip sources, a reader and a writer on two threads, argument
// and ordering errors, and the temporary file's life cycle.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "test_support.h"
#include "writer_check.h"

namespace
{

using lvtest::Expected;
using lvtest::Replace;

std::string simulated(const std::string &name, uint64_t bytes, uint64_t seed = 7)
{
    std::string path = lvtest::temp_dir() + "/" + name;
    struct stat sb;
    if (stat(path.c_str(), &sb) == 0) return path;
    lv_simulate_params sp;
    lv_simulate_params_init(&sp);
    sp.target_bytes = bytes;
    sp.seed = seed;
    sp.ms1_points = 4000;
    sp.ms2_per_cycle = 3;
    EXPECT_EQ(lv_simulate(path.c_str(), &sp), LV_OK) << lv_last_error();
    return path;
}

// Files in dir whose name starts with prefix.
std::vector<std::string> files_with_prefix(const std::string &dir, const std::string &prefix)
{
    std::vector<std::string> out;
    DIR *d = opendir(dir.c_str());
    if (!d) return out;
    while (struct dirent *e = readdir(d))
        if (std::string(e->d_name).rfind(prefix, 0) == 0) out.push_back(e->d_name);
    closedir(d);
    return out;
}

TEST(Writer, CopyThroughKeepsEveryRecordAndVerifies)
{
    std::string src = simulated("copy.mzML", 1 << 20);
    std::string out = lvtest::temp_dir() + "/copy_out.mzML";
    std::string err;
    ASSERT_EQ(lvtest::write_copy(src, out, Replace::None, 1, nullptr, &err), LV_OK) << err;
    lvtest::check_copy(src, out, {});
    // Only the header's lists and the index differ from the source.
    std::string xml = lvtest::xml_text(out);
    EXPECT_NE(xml.find("<software id=\"lavoisier\" version=\"" LV_VERSION_STRING "\">"),
              std::string::npos);
    EXPECT_NE(xml.find("accession=\"MS:1000035\" name=\"peak picking\""), std::string::npos);
    EXPECT_NE(xml.find("value=\"test halve every other point\""), std::string::npos);
}

TEST(Writer, ProcessedSpectraReadBackExactly)
{
    std::string src = simulated("proc.mzML", 2 << 20);
    for (uint32_t threads : {1u, 3u}) {
        std::string out = lvtest::temp_dir() + "/proc_out" + std::to_string(threads) + ".mzML";
        std::map<uint64_t, Expected> expect;
        std::string err;
        ASSERT_EQ(lvtest::write_copy(src, out, Replace::EveryOther, threads, &expect, &err), LV_OK)
            << err;
        ASSERT_GT(expect.size(), 10u);
        lvtest::check_copy(src, out, expect);
    }
    // Same bytes whatever the thread count.
    EXPECT_EQ(lvtest::xml_text(lvtest::temp_dir() + "/proc_out1.mzML"),
              lvtest::xml_text(lvtest::temp_dir() + "/proc_out3.mzML"));
}

/* The record rewriter jumps over a payload by its encodedLength only when that lands on
 * "</binary>"; wrong lengths (same number of digits, so no offset moves) must make it scan. */
TEST(Writer, WrongEncodedLengthsAreScannedOver)
{
    std::string good = simulated("enclen.mzML", 1 << 20);
    std::string text = lvtest::xml_text(good);
    const std::string attr = "<binaryDataArray encodedLength=\"";
    size_t changed = 0;
    for (size_t at = text.find(attr); at != std::string::npos; at = text.find(attr, at + 1)) {
        size_t v = at + attr.size(), e = text.find('"', v);
        if (e == std::string::npos || e == v) continue;
        char &last = text[e - 1];
        last = last == '9' ? '0' : static_cast<char>(last + 1);
        changed++;
    }
    ASSERT_GT(changed, 10u);
    std::string src = lvtest::temp_dir() + "/enclen_bad.mzML";
    FILE *f = fopen(src.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(fwrite(text.data(), 1, text.size(), f), text.size());
    fclose(f);
    std::string out = lvtest::temp_dir() + "/enclen_out.mzML";
    std::map<uint64_t, Expected> expect;
    std::string err;
    ASSERT_EQ(lvtest::write_copy(src, out, Replace::EveryOther, 2, &expect, &err), LV_OK) << err;
    ASSERT_GT(expect.size(), 10u);
    lvtest::check_copy(src, out, expect);
}

TEST(Writer, SoftwareAndProcessingCountsGrowByOne)
{
    std::string src = simulated("counts.mzML", 1 << 20);
    std::string out = lvtest::temp_dir() + "/counts_out.mzML";
    std::string err;
    ASSERT_EQ(lvtest::write_copy(src, out, Replace::All, 2, nullptr, &err), LV_OK) << err;
    std::string a = lvtest::xml_text(src), b = lvtest::xml_text(out);
    auto count_of = [](const std::string &x, const std::string &tag) {
        size_t i = x.find("<" + tag + " count=\"");
        return i == std::string::npos ? -1 : std::stoi(x.substr(i + tag.size() + 9));
    };
    EXPECT_EQ(count_of(b, "softwareList"), count_of(a, "softwareList") + 1);
    EXPECT_EQ(count_of(b, "dataProcessingList"), count_of(a, "dataProcessingList") + 1);
    // Every spectrum was processed: none keeps the profile term, all point to our entry.
    EXPECT_EQ(b.find("accession=\"MS:1000128\""), std::string::npos);
    size_t refs = 0;
    for (size_t i = 0;
         (i = b.find("dataProcessingRef=\"lavoisier_processing\"", i)) != std::string::npos; i++)
        refs++;
    EXPECT_EQ(refs, lvtest::records(b, "spectrum").size());
}

TEST(Writer, RewritingItsOwnOutputKeepsIdsUnique)
{
    std::string src = simulated("again.mzML", 1 << 20);
    std::string once = lvtest::temp_dir() + "/again1.mzML",
                twice = lvtest::temp_dir() + "/again2.mzML";
    std::string err;
    std::map<uint64_t, Expected> e1, e2;
    ASSERT_EQ(lvtest::write_copy(src, once, Replace::EveryOther, 1, &e1, &err), LV_OK) << err;
    ASSERT_EQ(lvtest::write_copy(once, twice, Replace::None, 1, &e2, &err), LV_OK) << err;
    std::string x = lvtest::xml_text(twice);
    EXPECT_NE(x.find("<software id=\"lavoisier_2\""), std::string::npos);
    EXPECT_NE(x.find("<dataProcessing id=\"lavoisier_processing_2\""), std::string::npos);
    lvtest::check_copy(once, twice, {});
}

TEST(Writer, GzipSourceGivesTheSameOutput)
{
    std::string src = simulated("gz.mzML", 1 << 20);
    std::string gz = lvtest::temp_dir() + "/gz.mzML.gz";
    {
        std::string xml = lvtest::xml_text(src);
        gzFile f = gzopen(gz.c_str(), "wb6");
        ASSERT_NE(f, nullptr);
        ASSERT_EQ(gzwrite(f, xml.data(), static_cast<unsigned>(xml.size())),
                  static_cast<int>(xml.size()));
        gzclose(f);
    }
    std::string o1 = lvtest::temp_dir() + "/gz_plain_out.mzML",
                o2 = lvtest::temp_dir() + "/gz_out.mzML";
    std::string err;
    std::map<uint64_t, Expected> e1, e2;
    ASSERT_EQ(lvtest::write_copy(src, o1, Replace::EveryOther, 2, &e1, &err), LV_OK) << err;
    ASSERT_EQ(lvtest::write_copy(gz, o2, Replace::EveryOther, 2, &e2, &err), LV_OK) << err;
    EXPECT_EQ(lvtest::read_file(o1), lvtest::read_file(o2));
    lvtest::check_copy(gz, o2, e2);
}

// A reader thread streams batches while the main thread writes the earlier ones.
TEST(Writer, ReaderAndWriterOnTwoThreads)
{
    std::string src = simulated("threads.mzML", 2 << 20);
    std::string gz = lvtest::temp_dir() + "/threads.mzML.gz";
    {
        std::string xml = lvtest::xml_text(src);
        gzFile f = gzopen(gz.c_str(), "wb1");
        ASSERT_NE(f, nullptr);
        gzwrite(f, xml.data(), static_cast<unsigned>(xml.size()));
        gzclose(f);
    }
    for (const std::string &in : {src, gz}) {
        lv_reader_params rp;
        lv_reader_params_init(&rp);
        rp.batch_points = 20000;
        lv_reader *r = nullptr;
        ASSERT_EQ(lv_reader_open(in.c_str(), &rp, &r), LV_OK) << lv_last_error();
        std::string out = in + ".threads_out.mzML";
        lv_writer *w = nullptr;
        ASSERT_EQ(lv_writer_open(out.c_str(), r, nullptr, &w), LV_OK) << lv_last_error();
        std::mutex m;
        std::condition_variable cv;
        std::deque<lv_batch *> q;
        bool done = false;
        lv_status read_status = LV_OK;
        std::thread reader([&] {
            for (;;) {
                lv_batch *b = nullptr;
                lv_status st = lv_reader_next(r, &b);
                std::lock_guard<std::mutex> g(m);
                if (st != LV_OK || !b) {
                    read_status = st;
                    done = true;
                    cv.notify_one();
                    return;
                }
                q.push_back(b);
                cv.notify_one();
            }
        });
        std::map<uint64_t, Expected> expect;
        lv_status wst = LV_OK;
        for (;;) {
            lv_batch *b = nullptr;
            {
                std::unique_lock<std::mutex> l(m);
                cv.wait(l, [&] { return done || !q.empty(); });
                if (q.empty()) break;
                b = q.front();
                q.pop_front();
            }
            lv_batch *p = lvtest::halve(b, Replace::EveryOther, &expect);
            lv_batch_destroy(b);
            if (wst == LV_OK) wst = lv_writer_write(w, p);
            lv_batch_destroy(p);
        }
        reader.join();
        EXPECT_EQ(read_status, LV_OK);
        ASSERT_EQ(wst, LV_OK) << lv_last_error();
        ASSERT_EQ(lv_writer_finish(w), LV_OK) << lv_last_error();
        lv_writer_close(w);
        lv_reader_close(r);
        lvtest::check_copy(in, out, expect);
    }
}

struct Opened {
    lv_reader *r = nullptr;
    lv_writer *w = nullptr;
    ~Opened()
    {
        lv_writer_close(w);
        lv_reader_close(r);
    }
};

TEST(Writer, BatchesMustComeInOrder)
{
    std::string src = simulated("order.mzML", 1 << 20);
    std::string out = lvtest::temp_dir() + "/order_out.mzML";
    Opened o;
    ASSERT_EQ(lv_reader_open(src.c_str(), nullptr, &o.r), LV_OK);
    ASSERT_EQ(lv_writer_open(out.c_str(), o.r, nullptr, &o.w), LV_OK) << lv_last_error();
    lv_batch *late = nullptr, *early = nullptr;
    ASSERT_EQ(lv_reader_read(o.r, LV_RECORD_SPECTRUM, 10, 5, &late), LV_OK);
    ASSERT_EQ(lv_reader_read(o.r, LV_RECORD_SPECTRUM, 2, 5, &early), LV_OK);
    EXPECT_EQ(lv_writer_write(o.w, late), LV_OK) << lv_last_error();
    EXPECT_EQ(lv_writer_write(o.w, early), LV_ERR_INVALID_ARGUMENT);
    std::string msg = lv_last_error();
    EXPECT_NE(msg.find(out), std::string::npos) << msg;
    EXPECT_NE(msg.find("increasing spectrum order"), std::string::npos) << msg;
    EXPECT_EQ(lv_writer_write(o.w, late), LV_ERR_INVALID_ARGUMENT) << "the same batch twice";
    // A rejected batch leaves the writer usable.
    EXPECT_EQ(lv_writer_finish(o.w), LV_OK) << lv_last_error();
    lv_batch_destroy(late);
    lv_batch_destroy(early);
    lvtest::check_copy(src, out, {});
}

TEST(Writer, RejectsBatchesOfAnotherFileAndChromatograms)
{
    std::string small = simulated("small.mzML", 256 << 10);
    std::string big = simulated("big.mzML", 2 << 20, 9);
    std::string out = lvtest::temp_dir() + "/other_out.mzML";
    Opened o, other;
    ASSERT_EQ(lv_reader_open(small.c_str(), nullptr, &o.r), LV_OK);
    ASSERT_EQ(lv_reader_open(big.c_str(), nullptr, &other.r), LV_OK);
    lv_file_info info{};
    info.size = sizeof info;
    ASSERT_EQ(lv_reader_info(o.r, &info), LV_OK);
    ASSERT_EQ(lv_writer_open(out.c_str(), o.r, nullptr, &o.w), LV_OK);
    lv_batch *b = nullptr;
    ASSERT_EQ(lv_reader_read(other.r, LV_RECORD_SPECTRUM, info.n_spectra, 2, &b), LV_OK);
    EXPECT_EQ(lv_writer_write(o.w, b), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("another file"), std::string::npos)
        << lv_last_error();
    lv_batch_destroy(b);
    // Same index, different id.
    ASSERT_EQ(lv_reader_read(o.r, LV_RECORD_SPECTRUM, 0, 1, &b), LV_OK);
    b->id_arena[0] = '#';
    EXPECT_EQ(lv_writer_write(o.w, b), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("has id"), std::string::npos) << lv_last_error();
    lv_batch_destroy(b);
    ASSERT_EQ(lv_reader_read(o.r, LV_RECORD_CHROMATOGRAM, 0, 1, &b), LV_OK);
    EXPECT_EQ(lv_writer_write(o.w, b), LV_ERR_INVALID_ARGUMENT);
    lv_batch_destroy(b);
}

TEST(Writer, CloseWithoutFinishLeavesNothing)
{
    std::string src = simulated("abandon.mzML", 1 << 20);
    std::string dir = lvtest::temp_dir() + "/abandon";
    mkdir(dir.c_str(), 0777);
    std::string out = dir + "/out.mzML";
    {
        Opened o;
        ASSERT_EQ(lv_reader_open(src.c_str(), nullptr, &o.r), LV_OK);
        ASSERT_EQ(lv_writer_open(out.c_str(), o.r, nullptr, &o.w), LV_OK);
        lv_batch *b = nullptr;
        ASSERT_EQ(lv_reader_next(o.r, &b), LV_OK);
        lv_batch *p = lvtest::halve(b, Replace::All, nullptr);
        EXPECT_EQ(lv_writer_write(o.w, p), LV_OK) << lv_last_error();
        lv_batch_destroy(b);
        lv_batch_destroy(p);
        EXPECT_EQ(files_with_prefix(dir, "out.mzML.tmp-").size(), 1u) << "work goes to a temp file";
        EXPECT_TRUE(files_with_prefix(dir, "out.mzML").size() == 1u) << "path not touched yet";
    }
    EXPECT_TRUE(files_with_prefix(dir, "out.mzML").empty());
    // Finishing renames: only the output remains.
    {
        Opened o;
        ASSERT_EQ(lv_reader_open(src.c_str(), nullptr, &o.r), LV_OK);
        ASSERT_EQ(lv_writer_open(out.c_str(), o.r, nullptr, &o.w), LV_OK);
        ASSERT_EQ(lv_writer_finish(o.w), LV_OK);
        EXPECT_EQ(lv_writer_finish(o.w), LV_ERR_INVALID_ARGUMENT);
    }
    auto left = files_with_prefix(dir, "out.mzML");
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0], "out.mzML");
}

TEST(Writer, ArgumentErrorsNameTheProblem)
{
    std::string src = simulated("args.mzML", 256 << 10);
    Opened o;
    ASSERT_EQ(lv_reader_open(src.c_str(), nullptr, &o.r), LV_OK);
    lv_writer *w = nullptr;
    EXPECT_EQ(lv_writer_open(nullptr, o.r, nullptr, &w), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_writer_open("x.mzML", nullptr, nullptr, &w), LV_ERR_INVALID_ARGUMENT);
    lv_writer_params wp;
    lv_writer_params_init(&wp);
    EXPECT_EQ(wp.compress, 1u);
    wp.size = 3;
    EXPECT_EQ(lv_writer_open("x.mzML", o.r, &wp, &w), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("lv_writer_params"), std::string::npos);
    std::string bad = lvtest::temp_dir() + "/no/such/dir/out.mzML";
    EXPECT_EQ(lv_writer_open(bad.c_str(), o.r, nullptr, &w), LV_ERR_IO);
    EXPECT_NE(std::string(lv_last_error()).find(bad), std::string::npos) << lv_last_error();
    EXPECT_EQ(w, nullptr);
    EXPECT_EQ(lv_writer_write(nullptr, nullptr), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_writer_finish(nullptr), LV_ERR_INVALID_ARGUMENT);
    lv_writer_close(nullptr);
}

TEST(Writer, UncompressedArraysReadBack)
{
    std::string src = simulated("raw.mzML", 1 << 20);
    std::string out = lvtest::temp_dir() + "/raw_out.mzML";
    Opened o;
    ASSERT_EQ(lv_reader_open(src.c_str(), nullptr, &o.r), LV_OK);
    lv_writer_params wp;
    lv_writer_params_init(&wp);
    wp.compress = 0;
    ASSERT_EQ(lv_writer_open(out.c_str(), o.r, &wp, &o.w), LV_OK);
    std::map<uint64_t, Expected> expect;
    for (;;) {
        lv_batch *b = nullptr;
        ASSERT_EQ(lv_reader_next(o.r, &b), LV_OK);
        if (!b) break;
        lv_batch *p = lvtest::halve(b, Replace::EveryOther, &expect);
        ASSERT_EQ(lv_writer_write(o.w, p), LV_OK) << lv_last_error();
        lv_batch_destroy(b);
        lv_batch_destroy(p);
    }
    ASSERT_EQ(lv_writer_finish(o.w), LV_OK) << lv_last_error();
    lvtest::check_copy(src, out, expect);
    std::string x = lvtest::xml_text(out);
    EXPECT_NE(x.find("name=\"no compression\""), std::string::npos);
}

// A failing write() (here EFBIG from a file size limit, the same path as ENOSPC) is reported
// with the output's name and leaves no file behind.  Run in a child: the limit is per process.
TEST(Writer, WriteFailureIsReported)
{
    std::string src = simulated("full.mzML", 2 << 20);
    std::string out = lvtest::temp_dir() + "/full_out.mzML";
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1 << 20, 1 << 20};
        setrlimit(RLIMIT_FSIZE, &rl);
        /* 1 thread: written in the caller; 2: by the stream's background stage, whose failure
         * (and message) must surface on the caller's thread all the same. */
        bool ok = true;
        for (uint32_t threads : {1u, 2u}) {
            std::string err;
            lv_status st =
                lvtest::write_copy(src, out, Replace::EveryOther, threads, nullptr, &err);
            ok = ok && st == LV_ERR_IO && err.find(out) != std::string::npos &&
                 err.find("write failed") != std::string::npos;
        }
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "expected LV_ERR_IO naming the output";
    EXPECT_TRUE(files_with_prefix(lvtest::temp_dir(), "full_out.mzML").empty());
}

} // namespace
