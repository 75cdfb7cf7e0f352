/*
 * backoff: see backoff.h.
 */
#include "backoff.h"

int64_t backoff_delay_ms(int64_t base_ms, int64_t cap_ms, int64_t failures, double random,
			 int64_t retry_after_ms)
{
	if (base_ms < 1)
		base_ms = 1;
	if (cap_ms < base_ms)
		cap_ms = base_ms;
	if (failures < 1)
		failures = 1;
	/* base * 2^(failures-1), without overflowing: stop doubling at the cap. */
	int64_t ceiling = base_ms;
	for (int64_t i = 1; i < failures && ceiling < cap_ms; i++)
		ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (random < 0)
		random = 0;
	if (random >= 1)
		random = 0.999999;
	int64_t delay = (int64_t)(random * (double)(ceiling + 1));
	if (retry_after_ms > BACKOFF_RETRY_AFTER_MAX_MS)
		retry_after_ms = BACKOFF_RETRY_AFTER_MAX_MS;
	if (delay < retry_after_ms)
		delay = retry_after_ms;
	return delay;
}
