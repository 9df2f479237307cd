/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_COROSYNC_H
#define SHAREDVIP_COROSYNC_H

/* sharedvipd's link to corosync (membership = corosync): a closed process group (libcpg)
 * that carries the heartbeats, totally ordered, to every member of the same view; the
 * group's views and corosync's rings; the quorum (libquorum: votequorum's decision, with
 * the ring it is for); corosync's node list (libcmap) for the names. The libraries are
 * loaded when corosync mode starts (dlopen), so sharedvip runs without corosync installed
 * and only this mode needs it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define CS_MAX_NODES 384 /* corosync's own limit */

/* A ring (a membership) of corosync: CPG and the quorum service name it the same. */
struct cs_ring {
	uint32_t nodeid;
	uint64_t seq;
};

struct cs_events {
	/* the group's members now; nodedown: one left because its node left corosync's ring
	 * (the ring's change, and its quorum, are still to come) */
	void (*view)(void *ctx, const uint32_t *nodeids, size_t n, bool nodedown);
	/* corosync's ring changed: told after the group's views for that ring */
	void (*ring)(void *ctx, struct cs_ring ring);
	void (*quorum)(void *ctx, bool quorate, struct cs_ring ring);
	void (*message)(void *ctx, uint32_t nodeid, const uint8_t *msg, size_t len);
	void *ctx;
};

struct cs_node {
	uint32_t nodeid;
	char name[SV_MAX_NAME];
};

struct cs_group {
	uint64_t cpg, quorum; /* 0: not connected */
	uint32_t local_nodeid;
	struct cs_events ev;
};

enum cs_fd { CS_FD_GROUP, CS_FD_QUORUM };

/* Connects to corosync, joins the group and starts tracking quorum: 0, or -1 with err[]
 * saying what failed (the libraries missing, corosync not running, ...). */
int cs_open(struct cs_group *g, const char *group, const struct cs_events *ev, char *err, size_t len);
/* corosync's node list (nodelist.node.N.name and .nodeid): how many, or -1 with err[]. */
int cs_nodes(struct cs_node *out, int max, char *err, size_t len);
int cs_fd(const struct cs_group *g, enum cs_fd which); /* -1 when not connected */
/* Runs the callbacks of what has come: 0, or -1 when corosync went away (then closed). */
int cs_dispatch(struct cs_group *g, enum cs_fd which);
/* One message to every member, this node included, in the group's total order: 0 or -1
 * (corosync is busy, say: the next heartbeat goes out anyway). */
int cs_send(struct cs_group *g, const void *msg, size_t len);
void cs_close(struct cs_group *g);

#endif
