/*
 * loop_wedge: see loop_wedge.h.
 */
#include "loop_wedge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define WEDGE_MAX_MS 600000

static int wedge_fd = -1;

static void on_wedge(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	(void)arg;
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *end;
	long ms = strtol(buf, &end, 10);
	if (end == buf || ms < 1 || ms > WEDGE_MAX_MS) {
		log_warn("test wedge: ignoring \"%.*s\" (milliseconds, 1 to %d)",
			 (int)strcspn(buf, "\n"), buf, WEDGE_MAX_MS);
		return;
	}
	log_warn("test wedge: blocking the event loop for %ld ms", ms);
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	log_warn("test wedge: event loop running again");
}

int loop_wedge_start(struct event_loop *loop)
{
	const char *path = getenv("KIOSKD_TEST_WEDGE");
	if (!path || !*path)
		return 0;
	/* O_RDWR: the FIFO always has a writer (us), so it never reports a
	 * hang-up between the test's writes. */
	wedge_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (wedge_fd < 0) {
		log_error("test wedge: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (event_loop_add(loop, wedge_fd, EPOLLIN, on_wedge, NULL) != 0) {
		log_error("test wedge: event loop: %s", strerror(errno));
		close(wedge_fd);
		wedge_fd = -1;
		return -1;
	}
	log_warn("test wedge is active (KIOSKD_TEST_WEDGE=%s): not for production", path);
	return 0;
}

void loop_wedge_stop(struct event_loop *loop)
{
	if (wedge_fd < 0)
		return;
	event_loop_remove(loop, wedge_fd);
	close(wedge_fd);
	wedge_fd = -1;
}
