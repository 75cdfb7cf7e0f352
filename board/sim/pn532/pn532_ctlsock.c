/*
 * pn532_ctlsock: see pn532_ctlsock.h.
 */
#include "pn532_ctlsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int make_addr(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "%s: socket path too long (at most %zu bytes)", path,
			 sizeof(sa->sun_path) - 1);
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* A socket file nobody answers on is a leftover of a killed simulator. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; not replacing it", path);
		return -1;
	}
	const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	const int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another simulator is answering there", path);
		return -1;
	}
	unlink(path);
	return 0;
}

int pn532_ctlsock_listen(struct pn532_ctlsock *s, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	memset(s, 0, sizeof(*s));
	s->listen_fd = -1;
	for (size_t i = 0; i < PN532_CTLSOCK_CLIENTS; i++)
		s->clients[i].fd = -1;
	if (make_addr(path, &sa, err, errlen) != 0 || clear_stale(path, &sa, err, errlen) != 0)
		return -1;
	const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	const mode_t old = umask(0177);
	const int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, 8) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	s->listen_fd = fd;
	memcpy(s->path, sa.sun_path, sizeof(s->path));
	return 0;
}

static void drop_client(struct pn532_ctlsock_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	cl->in_len = 0;
	cl->out_len = 0;
	cl->discarding = false;
}

void pn532_ctlsock_close(struct pn532_ctlsock *s)
{
	for (size_t i = 0; i < PN532_CTLSOCK_CLIENTS; i++)
		drop_client(&s->clients[i]);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->path);
	}
	s->listen_fd = -1;
}

size_t pn532_ctlsock_pollfds(const struct pn532_ctlsock *s, struct pollfd *fds, size_t cap)
{
	size_t n = 0;
	if (n < cap) {
		fds[n].fd = s->listen_fd;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		n++;
	}
	for (size_t i = 0; i < PN532_CTLSOCK_CLIENTS && n < cap; i++) {
		const struct pn532_ctlsock_client *cl = &s->clients[i];
		fds[n].fd = cl->fd; /* -1: poll ignores it, keeping the slots aligned */
		fds[n].events = (short)(POLLIN | (cl->out_len ? POLLOUT : 0));
		fds[n].revents = 0;
		n++;
	}
	return n;
}

static void queue_answer(struct pn532_ctlsock_client *cl, const char *answer)
{
	const size_t len = strlen(answer);
	if (cl->out_len + len + 1 > sizeof(cl->out)) {
		drop_client(cl); /* it does not read its answers */
		return;
	}
	memcpy(cl->out + cl->out_len, answer, len);
	cl->out[cl->out_len + len] = '\n';
	cl->out_len += len + 1;
}

static void read_client(struct pn532_ctlsock_client *cl, pn532_ctlsock_handler handler, void *arg)
{
	char buf[1024];
	const ssize_t got = read(cl->fd, buf, sizeof(buf));
	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
		drop_client(cl);
		return;
	}
	for (ssize_t i = 0; i < got && cl->fd >= 0; i++) {
		const char ch = buf[i];
		if (ch == '\n') {
			if (cl->discarding) {
				cl->discarding = false;
			} else {
				char answer[PN532_CTL_ANSWER_MAX];
				cl->in[cl->in_len] = '\0';
				if (strlen(cl->in) != cl->in_len)
					snprintf(answer, sizeof(answer), "error: NUL byte in command");
				else
					handler(arg, cl->in, answer, sizeof(answer));
				queue_answer(cl, answer);
			}
			cl->in_len = 0;
			continue;
		}
		if (cl->discarding)
			continue;
		if (cl->in_len == PN532_CTL_LINE_MAX) {
			char answer[96];
			snprintf(answer, sizeof(answer), "error: line too long (at most %d bytes)",
				 PN532_CTL_LINE_MAX);
			queue_answer(cl, answer);
			cl->discarding = true;
			cl->in_len = 0;
			continue;
		}
		cl->in[cl->in_len++] = ch;
	}
}

static void write_client(struct pn532_ctlsock_client *cl)
{
	const ssize_t w = send(cl->fd, cl->out, cl->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0) {
		if (errno != EAGAIN && errno != EINTR)
			drop_client(cl);
		return;
	}
	memmove(cl->out, cl->out + w, cl->out_len - (size_t)w);
	cl->out_len -= (size_t)w;
}

void pn532_ctlsock_service(struct pn532_ctlsock *s, const struct pollfd *fds, size_t n,
			   pn532_ctlsock_handler handler, void *arg)
{
	if (n == 0)
		return;
	for (size_t i = 1; i < n && i - 1 < PN532_CTLSOCK_CLIENTS; i++) {
		struct pn532_ctlsock_client *cl = &s->clients[i - 1];
		if (cl->fd < 0 || fds[i].fd != cl->fd)
			continue;
		if (fds[i].revents & POLLIN)
			read_client(cl, handler, arg);
		else if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			drop_client(cl);
		if (cl->fd >= 0 && cl->out_len)
			write_client(cl);
	}
	if (fds[0].revents & POLLIN) {
		for (;;) {
			const int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			size_t i = 0;
			while (i < PN532_CTLSOCK_CLIENTS && s->clients[i].fd >= 0)
				i++;
			if (i == PN532_CTLSOCK_CLIENTS) {
				static const char busy[] = "error: too many control connections\n";
				(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
				close(fd);
				continue;
			}
			drop_client(&s->clients[i]);
			s->clients[i].fd = fd;
		}
	}
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

int pn532_ctlsock_request(const char *path, const char *line, char *answer, size_t cap,
			  int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	if (cap == 0 || make_addr(path, &sa, err, errlen) != 0)
		return -1;
	const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "%s: %s (is pn532-sim running?)", path, strerror(errno));
		close(fd);
		return -1;
	}
	char msg[PN532_CTL_LINE_MAX + 2];
	const int mlen = snprintf(msg, sizeof(msg), "%s\n", line);
	if (mlen < 0 || (size_t)mlen >= sizeof(msg)) {
		snprintf(err, errlen, "command too long (at most %d bytes)", PN532_CTL_LINE_MAX);
		close(fd);
		return -1;
	}
	if (send(fd, msg, (size_t)mlen, MSG_NOSIGNAL) != mlen) {
		snprintf(err, errlen, "%s: send: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	size_t used = 0;
	for (;;) {
		const long left = timeout_ms - elapsed_ms(&start);
		struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			snprintf(err, errlen, "%s: no answer within %d ms", path, timeout_ms);
			close(fd);
			return -1;
		}
		char ch;
		const ssize_t r = read(fd, &ch, 1);
		if (r <= 0) {
			snprintf(err, errlen, "%s: connection closed without an answer", path);
			close(fd);
			return -1;
		}
		if (ch == '\n')
			break;
		if (used + 1 < cap)
			answer[used++] = ch;
	}
	answer[used] = '\0';
	close(fd);
	return 0;
}
