/*
 * pn532_crc: see pn532_crc.h. Bitwise loops: the frames are a few dozen
 * bytes, so a table would buy nothing but size.
 */
#include "pn532_crc.h"

uint16_t pn532_crc_a(const uint8_t *data, size_t len)
{
	uint16_t crc = 0x6363;
	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
	}
	return crc;
}

void pn532_crc_a_append(const uint8_t *data, size_t len, uint8_t out[2])
{
	const uint16_t crc = pn532_crc_a(data, len);
	out[0] = (uint8_t)(crc & 0xFF);
	out[1] = (uint8_t)(crc >> 8);
}

bool pn532_crc_a_check(const uint8_t *data, size_t len)
{
	if (len < 3)
		return false;
	uint8_t crc[2];
	pn532_crc_a_append(data, len - 2, crc);
	return crc[0] == data[len - 2] && crc[1] == data[len - 1];
}

uint16_t pn532_crc_f(const uint8_t *data, size_t len)
{
	uint16_t crc = 0x0000;
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(data[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

void pn532_crc_f_append(const uint8_t *data, size_t len, uint8_t out[2])
{
	const uint16_t crc = pn532_crc_f(data, len);
	out[0] = (uint8_t)(crc >> 8);
	out[1] = (uint8_t)(crc & 0xFF);
}

bool pn532_crc_f_check(const uint8_t *data, size_t len)
{
	if (len < 3)
		return false;
	uint8_t crc[2];
	pn532_crc_f_append(data, len - 2, crc);
	return crc[0] == data[len - 2] && crc[1] == data[len - 1];
}
