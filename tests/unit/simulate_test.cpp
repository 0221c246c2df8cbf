// The simulator (host/sim) and its encoders: files it writes are checked independently of the
// project's reader, with libxml2 for the markup, a local base64 decoder and zlib's own inflate.
#include <gtest/gtest.h>

#include <libxml/parser.h>
#include <zlib.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <map>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "io/base64.h"
#include "io/sha1.h"
#include "lavoisier.h"
#include "sim/sim_deflate.h"
#include "test_support.h"

namespace
{

// ---- small helpers ----------------------------------------------------------------------------

std::string b64_decode(const std::string &in)
{
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        size_t v = alphabet.find(c);
        if (v == std::string::npos) ADD_FAILURE() << "bad base64 character " << int(c);
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return out;
}

std::string inflate_all(const std::string &z, size_t expected)
{
    std::string out(expected, '\0');
    uLongf n = static_cast<uLongf>(expected);
    int rc = uncompress(reinterpret_cast<Bytef *>(&out[0]), &n,
                        reinterpret_cast<const Bytef *>(z.data()), static_cast<uLong>(z.size()));
    EXPECT_EQ(rc, Z_OK);
    EXPECT_EQ(n, expected);
    out.resize(n);
    return out;
}

// Value of attribute `name` in the start tag beginning at `pos`.
std::string attr(const std::string &doc, size_t pos, const std::string &name)
{
    size_t end = doc.find('>', pos);
    size_t a = doc.find(" " + name + "=\"", pos);
    if (a == std::string::npos || a > end) return "";
    a += name.size() + 3;
    return doc.substr(a, doc.find('"', a) - a);
}

// Value of the cvParam with this accession within [from, to).
std::string cv_value(const std::string &doc, size_t from, size_t to, const std::string &acc)
{
    size_t a = doc.find("accession=\"" + acc + "\"", from);
    if (a == std::string::npos || a >= to) return "";
    size_t tag = doc.rfind('<', a);
    return attr(doc, tag, "value");
}

bool has_cv(const std::string &doc, size_t from, size_t to, const std::string &acc)
{
    size_t a = doc.find("accession=\"" + acc + "\"", from);
    return a != std::string::npos && a < to;
}

struct Array {
    std::string raw; // decoded, inflated bytes
    bool is64 = false;
    std::string role; // MS accession of the array type
};

// All binaryDataArrays of the record [from, to), checking encodedLength and the encoding terms.
std::vector<Array> arrays_of(const std::string &doc, size_t from, size_t to, uint64_t length)
{
    std::vector<Array> out;
    size_t p = from;
    while ((p = doc.find("<binaryDataArray ", p)) != std::string::npos && p < to) {
        size_t end = doc.find("</binaryDataArray>", p);
        Array a;
        a.is64 = has_cv(doc, p, end, "MS:1000523");
        EXPECT_TRUE(a.is64 || has_cv(doc, p, end, "MS:1000521"));
        for (const char *role : {"MS:1000514", "MS:1000515", "MS:1000595"})
            if (has_cv(doc, p, end, role)) a.role = role;
        bool zlib = has_cv(doc, p, end, "MS:1000574");
        EXPECT_TRUE(zlib || has_cv(doc, p, end, "MS:1000576"));
        size_t b = doc.find("<binary>", p) + 8;
        size_t e = doc.find("</binary>", b);
        std::string text = doc.substr(b, e - b);
        EXPECT_EQ(std::to_string(text.size()), attr(doc, p, "encodedLength"));
        std::string bytes = b64_decode(text);
        size_t want = length * (a.is64 ? 8 : 4);
        a.raw = zlib ? inflate_all(bytes, want) : bytes;
        EXPECT_EQ(a.raw.size(), want);
        out.push_back(a);
        p = end;
    }
    return out;
}

std::vector<double> values(const Array &a)
{
    std::vector<double> v;
    size_t w = a.is64 ? 8 : 4;
    for (size_t i = 0; i + w <= a.raw.size(); i += w) {
        if (a.is64) {
            double d;
            memcpy(&d, a.raw.data() + i, 8);
            v.push_back(d);
        } else {
            float f;
            memcpy(&f, a.raw.data() + i, 4);
            v.push_back(f);
        }
    }
    return v;
}

lv_simulate_params params_for(uint64_t bytes, uint64_t seed = 1)
{
    lv_simulate_params p;
    lv_simulate_params_init(&p);
    p.target_bytes = bytes;
    p.seed = seed;
    return p;
}

bool temp_files_left(const std::string &dir)
{
    DIR *d = opendir(dir.c_str());
    if (!d) return false;
    bool found = false;
    while (struct dirent *e = readdir(d))
        if (strstr(e->d_name, ".tmp-")) found = true;
    closedir(d);
    return found;
}

struct Spectrum {
    size_t start, end;
    std::string id;
    int ms_level;
    uint64_t length;
};

// ---- the whole-file check ---------------------------------------------------------------------

// Checks one simulated file from end to end; `decode_every` decodes each spectrum's arrays
// (otherwise every 7th).
void check_file(const std::string &path, uint64_t target, bool decode_every)
{
    SCOPED_TRACE(path);
    bool ok = false;
    const std::string doc = lvtest::read_file(path, &ok);
    ASSERT_TRUE(ok);

    // Well-formed XML (libxml2 parses every byte, base64 included).
    xmlDocPtr xml = xmlReadFile(path.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_HUGE);
    ASSERT_NE(xml, nullptr) << "not well-formed";
    xmlFreeDoc(xml);

    ASSERT_EQ(doc.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<indexedmzML ", 0), 0u);
    EXPECT_NE(doc.find("<mzML xmlns=\"http://psi.hupo.org/ms/mzml\""), std::string::npos);
    EXPECT_NE(doc.find("version=\"1.1.0\""), std::string::npos);
    EXPECT_NE(doc.find(std::string("<software id=\"lavoisier\" version=\"") + lv_version()),
              std::string::npos);

    // Checksum: SHA-1 of everything up to and including "<fileChecksum>".
    const std::string tag = "<fileChecksum>";
    size_t cs = doc.rfind(tag);
    ASSERT_NE(cs, std::string::npos);
    lv_sha1 sha;
    lv_sha1_init(&sha);
    lv_sha1_update(&sha, doc.data(), cs + tag.size());
    char hex[41];
    lv_sha1_final_hex(&sha, hex);
    EXPECT_EQ(doc.substr(cs + tag.size(), 40), hex);
    EXPECT_EQ(doc.substr(cs + tag.size() + 40), "</fileChecksum>\n</indexedmzML>\n");

    // indexListOffset -> "<indexList".
    size_t ilo = doc.rfind("<indexListOffset>");
    ASSERT_NE(ilo, std::string::npos);
    uint64_t index_off = std::strtoull(doc.c_str() + ilo + 17, nullptr, 10);
    ASSERT_LT(index_off, doc.size());
    EXPECT_EQ(doc.compare(index_off, 11, "<indexList "), 0);

    // Every offset lands on its record's start tag with the matching id.
    std::vector<Spectrum> spectra;
    std::map<std::string, size_t> by_id;
    size_t chrom_offsets = 0;
    for (size_t p = doc.find("<offset idRef=\"", index_off); p != std::string::npos;
         p = doc.find("<offset idRef=\"", p + 1)) {
        std::string id = attr(doc, p, "idRef");
        uint64_t off = std::strtoull(doc.c_str() + doc.find('>', p) + 1, nullptr, 10);
        ASSERT_LT(off, doc.size());
        if (id == "TIC") {
            chrom_offsets++;
            EXPECT_EQ(doc.compare(off, 14, "<chromatogram "), 0);
            EXPECT_EQ(attr(doc, off, "id"), "TIC");
            continue;
        }
        ASSERT_EQ(doc.compare(off, 10, "<spectrum "), 0) << id;
        EXPECT_EQ(attr(doc, off, "id"), id);
        Spectrum s;
        s.start = off;
        s.end = doc.find("</spectrum>", off);
        s.id = id;
        s.ms_level = std::atoi(cv_value(doc, off, s.end, "MS:1000511").c_str());
        s.length = std::strtoull(attr(doc, off, "defaultArrayLength").c_str(), nullptr, 10);
        EXPECT_EQ(attr(doc, off, "index"), std::to_string(spectra.size()));
        EXPECT_EQ(id,
                  "controllerType=0 controllerNumber=1 scan=" + std::to_string(spectra.size() + 1));
        by_id[id] = spectra.size();
        spectra.push_back(s);
    }
    EXPECT_EQ(chrom_offsets, 1u);

    // The count attribute is exact and every spectrum is indexed.
    size_t list = doc.find("<spectrumList ");
    ASSERT_NE(list, std::string::npos);
    EXPECT_EQ(attr(doc, list, "count"), std::to_string(spectra.size()));
    size_t n_tags = 0;
    for (size_t p = doc.find("<spectrum "); p != std::string::npos;
         p = doc.find("<spectrum ", p + 1))
        n_tags++;
    EXPECT_EQ(n_tags, spectra.size());
    ASSERT_GE(spectra.size(), 1u);
    EXPECT_EQ(spectra[0].ms_level, 1) << "a run starts with an MS1 scan";

    // Size: within 10% of the target from 1 MiB on.
    if (target >= (1u << 20)) {
        EXPECT_GT(static_cast<double>(doc.size()), 0.9 * target);
        EXPECT_LT(static_cast<double>(doc.size()), 1.1 * target);
    }

    // Spectra: metadata, arrays, and precursors seen in their survey scan.
    double last_rt = -1;
    size_t decoded = 0, checked_precursors = 0;
    for (size_t i = 0; i < spectra.size(); i++) {
        const Spectrum &s = spectra[i];
        SCOPED_TRACE(s.id);
        double rt = std::atof(cv_value(doc, s.start, s.end, "MS:1000016").c_str()) * 60.0;
        EXPECT_GT(rt, last_rt) << "scan start times increase";
        last_rt = rt;
        EXPECT_NE(doc.find("unitAccession=\"UO:0000031\"", s.start), std::string::npos);
        EXPECT_TRUE(has_cv(doc, s.start, s.end, "MS:1000130"));
        if (s.ms_level == 1) {
            EXPECT_TRUE(has_cv(doc, s.start, s.end, "MS:1000579"));
            EXPECT_TRUE(has_cv(doc, s.start, s.end, "MS:1000128"));
        } else {
            ASSERT_EQ(s.ms_level, 2);
            EXPECT_TRUE(has_cv(doc, s.start, s.end, "MS:1000580"));
            EXPECT_TRUE(has_cv(doc, s.start, s.end, "MS:1000127"));
            EXPECT_TRUE(has_cv(doc, s.start, s.end, "MS:1000422"));
            EXPECT_FALSE(cv_value(doc, s.start, s.end, "MS:1000041").empty());
        }
        if (!decode_every && i % 7 != 0 && s.ms_level == 1) continue;
        std::vector<Array> arrays = arrays_of(doc, s.start, s.end, s.length);
        ASSERT_EQ(arrays.size(), 2u);
        EXPECT_EQ(arrays[0].role, "MS:1000514");
        EXPECT_TRUE(arrays[0].is64);
        EXPECT_EQ(arrays[1].role, "MS:1000515");
        EXPECT_FALSE(arrays[1].is64);
        std::vector<double> mz = values(arrays[0]), in = values(arrays[1]);
        ASSERT_EQ(mz.size(), s.length);
        ASSERT_GT(mz.size(), 0u);
        double tic = 0, base = -1;
        for (size_t k = 0; k < mz.size(); k++) {
            if (k > 0) {
                ASSERT_LT(mz[k - 1], mz[k]) << "m/z sorted, no duplicates";
            }
            ASSERT_TRUE(std::isfinite(in[k]) && in[k] >= 0) << in[k];
            tic += in[k];
            base = std::max(base, in[k]);
        }
        EXPECT_EQ(std::strtod(cv_value(doc, s.start, s.end, "MS:1000528").c_str(), nullptr),
                  mz.front());
        EXPECT_EQ(std::strtod(cv_value(doc, s.start, s.end, "MS:1000527").c_str(), nullptr),
                  mz.back());
        EXPECT_EQ(std::strtod(cv_value(doc, s.start, s.end, "MS:1000505").c_str(), nullptr), base);
        EXPECT_NEAR(std::atof(cv_value(doc, s.start, s.end, "MS:1000285").c_str()), tic,
                    1e-6 * tic + 1);
        decoded++;
        if (s.ms_level != 2 || checked_precursors >= 40) continue;

        // The precursor: inside the isolation window, and an MS1 peak of about its intensity
        // in the survey scan it refers to.
        double sel = std::atof(cv_value(doc, s.start, s.end, "MS:1000744").c_str());
        double target_mz = std::atof(cv_value(doc, s.start, s.end, "MS:1000827").c_str());
        double height = std::atof(cv_value(doc, s.start, s.end, "MS:1000042").c_str());
        EXPECT_NEAR(sel, target_mz, 1e-9);
        double upper = std::atof(cv_value(doc, s.start, s.end, "MS:1000500").c_str());
        EXPECT_LE(mz.back(), upper);
        size_t pre = doc.find("<precursor spectrumRef=\"", s.start);
        ASSERT_LT(pre, s.end);
        auto ms1 = by_id.find(attr(doc, pre, "spectrumRef"));
        ASSERT_NE(ms1, by_id.end());
        const Spectrum &survey = spectra[ms1->second];
        EXPECT_EQ(survey.ms_level, 1);
        std::vector<Array> sa = arrays_of(doc, survey.start, survey.end, survey.length);
        std::vector<double> smz = values(sa[0]), sin = values(sa[1]);
        double best = 0, best_mz = 0;
        for (size_t k = 0; k < smz.size(); k++)
            if (std::fabs(smz[k] - sel) < 0.02 && sin[k] > best) {
                best = sin[k];
                best_mz = smz[k];
            }
        EXPECT_GT(best, 0.5 * height) << "no MS1 peak at precursor m/z " << sel;
        EXPECT_NEAR(best_mz, sel, 0.01);
        checked_precursors++;
    }
    EXPECT_GT(decoded, 0u);

    // The TIC chromatogram: one point per spectrum, time in minutes, increasing.
    size_t chrom = doc.find("<chromatogram ");
    ASSERT_NE(chrom, std::string::npos);
    size_t chrom_end = doc.find("</chromatogram>", chrom);
    EXPECT_EQ(attr(doc, chrom, "defaultArrayLength"), std::to_string(spectra.size()));
    EXPECT_TRUE(has_cv(doc, chrom, chrom_end, "MS:1000235"));
    std::vector<Array> ca = arrays_of(doc, chrom, chrom_end, spectra.size());
    ASSERT_EQ(ca.size(), 2u);
    EXPECT_EQ(ca[0].role, "MS:1000595");
    std::vector<double> t = values(ca[0]);
    for (size_t k = 1; k < t.size(); k++)
        EXPECT_LT(t[k - 1], t[k]);
    EXPECT_NEAR(t.back() * 60.0, last_rt, 1e-6);
}

// ---- tests ------------------------------------------------------------------------------------

class SimulateSize : public ::testing::TestWithParam<uint64_t>
{
};

TEST_P(SimulateSize, WritesValidIndexedMzml)
{
    const uint64_t target = GetParam();
    const std::string dir = lvtest::temp_dir();
    const std::string path = dir + "/sim_" + std::to_string(target) + ".mzML";
    lv_simulate_params p = params_for(target, 11);
    ASSERT_EQ(lv_simulate(path.c_str(), &p), LV_OK) << lv_last_error();
    EXPECT_FALSE(temp_files_left(dir));
    check_file(path, target, target <= (1u << 20));
}

INSTANTIATE_TEST_SUITE_P(Sizes, SimulateSize, ::testing::Values(64u << 10, 1u << 20, 5u << 20));

TEST(Simulate, UncompressedArrays)
{
    const std::string path = lvtest::temp_dir() + "/sim_raw.mzML";
    lv_simulate_params p = params_for(2u << 20, 3);
    p.compress = 0;
    p.ms1_points = 5000;
    p.ms2_per_cycle = 4;
    ASSERT_EQ(lv_simulate(path.c_str(), &p), LV_OK) << lv_last_error();
    const std::string doc = lvtest::read_file(path);
    EXPECT_EQ(doc.find("MS:1000574"), std::string::npos);
    EXPECT_NE(doc.find("MS:1000576"), std::string::npos);
    check_file(path, p.target_bytes, true);
}

TEST(Simulate, SameSeedSameBytesOtherSeedOtherBytes)
{
    const std::string dir = lvtest::temp_dir();
    lv_simulate_params a = params_for(1u << 20, 5), c = params_for(1u << 20, 6);
    ASSERT_EQ(lv_simulate((dir + "/a.mzML").c_str(), &a), LV_OK);
    ASSERT_EQ(lv_simulate((dir + "/b.mzML").c_str(), &a), LV_OK);
    ASSERT_EQ(lv_simulate((dir + "/c.mzML").c_str(), &c), LV_OK);
    const std::string fa = lvtest::read_file(dir + "/a.mzML");
    EXPECT_TRUE(fa == lvtest::read_file(dir + "/b.mzML"));
    EXPECT_FALSE(fa == lvtest::read_file(dir + "/c.mzML"));
}

TEST(Simulate, RunLengthScalesWithSize)
{
    const std::string dir = lvtest::temp_dir();
    double last_rt[2];
    uint64_t sizes[2] = {1u << 20, 4u << 20};
    for (int k = 0; k < 2; k++) {
        const std::string path = dir + "/len" + std::to_string(k) + ".mzML";
        lv_simulate_params p = params_for(sizes[k]);
        ASSERT_EQ(lv_simulate(path.c_str(), &p), LV_OK);
        const std::string doc = lvtest::read_file(path);
        size_t s = doc.rfind("<spectrum ");
        last_rt[k] = std::atof(cv_value(doc, s, doc.size(), "MS:1000016").c_str());
    }
    EXPECT_GT(last_rt[1], 3.0 * last_rt[0]);
}

TEST(Simulate, NullParamsMeansDefaults)
{
    lv_simulate_params p;
    lv_simulate_params_init(&p);
    EXPECT_EQ(p.size, sizeof p);
    EXPECT_EQ(p.target_bytes, 16u << 20);
    EXPECT_EQ(p.seed, 1u);
    EXPECT_EQ(p.ms1_points, 20000u);
    EXPECT_EQ(p.ms2_per_cycle, 10u);
    EXPECT_EQ(p.n_compounds, 2000u);
    EXPECT_EQ(p.cycle_seconds, 1.0);
    EXPECT_EQ(p.compress, 1u);
    const std::string path = lvtest::temp_dir() + "/defaults.mzML";
    ASSERT_EQ(lv_simulate(path.c_str(), nullptr), LV_OK) << lv_last_error();
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_NEAR(static_cast<double>(st.st_size), 16.0 * (1 << 20), 0.05 * 16 * (1 << 20));
}

TEST(Simulate, InvalidParams)
{
    const std::string path = lvtest::temp_dir() + "/invalid.mzML";
    lv_simulate_params p = params_for(1u << 20);
    p.size = sizeof p - 1;
    EXPECT_EQ(lv_simulate(path.c_str(), &p), LV_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(lv_last_error()).find("size"), std::string::npos);

    auto expect_invalid = [&](void (*change)(lv_simulate_params *), const char *what) {
        lv_simulate_params q = params_for(1u << 20);
        change(&q);
        EXPECT_EQ(lv_simulate(path.c_str(), &q), LV_ERR_INVALID_ARGUMENT) << what;
        EXPECT_STRNE(lv_last_error(), "") << what;
    };
    expect_invalid([](lv_simulate_params *q) { q->target_bytes = 0; }, "target 0");
    expect_invalid([](lv_simulate_params *q) { q->ms1_points = 0; }, "zero points");
    expect_invalid([](lv_simulate_params *q) { q->ms2_per_cycle = 100000; }, "ms2");
    expect_invalid([](lv_simulate_params *q) { q->cycle_seconds = 0; }, "cycle 0");
    expect_invalid([](lv_simulate_params *q) { q->cycle_seconds = NAN; }, "cycle NaN");
    expect_invalid([](lv_simulate_params *q) { q->compress = 2; }, "compress");
    expect_invalid([](lv_simulate_params *q) { q->n_compounds = 4000000000u; }, "compounds");

    lv_simulate_params ok = params_for(1u << 20);
    EXPECT_EQ(lv_simulate(nullptr, &ok), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_simulate("", &ok), LV_ERR_INVALID_ARGUMENT);
    struct stat st;
    EXPECT_NE(stat(path.c_str(), &st), 0) << "nothing written for invalid parameters";
}

TEST(Simulate, UnwritablePathIsIoErrorAndLeavesNothing)
{
    const std::string dir = lvtest::temp_dir() + "/io";
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    lv_simulate_params p = params_for(256u << 10);

    // The directory does not exist: the temporary file cannot be created.
    const std::string missing = dir + "/no/such/dir/x.mzML";
    EXPECT_EQ(lv_simulate(missing.c_str(), &p), LV_ERR_IO);
    EXPECT_NE(std::string(lv_last_error()).find(missing), std::string::npos) << lv_last_error();

    // The target is a directory: everything is written, then rename() fails; the temporary
    // file must be gone.
    const std::string target = dir + "/is_a_dir.mzML";
    ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
    EXPECT_EQ(lv_simulate(target.c_str(), &p), LV_ERR_IO);
    EXPECT_NE(std::string(lv_last_error()).find("rename"), std::string::npos) << lv_last_error();
    EXPECT_FALSE(temp_files_left(dir));
}

// A write that fails part-way (here: the file size limit, as a full disk would) is an I/O error
// naming the file, and the temporary file is removed.  Runs in a child process because the limit
// is per process.
TEST(Simulate, WriteFailureIsIoErrorAndRemovesTemporaryFile)
{
    const std::string dir = lvtest::temp_dir() + "/full";
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    const std::string path = dir + "/big.mzML";
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN); // write() then fails with EFBIG instead of killing us
        struct rlimit lim = {3u << 20, 3u << 20};
        setrlimit(RLIMIT_FSIZE, &lim);
        lv_simulate_params p = params_for(8u << 20);
        lv_status st = lv_simulate(path.c_str(), &p);
        bool named = std::string(lv_last_error()).find(path) != std::string::npos;
        _exit(st == LV_ERR_IO && named ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "expected LV_ERR_IO naming the path";
    EXPECT_FALSE(temp_files_left(dir));
    struct stat st;
    EXPECT_NE(stat(path.c_str(), &st), 0);
}

TEST(Simulate, CommandLine)
{
    const char *cli = std::getenv("LV_CLI");
    if (!cli || !*cli) GTEST_SKIP() << "LV_CLI not set";
    const std::string dir = lvtest::temp_dir();
    const std::string out = dir + "/cli.mzML";
    std::string cmd = std::string(cli) +
                      " simulate --size 300k --seed 9 --ms1-points 4000 "
                      "--ms2-per-cycle 3 '" +
                      out + "' 2> '" + dir + "/cli.err'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_NE(lvtest::read_file(dir + "/cli.err").find("spectra"), std::string::npos);
    const std::string doc = lvtest::read_file(out);
    EXPECT_NE(doc.find("ms1_points=4000 ms2_per_cycle=3"), std::string::npos);
    check_file(out, 0, true);

    std::string bad = std::string(cli) + " simulate '" + out + "' 2> /dev/null";
    EXPECT_NE(std::system(bad.c_str()), 0) << "--size is required";
    bad = std::string(cli) + " simulate --size 1M --bogus '" + out + "' 2> /dev/null";
    EXPECT_NE(std::system(bad.c_str()), 0);
    bad = std::string(cli) + " simulate --size 12Q '" + out + "' 2> /dev/null";
    EXPECT_NE(std::system(bad.c_str()), 0);
}

// ---- encoders ---------------------------------------------------------------------------------

TEST(Base64Encode, Rfc4648Vectors)
{
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(in[i]);
        std::string out(lv_base64_encoded_size(n), '?');
        size_t k = lv_base64_encode(reinterpret_cast<const uint8_t *>(in[i]), n, &out[0]);
        EXPECT_EQ(k, out.size());
        EXPECT_EQ(out, want[i]);
    }
}

TEST(Base64Encode, RoundTripsEveryLength)
{
    std::string data;
    for (int i = 0; i < 600; i++)
        data.push_back(static_cast<char>((i * 131 + i / 7) & 0xff));
    for (size_t n = 0; n <= data.size(); n++) {
        std::string out(lv_base64_encoded_size(n) + 1, '#');
        size_t k = lv_base64_encode(reinterpret_cast<const uint8_t *>(data.data()), n, &out[0]);
        ASSERT_EQ(k, lv_base64_encoded_size(n));
        ASSERT_EQ(out[k], '#') << "wrote past the encoded size";
        out.resize(k);
        ASSERT_EQ(b64_decode(out), data.substr(0, n)) << n;
    }
}

std::string deflate_roundtrip(const std::string &in, bool sampled = false)
{
    std::vector<uint8_t> z(sim_zlib_bound(in.size()));
    const uint8_t *src = reinterpret_cast<const uint8_t *>(in.data());
    size_t n = sampled ? sim_zlib_compress_sampled(src, in.size(), z.data())
                       : sim_zlib_compress(src, in.size(), z.data());
    EXPECT_LE(n, z.size());
    return inflate_all(std::string(reinterpret_cast<const char *>(z.data()), n), in.size());
}

/* The sampled variant (the mzML writer's): the same inputs round-trip, doubles still compress,
 * and an input whose sample misleads (the sampled quarter one byte value, the rest random, which
 * then costs 15 bits a byte) falls back to stored blocks instead of overrunning the bound. */
TEST(SimDeflate, SampledCodesRoundTripAndFallBack)
{
    for (size_t n :
         {size_t(0), size_t(1), size_t(100), size_t(16383), size_t(16384), size_t(70001)}) {
        std::string s;
        uint64_t x = 99 + n;
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            s.push_back(static_cast<char>(i % 7 ? 'a' + (x >> 61) : x >> 56));
        }
        EXPECT_EQ(deflate_roundtrip(s, true), s) << n;
    }
    std::string mz;
    for (int i = 0; i < 20000; i++) {
        double v = 100.0 + i * 0.0123456789;
        mz.append(reinterpret_cast<const char *>(&v), 8);
    }
    std::vector<uint8_t> z(sim_zlib_bound(mz.size()));
    const uint8_t *m = reinterpret_cast<const uint8_t *>(mz.data());
    const size_t full = sim_zlib_compress(m, mz.size(), z.data());
    const size_t sampled = sim_zlib_compress_sampled(m, mz.size(), z.data());
    EXPECT_LT(sampled, mz.size() * 95 / 100) << "Huffman coding, not stored blocks";
    EXPECT_LT(sampled, full + full / 50) << "within 2% of the full histogram's codes";
    EXPECT_EQ(deflate_roundtrip(mz, true), mz);
    std::string trap;
    uint64_t x = 5;
    for (size_t i = 0; i < 300000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        trap.push_back(i % 256 < 64 ? 'a' : static_cast<char>(x >> 56));
    }
    std::vector<uint8_t> zt(sim_zlib_bound(trap.size()));
    const size_t nt = sim_zlib_compress_sampled(reinterpret_cast<const uint8_t *>(trap.data()),
                                                trap.size(), zt.data());
    EXPECT_LE(nt, trap.size() + 5 * (trap.size() / 65535 + 1) + 6) << "stored blocks";
    EXPECT_EQ(deflate_roundtrip(trap, true), trap);
}

TEST(SimDeflate, RoundTripsThroughZlib)
{
    EXPECT_EQ(deflate_roundtrip(""), "");
    EXPECT_EQ(deflate_roundtrip("x"), "x");
    std::string same(100000, 'q');
    EXPECT_EQ(deflate_roundtrip(same), same);
    std::string two;
    for (int i = 0; i < 70000; i++)
        two.push_back(i % 3 ? 'a' : 'b');
    EXPECT_EQ(deflate_roundtrip(two), two);
    // Random bytes do not compress: stored blocks (more than one of 65535 bytes).
    std::string noise;
    uint64_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        noise.push_back(static_cast<char>(x >> 56));
    }
    EXPECT_EQ(deflate_roundtrip(noise), noise);
    // Frequencies doubling per symbol: a plain Huffman tree would be 40+ levels deep, so the
    // 15-bit limit is exercised.
    std::string skewed;
    for (int s = 0; s < 22; s++)
        for (uint32_t k = 0; k < (1u << s) / 8 + 1; k++)
            skewed.push_back(static_cast<char>(s));
    for (int s = 22; s < 256; s++)
        skewed.push_back(static_cast<char>(s));
    EXPECT_EQ(deflate_roundtrip(skewed), skewed);
    // Doubles like an m/z array compress.
    std::string mz;
    for (int i = 0; i < 20000; i++) {
        double v = 100.0 + i * 0.0123456789;
        mz.append(reinterpret_cast<const char *>(&v), 8);
    }
    std::vector<uint8_t> z(sim_zlib_bound(mz.size()));
    size_t n = sim_zlib_compress(reinterpret_cast<const uint8_t *>(mz.data()), mz.size(), z.data());
    EXPECT_LT(n, mz.size() * 95 / 100) << "Huffman coding, not stored blocks";
    EXPECT_EQ(deflate_roundtrip(mz), mz);
}

} // namespace
