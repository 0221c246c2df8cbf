/* video_ffmpeg.c - lv_video_*: videos through an `ffmpeg` child process fed raw frames on a pipe.
 *
 * ffmpeg is started with posix_spawnp reading rawvideo (rgb24 or gray) from its stdin, which is
 * the read end of a pipe; its stderr goes to an unlinked temporary file so that a failure can be
 * reported with ffmpeg's own words.  The library must not kill its host process: writes to the
 * pipe run with SIGPIPE blocked on the calling thread, and a SIGPIPE they raise is consumed
 * before it is unblocked, so a dead encoder shows up as EPIPE and an LV_ERR_IO naming ffmpeg's
 * exit status.  ffmpeg writes "<name>.tmp-<pid>-<n>.<ext>" (the extension picks the container),
 * renamed to the final path once ffmpeg has exited with status 0. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/error.h"

extern char **environ;

struct lv_video {
    pid_t pid;
    int fd;           /* write end of ffmpeg's stdin; -1 once closed */
    FILE *err_log;    /* ffmpeg's stderr */
    char *path, *tmp; /* final and temporary output paths */
    uint64_t frame_bytes;
    int finished;
};

static atomic_uint tmp_counter;

LV_API void lv_video_params_init(lv_video_params *p)
{
    if (p == NULL) return;
    *p = (lv_video_params){
        .size = sizeof *p, .fps = 25.0, .codec = "libx264", .crf = 18, .ffmpeg = "ffmpeg"};
}

/* 1 when prog names an executable file, directly (with a '/') or in a PATH directory. */
static int program_exists(const char *prog)
{
    if (strchr(prog, '/')) return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0') path = "/usr/local/bin:/usr/bin:/bin";
    char buf[PATH_MAX];
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int n = snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? p : ".", prog);
        struct stat st;
        if (n > 0 && (size_t)n < sizeof buf && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
            access(buf, X_OK) == 0)
            return 1;
        p += len;
        if (*p == ':') p++;
    }
    return 0;
}

/* The last bytes ffmpeg wrote to stderr, on one line (for error messages). */
static void err_tail(lv_video *v, char *out, size_t cap)
{
    out[0] = '\0';
    if (!v->err_log || cap < 2) return;
    fflush(v->err_log);
    long end = (fseek(v->err_log, 0, SEEK_END) == 0) ? ftell(v->err_log) : -1;
    if (end <= 0) return;
    long start = end > (long)cap - 1 ? end - (long)cap + 1 : 0;
    if (fseek(v->err_log, start, SEEK_SET) != 0) return;
    size_t n = fread(out, 1, cap - 1, v->err_log);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (out[i] == '\n' || out[i] == '\r') out[i] = i + 1 == n ? '\0' : ' ';
}

/* Waits for ffmpeg; returns its wait status, or -1. */
static int reap(lv_video *v)
{
    if (v->pid <= 0) return -1;
    int status = 0;
    pid_t r;
    do
        r = waitpid(v->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    v->pid = 0;
    return r < 0 ? -1 : status;
}

static lv_status exit_error(lv_video *v, int status, const char *when)
{
    char tail[400];
    err_tail(v, tail, sizeof tail);
    char how[64];
    if (status == -1)
        snprintf(how, sizeof how, "could not be waited for");
    else if (WIFEXITED(status))
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(how, sizeof how, "ended with wait status %d", status);
    return lv_error_set(LV_ERR_IO, "lv_video: %s: ffmpeg %s %s%s%s", v->path, how, when,
                        tail[0] ? ": " : "", tail);
}

LV_API lv_status lv_video_open(const char *path, uint32_t width, uint32_t height, uint32_t channels,
                               const lv_video_params *params, lv_video **out)
{
    RETURN_ERROR_IF(path == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_video_open: %s is NULL", path == NULL ? "path" : "out");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_video_params);
    lv_video_params defaults;
    lv_video_params_init(&defaults);
    const lv_video_params *p = params ? params : &defaults;
    const char *prog = p->ffmpeg && *p->ffmpeg ? p->ffmpeg : "ffmpeg";
    const char *codec = p->codec && *p->codec ? p->codec : "libx264";
    RETURN_ERROR_IF(width == 0 || height == 0 || width > 16384 || height > 16384,
                    LV_ERR_INVALID_ARGUMENT, "lv_video_open: %s: frame size %ux%u is invalid", path,
                    width, height);
    RETURN_ERROR_IF(channels != 1 && channels != 3, LV_ERR_INVALID_ARGUMENT,
                    "lv_video_open: %s: channels is %u, expected 1 (gray) or 3 (RGB)", path,
                    channels);
    RETURN_ERROR_IF(!(p->fps > 0.0 && p->fps <= 1000.0), LV_ERR_INVALID_ARGUMENT,
                    "lv_video_open: %s: fps %g is outside (0, 1000]", path, p->fps);
    RETURN_ERROR_IF(!program_exists(prog), LV_ERR_UNSUPPORTED,
                    "lv_video_open: %s: the program '%s' was not found on PATH; install ffmpeg "
                    "(e.g. apt-get install ffmpeg) to write videos, or write PNG frames",
                    path, prog);

    lv_video *v = calloc(1, sizeof *v);
    RETURN_IF_NULL_ALLOC(v, sizeof *v);
    v->fd = -1;
    v->frame_bytes = (uint64_t)width * height * channels;
    size_t n = strlen(path) + 64;
    v->path = strdup(path);
    v->tmp = malloc(n);
    if (!v->path || !v->tmp) {
        lv_video_close(v);
        RETURN_IF_NULL_ALLOC(NULL, n);
    }
    /* Keep the extension last: ffmpeg chooses the container from it. */
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
        dot = path + strlen(path);
    snprintf(v->tmp, n, "%.*s.tmp-%ld-%u%s", (int)(dot - path), path, (long)getpid(),
             atomic_fetch_add(&tmp_counter, 1u), dot);
    int is_mp4 = strcmp(dot, ".mp4") == 0 || strcmp(dot, ".mov") == 0 || strcmp(dot, ".m4v") == 0;
    int x26x = strcmp(codec, "libx264") == 0 || strcmp(codec, "libx265") == 0;

    char size[32], fps[32], crf[16];
    snprintf(size, sizeof size, "%ux%u", width, height);
    snprintf(fps, sizeof fps, "%.17g", p->fps);
    snprintf(crf, sizeof crf, "%u", p->crf);
    const char *argv[40];
    int a = 0;
    argv[a++] = prog;
    argv[a++] = "-hide_banner";
    argv[a++] = "-loglevel";
    argv[a++] = "error";
    argv[a++] = "-y";
    argv[a++] = "-f";
    argv[a++] = "rawvideo";
    argv[a++] = "-pix_fmt";
    argv[a++] = channels == 3 ? "rgb24" : "gray";
    argv[a++] = "-video_size";
    argv[a++] = size;
    argv[a++] = "-framerate";
    argv[a++] = fps;
    argv[a++] = "-i";
    argv[a++] = "pipe:0";
    if ((width | height) & 1) { /* yuv420p subsamples chroma 2x2: pad to even sizes */
        argv[a++] = "-vf";
        argv[a++] = "pad=ceil(iw/2)*2:ceil(ih/2)*2";
    }
    argv[a++] = "-c:v";
    argv[a++] = codec;
    if (x26x) {
        argv[a++] = "-crf";
        argv[a++] = crf;
    }
    argv[a++] = "-pix_fmt";
    argv[a++] = "yuv420p";
    if (is_mp4) {
        argv[a++] = "-movflags";
        argv[a++] = "+faststart";
    }
    argv[a++] = v->tmp;
    argv[a] = NULL;

    int pipe_fd[2] = {-1, -1};
    v->err_log = tmpfile();
    if (!v->err_log || pipe2(pipe_fd, O_CLOEXEC) != 0) {
        int e = errno;
        lv_video_close(v);
        return lv_error_set(LV_ERR_IO, "lv_video_open: %s: cannot create the pipe to ffmpeg: %s",
                            path, strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, pipe_fd[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fileno(v->err_log), 2);
    /* The child starts with default SIGPIPE handling and no blocked signals, whatever the
     * caller's thread has. */
    sigset_t def, none;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    int rc = posix_spawnp(&v->pid, prog, &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(pipe_fd[0]);
    v->fd = pipe_fd[1];
    if (rc != 0) {
        v->pid = 0;
        lv_video_close(v);
        return lv_error_set(rc == ENOENT ? LV_ERR_UNSUPPORTED : LV_ERR_IO,
                            "lv_video_open: %s: cannot start '%s': %s", path, prog, strerror(rc));
    }
    *out = v;
    return LV_OK;
}

/* write() of all n bytes with SIGPIPE blocked on this thread; a SIGPIPE raised here is consumed
 * (unless one was already pending before), so the process never sees it.  Returns 0 or errno. */
static int write_all(int fd, const uint8_t *p, uint64_t n)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int err = 0;
    while (n > 0) {
        size_t chunk = n > ((size_t)1 << 30) ? (size_t)1 << 30 : (size_t)n;
        ssize_t w = write(fd, p, chunk);
        if (w < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        p += w;
        n -= (uint64_t)w;
    }
    if (err == EPIPE && !was_pending) {
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

LV_API lv_status lv_video_write(lv_video *v, const uint8_t *frames, uint64_t n_frames)
{
    RETURN_ERROR_IF(v == NULL, LV_ERR_INVALID_ARGUMENT, "lv_video_write: video is NULL");
    if (n_frames == 0) return LV_OK;
    RETURN_ERROR_IF(frames == NULL, LV_ERR_INVALID_ARGUMENT, "lv_video_write: %s: frames is NULL",
                    v->path);
    RETURN_ERROR_IF(v->fd < 0 || v->finished, LV_ERR_INVALID_ARGUMENT,
                    "lv_video_write: %s: the video is already finished or failed", v->path);
    RETURN_ERROR_IF(n_frames > UINT64_MAX / v->frame_bytes, LV_ERR_INVALID_ARGUMENT,
                    "lv_video_write: %s: %llu frames overflow", v->path,
                    (unsigned long long)n_frames);
    int err = write_all(v->fd, frames, n_frames * v->frame_bytes);
    if (err == 0) return LV_OK;
    close(v->fd);
    v->fd = -1;
    if (err == EPIPE) return exit_error(v, reap(v), "while frames were being written");
    return lv_error_set(LV_ERR_IO, "lv_video_write: %s: writing to ffmpeg failed: %s", v->path,
                        strerror(err));
}

LV_API lv_status lv_video_finish(lv_video *v)
{
    RETURN_ERROR_IF(v == NULL, LV_ERR_INVALID_ARGUMENT, "lv_video_finish: video is NULL");
    RETURN_ERROR_IF(v->finished, LV_ERR_INVALID_ARGUMENT, "lv_video_finish: %s: already finished",
                    v->path);
    RETURN_ERROR_IF(v->pid <= 0, LV_ERR_INVALID_ARGUMENT,
                    "lv_video_finish: %s: ffmpeg already failed", v->path);
    if (v->fd >= 0) close(v->fd); /* end of input: ffmpeg flushes the encoder and exits */
    v->fd = -1;
    int status = reap(v);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return exit_error(v, status, "while finishing the video");
    RETURN_ERROR_IF(rename(v->tmp, v->path) != 0, LV_ERR_IO,
                    "lv_video_finish: %s: cannot rename '%s' to it: %s", v->path, v->tmp,
                    strerror(errno));
    v->finished = 1;
    return LV_OK;
}

LV_API void lv_video_close(lv_video *v)
{
    if (v == NULL) return;
    if (v->fd >= 0) close(v->fd);
    if (v->pid > 0) {
        kill(v->pid, SIGTERM);
        reap(v);
    }
    if (!v->finished && v->tmp) unlink(v->tmp);
    if (v->err_log) fclose(v->err_log);
    free(v->path);
    free(v->tmp);
    free(v);
}
