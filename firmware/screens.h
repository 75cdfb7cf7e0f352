/*
 * screens: what the kiosk's display shows, drawn on a canvas from the
 * kiosk's state and the content bundle. Independent of the panel: the same
 * screen is laid out for a 128x64 one-bit OLED (12 px font, one column)
 * and for a 320x240 colour TFT (16 px font, more lines, colours) from the
 * canvas it is given.
 *
 * Privacy by construction: struct screen_state holds what a screen says
 * (which screen, a denial's reason, the date a card is next eligible, the
 * stock for staff) and nothing that could identify a person: no card_id,
 * no UID, no count of a card's handouts. A result screen says the same for
 * every card that got that result at that moment.
 *
 * The QR code (help and "how to use" screens) opens the bundle's
 * help_url_template for the kiosk's site; qr.h says how it is encoded and
 * sized. A URL too long to fit is not drawn: the screen says the code
 * cannot be shown, shows the hotlines instead, and the report says why.
 */
#ifndef KIOSK_SCREENS_H
#define KIOSK_SCREENS_H

#include <stdbool.h>
#include <stdint.h>

#include "canvas.h"
#include "config.h"
#include "content.h"
#include "content_select.h"
#include "font.h"
#include "qr.h"

enum screen_kind {
	SCREEN_IDLE,
	SCREEN_GRANTED,
	SCREEN_DENIED,
	SCREEN_OUT_OF_STOCK,
	SCREEN_READER_UNAVAILABLE,
	SCREEN_STAFF,
	SCREEN_HELP,
};

/* The idle screen rotates through these pages. */
enum screen_idle_page {
	IDLE_PAGE_WINDOWS,  /* the nearest windows open now or next */
	IDLE_PAGE_SESSION,  /* the next outreach session nearby */
	IDLE_PAGE_HOTLINES, /* national hotlines */
	IDLE_PAGE_HOWTO,    /* how to use the kiosk, with the help QR code */
	IDLE_PAGE_COUNT,
};

enum screen_denial {
	DENIAL_LIMIT,          /* with next_eligible */
	DENIAL_REVOKED,
	DENIAL_NOT_ISSUED,
	DENIAL_UNUSABLE_CARD,
	DENIAL_OUT_OF_SERVICE, /* the store cannot be opened */
	DENIAL_ERROR,          /* the tap could not be handled */
};

/* SCREEN_STAFF: how the kiosk's reports to the office stand. */
enum screen_sync {
	SCREEN_SYNC_NONE = 0, /* no office configured (or the client could not start) */
	SCREEN_SYNC_OK,       /* everything sent */
	SCREEN_SYNC_PENDING,  /* counts waiting to be sent */
	SCREEN_SYNC_FAILING,  /* the last attempt failed */
};

struct screen_state {
	enum screen_kind kind;
	enum screen_idle_page page;  /* SCREEN_IDLE */
	enum screen_denial denial;   /* SCREEN_DENIED */
	int64_t next_eligible;       /* DENIAL_LIMIT: Unix time */
	int64_t stock;               /* SCREEN_STAFF */
	int64_t today_handouts;      /* SCREEN_STAFF */
	bool stock_low;              /* SCREEN_STAFF */
	enum screen_sync sync;       /* SCREEN_STAFF */
	int shift_x, shift_y;        /* SCREEN_IDLE: burn-in offset, 0..2 px */
};

/* Everything a screen is built from besides its state. */
struct screen_env {
	const struct content *content; /* may be NULL: no bundle */
	enum language language;
	const char *timezone;
	int64_t now;                   /* wall clock, Unix seconds */
	struct select_place place;     /* the kiosk's coordinates and site */
	struct font *font_small;       /* 12 px: canvases under 160 px tall */
	struct font *font_large;       /* 16 px: larger canvases */
};

/* What a render did, for logs and tests. */
struct screen_report {
	bool wants_qr;      /* the screen has a place for the help QR code */
	bool qr_drawn;
	int qr_x, qr_y, qr_side, qr_module, qr_version;
	char qr_text[QR_URL_MAX + 1]; /* what the code encodes */
	char problem[200];  /* why a wanted code is not drawn ("" if it is or none is wanted) */
};

/* Names used in events, file names and docs: "idle-windows", "granted",
 * "denied-limit", "out-of-stock", "reader-unavailable", "staff", "help"... */
const char *screen_name(const struct screen_state *s);

/* Draws s on c (cleared first). rep may be NULL. */
void screens_render(struct canvas *c, const struct screen_state *s, const struct screen_env *env,
		    struct screen_report *rep);

/* Every screen there is, for `make screenshots` and the golden tests:
 * fills at most max states and returns how many there are. */
size_t screens_all(struct screen_state *out, size_t max);

#endif
