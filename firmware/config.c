/*
 * config: reads kioskd.conf (see config.h and kioskd.conf(5)).
 *
 * libinih splits the text into sections and "key = value" pairs; everything
 * else is decided here, driven by one table (config_keys[]) that gives every
 * key its section, type, range and default. Parsing, config_set() and
 * config_defaults() all go through that table, so a key cannot be documented
 * in one place and checked differently in another.
 *
 * Why inih is fed through our own line reader (ini_parse_stream) rather than
 * ini_parse(): Debian's build gives the handler no line number, reads lines
 * into a 200-byte buffer (a longer line is silently cut into two), remembers
 * only the first syntax error, and treats an indented line as a continuation
 * of the previous value. The reader below hands inih one line at a time, so
 * it knows which line the handler is looking at; it reports every over-long
 * or malformed line itself and gives inih a blank line in its place; and it
 * strips leading whitespace, so that indenting a key never turns it into
 * part of the previous value.
 */
#include "config.h"
#include "display.h"
#include "gpio.h"
#include "nfc.h"

#include <ini.h>

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Longest line we accept, not counting its line ending. inih's buffer is
 * 200 bytes and must hold the line, a newline and a NUL; newer inih releases
 * take a full buffer without a newline to mean "line cut short", so we always
 * hand it the newline too.
 */
#define LINE_MAX_BYTES 198

/* Values in messages are cut to this many bytes so one line stays readable. */
#define QUOTE_MAX 80
#define QUOTE_BUF (QUOTE_MAX * 4 + 8)
#define WHY_BUF 1024

/* Names longer than this are never close to a known name: no suggestion. */
#define SUGGEST_NAME_MAX 64

#define SECTION_NONE (-1) /* no [section] line seen yet */
#define SECTION_BAD (-2)  /* an unknown or malformed [section], already reported */

enum key_type {
	KEY_UINT,       /* unsigned, min..max */
	KEY_DOUBLE,     /* double, dmin..dmax; NaN until given */
	KEY_CHOICE,     /* an enum: the index of the value in choices[] */
	KEY_LOG_LEVEL,  /* enum log_level, through log_level_parse() */
	KEY_ID,         /* [A-Za-z0-9._-]+ */
	KEY_TEXT,       /* printable UTF-8 */
	KEY_PATH,       /* an absolute path */
	KEY_TIMEZONE,   /* a zoneinfo name that exists on this machine */
	KEY_CONNECTION, /* "driver:device" */
	KEY_URL,        /* https://..., or http:// to loopback */
	KEY_PIN,        /* "sha256//BASE64" (44 characters), ';' between several */
	KEY_BACKEND,    /* one of choices[] (the backends built in), stored as the string */
	KEY_GPIO_CHIP,  /* a GPIO chip name, number or path, or "fake:/PATH" */
	KEY_GPIO_LINE,  /* "[CHIP:]NAME|OFFSET" */
};

struct config_key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset; /* of the field in struct kiosk_config */
	size_t size;   /* of that field */
	unsigned min, max;
	double dmin, dmax;
	const char *const *choices; /* NULL-terminated */
	const char *def;            /* default as written in the file; NULL: empty (NaN) */
	bool allow_empty;           /* "key =" is a valid value */
	bool required;              /* config_validate() insists on a value */
	const char *meaning;        /* for required keys: what to put there */
};

static const char *const section_names[] = {
	"kiosk", "policy", "stock", "reader", "display", "gpio", "office", "control", "log",
};
#define SECTION_COUNT (sizeof(section_names) / sizeof(section_names[0]))

/* Indexed by the enum values in config.h. */
static const char *const language_names[] = {"ja", "ja-easy", "en", NULL};
static const char *const period_names[] = {"rolling", "month", NULL};
static const char *const accept_names[] = {"any", "issued", NULL};
/* Display backends this build has: hal/display.c lists them. */
#define backend_names display_backend_names
static const char *const address_names[] = {"0x3c", "0x3d", NULL};
static const char *const rotation_names[] = {"0", "90", "180", "270", NULL};
static const char *const size_names[] = {"128x64", "320x240", NULL};
static const char *const active_names[] = {"low", "high", NULL};

/* Enum fields are stored through an int; make sure that is what they are. */
_Static_assert(sizeof(enum language) == sizeof(int), "enum language is not int-sized");
_Static_assert(sizeof(enum policy_period) == sizeof(int), "enum policy_period is not int-sized");
_Static_assert(sizeof(enum accept_mode) == sizeof(int), "enum accept_mode is not int-sized");
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum log_level is not int-sized");
_Static_assert(sizeof(enum display_address) == sizeof(int), "enum display_address is not int-sized");
_Static_assert(sizeof(enum display_rotation) == sizeof(int), "enum display_rotation is not int-sized");
_Static_assert(sizeof(enum display_size) == sizeof(int), "enum display_size is not int-sized");
_Static_assert(sizeof(enum gpio_active) == sizeof(int), "enum gpio_active is not int-sized");

#define FIELD(member)                                    \
	.offset = offsetof(struct kiosk_config, member), \
	.size = sizeof(((struct kiosk_config *)0)->member)

/*
 * Every key, in the order kioskd.conf(5) documents them. Keep the two in step.
 */
static const struct config_key config_keys[] = {
	{.section = "kiosk", .name = "id", .type = KEY_ID, FIELD(kiosk_id),
	 .required = true, .meaning = "the kiosk's id as registered at the office"},
	{.section = "kiosk", .name = "site_id", .type = KEY_ID, FIELD(site_id),
	 .required = true,
	 .meaning = "the id of the site this kiosk stands at, as registered at the office"},
	{.section = "kiosk", .name = "site_name", .type = KEY_TEXT, FIELD(site_name),
	 .allow_empty = true},
	{.section = "kiosk", .name = "latitude", .type = KEY_DOUBLE, FIELD(latitude),
	 .dmin = -90, .dmax = 90},
	{.section = "kiosk", .name = "longitude", .type = KEY_DOUBLE, FIELD(longitude),
	 .dmin = -180, .dmax = 180},
	{.section = "kiosk", .name = "timezone", .type = KEY_TIMEZONE, FIELD(timezone),
	 .def = "Asia/Tokyo"},
	{.section = "kiosk", .name = "language", .type = KEY_CHOICE, FIELD(language),
	 .choices = language_names, .def = "ja"},
	{.section = "kiosk", .name = "data_dir", .type = KEY_PATH, FIELD(data_dir),
	 .def = "/var/lib/kioskd"},
	{.section = "kiosk", .name = "key_file", .type = KEY_PATH, FIELD(key_file),
	 .def = "/etc/kioskd/card.key"},

	{.section = "policy", .name = "limit", .type = KEY_UINT, FIELD(policy.limit),
	 .min = 0, .max = 100000, .def = "1"},
	{.section = "policy", .name = "period", .type = KEY_CHOICE, FIELD(policy.period),
	 .choices = period_names, .def = "rolling"},
	{.section = "policy", .name = "period_days", .type = KEY_UINT,
	 FIELD(policy.period_days), .min = 1, .max = 366, .def = "30"},
	{.section = "policy", .name = "debounce_seconds", .type = KEY_UINT,
	 FIELD(policy.debounce_seconds), .min = 0, .max = 600, .def = "5"},
	{.section = "policy", .name = "accept", .type = KEY_CHOICE, FIELD(policy.accept),
	 .choices = accept_names, .def = "any"},
	{.section = "policy", .name = "retain_margin_days", .type = KEY_UINT,
	 FIELD(policy.retain_margin_days), .min = 0, .max = 3650, .def = "7"},

	{.section = "stock", .name = "low_water", .type = KEY_UINT, FIELD(stock.low_water),
	 .min = 0, .max = 100000, .def = "10"},
	{.section = "stock", .name = "pack_count", .type = KEY_UINT, FIELD(stock.pack_count),
	 .min = 1, .max = 10000, .def = "10"},

	{.section = "reader", .name = "connection", .type = KEY_CONNECTION,
	 FIELD(reader.connection), .required = true,
	 .meaning = "how to reach the card reader, e.g. \"pn532_uart:/dev/ttyAMA0\""},

	{.section = "display", .name = "backend", .type = KEY_BACKEND, FIELD(display.backend),
	 .choices = backend_names, .def = "none"},
	{.section = "display", .name = "bus", .type = KEY_PATH, FIELD(display.bus),
	 .def = "/dev/i2c-1"},
	{.section = "display", .name = "address", .type = KEY_CHOICE, FIELD(display.address),
	 .choices = address_names, .def = "0x3c"},
	{.section = "display", .name = "rotation", .type = KEY_CHOICE, FIELD(display.rotation),
	 .choices = rotation_names, .def = "0"},
	{.section = "display", .name = "contrast", .type = KEY_UINT, FIELD(display.contrast),
	 .min = 0, .max = 255, .def = "207"},
	{.section = "display", .name = "device", .type = KEY_PATH, FIELD(display.device),
	 .def = "/dev/fb0"},
	{.section = "display", .name = "output", .type = KEY_PATH, FIELD(display.output),
	 .allow_empty = true},
	{.section = "display", .name = "size", .type = KEY_CHOICE, FIELD(display.size),
	 .choices = size_names, .def = "128x64"},
	{.section = "display", .name = "font_small", .type = KEY_PATH, FIELD(display.font_small),
	 .def = "/usr/share/fonts/X11/misc/b12.pcf.gz"},
	{.section = "display", .name = "font_large", .type = KEY_PATH, FIELD(display.font_large),
	 .def = "/usr/share/fonts/X11/misc/b16.pcf.gz"},
	{.section = "display", .name = "result_seconds", .type = KEY_UINT,
	 FIELD(display.result_seconds), .min = 1, .max = 600, .def = "8"},
	{.section = "display", .name = "help_seconds", .type = KEY_UINT,
	 FIELD(display.help_seconds), .min = 5, .max = 3600, .def = "60"},
	{.section = "display", .name = "idle_page_seconds", .type = KEY_UINT,
	 FIELD(display.idle_page_seconds), .min = 2, .max = 600, .def = "8"},
	{.section = "display", .name = "dim_after_seconds", .type = KEY_UINT,
	 FIELD(display.dim_after_seconds), .min = 0, .max = 86400, .def = "300"},
	{.section = "display", .name = "dim_level", .type = KEY_UINT, FIELD(display.dim_level),
	 .min = 1, .max = 255, .def = "32"},

	{.section = "gpio", .name = "chip", .type = KEY_GPIO_CHIP, FIELD(gpio.chip),
	 .def = "gpiochip0"},
	{.section = "gpio", .name = "buzzer", .type = KEY_GPIO_LINE, FIELD(gpio.buzzer),
	 .allow_empty = true},
	{.section = "gpio", .name = "led_green", .type = KEY_GPIO_LINE, FIELD(gpio.led_green),
	 .allow_empty = true},
	{.section = "gpio", .name = "led_red", .type = KEY_GPIO_LINE, FIELD(gpio.led_red),
	 .allow_empty = true},
	{.section = "gpio", .name = "relay", .type = KEY_GPIO_LINE, FIELD(gpio.relay),
	 .allow_empty = true},
	{.section = "gpio", .name = "help_button", .type = KEY_GPIO_LINE, FIELD(gpio.help_button),
	 .allow_empty = true},
	{.section = "gpio", .name = "taken_sensor", .type = KEY_GPIO_LINE,
	 FIELD(gpio.taken_sensor), .allow_empty = true},
	{.section = "gpio", .name = "help_button_active", .type = KEY_CHOICE,
	 FIELD(gpio.help_button_active), .choices = active_names, .def = "low"},
	{.section = "gpio", .name = "taken_sensor_active", .type = KEY_CHOICE,
	 FIELD(gpio.taken_sensor_active), .choices = active_names, .def = "low"},
	{.section = "gpio", .name = "debounce_ms", .type = KEY_UINT, FIELD(gpio.debounce_ms),
	 .min = 1, .max = 1000, .def = "30"},
	{.section = "gpio", .name = "relay_pulse_ms", .type = KEY_UINT, FIELD(gpio.relay_pulse_ms),
	 .min = 10, .max = 10000, .def = "300"},
	{.section = "gpio", .name = "taken_timeout_seconds", .type = KEY_UINT,
	 FIELD(gpio.taken_timeout_seconds), .min = 1, .max = 600, .def = "20"},

	{.section = "office", .name = "url", .type = KEY_URL, FIELD(office.url),
	 .allow_empty = true},
	{.section = "office", .name = "token_file", .type = KEY_PATH, FIELD(office.token_file),
	 .def = "/etc/kioskd/token"},
	{.section = "office", .name = "ca_file", .type = KEY_PATH, FIELD(office.ca_file),
	 .allow_empty = true},
	{.section = "office", .name = "pin", .type = KEY_PIN, FIELD(office.pin),
	 .allow_empty = true},
	{.section = "office", .name = "report_interval", .type = KEY_UINT,
	 FIELD(office.report_interval), .min = 10, .max = 86400, .def = "300"},
	{.section = "office", .name = "report_delay", .type = KEY_UINT, FIELD(office.report_delay),
	 .min = 0, .max = 3600, .def = "10"},
	{.section = "office", .name = "timeout", .type = KEY_UINT, FIELD(office.timeout),
	 .min = 1, .max = 600, .def = "60"},
	{.section = "office", .name = "connect_timeout", .type = KEY_UINT,
	 FIELD(office.connect_timeout), .min = 1, .max = 120, .def = "10"},
	{.section = "office", .name = "backoff_base_ms", .type = KEY_UINT,
	 FIELD(office.backoff_base_ms), .min = 10, .max = 3600000, .def = "5000"},
	{.section = "office", .name = "backoff_cap_ms", .type = KEY_UINT,
	 FIELD(office.backoff_cap_ms), .min = 10, .max = 86400000, .def = "900000"},

	{.section = "control", .name = "socket", .type = KEY_PATH, FIELD(control.socket_path),
	 .def = "/run/kioskd/control.sock"},
	{.section = "control", .name = "group", .type = KEY_ID, FIELD(control.group),
	 .allow_empty = true},

	{.section = "log", .name = "level", .type = KEY_LOG_LEVEL, FIELD(log.level),
	 .def = "info"},
};
#define KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

/* What one parse (a file, a string or one config_set) is working on. */
struct parse_ctx {
	struct kiosk_config *cfg;
	const char *origin; /* the path, or "command line" */
	FILE *errs;         /* may be NULL: count only */
	int errors;
	int lineno;                 /* line being parsed; 0 for config_set */
	int section;                /* index into section_names, or SECTION_* */
	int set_on_line[KEY_COUNT]; /* where each key was first set, 0 = not yet */

	/* Source of lines: a FILE, or the rest of a string. */
	FILE *file;
	const char *text;
	char *buf; /* getline() buffer */
	size_t cap;
	int read_errno; /* set when reading the file failed */
};

union parsed {
	unsigned u;
	double d;
	int e;
};

/* ---- messages ---- */

static void report_at(struct parse_ctx *ctx, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Writes one error line "ORIGIN:LINE: message" (or "ORIGIN: message" when
 * line is 0) to ctx->errs and counts it.
 */
static void report_at(struct parse_ctx *ctx, int line, const char *fmt, ...)
{
	ctx->errors++;
	if (!ctx->errs)
		return;
	if (line > 0)
		fprintf(ctx->errs, "%s:%d: ", ctx->origin, line);
	else
		fprintf(ctx->errs, "%s: ", ctx->origin);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(ctx->errs, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->errs);
}

#define report(ctx, ...) report_at((ctx), (ctx)->lineno, __VA_ARGS__)

/*
 * Length of the UTF-8 sequence at s (at most len bytes), 0 if it is not
 * valid UTF-8: overlong forms, surrogates and code points past U+10FFFF are
 * refused. *cp receives the code point.
 */
static size_t utf8_sequence(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c = s[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* True if s is valid UTF-8 (control characters allowed). */
static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	while (len > 0) {
		uint32_t cp;
		size_t n = utf8_sequence(p, len, &cp);
		if (n == 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/*
 * Writes s into buf (without surrounding quotes) so that it is safe to show
 * on a terminal or in the journal: quotes, backslashes and control bytes
 * escaped, bytes of invalid UTF-8 as \xNN, and anything past QUOTE_MAX bytes
 * replaced by "...". Returns buf.
 */
static const char *escape(char *buf, size_t size, const char *s)
{
	assert(size >= QUOTE_BUF);
	bool raw_utf8 = utf8_valid(s);
	size_t used = 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	size_t i = 0;
	while (i < len && i < QUOTE_MAX) {
		unsigned c = p[i];
		uint32_t cp;
		size_t n;
		if (c == '"' || c == '\\') {
			buf[used++] = '\\';
			buf[used++] = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			used += (size_t)snprintf(buf + used, size - used, "\\x%02x", c);
			i++;
		} else if (c < 0x80) {
			buf[used++] = (char)c;
			i++;
		} else if (raw_utf8 && (n = utf8_sequence(p + i, len - i, &cp)) != 0 &&
			   !is_control(cp)) {
			if (i + n > QUOTE_MAX)
				break; /* do not cut a character in half */
			memcpy(buf + used, p + i, n);
			used += n;
			i += n;
		} else {
			used += (size_t)snprintf(buf + used, size - used, "\\x%02x", c);
			i++;
		}
	}
	if (i < len) {
		memcpy(buf + used, "...", 3);
		used += 3;
	}
	buf[used] = '\0';
	return buf;
}

/* ---- did you mean ---- */

/*
 * Optimal string alignment distance (Levenshtein plus transpositions), so
 * that "lmiit" is one edit from "limit". Both strings are short.
 */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > SUGGEST_NAME_MAX || lb > SUGGEST_NAME_MAX)
		return UINT32_MAX;
	unsigned char d[SUGGEST_NAME_MAX + 1][SUGGEST_NAME_MAX + 1]; /* <= 64 fits */
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned best = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < best)
				best = d[i][j - 1] + 1u;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1u < best)
				best = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)best;
		}
	}
	return d[la][lb];
}

struct suggestion {
	const char *typed;
	const char *best;         /* closest name so far, or NULL */
	const char *best_section; /* its section, when names span sections */
	unsigned best_distance;
};

static void suggest_init(struct suggestion *sg, const char *typed)
{
	sg->typed = typed;
	sg->best = NULL;
	sg->best_section = NULL;
	sg->best_distance = UINT32_MAX;
}

/*
 * Considers one known name. It is close enough when it differs from what was
 * typed by a case change, by at most 2 edits (1 for names of 3 letters or
 * fewer, where 2 edits reach almost anything) or a third of its length for
 * long names, or when what was typed is a prefix of it ("debounce").
 */
static void suggest_consider(struct suggestion *sg, const char *candidate,
			     const char *section)
{
	size_t n = strlen(candidate), typed_len = strlen(sg->typed);
	unsigned d;
	if (strcasecmp(sg->typed, candidate) == 0) {
		d = 0;
	} else if (typed_len >= 3 && typed_len < n &&
		   strncmp(sg->typed, candidate, typed_len) == 0) {
		d = (unsigned)(n - typed_len);
	} else {
		d = edit_distance(sg->typed, candidate);
		unsigned max = n <= 3 ? 1 : 2;
		if (n / 3 > max)
			max = (unsigned)(n / 3);
		if (d > max)
			return;
	}
	if (d < sg->best_distance) {
		sg->best = candidate;
		sg->best_section = section;
		sg->best_distance = d;
	}
}

/* ---- the key table ---- */

static int find_section(const char *name)
{
	for (size_t i = 0; i < SECTION_COUNT; i++) {
		if (strcmp(section_names[i], name) == 0)
			return (int)i;
	}
	return SECTION_BAD;
}

/* The key named name in section (by name), or NULL. */
static const struct config_key *find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if ((!section || strcmp(config_keys[i].section, section) == 0) &&
		    strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

static void *field_of(struct kiosk_config *cfg, const struct config_key *k)
{
	return (char *)cfg + k->offset;
}

static const void *const_field_of(const struct kiosk_config *cfg, const struct config_key *k)
{
	return (const char *)cfg + k->offset;
}

/* Writes "a, b, c" for a NULL-terminated list of names. */
static void join_names(char *buf, size_t size, const char *const *names)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; names[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

/* What a valid value of k looks like, for messages: "a whole number from 0 to 10". */
static void describe(const struct config_key *k, char *buf, size_t size)
{
	char names[64];
	switch (k->type) {
	case KEY_UINT:
		snprintf(buf, size, "a whole number from %u to %u", k->min, k->max);
		break;
	case KEY_DOUBLE:
		snprintf(buf, size, "a number from %g to %g", k->dmin, k->dmax);
		break;
	case KEY_CHOICE:
		join_names(names, sizeof(names), k->choices);
		snprintf(buf, size, "one of %s", names);
		break;
	case KEY_BACKEND:
		join_names(names, sizeof(names), k->choices);
		snprintf(buf, size, "a display backend this build has (%s)", names);
		break;
	case KEY_LOG_LEVEL:
		snprintf(buf, size, "one of %s, %s, %s, %s", log_level_name(LOG_LEVEL_ERROR),
			 log_level_name(LOG_LEVEL_WARN), log_level_name(LOG_LEVEL_INFO),
			 log_level_name(LOG_LEVEL_DEBUG));
		break;
	case KEY_ID:
		snprintf(buf, size, "an id of 1 to %zu letters, digits, '.', '_' or '-'",
			 k->size - 1);
		break;
	case KEY_TEXT:
		snprintf(buf, size, "text of at most %zu bytes of UTF-8", k->size - 1);
		break;
	case KEY_PATH:
		snprintf(buf, size, "an absolute path");
		break;
	case KEY_TIMEZONE:
		snprintf(buf, size, "a time zone name like \"Asia/Tokyo\"");
		break;
	case KEY_CONNECTION:
		snprintf(buf, size, "\"driver:device\", e.g. \"pn532_uart:/dev/ttyAMA0\"");
		break;
	case KEY_URL:
		snprintf(buf, size, "an https:// URL, or http:// to 127.0.0.1, localhost or [::1]");
		break;
	case KEY_GPIO_CHIP:
		snprintf(buf, size, "a GPIO chip (\"gpiochip0\", \"/dev/gpiochip0\", \"0\") or "
			 "\"fake:/PATH\"");
		break;
	case KEY_GPIO_LINE:
		snprintf(buf, size, "a GPIO line: \"NAME\", \"OFFSET\" or \"CHIP:NAME\", "
			 "e.g. \"GPIO18\"");
		break;
	case KEY_PIN:
		snprintf(buf, size, "\"sha256//\" and the base64 SHA-256 of the office's public key "
			 "(44 characters), ';' between several");
		break;
	}
}

/* ---- value checks: each returns true, or false with the reason in why ---- */

static bool check_length(const struct config_key *k, const char *text, char *why, size_t size)
{
	size_t len = strlen(text);
	if (len < k->size)
		return true;
	char q[QUOTE_BUF];
	snprintf(why, size, "\"%s\" is too long (%zu bytes; at most %zu)",
		 escape(q, sizeof(q), text), len, k->size - 1);
	return false;
}

static bool parse_uint(const struct config_key *k, const char *text, unsigned *out,
		       char *why, size_t size)
{
	char q[QUOTE_BUF], what[128];
	describe(k, what, sizeof(what));
	/* strtoul() would take leading blanks, a sign and "-1" wrapped round. */
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
			return false;
		}
	}
	errno = 0;
	unsigned long v = strtoul(text, NULL, 10);
	if (errno == ERANGE || v < k->min || v > k->max) {
		snprintf(why, size, "%s is out of range (expected %s)", escape(q, sizeof(q), text),
			 what);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool parse_double(const struct config_key *k, const char *text, double *out,
			 char *why, size_t size)
{
	char q[QUOTE_BUF], what[128];
	describe(k, what, sizeof(what));
	/* Plain decimal only: strtod() would also take "nan", "inf" and hex. */
	bool shape_ok = strspn(text, "0123456789+-.eE") == strlen(text);
	char *end = NULL;
	errno = 0;
	double v = shape_ok ? strtod(text, &end) : 0;
	if (!shape_ok || end == text || *end != '\0') {
		snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
		return false;
	}
	if ((errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)) || !isfinite(v) || v < k->dmin ||
	    v > k->dmax) {
		snprintf(why, size, "%s is out of range (expected %s)", escape(q, sizeof(q), text),
			 what);
		return false;
	}
	*out = v;
	return true;
}

/* Index of text in a NULL-terminated list, or -1 with a reason in why. */
static int parse_choice(const struct config_key *k, const char *const *names,
			const char *text, char *why, size_t size)
{
	struct suggestion sg;
	suggest_init(&sg, text);
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], text) == 0)
			return i;
		suggest_consider(&sg, names[i], NULL);
	}
	char q[QUOTE_BUF], what[128];
	describe(k, what, sizeof(what));
	int n = snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
	if (sg.best && n > 0 && (size_t)n < size)
		snprintf(why + n, size - (size_t)n, " (did you mean \"%s\"?)", sg.best);
	return -1;
}

static bool check_id(const struct config_key *k, const char *text, char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	static const char id_chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
	if (text[0] != '\0' && strspn(text, id_chars) == strlen(text))
		return true;
	char q[QUOTE_BUF], what[128];
	describe(k, what, sizeof(what));
	snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
	return false;
}

static bool check_text(const struct config_key *k, const char *text, char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	char q[QUOTE_BUF];
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text);
	while (len > 0) {
		uint32_t cp;
		size_t n = utf8_sequence(p, len, &cp);
		if (n == 0) {
			snprintf(why, size, "\"%s\" is not valid UTF-8", escape(q, sizeof(q), text));
			return false;
		}
		if (is_control(cp)) {
			snprintf(why, size, "\"%s\" contains a control character",
				 escape(q, sizeof(q), text));
			return false;
		}
		p += n;
		len -= n;
	}
	return true;
}

static bool has_control_byte(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return true;
	}
	return false;
}

static bool check_path(const struct config_key *k, const char *text, char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	char q[QUOTE_BUF];
	if (text[0] != '/') {
		snprintf(why, size, "\"%s\" is not an absolute path (it must start with '/')",
			 escape(q, sizeof(q), text));
		return false;
	}
	if (has_control_byte(text)) {
		snprintf(why, size, "\"%s\" contains a control character", escape(q, sizeof(q), text));
		return false;
	}
	return true;
}

/*
 * A time zone must be a file under the zoneinfo directory: glibc quietly
 * uses UTC for a name it cannot find, which would move every "today" of the
 * per-day counters by hours without a word. The name is checked before it
 * is used in a path, so it cannot climb out of that directory.
 */
static bool check_timezone(const struct config_key *k, const char *text, bool check_files,
			   char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	char q[QUOTE_BUF];
	static const char tz_chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/";
	size_t len = strlen(text);
	if (len == 0 || strspn(text, tz_chars) != len || text[0] == '/' ||
	    text[len - 1] == '/' || strstr(text, "//") || strstr(text, "..")) {
		snprintf(why, size,
			 "\"%s\" is not a time zone name (like \"Asia/Tokyo\": letters, digits, "
			 "'_', '+', '-' and '/')",
			 escape(q, sizeof(q), text));
		return false;
	}
	if (!check_files)
		return true;

	const char *dir = getenv("TZDIR");
	if (!dir || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	char path[512];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, text);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(why, size, "\"%s\": the zoneinfo path is too long", escape(q, sizeof(q), text));
		return false;
	}
	/* O_NONBLOCK: a FIFO planted in the directory must not hang startup. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, size, "\"%s\" is not a known time zone (no file %s)",
			 escape(q, sizeof(q), text), path);
		return false;
	}
	struct stat st;
	char magic[4];
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		  read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
		  memcmp(magic, "TZif", 4) == 0;
	close(fd);
	if (!ok) {
		snprintf(why, size, "\"%s\" is not a known time zone (%s is not a time zone file)",
			 escape(q, sizeof(q), text), path);
		return false;
	}
	return true;
}

static bool check_connection(const struct config_key *k, const char *text, char *why,
			     size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	size_t driver_len = strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789_");
	char driver[64];
	char q[QUOTE_BUF], what[128];
	if (driver_len == 0 || driver_len >= sizeof(driver) ||
	    (text[driver_len] != ':' && text[driver_len] != '\0')) {
		describe(k, what, sizeof(what));
		snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
		return false;
	}
	memcpy(driver, text, driver_len);
	driver[driver_len] = '\0';

	/* A driver this build has; USB drivers may leave the device out. */
	const char *const *names = nfc_driver_names();
	struct suggestion sg;
	suggest_init(&sg, driver);
	bool known = false;
	for (size_t i = 0; names[i]; i++) {
		if (strcmp(names[i], driver) == 0)
			known = true;
		suggest_consider(&sg, names[i], NULL);
	}
	if (!known) {
		int n = snprintf(why, size, "unknown reader driver \"%s\"", escape(q, sizeof(q), driver));
		if (sg.best && n > 0 && (size_t)n < size)
			snprintf(why + n, size - (size_t)n, " (did you mean \"%s\"?)", sg.best);
		return false;
	}
	const char *device = text[driver_len] == ':' ? text + driver_len + 1 : "";
	bool ok = device[0] != '\0' || !nfc_driver_needs_device(driver);
	for (const char *p = device; ok && *p; p++) {
		if (*p <= ' ' || *p > '~')
			ok = false;
	}
	if (ok)
		return true;
	describe(k, what, sizeof(what));
	snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
	return false;
}

/*
 * The office URL carries the kiosk's token, so it must be https://, except
 * to this machine itself (the simulated board and tests run a local office).
 */
static bool check_url(const struct config_key *k, const char *text, char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	char q[QUOTE_BUF], h[QUOTE_BUF];
	escape(q, sizeof(q), text);
	for (const char *p = text; *p; p++) {
		if (*p <= ' ' || *p > '~') {
			snprintf(why, size, "\"%s\" contains a space or a character outside ASCII "
				 "(write the host name in its xn-- form)", q);
			return false;
		}
	}
	bool https;
	const char *authority;
	if (strncasecmp(text, "https://", 8) == 0) {
		https = true;
		authority = text + 8;
	} else if (strncasecmp(text, "http://", 7) == 0) {
		https = false;
		authority = text + 7;
	} else {
		snprintf(why, size, "\"%s\" is not an https:// URL", q);
		return false;
	}
	size_t alen = strcspn(authority, "/?#");
	if (memchr(authority, '@', alen)) {
		snprintf(why, size, "\"%s\" must not hold a user name or password "
			 "(the kiosk's token goes in [office] token_file)", q);
		return false;
	}
	/* Split host[:port]; an IPv6 literal is written [addr]. */
	size_t hlen;
	if (authority[0] == '[') {
		const char *close = memchr(authority, ']', alen);
		hlen = close ? (size_t)(close - authority) + 1 : 0;
		if (hlen < 4 || strspn(authority + 1, "0123456789abcdefABCDEF:.") != hlen - 2)
			hlen = 0;
	} else {
		hlen = strspn(authority, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789.-");
		if (hlen > alen)
			hlen = alen;
	}
	bool ok = hlen > 0 && hlen <= 253;
	if (ok && hlen < alen) {
		/* A port: ':' and 1 to 5 digits, 1..65535. */
		const char *port = authority + hlen;
		size_t plen = alen - hlen - 1;
		ok = port[0] == ':' && plen >= 1 && plen <= 5 &&
		     strspn(port + 1, "0123456789") >= plen;
		if (ok) {
			unsigned long v = strtoul(port + 1, NULL, 10);
			ok = v >= 1 && v <= 65535;
		}
	}
	if (!ok) {
		snprintf(why, size, "\"%s\" has no valid host name (expected %s)", q,
			 "https://host[:port]/path");
		return false;
	}
	if (https)
		return true;

	char host[256];
	memcpy(host, authority, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0 ||
	    strcmp(host, "[::1]") == 0)
		return true;
	snprintf(why, size, "plain http:// is only allowed to this machine (127.0.0.1, "
		 "localhost or [::1]), since the kiosk's token would cross the network "
		 "in the clear; use https:// for \"%s\"", escape(h, sizeof(h), host));
	return false;
}

/*
 * A public-key pin as libcurl's CURLOPT_PINNEDPUBLICKEY takes it:
 * "sha256//" and 44 characters of base64, several joined by ';'. Checked
 * here so that a typo is a config error, not a kiosk that never syncs.
 */
static bool check_pin(const struct config_key *k, const char *text, char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = text;
	for (;;) {
		bool ok = strncmp(p, "sha256//", 8) == 0 && strspn(p + 8, b64) == 43 &&
			  p[8 + 43] == '=';
		if (!ok) {
			char q[QUOTE_BUF], what[200];
			describe(k, what, sizeof(what));
			snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
			return false;
		}
		p += 8 + 44;
		if (*p == '\0')
			return true;
		if (*p != ';') {
			char q[QUOTE_BUF], what[200];
			describe(k, what, sizeof(what));
			snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
			return false;
		}
		p++;
	}
}

static bool check_gpio_chip(const struct config_key *k, const char *text, char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	char q[QUOTE_BUF], what[160];
	bool ok;
	if (strncmp(text, "fake:", 5) == 0)
		ok = text[5] == '/' && !has_control_byte(text);
	else
		ok = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") ==
		     strlen(text);
	if (ok)
		return true;
	describe(k, what, sizeof(what));
	snprintf(why, size, "\"%s\" is not %s", escape(q, sizeof(q), text), what);
	return false;
}

static bool check_gpio_line(const struct config_key *k, const char *text, char *why, size_t size)
{
	if (!check_length(k, text, why, size))
		return false;
	char chip[GPIO_CHIP_MAX], line[GPIO_SPEC_MAX], err[128], q[QUOTE_BUF];
	int offset;
	if (gpio_parse_spec(text, "default", chip, sizeof(chip), line, sizeof(line), &offset, err,
			    sizeof(err)) == 0)
		return true;
	snprintf(why, size, "\"%s\": %s", escape(q, sizeof(q), text), err);
	return false;
}

/*
 * Checks text as a value of k. On success fills *out (numbers and enums;
 * strings are stored from text itself) and returns true; otherwise writes
 * the reason into why. check_files is false only for the built-in defaults,
 * which must not depend on what this machine has installed.
 */
static bool parse_value(const struct config_key *k, const char *text, bool check_files,
			union parsed *out, char *why, size_t size)
{
	if (text[0] == '\0') {
		if (k->allow_empty)
			return true;
		char what[128];
		describe(k, what, sizeof(what));
		if (k->required)
			snprintf(why, size, "no value given (it is required: %s)", k->meaning);
		else
			snprintf(why, size, "no value given (expected %s)", what);
		return false;
	}

	switch (k->type) {
	case KEY_UINT:
		return parse_uint(k, text, &out->u, why, size);
	case KEY_DOUBLE:
		return parse_double(k, text, &out->d, why, size);
	case KEY_CHOICE:
		out->e = parse_choice(k, k->choices, text, why, size);
		return out->e >= 0;
	case KEY_BACKEND:
		if (parse_choice(k, k->choices, text, why, size) < 0)
			return false;
		return check_length(k, text, why, size);
	case KEY_LOG_LEVEL: {
		enum log_level level;
		if (log_level_parse(text, &level) == 0) {
			out->e = (int)level;
			return true;
		}
		static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};
		parse_choice(k, level_names, text, why, size);
		return false;
	}
	case KEY_ID:
		return check_id(k, text, why, size);
	case KEY_TEXT:
		return check_text(k, text, why, size);
	case KEY_PATH:
		return check_path(k, text, why, size);
	case KEY_TIMEZONE:
		return check_timezone(k, text, check_files, why, size);
	case KEY_CONNECTION:
		return check_connection(k, text, why, size);
	case KEY_URL:
		return check_url(k, text, why, size);
	case KEY_PIN:
		return check_pin(k, text, why, size);
	case KEY_GPIO_CHIP:
		return check_gpio_chip(k, text, why, size);
	case KEY_GPIO_LINE:
		return check_gpio_line(k, text, why, size);
	}
	snprintf(why, size, "internal error: unknown key type");
	return false;
}

/* Stores a value that parse_value() accepted. */
static void store_value(struct kiosk_config *cfg, const struct config_key *k,
			const union parsed *v, const char *text)
{
	void *field = field_of(cfg, k);
	switch (k->type) {
	case KEY_UINT:
		assert(k->size == sizeof(unsigned));
		memcpy(field, &v->u, sizeof(unsigned));
		break;
	case KEY_DOUBLE:
		assert(k->size == sizeof(double));
		memcpy(field, &v->d, sizeof(double));
		/* Unset coordinates are NaN: see config_defaults(). */
		cfg->has_coordinates = isfinite(cfg->latitude) && isfinite(cfg->longitude);
		break;
	case KEY_CHOICE:
	case KEY_LOG_LEVEL:
		assert(k->size == sizeof(int));
		memcpy(field, &v->e, sizeof(int));
		break;
	case KEY_ID:
	case KEY_TEXT:
	case KEY_PATH:
	case KEY_TIMEZONE:
	case KEY_CONNECTION:
	case KEY_URL:
	case KEY_PIN:
	case KEY_GPIO_CHIP:
	case KEY_GPIO_LINE:
	case KEY_BACKEND: {
		size_t len = strlen(text);
		assert(len < k->size); /* parse_value() checked */
		memcpy(field, text, len + 1);
		break;
	}
	}
}

/* ---- applying one "key = value" ---- */

/*
 * Reports an unknown key in section (or before any section when section is
 * NULL), pointing at the section it belongs in or at a close name.
 */
static void report_unknown_key(struct parse_ctx *ctx, const char *section, const char *name)
{
	char q[QUOTE_BUF];
	escape(q, sizeof(q), name);
	const struct config_key *elsewhere = find_key(NULL, name);
	if (!section) {
		if (elsewhere)
			report(ctx, "key \"%s\" comes before any [section]; put it under [%s]", q,
			       elsewhere->section);
		else
			report(ctx, "unknown key \"%s\" before any [section]", q);
		return;
	}
	if (elsewhere) {
		report(ctx, "key \"%s\" belongs in [%s], not [%s]", q, elsewhere->section, section);
		return;
	}

	/* A close name in this section first, else anywhere. */
	struct suggestion sg;
	suggest_init(&sg, name);
	for (size_t i = 0; i < KEY_COUNT; i++) {
		if (strcmp(config_keys[i].section, section) == 0)
			suggest_consider(&sg, config_keys[i].name, NULL);
	}
	if (!sg.best) {
		for (size_t i = 0; i < KEY_COUNT; i++)
			suggest_consider(&sg, config_keys[i].name, config_keys[i].section);
	}
	if (sg.best && sg.best_section)
		report(ctx, "unknown key \"%s\" in [%s] (did you mean \"%s\" in [%s]?)", q,
		       section, sg.best, sg.best_section);
	else if (sg.best)
		report(ctx, "unknown key \"%s\" in [%s] (did you mean \"%s\"?)", q, section,
		       sg.best);
	else
		report(ctx, "unknown key \"%s\" in [%s]", q, section);
}

static void report_unknown_section(struct parse_ctx *ctx, const char *name)
{
	char q[QUOTE_BUF];
	escape(q, sizeof(q), name);
	struct suggestion sg;
	suggest_init(&sg, name);
	for (size_t i = 0; i < SECTION_COUNT; i++)
		suggest_consider(&sg, section_names[i], NULL);
	if (sg.best)
		report(ctx, "unknown section [%s] (did you mean [%s]?)", q, sg.best);
	else
		report(ctx, "unknown section [%s]", q);
}

/* Checks and stores one value for name in section (an index or SECTION_*). */
static void apply_pair(struct parse_ctx *ctx, int section, const char *name, const char *value)
{
	if (section == SECTION_BAD)
		return; /* the section line was reported; its keys would only add noise */
	if (section == SECTION_NONE) {
		report_unknown_key(ctx, NULL, name);
		return;
	}
	const char *section_name = section_names[section];
	const struct config_key *k = find_key(section_name, name);
	if (!k) {
		report_unknown_key(ctx, section_name, name);
		return;
	}

	size_t index = (size_t)(k - config_keys);
	if (ctx->lineno > 0) {
		if (ctx->set_on_line[index]) {
			report(ctx, "[%s] %s is set twice; first on line %d", k->section, k->name,
			       ctx->set_on_line[index]);
			return;
		}
		ctx->set_on_line[index] = ctx->lineno;
	}

	union parsed v;
	char why[WHY_BUF];
	if (!parse_value(k, value, true, &v, why, sizeof(why))) {
		report(ctx, "[%s] %s: %s", k->section, k->name, why);
		return;
	}
	store_value(ctx->cfg, k, &v, value);
}

/* ---- the line reader and the inih handler ---- */

/*
 * inih's own test for where a name or section ends: the first of chars, or
 * an inline comment (';' after whitespace). Kept identical so that the lines
 * we pass on are split by inih exactly as we checked them.
 */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;
	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s) != 0;
		s++;
	}
	return s;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

/* The next raw line, with its newline if it has one; NULL at the end. */
static const char *next_raw_line(struct parse_ctx *ctx, size_t *len)
{
	if (ctx->file) {
		errno = 0;
		ssize_t n = getline(&ctx->buf, &ctx->cap, ctx->file);
		if (n < 0) {
			if (ferror(ctx->file))
				ctx->read_errno = errno ? errno : EIO;
			return NULL;
		}
		*len = (size_t)n;
		return ctx->buf;
	}
	if (ctx->text[0] == '\0')
		return NULL;
	const char *line = ctx->text;
	const char *nl = strchr(line, '\n');
	*len = nl ? (size_t)(nl - line) + 1 : strlen(line);
	ctx->text += *len;
	return line;
}

static void report_syntax(struct parse_ctx *ctx)
{
	report(ctx, "syntax error: expected \"key = value\" or \"[section]\"");
}

/*
 * Checks one line (len bytes, no line ending, NUL-terminated in line) and
 * writes what inih should see into out: the line itself, the section line in
 * a canonical form, or a blank line in place of one we reported.
 */
static void classify_line(struct parse_ctx *ctx, char *line, char *out, size_t out_size)
{
	snprintf(out, out_size, "\n");
	char *s = trim(line);
	if (s[0] == '\0' || s[0] == ';' || s[0] == '#')
		return; /* blank or a comment */

	if (s[0] == '[') {
		char *end = find_chars_or_comment(s + 1, "]");
		char *rest = end + 1;
		if (*end == ']') {
			while (isspace((unsigned char)*rest))
				rest++;
		}
		/* inih would ignore whatever follows "]"; we refuse it. */
		if (*end != ']' || (*rest != '\0' && *rest != ';')) {
			report_syntax(ctx);
			ctx->section = SECTION_BAD;
			return;
		}
		*end = '\0';
		char *name = trim(s + 1);
		ctx->section = find_section(name);
		if (ctx->section == SECTION_BAD)
			report_unknown_section(ctx, name);
		else
			snprintf(out, out_size, "[%s]\n", name);
		return;
	}

	/* A key line. inih also takes ':' as the separator; we do not. */
	char *end = find_chars_or_comment(s, "=:");
	if (*end != '=' || end == s) {
		report_syntax(ctx);
		return;
	}
	snprintf(out, out_size, "%s\n", s);
}

/* The ini_reader given to ini_parse_stream(); stream is our parse_ctx. */
static char *line_reader(char *out, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	size_t len;
	const char *raw = next_raw_line(ctx, &len);
	if (!raw || num < 3)
		return NULL;
	ctx->lineno++;

	/* A file may hold a NUL, which would end the line early for inih. */
	bool has_nul = memchr(raw, '\0', len) != NULL;
	if (len > 0 && raw[len - 1] == '\n')
		len--;
	if (len > 0 && raw[len - 1] == '\r')
		len--;
	if (ctx->lineno == 1 && len >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) {
		raw += 3; /* a UTF-8 byte order mark, as some editors write */
		len -= 3;
	}

	size_t max = (size_t)num - 2 < LINE_MAX_BYTES ? (size_t)num - 2 : LINE_MAX_BYTES;
	if (has_nul || len > max) {
		if (has_nul)
			report(ctx, "line contains a NUL byte");
		else
			report(ctx, "line is too long (%zu bytes; at most %zu)", len, max);
		/* If it was a section line, its keys must not land in the last one. */
		size_t lead = 0;
		while (lead < len && isspace((unsigned char)raw[lead]))
			lead++;
		if (lead < len && raw[lead] == '[')
			ctx->section = SECTION_BAD;
		snprintf(out, (size_t)num, "\n");
		return out;
	}

	char line[LINE_MAX_BYTES + 1];
	memcpy(line, raw, len);
	line[len] = '\0';
	classify_line(ctx, line, out, (size_t)num);
	return out;
}

/*
 * inih's handler. It is called while inih works on the line the reader just
 * gave it, so ctx->lineno is that line. The section inih passes is not used:
 * inih cuts section names at 49 bytes, and the reader already knows the
 * section (and whether it was reported as unknown).
 */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = user;
	(void)section;
	apply_pair(ctx, ctx->section, name, value);
	return 1; /* errors are counted by us; keep going */
}

static void ctx_init(struct parse_ctx *ctx, struct kiosk_config *cfg, const char *origin,
		     FILE *errs)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->origin = origin ? origin : "kioskd.conf";
	ctx->errs = errs;
	ctx->section = SECTION_NONE;
}

static int parse(struct parse_ctx *ctx)
{
	int rc = ini_parse_stream(line_reader, ctx, on_pair, ctx);
	/* The reader hands inih only lines it accepts, so this is a safety net. */
	if (rc > 0)
		report_at(ctx, rc, "syntax error: expected \"key = value\" or \"[section]\"");
	else if (rc < 0)
		report_at(ctx, 0, "out of memory while reading");
	if (ctx->read_errno)
		report_at(ctx, 0, "cannot read: %s", strerror(ctx->read_errno));
	if (ctx->errs)
		fflush(ctx->errs);
	return ctx->errors;
}

/* ---- the interface ---- */

void config_defaults(struct kiosk_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < KEY_COUNT; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->type == KEY_DOUBLE) {
			/* NaN marks "not given", so config_validate() can tell that
			 * only one of latitude and longitude was set. */
			double nan = NAN;
			memcpy(field_of(cfg, k), &nan, sizeof(nan));
			continue;
		}
		if (!k->def)
			continue; /* an empty string, from memset */
		union parsed v;
		char why[WHY_BUF];
		bool ok = parse_value(k, k->def, false, &v, why, sizeof(why));
		assert(ok && "a default in config_keys[] fails its own check");
		if (ok)
			store_value(cfg, k, &v, k->def);
	}
	cfg->has_coordinates = false;
}

int config_load(struct kiosk_config *cfg, const char *path, FILE *errs)
{
	struct parse_ctx ctx;
	ctx_init(&ctx, cfg, path, errs);
	ctx.file = fopen(path, "re");
	if (!ctx.file) {
		report_at(&ctx, 0, "cannot open: %s", strerror(errno));
		if (errs)
			fflush(errs);
		return ctx.errors;
	}
	int errors = parse(&ctx);
	fclose(ctx.file);
	free(ctx.buf);
	return errors;
}

int config_load_string(struct kiosk_config *cfg, const char *name, const char *text,
		       FILE *errs)
{
	struct parse_ctx ctx;
	ctx_init(&ctx, cfg, name, errs);
	ctx.text = text;
	return parse(&ctx);
}

int config_set(struct kiosk_config *cfg, const char *assignment, FILE *errs)
{
	struct parse_ctx ctx;
	ctx_init(&ctx, cfg, "command line", errs);
	char q[QUOTE_BUF];
	escape(q, sizeof(q), assignment);

	char *copy = strdup(assignment);
	if (!copy) {
		report(&ctx, "out of memory");
		return ctx.errors;
	}
	char *eq = strchr(copy, '=');
	if (!eq) {
		report(&ctx, "\"%s\" has no '=' (expected section.key=value, e.g. policy.limit=1)",
		       q);
		goto out;
	}
	*eq = '\0';
	char *value = trim(eq + 1);
	char *dot = strchr(copy, '.');
	if (!dot) {
		char *name = trim(copy);
		const struct config_key *k = find_key(NULL, name);
		if (k)
			report(&ctx, "\"%s\" has no section (did you mean \"%s.%s=...\"?)", q,
			       k->section, k->name);
		else
			report(&ctx, "\"%s\" has no section (expected section.key=value, "
			       "e.g. policy.limit=1)", q);
		goto out;
	}
	*dot = '\0';
	char *section = trim(copy);
	char *name = trim(dot + 1);
	int index = find_section(section);
	if (index == SECTION_BAD) {
		report_unknown_section(&ctx, section);
		goto out;
	}
	apply_pair(&ctx, index, name, value);
out:
	free(copy);
	if (errs)
		fflush(errs);
	return ctx.errors;
}

int config_validate(const struct kiosk_config *cfg, const char *origin, FILE *errs)
{
	struct parse_ctx ctx;
	ctx_init(&ctx, NULL, origin, errs);
	for (size_t i = 0; i < KEY_COUNT; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->required && ((const char *)const_field_of(cfg, k))[0] == '\0')
			report(&ctx, "[%s] %s is required (%s)", k->section, k->name, k->meaning);
	}
	/* [display]: what one key cannot know about another. */
	const char *backend = cfg->display.backend;
	bool oled = strcmp(backend, "ssd1306") == 0 || strcmp(backend, "sh1106") == 0;
	if (oled && (cfg->display.rotation == DISPLAY_ROTATION_90 ||
		     cfg->display.rotation == DISPLAY_ROTATION_270))
		report(&ctx, "[display] rotation: a 128x64 OLED turns only 0 or 180 degrees, not %s",
		       rotation_names[cfg->display.rotation]);
	if ((strcmp(backend, "png") == 0 || strcmp(backend, "terminal") == 0) &&
	    cfg->display.output[0] == '\0')
		report(&ctx, "[display] output is required with backend = %s (%s)", backend,
		       strcmp(backend, "png") == 0 ? "the PNG file to write, e.g. /run/kioskd/screen.png"
						   : "where to draw, e.g. /dev/tty1");
	bool lat = isfinite(cfg->latitude), lon = isfinite(cfg->longitude);
	if (lat != lon)
		report(&ctx, "[kiosk] %s is given but %s is not; give both or neither",
		       lat ? "latitude" : "longitude", lat ? "longitude" : "latitude");
	if (errs)
		fflush(errs);
	return ctx.errors;
}

const char *config_language_name(enum language lang)
{
	if ((unsigned)lang >= sizeof(language_names) / sizeof(language_names[0]) - 1)
		return "?";
	return language_names[lang];
}

const char *config_period_name(enum policy_period period)
{
	if ((unsigned)period >= sizeof(period_names) / sizeof(period_names[0]) - 1)
		return "?";
	return period_names[period];
}

const char *config_accept_name(enum accept_mode accept)
{
	if ((unsigned)accept >= sizeof(accept_names) / sizeof(accept_names[0]) - 1)
		return "?";
	return accept_names[accept];
}
