// lv_video_*: a missing ffmpeg is a clear LV_ERR_UNSUPPORTED, a dying encoder an LV_ERR_IO (never
// a SIGPIPE), and an MP4 made from a simulated run plays: ffprobe reports its frame count and
// size (skipped when ffmpeg/ffprobe are not installed).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "lavoisier.h"
#include "test_support.h"

namespace
{

bool have(const char *prog)
{
    std::string cmd = std::string("command -v ") + prog + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

std::string run(const std::string &cmd)
{
    std::string out;
    FILE *f = popen(cmd.c_str(), "r");
    if (!f) return out;
    char buf[256];
    while (fgets(buf, sizeof buf, f))
        out += buf;
    pclose(f);
    return out;
}

bool exists(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

} // namespace

TEST(RasterVideo, MissingProgramIsUnsupportedAndNamed)
{
    lv_video_params vp;
    lv_video_params_init(&vp);
    vp.ffmpeg = "lv-no-such-ffmpeg";
    lv_video *v = nullptr;
    std::string path = lvtest::temp_dir() + "/never.mp4";
    EXPECT_EQ(lv_video_open(path.c_str(), 16, 16, 3, &vp, &v), LV_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(lv_last_error()).find("'lv-no-such-ffmpeg' was not found on PATH"),
              std::string::npos)
        << lv_last_error();
    EXPECT_EQ(v, nullptr);
    EXPECT_FALSE(exists(path));
}

TEST(RasterVideo, DeadEncoderIsAnErrorNotASignal)
{
    // `false` exits at once with status 1: writes meet a closed pipe.  Without SIGPIPE handling
    // the test process would die here.
    ASSERT_TRUE(have("false"));
    lv_video_params vp;
    lv_video_params_init(&vp);
    vp.ffmpeg = "false";
    std::string path = lvtest::temp_dir() + "/dead.mp4";
    lv_video *v = nullptr;
    ASSERT_EQ(lv_video_open(path.c_str(), 256, 256, 3, &vp, &v), LV_OK) << lv_last_error();
    std::vector<uint8_t> frame(256 * 256 * 3, 7);
    lv_status st = LV_OK;
    for (int i = 0; i < 64 && st == LV_OK; i++)
        st = lv_video_write(v, frame.data(), 1);
    EXPECT_EQ(st, LV_ERR_IO);
    EXPECT_NE(std::string(lv_last_error()).find("exited with status 1"), std::string::npos)
        << lv_last_error();
    EXPECT_EQ(lv_video_finish(v), LV_ERR_INVALID_ARGUMENT);
    lv_video_close(v);
    EXPECT_FALSE(exists(path));
    // No SIGPIPE is left pending for the process either.
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGPIPE));
}

TEST(RasterVideo, SimulatedRunToMp4ProbesRight)
{
    if (!have("ffmpeg") || !have("ffprobe")) GTEST_SKIP() << "ffmpeg/ffprobe not installed";
    std::string dir = lvtest::temp_dir();
    std::string run_path = dir + "/video_run.mzML", mp4 = dir + "/run.mp4";
    lv_simulate_params sp;
    lv_simulate_params_init(&sp);
    sp.target_bytes = 2u << 20;
    sp.ms1_points = 4000;
    ASSERT_EQ(lv_simulate(run_path.c_str(), &sp), LV_OK) << lv_last_error();

    lv_context *ctx = nullptr;
    ASSERT_EQ(lv_context_create(nullptr, &ctx), LV_OK);
    lv_reader *r = nullptr;
    ASSERT_EQ(lv_reader_open(run_path.c_str(), nullptr, &r), LV_OK) << lv_last_error();
    lv_batch *b = nullptr;
    lv_file_info info;
    info.size = sizeof info;
    ASSERT_EQ(lv_reader_info(r, &info), LV_OK);
    ASSERT_EQ(lv_reader_read(r, LV_RECORD_SPECTRUM, 0, info.n_spectra, &b), LV_OK)
        << lv_last_error();
    lv_batch_view view;
    view.size = sizeof view;
    ASSERT_EQ(lv_batch_get_view(b, &view), LV_OK);

    lv_frame_params p;
    lv_frame_params_init(&p);
    p.width = 97; // odd: the writer pads for yuv420p, ffprobe still reports the padded size
    p.height = 64;
    p.mz_min = 100;
    p.mz_max = 1500;
    p.rt_window = 10;
    p.rt_stride = 2;
    p.format = LV_FRAME_RGB8;
    uint64_t n = 0, bytes = 0;
    ASSERT_EQ(lv_frames_count(&p, view.n_records, view.rt_seconds, view.ms_level, &n), LV_OK);
    ASSERT_EQ(lv_frame_size(&p, nullptr, &bytes), LV_OK);
    ASSERT_GT(n, 5u);
    std::vector<uint8_t> frames(n * bytes);
    ASSERT_EQ(lv_frames_batch(ctx, &p, b, n, frames.data()), LV_OK) << lv_last_error();

    lv_video *v = nullptr;
    ASSERT_EQ(lv_video_open(mp4.c_str(), p.width, p.height, 3, nullptr, &v), LV_OK)
        << lv_last_error();
    EXPECT_FALSE(exists(mp4)); // written under a temporary name until finished
    ASSERT_EQ(lv_video_write(v, frames.data(), n), LV_OK) << lv_last_error();
    ASSERT_EQ(lv_video_finish(v), LV_OK) << lv_last_error();
    lv_video_close(v);
    ASSERT_TRUE(exists(mp4));

    std::string probe = run("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                            "stream=codec_name,width,height,nb_read_frames -of csv=p=0 '" +
                            mp4 + "'");
    char want[80];
    snprintf(want, sizeof want, "h264,98,64,%llu", (unsigned long long)n);
    EXPECT_EQ(probe.substr(0, probe.find('\n')), want);

    lv_batch_destroy(b);
    lv_reader_close(r);
    lv_context_destroy(ctx);
}
