// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "membership.h"

#include <string.h>

static int64_t holddown_ms(const struct sv_config *cfg)
{
	return (int64_t)cfg->failover.dead_after * cfg->failover.heartbeat_ms;
}

static bool recompute_view(struct membership *m, int64_t now)
{
	uint8_t view[HB_VIEW_BYTES] = { 0 };
	bool serving[SV_MAX_NODES] = { false }, any_healthy = false;

	for (int i = 0; i < m->cfg->n_nodes; i++) {
		const struct peer *p = &m->peers[i];
		serving[i] = i == m->self ? !m->self_draining : p->alive && !p->draining;
		any_healthy |= serving[i] && !(i == m->self ? m->self_unhealthy : p->unhealthy);
	}
	m->fail_open = !any_healthy;
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		bool unhealthy = i == m->self ? m->self_unhealthy : m->peers[i].unhealthy;
		if (serving[i] && (!unhealthy || m->fail_open))
			view_set(view, i);
	}
	if (!memcmp(view, m->view, sizeof(view)))
		return false;
	memcpy(m->view, view, sizeof(view));
	m->view_changed_ms = now;
	return true;
}

void membership_init(struct membership *m, const struct sv_config *cfg, int self, const uint8_t *digest, int64_t now)
{
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->self = self;
	memcpy(m->digest, digest, HB_DIGEST_LEN);
	m->started_ms = now;
	m->peers[self].alive = true;
	recompute_view(m, now);
}

/* A heartbeat sent after its sender heard this node's present incarnation. */
static bool proves_fresh(const struct membership *m, const struct heartbeat *hb)
{
	uint32_t echo = m->self < hb->n_echo ? hb->echo[m->self] : 0;

	return m->incarnation ? echo == hb_echo_of(m->incarnation) : true;
}

void membership_echo(const struct membership *m, struct heartbeat *hb)
{
	hb->n_echo = (uint16_t)m->cfg->n_nodes;
	for (int i = 0; i < m->cfg->n_nodes; i++)
		hb->echo[i] = m->peers[i].known && i != m->self ? hb_echo_of(m->peers[i].incarnation) : 0;
}

enum hb_verdict membership_receive(struct membership *m, const struct heartbeat *hb, int64_t now, bool *changed)
{
	struct peer *p;
	enum hb_verdict verdict = HB_ACCEPTED;

	*changed = false;
	if (hb->node >= m->cfg->n_nodes || hb->node == m->self || (m->group.mode && !m->group.member[hb->node])) {
		m->drops.unknown++;
		return HB_UNKNOWN_NODE;
	}
	p = &m->peers[hb->node];
	if (p->known && hb->incarnation == p->incarnation && hb->seq == p->seq) {
		m->drops.duplicate++;
		return HB_DUPLICATE;
	}
	/* a new boot starts a higher incarnation; within one, sequence numbers only grow */
	if (p->known &&
	    (hb->incarnation < p->incarnation || (hb->incarnation == p->incarnation && hb->seq <= p->seq))) {
		m->drops.replayed++;
		return HB_REPLAYED;
	}
	p->known = true;
	p->incarnation = hb->incarnation;
	p->seq = hb->seq;
	p->flowing = p->silent = false; /* with corosync: sending, so not hung (fresh or not) */
	if (!proves_fresh(m, hb)) {
		m->drops.unproven++;
		p->unproven_ms = now;
		return HB_UNPROVEN;
	}
	p->heard = true;
	p->received++;
	p->last_heard_ms = now;
	p->config_differs = memcmp(hb->digest, m->digest, HB_DIGEST_LEN) != 0;
	if (p->config_differs) {
		m->drops.config_differs++;
		verdict = HB_OTHER_CONFIG;
	}
	bool alive = !(hb->flags & HB_LEAVING), draining = (hb->flags & HB_DRAINING) != 0,
	     unhealthy = (hb->flags & HB_UNHEALTHY) != 0;
	memcpy(p->view, hb->view, HB_VIEW_BYTES);
	/* the common heartbeat changes nothing this node's view is made of */
	if (alive == p->alive && draining == p->draining && unhealthy == p->unhealthy)
		return verdict;
	p->alive = alive, p->draining = draining, p->unhealthy = unhealthy;
	*changed = recompute_view(m, now);
	return verdict;
}

/* a quarter interval of slack: a heartbeat that is merely late is not a missed one */
static int64_t silence_ms(const struct sv_config *cfg)
{
	return ownership_silence_ms(cfg);
}

/* With corosync, no dead timer on the clock: while it forms a new membership (after a
 * token loss, a second or two) it delivers nothing, and a dead timer on the heartbeats would
 * call every member dead at once. Who left, corosync says; who hangs in the group, the
 * group's own deliveries tell (membership_group_flowed). */
int64_t membership_next_death(const struct membership *m)
{
	int64_t next = INT64_MAX;

	if (m->group.mode)
		return next;
	for (int i = 0; i < m->cfg->n_nodes; i++)
		if (i != m->self && m->peers[i].alive && m->peers[i].last_heard_ms + silence_ms(m->cfg) < next)
			next = m->peers[i].last_heard_ms + silence_ms(m->cfg);
	return next;
}

bool membership_tick(struct membership *m, int64_t now)
{
	int64_t silence = silence_ms(m->cfg);
	bool died = false;

	if (m->group.mode)
		return false; /* see membership_next_death */
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		struct peer *p = &m->peers[i];
		if (i != m->self && p->alive && now - p->last_heard_ms > silence)
			p->alive = false, died = true;
	}
	return died && recompute_view(m, now);
}

void membership_set_draining(struct membership *m, bool draining, int64_t now)
{
	m->self_draining = draining;
	recompute_view(m, now);
}

void membership_set_healthy(struct membership *m, bool healthy, int64_t now)
{
	m->self_unhealthy = !healthy;
	recompute_view(m, now);
}

void membership_eligible(const struct membership *m, bool *eligible)
{
	for (int i = 0; i < m->cfg->n_nodes; i++)
		eligible[i] = view_has(m->view, i);
}

/* With corosync: a member gone without announcing it (left the group, or hung in it): its
 * lease ran out at most a dead timer after the last heartbeat heard (it renews right after
 * sending one), not before. */
static void group_member_gone(struct membership *m, struct peer *p)
{
	if (p->alive)
		p->lease_ends_ms = p->last_heard_ms + silence_ms(m->cfg);
	p->alive = false;
}

static void group_flow_restart(struct membership *m)
{
	for (int i = 0; i < m->cfg->n_nodes; i++)
		m->peers[i].flowing = false;
}

/* The longest pause between two of this node's own deliveries that still counts as flow.
 * A member's heartbeat is delivered within an interval (and a token rotation) of the last
 * one unless it hangs; a stall of the ring (or of this daemon) delays everyone's, and
 * after it the backlog comes at once, this node's perhaps first. Counting a pause of at
 * most this as flow, a member alive through it is heard within interval + pause, a dead
 * timer less an eighth of an interval for the rotation. A longer pause starts the count
 * anew. (With dead_after 1 that leaves no pause: a hung member is left to the watchdog.) */
static int64_t flow_pause_ms(const struct sv_config *cfg)
{
	int64_t hb = cfg->failover.heartbeat_ms;

	return silence_ms(cfg) - hb - hb / 8;
}

/* Measured on this node's own deliveries, never on the clock alone: after a stalled ring
 * the backlog arrives at once, and a burst is no time passing. */
bool membership_group_flowed(struct membership *m, int64_t now)
{
	bool died = false;

	if (m->group.flowed && now - m->group.last_flow_ms > flow_pause_ms(m->cfg))
		group_flow_restart(m);
	m->group.flowed = true, m->group.last_flow_ms = now;
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		struct peer *p = &m->peers[i];
		if (i == m->self || !m->group.member[i] || p->silent)
			continue;
		if (!p->flowing) {
			p->flowing = true, p->flowing_since_ms = now;
			continue;
		}
		if (now - p->flowing_since_ms <= silence_ms(m->cfg))
			continue;
		p->silent = true;
		died |= p->alive;
		group_member_gone(m, p);
	}
	return died && recompute_view(m, now);
}

bool membership_set_group(struct membership *m, const bool *member, bool nodedown, int64_t now)
{
	m->group.known = true;
	m->group.ring_changing |= nodedown;
	group_flow_restart(m);
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		struct peer *p = &m->peers[i];
		m->group.member[i] = member[i];
		if (i == m->self || member[i])
			continue;
		group_member_gone(m, p);
		p->heard = p->silent = false;
	}
	return recompute_view(m, now);
}

void membership_set_ring(struct membership *m, struct ring_id ring)
{
	group_flow_restart(m); /* a new ring: its deliveries start now */
	m->group.ring = ring;
	m->group.ring_changing = false;
}

void membership_set_group_quorum(struct membership *m, bool quorate, struct ring_id ring)
{
	m->group.quorum_known = true;
	m->group.quorate = quorate;
	m->group.quorum_ring = ring;
}

enum group_quorum membership_group_quorum(const struct membership *m)
{
	if (!m->group.quorum_known || m->group.ring_changing || m->group.quorum_ring.nodeid != m->group.ring.nodeid ||
	    m->group.quorum_ring.seq != m->group.ring.seq)
		return GROUP_QUORUM_PENDING;
	return m->group.quorate ? GROUP_QUORUM_YES : GROUP_QUORUM_NO;
}

bool membership_quorum_lost(const struct membership *m)
{
	return m->group.mode ? membership_group_quorum(m) == GROUP_QUORUM_NO : !membership_has_quorum(m);
}

bool membership_has_quorum(const struct membership *m)
{
	uint64_t total = 0, alive = 0;

	if (m->group.mode)
		return membership_group_quorum(m) == GROUP_QUORUM_YES;
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		total += m->cfg->nodes[i].weight;
		if (m->peers[i].alive)
			alive += m->cfg->nodes[i].weight;
	}
	return 2 * alive > total;
}

bool membership_agreed(const struct membership *m)
{
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		const struct peer *p = &m->peers[i];
		if (i != m->self && p->alive && !p->config_differs && memcmp(p->view, m->view, HB_VIEW_BYTES))
			return false;
	}
	return true;
}

static bool heard_everyone(const struct membership *m)
{
	for (int i = 0; i < m->cfg->n_nodes; i++)
		if (i != m->self && !m->peers[i].heard &&
		    (!m->group.mode || (m->group.member[i] && !m->peers[i].silent)))
			return false;
	return true;
}

/* An unproven peer heard within the dead timer that no fresh peer calls dead. */
static bool unproven_may_serve(const struct membership *m, int64_t now)
{
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		const struct peer *p = &m->peers[i];
		bool witnessed_dead = false;
		if (i == m->self || p->alive || !p->unproven_ms || now - p->unproven_ms > silence_ms(m->cfg))
			continue;
		for (int q = 0; q < m->cfg->n_nodes && !witnessed_dead; q++)
			witnessed_dead = q != m->self && q != i && m->peers[q].alive && !m->peers[q].config_differs &&
					 !view_has(m->peers[q].view, i);
		if (!witnessed_dead)
			return true;
	}
	return false;
}

static bool other_config_alive(const struct membership *m)
{
	for (int i = 0; i < m->cfg->n_nodes; i++)
		if (i != m->self && m->peers[i].alive && m->peers[i].config_differs)
			return true;
	return false;
}

enum acquire_rule membership_may_acquire(const struct membership *m, int64_t now)
{
	bool everyone = heard_everyone(m);

	/* with corosync: who is in the group, and its quorum, known; every member heard (it
	 * is alive, whatever a hold-down would say) */
	if (m->group.mode && (!m->group.known || membership_group_quorum(m) != GROUP_QUORUM_YES || !everyone))
		return ACQUIRE_WAIT;
	for (int i = 0; m->group.mode && i < m->cfg->n_nodes; i++)
		if (m->peers[i].lease_ends_ms > now)
			return ACQUIRE_WAIT; /* a crashed member's kernel may still take connections */
	if (!membership_agreed(m) || unproven_may_serve(m, now))
		return ACQUIRE_WAIT;
	/* at start the others are unknown: hear every one of them, or a hold-down, first */
	if (now - m->started_ms < holddown_ms(m->cfg) && !everyone)
		return ACQUIRE_WAIT;
	if (other_config_alive(m) && now - m->view_changed_ms < holddown_ms(m->cfg))
		return ACQUIRE_WAIT;
	return everyone ? ACQUIRE_AGREED : ACQUIRE_HOLDDOWN;
}

void membership_rejoin(struct membership *m, int64_t now)
{
	for (int i = 0; i < m->cfg->n_nodes; i++) {
		struct peer *p = &m->peers[i];
		if (i == m->self)
			continue;
		p->alive = p->heard = p->draining = p->unhealthy = false;
		p->flowing = p->silent = false;
		memset(p->view, 0, sizeof(p->view));
	}
	m->started_ms = now;
	recompute_view(m, now);
}
