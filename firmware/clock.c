/*
 * clock: see clock.h.
 */
#include "clock.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static void (*test_source)(struct clock_reading *out);

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_read(struct clock_reading *out)
{
	if (test_source) {
		test_source(out);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	out->wall = (int64_t)ts.tv_sec;
	out->boot_ms = clock_ms(CLOCK_BOOTTIME);
}

int64_t clock_monotonic_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

void clock_set_test_source(void (*source)(struct clock_reading *out)) { test_source = source; }

static char boot_id[CLOCK_BOOT_ID_LEN + 1];
static pthread_once_t boot_id_once = PTHREAD_ONCE_INIT;

static void boot_id_load(void)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, boot_id, CLOCK_BOOT_ID_LEN);
		close(fd);
		if (n == CLOCK_BOOT_ID_LEN) {
			boot_id[CLOCK_BOOT_ID_LEN] = '\0';
			return;
		}
	}
	/* No /proc: an id of our own, so events of this process still match. */
	unsigned char r[16] = {0};
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0x5a, sizeof(r));
	for (size_t i = 0, o = 0; i < sizeof(r); i++) {
		o += (size_t)snprintf(boot_id + o, sizeof(boot_id) - o, "%02x", r[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			boot_id[o++] = '-';
	}
	boot_id[CLOCK_BOOT_ID_LEN] = '\0';
}

const char *clock_boot_id(void)
{
	pthread_once(&boot_id_once, boot_id_load);
	return boot_id;
}

bool clock_synchronized(void)
{
	struct stat st;
	const char *flag = getenv("KIOSKD_TIMESYNC_FLAG");
	if (flag && *flag)
		return stat(flag, &st) == 0;
	if (stat("/run/systemd/timesync/synchronized", &st) == 0)
		return true;
	struct timex tx;
	memset(&tx, 0, sizeof(tx)); /* modes = 0: read only */
	int state = adjtimex(&tx);
	return state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}
