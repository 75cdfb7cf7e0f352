/*
 * nfc: picks the backend a connection string names and forwards to it.
 */
#include "nfc.h"
#include "nfc_backend.h"
#include "nfc_libnfc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nfc_reader {
	const struct nfc_backend_ops *ops;
	void *impl;
};

static const struct nfc_backend_ops *const backends[] = {
	&nfc_fake_backend,
	&nfc_libnfc_pn532_uart_backend,
	&nfc_libnfc_pn532_i2c_backend,
	&nfc_libnfc_pn532_spi_backend,
	&nfc_libnfc_acr122_usb_backend,
	&nfc_libnfc_pn53x_usb_backend,
};

void nfc_global_init(void) { nfc_libnfc_global_init(); }

const char *const *nfc_driver_names(void)
{
	static const char *names[sizeof(backends) / sizeof(backends[0]) + 1];
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		names[i] = backends[i]->driver;
	return names;
}

int nfc_driver_needs_device(const char *driver)
{
	size_t len = strlen(driver);
	return !(len > 4 && strcmp(driver + len - 4, "_usb") == 0);
}

struct nfc_reader *nfc_reader_open(const char *connection, char *err, size_t errlen)
{
	const char *colon = strchr(connection, ':');
	size_t driver_len = colon ? (size_t)(colon - connection) : strlen(connection);
	const char *args = colon ? colon + 1 : "";

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const struct nfc_backend_ops *ops = backends[i];
		if (strlen(ops->driver) != driver_len || strncmp(ops->driver, connection, driver_len) != 0)
			continue;
		void *impl = ops->open(args, err, errlen);
		if (!impl)
			return NULL;
		struct nfc_reader *reader = calloc(1, sizeof(*reader));
		if (!reader) {
			ops->close(impl);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		reader->ops = ops;
		reader->impl = impl;
		return reader;
	}
	snprintf(err, errlen, "reader driver \"%.*s\" is not supported by this build",
		 (int)(driver_len > 32 ? 32 : driver_len), connection);
	return NULL;
}

int nfc_reader_poll(struct nfc_reader *reader, int timeout_ms, struct nfc_card *card,
		    char *err, size_t errlen)
{
	char scratch[8];
	if (!err) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = '\0';
	int r = reader->ops->poll(reader->impl, timeout_ms, card, err, errlen);
	if (r == NFC_POLL_CARD && !nfc_uid_length_valid(card->tech, card->uid_len)) {
		/* Never hand on a UID no real card could have. */
		snprintf(err, errlen, "reader returned a %s UID of %zu bytes; ignored",
			 nfc_tech_name(card->tech), card->uid_len);
		memset(card, 0, sizeof(*card));
		return NFC_POLL_NONE;
	}
	return r;
}

void nfc_reader_abort(struct nfc_reader *reader) { reader->ops->abort(reader->impl); }

void nfc_reader_close(struct nfc_reader *reader)
{
	if (!reader)
		return;
	reader->ops->close(reader->impl);
	free(reader);
}

int nfc_uid_length_valid(enum nfc_tech tech, size_t uid_len)
{
	switch (tech) {
	case NFC_TECH_ISO14443A:
		return uid_len == 4 || uid_len == 7 || uid_len == 10;
	case NFC_TECH_FELICA:
		return uid_len == 8;
	}
	return 0;
}

const char *nfc_tech_name(enum nfc_tech tech)
{
	switch (tech) {
	case NFC_TECH_ISO14443A:
		return "iso14443a";
	case NFC_TECH_FELICA:
		return "felica";
	}
	return "unknown";
}
