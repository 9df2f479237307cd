// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "events.h"

#include <stdio.h>

/* MESSAGE_IDs are 128-bit ids, fixed for good: monitoring and journalctl rely on them. */
const struct event_type event_types[EV_N] = {
	[EV_MEMBER_UP] = { "member-up", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e01", 5 },
	[EV_MEMBER_DOWN] = { "member-down", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e02", 4 },
	[EV_OWNED] = { "owned", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e03", 5 },
	[EV_DRAIN] = { "drain", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e04", 5 },
	[EV_RESUME] = { "resume", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e05", 5 },
	[EV_QUORUM_LOST] = { "quorum-lost", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e06", 3 },
	[EV_QUORUM_REGAINED] = { "quorum-regained", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e07", 5 },
	[EV_CONFIG_DIFFERS] = { "config-differs", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e08", 3 },
	[EV_HEALTHY] = { "healthy", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e09", 5 },
	[EV_UNHEALTHY] = { "unhealthy", "5a0e0c2fd1b04a8f9a6e1c3b7d2f4e0a", 3 },
};

void event_push(struct event_queue *q, const struct event *e)
{
	if (q->n == EVENT_QUEUE) {
		q->head = (q->head + 1) % EVENT_QUEUE;
		q->n--;
		q->dropped++;
	}
	q->q[(q->head + q->n) % EVENT_QUEUE] = *e;
	q->n++;
}

bool event_pop(struct event_queue *q, struct event *e)
{
	if (!q->n)
		return false;
	*e = q->q[q->head];
	q->head = (q->head + 1) % EVENT_QUEUE;
	q->n--;
	return true;
}

void event_text(const struct event *e, char *out, size_t len)
{
	snprintf(out, len, "event %s%s%s: this node owns %d buckets", event_types[e->type].name,
		 e->peer[0] ? " of " : "", e->peer, e->owned);
}
