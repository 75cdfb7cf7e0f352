/*
 * kioskctl: the staff's command line for a running kioskd (through its
 * control socket; docs/control.md), and `keygen` for the deployment key.
 * See kioskctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "card_identity.h"
#include "store.h"

#define DEFAULT_SOCKET "/run/kioskd/control.sock"
#define MAX_RESPONSE (64 * 1024 * 1024)

static const char *socket_path = DEFAULT_SOCKET;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kioskctl [-s SOCKET] COMMAND [ARGS]\n"
		"\n"
		"  status [--json]                 stock, today's and this month's counts, reader, sync\n"
		"  watch                           stream events as JSON lines (no card identity)\n"
		"  restock N                       add N sets to the stock\n"
		"  stock set N                     set the stock to a counted N\n"
		"  log [--since WHEN] [--limit N] [--json]\n"
		"                                  recent events; WHEN is 2026-11-01, \"2026-11-01 10:00\",\n"
		"                                  or an age: 30m, 24h, 7d\n"
		"  export csv [--from DATE] [--to DATE]\n"
		"                                  per-day counters as CSV (UTF-8 with BOM, for Excel)\n"
		"  help                            open the help screen (counts as a help request)\n"
		"  content import FILE             load a content bundle (JSON) into the kiosk; a bundle\n"
		"                                  with any fault is refused and the current one stays\n"
		"  sync now [--no-wait]            report to the office now; waits for the result\n"
		"  card issue|revoke [CARD_ID] [--timeout S]\n"
		"                                  issue or revoke a card by its card_id (32 hex digits),\n"
		"                                  or, without one, the next card tapped (within S s, 30)\n"
		"  staff enroll [--timeout S]      make the next card tapped a staff card\n"
		"  staff list [--json]             the staff cards (card_ids)\n"
		"  staff remove CARD_ID            a staff card is one no more\n"
		"  staff log [--limit N] [--json]  who enrolled, removed, issued or revoked which card\n"
		"  keygen FILE                     create the deployment key (once per deployment)\n"
		"\n"
		"  -s, --socket PATH   kioskd's control socket (default $KIOSKD_SOCKET or " DEFAULT_SOCKET ")\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "kioskctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	usage(stderr);
	return 2;
}

static int connect_kioskd(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "kioskctl: socket path too long: %s\n", socket_path);
		return -1;
	}
	memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		fprintf(stderr, "kioskctl: cannot connect to kioskd at %s: %s%s\n", socket_path,
			strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED ? " (is kioskd running?)"
			: errno == EACCES ? " (are you in kioskd's control group?)"
					  : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_request(int fd, json_t *req)
{
	char *text = json_dumps(req, JSON_COMPACT);
	if (!text)
		return -1;
	size_t len = strlen(text);
	text[len] = '\0';
	int rc = 0;
	const char *p = text;
	size_t left = len;
	while (left > 0 && rc == 0) {
		ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
		if (n <= 0)
			rc = -1;
		else {
			p += n;
			left -= (size_t)n;
		}
	}
	if (rc == 0 && send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		rc = -1;
	free(text);
	return rc;
}

/* Reads one line (without its newline) into a malloc'd buffer; NULL at EOF. */
static char *read_line(int fd, char **pending, size_t *pending_len)
{
	for (;;) {
		char *nl = *pending ? memchr(*pending, '\n', *pending_len) : NULL;
		if (nl) {
			size_t len = (size_t)(nl - *pending);
			char *line = malloc(len + 1);
			if (!line)
				return NULL;
			memcpy(line, *pending, len);
			line[len] = '\0';
			memmove(*pending, nl + 1, *pending_len - len - 1);
			*pending_len -= len + 1;
			return line;
		}
		if (*pending_len > MAX_RESPONSE)
			return NULL;
		char *bigger = realloc(*pending, *pending_len + 65536);
		if (!bigger)
			return NULL;
		*pending = bigger;
		ssize_t n = recv(fd, *pending + *pending_len, 65536, 0);
		if (n <= 0)
			return NULL;
		*pending_len += (size_t)n;
	}
}

/* Sends req, returns the parsed answer (NULL after printing why). */
static json_t *call(json_t *req)
{
	int fd = connect_kioskd();
	if (fd < 0) {
		json_decref(req);
		return NULL;
	}
	char *pending = NULL;
	size_t pending_len = 0;
	json_t *resp = NULL;
	/* Even if sending fails, kioskd may have said why (e.g. "not allowed"). */
	int send_errno = send_request(fd, req) != 0 ? errno : 0;
	{
		char *line = read_line(fd, &pending, &pending_len);
		if (!line) {
			if (send_errno)
				fprintf(stderr, "kioskctl: sending to kioskd failed: %s\n",
					strerror(send_errno));
			else
				fprintf(stderr, "kioskctl: kioskd closed the connection without answering\n");
		} else {
			json_error_t jerr;
			resp = json_loads(line, 0, &jerr);
			if (!json_is_object(resp)) {
				fprintf(stderr, "kioskctl: kioskd's answer is not a JSON object\n");
				json_decref(resp);
				resp = NULL;
			}
			free(line);
		}
	}
	free(pending);
	close(fd);
	json_decref(req);
	if (resp && !json_is_true(json_object_get(resp, "ok"))) {
		const char *e = json_string_value(json_object_get(resp, "error"));
		fprintf(stderr, "kioskctl: %s\n", e ? e : "kioskd refused the request");
		json_decref(resp);
		return NULL;
	}
	return resp;
}

static bool parse_count(const char *s, long long max, long long *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

static json_int_t get_int(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static const char *get_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static void print_counters(const char *title, json_t *c)
{
	printf("%s\n", title);
	printf("  handed out        %lld\n", (long long)get_int(c, "handouts"));
	printf("  new cards         %lld\n", (long long)get_int(c, "new_cards"));
	printf("  denied: limit     %lld\n", (long long)get_int(c, "denied_limit"));
	printf("  denied: stock     %lld\n", (long long)get_int(c, "denied_out_of_stock"));
	printf("  denied: revoked   %lld\n", (long long)get_int(c, "denied_revoked"));
	printf("  denied: not issued %lld\n", (long long)get_int(c, "denied_not_issued"));
	printf("  unusable cards    %lld\n", (long long)get_int(c, "denied_unusable_card"));
	printf("  not taken         %lld\n", (long long)get_int(c, "not_taken"));
	printf("  restocked         %lld\n", (long long)get_int(c, "restocked_sets"));
	printf("  help requests     %lld\n", (long long)get_int(c, "help_requests"));
}

static void print_sync(json_t *sync)
{
	if (!json_is_true(json_object_get(sync, "configured"))) {
		printf("sync     no office configured\n");
		return;
	}
	printf("sync     %s, %s; last success: %s\n", get_str(sync, "url"), get_str(sync, "state"),
	       json_is_string(json_object_get(sync, "last_success")) ? get_str(sync, "last_success")
								       : "never");
	if (*get_str(sync, "error"))
		printf("         NOT RUNNING: %s\n", get_str(sync, "error"));
	if (json_is_string(json_object_get(sync, "last_error")))
		printf("         last error (%s): %s\n", get_str(sync, "last_error_at"),
		       get_str(sync, "last_error"));
	if (json_is_string(json_object_get(sync, "next_attempt")))
		printf("         next attempt: %s (%lld failures in a row)\n",
		       get_str(sync, "next_attempt"), (long long)get_int(sync, "failures"));
	printf("         pending: %lld day%s, %lld card event%s\n",
	       (long long)get_int(sync, "pending_days"), get_int(sync, "pending_days") == 1 ? "" : "s",
	       (long long)get_int(sync, "pending_card_events"),
	       get_int(sync, "pending_card_events") == 1 ? "" : "s");
	size_t i;
	json_t *day;
	json_array_foreach(json_object_get(sync, "rejected_days"), i, day)
		printf("         REFUSED by the office: %s (revision %lld): %s\n", get_str(day, "date"),
		       (long long)get_int(day, "revision"), get_str(day, "reason"));
	if (json_is_true(json_object_get(sync, "clock_flagged")))
		printf("         the office flagged this kiosk's clock (not synchronized, or wrong)\n");
}

static void print_gpio_and_staff(json_t *r)
{
	json_t *gpio = json_object_get(r, "gpio");
	if (json_is_true(json_object_get(gpio, "configured"))) {
		const char *role;
		json_t *line;
		int ok = 0, failed = 0;
		json_object_foreach(json_object_get(gpio, "lines"), role, line)
		{
			if (strcmp(get_str(line, "state"), "ok") == 0)
				ok++;
			else
				failed++;
		}
		printf("gpio     %d line%s working", ok, ok == 1 ? "" : "s");
		if (failed)
			printf(", %d FAILED (taps are still served)", failed);
		printf("; dispenser %s\n", get_str(gpio, "dispenser"));
		json_object_foreach(json_object_get(gpio, "lines"), role, line)
			if (strcmp(get_str(line, "state"), "ok") != 0)
				printf("         %s (%s): %s\n", role, get_str(line, "line"),
				       get_str(line, "error"));
	}
	json_t *staff = json_object_get(r, "staff");
	if (staff) {
		printf("staff    %lld staff card%s", (long long)get_int(staff, "cards"),
		       get_int(staff, "cards") == 1 ? "" : "s");
		json_t *waiting = json_object_get(staff, "waiting");
		if (waiting)
			printf("; waiting %lld s for a tap (%s, by %s)",
			       (long long)get_int(waiting, "seconds_left"), get_str(waiting, "action"),
			       get_str(waiting, "actor"));
		printf("\n");
	}
}

static int cmd_status(int argc, char **argv)
{
	bool as_json = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else
			return usage_error("status: unknown option \"%s\"", argv[i]);
	}
	json_t *r = call(json_pack("{s:s}", "cmd", "status"));
	if (!r)
		return 1;
	if (as_json) {
		char *text = json_dumps(r, JSON_COMPACT);
		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(r);
		return 0;
	}
	printf("kiosk %s (site %s %s), kioskd %s\n", get_str(r, "kiosk_id"), get_str(r, "site_id"),
	       get_str(r, "site_name"), get_str(r, "version"));
	printf("time     %s (%s), clock %s\n", get_str(r, "time"), get_str(r, "timezone"),
	       json_is_true(json_object_get(r, "clock_synchronized")) ? "synchronized"
								      : "NOT synchronized");
	json_t *reader = json_object_get(r, "reader");
	printf("reader   %s%s%s\n", get_str(reader, "state"), *get_str(reader, "detail") ? ": " : "",
	       get_str(reader, "detail"));
	json_t *store = json_object_get(r, "store");
	if (strcmp(get_str(store, "state"), "ok") != 0) {
		printf("store    UNAVAILABLE: %s\n", get_str(store, "error"));
		json_decref(r);
		return 0;
	}
	json_t *stock = json_object_get(r, "stock");
	printf("stock    %lld sets%s (low-water mark %lld)\n", (long long)get_int(stock, "level"),
	       json_is_true(json_object_get(stock, "low")) ? " LOW" : "",
	       (long long)get_int(stock, "low_water"));
	print_sync(json_object_get(r, "sync"));
	print_gpio_and_staff(r);
	char title[64];
	json_t *today = json_object_get(r, "today");
	snprintf(title, sizeof(title), "today (%s)", get_str(today, "date"));
	print_counters(title, today);
	json_t *month = json_object_get(r, "month");
	snprintf(title, sizeof(title), "this month (%s to %s)", get_str(month, "from"),
		 get_str(month, "to"));
	print_counters(title, month);
	json_decref(r);
	return 0;
}

static int cmd_watch(int argc, char **argv)
{
	(void)argv;
	if (argc > 0)
		return usage_error("watch takes no arguments");
	int fd = connect_kioskd();
	if (fd < 0)
		return 1;
	json_t *req = json_pack("{s:s}", "cmd", "watch");
	int rc = send_request(fd, req);
	json_decref(req);
	if (rc != 0) {
		close(fd);
		return 1;
	}
	char *pending = NULL;
	size_t pending_len = 0;
	char *line;
	bool first = true;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((line = read_line(fd, &pending, &pending_len)) != NULL) {
		if (first) {
			/* The acknowledgement, not an event. */
			json_t *ack = json_loads(line, 0, NULL);
			bool ok = ack && json_is_true(json_object_get(ack, "ok"));
			if (!ok)
				fprintf(stderr, "kioskctl: %s\n", get_str(ack, "error"));
			json_decref(ack);
			free(line);
			if (!ok) {
				free(pending);
				close(fd);
				return 1;
			}
			first = false;
			continue;
		}
		printf("%s\n", line);
		free(line);
	}
	free(pending);
	close(fd);
	return 0;
}

static int cmd_restock(int argc, char **argv)
{
	long long n;
	if (argc != 1 || !parse_count(argv[0], 100000, &n) || n == 0)
		return usage_error("restock needs a number of sets from 1 to 100000");
	json_t *r = call(json_pack("{s:s, s:I}", "cmd", "restock", "sets", (json_int_t)n));
	if (!r)
		return 1;
	printf("restocked %lld sets; stock is now %lld\n", n, (long long)get_int(r, "stock"));
	json_decref(r);
	return 0;
}

static int cmd_stock(int argc, char **argv)
{
	long long n;
	if (argc != 2 || strcmp(argv[0], "set") != 0 || !parse_count(argv[1], 100000, &n))
		return usage_error("usage: stock set N (N from 0 to 100000)");
	json_t *r = call(json_pack("{s:s, s:I}", "cmd", "stock_set", "level", (json_int_t)n));
	if (!r)
		return 1;
	printf("stock set to %lld\n", (long long)get_int(r, "stock"));
	json_decref(r);
	return 0;
}

static int cmd_log(int argc, char **argv)
{
	json_t *req = json_pack("{s:s}", "cmd", "log");
	bool as_json = false;
	for (int i = 0; i < argc; i++) {
		long long n;
		if (strcmp(argv[i], "--json") == 0) {
			as_json = true;
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			json_object_set_new(req, "since", json_string(argv[++i]));
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (!parse_count(argv[++i], 10000, &n) || n == 0) {
				json_decref(req);
				return usage_error("log: --limit must be from 1 to 10000");
			}
			json_object_set_new(req, "limit", json_integer(n));
		} else {
			json_decref(req);
			return usage_error("log: unknown or incomplete option \"%s\"", argv[i]);
		}
	}
	json_t *r = call(req);
	if (!r)
		return 1;
	json_t *events = json_object_get(r, "events");
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e)
	{
		if (as_json) {
			char *text = json_dumps(e, JSON_COMPACT);
			printf("%s\n", text ? text : "{}");
			free(text);
			continue;
		}
		printf("%6lld  %s  %-9s", (long long)get_int(e, "seq"), get_str(e, "at"),
		       get_str(e, "kind"));
		if (*get_str(e, "reason"))
			printf(" %-13s", get_str(e, "reason"));
		else
			printf(" %-13s", "");
		printf(" %+5lld -> stock %lld", (long long)get_int(e, "amount"),
		       (long long)get_int(e, "stock_after"));
		if (*get_str(e, "actor"))
			printf("  by %s", get_str(e, "actor"));
		if (!json_is_true(json_object_get(e, "clock_synced")))
			printf("  (clock not synchronized)");
		printf("\n");
	}
	json_decref(r);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "csv") != 0)
		return usage_error("usage: export csv [--from DATE] [--to DATE]");
	json_t *req = json_pack("{s:s}", "cmd", "export");
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--from") == 0 || strcmp(argv[i], "--to") == 0) && i + 1 < argc) {
			json_object_set_new(req, argv[i] + 2, json_string(argv[i + 1]));
			i++;
		} else {
			json_decref(req);
			return usage_error("export: unknown or incomplete option \"%s\"", argv[i]);
		}
	}
	json_t *r = call(req);
	if (!r)
		return 1;
	/* The BOM makes Excel on Japanese Windows read the file as UTF-8. */
	fputs("\xEF\xBB\xBF", stdout);
	fputs("date", stdout);
#define HEADER(name) fputs("," #name, stdout);
	STORE_DAY_COUNTERS(HEADER)
#undef HEADER
	fputs(",clock_synchronized\r\n", stdout);
	size_t i;
	json_t *day;
	json_array_foreach(json_object_get(r, "days"), i, day)
	{
		fputs(get_str(day, "date"), stdout);
#define VALUE(name) printf(",%lld", (long long)get_int(day, #name));
		STORE_DAY_COUNTERS(VALUE)
#undef VALUE
		printf(",%s\r\n", get_int(day, "clock_unsynced") == 0 ? "yes" : "no");
	}
	json_decref(r);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_help(int argc, char **argv)
{
	(void)argv;
	if (argc > 0)
		return usage_error("help takes no arguments");
	json_t *r = call(json_pack("{s:s}", "cmd", "help"));
	if (!r)
		return 1;
	if (json_is_true(json_object_get(r, "opened")))
		printf("help screen opened for %lld s%s\n", (long long)get_int(r, "seconds"),
		       json_is_true(json_object_get(r, "counted")) ? "; counted as a help request"
								   : "; NOT counted (store unavailable)");
	else
		printf("help screen was open already; kept open for %lld s (not counted again)\n",
		       (long long)get_int(r, "seconds"));
	json_decref(r);
	return 0;
}

static int cmd_content(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "import") != 0)
		return usage_error("usage: content import FILE");
	/* kioskd opens the file itself, so it needs the whole path. */
	char *path = realpath(argv[1], NULL);
	if (!path) {
		fprintf(stderr, "kioskctl: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	json_t *r = call(json_pack("{s:s, s:s}", "cmd", "content_import", "path", path));
	free(path);
	if (!r)
		return 1;
	printf("content version %s imported: %lld hotlines, %lld windows, %lld sessions, "
	       "%lld sites\n", get_str(r, "version"), (long long)get_int(r, "hotlines"),
	       (long long)get_int(r, "windows"), (long long)get_int(r, "sessions"),
	       (long long)get_int(r, "sites"));
	json_decref(r);
	return 0;
}

/*
 * sync now: subscribes to the watch stream first, so the "sync" event that
 * ends the requested sync cannot be missed, then asks for it.
 */
static int cmd_sync(int argc, char **argv)
{
	bool wait = true;
	if (argc < 1 || strcmp(argv[0], "now") != 0)
		return usage_error("usage: sync now [--no-wait]");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-wait") == 0)
			wait = false;
		else
			return usage_error("sync now: unknown option \"%s\"", argv[i]);
	}
	if (!wait) {
		json_t *r = call(json_pack("{s:s}", "cmd", "sync_now"));
		if (!r)
			return 1;
		printf("sync started\n");
		json_decref(r);
		return 0;
	}
	int fd = connect_kioskd();
	if (fd < 0)
		return 1;
	json_t *req = json_pack("{s:s}", "cmd", "watch");
	int rc = send_request(fd, req);
	json_decref(req);
	char *pending = NULL, *line;
	size_t pending_len = 0;
	int skip = 0, result = 1;
	bool asked = false, answered = false;
	while (rc == 0 && (line = read_line(fd, &pending, &pending_len)) != NULL) {
		json_t *msg = json_loads(line, 0, NULL);
		free(line);
		const char *event = json_string_value(json_object_get(msg, "event"));
		if (!event && json_is_false(json_object_get(msg, "ok"))) {
			fprintf(stderr, "kioskctl: %s\n", get_str(msg, "error"));
			json_decref(msg);
			break;
		}
		if (!event && asked) {
			/* The answer: only "sync" events after it can be ours. */
			answered = true;
			if (json_is_true(json_object_get(msg, "after_current")))
				skip = 1; /* the sync in flight ends first; ours is the next */
		}
		if (event && strcmp(event, "watching") == 0 && !asked) {
			req = json_pack("{s:s}", "cmd", "sync_now");
			rc = send_request(fd, req);
			json_decref(req);
			asked = true;
		} else if (event && answered && strcmp(event, "sync") == 0 && skip-- <= 0) {
			bool ok = strcmp(get_str(msg, "result"), "ok") == 0;
			if (ok)
				printf("sync: ok: %lld report%s, %lld days acknowledged, %lld pending\n",
				       (long long)get_int(msg, "reports"),
				       get_int(msg, "reports") == 1 ? "" : "s",
				       (long long)get_int(msg, "days"), (long long)get_int(msg, "pending"));
			else
				printf("sync: failed: %s (%lld days pending)\n", get_str(msg, "error"),
				       (long long)get_int(msg, "pending"));
			result = ok ? 0 : 1;
			json_decref(msg);
			break;
		}
		json_decref(msg);
	}
	free(pending);
	close(fd);
	return result;
}

/*
 * A command that waits for the next tap: subscribes to the watch stream
 * first (so the "next_tap" event that ends it cannot be missed), sends req
 * once the stream is live, then waits for the event with the request's id.
 */
static int wait_next_tap(json_t *req)
{
	int fd = connect_kioskd();
	if (fd < 0) {
		json_decref(req);
		return 1;
	}
	json_t *w = json_pack("{s:s}", "cmd", "watch");
	int rc = send_request(fd, w);
	json_decref(w);
	char *pending = NULL, *line;
	size_t pending_len = 0;
	int result = 1;
	bool asked = false;
	json_int_t id = -1, log_id = 0;
	while (rc == 0 && (line = read_line(fd, &pending, &pending_len)) != NULL) {
		json_t *msg = json_loads(line, 0, NULL);
		free(line);
		const char *event = json_string_value(json_object_get(msg, "event"));
		if (!event && json_is_false(json_object_get(msg, "ok"))) {
			fprintf(stderr, "kioskctl: %s\n", get_str(msg, "error"));
			json_decref(msg);
			break;
		}
		if (!event && asked && id < 0) {
			id = get_int(msg, "id");
			printf("tap the card on the reader now (waiting %lld s)...\n",
			       (long long)get_int(msg, "timeout"));
			fflush(stdout);
		} else if (event && strcmp(event, "watching") == 0 && !asked) {
			rc = send_request(fd, req);
			asked = true;
		} else if (event && id >= 0 && strcmp(event, "next_tap") == 0 &&
			   get_int(msg, "id") == id) {
			bool ok = json_is_true(json_object_get(msg, "ok"));
			fprintf(ok ? stdout : stderr, "%s%s\n", ok ? "" : "kioskctl: ",
				get_str(msg, "message"));
			result = ok ? 0 : 1;
			log_id = get_int(msg, "log_id");
			json_decref(msg);
			break;
		}
		json_decref(msg);
	}
	if (rc != 0)
		fprintf(stderr, "kioskctl: sending to kioskd failed\n");
	free(pending);
	close(fd);
	json_decref(req);
	/* The watch stream carries no card identity: the card_id is in the staff log. */
	if (result == 0 && log_id > 0) {
		json_t *r = call(json_pack("{s:s, s:s, s:I}", "cmd", "staff", "action", "log", "id",
					   log_id));
		json_t *entry = json_array_get(json_object_get(r, "entries"), 0);
		if (entry)
			printf("card_id %s\n", get_str(entry, "card_id"));
		json_decref(r);
	}
	return result;
}

/* "--timeout S" at argv[i]: sets it on req. Returns the arguments used (0 or 2), -1 if bad. */
static int timeout_option(int argc, char **argv, int i, json_t *req)
{
	if (strcmp(argv[i], "--timeout") != 0)
		return 0;
	long long n;
	if (i + 1 >= argc || !parse_count(argv[i + 1], 600, &n) || n == 0)
		return -1;
	json_object_set_new(req, "timeout", json_integer(n));
	return 2;
}

static int cmd_card(int argc, char **argv)
{
	if (argc < 1 || (strcmp(argv[0], "issue") != 0 && strcmp(argv[0], "revoke") != 0))
		return usage_error("usage: card issue|revoke [CARD_ID] [--timeout S]");
	json_t *req = json_pack("{s:s, s:s}", "cmd", "card", "action", argv[0]);
	const char *id = NULL;
	for (int i = 1; i < argc;) {
		int used = timeout_option(argc, argv, i, req);
		if (used < 0) {
			json_decref(req);
			return usage_error("card: --timeout needs seconds from 1 to 600");
		}
		if (used == 0 && !id && argv[i][0] != '-') {
			id = argv[i];
			used = 1;
		}
		if (used == 0) {
			json_decref(req);
			return usage_error("card: unexpected \"%s\"", argv[i]);
		}
		i += used;
	}
	if (!id)
		return wait_next_tap(req);
	json_object_set_new(req, "card_id", json_string(id));
	json_t *r = call(req);
	if (!r)
		return 1;
	printf("card %s\n", get_str(r, "status"));
	json_decref(r);
	return 0;
}

static void print_json_line(json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT);
	printf("%s\n", text ? text : "{}");
	free(text);
}

static int cmd_staff(int argc, char **argv)
{
	if (argc < 1)
		return usage_error("usage: staff enroll|list|remove|log");
	const char *action = argv[0];
	bool as_json = false;
	json_t *req = json_pack("{s:s, s:s}", "cmd", "staff", "action", action);
	if (strcmp(action, "enroll") == 0) {
		for (int i = 1; i < argc; i += 2) {
			if (timeout_option(argc, argv, i, req) != 2) {
				json_decref(req);
				return usage_error("staff enroll: only --timeout S (1 to 600)");
			}
		}
		return wait_next_tap(req);
	}
	if (strcmp(action, "remove") == 0) {
		if (argc != 2) {
			json_decref(req);
			return usage_error("usage: staff remove CARD_ID");
		}
		json_object_set_new(req, "card_id", json_string(argv[1]));
	} else if (strcmp(action, "list") == 0 || strcmp(action, "log") == 0) {
		for (int i = 1; i < argc; i++) {
			long long n;
			if (strcmp(argv[i], "--json") == 0) {
				as_json = true;
			} else if (strcmp(action, "log") == 0 && strcmp(argv[i], "--limit") == 0 &&
				   i + 1 < argc && parse_count(argv[i + 1], 1000, &n) && n > 0) {
				json_object_set_new(req, "limit", json_integer(n));
				i++;
			} else {
				json_decref(req);
				return usage_error("staff %s: unknown or incomplete option \"%s\"", action,
						   argv[i]);
			}
		}
	} else {
		json_decref(req);
		return usage_error("usage: staff enroll|list|remove|log");
	}
	json_t *r = call(req);
	if (!r)
		return 1;
	size_t i;
	json_t *e;
	if (strcmp(action, "remove") == 0) {
		printf("staff card %s removed\n", get_str(r, "removed"));
	} else if (strcmp(action, "list") == 0) {
		json_t *cards = json_object_get(r, "cards");
		if (!as_json && json_array_size(cards) == 0)
			printf("no staff cards enrolled; enroll one with: kioskctl staff enroll\n");
		json_array_foreach(cards, i, e)
		{
			if (as_json)
				print_json_line(e);
			else
				printf("%s\n", get_str(e, "card_id"));
		}
	} else {
		json_array_foreach(json_object_get(r, "entries"), i, e)
		{
			if (as_json)
				print_json_line(e);
			else
				printf("%s  %-7s %s  by %s\n", get_str(e, "at"), get_str(e, "action"),
				       get_str(e, "card_id"), get_str(e, "actor"));
		}
	}
	json_decref(r);
	return 0;
}

static int cmd_keygen(int argc, char **argv)
{
	if (argc != 1)
		return usage_error("usage: keygen FILE");
	char err[512];
	if (card_key_generate(argv[0], err, sizeof(err)) != 0) {
		fprintf(stderr, "kioskctl: %s\n", err);
		return 1;
	}
	printf("created deployment key %s (mode 0600). Install this same file on every kiosk and "
	       "the card-issuing station, and keep a backup: a lost key makes every card new.\n",
	       argv[0]);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *env = getenv("KIOSKD_SOCKET");
	if (env && *env)
		socket_path = env;
	int opt;
	/* "+": stop at the command, so its own options are left for it. */
	while ((opt = getopt_long(argc, argv, "+s:h", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	int cargc = argc - optind - 1;
	char **cargv = argv + optind + 1;
	if (strcmp(cmd, "status") == 0)
		return cmd_status(cargc, cargv);
	if (strcmp(cmd, "watch") == 0)
		return cmd_watch(cargc, cargv);
	if (strcmp(cmd, "restock") == 0)
		return cmd_restock(cargc, cargv);
	if (strcmp(cmd, "stock") == 0)
		return cmd_stock(cargc, cargv);
	if (strcmp(cmd, "log") == 0)
		return cmd_log(cargc, cargv);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(cargc, cargv);
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(cargc, cargv);
	if (strcmp(cmd, "sync") == 0)
		return cmd_sync(cargc, cargv);
	if (strcmp(cmd, "card") == 0)
		return cmd_card(cargc, cargv);
	if (strcmp(cmd, "staff") == 0)
		return cmd_staff(cargc, cargv);
	if (strcmp(cmd, "help") == 0)
		return cmd_help(cargc, cargv);
	if (strcmp(cmd, "content") == 0)
		return cmd_content(cargc, cargv);
	return usage_error("unknown command \"%s\"", cmd);
}
