/*
 * pn532-sim: a simulated PN532 on a pseudo-terminal, for libnfc's
 * unchanged pn532_uart driver (kioskd, nfc-list, nfc-poll, ...), with a
 * control socket to put virtual cards in its field and faults on its line.
 *
 *   pn532-sim --link PATH [--control SOCKET] [--paced | --unpaced]
 *             [--host-uart fifo|per-byte] [--seed N] [--log-level LEVEL]
 *   pn532-sim ctl [--control SOCKET] COMMAND [ARG...]
 *
 * This file is the thin outside: arguments, the pty and its link, the
 * control socket, and one single-threaded poll() loop whose only timer is
 * a timerfd armed for the next thing due (a byte finishing on the line,
 * the chip's next step). Everything that decides anything is in the
 * library: the chip (pn532_chip.h), the line's timing (pn532_line.h), the
 * control protocol (pn532_control.h). docs/simulator.md is the manual.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pn532_chip.h"
#include "pn532_control.h"
#include "pn532_ctlsock.h"
#include "pn532_line.h"
#include "pn532_pty.h"

#define CTL_TIMEOUT_MS 10000

struct sim {
	struct pn532_chip *chip;
	struct pn532_line line;
	struct pn532_pty pty;
	struct pn532_ctlsock ctl;
	struct pn532_ctl_context ctx;
	const char *link;
	int timer_fd, signal_fd;
	unsigned long tx_lost; /* bytes the pty would not take */
};

static uint64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static void usage(FILE *f)
{
	fputs("usage: pn532-sim --link PATH [--control SOCKET] [--paced | --unpaced]\n"
	      "                 [--host-uart fifo|per-byte] [--seed N]\n"
	      "                 [--log-level error|warn|info|debug]\n"
	      "       pn532-sim ctl [--control SOCKET] COMMAND [ARG...]\n"
	      "commands: tap --uid HEX [--type T] [--hold MS] [--pmm HEX] [--system HEX]\n"
	      "          place --uid HEX [--type T] [--pmm HEX] [--system HEX]\n"
	      "          remove | hold MS | status\n"
	      "          fault garbage|bad-checksum|nack|silence|late MS|disconnect [--count N]\n"
	      "types: ntag213 ntag215 classic uid7 uid10 random felica\n"
	      "ctl's socket defaults to $PN532_SIM_CONTROL. See docs/simulator.md.\n",
	      f);
}

/* ---- ctl: the command-line client --------------------------------------- */

static int run_ctl(int argc, char **argv)
{
	const char *path = getenv("PN532_SIM_CONTROL");
	int i = 0;
	if (i + 1 < argc && strcmp(argv[i], "--control") == 0) {
		path = argv[i + 1];
		i += 2;
	}
	if (i >= argc || !path || !*path) {
		usage(stderr);
		return 2;
	}
	char line[PN532_CTL_LINE_MAX + 1];
	size_t used = 0;
	for (; i < argc; i++) {
		const size_t len = strlen(argv[i]);
		if (len == 0 || strpbrk(argv[i], " \t\r\n")) {
			fprintf(stderr, "pn532-sim ctl: arguments may not be empty or contain blanks\n");
			return 2;
		}
		if (used + len + 1 >= sizeof(line)) {
			fprintf(stderr, "pn532-sim ctl: command too long\n");
			return 2;
		}
		if (used)
			line[used++] = ' ';
		memcpy(line + used, argv[i], len);
		used += len;
	}
	line[used] = '\0';
	char answer[PN532_CTL_ANSWER_MAX], err[256];
	if (pn532_ctlsock_request(path, line, answer, sizeof(answer), CTL_TIMEOUT_MS, err,
				  sizeof(err)) != 0) {
		fprintf(stderr, "pn532-sim ctl: %s\n", err);
		return 1;
	}
	puts(answer);
	return strncmp(answer, "ok", 2) == 0 ? 0 : 1;
}

/* ---- the simulator -------------------------------------------------------- */

/* Hands the chip every host byte that has arrived by now, in order. */
static void feed_rx(struct sim *s, uint64_t now)
{
	uint8_t b;
	uint64_t at;
	while (pn532_line_rx_take(&s->line, now, &b, &at))
		pn532_chip_receive(s->chip, at, &b, 1);
}

static void handle_ctl_line(void *arg, const char *line, char *answer, size_t cap)
{
	struct sim *s = arg;
	/* The clock at this very moment: placed_us must be when the card went in. */
	const uint64_t now = monotonic_us();
	feed_rx(s, now);
	pn532_ctl_handle_line(&s->ctx, now, line, answer, cap);
	log_debug("control: %s -> %.40s", line, answer);
}

static int open_pty(struct sim *s)
{
	char err[256];
	if (pn532_pty_open(&s->pty, err, sizeof(err)) != 0 ||
	    pn532_link_point(s->link, s->pty.path, err, sizeof(err)) != 0) {
		log_error("%s", err);
		pn532_pty_close(&s->pty);
		return -1;
	}
	s->ctx.pty_path = s->pty.path;
	return 0;
}

/*
 * The line hangs up (a disconnect fault, or the pty failing): close both
 * sides so the client sees it, then offer a fresh pty at the same link.
 */
static int hang_up(struct sim *s, uint64_t now)
{
	log_info("hanging up %s", s->pty.path);
	/* The new pty is opened before the old one is closed: a pty's number
	 * is free again once nobody holds it, and a reused number would look
	 * to a client like the same line, not a new one. */
	struct pn532_pty old = s->pty;
	const int rc = open_pty(s);
	pn532_pty_close(&old);
	pn532_line_reset(&s->line);
	pn532_chip_link_reset(s->chip, now);
	s->ctx.hangups++;
	if (rc != 0)
		return -1;
	log_info("serial line back on %s (link %s)", s->pty.path, s->link);
	return 0;
}

/* Moves everything due by now between the line, the chip and the pty. */
static int pump(struct sim *s, uint64_t now)
{
	feed_rx(s, now);
	pn532_chip_advance(s->chip, now);
	struct pn532_output out;
	while (pn532_chip_pop_output(s->chip, now, &out))
		pn532_line_tx_add(&s->line, pn532_chip_baud(s->chip), &out);
	for (;;) {
		uint8_t buf[512];
		bool hangup;
		const size_t n = pn532_line_tx_take(&s->line, now, buf, sizeof(buf), &hangup);
		if (n == 0 && !hangup)
			break;
		const ssize_t w = n ? write(s->pty.master, buf, n) : 0;
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			log_warn("%s: write: %s", s->pty.path, strerror(errno));
		if (w < (ssize_t)n)
			s->tx_lost += n - (size_t)(w > 0 ? w : 0); /* nobody reads: drop */
		if (hangup)
			return hang_up(s, now);
	}
	return 0;
}

static void arm_timer(struct sim *s, uint64_t at)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (at != PN532_NEVER) {
		if (at == 0)
			at = 1;
		its.it_value.tv_sec = (time_t)(at / 1000000ULL);
		its.it_value.tv_nsec = (long)(at % 1000000ULL) * 1000;
	}
	if (timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		log_error("timerfd_settime: %s", strerror(errno));
}

static int run_loop(struct sim *s)
{
	for (;;) {
		const uint64_t now = monotonic_us();
		if (pump(s, now) != 0)
			return 1;
		uint64_t next = pn532_chip_next_event(s->chip);
		const uint64_t line_next = pn532_line_next_event(&s->line);
		if (line_next < next)
			next = line_next;
		if (next <= monotonic_us())
			continue;
		arm_timer(s, next);

		struct pollfd fds[4 + 1 + PN532_CTLSOCK_CLIENTS];
		fds[0] = (struct pollfd){.fd = s->signal_fd, .events = POLLIN};
		fds[1] = (struct pollfd){.fd = s->timer_fd, .events = POLLIN};
		/* A full rx queue stops reading: the pty's buffer then backs the host up. */
		fds[2] = (struct pollfd){.fd = s->pty.master,
					 .events = pn532_line_rx_room(&s->line) ? POLLIN : 0};
		const size_t nctl = pn532_ctlsock_pollfds(&s->ctl, fds + 3, 1 + PN532_CTLSOCK_CLIENTS);
		if (poll(fds, 3 + nctl, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return 1;
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(s->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				log_info("signal %u: stopping", si.ssi_signo);
				return 0;
			}
		}
		if (fds[1].revents & POLLIN) {
			uint64_t expirations;
			(void)!read(s->timer_fd, &expirations, sizeof(expirations));
		}
		/* Bytes first, stamped with the time they were read; control after. */
		const uint64_t t = monotonic_us();
		if (pump(s, t) != 0)
			return 1;
		if (fds[2].revents & POLLIN) {
			uint8_t buf[1024];
			size_t room = pn532_line_rx_room(&s->line);
			if (room > sizeof(buf))
				room = sizeof(buf);
			const ssize_t got = read(s->pty.master, buf, room);
			if (got > 0)
				pn532_line_rx_add(&s->line, pn532_chip_baud(s->chip), t, buf,
						  (size_t)got);
			else if (got < 0 && errno != EAGAIN && errno != EINTR &&
				 hang_up(s, t) != 0)
				return 1;
		} else if (fds[2].revents & (POLLERR | POLLNVAL)) {
			if (hang_up(s, t) != 0)
				return 1;
		}
		pn532_ctlsock_service(&s->ctl, fds + 3, nctl, handle_ctl_line, s);
	}
}

static uint64_t random_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = monotonic_us() ^ ((uint64_t)getpid() << 32);
	return seed;
}

static int run_sim(int argc, char **argv)
{
	const char *link = NULL, *control = NULL;
	bool paced = true;
	unsigned host_fifo = PN532_HOST_FIFO_TRIGGER;
	uint64_t seed = random_seed();
	enum log_level level = LOG_LEVEL_INFO;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const bool has_value = i + 1 < argc;
		if (strcmp(a, "--link") == 0 && has_value) {
			link = argv[++i];
		} else if (strcmp(a, "--control") == 0 && has_value) {
			control = argv[++i];
		} else if (strcmp(a, "--paced") == 0) {
			paced = true;
		} else if (strcmp(a, "--unpaced") == 0) {
			paced = false;
		} else if (strcmp(a, "--host-uart") == 0 && has_value) {
			const char *v = argv[++i];
			if (strcmp(v, "fifo") == 0) {
				host_fifo = PN532_HOST_FIFO_TRIGGER;
			} else if (strcmp(v, "per-byte") == 0) {
				host_fifo = 1;
			} else {
				fprintf(stderr, "pn532-sim: --host-uart is fifo or per-byte\n");
				return 2;
			}
		} else if (strcmp(a, "--seed") == 0 && has_value) {
			char *end;
			errno = 0;
			seed = strtoull(argv[++i], &end, 10);
			if (errno || *end || argv[i][0] == '\0') {
				fprintf(stderr, "pn532-sim: --seed wants a decimal number\n");
				return 2;
			}
		} else if (strcmp(a, "--log-level") == 0 && has_value) {
			if (log_level_parse(argv[++i], &level) != 0) {
				fprintf(stderr, "pn532-sim: unknown log level %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "pn532-sim: unexpected argument %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!link || !*link) {
		fprintf(stderr, "pn532-sim: --link PATH is required\n");
		usage(stderr);
		return 2;
	}
	if (strchr(link, ':')) {
		/* libnfc's connection strings split on ':'. */
		fprintf(stderr, "pn532-sim: the link path may not contain ':'\n");
		return 2;
	}
	char control_buf[4096];
	if (!control) {
		const int n = snprintf(control_buf, sizeof(control_buf), "%s.ctl", link);
		if (n < 0 || (size_t)n >= sizeof(control_buf)) {
			fprintf(stderr, "pn532-sim: link path too long\n");
			return 2;
		}
		control = control_buf;
	}
	log_init("pn532-sim", level);

	static struct sim sim; /* the line's queues are large: not on the stack */
	struct sim *s = &sim;
	s->link = link;
	s->pty.master = s->pty.slave = -1;
	s->ctl.listen_fd = -1;
	s->ctx.rng = seed;
	const uint64_t now = monotonic_us();
	s->chip = pn532_chip_new(paced, seed ^ 0x5EED5EED5EED5EEDULL, now);
	if (!s->chip) {
		log_error("out of memory");
		return 1;
	}
	s->ctx.chip = s->chip;
	pn532_line_init(&s->line, pn532_chip_timing(s->chip));
	pn532_line_set_host_fifo(&s->line, host_fifo, pn532_chip_baud(s->chip));

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->signal_fd < 0 || s->timer_fd < 0) {
		log_error("signalfd/timerfd: %s", strerror(errno));
		return 1;
	}
	char err[512];
	if (pn532_ctlsock_listen(&s->ctl, control, err, sizeof(err)) != 0) {
		log_error("%s", err);
		return 1;
	}
	if (open_pty(s) != 0) {
		pn532_ctlsock_close(&s->ctl);
		return 1;
	}
	printf("pn532-sim: ready on %s (link %s, control %s)\n", s->pty.path, link, control);
	fflush(stdout);
	log_info("%s; %s timing", s->pty.path, paced ? "paced (115200 baud, datasheet RF times)"
						     : "unpaced");

	const int rc = run_loop(s);
	pn532_link_remove(link, s->pty.path);
	pn532_ctlsock_close(&s->ctl);
	pn532_pty_close(&s->pty);
	pn532_chip_free(s->chip);
	close(s->timer_fd);
	close(s->signal_fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return run_ctl(argc - 2, argv + 2);
	return run_sim(argc, argv);
}
