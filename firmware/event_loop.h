/*
 * event_loop: kioskd's one loop, on epoll. Everything that is not the card
 * reader (which blocks, and so has its own thread) runs here: signals
 * (signalfd), timers (timerfd), the control socket and its clients, and the
 * reader thread's events (eventfd). Handlers must not block.
 */
#ifndef KIOSK_EVENT_LOOP_H
#define KIOSK_EVENT_LOOP_H

#include <stdint.h>

struct event_loop;

/* events: EPOLLIN / EPOLLOUT bits; handlers see what happened in `events`. */
typedef void (*event_fd_fn)(struct event_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*event_timer_fn)(struct event_loop *loop, void *arg);

struct event_loop *event_loop_new(void);
void event_loop_free(struct event_loop *loop);

/* Watches fd. Returns 0 or -1 (errno set). */
int event_loop_add(struct event_loop *loop, int fd, uint32_t events, event_fd_fn fn, void *arg);
int event_loop_modify(struct event_loop *loop, int fd, uint32_t events);
/* Stops watching fd (does not close it). Safe to call from fd's own handler. */
void event_loop_remove(struct event_loop *loop, int fd);

/*
 * A repeating timer every interval_ms (first after first_ms). Returns a timer
 * handle (>= 0) or -1.
 */
int event_loop_add_timer(struct event_loop *loop, int64_t first_ms, int64_t interval_ms,
			 event_timer_fn fn, void *arg);
void event_loop_remove_timer(struct event_loop *loop, int timer);

/* Runs until event_loop_stop(). Returns 0, or -1 if epoll fails. */
int event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);

#endif
