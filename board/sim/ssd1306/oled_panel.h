/*
 * oled_panel: a virtual SSD1306 or SH1106 128x64 panel, for the simulated
 * board. It takes the I2C transfers a driver writes, exactly as the chip
 * would (control bytes, commands with their arguments, addressing modes,
 * display RAM), rebuilds the panel's RAM from them, and shows what the glass
 * would show. Tests compare that with the canvas the kiosk drew, so they see
 * what the driver's bytes draw, not what the driver meant.
 *
 * It is strict where a real chip is merely undefined, so driver bugs are
 * loud: a transfer is REJECTED (and nothing of it applied after the fault)
 * when it
 *   - writes display RAM before the panel was initialised (multiplex ratio
 *     and charge pump / DC-DC set, as every init sequence does first);
 *   - addresses a page beyond 7 or a column beyond the RAM (127; 131 on
 *     the SH1106), or gives an address window that ends before it starts;
 *   - uses a command the chip does not have (0x20/0x21/0x22 on the SH1106,
 *     scrolling, an unknown byte), or ends in the middle of a command's
 *     arguments;
 *   - writes data past the end of a page in page addressing mode;
 *   - is empty, or has a control byte other than 0x00, 0x40, 0x80, 0xC0.
 * A transfer to another address is not acknowledged (NAK).
 *
 * Orientation (a convention of this simulation, matching how modules are
 * usually mounted): with segment remap 0xA1 RAM column c is glass column c
 * (c - 2 on the SH1106), with 0xA0 it is 127 - c (129 - c); with COM scan
 * 0xC8 RAM row r is glass row r, with 0xC0 it is 63 - r.
 */
#ifndef KIOSK_SIM_OLED_PANEL_H
#define KIOSK_SIM_OLED_PANEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PANEL_WIDTH 128
#define PANEL_HEIGHT 64
#define PANEL_PAGES 8
#define PANEL_RAM_COLUMNS 132

enum panel_chip { PANEL_SSD1306, PANEL_SH1106 };

enum panel_answer { PANEL_ACK = 0, PANEL_NACK = 1, PANEL_REJECT = 2 };

struct oled_panel {
	enum panel_chip chip;
	uint8_t address;
	uint8_t ram[PANEL_PAGES][PANEL_RAM_COLUMNS];

	/* state set by commands */
	bool multiplex_set, power_set; /* the init sequence's first duties */
	bool display_on, inverted, entire_on;
	bool seg_remap, com_reverse; /* 0xA1, 0xC8 */
	uint8_t contrast;
	uint8_t start_line;
	uint8_t addressing; /* 0 horizontal, 1 vertical, 2 page */
	uint8_t col_start, col_end, page_start, page_end;
	uint8_t col, page; /* the RAM pointer */

	/* counters */
	uint64_t transfers, bytes, data_bytes, rejected;
	char last_error[160];
};

void oled_panel_init(struct oled_panel *p, enum panel_chip chip, uint8_t address);

/* One I2C write transfer. REJECT leaves the reason in p->last_error. */
enum panel_answer oled_panel_transfer(struct oled_panel *p, uint8_t address, const uint8_t *data,
				      size_t len);

/* What the glass shows: view[y][x] is 1 for a lit pixel. */
void oled_panel_view(const struct oled_panel *p, uint8_t view[PANEL_HEIGHT][PANEL_WIDTH]);

/* The RAM byte behind visible RAM column x (0..127) of page pg. */
uint8_t oled_panel_ram_at(const struct oled_panel *p, int pg, int x);

#endif
