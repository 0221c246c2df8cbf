/* cli_pipeline.h - what the streaming commands (centroid, denoise, annotate) share: the
 * reader-thread pipeline, the rewrite of one mzML file through a batch transform and the writer,
 * output naming and the refusals of batch runs, and a few option parsers.
 *
 * A file streams as two stages: a reader thread parses and decodes batches into a queue two
 * deep while the calling thread processes batch k, so decoding batch k+1 overlaps processing and
 * writing batch k (on a GPU the device works while the CPU decodes).  Memory stays bounded by the
 * queue depth times the batch budget, whatever the file size. */
#ifndef LV_CLI_PIPELINE_H
#define LV_CLI_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "cli_progress.h"

/* Seconds on the monotonic clock. */
double cli_now(void);
/* amount / seconds, 0 when no time passed. */
double cli_rate(double amount, double seconds);

/* "1,2" -> bits 1 and 2; -1 on anything else (levels 0..31, at least one). */
int cli_parse_levels(const char *text, uint32_t *mask);
/* "all" or "1,2". */
void cli_describe_levels(uint32_t mask, char *buf, size_t cap);
/* A finite number >= 0; prints "lavoisier CMD: OPT expects a non-negative number" and returns -1
 * otherwise. */
int cli_parse_nonneg(const char *cmd, const char *opt, const char *text, double *out);
/* An integer in [min, max]; prints a message naming opt and returns -1 otherwise. */
int cli_parse_uint(const char *cmd, const char *opt, const char *text, uint32_t min, uint32_t max,
                   uint32_t *out);

/* ---- inputs and outputs of a batch run ---- */

/* The checks shared by commands taking IN... -o OUT | -O OUTDIR: at least one input, exactly
 * one of -o and -O, -o with one input only, -O an existing folder, and no two inputs with the
 * same output name there (run.mzML and run.mzML.gz).  Prints the reason and returns 2 (usage
 * error), or 0. */
int cli_check_outputs(const char *cmd, const char *const *inputs, int n_in, const char *out_file,
                      const char *out_dir);

/* Called per input with its output path; returns 0 on success, non-zero after printing why. */
typedef int (*cli_file_fn)(void *user, const char *in, const char *out);

/* Runs fn for every input: output = out_file, or OUTDIR/<input file name without .gz>.  An
 * output that is the input itself (same device and inode: the writer would truncate what the
 * reader maps) is refused without running fn.  Returns 0 when every file succeeded, else 1 (with
 * "N of M files failed" when there were several). */
int cli_run_files(const char *cmd, const char *const *inputs, int n_in, const char *out_file,
                  const char *out_dir, cli_file_fn fn, void *user);

/* 1 when both paths exist and are the same file. */
int cli_same_file(const char *a, const char *b);

/* ---- the reader-thread pipeline ---- */

typedef struct cli_stream_params {
    const char *cmd; /* for messages */
    lv_context *ctx;
    uint32_t verify_checksum;
    uint64_t batch_points; /* 0 = the reader's default */
    int quiet;             /* no progress bar */
} cli_stream_params;

typedef struct cli_stream {
    cli_stream_params p;
    const char *path;
    lv_reader *reader;
    lv_file_info info; /* as opened; parse/decode seconds updated by cli_stream_close() */
    uint64_t spectra;  /* records streamed so far */
    cli_progress bar;
    /* Seconds each side of the queue stood idle (set by cli_stream_run): the reader waiting for
     * room, the calling thread waiting for a batch.  Where a stage waits, the other one is the
     * bottleneck. */
    double reader_wait_s, main_wait_s;
} cli_stream;

/* Opens path for streaming; prints the error and returns 1 on failure (nothing to close). */
int cli_stream_open(cli_stream *s, const cli_stream_params *p, const char *path);

/* Called on the calling thread for each batch, in file order.  The batch belongs to the
 * callback.  Returns 0 to go on, non-zero (after printing the error) to stop the run. */
typedef int (*cli_batch_fn)(void *user, lv_batch *batch);

/* Streams every batch of the file through fn, with the progress bar.  Returns 0 when every batch
 * was read and processed, 1 after a failure (printed: fn's own message, or the reader's error
 * naming the file). */
int cli_stream_run(cli_stream *s, cli_batch_fn fn, void *user);

/* Ends the progress bar, records the reader's parse and decode seconds in s->info and closes the
 * reader.  Writers made from it must be closed first. */
void cli_stream_close(cli_stream *s, int ok);

/* ---- one mzML file rewritten through a batch transform ---- */

/* The transform of one batch: *out receives the new batch (processed records flagged) that the
 * writer writes.  On failure returns the status and names the stage that failed ("centroiding")
 * in *stage. */
typedef lv_status (*cli_transform_fn)(void *user, lv_context *ctx, const lv_batch *in,
                                      lv_batch **out, const char **stage);

typedef struct cli_rewrite_stats {
    uint64_t spectra, in_bytes, out_bytes;
    double parse_s, decode_s, write_s, wall_s;
    double reader_wait_s, main_wait_s; /* as in cli_stream */
} cli_rewrite_stats;

/* Reads in, transforms every batch and writes indexed mzML to out with lv_writer (temporary file
 * renamed when complete; nothing left on failure).  processing and peak_picking go to the
 * writer's dataProcessing entry.  Returns 0 or 1 (error printed). */
int cli_rewrite_file(const cli_stream_params *sp, const char *in, const char *out,
                     const char *processing, int peak_picking, cli_transform_fn transform,
                     void *user, cli_rewrite_stats *stats);

#endif
