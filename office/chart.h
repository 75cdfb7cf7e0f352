/*
 * chart: inline SVG charts for the dashboard (no script, no external
 * resources): a bar chart of one value per day, optionally with a line
 * over it (stock). Text in the chart (title, axis labels) is escaped.
 */
#ifndef OFFICE_CHART_H
#define OFFICE_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "html.h"

/*
 * n bars (values >= 0) labelled first_label .. last_label under the axis;
 * line, if not NULL, is a second series drawn as a polyline on its own
 * scale. title is the chart's accessible name.
 */
void chart_bars(struct out *o, const char *title, const int64_t *bars, size_t n,
		const int64_t *line, const char *first_label, const char *last_label,
		const char *bars_name, const char *line_name);

#endif
