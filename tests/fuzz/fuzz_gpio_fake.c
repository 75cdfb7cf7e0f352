/*
 * fuzz_gpio_fake: the fake GPIO's control-line parser (gpio_fake_parse_line)
 * and the edges a command makes, on arbitrary bytes; and line specs
 * (gpio_parse_spec), which kioskd.conf's [gpio] keys go through. Whatever is
 * accepted must stay within its bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpio.h"
#include "gpio_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpio_fake_command cmd;
	char err[128];
	if (gpio_fake_parse_line((const char *)data, size, &cmd, err, sizeof(err)) == 0) {
		struct gpio_edge edges[GPIO_FAKE_EDGES_MAX];
		if (cmd.bounces > GPIO_FAKE_BOUNCES_MAX || (unsigned)cmd.input >= GPIO_INPUT_COUNT)
			abort();
		size_t n = gpio_fake_edges(&cmd, edges);
		if (n > GPIO_FAKE_EDGES_MAX)
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned)edges[i].input >= GPIO_INPUT_COUNT)
				abort();
	}
	/* As a line spec (a NUL-terminated copy: config values are strings). */
	char spec[GPIO_SPEC_MAX * 2];
	size_t len = size < sizeof(spec) - 1 ? size : sizeof(spec) - 1;
	memcpy(spec, data, len);
	spec[len] = '\0';
	char chip[GPIO_CHIP_MAX], line[GPIO_SPEC_MAX];
	int offset;
	if (gpio_parse_spec(spec, "gpiochip0", chip, sizeof(chip), line, sizeof(line), &offset, err,
			    sizeof(err)) == 0) {
		if (strlen(line) == 0 || strlen(chip) == 0 || offset > 9999)
			abort();
	}
	return 0;
}
