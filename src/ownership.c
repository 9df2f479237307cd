// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "ownership.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"

enum own_source ownership_source(const struct sv_config *cfg, bool key_exists, bool force_static)
{
	bool daemon = key_exists || cfg->failover.membership == MEMBERSHIP_COROSYNC; /* corosync: no key needed */

	return cfg->failover.enabled && daemon && !force_static ? OWN_DAEMON : OWN_STATIC;
}

void held_after(bool *held, const bool *before, const bool *after, uint32_t buckets)
{
	for (uint32_t b = 0; b < buckets; b++)
		held[b] = (held[b] || before[b]) && !after[b];
}

int held_release_idle(bool *held, const bool *live, uint32_t buckets)
{
	int freed = 0;

	for (uint32_t b = 0; b < buckets; b++) {
		freed += held[b] && !live[b];
		held[b] = held[b] && live[b];
	}
	return freed;
}

int buckets_count(const bool *set, uint32_t buckets)
{
	int n = 0;

	for (uint32_t b = 0; b < buckets; b++)
		n += set[b];
	return n;
}

int64_t ownership_for_apply(enum own_source src, uint32_t buckets, const bool *static_split, const struct own_kernel *k,
			    bool *owned, bool *held)
{
	/* In daemon mode only buckets under a live lease were set by sharedvipd: they end by
	 * themselves when it stops renewing it. Anything else (a static split loaded before the
	 * failover section was added, say) is no grant of ownership. */
	memcpy(owned, src == OWN_STATIC ? static_split : k->leased, buckets * sizeof(*owned));
	memcpy(held, k->held, buckets * sizeof(*held));
	held_after(held, k->owned, owned, buckets);
	held_after(held, k->ingress, owned, buckets);
	if (src == OWN_STATIC || !buckets_count(owned, buckets))
		return 0;
	return k->lease_left_ms > 0 ? k->lease_left_ms : 1;
}

/* The room the lease leaves before the peers' dead timer, for a renewal that lands late:
 * half an interval, but at short intervals never less than LEASE_LATE_MIN_MS of lateness
 * allowed (a commit takes a millisecond or two, more on a loaded machine: at 10 ms half an
 * interval would leave one), as long as the lease still outlasts the interval between
 * renewals. With dead_after = 1 there is no such room: an eighth. */
#define LEASE_LATE_MIN_MS 8
/* The peers' dead timer: dead_after intervals and a quarter of one for jitter, but at short
 * intervals never less than SILENCE_SLACK_MIN_MS of it (a scheduler's hiccup on a loaded
 * machine is milliseconds, whatever the interval). */
#define SILENCE_SLACK_MIN_MS 8
int64_t ownership_silence_ms(const struct sv_config *cfg)
{
	int64_t hb = cfg->failover.heartbeat_ms;

	return (int64_t)cfg->failover.dead_after * hb + (hb / 4 > SILENCE_SLACK_MIN_MS ? hb / 4 : SILENCE_SLACK_MIN_MS);
}

static int64_t lease_margin_ms(const struct sv_config *cfg)
{
	int64_t hb = cfg->failover.heartbeat_ms, total = ownership_silence_ms(cfg);
	int64_t margin = hb / 2 > LEASE_LATE_MIN_MS + LEASE_JIFFY_MS ? hb / 2 : LEASE_LATE_MIN_MS + LEASE_JIFFY_MS;

	if (cfg->failover.dead_after < 2)
		return hb / 8;
	return margin < total - hb - 1 ? margin : total - hb - 1;
}

int64_t ownership_lease_ms(const struct sv_config *cfg)
{
	return ownership_silence_ms(cfg) - lease_margin_ms(cfg);
}

bool ownership_renewal_late(const struct sv_config *cfg, int64_t after_send_ms)
{
	int64_t allowed = lease_margin_ms(cfg) - LEASE_JIFFY_MS;

	return after_send_ms > (allowed > 0 ? allowed : 0);
}

const char *acquire_rule_name(enum acquire_rule rule)
{
	static const char *const names[] = {
		[ACQUIRE_WAIT] = "waiting for agreement",
		[ACQUIRE_AGREED] = "after agreement with every peer it hears",
		[ACQUIRE_HOLDDOWN] = "after agreement and the hold-down for the peers it has not heard",
	};
	return names[rule];
}

int ownership_init(struct ownership *o, const struct sv_config *cfg, int self)
{
	size_t n = cfg->buckets;

	memset(o, 0, sizeof(*o));
	o->cfg = cfg;
	o->self = self;
	o->installed = calloc(n, sizeof(bool));
	o->held = calloc(n, sizeof(bool));
	o->next = calloc(n, sizeof(bool));
	o->owner = calloc(n, sizeof(int16_t));
	o->base = calloc(n, sizeof(int16_t));
	if (o->installed && o->held && o->next && o->owner && o->base)
		return 0;
	ownership_free(o);
	return -ENOMEM;
}

void ownership_free(struct ownership *o)
{
	free(o->installed), free(o->held), free(o->next), free(o->owner), free(o->base);
	o->installed = o->held = o->next = NULL;
	o->owner = o->base = NULL;
}

const int16_t *ownership_assignment(struct ownership *o, const bool *eligible)
{
	size_t n = (size_t)o->cfg->n_nodes;

	if (o->cache_valid && !memcmp(o->cached_for, eligible, n * sizeof(bool)))
		return o->owner;
	o->cache_valid = false;
	/* the base (over all nodes) is the costly part, and depends on the config alone */
	if (!o->base_valid && assign_base(o->cfg, o->base))
		return NULL;
	o->base_valid = true;
	if (assign_alive(o->cfg, o->base, eligible, o->owner))
		return NULL;
	memcpy(o->cached_for, eligible, n * sizeof(bool));
	o->cache_valid = true;
	return o->owner;
}

void ownership_config_changed(struct ownership *o)
{
	o->cache_valid = o->base_valid = false;
}

int ownership_step(struct ownership *o, const bool *eligible, bool serve, enum acquire_rule rule, struct own_step *step)
{
	const int16_t *owner = ownership_assignment(o, eligible);

	memset(step, 0, sizeof(*step));
	if (!owner)
		return -ENOMEM;
	for (uint32_t b = 0; b < o->cfg->buckets; b++) {
		bool desired = serve && owner[b] == o->self;
		o->next[b] = desired && (o->installed[b] || rule != ACQUIRE_WAIT);
		step->pending |= desired && !o->next[b];
		step->added += o->next[b] && !o->installed[b];
		step->removed += !o->next[b] && o->installed[b];
	}
	return 0;
}

void ownership_committed(struct ownership *o)
{
	held_after(o->held, o->installed, o->next, o->cfg->buckets);
	memcpy(o->installed, o->next, o->cfg->buckets * sizeof(bool));
}

void ownership_renewed(struct ownership *o, int64_t now)
{
	o->lease_until = now + ownership_lease_ms(o->cfg);
}

bool ownership_lease_lapsed(struct ownership *o, int64_t now)
{
	if (!o->lease_until || now < o->lease_until)
		return false;
	memset(o->next, 0, o->cfg->buckets * sizeof(bool));
	ownership_committed(o);
	o->lease_until = 0;
	return true;
}
