/* cli_open.c - options every reading command shares (--threads, --device) and opening a file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_common(cli_common_opts *o, const char *cmd, int *i, int argc, char **argv)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--threads") == 0 && *i + 1 < argc) {
        char *end = NULL;
        long n = strtol(argv[++*i], &end, 10);
        if (!end || *end || n < 0 || n > 4096) {
            fprintf(stderr, "lavoisier %s: --threads expects a number, got '%s'\n", cmd, argv[*i]);
            return -1;
        }
        o->threads = (uint32_t)n;
        return 1;
    }
    if (strcmp(arg, "--device") == 0 && *i + 1 < argc) {
        const char *d = argv[++*i];
        if (strcmp(d, "auto") == 0)
            o->device = LV_DEVICE_AUTO;
        else if (strcmp(d, "cpu") == 0)
            o->device = LV_DEVICE_CPU;
        else if (strcmp(d, "cuda") == 0)
            o->device = LV_DEVICE_CUDA;
        else {
            fprintf(stderr, "lavoisier %s: --device expects auto, cpu or cuda, got '%s'\n", cmd, d);
            return -1;
        }
        return 1;
    }
    return 0;
}

int cli_open(const cli_common_opts *o, const char *cmd, const char *path, lv_context **ctx,
             lv_reader **reader)
{
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = o->device;
    cp.n_threads = o->threads;
    lv_status st = lv_context_create(&cp, ctx);
    if (st != LV_OK) return cli_fail(cmd, "cannot create a context", st);
    lv_reader_params rp;
    lv_reader_params_init(&rp);
    rp.context = *ctx;
    rp.verify_checksum = o->verify_checksum;
    st = lv_reader_open(path, &rp, reader);
    if (st != LV_OK) {
        lv_context_destroy(*ctx);
        *ctx = NULL;
        return cli_fail(cmd, path, st);
    }
    return 0;
}

const char *cli_index_state_name(lv_index_state s)
{
    switch (s) {
    case LV_INDEX_VALID: return "valid";
    case LV_INDEX_NONE: return "none (plain mzML, built by scan)";
    case LV_INDEX_REBUILT_MISSING: return "missing (rebuilt by scan)";
    case LV_INDEX_REBUILT_STALE: return "stale (rebuilt by scan)";
    case LV_INDEX_REBUILT_FORCED: return "rebuilt on request";
    }
    return "unknown";
}

const char *cli_index_state_key(lv_index_state s)
{
    switch (s) {
    case LV_INDEX_VALID: return "valid";
    case LV_INDEX_NONE: return "none";
    case LV_INDEX_REBUILT_MISSING: return "missing";
    case LV_INDEX_REBUILT_STALE: return "stale";
    case LV_INDEX_REBUILT_FORCED: return "forced";
    }
    return "unknown";
}
