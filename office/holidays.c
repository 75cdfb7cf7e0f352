/*
 * holidays: see holidays.h.
 */
#include "holidays.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "figures.h"

static int parse_slash_date(const char *s, content_date_t *out)
{
	unsigned y, m, d;
	int used = 0;
	if (sscanf(s, "%4u/%2u/%2u%n", &y, &m, &d, &used) != 3 || s[used] != '\0' || y < 1900 ||
	    y > 2099 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	content_date_t v = content_date_make((int)y, (int)m, (int)d);
	if (content_date_add_days(v, 0) != v)
		return -1;
	*out = v;
	return 0;
}

json_t *holidays_parse(const char *bytes, size_t len, content_date_t since, size_t *total,
		       char *err, size_t errlen)
{
	*total = 0;
	char *text = NULL;
	if (csv_to_utf8(bytes, len, &text, err, errlen) != 0)
		return NULL;
	struct csv csv;
	int rc = csv_parse(text, &csv, err, errlen);
	free(text);
	if (rc != 0)
		return NULL;
	json_t *dates = NULL;
	if (csv.n < 1 || csv.records[0].n < 2 || strstr(csv.records[0].fields[0], "月日") == NULL) {
		snprintf(err, errlen, "line 1: expected the Cabinet Office's header "
			 "\"国民の祝日・休日月日,国民の祝日・休日名称\"");
		goto done;
	}
	dates = json_array();
	for (size_t r = 1; r < csv.n; r++) {
		const struct csv_record *rec = &csv.records[r];
		content_date_t d;
		if (rec->n < 2 || parse_slash_date(rec->fields[0], &d) != 0) {
			snprintf(err, errlen, "line %d: \"%.20s\" is not a date like 2026/1/1", rec->line,
				 rec->n ? rec->fields[0] : "");
			json_decref(dates);
			dates = NULL;
			goto done;
		}
		(*total)++;
		if (d < since)
			continue;
		char text_d[11];
		fig_date_text(d, text_d);
		json_array_append_new(dates, json_string(text_d));
	}
	if (*total == 0) {
		snprintf(err, errlen, "the file lists no holidays");
		json_decref(dates);
		dates = NULL;
	}
done:
	csv_free(&csv);
	return dates;
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t holidays_merge(json_t *base, json_t *dates)
{
	json_t *old = json_object_get(base, "holidays");
	size_t n_old = json_is_array(old) ? json_array_size(old) : 0;
	size_t n = n_old + json_array_size(dates);
	const char **all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < n_old; i++) {
		const char *s = json_string_value(json_array_get(old, i));
		if (s)
			all[k++] = s;
	}
	size_t kept_old = k;
	for (size_t i = 0; i < json_array_size(dates); i++)
		all[k++] = json_string_value(json_array_get(dates, i));
	qsort(all, k, sizeof(*all), cmp_text);
	json_t *merged = json_array();
	for (size_t i = 0; i < k; i++) {
		if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
			json_array_append_new(merged, json_string(all[i]));
	}
	size_t added = json_array_size(merged) - (kept_old < json_array_size(merged) ? kept_old : json_array_size(merged));
	free(all);
	json_object_set_new(base, "holidays", merged);
	return added;
}
