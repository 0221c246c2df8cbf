/* reader_raw.h - what the mzML writer needs from an open reader: its path, parsed header, record
 * index, context, and a private view of the source bytes.
 *
 * The view is a second lv_source over the reader's bytes (lv_source_open_view): it shares the
 * mapping and, for gzip, the access points, but has its own inflate stream and buffer, so the
 * writer can read records on one thread while another thread calls lv_reader_next() on the
 * reader.  The header and index are immutable once lv_reader_open() returns (the id hash that
 * lv_reader_find_id() builds lazily is the only later change, and the writer never uses it). */
#ifndef LV_READER_RAW_H
#define LV_READER_RAW_H

#include "io/mzml.h"
#include "io/source.h"

typedef struct lv_reader_raw {
    const char *path;             /* the reader's path (owned by the reader) */
    const lv_mzml_header *header; /* owned by the reader */
    const lv_mzml_index *index;   /* owned by the reader */
    lv_context *context;          /* the reader's context (its own 1-thread one when none given) */
    lv_source *view;              /* owned by this struct: close with lv_reader_raw_close() */
} lv_reader_raw;

/* Fills *out for reader r.  The reader must stay open until lv_reader_raw_close(out). */
lv_status lv_reader_raw_open(lv_reader *r, lv_reader_raw *out);
void lv_reader_raw_close(lv_reader_raw *raw);

#endif
