/*
 * log: levelled messages on stderr, which journald collects.
 *
 * Contract: nothing logged here may carry a card UID, a token, a key or a
 * password. Callers log card_ids only at debug level and never UIDs at all.
 * When stderr is the journal (JOURNAL_STREAM is set) each line starts with
 * a "<N>" syslog priority prefix so journald files it at the right level;
 * otherwise with a UTC timestamp and the level's name.
 */
#ifndef KIOSK_LOG_H
#define KIOSK_LOG_H

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
/* One JSON object per line ({"time","level","prog","pid","msg"}) instead of
 * text, for log collectors that parse fields (officed's [log] format). */
void log_set_json(int json);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info" or "debug". Returns 0, or -1 if unknown. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
