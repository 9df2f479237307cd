// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "ctlproto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ctl_command_info ctl_commands[CTL_N_COMMANDS] = {
	[CTL_STATUS] = { "status", "the daemon's view: members, when each was last heard, ownership" },
	[CTL_DRAIN] = { "drain", "take no new connections here; established ones stay (kept across restarts)" },
	[CTL_RESUME] = { "resume", "take new connections again" },
};

int ctl_command_parse(const char *line)
{
	size_t len = strcspn(line, "\r\n");

	for (int i = 0; i < CTL_N_COMMANDS; i++)
		if (strlen(ctl_commands[i].name) == len && !strncmp(line, ctl_commands[i].name, len))
			return i;
	return -1;
}

struct out {
	char *buf;
	size_t len, off;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list va;
	int n;

	if (o->full)
		return;
	va_start(va, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, va);
	va_end(va);
	if (n < 0 || (size_t)n >= o->len - o->off)
		o->full = true;
	else
		o->off += (size_t)n;
}

int ctl_status_format(const struct ctl_status *st, char *buf, size_t len)
{
	struct out o = { buf, len, 0, len == 0 };

	put(&o, "mode daemon\nnode %s\ndraining %d\nhealthy %d\n", st->node, st->draining, st->healthy);
	if (st->health[0])
		put(&o, "health %s\n", st->health);
	put(&o, "owned %d\nheld %d\nquorum %d\nownership_changes %llu\n", st->owned, st->held, st->quorum,
	    st->ownership_changes);
	for (int i = 0; i < st->n_peers; i++) {
		const struct ctl_peer *p = &st->peers[i];
		put(&o, "peer %s alive=%d eligible=%d heard_ms_ago=%lld config=%s healthy=%d received=%llu\n", p->name,
		    p->alive, p->eligible, p->heard_ms_ago, p->config_differs ? "different" : "same", p->healthy,
		    p->received);
	}
	put(&o, "drops forged=%llu replayed=%llu unknown=%llu config_differs=%llu wrong_address=%llu unproven=%llu\n",
	    st->forged, st->replayed, st->unknown, st->config_differs, st->wrong_address, st->unproven);
	return o.full ? -ENOSPC : 0;
}

static int parse_line(const char *l, struct ctl_status *st)
{
	int a, e, n = 0;

	_Static_assert(SV_MAX_NAME == 64, "the %63s below");
	if (sscanf(l, "node %63s", st->node) == 1 || sscanf(l, "owned %d", &st->owned) == 1 ||
	    sscanf(l, "held %d", &st->held) == 1 || sscanf(l, "ownership_changes %llu", &st->ownership_changes) == 1)
		return 0;
	if (sscanf(l, "quorum %d", &a) == 1) {
		st->quorum = a;
		return 0;
	}
	if (sscanf(l, "draining %d", &a) == 1) {
		st->draining = a;
		return 0;
	}
	if (sscanf(l, "healthy %d", &a) == 1) {
		st->healthy = a;
		return 0;
	}
	if (!strncmp(l, "health ", 7)) {
		snprintf(st->health, sizeof(st->health), "%.*s", (int)sizeof(st->health) - 1, l + 7);
		return 0;
	}
	if (!strncmp(l, "drops ", 6)) {
		if (sscanf(l, "drops forged=%llu replayed=%llu unknown=%llu config_differs=%llu", &st->forged,
			   &st->replayed, &st->unknown, &st->config_differs) != 4)
			return -EPROTO;
		const char *w = strstr(l, "wrong_address=");
		const char *u = strstr(l, "unproven=");
		st->wrong_address = w ? strtoull(w + 14, NULL, 10) : 0; /* absent: an older daemon */
		st->unproven = u ? strtoull(u + 9, NULL, 10) : 0;
		return 0;
	}
	if (!strncmp(l, "peer ", 5)) {
		struct ctl_peer *p = &st->peers[st->n_peers];
		char config[16];
		if (st->n_peers == SV_MAX_NODES ||
		    sscanf(l, "peer %63s alive=%d eligible=%d heard_ms_ago=%lld config=%15s%n", p->name, &a, &e,
			   &p->heard_ms_ago, config, &n) != 5)
			return -EPROTO;
		p->alive = a, p->eligible = e;
		p->config_differs = !strcmp(config, "different");
		p->healthy = !strstr(l + n, "healthy=0"); /* absent (an older daemon): healthy */
		const char *r = strstr(l + n, "received=");
		p->received = r ? strtoull(r + 9, NULL, 10) : 0;
		st->n_peers++;
		return 0;
	}
	return 0; /* a line a newer daemon added */
}

int ctl_status_parse(const char *reply, struct ctl_status *st)
{
	char line[CTL_PEER_LINE_MAX + 64];

	memset(st, 0, sizeof(*st));
	st->healthy = true;
	if (strncmp(reply, "mode daemon\n", 12))
		return -EPROTO;
	for (const char *p = reply; *p;) {
		size_t n = strcspn(p, "\n");
		if (n >= sizeof(line))
			return -EPROTO;
		memcpy(line, p, n);
		line[n] = '\0';
		if (parse_line(line, st))
			return -EPROTO;
		p += n + (p[n] == '\n');
	}
	return st->node[0] ? 0 : -EPROTO;
}

const struct ctl_peer *ctl_status_peer(const struct ctl_status *st, const char *name)
{
	for (int i = 0; i < st->n_peers; i++)
		if (!strcmp(st->peers[i].name, name))
			return &st->peers[i];
	return NULL;
}
