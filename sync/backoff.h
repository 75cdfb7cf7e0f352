/*
 * backoff: when to try the office again after a failure.
 *
 * Exponential backoff with "full jitter" (AWS Architecture Blog, 2015): the
 * n-th consecutive failure waits a uniformly random time in
 * [0, min(cap, base * 2^(n-1))]. Jitter spreads a fleet of kiosks that lost
 * the office at the same moment (a power cut, an office restart), so they do
 * not all come back at once; the cap keeps a kiosk that was offline for days
 * from waiting hours after the network returns. A Retry-After from the
 * office is a floor under the jittered delay. Pure: the random number is
 * the caller's, so tests can fix it.
 */
#ifndef SYNC_BACKOFF_H
#define SYNC_BACKOFF_H

#include <stdint.h>

/*
 * The delay in milliseconds before the next attempt after `failures`
 * consecutive failures (1 for the first). random is uniform in [0, 1).
 * retry_after_ms is the office's Retry-After (0 if none), honoured up to
 * an hour.
 */
int64_t backoff_delay_ms(int64_t base_ms, int64_t cap_ms, int64_t failures, double random,
			 int64_t retry_after_ms);

#define BACKOFF_RETRY_AFTER_MAX_MS (3600 * 1000)

#endif
