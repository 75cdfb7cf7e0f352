/*
 * pn532_fault: see pn532_fault.h.
 */
#include "pn532_fault.h"

#include <string.h>

static const char *const names[] = {
	[PN532_FAULT_NONE] = "none",
	[PN532_FAULT_GARBAGE] = "garbage",
	[PN532_FAULT_BAD_CHECKSUM] = "bad-checksum",
	[PN532_FAULT_NACK] = "nack",
	[PN532_FAULT_SILENCE] = "silence",
	[PN532_FAULT_LATE] = "late",
	[PN532_FAULT_DISCONNECT] = "disconnect",
};

const char *pn532_fault_name(enum pn532_fault_kind k)
{
	if ((size_t)k >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[k];
}

int pn532_fault_parse(const char *name, enum pn532_fault_kind *out)
{
	for (size_t i = PN532_FAULT_GARBAGE; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum pn532_fault_kind)i;
			return 0;
		}
	}
	return -1;
}

void pn532_fault_queue_init(struct pn532_fault_queue *q)
{
	memset(q, 0, sizeof(*q));
}

int pn532_fault_push(struct pn532_fault_queue *q, struct pn532_fault f, uint32_t count)
{
	if (q->n >= PN532_FAULT_QUEUE_MAX || f.kind == PN532_FAULT_NONE || count == 0 ||
	    count > PN532_FAULT_COUNT_MAX)
		return -1;
	if (f.kind == PN532_FAULT_LATE && f.ms > PN532_FAULT_LATE_MAX_MS)
		return -1;
	q->items[q->n].fault = f;
	q->items[q->n].count = count;
	q->n++;
	return 0;
}

struct pn532_fault pn532_fault_take(struct pn532_fault_queue *q)
{
	struct pn532_fault none = {PN532_FAULT_NONE, 0};
	if (q->n == 0)
		return none;
	struct pn532_fault f = q->items[0].fault;
	if (--q->items[0].count == 0) {
		memmove(q->items, q->items + 1, (q->n - 1) * sizeof(q->items[0]));
		q->n--;
	}
	return f;
}

unsigned long pn532_fault_pending(const struct pn532_fault_queue *q)
{
	unsigned long n = 0;
	for (size_t i = 0; i < q->n; i++)
		n += q->items[i].count;
	return n;
}
