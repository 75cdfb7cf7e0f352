/*
 * display_service: see display_service.h.
 *
 * Locking: one mutex guards everything the loop and the thread share
 * (the requested state, the pending bundle and config, the status). The
 * thread copies what it needs under the mutex and renders and flushes
 * without it, so a post from the loop waits at most for a copy, never for
 * the bus.
 */
#include "display_service.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "font.h"
#include "log.h"

struct display_service {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int event_fd;

	/* shared, under lock */
	bool stop;
	bool changed;
	struct display_service_config cfg;
	bool cfg_pending;
	struct content *content_pending;
	bool content_is_pending;
	struct screen_state overlay;
	bool overlay_on;
	int64_t overlay_until_ms;
	uint64_t request;      /* the newest posted request */
	bool reader_ok;
	int64_t last_activity_ms;
	int64_t idle_since_ms;
	struct display_status status;

	/* the thread's own */
	struct content *content;
	struct display *display;
	struct canvas *canvas;
	struct font *font_small, *font_large;
	int64_t retry_at_ms;
	char logged_failure[256];
	char logged_qr[200];
	bool warm_pending; /* a display handed in: warm the cache once the fonts are open */
};

void display_service_config_from(struct display_service_config *out,
				 const struct kiosk_config *cfg)
{
	static const int sizes[][2] = {{128, 64}, {320, 240}};
	memset(out, 0, sizeof(*out));
	struct display_config *d = &out->display;
	snprintf(d->backend, sizeof(d->backend), "%s", cfg->display.backend);
	snprintf(d->bus, sizeof(d->bus), "%s", cfg->display.bus);
	d->address = cfg->display.address == DISPLAY_ADDRESS_3D ? 0x3D : 0x3C;
	d->rotation = (unsigned)cfg->display.rotation * 90;
	d->contrast = cfg->display.contrast;
	snprintf(d->device, sizeof(d->device), "%s", cfg->display.device);
	snprintf(d->output, sizeof(d->output), "%s", cfg->display.output);
	int size = cfg->display.size == DISPLAY_SIZE_320X240 ? 1 : 0;
	d->width = sizes[size][0];
	d->height = sizes[size][1];
	snprintf(out->font_small, sizeof(out->font_small), "%s", cfg->display.font_small);
	snprintf(out->font_large, sizeof(out->font_large), "%s", cfg->display.font_large);
	out->result_seconds = cfg->display.result_seconds;
	out->help_seconds = cfg->display.help_seconds;
	out->idle_page_seconds = cfg->display.idle_page_seconds;
	out->dim_after_seconds = cfg->display.dim_after_seconds;
	out->dim_level = cfg->display.dim_level;
	out->language = cfg->language;
	snprintf(out->timezone, sizeof(out->timezone), "%s", cfg->timezone);
	out->has_coordinates = cfg->has_coordinates;
	out->lat = cfg->latitude;
	out->lon = cfg->longitude;
	snprintf(out->site_id, sizeof(out->site_id), "%s", cfg->site_id);
}

static void notify(struct display_service *ds)
{
	uint64_t one = 1;
	if (write(ds->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_debug("display: cannot signal the event loop: %s", strerror(errno));
}

/* Called with the lock held. */
static void set_status_failed(struct display_service *ds, const char *why)
{
	if (ds->status.ok || !ds->status.tried || strcmp(ds->status.detail, why) != 0) {
		ds->status.tried = true;
		ds->status.ok = false;
		snprintf(ds->status.detail, sizeof(ds->status.detail), "%s", why);
		notify(ds);
	}
}

/* Logs a failure once per distinct reason (a panel that stays unplugged
 * must not fill the journal every 5 seconds). */
static void log_failure(struct display_service *ds, const char *why)
{
	if (strcmp(ds->logged_failure, why) == 0)
		return;
	snprintf(ds->logged_failure, sizeof(ds->logged_failure), "%s", why);
	log_error("display: %s; the kiosk goes on without its screen and retries every %d s", why,
		  DISPLAY_RETRY_MS / 1000);
}

static void close_display(struct display_service *ds)
{
	display_close(ds->display);
	ds->display = NULL;
	canvas_free(ds->canvas);
	ds->canvas = NULL;
}

static struct screen_env env_of(struct display_service *ds, const struct display_service_config *cfg,
				int64_t wall)
{
	struct screen_env env = {
		.content = ds->content,
		.language = cfg->language,
		.timezone = cfg->timezone,
		.now = wall,
		.place = {.has_coordinates = cfg->has_coordinates, .lat = cfg->lat, .lon = cfg->lon,
			  .site_id = cfg->site_id},
		.font_small = ds->font_small,
		.font_large = ds->font_large,
	};
	return env;
}

/*
 * Draws every screen once without showing it, so the glyphs they use are in
 * the font cache: the first tap's screen then renders in well under a
 * millisecond instead of ~15 (bench/display.md).
 */
static void warm_up(struct display_service *ds, const struct display_service_config *cfg)
{
	struct clock_reading wall;
	clock_read(&wall);
	struct screen_env env = env_of(ds, cfg, wall.wall);
	struct screen_state all[32];
	size_t n = screens_all(all, 32);
	for (size_t i = 0; i < n; i++) {
		all[i].next_eligible = wall.wall;
		screens_render(ds->canvas, &all[i], &env, NULL);
	}
}

/* Opens the display if it is closed and it is time to try. Thread only. */
static void ensure_open(struct display_service *ds, const struct display_service_config *cfg,
			int64_t now_ms)
{
	if (ds->display || now_ms < ds->retry_at_ms)
		return;
	char err[256];
	ds->display = display_open(&cfg->display, err, sizeof(err));
	if (ds->display)
		ds->canvas = canvas_new(ds->display->width, ds->display->height,
					ds->display->format);
	if (!ds->display || !ds->canvas) {
		if (ds->display)
			snprintf(err, sizeof(err), "out of memory for a %dx%d canvas",
				 ds->display->width, ds->display->height);
		close_display(ds);
		ds->retry_at_ms = now_ms + DISPLAY_RETRY_MS;
		log_failure(ds, err);
		pthread_mutex_lock(&ds->lock);
		set_status_failed(ds, err);
		pthread_mutex_unlock(&ds->lock);
		return;
	}
	warm_up(ds, cfg);
	if (ds->logged_failure[0])
		log_info("display: %s is working again", cfg->display.backend);
	else
		log_info("display: %s, %dx%d", cfg->display.backend, ds->display->width,
			 ds->display->height);
	ds->logged_failure[0] = '\0';
}

/* The burn-in offsets the idle picture cycles through, one a minute. */
static const int shifts[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};

/* What to show now, and when that may change. Called with the lock held. */
static struct screen_state choose(struct display_service *ds, int64_t now_ms, int64_t wall,
				  int64_t *next_ms, bool *dim)
{
	const struct display_service_config *cfg = &ds->cfg;
	*next_ms = now_ms + 60000;
	if (ds->overlay_on && now_ms >= ds->overlay_until_ms) {
		ds->overlay_on = false;
		ds->idle_since_ms = now_ms;
	}
	*dim = false;
	if (ds->overlay_on) {
		*next_ms = ds->overlay_until_ms;
		return ds->overlay;
	}
	struct screen_state s;
	memset(&s, 0, sizeof(s));
	if (!ds->reader_ok) {
		s.kind = SCREEN_READER_UNAVAILABLE;
		return s;
	}
	int64_t page_ms = (int64_t)cfg->idle_page_seconds * 1000;
	int64_t idle_for = now_ms - ds->idle_since_ms;
	s.kind = SCREEN_IDLE;
	s.page = (enum screen_idle_page)((idle_for / page_ms) % IDLE_PAGE_COUNT);
	int64_t turn = ds->idle_since_ms + (idle_for / page_ms + 1) * page_ms;
	if (turn < *next_ms)
		*next_ms = turn;
	int shift = (int)((wall / DISPLAY_SHIFT_SECONDS) % 4);
	s.shift_x = shifts[shift][0];
	s.shift_y = shifts[shift][1];
	if (cfg->dim_after_seconds > 0) {
		int64_t dim_at = ds->last_activity_ms + (int64_t)cfg->dim_after_seconds * 1000;
		if (now_ms >= dim_at)
			*dim = true;
		else if (dim_at < *next_ms)
			*next_ms = dim_at;
	}
	/* Times on the idle screen ("open until 17:15") change by the minute. */
	int64_t to_minute = (60 - wall % 60) * 1000;
	if (now_ms + to_minute < *next_ms)
		*next_ms = now_ms + to_minute;
	return s;
}

/* Renders and flushes s. Thread only, without the lock. */
static void draw(struct display_service *ds, const struct display_service_config *cfg,
		 const struct screen_state *s, bool dim, uint64_t request, int64_t wall,
		 int64_t now_ms)
{
	struct screen_env env = env_of(ds, cfg, wall);
	struct screen_report rep;
	screens_render(ds->canvas, s, &env, &rep);
	if (strcmp(rep.problem, ds->logged_qr) != 0) {
		if (rep.problem[0])
			log_warn("display: QR code not shown on \"%s\": %s", screen_name(s), rep.problem);
		snprintf(ds->logged_qr, sizeof(ds->logged_qr), "%s", rep.problem);
	}
	char err[256];
	unsigned level = dim ? cfg->dim_level : 255;
	int rc = 0;
	if (ds->display->brightness != level)
		rc = display_set_brightness(ds->display, level, err, sizeof(err));
	if (rc == 0)
		rc = display_flush(ds->display, ds->canvas, err, sizeof(err));
	pthread_mutex_lock(&ds->lock);
	if (rc != 0) {
		pthread_mutex_unlock(&ds->lock);
		log_failure(ds, err);
		close_display(ds);
		ds->retry_at_ms = now_ms + DISPLAY_RETRY_MS;
		pthread_mutex_lock(&ds->lock);
		set_status_failed(ds, err);
		pthread_mutex_unlock(&ds->lock);
		return;
	}
	bool news = !ds->status.ok || strcmp(ds->status.screen, screen_name(s)) != 0 ||
		    ds->status.shown_request != request || ds->status.dimmed != dim ||
		    strcmp(ds->status.qr_problem, rep.problem) != 0;
	ds->status.ok = true;
	ds->status.tried = true;
	ds->status.detail[0] = '\0';
	snprintf(ds->status.screen, sizeof(ds->status.screen), "%s", screen_name(s));
	snprintf(ds->status.qr_problem, sizeof(ds->status.qr_problem), "%s", rep.problem);
	ds->status.frames++;
	ds->status.shown_request = request;
	ds->status.dimmed = dim;
	if (news)
		notify(ds);
	pthread_mutex_unlock(&ds->lock);
}

static void timed_wait(struct display_service *ds, int64_t until_ms)
{
	int64_t now = clock_monotonic_ms();
	if (until_ms <= now)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t wait = until_ms - now;
	ts.tv_sec += wait / 1000;
	ts.tv_nsec += (long)(wait % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&ds->wake, &ds->lock, &ts);
}

static void *run(void *arg)
{
	struct display_service *ds = arg;
	struct display_service_config cfg;
	pthread_mutex_lock(&ds->lock);
	cfg = ds->cfg;
	pthread_mutex_unlock(&ds->lock);
	ds->font_small = font_open(cfg.font_small, 12);
	ds->font_large = font_open(cfg.font_large, 16);
	if (ds->warm_pending)
		warm_up(ds, &cfg);

	pthread_mutex_lock(&ds->lock);
	while (!ds->stop) {
		if (ds->content_is_pending) {
			content_free(ds->content);
			ds->content = ds->content_pending;
			ds->content_pending = NULL;
			ds->content_is_pending = false;
		}
		cfg = ds->cfg;
		ds->changed = false;
		int64_t now_ms = clock_monotonic_ms();
		struct clock_reading wall;
		clock_read(&wall);
		int64_t next_ms;
		bool dim;
		struct screen_state s = choose(ds, now_ms, wall.wall, &next_ms, &dim);
		uint64_t request = ds->request;
		pthread_mutex_unlock(&ds->lock);

		ensure_open(ds, &cfg, now_ms);
		if (ds->display && ds->canvas)
			draw(ds, &cfg, &s, dim, request, wall.wall, now_ms);
		if (!ds->display && ds->retry_at_ms < next_ms)
			next_ms = ds->retry_at_ms;

		pthread_mutex_lock(&ds->lock);
		if (!ds->changed && !ds->stop)
			timed_wait(ds, next_ms);
	}
	pthread_mutex_unlock(&ds->lock);
	close_display(ds);
	font_close(ds->font_small);
	font_close(ds->font_large);
	return NULL;
}

struct display_service *display_service_start(const struct display_service_config *cfg,
					      struct content *content)
{
	return display_service_start_on(cfg, content, NULL);
}

struct display_service *display_service_start_on(const struct display_service_config *cfg,
						 struct content *content, struct display *display)
{
	struct display_service *ds = calloc(1, sizeof(*ds));
	if (!ds) {
		content_free(content);
		display_close(display);
		return NULL;
	}
	if (display) {
		ds->display = display;
		ds->canvas = canvas_new(display->width, display->height, display->format);
		ds->warm_pending = ds->canvas != NULL;
	}
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ds->wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&ds->lock, NULL);
	ds->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ds->cfg = *cfg;
	ds->content = content;
	ds->reader_ok = true;
	ds->last_activity_ms = ds->idle_since_ms = clock_monotonic_ms();
	snprintf(ds->status.backend, sizeof(ds->status.backend), "%s", cfg->display.backend);
	snprintf(ds->status.detail, sizeof(ds->status.detail), "starting");
	if (ds->event_fd < 0 || pthread_create(&ds->thread, NULL, run, ds) != 0) {
		log_error("display: cannot start its thread: %s", strerror(errno));
		close_display(ds);
		if (ds->event_fd >= 0)
			close(ds->event_fd);
		content_free(ds->content);
		pthread_mutex_destroy(&ds->lock);
		pthread_cond_destroy(&ds->wake);
		free(ds);
		return NULL;
	}
	return ds;
}

void display_service_stop(struct display_service *ds)
{
	if (!ds)
		return;
	pthread_mutex_lock(&ds->lock);
	ds->stop = true;
	pthread_cond_signal(&ds->wake);
	pthread_mutex_unlock(&ds->lock);
	pthread_join(ds->thread, NULL);
	content_free(ds->content);
	content_free(ds->content_pending);
	close(ds->event_fd);
	pthread_mutex_destroy(&ds->lock);
	pthread_cond_destroy(&ds->wake);
	free(ds);
}

static void poke(struct display_service *ds)
{
	ds->changed = true;
	pthread_cond_signal(&ds->wake);
}

void display_service_reconfigure(struct display_service *ds,
				 const struct display_service_config *cfg)
{
	pthread_mutex_lock(&ds->lock);
	struct display_config keep = ds->cfg.display;
	ds->cfg = *cfg;
	ds->cfg.display = keep;
	poke(ds);
	pthread_mutex_unlock(&ds->lock);
}

void display_service_set_content(struct display_service *ds, struct content *content)
{
	pthread_mutex_lock(&ds->lock);
	content_free(ds->content_pending);
	ds->content_pending = content;
	ds->content_is_pending = true;
	poke(ds);
	pthread_mutex_unlock(&ds->lock);
}

uint64_t display_service_show(struct display_service *ds, const struct screen_state *s,
			      unsigned seconds)
{
	int64_t now = clock_monotonic_ms();
	pthread_mutex_lock(&ds->lock);
	ds->overlay = *s;
	ds->overlay_on = true;
	ds->overlay_until_ms = now + (int64_t)seconds * 1000;
	ds->last_activity_ms = now;
	uint64_t request = ++ds->request;
	poke(ds);
	pthread_mutex_unlock(&ds->lock);
	return request;
}

void display_service_show_idle(struct display_service *ds)
{
	int64_t now = clock_monotonic_ms();
	pthread_mutex_lock(&ds->lock);
	ds->overlay_on = false;
	ds->idle_since_ms = now;
	ds->last_activity_ms = now;
	ds->request++;
	poke(ds);
	pthread_mutex_unlock(&ds->lock);
}

void display_service_set_reader(struct display_service *ds, bool available)
{
	pthread_mutex_lock(&ds->lock);
	if (ds->reader_ok != available) {
		ds->reader_ok = available;
		ds->idle_since_ms = clock_monotonic_ms();
		poke(ds);
	}
	pthread_mutex_unlock(&ds->lock);
}

int display_service_fd(const struct display_service *ds) { return ds->event_fd; }

void display_service_status(struct display_service *ds, struct display_status *out)
{
	uint64_t count;
	while (read(ds->event_fd, &count, sizeof(count)) == (ssize_t)sizeof(count))
		;
	pthread_mutex_lock(&ds->lock);
	*out = ds->status;
	pthread_mutex_unlock(&ds->lock);
}
