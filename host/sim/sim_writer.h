/* sim_writer.h - the simulator's output stream: buffered, hashed (SHA-1) and crash-safe.
 *
 * Bytes go to "<path>.tmp-<pid>-<n>" (unique per writer) through a large buffer and are renamed to
 * path only by sim_writer_commit(); destroying an uncommitted writer deletes the temporary file.
 * Every byte is fed to SHA-1 until sim_writer_checksum() (mzML's fileChecksum covers the file up to
 * and including "<fileChecksum>").  A writer created without a path only counts bytes: the planner
 * uses it to measure what spectra will cost before the real run.
 *
 * Errors are sticky: after the first failure every call does nothing, and sim_writer_status()
 * returns the failure (its message was set when it happened), so callers check once per record
 * instead of after every string. */
#ifndef LV_SIM_WRITER_H
#define LV_SIM_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_writer sim_writer;

/* Fills elements [first, first + n) of a streamed array into dst, little-endian. */
typedef void (*sim_fill_fn)(void *ctx, uint64_t first, uint64_t n, uint8_t *dst);

/* compress: 1 = zlib arrays (libdeflate/zlib), 0 = raw.  path NULL = counting only. */
lv_status sim_writer_create(const char *path, int compress, sim_writer **out);
void sim_writer_destroy(sim_writer *w);
lv_status sim_writer_status(const sim_writer *w);

uint64_t sim_writer_offset(const sim_writer *w);
/* Characters of base64 payload written so far (the part of the file that scales with points). */
uint64_t sim_writer_payload(const sim_writer *w);

void sim_writer_put(sim_writer *w, const char *s, size_t n);
void sim_writer_puts(sim_writer *w, const char *s);
void sim_writer_printf(sim_writer *w, const char *fmt, ...) LV_PRINTF(2, 3);
void sim_writer_u64(sim_writer *w, uint64_t v);

/* One complete <binaryDataArray> element (indented for a spectrum or chromatogram) holding count
 * native-endian values of elem_size bytes (4: 32-bit float, 8: 64-bit float).  array_cv is the
 * cvParam line(s) naming the array, without indentation or newline. */
void sim_writer_array(sim_writer *w, const void *data, size_t count, size_t elem_size,
                      const char *array_cv);
/* The same for an array too large to hold in memory, produced in chunks by fill. */
void sim_writer_array_stream(sim_writer *w, sim_fill_fn fill, void *ctx, uint64_t count,
                             size_t elem_size, const char *array_cv);

/* Feeds the bytes written since the last call to SHA-1 while they are still in cache. */
void sim_writer_hash(sim_writer *w);
/* The SHA-1 of everything written so far; bytes written afterwards are not hashed. */
void sim_writer_checksum(sim_writer *w, char hex[41]);

/* From now on full buffers are hashed and written by a thread of the writer's own while the
 * caller fills the next one, so SHA-1 and write() overlap the caller's work (the mzML writer's
 * encoding and emission).  A failure there is reported by a later call (the status is sticky).
 * Does nothing for a counting-only writer or when the thread cannot be started. */
lv_status sim_writer_start_async(sim_writer *w);

/* Flushes, closes and renames the temporary file to the final path. */
lv_status sim_writer_commit(sim_writer *w);

#ifdef __cplusplus
}
#endif

#endif
