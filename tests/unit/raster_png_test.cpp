// lv_png_write: images read back with libpng's own decoder are byte-identical; failures leave no
// file behind.
#include <gtest/gtest.h>

#include <png.h>

#include <cstring>
#include <dirent.h>
#include <random>
#include <string>
#include <vector>

#include "lavoisier.h"
#include "test_support.h"

namespace
{

std::vector<uint8_t> read_png(const std::string &path, uint32_t *w, uint32_t *h, uint32_t *c)
{
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path.c_str())) {
        ADD_FAILURE() << image.message;
        return {};
    }
    *w = image.width;
    *h = image.height;
    *c = PNG_IMAGE_SAMPLE_CHANNELS(image.format);
    std::vector<uint8_t> px(PNG_IMAGE_SIZE(image));
    EXPECT_TRUE(png_image_finish_read(&image, nullptr, px.data(), 0, nullptr)) << image.message;
    return px;
}

int files_in(const std::string &dir)
{
    int n = 0;
    DIR *d = opendir(dir.c_str());
    while (dirent *e = d ? readdir(d) : nullptr)
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

} // namespace

TEST(RasterPng, RoundTripGrayRgbRgba)
{
    std::mt19937 rng(5);
    std::string dir = lvtest::temp_dir() + "/png";
    ASSERT_EQ(system(("mkdir -p '" + dir + "'").c_str()), 0);
    for (uint32_t channels : {1u, 3u, 4u}) {
        const uint32_t w = 37, h = 23;
        std::vector<uint8_t> px(w * h * channels);
        for (uint8_t &b : px)
            b = (uint8_t)rng();
        std::string path = dir + "/img" + std::to_string(channels) + ".png";
        ASSERT_EQ(lv_png_write(path.c_str(), w, h, channels, px.data()), LV_OK) << lv_last_error();
        uint32_t rw = 0, rh = 0, rc = 0;
        std::vector<uint8_t> back = read_png(path, &rw, &rh, &rc);
        EXPECT_EQ(rw, w);
        EXPECT_EQ(rh, h);
        EXPECT_EQ(rc, channels);
        EXPECT_EQ(back, px);
    }
    EXPECT_EQ(files_in(dir), 3); // no temporary files left
}

TEST(RasterPng, FramesToPngAndErrors)
{
    std::string dir = lvtest::temp_dir() + "/png_err";
    ASSERT_EQ(system(("mkdir -p '" + dir + "'").c_str()), 0);
    uint8_t px[12] = {0};
    EXPECT_EQ(lv_png_write((dir + "/missing/x.png").c_str(), 2, 2, 3, px), LV_ERR_IO);
    EXPECT_NE(std::string(lv_last_error()).find("missing/x.png"), std::string::npos);
    EXPECT_EQ(lv_png_write((dir + "/x.png").c_str(), 2, 2, 2, px), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_png_write((dir + "/x.png").c_str(), 0, 2, 1, px), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(lv_png_write(nullptr, 2, 2, 1, px), LV_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(files_in(dir), 0);
}
