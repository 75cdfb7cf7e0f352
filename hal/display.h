/*
 * display: the kiosk's screen, one interface for every backend.
 *
 * Backends, one file each:
 *   ssd1306, sh1106  128x64 OLED over I2C (display_ssd1306.c, through i2c.h)
 *   fb               the Linux framebuffer /dev/fbN, RGB565 or XRGB8888
 *   png              a PNG snapshot written to a file at every change
 *   terminal         Unicode half-blocks on a terminal (for `make run`)
 *
 * A backend is handed a whole canvas of its size and format at every flush
 * and sends only what changed since the last one (an OLED on I2C cannot
 * afford a full frame for a small change: 1024 bytes take ~23 ms at
 * 400 kHz). Screens never know which backend they are drawn for: they draw
 * on a canvas of the size and format display_info() gives.
 *
 * Flushing may take tens of milliseconds (I2C) and must not run on kioskd's
 * event loop: firmware/display_service.c calls it from its own thread.
 * A display is used by one thread at a time.
 *
 * Failures return -1 with a one-line reason; the caller logs it and keeps
 * the kiosk working without (or with a lesser) display.
 */
#ifndef KIOSK_HAL_DISPLAY_H
#define KIOSK_HAL_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canvas.h"
#include "i2c.h"

#define DISPLAY_PATH_MAX 256

struct display_config {
	char backend[32];              /* ssd1306, sh1106, fb, png, terminal */
	char bus[DISPLAY_PATH_MAX];    /* I2C: /dev/i2c-1, or the simulator's socket */
	unsigned address;              /* I2C: 0x3c or 0x3d */
	unsigned rotation;             /* 0, 90, 180, 270 (OLEDs: 0 and 180 only) */
	unsigned contrast;             /* 0..255 */
	char device[DISPLAY_PATH_MAX]; /* fb: /dev/fb0 */
	char output[DISPLAY_PATH_MAX]; /* png: the file; terminal: where to draw */
	int width, height;             /* png, terminal: canvas size */
};

/* What the last flush sent (for benchmarks and tests). */
struct display_flush_stats {
	bool full;          /* the whole screen was sent */
	size_t transfers;   /* I2C transfers, or writes */
	size_t wire_bytes;  /* I2C bytes incl. address bytes; pixels' bytes otherwise */
	size_t changed_px;  /* pixels that differed from the last frame */
};

struct display;

struct display_ops {
	int (*flush)(struct display *d, const struct canvas *c, char *err, size_t errlen);
	/* 0..255; may be NULL (then the backend scales colours itself). */
	int (*set_brightness)(struct display *d, unsigned level, char *err, size_t errlen);
	/* Forget what the screen holds; may be NULL (the backend always compares). */
	void (*invalidate)(struct display *d);
	void (*close)(struct display *d);
};

struct display {
	const struct display_ops *ops;
	char name[32];
	int width, height;
	enum canvas_format format;
	unsigned brightness; /* 0..255, 255 = as configured */
	struct display_flush_stats last;
	struct i2c_bus *bus; /* OLED backends: their bus (for its statistics); else NULL */
	void *priv;
};

/*
 * Opens the backend cfg names. NULL with a reason in err ("none" is not a
 * backend: callers do not open one). The I2C backends talk to the panel
 * here (initialisation), so a panel that does not answer fails now.
 */
struct display *display_open(const struct display_config *cfg, char *err, size_t errlen);

/*
 * An SSD1306/SH1106 on a bus the caller opened (tests and benchmarks put a
 * virtual panel behind a callback bus). Takes ownership of bus.
 */
struct display *display_open_oled(const struct display_config *cfg, struct i2c_bus *bus,
				  char *err, size_t errlen);

/* Sends c (the display's size and format) to the screen: only what changed. */
int display_flush(struct display *d, const struct canvas *c, char *err, size_t errlen);

/* Forgets what the screen holds, so the next flush sends everything. */
void display_invalidate(struct display *d);

/* Dims (level < 255) or restores (255) the screen. */
int display_set_brightness(struct display *d, unsigned level, char *err, size_t errlen);

void display_close(struct display *d);

/* The I2C bus of an OLED backend (for its statistics), else NULL. */
struct i2c_bus *display_i2c_bus(struct display *d);

/* Backend names this build has, NULL-terminated (config.c lists them). */
extern const char *const display_backend_names[];

#endif
