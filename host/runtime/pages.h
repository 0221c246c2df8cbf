/* pages.h - large host buffers taken straight from the kernel.
 *
 * Batches are tens of megabytes and live for one step of a stream.  From malloc, glibc's dynamic
 * mmap threshold soon serves blocks of that size from the heap, which it rarely gives back, so a
 * streaming reader's resident set would creep up to several batches' worth.  Mapping each buffer
 * and unmapping it on free returns the memory at once and keeps peak RSS at what is live.
 *
 * Fresh pages cost a page fault each, though, and a stream allocates and frees a batch-sized
 * block per step: without reuse the faults took a quarter of the CPU time of `lavoisier
 * centroid`.  So the last LV_PAGES_CACHE freed blocks (up to LV_PAGES_CACHE_MAX bytes each) are
 * kept, process-wide, for the next allocation of a similar size.  Thread-safe. */
#define LV_PAGES_CACHE     3
#define LV_PAGES_CACHE_MAX ((size_t)256 << 20)
#ifndef LV_PAGES_H
#define LV_PAGES_H

#include <stddef.h>

/* At least `bytes` (0 allowed) of memory aligned to 64 bytes (contents undefined), or NULL. */
void *lv_pages_alloc(size_t bytes);
/* The usable bytes of a buffer from lv_pages_alloc (at least what was asked for). */
size_t lv_pages_size(const void *ptr);
/* Frees what lv_pages_alloc returned; NULL does nothing. */
void lv_pages_free(void *ptr);

#endif
