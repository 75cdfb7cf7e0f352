/*
 * display_backend: what display.c needs from each backend file. Not for
 * callers of the display (they use display.h).
 */
#ifndef KIOSK_HAL_DISPLAY_BACKEND_H
#define KIOSK_HAL_DISPLAY_BACKEND_H

#include "display.h"

struct display *display_fb_open(const struct display_config *cfg, char *err, size_t errlen);
struct display *display_png_open(const struct display_config *cfg, char *err, size_t errlen);
struct display *display_terminal_open(const struct display_config *cfg, char *err, size_t errlen);

/* Scales every colour of an RGB pixel by level/255 (dimming in software). */
uint32_t display_dim_rgb(uint32_t rgb, unsigned level);

#endif
