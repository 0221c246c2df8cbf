/* cmd_version.c - `lavoisier version`: library version and the backends this machine has. */
#include "cli.h"

int cli_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("lavoisier %s\n", lv_version());
    int32_t n = lv_cuda_device_count();
    printf("backends: cpu%s\n", n > 0 ? ", cuda" : "");
    printf("cuda devices: %d\n", (int)n);
    return 0;
}
