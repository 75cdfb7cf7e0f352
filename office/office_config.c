/*
 * office_config: see office_config.h.
 *
 * libinih is fed one line at a time through ini_parse_stream() so that the
 * handler knows the line number (Debian's inih does not pass it), the same
 * way firmware/config.c does for kioskd.conf.
 */
#include "office_config.h"

#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define LINE_MAX_BYTES 198 /* inih's 200-byte buffer less the newline and NUL */

enum key_type { K_UINT, K_TEXT, K_PATH, K_TIMEZONE, K_LEVEL, K_DATABASE, K_PUBLIC_URL, K_LOG_FORMAT };

struct key {
	const char *section, *name;
	enum key_type type;
	size_t offset, size;
	unsigned min, max;
	const char *def;
	bool allow_empty;
};

#define F(m) .offset = offsetof(struct office_config, m), .size = sizeof(((struct office_config *)0)->m)

static const struct key keys[] = {
	{"server", "listen", K_TEXT, F(listen), 0, 0, "127.0.0.1:8443", false},
	{"server", "tls_cert", K_PATH, F(tls_cert), 0, 0, NULL, true},
	{"server", "tls_key", K_PATH, F(tls_key), 0, 0, NULL, true},
	{"server", "threads", K_UINT, F(threads), 0, 256, "0", false},
	{"server", "timeout", K_UINT, F(timeout), 1, 3600, "30", false},
	{"server", "max_connections", K_UINT, F(max_connections), 16, 100000, "4096", false},
	{"storage", "database", K_DATABASE, F(database), 0, 0, "sqlite:/var/lib/officed/office.db",
	 false},
	{"office", "timezone", K_TIMEZONE, F(timezone), 0, 0, "Asia/Tokyo", false},
	{"office", "body_cap", K_UINT, F(body_cap), 1024, 16777216, "262144", false},
	{"office", "silence", K_UINT, F(silence), 60, 30 * 86400, "3600", false},
	{"office", "clock_tolerance", K_UINT, F(clock_tolerance), 1, 86400, "300", false},
	{"dashboard", "session_seconds", K_UINT, F(session_seconds), 5, 604800, "28800", false},
	{"dashboard", "login_attempts", K_UINT, F(login_attempts), 1, 1000, "10", false},
	{"dashboard", "login_window", K_UINT, F(login_window), 10, 86400, "300", false},
	{"dashboard", "upload_cap", K_UINT, F(upload_cap), 1024, 16777216, "1048576", false},
	{"dashboard", "public_url", K_PUBLIC_URL, F(public_url), 0, 0, NULL, true},
	{"log", "level", K_LEVEL, F(log_level), 0, 0, "info", false},
	{"log", "format", K_LOG_FORMAT, F(log_format), 0, 0, "text", false},
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
static const char *const sections[] = {"server", "storage", "office", "dashboard", "log"};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

struct ctx {
	struct office_config *cfg;
	const char *origin;
	FILE *errs;
	int errors, lineno;
	int section; /* index, -1 none yet, -2 a bad one (already reported) */
	int set_on[N_KEYS];
	FILE *file;
	const char *text;
	char *buf;
	size_t cap;
};

static void report(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct ctx *c, const char *fmt, ...)
{
	c->errors++;
	if (!c->errs)
		return;
	if (c->lineno > 0)
		fprintf(c->errs, "%s:%d: ", c->origin, c->lineno);
	else
		fprintf(c->errs, "%s: ", c->origin);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->errs, fmt, ap);
	va_end(ap);
	fputc('\n', c->errs);
}

/* A value shown in a message: printable ASCII only, cut at 60 bytes. */
static const char *shown(char *buf, size_t size, const char *s)
{
	size_t j = 0;
	for (size_t i = 0; s[i] && j + 5 < size && i < 60; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7F && ch != '"')
			buf[j++] = (char)ch;
		else
			j += (size_t)snprintf(buf + j, size - j, "\\x%02x", ch);
	}
	buf[j] = '\0';
	return buf;
}

static bool check_timezone(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || name[0] == '/' || strstr(name, "..") ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") != len)
		return false;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The database URL must name a backend this build has. */
static bool check_database(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return url[7] == '/';
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

bool office_public_url_ok(const char *url)
{
	size_t len = strlen(url);
	const char *rest;
	if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return false;
	/* Upper-cased, all of it stays in QR's alphanumeric set. */
	return len <= 30 && rest[0] &&
	       strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:") ==
		       strlen(rest);
}

static void apply(struct ctx *c, const struct key *k, const char *value)
{
	char q[320];
	void *field = (char *)c->cfg + k->offset;
	if (value[0] == '\0' && !k->allow_empty) {
		report(c, "[%s] %s: no value given", k->section, k->name);
		return;
	}
	switch (k->type) {
	case K_UINT: {
		char *end;
		errno = 0;
		unsigned long v = strtoul(value, &end, 10);
		if (value[0] < '0' || value[0] > '9' || *end || errno || v < k->min || v > k->max) {
			report(c, "[%s] %s: \"%s\" is not a whole number from %u to %u", k->section,
			       k->name, shown(q, sizeof(q), value), k->min, k->max);
			return;
		}
		unsigned u = (unsigned)v;
		memcpy(field, &u, sizeof(u));
		return;
	}
	case K_LEVEL: {
		enum log_level level;
		if (log_level_parse(value, &level) != 0) {
			report(c, "[%s] %s: \"%s\" is not one of error, warn, info, debug", k->section,
			       k->name, shown(q, sizeof(q), value));
			return;
		}
		memcpy(field, &level, sizeof(level));
		return;
	}
	case K_PATH:
		if (value[0] && value[0] != '/') {
			report(c, "[%s] %s: \"%s\" is not an absolute path", k->section, k->name,
			       shown(q, sizeof(q), value));
			return;
		}
		break;
	case K_TIMEZONE:
		if (!check_timezone(value)) {
			report(c, "[%s] %s: \"%s\" is not a known time zone (like \"Asia/Tokyo\")",
			       k->section, k->name, shown(q, sizeof(q), value));
			return;
		}
		break;
	case K_DATABASE:
		if (!check_database(value)) {
			/* Never echo a database URL: it may hold a password. */
			report(c, "[%s] %s: expected \"sqlite:/absolute/path.db\" or "
				  "\"postgresql://user@host:port/dbname\"",
			       k->section, k->name);
			return;
		}
		break;
	case K_PUBLIC_URL:
		if (value[0] && !office_public_url_ok(value)) {
			report(c, "[%s] %s: \"%s\" is not a short http(s)://HOST[:PORT] of letters, digits, "
				  "'.', '-' (at most 30 characters, so that HOST/S/SITE fits a small QR code)",
			       k->section, k->name, shown(q, sizeof(q), value));
			return;
		}
		break;
	case K_LOG_FORMAT:
		if (strcmp(value, "text") != 0 && strcmp(value, "json") != 0) {
			report(c, "[%s] %s: \"%s\" is not text or json", k->section, k->name,
			       shown(q, sizeof(q), value));
			return;
		}
		break;
	case K_TEXT:
		break;
	}
	if (strlen(value) >= k->size) {
		report(c, "[%s] %s: the value is too long (at most %zu bytes)", k->section, k->name,
		       k->size - 1);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p < 0x20 || *p == 0x7F) {
			report(c, "[%s] %s: the value holds a control character", k->section, k->name);
			return;
		}
	}
	memcpy(field, value, strlen(value) + 1);
}

static void set_pair(struct ctx *c, const char *section, const char *name, const char *value)
{
	char q[320];
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].section, section) != 0 || strcmp(keys[i].name, name) != 0)
			continue;
		if (c->lineno > 0) {
			if (c->set_on[i]) {
				report(c, "[%s] %s is set twice; first on line %d", section, name,
				       c->set_on[i]);
				return;
			}
			c->set_on[i] = c->lineno;
		}
		apply(c, &keys[i], value);
		return;
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].name, name) == 0) {
			report(c, "key \"%s\" belongs in [%s], not [%s]", name, keys[i].section, section);
			return;
		}
	}
	report(c, "unknown key \"%s\" in [%s]", shown(q, sizeof(q), name), section);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Hands inih one checked line at a time (see firmware/config.c for why). */
static char *reader(char *out, int num, void *stream)
{
	struct ctx *c = stream;
	const char *raw;
	size_t len;
	if (c->file) {
		ssize_t n = getline(&c->buf, &c->cap, c->file);
		if (n < 0)
			return NULL;
		raw = c->buf;
		len = (size_t)n;
	} else {
		if (!c->text || !*c->text)
			return NULL;
		raw = c->text;
		const char *nl = strchr(raw, '\n');
		len = nl ? (size_t)(nl - raw) + 1 : strlen(raw);
		c->text += len;
	}
	c->lineno++;
	snprintf(out, (size_t)num, "\n");
	bool nul = memchr(raw, '\0', len) != NULL;
	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	if (nul || len > LINE_MAX_BYTES) {
		report(c, nul ? "line contains a NUL byte" : "line is too long (at most 198 bytes)");
		return out;
	}
	char line[LINE_MAX_BYTES + 1];
	memcpy(line, raw, len);
	line[len] = '\0';
	char *s = trim(line);
	if (!*s || *s == ';' || *s == '#')
		return out;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end || *trim(end + 1)) {
			report(c, "syntax error: expected \"key = value\" or \"[section]\"");
			c->section = -2;
			return out;
		}
		*end = '\0';
		char *name = trim(s + 1);
		c->section = -2;
		for (size_t i = 0; i < N_SECTIONS; i++) {
			if (strcmp(sections[i], name) == 0)
				c->section = (int)i;
		}
		char q[320];
		if (c->section == -2)
			report(c, "unknown section [%s] (known: server, storage, office, log)",
			       shown(q, sizeof(q), name));
		else
			snprintf(out, (size_t)num, "[%s]\n", name);
		return out;
	}
	char *eq = strchr(s, '=');
	if (!eq || eq == s) {
		report(c, "syntax error: expected \"key = value\" or \"[section]\"");
		return out;
	}
	if (c->section == -1) {
		*eq = '\0';
		report(c, "key \"%s\" comes before any [section]", trim(s));
		return out;
	}
	snprintf(out, (size_t)num, "%s\n", s);
	return out;
}

/* inih's handler: called while inih works on the line the reader just gave
 * it, so c->lineno is that line; the section is the reader's. */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	(void)section;
	if (c->section >= 0)
		set_pair(c, sections[c->section], name, value);
	return 1;
}

static int parse(struct ctx *c)
{
	if (ini_parse_stream(reader, c, on_pair, c) < 0)
		report(c, "out of memory while reading");
	if (c->errs)
		fflush(c->errs);
	return c->errors;
}

void office_config_defaults(struct office_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	struct ctx c = {.cfg = cfg, .origin = "defaults"};
	for (size_t i = 0; i < N_KEYS; i++) {
		if (keys[i].def && keys[i].type != K_TIMEZONE)
			apply(&c, &keys[i], keys[i].def);
		else if (keys[i].def)
			snprintf((char *)cfg + keys[i].offset, keys[i].size, "%s", keys[i].def);
	}
}

int office_config_load(struct office_config *cfg, const char *path, FILE *errs)
{
	struct ctx c = {.cfg = cfg, .origin = path, .errs = errs, .section = -1};
	c.file = fopen(path, "re");
	if (!c.file) {
		report(&c, "cannot open: %s", strerror(errno));
		return c.errors;
	}
	int errors = parse(&c);
	fclose(c.file);
	free(c.buf);
	return errors;
}

int office_config_load_string(struct office_config *cfg, const char *name, const char *text,
			      FILE *errs)
{
	struct ctx c = {.cfg = cfg, .origin = name, .errs = errs, .section = -1, .text = text};
	return parse(&c);
}

int office_config_set(struct office_config *cfg, const char *assignment, FILE *errs)
{
	struct ctx c = {.cfg = cfg, .origin = "command line", .errs = errs};
	char copy[OFFICE_URL_MAX + 64];
	if (strlen(assignment) >= sizeof(copy)) {
		report(&c, "override too long");
		return c.errors;
	}
	memcpy(copy, assignment, strlen(assignment) + 1);
	char *eq = strchr(copy, '='), *dot = strchr(copy, '.');
	if (!eq || !dot || dot > eq) {
		report(&c, "expected section.key=value, e.g. office.body_cap=65536");
		return c.errors;
	}
	*eq = '\0';
	*dot = '\0';
	set_pair(&c, trim(copy), trim(dot + 1), trim(eq + 1));
	return c.errors;
}

bool office_listen_is_loopback(const char *listen)
{
	return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "[::1]:", 6) == 0 ||
	       strncasecmp(listen, "localhost:", 10) == 0;
}

int office_config_validate(const struct office_config *cfg, const char *origin, FILE *errs)
{
	struct ctx c = {.origin = origin, .errs = errs};
	if (!cfg->tls_cert[0] != !cfg->tls_key[0])
		report(&c, "[server] tls_cert and tls_key go together: give both or neither");
	if (!cfg->tls_cert[0] && !office_listen_is_loopback(cfg->listen))
		report(&c, "[server] listen = %s without tls_cert and tls_key: plain HTTP is only "
			   "allowed on a loopback address (kiosk tokens would cross the network in "
			   "the clear)",
		       cfg->listen);
	if (errs)
		fflush(errs);
	return c.errors;
}
