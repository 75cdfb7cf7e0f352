/*
 * office_config: officed.conf, an INI file read with libinih (officed(8)).
 *
 * Like kioskd.conf, every key is declared once in a table (office_config.c)
 * with its section, type, range and default; unknown sections and keys are
 * errors, and every error names the file, the line and the key:
 *
 *   officed.conf:7: [office] body_cap: 10 is out of range (expected a whole number from 1024 to 16777216)
 */
#ifndef OFFICE_CONFIG_H
#define OFFICE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "log.h"

#define OFFICE_PATH_MAX 256
#define OFFICE_URL_MAX 512

struct office_config {
	/* [server] */
	char listen[128];                /* listen: "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:443"; port 0 = any free port */
	char tls_cert[OFFICE_PATH_MAX];  /* tls_cert: PEM certificate (chain); empty = plain HTTP, loopback only */
	char tls_key[OFFICE_PATH_MAX];   /* tls_key: its PEM private key, mode 0600 */
	unsigned threads;                /* threads: 0 = one per CPU */
	unsigned timeout;                /* timeout: seconds a connection may be idle or stalled, 1..3600, default 30 */
	unsigned max_connections;        /* max_connections: 16..100000, default 4096 */

	/* [storage] */
	char database[OFFICE_URL_MAX];   /* database: "sqlite:/var/lib/officed/office.db" or "postgresql://..." */

	/* [office] */
	char timezone[64];               /* timezone: default Asia/Tokyo */
	unsigned body_cap;               /* body_cap: bytes of report JSON, 1024..16777216, default 262144 */
	unsigned silence;                /* silence: seconds without a report before a kiosk is flagged silent, default 3600 */
	unsigned clock_tolerance;        /* clock_tolerance: seconds a kiosk's clock may differ from ours, default 300 */

	/* [dashboard] */
	unsigned session_seconds;        /* session_seconds: a login lasts this long, 5..604800, default 28800 */
	unsigned login_attempts;         /* login_attempts: failures allowed per address and per user name, default 10 */
	unsigned login_window;           /* login_window: ... within this many seconds, default 300 */
	unsigned upload_cap;             /* upload_cap: bytes of a form or an imported file, default 1048576 */
	char public_url[128];            /* public_url: e.g. "HTTPS://HELP.EXAMPLE.JP"; sets help_url_template */

	/* [log] */
	enum log_level log_level;        /* level: default info */
	char log_format[8];              /* format: "text" (default) or "json" */
};

void office_config_defaults(struct office_config *cfg);

/*
 * Reads path over cfg (defaults first). Writes each problem to errs as
 * "PATH:LINE: message" and returns the number of errors.
 */
int office_config_load(struct office_config *cfg, const char *path, FILE *errs);

/* Same, from a string (tests); name stands for the path in messages. */
int office_config_load_string(struct office_config *cfg, const char *name, const char *text,
			      FILE *errs);

/* Applies "section.key=value" as the file would. Returns the number of errors. */
int office_config_set(struct office_config *cfg, const char *assignment, FILE *errs);

/*
 * Whole-config checks: a TLS certificate and key together or neither; plain
 * HTTP only on a loopback address. Returns the number of errors.
 */
int office_config_validate(const struct office_config *cfg, const char *origin, FILE *errs);

/* Whether a [dashboard] public_url is short and QR-alphanumeric-safe. */
bool office_public_url_ok(const char *url);

/* True if the listen address is 127.0.0.0/8, ::1 or localhost. */
bool office_listen_is_loopback(const char *listen);

#endif
