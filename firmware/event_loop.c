/*
 * event_loop: see event_loop.h.
 *
 * Watches are kept in a small array indexed by nothing in particular; epoll
 * carries a pointer to the watch. A removed watch is marked dead and freed
 * after the current batch of events, so a handler may remove any watch
 * (its own included) without a later event in the same batch touching
 * freed memory.
 */
#include "event_loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct watch {
	int fd;
	bool dead;
	bool is_timer;
	event_fd_fn fn;
	event_timer_fn timer_fn;
	void *arg;
	struct watch *next;
};

struct event_loop {
	int epoll_fd;
	bool running;
	struct watch *watches;
};

struct event_loop *event_loop_new(void)
{
	struct event_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0) {
		free(loop);
		return NULL;
	}
	return loop;
}

static void reap(struct event_loop *loop)
{
	struct watch **p = &loop->watches;
	while (*p) {
		struct watch *w = *p;
		if (w->dead) {
			*p = w->next;
			free(w);
		} else {
			p = &w->next;
		}
	}
}

void event_loop_free(struct event_loop *loop)
{
	if (!loop)
		return;
	for (struct watch *w = loop->watches; w; w = w->next) {
		if (w->is_timer && !w->dead)
			close(w->fd);
		w->dead = true;
	}
	reap(loop);
	close(loop->epoll_fd);
	free(loop);
}

static struct watch *find(struct event_loop *loop, int fd)
{
	for (struct watch *w = loop->watches; w; w = w->next)
		if (w->fd == fd && !w->dead)
			return w;
	return NULL;
}

static struct watch *add_watch(struct event_loop *loop, int fd, uint32_t events)
{
	struct watch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->fd = fd;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		int saved = errno;
		free(w);
		errno = saved;
		return NULL;
	}
	w->next = loop->watches;
	loop->watches = w;
	return w;
}

int event_loop_add(struct event_loop *loop, int fd, uint32_t events, event_fd_fn fn, void *arg)
{
	struct watch *w = add_watch(loop, fd, events);
	if (!w)
		return -1;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

int event_loop_modify(struct event_loop *loop, int fd, uint32_t events)
{
	struct watch *w = find(loop, fd);
	if (!w) {
		errno = ENOENT;
		return -1;
	}
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
}

void event_loop_remove(struct event_loop *loop, int fd)
{
	struct watch *w = find(loop, fd);
	if (!w)
		return;
	epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	w->dead = true;
}

int event_loop_add_timer(struct event_loop *loop, int64_t first_ms, int64_t interval_ms,
			 event_timer_fn fn, void *arg)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (first_ms <= 0)
		first_ms = 1; /* zero would disarm the timer */
	struct itimerspec spec = {
		.it_value = {.tv_sec = first_ms / 1000, .tv_nsec = (first_ms % 1000) * 1000000},
		.it_interval = {.tv_sec = interval_ms / 1000, .tv_nsec = (interval_ms % 1000) * 1000000},
	};
	struct watch *w;
	if (timerfd_settime(fd, 0, &spec, NULL) != 0 || !(w = add_watch(loop, fd, EPOLLIN))) {
		close(fd);
		return -1;
	}
	w->is_timer = true;
	w->timer_fn = fn;
	w->arg = arg;
	return fd;
}

void event_loop_remove_timer(struct event_loop *loop, int timer)
{
	struct watch *w = find(loop, timer);
	if (!w || !w->is_timer)
		return;
	event_loop_remove(loop, timer);
	close(timer);
}

int event_loop_run(struct event_loop *loop)
{
	loop->running = true;
	while (loop->running) {
		struct epoll_event events[32];
		int n = epoll_wait(loop->epoll_fd, events, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;
			if (w->dead)
				continue;
			if (w->is_timer) {
				uint64_t expirations;
				if (read(w->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
					continue;
				w->timer_fn(loop, w->arg);
			} else {
				w->fn(loop, w->fd, events[i].events, w->arg);
			}
		}
		reap(loop);
	}
	return 0;
}

void event_loop_stop(struct event_loop *loop) { loop->running = false; }
