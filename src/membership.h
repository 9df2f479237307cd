/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_MEMBERSHIP_H
#define SHAREDVIP_MEMBERSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "heartbeat.h"
#include "ownership.h"

struct peer {
	bool alive, heard, draining, unhealthy, config_differs;
	bool known;			     /* incarnation and seq are the last accepted: kept across a rejoin */
	uint64_t incarnation, seq, received; /* received: authentic heartbeats accepted */
	int64_t last_heard_ms;
	int64_t unproven_ms; /* the last authentic heartbeat that did not echo this node's start */
	/* with corosync: it left the group alive (crashed, not a leave it announced), so its
	 * kernel may take connections until its lease runs out, by this time */
	int64_t lease_ends_ms;
	/* with corosync: the group delivered this node's own heartbeats since this peer's last
	 * one (from flowing_since_ms on); silent: for longer than a dead timer (it is hung) */
	bool flowing, silent;
	int64_t flowing_since_ms;
	uint8_t view[HB_VIEW_BYTES];
};

struct drops {
	uint64_t forged, replayed, unknown, config_differs, wrong_address, duplicate, unproven;
};

/* Who is alive, as heard from authenticated heartbeats; the pure core of sharedvipd. */
struct membership {
	const struct sv_config *cfg;
	int self;
	uint64_t incarnation; /* this node's: what a fresh heartbeat echoes (0 in tests: any) */
	bool self_draining, self_unhealthy;
	bool fail_open; /* no alive node is healthy: the unhealthy ones keep their share */
	uint8_t digest[HB_DIGEST_LEN];
	struct peer peers[SV_MAX_NODES];
	uint8_t view[HB_VIEW_BYTES]; /* the nodes this node counts as eligible owners */
	int64_t started_ms, view_changed_ms;
	struct drops drops;
	/* membership = corosync: the heartbeats travel in corosync's process group; only the
	 * members of its present view count alive (nobody before its first view), one that
	 * leaves it is dead at once, and votequorum's word is the quorum, trusted only for the
	 * ring the group's view is of (a member's node left the ring: the new ring and its
	 * quorum are still to come) */
	struct group {
		bool mode, known, member[SV_MAX_NODES];
		bool ring_changing, quorum_known, quorate;
		bool flowed; /* this node's own heartbeats were delivered, last at last_flow_ms */
		int64_t last_flow_ms;
		struct ring_id {
			uint32_t nodeid;
			uint64_t seq;
		} ring, quorum_ring;
	} group;
};

/* With corosync, whether the group has quorum: not yet known for the ring it is in. */
enum group_quorum { GROUP_QUORUM_PENDING, GROUP_QUORUM_NO, GROUP_QUORUM_YES };

/* HB_DUPLICATE: the very heartbeat heard last, again (in a dual-stack cluster every
 * heartbeat arrives once over IPv4 and once over IPv6): ignored, not a replay. */
/* HB_UNPROVEN: authentic and new, but it does not echo this node's incarnation (a
 * recording, or a peer that has not heard this node since it started): its incarnation and
 * seq are kept (replays of it are refused, and the next heartbeats echo it), nothing else. */
enum hb_verdict { HB_ACCEPTED, HB_REPLAYED, HB_UNKNOWN_NODE, HB_OTHER_CONFIG, HB_DUPLICATE, HB_UNPROVEN };

void membership_init(struct membership *m, const struct sv_config *cfg, int self, const uint8_t *digest, int64_t now);
/* An authenticated heartbeat. Sets *changed when the view changed. A heartbeat from a
 * node whose config differs still counts: that node is alive and keeps its buckets. */
enum hb_verdict membership_receive(struct membership *m, const struct heartbeat *hb, int64_t now, bool *changed);
/* What this node's heartbeat echoes: the incarnation it last accepted from each node. */
void membership_echo(const struct membership *m, struct heartbeat *hb);
/* Declares dead who has been silent for dead_after heartbeats (not with corosync: see
 * membership_group_flowed); true when the view changed. */
bool membership_tick(struct membership *m, int64_t now);
/* When the first alive peer would be declared dead if it stays silent (INT64_MAX: none). */
int64_t membership_next_death(const struct membership *m);
void membership_set_draining(struct membership *m, bool draining, int64_t now);
/* This node's health: an unhealthy node owns nothing, unless no alive node is healthy
 * (fail open: a check wrong everywhere must not become a total outage). */
void membership_set_healthy(struct membership *m, bool healthy, int64_t now);
/* The nodes that may own buckets: alive, not draining, and healthy unless none alive is
 * (the view, as a bool array). */
void membership_eligible(const struct membership *m, bool *eligible);
/* The process group's view (member[i]: node i's sharedvipd is in it): a node that left is
 * dead at once, one that joined counts alive once heard; nodedown: one left with its node
 * (corosync's ring changes). True when the view changed. */
bool membership_set_group(struct membership *m, const bool *member, bool nodedown, int64_t now);
/* With corosync: the group delivered this node's own heartbeat. A member that sent nothing
 * while the group's messages flowed for longer than a dead timer is hung (its daemon; its
 * corosync still passes the token): dead, as the dead timer would have it. A ring that
 * stalls (a token lost, a new membership forming) delivers nobody's messages, its own
 * included, and so calls nobody dead. True when the view changed. */
bool membership_group_flowed(struct membership *m, int64_t now);
/* corosync's ring now (told after the group's views for it), and its quorum for a ring. */
void membership_set_ring(struct membership *m, struct ring_id ring);
void membership_set_group_quorum(struct membership *m, bool quorate, struct ring_id ring);
enum group_quorum membership_group_quorum(const struct membership *m);
/* Whether the node may not serve for want of quorum (majority: the alive weight is half
 * or less; corosync: votequorum says the ring is not quorate). */
bool membership_quorum_lost(const struct membership *m);
/* quorum = majority: whether the alive nodes hold more than half of the configured weight
 * (with corosync: whether votequorum says the group is quorate). */
bool membership_has_quorum(const struct membership *m);
/* Whether every alive peer reports the same view as this node: then all computed the same
 * assignment, and every bucket this node is to take was released by its previous owner. */
bool membership_agreed(const struct membership *m);
/* Whether new buckets may be taken now, and by which rule. A peer heard without proof of
 * freshness (within the dead timer) may be alive and serving without hearing this node
 * (a one-way link, or a start it has not heard yet), or be a recording: nothing is taken
 * while there is one, unless a peer that proved itself fresh does not count it alive
 * (then it is a recording, or unheard by the cluster, which took its buckets).  Every peer this node hears must
 * count it alive and report the same view (then each has released what this node is to
 * take): a peer that hears the node is never given a hold-down. The hold-down (dead_after
 * heartbeats since start) is only for peers never heard, and since the last change of the
 * view for peers that run another config (their views are not comparable). With corosync:
 * the group's view and the quorum of its ring known, every member heard, and no member
 * that left without announcing it within a dead timer of its last heartbeat (its lease). */
enum acquire_rule membership_may_acquire(const struct membership *m, int64_t now);
/* After the daemon stalled past its lease: what the peers said is stale (they may have
 * called this node dead and taken its buckets). Forget it and start over as at start,
 * keeping only the replay state. */
void membership_rejoin(struct membership *m, int64_t now);

#endif
