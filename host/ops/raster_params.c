/* raster_params.c - lv_frame_params defaults and checks, the size of a frame and the number of
 * frames an input yields. */
#include <math.h>

#include "ops/raster.h"
#include "raster_math.h"
#include "runtime/error.h"

/* Frames larger than this many pixels are refused: 16384 x 16384 is beyond any video encoder and
 * keeps every pixel index of a frame within 32 bits on the device. */
#define RASTER_MAX_SIDE 16384u

LV_API void lv_frame_params_init(lv_frame_params *p)
{
    if (p == NULL) return;
    *p = (lv_frame_params){
        .size = sizeof *p,
        .mode = LV_FRAMES_HEATMAP,
        .width = 1024,
        .height = 1024,
        .mz_min = 100.0,
        .mz_max = 1000.0,
        .mz_bins = LV_MZ_BINS_LINEAR,
        .rt_start = NAN,
        .rt_window = 60.0,
        .rt_stride = 60.0,
        .ms_level = 1,
        .accumulate = LV_ACCUMULATE_MAX,
        .scale = LV_SCALE_LOG1P,
        .normalize = LV_NORMALIZE_FRAME,
        .norm_value = 1.0,
        .blur_sigma = 1.0,
        .colormap = LV_COLORMAP_VIRIDIS,
        .format = LV_FRAME_GRAY8,
    };
}

lv_status lv_raster_check_params(const lv_frame_params *p, const char *fn)
{
    RETURN_ERROR_IF(p->mode != LV_FRAMES_HEATMAP && p->mode != LV_FRAMES_STRIPE,
                    LV_ERR_INVALID_ARGUMENT, "%s: mode %d is not a lv_frame_mode", fn,
                    (int)p->mode);
    RETURN_ERROR_IF(p->width == 0 || p->height == 0 || p->width > RASTER_MAX_SIDE ||
                        p->height > RASTER_MAX_SIDE,
                    LV_ERR_INVALID_ARGUMENT, "%s: frame size %ux%u is outside 1..%u", fn, p->width,
                    p->height, RASTER_MAX_SIDE);
    RETURN_ERROR_IF(
        !(p->mz_min > 0.0 && p->mz_max > p->mz_min && isfinite(p->mz_max)), LV_ERR_INVALID_ARGUMENT,
        "%s: m/z range [%g, %g] must satisfy 0 < mz_min < mz_max < inf", fn, p->mz_min, p->mz_max);
    RETURN_ERROR_IF(p->mz_bins != LV_MZ_BINS_LINEAR && p->mz_bins != LV_MZ_BINS_PPM,
                    LV_ERR_INVALID_ARGUMENT, "%s: mz_bins %d is not a lv_mz_bins", fn,
                    (int)p->mz_bins);
    if (p->mode == LV_FRAMES_HEATMAP) {
        RETURN_ERROR_IF(!(p->rt_window > 0.0 && isfinite(p->rt_window)), LV_ERR_INVALID_ARGUMENT,
                        "%s: rt_window %g must be a positive number of seconds", fn, p->rt_window);
        RETURN_ERROR_IF(!(p->rt_stride > 0.0 && isfinite(p->rt_stride)), LV_ERR_INVALID_ARGUMENT,
                        "%s: rt_stride %g must be a positive number of seconds", fn, p->rt_stride);
        RETURN_ERROR_IF(isinf(p->rt_start), LV_ERR_INVALID_ARGUMENT,
                        "%s: rt_start must be finite or NaN (first spectrum)", fn);
    }
    RETURN_ERROR_IF(p->accumulate != LV_ACCUMULATE_MAX && p->accumulate != LV_ACCUMULATE_SUM,
                    LV_ERR_INVALID_ARGUMENT, "%s: accumulate %d is not a lv_accumulate", fn,
                    (int)p->accumulate);
    RETURN_ERROR_IF(
        p->scale != LV_SCALE_LINEAR && p->scale != LV_SCALE_SQRT && p->scale != LV_SCALE_LOG1P,
        LV_ERR_INVALID_ARGUMENT, "%s: scale %d is not a lv_intensity_scale", fn, (int)p->scale);
    RETURN_ERROR_IF(p->normalize != LV_NORMALIZE_FRAME && p->normalize != LV_NORMALIZE_GLOBAL &&
                        p->normalize != LV_NORMALIZE_FIXED,
                    LV_ERR_INVALID_ARGUMENT, "%s: normalize %d is not a lv_normalize", fn,
                    (int)p->normalize);
    RETURN_ERROR_IF(p->normalize == LV_NORMALIZE_FIXED &&
                        !(p->norm_value > 0.0 && p->norm_value <= 3.4e38),
                    LV_ERR_INVALID_ARGUMENT, "%s: norm_value %g must be positive and finite", fn,
                    p->norm_value);
    RETURN_ERROR_IF(!(p->blur_sigma >= 0.0 && p->blur_sigma <= LV_RASTER_MAX_RADIUS / 4.0),
                    LV_ERR_INVALID_ARGUMENT, "%s: blur_sigma %g is outside [0, %g] pixels", fn,
                    p->blur_sigma, LV_RASTER_MAX_RADIUS / 4.0);
    RETURN_ERROR_IF((unsigned)p->colormap >= LV_COLORMAP_COUNT, LV_ERR_INVALID_ARGUMENT,
                    "%s: colormap %d is not a lv_colormap", fn, (int)p->colormap);
    RETURN_ERROR_IF(
        p->format != LV_FRAME_GRAY8 && p->format != LV_FRAME_RGB8 && p->format != LV_FRAME_F32,
        LV_ERR_INVALID_ARGUMENT, "%s: format %d is not a lv_frame_format", fn, (int)p->format);
    return LV_OK;
}

uint32_t lv_raster_channels(const lv_frame_params *p)
{
    return p->format == LV_FRAME_RGB8 ? 3u : 1u;
}

size_t lv_raster_element_size(const lv_frame_params *p)
{
    return p->format == LV_FRAME_F32 ? sizeof(float) : sizeof(uint8_t);
}

LV_API lv_status lv_frame_size(const lv_frame_params *params, uint32_t *channels,
                               uint64_t *bytes_per_frame)
{
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_frame_params);
    lv_frame_params defaults;
    lv_frame_params_init(&defaults);
    const lv_frame_params *p = params ? params : &defaults;
    FORWARD_IF_ERROR(lv_raster_check_params(p, "lv_frame_size"));
    if (channels) *channels = lv_raster_channels(p);
    if (bytes_per_frame)
        *bytes_per_frame =
            (uint64_t)p->width * p->height * lv_raster_channels(p) * lv_raster_element_size(p);
    return LV_OK;
}

double lv_raster_rt_start(const lv_frame_params *p, uint64_t n_spectra, const double *rt,
                          const uint8_t *ms_level)
{
    if (!isnan(p->rt_start)) return p->rt_start;
    for (uint64_t i = 0; i < n_spectra; i++)
        if (lv_raster_selected(p, ms_level, i) && isfinite(rt[i])) return rt[i];
    return NAN;
}

LV_API lv_status lv_frames_count(const lv_frame_params *params, uint64_t n_spectra,
                                 const double *rt, const uint8_t *ms_level, uint64_t *n_frames)
{
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_frame_params);
    lv_frame_params defaults;
    lv_frame_params_init(&defaults);
    const lv_frame_params *p = params ? params : &defaults;
    FORWARD_IF_ERROR(lv_raster_check_params(p, "lv_frames_count"));
    RETURN_ERROR_IF(n_frames == NULL, LV_ERR_INVALID_ARGUMENT, "lv_frames_count: n_frames is NULL");
    RETURN_ERROR_IF(p->mode == LV_FRAMES_HEATMAP && rt == NULL && n_spectra > 0,
                    LV_ERR_INVALID_ARGUMENT, "lv_frames_count: heatmap frames need rt");
    uint64_t count = 0;
    if (p->mode == LV_FRAMES_STRIPE) {
        for (uint64_t i = 0; i < n_spectra; i++)
            count += lv_raster_selected(p, ms_level, i);
    } else {
        double t0 = lv_raster_rt_start(p, n_spectra, rt, ms_level);
        double last = -INFINITY;
        for (uint64_t i = 0; i < n_spectra; i++)
            if (lv_raster_selected(p, ms_level, i) && isfinite(rt[i]) && rt[i] > last) last = rt[i];
        if (isfinite(t0) && last >= t0) count = (uint64_t)floor((last - t0) / p->rt_stride) + 1;
    }
    *n_frames = count;
    return LV_OK;
}
