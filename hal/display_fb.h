/*
 * display_fb: the framebuffer backend's pixel conversions, exposed for
 * tests (the backend itself is opened through display.h).
 */
#ifndef KIOSK_HAL_DISPLAY_FB_H
#define KIOSK_HAL_DISPLAY_FB_H

#include <stdbool.h>
#include <stdint.h>

/* 0xRRGGBB as the framebuffer stores it at bpp 16 (RGB565) or 32 (XRGB8888). */
uint32_t display_fb_pixel(uint32_t rgb, unsigned bpp);

/* True for RGB565 and XRGB8888 as fb_var_screeninfo describes them. */
bool display_fb_format_supported(unsigned bpp, unsigned r_off, unsigned r_len, unsigned g_off,
				 unsigned g_len, unsigned b_off, unsigned b_len);

#endif
