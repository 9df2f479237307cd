// SPDX-License-Identifier: GPL-2.0-or-later
/* The ownership rules, without root: boot with and without the daemon, held buckets, the
 * lease, acquiring by agreement only from peers that hear this node, the hold-down only
 * for peers never heard, quorum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "heartbeat.h"
#include "membership.h"
#include "ownership.h"

#define N 64

static struct sv_config cfg;
static const uint8_t digest[HB_DIGEST_LEN] = { 7 };

static void setup(int nodes)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_nodes = nodes;
	cfg.buckets = N;
	cfg.failover.heartbeat_ms = 100;
	cfg.failover.dead_after = 3;
	for (int i = 0; i < nodes; i++) {
		cfg.nodes[i].weight = 1;
		snprintf(cfg.nodes[i].name, sizeof(cfg.nodes[i].name), "node%d", i + 1);
	}
}

static void test_source(void)
{
	setup(2);
	CHECK(ownership_source(&cfg, true, false) == OWN_STATIC, "no [failover] section: static");
	cfg.failover.enabled = true;
	CHECK(ownership_source(&cfg, false, false) == OWN_STATIC, "no key file: static");
	CHECK(ownership_source(&cfg, true, false) == OWN_DAEMON, "[failover] and a key: the daemon's");
	CHECK(ownership_source(&cfg, true, true) == OWN_STATIC, "forced static");
}

static void test_apply(void)
{
	static bool kernel[4][N]; /* owned, leased, ingress, held */
	bool split[N] = { 0 }, owned[N], held[N];
	struct own_kernel k = { kernel[0], kernel[1], kernel[2], kernel[3], 250 };
	int64_t lease;

	setup(2);
	for (int b = 0; b < N; b += 2)
		split[b] = true;
	/* boot: an empty kernel */
	lease = ownership_for_apply(OWN_DAEMON, N, split, &k, owned, held);
	CHECK(!buckets_count(owned, N) && !buckets_count(held, N) && !lease, "daemon mode at boot: no buckets");
	lease = ownership_for_apply(OWN_STATIC, N, split, &k, owned, held);
	CHECK(buckets_count(owned, N) == N / 2 && !lease, "static mode: the split, no lease");
	/* a running daemon's leased elements are kept with what is left of the lease */
	kernel[0][1] = kernel[1][1] = kernel[2][1] = true;
	kernel[0][3] = kernel[2][3] = true; /* left from a static split: no grant */
	kernel[3][5] = true;
	lease = ownership_for_apply(OWN_DAEMON, N, split, &k, owned, held);
	CHECK(owned[1] && !owned[3] && buckets_count(owned, N) == 1 && lease == 250, "daemon mode keeps the lease");
	CHECK(held[3] && held[5] && !held[1] && buckets_count(held, N) == 2, "what it owned and gives up is held");
	/* static: what moved away is held, what it owns is not */
	lease = ownership_for_apply(OWN_STATIC, N, split, &k, owned, held);
	CHECK(held[1] && held[3] && held[5] && !held[0] && !lease, "static re-apply: moved buckets held");
	k.lease_left_ms = 0;
	lease = ownership_for_apply(OWN_DAEMON, N, split, &k, owned, held);
	CHECK(lease == 1, "an element about to expire still gets a timeout, never none");
}

static void test_held(void)
{
	bool held[4] = { true, false, false, false }, before[4] = { false, true, true, false },
	     after[4] = { false, false, true, true }, live[4] = { false, true, false, false };

	held_after(held, before, after, 4);
	CHECK(held[0] && held[1] && !held[2] && !held[3], "held = (held | before) & ~after");
	CHECK(held_release_idle(held, live, 4) == 1 && !held[0] && held[1], "idle held buckets are let go");
}

static void test_step_and_lease(void)
{
	struct ownership o;
	struct own_step st;
	bool all[3] = { true, true, true }, two[3] = { true, true, false };
	const int16_t *a;

	setup(3);
	cfg.failover.enabled = true;
	CHECK(ownership_init(&o, &cfg, 0) == 0, "init");
	a = ownership_assignment(&o, all);
	CHECK(a && ownership_assignment(&o, all) == a && o.cache_valid, "the assignment is cached");
	CHECK(ownership_step(&o, all, true, ACQUIRE_WAIT, &st) == 0 && st.added == 0 && st.pending,
	      "waiting: nothing acquired, pending");
	ownership_step(&o, all, true, ACQUIRE_AGREED, &st);
	CHECK(st.added > 0 && st.added < N && !st.removed, "agreed: its share acquired");
	int share = st.added;
	ownership_committed(&o);
	ownership_step(&o, two, true, ACQUIRE_WAIT, &st);
	CHECK(!st.removed && st.pending, "a death: keeps its own, waits for the dead node's");
	ownership_step(&o, two, true, ACQUIRE_AGREED, &st);
	CHECK(st.added > 0 && !st.removed, "then takes some of the dead node's");
	ownership_committed(&o);
	ownership_step(&o, all, true, ACQUIRE_WAIT, &st);
	CHECK(st.removed > 0 && !st.added && buckets_count(o.next, N) == share, "a return: released at once");
	ownership_committed(&o);
	CHECK(buckets_count(o.held, N) == st.removed, "released buckets are held");
	ownership_step(&o, all, false, ACQUIRE_AGREED, &st);
	CHECK(st.removed == share && !buckets_count(o.next, N), "no quorum (or stopping): owns nothing");
	ownership_step(&o, all, true, ACQUIRE_AGREED, &st);
	/* the lease: it ends before the peers' dead timer and outlasts the renewal interval */
	for (unsigned da = 1; da <= 5; da++)
		for (unsigned hb = 10; hb <= 1000; hb *= 10) {
			cfg.failover.dead_after = da, cfg.failover.heartbeat_ms = hb;
			int64_t l = ownership_lease_ms(&cfg);
			CHECK(l < ownership_silence_ms(&cfg) && l > (int64_t)hb, "lease %lld at %u x %u ms",
			      (long long)l, da, hb);
			CHECK(!ownership_renewal_late(&cfg, 0) &&
				  ownership_renewal_late(&cfg, ownership_silence_ms(&cfg) - l),
			      "a renewal as late as the margin is late");
		}
	cfg.failover.dead_after = 3, cfg.failover.heartbeat_ms = 10;
	CHECK(!ownership_renewal_late(&cfg, 8) && ownership_lease_ms(&cfg) == 26 && ownership_silence_ms(&cfg) == 38,
	      "at 3 x 10 ms a renewal may land 8 ms late, the lease is 26 ms, the peers wait 38 ms");
	cfg.failover.dead_after = 3, cfg.failover.heartbeat_ms = 100;
	ownership_renewed(&o, 1000);
	CHECK(o.lease_until == 1275 && ownership_lease_ms(&cfg) == 275, "a lease of 275 ms at 3 x 100 ms");
	CHECK(!ownership_lease_lapsed(&o, 1274) && buckets_count(o.installed, N) == share, "still leased");
	int had = buckets_count(o.installed, N), held_before = buckets_count(o.held, N);
	CHECK(ownership_lease_lapsed(&o, 1275) && !buckets_count(o.installed, N) &&
		  buckets_count(o.held, N) == held_before + had,
	      "lapsed: owns nothing, keeps its connections as held");
	CHECK(!ownership_lease_lapsed(&o, 5000), "lapses once");
	ownership_free(&o);
}

static struct heartbeat hb_from(int node, uint64_t seq, const uint8_t *view)
{
	struct heartbeat hb = { .node = (uint16_t)node, .incarnation = 1, .seq = seq };

	memcpy(hb.digest, digest, sizeof(digest));
	memcpy(hb.view, view, HB_VIEW_BYTES);
	return hb;
}

/* A node that comes back hears its peers before they hear it: it must not take a bucket
 * until each of them counts it alive, however long that takes. */
static void test_return(void)
{
	struct membership m;
	struct heartbeat hb;
	uint8_t without_me[HB_VIEW_BYTES] = { 0 };
	bool changed;

	setup(3);
	view_set(without_me, 1), view_set(without_me, 2);
	membership_init(&m, &cfg, 0, digest, 0);
	for (int i = 1; i < 3; i++) {
		hb = hb_from(i, 1, without_me);
		membership_receive(&m, &hb, 10, &changed);
	}
	CHECK(membership_may_acquire(&m, 10) == ACQUIRE_WAIT, "peers that do not count it alive: wait");
	for (int t = 100; t < 5000; t += 100) {
		hb = hb_from(1, (uint64_t)t, without_me), membership_receive(&m, &hb, t, &changed);
		hb = hb_from(2, (uint64_t)t, without_me), membership_receive(&m, &hb, t, &changed);
		membership_tick(&m, t);
		if (membership_may_acquire(&m, t) != ACQUIRE_WAIT) {
			CHECK(false, "acquired by hold-down at %d ms from peers it hears", t);
			break;
		}
	}
	hb = hb_from(1, 6000, m.view), membership_receive(&m, &hb, 5000, &changed);
	CHECK(membership_may_acquire(&m, 5000) == ACQUIRE_WAIT, "one of two agrees: wait");
	hb = hb_from(2, 6000, m.view), membership_receive(&m, &hb, 5000, &changed);
	CHECK(membership_may_acquire(&m, 5000) == ACQUIRE_AGREED, "both agree");
	/* a stall past the lease: what the peers said is stale, start over */
	membership_rejoin(&m, 9000);
	CHECK(membership_may_acquire(&m, 9000) == ACQUIRE_WAIT && !m.peers[1].alive, "after a stall: wait again");
	hb = hb_from(1, 5999, m.view);
	CHECK(membership_receive(&m, &hb, 9010, &changed) == HB_REPLAYED, "replay state kept across a rejoin");
}

/* The hold-down is for peers never heard: a node that starts alone takes everything after
 * it, and says so. */
static void test_holddown(void)
{
	struct membership m;
	struct heartbeat hb;
	bool changed;

	setup(3);
	membership_init(&m, &cfg, 0, digest, 0);
	CHECK(membership_may_acquire(&m, 299) == ACQUIRE_WAIT, "alone: waits the hold-down");
	CHECK(membership_may_acquire(&m, 300) == ACQUIRE_HOLDDOWN, "alone: then the hold-down rule");
	hb = hb_from(1, 1, m.view);
	membership_receive(&m, &hb, 310, &changed);
	CHECK(membership_may_acquire(&m, 310) == ACQUIRE_WAIT, "a peer heard with another view: wait");
	hb = hb_from(1, 2, m.view);
	membership_receive(&m, &hb, 320, &changed);
	CHECK(membership_may_acquire(&m, 320) == ACQUIRE_HOLDDOWN, "agreed with node2, node3 never heard");
	CHECK(strstr(acquire_rule_name(ACQUIRE_HOLDDOWN), "not heard") != NULL, "the rule is named in the log");
}

static void test_quorum(void)
{
	struct membership m;
	struct heartbeat hb;
	bool changed;

	setup(4);
	cfg.failover.quorum = QUORUM_MAJORITY;
	membership_init(&m, &cfg, 0, digest, 0);
	CHECK(!membership_has_quorum(&m), "1 of 4: none");
	hb = hb_from(1, 1, m.view), membership_receive(&m, &hb, 1, &changed);
	CHECK(!membership_has_quorum(&m), "2 of 4: none");
	hb = hb_from(2, 1, m.view), membership_receive(&m, &hb, 1, &changed);
	CHECK(membership_has_quorum(&m), "3 of 4: quorum");
}

int main(void)
{
	test_source();
	test_apply();
	test_held();
	test_step_and_lease();
	test_return();
	test_holddown();
	test_quorum();
	return check_summary("test-ownership");
}
