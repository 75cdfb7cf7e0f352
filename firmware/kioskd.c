/*
 * kioskd: the kiosk daemon's main(). Reads the config and the deployment
 * key, then runs one event loop: signals, the control socket, timers, and
 * the reader thread's events. See kioskd(8).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "card_identity.h"
#include "config.h"
#include "control.h"
#include "event_loop.h"
#include "kiosk.h"
#include "kiosk_gpio.h"
#include "log.h"
#include "loop_wedge.h"
#include "nfc.h"
#include "reader_thread.h"
#include "service.h"
#include "sync_client.h"
#include "tz.h"

#define DEFAULT_CONFIG "/etc/kioskd/kioskd.conf"
#define MAINTENANCE_FIRST_MS 5000
#define MAINTENANCE_INTERVAL_MS (60 * 60 * 1000)
#define STORE_RETRY_MS 10000
#define MAX_OVERRIDES 64

struct daemon_state {
	const char *config_path;
	const char *overrides[MAX_OVERRIDES];
	int n_overrides;
	struct kiosk kiosk;
	struct event_loop *loop;
	struct reader_thread *reader;
	struct control_server *control;
	int signal_fd;
	struct service *service; /* systemd: READY, STATUS, watchdog */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kioskd [-c FILE] [-o SECTION.KEY=VALUE]... [options]\n"
		"       kioskd --check-config FILE [-o SECTION.KEY=VALUE]...\n"
		"\n"
		"  -c, --config FILE        configuration file (default " DEFAULT_CONFIG ")\n"
		"      --check-config FILE  check FILE (and overrides), print problems, exit\n"
		"  -o, --set S.K=VALUE      override a config key, e.g. -o policy.limit=2\n"
		"      --data-dir DIR       same as -o kiosk.data_dir=DIR\n"
		"      --key-file FILE      same as -o kiosk.key_file=FILE\n"
		"      --reader CONN        same as -o reader.connection=CONN\n"
		"      --socket PATH        same as -o control.socket=PATH\n"
		"      --log-level LEVEL    same as -o log.level=LEVEL\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               print this help and exit\n");
}

/* The file, then the overrides, then the whole-config checks. */
static int load_config(const struct daemon_state *d, struct kiosk_config *cfg, FILE *errs)
{
	config_defaults(cfg);
	int errors = config_load(cfg, d->config_path, errs);
	for (int i = 0; i < d->n_overrides; i++)
		errors += config_set(cfg, d->overrides[i], errs);
	if (errors == 0)
		errors += config_validate(cfg, d->config_path, errs);
	return errors;
}

/* Config errors, collected in memory, go to the log one line each. */
static int load_config_logged(const struct daemon_state *d, struct kiosk_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *errs = open_memstream(&text, &len);
	if (!errs)
		return load_config(d, cfg, stderr);
	int errors = load_config(d, cfg, errs);
	fclose(errs);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		log_error("%s", line);
	}
	free(text);
	return errors;
}

static int add_override(struct daemon_state *d, const char *assignment)
{
	if (d->n_overrides == MAX_OVERRIDES) {
		fprintf(stderr, "kioskd: too many overrides (at most %d)\n", MAX_OVERRIDES);
		return -1;
	}
	d->overrides[d->n_overrides++] = assignment;
	return 0;
}

static int add_named_override(struct daemon_state *d, const char *key, const char *value)
{
	size_t len = strlen(key) + strlen(value) + 2;
	char *text = malloc(len);
	if (!text)
		return -1;
	snprintf(text, len, "%s=%s", key, value);
	return add_override(d, text); /* lives until exit */
}

/* KIOSKD_TEST_PAUSE="before_commit=US,in_transaction=US,after_commit=US" (tests only). */
static void read_test_pauses(struct kiosk *k)
{
	const char *spec = getenv("KIOSKD_TEST_PAUSE");
	if (!spec || !*spec)
		return;
	struct kiosk_test_pauses p = {0};
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", spec);
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (!eq)
			continue;
		*eq = '\0';
		unsigned us = (unsigned)strtoul(eq + 1, NULL, 10);
		if (strcmp(item, "before_commit") == 0)
			p.before_commit_us = us;
		else if (strcmp(item, "in_transaction") == 0)
			p.in_transaction_us = us;
		else if (strcmp(item, "after_commit") == 0)
			p.after_commit_us = us;
	}
	log_warn("test pauses on the tap path are active (KIOSKD_TEST_PAUSE): not for production");
	kiosk_set_test_pauses(k, &p);
}

static void on_reader_events(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct daemon_state *d = arg;
	struct reader_event ev;
	while (d->reader && reader_thread_next(d->reader, &ev)) {
		switch (ev.kind) {
		case READER_CARD_ARRIVED:
			kiosk_card_arrived(&d->kiosk, &ev.card);
			break;
		case READER_CARD_REMOVED:
			kiosk_card_removed(&d->kiosk);
			break;
		case READER_UP:
			kiosk_reader_changed(&d->kiosk, READER_STATE_OK, "");
			break;
		case READER_DOWN:
			kiosk_reader_changed(&d->kiosk, READER_STATE_UNAVAILABLE, ev.detail);
			break;
		}
		explicit_bzero(&ev, sizeof(ev));
	}
}

static int start_reader(struct daemon_state *d)
{
	d->reader = reader_thread_start(d->kiosk.cfg.reader.connection);
	if (!d->reader) {
		log_error("reader: cannot start the reader thread");
		return -1;
	}
	if (event_loop_add(d->loop, reader_thread_fd(d->reader), EPOLLIN, on_reader_events, d) != 0) {
		log_error("reader: event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void stop_reader(struct daemon_state *d)
{
	if (!d->reader)
		return;
	event_loop_remove(d->loop, reader_thread_fd(d->reader));
	reader_thread_stop(d->reader);
	d->reader = NULL;
}

static void on_display_news(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct daemon_state *d = arg;
	kiosk_display_news(&d->kiosk);
}

/* Starts the display (its own thread) and watches its news. */
static void start_display(struct daemon_state *d)
{
	kiosk_display_start(&d->kiosk);
	int fd = kiosk_display_fd(&d->kiosk);
	if (fd >= 0 && event_loop_add(d->loop, fd, EPOLLIN, on_display_news, d) != 0)
		log_error("display: event loop: %s", strerror(errno));
}

/* The office client: started after the control socket (its "sync" events go
 * to the watchers), restarted on reload (the URL, token or CA may change). */
static void stop_sync(struct daemon_state *d)
{
	sync_client_stop(d->kiosk.sync);
	d->kiosk.sync = NULL;
}

static void restart_sync(struct daemon_state *d)
{
	stop_sync(d);
	d->kiosk.sync = sync_client_start(d->loop, &d->kiosk, d->kiosk.sync_why_not,
					  sizeof(d->kiosk.sync_why_not));
	if (!d->kiosk.sync && d->kiosk.sync_why_not[0])
		log_error("sync: %s; the kiosk works on and keeps its counts", d->kiosk.sync_why_not);
}

static void reload(struct daemon_state *d)
{
	struct kiosk_config cfg;
	log_info("SIGHUP: reloading %s", d->config_path);
	if (load_config_logged(d, &cfg) != 0) {
		log_error("reload: configuration has errors; keeping the running configuration");
		return;
	}
	const struct kiosk_config *old = &d->kiosk.cfg;
	if (strcmp(cfg.data_dir, old->data_dir) != 0 || strcmp(cfg.key_file, old->key_file) != 0 ||
	    strcmp(cfg.control.socket_path, old->control.socket_path) != 0 ||
	    strcmp(cfg.control.group, old->control.group) != 0)
		log_warn("reload: data_dir, key_file and the control socket change only on restart");
	bool reader_changed = strcmp(cfg.reader.connection, old->reader.connection) != 0;
	log_set_level(cfg.log.level);
	/* The display may restart with a new eventfd (maybe the same number):
	 * unwatch before, watch again after. */
	int display_fd = kiosk_display_fd(&d->kiosk);
	if (display_fd >= 0)
		event_loop_remove(d->loop, display_fd);
	struct kiosk_config *before = malloc(sizeof(*before));
	if (before)
		*before = d->kiosk.cfg;
	kiosk_apply_config(&d->kiosk, &cfg);
	kiosk_display_reload(&d->kiosk);
	if (before)
		kiosk_gpio_reload(&d->kiosk, before);
	free(before);
	display_fd = kiosk_display_fd(&d->kiosk);
	if (display_fd >= 0 && event_loop_add(d->loop, display_fd, EPOLLIN, on_display_news, d) != 0)
		log_error("display: event loop: %s", strerror(errno));
	if (reader_changed) {
		log_info("reload: reader connection changed; reopening");
		stop_reader(d);
		start_reader(d);
	}
	restart_sync(d);
	service_status_changed(d->service);
	log_info("reload: done");
}

static void on_signal(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)events;
	struct daemon_state *d = arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(d);
		} else {
			log_info("signal %u: shutting down", si.ssi_signo);
			event_loop_stop(loop);
		}
	}
}

static void on_maintenance(struct event_loop *loop, void *arg)
{
	(void)loop;
	struct daemon_state *d = arg;
	kiosk_maintenance(&d->kiosk);
}

static void on_store_retry(struct event_loop *loop, void *arg)
{
	(void)loop;
	struct daemon_state *d = arg;
	if (!d->kiosk.store)
		kiosk_store_retry(&d->kiosk);
}

static int ensure_data_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			log_error("data_dir %s is not a directory", dir);
			return -1;
		}
		return 0;
	}
	if (mkdir(dir, 0700) != 0) {
		log_error("cannot create data_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon_state d = {.config_path = DEFAULT_CONFIG, .signal_fd = -1};
	bool check_only = false;
	enum { OPT_CHECK = 256, OPT_DATA_DIR, OPT_KEY_FILE, OPT_READER, OPT_SOCKET, OPT_LOG_LEVEL };
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", required_argument, NULL, OPT_CHECK},
		{"set", required_argument, NULL, 'o'},
		{"data-dir", required_argument, NULL, OPT_DATA_DIR},
		{"key-file", required_argument, NULL, OPT_KEY_FILE},
		{"reader", required_argument, NULL, OPT_READER},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt, rc = 0;
	while ((opt = getopt_long(argc, argv, "c:o:Vh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.config_path = optarg;
			break;
		case OPT_CHECK:
			d.config_path = optarg;
			check_only = true;
			break;
		case 'o':
			rc = add_override(&d, optarg);
			break;
		case OPT_DATA_DIR:
			rc = add_named_override(&d, "kiosk.data_dir", optarg);
			break;
		case OPT_KEY_FILE:
			rc = add_named_override(&d, "kiosk.key_file", optarg);
			break;
		case OPT_READER:
			rc = add_named_override(&d, "reader.connection", optarg);
			break;
		case OPT_SOCKET:
			rc = add_named_override(&d, "control.socket", optarg);
			break;
		case OPT_LOG_LEVEL:
			rc = add_named_override(&d, "log.level", optarg);
			break;
		case 'V':
			printf("kioskd %s\n", KIOSK_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (rc != 0)
			return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "kioskd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	struct kiosk_config cfg;
	int errors = load_config(&d, &cfg, stderr);
	if (check_only) {
		if (errors) {
			fprintf(stderr, "kioskd: %s: %d error%s\n", d.config_path, errors,
				errors == 1 ? "" : "s");
			return 1;
		}
		printf("kioskd: %s: configuration is valid\n", d.config_path);
		return 0;
	}
	if (errors) {
		fprintf(stderr, "kioskd: %s has %d error%s; not starting\n", d.config_path, errors,
			errors == 1 ? "" : "s");
		return 1;
	}

	log_init("kioskd", cfg.log.level);
	struct card_key key;
	char err[512];
	if (card_key_load(cfg.key_file, &key, err, sizeof(err)) != 0) {
		log_error("%s; not starting", err);
		return 1;
	}
	if (ensure_data_dir(cfg.data_dir) != 0)
		return 1;

	/* Before any thread: setting TZ the first time may move the environment
	 * under the reader thread's getenv (found by test_gpio under ASan). */
	tz_init(cfg.timezone);
	nfc_global_init();
	/* Before any thread starts: libcurl's global setup is not thread-safe. */
	curl_global_init(CURL_GLOBAL_DEFAULT);

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked before any thread starts, so only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	d.loop = event_loop_new();
	d.signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!d.loop || d.signal_fd < 0 ||
	    event_loop_add(d.loop, d.signal_fd, EPOLLIN, on_signal, &d) != 0) {
		log_error("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}

	kiosk_init(&d.kiosk, &cfg, &key);
	explicit_bzero(&key, sizeof(key));
	read_test_pauses(&d.kiosk);

	d.control = control_start(d.loop, &d.kiosk, cfg.control.socket_path, cfg.control.group, err,
				  sizeof(err));
	if (!d.control) {
		log_error("control socket: %s; not starting", err);
		kiosk_shutdown(&d.kiosk);
		return 1;
	}
	d.kiosk.emit = control_broadcast;
	d.kiosk.emit_ctx = d.control;
	d.kiosk.loop = d.loop;
	start_display(&d);
	kiosk_gpio_start(&d.kiosk, d.loop);
	restart_sync(&d);

	if (start_reader(&d) != 0 ||
	    event_loop_add_timer(d.loop, MAINTENANCE_FIRST_MS, MAINTENANCE_INTERVAL_MS, on_maintenance,
				 &d) < 0 ||
	    event_loop_add_timer(d.loop, STORE_RETRY_MS, STORE_RETRY_MS, on_store_retry, &d) < 0) {
		log_error("cannot start: %s", strerror(errno));
		rc = 1;
	} else {
		log_info("kioskd %s started: kiosk %s, site %s, reader %s, control %s", KIOSK_VERSION,
			 cfg.kiosk_id, cfg.site_id, cfg.reader.connection, cfg.control.socket_path);
		loop_wedge_start(d.loop);
		d.service = service_start(d.loop, &d.kiosk);
		if (event_loop_run(d.loop) != 0) {
			log_error("event loop: %s", strerror(errno));
			rc = 1;
		}
	}

	service_stop(d.service);
	loop_wedge_stop(d.loop);
	stop_reader(&d);
	stop_sync(&d);
	if (kiosk_display_fd(&d.kiosk) >= 0)
		event_loop_remove(d.loop, kiosk_display_fd(&d.kiosk));
	kiosk_display_stop(&d.kiosk);
	control_stop(d.control);
	kiosk_shutdown(&d.kiosk);
	close(d.signal_fd);
	event_loop_free(d.loop);
	curl_global_cleanup();
	log_info("stopped");
	return rc;
}
