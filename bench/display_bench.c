/*
 * bench-display: how fast the kiosk's screen is (bench/display.md says how
 * to read the figures). Prints, for the example content bundle:
 *
 *   1. render time of every screen, 128x64 one-bit and 320x240 colour;
 *   2. flush time of every screen for each backend this machine can run:
 *      ssd1306 and sh1106 (to the simulated board's virtual panel through an
 *      in-process I2C bus; CPU time only), png (a file in /tmp), terminal
 *      (a file in /tmp), fb (only if /dev/fb0 is a supported framebuffer);
 *   3. SSD1306 bytes on the wire for a full frame and for partial updates
 *      (idle to each result screen, idle page turns, the burn-in shift),
 *      with the time they take at 100 kHz and 400 kHz;
 *   4. decision to last byte: the time from handing a result screen to the
 *      display service (what kiosk_give_feedback does) until the last byte
 *      of it is on the bus, through the real display thread, with the bus
 *      paced at 400 kHz (each transfer takes its wire time before it
 *      returns). Goal: <= 30 ms.
 *
 *   bench-display [--iterations N] [--content FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "content.h"
#include "display.h"
#include "display_service.h"
#include "log.h"
#include "oled_panel.h"
#include "screens.h"
#include "tz.h"

#define FONT_SMALL "/usr/share/fonts/X11/misc/b12.pcf.gz"
#define FONT_LARGE "/usr/share/fonts/X11/misc/b16.pcf.gz"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Waits politely: kioskd never polls the display, so neither may the
 * benchmark hog the service's lock while it measures it. */
static void pause_us(long us)
{
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* ---- a virtual panel behind an in-process bus, optionally paced ---- */

struct paced_bus {
	struct oled_panel panel;
	unsigned hz;          /* 0: as fast as the CPU goes */
	double last_byte_us;  /* when the last transfer finished */
};

static void spin_until(double t)
{
	while (now_us() < t)
		;
}

static int bus_transfer(void *ctx, uint8_t addr, const uint8_t *data, size_t len)
{
	struct paced_bus *b = ctx;
	enum panel_answer a = oled_panel_transfer(&b->panel, addr, data, len);
	if (b->hz) {
		/* START, address, bytes with their ACKs, STOP: as i2c_wire_time_us(). */
		double us = (9.0 * (double)(len + 1) + 2.0) * 1e6 / b->hz;
		spin_until(now_us() + us);
	}
	b->last_byte_us = now_us();
	return a == PANEL_ACK ? I2C_OK : a == PANEL_NACK ? I2C_NACK : I2C_REJECTED;
}

static struct display *open_panel(struct paced_bus *b, const char *chip, unsigned hz)
{
	memset(b, 0, sizeof(*b));
	oled_panel_init(&b->panel, strcmp(chip, "sh1106") == 0 ? PANEL_SH1106 : PANEL_SSD1306, 0x3C);
	b->hz = hz;
	struct display_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.backend, sizeof(cfg.backend), "%s", chip);
	cfg.address = 0x3C;
	cfg.contrast = 207;
	char err[256];
	struct display *d = display_open_oled(&cfg, i2c_open_callback(bus_transfer, b), err, sizeof(err));
	if (!d)
		fprintf(stderr, "bench-display: %s\n", err);
	return d;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(CONTENT_MAX_BYTES + 1);
	*len = buf ? fread(buf, 1, CONTENT_MAX_BYTES, f) : 0;
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	const char *content_path = "firmware/content.example.json";
	int iterations = 50;
	static const struct option options[] = {
		{"iterations", required_argument, NULL, 'n'},
		{"content", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'n')
			iterations = atoi(optarg);
		else if (opt == 'c')
			content_path = optarg;
		else
			return 2;
	}
	if (iterations < 1)
		iterations = 1;
	log_init("bench-display", LOG_LEVEL_WARN);
	size_t len;
	char *text = slurp(content_path, &len), err[256];
	struct content *content = NULL;
	if (!text || content_parse(text, len, &content, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench-display: %s: %s\n", content_path, text ? err : strerror(errno));
		free(text);
		return 1;
	}
	free(text);
	struct tm tm = {.tm_year = 126, .tm_mon = 11, .tm_mday = 1, .tm_hour = 14, .tm_min = 5};
	struct screen_env env = {
		.content = content, .language = LANGUAGE_JA, .timezone = "Asia/Tokyo",
		.now = tz_mktime("Asia/Tokyo", &tm),
		.place = {true, 43.7706, 142.3650, "12"},
		.font_small = font_open(FONT_SMALL, 12), .font_large = font_open(FONT_LARGE, 16),
	};
	struct screen_state states[32];
	size_t n = screens_all(states, 32);
	for (size_t i = 0; i < n; i++)
		states[i].next_eligible = env.now + 30 * 86400;

	printf("bench-display: %d iterations, content %s, language ja, %s\n\n", iterations,
	       content->version, font_is_placeholder(env.font_small) ? "NO FONT" : "efont b12/b16");

	/* 1 and 2: render and flush per screen and backend. */
	struct canvas *mono = canvas_new(128, 64, CANVAS_MONO), *rgb = canvas_new(320, 240, CANVAS_RGB);
	struct paced_bus ssd, sh;
	struct display *d_ssd = open_panel(&ssd, "ssd1306", 0), *d_sh = open_panel(&sh, "sh1106", 0);
	char dir[] = "/tmp/bench-display.XXXXXX";
	if (!mkdtemp(dir) || !d_ssd || !d_sh)
		return 1;
	struct display_config pc;
	memset(&pc, 0, sizeof(pc));
	snprintf(pc.backend, sizeof(pc.backend), "png");
	snprintf(pc.output, sizeof(pc.output), "%s/screen.png", dir);
	pc.width = 320, pc.height = 240;
	struct display *d_png = display_open(&pc, err, sizeof(err));
	struct display_config tc = pc;
	snprintf(tc.backend, sizeof(tc.backend), "terminal");
	snprintf(tc.output, sizeof(tc.output), "%s/screen.txt", dir);
	tc.width = 128, tc.height = 64;
	struct display *d_term = display_open(&tc, err, sizeof(err));
	struct display_config fc = pc;
	snprintf(fc.backend, sizeof(fc.backend), "fb");
	snprintf(fc.device, sizeof(fc.device), "/dev/fb0");
	struct display *d_fb = display_open(&fc, err, sizeof(err));
	if (!d_fb)
		printf("(fb: %s; not measured)\n\n", err);
	struct canvas *fbc = d_fb ? canvas_new(d_fb->width, d_fb->height, d_fb->format) : NULL;

	printf("%-22s %9s %9s | %9s %9s %9s %9s %9s\n", "screen (us, mean)", "render", "render",
	       "ssd1306", "sh1106", "png", "terminal", "fb");
	printf("%-22s %9s %9s | %9s %9s %9s %9s %9s\n", "", "128x64", "320x240", "128x64",
	       "128x64", "320x240", "128x64", d_fb ? "native" : "-");
	struct canvas *blank_mono = canvas_new(128, 64, CANVAS_MONO);
	for (size_t i = 0; i < n; i++) {
		double r_small = 0, r_large = 0, f_ssd = 0, f_sh = 0, f_png = 0, f_term = 0, f_fb = 0;
		for (int it = 0; it < iterations; it++) {
			double t = now_us();
			screens_render(mono, &states[i], &env, NULL);
			r_small += now_us() - t;
			t = now_us();
			screens_render(rgb, &states[i], &env, NULL);
			r_large += now_us() - t;
			/* Each flush from a blank panel, so it sends the whole screen. */
			display_flush(d_ssd, blank_mono, err, sizeof(err));
			t = now_us();
			display_flush(d_ssd, mono, err, sizeof(err));
			f_ssd += now_us() - t;
			display_flush(d_sh, blank_mono, err, sizeof(err));
			t = now_us();
			display_flush(d_sh, mono, err, sizeof(err));
			f_sh += now_us() - t;
			display_invalidate(d_png);
			t = now_us();
			if (d_png)
				display_flush(d_png, rgb, err, sizeof(err));
			f_png += now_us() - t;
			display_invalidate(d_term);
			t = now_us();
			if (d_term)
				display_flush(d_term, mono, err, sizeof(err));
			f_term += now_us() - t;
			if (d_fb) {
				screens_render(fbc, &states[i], &env, NULL);
				display_invalidate(d_fb);
				t = now_us();
				display_flush(d_fb, fbc, err, sizeof(err));
				f_fb += now_us() - t;
			}
		}
		printf("%-22s %9.0f %9.0f | %9.0f %9.0f %9.0f %9.0f %9s\n", screen_name(&states[i]),
		       r_small / iterations, r_large / iterations, f_ssd / iterations,
		       f_sh / iterations, f_png / iterations, f_term / iterations,
		       d_fb ? "" : "-");
		if (d_fb)
			printf("%-22s %9.0f\n", "  fb", f_fb / iterations);
	}

	/* 3: bytes on the wire. */
	printf("\nSSD1306 on I2C: bytes on the wire (address bytes included) and their time\n");
	printf("%-34s %6s %6s %9s %9s\n", "update", "xfers", "bytes", "100 kHz", "400 kHz");
	struct update {
		const char *what;
		struct screen_state from, to;
	} updates[16];
	size_t u = 0;
	struct screen_state idle0 = {.kind = SCREEN_IDLE, .page = IDLE_PAGE_WINDOWS};
	for (size_t i = 0; i < n; i++)
		if (states[i].kind != SCREEN_IDLE && u < 12) {
			updates[u].from = idle0;
			updates[u].to = states[i];
			updates[u].what = screen_name(&states[i]);
			u++;
		}
	struct screen_state page2 = idle0, shifted = idle0;
	page2.page = IDLE_PAGE_SESSION;
	shifted.shift_x = 1;
	updates[u++] = (struct update){"idle page turn", idle0, page2};
	updates[u++] = (struct update){"idle burn-in shift (1 px)", idle0, shifted};
	/* A full frame. */
	display_invalidate(d_ssd);
	screens_render(mono, &idle0, &env, NULL);
	display_flush(d_ssd, mono, err, sizeof(err));
	struct i2c_stats full = {d_ssd->last.transfers, d_ssd->last.wire_bytes};
	printf("%-34s %6llu %6llu %7.1f ms %7.1f ms\n", "full frame", (unsigned long long)full.transfers,
	       (unsigned long long)full.wire_bytes, i2c_wire_time_us(&full, 100000) / 1000,
	       i2c_wire_time_us(&full, 400000) / 1000);
	for (size_t i = 0; i < u; i++) {
		screens_render(mono, &updates[i].from, &env, NULL);
		display_flush(d_ssd, mono, err, sizeof(err));
		screens_render(mono, &updates[i].to, &env, NULL);
		display_flush(d_ssd, mono, err, sizeof(err));
		struct i2c_stats st = {d_ssd->last.transfers, d_ssd->last.wire_bytes};
		char what[64];
		snprintf(what, sizeof(what), "%s%s", i < u - 2 ? "idle -> " : "", updates[i].what);
		printf("%-34s %6llu %6llu %7.1f ms %7.1f ms\n", what, (unsigned long long)st.transfers,
		       (unsigned long long)st.wire_bytes, i2c_wire_time_us(&st, 100000) / 1000,
		       i2c_wire_time_us(&st, 400000) / 1000);
	}

	/* 4: decision to last byte through the display thread, paced at 400 kHz. */
	printf("\nDecision to last byte on the bus, SSD1306 at 400 kHz, through the display thread\n");
	printf("(from idle; %d runs each; goal <= 30 ms)\n", iterations);
	printf("%-22s %9s %9s %9s\n", "screen", "p50 ms", "p95 ms", "max ms");
	struct kiosk_config kc;
	config_defaults(&kc);
	snprintf(kc.site_id, sizeof(kc.site_id), "12");
	kc.latitude = 43.7706, kc.longitude = 142.3650, kc.has_coordinates = true;
	kc.display.result_seconds = 600;
	struct display_service_config sc;
	display_service_config_from(&sc, &kc);
	struct content *copy = NULL;
	text = slurp(content_path, &len);
	content_parse(text, len, &copy, err, sizeof(err));
	free(text);
	struct paced_bus paced;
	struct display *d_paced = open_panel(&paced, "ssd1306", 400000);
	struct display_service *ds = display_service_start_on(&sc, copy, d_paced);
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		if (states[i].kind == SCREEN_IDLE)
			continue;
		double *samples = calloc((size_t)iterations, sizeof(double));
		for (int it = 0; it < iterations; it++) {
			struct display_status st;
			display_service_show_idle(ds);
			do {
				pause_us(200);
				display_service_status(ds, &st);
			} while (!st.ok || strncmp(st.screen, "idle", 4) != 0);
			pause_us(2000);
			double t0 = now_us();
			uint64_t req = display_service_show(ds, &states[i], 600);
			do {
				pause_us(200);
				display_service_status(ds, &st);
			} while (st.shown_request < req);
			samples[it] = (paced.last_byte_us - t0) / 1000;
		}
		qsort(samples, (size_t)iterations, sizeof(double), cmp_double);
		double p50 = samples[iterations / 2], p95 = samples[(iterations * 95) / 100 < iterations ? (iterations * 95) / 100 : iterations - 1];
		double max = samples[iterations - 1];
		if (max > worst)
			worst = max;
		printf("%-22s %9.1f %9.1f %9.1f\n", screen_name(&states[i]), p50, p95, max);
		free(samples);
	}
	printf("worst case: %.1f ms (%s the 30 ms goal)\n", worst, worst <= 30 ? "within" : "OVER");
	display_service_stop(ds);

	display_close(d_ssd);
	display_close(d_sh);
	display_close(d_png);
	display_close(d_term);
	display_close(d_fb);
	canvas_free(fbc);
	canvas_free(mono);
	canvas_free(rgb);
	canvas_free(blank_mono);
	unlink(pc.output);
	unlink(tc.output);
	rmdir(dir);
	font_close(env.font_small);
	font_close(env.font_large);
	content_free(content);
	return 0;
}
