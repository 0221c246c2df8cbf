/* denoise_ops.h - runs a denoising operation named as in tests/fixtures/denoise/ (cases.txt,
 * real_cases.txt) (make_denoise_fixtures.py) with its key=value parameters, for the parity tests.
 */
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "lavoisier.h"

namespace lvtest
{

inline lv_wavelet wavelet_by_name(const std::string &name)
{
    static const char *names[] = {"haar", "db2",  "db3",  "db4",  "db5",  "db6", "db7",
                                  "db8",  "sym4", "sym5", "sym6", "sym7", "sym8"};
    for (int i = 0; i < 13; i++)
        if (name == names[i]) return (lv_wavelet)i;
    throw std::runtime_error("unknown wavelet " + name);
}

inline lv_wavelet_params wavelet_params(const std::map<std::string, std::string> &p)
{
    lv_wavelet_params w;
    lv_wavelet_params_init(&w);
    w.wavelet = wavelet_by_name(p.at("wavelet"));
    w.mode = p.at("mode") == "hard" ? LV_THRESHOLD_HARD : LV_THRESHOLD_SOFT;
    w.threshold = std::stod(p.at("threshold"));
    w.level = (uint32_t)std::stoul(p.at("level"));
    return w;
}

inline lv_snip_params snip_params(const std::map<std::string, std::string> &p)
{
    lv_snip_params s;
    lv_snip_params_init(&s);
    s.iterations = (uint32_t)std::stoul(p.at("iterations"));
    s.decreasing = (uint32_t)std::stoul(p.at("decreasing"));
    return s;
}

/* Runs op on the CSR spectra; returns the status.  noise writes one value per spectrum into
 * out (as float64 in out_noise). */
inline lv_status run_denoise_op(lv_context *ctx, const std::string &op,
                                const std::map<std::string, std::string> &p, uint64_t n_spectra,
                                const uint64_t *offsets, const float *in, float *out,
                                double *out_noise)
{
    if (op == "wavelet") {
        lv_wavelet_params w = wavelet_params(p);
        return lv_wavelet_denoise(ctx, &w, n_spectra, offsets, in, out);
    }
    if (op == "savgol") {
        lv_savgol_params s;
        lv_savgol_params_init(&s);
        s.window = (uint32_t)std::stoul(p.at("window"));
        s.polyorder = (uint32_t)std::stoul(p.at("polyorder"));
        return lv_savgol(ctx, &s, n_spectra, offsets, in, out);
    }
    if (op == "snip") {
        lv_snip_params s = snip_params(p);
        return lv_snip_baseline(ctx, &s, n_spectra, offsets, in, out);
    }
    if (op == "noise") {
        lv_noise_params np;
        lv_noise_params_init(&np);
        np.method = p.at("method") == "median" ? LV_NOISE_MEDIAN : LV_NOISE_MAD;
        return lv_noise_level(ctx, &np, n_spectra, offsets, in, out_noise);
    }
    if (op == "zengeza") {
        lv_zengeza_params z;
        lv_zengeza_params_init(&z);
        z.snip = snip_params(p);
        z.wavelet = wavelet_params(p);
        return lv_zengeza(ctx, &z, n_spectra, offsets, in, out);
    }
    throw std::runtime_error("unknown op " + op);
}

} // namespace lvtest
