/* pages.h - large host buffers taken straight from the kernel.
 *
 * Batches are tens of megabytes and live for one step of a stream.  From malloc, glibc's dynamic
 * mmap threshold soon serves blocks of that size from the heap, which it rarely gives back, so a
 * streaming reader's resident set would creep up to several batches' worth.  Mapping each buffer
 * and unmapping it on free returns the memory at once and keeps peak RSS at what is live. */
#ifndef LV_PAGES_H
#define LV_PAGES_H

#include <stddef.h>

/* At least `bytes` (0 allowed) of zero-filled memory aligned to 64 bytes, or NULL. */
void *lv_pages_alloc(size_t bytes);
/* Frees what lv_pages_alloc returned; NULL does nothing. */
void lv_pages_free(void *ptr);

#endif
