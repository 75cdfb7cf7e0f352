/*
 * nfc_fake: see nfc_fake.h.
 */
#include "nfc_fake.h"
#include "nfc_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct nfc_fake {
	int fifo_fd;
	int abort_fd;
	char buf[NFC_FAKE_LINE_MAX * 4];
	size_t buf_len;
	bool discarding; /* inside an over-long line: drop bytes to its newline */
	bool present;
	struct nfc_card card;
	int64_t remove_at_ms; /* 0: the card stays until "remove" */
	unsigned fail_pending;
	bool reported_present; /* the last poll said a card was there */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Splits the next space-separated word off [*p, end). */
static bool next_word(const char **p, const char *end, const char **word, size_t *word_len)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	const char *w = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*p = s;
	*word = w;
	*word_len = (size_t)(s - w);
	return *word_len > 0;
}

static bool word_is(const char *word, size_t len, const char *literal)
{
	return strlen(literal) == len && memcmp(word, literal, len) == 0;
}

int nfc_fake_parse_line(const char *line, size_t len, struct nfc_fake_command *out,
			char *err, size_t errlen)
{
	const char *p = line, *end = line + len;
	const char *word;
	size_t word_len;

	memset(out, 0, sizeof(*out));
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "NUL byte in command");
		return -1;
	}
	if (!next_word(&p, end, &word, &word_len) || word[0] == '#') {
		out->verb = NFC_FAKE_NOTHING;
		return 0;
	}
	if (word_is(word, word_len, "remove"))
		out->verb = NFC_FAKE_REMOVE;
	else if (word_is(word, word_len, "fail"))
		out->verb = NFC_FAKE_FAIL;
	else if (word_is(word, word_len, "place"))
		out->verb = NFC_FAKE_PLACE;
	else if (word_is(word, word_len, "tap"))
		out->verb = NFC_FAKE_TAP;
	else {
		snprintf(err, errlen, "unknown command (expected place, tap, remove or fail)");
		return -1;
	}

	if (out->verb == NFC_FAKE_PLACE || out->verb == NFC_FAKE_TAP) {
		if (!next_word(&p, end, &word, &word_len)) {
			snprintf(err, errlen, "missing technology (a or felica)");
			return -1;
		}
		if (word_is(word, word_len, "a") || word_is(word, word_len, "iso14443a"))
			out->card.tech = NFC_TECH_ISO14443A;
		else if (word_is(word, word_len, "f") || word_is(word, word_len, "felica"))
			out->card.tech = NFC_TECH_FELICA;
		else {
			snprintf(err, errlen, "unknown technology (expected a or felica)");
			return -1;
		}
		if (!next_word(&p, end, &word, &word_len)) {
			snprintf(err, errlen, "missing UID");
			return -1;
		}
		if (word_len % 2 != 0 || word_len / 2 > NFC_UID_MAX) {
			snprintf(err, errlen, "UID must be 4 to 10 bytes of hex");
			return -1;
		}
		for (size_t i = 0; i < word_len; i += 2) {
			int hi = hex_value(word[i]), lo = hex_value(word[i + 1]);
			if (hi < 0 || lo < 0) {
				snprintf(err, errlen, "UID is not hex");
				return -1;
			}
			out->card.uid[i / 2] = (uint8_t)(hi << 4 | lo);
		}
		out->card.uid_len = word_len / 2;
		if (!nfc_uid_length_valid(out->card.tech, out->card.uid_len)) {
			snprintf(err, errlen, "a %s UID cannot be %zu bytes long",
				 nfc_tech_name(out->card.tech), out->card.uid_len);
			return -1;
		}
		out->hold_ms = 200;
		if (out->verb == NFC_FAKE_TAP && next_word(&p, end, &word, &word_len)) {
			unsigned long v = 0;
			for (size_t i = 0; i < word_len; i++) {
				if (word[i] < '0' || word[i] > '9' || v > NFC_FAKE_HOLD_MAX_MS) {
					snprintf(err, errlen, "hold time must be 0 to %u ms",
						 NFC_FAKE_HOLD_MAX_MS);
					return -1;
				}
				v = v * 10 + (unsigned long)(word[i] - '0');
			}
			if (v > NFC_FAKE_HOLD_MAX_MS) {
				snprintf(err, errlen, "hold time must be 0 to %u ms", NFC_FAKE_HOLD_MAX_MS);
				return -1;
			}
			out->hold_ms = (unsigned)v;
		}
	}
	if (next_word(&p, end, &word, &word_len)) {
		snprintf(err, errlen, "unexpected extra words");
		return -1;
	}
	return 0;
}

static void *fake_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (path[0] != '/') {
		snprintf(err, errlen, "fake reader: \"%s\" is not an absolute path", path);
		return NULL;
	}
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || mkfifo(path, 0600) != 0) {
			snprintf(err, errlen, "fake reader: cannot create FIFO %s: %s", path,
				 strerror(errno));
			return NULL;
		}
	} else if (!S_ISFIFO(st.st_mode)) {
		snprintf(err, errlen, "fake reader: %s exists and is not a FIFO", path);
		return NULL;
	}
	struct nfc_fake *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* O_RDWR keeps the FIFO open when writers come and go (no EOF storms). */
	f->fifo_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	f->abort_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->fifo_fd < 0 || f->abort_fd < 0) {
		snprintf(err, errlen, "fake reader: cannot open %s: %s", path, strerror(errno));
		if (f->fifo_fd >= 0)
			close(f->fifo_fd);
		if (f->abort_fd >= 0)
			close(f->abort_fd);
		free(f);
		return NULL;
	}
	return f;
}

/* Runs the script's next complete line, if any. Returns false if none. */
static bool run_next_line(struct nfc_fake *f)
{
	char *nl = memchr(f->buf, '\n', f->buf_len);
	if (!nl)
		return false;
	size_t len = (size_t)(nl - f->buf);
	struct nfc_fake_command cmd;
	char err[128];
	if (nfc_fake_parse_line(f->buf, len, &cmd, err, sizeof(err)) != 0) {
		log_warn("fake reader: bad command ignored: %s", err);
	} else {
		switch (cmd.verb) {
		case NFC_FAKE_NOTHING:
			break;
		case NFC_FAKE_PLACE:
		case NFC_FAKE_TAP:
			f->present = true;
			f->card = cmd.card;
			f->remove_at_ms = cmd.verb == NFC_FAKE_TAP ? now_ms() + cmd.hold_ms : 0;
			break;
		case NFC_FAKE_REMOVE:
			f->present = false;
			f->remove_at_ms = 0;
			break;
		case NFC_FAKE_FAIL:
			f->fail_pending++;
			break;
		}
	}
	explicit_bzero(f->buf, len + 1);
	memmove(f->buf, nl + 1, f->buf_len - len - 1);
	f->buf_len -= len + 1;
	explicit_bzero(&cmd, sizeof(cmd));
	return true;
}

static void read_fifo(struct nfc_fake *f)
{
	for (;;) {
		char chunk[512];
		ssize_t n = read(f->fifo_fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (f->discarding) {
				if (chunk[i] == '\n')
					f->discarding = false;
				continue;
			}
			if (f->buf_len == sizeof(f->buf)) {
				/* No newline within the buffer: one over-long line. */
				log_warn("fake reader: command line too long; ignored");
				explicit_bzero(f->buf, f->buf_len);
				f->buf_len = 0;
				f->discarding = chunk[i] != '\n';
				continue;
			}
			f->buf[f->buf_len++] = chunk[i];
		}
		explicit_bzero(chunk, sizeof(chunk));
	}
}

static int fake_poll(void *impl, int timeout_ms, struct nfc_card *card, char *err, size_t errlen)
{
	struct nfc_fake *f = impl;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		read_fifo(f);
		if (f->present && f->remove_at_ms && now_ms() >= f->remove_at_ms) {
			f->present = false;
			f->remove_at_ms = 0;
		}
		/* A card that left must be seen to leave before the next one comes. */
		if (!f->present && f->reported_present) {
			f->reported_present = false;
			return NFC_POLL_NONE;
		}
		/* A tapped card holds the script until it leaves. */
		while (!(f->present && f->remove_at_ms) && run_next_line(f)) {
			if (f->present || f->reported_present)
				break; /* report the arrival or removal before running further lines */
		}
		if (!f->present && f->reported_present) {
			f->reported_present = false;
			return NFC_POLL_NONE;
		}
		if (f->fail_pending) {
			f->fail_pending--;
			snprintf(err, errlen, "fake reader: injected failure");
			return NFC_POLL_ERROR;
		}
		if (f->present) {
			*card = f->card;
			f->reported_present = true;
			return NFC_POLL_CARD;
		}
		int64_t now = now_ms();
		if (now >= deadline)
			return NFC_POLL_NONE;
		struct pollfd pfd[2] = {
			{.fd = f->fifo_fd, .events = POLLIN},
			{.fd = f->abort_fd, .events = POLLIN},
		};
		int r = poll(pfd, 2, (int)(deadline - now));
		if (r < 0 && errno != EINTR) {
			snprintf(err, errlen, "fake reader: poll: %s", strerror(errno));
			return NFC_POLL_ERROR;
		}
		if (pfd[1].revents & POLLIN) {
			uint64_t v;
			if (read(f->abort_fd, &v, sizeof(v)) < 0) {
				/* nothing to do: the counter is drained either way */
			}
			return NFC_POLL_NONE;
		}
	}
}

static void fake_abort(void *impl)
{
	struct nfc_fake *f = impl;
	uint64_t one = 1;
	if (write(f->abort_fd, &one, sizeof(one)) < 0) {
		/* the eventfd is full only if aborts pile up unread: already aborting */
	}
}

static void fake_close(void *impl)
{
	struct nfc_fake *f = impl;
	close(f->fifo_fd);
	close(f->abort_fd);
	explicit_bzero(f, sizeof(*f));
	free(f);
}

const struct nfc_backend_ops nfc_fake_backend = {
	.driver = "fake",
	.open = fake_open,
	.poll = fake_poll,
	.abort = fake_abort,
	.close = fake_close,
};
