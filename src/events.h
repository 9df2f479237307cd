/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_EVENTS_H
#define SHAREDVIP_EVENTS_H

#include <stdbool.h>

#include "config.h"

/* The events sharedvipd reports (the journal, with a MESSAGE_ID each, and the notify
 * command, in order, one at a time), defined once. */
enum sv_event {
	EV_MEMBER_UP,
	EV_MEMBER_DOWN,
	EV_OWNED,
	EV_DRAIN,
	EV_RESUME,
	EV_QUORUM_LOST,
	EV_QUORUM_REGAINED,
	EV_CONFIG_DIFFERS,
	EV_HEALTHY,
	EV_UNHEALTHY,
	EV_N
};

struct event_type {
	const char *name;	/* SHAREDVIP_EVENT */
	const char *message_id; /* the journal's MESSAGE_ID: journalctl MESSAGE_ID=... finds them all */
	int priority;		/* syslog's */
};
extern const struct event_type event_types[EV_N];

struct event {
	enum sv_event type;
	char peer[SV_MAX_NAME]; /* the other node, for member events; "" otherwise */
	int owned;		/* buckets this node owns now */
};

/* Events waiting for the notify command, oldest first; when full, the oldest goes. */
#define EVENT_QUEUE 64
struct event_queue {
	struct event q[EVENT_QUEUE];
	int head, n;
	unsigned long long dropped;
};

void event_push(struct event_queue *q, const struct event *e);
bool event_pop(struct event_queue *q, struct event *e);
/* "member-down of node2: this node owns 341 buckets": the event's one line. */
void event_text(const struct event *e, char *out, size_t len);

#endif
