/* source.c - the bytes of an input file: a mapping of a regular file, of a spool file for streams
 * that cannot be mapped, or gzip content reached through source_gzip.c.
 *
 * Everything is mapped rather than read because the reader hands out pointers into the bytes
 * (record splitting, base64 spans) and jumps around by index offsets; a mapping gives that
 * random access with no copy, and lv_source_release_before() keeps its resident set bounded
 * when a file much larger than memory is streamed.  Streams (pipes, FIFOs, terminals, stdin) are
 * first copied into an unlinked temporary file so that the same mapping code serves them, at the
 * cost of one extra write of the data; memory use stays at one 1 MiB copy buffer.
 *
 * A regular file that is truncated by another process while mapped raises SIGBUS on access;
 * like every mmap-based reader we do not guard against that. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/error.h"
#include "source_gzip.h"

/* Copy buffer for spooling a stream to the temporary file. */
#define LV_SPOOL_CHUNK ((size_t)1 << 20)

struct lv_source {
    char *path;
    const uint8_t *map; /* the file, or its spool copy; compressed bytes for gzip */
    size_t map_len;
    size_t released; /* map pages [0, released) were dropped since last touched (page multiple) */
    size_t page;
    lv_gzip *gz;  /* NULL unless the content is gzip */
    int borrowed; /* a second view (lv_source_open_view): the mapping belongs to the original */
};

static const char *src_strerror(int err, char *buf, size_t n)
{
    /* GNU strerror_r (the build defines _GNU_SOURCE): thread-safe, returns the text. */
    return strerror_r(err, buf, n);
}

static int src_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies the stream fd to an unlinked temporary file in $TMPDIR (default /tmp) and returns that
 * file's descriptor and length.  The name is unlinked at once, so the space goes back to the file
 * system when the mapping is gone, however the process ends. */
static lv_status src_spool(const char *path, int fd, int *out_fd, size_t *out_len)
{
    char ebuf[256];
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0') dir = "/tmp";
    size_t tlen = strlen(dir) + sizeof "/lavoisier-spool-XXXXXX";
    char *tmpl = malloc(tlen);
    RETURN_IF_NULL_ALLOC(tmpl, tlen);
    snprintf(tmpl, tlen, "%s/lavoisier-spool-XXXXXX", dir);
    int tfd = mkostemp(tmpl, O_CLOEXEC);
    if (tfd < 0) {
        int e = errno;
        free(tmpl);
        return lv_error_set(LV_ERR_IO,
                            "%s: cannot create a temporary file in %s to hold the "
                            "stream: %s",
                            path, dir, src_strerror(e, ebuf, sizeof ebuf));
    }
    unlink(tmpl);
    free(tmpl);

    uint8_t *buf = malloc(LV_SPOOL_CHUNK);
    if (buf == NULL) {
        close(tfd);
        return lv_error_set(LV_ERR_NO_MEMORY, "%s: out of memory allocating %zu bytes", path,
                            LV_SPOOL_CHUNK);
    }
    size_t total = 0;
    lv_status st = LV_OK;
    for (;;) {
        ssize_t r = read(fd, buf, LV_SPOOL_CHUNK);
        if (r < 0) {
            if (errno == EINTR) continue;
            st = lv_error_set(LV_ERR_IO, "%s: read failed after %zu bytes: %s", path, total,
                              src_strerror(errno, ebuf, sizeof ebuf));
            break;
        }
        if (r == 0) break;
        if (src_write_all(tfd, buf, (size_t)r) != 0) {
            st = lv_error_set(LV_ERR_IO,
                              "%s: writing the temporary copy in %s failed after %zu bytes: %s",
                              path, dir, total, src_strerror(errno, ebuf, sizeof ebuf));
            break;
        }
        total += (size_t)r;
    }
    free(buf);
    if (st == LV_OK && total == 0)
        st = lv_error_set(LV_ERR_EMPTY_FILE, "%s: file is empty (0 bytes)", path);
    if (st != LV_OK) {
        close(tfd);
        return st;
    }
    *out_fd = tfd;
    *out_len = total;
    return LV_OK;
}

/* Opens path (or stdin for "-") and maps its bytes, spooling streams first. */
static lv_status src_map(const char *path, const uint8_t **out_map, size_t *out_len)
{
    char ebuf[256];
    const int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    RETURN_ERROR_IF(fd < 0, LV_ERR_IO, "%s: cannot open: %s", path,
                    src_strerror(errno, ebuf, sizeof ebuf));

    lv_status st = LV_OK;
    int map_fd = fd, spool_fd = -1;
    size_t len = 0;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = lv_error_set(LV_ERR_IO, "%s: cannot stat: %s", path,
                          src_strerror(errno, ebuf, sizeof ebuf));
    } else if (S_ISDIR(sb.st_mode)) {
        st = lv_error_set(LV_ERR_IO, "%s: is a directory", path);
    } else if (S_ISREG(sb.st_mode)) {
        if (sb.st_size == 0)
            st = lv_error_set(LV_ERR_EMPTY_FILE, "%s: file is empty (0 bytes)", path);
        else if ((uint64_t)sb.st_size > (uint64_t)SIZE_MAX)
            st = lv_error_set(LV_ERR_IO, "%s: %lld bytes do not fit in the address space", path,
                              (long long)sb.st_size);
        else
            len = (size_t)sb.st_size;
    } else {
        /* Pipes, FIFOs, character devices, sockets: no mapping and no seeking. */
        st = src_spool(path, fd, &spool_fd, &len);
        map_fd = spool_fd;
    }

    void *m = MAP_FAILED;
    if (st == LV_OK) {
        m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, map_fd, 0);
        if (m == MAP_FAILED)
            st = lv_error_set(LV_ERR_IO, "%s: cannot map %zu bytes%s: %s", path, len,
                              spool_fd >= 0 ? " (temporary copy of the stream)" : "",
                              src_strerror(errno, ebuf, sizeof ebuf));
    }
    if (spool_fd >= 0) close(spool_fd);
    if (!is_stdin) close(fd);
    FORWARD_IF_ERROR(st);
    madvise(m, len, MADV_SEQUENTIAL);
    *out_map = m;
    *out_len = len;
    return LV_OK;
}

lv_status lv_source_open_tuned(const char *path, const lv_gzip_tuning *tuning, lv_source **out)
{
    RETURN_ERROR_IF(path == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT, "lv_source_open: NULL %s",
                    path == NULL ? "path" : "out");
    lv_source *src = calloc(1, sizeof *src);
    RETURN_IF_NULL_ALLOC(src, sizeof *src);
    size_t plen = strlen(path) + 1;
    src->path = malloc(plen);
    if (src->path == NULL) {
        free(src);
        return lv_error_set(LV_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    memcpy(src->path, path, plen);
    long page = sysconf(_SC_PAGESIZE);
    src->page = page > 0 ? (size_t)page : 4096;

    lv_status st = src_map(path, &src->map, &src->map_len);
    if (st == LV_OK && lv_gzip_magic(src->map, src->map_len))
        st = lv_gzip_open(path, src->map, src->map_len, 1, tuning, &src->gz);
    if (st != LV_OK) {
        lv_source_close(src);
        return st;
    }
    *out = src;
    return LV_OK;
}

lv_status lv_source_open(const char *path, lv_source **out)
{
    return lv_source_open_tuned(path, NULL, out);
}

lv_status lv_source_open_view(lv_source *src, lv_source **out)
{
    RETURN_ERROR_IF(src == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_source_open_view: NULL argument");
    lv_source *v = calloc(1, sizeof *v);
    RETURN_IF_NULL_ALLOC(v, sizeof *v);
    size_t plen = strlen(src->path) + 1;
    v->path = malloc(plen);
    if (v->path == NULL) {
        free(v);
        return lv_error_set(LV_ERR_NO_MEMORY, "%s: out of memory", src->path);
    }
    memcpy(v->path, src->path, plen);
    v->map = src->map;
    v->map_len = src->map_len;
    v->page = src->page;
    v->borrowed = 1;
    if (src->gz) {
        lv_status st = lv_gzip_clone(src->gz, &v->gz);
        if (st != LV_OK) {
            lv_source_close(v);
            return st;
        }
    }
    *out = v;
    return LV_OK;
}

void lv_source_close(lv_source *src)
{
    if (src == NULL) return;
    lv_gzip_close(src->gz);
    if (src->map && !src->borrowed) munmap((void *)(uintptr_t)src->map, src->map_len);
    free(src->path);
    free(src);
}

uint64_t lv_source_size(const lv_source *src)
{
    if (src == NULL) return 0;
    return src->gz ? lv_gzip_size(src->gz) : src->map_len;
}

uint64_t lv_source_disk_size(const lv_source *src)
{
    return src ? src->map_len : 0;
}

int lv_source_is_gzip(const lv_source *src)
{
    return src != NULL && src->gz != NULL;
}

uint32_t lv_source_gzip_members(const lv_source *src)
{
    return src && src->gz ? lv_gzip_members(src->gz) : 0;
}

const uint8_t *lv_source_mapping(const lv_source *src)
{
    return src && !src->gz ? src->map : NULL;
}

const lv_gzip *lv_source_gzip(const lv_source *src)
{
    return src ? src->gz : NULL;
}

/* A view touched mapped bytes from `from` on: pages there are resident again, so the next
 * release must cover them. */
static void src_touched(lv_source *src, size_t from)
{
    if (from < src->released) src->released = from / src->page * src->page;
}

lv_status lv_source_view(lv_source *src, uint64_t off, size_t len, const uint8_t **ptr, size_t *got)
{
    RETURN_ERROR_IF(src == NULL || ptr == NULL || got == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_source_view: NULL argument");
    if (src->gz) {
        FORWARD_IF_ERROR(lv_gzip_view(src->gz, off, len, ptr, got));
        src_touched(src, lv_gzip_needed_from(src->gz, off));
        return LV_OK;
    }
    if (off >= src->map_len) {
        *ptr = src->map + src->map_len;
        *got = 0;
        return LV_OK;
    }
    size_t avail = src->map_len - (size_t)off;
    src_touched(src, (size_t)off);
    *ptr = src->map + off;
    *got = len < avail ? len : avail;
    return LV_OK;
}

void lv_source_prefault(lv_source *src, uint64_t off, uint64_t len)
{
#ifdef MADV_POPULATE_READ
    if (src == NULL || src->gz || off >= src->map_len) return;
    uint64_t end = len > src->map_len - off ? src->map_len : off + len;
    uint64_t start = off / src->page * src->page;
    /* Errors (EINVAL on kernels before 5.14, EFAULT past a truncation) only lose the hint. */
    (void)madvise((void *)(uintptr_t)(src->map + start), (size_t)(end - start), MADV_POPULATE_READ);
#else
    (void)src;
    (void)off;
    (void)len;
#endif
}

void lv_source_release_before(lv_source *src, uint64_t off)
{
    if (src == NULL) return;
    size_t upto;
    if (src->gz)
        upto = lv_gzip_needed_from(src->gz, off);
    else
        upto = off < src->map_len ? (size_t)off : src->map_len;
    upto = upto / src->page * src->page;
    if (upto <= src->released) {
        /* A release behind the previous one means the caller went back (through the mapping,
         * which views cannot see) and streams again from there: later releases start here. */
        src->released = upto;
        return;
    }
    if (madvise((void *)(uintptr_t)(src->map + src->released), upto - src->released,
                MADV_DONTNEED) == 0)
        src->released = upto;
}

void lv_source_release_all(lv_source *src)
{
    if (src == NULL || src->gz || src->borrowed || src->map_len == 0) return;
    size_t len = (src->map_len + src->page - 1) / src->page * src->page;
    if (madvise((void *)(uintptr_t)src->map, len, MADV_DONTNEED) == 0)
        src->released = src->map_len / src->page * src->page;
}
