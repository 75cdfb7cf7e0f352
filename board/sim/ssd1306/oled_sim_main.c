/*
 * oled-sim: the simulated board's I2C bus with a virtual SSD1306 or SH1106
 * on it (oled_panel.h). kioskd's [display] bus names the socket this
 * listens on, exactly as a real board names /dev/i2c-1 (hal/i2c.h gives
 * the framing). After every transfer that the panel accepts, the glass is
 * written to --dump as a 1-bit PNG (atomically), so tests see what a person
 * would see. Each rejected transfer is logged with the reason.
 *
 *   oled-sim --bus SOCKET [--chip ssd1306|sh1106] [--address 0x3c]
 *            [--dump FILE.png]
 *
 * Prints "ready" on stdout once it listens. Ends on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "canvas.h"
#include "display_png.h"
#include "i2c.h"
#include "oled_panel.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int read_exact(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n < 0 && errno == EINTR && !stopping)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void dump(const struct oled_panel *p, const char *path)
{
	if (!path)
		return;
	static uint8_t view[PANEL_HEIGHT][PANEL_WIDTH];
	oled_panel_view(p, view);
	struct canvas *c = canvas_new(PANEL_WIDTH, PANEL_HEIGHT, CANVAS_MONO);
	if (!c)
		return;
	for (int y = 0; y < PANEL_HEIGHT; y++)
		for (int x = 0; x < PANEL_WIDTH; x++)
			canvas_set(c, x, y, view[y][x]);
	char err[256];
	if (png_write_canvas(path, c, 1, 255, err, sizeof(err)) != 0)
		fprintf(stderr, "oled-sim: %s\n", err);
	canvas_free(c);
}

/* Serves one client until it goes away. */
static void serve(int fd, struct oled_panel *p, const char *dump_path)
{
	static uint8_t buf[I2C_TRANSFER_MAX];
	for (;;) {
		uint8_t head[4];
		if (read_exact(fd, head, sizeof(head)) != 0)
			return;
		size_t len = ((size_t)head[2] << 8) | head[3];
		if (head[0] != 'W' || len == 0 || len > sizeof(buf)) {
			fprintf(stderr, "oled-sim: malformed frame on the bus socket; closing it\n");
			return;
		}
		if (read_exact(fd, buf, len) != 0)
			return;
		enum panel_answer a = oled_panel_transfer(p, head[1], buf, len);
		uint8_t answer = a == PANEL_ACK ? 'A' : a == PANEL_NACK ? 'N' : 'R';
		if (a == PANEL_REJECT)
			fprintf(stderr, "oled-sim: rejected a %zu-byte transfer: %s\n", len,
				p->last_error);
		else if (a == PANEL_NACK)
			fprintf(stderr, "oled-sim: no ACK for address 0x%02x (the panel is at 0x%02x)\n",
				head[1], p->address);
		if (a == PANEL_ACK)
			dump(p, dump_path);
		if (send(fd, &answer, 1, MSG_NOSIGNAL) != 1)
			return;
	}
}

int main(int argc, char **argv)
{
	const char *bus = NULL, *dump_path = NULL;
	enum panel_chip chip = PANEL_SSD1306;
	unsigned long address = 0x3C;
	static const struct option options[] = {
		{"bus", required_argument, NULL, 'b'},
		{"chip", required_argument, NULL, 'c'},
		{"address", required_argument, NULL, 'a'},
		{"dump", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "b:c:a:d:", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			bus = optarg;
			break;
		case 'c':
			if (strcmp(optarg, "sh1106") == 0)
				chip = PANEL_SH1106;
			else if (strcmp(optarg, "ssd1306") != 0) {
				fprintf(stderr, "oled-sim: --chip is ssd1306 or sh1106\n");
				return 2;
			}
			break;
		case 'a': {
			char *end;
			address = strtoul(optarg, &end, 0);
			if (*end || address > 0x7F) {
				fprintf(stderr, "oled-sim: --address is a 7-bit address like 0x3c\n");
				return 2;
			}
			break;
		}
		case 'd':
			dump_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: oled-sim --bus SOCKET [--chip ssd1306|sh1106] "
				"[--address 0x3c] [--dump FILE.png]\n");
			return 2;
		}
	}
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (!bus || strlen(bus) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "oled-sim: --bus SOCKET is required (at most 107 bytes)\n");
		return 2;
	}
	memcpy(addr.sun_path, bus, strlen(bus) + 1);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	unlink(bus);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(lfd, 4) != 0) {
		fprintf(stderr, "oled-sim: cannot listen on %s: %s\n", bus, strerror(errno));
		return 1;
	}
	static struct oled_panel panel;
	oled_panel_init(&panel, chip, (uint8_t)address);
	printf("ready\n");
	fflush(stdout);
	while (!stopping) {
		struct pollfd pfd = {.fd = lfd, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		serve(cfd, &panel, dump_path);
		close(cfd);
	}
	close(lfd);
	unlink(bus);
	fprintf(stderr, "oled-sim: %llu transfers, %llu bytes, %llu rejected\n",
		(unsigned long long)panel.transfers, (unsigned long long)panel.bytes,
		(unsigned long long)panel.rejected);
	return 0;
}
