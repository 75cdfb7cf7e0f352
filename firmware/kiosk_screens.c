/*
 * kiosk-screens: draws every screen in every language at 128x64 (one-bit,
 * the OLED) and 320x240 (colour, a TFT) to PNG files, exactly as kioskd
 * draws them (firmware/screens.c), for `make screenshots`, the README's
 * pictures and the golden tests. Prints one JSON line per picture saying
 * what its QR code encodes, so tests can check that zbarimg reads it back.
 *
 *   kiosk-screens [options] OUTDIR
 *     --content FILE     the content bundle (default: the built-in default)
 *     --at YYYY-MM-DDTHH:MM  the local time drawn (default 2026-12-01T14:05)
 *     --timezone ZONE    (default Asia/Tokyo)
 *     --site ID --lat N --lon N   the kiosk's site and place (default 12,
 *                        43.7706, 142.3650)
 *     --font-small PATH --font-large PATH  (default efont b12, b16)
 *     --scale N          pixels per screen pixel in the files (default 1)
 *     --size WxH         only this size (128x64 or 320x240)
 *
 * Files: OUTDIR/SIZE-LANGUAGE-SCREEN.png, e.g. 128x64-ja-granted.png.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "content.h"
#include "content_default.h"
#include "display_png.h"
#include "log.h"
#include "screens.h"
#include "tz.h"

#define DEFAULT_FONT_SMALL "/usr/share/fonts/X11/misc/b12.pcf.gz"
#define DEFAULT_FONT_LARGE "/usr/share/fonts/X11/misc/b16.pcf.gz"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return NULL;
	char *buf = malloc(CONTENT_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, CONTENT_MAX_BYTES + 1, f) : 0;
	fclose(f);
	*len = n;
	return buf;
}

static int usage(void)
{
	fprintf(stderr, "usage: kiosk-screens [--content FILE] [--at YYYY-MM-DDTHH:MM] [--timezone Z] "
			"[--site ID] [--lat N] [--lon N] [--font-small F] [--font-large F] "
			"[--scale N] [--size WxH] OUTDIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *content_path = NULL, *at = "2026-12-01T14:05", *zone = "Asia/Tokyo";
	const char *site = "12", *font_small = DEFAULT_FONT_SMALL, *font_large = DEFAULT_FONT_LARGE;
	const char *only_size = NULL;
	double lat = 43.7706, lon = 142.3650;
	int scale = 1;
	static const struct option options[] = {
		{"content", required_argument, NULL, 'c'}, {"at", required_argument, NULL, 'a'},
		{"timezone", required_argument, NULL, 'z'}, {"site", required_argument, NULL, 's'},
		{"lat", required_argument, NULL, 'y'},      {"lon", required_argument, NULL, 'x'},
		{"font-small", required_argument, NULL, 'f'}, {"font-large", required_argument, NULL, 'F'},
		{"scale", required_argument, NULL, 'k'},    {"size", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'c': content_path = optarg; break;
		case 'a': at = optarg; break;
		case 'z': zone = optarg; break;
		case 's': site = optarg; break;
		case 'y': lat = strtod(optarg, NULL); break;
		case 'x': lon = strtod(optarg, NULL); break;
		case 'f': font_small = optarg; break;
		case 'F': font_large = optarg; break;
		case 'k': scale = atoi(optarg); break;
		case 'S': only_size = optarg; break;
		default: return usage();
		}
	}
	if (optind + 1 != argc || scale < 1 || scale > 16)
		return usage();
	const char *outdir = argv[optind];
	log_init("kiosk-screens", LOG_LEVEL_WARN);

	size_t len = 0;
	char *text = content_path ? slurp(content_path, &len) : NULL;
	if (content_path && !text) {
		fprintf(stderr, "kiosk-screens: cannot read %s: %s\n", content_path, strerror(errno));
		return 1;
	}
	char err[256];
	struct content *content = NULL;
	if (content_parse(text ? text : content_default_json,
			  text ? len : strlen(content_default_json), &content, err, sizeof(err)) != 0) {
		fprintf(stderr, "kiosk-screens: %s: %s\n", content_path ? content_path : "default",
			err);
		free(text);
		return 1;
	}
	free(text);

	struct tm tm = {0};
	const char *end = strptime(at, "%Y-%m-%dT%H:%M", &tm);
	if (!end || *end) {
		fprintf(stderr, "kiosk-screens: --at wants YYYY-MM-DDTHH:MM\n");
		content_free(content);
		return 2;
	}
	int64_t now = tz_mktime(zone, &tm);
	mkdir(outdir, 0755);

	struct screen_env env = {
		.content = content,
		.timezone = zone,
		.now = now,
		.place = {.has_coordinates = true, .lat = lat, .lon = lon, .site_id = site},
		.font_small = font_open(font_small, 12),
		.font_large = font_open(font_large, 16),
	};
	static const struct {
		int w, h;
		enum canvas_format format;
		const char *name;
	} sizes[] = {{128, 64, CANVAS_MONO, "128x64"}, {320, 240, CANVAS_RGB, "320x240"}};
	static const enum language langs[] = {LANGUAGE_JA, LANGUAGE_JA_EASY, LANGUAGE_EN};
	struct screen_state states[32];
	size_t n = screens_all(states, 32);
	/* A denial's date: a rolling 30-day period from now. */
	for (size_t i = 0; i < n; i++)
		states[i].next_eligible = now + 30 * 86400;
	int rc = 0;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		if (only_size && strcmp(only_size, sizes[s].name) != 0)
			continue;
		struct canvas *c = canvas_new(sizes[s].w, sizes[s].h, sizes[s].format);
		for (size_t l = 0; c && l < 3; l++) {
			env.language = langs[l];
			for (size_t i = 0; i < n; i++) {
				struct screen_report rep;
				screens_render(c, &states[i], &env, &rep);
				char path[512];
				snprintf(path, sizeof(path), "%s/%s-%s-%s.png", outdir, sizes[s].name,
					 config_language_name(langs[l]), screen_name(&states[i]));
				if (png_write_canvas(path, c, scale, 255, err, sizeof(err)) != 0) {
					fprintf(stderr, "kiosk-screens: %s\n", err);
					rc = 1;
					continue;
				}
				json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:i, s:s}",
							 "file", path, "size", sizes[s].name,
							 "language", config_language_name(langs[l]),
							 "screen", screen_name(&states[i]), "qr",
							 rep.qr_drawn, "qr_text", rep.qr_text, "module",
							 rep.qr_module * scale, "version", rep.qr_version,
							 "problem", rep.problem);
				char *out = json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII);
				printf("%s\n", out ? out : "{}");
				free(out);
				json_decref(line);
			}
		}
		canvas_free(c);
	}
	font_close(env.font_small);
	font_close(env.font_large);
	content_free(content);
	return rc;
}
