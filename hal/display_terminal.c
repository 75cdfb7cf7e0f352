/*
 * display_terminal: the screen drawn with Unicode half-blocks, for
 * `make run` on the simulated board. Each character cell shows two pixels
 * one above the other (U+2580 upper half, U+2584 lower half, U+2588 full
 * block), so a 128x64 screen takes 128 columns and 32 rows, inside a frame.
 * An RGB canvas is drawn with 24-bit colours (foreground above, background
 * below).
 *
 * On a terminal the picture is drawn in place at the top: the rows below it
 * are set as the scrolling region, so other output (kioskctl watch, in
 * `make run`) scrolls underneath. Into a file or a pipe, each new picture is
 * appended. A frame is written only when the picture changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "display_backend.h"

struct term {
	struct display base;
	int fd;
	bool tty;
	bool region_set;
	struct canvas *last;
	bool valid;
	char *buf;
	size_t cap, len;
};

static void put(struct term *t, const char *s, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 65536;
		while (cap < t->len + n)
			cap *= 2;
		char *bigger = realloc(t->buf, cap);
		if (!bigger)
			return;
		t->buf = bigger;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void puts_(struct term *t, const char *s) { put(t, s, strlen(s)); }

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void border(struct term *t, const char *left, const char *right, int width)
{
	puts_(t, left);
	for (int i = 0; i < width; i++)
		puts_(t, "\xE2\x94\x80"); /* ─ */
	puts_(t, right);
	puts_(t, t->tty ? "\x1b[K\n" : "\n");
}

static int term_flush(struct display *d, const struct canvas *c, char *err, size_t errlen)
{
	struct term *t = d->priv;
	if (t->valid && canvas_equal(t->last, c))
		return 0;
	t->len = 0;
	if (t->tty) {
		if (!t->region_set) {
			struct winsize ws;
			int rows = c->height / 2 + 2;
			if (ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > rows + 4) {
				char cmd[64];
				/* Clear, keep the top for the picture, scroll below it. */
				snprintf(cmd, sizeof(cmd), "\x1b[2J\x1b[%d;%ur\x1b[%d;1H", rows + 1,
					 (unsigned)ws.ws_row, rows + 1);
				puts_(t, cmd);
			}
			t->region_set = true;
		}
		puts_(t, "\x1b" "7\x1b[H"); /* save the cursor, go to the top */
	}
	border(t, "\xE2\x94\x8C", "\xE2\x94\x90", c->width); /* ┌ ┐ */
	for (int y = 0; y < c->height; y += 2) {
		puts_(t, "\xE2\x94\x82"); /* │ */
		for (int x = 0; x < c->width; x++) {
			if (c->format == CANVAS_RGB) {
				uint32_t a = display_dim_rgb(canvas_get_rgb(c, x, y), d->brightness);
				uint32_t b = display_dim_rgb(canvas_get_rgb(c, x, y + 1), d->brightness);
				char cell[64];
				snprintf(cell, sizeof(cell), "\x1b[38;2;%u;%u;%um\x1b[48;2;%u;%u;%um\xE2\x96\x80",
					 (a >> 16) & 255, (a >> 8) & 255, a & 255, (b >> 16) & 255,
					 (b >> 8) & 255, b & 255);
				puts_(t, cell);
				continue;
			}
			bool top = canvas_get(c, x, y) != 0, bottom = canvas_get(c, x, y + 1) != 0;
			puts_(t, top && bottom ? "\xE2\x96\x88" : top ? "\xE2\x96\x80"
						     : bottom       ? "\xE2\x96\x84"
								    : " ");
		}
		if (c->format == CANVAS_RGB)
			puts_(t, "\x1b[0m");
		puts_(t, "\xE2\x94\x82");
		puts_(t, t->tty ? "\x1b[K\n" : "\n");
	}
	border(t, "\xE2\x94\x94", "\xE2\x94\x98", c->width); /* └ ┘ */
	if (t->tty)
		puts_(t, "\x1b" "8"); /* back to where the other output was */
	if (t->len == 0 || write_all(t->fd, t->buf, t->len) != 0) {
		snprintf(err, errlen, "terminal display: %s", t->len ? strerror(errno) : "out of memory");
		t->valid = false;
		return -1;
	}
	canvas_copy(t->last, c);
	t->valid = true;
	d->last.full = true;
	d->last.transfers = 1;
	d->last.wire_bytes = t->len;
	return 0;
}

static void term_invalidate(struct display *d)
{
	struct term *t = d->priv;
	t->valid = false;
}

static void term_close(struct display *d)
{
	struct term *t = d->priv;
	if (t->tty && t->region_set)
		write_all(t->fd, "\x1b[r", 3); /* the whole terminal scrolls again */
	if (t->fd >= 0)
		close(t->fd);
	canvas_free(t->last);
	free(t->buf);
	free(t);
}

static const struct display_ops term_ops = {
	.flush = term_flush,
	.invalidate = term_invalidate,
	.close = term_close,
};

struct display *display_terminal_open(const struct display_config *cfg, char *err, size_t errlen)
{
	struct term *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->base.priv = t; /* term_close() finds it there */
	t->fd = -1;
	enum canvas_format fmt = cfg->width <= 128 && cfg->height <= 64 ? CANVAS_MONO : CANVAS_RGB;
	t->last = canvas_new(cfg->width, cfg->height, fmt);
	t->fd = open(cfg->output, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0600);
	if (!t->last || t->fd < 0) {
		snprintf(err, errlen, "terminal display %s: %s", cfg->output,
			 t->last ? strerror(errno) : "bad size");
		term_close(&t->base);
		return NULL;
	}
	t->tty = isatty(t->fd) != 0;
	t->base.ops = &term_ops;
	snprintf(t->base.name, sizeof(t->base.name), "terminal");
	t->base.width = cfg->width;
	t->base.height = cfg->height;
	t->base.format = fmt;
	t->base.brightness = 255;
	return &t->base;
}
