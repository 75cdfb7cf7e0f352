/*
 * gpio: see gpio.h. Chooses the backend, requests the configured lines one
 * by one, and keeps each line's fate so that status can tell staff what is
 * missing.
 */
#include "gpio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_backend.h"
#include "log.h"

static const char *const output_names[GPIO_OUTPUT_COUNT] = {
	[GPIO_OUT_BUZZER] = "buzzer",
	[GPIO_OUT_LED_GREEN] = "led_green",
	[GPIO_OUT_LED_RED] = "led_red",
	[GPIO_OUT_RELAY] = "relay",
};
static const char *const input_names[GPIO_INPUT_COUNT] = {
	[GPIO_IN_HELP_BUTTON] = "help_button",
	[GPIO_IN_TAKEN_SENSOR] = "taken_sensor",
};

struct gpio {
	const struct gpio_backend *backend;
	void *impl;
	enum gpio_line_state out_state[GPIO_OUTPUT_COUNT];
	enum gpio_line_state in_state[GPIO_INPUT_COUNT];
	char out_error[GPIO_OUTPUT_COUNT][GPIO_ERROR_MAX];
	char in_error[GPIO_INPUT_COUNT][GPIO_ERROR_MAX];
};

const char *gpio_output_name(enum gpio_output o)
{
	return (unsigned)o < GPIO_OUTPUT_COUNT ? output_names[o] : "?";
}

const char *gpio_input_name(enum gpio_input i)
{
	return (unsigned)i < GPIO_INPUT_COUNT ? input_names[i] : "?";
}

static bool spec_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == '/';
}

int gpio_parse_spec(const char *spec, const char *default_chip, char *chip, size_t chiplen,
		    char *line, size_t linelen, int *offset, char *err, size_t errlen)
{
	size_t len = strlen(spec);
	const char *colon = strchr(spec, ':');
	const char *name = colon ? colon + 1 : spec;
	size_t chip_len = colon ? (size_t)(colon - spec) : strlen(default_chip);
	size_t name_len = len - (size_t)(name - spec);
	if (len == 0 || name_len == 0 || (colon && chip_len == 0)) {
		snprintf(err, errlen, "a line is \"NAME\", \"OFFSET\" or \"CHIP:NAME\"");
		return -1;
	}
	if (colon && strchr(name, ':')) {
		snprintf(err, errlen, "a line has at most one ':' (CHIP:LINE)");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (spec[i] != ':' && !spec_char_ok(spec[i])) {
			snprintf(err, errlen, "a line name or chip has only letters, digits and _ - . /");
			return -1;
		}
	}
	if (name_len >= linelen || chip_len >= chiplen) {
		snprintf(err, errlen, "line or chip name too long");
		return -1;
	}
	memcpy(chip, colon ? spec : default_chip, chip_len);
	chip[chip_len] = '\0';
	memcpy(line, name, name_len);
	line[name_len] = '\0';
	*offset = -1;
	if (strspn(line, "0123456789") == name_len) {
		if (name_len > 4) {
			snprintf(err, errlen, "line offset %s is out of range", line);
			return -1;
		}
		*offset = atoi(line);
	}
	return 0;
}

static bool any_line(const struct gpio_config *cfg)
{
	for (int o = 0; o < GPIO_OUTPUT_COUNT; o++)
		if (cfg->outputs[o][0])
			return true;
	for (int i = 0; i < GPIO_INPUT_COUNT; i++)
		if (cfg->inputs[i][0])
			return true;
	return false;
}

/* One failed line: a log line that says which role is lost and that taps go on. */
static void line_failed(char *slot, const char *role, const char *spec, const char *why)
{
	snprintf(slot, GPIO_ERROR_MAX, "%s", why);
	log_error("gpio: %s (%s): %s; working on without it (taps are still served)", role, spec,
		  why);
}

struct gpio *gpio_open(const struct gpio_config *cfg)
{
	if (!any_line(cfg))
		return NULL;
	struct gpio *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	bool fake = strncmp(cfg->chip, "fake:", 5) == 0;
	g->backend = fake ? &gpio_fake_backend : &gpio_libgpiod_backend;
	char err[GPIO_ERROR_MAX];
	g->impl = g->backend->open(cfg, err, sizeof(err));
	for (int o = 0; o < GPIO_OUTPUT_COUNT; o++) {
		if (!cfg->outputs[o][0])
			continue;
		char chip[GPIO_CHIP_MAX], line[GPIO_SPEC_MAX];
		int offset;
		g->out_state[o] = GPIO_LINE_FAILED;
		if (!g->impl)
			line_failed(g->out_error[o], output_names[o], cfg->outputs[o], err);
		else if (gpio_parse_spec(cfg->outputs[o], fake ? "fake" : cfg->chip, chip, sizeof(chip),
					 line, sizeof(line), &offset, err, sizeof(err)) != 0 ||
			 g->backend->request_output(g->impl, (enum gpio_output)o, chip, line, offset, err,
						    sizeof(err)) != 0)
			line_failed(g->out_error[o], output_names[o], cfg->outputs[o], err);
		else
			g->out_state[o] = GPIO_LINE_OK;
	}
	for (int i = 0; i < GPIO_INPUT_COUNT; i++) {
		if (!cfg->inputs[i][0])
			continue;
		char chip[GPIO_CHIP_MAX], line[GPIO_SPEC_MAX];
		int offset;
		g->in_state[i] = GPIO_LINE_FAILED;
		if (!g->impl)
			line_failed(g->in_error[i], input_names[i], cfg->inputs[i], err);
		else if (gpio_parse_spec(cfg->inputs[i], fake ? "fake" : cfg->chip, chip, sizeof(chip),
					 line, sizeof(line), &offset, err, sizeof(err)) != 0 ||
			 g->backend->request_input(g->impl, (enum gpio_input)i, chip, line, offset,
						   cfg->input_active_low[i], err, sizeof(err)) != 0)
			line_failed(g->in_error[i], input_names[i], cfg->inputs[i], err);
		else
			g->in_state[i] = GPIO_LINE_OK;
	}
	return g;
}

void gpio_close(struct gpio *g)
{
	if (!g)
		return;
	if (g->impl) {
		/* Outputs off before letting go: a relay or buzzer left on would stay on. */
		for (int o = 0; o < GPIO_OUTPUT_COUNT; o++)
			if (g->out_state[o] == GPIO_LINE_OK)
				g->backend->set(g->impl, (enum gpio_output)o, false);
		g->backend->close(g->impl);
	}
	free(g);
}

int gpio_set(struct gpio *g, enum gpio_output o, bool on)
{
	if (!g || (unsigned)o >= GPIO_OUTPUT_COUNT || g->out_state[o] != GPIO_LINE_OK)
		return 0;
	return g->backend->set(g->impl, o, on);
}

size_t gpio_fds(const struct gpio *g, int *fds, size_t max)
{
	if (!g || !g->impl)
		return 0;
	return g->backend->fds(g->impl, fds, max);
}

int gpio_read(struct gpio *g, int fd, struct gpio_edge *out, size_t max)
{
	if (!g || !g->impl)
		return -1;
	int n = g->backend->read(g->impl, fd, out, max);
	/* Only edges of lines that were granted (the fake's FIFO can name any). */
	int kept = 0;
	for (int j = 0; j < n; j++)
		if ((unsigned)out[j].input < GPIO_INPUT_COUNT &&
		    g->in_state[out[j].input] == GPIO_LINE_OK)
			out[kept++] = out[j];
	return n < 0 ? -1 : kept;
}

bool gpio_input_active(struct gpio *g, enum gpio_input i)
{
	if (!g || (unsigned)i >= GPIO_INPUT_COUNT || g->in_state[i] != GPIO_LINE_OK)
		return false;
	return g->backend->level(g->impl, i);
}

enum gpio_line_state gpio_output_state(const struct gpio *g, enum gpio_output o)
{
	return g && (unsigned)o < GPIO_OUTPUT_COUNT ? g->out_state[o] : GPIO_LINE_UNUSED;
}

enum gpio_line_state gpio_input_state(const struct gpio *g, enum gpio_input i)
{
	return g && (unsigned)i < GPIO_INPUT_COUNT ? g->in_state[i] : GPIO_LINE_UNUSED;
}

const char *gpio_output_error(const struct gpio *g, enum gpio_output o)
{
	return g && (unsigned)o < GPIO_OUTPUT_COUNT ? g->out_error[o] : "";
}

const char *gpio_input_error(const struct gpio *g, enum gpio_input i)
{
	return g && (unsigned)i < GPIO_INPUT_COUNT ? g->in_error[i] : "";
}
