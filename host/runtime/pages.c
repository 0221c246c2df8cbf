/* pages.c - large host buffers mapped from the kernel (see pages.h for why). */
#include "runtime/pages.h"

#include <stdint.h>
#include <sys/mman.h>

/* The mapping's length sits in front of the buffer; 64 bytes keep the buffer 64-byte aligned. */
#define HEADER 64u

void *lv_pages_alloc(size_t bytes)
{
    if (bytes > SIZE_MAX - HEADER) return NULL;
    size_t len = bytes + HEADER;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    *(size_t *)m = len;
    return (uint8_t *)m + HEADER;
}

void lv_pages_free(void *ptr)
{
    if (!ptr) return;
    void *m = (uint8_t *)ptr - HEADER;
    (void)munmap(m, *(size_t *)m);
}
