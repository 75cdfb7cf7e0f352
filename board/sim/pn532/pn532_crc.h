/*
 * pn532_crc: the two RF checksums the simulated chip and cards need.
 *
 * CRC_A (ISO/IEC 14443-3): CRC-16 with the reflected polynomial 0x8408,
 * initial value 0x6363, sent least significant byte first.
 * FeliCa (JIS X 6319-4): CRC-16/CCITT, polynomial 0x1021, initial value
 * 0x0000, not reflected, sent most significant byte first.
 *
 * The chip appends or checks these when the host turns the CIU's CRC off
 * (TxMode/RxMode bit 7) and talks to a card through InCommunicateThru.
 */
#ifndef PN532_CRC_H
#define PN532_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint16_t pn532_crc_a(const uint8_t *data, size_t len);
/* Writes the two CRC_A bytes (LSB first) to out. */
void pn532_crc_a_append(const uint8_t *data, size_t len, uint8_t out[2]);
/* True if the last two bytes of data are the CRC_A of the bytes before. */
bool pn532_crc_a_check(const uint8_t *data, size_t len);

uint16_t pn532_crc_f(const uint8_t *data, size_t len);
void pn532_crc_f_append(const uint8_t *data, size_t len, uint8_t out[2]);
bool pn532_crc_f_check(const uint8_t *data, size_t len);

#endif
