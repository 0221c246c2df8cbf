"""Loading liblavoisier and declaring every C function it exports (argtypes/restype).

Each declaration carries its C prototype from include/lavoisier.h in a comment, so a change of the
header can be checked against this file line by line.  Pointers to caller arrays are declared as
c_void_p and passed as plain integers (numpy's data address): that is the cheapest conversion
ctypes has, and it keeps the per-call overhead small.  No struct is ever passed by value: every
struct goes by pointer, as the C ABI promises.

ctypes.CDLL releases the GIL for the duration of every foreign call, so C work in one Python
thread runs in parallel with Python code and other C calls in other threads.
"""
import ctypes
import os

# numpy first: liblavoisier needs libopenblas.so.0 and is linked (RUNPATH) to Debian's serial
# OpenBLAS, while numpy's libblas.so.3 needs the threaded one under the same soname.  Whichever
# loads first wins the soname; the threaded library exports everything the serial one does (the
# C side adapts to a threaded BLAS), but not the other way round: loading liblavoisier first made
# `import numpy` fail with "undefined symbol: sgemv_thread_n".
import numpy  # noqa: F401

from ._errors import LavoisierError, _raise_missing

#: The major version of the C API this package was written against.
API_MAJOR = 0

_HERE = os.path.dirname(os.path.abspath(__file__))
SONAME = "liblavoisier.so.0"


class c_status:
    """Marker restype for functions returning lv_status: declared as c_int with an errcheck that
    raises LavoisierError on any non-zero status."""
P = ctypes.POINTER


def _candidates():
    """Where the library is looked for, in order: the LAVOISIER_LIBRARY override, the copy
    installed next to this package, then the system soname (ld.so search path)."""
    env = os.environ.get("LAVOISIER_LIBRARY")
    if env:
        # An explicit override is authoritative: no silent fallback to another library.
        return [("LAVOISIER_LIBRARY", env)]
    return [("package copy", os.path.join(_HERE, SONAME)), ("system", SONAME)]


def check_major(number, where):
    """Raises ImportError unless lv_version_number() `number` has this package's major."""
    major = int(number) // 10000
    if major != API_MAJOR:
        raise ImportError(
            "lavoisier_core: %s has C API major %d (version number %d), this package needs "
            "major %d" % (where, major, number, API_MAJOR))


def _load():
    tried = []
    for origin, path in _candidates():
        if origin == "package copy" and not os.path.exists(path):
            tried.append("%s %s: not present" % (origin, path))
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s %s: %s" % (origin, path, e))
            continue
        lib.lv_version_number.restype = ctypes.c_uint32
        lib.lv_version_number.argtypes = []
        check_major(lib.lv_version_number(), path)
        return lib, path, origin
    raise ImportError("lavoisier_core: cannot load liblavoisier; tried:\n  " + "\n  ".join(tried) +
                      "\nSet LAVOISIER_LIBRARY to the path of liblavoisier.so.0, or install the "
                      "library (cmake --install) or the staged package (build/python).")


lib, library_path, library_origin = _load()


# ---- structs (field order and types exactly as in lavoisier.h) --------------------------------
class ContextParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("device", ctypes.c_int),
                ("cuda_device", ctypes.c_int32), ("n_threads", ctypes.c_uint32)]


class BatchView(ctypes.Structure):
    # Pointers are c_void_p so that reading a field gives the address as an int (or None).
    _fields_ = [("size", ctypes.c_size_t), ("kind", ctypes.c_int),
                ("n_records", ctypes.c_uint64), ("n_points", ctypes.c_uint64),
                ("offsets", ctypes.c_void_p), ("mz", ctypes.c_void_p),
                ("intensity", ctypes.c_void_p), ("index", ctypes.c_void_p),
                ("id_offsets", ctypes.c_void_p), ("id_arena", ctypes.c_void_p),
                ("ms_level", ctypes.c_void_p), ("rt_seconds", ctypes.c_void_p),
                ("polarity", ctypes.c_void_p), ("representation", ctypes.c_void_p),
                ("precursor_mz", ctypes.c_void_p), ("precursor_charge", ctypes.c_void_p),
                ("precursor_intensity", ctypes.c_void_p), ("n_extra", ctypes.c_uint32),
                ("processed", ctypes.c_void_p)]


class ReaderParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("context", ctypes.c_void_p),
                ("batch_points", ctypes.c_uint64), ("rebuild_index", ctypes.c_uint32),
                ("verify_checksum", ctypes.c_uint32)]


class FileInfo(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("n_spectra", ctypes.c_uint64),
                ("n_chromatograms", ctypes.c_uint64), ("file_bytes", ctypes.c_uint64),
                ("compressed_bytes", ctypes.c_uint64), ("gzip", ctypes.c_uint32),
                ("index_state", ctypes.c_int), ("checksum_state", ctypes.c_uint32),
                ("mzml_version", ctypes.c_char_p), ("writer_software", ctypes.c_char_p),
                ("index_message", ctypes.c_char_p), ("encodings_seen", ctypes.c_uint32),
                ("parse_seconds", ctypes.c_double), ("decode_seconds", ctypes.c_double)]


class LocalmaxParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("min_height", ctypes.c_double),
                ("min_distance", ctypes.c_uint32)]


class CentroidParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("snr", ctypes.c_double),
                ("min_intensity", ctypes.c_double), ("noise", ctypes.c_double),
                ("intensity", ctypes.c_int), ("ms_levels", ctypes.c_uint32),
                ("fwhm", ctypes.c_uint32)]


class WriterParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("context", ctypes.c_void_p),
                ("processing", ctypes.c_char_p), ("peak_picking", ctypes.c_uint32),
                ("compress", ctypes.c_uint32)]


class SimulateParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("target_bytes", ctypes.c_uint64),
                ("seed", ctypes.c_uint64), ("ms1_points", ctypes.c_uint32),
                ("ms2_per_cycle", ctypes.c_uint32), ("n_compounds", ctypes.c_uint32),
                ("cycle_seconds", ctypes.c_double), ("compress", ctypes.c_uint32)]


class WaveletParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("wavelet", ctypes.c_int), ("level", ctypes.c_uint32),
                ("mode", ctypes.c_int), ("threshold", ctypes.c_double)]


class SavgolParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("window", ctypes.c_uint32),
                ("polyorder", ctypes.c_uint32)]


class SnipParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("iterations", ctypes.c_uint32),
                ("decreasing", ctypes.c_uint32)]


class NoiseParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("method", ctypes.c_int)]


class ZengezaParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("snip", SnipParams), ("wavelet", WaveletParams)]


class DenoiseParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("method", ctypes.c_int), ("wavelet", WaveletParams),
                ("savgol", SavgolParams), ("snip", SnipParams), ("ms_levels", ctypes.c_uint32)]


class CompoundDbParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("mapping", ctypes.c_char_p),
                ("structures", ctypes.c_char_p), ("positive_adducts", ctypes.c_char_p),
                ("negative_adducts", ctypes.c_char_p)]


class CompoundInfo(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("mass", ctypes.c_double),
                ("formula", ctypes.c_char_p), ("ids", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("isotope_m1", ctypes.c_double), ("isotope_m2", ctypes.c_double)]


class AdductInfo(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("name", ctypes.c_char_p), ("charge", ctypes.c_int32),
                ("multiplier", ctypes.c_uint32), ("mass", ctypes.c_double)]


class AnnotateParams(ctypes.Structure):
    # The two weight arrays are c_void_p: the caller keeps the numpy arrays alive meanwhile.
    _fields_ = [("size", ctypes.c_size_t), ("ppm", ctypes.c_double),
                ("sigma_ppm", ctypes.c_double), ("polarity", ctypes.c_int32),
                ("top_k", ctypes.c_uint32), ("no_match_prior", ctypes.c_double),
                ("adduct_weights", ctypes.c_void_p),
                ("negative_adduct_weights", ctypes.c_void_p), ("isotopes", ctypes.c_uint32),
                ("isotope_ppm", ctypes.c_double), ("isotope_sd_abs", ctypes.c_double),
                ("isotope_sd_rel", ctypes.c_double), ("min_intensity", ctypes.c_double),
                ("ms_levels", ctypes.c_uint32)]


class AnnotationView(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("n_peaks", ctypes.c_uint64),
                ("n_rows", ctypes.c_uint64)] + [
        (name, ctypes.c_void_p) for name in (
            "peak_offsets", "peak_spectrum", "peak_point", "peak_mz", "peak_intensity", "peak_rt",
            "peak_polarity", "peak_n_candidates", "no_match_posterior", "compound", "adduct",
            "theoretical_mz", "ppm_error", "isotope_score", "posterior")]


class FrameParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("mode", ctypes.c_int), ("width", ctypes.c_uint32),
                ("height", ctypes.c_uint32), ("mz_min", ctypes.c_double),
                ("mz_max", ctypes.c_double), ("mz_bins", ctypes.c_int),
                ("rt_start", ctypes.c_double), ("rt_window", ctypes.c_double),
                ("rt_stride", ctypes.c_double), ("ms_level", ctypes.c_uint32),
                ("accumulate", ctypes.c_int), ("scale", ctypes.c_int),
                ("normalize", ctypes.c_int), ("norm_value", ctypes.c_double),
                ("blur_sigma", ctypes.c_double), ("colormap", ctypes.c_int),
                ("format", ctypes.c_int)]


class VideoParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("fps", ctypes.c_double), ("codec", ctypes.c_char_p),
                ("crf", ctypes.c_uint32), ("ffmpeg", ctypes.c_char_p)]


# ---- error handling ---------------------------------------------------------------------------
def _errcheck(result, func, args):
    """ctypes errcheck for functions returning lv_status: raises on any non-zero status.  It runs
    on the calling thread right after the call, so lv_last_error() (thread-local) is the message
    of exactly this call."""
    if result:
        raise LavoisierError(result, status_string(result), last_error(), func.__name__)
    return result


# name -> True when the loaded library exports it (optional operations land over time).
available = {}


def _declare(name, restype, argtypes, optional=False):
    try:
        fn = getattr(lib, name)
    except AttributeError:
        if not optional:
            raise ImportError("lavoisier_core: %s does not export %s" % (library_path, name))
        available[name] = False
        return _raise_missing(name, library_path)
    fn.argtypes = argtypes
    if restype is c_status:
        fn.restype = ctypes.c_int
        fn.errcheck = _errcheck
    else:
        fn.restype = restype
    available[name] = True
    return fn


def has(name):
    """True when the loaded library exports the C function `name` (e.g. "lv_localmax")."""
    return available.get(name, False) or (name not in available and hasattr(lib, name))


V, U64, PV = ctypes.c_void_p, ctypes.c_uint64, P(ctypes.c_void_p)

# -- version and errors
# const char *lv_version(void);
lv_version = _declare("lv_version", ctypes.c_char_p, [])
# uint32_t lv_version_number(void);
lv_version_number = _declare("lv_version_number", ctypes.c_uint32, [])
# const char *lv_status_string(lv_status status);
lv_status_string = _declare("lv_status_string", ctypes.c_char_p, [ctypes.c_int])
# const char *lv_last_error(void);
lv_last_error = _declare("lv_last_error", ctypes.c_char_p, [])

# -- context and devices
# void lv_context_params_init(lv_context_params *params);
lv_context_params_init = _declare("lv_context_params_init", None, [P(ContextParams)])
# lv_status lv_context_create(const lv_context_params *params, lv_context **out);
lv_context_create = _declare("lv_context_create", c_status, [P(ContextParams), PV])
# void lv_context_destroy(lv_context *ctx);
lv_context_destroy = _declare("lv_context_destroy", None, [V])
# lv_device lv_context_device(const lv_context *ctx);
lv_context_device = _declare("lv_context_device", ctypes.c_int, [V])
# const char *lv_context_backend_name(const lv_context *ctx);
lv_context_backend_name = _declare("lv_context_backend_name", ctypes.c_char_p, [V])
# uint32_t lv_context_threads(const lv_context *ctx);
lv_context_threads = _declare("lv_context_threads", ctypes.c_uint32, [V])
# int32_t lv_cuda_device_count(void);
lv_cuda_device_count = _declare("lv_cuda_device_count", ctypes.c_int32, [])
# lv_status lv_host_alloc(lv_context *ctx, size_t bytes, void **out);
lv_host_alloc = _declare("lv_host_alloc", c_status, [V, ctypes.c_size_t, PV])
# void lv_host_free(lv_context *ctx, void *ptr);
lv_host_free = _declare("lv_host_free", None, [V, V])
# lv_status lv_saxpy(lv_context *ctx, uint64_t n, float a, const float *x, const float *y,
#                    float *out);
lv_saxpy = _declare("lv_saxpy", c_status, [V, U64, ctypes.c_float, V, V, V])

# -- batches
# lv_status lv_batch_get_view(const lv_batch *batch, lv_batch_view *view);
lv_batch_get_view = _declare("lv_batch_get_view", c_status, [V, P(BatchView)])
# lv_status lv_batch_extra(const lv_batch *batch, uint32_t k, const char **name, lv_dtype *dtype,
#                          const uint64_t **offsets, const void **data);
lv_batch_extra = _declare("lv_batch_extra", c_status,
                          [V, ctypes.c_uint32, P(ctypes.c_char_p), P(ctypes.c_int), PV, PV])
# uint64_t lv_batch_count(const lv_batch *batch);
lv_batch_count = _declare("lv_batch_count", U64, [V])
# const char *lv_batch_id(const lv_batch *batch, uint64_t i);
lv_batch_id = _declare("lv_batch_id", ctypes.c_char_p, [V, U64])
# void lv_batch_destroy(lv_batch *batch);
lv_batch_destroy = _declare("lv_batch_destroy", None, [V])

# -- reader
# void lv_reader_params_init(lv_reader_params *params);
lv_reader_params_init = _declare("lv_reader_params_init", None, [P(ReaderParams)])
# lv_status lv_reader_open(const char *path, const lv_reader_params *params, lv_reader **out);
lv_reader_open = _declare("lv_reader_open", c_status, [ctypes.c_char_p, P(ReaderParams), PV])
# void lv_reader_close(lv_reader *reader);
lv_reader_close = _declare("lv_reader_close", None, [V])
# lv_status lv_reader_info(const lv_reader *reader, lv_file_info *info);
lv_reader_info = _declare("lv_reader_info", c_status, [V, P(FileInfo)])
# lv_status lv_reader_next(lv_reader *reader, lv_batch **out);
lv_reader_next = _declare("lv_reader_next", c_status, [V, PV])
# lv_status lv_reader_seek(lv_reader *reader, uint64_t index);
lv_reader_seek = _declare("lv_reader_seek", c_status, [V, U64])
# lv_status lv_reader_read(lv_reader *reader, lv_record_kind kind, uint64_t first, uint64_t count,
#                          lv_batch **out);
lv_reader_read = _declare("lv_reader_read", c_status, [V, ctypes.c_int, U64, U64, PV])
# lv_status lv_reader_find_id(lv_reader *reader, lv_record_kind kind, const char *id,
#                             uint64_t *index);
lv_reader_find_id = _declare("lv_reader_find_id", c_status,
                             [V, ctypes.c_int, ctypes.c_char_p, P(U64)])
# lv_status lv_reader_find_rt(lv_reader *reader, double rt_min, double rt_max, uint64_t *first,
#                             uint64_t *count);
lv_reader_find_rt = _declare("lv_reader_find_rt", c_status,
                             [V, ctypes.c_double, ctypes.c_double, P(U64), P(U64)])

# -- peak picking and centroiding (optional: present once their implementation is merged)
# void lv_localmax_params_init(lv_localmax_params *params);
lv_localmax_params_init = _declare("lv_localmax_params_init", None, [P(LocalmaxParams)], True)
# lv_status lv_localmax(lv_context *ctx, const lv_localmax_params *params, uint64_t n_spectra,
#                       const uint64_t *offsets, const float *intensity, uint64_t capacity,
#                       uint32_t *out_index, uint64_t *out_offsets);
lv_localmax = _declare("lv_localmax", c_status, [V, P(LocalmaxParams), U64, V, V, U64, V, V], True)
# void lv_centroid_params_init(lv_centroid_params *params);
lv_centroid_params_init = _declare("lv_centroid_params_init", None, [P(CentroidParams)], True)
# lv_status lv_centroid(lv_context *ctx, const lv_centroid_params *params, uint64_t n_spectra,
#                       const uint64_t *offsets, const double *mz, const float *intensity,
#                       uint64_t capacity, double *out_mz, float *out_intensity,
#                       float *out_fwhm, uint64_t *out_offsets);
lv_centroid = _declare("lv_centroid", c_status,
                       [V, P(CentroidParams), U64, V, V, V, U64, V, V, V, V], True)
# lv_status lv_centroid_batch(lv_context *ctx, const lv_centroid_params *params,
#                             const lv_batch *in, lv_batch **out);
lv_centroid_batch = _declare("lv_centroid_batch", c_status, [V, P(CentroidParams), V, PV], True)

# -- writer (optional)
# void lv_writer_params_init(lv_writer_params *params);
lv_writer_params_init = _declare("lv_writer_params_init", None, [P(WriterParams)], True)
# lv_status lv_writer_open(const char *path, lv_reader *source, const lv_writer_params *params,
#                          lv_writer **out);
lv_writer_open = _declare("lv_writer_open", c_status, [ctypes.c_char_p, V, P(WriterParams), PV],
                          True)
# lv_status lv_writer_write(lv_writer *writer, const lv_batch *batch);
lv_writer_write = _declare("lv_writer_write", c_status, [V, V], True)
# lv_status lv_writer_finish(lv_writer *writer);
lv_writer_finish = _declare("lv_writer_finish", c_status, [V], True)
# void lv_writer_close(lv_writer *writer);
lv_writer_close = _declare("lv_writer_close", None, [V], True)

# -- simulator
# void lv_simulate_params_init(lv_simulate_params *params);
lv_simulate_params_init = _declare("lv_simulate_params_init", None, [P(SimulateParams)])
# lv_status lv_simulate(const char *path, const lv_simulate_params *params);
lv_simulate = _declare("lv_simulate", c_status, [ctypes.c_char_p, P(SimulateParams)])


# -- denoising (#4)
D, U32, I32 = ctypes.c_double, ctypes.c_uint32, ctypes.c_int32
# void lv_wavelet_params_init(lv_wavelet_params *params);
lv_wavelet_params_init = _declare("lv_wavelet_params_init", None, [P(WaveletParams)], True)
# lv_status lv_wavelet_denoise(lv_context *ctx, const lv_wavelet_params *params,
#                              uint64_t n_spectra, const uint64_t *offsets,
#                              const float *intensity, float *out);
lv_wavelet_denoise = _declare("lv_wavelet_denoise", c_status, [V, P(WaveletParams), U64, V, V, V],
                              True)
# void lv_savgol_params_init(lv_savgol_params *params);
lv_savgol_params_init = _declare("lv_savgol_params_init", None, [P(SavgolParams)], True)
# lv_status lv_savgol(lv_context *ctx, const lv_savgol_params *params, uint64_t n_spectra,
#                     const uint64_t *offsets, const float *intensity, float *out);
lv_savgol = _declare("lv_savgol", c_status, [V, P(SavgolParams), U64, V, V, V], True)
# void lv_snip_params_init(lv_snip_params *params);
lv_snip_params_init = _declare("lv_snip_params_init", None, [P(SnipParams)], True)
# lv_status lv_snip_baseline(lv_context *ctx, const lv_snip_params *params, uint64_t n_spectra,
#                            const uint64_t *offsets, const float *intensity,
#                            float *out_baseline);
lv_snip_baseline = _declare("lv_snip_baseline", c_status, [V, P(SnipParams), U64, V, V, V], True)
# lv_status lv_snip_remove(lv_context *ctx, const lv_snip_params *params, uint64_t n_spectra,
#                          const uint64_t *offsets, const float *intensity, float *out);
lv_snip_remove = _declare("lv_snip_remove", c_status, [V, P(SnipParams), U64, V, V, V], True)
# void lv_noise_params_init(lv_noise_params *params);
lv_noise_params_init = _declare("lv_noise_params_init", None, [P(NoiseParams)], True)
# lv_status lv_noise_level(lv_context *ctx, const lv_noise_params *params, uint64_t n_spectra,
#                          const uint64_t *offsets, const float *intensity, double *out_noise);
lv_noise_level = _declare("lv_noise_level", c_status, [V, P(NoiseParams), U64, V, V, V], True)
# void lv_zengeza_params_init(lv_zengeza_params *params);
lv_zengeza_params_init = _declare("lv_zengeza_params_init", None, [P(ZengezaParams)], True)
# lv_status lv_zengeza(lv_context *ctx, const lv_zengeza_params *params, uint64_t n_spectra,
#                      const uint64_t *offsets, const float *intensity, float *out);
lv_zengeza = _declare("lv_zengeza", c_status, [V, P(ZengezaParams), U64, V, V, V], True)
# void lv_denoise_params_init(lv_denoise_params *params);
lv_denoise_params_init = _declare("lv_denoise_params_init", None, [P(DenoiseParams)], True)
# lv_status lv_denoise_batch(lv_context *ctx, const lv_denoise_params *params,
#                            const lv_batch *in, lv_batch **out);
lv_denoise_batch = _declare("lv_denoise_batch", c_status, [V, P(DenoiseParams), V, PV], True)

# -- Bayesian fusion (#5)
# lv_status lv_bayes_update(lv_context *ctx, uint32_t n_hypotheses, uint32_t n_evidence,
#                           const double *likelihood, const double *prior, double *posterior,
#                           lv_bayes_outcome *outcome);
lv_bayes_update = _declare("lv_bayes_update", c_status, [V, U32, U32, V, V, V, P(ctypes.c_int)],
                           True)
# lv_status lv_bayes_posterior_batch(lv_context *ctx, uint64_t n_observations,
#                                    uint32_t n_hypotheses, uint32_t n_evidence,
#                                    const double *evidence, const double *weights,
#                                    const double *bias, double *out, uint64_t *n_degenerate);
lv_bayes_posterior_batch = _declare("lv_bayes_posterior_batch", c_status,
                                    [V, U64, U32, U32, V, V, V, V, P(U64)], True)
# lv_status lv_bayes_posterior_batch_f32(lv_context *ctx, uint64_t n_observations,
#                                        uint32_t n_hypotheses, uint32_t n_evidence,
#                                        const float *evidence, const float *weights,
#                                        const float *bias, float *out, uint64_t *n_degenerate);
lv_bayes_posterior_batch_f32 = _declare("lv_bayes_posterior_batch_f32", c_status,
                                        [V, U64, U32, U32, V, V, V, V, P(U64)], True)
# lv_status lv_bayes_weights_from_bernoulli(uint32_t n_hypotheses, uint32_t n_evidence,
#                                           const double *p, const double *prior,
#                                           double *weights, double *bias);
lv_bayes_weights_from_bernoulli = _declare("lv_bayes_weights_from_bernoulli", c_status,
                                           [U32, U32, V, V, V, V], True)

# -- compound database and annotation (#5)
# void lv_compound_db_params_init(lv_compound_db_params *params);
lv_compound_db_params_init = _declare("lv_compound_db_params_init", None, [P(CompoundDbParams)],
                                      True)
# lv_status lv_compound_db_open(const lv_compound_db_params *params, lv_compound_db **out);
lv_compound_db_open = _declare("lv_compound_db_open", c_status, [P(CompoundDbParams), PV], True)
# void lv_compound_db_destroy(lv_compound_db *db);
lv_compound_db_destroy = _declare("lv_compound_db_destroy", None, [V], True)
# uint64_t lv_compound_db_count(const lv_compound_db *db);
lv_compound_db_count = _declare("lv_compound_db_count", U64, [V], True)
# lv_status lv_compound_db_get(const lv_compound_db *db, uint64_t i, lv_compound_info *info);
lv_compound_db_get = _declare("lv_compound_db_get", c_status, [V, U64, P(CompoundInfo)], True)
# uint32_t lv_compound_db_adduct_count(const lv_compound_db *db, int32_t polarity);
lv_compound_db_adduct_count = _declare("lv_compound_db_adduct_count", U32, [V, I32], True)
# lv_status lv_compound_db_adduct(const lv_compound_db *db, int32_t polarity, uint32_t k,
#                                 lv_adduct_info *info);
lv_compound_db_adduct = _declare("lv_compound_db_adduct", c_status, [V, I32, U32, P(AdductInfo)],
                                 True)
# void lv_annotate_params_init(lv_annotate_params *params);
lv_annotate_params_init = _declare("lv_annotate_params_init", None, [P(AnnotateParams)], True)
# lv_status lv_annotate(lv_context *ctx, const lv_compound_db *db,
#                       const lv_annotate_params *params, uint64_t n_spectra,
#                       const uint64_t *offsets, const double *mz, const float *intensity,
#                       const double *rt_seconds, lv_annotation **out);
lv_annotate = _declare("lv_annotate", c_status, [V, V, P(AnnotateParams), U64, V, V, V, V, PV],
                       True)
# lv_status lv_annotate_batch(lv_context *ctx, const lv_compound_db *db,
#                             const lv_annotate_params *params, const lv_batch *batch,
#                             lv_annotation **out);
lv_annotate_batch = _declare("lv_annotate_batch", c_status, [V, V, P(AnnotateParams), V, PV], True)
# lv_status lv_annotation_get_view(const lv_annotation *annotation, lv_annotation_view *view);
lv_annotation_get_view = _declare("lv_annotation_get_view", c_status, [V, P(AnnotationView)], True)
# void lv_annotation_destroy(lv_annotation *annotation);
lv_annotation_destroy = _declare("lv_annotation_destroy", None, [V], True)

# -- rasterization, PNG and video (#6)
# void lv_frame_params_init(lv_frame_params *params);
lv_frame_params_init = _declare("lv_frame_params_init", None, [P(FrameParams)], True)
# lv_status lv_frame_size(const lv_frame_params *params, uint32_t *channels,
#                         uint64_t *bytes_per_frame);
lv_frame_size = _declare("lv_frame_size", c_status, [P(FrameParams), P(U32), P(U64)], True)
# lv_status lv_frames_count(const lv_frame_params *params, uint64_t n_spectra,
#                           const double *rt, const uint8_t *ms_level, uint64_t *n_frames);
lv_frames_count = _declare("lv_frames_count", c_status, [P(FrameParams), U64, V, V, P(U64)], True)
# lv_status lv_frames(lv_context *ctx, const lv_frame_params *params, uint64_t n_spectra,
#                     const uint64_t *offsets, const double *mz, const float *intensity,
#                     const double *rt, const uint8_t *ms_level, uint64_t n_frames, void *out);
lv_frames = _declare("lv_frames", c_status, [V, P(FrameParams), U64, V, V, V, V, V, U64, V], True)
# lv_status lv_frames_batch(lv_context *ctx, const lv_frame_params *params,
#                           const lv_batch *batch, uint64_t n_frames, void *out);
lv_frames_batch = _declare("lv_frames_batch", c_status, [V, P(FrameParams), V, U64, V], True)
# lv_status lv_frames_render(lv_context *ctx, const lv_frame_params *params, uint64_t n_frames,
#                            const float *acc, void *out);
lv_frames_render = _declare("lv_frames_render", c_status, [V, P(FrameParams), U64, V, V], True)
# lv_status lv_png_write(const char *path, uint32_t width, uint32_t height, uint32_t channels,
#                        const uint8_t *pixels);
lv_png_write = _declare("lv_png_write", c_status, [ctypes.c_char_p, U32, U32, U32, V], True)
# void lv_video_params_init(lv_video_params *params);
lv_video_params_init = _declare("lv_video_params_init", None, [P(VideoParams)], True)
# lv_status lv_video_open(const char *path, uint32_t width, uint32_t height, uint32_t channels,
#                         const lv_video_params *params, lv_video **out);
lv_video_open = _declare("lv_video_open", c_status,
                         [ctypes.c_char_p, U32, U32, U32, P(VideoParams), PV], True)
# lv_status lv_video_write(lv_video *video, const uint8_t *frames, uint64_t n_frames);
lv_video_write = _declare("lv_video_write", c_status, [V, V, U64], True)
# lv_status lv_video_finish(lv_video *video);
lv_video_finish = _declare("lv_video_finish", c_status, [V], True)
# void lv_video_close(lv_video *video);
lv_video_close = _declare("lv_video_close", None, [V], True)


def status_string(status):
    return lv_status_string(status).decode("utf-8", "replace")


def last_error():
    return lv_last_error().decode("utf-8", "replace")


check_major(lv_version_number(), library_path)
