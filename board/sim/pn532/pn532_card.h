/*
 * pn532_card: the virtual cards a simulated PN532 can find in its field.
 *
 * A card is a small state machine that answers RF frames, not a record of
 * canned replies: the chip drives it with the same frames a real PN532
 * would put on the air (WUPA, ANTICOLLISION, SELECT, RATS, READ, Polling),
 * through two entry points, one per technology.
 *
 * Types:
 *   ntag213, ntag215  NFC Forum Type 2 tags: 7-byte UID (BCC0/BCC1 in
 *                     pages 0-2), ATQA 00 44, SAK 00, 45 / 135 pages with
 *                     a capability container (E1 10 12 00 / E1 10 3E 00)
 *                     and an empty NDEF message (03 00 FE) at page 4: the
 *                     card says nothing about what it is used for. READ
 *                     (0x30, wrapping to page 0 past the end), FAST_READ,
 *                     GET_VERSION (0x60), WRITE (0xA2), PWD_AUTH with the
 *                     factory password, READ_CNT, READ_SIG, HLTA.
 *   classic           MIFARE Classic 1K: 4-byte UID, ATQA 00 04, SAK 08.
 *                     No Crypto1: everything but HLTA gets a NAK.
 *   uid7, uid10       ISO/IEC 14443-4 cards (DESFire-like): 7- or 10-byte
 *                     UID, ATQA 03 44 / 03 84, SAK 20, an ATS; after RATS
 *                     they speak ISO-DEP blocks (R(NAK) gets R(ACK), which
 *                     is libnfc's presence check; I-blocks get 6D 00 or,
 *                     for SELECT, 6A 82; S(DESELECT) halts them).
 *   random            a phone or privacy card: ISO 14443-4, ATQA 00 04,
 *                     SAK 20, a random 4-byte UID 08 xx xx xx drawn anew
 *                     every time the card is powered up (placed in the
 *                     field, or the field switched off and on), as
 *                     ISO/IEC 14443-3 requires of random UIDs: the UID
 *                     holds while the card stays powered, so a re-select
 *                     by UID works.
 *   felica            JIS X 6319-4: IDm (8 bytes), PMm (8), system code
 *                     (2); answers Polling at 212 and 424 kbit/s, Request
 *                     Response (libnfc's presence check), Request Service,
 *                     Request System Code, Read Without Encryption (which
 *                     reports "no such service").
 *
 * Type A cards follow the ISO/IEC 14443-3 states: POWER-OFF, IDLE, READY
 * (per cascade level), ACTIVE, HALT, and PROTOCOL after RATS. A frame the
 * card does not expect in its state sends it back to IDLE (or HALT), as
 * the standard says, and gets no answer.
 *
 * Everything here is pure: no clock, no I/O. Random UIDs come from a
 * seeded generator so tests are deterministic.
 */
#ifndef PN532_CARD_H
#define PN532_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PN532_CARD_UID_MAX 10
#define PN532_CARD_PAGES_MAX 135
#define PN532_CARD_ATS_MAX 16

enum pn532_card_type {
	PN532_CARD_NTAG213,
	PN532_CARD_NTAG215,
	PN532_CARD_CLASSIC,
	PN532_CARD_UID7,
	PN532_CARD_UID10,
	PN532_CARD_RANDOM,
	PN532_CARD_FELICA,
};

enum pn532_card_state {
	PN532_CARD_POWER_OFF,
	PN532_CARD_IDLE,
	PN532_CARD_READY,
	PN532_CARD_ACTIVE,
	PN532_CARD_HALT,
	PN532_CARD_PROTOCOL,
};

struct pn532_card {
	enum pn532_card_type type;
	/* ISO 14443 type A. For random cards, the UID of this power-up. */
	uint8_t uid[PN532_CARD_UID_MAX];
	size_t uid_len;
	uint8_t atqa[2]; /* as the PN532 reports it, MSB first: 00 44 (on air: 44 00) */
	uint8_t sak;
	uint8_t ats[PN532_CARD_ATS_MAX]; /* with its length byte TL */
	size_t ats_len;
	/* FeliCa. */
	uint8_t idm[8], pmm[8], system_code[2];
	/* Type 2 tag memory, 4 bytes a page. */
	uint8_t mem[PN532_CARD_PAGES_MAX * 4];
	size_t pages;
	/* Protocol state. */
	enum pn532_card_state state;
	unsigned level;	      /* READY: cascade level being selected, 1..3 */
	bool halted;	      /* was in HALT when woken (READY* / ACTIVE*) */
	uint8_t block;	      /* ISO-DEP: the PICC's block number */
	bool first_uid_given; /* random: the given UID serves the first power-up */
	uint64_t rng;
	unsigned power_ups;
};

/* What a type A card sent back. */
enum pn532_card_reply {
	PN532_REPLY_NONE, /* silence: the reader times out */
	PN532_REPLY_DATA, /* bytes in rx; *rx_crc says whether a CRC_A followed */
	PN532_REPLY_ACK,  /* 4-bit ACK (0xA), rx[0] */
	PN532_REPLY_NAK,  /* 4-bit NAK (0x0..0x5), rx[0] */
};

const char *pn532_card_type_name(enum pn532_card_type t);
/* "ntag213" etc. Returns 0, or -1 if unknown. */
int pn532_card_type_parse(const char *name, enum pn532_card_type *out);
/*
 * The type a UID implies when none is named: 4 bytes classic, 7 bytes
 * ntag213 if it starts with NXP's 0x04 else uid7, 10 bytes uid10, 8 bytes
 * felica. Returns 0, or -1 for any other length.
 */
int pn532_card_type_infer(size_t id_len, const uint8_t *id, enum pn532_card_type *out);

/*
 * Builds a card in the POWER-OFF state. id is the UID (IDm for FeliCa);
 * a random card takes 0 or 4 bytes (4: its first power-up shows it).
 * pmm and system_code are FeliCa's (NULL: defaults). seed feeds the random
 * UID generator. Returns 0, or -1 with a message in err.
 */
int pn532_card_init(struct pn532_card *c, enum pn532_card_type type, const uint8_t *id,
		    size_t id_len, const uint8_t *pmm, const uint8_t *system_code, uint64_t seed,
		    char *err, size_t errlen);

bool pn532_card_is_type_a(const struct pn532_card *c);
bool pn532_card_is_felica(const struct pn532_card *c);
bool pn532_card_is_iso_dep(const struct pn532_card *c);

/* The field reached the card / left it. Power-up draws a random UID anew. */
void pn532_card_power_on(struct pn532_card *c);
void pn532_card_power_off(struct pn532_card *c);

/*
 * One ISO 14443 type A frame to the card. tx holds the frame without its
 * CRC; crc_ok says whether a valid CRC_A followed it on air (commands that
 * need one are ignored without it). last_bits is the number of valid bits
 * in the last byte (0 = all 8; 7 for REQA/WUPA). On PN532_REPLY_DATA the
 * answer is in rx (without CRC) and *rx_crc says whether the card sent a
 * CRC_A after it (ATQA and anticollision answers have none). Never writes
 * more than rx_cap bytes; an answer that would not fit is not sent.
 */
enum pn532_card_reply pn532_card_a_frame(struct pn532_card *c, const uint8_t *tx, size_t len,
					 unsigned last_bits, bool crc_ok, uint8_t *rx,
					 size_t rx_cap, size_t *rx_len, bool *rx_crc);

/*
 * One FeliCa frame (LEN byte first, no CRC) to the card. Returns true with
 * the answer (LEN first) in rx if the card answers.
 */
bool pn532_card_f_frame(struct pn532_card *c, const uint8_t *tx, size_t len, uint8_t *rx,
			size_t rx_cap, size_t *rx_len);

/* The cascade bytes SELECT sends at level 1..3: CT + 3 UID bytes, or 4 UID bytes. */
bool pn532_card_cascade_part(const struct pn532_card *c, unsigned level, uint8_t part[4]);
/* How many cascade levels the UID needs (1, 2 or 3). */
unsigned pn532_card_cascade_levels(const struct pn532_card *c);

#endif
