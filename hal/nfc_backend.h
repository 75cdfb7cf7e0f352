/*
 * nfc_backend: what a reader backend provides to hal/nfc.c. Not for users of
 * the reader; they include nfc.h.
 */
#ifndef KIOSK_HAL_NFC_BACKEND_H
#define KIOSK_HAL_NFC_BACKEND_H

#include "nfc.h"

struct nfc_backend_ops {
	const char *driver; /* the connection string's prefix, e.g. "fake" */
	/* args is the connection string after "driver:". */
	void *(*open)(const char *args, char *err, size_t errlen);
	int (*poll)(void *impl, int timeout_ms, struct nfc_card *card, char *err, size_t errlen);
	void (*abort)(void *impl);
	void (*close)(void *impl);
};

extern const struct nfc_backend_ops nfc_fake_backend;
extern const struct nfc_backend_ops nfc_libnfc_pn532_uart_backend;
extern const struct nfc_backend_ops nfc_libnfc_pn532_i2c_backend;
extern const struct nfc_backend_ops nfc_libnfc_pn532_spi_backend;
extern const struct nfc_backend_ops nfc_libnfc_acr122_usb_backend;
extern const struct nfc_backend_ops nfc_libnfc_pn53x_usb_backend;

#endif
