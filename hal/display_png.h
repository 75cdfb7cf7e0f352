/*
 * display_png: canvases as PNG files (libpng), for the PNG snapshot
 * backend, `make screenshots`, the README's pictures and the golden tests.
 *
 * A MONO canvas is written as a 1-bit greyscale PNG (lit = white), an RGB
 * canvas as 8-bit RGB. Files are written to PATH.tmp and renamed, so a
 * reader never sees half a picture.
 */
#ifndef KIOSK_HAL_DISPLAY_PNG_H
#define KIOSK_HAL_DISPLAY_PNG_H

#include <stddef.h>

#include "canvas.h"

/*
 * Writes c to path, each pixel as a scale x scale block (1..16), colours
 * scaled by brightness/255. Returns 0, or -1 with a reason in err.
 */
int png_write_canvas(const char *path, const struct canvas *c, int scale, unsigned brightness,
		     char *err, size_t errlen);

/*
 * Reads a PNG into a new canvas: 1-bit greyscale gives MONO, anything else
 * RGB. Returns NULL with a reason in err. Pictures larger than
 * CANVAS_MAX_SIDE are refused.
 */
struct canvas *png_read_canvas(const char *path, char *err, size_t errlen);

#endif
