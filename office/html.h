/*
 * html: a growing output buffer for what officed renders (HTML pages, CSV,
 * the Prometheus text), with the one HTML escaper every page uses.
 *
 * The rule: text that came from anywhere but this program's own literals
 * (a site's name, a window's address, a user name, a form value sent back)
 * goes out through out_text() or out_textf(), which escape & < > " and '.
 * out_raw() and out_fmt() are for markup and numbers this program wrote.
 *
 * The buffer is capped (OUT_MAX): past it, or when memory runs out, it
 * stops growing and remembers the failure, so a page can be built without
 * checking every call and checked once with out_failed() before sending.
 */
#ifndef OFFICE_HTML_H
#define OFFICE_HTML_H

#include <stdbool.h>
#include <stddef.h>

#define OUT_MAX (16u * 1024 * 1024)

struct out {
	char *s;
	size_t len, cap;
	bool failed;
};

void out_init(struct out *o);
void out_free(struct out *o);
/* Hands the text (NUL-terminated) to the caller; the buffer is empty after. */
char *out_take(struct out *o, size_t *len);
bool out_failed(const struct out *o);

void out_raw(struct out *o, const char *s);
void out_bytes(struct out *o, const char *s, size_t n);
void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* HTML-escaped: the only way untrusted text reaches a page. */
void out_text(struct out *o, const char *s);
void out_textf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Percent-encoded for a URL path segment or query value (then safe in HTML too). */
void out_url(struct out *o, const char *s);

#endif
