/*
 * display_ssd1306: see display_ssd1306.h.
 */
#include "display_ssd1306.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "i2c.h"

#define CONTROL_COMMANDS 0x00
#define CONTROL_DATA 0x40

struct oled {
	struct display base;
	struct i2c_bus *bus;
	uint8_t addr;
	bool sh1106;
	bool rotate180;
	unsigned contrast; /* configured */
	bool needs_init;
	bool shadow_valid;
	uint8_t shadow[OLED_PAGES][OLED_WIDTH]; /* what the panel's RAM holds */
};

void oled_pack_pages(const struct canvas *c, uint8_t pages[OLED_PAGES][OLED_WIDTH])
{
	for (int p = 0; p < OLED_PAGES; p++)
		for (int x = 0; x < OLED_WIDTH; x++) {
			uint8_t byte = 0;
			for (int b = 0; b < 8; b++)
				if (canvas_get(c, x, p * 8 + b))
					byte |= (uint8_t)(1u << b);
			pages[p][x] = byte;
		}
}

static int send(struct oled *o, const uint8_t *bytes, size_t len, char *err, size_t errlen)
{
	int rc = i2c_write(o->bus, o->addr, bytes, len, err, errlen);
	if (rc != I2C_OK) {
		o->needs_init = true;
		o->shadow_valid = false;
		return -1;
	}
	return 0;
}

static int init_panel(struct oled *o, char *err, size_t errlen)
{
	uint8_t seg = o->rotate180 ? 0xA0 : 0xA1, com = o->rotate180 ? 0xC0 : 0xC8;
	uint8_t contrast = (uint8_t)(o->contrast * o->base.brightness / 255);
	static const size_t max = 32;
	uint8_t cmd[32];
	size_t n = 0;
	cmd[n++] = CONTROL_COMMANDS;
	cmd[n++] = 0xAE;              /* display off while we set it up */
	cmd[n++] = 0xD5, cmd[n++] = 0x80; /* clock divide / oscillator */
	cmd[n++] = 0xA8, cmd[n++] = 0x3F; /* multiplex: 64 rows */
	cmd[n++] = 0xD3, cmd[n++] = 0x00; /* display offset */
	cmd[n++] = 0x40;              /* start line 0 */
	if (o->sh1106) {
		cmd[n++] = 0xAD, cmd[n++] = 0x8B; /* DC-DC on */
	} else {
		cmd[n++] = 0x8D, cmd[n++] = 0x14; /* charge pump on */
		cmd[n++] = 0x20, cmd[n++] = 0x00; /* horizontal addressing */
	}
	cmd[n++] = seg;
	cmd[n++] = com;
	cmd[n++] = 0xDA, cmd[n++] = 0x12; /* COM pins: alternative */
	cmd[n++] = 0x81, cmd[n++] = contrast;
	cmd[n++] = 0xD9, cmd[n++] = o->sh1106 ? 0x1F : 0xF1; /* pre-charge */
	cmd[n++] = 0xDB, cmd[n++] = 0x40; /* VCOMH */
	cmd[n++] = 0xA4;              /* show RAM */
	cmd[n++] = 0xA6;              /* not inverted */
	if (!o->sh1106)
		cmd[n++] = 0x2E;      /* no scrolling */
	cmd[n++] = 0xAF;              /* display on */
	if (n > max)
		return -1;
	if (send(o, cmd, n, err, errlen) != 0)
		return -1;
	o->needs_init = false;
	o->shadow_valid = false;
	return 0;
}

/* SSD1306: fills columns c0..c1 of pages p0..p1 from pages[][] in one window. */
static int ssd1306_window(struct oled *o, const uint8_t pages[OLED_PAGES][OLED_WIDTH], int p0,
			  int p1, int c0, int c1, char *err, size_t errlen)
{
	uint8_t cmd[] = {CONTROL_COMMANDS, 0x21, (uint8_t)c0, (uint8_t)c1, 0x22, (uint8_t)p0,
			 (uint8_t)p1};
	if (send(o, cmd, sizeof(cmd), err, errlen) != 0)
		return -1;
	uint8_t data[1 + OLED_PAGES * OLED_WIDTH];
	size_t n = 0;
	data[n++] = CONTROL_DATA;
	for (int p = p0; p <= p1; p++)
		for (int c = c0; c <= c1; c++)
			data[n++] = pages[p][c];
	return send(o, data, n, err, errlen);
}

/* SH1106: columns c0..c1 of one page. */
static int sh1106_page(struct oled *o, const uint8_t pages[OLED_PAGES][OLED_WIDTH], int p, int c0,
		       int c1, char *err, size_t errlen)
{
	int col = c0 + SH1106_COLUMN_OFFSET;
	uint8_t cmd[] = {CONTROL_COMMANDS, (uint8_t)(0xB0 | p), (uint8_t)(col & 0x0F),
			 (uint8_t)(0x10 | (col >> 4))};
	if (send(o, cmd, sizeof(cmd), err, errlen) != 0)
		return -1;
	uint8_t data[1 + OLED_WIDTH];
	size_t n = 0;
	data[n++] = CONTROL_DATA;
	for (int c = c0; c <= c1; c++)
		data[n++] = pages[p][c];
	return send(o, data, n, err, errlen);
}

/* Wire clocks of a command transfer of cmd_len bytes and a data transfer of data_len. */
static long window_cost(long cmd_len, long data_len)
{
	/* address byte + bytes, 9 clocks each; START and STOP about 2 per transfer */
	return 9 * ((1 + cmd_len) + (1 + 1 + data_len)) + 4;
}

static int oled_flush(struct display *d, const struct canvas *c, char *err, size_t errlen)
{
	struct oled *o = d->priv;
	struct i2c_stats before, after;
	i2c_get_stats(o->bus, &before);
	if (o->needs_init && init_panel(o, err, errlen) != 0)
		return -1;

	uint8_t pages[OLED_PAGES][OLED_WIDTH];
	oled_pack_pages(c, pages);
	int lo[OLED_PAGES], hi[OLED_PAGES];
	int first = -1, last = -1, cmin = OLED_WIDTH, cmax = -1;
	size_t changed_px = 0;
	for (int p = 0; p < OLED_PAGES; p++) {
		lo[p] = -1;
		hi[p] = -1;
		for (int x = 0; x < OLED_WIDTH; x++) {
			uint8_t diff = o->shadow_valid ? (uint8_t)(pages[p][x] ^ o->shadow[p][x]) : 0xFF;
			if (!diff)
				continue;
			changed_px += (size_t)__builtin_popcount(diff);
			if (lo[p] < 0)
				lo[p] = x;
			hi[p] = x;
		}
		if (lo[p] >= 0) {
			if (first < 0)
				first = p;
			last = p;
			if (lo[p] < cmin)
				cmin = lo[p];
			if (hi[p] > cmax)
				cmax = hi[p];
		}
	}
	bool full = !o->shadow_valid;
	int rc = 0;
	if (first >= 0 && o->sh1106) {
		for (int p = first; p <= last && rc == 0; p++)
			if (lo[p] >= 0)
				rc = sh1106_page(o, pages, p, full ? 0 : lo[p],
						 full ? OLED_WIDTH - 1 : hi[p], err, errlen);
	} else if (first >= 0) {
		long one = window_cost(6, (long)(last - first + 1) * (cmax - cmin + 1));
		long per_page = 0;
		for (int p = first; p <= last; p++)
			if (lo[p] >= 0)
				per_page += window_cost(6, hi[p] - lo[p] + 1);
		if (full || one <= per_page) {
			rc = ssd1306_window(o, pages, first, last, cmin, cmax, err, errlen);
		} else {
			for (int p = first; p <= last && rc == 0; p++)
				if (lo[p] >= 0)
					rc = ssd1306_window(o, pages, p, p, lo[p], hi[p], err, errlen);
		}
	}
	i2c_get_stats(o->bus, &after);
	d->last.full = full;
	d->last.transfers = (size_t)(after.transfers - before.transfers);
	d->last.wire_bytes = (size_t)(after.wire_bytes - before.wire_bytes);
	d->last.changed_px = changed_px;
	if (rc != 0)
		return -1;
	memcpy(o->shadow, pages, sizeof(pages));
	o->shadow_valid = true;
	return 0;
}

static int oled_set_brightness(struct display *d, unsigned level, char *err, size_t errlen)
{
	struct oled *o = d->priv;
	d->brightness = level;
	if (o->needs_init)
		return 0; /* applied by the next initialisation */
	unsigned v = o->contrast * level / 255;
	uint8_t cmd[] = {CONTROL_COMMANDS, 0x81, (uint8_t)(v ? v : 1)};
	return send(o, cmd, sizeof(cmd), err, errlen);
}

static void oled_invalidate(struct display *d)
{
	struct oled *o = d->priv;
	o->shadow_valid = false;
}

static void oled_close(struct display *d)
{
	struct oled *o = d->priv;
	char err[64];
	uint8_t off[] = {CONTROL_COMMANDS, 0xAE};
	if (!o->needs_init)
		i2c_write(o->bus, o->addr, off, sizeof(off), err, sizeof(err));
	i2c_close(o->bus);
	free(o);
}

static const struct display_ops oled_ops = {
	.flush = oled_flush,
	.set_brightness = oled_set_brightness,
	.invalidate = oled_invalidate,
	.close = oled_close,
};

struct display *display_open_oled(const struct display_config *cfg, struct i2c_bus *bus,
				  char *err, size_t errlen)
{
	if (cfg->rotation != 0 && cfg->rotation != 180) {
		snprintf(err, errlen, "a 128x64 OLED turns only 0 or 180 degrees, not %u",
			 cfg->rotation);
		i2c_close(bus);
		return NULL;
	}
	struct oled *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		i2c_close(bus);
		return NULL;
	}
	o->bus = bus;
	o->addr = (uint8_t)cfg->address;
	o->sh1106 = strcmp(cfg->backend, "sh1106") == 0;
	o->rotate180 = cfg->rotation == 180;
	o->contrast = cfg->contrast > 255 ? 255 : cfg->contrast;
	o->needs_init = true;
	o->base.ops = &oled_ops;
	snprintf(o->base.name, sizeof(o->base.name), "%s", o->sh1106 ? "sh1106" : "ssd1306");
	o->base.width = OLED_WIDTH;
	o->base.height = OLED_HEIGHT;
	o->base.format = CANVAS_MONO;
	o->base.brightness = 255;
	o->base.bus = bus;
	o->base.priv = o;
	if (init_panel(o, err, errlen) != 0) {
		i2c_close(bus);
		free(o);
		return NULL;
	}
	return &o->base;
}
