/*
 * gpio_libgpiod: the real GPIO lines, through libgpiod's v1.6 API (Debian
 * 12's libgpiod-dev): gpiod_chip_open_lookup() takes "gpiochip0",
 * "/dev/gpiochip0" or "0"; lines are found by name on that chip
 * (gpiod_chip_find_line) or by offset (gpiod_chip_get_line).
 *
 * Inputs are requested for both edges with the kernel doing the polarity
 * (ACTIVE_LOW) and, for active-low wiring, the pull-up bias; their event
 * fds are made non-blocking so that reading them never stalls the loop.
 * With ACTIVE_LOW the kernel reports a rising edge when the line becomes
 * active, so "rising" is "active" whatever the wiring.
 */
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_backend.h"

#define CONSUMER "kioskd"
#define MAX_CHIPS 4

struct chip_slot {
	char name[GPIO_CHIP_MAX];
	struct gpiod_chip *chip;
};

struct lg {
	struct chip_slot chips[MAX_CHIPS];
	struct gpiod_line *out[GPIO_OUTPUT_COUNT];
	struct gpiod_line *in[GPIO_INPUT_COUNT];
	int in_fd[GPIO_INPUT_COUNT];
};

static void *lg_open(const struct gpio_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	struct lg *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < GPIO_INPUT_COUNT; i++)
		g->in_fd[i] = -1;
	return g;
}

static void lg_close(void *impl)
{
	struct lg *g = impl;
	for (int o = 0; o < GPIO_OUTPUT_COUNT; o++)
		if (g->out[o])
			gpiod_line_release(g->out[o]);
	for (int i = 0; i < GPIO_INPUT_COUNT; i++)
		if (g->in[i])
			gpiod_line_release(g->in[i]);
	for (int c = 0; c < MAX_CHIPS; c++)
		if (g->chips[c].chip)
			gpiod_chip_close(g->chips[c].chip);
	free(g);
}

/* The chip by name, opened once. NULL with the reason in err. */
static struct gpiod_chip *chip_get(struct lg *g, const char *name, char *err, size_t errlen)
{
	int free_slot = -1;
	for (int c = 0; c < MAX_CHIPS; c++) {
		if (g->chips[c].chip && strcmp(g->chips[c].name, name) == 0)
			return g->chips[c].chip;
		if (!g->chips[c].chip && free_slot < 0)
			free_slot = c;
	}
	if (free_slot < 0) {
		snprintf(err, errlen, "lines on more than %d chips are not supported", MAX_CHIPS);
		return NULL;
	}
	struct gpiod_chip *chip = gpiod_chip_open_lookup(name);
	if (!chip) {
		int e = errno;
		if (e == EACCES || e == EPERM)
			snprintf(err, errlen, "no permission to open GPIO chip \"%s\": add kioskd's user "
				 "to the gpio group", name);
		else
			snprintf(err, errlen, "GPIO chip \"%s\" does not exist (%s); `gpiodetect` lists "
				 "the chips", name, strerror(e));
		return NULL;
	}
	snprintf(g->chips[free_slot].name, sizeof(g->chips[free_slot].name), "%s", name);
	g->chips[free_slot].chip = chip;
	return chip;
}

static struct gpiod_line *line_get(struct lg *g, const char *chip_name, const char *line, int offset,
				   char *err, size_t errlen)
{
	struct gpiod_chip *chip = chip_get(g, chip_name, err, errlen);
	if (!chip)
		return NULL;
	struct gpiod_line *l = offset >= 0 ? gpiod_chip_get_line(chip, (unsigned)offset)
					   : gpiod_chip_find_line(chip, line);
	if (!l) {
		if (offset >= 0)
			snprintf(err, errlen, "%s has no line %d (it has %u); `gpioinfo %s` lists them",
				 chip_name, offset, gpiod_chip_num_lines(chip), chip_name);
		else
			snprintf(err, errlen, "%s has no line named \"%s\"; `gpioinfo %s` lists them",
				 chip_name, line, chip_name);
		return NULL;
	}
	if (gpiod_line_is_used(l)) {
		const char *who = gpiod_line_consumer(l);
		snprintf(err, errlen, "line %s on %s is busy (used by \"%s\"): free it or choose "
			 "another line", line, chip_name, who ? who : "another program");
		return NULL;
	}
	return l;
}

static void request_failed(const char *line, const char *chip, char *err, size_t errlen)
{
	int e = errno;
	if (e == EBUSY)
		snprintf(err, errlen, "line %s on %s is busy (another program holds it)", line, chip);
	else
		snprintf(err, errlen, "cannot request line %s on %s: %s", line, chip, strerror(e));
}

static int lg_request_output(void *impl, enum gpio_output o, const char *chip, const char *line,
			     int offset, char *err, size_t errlen)
{
	struct lg *g = impl;
	struct gpiod_line *l = line_get(g, chip, line, offset, err, errlen);
	if (!l)
		return -1;
	if (gpiod_line_request_output_flags(l, CONSUMER, 0, 0) != 0) {
		request_failed(line, chip, err, errlen);
		return -1;
	}
	g->out[o] = l;
	return 0;
}

static int lg_request_input(void *impl, enum gpio_input i, const char *chip, const char *line,
			    int offset, bool active_low, char *err, size_t errlen)
{
	struct lg *g = impl;
	struct gpiod_line *l = line_get(g, chip, line, offset, err, errlen);
	if (!l)
		return -1;
	int flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP
			       : 0;
	int rc = gpiod_line_request_both_edges_events_flags(l, CONSUMER, flags);
	if (rc != 0 && active_low && errno == EINVAL) /* a kernel without bias: the board's resistor */
		rc = gpiod_line_request_both_edges_events_flags(l, CONSUMER,
								 GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	if (rc != 0) {
		request_failed(line, chip, err, errlen);
		return -1;
	}
	int fd = gpiod_line_event_get_fd(l);
	int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "line %s on %s: no event file descriptor", line, chip);
		gpiod_line_release(l);
		return -1;
	}
	g->in[i] = l;
	g->in_fd[i] = fd;
	return 0;
}

static int lg_set(void *impl, enum gpio_output o, bool on)
{
	struct lg *g = impl;
	return g->out[o] ? gpiod_line_set_value(g->out[o], on ? 1 : 0) : 0;
}

static size_t lg_fds(void *impl, int *fds, size_t max)
{
	struct lg *g = impl;
	size_t n = 0;
	for (int i = 0; i < GPIO_INPUT_COUNT && n < max; i++)
		if (g->in_fd[i] >= 0)
			fds[n++] = g->in_fd[i];
	return n;
}

static int lg_read(void *impl, int fd, struct gpio_edge *out, size_t max)
{
	struct lg *g = impl;
	int input = -1;
	for (int i = 0; i < GPIO_INPUT_COUNT; i++)
		if (g->in_fd[i] == fd)
			input = i;
	if (input < 0)
		return -1;
	size_t n = 0;
	while (n < max) {
		struct gpiod_line_event ev;
		if (gpiod_line_event_read_fd(fd, &ev) != 0)
			break; /* EAGAIN: nothing more now */
		out[n].input = (enum gpio_input)input;
		out[n].active = ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
		n++;
	}
	return (int)n;
}

static bool lg_level(void *impl, enum gpio_input i)
{
	struct lg *g = impl;
	return g->in[i] && gpiod_line_get_value(g->in[i]) == 1;
}

const struct gpio_backend gpio_libgpiod_backend = {
	.open = lg_open,
	.close = lg_close,
	.request_output = lg_request_output,
	.request_input = lg_request_input,
	.set = lg_set,
	.fds = lg_fds,
	.read = lg_read,
	.level = lg_level,
};
