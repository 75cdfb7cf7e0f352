/*
 * csv: reading the CSV files office staff keep in Excel (RFC 4180: quoted
 * fields may hold commas, quotes doubled, line breaks), with each record's
 * line number for error messages, and turning what Excel saves into UTF-8.
 *
 * Excel on Japanese Windows saves "CSV" in Shift_JIS (Microsoft's CP932)
 * and "CSV UTF-8" with a byte-order mark; the Cabinet Office's holiday
 * list is Shift_JIS too. csv_to_utf8() accepts either: valid UTF-8 (BOM
 * dropped) is kept, anything else is converted from CP932 with iconv(3).
 */
#ifndef OFFICE_CSV_H
#define OFFICE_CSV_H

#include <stddef.h>

#define CSV_FIELDS_MAX 64
#define CSV_FIELD_MAX 4096

struct csv_record {
	int line;        /* where the record starts, from 1 */
	size_t n;
	char **fields;   /* n NUL-terminated fields, malloc'd */
};

struct csv {
	struct csv_record *records;
	size_t n;
};

/*
 * Converts len bytes to UTF-8 text (malloc'd into *out) as described
 * above. Returns 0, or -1 with a reason in err (neither UTF-8 nor CP932).
 */
int csv_to_utf8(const char *in, size_t len, char **out, char *err, size_t errlen);

/*
 * Splits UTF-8 text into records. Blank lines are skipped. Returns 0, or -1
 * with "line N: ..." in err (an unclosed quote, too many fields, a field
 * over CSV_FIELD_MAX).
 */
int csv_parse(const char *text, struct csv *out, char *err, size_t errlen);
void csv_free(struct csv *c);

#endif
