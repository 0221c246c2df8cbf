/* png_write.c - lv_png_write: 8-bit gray/RGB/RGBA images as PNG files through libpng.
 *
 * libpng's simplified API (png_image) reports errors in the struct instead of longjmp'ing, so no
 * setjmp is needed here.  The image goes to "<path>.tmp-<pid>-<n>" (O_EXCL, permissions from the
 * umask like any new file) and is renamed to path only once complete, so a reader never sees a
 * half-written PNG and an existing file survives a failed write. */
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/error.h"

static atomic_uint tmp_counter;

LV_API lv_status lv_png_write(const char *path, uint32_t width, uint32_t height, uint32_t channels,
                              const uint8_t *pixels)
{
    RETURN_ERROR_IF(path == NULL || pixels == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_png_write: %s is NULL", path == NULL ? "path" : "pixels");
    RETURN_ERROR_IF(width == 0 || height == 0 || width > 0x7fffffffu / 4 || height > 0x7fffffffu,
                    LV_ERR_INVALID_ARGUMENT, "lv_png_write: %s: image size %ux%u is invalid", path,
                    width, height);
    RETURN_ERROR_IF(channels != 1 && channels != 3 && channels != 4, LV_ERR_INVALID_ARGUMENT,
                    "lv_png_write: %s: channels is %u, expected 1 (gray), 3 (RGB) or 4 (RGBA)",
                    path, channels);

    size_t n = strlen(path) + 48;
    char *tmp = malloc(n);
    RETURN_IF_NULL_ALLOC(tmp, n);
    snprintf(tmp, n, "%s.tmp-%ld-%u", path, (long)getpid(), atomic_fetch_add(&tmp_counter, 1u));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        lv_status st = lv_error_set(LV_ERR_IO, "lv_png_write: %s: cannot create '%s': %s", path,
                                    tmp, strerror(e));
        free(tmp);
        return st;
    }
    FILE *f = fdopen(fd, "wb");
    if (f == NULL) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return lv_error_set(LV_ERR_IO, "lv_png_write: %s: fdopen failed: %s", path, strerror(e));
    }

    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = channels == 1   ? PNG_FORMAT_GRAY
                   : channels == 3 ? PNG_FORMAT_RGB
                                   : PNG_FORMAT_RGBA;
    int ok = png_image_write_to_stdio(&image, f, 0, pixels, (png_int_32)(width * channels), NULL);
    char png_msg[sizeof image.message + 1];
    snprintf(png_msg, sizeof png_msg, "%s", image.message);
    png_image_free(&image);
    int write_errno = ferror(f) ? errno : 0;
    int close_failed = fclose(f) != 0;
    int close_errno = errno;
    lv_status st = LV_OK;
    if (!ok)
        st = lv_error_set(LV_ERR_IO, "lv_png_write: %s: libpng: %s%s%s", path, png_msg,
                          write_errno ? ": " : "", write_errno ? strerror(write_errno) : "");
    else if (close_failed)
        st = lv_error_set(LV_ERR_IO, "lv_png_write: %s: closing '%s' failed: %s", path, tmp,
                          strerror(close_errno));
    else if (rename(tmp, path) != 0)
        st = lv_error_set(LV_ERR_IO, "lv_png_write: %s: cannot rename '%s' to it: %s", path, tmp,
                          strerror(errno));
    if (st != LV_OK) unlink(tmp);
    free(tmp);
    return st;
}
