/*
 * pn532_pty: the simulated board's serial port, a pseudo-terminal, and the
 * stable path clients open to reach it.
 *
 * The simulator holds the master and also keeps the slave open itself:
 * without an open slave, reads on the master fail with EIO whenever no
 * client has the port open (between two libnfc sessions). The slave is put
 * in raw mode (cfmakeraw) so no line discipline touches PN532 frames.
 *
 * The link is a symlink to the slave (/dev/pts/N changes from run to run);
 * it is replaced atomically (a new symlink renamed over the old one), so a
 * restarted simulator takes the same path over, and a client never sees
 * the path missing. The link is only ever created over nothing or over a
 * symlink: an existing regular file or directory is left alone.
 */
#ifndef PN532_PTY_H
#define PN532_PTY_H

#include <stddef.h>

struct pn532_pty {
	int master; /* non-blocking, close-on-exec */
	int slave;  /* held open, never read */
	char path[64];
};

/* Opens a new pty. Returns 0, or -1 with a message in err. */
int pn532_pty_open(struct pn532_pty *p, char *err, size_t errlen);
/* Closes both sides: clients see a hang-up. */
void pn532_pty_close(struct pn532_pty *p);

/* Points link at target, atomically. Returns 0, or -1 with a message in err. */
int pn532_link_point(const char *link, const char *target, char *err, size_t errlen);
/* Removes link if it still points at target (another simulator may own it now). */
void pn532_link_remove(const char *link, const char *target);

#endif
