/*
 * clock: the one place kioskd learns the time.
 *
 * A Raspberry Pi has no real-time clock: until NTP syncs, the wall clock may
 * be hours or years off, and it may jump when it syncs. So every event is
 * stamped with both the wall clock and CLOCK_BOOTTIME (which never jumps)
 * together with the boot it belongs to; within one boot, the time between
 * two events is measured on CLOCK_BOOTTIME and no wall-clock jump can make a
 * handout look older or newer than it is (see policy.h).
 *
 * Tests drive the real binaries' clock with libfaketime; unit tests may
 * install their own source with clock_set_test_source().
 */
#ifndef KIOSK_CLOCK_H
#define KIOSK_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_BOOT_ID_LEN 36 /* a UUID as Linux prints it */

struct clock_reading {
	int64_t wall;    /* CLOCK_REALTIME, Unix seconds */
	int64_t boot_ms; /* CLOCK_BOOTTIME, milliseconds since boot */
};

/* The current time on both clocks. */
void clock_read(struct clock_reading *out);

/* CLOCK_MONOTONIC in milliseconds: for timeouts and debounce, not for logs. */
int64_t clock_monotonic_ms(void);

/*
 * This boot's id from /proc/sys/kernel/random/boot_id (read once), or a
 * per-process random id if /proc is not readable (then elapsed times are
 * only trusted within this process).
 */
const char *clock_boot_id(void);

/*
 * Whether the system clock is synchronized. If the environment variable
 * KIOSKD_TIMESYNC_FLAG names a file, only that file's existence counts (tests,
 * and sandboxes where adjtimex is filtered). Otherwise systemd-timesyncd's
 * /run/systemd/timesync/synchronized, then adjtimex(2) without STA_UNSYNC.
 */
bool clock_synchronized(void);

/* Unit-test hook: replaces clock_read(); NULL restores the real clocks. */
void clock_set_test_source(void (*source)(struct clock_reading *out));

#endif
