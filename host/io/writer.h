/* writer.h - internals of the mzML writer (mzml_writer.c), shared with the header planner
 * (writer_header.c) and the record rewriter (writer_record.c).
 *
 * The output is the source document copied in order with a few byte ranges replaced:
 *   - static edits planned once at open (writer_header.c): the indexedmzML wrapper when the input
 *     has none, the new <software> and <dataProcessing> entries with their lists' count
 *     attributes, and the count attributes of spectrumList / chromatogramList when they differ
 *     from the records present;
 *   - processed spectra, rewritten per batch (writer_record.c), in parallel;
 * followed by a new index, indexListOffset and fileChecksum.  Everything else, including every
 * unprocessed record, is copied byte for byte. */
#ifndef LV_WRITER_H
#define LV_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "io/batch.h"
#include "io/mzml.h"
#include "io/source.h"
#include "lavoisier.h"
#include "runtime/error.h"

/* ---- growable text (lv_bytes) ---- */

lv_status wr_put(lv_bytes *b, const void *p, size_t n);
lv_status wr_puts(lv_bytes *b, const char *s);
lv_status wr_printf(lv_bytes *b, const char *fmt, ...) LV_PRINTF(2, 3);
/* s with & < > " ' escaped and non-ASCII bytes kept (the input's encoding is kept too). */
lv_status wr_put_escaped(lv_bytes *b, const char *s);

/* ---- the plan: static edits ---- */

/* Bytes [start, end) of the source are replaced by text (start == end: an insertion). */
typedef struct wr_edit {
    uint64_t start;
    uint64_t end;
    lv_bytes text;
} wr_edit;

typedef struct wr_plan {
    wr_edit *edits; /* sorted by start, non-overlapping */
    size_t n_edits;
    uint64_t mzml_end;          /* one past the '>' of </mzML> */
    uint64_t last_spectrum_end; /* one past the last spectrum's end tag (0 when none) */
    char processing_id[64];     /* the new dataProcessing's id (unique in the header) */
} wr_plan;

/* Plans the static edits for the source seen through view (see writer.h's top comment).
 * Messages start with path. */
lv_status wr_plan_make(lv_source *view, const char *path, const lv_mzml_header *header,
                       const lv_mzml_index *index, const lv_writer_params *params, wr_plan *out);
void wr_plan_free(wr_plan *plan);

/* Finds "<name" starting a tag (followed by whitespace, '>' or '/') in p[0..n), skipping
 * comments; returns its offset or SIZE_MAX. */
size_t wr_find_start_tag(const uint8_t *p, size_t n, const char *name);

/* ---- processed spectra ---- */

/* Per-worker scratch of the record rewriter. */
typedef struct wr_scratch {
    uint8_t *raw; /* little-endian values of one array */
    size_t raw_cap;
    uint8_t *z; /* its zlib stream */
    size_t z_cap;
} wr_scratch;

void wr_scratch_free(wr_scratch *s);

typedef struct wr_record_in {
    const uint8_t *bytes; /* the source record from its '<', up to limit */
    size_t limit;         /* bytes available: the record ends within them */
    int at_eof;           /* limit is the end of the file */
    const lv_batch *batch;
    uint64_t row; /* record of the batch */
    const lv_mzml_header *header;
    const char *processing_id;
    int compress;
    uint64_t index; /* the spectrum's position: its index attribute is corrected to it */
} wr_record_in;

/* Writes the processed version of one spectrum into out (cleared first) and sets *consumed to
 * the source bytes it replaces (the record through its end tag).  Messages name no file (the
 * caller adds path, byte offset and spectrum). */
lv_status wr_rewrite_spectrum(const wr_record_in *in, wr_scratch *scratch, lv_bytes *out,
                              size_t *consumed);

#endif
