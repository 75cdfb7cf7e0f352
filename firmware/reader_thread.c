/*
 * reader_thread: see reader_thread.h.
 */
#include "reader_thread.h"

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

#define QUEUE_SLOTS 64
#define POLL_TIMEOUT_MS 500      /* how long one poll may wait for a card */
#define PRESENCE_INTERVAL_MS 50  /* between presence checks while a card stays */
#define REOPEN_MIN_MS 100
#define REOPEN_MAX_MS 1000

struct reader_thread {
	pthread_t thread;
	pthread_mutex_t lock;
	char connection[256];
	struct nfc_reader *reader; /* guarded by lock for abort() from outside */
	bool stopping;
	int notify_fd; /* eventfd: events are waiting */
	int wake_fd;   /* eventfd: stop sleeping (shutdown) */
	struct reader_event queue[QUEUE_SLOTS];
	unsigned head, count;
};

static void push(struct reader_thread *rt, const struct reader_event *ev)
{
	pthread_mutex_lock(&rt->lock);
	if (rt->count == QUEUE_SLOTS) {
		pthread_mutex_unlock(&rt->lock);
		log_warn("reader: event queue full; an event was dropped");
		return;
	}
	rt->queue[(rt->head + rt->count) % QUEUE_SLOTS] = *ev;
	rt->count++;
	pthread_mutex_unlock(&rt->lock);
	uint64_t one = 1;
	if (write(rt->notify_fd, &one, sizeof(one)) < 0) {
		/* the counter only saturates if the loop stopped reading */
	}
}

bool reader_thread_next(struct reader_thread *rt, struct reader_event *out)
{
	uint64_t drained;
	if (read(rt->notify_fd, &drained, sizeof(drained)) < 0) {
		/* EAGAIN: nothing new was signalled; the queue says what there is */
	}
	pthread_mutex_lock(&rt->lock);
	bool have = rt->count > 0;
	if (have) {
		struct reader_event *slot = &rt->queue[rt->head];
		*out = *slot;
		explicit_bzero(slot, sizeof(*slot));
		rt->head = (rt->head + 1) % QUEUE_SLOTS;
		rt->count--;
	}
	pthread_mutex_unlock(&rt->lock);
	return have;
}

int reader_thread_fd(const struct reader_thread *rt) { return rt->notify_fd; }

/* Sleeps up to ms, or until shutdown. Returns true if stopping. */
static bool nap(struct reader_thread *rt, int ms)
{
	struct pollfd pfd = {.fd = rt->wake_fd, .events = POLLIN};
	poll(&pfd, 1, ms);
	pthread_mutex_lock(&rt->lock);
	bool stopping = rt->stopping;
	pthread_mutex_unlock(&rt->lock);
	return stopping;
}

static bool same_card(const struct nfc_card *a, const struct nfc_card *b)
{
	return a->tech == b->tech && a->uid_len == b->uid_len &&
	       memcmp(a->uid, b->uid, a->uid_len) == 0;
}

static void *reader_main(void *arg)
{
	struct reader_thread *rt = arg;
	int backoff_ms = REOPEN_MIN_MS;
	char last_error[160] = "";

	for (;;) {
		char err[160] = "";
		struct nfc_reader *reader = nfc_reader_open(rt->connection, err, sizeof(err));
		if (!reader) {
			/* Report each distinct failure once, not every retry. */
			if (strcmp(err, last_error) != 0) {
				struct reader_event ev = {.kind = READER_DOWN};
				snprintf(ev.detail, sizeof(ev.detail), "%s", err);
				push(rt, &ev);
				snprintf(last_error, sizeof(last_error), "%s", err);
			}
			if (nap(rt, backoff_ms))
				return NULL;
			backoff_ms = backoff_ms * 2 > REOPEN_MAX_MS ? REOPEN_MAX_MS : backoff_ms * 2;
			continue;
		}
		pthread_mutex_lock(&rt->lock);
		rt->reader = reader;
		bool stopping = rt->stopping;
		pthread_mutex_unlock(&rt->lock);
		if (stopping)
			break;
		backoff_ms = REOPEN_MIN_MS;
		last_error[0] = '\0';
		struct reader_event up = {.kind = READER_UP};
		push(rt, &up);

		struct nfc_card present = {0};
		bool have_card = false;
		for (;;) {
			struct nfc_card card;
			int r = nfc_reader_poll(reader, POLL_TIMEOUT_MS, &card, err, sizeof(err));
			pthread_mutex_lock(&rt->lock);
			stopping = rt->stopping;
			pthread_mutex_unlock(&rt->lock);
			if (stopping) {
				explicit_bzero(&card, sizeof(card));
				break;
			}
			if (r == NFC_POLL_ERROR) {
				struct reader_event down = {.kind = READER_DOWN};
				snprintf(down.detail, sizeof(down.detail), "%s", err);
				snprintf(last_error, sizeof(last_error), "%s", err);
				if (have_card) {
					struct reader_event gone = {.kind = READER_CARD_REMOVED};
					push(rt, &gone);
				}
				push(rt, &down);
				break;
			}
			if (r == NFC_POLL_NONE && err[0])
				log_warn("reader: %s", err);
			if (r == NFC_POLL_CARD) {
				if (have_card && !same_card(&card, &present)) {
					struct reader_event gone = {.kind = READER_CARD_REMOVED};
					push(rt, &gone);
					have_card = false;
				}
				if (!have_card) {
					struct reader_event arrived = {.kind = READER_CARD_ARRIVED, .card = card};
					push(rt, &arrived);
					explicit_bzero(&arrived, sizeof(arrived));
					present = card;
					have_card = true;
				}
				explicit_bzero(&card, sizeof(card));
				if (nap(rt, PRESENCE_INTERVAL_MS))
					break;
			} else if (have_card) {
				struct reader_event gone = {.kind = READER_CARD_REMOVED};
				push(rt, &gone);
				have_card = false;
			}
		}
		explicit_bzero(&present, sizeof(present));
		pthread_mutex_lock(&rt->lock);
		rt->reader = NULL;
		stopping = rt->stopping;
		pthread_mutex_unlock(&rt->lock);
		nfc_reader_close(reader);
		if (stopping || nap(rt, backoff_ms))
			return NULL;
	}
	pthread_mutex_lock(&rt->lock);
	struct nfc_reader *left = rt->reader;
	rt->reader = NULL;
	pthread_mutex_unlock(&rt->lock);
	nfc_reader_close(left);
	return NULL;
}

struct reader_thread *reader_thread_start(const char *connection)
{
	struct reader_thread *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	snprintf(rt->connection, sizeof(rt->connection), "%s", connection);
	pthread_mutex_init(&rt->lock, NULL);
	rt->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rt->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rt->notify_fd < 0 || rt->wake_fd < 0 ||
	    pthread_create(&rt->thread, NULL, reader_main, rt) != 0) {
		if (rt->notify_fd >= 0)
			close(rt->notify_fd);
		if (rt->wake_fd >= 0)
			close(rt->wake_fd);
		pthread_mutex_destroy(&rt->lock);
		free(rt);
		return NULL;
	}
	return rt;
}

void reader_thread_stop(struct reader_thread *rt)
{
	if (!rt)
		return;
	pthread_mutex_lock(&rt->lock);
	rt->stopping = true;
	if (rt->reader)
		nfc_reader_abort(rt->reader);
	pthread_mutex_unlock(&rt->lock);
	uint64_t one = 1;
	if (write(rt->wake_fd, &one, sizeof(one)) < 0) {
		/* already signalled */
	}
	pthread_join(rt->thread, NULL);
	close(rt->notify_fd);
	close(rt->wake_fd);
	pthread_mutex_destroy(&rt->lock);
	explicit_bzero(rt->queue, sizeof(rt->queue));
	free(rt);
}
