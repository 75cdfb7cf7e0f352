/*
 * pn532_frame: see pn532_frame.h. The parser works on a small buffer that
 * holds at most one frame: after every byte it either finds nothing yet, or
 * consumes a prefix and reports one event. Decisions are made on the buffer
 * as a whole rather than in a byte-by-byte state machine because resyncing
 * after a bad header means looking at bytes again.
 */
#include "pn532_frame.h"

#include <string.h>

static const uint8_t ack_frame[] = {0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00};
static const uint8_t nack_frame[] = {0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00};
static const uint8_t error_frame[] = {0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00};

void pn532_parser_init(struct pn532_parser *p)
{
	memset(p, 0, sizeof(*p));
}

/* Drops the first n buffered bytes. */
static void consume(struct pn532_parser *p, size_t n)
{
	if (n >= p->len) {
		p->len = 0;
		return;
	}
	memmove(p->buf, p->buf + n, p->len - n);
	p->len -= n;
}

/* Drops n bytes that were skipped while hunting, counting them. */
static void skip(struct pn532_parser *p, size_t n)
{
	for (size_t i = 0; i < n && i < p->len; i++) {
		if (p->buf[i] == 0x55 || p->buf[i] == 0x00)
			p->preamble_bytes++;
		else
			p->junk_bytes++;
	}
	consume(p, n);
}

void pn532_parser_push(struct pn532_parser *p, uint8_t byte)
{
	if (p->len == sizeof(p->buf))
		skip(p, 1); /* the caller did not drain next(): never overflow */
	p->buf[p->len++] = byte;
}

static bool bad(struct pn532_parser *p, struct pn532_frame *f, enum pn532_frame_error e,
		size_t drop)
{
	f->kind = PN532_FRAME_BAD;
	f->error = e;
	f->len = 0;
	consume(p, drop);
	return true;
}

bool pn532_parser_next(struct pn532_parser *p, struct pn532_frame *f)
{
	/* Hunt for the start code 00 FF. */
	size_t i = 0;
	while (i + 1 < p->len && !(p->buf[i] == 0x00 && p->buf[i + 1] == 0xFF))
		i++;
	if (i + 1 >= p->len) {
		/* No start code; keep a trailing 00, it may begin one. */
		size_t keep = (p->len > 0 && p->buf[p->len - 1] == 0x00) ? 1 : 0;
		skip(p, p->len - keep);
		return false;
	}
	skip(p, i);

	memset(f, 0, offsetof(struct pn532_frame, data));
	if (p->len < 4)
		return false;
	const uint8_t l1 = p->buf[2], l2 = p->buf[3];
	if (l1 == 0x00 && l2 == 0xFF) {
		f->kind = PN532_FRAME_ACK;
		consume(p, 4);
		return true;
	}
	if (l1 == 0xFF && l2 == 0x00) {
		f->kind = PN532_FRAME_NACK;
		consume(p, 4);
		return true;
	}

	size_t hdr, len;
	if (l1 == 0xFF && l2 == 0xFF) {
		if (p->len < 7)
			return false;
		if ((uint8_t)(p->buf[4] + p->buf[5] + p->buf[6]) != 0)
			return bad(p, f, PN532_FRAME_BAD_LCS, 2);
		len = ((size_t)p->buf[4] << 8) | p->buf[5];
		hdr = 7;
		f->extended = true;
	} else {
		if ((uint8_t)(l1 + l2) != 0)
			return bad(p, f, PN532_FRAME_BAD_LCS, 2);
		len = l1;
		hdr = 4;
	}
	if (len == 0)
		return bad(p, f, PN532_FRAME_BAD_LCS, 2);
	if (len > PN532_FRAME_LEN_MAX)
		return bad(p, f, PN532_FRAME_TOO_LONG, 2);
	/* hdr + len + DCS + postamble <= sizeof(buf) by PN532_FRAME_MAX. */
	if (p->len < hdr + len + 2)
		return false;

	uint8_t sum = 0;
	for (size_t k = 0; k <= len; k++)
		sum = (uint8_t)(sum + p->buf[hdr + k]); /* TFI, data, DCS */
	if (sum != 0)
		return bad(p, f, PN532_FRAME_BAD_DCS, hdr + len + 1);
	if (p->buf[hdr + len + 1] != 0x00)
		return bad(p, f, PN532_FRAME_BAD_POSTAMBLE, hdr + len + 1);
	f->tfi = p->buf[hdr];
	if (f->tfi != PN532_TFI_HOST)
		return bad(p, f, PN532_FRAME_BAD_TFI, hdr + len + 2);

	f->kind = PN532_FRAME_INFO;
	f->len = len - 1;
	memcpy(f->data, p->buf + hdr + 1, f->len);
	consume(p, hdr + len + 2);
	return true;
}

const char *pn532_frame_error_name(enum pn532_frame_error e)
{
	switch (e) {
	case PN532_FRAME_OK:
		return "ok";
	case PN532_FRAME_BAD_LCS:
		return "bad length checksum";
	case PN532_FRAME_TOO_LONG:
		return "length too long";
	case PN532_FRAME_BAD_DCS:
		return "bad data checksum";
	case PN532_FRAME_BAD_POSTAMBLE:
		return "bad postamble";
	case PN532_FRAME_BAD_TFI:
		return "not a host frame (TFI)";
	}
	return "?";
}

static size_t copy_fixed(uint8_t *out, size_t cap, const uint8_t *frame, size_t len)
{
	if (cap < len)
		return 0;
	memcpy(out, frame, len);
	return len;
}

size_t pn532_frame_build_ack(uint8_t *out, size_t cap)
{
	return copy_fixed(out, cap, ack_frame, sizeof(ack_frame));
}

size_t pn532_frame_build_nack(uint8_t *out, size_t cap)
{
	return copy_fixed(out, cap, nack_frame, sizeof(nack_frame));
}

size_t pn532_frame_build_error(uint8_t *out, size_t cap)
{
	return copy_fixed(out, cap, error_frame, sizeof(error_frame));
}

size_t pn532_frame_build(uint8_t *out, size_t cap, uint8_t tfi, const uint8_t *data,
			 size_t len)
{
	if (len > PN532_FRAME_DATA_MAX)
		return 0;
	const size_t frame_len = len + 1; /* LEN counts the TFI */
	const bool extended = frame_len > 0xFF;
	const size_t hdr = extended ? 8 : 5; /* with the 00 preamble */
	const size_t total = hdr + 1 + len + 2;
	if (cap < total)
		return 0;

	size_t n = 0;
	out[n++] = 0x00;
	out[n++] = 0x00;
	out[n++] = 0xFF;
	if (extended) {
		out[n++] = 0xFF;
		out[n++] = 0xFF;
		out[n++] = (uint8_t)(frame_len >> 8);
		out[n++] = (uint8_t)(frame_len & 0xFF);
		out[n++] = (uint8_t)(0x100 - ((out[5] + out[6]) & 0xFF));
	} else {
		out[n++] = (uint8_t)frame_len;
		out[n++] = (uint8_t)(0x100 - frame_len);
	}
	out[n++] = tfi;
	uint8_t sum = tfi;
	for (size_t k = 0; k < len; k++) {
		out[n++] = data[k];
		sum = (uint8_t)(sum + data[k]);
	}
	out[n++] = (uint8_t)(0x100 - sum);
	out[n++] = 0x00;
	return n;
}

size_t pn532_frame_build_response(uint8_t *out, size_t cap, uint8_t cmd,
				  const uint8_t *payload, size_t len)
{
	uint8_t data[PN532_FRAME_DATA_MAX];
	if (len + 1 > sizeof(data))
		return 0;
	data[0] = (uint8_t)(cmd + 1);
	if (len)
		memcpy(data + 1, payload, len);
	return pn532_frame_build(out, cap, PN532_TFI_CHIP, data, len + 1);
}
