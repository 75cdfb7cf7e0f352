/*
 * sd_notify: systemd's service notification protocol (sd_notify(3)),
 * spoken directly: one datagram of "KEY=VALUE" lines to the AF_UNIX socket
 * named in $NOTIFY_SOCKET. No libsystemd: the protocol is a stable,
 * documented datagram, and the daemons then build, run and are tested
 * without systemd (the watchdog test is a Python listener).
 *
 * Contract: every function is a no-op returning 0 when $NOTIFY_SOCKET is
 * unset (not started by systemd), so callers never need to ask first.
 * Nothing sent may carry a card UID, a token or a key: STATUS= lines end
 * up in `systemctl status` and the journal.
 */
#ifndef KIOSK_SD_NOTIFY_H
#define KIOSK_SD_NOTIFY_H

#include <stdint.h>

/*
 * Sends `message` (one or more "KEY=VALUE" lines, e.g. "READY=1") to
 * $NOTIFY_SOCKET. A path, or an abstract socket when it starts with '@'.
 * Returns 1 if sent, 0 if there is no socket to send to, -1 on error
 * (errno set; the caller logs it, a daemon never stops over it).
 */
int sd_notify_send(const char *message);

/* sd_notify_send() of a printf-formatted message (at most 512 bytes). */
int sd_notify_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The watchdog interval systemd expects keep-alives within, in
 * microseconds, from $WATCHDOG_USEC; 0 if the watchdog is off for this
 * process: unset, unparsable, zero, or $WATCHDOG_PID naming another process
 * (the variables were inherited by a child systemd did not start).
 */
uint64_t sd_watchdog_usec(void);

/*
 * Half of sd_watchdog_usec() in milliseconds (at least 1), for a poll(2)
 * timeout between keep-alives; -1 (wait forever) when the watchdog is off.
 */
int sd_watchdog_poll_ms(void);

#endif
