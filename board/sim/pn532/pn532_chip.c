/*
 * pn532_chip: see pn532_chip.h for what is modelled and why.
 *
 * Shape of the code: bytes go through the frame parser (pn532_frame.c);
 * each command either answers at once or becomes the chip's one running
 * job, a small record with the time of its next step. Searching for a card
 * (InListPassiveTarget, InAutoPoll) is a sequence of activation attempts;
 * while nothing that could change an attempt's outcome happens, the job is
 * "parked": it knows when its attempts fall and jumps straight to the first
 * one that could succeed (a card becoming ready) or to the end of its
 * budget. A card placed or removed, or the field switched, re-plans it.
 * So a search that waits for minutes costs nothing, and the answer still
 * comes at the exact attempt boundary a real chip would give it.
 */
#include "pn532_chip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pn532_crc.h"

/* Command codes (UM0701-02 section 7). */
#define CMD_DIAGNOSE 0x00
#define CMD_GET_FIRMWARE_VERSION 0x02
#define CMD_GET_GENERAL_STATUS 0x04
#define CMD_READ_REGISTER 0x06
#define CMD_WRITE_REGISTER 0x08
#define CMD_READ_GPIO 0x0C
#define CMD_WRITE_GPIO 0x0E
#define CMD_SET_SERIAL_BAUD_RATE 0x10
#define CMD_SET_PARAMETERS 0x12
#define CMD_SAM_CONFIGURATION 0x14
#define CMD_POWER_DOWN 0x16
#define CMD_RF_CONFIGURATION 0x32
#define CMD_IN_DATA_EXCHANGE 0x40
#define CMD_IN_COMMUNICATE_THRU 0x42
#define CMD_IN_DESELECT 0x44
#define CMD_IN_JUMP_FOR_PSL 0x46
#define CMD_IN_LIST_PASSIVE_TARGET 0x4A
#define CMD_IN_PSL 0x4E
#define CMD_IN_ATR 0x50
#define CMD_IN_RELEASE 0x52
#define CMD_IN_SELECT 0x54
#define CMD_IN_JUMP_FOR_DEP 0x56
#define CMD_IN_AUTO_POLL 0x60

/* Status byte values (UM0701-02 table "Error code list"). */
#define ST_OK 0x00
#define ST_TIMEOUT 0x01
#define ST_CRC 0x02
#define ST_RF_BUFFER_OVERFLOW 0x09
#define ST_MIFARE_ERROR 0x14
#define ST_NOT_IN_CONTEXT 0x27

/* Registers the simulation reads. */
#define REG_TX_MODE 0x6302
#define REG_RX_MODE 0x6303
#define REG_CONTROL 0x633C
#define REG_BIT_FRAMING 0x633D

/* SetParameters: fAutomaticRATS. */
#define PARAM_AUTO_RATS 0x10

/* InListPassiveTarget BrTy. */
#define BRTY_A_106 0x00
#define BRTY_F_212 0x01
#define BRTY_F_424 0x02
#define BRTY_B_106 0x03
#define BRTY_JEWEL 0x04

#define OUTQ 8
#define GARBAGE_LEN 8
/* The chip's own data limit per response (libnfc: keep it <= 254). */
#define PAYLOAD_MAX 254
#define ADVANCE_GUARD 1000000

enum job_kind {
	JOB_NONE,
	JOB_RESPONSE, /* the answer is ready and goes out at `at` */
	JOB_LIST,     /* InListPassiveTarget: activation attempts */
	JOB_AUTOPOLL, /* InAutoPoll: one attempt per polling period */
};

enum after_action {
	AFTER_NOTHING,
	AFTER_POWER_DOWN,
	AFTER_BAUD,
};

struct job {
	enum job_kind kind;
	uint8_t cmd;
	uint64_t at;
	struct pn532_fault fault;
	/* JOB_RESPONSE */
	bool error_frame;
	enum after_action after;
	uint32_t after_baud;
	uint8_t payload[PN532_FRAME_DATA_MAX];
	size_t payload_len;
	/* JOB_LIST */
	uint8_t brty;
	uint8_t init[12];
	size_t init_len;
	uint32_t attempts_done, attempts_max; /* max 0: until found */
	/* JOB_AUTOPOLL */
	uint8_t types[15];
	size_t ntypes;
	uint64_t t0, slot_us;
	uint64_t slot_next, slots_max; /* max 0: endless */
	/* A parked run of identical attempts (JOB_LIST). */
	bool parked;
	uint64_t run_start, run_period;
	uint32_t run_base;
};

struct target {
	bool valid, selected;
	uint8_t brty; /* BRTY_A_106, BRTY_F_212, BRTY_F_424 */
	uint32_t gen; /* which placement of the card it belongs to */
	bool iso_dep;
	uint8_t pcd_block;
	uint8_t uid[PN532_CARD_UID_MAX];
	size_t uid_len;
};

struct pn532_chip {
	struct pn532_timing timing;
	uint64_t now;
	struct pn532_parser parser;

	enum pn532_power power;
	bool asleep;
	uint64_t awake_at;
	uint32_t baud;

	uint8_t regs[65536];
	uint8_t params;
	uint8_t sam_mode;
	uint8_t gpio_p3, gpio_p7;
	bool field_on;
	uint8_t atr_timeout_code, retry_timeout_code, max_rty_com;
	uint8_t mx_rty_atr, mx_rty_psl, mx_rty_passive;
	uint8_t last_error;

	bool card_present;
	struct pn532_card card;
	uint32_t card_gen;
	uint64_t card_remove_at;
	uint64_t card_powered_at; /* PN532_NEVER while unpowered */

	struct target tg;
	struct job job;

	struct pn532_output out[OUTQ];
	size_t out_head, out_count;
	uint8_t last_resp[PN532_FRAME_MAX];
	size_t last_resp_len;

	struct pn532_fault_queue faults;
	uint64_t rng;
	struct pn532_stats stats;
};

static const uint32_t baud_rates[] = {9600,   19200,  38400,  57600,  115200,
				      230400, 460800, 921600, 1288000};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > PN532_NEVER - b ? PN532_NEVER : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	if (a != 0 && b > PN532_NEVER / a)
		return PN532_NEVER;
	return a * b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Plausible reset values for the CIU registers (PN532 data sheet, CIU section). */
static void reset_registers(struct pn532_chip *c)
{
	static const struct {
		uint16_t addr;
		uint8_t value;
	} resets[] = {
		{0x6301, 0x3B}, {0x6302, 0x00}, {0x6303, 0x00}, {0x6304, 0x80}, {0x6305, 0x00},
		{0x6306, 0x10}, {0x6307, 0x84}, {0x6308, 0x84}, {0x6309, 0x4D}, {0x630A, 0x00},
		{0x630B, 0x00}, {0x630C, 0x62}, {0x630D, 0x00}, {0x630E, 0x00}, {0x6311, 0xFF},
		{0x6312, 0xFF}, {0x6313, 0x88}, {0x6314, 0x26}, {0x6315, 0x87}, {0x6316, 0x48},
		{0x6317, 0x88}, {0x6318, 0x20}, {0x6319, 0x20}, {0x631A, 0x00}, {0x631B, 0x00},
		{0x631C, 0x00}, {0x631D, 0x00}, {0x6334, 0x14}, {0x6337, 0x21}, {0x6338, 0x00},
		{0x633A, 0x00}, {0x633B, 0x08}, {0x633C, 0x00}, {0x633D, 0x00}, {0x633E, 0x80},
	};
	memset(c->regs, 0, sizeof(c->regs));
	for (size_t i = 0; i < sizeof(resets) / sizeof(resets[0]); i++)
		c->regs[resets[i].addr] = resets[i].value;
}

struct pn532_chip *pn532_chip_new(bool paced, uint64_t seed, uint64_t now)
{
	struct pn532_chip *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pn532_timing_init(&c->timing, paced);
	c->now = now;
	pn532_parser_init(&c->parser);
	c->power = PN532_POWER_LOWVBAT;
	c->asleep = true;
	c->baud = PN532_UART_BAUD_DEFAULT;
	reset_registers(c);
	c->sam_mode = 0x01;
	c->gpio_p3 = 0x3F;
	c->gpio_p7 = 0x06;
	c->atr_timeout_code = 0x0B;   /* 102.4 ms */
	c->retry_timeout_code = 0x0A; /* 51.2 ms */
	c->mx_rty_atr = 0xFF;
	c->mx_rty_psl = 0x01;
	c->mx_rty_passive = 0xFF;
	c->card_remove_at = PN532_NEVER;
	c->card_powered_at = PN532_NEVER;
	pn532_fault_queue_init(&c->faults);
	c->rng = seed;
	return c;
}

void pn532_chip_free(struct pn532_chip *c)
{
	free(c);
}

/* ---- output ------------------------------------------------------------ */

static void push_output(struct pn532_chip *c, const uint8_t *bytes, size_t len, size_t hangup)
{
	if (c->out_count == OUTQ || len == 0 || len > PN532_FRAME_MAX) {
		c->stats.outputs_dropped++;
		return;
	}
	struct pn532_output *o = &c->out[(c->out_head + c->out_count) % OUTQ];
	o->due = c->now;
	o->len = len;
	o->hangup_after = hangup;
	memcpy(o->bytes, bytes, len);
	c->out_count++;
}

static void send_ack(struct pn532_chip *c)
{
	uint8_t f[8];
	push_output(c, f, pn532_frame_build_ack(f, sizeof(f)), SIZE_MAX);
}

static void log_frame(const char *what, const uint8_t *b, size_t n)
{
	if (log_get_level() < LOG_LEVEL_DEBUG)
		return;
	char hex[3 * 64 + 4];
	size_t used = 0;
	for (size_t i = 0; i < n && used + 4 < sizeof(hex); i++)
		used += (size_t)snprintf(hex + used, sizeof(hex) - used, "%02x ", b[i]);
	if (n > 64 && used + 4 <= sizeof(hex))
		snprintf(hex + used, sizeof(hex) - used, "...");
	log_debug("%s %s", what, hex);
}

/* ---- card and field ------------------------------------------------------ */

static void update_card_power(struct pn532_chip *c)
{
	const bool powered = c->card_present && c->field_on;
	if (powered && c->card_powered_at == PN532_NEVER) {
		pn532_card_power_on(&c->card);
		c->card_powered_at = c->now;
	} else if (!powered && c->card_powered_at != PN532_NEVER) {
		pn532_card_power_off(&c->card);
		c->card_powered_at = PN532_NEVER;
	}
}

/* When the card in the field can first answer a request (PN532_NEVER: it cannot). */
static uint64_t card_ready_time(const struct pn532_chip *c)
{
	if (!c->card_present || c->card_powered_at == PN532_NEVER)
		return PN532_NEVER;
	return add_sat(c->card_powered_at, c->timing.card_ready_us);
}

/* The card, if it is powered and past its power-up time; NULL otherwise. */
static struct pn532_card *ready_card(struct pn532_chip *c)
{
	const uint64_t r = card_ready_time(c);
	return (r != PN532_NEVER && c->now >= r) ? &c->card : NULL;
}

/* The target's card, if it is still the same card and able to answer. */
static struct pn532_card *target_card(struct pn532_chip *c)
{
	if (!c->tg.valid || c->tg.gen != c->card_gen)
		return NULL;
	return ready_card(c);
}

/* A fingerprint of the card's protocol state: an attempt that leaves it unchanged repeats. */
static uint32_t card_signature(const struct pn532_chip *c)
{
	if (!c->card_present)
		return 0;
	return (uint32_t)c->card.state | (uint32_t)c->card.level << 8 |
	       (uint32_t)c->card.halted << 12 | (uint32_t)c->card.power_ups << 16;
}

static void job_replan(struct pn532_chip *c);

static void set_field(struct pn532_chip *c, bool on)
{
	if (c->field_on == on)
		return;
	c->field_on = on;
	/* TxControl's Tx1RFEn/Tx2RFEn follow the field. */
	if (on)
		c->regs[0x6304] |= 0x03;
	else
		c->regs[0x6304] &= (uint8_t)~0x03;
	update_card_power(c);
	job_replan(c);
}

static void remove_card_now(struct pn532_chip *c)
{
	if (!c->card_present)
		return;
	c->card_present = false;
	c->card_remove_at = PN532_NEVER;
	update_card_power(c);
	log_info("card removed from the field");
}

/* ---- jobs ---------------------------------------------------------------- */

static bool job_active(const struct pn532_chip *c)
{
	return c->job.kind != JOB_NONE;
}

static void job_cancel(struct pn532_chip *c)
{
	c->job.kind = JOB_NONE;
	c->job.parked = false;
}

static void emit(struct pn532_chip *c)
{
	struct job *j = &c->job;
	uint8_t frame[PN532_FRAME_MAX];
	size_t n = 0;
	if (!j->error_frame)
		n = pn532_frame_build_response(frame, sizeof(frame), j->cmd, j->payload,
					       j->payload_len);
	if (n == 0) {
		n = pn532_frame_build_error(frame, sizeof(frame));
		j->after = AFTER_NOTHING;
		c->stats.error_frames++;
	} else {
		c->stats.responses++;
	}
	memcpy(c->last_resp, frame, n);
	c->last_resp_len = n;

	size_t hangup = SIZE_MAX;
	switch (j->fault.kind) {
	case PN532_FAULT_GARBAGE: {
		uint8_t junk[GARBAGE_LEN];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)next_random(&c->rng);
		junk[0] |= 0x80; /* never 00: it must not pass for a preamble */
		push_output(c, junk, sizeof(junk), SIZE_MAX);
		break;
	}
	case PN532_FAULT_BAD_CHECKSUM:
		frame[n - 2] = (uint8_t)(frame[n - 2] + 1);
		break;
	case PN532_FAULT_DISCONNECT:
		hangup = n / 2;
		break;
	default:
		break;
	}
	log_frame("to host:", frame, n);
	push_output(c, frame, n, hangup);

	const enum after_action after = j->after;
	const uint32_t baud = j->after_baud;
	job_cancel(c);
	if (after == AFTER_POWER_DOWN) {
		/* The chip powers down once it has answered; its RF goes with it. */
		c->tg.valid = false;
		set_field(c, false);
		c->power = PN532_POWER_POWERDOWN;
		c->asleep = true;
	} else if (after == AFTER_BAUD) {
		c->baud = baud; /* the host switches after its ACK; close enough */
	}
}

/*
 * The command's answer is ready: it goes out at `at` (a late fault moves
 * it). An answer due now goes out now, right behind the ACK. `error`
 * sends the application-level error frame instead of a response.
 */
static void finish_as(struct pn532_chip *c, uint64_t at, const uint8_t *payload, size_t len,
		      bool error)
{
	struct job *j = &c->job;
	if (len > PAYLOAD_MAX)
		len = PAYLOAD_MAX;
	j->kind = JOB_RESPONSE;
	j->parked = false;
	j->error_frame = error;
	if (len)
		memmove(j->payload, payload, len);
	j->payload_len = len;
	if (j->fault.kind == PN532_FAULT_LATE) {
		at = add_sat(at, (uint64_t)j->fault.ms * 1000);
		j->fault.kind = PN532_FAULT_NONE;
	}
	j->at = at;
	if (at <= c->now)
		emit(c);
}

static void finish(struct pn532_chip *c, uint64_t at, const uint8_t *payload, size_t len)
{
	finish_as(c, at, payload, len, false);
}

static void respond(struct pn532_chip *c, const uint8_t *payload, size_t len)
{
	finish(c, c->now, payload, len);
}

static void respond_status(struct pn532_chip *c, uint8_t status)
{
	respond(c, &status, 1);
}

/* Unknown command or bad parameters: the syntax error frame 00 00 FF 01 FF 7F 81 00. */
static void error_frame(struct pn532_chip *c)
{
	finish_as(c, c->now, NULL, 0, true);
}

/* ---- RF helpers -------------------------------------------------------- */

static uint64_t rf_timeout(const struct pn532_chip *c)
{
	const uint64_t one = pn532_timing_rf_timeout(&c->timing, c->retry_timeout_code);
	return mul_sat(one, (uint64_t)c->max_rty_com + 1);
}

/* TxMode/RxMode speed and framing for a modulation; CRC and other bits stay. */
static void set_modulation(struct pn532_chip *c, uint8_t brty)
{
	uint8_t speed = 0, framing = 0;
	if (brty == BRTY_F_212) {
		speed = 1;
		framing = 2;
	} else if (brty == BRTY_F_424) {
		speed = 2;
		framing = 2;
	} else if (brty == BRTY_B_106) {
		framing = 3;
	}
	for (uint16_t r = REG_TX_MODE; r <= REG_RX_MODE; r++)
		c->regs[r] = (uint8_t)((c->regs[r] & 0x8C) | speed << 4 | framing);
}

/* ISO 14443-4 start-up frame guard time announced in the ATS (TB(1) low nibble). */
static uint64_t ats_sfgt(const struct pn532_chip *c, const uint8_t *ats, size_t len)
{
	if (len < 2 || !(ats[1] & 0x20))
		return 0;
	size_t tb = 2 + ((ats[1] & 0x10) ? 1 : 0);
	if (tb >= len)
		return 0;
	const unsigned sfgi = ats[tb] & 0x0F;
	if (sfgi == 0 || sfgi == 15)
		return 0;
	return pn532_timing_fc(&c->timing, (uint64_t)256 * 16 << sfgi);
}

/*
 * One type A activation attempt: WUPA, then ANTICOLLISION/SELECT per
 * cascade level (SELECT only, when the host named the UID), then RATS for
 * an ISO 14443-4 card if wanted. A card that turns out not to be
 * ISO 14443-4 when one is required is halted again. Fills the target data
 * (Tg, ATQA, SAK, UID length, UID, [ATS]) on success.
 */
static bool attempt_a(struct pn532_chip *c, const uint8_t *init, size_t init_len, bool rats,
		      bool need_iso_dep, uint64_t *dur, uint8_t *tg, size_t *tg_len)
{
	const struct pn532_timing *t = &c->timing;
	struct pn532_card *card = ready_card(c);
	uint8_t rx[64];
	size_t rlen;
	bool rcrc;
	uint64_t d = pn532_timing_a_short(t);
	const uint8_t wupa = 0x52;
	if (!card || pn532_card_a_frame(card, &wupa, 1, 7, false, rx, sizeof(rx), &rlen, &rcrc) !=
			     PN532_REPLY_DATA || rlen != 2) {
		*dur = d + t->atqa_wait_us + t->fw_turnaround_us;
		return false;
	}
	const uint8_t atqa0 = rx[1], atqa1 = rx[0]; /* the PN532 reports it MSB first */
	d += pn532_timing_a_fdt(t) + pn532_timing_a_frame(t, 2) + t->fw_turnaround_us;

	uint8_t uid[PN532_CARD_UID_MAX];
	size_t ulen = 0;
	uint8_t sak = 0x04;
	for (unsigned level = 1; level <= 3 && (sak & 0x04); level++) {
		const uint8_t sel = (uint8_t)(0x91 + 2 * level);
		uint8_t part[4];
		if (init_len) {
			if (init_len < level * 4)
				goto fail;
			memcpy(part, init + (level - 1) * 4, 4);
		} else {
			const uint8_t ac[2] = {sel, 0x20};
			const enum pn532_card_reply r =
				pn532_card_a_frame(card, ac, 2, 0, false, rx, sizeof(rx), &rlen, &rcrc);
			d += pn532_timing_a_frame(t, 2) + pn532_timing_a_fdt(t);
			if (r != PN532_REPLY_DATA || rlen != 5 ||
			    rx[4] != (uint8_t)(rx[0] ^ rx[1] ^ rx[2] ^ rx[3]))
				goto fail;
			d += pn532_timing_a_frame(t, 5) + t->fw_turnaround_us;
			memcpy(part, rx, 4);
		}
		const uint8_t sel_cmd[7] = {sel,     0x70,    part[0],
					    part[1], part[2], part[3],
					    (uint8_t)(part[0] ^ part[1] ^ part[2] ^ part[3])};
		const enum pn532_card_reply r =
			pn532_card_a_frame(card, sel_cmd, 7, 0, true, rx, sizeof(rx), &rlen, &rcrc);
		d += pn532_timing_a_frame(t, 9) + pn532_timing_a_fdt(t);
		if (r != PN532_REPLY_DATA || rlen != 1)
			goto fail;
		d += pn532_timing_a_frame(t, 3) + t->fw_turnaround_us;
		sak = rx[0];
		if (sak & 0x04) {
			if (part[0] != 0x88)
				goto fail;
			memcpy(uid + ulen, part + 1, 3);
			ulen += 3;
		} else {
			memcpy(uid + ulen, part, 4);
			ulen += 4;
		}
	}
	if (sak & 0x04)
		goto fail;
	if (init_len && init_len != (ulen == 4 ? 4u : ulen == 7 ? 8u : 12u))
		goto fail;
	if (need_iso_dep && !(sak & 0x20)) {
		/* Not what was asked for: put it back to sleep for the next type. */
		const uint8_t hlta[2] = {0x50, 0x00};
		pn532_card_a_frame(card, hlta, 2, 0, true, rx, sizeof(rx), &rlen, &rcrc);
		d += pn532_timing_a_frame(t, 4) + t->hlta_wait_us + t->fw_turnaround_us;
		*dur = d;
		return false;
	}
	size_t n = 0;
	tg[n++] = 0x01;
	tg[n++] = atqa0;
	tg[n++] = atqa1;
	tg[n++] = sak;
	tg[n++] = (uint8_t)ulen;
	memcpy(tg + n, uid, ulen);
	n += ulen;
	if (rats && (sak & 0x20)) {
		const uint8_t rats_cmd[2] = {0xE0, 0x50}; /* FSDI 5 (64 bytes), CID 0 */
		const enum pn532_card_reply r =
			pn532_card_a_frame(card, rats_cmd, 2, 0, true, rx, sizeof(rx), &rlen, &rcrc);
		d += pn532_timing_a_frame(t, 4) + pn532_timing_a_fdt(t);
		if (r != PN532_REPLY_DATA || rlen < 1 || rx[0] != rlen || rlen > 32)
			goto fail;
		d += pn532_timing_a_frame(t, rlen + 2) + t->fw_turnaround_us + ats_sfgt(c, rx, rlen);
		memcpy(tg + n, rx, rlen);
		n += rlen;
	}
	*tg_len = n;
	*dur = d;
	return true;
fail:
	*dur = d + t->atqa_wait_us + t->fw_turnaround_us;
	return false;
}

/* One FeliCa Polling with the host's 5-byte payload (00 SC SC RC TSN). */
static bool attempt_f(struct pn532_chip *c, unsigned kbps, const uint8_t *payload,
		      uint64_t *dur, uint8_t *tg, size_t *tg_len)
{
	const struct pn532_timing *t = &c->timing;
	/* The answer window: the command, the first slot's offset, TSN + 1 slots. */
	*dur = pn532_timing_f_frame(t, 8, kbps) + pn532_timing_f_slot0(t) +
	       ((uint64_t)payload[4] + 1) * pn532_timing_f_slot(t) + t->fw_turnaround_us;
	struct pn532_card *card = ready_card(c);
	uint8_t frame[6] = {0x06};
	memcpy(frame + 1, payload, 5);
	uint8_t rx[64];
	size_t rlen;
	if (!card || !pn532_card_f_frame(card, frame, sizeof(frame), rx, sizeof(rx), &rlen))
		return false;
	tg[0] = 0x01;
	memcpy(tg + 1, rx, rlen);
	*tg_len = rlen + 1;
	return true;
}

/* Target data found: the card becomes target 1, selected. */
static void take_target(struct pn532_chip *c, uint8_t brty, const uint8_t *tg, size_t tg_len)
{
	memset(&c->tg, 0, sizeof(c->tg));
	c->tg.valid = true;
	c->tg.selected = true;
	c->tg.brty = brty;
	c->tg.gen = c->card_gen;
	c->tg.pcd_block = 0; /* ISO 14443-4: the PCD's block number starts at 0 */
	if (brty == BRTY_A_106 && tg_len >= 5 && tg[4] <= PN532_CARD_UID_MAX &&
	    tg_len >= 5u + tg[4]) {
		c->tg.uid_len = tg[4];
		memcpy(c->tg.uid, tg + 5, tg[4]);
		c->tg.iso_dep = tg_len > 5u + tg[4]; /* an ATS followed */
	}
}

/* The cascade form of the target's UID, as SELECT wants it (libnfc's iso14443_cascade_uid). */
static size_t cascade_uid(const uint8_t *uid, size_t len, uint8_t *out)
{
	if (len == 7) {
		out[0] = 0x88;
		memcpy(out + 1, uid, 7);
		return 8;
	}
	if (len == 10) {
		out[0] = 0x88;
		memcpy(out + 1, uid, 3);
		out[4] = 0x88;
		memcpy(out + 5, uid + 3, 7);
		return 12;
	}
	memcpy(out, uid, len);
	return len;
}

/* ---- InListPassiveTarget ------------------------------------------------ */

static bool list_attempt(struct pn532_chip *c, uint64_t *dur, uint8_t *tg, size_t *tg_len)
{
	struct job *j = &c->job;
	const struct pn532_timing *t = &c->timing;
	set_modulation(c, j->brty);
	switch (j->brty) {
	case BRTY_A_106:
		return attempt_a(c, j->init, j->init_len, (c->params & PARAM_AUTO_RATS) != 0, false,
				 dur, tg, tg_len);
	case BRTY_F_212:
	case BRTY_F_424:
		return attempt_f(c, j->brty == BRTY_F_212 ? 212 : 424, j->init, dur, tg, tg_len);
	default:
		/* REQB / Jewel's REQA: no such card is ever in the field. */
		*dur = pn532_timing_a_short(t) + t->atqa_wait_us + t->fw_turnaround_us;
		return false;
	}
}

static uint64_t list_run_end(const struct job *j)
{
	return add_sat(j->run_start, mul_sat(j->attempts_max - j->run_base, j->run_period));
}

/* Parked: the first attempt whose outcome could differ, or the end of the budget. */
static uint64_t list_wake(const struct pn532_chip *c)
{
	const struct job *j = &c->job;
	uint64_t wake = j->attempts_max ? list_run_end(j) : PN532_NEVER;
	const uint64_t r = card_ready_time(c);
	if (r != PN532_NEVER) {
		/* The first attempt that starts once the card is ready: the next one
		 * of the run if it is ready by then already. */
		const uint64_t k = r <= j->run_start ? 0 : ceil_div(r - j->run_start, j->run_period);
		if (!j->attempts_max || j->run_base + k < j->attempts_max)
			wake = min_u64(wake, add_sat(j->run_start, mul_sat(k, j->run_period)));
	}
	return wake;
}

static void list_step(struct pn532_chip *c)
{
	struct job *j = &c->job;
	const uint64_t a = c->now;
	if (j->parked) {
		if (j->attempts_max && a >= list_run_end(j)) {
			const uint8_t none = 0x00;
			finish(c, a, &none, 1);
			return;
		}
		j->attempts_done = j->run_base + (uint32_t)((a - j->run_start) / j->run_period);
		j->parked = false;
	}
	uint8_t tg[64];
	size_t tg_len = 0;
	uint64_t dur = 0;
	const uint32_t before = card_signature(c);
	const bool found = list_attempt(c, &dur, tg, &tg_len);
	const bool changed = card_signature(c) != before;
	const uint64_t step = dur ? dur : 1;
	j->attempts_done++;
	if (found) {
		take_target(c, j->brty, tg, tg_len);
		uint8_t payload[1 + sizeof(tg)];
		payload[0] = 0x01; /* NbTg: one card is ever in the field */
		memcpy(payload + 1, tg, tg_len);
		finish(c, a + dur, payload, tg_len + 1);
		return;
	}
	if (j->attempts_max && j->attempts_done >= j->attempts_max) {
		const uint8_t none = 0x00;
		finish(c, a + dur, &none, 1);
		return;
	}
	if (changed) {
		/* The card moved on: the next attempt may differ (unpaced: at once). */
		j->at = a + dur;
		return;
	}
	if (dur == 0 && j->attempts_max) {
		/* Unpaced: the remaining attempts take no time and fare the same. */
		const uint8_t none = 0x00;
		finish(c, a, &none, 1);
		return;
	}
	j->parked = true;
	j->run_start = a + step;
	j->run_period = step;
	j->run_base = j->attempts_done;
	j->at = list_wake(c);
}

static void cmd_in_list_passive_target(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	struct job *j = &c->job;
	if (plen < 2 || p[0] < 1 || p[0] > 2) {
		error_frame(c);
		return;
	}
	const uint8_t brty = p[1];
	const size_t ilen = plen - 2;
	bool ok;
	switch (brty) {
	case BRTY_A_106:
		ok = ilen == 0 || ilen == 4 || ilen == 8 || ilen == 12;
		break;
	case BRTY_F_212:
	case BRTY_F_424:
		ok = ilen == 5;
		break;
	case BRTY_B_106:
		ok = ilen == 1 || ilen == 2;
		break;
	case BRTY_JEWEL:
		ok = ilen == 0;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		error_frame(c);
		return;
	}
	set_field(c, true);
	c->tg.valid = false; /* a new search forgets the old targets */
	j->kind = JOB_LIST;
	j->brty = brty;
	j->init_len = ilen <= sizeof(j->init) ? ilen : 0;
	memcpy(j->init, p + 2, j->init_len);
	j->attempts_done = 0;
	j->attempts_max = c->mx_rty_passive == 0xFF ? 0 : (uint32_t)c->mx_rty_passive + 1;
	j->parked = false;
	j->at = c->now;
}

/* ---- InAutoPoll ---------------------------------------------------------- */

static bool autopoll_type_known(uint8_t type)
{
	switch (type) {
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x04:
	case 0x10: case 0x11: case 0x12: case 0x20: case 0x23:
	case 0x40: case 0x41: case 0x42: case 0x80: case 0x81: case 0x82:
		return true;
	default:
		return false;
	}
}

/* Whether a polling attempt of this type finds this card (given it is ready). */
static bool autopoll_type_matches(uint8_t type, const struct pn532_card *card)
{
	switch (type) {
	case 0x00: /* generic passive 106 kbit/s */
	case 0x10: /* MIFARE */
		return pn532_card_is_type_a(card);
	case 0x20: /* ISO 14443-4 type A */
		return pn532_card_is_iso_dep(card);
	case 0x01: case 0x11: /* generic passive 212, FeliCa 212 */
	case 0x02: case 0x12: /* generic passive 424, FeliCa 424 */
		return pn532_card_is_felica(card);
	default:
		return false; /* type B, Jewel, DEP: never in this field */
	}
}

static bool autopoll_attempt(struct pn532_chip *c, uint8_t type, uint64_t *dur, uint8_t *data,
			     size_t *len)
{
	/* With the system code wildcard and no request data, as a plain poll. */
	static const uint8_t polling[5] = {0x00, 0xFF, 0xFF, 0x00, 0x00};
	const struct pn532_timing *t = &c->timing;
	switch (type) {
	case 0x00:
	case 0x10:
	case 0x20:
		set_modulation(c, BRTY_A_106);
		return attempt_a(c, NULL, 0,
				 type == 0x20 || (type == 0x00 && (c->params & PARAM_AUTO_RATS)),
				 type == 0x20, dur, data, len);
	case 0x01:
	case 0x11:
		set_modulation(c, BRTY_F_212);
		return attempt_f(c, 212, polling, dur, data, len);
	case 0x02:
	case 0x12:
		set_modulation(c, BRTY_F_424);
		return attempt_f(c, 424, polling, dur, data, len);
	default:
		*dur = pn532_timing_a_short(t) + t->atqa_wait_us + t->fw_turnaround_us;
		return false;
	}
}

static uint64_t slot_start(const struct job *j, uint64_t s)
{
	return add_sat(j->t0, mul_sat(s, j->slot_us));
}

static uint64_t autopoll_wake(const struct pn532_chip *c)
{
	const struct job *j = &c->job;
	const uint64_t final = j->slots_max ? slot_start(j, j->slots_max) : PN532_NEVER;
	const uint64_t r = card_ready_time(c);
	if (r == PN532_NEVER)
		return final;
	uint64_t smin = r <= j->t0 ? 0 : ceil_div(r - j->t0, j->slot_us);
	if (smin < j->slot_next)
		smin = j->slot_next;
	uint64_t best = PN532_NEVER;
	const uint64_t n = j->ntypes;
	for (uint64_t k = 0; k < n; k++) {
		if (!autopoll_type_matches(j->types[k], &c->card))
			continue;
		const uint64_t s = smin + (k + n - smin % n) % n;
		if (j->slots_max && s >= j->slots_max)
			continue;
		if (s < best)
			best = s;
	}
	return best == PN532_NEVER ? final : min_u64(final, slot_start(j, best));
}

static void autopoll_step(struct pn532_chip *c)
{
	struct job *j = &c->job;
	const uint64_t a = c->now;
	const uint8_t none = 0x00;
	if (j->parked) {
		if (j->slots_max && a >= slot_start(j, j->slots_max)) {
			finish(c, a, &none, 1);
			return;
		}
		j->slot_next = (a - j->t0) / j->slot_us;
		j->parked = false;
	}
	const uint64_t s = j->slot_next;
	const uint8_t type = j->types[s % j->ntypes];
	uint8_t data[64];
	size_t len = 0;
	uint64_t dur = 0;
	const uint32_t before = card_signature(c);
	const bool found = autopoll_attempt(c, type, &dur, data, &len);
	const bool changed = card_signature(c) != before;
	if (found) {
		const uint8_t brty = (type == 0x01 || type == 0x11)   ? BRTY_F_212
				     : (type == 0x02 || type == 0x12) ? BRTY_F_424
								      : BRTY_A_106;
		take_target(c, brty, data, len);
		uint8_t payload[3 + sizeof(data)];
		payload[0] = 0x01;
		payload[1] = type;
		payload[2] = (uint8_t)len;
		memcpy(payload + 3, data, len);
		/* The chip answers when the polling period ends. */
		finish(c, slot_start(j, s + 1), payload, len + 3);
		return;
	}
	j->slot_next = s + 1;
	if (j->slots_max && j->slot_next >= j->slots_max) {
		finish(c, slot_start(j, j->slots_max), &none, 1);
		return;
	}
	if (changed) {
		j->at = slot_start(j, j->slot_next);
		return;
	}
	j->parked = true;
	j->at = autopoll_wake(c);
}

static void cmd_in_auto_poll(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	struct job *j = &c->job;
	if (plen < 3 || plen - 2 > sizeof(j->types) || p[0] == 0 || p[1] < 1 || p[1] > 0x0F) {
		error_frame(c);
		return;
	}
	for (size_t k = 2; k < plen; k++) {
		if (!autopoll_type_known(p[k])) {
			error_frame(c);
			return;
		}
	}
	set_field(c, true);
	c->tg.valid = false;
	j->kind = JOB_AUTOPOLL;
	j->ntypes = plen - 2;
	memcpy(j->types, p + 2, j->ntypes);
	j->t0 = c->now;
	j->slot_us = (uint64_t)p[1] * c->timing.autopoll_unit_us;
	if (j->slot_us == 0)
		j->slot_us = 1;
	j->slots_max = p[0] == 0xFF ? 0 : (uint64_t)p[0] * j->ntypes;
	j->slot_next = 0;
	j->parked = false;
	j->at = c->now;
}

/* A card or the field changed: a parked search re-plans from now. */
static void job_replan(struct pn532_chip *c)
{
	struct job *j = &c->job;
	if (!j->parked)
		return;
	const uint64_t now = c->now;
	if (j->kind == JOB_LIST) {
		const uint64_t k = now <= j->run_start ? 0 : ceil_div(now - j->run_start, j->run_period);
		if (j->attempts_max && j->run_base + k >= j->attempts_max)
			j->at = list_run_end(j);
		else
			j->at = add_sat(j->run_start, mul_sat(k, j->run_period));
	} else if (j->kind == JOB_AUTOPOLL) {
		uint64_t s = now <= j->t0 ? 0 : ceil_div(now - j->t0, j->slot_us);
		if (s < j->slot_next)
			s = j->slot_next;
		if (j->slots_max && s >= j->slots_max)
			s = j->slots_max;
		j->at = slot_start(j, s);
	}
}

static void job_step(struct pn532_chip *c)
{
	switch (c->job.kind) {
	case JOB_RESPONSE:
		emit(c);
		break;
	case JOB_LIST:
		list_step(c);
		break;
	case JOB_AUTOPOLL:
		autopoll_step(c);
		break;
	case JOB_NONE:
		break;
	}
}

/* ---- data exchange ---------------------------------------------------- */

/* Status + data into out; returns the payload length. */
static size_t exchange_reply(uint8_t *out, uint8_t status, const uint8_t *data, size_t len)
{
	out[0] = status;
	if (len > PAYLOAD_MAX - 1)
		len = PAYLOAD_MAX - 1;
	if (len)
		memcpy(out + 1, data, len);
	return len + 1;
}

/* No answer: the chip waits its retry timeout, MaxRtyCOM + 1 times. */
static void exchange_timeout(struct pn532_chip *c, uint64_t tx_time)
{
	const uint64_t tmo = rf_timeout(c);
	const uint8_t status = ST_TIMEOUT;
	c->last_error = ST_TIMEOUT;
	if (tmo == PN532_NEVER) {
		/* fRetryTimeout 0: wait forever, until the host gives up. */
		finish(c, PN532_NEVER, &status, 1);
		return;
	}
	const uint64_t sends = mul_sat(tx_time, (uint64_t)c->max_rty_com + 1);
	finish(c, add_sat(add_sat(c->now, sends), add_sat(tmo, c->timing.fw_turnaround_us)),
	       &status, 1);
}

static void finish_exchange(struct pn532_chip *c, uint64_t dur, uint8_t status,
			    const uint8_t *data, size_t len)
{
	uint8_t out[PAYLOAD_MAX];
	if (1 + len > PAYLOAD_MAX) {
		status = ST_RF_BUFFER_OVERFLOW;
		len = 0;
	}
	if (status != ST_OK)
		c->last_error = status;
	finish(c, add_sat(c->now, dur), out, exchange_reply(out, status, data, len));
}

/* A frame to a type A card in its current state; the card's CRC handling is the caller's. */
static void exchange_a_raw(struct pn532_chip *c, struct pn532_card *card, const uint8_t *data,
			   size_t len, unsigned last_bits, bool crc_ok, bool rx_crc_on,
			   uint64_t tx_time, bool data_exchange)
{
	const struct pn532_timing *t = &c->timing;
	uint8_t rx[300];
	size_t rlen = 0;
	bool rcrc = false;
	const enum pn532_card_reply r =
		card ? pn532_card_a_frame(card, data, len, last_bits, crc_ok, rx, sizeof(rx) - 2,
					  &rlen, &rcrc)
		     : PN532_REPLY_NONE;
	uint64_t d = tx_time + pn532_timing_a_fdt(t) + t->fw_turnaround_us;
	switch (r) {
	case PN532_REPLY_NONE:
		exchange_timeout(c, tx_time);
		return;
	case PN532_REPLY_ACK:
	case PN532_REPLY_NAK:
		d += pn532_timing_a_nibble(t);
		c->regs[REG_CONTROL] = (uint8_t)((c->regs[REG_CONTROL] & ~0x07) | 4);
		if (data_exchange) /* the chip reads the 4-bit answer itself */
			finish_exchange(c, d, r == PN532_REPLY_ACK ? ST_OK : ST_MIFARE_ERROR, NULL, 0);
		else
			finish_exchange(c, d, ST_OK, rx, 1);
		return;
	case PN532_REPLY_DATA:
		break;
	}
	c->regs[REG_CONTROL] = (uint8_t)(c->regs[REG_CONTROL] & ~0x07);
	d += pn532_timing_a_frame(t, rlen + (rcrc ? 2 : 0));
	if (rcrc && !rx_crc_on) {
		pn532_crc_a_append(rx, rlen, rx + rlen); /* the host wants the card's CRC */
		rlen += 2;
	} else if (!rcrc && rx_crc_on) {
		finish_exchange(c, d, ST_CRC, NULL, 0); /* a frame without CRC fails the check */
		return;
	}
	finish_exchange(c, d, ST_OK, rx, rlen);
}

static void exchange_f_raw(struct pn532_chip *c, struct pn532_card *card, const uint8_t *data,
			   size_t len, unsigned kbps, bool rx_crc_on, uint64_t tx_time)
{
	const struct pn532_timing *t = &c->timing;
	uint8_t rx[300];
	size_t rlen = 0;
	if (!card || !pn532_card_f_frame(card, data, len, rx, sizeof(rx) - 2, &rlen)) {
		exchange_timeout(c, tx_time);
		return;
	}
	const uint64_t card_time = data[1] == 0x00
					   ? pn532_timing_f_slot0(t) + pn532_timing_f_slot(t)
					   : t->felica_card_us;
	const uint64_t d = tx_time + card_time + pn532_timing_f_frame(t, rlen + 2, kbps) +
			   t->fw_turnaround_us;
	if (!rx_crc_on) {
		pn532_crc_f_append(rx, rlen, rx + rlen);
		rlen += 2;
	}
	finish_exchange(c, d, ST_OK, rx, rlen);
}

static void cmd_in_data_exchange(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	const struct pn532_timing *t = &c->timing;
	if (plen < 1 || plen - 1 > 262) {
		error_frame(c);
		return;
	}
	const uint8_t tgn = p[0] & 0x3F; /* bit 6: more data from the host (chaining) */
	if (tgn != 1 || !c->tg.valid || !c->tg.selected) {
		c->last_error = ST_NOT_IN_CONTEXT;
		respond_status(c, ST_NOT_IN_CONTEXT);
		return;
	}
	const uint8_t *data = p + 1;
	const size_t len = plen - 1;
	struct pn532_card *card = target_card(c);
	if (c->tg.brty != BRTY_A_106) {
		const unsigned kbps = c->tg.brty == BRTY_F_212 ? 212 : 424;
		exchange_f_raw(c, card, data, len, kbps, true,
			       pn532_timing_f_frame(t, len + 2, kbps));
		return;
	}
	if (!c->tg.iso_dep) {
		exchange_a_raw(c, card, data, len, 0, true, true, pn532_timing_a_frame(t, len + 2),
			       true);
		return;
	}
	/* ISO 14443-4: the chip wraps the data in an I-block and unwraps the answer. */
	uint8_t blk[264];
	blk[0] = (uint8_t)(0x02 | c->tg.pcd_block);
	memcpy(blk + 1, data, len);
	uint8_t rx[300];
	size_t rlen = 0;
	bool rcrc = false;
	const uint64_t tx_time = pn532_timing_a_frame(t, len + 3);
	const enum pn532_card_reply r =
		card ? pn532_card_a_frame(card, blk, len + 1, 0, true, rx, sizeof(rx), &rlen, &rcrc)
		     : PN532_REPLY_NONE;
	if (r != PN532_REPLY_DATA || rlen < 1 || (rx[0] & 0xE2) != 0x02) {
		exchange_timeout(c, tx_time);
		return;
	}
	c->tg.pcd_block ^= 1;
	const size_t hdr = (rx[0] & 0x08) ? 2 : 1;
	const uint64_t d = tx_time + pn532_timing_a_fdt(t) + pn532_timing_a_frame(t, rlen + 2) +
			   t->fw_turnaround_us;
	finish_exchange(c, d, ST_OK, rx + hdr, rlen > hdr ? rlen - hdr : 0);
}

static void cmd_in_communicate_thru(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	const struct pn532_timing *t = &c->timing;
	if (plen > 262) {
		error_frame(c);
		return;
	}
	set_field(c, true);
	const uint8_t tx_mode = c->regs[REG_TX_MODE], rx_mode = c->regs[REG_RX_MODE];
	const bool tx_crc = tx_mode & 0x80, rx_crc = rx_mode & 0x80;
	const unsigned framing = tx_mode & 0x03, speed = (tx_mode >> 4) & 0x07;
	const unsigned last_bits = c->regs[REG_BIT_FRAMING] & 0x07;
	struct pn532_card *card = ready_card(c);
	size_t len = plen;

	if (framing == 0 && speed == 0) {
		bool crc_ok = false;
		if (last_bits == 0 && tx_crc) {
			crc_ok = true; /* the chip appends it */
		} else if (last_bits == 0 && pn532_crc_a_check(p, len)) {
			crc_ok = true; /* the host computed it */
			len -= 2;
		}
		const uint64_t tx_time =
			(len == 1 && last_bits) ? pn532_timing_a_short(t)
						: pn532_timing_a_frame(t, plen + (tx_crc ? 2 : 0));
		exchange_a_raw(c, card, p, len, last_bits, crc_ok, rx_crc, tx_time, false);
		return;
	}
	if (framing == 2 && (speed == 1 || speed == 2)) {
		const unsigned kbps = speed == 1 ? 212 : 424;
		const uint64_t tx_time = pn532_timing_f_frame(t, plen + (tx_crc ? 2 : 0), kbps);
		if (!tx_crc) {
			if (!pn532_crc_f_check(p, len)) {
				exchange_timeout(c, tx_time); /* a bad CRC: no card answers */
				return;
			}
			len -= 2;
		}
		exchange_f_raw(c, card, p, len, kbps, rx_crc, tx_time);
		return;
	}
	/* Type B, Jewel's framing, other speeds: nothing in this field answers. */
	exchange_timeout(c, pn532_timing_a_frame(t, plen + 2));
}

/* Puts the selected target to rest (HLTA, or S(DESELECT) for ISO 14443-4). Returns the RF time. */
static uint64_t rest_target(struct pn532_chip *c)
{
	const struct pn532_timing *t = &c->timing;
	if (!c->tg.valid || !c->tg.selected || c->tg.brty != BRTY_A_106)
		return 0;
	struct pn532_card *card = target_card(c);
	uint8_t rx[16];
	size_t rlen;
	bool rcrc;
	if (c->tg.iso_dep) {
		const uint8_t deselect = 0xC2;
		if (card && pn532_card_a_frame(card, &deselect, 1, 0, true, rx, sizeof(rx), &rlen,
					       &rcrc) == PN532_REPLY_DATA)
			return pn532_timing_a_frame(t, 3) * 2 + pn532_timing_a_fdt(t) +
			       t->fw_turnaround_us;
		return pn532_timing_a_frame(t, 3) + t->hlta_wait_us + t->fw_turnaround_us;
	}
	const uint8_t hlta[2] = {0x50, 0x00};
	if (card)
		pn532_card_a_frame(card, hlta, 2, 0, true, rx, sizeof(rx), &rlen, &rcrc);
	return pn532_timing_a_frame(t, 4) + t->hlta_wait_us + t->fw_turnaround_us;
}

static void cmd_in_deselect_release(struct pn532_chip *c, const uint8_t *p, size_t plen,
				    bool release)
{
	if (plen != 1) {
		error_frame(c);
		return;
	}
	const uint8_t tgn = p[0];
	if (tgn > 1 || (tgn == 1 && !c->tg.valid)) {
		respond_status(c, ST_NOT_IN_CONTEXT);
		return;
	}
	const uint64_t d = rest_target(c);
	c->tg.selected = false;
	if (release)
		c->tg.valid = false;
	const uint8_t ok = ST_OK;
	finish(c, add_sat(c->now, d), &ok, 1);
}

static void cmd_in_select(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	if (plen != 1) {
		error_frame(c);
		return;
	}
	if (p[0] != 1 || !c->tg.valid) {
		respond_status(c, ST_NOT_IN_CONTEXT);
		return;
	}
	if (c->tg.selected || c->tg.brty != BRTY_A_106) {
		c->tg.selected = true;
		respond_status(c, ST_OK);
		return;
	}
	set_field(c, true);
	uint8_t init[12], tg[64];
	size_t tg_len = 0;
	uint64_t dur = 0;
	const size_t ilen = cascade_uid(c->tg.uid, c->tg.uid_len, init);
	const bool found = c->tg.gen == c->card_gen &&
			   attempt_a(c, init, ilen, c->tg.iso_dep, false, &dur, tg, &tg_len);
	if (!found && c->tg.gen != c->card_gen)
		dur = pn532_timing_a_short(&c->timing) + c->timing.atqa_wait_us +
		      c->timing.fw_turnaround_us;
	if (found) {
		c->tg.selected = true;
		c->tg.pcd_block = 0;
	}
	const uint8_t status = found ? ST_OK : ST_TIMEOUT;
	finish(c, add_sat(c->now, dur), &status, 1);
}

/* DEP: no NFCIP-1 target ever answers here; the chip gives up after ATR_RES's timeout. */
static void cmd_in_jump(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	if (plen < 3 || p[0] > 1 || p[1] > 2) {
		error_frame(c);
		return;
	}
	set_field(c, true);
	const uint8_t status = ST_TIMEOUT;
	finish(c, add_sat(c->now, pn532_timing_rf_timeout(&c->timing, c->atr_timeout_code)),
	       &status, 1);
}

/* ---- housekeeping commands --------------------------------------------- */

static void cmd_diagnose(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	if (plen < 1) {
		error_frame(c);
		return;
	}
	switch (p[0]) {
	case 0x00: /* communication line test: everything comes back */
		respond(c, p, plen);
		return;
	case 0x01: /* ROM test */
	case 0x02: /* RAM test */
	case 0x07: /* antenna self test */
		respond_status(c, ST_OK);
		return;
	case 0x06: /* card presence */
		respond_status(c, target_card(c) ? ST_OK : ST_TIMEOUT);
		return;
	default:
		error_frame(c);
		return;
	}
}

static void cmd_get_general_status(struct pn532_chip *c)
{
	uint8_t out[8];
	size_t n = 0;
	out[n++] = c->last_error;
	out[n++] = 0x00; /* no external field */
	out[n++] = c->tg.valid ? 1 : 0;
	if (c->tg.valid) {
		const uint8_t br = c->tg.brty == BRTY_A_106 ? 0 : c->tg.brty == BRTY_F_212 ? 1 : 2;
		out[n++] = 0x01;
		out[n++] = br;
		out[n++] = br;
		out[n++] = c->tg.brty == BRTY_A_106 ? 0x00 : 0x10;
	}
	out[n++] = 0x00; /* SAM status */
	respond(c, out, n);
}

static void cmd_read_register(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	uint8_t out[PAYLOAD_MAX];
	if (plen < 2 || plen % 2 || plen / 2 > sizeof(out)) {
		error_frame(c);
		return;
	}
	for (size_t k = 0; k < plen / 2; k++)
		out[k] = c->regs[(uint16_t)(p[2 * k] << 8 | p[2 * k + 1])];
	respond(c, out, plen / 2);
}

static void cmd_write_register(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	if (plen < 3 || plen % 3) {
		error_frame(c);
		return;
	}
	for (size_t k = 0; k < plen; k += 3)
		c->regs[(uint16_t)(p[k] << 8 | p[k + 1])] = p[k + 2];
	respond(c, NULL, 0);
}

static void cmd_rf_configuration(struct pn532_chip *c, const uint8_t *p, size_t plen)
{
	if (plen < 1) {
		error_frame(c);
		return;
	}
	const size_t n = plen - 1;
	switch (p[0]) {
	case 0x01:
		if (n != 1)
			break;
		set_field(c, p[1] & 0x01);
		respond(c, NULL, 0);
		return;
	case 0x02:
		if (n != 3)
			break;
		c->atr_timeout_code = p[2];
		c->retry_timeout_code = p[3];
		respond(c, NULL, 0);
		return;
	case 0x04:
		if (n != 1)
			break;
		c->max_rty_com = p[1];
		respond(c, NULL, 0);
		return;
	case 0x05:
		if (n != 3)
			break;
		c->mx_rty_atr = p[1];
		c->mx_rty_psl = p[2];
		c->mx_rty_passive = p[3];
		respond(c, NULL, 0);
		return;
	case 0x0A: /* analog settings: accepted, no effect on a simulated antenna */
		if (n != 11)
			break;
		respond(c, NULL, 0);
		return;
	case 0x0B:
		if (n != 3)
			break;
		respond(c, NULL, 0);
		return;
	case 0x0C:
		if (n != 1)
			break;
		respond(c, NULL, 0);
		return;
	case 0x0D:
		if (n != 9)
			break;
		respond(c, NULL, 0);
		return;
	default:
		break;
	}
	error_frame(c);
}

static void dispatch(struct pn532_chip *c, uint8_t cmd, const uint8_t *p, size_t plen)
{
	static const uint8_t firmware[4] = {0x32, 0x01, 0x06, 0x07};
	struct job *j = &c->job;
	switch (cmd) {
	case CMD_DIAGNOSE:
		cmd_diagnose(c, p, plen);
		return;
	case CMD_GET_FIRMWARE_VERSION:
		if (plen)
			break;
		respond(c, firmware, sizeof(firmware));
		return;
	case CMD_GET_GENERAL_STATUS:
		if (plen)
			break;
		cmd_get_general_status(c);
		return;
	case CMD_READ_REGISTER:
		cmd_read_register(c, p, plen);
		return;
	case CMD_WRITE_REGISTER:
		cmd_write_register(c, p, plen);
		return;
	case CMD_READ_GPIO: {
		if (plen)
			break;
		const uint8_t gpio[3] = {c->gpio_p3, c->gpio_p7, 0x00};
		respond(c, gpio, sizeof(gpio));
		return;
	}
	case CMD_WRITE_GPIO:
		if (plen != 2)
			break;
		if (p[0] & 0x80)
			c->gpio_p3 = p[0] & 0x3F;
		if (p[1] & 0x80)
			c->gpio_p7 = p[1] & 0x06;
		respond(c, NULL, 0);
		return;
	case CMD_SET_SERIAL_BAUD_RATE:
		if (plen != 1 || p[0] >= sizeof(baud_rates) / sizeof(baud_rates[0]))
			break;
		j->after = AFTER_BAUD;
		j->after_baud = baud_rates[p[0]];
		respond(c, NULL, 0);
		return;
	case CMD_SET_PARAMETERS:
		if (plen != 1)
			break;
		c->params = p[0];
		respond(c, NULL, 0);
		return;
	case CMD_SAM_CONFIGURATION:
		if (plen < 1 || plen > 3 || p[0] < 1 || p[0] > 4 || (p[0] == 2 && plen < 2))
			break;
		c->sam_mode = p[0];
		c->power = PN532_POWER_NORMAL;
		respond(c, NULL, 0);
		return;
	case CMD_POWER_DOWN: {
		if (plen < 1 || plen > 2)
			break;
		j->after = AFTER_POWER_DOWN;
		respond_status(c, ST_OK);
		return;
	}
	case CMD_RF_CONFIGURATION:
		cmd_rf_configuration(c, p, plen);
		return;
	case CMD_IN_LIST_PASSIVE_TARGET:
		cmd_in_list_passive_target(c, p, plen);
		return;
	case CMD_IN_AUTO_POLL:
		cmd_in_auto_poll(c, p, plen);
		return;
	case CMD_IN_DATA_EXCHANGE:
		cmd_in_data_exchange(c, p, plen);
		return;
	case CMD_IN_COMMUNICATE_THRU:
		cmd_in_communicate_thru(c, p, plen);
		return;
	case CMD_IN_DESELECT:
		cmd_in_deselect_release(c, p, plen, false);
		return;
	case CMD_IN_RELEASE:
		cmd_in_deselect_release(c, p, plen, true);
		return;
	case CMD_IN_SELECT:
		cmd_in_select(c, p, plen);
		return;
	case CMD_IN_JUMP_FOR_DEP:
	case CMD_IN_JUMP_FOR_PSL:
		cmd_in_jump(c, p, plen);
		return;
	case CMD_IN_ATR:
	case CMD_IN_PSL:
		if (plen < 2)
			break;
		respond_status(c, ST_NOT_IN_CONTEXT); /* no DEP target to talk to */
		return;
	default:
		break;
	}
	error_frame(c);
}

static void handle_command(struct pn532_chip *c, const uint8_t *data, size_t len)
{
	c->stats.frames++;
	log_frame("from host:", data, len);
	if (c->power == PN532_POWER_LOWVBAT && (len == 0 || data[0] != CMD_SAM_CONFIGURATION)) {
		/* A C106 in LowVBat listens for SAMConfiguration only (AN10609). */
		c->stats.ignored++;
		log_debug("LowVBat: ignored a command other than SAMConfiguration");
		return;
	}
	if (job_active(c)) {
		/* The host has moved on; so does the chip (see docs/simulator.md). */
		c->stats.replaced++;
		job_cancel(c);
	}
	const struct pn532_fault fault = pn532_fault_take(&c->faults);
	if (fault.kind != PN532_FAULT_NONE) {
		c->stats.faults_applied++;
		log_info("fault injected: %s (on command 0x%02x)", pn532_fault_name(fault.kind),
			 len ? data[0] : 0);
	}
	if (fault.kind == PN532_FAULT_SILENCE)
		return;
	if (fault.kind == PN532_FAULT_NACK) {
		uint8_t f[8];
		push_output(c, f, pn532_frame_build_nack(f, sizeof(f)), SIZE_MAX);
		return;
	}
	send_ack(c);
	c->stats.commands++;
	struct job *j = &c->job;
	memset(j, 0, offsetof(struct job, payload));
	j->parked = false;
	j->fault = fault;
	if (len == 0) {
		error_frame(c);
		return;
	}
	j->cmd = data[0];
	dispatch(c, data[0], data + 1, len - 1);
}

static void handle_frame(struct pn532_chip *c, const struct pn532_frame *f)
{
	switch (f->kind) {
	case PN532_FRAME_ACK:
		c->stats.acks++;
		if (job_active(c)) {
			c->stats.aborted++;
			log_debug("host ACK: command 0x%02x aborted", c->job.cmd);
			job_cancel(c);
		}
		break;
	case PN532_FRAME_NACK:
		c->stats.nacks++;
		if (!job_active(c) && c->last_resp_len)
			push_output(c, c->last_resp, c->last_resp_len, SIZE_MAX);
		break;
	case PN532_FRAME_BAD:
		c->stats.bad_frames++;
		/* Logged, rate-limited: a noisy line must not flood the log. */
		if (c->stats.bad_frames <= 10 || c->stats.bad_frames % 1000 == 0)
			log_warn("dropped a malformed frame from the host (%s; %lu so far)",
				 pn532_frame_error_name(f->error), c->stats.bad_frames);
		break;
	case PN532_FRAME_INFO:
		handle_command(c, f->data, f->len);
		break;
	}
}

/* ---- time and input ---------------------------------------------------- */

void pn532_chip_advance(struct pn532_chip *c, uint64_t now)
{
	if (now < c->now)
		now = c->now;
	for (unsigned long guard = 0;; guard++) {
		const uint64_t tj = job_active(c) ? c->job.at : PN532_NEVER;
		const uint64_t tr = c->card_present ? c->card_remove_at : PN532_NEVER;
		const uint64_t next = min_u64(tj, tr);
		if (next > now || next == PN532_NEVER)
			break;
		if (guard > ADVANCE_GUARD) {
			/* Cannot happen; if it does, drop the job rather than spin. */
			log_error("pn532 simulator: command 0x%02x made no progress; dropped",
				  c->job.cmd);
			job_cancel(c);
			continue;
		}
		if (next > c->now)
			c->now = next;
		if (tr <= tj) {
			remove_card_now(c);
			job_replan(c);
			continue;
		}
		job_step(c);
	}
	c->now = now;
}

static void wake_up(struct pn532_chip *c)
{
	c->asleep = false;
	c->awake_at = add_sat(c->now, c->timing.wakeup_us);
	if (c->power == PN532_POWER_POWERDOWN)
		c->power = PN532_POWER_NORMAL;
	c->stats.preamble_bytes += c->parser.preamble_bytes;
	c->stats.junk_bytes += c->parser.junk_bytes;
	pn532_parser_init(&c->parser);
	log_debug("woken up by the host (0x55)");
}

void pn532_chip_receive(struct pn532_chip *c, uint64_t now, const uint8_t *buf, size_t n)
{
	pn532_chip_advance(c, now);
	for (size_t i = 0; i < n; i++) {
		const uint8_t b = buf[i];
		c->stats.bytes_in++;
		if (c->asleep) {
			if (b == 0x55)
				wake_up(c);
			else
				c->stats.dropped_asleep++;
			continue;
		}
		if (c->now < c->awake_at) {
			c->stats.dropped_asleep++;
			continue;
		}
		pn532_parser_push(&c->parser, b);
		struct pn532_frame f;
		while (pn532_parser_next(&c->parser, &f))
			handle_frame(c, &f);
		pn532_chip_advance(c, c->now);
	}
}

uint64_t pn532_chip_next_event(const struct pn532_chip *c)
{
	uint64_t next = job_active(c) ? c->job.at : PN532_NEVER;
	if (c->card_present)
		next = min_u64(next, c->card_remove_at);
	if (c->out_count)
		next = min_u64(next, c->out[c->out_head].due);
	return next;
}

bool pn532_chip_pop_output(struct pn532_chip *c, uint64_t now, struct pn532_output *out)
{
	if (c->out_count == 0 || c->out[c->out_head].due > now)
		return false;
	*out = c->out[c->out_head];
	c->out_head = (c->out_head + 1) % OUTQ;
	c->out_count--;
	return true;
}

/* ---- the world around the chip ---------------------------------------- */

int pn532_chip_place_card(struct pn532_chip *c, uint64_t now, const struct pn532_card *card,
			  uint64_t remove_at)
{
	pn532_chip_advance(c, now);
	if (c->card_present)
		remove_card_now(c);
	c->card = *card;
	c->card.state = PN532_CARD_POWER_OFF;
	c->card_present = true;
	c->card_gen++;
	c->card_remove_at = remove_at;
	c->card_powered_at = PN532_NEVER;
	update_card_power(c);
	log_info("card placed in the field (%s)", pn532_card_type_name(card->type));
	job_replan(c);
	pn532_chip_advance(c, c->now);
	return 0;
}

bool pn532_chip_remove_card(struct pn532_chip *c, uint64_t now)
{
	pn532_chip_advance(c, now);
	if (!c->card_present)
		return false;
	remove_card_now(c);
	job_replan(c);
	pn532_chip_advance(c, c->now);
	return true;
}

int pn532_chip_hold(struct pn532_chip *c, uint64_t now, uint64_t extra_us, uint64_t *remove_at)
{
	pn532_chip_advance(c, now);
	if (!c->card_present)
		return -1;
	uint64_t base = c->card_remove_at == PN532_NEVER ? c->now : c->card_remove_at;
	if (base < c->now)
		base = c->now;
	c->card_remove_at = add_sat(base, extra_us);
	if (remove_at)
		*remove_at = c->card_remove_at;
	return 0;
}

int pn532_chip_add_fault(struct pn532_chip *c, struct pn532_fault f, uint32_t count)
{
	return pn532_fault_push(&c->faults, f, count);
}

unsigned long pn532_chip_faults_pending(const struct pn532_chip *c)
{
	return pn532_fault_pending(&c->faults);
}

void pn532_chip_link_reset(struct pn532_chip *c, uint64_t now)
{
	pn532_chip_advance(c, now);
	c->stats.preamble_bytes += c->parser.preamble_bytes;
	c->stats.junk_bytes += c->parser.junk_bytes;
	pn532_parser_init(&c->parser);
	job_cancel(c);
	c->out_count = 0;
	c->out_head = 0;
	c->stats.link_resets++;
}

void pn532_chip_stats(const struct pn532_chip *c, struct pn532_stats *out)
{
	*out = c->stats;
	out->preamble_bytes += c->parser.preamble_bytes;
	out->junk_bytes += c->parser.junk_bytes;
}

const struct pn532_timing *pn532_chip_timing(const struct pn532_chip *c)
{
	return &c->timing;
}

uint8_t pn532_chip_register(const struct pn532_chip *c, uint16_t addr)
{
	return c->regs[addr];
}

bool pn532_chip_field_on(const struct pn532_chip *c)
{
	return c->field_on;
}

enum pn532_power pn532_chip_power(const struct pn532_chip *c)
{
	return c->power;
}

const char *pn532_chip_power_name(enum pn532_power p)
{
	switch (p) {
	case PN532_POWER_LOWVBAT:
		return "lowvbat";
	case PN532_POWER_NORMAL:
		return "normal";
	case PN532_POWER_POWERDOWN:
		return "powerdown";
	}
	return "?";
}

bool pn532_chip_asleep(const struct pn532_chip *c)
{
	return c->asleep;
}

bool pn532_chip_busy(const struct pn532_chip *c)
{
	return job_active(c);
}

const struct pn532_card *pn532_chip_card(const struct pn532_chip *c)
{
	return c->card_present ? &c->card : NULL;
}

uint32_t pn532_chip_baud(const struct pn532_chip *c)
{
	return c->baud;
}
