/*
 * control: see control.h.
 */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

struct client {
	struct control_server *server;
	int fd;
	bool allowed;
	bool watching;
	bool closing; /* close once the output is flushed */
	char actor[64];
	char in[CONTROL_LINE_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_cap;
	struct client *next;
};

struct control_server {
	struct event_loop *loop;
	struct kiosk *kiosk;
	int fd;
	char path[108];
	bool have_group;
	gid_t gid;
	struct client *clients;
};

static void client_free(struct client *c)
{
	struct control_server *s = c->server;
	for (struct client **p = &s->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	event_loop_remove(s->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

/*
 * Backpressure: a client's next request is read only once the answer to the
 * last one has gone out, so no client can make kioskd buffer more than one
 * answer (watchers, whose events are not answers, are capped instead).
 */
static bool client_may_read(const struct client *c)
{
	return !c->closing && (c->out_len == 0 || c->watching);
}

static void client_update_interest(struct client *c)
{
	uint32_t events = 0;
	if (client_may_read(c))
		events |= EPOLLIN | EPOLLRDHUP;
	if (c->out_len > 0)
		events |= EPOLLOUT;
	event_loop_modify(c->server->loop, c->fd, events);
}

/* Writes what it can now. Returns -1 if the client is gone. */
static int client_flush(struct client *c)
{
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -1;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	client_update_interest(c);
	if (c->out_len == 0 && c->closing)
		return -1;
	return 0;
}

/* Queues one JSON line. Returns -1 if the client must be dropped. */
static int client_send(struct client *c, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return -1;
	size_t len = strlen(text);
	if (c->watching && c->out_len + len + 1 > CONTROL_WATCH_BACKLOG) {
		free(text);
		log_warn("control: watcher (%s) is not reading; disconnected", c->actor);
		return -1;
	}
	if (c->out_len + len + 1 > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len + 1)
			cap *= 2;
		char *bigger = realloc(c->out, cap);
		if (!bigger) {
			free(text);
			return -1;
		}
		c->out = bigger;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	free(text);
	return client_flush(c);
}

static json_t *error_msg(const char *text) { return json_pack("{s:b, s:s}", "ok", 0, "error", text); }

/* Handles one request line. Returns -1 if the client must be dropped. */
static int client_request(struct client *c, const char *line, size_t len)
{
	if (!c->allowed)
		return -1;
	json_error_t jerr;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *resp;
	if (!req) {
		char text[200];
		snprintf(text, sizeof(text), "malformed JSON at column %d: %s", jerr.column, jerr.text);
		resp = error_msg(text);
	} else if (json_is_object(req) && json_is_string(json_object_get(req, "cmd")) &&
		   strcmp(json_string_value(json_object_get(req, "cmd")), "watch") == 0) {
		/* The acknowledgement, then a first event with the state now, so a
		 * watcher knows where the stream starts. */
		c->watching = true;
		resp = json_pack("{s:b, s:b}", "ok", 1, "watching", 1);
		if (client_send(c, resp) != 0) {
			json_decref(resp);
			json_decref(req);
			return -1;
		}
		json_decref(resp);
		struct kiosk *k = c->server->kiosk;
		int64_t last_seq = 0;
		if (k->store)
			store_last_seq(k->store, &last_seq);
		resp = json_pack("{s:s, s:s, s:I}", "event", "watching", "reader",
				 k->reader_state == READER_STATE_OK ? "ok"
				 : k->reader_state == READER_STATE_STARTING ? "starting"
									    : "unavailable",
				 "last_seq", (json_int_t)last_seq);
	} else {
		resp = kiosk_command(c->server->kiosk, req, c->actor);
	}
	json_decref(req);
	int rc = client_send(c, resp);
	json_decref(resp);
	return rc;
}

/* Runs the complete request lines already received, while answers may be sent. */
static int client_process_lines(struct client *c)
{
	char *nl;
	while (client_may_read(c) && (nl = memchr(c->in, '\n', c->in_len)) != NULL) {
		size_t len = (size_t)(nl - c->in);
		int rc = len > 0 ? client_request(c, c->in, len) : 0;
		if (rc != 0)
			return -1;
		memmove(c->in, nl + 1, c->in_len - len - 1);
		c->in_len -= len + 1;
	}
	return 0;
}

static void client_readable(struct client *c)
{
	while (client_may_read(c)) {
		if (c->in_len == sizeof(c->in)) {
			json_t *resp = error_msg("request line too long");
			c->closing = true;
			client_send(c, resp);
			json_decref(resp);
			client_free(c);
			return;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n == 0 && c->out_len > 0) {
			/* The client finished sending (a half-close): finish answering. */
			c->closing = true;
			client_update_interest(c);
			return;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			client_free(c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		c->in_len += (size_t)n;
		if (client_process_lines(c) != 0) {
			client_free(c);
			return;
		}
	}
}

static void client_event(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	struct client *c = arg;
	if (events & EPOLLOUT) {
		/* Once an answer has gone out, the requests waiting behind it run. */
		if (client_flush(c) != 0 || client_process_lines(c) != 0) {
			client_free(c);
			return;
		}
		client_update_interest(c);
	}
	if (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLIN)) {
		client_free(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP))
		client_readable(c);
}

/*
 * Is the peer in group gid, by its primary group or a supplementary one?
 * SO_PEERGROUPS gives the groups the peer had when it connected (reading
 * /proc/PID later could read a reused PID's).
 */
static bool peer_in_group(int fd, gid_t peer_gid, gid_t gid)
{
	if (peer_gid == gid)
		return true;
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return false; /* more groups than that, or an old kernel: not proven, not served */
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static void describe_peer(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, len, "uid %lu (%.32s)", (unsigned long)uid, res->pw_name);
	else
		snprintf(out, len, "uid %lu", (unsigned long)uid);
}

static void server_accept(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)events;
	struct control_server *s = arg;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("control: accept: %s", strerror(errno));
			return;
		}
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || clen != sizeof(cred)) {
			log_warn("control: cannot read peer credentials; connection refused");
			close(cfd);
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->server = s;
		c->fd = cfd;
		describe_peer(cred.uid, c->actor, sizeof(c->actor));
		c->allowed = cred.uid == 0 || cred.uid == geteuid() ||
			     (s->have_group && peer_in_group(cfd, cred.gid, s->gid));
		if (event_loop_add(loop, cfd, EPOLLIN | EPOLLRDHUP, client_event, c) != 0) {
			close(cfd);
			free(c);
			continue;
		}
		c->next = s->clients;
		s->clients = c;
		if (!c->allowed) {
			log_warn("control: %s is not allowed (not root, kioskd's user or in the control "
				 "group); disconnected",
				 c->actor);
			json_t *resp = error_msg("not allowed: use kioskctl as root, as kioskd's user or "
						 "as a member of the control group");
			c->closing = true;
			int rc = client_send(c, resp);
			json_decref(resp);
			if (rc != 0)
				client_free(c);
		}
	}
}

void control_broadcast(void *server, json_t *event)
{
	struct control_server *s = server;
	struct client *c = s->clients;
	while (c) {
		struct client *next = c->next;
		if (c->watching && c->allowed && !c->closing && client_send(c, event) != 0)
			client_free(c);
		c = next;
	}
}

/* Is something answering on path? (Then another kioskd owns it.) */
static bool socket_alive(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool alive = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	return alive;
}

struct control_server *control_start(struct event_loop *loop, struct kiosk *kiosk,
				     const char *path, const char *group, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %.200s", path);
		return NULL;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);

	struct control_server *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->kiosk = kiosk;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (group && group[0]) {
		struct group gr, *res = NULL;
		char buf[4096];
		if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) == 0 && res) {
			s->have_group = true;
			s->gid = res->gr_gid;
		} else {
			log_error("control: group \"%s\" does not exist; only root and kioskd's user "
				  "may use %s",
				  group, path);
		}
	}

	if (socket_alive(&addr)) {
		snprintf(err, errlen, "%s is in use: another kioskd is running", path);
		free(s);
		return NULL;
	}
	unlink(path); /* a stale socket from a process that died */

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Create it 0660 from the start: no window in which others could connect. */
	mode_t old_mask = umask(0117);
	int bound = s->fd >= 0 ? bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) : -1;
	umask(old_mask);
	if (bound != 0 || listen(s->fd, 16) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	if (chmod(path, 0660) != 0)
		log_warn("control: chmod %s: %s", path, strerror(errno));
	if (s->have_group && chown(path, (uid_t)-1, s->gid) != 0)
		log_warn("control: cannot give %s to group %s: %s", path, group, strerror(errno));
	if (event_loop_add(loop, s->fd, EPOLLIN, server_accept, s) != 0) {
		snprintf(err, errlen, "event loop: %s", strerror(errno));
		close(s->fd);
		unlink(path);
		free(s);
		return NULL;
	}
	return s;
}

void control_stop(struct control_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	event_loop_remove(s->loop, s->fd);
	close(s->fd);
	unlink(s->path);
	free(s);
}
