/* pages.c - large host buffers mapped from the kernel (see pages.h for why). */
#include "runtime/pages.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

/* The mapping's length sits in front of the buffer; 64 bytes keep the buffer 64-byte aligned. */
#define HEADER 64u

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static void *cache[LV_PAGES_CACHE];

/* A cached block that fits `bytes` without wasting more than half of itself, or NULL. */
static void *cache_take(size_t bytes)
{
    void *p = NULL;
    pthread_mutex_lock(&cache_lock);
    for (int k = 0; k < LV_PAGES_CACHE && !p; k++) {
        if (!cache[k]) continue;
        size_t have = lv_pages_size(cache[k]);
        if (have >= bytes && have / 2 <= bytes + ((size_t)1 << 20)) {
            p = cache[k];
            cache[k] = NULL;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return p;
}

/* Keeps ptr for reuse; returns the block to unmap (ptr, or a smaller cached one), or NULL. */
static void *cache_put(void *ptr)
{
    if (lv_pages_size(ptr) > LV_PAGES_CACHE_MAX) return ptr;
    pthread_mutex_lock(&cache_lock);
    for (int k = 0; k < LV_PAGES_CACHE && ptr; k++) {
        if (!cache[k]) {
            cache[k] = ptr;
            ptr = NULL;
        } else if (lv_pages_size(cache[k]) < lv_pages_size(ptr)) {
            void *smaller = cache[k];
            cache[k] = ptr;
            ptr = smaller;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return ptr;
}

void *lv_pages_alloc(size_t bytes)
{
    void *cached = cache_take(bytes);
    if (cached) return cached;
    if (bytes > SIZE_MAX - HEADER) return NULL;
    size_t len = bytes + HEADER;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    *(size_t *)m = len;
    return (uint8_t *)m + HEADER;
}

size_t lv_pages_size(const void *ptr)
{
    return *(const size_t *)((const uint8_t *)ptr - HEADER) - HEADER;
}

void lv_pages_free(void *ptr)
{
    if (!ptr) return;
    ptr = cache_put(ptr);
    if (!ptr) return;
    void *m = (uint8_t *)ptr - HEADER;
    (void)munmap(m, *(size_t *)m);
}
