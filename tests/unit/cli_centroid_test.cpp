/* cli_centroid_test.cpp - `lavoisier centroid`, the main job, run the way users run it: a
 * simulated profile run in, indexed mzML out, read back and compared with the library's own
 * lv_centroid_batch on the same input; batch runs with -O; every refusal leaves no output. */
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli_support.h"
#include "lavoisier.h"
#include "test_support.h"

namespace
{

using lvtest::cli;
using lvtest::json_int;
using lvtest::last_stdout;
using lvtest::run;

std::string simulate(const std::string &name, int seed)
{
    std::string path = lvtest::simulate_run(name, seed, 3u << 20, 6000, 4);
    EXPECT_FALSE(path.empty()) << lv_last_error();
    return path;
}

struct Reader {
    lv_reader *r = nullptr;
    explicit Reader(const std::string &path, bool verify = false)
    {
        lv_reader_params p;
        lv_reader_params_init(&p);
        p.verify_checksum = verify ? 1 : 0;
        EXPECT_EQ(lv_reader_open(path.c_str(), &p, &r), LV_OK) << lv_last_error();
    }
    ~Reader() { lv_reader_close(r); }
    lv_batch *all(uint64_t n)
    {
        lv_batch *b = nullptr;
        EXPECT_EQ(lv_reader_read(r, LV_RECORD_SPECTRUM, 0, n, &b), LV_OK) << lv_last_error();
        return b;
    }
};

lv_batch_view view_of(const lv_batch *b)
{
    lv_batch_view v;
    std::memset(&v, 0, sizeof v);
    v.size = sizeof v;
    EXPECT_EQ(lv_batch_get_view(b, &v), LV_OK);
    return v;
}

std::vector<std::string> list_dir(const std::string &dir)
{
    std::vector<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d))
            if (e->d_name[0] != '.') names.push_back(e->d_name);
        closedir(d);
    }
    return names;
}

} // namespace

TEST(CliCentroid, OutputEqualsTheLibraryAndReadsBackVerified)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("run.mzML", 11);
    const std::string out = lvtest::temp_dir() + "/run.centroid.mzML";
    std::string err;
    ASSERT_EQ(run("centroid '" + in + "' -o '" + out + "' --json --threads 2 --device cpu", &err),
              0)
        << err;
    const std::string summary = last_stdout();

    Reader src(in), dst(out, true);
    lv_file_info si = {}, di = {};
    si.size = di.size = sizeof(lv_file_info);
    ASSERT_EQ(lv_reader_info(src.r, &si), LV_OK);
    ASSERT_EQ(lv_reader_info(dst.r, &di), LV_OK);
    EXPECT_EQ(di.index_state, LV_INDEX_VALID) << di.index_message;
    EXPECT_EQ(di.checksum_state, 1u) << "the output's SHA-1 must match its fileChecksum";
    ASSERT_EQ(di.n_spectra, si.n_spectra);
    EXPECT_EQ(di.n_chromatograms, si.n_chromatograms);

    lv_batch *a = src.all(si.n_spectra), *b = dst.all(di.n_spectra);
    ASSERT_TRUE(a && b);
    lv_context *ctx = nullptr;
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    ASSERT_EQ(lv_context_create(&cp, &ctx), LV_OK);
    lv_batch *expect = nullptr;
    ASSERT_EQ(lv_centroid_batch(ctx, nullptr, a, &expect), LV_OK) << lv_last_error();
    lv_batch_view va = view_of(a), vb = view_of(b), ve = view_of(expect);
    uint64_t ms1 = 0, peaks = 0, points_in = 0;
    for (uint64_t i = 0; i < va.n_records; i++) {
        ASSERT_STREQ(lv_batch_id(a, i), lv_batch_id(b, i));
        EXPECT_EQ(vb.ms_level[i], va.ms_level[i]);
        EXPECT_EQ(vb.rt_seconds[i], va.rt_seconds[i]);
        EXPECT_EQ(vb.representation[i], LV_REPR_CENTROID) << "spectrum " << i;
        if (va.representation[i] == LV_REPR_PROFILE) {
            ms1++;
            points_in += va.offsets[i + 1] - va.offsets[i];
        }
        /* Written arrays are exactly the library's result: 64-bit m/z, 32-bit intensity. */
        uint64_t n = ve.offsets[i + 1] - ve.offsets[i];
        ASSERT_EQ(vb.offsets[i + 1] - vb.offsets[i], n) << "spectrum " << i;
        if (va.representation[i] == LV_REPR_PROFILE) peaks += n;
        for (uint64_t k = 0; k < n; k++) {
            ASSERT_EQ(vb.mz[vb.offsets[i] + k], ve.mz[ve.offsets[i] + k]) << i << ":" << k;
            ASSERT_EQ(vb.intensity[vb.offsets[i] + k], ve.intensity[ve.offsets[i] + k]);
        }
    }
    EXPECT_GT(ms1, 0u);
    EXPECT_GT(peaks, ms1 * 10) << "a simulated MS1 spectrum has dozens of isotope peaks";
    EXPECT_LT(peaks, points_in / 4) << "centroiding must reduce the point count";
    EXPECT_EQ(json_int(summary, "spectra"), (long long)si.n_spectra) << summary;
    EXPECT_EQ(json_int(summary, "centroided"), (long long)ms1) << summary;
    EXPECT_EQ(json_int(summary, "points_in"), (long long)points_in);
    EXPECT_EQ(json_int(summary, "peaks_out"), (long long)peaks);
    EXPECT_NE(summary.find("\"backend\": \"cpu\""), std::string::npos) << summary;
    lv_batch_destroy(expect);
    lv_context_destroy(ctx); /* after the batch it allocated: lv_batch_destroy uses it */
    lv_batch_destroy(a);
    lv_batch_destroy(b);

    /* The dataProcessing entry names the software and the parameters. */
    const std::string doc = lvtest::read_file(out);
    EXPECT_NE(doc.find("MS:1000035"), std::string::npos) << "peak picking term";
    EXPECT_NE(doc.find("centroid ms_levels=all snr=0"), std::string::npos);
}

TEST(CliCentroid, MsLevelsSelectWhatIsProcessed)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("run.mzML", 11);
    const std::string out = lvtest::temp_dir() + "/ms2only.mzML";
    std::string err;
    /* MS2 spectra of the simulator are centroided already: nothing to do, all copied. */
    ASSERT_EQ(run("centroid '" + in + "' -o '" + out + "' --ms-levels 2 --json", &err), 0) << err;
    EXPECT_EQ(json_int(last_stdout(), "centroided"), 0) << last_stdout();
    Reader src(in), dst(out, true);
    lv_file_info si = {};
    si.size = sizeof si;
    ASSERT_EQ(lv_reader_info(src.r, &si), LV_OK);
    lv_batch *a = src.all(si.n_spectra), *b = dst.all(si.n_spectra);
    lv_batch_view va = view_of(a), vb = view_of(b);
    ASSERT_EQ(va.n_points, vb.n_points);
    for (uint64_t i = 0; i < va.n_records; i++)
        EXPECT_EQ(va.representation[i], vb.representation[i]);
    for (uint64_t k = 0; k < va.n_points; k++)
        ASSERT_EQ(va.intensity[k], vb.intensity[k]);
    lv_batch_destroy(a);
    lv_batch_destroy(b);
}

TEST(CliCentroid, BatchRunWritesEveryFileIntoTheFolder)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string a = simulate("a.mzML", 21), b = simulate("b.mzML", 22);
    const std::string dir = lvtest::temp_dir() + "/batch_out";
    mkdir(dir.c_str(), 0755);
    std::string err;
    ASSERT_EQ(run("centroid '" + a + "' '" + b + "' -O '" + dir + "' --snr 3 --quiet", &err), 0)
        << err;
    for (const char *name : {"a.mzML", "b.mzML"}) {
        Reader r(dir + "/" + name, true);
        lv_file_info fi = {};
        fi.size = sizeof fi;
        ASSERT_EQ(lv_reader_info(r.r, &fi), LV_OK);
        EXPECT_EQ(fi.checksum_state, 1u) << name;
        EXPECT_GT(fi.n_spectra, 10u);
    }
    EXPECT_EQ(list_dir(dir).size(), 2u) << "no temporary files left behind";
    /* The human summary names the stages and the backend. */
    const std::string text = last_stdout();
    for (const char *stage : {"read+parse", "decode", "pick", "write", "total"})
        EXPECT_NE(text.find(stage), std::string::npos) << stage << " missing in:\n" << text;
}

TEST(CliCentroid, RefusalsLeaveNoOutput)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("run.mzML", 11);
    const std::string dir = lvtest::temp_dir() + "/refusals";
    mkdir(dir.c_str(), 0755);
    std::string err;

    EXPECT_EQ(run("centroid '" + in + "'", &err), 2) << "no -o/-O";
    EXPECT_NE(err.find("-o OUT"), std::string::npos) << err;
    EXPECT_EQ(run("centroid '" + in + "' -o x.mzML --snr banana", &err), 2);
    EXPECT_NE(err.find("--snr"), std::string::npos) << err;
    EXPECT_EQ(run("centroid '" + in + "' -o x.mzML --ms-levels 1,x", &err), 2);
    EXPECT_EQ(run("centroid '" + in + "' '" + in + "' -o x.mzML", &err), 2);
    EXPECT_EQ(run("centroid '" + in + "' -O /nonexistent/folder", &err), 2);

    /* run.mzML and run.mzML.gz would share one output name in a folder: refused up front. */
    const std::string gz = dir + "/run.mzML.gz";
    ASSERT_EQ(std::system(("gzip -c '" + in + "' > '" + gz + "'").c_str()), 0);
    const std::string same_dir = dir + "/same";
    mkdir(same_dir.c_str(), 0755);
    EXPECT_EQ(run("centroid '" + in + "' '" + gz + "' -O '" + same_dir + "'", &err), 2);
    EXPECT_NE(err.find("would both be written to"), std::string::npos) << err;
    EXPECT_TRUE(list_dir(same_dir).empty());
    rmdir(same_dir.c_str());
    std::remove(gz.c_str());

    /* Never write over the input. */
    const std::string before = lvtest::read_file(in);
    EXPECT_EQ(run("centroid '" + in + "' -o '" + in + "'", &err), 1);
    EXPECT_NE(err.find("overwrite the input"), std::string::npos) << err;
    EXPECT_EQ(lvtest::read_file(in), before);

    /* A truncated input fails with the file, byte and spectrum named, and leaves nothing. */
    const std::string cut = dir + "/cut.mzML";
    lvtest::write_file(cut, before.substr(0, before.size() / 2));
    const std::string out = dir + "/cut.centroid.mzML";
    EXPECT_EQ(run("centroid '" + cut + "' -o '" + out + "' --quiet", &err), 1);
    EXPECT_NE(err.find("cut.mzML"), std::string::npos) << err;
    EXPECT_NE(err.find("byte"), std::string::npos) << err;
    EXPECT_NE(err.find("spectrum"), std::string::npos) << err;
    std::vector<std::string> left = list_dir(dir);
    ASSERT_EQ(left.size(), 1u) << "only the input may remain; found " << left.size() << " files";
    EXPECT_EQ(left[0], "cut.mzML");

    /* A missing input is an I/O error naming it. */
    EXPECT_EQ(run("centroid '" + dir + "/missing.mzML' -o '" + out + "'", &err), 1);
    EXPECT_NE(err.find("missing.mzML"), std::string::npos) << err;
}
