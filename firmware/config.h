/*
 * config: kioskd.conf, an INI file read with libinih.
 *
 * Every key the daemon reads is declared in one table in config.c, with its
 * section, type, range and default; kioskd.conf(5) documents the same keys.
 * Unknown sections and keys are errors, with a "did you mean" when a known
 * name is close. Errors name the file, the line and the key:
 *
 *   kioskd.conf:12: unknown key "lmiit" in [policy] (did you mean "limit"?)
 *
 * Command-line flags override the file through config_set(), which checks a
 * value exactly as the file would and names "command line" as its origin.
 */
#ifndef KIOSK_CONFIG_H
#define KIOSK_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "log.h"

#define CONFIG_PATH_MAX 256
#define CONFIG_ID_MAX 64
#define CONFIG_NAME_MAX 128

enum policy_period {
	POLICY_PERIOD_ROLLING = 0, /* N sets in any window of period_days days */
	POLICY_PERIOD_MONTH = 1,   /* N sets per calendar month, local time */
};

enum accept_mode {
	ACCEPT_ANY = 0,    /* any card, a transit IC card included */
	ACCEPT_ISSUED = 1, /* only cards the programme issued */
};

/* [display] choices, indexed as kioskd.conf writes them. */
enum display_address {
	DISPLAY_ADDRESS_3C = 0, /* "0x3c": most SSD1306/SH1106 modules */
	DISPLAY_ADDRESS_3D = 1, /* "0x3d": the other strap */
};

enum display_rotation {
	DISPLAY_ROTATION_0 = 0,
	DISPLAY_ROTATION_90 = 1,
	DISPLAY_ROTATION_180 = 2,
	DISPLAY_ROTATION_270 = 3,
};

enum display_size {
	DISPLAY_SIZE_128X64 = 0,  /* one-bit, as the OLED */
	DISPLAY_SIZE_320X240 = 1, /* colour, as a small TFT */
};

enum language {
	LANGUAGE_JA = 0,      /* "ja" */
	LANGUAGE_JA_EASY = 1, /* "ja-easy": やさしい日本語 */
	LANGUAGE_EN = 2,      /* "en" */
};

/* [gpio] an input's wiring: active when pulled low (to ground) or high. */
enum gpio_active {
	GPIO_ACTIVE_LOW = 0,
	GPIO_ACTIVE_HIGH = 1,
};

struct kiosk_config {
	/* [kiosk] */
	char kiosk_id[CONFIG_ID_MAX];    /* id, required: [A-Za-z0-9._-]+ */
	char site_id[CONFIG_ID_MAX];     /* site_id, required, same charset */
	char site_name[CONFIG_NAME_MAX]; /* site_name, free text (UTF-8) */
	double latitude;                 /* latitude, -90..90 */
	double longitude;                /* longitude, -180..180 */
	bool has_coordinates;            /* both latitude and longitude given */
	char timezone[CONFIG_ID_MAX];    /* timezone, default "Asia/Tokyo" */
	enum language language;          /* language, default ja */
	char data_dir[CONFIG_PATH_MAX];  /* data_dir, default /var/lib/kioskd */
	char key_file[CONFIG_PATH_MAX];  /* key_file, default /etc/kioskd/card.key */

	/* [policy] */
	struct {
		unsigned limit;              /* limit: sets per period, 0 = unlimited; default 1 */
		enum policy_period period;   /* period: "rolling" or "month"; default rolling */
		unsigned period_days;        /* period_days: 1..366, default 30 (rolling only) */
		unsigned debounce_seconds;   /* debounce_seconds: 0..600, default 5 */
		enum accept_mode accept;     /* accept: "any" or "issued"; default any */
		unsigned retain_margin_days; /* retain_margin_days: 0..3650, default 7 */
	} policy;

	/* [stock] */
	struct {
		unsigned low_water;  /* low_water: 0..100000, default 10 */
		unsigned pack_count; /* pack_count: sets per restock pack, 1..10000, default 10 */
	} stock;

	/* [reader] */
	struct {
		char connection[CONFIG_PATH_MAX]; /* connection, e.g. "pn532_uart:/dev/ttyAMA0" or "fake:/run/kioskd/reader.fifo"; required */
	} reader;

	/* [display] (kioskd.conf(5) and docs/display.md) */
	struct {
		char backend[32];                 /* backend: none, ssd1306, sh1106, fb, png, terminal; default none */
		char bus[CONFIG_PATH_MAX];        /* bus: the I2C bus (or the simulator's socket); default /dev/i2c-1 */
		enum display_address address;     /* address: 0x3c or 0x3d; default 0x3c */
		enum display_rotation rotation;   /* rotation: 0, 90, 180, 270; default 0 (OLEDs: 0 or 180) */
		unsigned contrast;                /* contrast: 0..255, default 207 (OLEDs) */
		char device[CONFIG_PATH_MAX];     /* device: the framebuffer, default /dev/fb0 */
		char output[CONFIG_PATH_MAX];     /* output: png file or terminal; required for png, terminal */
		enum display_size size;           /* size: 128x64 or 320x240 (png, terminal); default 128x64 */
		char font_small[CONFIG_PATH_MAX]; /* font_small: 12 px font, default efont b12 */
		char font_large[CONFIG_PATH_MAX]; /* font_large: 16 px font, default efont b16 */
		unsigned result_seconds;          /* result_seconds: 1..600, default 8 */
		unsigned help_seconds;            /* help_seconds: 5..3600, default 60 */
		unsigned idle_page_seconds;       /* idle_page_seconds: 2..600, default 8 */
		unsigned dim_after_seconds;       /* dim_after_seconds: 0 (never)..86400, default 300 */
		unsigned dim_level;               /* dim_level: 1..255, default 32 */
	} display;

	/* [gpio] (kioskd.conf(5) and docs/gpio.md) */
	struct {
		char chip[CONFIG_PATH_MAX];   /* chip: default chip, e.g. "gpiochip0"; "fake:PATH" = simulated; default gpiochip0 */
		char buzzer[64];              /* buzzer, led_green, led_red, relay, help_button, */
		char led_green[64];           /* taken_sensor: "[CHIP:]NAME|OFFSET"; empty = not wired (default) */
		char led_red[64];
		char relay[64];
		char help_button[64];
		char taken_sensor[64];
		enum gpio_active help_button_active;  /* help_button_active: low or high; default low */
		enum gpio_active taken_sensor_active; /* taken_sensor_active: low or high; default low */
		unsigned debounce_ms;         /* debounce_ms: 1..1000, default 30 */
		unsigned relay_pulse_ms;      /* relay_pulse_ms: 10..10000, default 300 */
		unsigned taken_timeout_seconds; /* taken_timeout_seconds: 1..600, default 20 */
	} gpio;

	/* [office] */
	struct {
		char url[CONFIG_PATH_MAX];        /* url: https://..., or http:// to loopback only; empty = no office */
		char token_file[CONFIG_PATH_MAX]; /* token_file, default /etc/kioskd/token */
		char ca_file[CONFIG_PATH_MAX];    /* ca_file: PEM CAs that may sign the office's certificate; empty = the system's */
		char pin[CONFIG_PATH_MAX];        /* pin: "sha256//BASE64" of the office's public key, ';' between several; empty = none */
		unsigned report_interval;         /* report_interval: seconds between reports, 10..86400, default 300 */
		unsigned report_delay;            /* report_delay: seconds from a handout or restock to its report, 0..3600, default 10 */
		unsigned timeout;                 /* timeout: seconds one request may take in all, 1..600, default 60 */
		unsigned connect_timeout;         /* connect_timeout: seconds to connect, 1..120, default 10 */
		unsigned backoff_base_ms;         /* backoff_base_ms: first retry within, 10..3600000, default 5000 */
		unsigned backoff_cap_ms;          /* backoff_cap_ms: retries at most this far apart, 10..86400000, default 900000 */
	} office;

	/* [control] */
	struct {
		char socket_path[108];   /* socket, default /run/kioskd/control.sock (sun_path limit) */
		char group[CONFIG_ID_MAX]; /* group allowed to use the socket; empty = only root and kioskd's own user */
	} control;

	/* [log] */
	struct {
		enum log_level level; /* level: error|warn|info|debug, default info */
	} log;
};

/* Fills every field with its default. Required fields are left empty. */
void config_defaults(struct kiosk_config *cfg);

/*
 * Reads the INI file at path over the values already in cfg. Each problem is
 * written to errs as one line "PATH:LINE: message" (or "PATH: message" when
 * the file cannot be opened). Keeps going after an error so that one run
 * shows every problem. Returns the number of errors; 0 means cfg is usable
 * as far as the file goes (call config_validate() after overrides).
 */
int config_load(struct kiosk_config *cfg, const char *path, FILE *errs);

/*
 * Same parser over an in-memory text (for tests and the fuzz target); name
 * is used in messages in place of a path.
 */
int config_load_string(struct kiosk_config *cfg, const char *name,
		       const char *text, FILE *errs);

/*
 * Applies one override "section.key=value" exactly as the file would (same
 * checks, same messages, origin "command line"). Returns 0 or 1 error.
 */
int config_set(struct kiosk_config *cfg, const char *assignment, FILE *errs);

/*
 * Checks what no single key can: required keys present. origin names the
 * file in messages. Returns the number of errors.
 */
int config_validate(const struct kiosk_config *cfg, const char *origin, FILE *errs);

/* Names of the enum values as they appear in the file. */
const char *config_language_name(enum language lang);
const char *config_period_name(enum policy_period period);
const char *config_accept_name(enum accept_mode accept);

#endif
