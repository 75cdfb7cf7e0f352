/*
 * display_service: the display's own thread, between kioskd's event loop
 * and a display backend (hal/display.h).
 *
 * Why a thread: a full SSD1306 frame takes ~23 ms on I2C at 400 kHz and a
 * framebuffer or a PNG file takes time too, and kioskd's one event loop
 * must never wait. The loop hands the service the newest screen state (a
 * few bytes, under a mutex) and returns at once; the thread renders it
 * (screens.c) and flushes it. The newest state wins: a state posted while
 * an older one is being drawn replaces it, so the screen is never behind by
 * more than one frame.
 *
 * The service also keeps the screen's timing, so the loop needs no timers
 * for it: a result (or help, or staff) screen is shown for its time and
 * then the idle screen returns; the idle screen turns its pages every
 * idle_page_seconds, moves by a pixel or two every minute (burn-in), and
 * dims after dim_after_seconds without a tap or a help request (any posted
 * screen wakes it). While the reader is unavailable the idle screen says so.
 *
 * Failure. A display that cannot be opened, or fails while flushing (I2C
 * error, no ACK, an unsupported framebuffer), is logged once per distinct
 * reason and retried every DISPLAY_RETRY_MS; the kiosk goes on without it.
 * A missing font is font.h's placeholder font, logged once.
 *
 * News for the loop (the screen shown, the display's state) is read with
 * display_service_status() when display_service_fd() (an eventfd) is
 * readable; the loop turns it into watch events.
 */
#ifndef KIOSK_DISPLAY_SERVICE_H
#define KIOSK_DISPLAY_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "content.h"
#include "display.h"
#include "screens.h"

#define DISPLAY_RETRY_MS 5000
#define DISPLAY_SHIFT_SECONDS 60

struct display_service_config {
	struct display_config display;
	char font_small[CONFIG_PATH_MAX];
	char font_large[CONFIG_PATH_MAX];
	unsigned result_seconds, help_seconds, idle_page_seconds;
	unsigned dim_after_seconds, dim_level;
	enum language language;
	char timezone[CONFIG_ID_MAX];
	bool has_coordinates;
	double lat, lon;
	char site_id[CONFIG_ID_MAX];
};

struct display_status {
	bool tried;            /* the thread has tried to open the display */
	bool ok;               /* the display is open and its last flush worked */
	char backend[32];
	char detail[256];      /* why it is not ok */
	char screen[32];       /* screen_name() of what is shown */
	uint64_t frames;       /* flushes done */
	uint64_t shown_request; /* the last posted request that has been drawn */
	bool dimmed;
	char qr_problem[200];  /* why a wanted QR code is not drawn ("" if none) */
};

struct display_service;

/* Fills a service config from kioskd.conf's [display] and [kiosk]. */
void display_service_config_from(struct display_service_config *out,
				 const struct kiosk_config *cfg);

/*
 * Starts the thread (which opens the display and the fonts). Takes
 * ownership of content (may be NULL). NULL only if out of memory or no
 * thread could be started (logged).
 */
struct display_service *display_service_start(const struct display_service_config *cfg,
					      struct content *content);
/* The same with a display the caller opened (benchmarks and tests put a
 * virtual panel behind it); takes ownership of display. */
struct display_service *display_service_start_on(const struct display_service_config *cfg,
						 struct content *content, struct display *display);
/* Stops the thread (waits for the frame being drawn) and closes the display. */
void display_service_stop(struct display_service *ds);

/* Language, timings and place (not the backend: restart for that). */
void display_service_reconfigure(struct display_service *ds,
				 const struct display_service_config *cfg);

/* Replaces the bundle shown (takes ownership; the old one is freed by the thread). */
void display_service_set_content(struct display_service *ds, struct content *content);

/*
 * Shows s for seconds, then the idle screen again; wakes a dimmed screen.
 * Returns a request number that display_status.shown_request reaches once
 * the screen has been drawn.
 */
uint64_t display_service_show(struct display_service *ds, const struct screen_state *s,
			      unsigned seconds);

/* Ends a shown screen now (the idle screen returns). */
void display_service_show_idle(struct display_service *ds);

void display_service_set_reader(struct display_service *ds, bool available);

/* Readable when the status changed; display_service_status() clears it. */
int display_service_fd(const struct display_service *ds);
void display_service_status(struct display_service *ds, struct display_status *out);

#endif
