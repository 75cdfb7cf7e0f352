/*
 * pn532_control: see pn532_control.h. Lines come from anyone who can reach
 * the socket, so everything is checked: the line's length, every word,
 * every number's range, the hex digits. Words are split in a copy of the
 * line; nothing is tokenised in place.
 */
#include "pn532_control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 16

struct words {
	char buf[PN532_CTL_LINE_MAX + 1];
	const char *w[MAX_WORDS];
	size_t n;
};

/* Splits line into blank-separated words. Returns 0, or -1 if too long or too many. */
static int split(const char *line, struct words *ws, char *err, size_t errlen)
{
	const size_t len = strlen(line);
	if (len > PN532_CTL_LINE_MAX) {
		snprintf(err, errlen, "line too long (at most %d bytes)", PN532_CTL_LINE_MAX);
		return -1;
	}
	memcpy(ws->buf, line, len + 1);
	ws->n = 0;
	char *p = ws->buf;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			*p++ = '\0';
		if (*p == '\0')
			return 0;
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F) {
			snprintf(err, errlen, "unexpected control or non-ASCII byte");
			return -1;
		}
		if (ws->n == MAX_WORDS) {
			snprintf(err, errlen, "too many words");
			return -1;
		}
		ws->w[ws->n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r') {
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F) {
				snprintf(err, errlen, "unexpected control or non-ASCII byte");
				return -1;
			}
			p++;
		}
	}
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Hex bytes, ':' allowed between them. Returns the byte count, or -1. */
static int parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		if (*s == ':') {
			s++;
			continue;
		}
		const int hi = hex_digit(s[0]);
		const int lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (hi < 0 || lo < 0 || n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return (int)n;
}

/* A decimal number in [lo, hi]. Returns 0, or -1. */
static int parse_number(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	const unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_card_options(const struct words *ws, size_t i, struct pn532_ctl_request *req,
			      bool allow_hold, char *err, size_t errlen)
{
	bool uid_given = false;
	req->ms = PN532_CTL_HOLD_DEFAULT_MS;
	for (; i < ws->n; i += 2) {
		const char *opt = ws->w[i];
		if (i + 1 >= ws->n) {
			snprintf(err, errlen, "%s needs a value", opt);
			return -1;
		}
		const char *val = ws->w[i + 1];
		if (strcmp(opt, "--uid") == 0) {
			const int n = parse_hex(val, req->uid, sizeof(req->uid));
			if (n < 1) {
				snprintf(err, errlen, "--uid: expected 1 to 10 bytes of hex");
				return -1;
			}
			req->uid_len = (size_t)n;
			uid_given = true;
		} else if (strcmp(opt, "--type") == 0) {
			if (pn532_card_type_parse(val, &req->type) != 0) {
				snprintf(err, errlen,
					 "--type: unknown card type (ntag213, ntag215, classic, "
					 "uid7, uid10, random, felica)");
				return -1;
			}
			req->type_given = true;
		} else if (strcmp(opt, "--hold") == 0 && allow_hold) {
			if (parse_number(val, 0, PN532_CTL_MS_MAX, &req->ms) != 0) {
				snprintf(err, errlen, "--hold: expected milliseconds, 0 to %llu",
					 (unsigned long long)PN532_CTL_MS_MAX);
				return -1;
			}
		} else if (strcmp(opt, "--pmm") == 0) {
			if (parse_hex(val, req->pmm, sizeof(req->pmm)) != 8) {
				snprintf(err, errlen, "--pmm: expected 8 bytes of hex");
				return -1;
			}
			req->pmm_given = true;
		} else if (strcmp(opt, "--system") == 0) {
			if (parse_hex(val, req->system_code, sizeof(req->system_code)) != 2) {
				snprintf(err, errlen, "--system: expected 2 bytes of hex");
				return -1;
			}
			req->system_given = true;
		} else {
			snprintf(err, errlen, "unknown option %s", opt);
			return -1;
		}
	}
	if (!uid_given && !(req->type_given && req->type == PN532_CARD_RANDOM)) {
		snprintf(err, errlen, "--uid is required (except for --type random)");
		return -1;
	}
	if (!req->type_given && pn532_card_type_infer(req->uid_len, req->uid, &req->type) != 0) {
		snprintf(err, errlen,
			 "cannot tell the card type from a %zu-byte UID: give --type", req->uid_len);
		return -1;
	}
	return 0;
}

static int parse_fault(const struct words *ws, struct pn532_ctl_request *req, char *err,
		       size_t errlen)
{
	if (ws->n < 2) {
		snprintf(err, errlen,
			 "fault needs a kind: garbage, bad-checksum, nack, silence, late MS, "
			 "disconnect");
		return -1;
	}
	if (pn532_fault_parse(ws->w[1], &req->fault.kind) != 0) {
		snprintf(err, errlen, "unknown fault %s", ws->w[1]);
		return -1;
	}
	size_t i = 2;
	if (req->fault.kind == PN532_FAULT_LATE) {
		uint64_t ms;
		if (i >= ws->n || parse_number(ws->w[i], 0, PN532_FAULT_LATE_MAX_MS, &ms) != 0) {
			snprintf(err, errlen, "fault late needs milliseconds, 0 to %d",
				 PN532_FAULT_LATE_MAX_MS);
			return -1;
		}
		req->fault.ms = (uint32_t)ms;
		i++;
	}
	req->count = 1;
	for (; i < ws->n; i += 2) {
		uint64_t count;
		if (strcmp(ws->w[i], "--count") != 0) {
			snprintf(err, errlen, "unknown option %s", ws->w[i]);
			return -1;
		}
		if (i + 1 >= ws->n ||
		    parse_number(ws->w[i + 1], 1, PN532_FAULT_COUNT_MAX, &count) != 0) {
			snprintf(err, errlen, "--count: expected 1 to %d", PN532_FAULT_COUNT_MAX);
			return -1;
		}
		req->count = (uint32_t)count;
	}
	return 0;
}

int pn532_ctl_parse(const char *line, struct pn532_ctl_request *req, char *err, size_t errlen)
{
	struct words ws;
	memset(req, 0, sizeof(*req));
	if (split(line, &ws, err, errlen) != 0)
		return -1;
	if (ws.n == 0) {
		snprintf(err, errlen, "empty command");
		return -1;
	}
	const char *verb = ws.w[0];
	if (strcmp(verb, "tap") == 0) {
		req->verb = PN532_CTL_TAP;
		return parse_card_options(&ws, 1, req, true, err, errlen);
	}
	if (strcmp(verb, "place") == 0) {
		req->verb = PN532_CTL_PLACE;
		return parse_card_options(&ws, 1, req, false, err, errlen);
	}
	if (strcmp(verb, "remove") == 0 || strcmp(verb, "status") == 0) {
		req->verb = verb[0] == 'r' ? PN532_CTL_REMOVE : PN532_CTL_STATUS;
		if (ws.n != 1) {
			snprintf(err, errlen, "%s takes no arguments", verb);
			return -1;
		}
		return 0;
	}
	if (strcmp(verb, "hold") == 0) {
		req->verb = PN532_CTL_HOLD;
		if (ws.n != 2 || parse_number(ws.w[1], 0, PN532_CTL_MS_MAX, &req->ms) != 0) {
			snprintf(err, errlen, "hold needs milliseconds, 0 to %llu",
				 (unsigned long long)PN532_CTL_MS_MAX);
			return -1;
		}
		return 0;
	}
	if (strcmp(verb, "fault") == 0) {
		req->verb = PN532_CTL_FAULT;
		return parse_fault(&ws, req, err, errlen);
	}
	snprintf(err, errlen, "unknown command (tap, place, remove, hold, fault, status)");
	return -1;
}

static uint64_t next_seed(struct pn532_ctl_context *ctx)
{
	uint64_t z = (ctx->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void status_json(struct pn532_ctl_context *ctx, char *out, size_t cap)
{
	const struct pn532_chip *c = ctx->chip;
	const struct pn532_card *card = pn532_chip_card(c);
	struct pn532_stats st;
	pn532_chip_stats(c, &st);
	char card_name[32];
	if (card)
		snprintf(card_name, sizeof(card_name), "\"%s\"", pn532_card_type_name(card->type));
	else
		snprintf(card_name, sizeof(card_name), "null");
	snprintf(out, cap,
		 "{\"card\":%s,\"card_powered\":%s,\"field\":\"%s\",\"power\":\"%s\","
		 "\"asleep\":%s,\"busy\":%s,\"paced\":%s,\"baud\":%" PRIu32 ",\"pty\":\"%s\","
		 "\"commands\":%lu,\"faults_pending\":%lu,\"faults_applied\":%lu,"
		 "\"frames\":%lu,\"acks\":%lu,\"nacks\":%lu,\"bad_frames\":%lu,"
		 "\"junk_bytes\":%lu,\"preamble_bytes\":%lu,\"dropped_asleep\":%lu,"
		 "\"ignored\":%lu,\"responses\":%lu,\"error_frames\":%lu,\"aborted\":%lu,"
		 "\"replaced\":%lu,\"hangups\":%lu,\"bytes_in\":%lu}",
		 card_name, card && card->state != PN532_CARD_POWER_OFF ? "true" : "false",
		 pn532_chip_field_on(c) ? "on" : "off", pn532_chip_power_name(pn532_chip_power(c)),
		 pn532_chip_asleep(c) ? "true" : "false", pn532_chip_busy(c) ? "true" : "false",
		 pn532_chip_timing(c)->paced ? "true" : "false", pn532_chip_baud(c),
		 ctx->pty_path ? ctx->pty_path : "", st.commands, pn532_chip_faults_pending(c),
		 st.faults_applied, st.frames, st.acks, st.nacks, st.bad_frames, st.junk_bytes,
		 st.preamble_bytes, st.dropped_asleep, st.ignored, st.responses, st.error_frames,
		 st.aborted, st.replaced, ctx->hangups, st.bytes_in);
}

static void place(struct pn532_ctl_context *ctx, uint64_t now,
		  const struct pn532_ctl_request *req, char *answer, size_t cap)
{
	struct pn532_card card;
	char err[160];
	if (pn532_card_init(&card, req->type, req->uid, req->uid_len,
			    req->pmm_given ? req->pmm : NULL,
			    req->system_given ? req->system_code : NULL, next_seed(ctx), err,
			    sizeof(err)) != 0) {
		snprintf(answer, cap, "error: %s", err);
		return;
	}
	const bool tap = req->verb == PN532_CTL_TAP;
	const uint64_t remove_at = tap ? now + req->ms * 1000 : PN532_NEVER;
	pn532_chip_place_card(ctx->chip, now, &card, remove_at);
	if (tap)
		snprintf(answer, cap, "ok placed_us=%" PRIu64 " type=%s remove_at_us=%" PRIu64, now,
			 pn532_card_type_name(card.type), remove_at);
	else
		snprintf(answer, cap, "ok placed_us=%" PRIu64 " type=%s", now,
			 pn532_card_type_name(card.type));
}

void pn532_ctl_execute(struct pn532_ctl_context *ctx, uint64_t now,
		       const struct pn532_ctl_request *req, char *answer, size_t cap)
{
	switch (req->verb) {
	case PN532_CTL_TAP:
	case PN532_CTL_PLACE:
		place(ctx, now, req, answer, cap);
		return;
	case PN532_CTL_REMOVE: {
		const bool removed = pn532_chip_remove_card(ctx->chip, now);
		snprintf(answer, cap, "ok removed_us=%" PRIu64 " removed=%d", now, removed ? 1 : 0);
		return;
	}
	case PN532_CTL_HOLD: {
		uint64_t remove_at;
		if (pn532_chip_hold(ctx->chip, now, req->ms * 1000, &remove_at) != 0) {
			snprintf(answer, cap, "error: no card in the field");
			return;
		}
		snprintf(answer, cap, "ok remove_at_us=%" PRIu64, remove_at);
		return;
	}
	case PN532_CTL_FAULT:
		if (pn532_chip_add_fault(ctx->chip, req->fault, req->count) != 0) {
			snprintf(answer, cap, "error: too many faults queued (at most %d kinds)",
				 PN532_FAULT_QUEUE_MAX);
			return;
		}
		snprintf(answer, cap, "ok fault=%s count=%" PRIu32 " pending=%lu",
			 pn532_fault_name(req->fault.kind), req->count,
			 pn532_chip_faults_pending(ctx->chip));
		return;
	case PN532_CTL_STATUS: {
		char json[PN532_CTL_ANSWER_MAX - 8];
		status_json(ctx, json, sizeof(json));
		snprintf(answer, cap, "ok %s", json);
		return;
	}
	}
	snprintf(answer, cap, "error: unknown command");
}

void pn532_ctl_handle_line(struct pn532_ctl_context *ctx, uint64_t now, const char *line,
			   char *answer, size_t cap)
{
	struct pn532_ctl_request req;
	char err[256];
	if (pn532_ctl_parse(line, &req, err, sizeof(err)) != 0) {
		snprintf(answer, cap, "error: %s", err);
		return;
	}
	pn532_ctl_execute(ctx, now, &req, answer, cap);
}
