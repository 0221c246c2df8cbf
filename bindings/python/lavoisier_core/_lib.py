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


def status_string(status):
    return lv_status_string(status).decode("utf-8", "replace")


def last_error():
    return lv_last_error().decode("utf-8", "replace")


check_major(lv_version_number(), library_path)
