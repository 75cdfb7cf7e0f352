/*
 * officed: the central office server's main() and its administration
 * commands. See officed(8).
 *
 *   officed [-c FILE] [-o S.K=V]...                    serve
 *   officed [-c FILE] kiosk add ID --site SITE         register; prints the token once
 *   officed [-c FILE] kiosk list [--json]
 *   officed [-c FILE] kiosk revoke ID
 *   officed [-c FILE] content import FILE
 *   officed [-c FILE] user add|passwd|remove NAME          dashboard logins (admin.c)
 *   officed [-c FILE] export days|months|programme ...   CSV for Excel
 *   officed [-c FILE] holidays import FILE              national holidays
 *   officed [-c FILE] backup FILE                        copy the SQLite database
 *   officed --check-config FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "content.h"
#include "file_read.h"
#include "publish.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "office.h"
#include "sd_notify.h"
#include "tz.h"

#define DEFAULT_CONFIG "/etc/officed/officed.conf"
#define MAX_OVERRIDES 32
#define PEM_MAX (256 * 1024)

int64_t office_now(void) { return (int64_t)time(NULL); }

static void usage(FILE *out)
{
	fprintf(out,
		"usage: officed [-c FILE] [-o SECTION.KEY=VALUE]...         serve\n"
		"       officed [-c FILE] kiosk add ID --site SITE          register a kiosk; prints its token once\n"
		"       officed [-c FILE] kiosk list [--json]               the kiosks, their last contact and stock\n"
		"       officed [-c FILE] kiosk revoke ID                   refuse the kiosk's token from now on\n"
		"       officed [-c FILE] content import FILE               validate and publish a content bundle\n"
		"       officed [-c FILE] user add|passwd|remove NAME       dashboard logins (password on stdin)\n"
		"       officed [-c FILE] export days|months|programme [--from X] [--to Y] [--lang ja|en] [-o FILE]\n"
		"       officed [-c FILE] holidays import FILE              the Cabinet Office's holiday CSV\n"
		"       officed [-c FILE] backup FILE                       copy the SQLite database while running\n"
		"       officed --check-config FILE\n"
		"\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
		"  -o, --set S.K=V     override a key, e.g. -o office.body_cap=65536\n"
		"  -V, --version       print the version\n");
}

static int load_config(struct office_config *cfg, const char *path, const char **overrides,
		       int n_overrides, bool path_given)
{
	office_config_defaults(cfg);
	int errors = 0;
	/* Without -c and without the default file, the defaults and -o serve. */
	if (path_given || access(path, F_OK) == 0)
		errors += office_config_load(cfg, path, stderr);
	for (int i = 0; i < n_overrides; i++)
		errors += office_config_set(cfg, overrides[i], stderr);
	if (errors == 0)
		errors += office_config_validate(cfg, path, stderr);
	return errors;
}

/* ---- the administration commands ---- */

static int open_storage(const struct office_config *cfg, struct storage **s)
{
	char err[512];
	if (storage_open(cfg->database, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "officed: %s\n", err);
		return -1;
	}
	return 0;
}

static int cmd_kiosk_add(const struct office_config *cfg, int argc, char **argv)
{
	const char *id = NULL, *site = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--site") == 0 && i + 1 < argc)
			site = argv[++i];
		else if (!id && argv[i][0] != '-')
			id = argv[i];
		else {
			fprintf(stderr, "officed: kiosk add: unexpected \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (!id || !site) {
		fprintf(stderr, "officed: usage: kiosk add ID --site SITE\n");
		return 2;
	}
	if (!protocol_valid_id(id) || !protocol_valid_id(site)) {
		fprintf(stderr, "officed: kiosk and site ids are 1 to %d letters, digits, '.', '_' or '-'\n",
			PROTOCOL_ID_MAX);
		return 2;
	}
	char token[TOKEN_LEN + 1];
	uint8_t hash[TOKEN_HASH_LEN];
	if (token_generate(token) != 0) {
		fprintf(stderr, "officed: cannot generate a token: %s\n", strerror(errno));
		return 1;
	}
	token_hash(token, strlen(token), hash);
	struct storage *s;
	if (open_storage(cfg, &s) != 0)
		return 1;
	int rc = storage_kiosk_add(s, id, site, hash, office_now());
	if (rc != 0)
		fprintf(stderr, "officed: %s\n", storage_error(s));
	storage_close(s);
	if (rc != 0)
		return 1;
	/* The token goes to stdout alone, once; the office keeps only its hash. */
	printf("%s\n", token);
	fflush(stdout);
	fprintf(stderr,
		"officed: kiosk %s registered at site %s. The line above is its token, shown this "
		"once: install it on the kiosk as its [office] token_file (mode 0600).\n",
		id, site);
	explicit_bzero(token, sizeof(token));
	return 0;
}

static int cmd_kiosk_revoke(const struct office_config *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "officed: usage: kiosk revoke ID\n");
		return 2;
	}
	struct storage *s;
	if (open_storage(cfg, &s) != 0)
		return 1;
	int rc = storage_kiosk_revoke(s, argv[0], office_now());
	if (rc != 0)
		fprintf(stderr, "officed: %s\n", storage_error(s));
	else
		fprintf(stderr, "officed: kiosk %s revoked; its token is refused within %d s\n",
			argv[0], KIOSK_CACHE_TTL_MS / 1000);
	storage_close(s);
	return rc ? 1 : 0;
}

struct list_ctx {
	const struct office_config *cfg;
	bool json;
	int64_t now;
};

static void format_time(const char *zone, int64_t t, char *out, size_t len)
{
	if (t == 0) {
		snprintf(out, len, "never");
		return;
	}
	struct tm tm;
	tz_localtime(zone, t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static int list_one(void *arg, const struct storage_kiosk *k)
{
	struct list_ctx *ctx = arg;
	bool silent = k->revoked_at == 0 && ctx->now - k->last_contact > (int64_t)ctx->cfg->silence;
	const char *state = k->revoked_at ? "revoked" : silent ? "silent" : "ok";
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:s, s:I, s:b, s:s, s:s, s:I}",
				      "kiosk_id", k->kiosk_id, "site_id", k->site_id, "state", state,
				      "last_contact", (json_int_t)k->last_contact, "clock_offset",
				      (json_int_t)k->clock_offset, "stock_level", (json_int_t)k->stock_level,
				      "stock_low", k->stock_low, "firmware", k->firmware, "reports",
				      (json_int_t)k->reports, "clock_synchronized", k->clock_synchronized,
				      "reader", k->health_reader, "last_error", k->health_last_error,
				      "revoked_at", (json_int_t)k->revoked_at);
		char *text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		printf("%s\n", text ? text : "{}");
		free(text);
		return 0;
	}
	char when[32];
	format_time(ctx->cfg->timezone, k->last_contact, when, sizeof(when));
	printf("%-24s %-10s %-8s %-20s %6lld%s %8lld\n", k->kiosk_id, k->site_id, state, when,
	       (long long)k->stock_level, k->stock_low ? " LOW" : "    ", (long long)k->reports);
	return 0;
}

static int cmd_kiosk_list(const struct office_config *cfg, int argc, char **argv)
{
	struct list_ctx ctx = {.cfg = cfg, .now = office_now()};
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "officed: usage: kiosk list [--json]\n");
			return 2;
		}
		ctx.json = true;
	}
	struct storage *s;
	if (open_storage(cfg, &s) != 0)
		return 1;
	if (!ctx.json)
		printf("%-24s %-10s %-8s %-20s %10s %8s\n", "KIOSK", "SITE", "STATE", "LAST CONTACT",
		       "STOCK", "REPORTS");
	int rc = storage_kiosk_each(s, list_one, &ctx);
	if (rc != 0)
		fprintf(stderr, "officed: %s\n", storage_error(s));
	storage_close(s);
	return rc ? 1 : 0;
}

static int cmd_content_import(const struct office_config *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "officed: usage: content import FILE\n");
		return 2;
	}
	char err[512];
	char *text = office_read_file(argv[0], CONTENT_MAX_BYTES, false, NULL, err, sizeof(err));
	if (!text) {
		fprintf(stderr, "officed: %s\n", err);
		return 1;
	}
	/* Checked as it will be published (the office sets version and
	 * generated_at), with the kiosks' own parser, before anything is stored. */
	json_error_t jerr;
	json_t *bundle = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	char *trial = NULL;
	char etag[CONTENT_ETAG_MAX];
	if (!bundle)
		snprintf(err, sizeof(err), "not valid JSON: line %d, column %d", jerr.line, jerr.column);
	if (!bundle || content_build(bundle, NULL, 0, 1, office_now(), cfg->timezone, &trial, etag,
				     err, sizeof(err)) != 0) {
		fprintf(stderr, "officed: %s: %s; nothing published\n", argv[0], err);
		json_decref(bundle);
		return 1;
	}
	free(trial);
	struct storage *s;
	if (open_storage(cfg, &s) != 0) {
		json_decref(bundle);
		return 1;
	}
	/* The office's own help pages, when it knows its public address. */
	if (cfg->public_url[0]) {
		char url[200];
		snprintf(url, sizeof(url), "%s/S/{site}", cfg->public_url);
		json_object_set_new(bundle, "help_url_template", json_string(url));
	}
	int64_t version = 0;
	int rc = storage_content_import(s, bundle, office_now(), cfg->timezone, &version);
	if (rc != 0)
		fprintf(stderr, "officed: %s; nothing published\n", storage_error(s));
	else
		printf("published content version %lld\n", (long long)version);
	storage_close(s);
	json_decref(bundle);
	return rc ? 1 : 0;
}

/* ---- serving ---- */

/* Binds "host:port" ("[v6]:port"); the chosen port is written to *port. */
static int bind_listen(const char *listen_addr, int *port, char *err, size_t errlen)
{
	char host[128];
	const char *colon = strrchr(listen_addr, ':');
	if (!colon || colon == listen_addr || (size_t)(colon - listen_addr) >= sizeof(host)) {
		snprintf(err, errlen, "[server] listen = %s: expected host:port", listen_addr);
		return -1;
	}
	memcpy(host, listen_addr, (size_t)(colon - listen_addr));
	host[colon - listen_addr] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, colon + 1, &hints, &res);
	if (gai != 0) {
		snprintf(err, errlen, "[server] listen = %s: %s", listen_addr, gai_strerror(gai));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int serve(struct office *o)
{
	char err[512];
	char *cert = NULL, *key = NULL;
	/* TZ is set once here, before any thread: setenv while another thread
	 * (libpq, GnuTLS) reads the environment is a race (kioskd's ASan run
	 * caught one). Every later call names this same zone: no setenv. */
	tz_init(o->cfg.timezone);
	if (o->cfg.tls_cert[0]) {
		cert = office_read_file(o->cfg.tls_cert, PEM_MAX, false, NULL, err, sizeof(err));
		key = cert ? office_read_file(o->cfg.tls_key, PEM_MAX, true, NULL, err, sizeof(err)) : NULL;
		if (!key) {
			log_error("%s; not starting", err);
			free(cert);
			return 1;
		}
	}
	struct storage *writer = NULL;
	if (storage_open(o->cfg.database, &writer, err, sizeof(err)) != 0 ||
	    storage_open(o->cfg.database, &o->reader, err, sizeof(err)) != 0) {
		log_error("storage: %s; not starting", err);
		storage_close(writer);
		free(cert);
		free(key);
		return 1;
	}
	/* The dashboard's session key is the deployment's, shared by every
	 * instance through the database (web.h, session.h). */
	o->logins = login_limit_new(o->cfg.login_attempts, o->cfg.login_window);
	if (!o->logins || storage_secret(o->reader, "session_key", o->session_key, SESSION_KEY_LEN) != 0 ||
	    kiosk_cache_load(&o->kiosks, o->reader) != 0 ||
	    content_cache_refresh(&o->content, o->reader, NULL) != 0) {
		log_error("storage: %s; not starting", storage_error(o->reader));
		storage_close(writer);
		free(cert);
		free(key);
		return 1;
	}
	int port;
	int fd = bind_listen(o->cfg.listen, &port, err, sizeof(err));
	if (fd < 0) {
		log_error("%s; not starting", err);
		storage_close(writer);
		free(cert);
		free(key);
		return 1;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked before any thread starts, so only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	o->ingest = ingest_start(o, writer);
	o->http = o->ingest ? http_start(o, fd, cert, key, err, sizeof(err)) : NULL;
	if (key)
		explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
	if (!o->ingest || !o->http || sfd < 0) {
		log_error("cannot start: %s", o->ingest ? err : "the committer thread");
		ingest_stop(o->ingest);
		close(fd);
		return 1;
	}
	log_info("officed %s listening on %s://%s (port %d), storage %s, body cap %u bytes",
		 OFFICED_VERSION, o->cfg.tls_cert[0] ? "https" : "http", o->cfg.listen, port,
		 storage_backend(o->reader), o->cfg.body_cap);

	/* systemd (sd_notify.h): ready once the port listens and storage is
	 * open; keep-alives from this thread between signals. */
	sd_notify_printf("READY=1\nSTATUS=listening on %s, storage %s", o->cfg.listen,
			 storage_backend(o->reader));
	int watchdog_ms = sd_watchdog_poll_ms();
	for (;;) {
		struct pollfd pfd = {.fd = sfd, .events = POLLIN};
		int ready = poll(&pfd, 1, watchdog_ms);
		if (watchdog_ms >= 0)
			sd_notify_send("WATCHDOG=1");
		if (ready == 0 || (ready < 0 && errno == EINTR))
			continue;
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si)) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: officed reads its configuration only at start; restart it to "
				 "apply changes");
			continue;
		}
		log_info("signal %u: shutting down", si.ssi_signo);
		break;
	}
	sd_notify_send("STOPPING=1");
	/* No new connections; the committer answers what it holds; then stop. */
	http_quiesce(o->http);
	ingest_stop(o->ingest);
	http_stop(o->http);
	close(fd);
	close(sfd);
	log_info("stopped: %llu reports stored, %llu requests refused",
		 (unsigned long long)atomic_load(&o->reports_stored),
		 (unsigned long long)atomic_load(&o->requests_refused));
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	const char *overrides[MAX_OVERRIDES];
	int n_overrides = 0;
	bool path_given = false, check_only = false;
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", required_argument, NULL, 'C'},
		{"set", required_argument, NULL, 'o'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "+c:o:Vh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			path_given = true;
			break;
		case 'C':
			config_path = optarg;
			path_given = true;
			check_only = true;
			break;
		case 'o':
			if (n_overrides == MAX_OVERRIDES) {
				fprintf(stderr, "officed: too many overrides\n");
				return 2;
			}
			overrides[n_overrides++] = optarg;
			break;
		case 'V':
			printf("officed %s\n", OFFICED_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	static struct office o;
	int errors = load_config(&o.cfg, config_path, overrides, n_overrides, path_given);
	if (check_only) {
		if (errors)
			fprintf(stderr, "officed: %s: %d error%s\n", config_path, errors,
				errors == 1 ? "" : "s");
		else
			printf("officed: %s: configuration is valid\n", config_path);
		return errors ? 1 : 0;
	}
	if (errors) {
		fprintf(stderr, "officed: %s has %d error%s; not starting\n", config_path, errors,
			errors == 1 ? "" : "s");
		return 1;
	}
	log_init("officed", o.cfg.log_level);
	log_set_json(strcmp(o.cfg.log_format, "json") == 0);

	int rest = argc - optind;
	char **args = argv + optind;
	if (rest >= 2 && strcmp(args[0], "kiosk") == 0) {
		if (strcmp(args[1], "add") == 0)
			return cmd_kiosk_add(&o.cfg, rest - 2, args + 2);
		if (strcmp(args[1], "list") == 0)
			return cmd_kiosk_list(&o.cfg, rest - 2, args + 2);
		if (strcmp(args[1], "revoke") == 0)
			return cmd_kiosk_revoke(&o.cfg, rest - 2, args + 2);
	}
	if (rest >= 2 && strcmp(args[0], "content") == 0 && strcmp(args[1], "import") == 0)
		return cmd_content_import(&o.cfg, rest - 2, args + 2);
	if (rest >= 1 && strcmp(args[0], "user") == 0)
		return admin_user(&o.cfg, rest - 1, args + 1);
	if (rest >= 1 && strcmp(args[0], "export") == 0)
		return admin_export(&o.cfg, rest - 1, args + 1);
	if (rest >= 1 && strcmp(args[0], "holidays") == 0)
		return admin_holidays(&o.cfg, rest - 1, args + 1);
	if (rest >= 1 && strcmp(args[0], "backup") == 0)
		return admin_backup(&o.cfg, rest - 1, args + 1);
	if (rest > 0 && !(rest == 1 && strcmp(args[0], "run") == 0)) {
		fprintf(stderr, "officed: unknown command \"%s\"\n", args[0]);
		usage(stderr);
		return 2;
	}

	pthread_mutex_init(&o.reader_lock, NULL);
	kiosk_cache_init(&o.kiosks);
	content_cache_init(&o.content);
	int rc = serve(&o);
	storage_close(o.reader);
	kiosk_cache_free(&o.kiosks);
	content_cache_free(&o.content);
	login_limit_free(o.logins);
	return rc;
}
