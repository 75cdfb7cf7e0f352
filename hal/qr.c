/*
 * qr: see qr.h.
 */
#include "qr.h"

#include <qrencode.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool alnum_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c && strchr(" $%*+-./:", c));
}

bool qr_alphanumeric_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!alnum_char(toupper((unsigned char)*s)))
			return false;
	return true;
}

int qr_encode(const char *url, struct qr_code *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	size_t len = strnlen(url, QR_URL_MAX + 1);
	if (len == 0 || len > QR_URL_MAX) {
		snprintf(err, errlen, len ? "the help URL is longer than %d bytes" : "no help URL",
			 QR_URL_MAX);
		return -1;
	}
	bool alnum = qr_alphanumeric_safe(url);
	for (size_t i = 0; i < len; i++)
		out->text[i] = alnum ? (char)toupper((unsigned char)url[i]) : url[i];
	out->text[len] = '\0';
	out->mode = alnum ? QR_MODE_ALPHANUMERIC : QR_MODE_BYTES;

	QRinput *input = QRinput_new2(0, QR_ECLEVEL_M);
	QRcode *code = NULL;
	if (input && QRinput_append(input, alnum ? QR_MODE_AN : QR_MODE_8, (int)len,
				    (const unsigned char *)out->text) == 0)
		code = QRcode_encodeInput(input);
	int saved = errno;
	QRinput_free(input);
	if (!code) {
		snprintf(err, errlen, "libqrencode cannot encode the help URL: %s",
			 saved == ERANGE ? "too long for any QR version" : strerror(saved));
		return -1;
	}
	size_t n = (size_t)code->width * (size_t)code->width;
	out->modules = malloc(n);
	if (!out->modules) {
		QRcode_free(code);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		out->modules[i] = code->data[i] & 1;
	out->version = code->version;
	out->width = code->width;
	QRcode_free(code);
	return 0;
}

void qr_free(struct qr_code *qr)
{
	free(qr->modules);
	qr->modules = NULL;
}

int qr_side(const struct qr_code *qr, int module)
{
	return (qr->width + 2 * QR_QUIET_MODULES) * module;
}

int qr_fit(const struct qr_code *qr, int box_side, int min_module)
{
	if (min_module < 1)
		min_module = 1;
	int module = box_side / (qr->width + 2 * QR_QUIET_MODULES);
	return module >= min_module ? module : 0;
}

void qr_draw(const struct qr_code *qr, struct canvas *c, int x, int y, int module)
{
	uint32_t light = c->format == CANVAS_MONO ? 1 : 0xFFFFFF;
	uint32_t dark = 0;
	int side = qr_side(qr, module);
	canvas_fill_rect(c, x, y, side, side, light);
	int off = QR_QUIET_MODULES * module;
	for (int my = 0; my < qr->width; my++)
		for (int mx = 0; mx < qr->width; mx++)
			if (qr->modules[my * qr->width + mx])
				canvas_fill_rect(c, x + off + mx * module, y + off + my * module,
						 module, module, dark);
}
