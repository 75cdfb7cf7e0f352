/*
 * nfc_libnfc: the reader through Debian's libnfc 1.8 (PN532 over UART or
 * I2C, ACR122 and the rest of libnfc's drivers).
 *
 * Polling design (measured and argued in docs/reader.md):
 *
 * A PN532 can search for one modulation at a time. InAutoPoll searches
 * several, but the chip answers only when a polling period (150 ms or
 * more) ends, too slow for a tap. So the backend cycles through
 * ISO14443A 106 kbps, FeliCa 212 and FeliCa 424 with InListPassiveTarget
 * and a finite number of chip-side retries (NP_INFINITE_SELECT off: the
 * chip tries three times and answers "no target"), then rests for a
 * short gap before the next cycle. The host sleeps in select() while the
 * chip works, so a cycle costs a few syscalls; the gap trades latency
 * against idle CPU. While a card stays, it is pinged with libnfc's
 * presence check (nfc_initiator_target_is_present), so a card held on the
 * reader is one tap and its removal is seen.
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
	{{.nmt = NMT_FELICA, .nbr = NBR_424}, NFC_TECH_FELICA},
};
#define N_SLOTS (sizeof(poll_slots) / sizeof(poll_slots[0]))

struct nfc_libnfc {
	nfc_device *dev;
	int wake_fd; /* eventfd: abort the rest between cycles */
	pthread_mutex_t lock;
	bool in_call; /* a libnfc call is running (abort may interrupt it) */
	bool aborted;
	unsigned gap_ms;
	unsigned errors; /* consecutive */
	bool have_target;
	nfc_target target;
	struct nfc_card card;
};

static unsigned gap_from_env(void)
{
	/* For measuring the trade-off (bench/tap_latency); not a config key. */
	const char *v = getenv("KIOSKD_NFC_POLL_GAP_MS");
	if (!v || !*v)
		return NFC_LIBNFC_POLL_GAP_MS;
	char *end;
	unsigned long ms = strtoul(v, &end, 10);
	return (*end || ms > 1000) ? NFC_LIBNFC_POLL_GAP_MS : (unsigned)ms;
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
	r->gap_ms = gap_from_env();
	nfc_connstring cs;
	snprintf(cs, sizeof(cs), "%s", connstring);
	r->dev = r->wake_fd >= 0 ? nfc_open(libnfc_context, cs) : NULL;
	if (!r->dev) {
		snprintf(err, errlen, "cannot open reader %s (missing, unplugged or not answering)",
			 connstring);
		goto fail;
	}
	int rc = nfc_initiator_init(r->dev);
	/* Finite chip-side retries: InListPassiveTarget answers "no target" after
	 * three attempts instead of searching forever. No automatic RATS: the
	 * kiosk needs the UID only, and RATS costs time on phones and cards. */
	if (rc >= 0)
		rc = nfc_device_set_property_bool(r->dev, NP_INFINITE_SELECT, false);
	if (rc >= 0)
		rc = nfc_device_set_property_bool(r->dev, NP_AUTO_ISO14443_4, false);
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
	if (r->errors < MAX_CONSECUTIVE_ERRORS)
		return false;
	snprintf(err, errlen, "reader keeps failing (%s); reopening it", nfc_strerror(r->dev));
	return true;
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

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	int rc = reselect ? NFC_EDEVNOTSUPP : NFC_EOPABORTED;
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

/* One pass over the modulations. Returns CARD, NONE or ERROR. */
static int search_cycle(struct nfc_libnfc *r, struct nfc_card *card, char *err, size_t errlen)
{
	for (size_t i = 0; i < N_SLOTS; i++) {
		nfc_target t;
		int rc = NFC_EOPABORTED;
		if (call_begin(r)) {
			rc = nfc_initiator_select_passive_target(r->dev, poll_slots[i].modulation, NULL,
								 0, &t);
			call_end(r);
		}
		if (rc > 0) {
			if (nfc_libnfc_card_from_target(&t, card) != 0) {
				/* A target no real card could be: logged without its bytes. */
				log_warn("reader: dropped a %s target with malformed data",
					 nfc_tech_name(poll_slots[i].tech));
				explicit_bzero(&t, sizeof(t));
				continue;
			}
			r->errors = 0;
			r->have_target = true;
			r->target = t;
			r->card = *card;
			explicit_bzero(&t, sizeof(t));
			return NFC_POLL_CARD;
		}
		if (rc == 0 || rc == NFC_ETIMEOUT) {
			r->errors = 0; /* -6 is "no card", not an error */
			continue;
		}
		if (rc == NFC_EOPABORTED) {
			take_abort(r);
			return NFC_POLL_NONE;
		}
		if (note_error(r, rc, err, errlen))
			return NFC_POLL_ERROR;
	}
	return NFC_POLL_NONE;
}

static int libnfc_poll(void *impl, int timeout_ms, struct nfc_card *card, char *err, size_t errlen)
{
	struct nfc_libnfc *r = impl;
	if (take_abort(r))
		return NFC_POLL_NONE;
	if (r->have_target)
		return check_presence(r, card, err, errlen);

	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		int rc = search_cycle(r, card, err, errlen);
		if (rc != NFC_POLL_NONE)
			return rc;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return NFC_POLL_NONE;
		/* Rest between cycles; an abort ends the rest at once. */
		struct pollfd pfd = {.fd = r->wake_fd, .events = POLLIN};
		int wait = (int)(left < r->gap_ms ? left : r->gap_ms);
		if (wait > 0 && poll(&pfd, 1, wait) > 0) {
			take_abort(r);
			return NFC_POLL_NONE;
		}
		if (now_ms() >= deadline)
			return NFC_POLL_NONE;
	}
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
	nfc_close(r->dev);
	close(r->wake_fd);
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
