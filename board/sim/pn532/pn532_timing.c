/*
 * pn532_timing: see pn532_timing.h for the figures and their sources.
 */
#include "pn532_timing.h"

void pn532_timing_init(struct pn532_timing *t, bool paced)
{
	t->paced = paced;
	if (!paced) {
		t->wakeup_us = 0;
		t->card_ready_us = 0;
		t->fw_turnaround_us = 0;
		t->atqa_wait_us = 0;
		t->hlta_wait_us = 0;
		t->autopoll_unit_us = 0;
		t->felica_card_us = 0;
		return;
	}
	/*
	 * libnfc sends 0x55 0x55 and 14 x 0x00 (16 bytes, 1.39 ms at 115200)
	 * before the first frame; the chip must be listening again by then,
	 * so its wake-up time is below that. 1 ms loses the preamble's tail
	 * and none of the frame, as on a real board.
	 */
	t->wakeup_us = 1000;
	t->card_ready_us = 5000;
	/*
	 * The 80C51 at 27.12 MHz reprograms the CIU and moves the FIFO between
	 * frames; instruction counts put that near 0.1 ms. No document gives
	 * it, so the simulator charges 0.5 ms per RF exchange.
	 */
	t->fw_turnaround_us = 500;
	/*
	 * An ATQA starts 91 us after REQA and lasts 189 us; the PN532's wait
	 * for one is undocumented. 1 ms is about three times what is needed.
	 */
	t->atqa_wait_us = 1000;
	t->hlta_wait_us = 1000;
	t->autopoll_unit_us = 150000;
	/* The shortest response-time unit FeliCa's PMm can express: 256 x 16 / fc. */
	t->felica_card_us = pn532_timing_fc(t, 256 * 16);
}

uint64_t pn532_timing_fc(const struct pn532_timing *t, uint64_t cycles)
{
	if (!t->paced)
		return 0;
	return (cycles * 1000000ULL + PN532_FC_HZ - 1) / PN532_FC_HZ;
}

uint64_t pn532_timing_a_frame(const struct pn532_timing *t, size_t nbytes)
{
	return pn532_timing_fc(t, (2 + 9 * (uint64_t)nbytes) * 128);
}

uint64_t pn532_timing_a_short(const struct pn532_timing *t)
{
	return pn532_timing_fc(t, 9 * 128);
}

uint64_t pn532_timing_a_nibble(const struct pn532_timing *t)
{
	return pn532_timing_fc(t, 6 * 128);
}

uint64_t pn532_timing_a_fdt(const struct pn532_timing *t)
{
	return pn532_timing_fc(t, 1236);
}

uint64_t pn532_timing_f_frame(const struct pn532_timing *t, size_t nbytes, unsigned kbps)
{
	const uint64_t bit = kbps >= 424 ? 32 : 64;
	return pn532_timing_fc(t, (48 + 16 + 8 * (uint64_t)nbytes) * bit);
}

uint64_t pn532_timing_f_slot0(const struct pn532_timing *t)
{
	return pn532_timing_fc(t, 32768);
}

uint64_t pn532_timing_f_slot(const struct pn532_timing *t)
{
	return pn532_timing_fc(t, 16384);
}

uint64_t pn532_timing_rf_timeout(const struct pn532_timing *t, uint8_t code)
{
	if (code == 0)
		return UINT64_MAX;
	if (!t->paced)
		return 0;
	if (code > 16)
		code = 16;
	return 100ULL << (code - 1);
}

uint64_t pn532_timing_uart_done(const struct pn532_timing *t, uint32_t baud, uint64_t start,
				uint64_t k)
{
	if (!t->paced || baud == 0)
		return start;
	return start + (k * 10ULL * 1000000ULL + baud - 1) / baud;
}
