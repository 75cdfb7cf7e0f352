/*
 * gpio_backend: what gpio.c needs from each backend file. Not for callers
 * of the GPIO (they use gpio.h).
 *
 * A backend requests one line at a time; gpio.c keeps which lines it got
 * and their errors, and logs each failure once.
 */
#ifndef KIOSK_HAL_GPIO_BACKEND_H
#define KIOSK_HAL_GPIO_BACKEND_H

#include "gpio.h"

struct gpio_backend {
	/* Sets up the backend for cfg (the fake opens its FIFO here). NULL with err. */
	void *(*open)(const struct gpio_config *cfg, char *err, size_t errlen);
	void (*close)(void *impl);
	/* Requests a line. 0, or -1 with a one-line reason in err. */
	int (*request_output)(void *impl, enum gpio_output o, const char *chip, const char *line,
			      int offset, char *err, size_t errlen);
	int (*request_input)(void *impl, enum gpio_input i, const char *chip, const char *line,
			     int offset, bool active_low, char *err, size_t errlen);
	int (*set)(void *impl, enum gpio_output o, bool on);
	size_t (*fds)(void *impl, int *fds, size_t max);
	int (*read)(void *impl, int fd, struct gpio_edge *out, size_t max);
	bool (*level)(void *impl, enum gpio_input i);
};

extern const struct gpio_backend gpio_libgpiod_backend;
extern const struct gpio_backend gpio_fake_backend;

#endif
