/*
 * reader_thread: runs the blocking card reader in its own thread and hands
 * what it sees to the event loop as events.
 *
 * The thread opens the reader, polls it, and turns polls into edges: a card
 * arrived, the card left, the reader came up or went down. A reader that is
 * missing or fails is reopened with a backoff capped at 1 s, so a reader that
 * comes back is in use again well within 3 s. The loop learns of new events
 * through an eventfd (reader_thread_fd) and drains them with
 * reader_thread_next().
 *
 * Events carry the raw UID (for card identity, which wipes it); the queue
 * wipes every slot once it is read.
 */
#ifndef KIOSK_READER_THREAD_H
#define KIOSK_READER_THREAD_H

#include <stdbool.h>

#include "nfc.h"

enum reader_event_kind {
	READER_CARD_ARRIVED,
	READER_CARD_REMOVED,
	READER_UP,   /* the reader opened and answers */
	READER_DOWN, /* the reader is missing or failed; detail says why */
};

struct reader_event {
	enum reader_event_kind kind;
	struct nfc_card card; /* READER_CARD_ARRIVED */
	char detail[160];     /* READER_DOWN */
};

struct reader_thread;

struct reader_thread *reader_thread_start(const char *connection);
/* Aborts a blocked poll, joins the thread, closes the reader. */
void reader_thread_stop(struct reader_thread *rt);
/* Readable when events are waiting. */
int reader_thread_fd(const struct reader_thread *rt);
/* Pops the next event; false when there is none. */
bool reader_thread_next(struct reader_thread *rt, struct reader_event *out);

#endif
