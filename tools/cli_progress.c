/* cli_progress.c - a one-line progress bar on stderr, drawn only when stderr is a terminal, so
 * batch runs and pipes get clean logs. */
#include "cli_progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_begin(cli_progress *p, const char *label, uint64_t total, int quiet)
{
    const char *slash = strrchr(label, '/');
    p->label = slash ? slash + 1 : label;
    p->total = total;
    p->active = !quiet && isatty(STDERR_FILENO);
    p->start = p->last = now_s();
}

void cli_progress_update(cli_progress *p, uint64_t done)
{
    if (!p->active) return;
    double t = now_s();
    if (t - p->last < 0.1 && done < p->total) return;
    p->last = t;
    enum { WIDTH = 30 };
    double f = p->total ? (double)done / (double)p->total : 1.0;
    if (f > 1) f = 1;
    char bar[WIDTH + 1];
    int filled = (int)(f * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[WIDTH] = '\0';
    double elapsed = t - p->start;
    double eta = f > 0 ? elapsed * (1 - f) / f : 0;
    fprintf(stderr, "\r%-24.24s [%s] %3.0f%% %llu/%llu spectra, %.0f s left ", p->label, bar,
            100 * f, (unsigned long long)done, (unsigned long long)p->total, eta);
    fflush(stderr);
}

void cli_progress_end(cli_progress *p, int ok)
{
    (void)ok;
    if (!p->active) return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
}
