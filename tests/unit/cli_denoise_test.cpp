/* cli_denoise_test.cpp - `lavoisier denoise` and `lavoisier centroid --denoise`, run the way
 * users run them: a simulated profile run in, indexed mzML out, read back and compared with the
 * library's own lv_denoise_batch (and lv_centroid_batch) on the same input, for every method;
 * every refusal leaves no output and exits 2 (usage) or 1 (failure). */
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

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
    std::string path = lvtest::simulate_run(name, seed, 2u << 20, 5000, 3);
    EXPECT_FALSE(path.empty()) << lv_last_error();
    return path;
}

/* Every spectrum of a file, read back (verified when asked). */
lv_batch *read_all(const std::string &path, bool verify, lv_file_info *info)
{
    lv_reader_params p;
    lv_reader_params_init(&p);
    p.verify_checksum = verify ? 1 : 0;
    lv_reader *r = nullptr;
    EXPECT_EQ(lv_reader_open(path.c_str(), &p, &r), LV_OK) << lv_last_error();
    if (!r) return nullptr;
    std::memset(info, 0, sizeof *info);
    info->size = sizeof *info;
    EXPECT_EQ(lv_reader_info(r, info), LV_OK);
    lv_batch *b = nullptr;
    EXPECT_EQ(lv_reader_read(r, LV_RECORD_SPECTRUM, 0, info->n_spectra, &b), LV_OK)
        << lv_last_error();
    lv_reader_close(r);
    return b;
}

lv_batch_view view_of(const lv_batch *b)
{
    lv_batch_view v;
    std::memset(&v, 0, sizeof v);
    v.size = sizeof v;
    EXPECT_EQ(lv_batch_get_view(b, &v), LV_OK);
    return v;
}

struct Cpu {
    lv_context *ctx = nullptr;
    Cpu()
    {
        lv_context_params cp;
        lv_context_params_init(&cp);
        cp.device = LV_DEVICE_CPU;
        cp.n_threads = 2;
        EXPECT_EQ(lv_context_create(&cp, &ctx), LV_OK);
    }
    ~Cpu() { lv_context_destroy(ctx); }
};

/* The written file holds exactly `expect`'s spectra (ids, metadata, m/z and float intensities),
 * verified by its SHA-1.  Returns the number of spectra the library marked processed. */
uint64_t expect_file_equals(const std::string &out, const lv_batch *expect)
{
    lv_file_info fi;
    lv_batch *b = read_all(out, true, &fi);
    EXPECT_EQ(fi.checksum_state, 1u) << "the output's SHA-1 must match its fileChecksum";
    EXPECT_EQ(fi.index_state, LV_INDEX_VALID) << fi.index_message;
    if (!b) return 0;
    lv_batch_view vb = view_of(b), ve = view_of(expect);
    EXPECT_EQ(vb.n_records, ve.n_records);
    uint64_t processed = 0;
    for (uint64_t i = 0; i < ve.n_records && i < vb.n_records; i++) {
        EXPECT_STREQ(lv_batch_id(b, i), lv_batch_id(expect, i));
        EXPECT_EQ(vb.ms_level[i], ve.ms_level[i]);
        EXPECT_EQ(vb.rt_seconds[i], ve.rt_seconds[i]);
        EXPECT_EQ(vb.representation[i], ve.representation[i]) << "spectrum " << i;
        processed += ve.processed[i];
        const uint64_t n = ve.offsets[i + 1] - ve.offsets[i];
        EXPECT_EQ(vb.offsets[i + 1] - vb.offsets[i], n) << "spectrum " << i;
        if (vb.offsets[i + 1] - vb.offsets[i] != n) continue;
        uint64_t mismatches = 0;
        for (uint64_t k = 0; k < n; k++)
            mismatches += vb.mz[vb.offsets[i] + k] != ve.mz[ve.offsets[i] + k] ||
                          vb.intensity[vb.offsets[i] + k] != ve.intensity[ve.offsets[i] + k];
        EXPECT_EQ(mismatches, 0u) << "points differing from the library's in spectrum " << i;
    }
    lv_batch_destroy(b);
    return processed;
}

size_t count(const std::string &s, const std::string &what)
{
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
        n++;
    return n;
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

TEST(CliDenoise, ZengezaOutputEqualsTheLibrary)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("dn_run.mzML", 31);
    const std::string out = lvtest::temp_dir() + "/dn_run.zengeza.mzML";
    std::string err;
    ASSERT_EQ(run("denoise '" + in + "' -o '" + out + "' --json --threads 2 --device cpu", &err), 0)
        << err;
    const std::string summary = last_stdout();

    lv_file_info si;
    lv_batch *a = read_all(in, false, &si);
    ASSERT_TRUE(a);
    Cpu cpu;
    lv_batch *expect = nullptr;
    ASSERT_EQ(lv_denoise_batch(cpu.ctx, nullptr, a, &expect), LV_OK) << lv_last_error();
    const uint64_t denoised = expect_file_equals(out, expect);
    lv_batch_view va = view_of(a), ve = view_of(expect);
    uint64_t profile = 0, points = 0, changed = 0;
    for (uint64_t i = 0; i < va.n_records; i++) {
        if (va.representation[i] != LV_REPR_PROFILE) continue;
        profile++;
        points += va.offsets[i + 1] - va.offsets[i];
        for (uint64_t k = va.offsets[i]; k < va.offsets[i + 1]; k++)
            changed += va.intensity[k] != ve.intensity[k];
    }
    EXPECT_GT(profile, 0u);
    EXPECT_EQ(denoised, profile) << "every profile spectrum is denoised";
    EXPECT_GT(changed, points / 2) << "denoising must change the intensities";
    EXPECT_EQ(json_int(summary, "spectra"), (long long)si.n_spectra) << summary;
    EXPECT_EQ(json_int(summary, "denoised"), (long long)profile) << summary;
    EXPECT_EQ(json_int(summary, "points"), (long long)points) << summary;
    EXPECT_NE(summary.find("\"method\": \"zengeza\""), std::string::npos) << summary;
    EXPECT_NE(summary.find("\"backend\": \"cpu\""), std::string::npos) << summary;
    lv_batch_destroy(expect);
    lv_batch_destroy(a);

    /* dataProcessing names the method and its parameters; no peak-picking term is added. */
    const std::string doc = lvtest::read_file(out), src = lvtest::read_file(in);
    EXPECT_NE(doc.find("denoise method=zengeza iterations=100 wavelet=db4 level=auto "
                       "threshold=soft threshold_value=universal ms_levels=all"),
              std::string::npos);
    EXPECT_EQ(count(doc, "MS:1000035"), count(src, "MS:1000035"));
}

TEST(CliDenoise, EveryMethodAndItsParametersMatchTheLibrary)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("dn_run.mzML", 31);
    lv_file_info si;
    lv_batch *a = read_all(in, false, &si);
    ASSERT_TRUE(a);
    Cpu cpu;
    struct Case {
        const char *args, *processing;
        lv_denoise_params p;
    };
    std::vector<Case> cases(4);
    for (Case &c : cases)
        lv_denoise_params_init(&c.p);
    cases[0].args = "--method savgol --window 7 --polyorder 2";
    cases[0].processing = "denoise method=savgol window=7 polyorder=2 ms_levels=all";
    cases[0].p.method = LV_DENOISE_SAVGOL;
    cases[0].p.savgol.window = 7;
    cases[0].p.savgol.polyorder = 2;
    cases[1].args = "--method snip --iterations 20 --ms-levels 1";
    cases[1].processing = "denoise method=snip iterations=20 ms_levels=1";
    cases[1].p.method = LV_DENOISE_SNIP;
    cases[1].p.snip.iterations = 20;
    cases[1].p.ms_levels = 1u << 1;
    cases[2].args = "--method wavelet --wavelet sym5 --level 3 --threshold hard "
                    "--threshold-value 5";
    cases[2].processing =
        "denoise method=wavelet wavelet=sym5 level=3 threshold=hard threshold_value=5";
    cases[2].p.method = LV_DENOISE_WAVELET;
    cases[2].p.wavelet.wavelet = LV_WAVELET_SYM5;
    cases[2].p.wavelet.level = 3;
    cases[2].p.wavelet.mode = LV_THRESHOLD_HARD;
    cases[2].p.wavelet.threshold = 5;
    cases[3].args = "--iterations 40 --wavelet haar";
    cases[3].processing = "denoise method=zengeza iterations=40 wavelet=haar level=auto";
    cases[3].p.snip.iterations = 40;
    cases[3].p.wavelet.wavelet = LV_WAVELET_HAAR;
    for (size_t k = 0; k < cases.size(); k++) {
        SCOPED_TRACE(cases[k].args);
        const std::string out = lvtest::temp_dir() + "/dn_case" + std::to_string(k) + ".mzML";
        std::string err;
        ASSERT_EQ(run("denoise '" + in + "' -o '" + out + "' --quiet " + cases[k].args, &err), 0)
            << err;
        lv_batch *expect = nullptr;
        ASSERT_EQ(lv_denoise_batch(cpu.ctx, &cases[k].p, a, &expect), LV_OK) << lv_last_error();
        EXPECT_GT(expect_file_equals(out, expect), 0u);
        lv_batch_destroy(expect);
        EXPECT_NE(lvtest::read_file(out).find(cases[k].processing), std::string::npos);
        /* The human summary names the stages. */
        for (const char *stage : {"read+parse", "decode", "denoise", "write", "total"})
            EXPECT_NE(last_stdout().find(stage), std::string::npos) << stage;
    }
    lv_batch_destroy(a);
}

TEST(CliDenoise, CentroidAfterDenoiseEqualsTheLibraryChain)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("dn_run.mzML", 31);
    const std::string out = lvtest::temp_dir() + "/dn_run.centroid.mzML";
    std::string err;
    ASSERT_EQ(
        run("centroid '" + in + "' -o '" + out + "' --denoise=savgol --window 9 --json", &err), 0)
        << err;
    const std::string summary = last_stdout();
    lv_file_info si;
    lv_batch *a = read_all(in, false, &si);
    ASSERT_TRUE(a);
    Cpu cpu;
    lv_denoise_params dp;
    lv_denoise_params_init(&dp);
    dp.method = LV_DENOISE_SAVGOL;
    dp.savgol.window = 9;
    lv_batch *d = nullptr, *expect = nullptr;
    ASSERT_EQ(lv_denoise_batch(cpu.ctx, &dp, a, &d), LV_OK) << lv_last_error();
    ASSERT_EQ(lv_centroid_batch(cpu.ctx, nullptr, d, &expect), LV_OK) << lv_last_error();
    EXPECT_GT(expect_file_equals(out, expect), 0u);
    lv_batch_view ve = view_of(expect);
    for (uint64_t i = 0; i < ve.n_records; i++)
        EXPECT_EQ(ve.representation[i], LV_REPR_CENTROID);
    EXPECT_GE(json_int(summary, "peaks_out"), 1) << summary;
    EXPECT_NE(summary.find("\"denoise\": "), std::string::npos) << summary;
    lv_batch_destroy(expect);
    lv_batch_destroy(d);
    lv_batch_destroy(a);

    /* The processing text names both steps, denoising first; peak picking is declared. */
    const std::string doc = lvtest::read_file(out);
    EXPECT_NE(doc.find("denoise method=savgol window=9 polyorder=4 ms_levels=all; centroid "
                       "ms_levels=all snr=0"),
              std::string::npos);
    EXPECT_NE(doc.find("MS:1000035"), std::string::npos);

    /* Plain --denoise is zengeza. */
    ASSERT_EQ(run("centroid '" + in + "' -o '" + out + "' --denoise --quiet", &err), 0) << err;
    EXPECT_NE(lvtest::read_file(out).find("denoise method=zengeza"), std::string::npos);
}

TEST(CliDenoise, RefusalsLeaveNoOutput)
{
    if (!cli()) GTEST_SKIP() << "LV_CLI not set";
    const std::string in = simulate("dn_run.mzML", 31);
    const std::string dir = lvtest::temp_dir() + "/dn_refusals";
    mkdir(dir.c_str(), 0755);
    const std::string out = dir + "/out.mzML";
    std::string err;

    EXPECT_EQ(run("denoise '" + in + "'", &err), 2) << "no -o/-O";
    EXPECT_NE(err.find("-o OUT"), std::string::npos) << err;
    EXPECT_EQ(run("denoise '" + in + "' -o '" + out + "' --method median", &err), 2);
    EXPECT_NE(err.find("--method"), std::string::npos) << err;
    EXPECT_EQ(run("denoise '" + in + "' -o '" + out + "' --wavelet db9", &err), 2);
    EXPECT_NE(err.find("--wavelet"), std::string::npos) << err;
    EXPECT_EQ(run("denoise '" + in + "' -o '" + out + "' --method savgol --window 4", &err), 2);
    EXPECT_NE(err.find("window 4"), std::string::npos) << "the library's check, quoted: " << err;
    EXPECT_EQ(run("denoise '" + in + "' -o '" + out + "' --threshold medium", &err), 2);
    EXPECT_EQ(run("denoise '" + in + "' -o '" + out + "' --level 40", &err), 2);
    EXPECT_EQ(run("denoise '" + in + "' '" + in + "' -o '" + out + "'", &err), 2);
    EXPECT_EQ(run("centroid '" + in + "' -o '" + out + "' --window 7", &err), 2);
    EXPECT_NE(err.find("--denoise"), std::string::npos) << err;
    EXPECT_EQ(run("centroid '" + in + "' -o '" + out + "' --denoise=median", &err), 2);
    EXPECT_TRUE(list_dir(dir).empty()) << "usage errors write nothing";

    /* Never write over the input. */
    const std::string before = lvtest::read_file(in);
    EXPECT_EQ(run("denoise '" + in + "' -o '" + in + "'", &err), 1);
    EXPECT_NE(err.find("overwrite the input"), std::string::npos) << err;
    EXPECT_EQ(lvtest::read_file(in), before);

    /* A truncated input fails naming the file, and leaves only itself. */
    const std::string cut = dir + "/cut.mzML";
    lvtest::write_file(cut, before.substr(0, before.size() / 2));
    EXPECT_EQ(run("denoise '" + cut + "' -o '" + out + "' --quiet", &err), 1);
    EXPECT_NE(err.find("cut.mzML"), std::string::npos) << err;
    std::vector<std::string> left = list_dir(dir);
    ASSERT_EQ(left.size(), 1u) << "only the input may remain; found " << left.size() << " files";
    EXPECT_EQ(left[0], "cut.mzML");

    /* A batch run goes on past a failing file, writes the others, and exits 1. */
    const std::string outdir = dir + "/outdir";
    mkdir(outdir.c_str(), 0755);
    EXPECT_EQ(run("denoise '" + cut + "' '" + in + "' -O '" + outdir + "' --quiet", &err), 1);
    EXPECT_NE(err.find("1 of 2 files failed"), std::string::npos) << err;
    left = list_dir(outdir);
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0], "dn_run.mzML");
}
