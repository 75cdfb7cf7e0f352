/*
 * pn532_frame: the PN532's UART framing, both directions, as pure code
 * (bytes in, events out; no I/O, no clock) so that it can be unit-tested
 * and fuzzed on its own.
 *
 * Host to chip, the parser: an incremental scanner over the byte stream.
 * It hunts for the start code 00 FF, skipping whatever comes before it
 * (the 0x55 / 0x00 wake-up preamble libnfc sends after a power-down, line
 * noise), and recognises
 *   ACK   00 FF 00 FF            (the host aborts the running command)
 *   NACK  00 FF FF 00            (the host asks for the last response again)
 *   normal information frame     00 FF LEN LCS TFI data... DCS 00
 *   extended information frame   00 FF FF FF LENm LENl LCS TFI data... DCS 00
 * LEN counts TFI and data; LEN + LCS = 0 and TFI + data + DCS = 0 (mod 256).
 * The trailing 00 of ACK/NACK is not waited for: 0x00 is skipped while
 * hunting anyway, so the abort takes effect as soon as it is recognisable.
 *
 * A malformed frame is reported as PN532_FRAME_BAD with the reason, and the
 * parser keeps its place: after a bad header (LCS, a length the chip cannot
 * hold) it rescans from the byte after the start code, because a corrupted
 * length says nothing about where the frame ends; after a bad data checksum
 * or TFI the length was trustworthy, so the whole frame is dropped; after a
 * bad postamble the frame is dropped up to its DCS and the offending byte is
 * rescanned (it may start the next frame). Every length is checked before
 * a byte is stored: the buffer never holds more than one maximal frame.
 *
 * Chip to host, the builders: ACK, NACK, the application-level error frame
 * and information frames (normal up to LEN 255, extended above).
 */
#ifndef PN532_FRAME_H
#define PN532_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Host to chip TFI, chip to host TFI. */
#define PN532_TFI_HOST 0xD4
#define PN532_TFI_CHIP 0xD5

/*
 * The most data bytes (command code + parameters) an information frame may
 * carry: libnfc's PN53x_EXTENDED_FRAME__DATA_MAX_LEN. LEN is one more (TFI).
 */
#define PN532_FRAME_DATA_MAX 264
#define PN532_FRAME_LEN_MAX (PN532_FRAME_DATA_MAX + 1)
/* Preamble, start code, extended length (5), TFI, DCS, postamble. */
#define PN532_FRAME_OVERHEAD 11
#define PN532_FRAME_MAX (PN532_FRAME_DATA_MAX + PN532_FRAME_OVERHEAD)

enum pn532_frame_kind {
	PN532_FRAME_ACK,
	PN532_FRAME_NACK,
	PN532_FRAME_INFO,
	PN532_FRAME_BAD,
};

enum pn532_frame_error {
	PN532_FRAME_OK = 0,
	PN532_FRAME_BAD_LCS,	   /* LEN + LCS != 0, or a zero length */
	PN532_FRAME_TOO_LONG,	   /* LEN above PN532_FRAME_LEN_MAX */
	PN532_FRAME_BAD_DCS,	   /* data checksum */
	PN532_FRAME_BAD_POSTAMBLE, /* the byte after DCS is not 0x00 */
	PN532_FRAME_BAD_TFI,	   /* checksums fine, but not a host frame */
};

struct pn532_frame {
	enum pn532_frame_kind kind;
	enum pn532_frame_error error; /* PN532_FRAME_BAD only */
	bool extended;
	uint8_t tfi;
	size_t len; /* bytes in data[]: command code and parameters */
	uint8_t data[PN532_FRAME_DATA_MAX];
};

struct pn532_parser {
	uint8_t buf[PN532_FRAME_MAX];
	size_t len;
	/* Bytes skipped while hunting: wake-up preamble (0x55, 0x00) and the rest. */
	unsigned long preamble_bytes;
	unsigned long junk_bytes;
};

void pn532_parser_init(struct pn532_parser *p);

/*
 * Appends one received byte. Call pn532_parser_next() until it returns
 * false before pushing the next byte; if the caller does not, the oldest
 * buffered byte is dropped (counted as junk) rather than overflowing.
 */
void pn532_parser_push(struct pn532_parser *p, uint8_t byte);

/*
 * Takes the next complete event, if any: returns true and fills *f. One
 * pushed byte can complete more than one event (a bad header followed by
 * an ACK found in its rescanned bytes), hence the loop.
 */
bool pn532_parser_next(struct pn532_parser *p, struct pn532_frame *f);

const char *pn532_frame_error_name(enum pn532_frame_error e);

/*
 * Builders. Each writes a complete frame (with the 00 preamble) into out
 * and returns its length, or 0 if it does not fit in cap or len is too big.
 */
size_t pn532_frame_build_ack(uint8_t *out, size_t cap);
size_t pn532_frame_build_nack(uint8_t *out, size_t cap);
/* The application-level error frame: 00 00 FF 01 FF 7F 81 00. */
size_t pn532_frame_build_error(uint8_t *out, size_t cap);
/* An information frame with the given TFI; data = command code + params. */
size_t pn532_frame_build(uint8_t *out, size_t cap, uint8_t tfi, const uint8_t *data,
			 size_t len);
/* A chip response: TFI D5, code cmd + 1, then payload. */
size_t pn532_frame_build_response(uint8_t *out, size_t cap, uint8_t cmd,
				  const uint8_t *payload, size_t len);

#endif
