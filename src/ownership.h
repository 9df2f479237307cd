/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_OWNERSHIP_H
#define SHAREDVIP_OWNERSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/*
 * Who may own which bucket: the pure rules, decided from data alone and unit-tested
 * without root. The kernel layer reads one snapshot of the kernel's sets, these functions
 * decide, and the kernel layer executes the result.
 *
 * The buckets a node owns live in the inet table's `owned` set; with the daemon, they take
 * new connections only while the lease set's one element lives (it times out unless
 * renewed at every heartbeat), so a hung or killed daemon's ownership ends in the kernel by
 * itself before its peers may take the buckets over. `held` buckets (the inet held set) are those the node no longer owns but
 * may still have connections in: their packets keep passing ingress (the netdev verdict
 * map accepts the owned and the held buckets).
 */

/* Where sharedvip-apply takes ownership from. */
enum own_source {
	OWN_STATIC, /* no failover (no [failover] section or no key), or forced: the static split */
	OWN_DAEMON, /* only the daemon grants: keep what it set (under a live lease), nothing else */
};

/* What the kernel has now: one snapshot of sharedvip's bucket sets. */
struct own_kernel {
	const bool *owned;     /* the inet owned set */
	const bool *leased;    /* of those, the ones under sharedvipd's live lease */
	const bool *ingress;   /* what the netdev verdict map accepts: owned or held */
	const bool *held;      /* the inet held set */
	int64_t lease_left_ms; /* the time the lease has left */
};

/* The source of ownership for sharedvip-apply: the daemon's alone when the config enables
 * it (a [failover] section whose key file exists, or with membership = corosync), unless
 * the static split is forced. */
enum own_source ownership_source(const struct sv_config *cfg, bool key_exists, bool force_static);

/* What sharedvip-apply loads: owned[] and held[] from the source and the kernel's state.
 * Anything the node owned before and does not own now becomes held. Returns the lease
 * (ms) the owned buckets keep, 0 for none. */
int64_t ownership_for_apply(enum own_source src, uint32_t buckets, const bool *static_split, const struct own_kernel *k,
			    bool *owned, bool *held);

/* held := (held or before) and not after: a bucket given away stays held. */
void held_after(bool *held, const bool *before, const bool *after, uint32_t buckets);
/* held := held and live (the buckets with connections left); the number let go. */
int held_release_idle(bool *held, const bool *live, uint32_t buckets);
int buckets_count(const bool *set, uint32_t buckets);

/* How long the daemon's ownership lasts in the kernel without renewal. The peers count a
 * node dead dead_after heartbeats and a quarter interval after the last one they heard; the
 * lease, renewed right after each heartbeat is sent, ends a margin before that (half an
 * interval; an eighth with dead_after = 1, where it must outlast one interval). */
int64_t ownership_lease_ms(const struct sv_config *cfg);
/* Whether a renewal that ended after_send_ms after its heartbeat may outlast the peers'
 * dead timer (the margin, less a kernel tick: timeouts are rounded up to one): then it
 * must be taken back. */
bool ownership_renewal_late(const struct sv_config *cfg, int64_t after_send_ms);
#define LEASE_JIFFY_MS 4 /* a tick at HZ=250, Debian's */
/* How long the peers wait after a node's last heartbeat before they count it dead. */
int64_t ownership_silence_ms(const struct sv_config *cfg);

/* Why the daemon may take new buckets now (membership_may_acquire decides). */
enum acquire_rule {
	ACQUIRE_WAIT,	  /* a peer it hears does not share its view yet */
	ACQUIRE_AGREED,	  /* every peer it hears counts it alive and has the same view */
	ACQUIRE_HOLDDOWN, /* agreed, and the peers it has never heard were given the hold-down */
};
const char *acquire_rule_name(enum acquire_rule rule);

/* The daemon's ownership: what the kernel has (installed), what it still holds, and the
 * assignment for the last eligible set (cached: computing it is the costly part). */
struct ownership {
	const struct sv_config *cfg;
	int self;
	bool *installed, *held, *next;
	int16_t *owner, *base; /* the assignment for cached_for; the base, over all nodes */
	bool cached_for[SV_MAX_NODES];
	bool cache_valid, base_valid;
	int64_t lease_until; /* monotonic ms by which the kernel's copy has run out; 0: never renewed */
};

/* What one step decides. */
struct own_step {
	int added, removed;
	bool pending; /* buckets it should own but may not take yet */
};

int ownership_init(struct ownership *o, const struct sv_config *cfg, int self);
void ownership_free(struct ownership *o);
/* The config was read again (weights may have changed): compute the assignment anew. */
void ownership_config_changed(struct ownership *o);
/* The assignment for eligible (one entry per node), computed once per eligible set from a
 * base computed once per config. NULL when out of memory. */
const int16_t *ownership_assignment(struct ownership *o, const bool *eligible);
/* Fills o->next: release at once what is not ours (or everything without quorum, or when
 * stopping), acquire only when rule allows. -ENOMEM, or 0. */
int ownership_step(struct ownership *o, const bool *eligible, bool serve, enum acquire_rule rule,
		   struct own_step *step);
/* The kernel now has o->next: installed becomes next, what it gave away is held. */
void ownership_committed(struct ownership *o);
/* The kernel's lease was renewed at now. */
void ownership_renewed(struct ownership *o, int64_t now);
/* Whether the lease has run out (the daemon stalled past it): then the kernel owns none
 * of it any more; installed is emptied (what it had becomes held) and true is returned. */
bool ownership_lease_lapsed(struct ownership *o, int64_t now);

#endif
