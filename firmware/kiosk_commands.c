/*
 * kiosk_commands: the control socket's commands (docs/control.md), from a
 * parsed JSON request to a JSON response. The transport (the socket, peer
 * credentials, line framing, "watch") is control.c's.
 *
 * Every field of a request is checked for type and range before use; an
 * unknown command or a bad field is an {"ok": false, "error": ...} answer
 * naming the field, never a crash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kiosk.h"
#include "kiosk_gpio.h"
#include "kiosk_staff.h"
#include "log.h"
#include "store_staff.h"
#include "store_sync.h"
#include "sync_client.h"
#include "tz.h"

#define MAX_SETS 100000
#define MAX_LOG_EVENTS 10000

json_t *kiosk_command_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *ok_response(void) { return json_pack("{s:b}", "ok", 1); }

/* An integer field in [min, max]. Returns 0, or -1 with *err set. */
static int int_field(json_t *req, const char *name, bool required, json_int_t def, json_int_t min,
		     json_int_t max, json_int_t *out, json_t **err)
{
	json_t *v = json_object_get(req, name);
	if (!v) {
		if (required) {
			*err = kiosk_command_error("\"%s\" is required", name);
			return -1;
		}
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		*err = kiosk_command_error("\"%s\" must be a whole number from %lld to %lld", name,
				      (long long)min, (long long)max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/* A string field (optional). */
static int string_field(json_t *req, const char *name, const char **out, json_t **err)
{
	json_t *v = json_object_get(req, name);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v)) {
		*err = kiosk_command_error("\"%s\" must be a string", name);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static bool parse_date(const char *s, struct tm *tm)
{
	memset(tm, 0, sizeof(*tm));
	const char *end = strptime(s, "%Y-%m-%d", tm);
	if (!end || strlen(s) < 10)
		return false;
	if (*end == '\0')
		return true;
	if (*end != 'T' && *end != ' ')
		return false;
	const char *rest = strptime(end + 1, "%H:%M", tm);
	if (rest && *rest == ':')
		rest = strptime(end + 1, "%H:%M:%S", tm);
	return rest && *rest == '\0';
}

/* A YYYY-MM-DD date, checked by round trip (2026-02-30 is refused). */
static bool valid_date(const char *s)
{
	struct tm tm;
	if (strlen(s) != TZ_DATE_LEN || !parse_date(s, &tm))
		return false;
	struct tm norm = tm;
	norm.tm_hour = 12;
	time_t t = timegm(&norm);
	struct tm check;
	gmtime_r(&t, &check);
	return check.tm_year == tm.tm_year && check.tm_mon == tm.tm_mon && check.tm_mday == tm.tm_mday;
}

/*
 * "since": a local date or date and time ("2026-11-01", "2026-11-01 10:00"),
 * or an age ("30m", "24h", "7d"). Returns 0 with *out in Unix time.
 */
static int parse_since(const struct kiosk *k, const char *s, int64_t now, int64_t *out)
{
	size_t len = strlen(s);
	if (len >= 2 && len < 12 && strchr("mhd", s[len - 1])) {
		char *end;
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (errno || end != s + len - 1 || n < 0 || n > 100000 || s[0] == '-' || s[0] == '+')
			return -1;
		long long unit = s[len - 1] == 'm' ? 60 : s[len - 1] == 'h' ? 3600 : 86400;
		*out = now - n * unit;
		return 0;
	}
	struct tm tm;
	if (!parse_date(s, &tm))
		return -1;
	char date[TZ_DATE_LEN + 1];
	snprintf(date, sizeof(date), "%.10s", s);
	if (!valid_date(date))
		return -1;
	*out = tz_mktime(k->cfg.timezone, &tm);
	return 0;
}

static void set_counters(json_t *obj, const struct store_day *day)
{
#define SET_COUNTER(name) json_object_set_new(obj, #name, json_integer(day->name));
	STORE_DAY_COUNTERS(SET_COUNTER)
#undef SET_COUNTER
}

static const char *reader_state_name(enum reader_state s)
{
	switch (s) {
	case READER_STATE_STARTING:
		return "starting";
	case READER_STATE_OK:
		return "ok";
	case READER_STATE_UNAVAILABLE:
		return "unavailable";
	}
	return "unknown";
}

static json_t *cmd_status(struct kiosk *k)
{
	struct clock_reading now;
	clock_read(&now);
	char time_text[40], today[TZ_DATE_LEN + 1], month_start[TZ_DATE_LEN + 1];
	kiosk_format_time(k, now.wall, time_text, sizeof(time_text));
	tz_local_date(k->cfg.timezone, now.wall, today);
	snprintf(month_start, sizeof(month_start), "%.8s01", today);

	json_t *r = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "ok", 1, "kiosk_id",
			      k->cfg.kiosk_id, "site_id", k->cfg.site_id, "site_name",
			      k->cfg.site_name, "version", KIOSK_VERSION, "time", time_text,
			      "timezone", k->cfg.timezone, "clock_synchronized", clock_synchronized());
	json_object_set_new(r, "reader", json_pack("{s:s, s:s}", "state",
						   reader_state_name(k->reader_state), "detail",
						   k->reader_detail));
	json_object_set_new(r, "sync", sync_client_status(k->sync, k, k->sync_why_not));
	json_object_set_new(r, "display", kiosk_display_status_json(k));
	json_object_set_new(r, "gpio", kiosk_gpio_status_json(k));
	if (!k->store && !kiosk_store_retry(k)) {
		json_object_set_new(r, "store", json_pack("{s:s, s:s}", "state", "unavailable",
							  "error", k->store_error));
		return r;
	}
	json_object_set_new(r, "store", json_pack("{s:s}", "state", "ok"));
	json_object_set_new(r, "staff", kiosk_staff_status_json(k));

	int64_t stock = 0;
	struct store_day day, month;
	if (store_stock(k->store, &stock) != 0 || store_day(k->store, today, &day) != 0 ||
	    store_days_sum(k->store, month_start, today, &month) != 0) {
		json_decref(r);
		return kiosk_command_error("store: %s", store_error(k->store));
	}
	json_object_set_new(r, "stock", json_pack("{s:I, s:I, s:b}", "level", (json_int_t)stock,
						  "low_water", (json_int_t)k->cfg.stock.low_water,
						  "low", stock <= (int64_t)k->cfg.stock.low_water));
	json_t *t = json_pack("{s:s}", "date", today);
	set_counters(t, &day);
	json_object_set_new(r, "today", t);
	json_t *m = json_pack("{s:s, s:s}", "from", month_start, "to", today);
	set_counters(m, &month);
	json_object_set_new(r, "month", m);
	int64_t last_seq = 0;
	store_last_seq(k->store, &last_seq);
	json_object_set_new(r, "last_seq", json_integer(last_seq));
	return r;
}

static json_t *need_store(struct kiosk *k)
{
	if (k->store || kiosk_store_retry(k))
		return NULL;
	return kiosk_command_error("store unavailable: %s", k->store_error);
}

static json_t *cmd_restock(struct kiosk *k, json_t *req, const char *actor)
{
	json_t *err = need_store(k);
	json_int_t sets;
	if (err || int_field(req, "sets", true, 0, 1, MAX_SETS, &sets, &err) != 0)
		return err;
	struct store_stamp stamp;
	store_stamp_now(&stamp, k->cfg.timezone);
	int64_t seq, after;
	if (store_restock(k->store, sets, actor, &stamp, &seq, &after) != 0)
		return kiosk_command_error("store: %s", store_error(k->store));
	log_info("restock: %lld sets added by %s; stock now %lld", (long long)sets, actor,
		 (long long)after);
	kiosk_gpio_refresh(k);
	sync_client_changed(k->sync);
	return json_pack("{s:b, s:I, s:I}", "ok", 1, "seq", (json_int_t)seq, "stock",
			 (json_int_t)after);
}

static json_t *cmd_stock_set(struct kiosk *k, json_t *req, const char *actor)
{
	json_t *err = need_store(k);
	json_int_t level;
	if (err || int_field(req, "level", true, 0, 0, MAX_SETS, &level, &err) != 0)
		return err;
	struct store_stamp stamp;
	store_stamp_now(&stamp, k->cfg.timezone);
	int64_t seq, before = 0;
	if (store_stock(k->store, &before) != 0 ||
	    store_stock_set(k->store, level, actor, &stamp, &seq) != 0)
		return kiosk_command_error("store: %s", store_error(k->store));
	log_info("stock set to %lld by %s", (long long)level, actor);
	kiosk_gpio_refresh(k);
	/* Crossing the low-water mark is news the office hears at once. */
	int64_t low = k->cfg.stock.low_water;
	if (before > low && level <= low)
		sync_client_now(k->sync);
	else
		sync_client_changed(k->sync);
	return json_pack("{s:b, s:I, s:I}", "ok", 1, "seq", (json_int_t)seq, "stock",
			 (json_int_t)level);
}

struct log_ctx {
	struct kiosk *k;
	json_t *events;
};

static int add_event(void *arg, const struct store_event *ev)
{
	struct log_ctx *ctx = arg;
	char at[40];
	kiosk_format_time(ctx->k, ev->at, at, sizeof(at));
	json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:b}", "seq", (json_int_t)ev->seq,
			      "at", at, "date", ev->local_date, "kind", ev->kind, "amount",
			      (json_int_t)ev->amount, "stock_after", (json_int_t)ev->stock_after,
			      "clock_synced", ev->clock_synced);
	if (ev->reason[0])
		json_object_set_new(e, "reason", json_string(ev->reason));
	if (ev->actor[0])
		json_object_set_new(e, "actor", json_string(ev->actor));
	json_array_append_new(ctx->events, e);
	return 0;
}

static json_t *cmd_log(struct kiosk *k, json_t *req)
{
	json_t *err = need_store(k);
	json_int_t limit, after_seq;
	const char *since_text;
	if (err || int_field(req, "limit", false, 100, 1, MAX_LOG_EVENTS, &limit, &err) != 0 ||
	    int_field(req, "after_seq", false, 0, 0, INT64_MAX, &after_seq, &err) != 0 ||
	    string_field(req, "since", &since_text, &err) != 0)
		return err;
	struct clock_reading now;
	clock_read(&now);
	int64_t since = 0;
	if (since_text && parse_since(k, since_text, now.wall, &since) != 0)
		return kiosk_command_error("\"since\" must be a date (2026-11-01), a date and time "
				      "(2026-11-01 10:00) or an age (30m, 24h, 7d)");
	struct log_ctx ctx = {k, json_array()};
	/* The newest `limit` events: count back from the end when no start is given. */
	if (!since_text && after_seq == 0) {
		int64_t last = 0;
		if (store_last_seq(k->store, &last) != 0) {
			json_decref(ctx.events);
			return kiosk_command_error("store: %s", store_error(k->store));
		}
		after_seq = last > limit ? last - limit : 0;
	}
	if (store_events_each(k->store, since, after_seq, limit, add_event, &ctx) != 0) {
		json_decref(ctx.events);
		return kiosk_command_error("store: %s", store_error(k->store));
	}
	json_t *r = ok_response();
	json_object_set_new(r, "events", ctx.events);
	return r;
}

static int add_day(void *arg, const struct store_day *day)
{
	json_t *days = arg;
	json_t *d = json_pack("{s:s}", "date", day->date);
	set_counters(d, day);
	json_object_set_new(d, "clock_unsynced", json_integer(day->clock_unsynced));
	json_object_set_new(d, "revision", json_integer(day->revision));
	json_array_append_new(days, d);
	return 0;
}

static json_t *cmd_export(struct kiosk *k, json_t *req)
{
	json_t *err = need_store(k);
	const char *from, *to;
	if (err || string_field(req, "from", &from, &err) != 0 ||
	    string_field(req, "to", &to, &err) != 0)
		return err;
	if (from && !valid_date(from))
		return kiosk_command_error("\"from\" must be a date as YYYY-MM-DD");
	if (to && !valid_date(to))
		return kiosk_command_error("\"to\" must be a date as YYYY-MM-DD");
	json_t *days = json_array();
	if (store_days_each(k->store, from ? from : "0000-00-00", to ? to : "9999-99-99", add_day,
			    days) != 0) {
		json_decref(days);
		return kiosk_command_error("store: %s", store_error(k->store));
	}
	json_t *r = ok_response();
	json_object_set_new(r, "days", days);
	return r;
}

/* Starts a sync at once; its end is a "sync" event on the watch stream. */
static json_t *cmd_sync_now(struct kiosk *k)
{
	if (!k->sync)
		return kiosk_command_error("%s", k->cfg.office.url[0]
						    ? (k->sync_why_not[0] ? k->sync_why_not
									  : "the sync client is not running")
						    : "no office is configured ([office] url)");
	bool queued = sync_client_now(k->sync);
	return json_pack("{s:b, s:b}", "ok", 1, "after_current", queued);
}

/*
 * A staff action on a card, known by its card_id (never a UID): "issue"
 * adds it to the issued cards, "revoke" revokes it. The policy sees it at
 * once; the office hears of it with the next report and folds it into the
 * content bundle every kiosk receives.
 */
static json_t *cmd_card(struct kiosk *k, json_t *req, const char *actor)
{
	json_t *err = need_store(k);
	const char *action, *id;
	if (err || string_field(req, "action", &action, &err) != 0 ||
	    string_field(req, "card_id", &id, &err) != 0)
		return err;
	if (!action || (strcmp(action, "issue") != 0 && strcmp(action, "revoke") != 0))
		return kiosk_command_error("\"action\" must be \"issue\" or \"revoke\"");
	/* No card_id: the next tapped card (kiosk_staff.h). */
	if (!json_object_get(req, "card_id"))
		return kiosk_next_tap_start(k, strcmp(action, "issue") == 0 ? NEXT_TAP_ISSUE
									     : NEXT_TAP_REVOKE,
					    req, actor);
	if (!id || strlen(id) != CARD_ID_HEX_LEN || strspn(id, "0123456789abcdef") != CARD_ID_HEX_LEN)
		return kiosk_command_error("\"card_id\" must be a card_id: 32 lowercase hex digits");
	card_id_t card;
	memcpy(card.hex, id, CARD_ID_HEX_LEN + 1);
	const char *status = strcmp(action, "issue") == 0 ? "issued" : "revoked";
	struct clock_reading now;
	clock_read(&now);
	struct policy_card flags;
	if (store_card_flags(k->store, &card, &flags) != 0)
		return kiosk_command_error("store: %s", store_error(k->store));
	if (flags.staff)
		return kiosk_command_error("%s is a staff card; remove it first (kioskctl staff remove %s)",
				      card.hex, card.hex);
	int64_t log_id = 0;
	if (store_card_event(k->store, &card, status, now.wall) != 0 ||
	    store_staff_log(k->store, strcmp(action, "issue") == 0 ? "issue" : "revoke", &card,
			    actor, now.wall, &log_id) != 0)
		return kiosk_command_error("store: %s", store_error(k->store));
	/* A recipient's card_id stays out of the daemon's log: the staff log has it. */
	log_info("a card was %s by %s (staff log entry %lld)", status, actor, (long long)log_id);
	sync_client_changed(k->sync);
	return json_pack("{s:b, s:s}", "ok", 1, "status", status);
}

json_t *kiosk_command(struct kiosk *k, json_t *request, const char *actor)
{
	if (!json_is_object(request))
		return kiosk_command_error("a request is one JSON object");
	json_t *cmd = json_object_get(request, "cmd");
	if (!json_is_string(cmd))
		return kiosk_command_error("\"cmd\" (a string) is required");
	const char *name = json_string_value(cmd);
	if (strcmp(name, "status") == 0)
		return cmd_status(k);
	if (strcmp(name, "restock") == 0)
		return cmd_restock(k, request, actor);
	if (strcmp(name, "stock_set") == 0)
		return cmd_stock_set(k, request, actor);
	if (strcmp(name, "log") == 0)
		return cmd_log(k, request);
	if (strcmp(name, "export") == 0)
		return cmd_export(k, request);
	if (strcmp(name, "sync_now") == 0)
		return cmd_sync_now(k);
	if (strcmp(name, "card") == 0)
		return cmd_card(k, request, actor);
	if (strcmp(name, "staff") == 0)
		return kiosk_staff_command(k, request, actor);
	if (strcmp(name, "help") == 0)
		return kiosk_help(k, actor);
	if (strcmp(name, "content_import") == 0) {
		const char *path;
		json_t *err = NULL;
		if (string_field(request, "path", &path, &err) != 0)
			return err;
		if (!path)
			return kiosk_command_error("\"path\" is required");
		return kiosk_content_import(k, path, actor);
	}
	return kiosk_command_error("unknown command \"%.40s\" (status, watch, restock, stock_set, log, "
			      "export, help, content_import, sync_now, card, staff)",
			      name);
}
