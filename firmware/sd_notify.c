/*
 * sd_notify: see sd_notify.h.
 */
#include "sd_notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sd_notify_send(const char *message)
{
	const char *name = getenv("NOTIFY_SOCKET");
	if (!name || !*name)
		return 0;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	/* '@' is an abstract socket: a leading NUL, no terminator counted. */
	if ((name[0] != '/' && name[0] != '@') || len >= sizeof(addr.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(addr.sun_path, name, len);
	if (name[0] == '@')
		addr.sun_path[0] = '\0';
	socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
					 (name[0] == '@' ? 0 : 1));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* MSG_DONTWAIT: a full socket buffer (systemd busy) must never stall
	 * the event loop; a lost keep-alive is made good by the next one. */
	ssize_t n = sendto(fd, message, strlen(message), MSG_NOSIGNAL | MSG_DONTWAIT,
			   (const struct sockaddr *)&addr, addr_len);
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	return 1;
}

int sd_notify_printf(const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	return sd_notify_send(message); /* a longer STATUS= is cut, never refused */
}

uint64_t sd_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	if (!usec || !*usec)
		return 0;
	char *end;
	errno = 0;
	unsigned long long value = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || value == 0)
		return 0;
	const char *pid = getenv("WATCHDOG_PID");
	if (pid && *pid) {
		errno = 0;
		long long p = strtoll(pid, &end, 10);
		if (errno != 0 || *end != '\0' || p != (long long)getpid())
			return 0;
	}
	return (uint64_t)value;
}

int sd_watchdog_poll_ms(void)
{
	uint64_t usec = sd_watchdog_usec();
	if (usec == 0)
		return -1;
	uint64_t ms = usec / 2000;
	if (ms < 1)
		ms = 1;
	return ms > 3600000 ? 3600000 : (int)ms;
}
