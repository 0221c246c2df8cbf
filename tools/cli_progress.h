/* cli_progress.h - a one-line progress bar on stderr, drawn only when stderr is a terminal. */
#ifndef LV_CLI_PROGRESS_H
#define LV_CLI_PROGRESS_H

#include <stdint.h>

typedef struct cli_progress {
    const char *label;
    uint64_t total;
    int active;         /* stderr is a terminal and the user did not ask for quiet */
    double start, last; /* seconds, monotonic clock */
} cli_progress;

/* total = the count that means 100%; quiet suppresses drawing. */
void cli_progress_begin(cli_progress *p, const char *label, uint64_t total, int quiet);
/* Redraws at most ten times a second. */
void cli_progress_update(cli_progress *p, uint64_t done);
/* Clears the line (the summary that follows is the record of the run). */
void cli_progress_end(cli_progress *p, int ok);

#endif
