/*
 * gpio_fake: see gpio_fake.h.
 */
#include "gpio_fake.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gpio_backend.h"
#include "log.h"

struct fake {
	int fifo_fd;
	FILE *record;
	char in_buf[GPIO_FAKE_LINE_MAX];
	size_t in_len;
	bool discarding; /* the rest of an over-long line */
	int out_line[GPIO_OUTPUT_COUNT]; /* offset, -1 = not requested */
	int in_line[GPIO_INPUT_COUNT];
	bool out_value[GPIO_OUTPUT_COUNT];
	bool in_value[GPIO_INPUT_COUNT];
	bool used[GPIO_FAKE_LINES];
};

/* ---- the control language (pure; fuzzed by tests/fuzz/fuzz_gpio_fake.c) ---- */

/* The next space-separated word of [*p, end), or NULL. */
static const char *next_word(const char **p, const char *end, size_t *wlen)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	if (*p == end)
		return NULL;
	const char *w = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	*wlen = (size_t)(*p - w);
	return w;
}

static bool word_is(const char *w, size_t len, const char *what)
{
	return w && strlen(what) == len && memcmp(w, what, len) == 0;
}

int gpio_fake_parse_line(const char *line, size_t len, struct gpio_fake_command *out, char *err,
			 size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (len > GPIO_FAKE_LINE_MAX) {
		snprintf(err, errlen, "line too long (at most %d bytes)", GPIO_FAKE_LINE_MAX);
		return -1;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	const char *p = line, *end = line + len;
	size_t vlen = 0, rlen = 0, nlen = 0;
	const char *verb = next_word(&p, end, &vlen);
	if (!verb || verb[0] == '#') {
		out->verb = GPIO_FAKE_NOTHING;
		return 0;
	}
	if (word_is(verb, vlen, "press"))
		out->verb = GPIO_FAKE_PRESS;
	else if (word_is(verb, vlen, "release"))
		out->verb = GPIO_FAKE_RELEASE;
	else if (word_is(verb, vlen, "pulse"))
		out->verb = GPIO_FAKE_PULSE;
	else {
		snprintf(err, errlen, "unknown command (press, release, pulse)");
		return -1;
	}
	const char *role = next_word(&p, end, &rlen);
	if (word_is(role, rlen, "help_button"))
		out->input = GPIO_IN_HELP_BUTTON;
	else if (word_is(role, rlen, "taken_sensor"))
		out->input = GPIO_IN_TAKEN_SENSOR;
	else {
		snprintf(err, errlen, "which input? (help_button or taken_sensor)");
		return -1;
	}
	const char *n = next_word(&p, end, &nlen);
	if (n) {
		bool digits = nlen <= 3;
		for (size_t i = 0; digits && i < nlen; i++) /* n is not NUL-terminated */
			digits = n[i] >= '0' && n[i] <= '9';
		if (out->verb != GPIO_FAKE_PRESS || !digits) {
			snprintf(err, errlen, "only press takes a bounce count (0 to %d)",
				 GPIO_FAKE_BOUNCES_MAX);
			return -1;
		}
		unsigned v = 0;
		for (size_t i = 0; i < nlen; i++)
			v = v * 10 + (unsigned)(n[i] - '0');
		if (v > GPIO_FAKE_BOUNCES_MAX) {
			snprintf(err, errlen, "at most %d bounces", GPIO_FAKE_BOUNCES_MAX);
			return -1;
		}
		out->bounces = v;
	}
	if (next_word(&p, end, &nlen)) {
		snprintf(err, errlen, "unexpected words after the command");
		return -1;
	}
	return 0;
}

size_t gpio_fake_edges(const struct gpio_fake_command *cmd, struct gpio_edge *out)
{
	size_t n = 0;
	switch (cmd->verb) {
	case GPIO_FAKE_NOTHING:
		break;
	case GPIO_FAKE_PRESS:
		for (unsigned b = 0; b < cmd->bounces; b++) {
			out[n++] = (struct gpio_edge){cmd->input, true};
			out[n++] = (struct gpio_edge){cmd->input, false};
		}
		out[n++] = (struct gpio_edge){cmd->input, true};
		break;
	case GPIO_FAKE_RELEASE:
		out[n++] = (struct gpio_edge){cmd->input, false};
		break;
	case GPIO_FAKE_PULSE:
		out[n++] = (struct gpio_edge){cmd->input, true};
		out[n++] = (struct gpio_edge){cmd->input, false};
		break;
	}
	return n;
}

/* ---- the backend ---- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *fake_open(const struct gpio_config *cfg, char *err, size_t errlen)
{
	const char *prefix = cfg->chip + 5; /* after "fake:" */
	char path[GPIO_CHIP_MAX + 8];
	struct fake *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int o = 0; o < GPIO_OUTPUT_COUNT; o++)
		f->out_line[o] = -1;
	for (int i = 0; i < GPIO_INPUT_COUNT; i++)
		f->in_line[i] = -1;
	f->fifo_fd = -1;
	snprintf(path, sizeof(path), "%s.log", prefix);
	f->record = fopen(path, "ae");
	if (!f->record) {
		snprintf(err, errlen, "fake GPIO: cannot open %s: %s", path, strerror(errno));
		free(f);
		return NULL;
	}
	setvbuf(f->record, NULL, _IOLBF, 0);
	snprintf(path, sizeof(path), "%s.ctl", prefix);
	struct stat st;
	if (stat(path, &st) != 0 && (errno != ENOENT || mkfifo(path, 0600) != 0)) {
		snprintf(err, errlen, "fake GPIO: cannot create %s: %s", path, strerror(errno));
		fclose(f->record);
		free(f);
		return NULL;
	}
	/* O_RDWR keeps the FIFO open when writers come and go (no EOF storms). */
	f->fifo_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (f->fifo_fd < 0) {
		snprintf(err, errlen, "fake GPIO: cannot open %s: %s", path, strerror(errno));
		fclose(f->record);
		free(f);
		return NULL;
	}
	/* Mark the lines "another program" holds. */
	const char *busy = getenv("KIOSKD_FAKE_GPIO_BUSY");
	for (int l = 0; busy && l < GPIO_FAKE_LINES; l++) {
		char name[16];
		snprintf(name, sizeof(name), "GPIO%d", l);
		size_t nl = strlen(name);
		for (const char *p = busy; (p = strstr(p, name)) != NULL; p += nl)
			if ((p == busy || p[-1] == ',') && (p[nl] == ',' || p[nl] == '\0'))
				f->used[l] = true;
	}
	return f;
}

static void fake_close(void *impl)
{
	struct fake *f = impl;
	if (f->fifo_fd >= 0)
		close(f->fifo_fd);
	fclose(f->record);
	free(f);
}

/* The offset of a fake line, or -1 with the reason. */
static int fake_line(struct fake *f, const char *chip, const char *line, int offset, char *err,
		     size_t errlen)
{
	if (strcmp(chip, "fake") != 0) {
		snprintf(err, errlen, "GPIO chip \"%s\" does not exist (the simulated board has "
			 "only \"fake\")", chip);
		return -1;
	}
	int l = offset;
	if (l < 0 && strncmp(line, "GPIO", 4) == 0 && line[4] && strlen(line) <= 6 &&
	    strspn(line + 4, "0123456789") == strlen(line + 4))
		l = atoi(line + 4);
	if (l < 0 || l >= GPIO_FAKE_LINES) {
		if (offset >= 0)
			snprintf(err, errlen, "fake has no line %d (it has %d)", offset, GPIO_FAKE_LINES);
		else
			snprintf(err, errlen, "fake has no line named \"%s\"", line);
		return -1;
	}
	if (f->used[l]) {
		snprintf(err, errlen, "line GPIO%d on fake is busy (another program holds it)", l);
		return -1;
	}
	f->used[l] = true;
	return l;
}

static void record(struct fake *f, const char *role, int line, bool value)
{
	fprintf(f->record, "%lld %s GPIO%d %d\n", now_ms(), role, line, value ? 1 : 0);
}

static int fake_request_output(void *impl, enum gpio_output o, const char *chip, const char *line,
			       int offset, char *err, size_t errlen)
{
	struct fake *f = impl;
	int l = fake_line(f, chip, line, offset, err, errlen);
	if (l < 0)
		return -1;
	f->out_line[o] = l;
	f->out_value[o] = false;
	record(f, gpio_output_name(o), l, false);
	return 0;
}

static int fake_request_input(void *impl, enum gpio_input i, const char *chip, const char *line,
			      int offset, bool active_low, char *err, size_t errlen)
{
	(void)active_low; /* the fake speaks logical levels */
	struct fake *f = impl;
	int l = fake_line(f, chip, line, offset, err, errlen);
	if (l < 0)
		return -1;
	f->in_line[i] = l;
	return 0;
}

static int fake_set(void *impl, enum gpio_output o, bool on)
{
	struct fake *f = impl;
	if (f->out_line[o] < 0)
		return 0;
	/* Every change, and only changes, as a real line would show them. */
	if (f->out_value[o] != on) {
		f->out_value[o] = on;
		record(f, gpio_output_name(o), f->out_line[o], on);
	}
	return 0;
}

static size_t fake_fds(void *impl, int *fds, size_t max)
{
	struct fake *f = impl;
	if (max == 0 || f->fifo_fd < 0)
		return 0;
	fds[0] = f->fifo_fd;
	return 1;
}

/* Runs one complete control line; its edges go to out (room checked by the caller). */
static size_t run_line(struct fake *f, const char *line, size_t len, struct gpio_edge *out)
{
	struct gpio_fake_command cmd;
	char err[128];
	if (gpio_fake_parse_line(line, len, &cmd, err, sizeof(err)) != 0) {
		log_warn("fake GPIO: control line skipped: %s", err);
		return 0;
	}
	size_t n = gpio_fake_edges(&cmd, out);
	if (n > 0)
		f->in_value[cmd.input] = out[n - 1].active;
	return n;
}

static int fake_read(void *impl, int fd, struct gpio_edge *out, size_t max)
{
	struct fake *f = impl;
	if (fd != f->fifo_fd)
		return -1;
	size_t n = 0;
	/* One line at a time, and only while a whole command's edges fit. */
	while (max - n >= GPIO_FAKE_EDGES_MAX) {
		char *nl = memchr(f->in_buf, '\n', f->in_len);
		if (nl) {
			size_t len = (size_t)(nl - f->in_buf);
			if (!f->discarding)
				n += run_line(f, f->in_buf, len, out + n);
			f->discarding = false;
			memmove(f->in_buf, nl + 1, f->in_len - len - 1);
			f->in_len -= len + 1;
			continue;
		}
		if (f->in_len == sizeof(f->in_buf)) {
			log_warn("fake GPIO: control line longer than %d bytes skipped",
				 GPIO_FAKE_LINE_MAX);
			f->in_len = 0;
			f->discarding = true;
		}
		ssize_t got = read(f->fifo_fd, f->in_buf + f->in_len, sizeof(f->in_buf) - f->in_len);
		if (got <= 0)
			break;
		f->in_len += (size_t)got;
	}
	return (int)n;
}

static bool fake_level(void *impl, enum gpio_input i)
{
	struct fake *f = impl;
	return f->in_value[i];
}

const struct gpio_backend gpio_fake_backend = {
	.open = fake_open,
	.close = fake_close,
	.request_output = fake_request_output,
	.request_input = fake_request_input,
	.set = fake_set,
	.fds = fake_fds,
	.read = fake_read,
	.level = fake_level,
};
