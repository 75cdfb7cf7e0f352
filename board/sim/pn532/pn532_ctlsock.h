/*
 * pn532_ctlsock: the Unix socket that carries the control protocol
 * (pn532_control.h), server and client side. Line-oriented, non-blocking,
 * bounded: a client may keep its connection and send many lines; a line
 * longer than PN532_CTL_LINE_MAX gets an error answer and is skipped to
 * its newline; a client that does not read its answers is dropped rather
 * than let its backlog grow.
 *
 * The socket file is created mode 0600. A stale socket left by a killed
 * simulator is replaced; a live one (something answers on it) is not, so
 * two simulators never share a control path.
 */
#ifndef PN532_CTLSOCK_H
#define PN532_CTLSOCK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "pn532_control.h"

#define PN532_CTLSOCK_CLIENTS 16
#define PN532_CTLSOCK_OUT 8192

struct pn532_ctlsock_client {
	int fd;
	bool discarding; /* skipping the rest of an over-long line */
	size_t in_len, out_len;
	char in[PN532_CTL_LINE_MAX + 1];
	char out[PN532_CTLSOCK_OUT];
};

struct pn532_ctlsock {
	int listen_fd;
	char path[108];
	struct pn532_ctlsock_client clients[PN532_CTLSOCK_CLIENTS];
};

/* Answers one complete line. */
typedef void (*pn532_ctlsock_handler)(void *arg, const char *line, char *answer, size_t cap);

/* Binds and listens on path. Returns 0, or -1 with a message in err. */
int pn532_ctlsock_listen(struct pn532_ctlsock *s, const char *path, char *err, size_t errlen);
/* Closes every connection and removes the socket file. */
void pn532_ctlsock_close(struct pn532_ctlsock *s);

/* Fills pollfds for the listener and each client; returns how many. */
size_t pn532_ctlsock_pollfds(const struct pn532_ctlsock *s, struct pollfd *fds, size_t cap);
/* Handles what poll() reported on those pollfds (same order, same count). */
void pn532_ctlsock_service(struct pn532_ctlsock *s, const struct pollfd *fds, size_t n,
			   pn532_ctlsock_handler handler, void *arg);

/*
 * Client: sends one line (without newline) to the socket at path and reads
 * one answer line (without newline) into answer. Returns 0, or -1 with a
 * message in err (cannot connect, no answer within timeout_ms).
 */
int pn532_ctlsock_request(const char *path, const char *line, char *answer, size_t cap,
			  int timeout_ms, char *err, size_t errlen);

#endif
