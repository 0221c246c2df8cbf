/* cli.h - subcommands of the lavoisier tool and their shared helpers. */
#ifndef LV_CLI_H
#define LV_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "lavoisier.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cli_version(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_dump(int argc, char **argv);
int cli_simulate(int argc, char **argv);
int cli_centroid(int argc, char **argv);
int cli_frames(int argc, char **argv);
int cli_image(int argc, char **argv);
int cli_denoise(int argc, char **argv);
int cli_annotate(int argc, char **argv);

/* Options shared by the commands that read files. */
typedef struct cli_common_opts {
    uint32_t threads; /* 0 = all CPUs */
    lv_device device;
    uint32_t verify_checksum;
} cli_common_opts;

/* Consumes argv[*i] (and its value) when it is a common option: returns 1 if consumed, 0 if not
 * a common option, -1 on a bad value (message printed). */
int cli_parse_common(cli_common_opts *o, const char *cmd, int *i, int argc, char **argv);
/* Creates a context and opens path; prints the error and returns non-zero on failure. */
int cli_open(const cli_common_opts *o, const char *cmd, const char *path, lv_context **ctx,
             lv_reader **reader);
const char *cli_index_state_name(lv_index_state s);
const char *cli_index_state_key(lv_index_state s);

/* Options shared by `frames` and `image` (tools/cmd_frames.c): --size, --mz, --ppm-bins,
 * --ms-level, --accumulate, --scale, --colormap, --blur, --norm-value.  Same return values as
 * cli_parse_common; *colormap_set becomes 1 when --colormap was given. */
int cli_parse_frame_option(lv_frame_params *p, int *colormap_set, const char *cmd, int *i, int argc,
                           char **argv);
const char *cli_frame_options_help(void);

/* Prints "lavoisier <cmd>: <what>: <lv_last_error()>" to stderr and returns exit status 1. */
int cli_fail(const char *cmd, const char *what, lv_status st);

/* Parses sizes like 1024, 64k, 16M, 1G, 10GB (binary multiples).  Returns 0 on success. */
int cli_parse_size(const char *text, uint64_t *out);

/* Writes s as a JSON string literal (quotes and escapes included). */
void cli_json_string(FILE *out, const char *s);
/* Writes a double as JSON: shortest round-trip form, or null for NaN/inf. */
void cli_json_double(FILE *out, double v);

#endif
