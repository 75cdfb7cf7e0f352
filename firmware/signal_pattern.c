/*
 * signal_pattern: see signal_pattern.h. The step lengths were chosen so
 * that every pattern is over in under two seconds (the next person may be
 * waiting) and the beep counts differ by at least one.
 */
#include "signal_pattern.h"

#include <string.h>

/* Y: on, N: off; columns are buzzer, green LED, red LED, milliseconds. */
#define Y true
#define N false

static const struct signal_step granted[] = {
	{Y, Y, N, 120}, {N, Y, N, 80}, {Y, Y, N, 120}, {N, Y, N, 1200},
};
static const struct signal_step denied[] = {
	{Y, N, Y, 600}, {N, N, Y, 900},
};
static const struct signal_step out_of_stock[] = {
	{Y, N, Y, 150}, {N, N, Y, 150}, {Y, N, Y, 150}, {N, N, Y, 150}, {Y, N, Y, 150},
	{N, N, Y, 750},
};
static const struct signal_step error_steps[] = {
	{Y, N, Y, 60}, {N, N, N, 60}, {Y, N, Y, 60}, {N, N, N, 60}, {Y, N, Y, 60}, {N, N, N, 60},
	{Y, N, Y, 60}, {N, N, N, 60}, {Y, N, Y, 60}, {N, N, N, 60}, {Y, N, Y, 60}, {N, N, Y, 600},
};
static const struct signal_step staff[] = {
	{Y, Y, Y, 40}, {N, Y, Y, 1000},
};
static const struct signal_step restock[] = {
	{Y, Y, N, 40}, {N, Y, N, 60}, {Y, Y, N, 40}, {N, Y, N, 60}, {Y, Y, N, 40}, {N, Y, N, 800},
};
static const struct signal_step help[] = {
	{Y, Y, N, 80}, {N, Y, N, 500},
};

#undef Y
#undef N

#define PATTERN(a) {a, sizeof(a) / sizeof(a[0])}
static const struct signal_pattern patterns[SIGNAL_COUNT] = {
	[SIGNAL_GRANTED] = PATTERN(granted),
	[SIGNAL_DENIED] = PATTERN(denied),
	[SIGNAL_OUT_OF_STOCK] = PATTERN(out_of_stock),
	[SIGNAL_ERROR] = PATTERN(error_steps),
	[SIGNAL_STAFF] = PATTERN(staff),
	[SIGNAL_RESTOCK] = PATTERN(restock),
	[SIGNAL_HELP] = PATTERN(help),
};

static const char *const names[SIGNAL_COUNT] = {
	[SIGNAL_GRANTED] = "granted",
	[SIGNAL_DENIED] = "denied",
	[SIGNAL_OUT_OF_STOCK] = "out_of_stock",
	[SIGNAL_ERROR] = "error",
	[SIGNAL_STAFF] = "staff",
	[SIGNAL_RESTOCK] = "restock",
	[SIGNAL_HELP] = "help",
};

const struct signal_pattern *signal_pattern_of(enum signal_kind kind)
{
	return (unsigned)kind < SIGNAL_COUNT ? &patterns[kind] : &patterns[SIGNAL_ERROR];
}

const char *signal_kind_name(enum signal_kind kind)
{
	return (unsigned)kind < SIGNAL_COUNT ? names[kind] : "error";
}

enum signal_kind signal_kind_for_result(const char *result)
{
	static const struct {
		const char *result;
		enum signal_kind kind;
	} map[] = {
		{"grant", SIGNAL_GRANTED},
		{"limit", SIGNAL_DENIED},
		{"revoked", SIGNAL_DENIED},
		{"not_issued", SIGNAL_DENIED},
		{"unusable_card", SIGNAL_DENIED},
		{"out_of_stock", SIGNAL_OUT_OF_STOCK},
		{"staff", SIGNAL_STAFF},
		{"recorded", SIGNAL_STAFF},
		{"restock", SIGNAL_RESTOCK},
		{"help", SIGNAL_HELP},
	};
	if (result)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(result, map[i].result) == 0)
				return map[i].kind;
	return SIGNAL_ERROR; /* "error", "out_of_service", anything new */
}

struct signal_leds signal_idle_leds(bool in_service, bool reader_ok, bool stock_left)
{
	struct signal_leds leds;
	leds.green = in_service && reader_ok && stock_left;
	leds.red = !leds.green;
	return leds;
}

const struct signal_step *signal_player_start(struct signal_player *p, enum signal_kind kind)
{
	p->pattern = signal_pattern_of(kind);
	p->step = 0;
	return &p->pattern->steps[0];
}

const struct signal_step *signal_player_next(struct signal_player *p)
{
	if (!p->pattern)
		return NULL;
	if (++p->step >= p->pattern->n) {
		p->pattern = NULL;
		p->step = 0;
		return NULL;
	}
	return &p->pattern->steps[p->step];
}
