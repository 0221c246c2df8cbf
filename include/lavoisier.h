/*
 * lavoisier.h - the public C API of Lavoisier core.
 *
 * Lavoisier core reads mass-spectrometry runs (mzML, indexedmzML, .mzML.gz) into batches of
 * spectra and runs the heavy operations on them, on a CUDA GPU when one is present and on all CPU
 * cores otherwise.  This is the only public header.  It is plain C11 with fixed-width types and no
 * CUDA types, so C, C++ and Python (ctypes) see the same ABI.
 *
 * Conventions, valid for every function below unless its comment says otherwise:
 *
 *   - Every fallible call returns an lv_status.  LV_OK is 0; any other value is an error, and a
 *     detail message for it is available from lv_last_error() on the same thread until the next
 *     failing call on that thread.  The message names the file, the byte offset, the record
 *     (spectrum index and native id) and the check that failed, where they apply.
 *   - The library never aborts, never exits and never prints.
 *   - Objects are opaque handles created by lv_<obj>_create/open and released by
 *     lv_<obj>_destroy/close.  Passing NULL to a destroy/close function does nothing.
 *   - Options go by pointer to a struct whose first member `size` is sizeof(the struct).  Fill it
 *     with lv_<op>_params_init() and change what you need; a NULL params pointer means defaults.
 *     No struct is ever passed or returned by value.
 *   - Output pointers are written only on success, unless stated otherwise.
 *   - Strings are NUL-terminated UTF-8 (mzML ids are ASCII in practice).
 */
#ifndef LAVOISIER_H
#define LAVOISIER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LV_API
#elif defined(__GNUC__)
#define LV_API __attribute__((visibility("default")))
#else
#define LV_API
#endif

/* ------------------------------------------------------------------------------------------ */
/* Version                                                                                     */
/* ------------------------------------------------------------------------------------------ */

#define LV_VERSION_MAJOR  0
#define LV_VERSION_MINOR  1
#define LV_VERSION_PATCH  0
#define LV_VERSION_STRING "0.1.0"
/* One number for compile-time comparisons: MAJOR*10000 + MINOR*100 + PATCH. */
#define LV_VERSION_NUMBER (LV_VERSION_MAJOR * 10000 + LV_VERSION_MINOR * 100 + LV_VERSION_PATCH)

/* The version of the library actually loaded, as "MAJOR.MINOR.PATCH".  Static storage. */
LV_API const char *lv_version(void);
/* The same as LV_VERSION_NUMBER of the loaded library (compare with the header you built with). */
LV_API uint32_t lv_version_number(void);

/* ------------------------------------------------------------------------------------------ */
/* Status and errors                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* Numbers are fixed forever; new codes are only appended. */
typedef enum lv_status {
    LV_OK = 0,
    LV_ERR_INVALID_ARGUMENT = 1, /* NULL where not allowed, out-of-range value, bad params size */
    LV_ERR_NO_MEMORY = 2,        /* an allocation failed */
    LV_ERR_IO = 3,               /* open/read/write/mmap failed (errno text in the message) */
    LV_ERR_EMPTY_FILE = 4,       /* the input has zero bytes */
    LV_ERR_TRUNCATED = 5,        /* the input ends inside a record or before the document ends */
    LV_ERR_XML = 6,              /* malformed markup (libxml2's own message is quoted) */
    LV_ERR_FORMAT = 7,           /* well-formed XML that is not valid mzML where it matters */
    LV_ERR_BASE64 = 8,           /* invalid base64 in a <binary> payload */
    LV_ERR_ZLIB = 9,             /* a zlib-compressed array does not inflate */
    LV_ERR_GZIP = 10,            /* the .gz container is corrupt or truncated */
    LV_ERR_NUMPRESS = 11,        /* MS-Numpress data is corrupt */
    LV_ERR_ARRAY_LENGTH = 12,    /* decoded array length differs from the declared one */
    LV_ERR_NOT_FOUND = 13,       /* no record with that index, id or retention time */
    LV_ERR_UNSUPPORTED = 14,     /* valid input or request this build cannot serve (e.g. no GPU) */
    LV_ERR_CUDA = 15,            /* a CUDA runtime or driver call failed */
    LV_ERR_INTERNAL = 16         /* a bug in Lavoisier: please report the message */
} lv_status;

/* A short constant description of a status ("invalid argument", ...).  Never NULL. */
LV_API const char *lv_status_string(lv_status status);

/* The detail message of the last failing call made on this thread ("" if none).  The pointer is
 * thread-local storage, valid until the next call into the library on the same thread. */
LV_API const char *lv_last_error(void);

/* ------------------------------------------------------------------------------------------ */
/* Context and devices                                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef enum lv_device {
    LV_DEVICE_AUTO = 0, /* CUDA when a device and the CUDA backend are available, else CPU */
    LV_DEVICE_CPU = 1,
    LV_DEVICE_CUDA = 2
} lv_device;

typedef struct lv_context_params {
    size_t size;         /* sizeof(lv_context_params) */
    lv_device device;    /* default LV_DEVICE_AUTO; the LV_DEVICE environment variable
                            (cpu|cuda|auto) overrides AUTO only */
    int32_t cuda_device; /* CUDA device ordinal, default 0 */
    uint32_t n_threads;  /* CPU worker threads; 0 (default) = number of online CPUs */
} lv_context_params;

/* A context holds the chosen backend, the CPU thread pool and (with CUDA) the device and its
 * streams.  A context may be shared by several threads; the operations that use it are safe to
 * call concurrently. */
typedef struct lv_context lv_context;

LV_API void lv_context_params_init(lv_context_params *params);

/* Creates a context.  Asking for LV_DEVICE_CUDA where no device or no CUDA backend is present
 * fails with LV_ERR_UNSUPPORTED and a message saying which of the two is missing. */
LV_API lv_status lv_context_create(const lv_context_params *params, lv_context **out);
/* Destroys the context.  Everything made with it (readers opened with it, batches that readers
 * or operations returned while using it, lv_host_alloc memory, writers) must be released first:
 * batches free their memory through the context that allocated it (pinned memory on CUDA). */
LV_API void lv_context_destroy(lv_context *ctx);

/* The backend the context runs on (LV_DEVICE_CPU or LV_DEVICE_CUDA, never AUTO). */
LV_API lv_device lv_context_device(const lv_context *ctx);
/* "cpu" or "cuda:<ordinal> <device name>".  Owned by the context. */
LV_API const char *lv_context_backend_name(const lv_context *ctx);
LV_API uint32_t lv_context_threads(const lv_context *ctx);

/* Number of usable CUDA devices: 0 when the build has no CUDA backend, the backend library is
 * missing, or no driver/device is present.  Never fails. */
LV_API int32_t lv_cuda_device_count(void);

/* Host memory for staging data to the device: page-locked (pinned) when the context runs on
 * CUDA, ordinary aligned memory otherwise.  Free with lv_host_free() and the same context. */
LV_API lv_status lv_host_alloc(lv_context *ctx, size_t bytes, void **out);
LV_API void lv_host_free(lv_context *ctx, void *ptr);

/* A self-test of the compute path: out[i] = a * x[i] + y[i] for n floats, run on the context's
 * backend (on the GPU through pinned buffers when the context runs on CUDA).  It exists so that
 * users and tests can check that a device works end to end.  x, y and out may not be NULL
 * unless n is 0; out may alias x or y. */
LV_API lv_status lv_saxpy(lv_context *ctx, uint64_t n, float a, const float *x, const float *y,
                          float *out);

/* ------------------------------------------------------------------------------------------ */
/* Batches                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* A batch holds N records (spectra or chromatograms) in CSR / struct-of-arrays form, allocated
 * once.  Points of record i are [offsets[i], offsets[i+1]) of the value arrays.  A batch is
 * immutable once returned, except that the caller may modify the values of mz and intensity in
 * place.  One batch may be read by many threads at once. */
typedef struct lv_batch lv_batch;

typedef enum lv_record_kind { LV_RECORD_SPECTRUM = 0, LV_RECORD_CHROMATOGRAM = 1 } lv_record_kind;

/* Representation of a spectrum (MS:1000127 centroid, MS:1000128 profile). */
typedef enum lv_representation {
    LV_REPR_UNKNOWN = 0,
    LV_REPR_PROFILE = 1,
    LV_REPR_CENTROID = 2
} lv_representation;

/* Element type of an extra (non m/z, non intensity) array, kept in its native type. */
typedef enum lv_dtype {
    LV_DTYPE_F32 = 0,
    LV_DTYPE_F64 = 1,
    LV_DTYPE_I32 = 2,
    LV_DTYPE_I64 = 3,
    LV_DTYPE_ASCII = 4 /* MS:1001479 null-terminated ASCII string: one byte per element */
} lv_dtype;

/* All columns of a batch as pointers into the batch (zero-copy).  Per-record columns have
 * n_records entries.  Missing values: rt_seconds, precursor_mz and precursor_intensity are NaN;
 * ms_level, precursor_charge and polarity are 0; representation is LV_REPR_UNKNOWN. */
typedef struct lv_batch_view {
    size_t size; /* caller sets sizeof(lv_batch_view) before lv_batch_get_view() */
    lv_record_kind kind;
    uint64_t n_records;
    uint64_t n_points;
    const uint64_t *offsets;    /* n_records + 1 */
    double *mz;                 /* m/z (spectra) or time in seconds (chromatograms), n_points */
    float *intensity;           /* n_points */
    const uint64_t *index;      /* position of the record in the file, in document order */
    const uint64_t *id_offsets; /* n_records + 1: id i is id_arena + id_offsets[i] (NUL-ended) */
    const char *id_arena;
    const uint8_t *ms_level;       /* spectra; 0 for chromatograms and when absent */
    const double *rt_seconds;      /* scan start time in seconds (spectra) */
    const int8_t *polarity;        /* +1 positive, -1 negative, 0 unknown */
    const uint8_t *representation; /* lv_representation values */
    const double *precursor_mz;    /* first precursor's first selected ion m/z (spectra),
                                      or the precursor isolation target (chromatograms) */
    const int32_t *precursor_charge;
    const double *precursor_intensity;
    uint32_t n_extra; /* number of extra array names in this batch, see lv_batch_extra() */
    /* 1 where an operation (e.g. lv_centroid_batch) produced the record's arrays, 0 where they
     * are as read from the file.  lv_writer_write() rewrites processed records and copies the
     * others byte for byte from the source file. */
    const uint8_t *processed;
} lv_batch_view;

/* Fills *view (whose size member the caller has set).  The pointers stay valid until the batch is
 * destroyed. */
LV_API lv_status lv_batch_get_view(const lv_batch *batch, lv_batch_view *view);

/* Extra array k (0 <= k < view.n_extra) of the batch: its name (the CV name of its array type, or
 * the userParam/cvParam value that names a non-standard array), element type, and CSR offsets
 * (n_records + 1, into data, in elements) so that record i has elements
 * [offsets[i], offsets[i+1]) (empty where record i has no such array).  All pointers are owned by
 * the batch. */
LV_API lv_status lv_batch_extra(const lv_batch *batch, uint32_t k, const char **name,
                                lv_dtype *dtype, const uint64_t **offsets, const void **data);

/* Convenience accessors for one record (no copying). */
LV_API uint64_t lv_batch_count(const lv_batch *batch);
LV_API const char *lv_batch_id(const lv_batch *batch, uint64_t i); /* NULL when i >= count */
LV_API void lv_batch_destroy(lv_batch *batch);

/* ------------------------------------------------------------------------------------------ */
/* Reader                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* What the reader found out about the file's index. */
typedef enum lv_index_state {
    LV_INDEX_VALID = 0,           /* indexedmzML whose offsets all verified; used as is */
    LV_INDEX_NONE = 1,            /* plain mzML: the index was built by a byte scan */
    LV_INDEX_REBUILT_MISSING = 2, /* indexedmzML without indexList/indexListOffset: rebuilt */
    LV_INDEX_REBUILT_STALE = 3,   /* offsets did not land on their records (CRLF drift, edited or
                                     trimmed file) or the index omits records: rebuilt */
    LV_INDEX_REBUILT_FORCED = 4   /* rebuilt because lv_reader_params.rebuild_index was set */
} lv_index_state;

typedef struct lv_reader_params {
    size_t size;              /* sizeof(lv_reader_params) */
    lv_context *context;      /* decode threads come from here; NULL = a private 1-thread pool */
    uint64_t batch_points;    /* point budget of lv_reader_next(); default 2,000,000 */
    uint32_t rebuild_index;   /* 1 = ignore the file's index and scan; default 0 */
    uint32_t verify_checksum; /* 1 = compute SHA-1 and compare with fileChecksum at open (reads
                                 the whole file); default 0 */
} lv_reader_params;

/* Bits of lv_file_info.encodings_seen: the encodings of the arrays read so far. */
enum {
    LV_ENCODING_NONE = 1u << 0, /* uncompressed */
    LV_ENCODING_ZLIB = 1u << 1,
    LV_ENCODING_NP_LINEAR = 1u << 2,
    LV_ENCODING_NP_PIC = 1u << 3,
    LV_ENCODING_NP_SLOF = 1u << 4,
    LV_ENCODING_F32 = 1u << 8,
    LV_ENCODING_F64 = 1u << 9,
    LV_ENCODING_I32 = 1u << 10,
    LV_ENCODING_I64 = 1u << 11,
    LV_ENCODING_ASCII = 1u << 12
};

typedef struct lv_file_info {
    size_t size;        /* caller sets sizeof(lv_file_info) */
    uint64_t n_spectra; /* records actually present (count attributes are not trusted) */
    uint64_t n_chromatograms;
    uint64_t file_bytes;       /* bytes of XML (after gzip decompression) */
    uint64_t compressed_bytes; /* bytes on disk */
    uint32_t gzip;             /* 1 when the input was gzip-compressed */
    lv_index_state index_state;
    uint32_t checksum_state;     /* 0 not checked, 1 matches, 2 differs, 3 absent/placeholder */
    const char *mzml_version;    /* the version attribute of <mzML> ("" when empty or absent) */
    const char *writer_software; /* the last <software> of the file: "name version" */
    const char *index_message;   /* why the index was rebuilt, or what was wrong with a valid
                                    index's indexListOffset ("" when nothing to say) */
    uint32_t encodings_seen;     /* LV_ENCODING_* bits of every array read so far by this reader */
    double parse_seconds;        /* wall seconds this reader has spent so far locating records and
                                    parsing their markup (all threads working) */
    double decode_seconds;       /* ... and decoding arrays into batches (base64, zlib, numpress) */
} lv_file_info;

/* A reader over one mzML file.  One reader is used by one thread at a time; separate readers on
 * the same file may be used from separate threads. */
typedef struct lv_reader lv_reader;

LV_API void lv_reader_params_init(lv_reader_params *params);

/* Opens path: "-" or a pipe/FIFO is read once into an unlinked temporary file; .gz content
 * (detected by its magic bytes, multi-member allowed) is inflated in a streaming first pass.  The
 * header, referenceable param groups and the index are read; the index is verified (each offset
 * must land on its record's start tag with the matching id) and rebuilt by a byte scan when
 * missing or wrong.  The spectrum data is not decoded until asked for. */
LV_API lv_status lv_reader_open(const char *path, const lv_reader_params *params, lv_reader **out);
LV_API void lv_reader_close(lv_reader *reader);

/* Fills *info (whose size member the caller has set).  String pointers are owned by the reader. */
LV_API lv_status lv_reader_info(const lv_reader *reader, lv_file_info *info);

/* Streams spectra in document order: the next batch holds at least one spectrum and at most
 * params.batch_points points (unless one spectrum alone is larger).  At the end of the file,
 * *out is set to NULL and LV_OK is returned.  The caller destroys each batch. */
LV_API lv_status lv_reader_next(lv_reader *reader, lv_batch **out);
/* Restarts lv_reader_next() at spectrum `index`. */
LV_API lv_status lv_reader_seek(lv_reader *reader, uint64_t index);

/* Random access: count records of the given kind starting at first (document order). */
LV_API lv_status lv_reader_read(lv_reader *reader, lv_record_kind kind, uint64_t first,
                                uint64_t count, lv_batch **out);

/* The document-order index of the record with this native id.  LV_ERR_NOT_FOUND if none. */
LV_API lv_status lv_reader_find_id(lv_reader *reader, lv_record_kind kind, const char *id,
                                   uint64_t *index);

/* Spectra whose scan start time lies in [rt_min, rt_max] seconds: their first index and count
 * (count may be 0).  The first call reads every spectrum's metadata once (not its arrays). */
LV_API lv_status lv_reader_find_rt(lv_reader *reader, double rt_min, double rt_max, uint64_t *first,
                                   uint64_t *count);

/* ------------------------------------------------------------------------------------------ */
/* Peak picking and centroiding                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Spectra given as plain arrays use CSR form: spectrum i is points [offsets[i], offsets[i+1]) of
 * the value arrays (offsets has n_spectra + 1 non-decreasing entries; offsets[0] need not be 0).
 * A batch's view (offsets, mz, intensity) can be passed as is. */

typedef struct lv_localmax_params {
    size_t size;           /* sizeof(lv_localmax_params) */
    double min_height;     /* a peak needs intensity >= min_height; default -INFINITY (none) */
    uint32_t min_distance; /* minimum distance in samples between kept peaks, >= 1; default 1 */
} lv_localmax_params;

LV_API void lv_localmax_params_init(lv_localmax_params *params);

/* Local maxima of every spectrum, exactly the indices that
 * scipy.signal.find_peaks(intensity, height=min_height, distance=min_distance) returns: a peak is
 * a sample (or the middle of a flat plateau, rounded down) whose neighbours on both sides are
 * lower; first and last samples are never peaks; with min_distance > 1, peaks are visited from
 * highest to lowest (ties: the later one first, as scipy's stable argsort) and each removes the
 * lower peaks closer than min_distance.
 *
 * Writes out_offsets[0..n_spectra] (out_offsets[0] = 0) and, for spectrum i, the peak positions
 * relative to offsets[i], ascending, in out_index[out_offsets[i] .. out_offsets[i+1]).  capacity
 * is the number of entries out_index holds; offsets[n_spectra] - offsets[0] always suffices.  If
 * the peaks do not fit, fails with LV_ERR_INVALID_ARGUMENT and the message gives the count needed.
 * NaN intensities are never peaks and never lower than a neighbour.  Runs on the context's
 * backend. */
LV_API lv_status lv_localmax(lv_context *ctx, const lv_localmax_params *params, uint64_t n_spectra,
                             const uint64_t *offsets, const float *intensity, uint64_t capacity,
                             uint32_t *out_index, uint64_t *out_offsets);

typedef enum lv_centroid_intensity {
    LV_CENTROID_APEX = 0, /* the height of the fitted apex (default) */
    LV_CENTROID_AREA = 1  /* the trapezoid area of the peak's extent over m/z */
} lv_centroid_intensity;

typedef struct lv_centroid_params {
    size_t size;                     /* sizeof(lv_centroid_params) */
    double snr;                      /* keep peaks with intensity >= snr * noise; default 0 */
    double min_intensity;            /* and with intensity >= min_intensity; default 0 */
    double noise;                    /* > 0: the noise level of every spectrum; 0 (default): each
                                        spectrum's 1.4826 * MAD of its intensities */
    lv_centroid_intensity intensity; /* default LV_CENTROID_APEX */
    uint32_t ms_levels;              /* lv_centroid_batch only: bit L set = centroid MS level L;
                                        default 0xFFFFFFFF (every level, also unknown 0) */
    uint32_t fwhm;                   /* 1 = also report each peak's full width at half maximum in
                                        m/z units; default 0 */
} lv_centroid_params;

LV_API void lv_centroid_params_init(lv_centroid_params *params);

/* Profile to centroid: for every spectrum, the noise level (params.noise or 1.4826 * MAD), then
 * each local maximum (as lv_localmax with min_distance 1) with intensity >= max(min_intensity,
 * snr * noise) becomes one centroid.  The peak's extent runs down both flanks while the intensity
 * does not rise; its m/z is the vertex of the parabola through the logarithms of the apex sample
 * and its two neighbours (a 3-point Gaussian fit, falling back to the apex sample's m/z where the
 * fit is undefined), its intensity the fitted apex height (or the area).  Results per spectrum
 * ascend in m/z.
 *
 * Writes out_offsets[0..n_spectra] (out_offsets[0] = 0) and the centroids of spectrum i into
 * out_mz/out_intensity (and out_fwhm when not NULL and params.fwhm is 1) at
 * [out_offsets[i], out_offsets[i+1]).  capacity as for lv_localmax.  mz must ascend within each
 * spectrum (LV_ERR_INVALID_ARGUMENT naming the spectrum and point otherwise). */
LV_API lv_status lv_centroid(lv_context *ctx, const lv_centroid_params *params, uint64_t n_spectra,
                             const uint64_t *offsets, const double *mz, const float *intensity,
                             uint64_t capacity, double *out_mz, float *out_intensity,
                             float *out_fwhm, uint64_t *out_offsets);

/* Centroids a batch of spectra into a new batch (*out, destroyed by the caller) with the same
 * records, ids and metadata.  Records whose MS level is selected by params.ms_levels and whose
 * representation is profile or unknown are centroided: their representation becomes
 * LV_REPR_CENTROID, their processed flag 1, and their extra arrays are dropped (they no longer
 * align with the points), except a "FWHM" float array when params.fwhm is 1.  Every other record
 * is copied unchanged, its processed flag included (so the output of an earlier operation stays
 * marked).  Chromatogram batches are refused (LV_ERR_INVALID_ARGUMENT).  The input batch is not
 * modified. */
LV_API lv_status lv_centroid_batch(lv_context *ctx, const lv_centroid_params *params,
                                   const lv_batch *in, lv_batch **out);

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct lv_writer_params {
    size_t size;            /* sizeof(lv_writer_params) */
    lv_context *context;    /* threads for encoding; NULL = a private 1-thread pool */
    const char *processing; /* text naming the processing and its parameters, stored in the new
                               dataProcessing entry (e.g. "centroid snr=0 min_intensity=0"); NULL
                               = "lavoisier" */
    uint32_t peak_picking;  /* 1 = the new processing method carries MS:1000035 (peak picking) */
    uint32_t compress;      /* 1 (default) = zlib-compressed arrays, 0 = uncompressed */
} lv_writer_params;

/* A writer produces an indexed mzML 1.1 copy of a source file opened with lv_reader_open(), in
 * which the spectra passed to lv_writer_write() with processed flags replace the originals.  It
 * keeps the source's header and every record's metadata, copies unprocessed records byte for
 * byte, writes processed spectra with 64-bit m/z and 32-bit intensity arrays and their new
 * lengths (and the centroid term instead of profile), adds a dataProcessing entry naming
 * Lavoisier and params.processing, and ends with a correct index, indexListOffset and SHA-1
 * fileChecksum.  Output goes to a temporary file beside path, renamed to path by
 * lv_writer_finish(); until then path is never touched.
 *
 * The source reader must stay open until the writer is closed.  The writer reads only the source's
 * bytes and index, never its streaming state, so one thread may call lv_reader_next() while
 * another calls lv_writer_write() for earlier batches.  One writer is used by one thread at a
 * time. */
typedef struct lv_writer lv_writer;

LV_API void lv_writer_params_init(lv_writer_params *params);

LV_API lv_status lv_writer_open(const char *path, lv_reader *source, const lv_writer_params *params,
                                lv_writer **out);

/* Writes the spectra of batch, whose indices must be increasing and greater than those of every
 * earlier call (LV_ERR_INVALID_ARGUMENT otherwise).  Source spectra skipped over are copied
 * through unchanged. */
LV_API lv_status lv_writer_write(lv_writer *writer, const lv_batch *batch);

/* Copies the remaining spectra and every chromatogram, writes the index and checksum, and renames
 * the temporary file to path.  The writer must still be closed. */
LV_API lv_status lv_writer_finish(lv_writer *writer);

/* Frees the writer; an unfinished output is deleted. */
LV_API void lv_writer_close(lv_writer *writer);

/* ------------------------------------------------------------------------------------------ */
/* Rasterization                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Spectra become 8-bit images ("frames") for computer vision and for people to look at.  Two
 * kinds of frame share one pipeline:
 *
 *   LV_FRAMES_HEATMAP  m/z x retention time.  Frame k covers the RT window
 *                      [t_k, t_k + rt_window) with t_k = rt_start + k * rt_stride; a spectrum with
 *                      retention time rt in it lands in column floor((rt - t_k) / rt_window *
 * width) (a stride shorter than the window gives a sliding movie of the run). LV_FRAMES_STRIPE
 * Lavoisier's video analyzer: frame k is the k-th selected spectrum, every column the same (the
 * spectrum drawn as horizontal stripes).
 *
 * In both, row r of a frame holds the m/z bin r counted from mz_min (row 0, the top of the image,
 * is the lowest m/z).  A point with mz_min <= m/z <= mz_max falls in bin
 *   linear: floor((mz - mz_min) / (mz_max - mz_min) * height)
 *   ppm:    floor(log(mz / mz_min) / log(mz_max / mz_min) * height)  (equal width in ppm)
 * with m/z == mz_max in the last bin; other points are ignored.  Negative and NaN intensities
 * count as 0.  Then, per pixel and in this order:
 *   1. accumulate: the sum or the maximum of the intensities of the points falling in the pixel
 *      (for stripes: in the row; several peaks in one row give their maximum by default);
 *   2. scale: x, sqrt(x) or log1p(x), in float;
 *   3. normalize: divide by the frame's largest scaled value (LV_NORMALIZE_FRAME), the largest
 *      over all frames of the call (LV_NORMALIZE_GLOBAL) or norm_value (LV_NORMALIZE_FIXED); an
 *      all-zero frame stays 0;
 *   4. blur: a Gaussian of blur_sigma pixels (0 = none), separable, radius
 *      floor(4 * sigma + 0.5) pixels, boundary mode "reflect" - the same as
 *      scipy.ndimage.gaussian_filter(v, sigma, mode="reflect", truncate=4.0).  Stripe frames are
 *      blurred along m/z only (their rows are constant, so across them blurring changes nothing);
 *   5. quantize: v clipped to [0, 1] becomes q = min(255, floor(v * 256)), the index that
 *      matplotlib's Colormap.__call__ uses; LV_FRAME_GRAY8 stores q, LV_FRAME_RGB8 stores the
 *      colormap's entry q (exactly matplotlib's cmap(v, bytes=True)), LV_FRAME_F32 stores v itself
 *      (after step 4, before quantization).
 * Spectra are selected by MS level (ms_level, 0 = all); heatmaps skip spectra whose retention
 * time is NaN.
 *
 * Output goes to a caller-owned array of n_frames x height x width x channels elements (uint8
 * for GRAY8 and RGB8, float for F32), row-major, C-contiguous: a numpy array of that shape can be
 * passed as is.  lv_frame_size() gives the bytes of one frame and lv_frames_count() the number of
 * frames the input yields. */

typedef enum lv_frame_mode { LV_FRAMES_HEATMAP = 0, LV_FRAMES_STRIPE = 1 } lv_frame_mode;
typedef enum lv_mz_bins { LV_MZ_BINS_LINEAR = 0, LV_MZ_BINS_PPM = 1 } lv_mz_bins;
typedef enum lv_accumulate { LV_ACCUMULATE_MAX = 0, LV_ACCUMULATE_SUM = 1 } lv_accumulate;
typedef enum lv_intensity_scale {
    LV_SCALE_LINEAR = 0,
    LV_SCALE_SQRT = 1,
    LV_SCALE_LOG1P = 2
} lv_intensity_scale;
typedef enum lv_normalize {
    LV_NORMALIZE_FRAME = 0,
    LV_NORMALIZE_GLOBAL = 1,
    LV_NORMALIZE_FIXED = 2
} lv_normalize;
/* 256-entry tables taken from matplotlib ("gray", "viridis", "magma", "inferno"). */
typedef enum lv_colormap {
    LV_COLORMAP_GRAY = 0,
    LV_COLORMAP_VIRIDIS = 1,
    LV_COLORMAP_MAGMA = 2,
    LV_COLORMAP_INFERNO = 3
} lv_colormap;
typedef enum lv_frame_format {
    LV_FRAME_GRAY8 = 0, /* 1 channel, uint8 */
    LV_FRAME_RGB8 = 1,  /* 3 channels, uint8, through the colormap */
    LV_FRAME_F32 = 2    /* 1 channel, float in [0, 1]: the value before quantization */
} lv_frame_format;

/* The defaults are Lavoisier's stripe frames, and a reasonable heatmap too. */
typedef struct lv_frame_params {
    size_t size;              /* sizeof(lv_frame_params) */
    lv_frame_mode mode;       /* default LV_FRAMES_HEATMAP */
    uint32_t width;           /* pixels, default 1024 */
    uint32_t height;          /* pixels = m/z bins, default 1024 */
    double mz_min, mz_max;    /* default 100 and 1000; 0 < mz_min < mz_max */
    lv_mz_bins mz_bins;       /* default LV_MZ_BINS_LINEAR */
    double rt_start;          /* heatmap: start of frame 0 in seconds; default NaN = the
                                 retention time of the first selected spectrum */
    double rt_window;         /* heatmap: seconds per frame, default 60 */
    double rt_stride;         /* heatmap: seconds between frame starts, default 60 */
    uint32_t ms_level;        /* select spectra of this MS level, 0 = all; default 1 */
    lv_accumulate accumulate; /* default LV_ACCUMULATE_MAX */
    lv_intensity_scale scale; /* default LV_SCALE_LOG1P */
    lv_normalize normalize;   /* default LV_NORMALIZE_FRAME */
    double norm_value;        /* LV_NORMALIZE_FIXED: the scaled value that maps to 1; default 1 */
    double blur_sigma;        /* pixels, default 1; 0 = no blur */
    lv_colormap colormap;     /* LV_FRAME_RGB8 only; default LV_COLORMAP_VIRIDIS */
    lv_frame_format format;   /* default LV_FRAME_GRAY8 */
} lv_frame_params;

LV_API void lv_frame_params_init(lv_frame_params *params);

/* Checks params (NULL = defaults) and gives the channels (1 or 3) and the bytes of one frame
 * (height x width x channels x element size).  Either output may be NULL. */
LV_API lv_status lv_frame_size(const lv_frame_params *params, uint32_t *channels,
                               uint64_t *bytes_per_frame);

/* The number of frames the spectra yield: for stripes the number of selected spectra; for
 * heatmaps floor((t_last - rt_start) / rt_stride) + 1 where t_last is the latest retention time
 * of a selected spectrum (0 when none is selected or none lies at or after rt_start).  ms_level
 * may be NULL (every spectrum selected); rt may be NULL for stripes. */
LV_API lv_status lv_frames_count(const lv_frame_params *params, uint64_t n_spectra,
                                 const double *rt, const uint8_t *ms_level, uint64_t *n_frames);

/* Rasterizes spectra given as CSR arrays (see "Peak picking" for the layout; rt and ms_level have
 * n_spectra entries, ms_level may be NULL, rt may be NULL for stripes) into frames 0..n_frames-1
 * of out (n_frames x lv_frame_size() bytes).  Frames past the data are blank (value 0).  Runs on
 * the context's backend: on CUDA the points are scattered with atomics into device frames, which
 * are blurred, colormapped and copied back; on the CPU frames are built in parallel.  With
 * LV_ACCUMULATE_MAX both give the same bytes; with LV_ACCUMULATE_SUM the GPU adds in another
 * order and may differ by one count. */
LV_API lv_status lv_frames(lv_context *ctx, const lv_frame_params *params, uint64_t n_spectra,
                           const uint64_t *offsets, const double *mz, const float *intensity,
                           const double *rt, const uint8_t *ms_level, uint64_t n_frames, void *out);

/* The same for the spectra of a batch (its rt_seconds and ms_level columns). */
LV_API lv_status lv_frames_batch(lv_context *ctx, const lv_frame_params *params,
                                 const lv_batch *batch, uint64_t n_frames, void *out);

/* Steps 2-5 alone, for images accumulated by the caller (e.g. a whole run summed batch by batch
 * from F32 frames made with LV_SCALE_LINEAR, LV_NORMALIZE_FIXED, norm_value 1 and no blur):
 * acc holds n_frames x height x width floats for heatmaps, n_frames x height x 1 for stripes
 * (negative and NaN values count as 0).  The m/z, RT, ms_level and accumulate fields of params
 * are not used. */
LV_API lv_status lv_frames_render(lv_context *ctx, const lv_frame_params *params, uint64_t n_frames,
                                  const float *acc, void *out);

/* Writes an 8-bit image (channels 1 = gray, 3 = RGB, 4 = RGBA; rows of width * channels bytes,
 * top row first) as a PNG file.  The file is written under a temporary name beside path and
 * renamed when complete. */
LV_API lv_status lv_png_write(const char *path, uint32_t width, uint32_t height, uint32_t channels,
                              const uint8_t *pixels);

/* Video through an `ffmpeg` child process fed raw frames on a pipe. */
typedef struct lv_video_params {
    size_t size;        /* sizeof(lv_video_params) */
    double fps;         /* frames per second, default 25 */
    const char *codec;  /* ffmpeg encoder name; default "libx264" (H.264) */
    uint32_t crf;       /* constant rate factor for libx264/libx265, default 18; 0 = lossless */
    const char *ffmpeg; /* program to run, looked up on PATH; default "ffmpeg" */
} lv_video_params;

typedef struct lv_video lv_video;

LV_API void lv_video_params_init(lv_video_params *params);

/* Starts ffmpeg writing path (the container follows the extension, e.g. .mp4) from raw frames of
 * width x height x channels bytes (1 = gray, 3 = RGB).  Odd sizes are padded by one black pixel
 * (H.264 in yuv420p needs even sizes).  Fails with LV_ERR_UNSUPPORTED naming the program when it
 * is not on PATH.  ffmpeg writes a temporary file beside path, renamed by lv_video_finish().
 * SIGPIPE is never raised in the caller's process: a dead encoder gives LV_ERR_IO. */
LV_API lv_status lv_video_open(const char *path, uint32_t width, uint32_t height, uint32_t channels,
                               const lv_video_params *params, lv_video **out);
/* Sends n_frames frames (consecutive in memory). */
LV_API lv_status lv_video_write(lv_video *video, const uint8_t *frames, uint64_t n_frames);
/* Ends the input, waits for ffmpeg and checks its exit status (its last error lines are quoted in
 * the message), then renames the file to path.  The video must still be closed. */
LV_API lv_status lv_video_finish(lv_video *video);
/* Frees the video; an unfinished one stops ffmpeg and deletes its temporary file. */
LV_API void lv_video_close(lv_video *video);

/* ------------------------------------------------------------------------------------------ */
/* Denoising ("zengeza")                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Every operation below works per spectrum on CSR arrays as in the peak-picking section
 * (offsets[n_spectra + 1], float intensities) and writes a float array out with the same layout:
 * spectrum i's results go to out[offsets[i] .. offsets[i+1]).  out may be the intensity array
 * itself (in-place).  The arithmetic runs in double; only the stored results are float.  The
 * operations run on the context's backend; each states its reference implementation, which the
 * tests check to 1e-6 relative (tests/fixtures/make_denoise_fixtures.py).  NaN or infinite
 * intensities give unspecified values in their spectrum (never a crash). */

/* Wavelets, with PyWavelets' filter banks (pywt.Wavelet(name)). */
typedef enum lv_wavelet {
    LV_WAVELET_HAAR = 0,
    LV_WAVELET_DB2 = 1,
    LV_WAVELET_DB3 = 2,
    LV_WAVELET_DB4 = 3,
    LV_WAVELET_DB5 = 4,
    LV_WAVELET_DB6 = 5,
    LV_WAVELET_DB7 = 6,
    LV_WAVELET_DB8 = 7,
    LV_WAVELET_SYM4 = 8,
    LV_WAVELET_SYM5 = 9,
    LV_WAVELET_SYM6 = 10,
    LV_WAVELET_SYM7 = 11,
    LV_WAVELET_SYM8 = 12
} lv_wavelet;

typedef enum lv_threshold_mode {
    LV_THRESHOLD_SOFT = 0, /* sign(c) * max(|c| - t, 0) */
    LV_THRESHOLD_HARD = 1  /* c where |c| >= t, else 0 */
} lv_threshold_mode;

typedef struct lv_wavelet_params {
    size_t size;            /* sizeof(lv_wavelet_params) */
    lv_wavelet wavelet;     /* default LV_WAVELET_DB4 */
    uint32_t level;         /* decomposition levels, <= 32; 0 (default) = per spectrum
                               pywt.dwt_max_level(n, filter length) */
    lv_threshold_mode mode; /* default LV_THRESHOLD_SOFT */
    double threshold;       /* >= 0: this threshold for every spectrum; < 0 (default -1): the
                               universal threshold sigma * sqrt(2 ln n), sigma = median(|finest
                               detail coefficients|) / 0.6745, per spectrum of n points */
} lv_wavelet_params;

LV_API void lv_wavelet_params_init(lv_wavelet_params *params);

/* Wavelet shrinkage of every spectrum, equal to
 *   c = pywt.wavedec(x, wavelet, mode='symmetric', level=L)
 *   c[1:] = [pywt.threshold(d, t, mode) for d in c[1:]]   (approximation c[0] untouched)
 *   y = pywt.waverec(c, wavelet, mode='symmetric')[:len(x)]
 * computed in double on the float input.  Where the level is 0 (spectra shorter than the
 * filter length - 1 with the default level) the spectrum is copied unchanged.  A level above
 * dwt_max_level is allowed, as in PyWavelets.  One deviation: pywt's soft rule turns a zero
 * coefficient into NaN when t = 0 (0/0); here it stays 0. */
LV_API lv_status lv_wavelet_denoise(lv_context *ctx, const lv_wavelet_params *params,
                                    uint64_t n_spectra, const uint64_t *offsets,
                                    const float *intensity, float *out);

typedef struct lv_savgol_params {
    size_t size;        /* sizeof(lv_savgol_params) */
    uint32_t window;    /* odd, 1..255; default 11 */
    uint32_t polyorder; /* < window and <= 20; default 4 */
} lv_savgol_params;

LV_API void lv_savgol_params_init(lv_savgol_params *params);

/* Savitzky-Golay smoothing of every spectrum, equal to
 * scipy.signal.savgol_filter(x, window, polyorder, deriv=0, mode='interp'): interior points are
 * the centre value of the local least-squares polynomial, the first and last window/2 points are
 * the fitted polynomial of the first / last window evaluated at their positions.  Spectra with
 * fewer points than the window (where scipy raises an error) are copied unchanged, so that one
 * short spectrum does not fail a whole run. */
LV_API lv_status lv_savgol(lv_context *ctx, const lv_savgol_params *params, uint64_t n_spectra,
                           const uint64_t *offsets, const float *intensity, float *out);

typedef struct lv_snip_params {
    size_t size;         /* sizeof(lv_snip_params) */
    uint32_t iterations; /* largest clipping window in points; default 100 (MALDIquant's) */
    uint32_t decreasing; /* 1 (default): windows iterations .. 1; 0: 1 .. iterations */
} lv_snip_params;

LV_API void lv_snip_params_init(lv_snip_params *params);

/* SNIP baseline of every spectrum with MALDIquant's semantics (removeBaseline(method="SNIP"),
 * src/snip.c): for each window i in turn, every point j in [i, n - i) becomes
 * min(y[j], (y[j - i] + y[j + i]) / 2), all from the previous window's values.  Writes the
 * baseline; 0 iterations give the spectrum itself. */
LV_API lv_status lv_snip_baseline(lv_context *ctx, const lv_snip_params *params, uint64_t n_spectra,
                                  const uint64_t *offsets, const float *intensity,
                                  float *out_baseline);

/* The same, writing intensity - baseline (>= 0 by construction, up to float rounding). */
LV_API lv_status lv_snip_remove(lv_context *ctx, const lv_snip_params *params, uint64_t n_spectra,
                                const uint64_t *offsets, const float *intensity, float *out);

typedef enum lv_noise_method {
    LV_NOISE_MAD = 0,   /* 1.4826 * median(|x - median(x)|): R's mad(), MALDIquant's "MAD" */
    LV_NOISE_MEDIAN = 1 /* median(x) */
} lv_noise_method;

typedef struct lv_noise_params {
    size_t size;            /* sizeof(lv_noise_params) */
    lv_noise_method method; /* default LV_NOISE_MAD */
} lv_noise_params;

LV_API void lv_noise_params_init(lv_noise_params *params);

/* Noise level of every spectrum into out_noise[0 .. n_spectra) (0 for empty spectra).  The
 * median of an even count is the mean of the two middle values (numpy.median).  Always runs on
 * the CPU threads of the context (it is a selection, not worth a device round trip). */
LV_API lv_status lv_noise_level(lv_context *ctx, const lv_noise_params *params, uint64_t n_spectra,
                                const uint64_t *offsets, const float *intensity, double *out_noise);

typedef struct lv_zengeza_params {
    size_t size;               /* sizeof(lv_zengeza_params) */
    lv_snip_params snip;       /* baseline; snip.iterations = 0 skips baseline removal */
    lv_wavelet_params wavelet; /* shrinkage of the baseline-free signal */
} lv_zengeza_params;

LV_API void lv_zengeza_params_init(lv_zengeza_params *params);

/* The zengeza pipeline on every spectrum: y = x - snip_baseline(x) (skipped when
 * snip.iterations is 0), then wavelet shrinkage of y as lv_wavelet_denoise (in double, y is not
 * rounded to float in between), then max(y, 0). */
LV_API lv_status lv_zengeza(lv_context *ctx, const lv_zengeza_params *params, uint64_t n_spectra,
                            const uint64_t *offsets, const float *intensity, float *out);

typedef enum lv_denoise_method {
    LV_DENOISE_ZENGEZA = 0, /* lv_zengeza with params.snip and params.wavelet */
    LV_DENOISE_WAVELET = 1, /* lv_wavelet_denoise with params.wavelet */
    LV_DENOISE_SAVGOL = 2,  /* lv_savgol with params.savgol */
    LV_DENOISE_SNIP = 3     /* lv_snip_remove with params.snip */
} lv_denoise_method;

typedef struct lv_denoise_params {
    size_t size;               /* sizeof(lv_denoise_params) */
    lv_denoise_method method;  /* default LV_DENOISE_ZENGEZA */
    lv_wavelet_params wavelet; /* defaults of lv_wavelet_params_init */
    lv_savgol_params savgol;   /* defaults of lv_savgol_params_init */
    lv_snip_params snip;       /* defaults of lv_snip_params_init */
    uint32_t ms_levels;        /* bit L set = denoise MS level L; default 0xFFFFFFFF (every level,
                                  also unknown 0) */
} lv_denoise_params;

LV_API void lv_denoise_params_init(lv_denoise_params *params);

/* Denoises a batch of spectra into a new batch (*out, destroyed by the caller) with the same
 * records, ids, metadata, m/z values and extra arrays (the point counts do not change).
 * Spectra whose MS level is selected by params.ms_levels and whose representation is profile
 * or unknown get the method's intensities and processed flag 1; every other record (centroid
 * spectra, chromatograms) is copied unchanged with its processed flag.  The input batch is not
 * modified. */
LV_API lv_status lv_denoise_batch(lv_context *ctx, const lv_denoise_params *params,
                                  const lv_batch *in, lv_batch **out);

/* ------------------------------------------------------------------------------------------ */
/* Bayesian fusion and annotation ("mzekezeke")                                                */
/* ------------------------------------------------------------------------------------------ */

/* Matrices are dense and row-major.  All posterior math is done in log space and normalized with
 * log-sum-exp, so no magnitude of log-likelihood overflows or turns into NaN. */

/* lv_bayes_update() results. */
typedef enum lv_bayes_outcome {
    LV_BAYES_NORMAL = 0,    /* posterior[i] proportional to prior[i] * prod_j L[i][j] */
    LV_BAYES_DEGENERATE = 1 /* every hypothesis had zero joint probability (each row holds a 0
                               likelihood or a 0 prior): the evidence contradicts them all and
                               cannot rank them, so posterior = the normalized prior */
} lv_bayes_outcome;

/* One observation, N hypotheses, M pieces of evidence: posterior[i] proportional to
 * prior[i] * prod_j likelihood[i*M + j], normalized to sum 1.  likelihood entries are finite
 * and >= 0, or NaN meaning "evidence j was not observed" (ignored for that hypothesis).  A zero
 * likelihood or prior gives posterior exactly 0 (never NaN).  prior: N finite values >= 0 with a
 * positive sum, or NULL for a uniform prior.  posterior: N doubles.  *outcome (may be NULL)
 * receives LV_BAYES_NORMAL or LV_BAYES_DEGENERATE (see above); both return LV_OK.  Computed on
 * the CPU whatever the context's device (one observation is far too small for a transfer). */
LV_API lv_status lv_bayes_update(lv_context *ctx, uint32_t n_hypotheses, uint32_t n_evidence,
                                 const double *likelihood, const double *prior, double *posterior,
                                 lv_bayes_outcome *outcome);

/* B observations at once: posterior = row-softmax(E W^T + c), with evidence E[B x M], weights
 * W[N x M] and bias c[N] (log prior plus constant log-likelihood terms), out[B x N].  This is the
 * log-linear form of a naive Bayes network: row b of E W^T + c is the unnormalized log posterior
 * of observation b.  One GEMM plus a row-wise log-sum-exp: on the CPU fused in one pass for
 * M <= 512 (the logits never leave the cache), CBLAS DGEMM beyond; cuBLAS DGEMM on CUDA.  Each
 * row's result is the same for any thread count.  E and W must be finite; c entries finite or
 * -INFINITY (zero prior).  Rows whose every entry is -inf (every c_i = -inf) are degenerate and get
 * a uniform posterior 1/N; *n_degenerate (may be NULL) receives their count.  float64 throughout:
 * the result matches a float64 reference to ~1e-12 relative, where float32 GEMM sums of 50 terms of
 * log-likelihoods of magnitude 1e3 would already lose digits before the exponential amplifies the
 * error.  out may not alias the inputs. */
LV_API lv_status lv_bayes_posterior_batch(lv_context *ctx, uint64_t n_observations,
                                          uint32_t n_hypotheses, uint32_t n_evidence,
                                          const double *evidence, const double *weights,
                                          const double *bias, double *out, uint64_t *n_degenerate);

/* The same in float32 (float GEMM and exponentials, their sum accumulated in double): about twice
 * as fast on the CPU and far faster on consumer GPUs, for callers whose log-likelihoods are
 * moderate (|E W^T| up to ~1e3 keeps ~1e-4 relative accuracy in the posterior). */
LV_API lv_status lv_bayes_posterior_batch_f32(lv_context *ctx, uint64_t n_observations,
                                              uint32_t n_hypotheses, uint32_t n_evidence,
                                              const float *evidence, const float *weights,
                                              const float *bias, float *out,
                                              uint64_t *n_degenerate);

/* Builds W and c for lv_bayes_posterior_batch from a Bernoulli likelihood table: p[i*M + j] =
 * P(evidence j is present | hypothesis i).  For binary evidence e,
 * log P(e | i) = sum_j e_j logit(p_ij) + log(1 - p_ij), so weights[i*M + j] = logit(p_ij) and
 * bias[i] = log prior[i] + sum_j log(1 - p_ij).  p is clamped to [1e-12, 1 - 1e-12] (certain
 * outcomes stay finite).  prior: N values >= 0 with positive sum (normalized here), or NULL for
 * uniform; a zero prior gives bias -INFINITY. */
LV_API lv_status lv_bayes_weights_from_bernoulli(uint32_t n_hypotheses, uint32_t n_evidence,
                                                 const double *p, const double *prior,
                                                 double *weights, double *bias);

/* A compound database and its adduct lists, in the formats OpenMS ships in openms-common:
 *   mapping:    "database_name\tNAME", "database_version\tV", then lines
 *               "mass\tformula\tID [\tID...]" (mass 0 = compute it from the formula);
 *   structures: "ID\tname\tSMILES\tInChI" (only ID and name are used);
 *   adducts:    one "M+H;1+" / "2M+CH3CN+Na;1+" / "M-H2O-H;1-" per line.
 * Formulas are element symbols with optional counts and isotope prefixes ("C6H12O6",
 * "C10(2)H3(1)H16NO4"); masses use the element data of OpenMS Elements.xml.  Parse errors fail
 * with LV_ERR_FORMAT naming the file and line.  Thread rules: read-only after opening, so one
 * database may be shared by any number of threads. */
typedef struct lv_compound_db lv_compound_db;

/* Where openms-common installs the tables. */
#define LV_OPENMS_CHEMISTRY_DIR "/usr/share/openms/CHEMISTRY"

typedef struct lv_compound_db_params {
    size_t size;                  /* sizeof(lv_compound_db_params) */
    const char *mapping;          /* default LV_OPENMS_CHEMISTRY_DIR "/HMDBMappingFile.tsv" */
    const char *structures;       /* default ".../HMDB2StructMapping.tsv"; NULL or "" = no names */
    const char *positive_adducts; /* default ".../PositiveAdducts.tsv"; NULL or "" = none */
    const char *negative_adducts; /* default ".../NegativeAdducts.tsv"; NULL or "" = none */
} lv_compound_db_params;

LV_API void lv_compound_db_params_init(lv_compound_db_params *params);
LV_API lv_status lv_compound_db_open(const lv_compound_db_params *params, lv_compound_db **out);
LV_API void lv_compound_db_destroy(lv_compound_db *db);

/* Entries (one per mapping line), in ascending mass order: index i below refers to this order. */
LV_API uint64_t lv_compound_db_count(const lv_compound_db *db);

typedef struct lv_compound_info {
    size_t size;         /* caller sets sizeof(lv_compound_info) */
    double mass;         /* neutral monoisotopic mass */
    const char *formula; /* as written in the mapping file */
    const char *ids;     /* the entry's identifiers, joined by ',' */
    const char *name;    /* name of the first identifier ("" when unknown) */
    double isotope_m1;   /* expected intensity of M+1 relative to M (neutral molecule) */
    double isotope_m2;   /* ... of M+2 */
} lv_compound_info;

/* Strings are owned by the database. */
LV_API lv_status lv_compound_db_get(const lv_compound_db *db, uint64_t i, lv_compound_info *info);

/* Adducts of one polarity (+1 positive, -1 negative), in file order. */
LV_API uint32_t lv_compound_db_adduct_count(const lv_compound_db *db, int32_t polarity);

typedef struct lv_adduct_info {
    size_t size;         /* caller sets sizeof(lv_adduct_info) */
    const char *name;    /* as in the file, e.g. "M+Na;1+" */
    int32_t charge;      /* signed */
    uint32_t multiplier; /* the n of nM */
    double mass;         /* monoisotopic mass of the added minus the lost atoms */
} lv_adduct_info;

LV_API lv_status lv_compound_db_adduct(const lv_compound_db *db, int32_t polarity, uint32_t k,
                                       lv_adduct_info *info);

typedef struct lv_annotate_params {
    size_t size;           /* sizeof(lv_annotate_params) */
    double ppm;            /* candidate window, OpenMS AccurateMassSearch semantics; default 5 */
    double sigma_ppm;      /* sd of the Gaussian mass-error likelihood in ppm; default 2 */
    int32_t polarity;      /* +1, -1, or 0 (default) = each spectrum's polarity (batches;
                              unknown and plain arrays: positive) */
    uint32_t top_k;        /* candidates kept per peak, best first; 0 = all; default 5 */
    double no_match_prior; /* prior of "no compound of the database"; default 0.1 */
    const double *adduct_weights; /* relative prior weight per adduct of the polarity's list (file
                                order; positive list when polarity is +1 or 0); NULL (default) =
                                equal weights.  At each peak, candidate k gets the prior
                                (1 - no_match_prior) * w(adduct k) / sum over the peak's
                                candidates of w(adduct). */
    const double *negative_adduct_weights; /* the same for the negative list */
    uint32_t isotopes;                     /* 1 (default) = use M+1/M+2 isotope evidence */
    double isotope_ppm;                    /* tolerance for finding the M+1/M+2 peaks; default 5 */
    double isotope_sd_abs; /* sd of an observed relative isotope intensity around the expected
                              r: sd_abs + sd_rel * r; defaults 0.02 and 0.1 */
    double isotope_sd_rel;
    double min_intensity; /* peaks below (and peaks with intensity <= 0) are not annotated;
                             they can still serve as isotope peaks; default 0 */
    uint32_t ms_levels;   /* lv_annotate_batch only: bit L set = annotate MS level L; default
                             1 << 1 (MS1) */
} lv_annotate_params;

LV_API void lv_annotate_params_init(lv_annotate_params *params);

/* The result of an annotation, read through lv_annotation_get_view(). */
typedef struct lv_annotation lv_annotation;

/* Per annotated peak p: its candidates are rows [peak_offsets[p], peak_offsets[p+1]), best
 * first.  Peaks without candidates have no rows (their no_match_posterior is 1). */
typedef struct lv_annotation_view {
    size_t size; /* caller sets sizeof(lv_annotation_view) */
    uint64_t n_peaks;
    uint64_t n_rows;
    const uint64_t *peak_offsets;  /* n_peaks + 1 */
    const uint64_t *peak_spectrum; /* spectrum (record) index in the input */
    const uint64_t *peak_point;    /* point index in the input value arrays */
    const double *peak_mz;
    const float *peak_intensity;
    const double *peak_rt;             /* seconds; NaN when not given */
    const int8_t *peak_polarity;       /* the adduct list used: +1 or -1 */
    const uint32_t *peak_n_candidates; /* candidates before the top_k cut */
    const double *no_match_posterior;
    /* Rows: */
    const uint64_t *compound; /* entry index, see lv_compound_db_get() */
    const uint32_t *adduct;   /* index in the peak polarity's adduct list */
    const double *theoretical_mz;
    const double *ppm_error;     /* (observed - theoretical) / theoretical * 1e6 */
    const double *isotope_score; /* exp(-z^2/2) averaged in log over the observed M+1/M+2
                                    ratios (z = error / sd); NaN when neither was found */
    const double *posterior;     /* over the peak's candidates and "no match" */
} lv_annotation_view;

/* Annotates every centroid of spectra given in CSR form (see "Peak picking"): candidates are the
 * (entry, adduct) pairs whose neutral mass, computed from the peak m/z as AccurateMassSearch
 * does, lies within the ppm window and whose formula contains the adduct's lost atoms; each
 * candidate's posterior fuses the Gaussian ppm error, the M+1/M+2 intensities found among the
 * same spectrum's centroids against those expected from formula and adduct, and the adduct
 * prior, against a "no match" hypothesis (uniform ppm error in the window, uniform ratios on
 * [0, 2]).  m/z must ascend within each spectrum.  rt_seconds: per spectrum, or NULL.  Runs on
 * the CPU threads of the context. */
LV_API lv_status lv_annotate(lv_context *ctx, const lv_compound_db *db,
                             const lv_annotate_params *params, uint64_t n_spectra,
                             const uint64_t *offsets, const double *mz, const float *intensity,
                             const double *rt_seconds, lv_annotation **out);

/* The same for the centroid spectra of a batch whose MS level is selected by params.ms_levels
 * (others are skipped); profile spectra fail with LV_ERR_INVALID_ARGUMENT (centroid first). */
LV_API lv_status lv_annotate_batch(lv_context *ctx, const lv_compound_db *db,
                                   const lv_annotate_params *params, const lv_batch *batch,
                                   lv_annotation **out);

LV_API lv_status lv_annotation_get_view(const lv_annotation *annotation, lv_annotation_view *view);
LV_API void lv_annotation_destroy(lv_annotation *annotation);

/* ------------------------------------------------------------------------------------------ */
/* Simulator                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct lv_simulate_params {
    size_t size;            /* sizeof(lv_simulate_params) */
    uint64_t target_bytes;  /* approximate output size; default 16 MiB */
    uint64_t seed;          /* default 1 */
    uint32_t ms1_points;    /* profile points per MS1 spectrum; default 20000 */
    uint32_t ms2_per_cycle; /* MS2 spectra after each MS1 (top-N); default 10 */
    uint32_t n_compounds;   /* distinct analytes eluting over the run; default 2000 */
    double cycle_seconds;   /* time from one MS1 to the next; default 1.0 */
    uint32_t compress;      /* 1 = zlib arrays (default), 0 = uncompressed */
} lv_simulate_params;

LV_API void lv_simulate_params_init(lv_simulate_params *params);

/* Writes a realistic, deterministic (per seed) LC-MS/MS run to path as indexedmzML 1.1: MS1
 * profile spectra with Gaussian isotope envelopes of eluting analytes on chemical and electronic
 * noise, MS2 centroid spectra of the most intense precursors, 64-bit m/z and 32-bit intensity,
 * a correct index and SHA-1 fileChecksum.  Memory use does not grow with target_bytes.  The file
 * is written under a temporary name and renamed when complete. */
LV_API lv_status lv_simulate(const char *path, const lv_simulate_params *params);

#ifdef __cplusplus
}
#endif

#endif /* LAVOISIER_H */
