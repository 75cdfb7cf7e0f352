/*
 * chart: see chart.h. A fixed 720x220 viewBox that scales with the page
 * (max-width:100%), so one drawing serves a phone and a desktop.
 */
#include "chart.h"

#define W 720
#define H 220
#define LEFT 40
#define RIGHT 40
#define TOP 24
#define BOTTOM 28

static int64_t max_of(const int64_t *v, size_t n)
{
	int64_t m = 0;
	for (size_t i = 0; v && i < n; i++) {
		if (v[i] > m)
			m = v[i];
	}
	return m;
}

void chart_bars(struct out *o, const char *title, const int64_t *bars, size_t n,
		const int64_t *line, const char *first_label, const char *last_label,
		const char *bars_name, const char *line_name)
{
	int64_t top = max_of(bars, n);
	int64_t ltop = max_of(line, n);
	if (top < 1)
		top = 1;
	if (ltop < 1)
		ltop = 1;
	double plot_w = W - LEFT - RIGHT, plot_h = H - TOP - BOTTOM;
	double step = n ? plot_w / (double)n : plot_w;
	out_fmt(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		   "height=\"%d\" role=\"img\" aria-label=\"", W, H, W, H);
	out_text(o, title);
	out_raw(o, "\"><title>");
	out_text(o, title);
	out_raw(o, "</title>");
	out_fmt(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", LEFT, H - BOTTOM,
		W - RIGHT, H - BOTTOM);
	out_fmt(o, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%lld</text>", LEFT - 4,
		TOP + 4, (long long)top);
	out_fmt(o, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">0</text>", LEFT - 4,
		H - BOTTOM);
	for (size_t i = 0; i < n; i++) {
		double h = plot_h * (double)bars[i] / (double)top;
		out_fmt(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#8e4fa6\">"
			   "<title>%lld</title></rect>",
			LEFT + step * (double)i + step * 0.1, (double)(H - BOTTOM) - h, step * 0.8, h,
			(long long)bars[i]);
	}
	if (line && n) {
		out_raw(o, "<polyline fill=\"none\" stroke=\"#d0742c\" stroke-width=\"2\" points=\"");
		for (size_t i = 0; i < n; i++)
			out_fmt(o, "%.1f,%.1f ", LEFT + step * ((double)i + 0.5),
				(double)(H - BOTTOM) - plot_h * (double)(line[i] < 0 ? 0 : line[i]) / (double)ltop);
		out_raw(o, "\"/>");
		out_fmt(o, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#d0742c\">%lld</text>",
			W - RIGHT + 4, TOP + 4, (long long)ltop);
	}
	out_fmt(o, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", LEFT, H - 8);
	out_text(o, first_label);
	out_fmt(o, "</text><text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", W - RIGHT, H - 8);
	out_text(o, last_label);
	out_fmt(o, "</text><rect x=\"%d\" y=\"6\" width=\"10\" height=\"10\" fill=\"#8e4fa6\"/>"
		   "<text x=\"%d\" y=\"15\" font-size=\"12\">", LEFT, LEFT + 14);
	out_text(o, bars_name);
	out_raw(o, "</text>");
	if (line && line_name) {
		out_fmt(o, "<rect x=\"%d\" y=\"6\" width=\"10\" height=\"10\" fill=\"#d0742c\"/>"
			   "<text x=\"%d\" y=\"15\" font-size=\"12\">", LEFT + 220, LEFT + 234);
		out_text(o, line_name);
		out_raw(o, "</text>");
	}
	out_raw(o, "</svg>");
}
