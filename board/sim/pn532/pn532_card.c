/*
 * pn532_card: see pn532_card.h. The figures for the Type 2 tags come from
 * NXP's NTAG213/215/216 data sheet (memory map, delivery state,
 * GET_VERSION), the ISO-DEP and anticollision behaviour from ISO/IEC
 * 14443-3/-4, the FeliCa commands from JIS X 6319-4.
 */
#include "pn532_card.h"

#include <stdio.h>
#include <string.h>

#include "pn532_crc.h"

/* Type A commands. */
#define CMD_REQA 0x26
#define CMD_WUPA 0x52
#define CMD_HLTA 0x50
#define CMD_RATS 0xE0
#define CMD_READ 0x30
#define CMD_FAST_READ 0x3A
#define CMD_GET_VERSION 0x60
#define CMD_WRITE 0xA2
#define CMD_PWD_AUTH 0x1B
#define CMD_READ_CNT 0x39
#define CMD_READ_SIG 0x3C
#define NIBBLE_ACK 0x0A
#define NIBBLE_NAK_ARG 0x00
#define NIBBLE_NAK_AUTH 0x04
#define CASCADE_TAG 0x88

/* FeliCa commands and answers. */
#define F_POLLING 0x00
#define F_REQUEST_SERVICE 0x02
#define F_REQUEST_RESPONSE 0x04
#define F_READ_WO_ENC 0x06
#define F_REQUEST_SYSTEM_CODE 0x0C

static const struct {
	enum pn532_card_type type;
	const char *name;
} type_names[] = {
	{PN532_CARD_NTAG213, "ntag213"}, {PN532_CARD_NTAG215, "ntag215"},
	{PN532_CARD_CLASSIC, "classic"}, {PN532_CARD_UID7, "uid7"},
	{PN532_CARD_UID10, "uid10"},	 {PN532_CARD_RANDOM, "random"},
	{PN532_CARD_FELICA, "felica"},
};

/* A transit-card-like PMm and the common transit system code: illustrative only. */
static const uint8_t default_pmm[8] = {0x01, 0x20, 0x22, 0x04, 0x27, 0x67, 0x4E, 0xFF};
static const uint8_t default_system_code[2] = {0x00, 0x03};
/* DESFire EV1: TL 06, T0 75 (TA TB TC, FSCI 5), TA 77, TB 81 (SFGI 1), TC 02, 80. */
static const uint8_t ats_desfire[] = {0x06, 0x75, 0x77, 0x81, 0x02, 0x80};
/* A phone's host card emulation: TL 05, T0 78, TA 80, TB 70 (SFGI 0), TC 02. */
static const uint8_t ats_phone[] = {0x05, 0x78, 0x80, 0x70, 0x02};

const char *pn532_card_type_name(enum pn532_card_type t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "?";
}

int pn532_card_type_parse(const char *name, enum pn532_card_type *out)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(name, type_names[i].name) == 0) {
			*out = type_names[i].type;
			return 0;
		}
	}
	return -1;
}

int pn532_card_type_infer(size_t id_len, const uint8_t *id, enum pn532_card_type *out)
{
	switch (id_len) {
	case 4:
		*out = PN532_CARD_CLASSIC;
		return 0;
	case 7:
		*out = id[0] == 0x04 ? PN532_CARD_NTAG213 : PN532_CARD_UID7;
		return 0;
	case 8:
		*out = PN532_CARD_FELICA;
		return 0;
	case 10:
		*out = PN532_CARD_UID10;
		return 0;
	default:
		return -1;
	}
}

/* splitmix64: small, seedable, good enough for UIDs. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void draw_random_uid(struct pn532_card *c)
{
	const uint64_t r = next_random(&c->rng);
	c->uid[0] = 0x08; /* ISO 14443-3: 08h marks a random UID */
	c->uid[1] = (uint8_t)r;
	c->uid[2] = (uint8_t)(r >> 8);
	c->uid[3] = (uint8_t)(r >> 16);
	c->uid_len = 4;
}

/* Pages 0-2 hold the 7-byte UID and its two check bytes; page 3 the CC. */
static void ntag_format(struct pn532_card *c, size_t pages, uint8_t cc_size)
{
	uint8_t *m = c->mem;
	const uint8_t *u = c->uid;
	memset(m, 0, sizeof(c->mem));
	c->pages = pages;
	m[0] = u[0];
	m[1] = u[1];
	m[2] = u[2];
	m[3] = (uint8_t)(CASCADE_TAG ^ u[0] ^ u[1] ^ u[2]); /* BCC0 */
	memcpy(m + 4, u + 3, 4);
	m[8] = (uint8_t)(u[3] ^ u[4] ^ u[5] ^ u[6]); /* BCC1 */
	m[9] = 0x48;				      /* internal */
	/* Page 3: capability container, NDEF version 1.0, read/write. */
	m[12] = 0xE1;
	m[13] = 0x10;
	m[14] = cc_size;
	m[15] = 0x00;
	/* Page 4: an empty NDEF message, then the terminator TLV. */
	m[16] = 0x03;
	m[17] = 0x00;
	m[18] = 0xFE;
	/* The last five pages: dynamic lock, CFG0, CFG1, PWD, PACK. */
	uint8_t *dyn = m + (pages - 5) * 4;
	dyn[3] = 0xBD;
	uint8_t *cfg0 = m + (pages - 4) * 4;
	cfg0[0] = 0x04; /* MIRROR */
	cfg0[3] = 0xFF; /* AUTH0: no page protected */
	uint8_t *cfg1 = m + (pages - 3) * 4;
	cfg1[1] = 0x05;
	/* PWD and PACK read as zeros. */
}

static bool valid_type_a_uid(const uint8_t *id, size_t len)
{
	/* 0x88 is the cascade tag: it may not open a UID or its second part. */
	if (id[0] == CASCADE_TAG)
		return false;
	if (len == 10 && id[3] == CASCADE_TAG)
		return false;
	return true;
}

int pn532_card_init(struct pn532_card *c, enum pn532_card_type type, const uint8_t *id,
		    size_t id_len, const uint8_t *pmm, const uint8_t *system_code, uint64_t seed,
		    char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->rng = seed;
	c->state = PN532_CARD_POWER_OFF;
	size_t want = 0;
	switch (type) {
	case PN532_CARD_NTAG213:
	case PN532_CARD_NTAG215:
	case PN532_CARD_UID7:
		want = 7;
		break;
	case PN532_CARD_CLASSIC:
		want = 4;
		break;
	case PN532_CARD_UID10:
		want = 10;
		break;
	case PN532_CARD_FELICA:
		want = 8;
		break;
	case PN532_CARD_RANDOM:
		if (id_len != 0 && id_len != 4) {
			snprintf(err, errlen, "a random card takes no UID or a 4-byte one");
			return -1;
		}
		want = id_len;
		break;
	default:
		snprintf(err, errlen, "unknown card type");
		return -1;
	}
	if (id_len != want) {
		snprintf(err, errlen, "a %s card needs a %zu-byte %s, got %zu bytes",
			 pn532_card_type_name(type), want, type == PN532_CARD_FELICA ? "IDm" : "UID",
			 id_len);
		return -1;
	}
	if (type == PN532_CARD_FELICA) {
		memcpy(c->idm, id, 8);
		memcpy(c->pmm, pmm ? pmm : default_pmm, 8);
		memcpy(c->system_code, system_code ? system_code : default_system_code, 2);
		return 0;
	}
	if (pmm || system_code) {
		snprintf(err, errlen, "PMm and system code belong to FeliCa cards");
		return -1;
	}
	if (id_len && !valid_type_a_uid(id, id_len)) {
		snprintf(err, errlen, "0x88 is the cascade tag and cannot start a UID part");
		return -1;
	}
	if (id_len)
		memcpy(c->uid, id, id_len);
	c->uid_len = id_len;
	switch (type) {
	case PN532_CARD_NTAG213:
		c->atqa[1] = 0x44;
		ntag_format(c, 45, 0x12);
		break;
	case PN532_CARD_NTAG215:
		c->atqa[1] = 0x44;
		ntag_format(c, 135, 0x3E);
		break;
	case PN532_CARD_CLASSIC:
		c->atqa[1] = 0x04;
		c->sak = 0x08;
		break;
	case PN532_CARD_UID7:
	case PN532_CARD_UID10:
		c->atqa[0] = 0x03;
		c->atqa[1] = type == PN532_CARD_UID7 ? 0x44 : 0x84;
		c->sak = 0x20;
		memcpy(c->ats, ats_desfire, sizeof(ats_desfire));
		c->ats_len = sizeof(ats_desfire);
		break;
	case PN532_CARD_RANDOM:
		c->atqa[1] = 0x04;
		c->sak = 0x20;
		memcpy(c->ats, ats_phone, sizeof(ats_phone));
		c->ats_len = sizeof(ats_phone);
		c->first_uid_given = id_len == 4;
		if (!c->first_uid_given)
			draw_random_uid(c);
		break;
	default:
		break;
	}
	return 0;
}

bool pn532_card_is_type_a(const struct pn532_card *c)
{
	return c->type != PN532_CARD_FELICA;
}

bool pn532_card_is_felica(const struct pn532_card *c)
{
	return c->type == PN532_CARD_FELICA;
}

bool pn532_card_is_iso_dep(const struct pn532_card *c)
{
	return pn532_card_is_type_a(c) && (c->sak & 0x20);
}

void pn532_card_power_on(struct pn532_card *c)
{
	if (c->state != PN532_CARD_POWER_OFF)
		return;
	c->power_ups++;
	if (c->type == PN532_CARD_RANDOM && !(c->first_uid_given && c->power_ups == 1))
		draw_random_uid(c);
	c->state = PN532_CARD_IDLE;
	c->level = 0;
	c->halted = false;
	c->block = 1; /* ISO 14443-4: the PICC's block number starts at 1 */
}

void pn532_card_power_off(struct pn532_card *c)
{
	c->state = PN532_CARD_POWER_OFF;
}

unsigned pn532_card_cascade_levels(const struct pn532_card *c)
{
	return c->uid_len == 10 ? 3 : c->uid_len == 7 ? 2 : 1;
}

bool pn532_card_cascade_part(const struct pn532_card *c, unsigned level, uint8_t part[4])
{
	const unsigned levels = pn532_card_cascade_levels(c);
	if (level < 1 || level > levels)
		return false;
	/* Levels before the last carry CT + 3 bytes; the last carries 4. */
	const size_t off = (level - 1) * 3;
	if (level < levels) {
		part[0] = CASCADE_TAG;
		memcpy(part + 1, c->uid + off, 3);
	} else {
		memcpy(part, c->uid + off, 4);
	}
	return true;
}

/* The unexpected-frame rule of ISO 14443-3: back to IDLE, or HALT if woken from it. */
static enum pn532_card_reply confused(struct pn532_card *c)
{
	c->state = c->halted ? PN532_CARD_HALT : PN532_CARD_IDLE;
	c->level = 0;
	return PN532_REPLY_NONE;
}

static enum pn532_card_reply reply_data(const uint8_t *data, size_t len, bool crc,
					uint8_t *rx, size_t rx_cap, size_t *rx_len,
					bool *rx_crc)
{
	if (len > rx_cap)
		return PN532_REPLY_NONE;
	memcpy(rx, data, len);
	*rx_len = len;
	*rx_crc = crc;
	return PN532_REPLY_DATA;
}

static enum pn532_card_reply reply_nibble(enum pn532_card_reply kind, uint8_t nibble,
					  uint8_t *rx, size_t rx_cap, size_t *rx_len)
{
	if (rx_cap < 1)
		return PN532_REPLY_NONE;
	rx[0] = nibble;
	*rx_len = 1;
	return kind;
}

/* ANTICOLLISION (NVB 0x20..0x60, whole bytes) and SELECT (NVB 0x70). */
static enum pn532_card_reply select_level(struct pn532_card *c, const uint8_t *tx, size_t len,
					  bool crc_ok, uint8_t *rx, size_t rx_cap,
					  size_t *rx_len, bool *rx_crc)
{
	const unsigned level = tx[0] == 0x93 ? 1 : tx[0] == 0x95 ? 2 : 3;
	uint8_t part[5];
	if (level != c->level || len < 2 || !pn532_card_cascade_part(c, level, part))
		return confused(c);
	part[4] = (uint8_t)(part[0] ^ part[1] ^ part[2] ^ part[3]);
	const uint8_t nvb = tx[1];
	if (nvb == 0x70) {
		if (!crc_ok || len != 7 || memcmp(tx + 2, part, 5) != 0)
			return confused(c);
		if (level < pn532_card_cascade_levels(c)) {
			c->level++;
			const uint8_t sak = 0x04; /* cascade bit: UID not complete */
			return reply_data(&sak, 1, true, rx, rx_cap, rx_len, rx_crc);
		}
		c->state = PN532_CARD_ACTIVE;
		c->level = 0;
		return reply_data(&c->sak, 1, true, rx, rx_cap, rx_len, rx_crc);
	}
	/* Anticollision: the PCD names the first (NVB >> 4) - 2 bytes. */
	if ((nvb & 0x0F) != 0 || nvb < 0x20 || nvb > 0x60)
		return PN532_REPLY_NONE; /* bit-level anticollision: not modelled */
	const size_t known = (size_t)(nvb >> 4) - 2;
	if (len != 2 + known || memcmp(tx + 2, part, known) != 0)
		return PN532_REPLY_NONE; /* not this card's prefix: it keeps quiet */
	return reply_data(part + known, 5 - known, false, rx, rx_cap, rx_len, rx_crc);
}

static bool is_ntag(const struct pn532_card *c)
{
	return c->type == PN532_CARD_NTAG213 || c->type == PN532_CARD_NTAG215;
}

static enum pn532_card_reply ntag_command(struct pn532_card *c, const uint8_t *tx, size_t len,
					  uint8_t *rx, size_t rx_cap, size_t *rx_len,
					  bool *rx_crc)
{
	uint8_t out[256];
	const size_t pages = c->pages;
	switch (tx[0]) {
	case CMD_READ:
		if (len != 2 || tx[1] >= pages)
			break;
		/* Four pages from the address on, rolling over to page 0. */
		for (size_t k = 0; k < 4; k++)
			memcpy(out + 4 * k, c->mem + ((tx[1] + k) % pages) * 4, 4);
		return reply_data(out, 16, true, rx, rx_cap, rx_len, rx_crc);
	case CMD_FAST_READ:
		if (len != 3 || tx[1] > tx[2] || tx[2] >= pages)
			break;
		if ((size_t)(tx[2] - tx[1] + 1) * 4 > sizeof(out))
			break;
		memcpy(out, c->mem + (size_t)tx[1] * 4, (size_t)(tx[2] - tx[1] + 1) * 4);
		return reply_data(out, (size_t)(tx[2] - tx[1] + 1) * 4, true, rx, rx_cap, rx_len,
				  rx_crc);
	case CMD_GET_VERSION: {
		if (len != 1)
			break;
		/* Vendor NXP, NTAG, 50 pF, 1.0, storage 0F (213) or 11 (215), ISO 14443-3. */
		const uint8_t version[8] = {0x00, 0x04, 0x04, 0x02, 0x01, 0x00,
					    c->type == PN532_CARD_NTAG213 ? 0x0F : 0x11, 0x03};
		return reply_data(version, 8, true, rx, rx_cap, rx_len, rx_crc);
	}
	case CMD_WRITE: {
		if (len != 6 || tx[1] < 2 || tx[1] >= pages - 2)
			break; /* UID pages and PWD/PACK are not writable here */
		uint8_t *page = c->mem + (size_t)tx[1] * 4;
		if (tx[1] == 2) {
			/* Static lock bytes: bits can only be set. */
			page[2] |= tx[4];
			page[3] |= tx[5];
		} else if (tx[1] == 3) {
			/* Capability container: one-time programmable. */
			for (size_t k = 0; k < 4; k++)
				page[k] |= tx[2 + k];
		} else {
			memcpy(page, tx + 2, 4);
		}
		return reply_nibble(PN532_REPLY_ACK, NIBBLE_ACK, rx, rx_cap, rx_len);
	}
	case CMD_PWD_AUTH: {
		static const uint8_t factory[4] = {0xFF, 0xFF, 0xFF, 0xFF};
		if (len != 5 || memcmp(tx + 1, factory, 4) != 0)
			break;
		const uint8_t pack[2] = {0x00, 0x00};
		return reply_data(pack, 2, true, rx, rx_cap, rx_len, rx_crc);
	}
	case CMD_READ_CNT: {
		if (len != 2 || tx[1] != 0x02)
			break;
		const uint8_t cnt[3] = {0, 0, 0};
		return reply_data(cnt, 3, true, rx, rx_cap, rx_len, rx_crc);
	}
	case CMD_READ_SIG:
		if (len != 2)
			break;
		memset(out, 0, 32); /* an unsigned sample: all zeros */
		return reply_data(out, 32, true, rx, rx_cap, rx_len, rx_crc);
	default:
		break;
	}
	/* NTAG: a NAK sends the tag back to IDLE (or HALT). */
	confused(c);
	return reply_nibble(PN532_REPLY_NAK, NIBBLE_NAK_ARG, rx, rx_cap, rx_len);
}

/* ISO-DEP (ISO 14443-4) after RATS, just enough for libnfc and presence checks. */
static enum pn532_card_reply iso_dep_block(struct pn532_card *c, const uint8_t *tx, size_t len,
					   uint8_t *rx, size_t rx_cap, size_t *rx_len,
					   bool *rx_crc)
{
	uint8_t out[8];
	const uint8_t pcb = tx[0];
	size_t hdr = 1;
	if (pcb & 0x08)
		hdr++; /* CID follows */
	if ((pcb & 0xC0) == 0x00 && (pcb & 0x04))
		hdr++; /* I-block with NAD */
	if (len < hdr)
		return PN532_REPLY_NONE;
	size_t n = 0;
	if ((pcb & 0xE2) == 0x02) {
		/* I-block: a new block number means a new command. */
		c->block ^= 1;
		out[n++] = (uint8_t)(0x02 | c->block | (pcb & 0x08));
		if (pcb & 0x08)
			out[n++] = tx[1];
		const bool select = len >= hdr + 2 && tx[hdr] == 0x00 && tx[hdr + 1] == 0xA4;
		out[n++] = select ? 0x6A : 0x6D;
		out[n++] = select ? 0x82 : 0x00;
		return reply_data(out, n, true, rx, rx_cap, rx_len, rx_crc);
	}
	if ((pcb & 0xE6) == 0xA2) {
		/* R-block: answer R(ACK) with our block number. */
		out[n++] = (uint8_t)(0xA2 | c->block | (pcb & 0x08));
		if (pcb & 0x08)
			out[n++] = tx[1];
		return reply_data(out, n, true, rx, rx_cap, rx_len, rx_crc);
	}
	if ((pcb & 0xF7) == 0xC2) {
		/* S(DESELECT): confirm, then halt. */
		out[n++] = pcb;
		if (pcb & 0x08)
			out[n++] = tx[1];
		c->state = PN532_CARD_HALT;
		return reply_data(out, n, true, rx, rx_cap, rx_len, rx_crc);
	}
	return PN532_REPLY_NONE;
}

enum pn532_card_reply pn532_card_a_frame(struct pn532_card *c, const uint8_t *tx, size_t len,
					 unsigned last_bits, bool crc_ok, uint8_t *rx,
					 size_t rx_cap, size_t *rx_len, bool *rx_crc)
{
	*rx_len = 0;
	*rx_crc = false;
	if (!pn532_card_is_type_a(c) || c->state == PN532_CARD_POWER_OFF || len == 0)
		return PN532_REPLY_NONE;

	/* Short frames: REQA wakes IDLE cards, WUPA IDLE and HALT cards. */
	if (last_bits == 7 && len == 1) {
		const bool wupa = tx[0] == CMD_WUPA;
		if (tx[0] != CMD_REQA && !wupa)
			return PN532_REPLY_NONE;
		if (c->state == PN532_CARD_IDLE || (wupa && c->state == PN532_CARD_HALT)) {
			c->halted = c->state == PN532_CARD_HALT;
			c->state = PN532_CARD_READY;
			c->level = 1;
			/* On air the ATQA goes least significant byte first. */
			const uint8_t atqa[2] = {c->atqa[1], c->atqa[0]};
			return reply_data(atqa, 2, false, rx, rx_cap, rx_len, rx_crc);
		}
		if (c->state == PN532_CARD_HALT)
			return PN532_REPLY_NONE; /* REQA does not wake a halted card */
		return confused(c);
	}
	if (last_bits != 0)
		return c->state == PN532_CARD_IDLE || c->state == PN532_CARD_HALT
			       ? PN532_REPLY_NONE
			       : confused(c);

	switch (c->state) {
	case PN532_CARD_IDLE:
	case PN532_CARD_HALT:
		return PN532_REPLY_NONE; /* only REQA/WUPA are heard here */
	case PN532_CARD_READY:
		if (tx[0] == 0x93 || tx[0] == 0x95 || tx[0] == 0x97)
			return select_level(c, tx, len, crc_ok, rx, rx_cap, rx_len, rx_crc);
		return confused(c);
	case PN532_CARD_ACTIVE:
		if (!crc_ok)
			return PN532_REPLY_NONE; /* a corrupted frame is ignored */
		if (tx[0] == CMD_HLTA && len == 2 && tx[1] == 0x00) {
			c->state = PN532_CARD_HALT;
			return PN532_REPLY_NONE;
		}
		if (tx[0] == CMD_RATS && len == 2 && pn532_card_is_iso_dep(c)) {
			c->state = PN532_CARD_PROTOCOL;
			c->block = 1;
			return reply_data(c->ats, c->ats_len, true, rx, rx_cap, rx_len, rx_crc);
		}
		if (is_ntag(c))
			return ntag_command(c, tx, len, rx, rx_cap, rx_len, rx_crc);
		if (c->type == PN532_CARD_CLASSIC) {
			/* No Crypto1 here: every sector stays locked. */
			return reply_nibble(PN532_REPLY_NAK, NIBBLE_NAK_AUTH, rx, rx_cap, rx_len);
		}
		return confused(c);
	case PN532_CARD_PROTOCOL:
		if (!crc_ok)
			return PN532_REPLY_NONE;
		return iso_dep_block(c, tx, len, rx, rx_cap, rx_len, rx_crc);
	case PN532_CARD_POWER_OFF:
		break;
	}
	return PN532_REPLY_NONE;
}

static bool f_reply(const uint8_t *body, size_t n, uint8_t *rx, size_t rx_cap, size_t *rx_len)
{
	if (n + 1 > rx_cap || n + 1 > 255)
		return false;
	rx[0] = (uint8_t)(n + 1);
	memcpy(rx + 1, body, n);
	*rx_len = n + 1;
	return true;
}

bool pn532_card_f_frame(struct pn532_card *c, const uint8_t *tx, size_t len, uint8_t *rx,
			size_t rx_cap, size_t *rx_len)
{
	uint8_t out[128];
	size_t n = 0;
	*rx_len = 0;
	if (!pn532_card_is_felica(c) || c->state == PN532_CARD_POWER_OFF)
		return false;
	if (len < 2 || tx[0] != len)
		return false; /* LEN counts itself and must match the frame */
	const uint8_t cmd = tx[1];
	if (cmd == F_POLLING) {
		if (len != 6)
			return false;
		/* FF in either byte of the requested system code is a wildcard. */
		if ((tx[2] != 0xFF && tx[2] != c->system_code[0]) ||
		    (tx[3] != 0xFF && tx[3] != c->system_code[1]))
			return false;
		out[n++] = 0x01;
		memcpy(out + n, c->idm, 8);
		n += 8;
		memcpy(out + n, c->pmm, 8);
		n += 8;
		if (tx[4] == 0x01) { /* request: system code */
			memcpy(out + n, c->system_code, 2);
			n += 2;
		} else if (tx[4] == 0x02) { /* request: communication performance */
			out[n++] = 0x00;
			out[n++] = 0x83; /* 212 and 424 kbit/s, automatic detection */
		}
		return f_reply(out, n, rx, rx_cap, rx_len);
	}
	/* Every other command names the card by IDm. */
	if (len < 10 || memcmp(tx + 2, c->idm, 8) != 0)
		return false;
	out[n++] = (uint8_t)(cmd + 1);
	memcpy(out + n, c->idm, 8);
	n += 8;
	switch (cmd) {
	case F_REQUEST_RESPONSE:
		if (len != 10)
			return false;
		out[n++] = 0x00; /* mode 0 */
		return f_reply(out, n, rx, rx_cap, rx_len);
	case F_REQUEST_SYSTEM_CODE:
		if (len != 10)
			return false;
		out[n++] = 0x01;
		memcpy(out + n, c->system_code, 2);
		n += 2;
		return f_reply(out, n, rx, rx_cap, rx_len);
	case F_REQUEST_SERVICE: {
		if (len < 11)
			return false;
		const size_t nodes = tx[10];
		if (nodes < 1 || nodes > 32 || len != 11 + 2 * nodes)
			return false;
		out[n++] = (uint8_t)nodes;
		for (size_t k = 0; k < nodes && n + 2 <= sizeof(out); k++) {
			out[n++] = 0xFF; /* key version FFFF: no such node */
			out[n++] = 0xFF;
		}
		return f_reply(out, n, rx, rx_cap, rx_len);
	}
	case F_READ_WO_ENC:
		if (len < 11)
			return false;
		out[n++] = 0x01; /* status flag 1: error */
		out[n++] = 0xA6; /* status flag 2: illegal service code */
		return f_reply(out, n, rx, rx_cap, rx_len);
	default:
		return false; /* unknown commands get no answer */
	}
}
