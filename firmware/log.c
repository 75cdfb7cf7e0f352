/*
 * log: see log.h. One write(2) per line so that lines from the reader
 * thread and the event loop never interleave mid-line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_progname = "kioskd";
static enum log_level log_threshold = LOG_LEVEL_INFO;
static int log_to_journal;
static int log_json;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities: err, warning, info, debug */
static const int level_priority[] = {3, 4, 6, 7};

void log_init(const char *progname, enum log_level level)
{
	log_progname = progname;
	log_threshold = level;
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_level(enum log_level level) { log_threshold = level; }

void log_set_json(int json) { log_json = json; }

/* The message as a JSON string's body: quotes, backslashes and controls escaped. */
static size_t json_escape(char *out, size_t room, const char *in)
{
	size_t j = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && j + 7 < room; p++) {
		if (*p == '"' || *p == '\\') {
			out[j++] = '\\';
			out[j++] = (char)*p;
		} else if (*p < 0x20) {
			j += (size_t)snprintf(out + j, room - j, "\\u%04x", *p);
		} else {
			out[j++] = (char)*p;
		}
	}
	out[j] = '\0';
	return j;
}

enum log_level log_get_level(void) { return log_threshold; }

int log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;

	char line[1024];
	size_t used;
	if (log_to_journal) {
		used = (size_t)snprintf(line, sizeof(line), "<%d>", level_priority[level]);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		used = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s[%ld] %s: ",
					 log_progname, (long)getpid(), level_names[level]);
	}
	if (used >= sizeof(line))
		used = sizeof(line) - 1;

	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	used += (size_t)n;
	if (used > sizeof(line) - 2)
		used = sizeof(line) - 2; /* truncated: keep room for the newline */
	if (log_json && !log_to_journal) {
		/* Re-render the line as JSON: the message part after the prefix. */
		char msg[1024], json[1400];
		va_list aq;
		va_start(aq, fmt);
		vsnprintf(msg, sizeof(msg), fmt, aq);
		va_end(aq);
		struct timespec ts;
		struct tm tm;
		char when[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		size_t jn = (size_t)snprintf(json, sizeof(json), "{\"time\":\"%s\",\"level\":\"%s\",\"prog\":\"%s\",\"pid\":%ld,\"msg\":\"",
					    when, level_names[level], log_progname, (long)getpid());
		if (jn + 3 < sizeof(json))
			jn += json_escape(json + jn, sizeof(json) - jn - 3, msg);
		if (jn > sizeof(json) - 3)
			jn = sizeof(json) - 3;
		memcpy(json + jn, "\"}", 2);
		jn += 2;
		memcpy(line, json, jn < sizeof(line) - 1 ? jn : sizeof(line) - 1);
		used = jn < sizeof(line) - 1 ? jn : sizeof(line) - 1;
	}
	line[used++] = '\n';

	const char *p = line;
	while (used > 0) {
		ssize_t w = write(STDERR_FILENO, p, used);
		if (w <= 0)
			break;
		p += w;
		used -= (size_t)w;
	}
}
