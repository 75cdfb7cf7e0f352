/*
 * qr: QR codes for the help URL, through libqrencode, drawn on a canvas.
 *
 * Encoding. Help URLs are short and upper-case-safe (DESIGN.md, Display):
 * "HTTPS://HELP.EXAMPLE.JP/S/12" is 28 characters, which QR's
 * alphanumeric mode (digits, A-Z, space and $%*+-./:) fits in version 2
 * (25x25 modules) at error correction level M, where byte mode would need
 * version 3. So a URL whose upper-case form is all alphanumeric is encoded
 * upper-cased in alphanumeric mode (scheme and host are case-insensitive,
 * and the office keeps its help paths so); any other URL is encoded as it
 * is, in byte mode, and is usually a version larger.
 *
 * Drawing. The code is drawn at the largest whole number of pixels per
 * module that fits the box, with a quiet zone of QR_QUIET_MODULES modules
 * on every side. Never below min_module pixels: a code that would need
 * smaller modules does not fit and is not drawn (qr_draw() fails and the
 * caller says so), because a code too small to scan is worse than none.
 *
 * On an OLED (dark_on_light = false for the panel's idea of "lit"), the
 * quiet zone is lit and dark modules are unlit pixels: ordinary phone
 * readers do not decode lit modules on a black ground. On an RGB canvas
 * the code is black on white, as printed codes are.
 */
#ifndef KIOSK_HAL_QR_H
#define KIOSK_HAL_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canvas.h"

#define QR_QUIET_MODULES 2
#define QR_URL_MAX 256

enum qr_mode {
	QR_MODE_ALPHANUMERIC,
	QR_MODE_BYTES,
};

struct qr_code {
	int version;      /* 1..40 */
	int width;        /* modules per side */
	enum qr_mode mode;
	char text[QR_URL_MAX + 1]; /* what was encoded (upper-cased in alphanumeric mode) */
	uint8_t *modules; /* width * width, 1 = dark */
};

/*
 * Encodes url (at most QR_URL_MAX bytes) at level M. Returns 0, or -1 with
 * a reason in err (empty, too long, libqrencode failed).
 */
int qr_encode(const char *url, struct qr_code *out, char *err, size_t errlen);
void qr_free(struct qr_code *qr);

/* True if every character of s, upper-cased, is in the alphanumeric set. */
bool qr_alphanumeric_safe(const char *s);

/* Side in px of the code with its quiet zone at module px per module. */
int qr_side(const struct qr_code *qr, int module);

/* The largest module size (>= min_module) at which the code and its quiet
 * zone fit in box_side px, or 0 if none does. */
int qr_fit(const struct qr_code *qr, int box_side, int min_module);

/*
 * Draws the code with its quiet zone, top-left at (x, y), module px per
 * module. Colours: on a MONO canvas the quiet zone and light modules are
 * lit (1) and dark modules unlit (0); on RGB, black on white.
 */
void qr_draw(const struct qr_code *qr, struct canvas *c, int x, int y, int module);

#endif
