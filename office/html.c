/*
 * html: see html.h.
 */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void out_init(struct out *o) { memset(o, 0, sizeof(*o)); }

void out_free(struct out *o)
{
	free(o->s);
	out_init(o);
}

char *out_take(struct out *o, size_t *len)
{
	char *s = o->s;
	if (len)
		*len = o->len;
	out_init(o);
	return s;
}

bool out_failed(const struct out *o) { return o->failed || !o->s; }

/* Room for n more bytes and a NUL; false (and failed) when it cannot grow. */
static bool reserve(struct out *o, size_t n)
{
	if (o->failed)
		return false;
	if (n > OUT_MAX || o->len > OUT_MAX - n) {
		o->failed = true;
		return false;
	}
	if (o->len + n + 1 <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 4096;
	while (cap < o->len + n + 1)
		cap *= 2;
	char *grown = realloc(o->s, cap);
	if (!grown) {
		o->failed = true;
		return false;
	}
	o->s = grown;
	o->cap = cap;
	return true;
}

void out_bytes(struct out *o, const char *s, size_t n)
{
	if (!reserve(o, n))
		return;
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

void out_raw(struct out *o, const char *s) { out_bytes(o, s, strlen(s)); }

static void vfmt(struct out *o, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vfmt(struct out *o, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || !reserve(o, (size_t)n)) {
		o->failed = true;
		return;
	}
	vsnprintf(o->s + o->len, (size_t)n + 1, fmt, ap);
	o->len += (size_t)n;
}

void out_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfmt(o, fmt, ap);
	va_end(ap);
}

void out_text(struct out *o, const char *s)
{
	if (!s)
		return;
	for (const char *p = s; *p;) {
		size_t plain = strcspn(p, "&<>\"'");
		out_bytes(o, p, plain);
		p += plain;
		switch (*p) {
		case '&': out_raw(o, "&amp;"); break;
		case '<': out_raw(o, "&lt;"); break;
		case '>': out_raw(o, "&gt;"); break;
		case '"': out_raw(o, "&quot;"); break;
		case '\'': out_raw(o, "&#39;"); break;
		default: return;
		}
		p++;
	}
}

void out_textf(struct out *o, const char *fmt, ...)
{
	struct out tmp;
	out_init(&tmp);
	va_list ap;
	va_start(ap, fmt);
	vfmt(&tmp, fmt, ap);
	va_end(ap);
	if (out_failed(&tmp))
		o->failed = true;
	else
		out_text(o, tmp.s);
	out_free(&tmp);
}

void out_url(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			out_bytes(o, (const char *)p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			out_bytes(o, e, 3);
		}
	}
}
