/*
 * curl_loop: see curl_loop.h.
 */
#include "curl_loop.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"

struct curl_loop {
	struct event_loop *loop;
	CURLM *multi;
	int timer_fd;
	curl_loop_done_fn done;
	void *ctx;
};

/* Hands finished transfers to done(). */
static void check_done(struct curl_loop *cl)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(cl->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode result = msg->data.result;
		curl_multi_remove_handle(cl->multi, easy);
		cl->done(cl->ctx, easy, result);
	}
}

static void on_socket(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	struct curl_loop *cl = arg;
	int mask = 0;
	if (events & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	int running;
	curl_multi_socket_action(cl->multi, fd, mask, &running);
	check_done(cl);
}

static void on_timer(struct event_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct curl_loop *cl = arg;
	uint64_t expirations;
	if (read(fd, &expirations, sizeof(expirations)) != (ssize_t)sizeof(expirations))
		return;
	int running;
	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cl);
}

/* libcurl: watch (or stop watching) socket s for what. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)easy;
	struct curl_loop *cl = userp;
	if (what == CURL_POLL_REMOVE) {
		if (socketp) {
			event_loop_remove(cl->loop, s);
			curl_multi_assign(cl->multi, s, NULL);
		}
		return 0;
	}
	uint32_t events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= EPOLLOUT;
	if (socketp)
		return event_loop_modify(cl->loop, s, events) == 0 ? 0 : -1;
	if (event_loop_add(cl->loop, s, events, on_socket, cl) != 0) {
		log_error("sync: cannot watch a socket: event loop refused it");
		return -1;
	}
	/* Any non-NULL pointer: "this socket is in the loop". */
	curl_multi_assign(cl->multi, s, cl);
	return 0;
}

/* libcurl: call me back in timeout_ms (-1: never). */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct curl_loop *cl = userp;
	struct itimerspec spec;
	memset(&spec, 0, sizeof(spec));
	if (timeout_ms >= 0) {
		/* 0 means "now"; a zero it_value would disarm the timer instead. */
		long ms = timeout_ms;
		spec.it_value.tv_sec = ms / 1000;
		spec.it_value.tv_nsec = (ms % 1000) * 1000000L;
		if (ms == 0)
			spec.it_value.tv_nsec = 1;
	}
	return timerfd_settime(cl->timer_fd, 0, &spec, NULL) == 0 ? 0 : -1;
}

struct curl_loop *curl_loop_new(struct event_loop *loop, curl_loop_done_fn done, void *ctx)
{
	struct curl_loop *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	cl->loop = loop;
	cl->done = done;
	cl->ctx = ctx;
	cl->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	cl->multi = curl_multi_init();
	if (cl->timer_fd < 0 || !cl->multi ||
	    event_loop_add(loop, cl->timer_fd, EPOLLIN, on_timer, cl) != 0) {
		if (cl->multi)
			curl_multi_cleanup(cl->multi);
		if (cl->timer_fd >= 0)
			close(cl->timer_fd);
		free(cl);
		return NULL;
	}
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	return cl;
}

int curl_loop_add(struct curl_loop *cl, CURL *easy)
{
	return curl_multi_add_handle(cl->multi, easy) == CURLM_OK ? 0 : -1;
}

void curl_loop_remove(struct curl_loop *cl, CURL *easy)
{
	curl_multi_remove_handle(cl->multi, easy);
}

void curl_loop_free(struct curl_loop *cl)
{
	if (!cl)
		return;
	/* The caller has removed its handles; cleaning up closes any socket
	 * libcurl kept for reuse, telling us through socket_cb. */
	curl_multi_cleanup(cl->multi);
	event_loop_remove(cl->loop, cl->timer_fd);
	close(cl->timer_fd);
	free(cl);
}
