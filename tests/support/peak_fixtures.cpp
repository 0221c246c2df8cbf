/* peak_fixtures.cpp - see peak_fixtures.h. */
#include "peak_fixtures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace lvtest
{

std::string fixture_path(const std::string &name)
{
    return std::string(LV_TEST_SOURCE_DIR) + "/tests/fixtures/peaks/" + name;
}

static bool parse_kv(const std::string &tok, const char *key, std::string *value)
{
    const std::string k = std::string(key) + "=";
    if (tok.compare(0, k.size(), k) != 0) return false;
    *value = tok.substr(k.size());
    return true;
}

std::vector<LocalmaxCase> read_localmax_cases(const std::string &name)
{
    std::vector<LocalmaxCase> out;
    std::ifstream in(fixture_path(name));
    if (!in) {
        ADD_FAILURE() << "cannot open fixture " << fixture_path(name);
        return out;
    }
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ss(line);
        std::string head;
        ss >> head;
        if (head == "case" || head == "real") {
            LocalmaxCase c;
            if (head == "case") {
                ss >> c.name;
            } else {
                ss >> c.file >> c.index;
                c.name = c.file + "#" + std::to_string(c.index);
            }
            std::string tok, v;
            while (ss >> tok) {
                if (parse_kv(tok, "height", &v))
                    c.height = v == "none" ? -INFINITY : std::strtod(v.c_str(), nullptr);
                else if (parse_kv(tok, "distance", &v))
                    c.distance = (uint32_t)std::strtoul(v.c_str(), nullptr, 10);
            }
            c.name += " h=" + std::to_string(c.height) + " d=" + std::to_string(c.distance);
            out.push_back(c);
        } else if (head == "x" && !out.empty()) {
            std::string tok;
            while (ss >> tok)
                out.back().x.push_back(std::strtof(tok.c_str(), nullptr));
        } else if (head == "peaks" && !out.empty()) {
            uint32_t i;
            while (ss >> i)
                out.back().peaks.push_back(i);
        } else {
            ADD_FAILURE() << name << ": unexpected line: " << line.substr(0, 60);
        }
    }
    return out;
}

Spectrum read_spectrum(const std::string &path, uint64_t index, bool *ok)
{
    Spectrum s;
    *ok = false;
    lv_reader *r = nullptr;
    if (lv_reader_open(path.c_str(), nullptr, &r) != LV_OK) return s;
    lv_batch *b = nullptr;
    if (lv_reader_read(r, LV_RECORD_SPECTRUM, index, 1, &b) == LV_OK) {
        lv_batch_view v;
        v.size = sizeof v;
        lv_batch_get_view(b, &v);
        s.mz.assign(v.mz + v.offsets[0], v.mz + v.offsets[1]);
        s.intensity.assign(v.intensity + v.offsets[0], v.intensity + v.offsets[1]);
        s.representation = v.representation[0];
        *ok = true;
        lv_batch_destroy(b);
    }
    lv_reader_close(r);
    return s;
}

lv_context *cpu_context(uint32_t n_threads)
{
    lv_context_params p;
    lv_context_params_init(&p);
    p.device = LV_DEVICE_CPU;
    p.n_threads = n_threads;
    lv_context *ctx = nullptr;
    if (lv_context_create(&p, &ctx) != LV_OK) return nullptr;
    return ctx;
}

} // namespace lvtest
