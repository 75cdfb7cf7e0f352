/*
 * csv: see csv.h.
 */
#include "csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (n == 0 || i + n > len || c == 0)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		}
		if ((n == 2 && c < 0xC2) || (n == 3 && c == 0xE0 && s[i + 1] < 0xA0) ||
		    (n == 4 && (c > 0xF4 || (c == 0xF0 && s[i + 1] < 0x90))))
			return false;
		i += n;
	}
	return true;
}

int csv_to_utf8(const char *in, size_t len, char **out, char *err, size_t errlen)
{
	*out = NULL;
	if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0) {
		in += 3;
		len -= 3;
	}
	if (valid_utf8((const unsigned char *)in, len)) {
		*out = malloc(len + 1);
		if (!*out) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(*out, in, len);
		(*out)[len] = '\0';
		return 0;
	}
	iconv_t cd = iconv_open("UTF-8", "CP932");
	if (cd == (iconv_t)-1) {
		snprintf(err, errlen, "cannot convert from Shift_JIS here: %s", strerror(errno));
		return -1;
	}
	/* A CP932 character is at most 2 bytes and becomes at most 3 in UTF-8. */
	size_t cap = len * 2 + 1;
	char *buf = malloc(cap);
	if (!buf) {
		iconv_close(cd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *src = (char *)(uintptr_t)in, *dst = buf;
	size_t left = len, room = cap - 1;
	size_t rc = iconv(cd, &src, &left, &dst, &room);
	iconv_close(cd);
	if (rc == (size_t)-1) {
		/* Count the line where conversion stopped, for the message. */
		int line = 1;
		for (const char *p = in; p < src; p++)
			line += *p == '\n';
		snprintf(err, errlen, "line %d: the file is neither UTF-8 nor Shift_JIS text", line);
		free(buf);
		return -1;
	}
	*dst = '\0';
	if (strlen(buf) != (size_t)(dst - buf)) {
		snprintf(err, errlen, "the file holds a NUL byte: not text");
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

void csv_free(struct csv *c)
{
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < c->records[i].n; j++)
			free(c->records[i].fields[j]);
		free(c->records[i].fields);
	}
	free(c->records);
	c->records = NULL;
	c->n = 0;
}

int csv_parse(const char *text, struct csv *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const char *p = text;
	int line = 1;
	char *field = malloc(CSV_FIELD_MAX + 1);
	if (!field) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (*p) {
		struct csv_record rec = {.line = line};
		rec.fields = calloc(CSV_FIELDS_MAX, sizeof(char *));
		if (!rec.fields)
			goto nomem;
		bool end_of_record = false;
		while (!end_of_record) {
			size_t len = 0;
			bool quoted = *p == '"';
			if (quoted) {
				p++;
				for (;;) {
					if (!*p) {
						snprintf(err, errlen, "line %d: a quoted field is never closed",
							 rec.line);
						goto fail_rec;
					}
					if (*p == '"' && p[1] == '"') {
						p += 2;
						field[len++] = '"';
					} else if (*p == '"') {
						p++;
						break;
					} else {
						line += *p == '\n';
						field[len++] = *p++;
					}
					if (len > CSV_FIELD_MAX) {
						snprintf(err, errlen, "line %d: a field is longer than %d bytes",
							 rec.line, CSV_FIELD_MAX);
						goto fail_rec;
					}
				}
			}
			while (*p && *p != ',' && *p != '\n' && *p != '\r') {
				if (len >= CSV_FIELD_MAX) {
					snprintf(err, errlen, "line %d: a field is longer than %d bytes", line,
						 CSV_FIELD_MAX);
					goto fail_rec;
				}
				field[len++] = *p++;
			}
			field[len] = '\0';
			if (rec.n == CSV_FIELDS_MAX) {
				snprintf(err, errlen, "line %d: more than %d fields", rec.line, CSV_FIELDS_MAX);
				goto fail_rec;
			}
			if (!(rec.fields[rec.n] = strdup(field)))
				goto nomem_rec;
			rec.n++;
			if (*p == ',') {
				p++;
			} else {
				if (*p == '\r')
					p++;
				if (*p == '\n')
					p++;
				line++;
				end_of_record = true;
			}
		}
		bool blank = rec.n == 1 && rec.fields[0][0] == '\0';
		if (blank) {
			free(rec.fields[0]);
			free(rec.fields);
			continue;
		}
		struct csv_record *grown = realloc(out->records, (out->n + 1) * sizeof(*grown));
		if (!grown)
			goto nomem_rec;
		out->records = grown;
		out->records[out->n++] = rec;
		continue;
nomem_rec:
		snprintf(err, errlen, "out of memory");
fail_rec:
		for (size_t j = 0; j < rec.n; j++)
			free(rec.fields[j]);
		free(rec.fields);
		free(field);
		csv_free(out);
		return -1;
	}
	free(field);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	free(field);
	csv_free(out);
	return -1;
}
