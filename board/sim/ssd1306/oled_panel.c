/*
 * oled_panel: see oled_panel.h. The command set is the SSD1306 datasheet's
 * (Solomon Systech, rev 1.1, section 9) and the SH1106's (Sino Wealth,
 * v1.7, section "commands"); only what a 128x64 I2C module uses is modelled.
 */
#include "oled_panel.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int reject(struct oled_panel *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reject(struct oled_panel *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
	p->rejected++;
	return -1;
}

void oled_panel_init(struct oled_panel *p, enum panel_chip chip, uint8_t address)
{
	memset(p, 0, sizeof(*p));
	p->chip = chip;
	p->address = address;
	p->contrast = 0x7F;
	p->addressing = 2; /* both chips reset to page addressing */
	p->col_end = PANEL_WIDTH - 1;
	p->page_end = PANEL_PAGES - 1;
}

static int ram_columns(const struct oled_panel *p)
{
	return p->chip == PANEL_SH1106 ? PANEL_RAM_COLUMNS : PANEL_WIDTH;
}

/* How many argument bytes command c takes, or -1 if the chip lacks it. */
static int arg_count(const struct oled_panel *p, uint8_t c)
{
	bool sh = p->chip == PANEL_SH1106;
	switch (c) {
	case 0x81: case 0xA8: case 0xD3: case 0xD5: case 0xD9: case 0xDA: case 0xDB:
		return 1;
	case 0x8D:
		return sh ? -1 : 1;
	case 0xAD:
		return sh ? 1 : -1;
	case 0x20:
		return sh ? -1 : 1;
	case 0x21: case 0x22:
		return sh ? -1 : 2;
	}
	if (c <= 0x1F || (c >= 0x40 && c <= 0x7F) || c == 0xA0 || c == 0xA1 || c == 0xA4 ||
	    c == 0xA5 || c == 0xA6 || c == 0xA7 || c == 0xAE || c == 0xAF || c == 0xC0 ||
	    c == 0xC8 || c == 0xE3)
		return 0;
	if (c >= 0xB0 && c <= 0xB7)
		return 0;
	if (c == 0x2E && !sh)
		return 0; /* deactivate scroll: harmless */
	if (sh && (c >= 0x30 && c <= 0x33))
		return 0; /* pump voltage */
	return -1;
}

static int run_command(struct oled_panel *p, uint8_t c, const uint8_t *a)
{
	/* The column's two nibbles come in two commands, so the pointer may be
	 * out of range between them: it is checked when data is written. */
	if (c <= 0x0F) {
		p->col = (uint8_t)((p->col & 0xF0) | c);
	} else if (c <= 0x1F) {
		p->col = (uint8_t)(((c & 0x0F) << 4) | (p->col & 0x0F));
	} else if (c == 0x20) {
		if (a[0] > 2)
			return reject(p, "addressing mode %u does not exist", a[0]);
		p->addressing = a[0];
	} else if (c == 0x21) {
		if (a[0] > 127 || a[1] > 127 || a[1] < a[0])
			return reject(p, "column window %u..%u is out of range", a[0], a[1]);
		p->col_start = p->col = a[0];
		p->col_end = a[1];
	} else if (c == 0x22) {
		if (a[0] > 7 || a[1] > 7 || a[1] < a[0])
			return reject(p, "page window %u..%u is out of range (pages 0..7)", a[0], a[1]);
		p->page_start = p->page = a[0];
		p->page_end = a[1];
	} else if (c >= 0x40 && c <= 0x7F) {
		p->start_line = c & 0x3F;
	} else if (c == 0x81) {
		p->contrast = a[0];
	} else if (c == 0x8D) {
		p->power_set = (a[0] & 0x04) != 0;
	} else if (c == 0xAD) {
		p->power_set = (a[0] & 0x01) != 0;
	} else if (c == 0xA0 || c == 0xA1) {
		p->seg_remap = c == 0xA1;
	} else if (c == 0xA4 || c == 0xA5) {
		p->entire_on = c == 0xA5;
	} else if (c == 0xA6 || c == 0xA7) {
		p->inverted = c == 0xA7;
	} else if (c == 0xA8) {
		if (a[0] < 15 || a[0] > 63)
			return reject(p, "multiplex ratio %u is out of range", a[0]);
		p->multiplex_set = true;
	} else if (c == 0xAE || c == 0xAF) {
		p->display_on = c == 0xAF;
	} else if (c >= 0xB0 && c <= 0xB7) {
		p->page = c & 0x07;
	} else if (c == 0xC0 || c == 0xC8) {
		p->com_reverse = c == 0xC8;
	}
	return 0;
}

static int write_data(struct oled_panel *p, uint8_t byte)
{
	if (!p->multiplex_set || !p->power_set)
		return reject(p, "display RAM written before the panel was initialised");
	if (p->addressing == 2 || p->chip == PANEL_SH1106) {
		if (p->col >= ram_columns(p))
			return reject(p, "data past the end of page %u (column %u; the RAM has %d)",
				      p->page, p->col, ram_columns(p));
		p->ram[p->page][p->col++] = byte;
		return 0;
	}
	p->ram[p->page][p->col] = byte;
	if (p->addressing == 0) { /* horizontal: along the page, then the next page */
		if (p->col++ >= p->col_end) {
			p->col = p->col_start;
			p->page = p->page >= p->page_end ? p->page_start : (uint8_t)(p->page + 1);
		}
	} else { /* vertical: down the pages, then the next column */
		if (p->page++ >= p->page_end) {
			p->page = p->page_start;
			p->col = p->col >= p->col_end ? p->col_start : (uint8_t)(p->col + 1);
		}
	}
	return 0;
}

enum panel_answer oled_panel_transfer(struct oled_panel *p, uint8_t address, const uint8_t *data,
				      size_t len)
{
	if (address != p->address)
		return PANEL_NACK;
	p->transfers++;
	p->bytes += len;
	if (len == 0) {
		reject(p, "an empty transfer");
		return PANEL_REJECT;
	}
	size_t i = 0;
	while (i < len) {
		uint8_t control = data[i++];
		if (control != 0x00 && control != 0x40 && control != 0x80 && control != 0xC0) {
			reject(p, "control byte 0x%02x at offset %zu is not 0x00, 0x40, 0x80 or 0xC0",
			       control, i - 1);
			return PANEL_REJECT;
		}
		bool single = control & 0x80; /* Co = 1: one byte, then another control byte */
		bool is_data = control & 0x40;
		if (i >= len) {
			reject(p, "control byte 0x%02x with nothing after it", control);
			return PANEL_REJECT;
		}
		do {
			if (is_data) {
				if (write_data(p, data[i++]) != 0)
					return PANEL_REJECT;
				p->data_bytes++;
				continue;
			}
			uint8_t c = data[i++];
			int n = arg_count(p, c);
			if (n < 0) {
				reject(p, "command 0x%02x is not an %s command", c,
				       p->chip == PANEL_SH1106 ? "SH1106" : "SSD1306");
				return PANEL_REJECT;
			}
			if (single && n > 0) {
				/* With Co = 1 each argument comes after its own control byte. */
				uint8_t args[2];
				for (int k = 0; k < n; k++) {
					if (i + 1 >= len || data[i] != 0x80) {
						reject(p, "command 0x%02x is cut short", c);
						return PANEL_REJECT;
					}
					args[k] = data[i + 1];
					i += 2;
				}
				if (run_command(p, c, args) != 0)
					return PANEL_REJECT;
				continue;
			}
			if (i + (size_t)n > len) {
				reject(p, "command 0x%02x is cut short (the transfer ends inside its "
				       "arguments)", c);
				return PANEL_REJECT;
			}
			if (run_command(p, c, data + i) != 0)
				return PANEL_REJECT;
			i += (size_t)n;
		} while (!single && i < len);
	}
	return PANEL_ACK;
}

uint8_t oled_panel_ram_at(const struct oled_panel *p, int pg, int x)
{
	int off = p->chip == PANEL_SH1106 ? 2 : 0;
	return p->ram[pg][x + off];
}

void oled_panel_view(const struct oled_panel *p, uint8_t view[PANEL_HEIGHT][PANEL_WIDTH])
{
	int off = p->chip == PANEL_SH1106 ? 2 : 0;
	for (int y = 0; y < PANEL_HEIGHT; y++)
		for (int x = 0; x < PANEL_WIDTH; x++) {
			int col = p->seg_remap ? x + off : PANEL_WIDTH - 1 - x + off;
			int glass_row = p->com_reverse ? y : PANEL_HEIGHT - 1 - y;
			int row = (glass_row + p->start_line) % PANEL_HEIGHT;
			int bit = (p->ram[row / 8][col] >> (row % 8)) & 1;
			if (p->entire_on)
				bit = 1;
			else if (p->inverted)
				bit = !bit;
			view[y][x] = p->display_on ? (uint8_t)bit : 0;
		}
}
