/*
 * display_ssd1306: SSD1306 and SH1106 128x64 OLED panels on I2C.
 *
 * The wire format (both chips): every transfer starts with a control byte,
 * 0x00 before a run of command bytes or 0x40 before a run of display-RAM
 * bytes. Display RAM is 8 pages of 8 rows; one byte is one column of a page,
 * bit 0 its top row.
 *
 *   SSD1306: horizontal addressing (0x20 0x00); a window is set with
 *   0x21 (columns) and 0x22 (pages) and then filled in one data transfer,
 *   so a whole frame is one 1025-byte transfer.
 *   SH1106: 132-column RAM of which columns 2..129 are visible, page
 *   addressing only: each page is addressed (0xB0 | page, column low and
 *   high nibbles) and written separately.
 *
 * The driver keeps a copy of what the panel's RAM holds and sends only the
 * pages and columns that changed, choosing for the SSD1306 between one
 * window around every change and one window per changed page, whichever is
 * fewer bytes on the wire. After any bus error the copy is forgotten and the
 * panel is initialised again before the next frame.
 *
 * Orientation: rotation 0 sends segment remap 0xA1 and COM scan 0xC8 (the
 * usual upright mounting), rotation 180 sends 0xA0 and 0xC0; RAM is laid
 * out the same way in both, canvas column x in RAM column x (+2 on SH1106)
 * and row y in page y/8, bit y%8.
 */
#ifndef KIOSK_HAL_DISPLAY_SSD1306_H
#define KIOSK_HAL_DISPLAY_SSD1306_H

#include <stddef.h>
#include <stdint.h>

#include "canvas.h"

#define OLED_WIDTH 128
#define OLED_HEIGHT 64
#define OLED_PAGES 8
#define SH1106_RAM_COLUMNS 132
#define SH1106_COLUMN_OFFSET 2

/* Packs a 128x64 MONO canvas into RAM pages: pages[p][x] bit b = pixel (x, 8p+b). */
void oled_pack_pages(const struct canvas *c, uint8_t pages[OLED_PAGES][OLED_WIDTH]);

#endif
