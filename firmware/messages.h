/*
 * messages: the screens' texts, from per-language catalogs.
 *
 * The catalogs are data files beside this module, one per language:
 * firmware/messages/ja.def, ja-easy.def (やさしい日本語: short sentences,
 * common words, kana and spaces between phrases) and en.def. Each line is
 * MSG(key, "text"), compiled in, so a kiosk always has its texts. Screens
 * ask for a text by key; no screen text is written in code.
 *
 * The content bundle's "messages" (per language, by key) override the
 * catalogs, so the office can reword a screen without new firmware. A key
 * missing from a language falls back to English, then to the key itself,
 * so a screen is never blank.
 *
 * Texts may hold placeholders in braces ({date}, {time}, {n}, ...) that
 * messages_format() fills. Texts are never used as printf formats: an
 * override from the office is data, not code.
 */
#ifndef KIOSK_MESSAGES_H
#define KIOSK_MESSAGES_H

#include <stddef.h>

#include "config.h"
#include "content.h"

#define MESSAGE_KEYS(X)                                                                   \
	X(idle_windows_title) X(idle_open_until) X(idle_opens_at) X(idle_no_windows)       \
	X(idle_session_title) X(idle_session_when) X(idle_session_now) X(idle_no_session)  \
	X(idle_hotlines_title) X(idle_no_hotlines) X(idle_howto_title) X(idle_howto_body)  \
	X(granted_title) X(granted_body)                                                   \
	X(denied_title) X(denied_limit_body) X(denied_revoked_body)                        \
	X(denied_not_issued_body) X(denied_unusable_body)                                  \
	X(out_of_service_title) X(out_of_service_body) X(error_title) X(error_body)         \
	X(out_of_stock_title) X(out_of_stock_body) X(out_of_stock_none)                    \
	X(reader_title) X(reader_body)                                                     \
	X(staff_title) X(staff_stock) X(staff_today) X(staff_sync) X(staff_sync_none)      \
	X(staff_sync_ok) X(staff_sync_pending) X(staff_sync_failing) X(staff_low)          \
	X(help_title) X(help_body) X(help_no_qr) X(help_qr_unavailable)                    \
	X(day_0) X(day_1) X(day_2) X(day_3) X(day_4) X(day_5) X(day_6)                     \
	X(today) X(tomorrow) X(date_format)                                                \
	X(month_1) X(month_2) X(month_3) X(month_4) X(month_5) X(month_6)                  \
	X(month_7) X(month_8) X(month_9) X(month_10) X(month_11) X(month_12)

#define MESSAGE_ENUM(key) MSG_##key,
enum message_id { MESSAGE_KEYS(MESSAGE_ENUM) MSG_COUNT };
#undef MESSAGE_ENUM

/* The text for id in lang: the bundle's override (c may be NULL), else the
 * catalog's, else English, else the key's name. Never NULL. */
const char *messages_get(enum language lang, enum message_id id, const struct content *c);

/* The catalog's own text (no override, no fallback), or NULL. For tests. */
const char *messages_catalog(enum language lang, enum message_id id);

/* "idle_windows_title" for MSG_idle_windows_title. */
const char *messages_key(enum message_id id);

struct message_arg {
	const char *name;  /* without braces: "date" */
	const char *value;
};

/*
 * Writes tmpl to out (len bytes, always NUL-terminated) with each {name}
 * of args replaced by its value; an unknown {name} is kept as written.
 * Returns the length written (cut short at a character boundary if needed).
 */
size_t messages_format(char *out, size_t len, const char *tmpl, const struct message_arg *args,
		       size_t n_args);

#endif
