/*
 * policy: see policy.h. No I/O here.
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "tz.h"

#define SECONDS_PER_DAY 86400

int64_t policy_effective_time(const struct policy_handout *h, int64_t now)
{
	if (h->age >= 0)
		return now - h->age;
	return h->at < now ? h->at : now;
}

static int compare_times(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Rolling window (now - P, now]: a handout exactly P seconds old has expired. */
static struct policy_decision decide_rolling(const struct policy_rules *rules,
					     const struct policy_input *in, int64_t *times)
{
	struct policy_decision d = {.outcome = POLICY_GRANT};
	int64_t period = (int64_t)rules->period_days * SECONDS_PER_DAY;
	size_t in_window = 0;

	for (size_t i = 0; i < in->n_handouts; i++) {
		int64_t t = policy_effective_time(&in->handouts[i], in->now);
		if (in->now - t < period)
			times[in_window++] = t;
	}
	if (in_window < rules->limit)
		return d;
	/* The handouts that must expire before one more is allowed. */
	qsort(times, in_window, sizeof(times[0]), compare_times);
	d.outcome = POLICY_DENY_LIMIT;
	d.next_eligible = times[in_window - rules->limit] + period;
	return d;
}

static struct policy_decision decide_month(const struct policy_rules *rules,
					   const struct policy_input *in)
{
	struct policy_decision d = {.outcome = POLICY_GRANT};
	struct tm now_tm, t_tm;
	size_t this_month = 0;

	tz_localtime(rules->timezone, in->now, &now_tm);
	for (size_t i = 0; i < in->n_handouts; i++) {
		int64_t t = policy_effective_time(&in->handouts[i], in->now);
		tz_localtime(rules->timezone, t, &t_tm);
		if (t_tm.tm_year == now_tm.tm_year && t_tm.tm_mon == now_tm.tm_mon)
			this_month++;
	}
	if (this_month < rules->limit)
		return d;
	d.outcome = POLICY_DENY_LIMIT;
	d.next_eligible = tz_next_month_start(rules->timezone, in->now);
	return d;
}

/* The handout this tap repeats, or NULL. */
static const struct policy_handout *same_tap_as_handout(const struct policy_rules *rules,
							const struct policy_input *in)
{
	const struct policy_handout *newest = NULL;
	for (size_t i = 0; i < in->n_handouts; i++) {
		const struct policy_handout *h = &in->handouts[i];
		if (h->age >= 0 && !h->restamped && h->age < (int64_t)rules->debounce_seconds &&
		    (!newest || h->age < newest->age))
			newest = h;
	}
	return newest;
}

struct policy_decision policy_decide(const struct policy_rules *rules, const struct policy_input *in)
{
	struct policy_decision d = {.outcome = POLICY_GRANT};

	if (in->card.unusable) {
		d.outcome = POLICY_DENY_UNUSABLE_CARD;
		return d;
	}
	if (in->card.staff) {
		d.outcome = POLICY_STAFF;
		return d;
	}
	if (in->card.revoked) {
		d.outcome = POLICY_DENY_REVOKED;
		return d;
	}
	if (rules->accept == ACCEPT_ISSUED && !in->card.issued) {
		d.outcome = POLICY_DENY_NOT_ISSUED;
		return d;
	}
	const struct policy_handout *repeated = same_tap_as_handout(rules, in);
	if (repeated) {
		d.repeat = true;
		d.repeat_seq = repeated->seq;
		return d;
	}
	if (rules->limit > 0 && in->n_handouts >= rules->limit) {
		if (rules->period == POLICY_PERIOD_MONTH) {
			d = decide_month(rules, in);
		} else {
			int64_t *times = malloc(in->n_handouts * sizeof(*times));
			if (!times) {
				/* Cannot count: err toward the person, never lock her out. */
				d.outcome = POLICY_GRANT;
			} else {
				d = decide_rolling(rules, in, times);
				free(times);
			}
		}
		if (d.outcome != POLICY_GRANT)
			return d;
	}
	if (in->stock <= 0) {
		d.outcome = POLICY_DENY_OUT_OF_STOCK;
		return d;
	}
	return d;
}

int64_t policy_history_seconds(const struct policy_rules *rules)
{
	/* A calendar month is at most 31 days plus an hour (a DST fall-back); 32 covers it. */
	int64_t days = rules->period == POLICY_PERIOD_MONTH ? 32 : (int64_t)rules->period_days;
	int64_t seconds = days * SECONDS_PER_DAY;
	if (seconds < (int64_t)rules->debounce_seconds)
		seconds = rules->debounce_seconds;
	return seconds;
}

bool policy_same_tap(const struct policy_rules *rules, const struct policy_last_tap *last,
		     const card_id_t *id, bool unusable, int64_t now_ms)
{
	if (!last->valid || last->staff)
		return false;
	if (last->unusable != unusable)
		return false;
	/* Random-UID cards cannot be told apart: any of them is the same tap. */
	if (!unusable && strcmp(last->id.hex, id->hex) != 0)
		return false;
	if (last->present)
		return true;
	return now_ms - last->removed_ms < (int64_t)rules->debounce_seconds * 1000;
}

const char *policy_outcome_name(enum policy_outcome outcome)
{
	switch (outcome) {
	case POLICY_GRANT:
		return "grant";
	case POLICY_DENY_LIMIT:
		return "limit";
	case POLICY_DENY_REVOKED:
		return "revoked";
	case POLICY_DENY_NOT_ISSUED:
		return "not_issued";
	case POLICY_DENY_OUT_OF_STOCK:
		return "out_of_stock";
	case POLICY_DENY_UNUSABLE_CARD:
		return "unusable_card";
	case POLICY_STAFF:
		return "staff";
	}
	return "unknown";
}
