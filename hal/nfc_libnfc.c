/*
 * nfc_libnfc: the reader through Debian's libnfc 1.8 (PN532 over UART or
 * I2C, ACR122 and the rest of libnfc's drivers).
 *
 * Polling design (measured and argued in docs/reader.md):
 *
 * A PN532 searches for one modulation at a time. InAutoPoll searches
 * several, but the chip answers only when a polling period (150 ms or
 * more) ends: too slow for a tap. Short searches with a few chip-side
 * retries answer fast but cost the host a command exchange (about twenty
 * system calls through libnfc) every few milliseconds: over 0.5 % of a core
 * at the rate a 50 ms tap needs. So the backend lets the chip search for
 * as long as a slot lasts: InListPassiveTarget with infinite chip-side
 * retries (NP_INFINITE_SELECT), the host asleep in select(), and a slot
 * keeper thread that ends the slot with nfc_abort_command() (libnfc then
 * sends the chip an ACK, which aborts the search). A card that arrives
 * during its modulation's slot answers at once; otherwise it waits for the
 * next slot. Slots go ISO14443A, FeliCa 212, ISO14443A, FeliCa 424, so
 * type A (most cards) is searched every other slot and FeliCa at both
 * rates.
 *
 * nfc_abort_command() interrupts only the wait for the chip's answer; an
 * abort that lands while libnfc is still sending the command or reading
 * the chip's ACK is lost (the search then ends by libnfc's own 300 ms
 * timeout) and leaks a pipe inside libnfc. Slots are long enough that this
 * takes a stall of most of a slot; lost aborts are counted, and past a
 * bound the backend falls back, for good, to short searches with finite
 * retries and a rest between cycles (the "cycle" mode; also chosen with
 * KIOSKD_NFC_POLL=cycle for measurements).
 *
 * While a card stays, it is pinged with libnfc's presence check (with
 * finite retries, so a card that has gone is noticed), and an ISO14443-4
 * card by selecting it again by its UID, so a card held on the reader is
 * one tap and its removal is seen.
 *
 * Errors: a libnfc timeout (-6) is "no card", never an error. Other
 * errors are counted; a few in a row mean the reader is gone or confused,
 * and the poll reports NFC_POLL_ERROR so the reader thread closes and
 * reopens it. Nothing a reader returns is trusted: a target becomes a
 * card only through nfc_libnfc_card_from_target(), which checks every
 * length.
 *
 * libnfc's context is made once per process in nfc_global_init(), before
 * any thread starts, with LIBNFC_LOG_LEVEL=0: at debug levels libnfc
 * prints every byte, UIDs included, and its log_init() calls setenv(),
 * which must not race with other threads.
 */
#include "nfc_libnfc.h"
#include "nfc_backend.h"

#include <errno.h>
#include <nfc/nfc.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Consecutive failed exchanges after which the reader counts as failed. */
#define MAX_CONSECUTIVE_ERRORS 3
/* After a failed exchange: long enough for a 40-byte answer at 115200 baud. */
#define RESYNC_PAUSE_MS 5
/* Lost slot aborts (each may leak a pipe in libnfc) before falling back. */
#define MAX_LOST_ABORTS 32

static unsigned lost_aborts; /* for the process: leaked pipes do not come back */
static pthread_mutex_t lost_aborts_lock = PTHREAD_MUTEX_INITIALIZER;

static nfc_context *libnfc_context;

void nfc_libnfc_global_init(void)
{
	if (libnfc_context)
		return;
	/* libnfc's own logging off, whatever /etc/nfc/libnfc.conf says: the
	 * environment variable is read after the config file. */
	setenv("LIBNFC_LOG_LEVEL", "0", 1);
	nfc_init(&libnfc_context);
	if (!libnfc_context)
		log_error("reader: libnfc failed to initialise");
}

struct poll_slot {
	nfc_modulation modulation;
	enum nfc_tech tech;
};

static const struct poll_slot poll_slots[] = {
	{{.nmt = NMT_ISO14443A, .nbr = NBR_106}, NFC_TECH_ISO14443A},
	{{.nmt = NMT_FELICA, .nbr = NBR_212}, NFC_TECH_FELICA},
	{{.nmt = NMT_ISO14443A, .nbr = NBR_106}, NFC_TECH_ISO14443A},
	{{.nmt = NMT_FELICA, .nbr = NBR_424}, NFC_TECH_FELICA},
};
#define N_SLOTS (sizeof(poll_slots) / sizeof(poll_slots[0]))
/* One pass of the cycle mode: each modulation once. */
static const size_t cycle_slots[] = {0, 1, 3};
#define N_CYCLE_SLOTS (sizeof(cycle_slots) / sizeof(cycle_slots[0]))

struct nfc_libnfc {
	nfc_device *dev;
	int wake_fd; /* eventfd: abort the rest between cycles */
	pthread_mutex_t lock;
	bool in_call; /* a libnfc call is running (abort may interrupt it) */
	bool aborted; /* the reader thread's owner asked to stop waiting */
	unsigned errors; /* consecutive */
	bool have_target;
	nfc_target target;
	struct nfc_card card;

	/* Slot mode: the keeper thread ends each search when its slot is over. */
	bool cycle_mode;
	unsigned slot_ms, gap_ms;
	size_t next_slot;
	bool infinite; /* NP_INFINITE_SELECT as last set */
	pthread_t keeper;
	bool keeper_running, closing;
	pthread_cond_t keeper_cond;
	bool slot_armed, slot_fired, slot_refired;
	int64_t slot_deadline;
};

/* For measuring the trade-off (bench/tap_latency); not config keys. */
static unsigned ms_from_env(const char *name, unsigned dflt, unsigned min)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end;
	unsigned long ms = strtoul(v, &end, 10);
	return (*end || ms < min || ms > 1000) ? dflt : (unsigned)ms;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The slot keeper: sleeps until the running search's slot is over and
 * aborts it. The reader sets the deadline when it starts a search, without
 * waking the keeper (a wake-up costs CPU): the keeper, asleep until the
 * deadline it last read, finds a later one when it wakes and sleeps on. So
 * in the steady state it wakes once a slot, exactly at its end, and every
 * search gets its full slot. An abort can be lost (it landed before libnfc
 * was waiting for the answer): the keeper then aborts again a slot later,
 * which lands, so a lost abort costs one slot, not libnfc's 300 ms. It
 * waits on the condition variable while no search runs (a card present).
 */
static void *slot_keeper(void *arg)
{
	struct nfc_libnfc *r = arg;
	pthread_mutex_lock(&r->lock);
	while (!r->closing) {
		if (!r->slot_armed) {
			pthread_cond_wait(&r->keeper_cond, &r->lock);
			continue;
		}
		int64_t deadline = r->slot_deadline;
		if (now_ms() < deadline) {
			struct timespec until = {.tv_sec = deadline / 1000,
						 .tv_nsec = (deadline % 1000) * 1000000L};
			pthread_mutex_unlock(&r->lock);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
				;
			pthread_mutex_lock(&r->lock);
			continue;
		}
		if (r->in_call) {
			if (r->slot_fired)
				r->slot_refired = true;
			nfc_abort_command(r->dev);
			r->slot_fired = true;
		}
		/* If this abort is lost, the next one comes a slot later. */
		r->slot_deadline = now_ms() + r->slot_ms;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static bool too_many_lost_aborts(void)
{
	pthread_mutex_lock(&lost_aborts_lock);
	bool too_many = lost_aborts >= MAX_LOST_ABORTS;
	pthread_mutex_unlock(&lost_aborts_lock);
	return too_many;
}

static void *open_connstring(const char *connstring, char *err, size_t errlen)
{
	if (!libnfc_context) {
		snprintf(err, errlen, "libnfc is not initialised");
		return NULL;
	}
	if (strlen(connstring) >= NFC_BUFSIZE_CONNSTRING) {
		snprintf(err, errlen, "reader connection string too long");
		return NULL;
	}
	struct nfc_libnfc *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t cattr;
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->keeper_cond, &cattr);
	pthread_condattr_destroy(&cattr);
	r->slot_ms = ms_from_env("KIOSKD_NFC_SLOT_MS", NFC_LIBNFC_SLOT_MS, 10);
	r->gap_ms = ms_from_env("KIOSKD_NFC_POLL_GAP_MS", NFC_LIBNFC_POLL_GAP_MS, 0);
	const char *mode = getenv("KIOSKD_NFC_POLL");
	r->cycle_mode = (mode && strcmp(mode, "cycle") == 0) || too_many_lost_aborts();
	nfc_connstring cs;
	snprintf(cs, sizeof(cs), "%s", connstring);
	r->dev = r->wake_fd >= 0 ? nfc_open(libnfc_context, cs) : NULL;
	if (!r->dev) {
		snprintf(err, errlen, "cannot open reader %s (missing, unplugged or not answering)",
			 connstring);
		goto fail;
	}
	int rc = nfc_initiator_init(r->dev);
	/* Finite chip-side retries to start with (set_infinite() switches for
	 * searches in slot mode). No automatic RATS: the kiosk needs the UID
	 * only, and RATS costs time on phones and cards. */
	if (rc >= 0)
		rc = nfc_device_set_property_bool(r->dev, NP_INFINITE_SELECT, false);
	if (rc >= 0)
		rc = nfc_device_set_property_bool(r->dev, NP_AUTO_ISO14443_4, false);
	if (rc >= 0 && !r->cycle_mode) {
		if (pthread_create(&r->keeper, NULL, slot_keeper, r) == 0)
			r->keeper_running = true;
		else
			r->cycle_mode = true;
	}
	if (rc < 0) {
		snprintf(err, errlen, "reader %s does not initialise: %s", connstring,
			 nfc_strerror(r->dev));
		goto fail;
	}
	return r;
fail:
	if (r->dev)
		nfc_close(r->dev);
	if (r->wake_fd >= 0)
		close(r->wake_fd);
	pthread_cond_destroy(&r->keeper_cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return NULL;
}

int nfc_libnfc_card_from_target(const nfc_target *t, struct nfc_card *card)
{
	memset(card, 0, sizeof(*card));
	switch (t->nm.nmt) {
	case NMT_ISO14443A: {
		size_t len = t->nti.nai.szUidLen;
		if (len > sizeof(t->nti.nai.abtUid) || !nfc_uid_length_valid(NFC_TECH_ISO14443A, len))
			return -1;
		card->tech = NFC_TECH_ISO14443A;
		memcpy(card->uid, t->nti.nai.abtUid, len);
		card->uid_len = len;
		return 0;
	}
	case NMT_FELICA:
		/* The polling response's length byte counts itself, the response
		 * code, IDm and PMm (18), and 2 more with a system code. */
		if (t->nti.nfi.szLen != 18 && t->nti.nfi.szLen != 20)
			return -1;
		card->tech = NFC_TECH_FELICA;
		memcpy(card->uid, t->nti.nfi.abtId, sizeof(t->nti.nfi.abtId));
		card->uid_len = sizeof(t->nti.nfi.abtId);
		return 0;
	default:
		return -1;
	}
}

/*
 * Around every libnfc call: call_begin() says whether to make it (not if an
 * abort is pending) and marks it running, so libnfc_abort() knows whether
 * nfc_abort_command() has a blocked call to interrupt.
 */
static bool call_begin(struct nfc_libnfc *r)
{
	pthread_mutex_lock(&r->lock);
	bool go = !r->aborted;
	r->in_call = go;
	pthread_mutex_unlock(&r->lock);
	return go;
}

static void call_end(struct nfc_libnfc *r)
{
	pthread_mutex_lock(&r->lock);
	r->in_call = false;
	pthread_mutex_unlock(&r->lock);
}

/* Notes a failed exchange; true if the reader should now count as failed. */
static bool note_error(struct nfc_libnfc *r, int rc, char *err, size_t errlen)
{
	r->errors++;
	log_debug("reader: libnfc error %d (%u in a row)", rc, r->errors);
	if (r->errors >= MAX_CONSECUTIVE_ERRORS) {
		snprintf(err, errlen, "reader keeps failing (%s); reopening it",
			 nfc_strerror(r->dev));
		return true;
	}
	/*
	 * A moment before the next command: the usual cause is the chip's
	 * answer to an aborted search still arriving (the abort crossed it on
	 * the line). libnfc flushes its input before each command, but only
	 * what has arrived; without the pause the rest of that answer spoils
	 * the next exchange too, and the reader is reopened for nothing.
	 */
	struct pollfd pfd = {.fd = r->wake_fd, .events = POLLIN};
	poll(&pfd, 1, RESYNC_PAUSE_MS);
	return false;
}

static bool take_abort(struct nfc_libnfc *r)
{
	pthread_mutex_lock(&r->lock);
	bool aborted = r->aborted;
	r->aborted = false;
	pthread_mutex_unlock(&r->lock);
	if (aborted) {
		uint64_t v;
		if (read(r->wake_fd, &v, sizeof(v)) < 0) {
			/* already drained */
		}
	}
	return aborted;
}

/* Infinite chip-side retries for a slot search, finite for everything else. */
static int set_infinite(struct nfc_libnfc *r, bool on)
{
	if (r->infinite == on)
		return 0;
	int rc = nfc_device_set_property_bool(r->dev, NP_INFINITE_SELECT, on);
	if (rc >= 0)
		r->infinite = on;
	return rc;
}

/* The card already found: is it still there? */
static int check_presence(struct nfc_libnfc *r, struct nfc_card *card, char *err, size_t errlen)
{
	/*
	 * libnfc pings an ISO14443-4 card (SAK bit 6) with an R(NAK) block,
	 * which a card that was never sent RATS ignores: to libnfc it would seem
	 * to leave and come back on every check. Such cards (phones, DESFire,
	 * transit cards) are re-selected by their UID instead, as are card
	 * types libnfc cannot ping.
	 */
	bool reselect = r->target.nm.nmt == NMT_ISO14443A && (r->target.nti.nai.btSak & 0x20);
	int rc = set_infinite(r, false);
	if (rc < 0) {
		if (note_error(r, rc, err, errlen))
			return NFC_POLL_ERROR;
		*card = r->card;
		return NFC_POLL_CARD;
	}
	rc = reselect ? NFC_EDEVNOTSUPP : NFC_EOPABORTED;
	if (!reselect && call_begin(r)) {
		rc = nfc_initiator_target_is_present(r->dev, &r->target);
		call_end(r);
	}
	if (rc == NFC_SUCCESS) {
		r->errors = 0;
		*card = r->card;
		return NFC_POLL_CARD;
	}
	if (rc == NFC_EOPABORTED) {
		take_abort(r);
		*card = r->card;
		return NFC_POLL_CARD; /* interrupted, not gone */
	}
	if (rc == NFC_EDEVNOTSUPP) {
		/* Select it again by its UID. */
		nfc_target again;
		const uint8_t *init = r->card.tech == NFC_TECH_ISO14443A ? r->card.uid : NULL;
		size_t init_len = init ? r->card.uid_len : 0;
		rc = NFC_EOPABORTED;
		if (call_begin(r)) {
			rc = nfc_initiator_select_passive_target(r->dev, r->target.nm, init, init_len,
								 &again);
			call_end(r);
		}
		if (rc > 0) {
			struct nfc_card seen;
			if (nfc_libnfc_card_from_target(&again, &seen) == 0 &&
			    seen.uid_len == r->card.uid_len &&
			    memcmp(seen.uid, r->card.uid, seen.uid_len) == 0) {
				explicit_bzero(&again, sizeof(again));
				explicit_bzero(&seen, sizeof(seen));
				r->errors = 0;
				*card = r->card;
				return NFC_POLL_CARD;
			}
			explicit_bzero(&seen, sizeof(seen));
		}
		explicit_bzero(&again, sizeof(again));
	}
	if (rc == NFC_EIO && note_error(r, rc, err, errlen))
		return NFC_POLL_ERROR;
	/* Gone (released, timed out, not answering): the next poll searches. */
	r->have_target = false;
	explicit_bzero(&r->target, sizeof(r->target));
	explicit_bzero(&r->card, sizeof(r->card));
	nfc_initiator_deselect_target(r->dev);
	return NFC_POLL_NONE;
}

/*
 * What a search returns besides NFC_POLL_CARD/NONE/ERROR: the reader's owner
 * asked it to stop (an abort). Distinct from every nfc_poll_result.
 */
#define SEARCH_STOPPED 2
_Static_assert(SEARCH_STOPPED != NFC_POLL_CARD && SEARCH_STOPPED != NFC_POLL_NONE &&
		       SEARCH_STOPPED != NFC_POLL_ERROR,
	       "a stop is not a poll result");

/* A target found: checked, kept for presence checks, handed on. */
static int found(struct nfc_libnfc *r, size_t slot, nfc_target *t, struct nfc_card *card)
{
	if (nfc_libnfc_card_from_target(t, card) != 0) {
		/* A target no real card could be: logged without its bytes. */
		log_warn("reader: dropped a %s target with malformed data",
			 nfc_tech_name(poll_slots[slot].tech));
		explicit_bzero(t, sizeof(*t));
		return NFC_POLL_NONE;
	}
	r->errors = 0;
	r->have_target = true;
	r->target = *t;
	r->card = *card;
	explicit_bzero(t, sizeof(*t));
	return NFC_POLL_CARD;
}

/*
 * One search with finite retries (cycle mode). Returns CARD, NONE, ERROR,
 * or SEARCH_STOPPED when the caller asked to stop (abort).
 */
static int search_once(struct nfc_libnfc *r, size_t slot, struct nfc_card *card, char *err,
		       size_t errlen)
{
	nfc_target t;
	int rc = NFC_EOPABORTED;
	if (call_begin(r)) {
		rc = nfc_initiator_select_passive_target(r->dev, poll_slots[slot].modulation, NULL, 0,
							 &t);
		call_end(r);
	}
	if (rc > 0)
		return found(r, slot, &t, card);
	if (rc == 0 || rc == NFC_ETIMEOUT) {
		r->errors = 0; /* -6 is "no card", not an error */
		return NFC_POLL_NONE;
	}
	if (rc == NFC_EOPABORTED) {
		take_abort(r);
		return SEARCH_STOPPED;
	}
	return note_error(r, rc, err, errlen) ? NFC_POLL_ERROR : NFC_POLL_NONE;
}

/* An abort that landed before libnfc was waiting: lost, and a pipe leaked. */
static void note_lost_abort(struct nfc_libnfc *r)
{
	pthread_mutex_lock(&lost_aborts_lock);
	unsigned lost = ++lost_aborts;
	pthread_mutex_unlock(&lost_aborts_lock);
	log_debug("reader: a slot abort was lost (%u so far)", lost);
	if (lost >= MAX_LOST_ABORTS && !r->cycle_mode) {
		log_warn("reader: %u slot aborts lost; polling with short searches from now on",
			 lost);
		r->cycle_mode = true;
	}
}

/* One slot of slot mode: the chip searches until a card or the slot's end. */
static int search_slot(struct nfc_libnfc *r, size_t slot, struct nfc_card *card, char *err,
		       size_t errlen)
{
	int rc = set_infinite(r, true);
	if (rc < 0)
		return note_error(r, rc, err, errlen) ? NFC_POLL_ERROR : NFC_POLL_NONE;
	nfc_target t;
	pthread_mutex_lock(&r->lock);
	if (r->aborted) {
		pthread_mutex_unlock(&r->lock);
		take_abort(r);
		return SEARCH_STOPPED;
	}
	r->in_call = true;
	r->slot_fired = false;
	r->slot_refired = false;
	r->slot_deadline = now_ms() + r->slot_ms;
	if (!r->slot_armed) {
		r->slot_armed = true;
		pthread_cond_signal(&r->keeper_cond); /* wake the metronome */
	}
	pthread_mutex_unlock(&r->lock);

	rc = nfc_initiator_select_passive_target(r->dev, poll_slots[slot].modulation, NULL, 0, &t);

	pthread_mutex_lock(&r->lock);
	r->in_call = false;
	if (rc > 0)
		r->slot_armed = false; /* a card: the metronome rests while it stays */
	bool fired = r->slot_fired;
	bool refired = r->slot_refired;
	bool stop = r->aborted;
	pthread_mutex_unlock(&r->lock);
	if (refired)
		note_lost_abort(r);

	if (rc > 0)
		return found(r, slot, &t, card);
	if (rc == NFC_EOPABORTED && fired && !stop) {
		r->errors = 0; /* the slot ended: no card in it */
		return NFC_POLL_NONE;
	}
	if (rc == NFC_EOPABORTED || stop) {
		take_abort(r);
		return SEARCH_STOPPED;
	}
	if (rc == 0 || rc == NFC_ETIMEOUT) {
		r->errors = 0;
		if (fired && !refired)
			note_lost_abort(r); /* even the retry was lost: libnfc timed out */
		return NFC_POLL_NONE;
	}
	return note_error(r, rc, err, errlen) ? NFC_POLL_ERROR : NFC_POLL_NONE;
}

static int rest(struct nfc_libnfc *r, int64_t deadline)
{
	int64_t left = deadline - now_ms();
	if (left <= 0)
		return 0;
	struct pollfd pfd = {.fd = r->wake_fd, .events = POLLIN};
	int wait = (int)(left < r->gap_ms ? left : r->gap_ms);
	if (wait > 0 && poll(&pfd, 1, wait) > 0) {
		take_abort(r);
		return SEARCH_STOPPED;
	}
	return 0;
}

static int libnfc_poll(void *impl, int timeout_ms, struct nfc_card *card, char *err, size_t errlen)
{
	struct nfc_libnfc *r = impl;
	if (take_abort(r))
		return NFC_POLL_NONE;
	if (r->have_target)
		return check_presence(r, card, err, errlen);

	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	while (now_ms() < deadline) {
		int rc;
		if (r->cycle_mode) {
			if (set_infinite(r, false) < 0)
				return note_error(r, -1, err, errlen) ? NFC_POLL_ERROR : NFC_POLL_NONE;
			rc = NFC_POLL_NONE;
			for (size_t i = 0; i < N_CYCLE_SLOTS && rc == NFC_POLL_NONE; i++)
				rc = search_once(r, cycle_slots[i], card, err, errlen);
			if (rc == NFC_POLL_NONE)
				rc = rest(r, deadline);
		} else {
			rc = search_slot(r, r->next_slot, card, err, errlen);
			r->next_slot = (r->next_slot + 1) % N_SLOTS;
		}
		if (rc == SEARCH_STOPPED)
			return NFC_POLL_NONE; /* asked to stop */
		if (rc != NFC_POLL_NONE)
			return rc;
	}
	return NFC_POLL_NONE;
}

static void libnfc_abort(void *impl)
{
	struct nfc_libnfc *r = impl;
	pthread_mutex_lock(&r->lock);
	r->aborted = true;
	/* nfc_abort_command interrupts a call blocked on the reader; outside a
	 * call it would only leak a pipe inside libnfc, so it is not made then. */
	if (r->in_call)
		nfc_abort_command(r->dev);
	pthread_mutex_unlock(&r->lock);
	uint64_t one = 1;
	if (write(r->wake_fd, &one, sizeof(one)) < 0) {
		/* already signalled */
	}
}

static void libnfc_close(void *impl)
{
	struct nfc_libnfc *r = impl;
	if (r->keeper_running) {
		pthread_mutex_lock(&r->lock);
		r->closing = true;
		pthread_cond_signal(&r->keeper_cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->keeper, NULL);
	}
	nfc_close(r->dev);
	close(r->wake_fd);
	pthread_cond_destroy(&r->keeper_cond);
	pthread_mutex_destroy(&r->lock);
	explicit_bzero(r, sizeof(*r));
	free(r);
}

#define LIBNFC_DRIVER(name)                                                              \
	static void *open_##name(const char *args, char *err, size_t errlen)             \
	{                                                                                \
		char cs[NFC_BUFSIZE_CONNSTRING];                                         \
		if ((size_t)snprintf(cs, sizeof(cs), "%s%s%s", #name, *args ? ":" : "", \
				     args) >= sizeof(cs)) {                              \
			snprintf(err, errlen, "reader connection string too long");      \
			return NULL;                                                     \
		}                                                                        \
		return open_connstring(cs, err, errlen);                                 \
	}                                                                                \
	const struct nfc_backend_ops nfc_libnfc_##name##_backend = {                     \
		.driver = #name,                                                         \
		.open = open_##name,                                                     \
		.poll = libnfc_poll,                                                     \
		.abort = libnfc_abort,                                                   \
		.close = libnfc_close,                                                   \
	};

LIBNFC_DRIVER(pn532_uart)
LIBNFC_DRIVER(pn532_i2c)
LIBNFC_DRIVER(pn532_spi)
LIBNFC_DRIVER(acr122_usb)
LIBNFC_DRIVER(pn53x_usb)
