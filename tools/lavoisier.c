/* lavoisier.c - the command-line tool: dispatches to one function per subcommand.
 * Written against the public header only. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lavoisier.h"

static const cli_command commands[] = {
    {"centroid", "profile to centroid: indexed mzML out (the main job)", cli_centroid},
    {"denoise", "denoise profile spectra (zengeza, wavelet, savgol, snip): mzML out", cli_denoise},
    {"annotate", "annotate centroids against a compound table (HMDB): TSV out", cli_annotate},
    {"info", "counts, ranges, encodings and index state of a file", cli_info},
    {"dump", "one spectrum or chromatogram: metadata, summary and arrays", cli_dump},
    {"simulate", "write a realistic simulated LC-MS/MS run (indexed mzML, any size)", cli_simulate},
    {"frames", "rasterize a run into a video (ffmpeg) or PNG frames", cli_frames},
    {"image", "one m/z x RT overview image of a run, with labelled axes (PNG)", cli_image},
    {"version", "print the library version and the backends present", cli_version},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: lavoisier COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'lavoisier COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) return cli_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lavoisier: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
