/* sim_writer.c - buffered, hashed output with temporary-file-and-rename semantics. */
#include "sim/sim_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/base64.h"
#include "io/sha1.h"
#include "sim/sim_deflate.h"

/* 1 MiB: large enough that write() calls are few (about 1000 per GB), small enough to stay in L2
 * cache between being filled, hashed and copied into the page cache (8 MiB measured slower). */
#define SIM_BUFFER_BYTES (1u << 20)
#define SIM_STREAM_CHUNK 8192 /* elements per chunk of a streamed array */

struct sim_writer {
    int fd; /* -1 when counting only */
    int compress;
    int hashing;
    int created; /* the temporary file exists and is ours to delete */
    int committed;
    lv_status status;
    char *path;
    char *tmp_path;
    char *buf;
    size_t len;
    size_t hashed; /* buf[0..hashed) has been fed to SHA-1 */
    uint64_t flushed;
    uint64_t payload;
    lv_sha1 sha;
    uint8_t *zbuf; /* compressed array */
    size_t zcap;
    uint8_t *swap; /* byte-swapped copy (big-endian hosts only) */
    size_t swap_cap;

    /* Background stage (sim_writer_start_async): full buffers are hashed and written by a thread
     * of their own while the caller fills the other buffer.  One buffer in flight at a time, so
     * bytes reach SHA-1 and the file in order. */
    int async;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    char *spare;     /* the buffer not being filled (owned by the thread while job_pending) */
    int job_pending; /* spare holds job_len bytes to hash from job_hash and write */
    int stop;        /* the thread exits once no job is pending */
    size_t job_len, job_hash;
    uint64_t job_at;     /* file offset of the job's first byte (for messages) */
    lv_status bg_status; /* the thread's first failure, and its message (thread-local there) */
    char bg_error[512];
};

static void stop_async(sim_writer *w);

static lv_status fail(sim_writer *w, lv_status st)
{
    if (w->status == LV_OK) w->status = st;
    return st;
}

lv_status sim_writer_create(const char *path, int compress, sim_writer **out)
{
    sim_writer *w = (sim_writer *)calloc(1, sizeof *w);
    RETURN_IF_NULL_ALLOC(w, sizeof *w);
    w->fd = -1;
    w->compress = compress;
    w->hashing = path != NULL;
    lv_sha1_init(&w->sha);
    w->buf = (char *)malloc(SIM_BUFFER_BYTES);
    if (!w->buf) {
        sim_writer_destroy(w);
        RETURN_IF_NULL_ALLOC(NULL, SIM_BUFFER_BYTES);
    }
    if (path) {
        size_t n = strlen(path);
        w->path = (char *)malloc(n + 1);
        w->tmp_path = (char *)malloc(n + 32);
        if (!w->path || !w->tmp_path) {
            sim_writer_destroy(w);
            RETURN_IF_NULL_ALLOC(NULL, 2 * n + 33);
        }
        memcpy(w->path, path, n + 1);
        /* A name no other writer uses, in this process (counter) or another (pid); O_EXCL makes
         * sure a stale file of that name is never written through. */
        static atomic_uint serial;
        for (int attempt = 0; attempt < 100; attempt++) {
            snprintf(w->tmp_path, n + 32, "%s.tmp-%ld-%u", path, (long)getpid(),
                     atomic_fetch_add(&serial, 1u));
            w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (w->fd >= 0 || errno != EEXIST) break;
        }
        if (w->fd < 0) {
            int e = errno;
            lv_status st = lv_error_set(LV_ERR_IO, "%s: cannot create temporary file '%s': %s",
                                        path, w->tmp_path, strerror(e));
            sim_writer_destroy(w);
            return st;
        }
        w->created = 1;
    }
    *out = w;
    return LV_OK;
}

void sim_writer_destroy(sim_writer *w)
{
    if (!w) return;
    stop_async(w);
    free(w->spare);
    if (w->fd >= 0) close(w->fd);
    if (w->created && !w->committed) unlink(w->tmp_path);
    free(w->path);
    free(w->tmp_path);
    free(w->buf);
    free(w->zbuf);
    free(w->swap);
    free(w);
}

lv_status sim_writer_status(const sim_writer *w)
{
    return w->status;
}
uint64_t sim_writer_offset(const sim_writer *w)
{
    return w->flushed + w->len;
}
uint64_t sim_writer_payload(const sim_writer *w)
{
    return w->payload;
}

void sim_writer_hash(sim_writer *w)
{
    if (w->async) return; /* the background stage hashes each buffer when it writes it */
    if (w->hashing && w->len > w->hashed)
        lv_sha1_update(&w->sha, w->buf + w->hashed, w->len - w->hashed);
    w->hashed = w->len;
}

/* Hashes buf[hash_from..n) (unless hash_from == n) and writes buf[0..n) at file offset `at`.
 * Returns the status; the message is set on the calling thread. */
static lv_status hash_and_write(sim_writer *w, const char *buf, size_t n, size_t hash_from,
                                uint64_t at)
{
    if (hash_from < n) lv_sha1_update(&w->sha, buf + hash_from, n - hash_from);
    const char *p = buf;
    while (w->fd >= 0 && n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            int e = k < 0 ? errno : EIO;
            return lv_error_set(LV_ERR_IO, "%s: write failed at byte %llu: %s", w->path,
                                (unsigned long long)(at + (uint64_t)(p - buf)), strerror(e));
        }
        p += k;
        n -= (size_t)k;
    }
    return LV_OK;
}

static void *async_main(void *arg)
{
    sim_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->job_pending && !w->stop)
            pthread_cond_wait(&w->cv, &w->lock);
        if (!w->job_pending) break;
        pthread_mutex_unlock(&w->lock);
        lv_status st = LV_OK;
        if (w->bg_status == LV_OK) /* after a failure the rest is not written */
            st = hash_and_write(w, w->spare, w->job_len, w->job_hash, w->job_at);
        pthread_mutex_lock(&w->lock);
        if (st != LV_OK && w->bg_status == LV_OK) {
            w->bg_status = st;
            snprintf(w->bg_error, sizeof w->bg_error, "%s", lv_last_error());
        }
        w->job_pending = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Waits until the background stage has no job (so w->sha and the file are up to date) and takes
 * over its failure, if any, with its message. */
static void drain(sim_writer *w)
{
    if (!w->async) return;
    pthread_mutex_lock(&w->lock);
    while (w->job_pending)
        pthread_cond_wait(&w->cv, &w->lock);
    lv_status st = w->bg_status;
    pthread_mutex_unlock(&w->lock);
    if (st != LV_OK && w->status == LV_OK) fail(w, lv_error_set(st, "%s", w->bg_error));
}

lv_status sim_writer_start_async(sim_writer *w)
{
    if (w->async || w->fd < 0) return LV_OK;
    w->spare = (char *)malloc(SIM_BUFFER_BYTES);
    RETURN_IF_NULL_ALLOC(w->spare, SIM_BUFFER_BYTES);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, async_main, w) != 0) {
        /* Not fatal: the writer stays synchronous. */
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cv);
        free(w->spare);
        w->spare = NULL;
        return LV_OK;
    }
    w->async = 1;
    return LV_OK;
}

static void stop_async(sim_writer *w)
{
    if (!w->async) return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cv);
    w->async = 0;
}

static void flush(sim_writer *w)
{
    if (w->status != LV_OK) return;
    if (w->async) {
        /* Hand the buffer over; fill the spare meanwhile. */
        drain(w);
        if (w->status != LV_OK) return;
        char *full = w->buf;
        w->buf = w->spare;
        w->spare = full;
        w->job_len = w->len;
        w->job_hash = w->hashing ? w->hashed : w->len;
        w->job_at = w->flushed;
        pthread_mutex_lock(&w->lock);
        w->job_pending = 1;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->lock);
    } else {
        sim_writer_hash(w);
        lv_status st = hash_and_write(w, w->buf, w->len, w->len, w->flushed);
        if (st != LV_OK) {
            fail(w, st);
            return;
        }
    }
    w->flushed += w->len;
    w->len = 0;
    w->hashed = 0;
}

/* Makes room for n more bytes (n <= SIM_BUFFER_BYTES); 0 after an error. */
static int room(sim_writer *w, size_t n)
{
    if (w->status != LV_OK) return 0;
    if (SIM_BUFFER_BYTES - w->len < n) flush(w);
    return w->status == LV_OK;
}

void sim_writer_put(sim_writer *w, const char *s, size_t n)
{
    while (n > 0 && w->status == LV_OK) {
        size_t take = n < SIM_BUFFER_BYTES ? n : SIM_BUFFER_BYTES;
        if (!room(w, take)) return;
        memcpy(w->buf + w->len, s, take);
        w->len += take;
        s += take;
        n -= take;
    }
}

void sim_writer_puts(sim_writer *w, const char *s)
{
    sim_writer_put(w, s, strlen(s));
}

void sim_writer_printf(sim_writer *w, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && w->status == LV_OK; attempt++) {
        if (attempt == 1) flush(w);
        size_t avail = SIM_BUFFER_BYTES - w->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(w->buf + w->len, avail, fmt, ap);
        va_end(ap);
        if (n < 0) {
            fail(w, lv_error_set(LV_ERR_INTERNAL, "formatting markup failed"));
            return;
        }
        if ((size_t)n < avail) {
            w->len += (size_t)n;
            return;
        }
    }
    if (w->status == LV_OK) fail(w, lv_error_set(LV_ERR_INTERNAL, "markup line too long"));
}

void sim_writer_u64(sim_writer *w, uint64_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sim_writer_put(w, tmp + i, sizeof tmp - (size_t)i);
}

/* ---- base64 into the buffer ---------------------------------------------------------------- */

/* Encodes src[0..n) straight into the buffer, in pieces when it does not fit.  Pieces other than
 * the last are multiples of 3 bytes so that no padding appears mid-stream. */
static void put_base64(sim_writer *w, const uint8_t *src, size_t n)
{
    while (n > 0 && w->status == LV_OK) {
        size_t avail = SIM_BUFFER_BYTES - w->len;
        if (avail < 4096) {
            flush(w);
            continue;
        }
        size_t take = avail / 4 * 3;
        if (take >= n)
            take = n;
        else
            take -= take % 3;
        size_t k = lv_base64_encode(src, take, w->buf + w->len);
        w->len += k;
        w->payload += k;
        src += take;
        n -= take;
    }
}

/* Streaming base64 with up to two bytes carried between pieces. */
typedef struct b64_stream {
    uint8_t carry[3];
    size_t n_carry;
} b64_stream;

static void b64_push(sim_writer *w, b64_stream *s, const uint8_t *p, size_t n)
{
    while (s->n_carry > 0 && s->n_carry < 3 && n > 0) {
        s->carry[s->n_carry++] = *p++;
        n--;
    }
    if (s->n_carry == 3) {
        put_base64(w, s->carry, 3);
        s->n_carry = 0;
    }
    size_t whole = n / 3 * 3;
    put_base64(w, p, whole);
    for (size_t i = whole; i < n; i++)
        s->carry[s->n_carry++] = p[i];
}

static void b64_finish(sim_writer *w, b64_stream *s)
{
    put_base64(w, s->carry, s->n_carry);
    s->n_carry = 0;
}

/* ---- binary data arrays -------------------------------------------------------------------- */

static const char *precision_cv(size_t elem_size)
{
    return elem_size == 8
               ? "<cvParam cvRef=\"MS\" accession=\"MS:1000523\" name=\"64-bit float\" value=\"\"/>"
               : "<cvParam cvRef=\"MS\" accession=\"MS:1000521\" name=\"32-bit float\" "
                 "value=\"\"/>";
}

static void array_open(sim_writer *w, uint64_t encoded_len, size_t elem_size, const char *array_cv)
{
    sim_writer_puts(w, "            <binaryDataArray encodedLength=\"");
    sim_writer_u64(w, encoded_len);
    sim_writer_puts(w, "\">\n              ");
    sim_writer_puts(w, precision_cv(elem_size));
    sim_writer_puts(w, w->compress
                           ? "\n              <cvParam cvRef=\"MS\" accession=\"MS:1000574\" "
                             "name=\"zlib compression\" value=\"\"/>\n              "
                           : "\n              <cvParam cvRef=\"MS\" accession=\"MS:1000576\" "
                             "name=\"no compression\" value=\"\"/>\n              ");
    sim_writer_puts(w, array_cv);
    sim_writer_puts(w, "\n              <binary>");
}

static void array_close(sim_writer *w)
{
    sim_writer_puts(w, "</binary>\n            </binaryDataArray>\n");
}

static int host_is_big_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 0;
}

/* mzML arrays are little-endian: on big-endian hosts values are reversed into a scratch copy. */
static const uint8_t *little_endian(sim_writer *w, const void *data, size_t count, size_t elem)
{
    if (!host_is_big_endian()) return (const uint8_t *)data;
    size_t bytes = count * elem;
    if (bytes > w->swap_cap) {
        uint8_t *s = (uint8_t *)realloc(w->swap, bytes);
        if (!s) {
            fail(w, lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes", bytes));
            return NULL;
        }
        w->swap = s;
        w->swap_cap = bytes;
    }
    const uint8_t *src = (const uint8_t *)data;
    for (size_t i = 0; i < count; i++)
        for (size_t b = 0; b < elem; b++)
            w->swap[i * elem + b] = src[i * elem + elem - 1 - b];
    return w->swap;
}

void sim_writer_array(sim_writer *w, const void *data, size_t count, size_t elem_size,
                      const char *array_cv)
{
    if (w->status != LV_OK) return;
    size_t bytes = count * elem_size;
    const uint8_t *raw = little_endian(w, data, count, elem_size);
    if (!raw) return;
    const uint8_t *payload = raw;
    size_t payload_len = bytes;
    if (w->compress) {
        size_t bound = sim_zlib_bound(bytes);
        if (bound > w->zcap) {
            uint8_t *z = (uint8_t *)realloc(w->zbuf, bound);
            if (!z) {
                fail(w,
                     lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes", bound));
                return;
            }
            w->zbuf = z;
            w->zcap = bound;
        }
        payload_len = sim_zlib_compress(raw, bytes, w->zbuf);
        payload = w->zbuf;
    }
    array_open(w, lv_base64_encoded_size(payload_len), elem_size, array_cv);
    put_base64(w, payload, payload_len);
    array_close(w);
}

/* One pass of zlib over a streamed array.  With emit, the compressed bytes go out as base64;
 * without, they are only counted (the element needs encodedLength before its content). */
static uint64_t deflate_stream(sim_writer *w, sim_fill_fn fill, void *ctx, uint64_t count,
                               size_t elem, uint8_t *in, uint8_t *out, size_t out_cap,
                               b64_stream *emit)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit(&z, Z_BEST_SPEED) != Z_OK) {
        fail(w, lv_error_set(LV_ERR_NO_MEMORY, "zlib: deflateInit failed"));
        return 0;
    }
    uint64_t total = 0;
    uint64_t first = 0;
    int flush_mode;
    do {
        uint64_t n = count - first < SIM_STREAM_CHUNK ? count - first : SIM_STREAM_CHUNK;
        if (n > 0) fill(ctx, first, n, in);
        first += n;
        flush_mode = first == count ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = in;
        z.avail_in = (uInt)(n * elem);
        int rc;
        do {
            z.next_out = out;
            z.avail_out = (uInt)out_cap;
            rc = deflate(&z, flush_mode);
            if (rc == Z_STREAM_ERROR) {
                fail(w, lv_error_set(LV_ERR_INTERNAL, "zlib: deflate failed"));
                deflateEnd(&z);
                return 0;
            }
            size_t produced = out_cap - z.avail_out;
            total += produced;
            if (emit) b64_push(w, emit, out, produced);
        } while (z.avail_out == 0);
    } while (flush_mode != Z_FINISH);
    deflateEnd(&z);
    return total;
}

void sim_writer_array_stream(sim_writer *w, sim_fill_fn fill, void *ctx, uint64_t count,
                             size_t elem_size, const char *array_cv)
{
    if (w->status != LV_OK) return;
    const size_t out_cap = 1u << 16;
    uint8_t *in = (uint8_t *)malloc(SIM_STREAM_CHUNK * elem_size);
    uint8_t *out = (uint8_t *)malloc(out_cap);
    if (!in || !out) {
        free(in);
        free(out);
        fail(w, lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",
                             SIM_STREAM_CHUNK * elem_size + out_cap));
        return;
    }
    b64_stream b64 = {{0, 0, 0}, 0};
    if (w->compress) {
        uint64_t zlen = deflate_stream(w, fill, ctx, count, elem_size, in, out, out_cap, NULL);
        array_open(w, (zlen + 2) / 3 * 4, elem_size, array_cv);
        uint64_t again = deflate_stream(w, fill, ctx, count, elem_size, in, out, out_cap, &b64);
        if (again != zlen && w->status == LV_OK)
            fail(w, lv_error_set(LV_ERR_INTERNAL, "zlib output differs between two passes"));
    } else {
        array_open(w, (count * elem_size + 2) / 3 * 4, elem_size, array_cv);
        for (uint64_t first = 0; first < count && w->status == LV_OK;) {
            uint64_t n = count - first < SIM_STREAM_CHUNK ? count - first : SIM_STREAM_CHUNK;
            fill(ctx, first, n, in);
            b64_push(w, &b64, in, n * elem_size);
            first += n;
        }
    }
    b64_finish(w, &b64);
    array_close(w);
    free(in);
    free(out);
}

/* ---- checksum and commit ------------------------------------------------------------------- */

void sim_writer_checksum(sim_writer *w, char hex[41])
{
    drain(w); /* every earlier buffer is hashed; then this one's bytes so far */
    if (w->hashing && w->len > w->hashed)
        lv_sha1_update(&w->sha, w->buf + w->hashed, w->len - w->hashed);
    w->hashed = w->len;
    lv_sha1_final_hex(&w->sha, hex);
    w->hashing = 0;
}

lv_status sim_writer_commit(sim_writer *w)
{
    flush(w);
    drain(w);
    stop_async(w);
    if (w->status != LV_OK) return w->status;
    if (w->fd < 0) return LV_OK;
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0)
        return fail(w, lv_error_set(LV_ERR_IO, "%s: closing '%s' failed: %s", w->path, w->tmp_path,
                                    strerror(errno)));
    if (rename(w->tmp_path, w->path) != 0)
        return fail(w, lv_error_set(LV_ERR_IO, "%s: cannot rename '%s' to it: %s", w->path,
                                    w->tmp_path, strerror(errno)));
    w->committed = 1;
    return LV_OK;
}
