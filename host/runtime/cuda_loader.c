/* cuda_loader.c - dlopen the CUDA backend once; degrade to "no CUDA" when it cannot be used. */
#include "runtime/cuda_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LV_CUDA_LIBRARY_NAME
#define LV_CUDA_LIBRARY_NAME "liblavoisier_cuda.so.0"
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const lv_cuda_api *loaded_api;
static const char *load_why = "the CUDA backend library was not found";

/* The backend is looked for next to the core library first (where the build and `make install`
 * put it), then by soname on the loader path; LV_CUDA_LIBRARY names a file explicitly. */
static void *open_backend(void)
{
    const char *explicit_path = getenv("LV_CUDA_LIBRARY");
    if (explicit_path && *explicit_path) return dlopen(explicit_path, RTLD_NOW | RTLD_LOCAL);
    Dl_info info;
    if (dladdr((void *)&lv_cuda_loader_get, &info) && info.dli_fname) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s", info.dli_fname);
        char *slash = strrchr(path, '/');
        if (slash) {
            size_t room = sizeof path - (size_t)(slash + 1 - path);
            snprintf(slash + 1, room, "%s", LV_CUDA_LIBRARY_NAME);
            void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            if (h) return h;
        }
    }
    return dlopen(LV_CUDA_LIBRARY_NAME, RTLD_NOW | RTLD_LOCAL);
}

static void load(void)
{
    const char *disable = getenv("LV_DISABLE_CUDA");
    if (disable && *disable && strcmp(disable, "0") != 0) {
        load_why = "CUDA is disabled by LV_DISABLE_CUDA";
        return;
    }
    void *h = open_backend();
    if (!h) return;
    const lv_cuda_api *api = (const lv_cuda_api *)dlsym(h, "lv_cuda_backend_api");
    if (!api) {
        load_why = "the CUDA backend library lacks lv_cuda_backend_api";
        dlclose(h);
        return;
    }
    if (api->api_version != LV_CUDA_API_VERSION) {
        load_why = "the CUDA backend library was built for another API version";
        dlclose(h);
        return;
    }
    loaded_api = api; /* the handle stays open for the life of the process */
}

const lv_cuda_api *lv_cuda_loader_get(const char **why)
{
    pthread_once(&load_once, load);
    if (!loaded_api && why) *why = load_why;
    return loaded_api;
}
