/* mzml.h - the reader's internal model of an mzML file: header facts, the record index, and the
 * metadata of one record as parsed from its markup (its base64 payloads located, not decoded). */
#ifndef LV_MZML_H
#define LV_MZML_H

#include <stddef.h>
#include <stdint.h>

#include "io/decode.h"
#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lv_array_role {
    LV_ARRAY_UNKNOWN = 0, /* a binaryDataArray that names no array type */
    LV_ARRAY_MZ,
    LV_ARRAY_INTENSITY,
    LV_ARRAY_TIME,
    LV_ARRAY_EXTRA /* any other array type, kept by name */
} lv_array_role;

#define LV_ARRAY_NAME_CAP 96

typedef struct lv_array_meta {
    lv_array_role role;
    lv_array_encoding enc;
    uint8_t has_compression_term; /* the array says how it is compressed */
    uint64_t length;              /* arrayLength attribute, else the record's defaultArrayLength */
    uint64_t payload_off;         /* file offset of the first byte between <binary> and </binary> */
    uint64_t payload_len;
    double time_scale;            /* time arrays: factor to seconds (60 for minutes) */
    char name[LV_ARRAY_NAME_CAP]; /* extra arrays: the array type's name */
} lv_array_meta;

typedef struct lv_record_meta {
    uint64_t start; /* file offset of '<' of the start tag */
    uint64_t end;   /* file offset one past the '>' of the end tag */
    uint64_t index; /* position among records of its kind, in document order */
    char *id;       /* native id (malloc'd, entity-decoded) */
    uint64_t default_length;
    uint8_t ms_level;
    int8_t polarity;
    uint8_t representation;
    int32_t precursor_charge;
    double rt_seconds;
    double precursor_mz;
    double precursor_intensity;
    uint32_t n_arrays;
    lv_array_meta *arrays; /* malloc'd */
} lv_record_meta;

void lv_record_meta_free(lv_record_meta *m);

/* One cvParam as stored for referenceable param groups. */
typedef struct lv_param {
    char *accession;
    char *value;
    char *name;
    char *unit_accession;
    char *unit_name;
} lv_param;

typedef struct lv_param_group {
    char *id;
    lv_param *params;
    size_t n_params;
} lv_param_group;

/* Facts from the part of the document before the first record list. */
typedef struct lv_mzml_header {
    char *mzml_version;
    char *writer_software; /* "name version" of the last <software> */
    char *encoding;        /* the XML declaration's encoding, or NULL (UTF-8) */
    uint8_t indexed_root;  /* the root element is <indexedmzML> */
    lv_param_group *groups;
    size_t n_groups;
} lv_mzml_header;

void lv_mzml_header_free(lv_mzml_header *h);
const lv_param_group *lv_mzml_header_group(const lv_mzml_header *h, const char *id);

/* Parses the header from the XML bytes [0, n) (n covers at least up to the first record list;
 * more is harmless).  Messages start with the path. */
lv_status lv_mzml_header_parse(const char *path, const uint8_t *xml, size_t n, lv_mzml_header *out);

/* A growable byte buffer. */
typedef struct lv_bytes {
    uint8_t *data;
    size_t len;
    size_t cap;
} lv_bytes;

lv_status lv_bytes_reserve(lv_bytes *b, size_t cap);
void lv_bytes_free(lv_bytes *b);

/* A payload located inside a record, relative to the record's first byte. */
typedef struct lv_span {
    size_t off;
    size_t len;
} lv_span;

typedef struct lv_span_list {
    lv_span *items;
    size_t n;
    size_t cap;
} lv_span_list;

/* Splits one record: p[0..n) starts at the record's '<' (spectrum or chromatogram start tag).
 * Copies its markup into markup with the text of each <binary> element left out (so libxml2
 * never sees base64), appends each payload's span to spans, and sets *end to one past the '>' of
 * the record's end tag.  A record whose end tag is not within p[0..n) is LV_ERR_TRUNCATED when
 * at_eof (the data ends there) and LV_ERR_FORMAT otherwise. */
lv_status lv_record_split(const uint8_t *p, size_t n, lv_record_kind kind, int at_eof,
                          lv_bytes *markup, lv_span_list *spans, size_t *end);

/* lv_record_split, but the markup leaves out whitespace-only text between a '>' and the next
 * '<' (faster for libxml2; same start tags and attributes, same well-formedness).  libxml2's
 * line numbers then count lines of the compacted markup: for an error message, parse the
 * lv_record_split markup. */
lv_status lv_record_split_compact(const uint8_t *p, size_t n, lv_record_kind kind, int at_eof,
                                  lv_bytes *markup, lv_span_list *spans, size_t *end);

/* A reusable libxml2 parser for record markup (one per thread). */
typedef struct lv_meta_parser lv_meta_parser;

lv_status lv_meta_parser_create(const lv_mzml_header *header, lv_meta_parser **out);
void lv_meta_parser_destroy(lv_meta_parser *p);

/* Parses the markup of one record (as produced by lv_record_split) into *out.  record_off is the
 * record's file offset; spans give its payloads (relative to record_off).  The id, index and
 * offsets fields are filled from the markup and record_off.  fast (for files whose header
 * lv_mzml_header_is_utf8): libxml2 reads the UTF-8 natively instead of through its UTF-8 to
 * UTF-8 converter; the facts are the same, only error messages may differ (reparse with fast 0
 * for those). */
lv_status lv_meta_parse(lv_meta_parser *p, lv_record_kind kind, const uint8_t *markup,
                        size_t markup_len, uint64_t record_off, const lv_span_list *spans, int fast,
                        lv_record_meta *out);

/* 1 when the document declares no encoding or UTF-8 (any case, with or without the dash). */
int lv_mzml_header_is_utf8(const lv_mzml_header *h);

/* ---- small XML helpers (xml_util.c) ---- */

/* A libxml2 push parser with the options every parser of the reader uses: no network, no DTD
 * loading, no entity substitution, huge documents allowed, nothing printed (errors reach the SAX
 * handler's serror).  user is the SAX callbacks' first argument.  Free with xmlFreeParserCtxt. */
struct _xmlSAXHandler;
struct _xmlParserCtxt;
struct _xmlParserCtxt *lv_xml_push_parser(struct _xmlSAXHandler *sax, void *user);
/* Re-applies those options (after xmlCtxtResetPush) and the silent generic error handler. */
void lv_xml_safe_options(struct _xmlParserCtxt *ctxt, void *user);

/* Decodes the five predefined entities and numeric character references of src[0..n) into a
 * new NUL-terminated string (malloc'd); NULL when out of memory. */
char *lv_xml_unescape(const uint8_t *src, size_t n);

/* Finds attribute `name` in the start tag tag[0..n) (which begins with '<'); sets the raw value
 * span (between the quotes, not unescaped).  Returns 1 when found. */
int lv_xml_find_attr(const uint8_t *tag, size_t n, const char *name, const uint8_t **value,
                     size_t *value_len);

/* XML whitespace (space, tab, LF, CR). */
static inline int lv_xml_is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The encodedLength attribute of the <binaryDataArray> start tag tag[0..n) as a plain decimal
 * number, or SIZE_MAX when absent or not one (callers then scan for the payload's end). */
size_t lv_xml_encoded_length(const uint8_t *tag, size_t n);

/* Length of the start tag beginning at p (up to and including '>'), or 0 when no '>' in n. */
size_t lv_xml_tag_length(const uint8_t *p, size_t n);

/* 1 when p[0..n) begins with "<" + name followed by whitespace, '>' or '/'. */
int lv_xml_is_start_tag(const uint8_t *p, size_t n, const char *name);

/* ---- the record index (index.c) ---- */

/* Start offsets and ids of all records of one kind, in document order. */
typedef struct lv_record_table {
    uint64_t n;
    uint64_t *offsets;
    uint64_t *id_offsets; /* into arena */
    char *arena;
    size_t arena_len;
    size_t arena_cap;
    size_t cap;
    uint64_t *hash; /* open-addressing id -> index+1, built on first lookup */
    size_t hash_cap;
} lv_record_table;

typedef struct lv_mzml_index {
    lv_record_table spectra;
    lv_record_table chromatograms;
    lv_index_state state;
    char message[320];
    uint64_t lists_start;     /* offset of the first record list start tag (or XML size) */
    char file_checksum[48];   /* text of <fileChecksum> ("" when absent) */
    uint64_t checksum_extent; /* bytes covered by the checksum (through "<fileChecksum>") */
} lv_mzml_index;

struct lv_source;
/* Loads the index of an open source: the file's own index when it verifies, else a byte scan.
 * lists_start is where the first record list begins (from the header scan). */
lv_status lv_index_load(struct lv_source *src, const char *path, const lv_mzml_header *header,
                        uint64_t lists_start, int force_rebuild, lv_mzml_index *out);
void lv_index_free(lv_mzml_index *idx);
const char *lv_record_table_id(const lv_record_table *t, uint64_t i);
/* Document-order index of the record with this id; 0 when found. */
int lv_record_table_find(lv_record_table *t, const char *id, uint64_t *index);

/* Finds the end of the record starting at start (one past its end tag), reading through views. */
lv_status lv_locate_record_end(struct lv_source *src, lv_record_kind kind, uint64_t start,
                               lv_bytes *markup, lv_span_list *spans, uint64_t *end);

#ifdef __cplusplus
}
#endif

#endif
