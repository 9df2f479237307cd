// SPDX-License-Identifier: GPL-2.0-or-later
/* The pure core of sharedvipd: heartbeat authentication, replay and membership rules. */
#include <sodium.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "heartbeat.h"
#include "membership.h"

static struct sv_config cfg;
static const uint8_t key[] = "0123456789abcdef0123456789abcdef", digest[HB_DIGEST_LEN] = { 1, 2, 3 };

static struct heartbeat hb_from(int node, uint64_t inc, uint64_t seq, const struct membership *m)
{
	struct heartbeat hb = { .node = (uint16_t)node, .incarnation = inc, .seq = seq };

	memcpy(hb.digest, digest, sizeof(digest));
	memcpy(hb.view, m->view, HB_VIEW_BYTES);
	return hb;
}

/* n nodes of weight 1, 64 buckets, heartbeats every 100 ms, dead after 3 */
static void cluster_of(int n)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_nodes = n;
	cfg.buckets = 64;
	cfg.failover.heartbeat_ms = 100;
	cfg.failover.dead_after = 3;
	for (int i = 0; i < n; i++)
		cfg.nodes[i].weight = 1;
}

static void test_wire(void)
{
	static struct heartbeat in = { .flags = HB_DRAINING,
				       .node = 3,
				       .n_echo = 5,
				       .incarnation = 0x1122334455667788ull,
				       .seq = 42 },
				out;
	uint8_t msg[HB_MAX_LEN], pk[HB_PUBLIC_LEN], sk[HB_SECRET_LEN], pk2[HB_PUBLIC_LEN], sk2[HB_SECRET_LEN];
	size_t len;

	view_set(in.view, 0), view_set(in.view, 255);
	in.echo[4] = 0xdeadbeef;
	len = hb_encode(&in, key, sizeof(key) - 1, NULL, msg);
	CHECK(len == HB_HEADER_LEN + 5 * 4 + HB_MAC_LEN, "length %zu", len);
	CHECK(hb_decode(msg, len, key, sizeof(key) - 1, &out) == 0, "own message rejected");
	CHECK(out.node == 3 && out.seq == 42 && out.incarnation == in.incarnation && out.flags == HB_DRAINING &&
		  view_has(out.view, 255) && !view_has(out.view, 1) && out.n_echo == 5 && out.echo[4] == 0xdeadbeef,
	      "fields");
	CHECK(hb_decode(msg, len, (const uint8_t *)"another key, 16+", 16, &out) == -1, "wrong key accepted");
	for (size_t i = 0; i < len; i++) {
		msg[i] ^= 0x40;
		CHECK(hb_decode(msg, len, key, sizeof(key) - 1, &out) == -1, "byte %zu changed, still accepted", i);
		msg[i] ^= 0x40;
	}
	CHECK(hb_decode(msg, len - 1, key, sizeof(key) - 1, &out) == -1, "short message accepted");
	CHECK(!hb_signed_by(msg, len, pk), "an unsigned message passes as signed");
	/* per-node keys: the signature is the sender's, checked with its public key only */
	crypto_sign_keypair(pk, sk), crypto_sign_keypair(pk2, sk2);
	len = hb_encode(&in, key, sizeof(key) - 1, sk, msg);
	CHECK(len == HB_HEADER_LEN + 5 * 4 + HB_SIG_LEN + HB_MAC_LEN, "signed length %zu", len);
	CHECK(hb_decode(msg, len, key, sizeof(key) - 1, &out) == 0 && (out.flags & HB_SIGNED), "signed rejected");
	CHECK(hb_signed_by(msg, len, pk) && !hb_signed_by(msg, len, pk2), "signature by the wrong key accepted");
	/* a key holder re-signs a message of another's with the shared key: the HMAC holds,
	 * the signature does not */
	msg[7] ^= 1;
	crypto_auth_hmacsha256(msg + len - HB_MAC_LEN, msg, len - HB_MAC_LEN, (const uint8_t *)key);
	CHECK(!hb_signed_by(msg, len, pk), "a changed node field keeps its signature");
	in.n_echo = HB_MAX_NODES;
	CHECK(hb_encode(&in, key, sizeof(key) - 1, sk, msg) == HB_MAX_LEN && HB_MAX_LEN <= 1452,
	      "the largest heartbeat fits one IPv6 datagram on Ethernet");
}

/* A recording (or a peer that has not heard this start) does not echo this node's
 * incarnation: its incarnation is kept, nothing else counts. */
static void test_fresh(void)
{
	static struct heartbeat hb;
	struct membership m;
	bool changed;

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_nodes = 3, cfg.buckets = 64, cfg.failover.heartbeat_ms = 100, cfg.failover.dead_after = 3;
	for (int i = 0; i < 3; i++)
		cfg.nodes[i].weight = 1;
	membership_init(&m, &cfg, 0, digest, 0);
	m.incarnation = 0x500000007ull;
	hb = hb_from(1, 40, 1, &m);
	hb.n_echo = 3, hb.echo[0] = 6; /* heard the node's previous start */
	CHECK(membership_receive(&m, &hb, 10, &changed) == HB_UNPROVEN && !changed && !m.peers[1].alive &&
		  !m.peers[1].heard && m.drops.unproven == 1,
	      "a heartbeat echoing an old start counts");
	membership_echo(&m, &hb);
	CHECK(hb.n_echo == 3 && hb.echo[1] == hb_echo_of(40) && hb.echo[2] == 0 && hb.echo[0] == 0,
	      "the echo is not the incarnations heard");
	hb = hb_from(1, 40, 1, &m);
	hb.n_echo = 3, hb.echo[0] = 7;
	CHECK(membership_receive(&m, &hb, 20, &changed) == HB_DUPLICATE, "a recording is not refused once it is known");
	hb = hb_from(1, 40, 2, &m);
	hb.n_echo = 1, hb.echo[0] = hb_echo_of(m.incarnation);
	CHECK(membership_receive(&m, &hb, 30, &changed) == HB_ACCEPTED && changed && m.peers[1].alive,
	      "a heartbeat echoing this start is not taken");
	hb = hb_from(2, 50, 1, &m);
	CHECK(membership_receive(&m, &hb, 40, &changed) == HB_UNPROVEN && !m.peers[2].alive,
	      "a heartbeat with no echo is taken");
	CHECK(hb_echo_of(1ull << 32) != 0, "an echo of 0 would mean \"not heard\"");

	/* one-way: both peers heard, neither hears this node: they may serve, take nothing */
	membership_init(&m, &cfg, 0, digest, 0);
	m.incarnation = 99;
	for (int i = 1; i < 3; i++) {
		hb = hb_from(i, 5, 1, &m);
		memset(hb.view, 0, sizeof(hb.view));
		view_set(hb.view, 1), view_set(hb.view, 2);
		membership_receive(&m, &hb, 500, &changed);
	}
	CHECK(membership_may_acquire(&m, 600) == ACQUIRE_WAIT, "took buckets from peers that do not hear it");
	CHECK(membership_may_acquire(&m, 500 + 326) != ACQUIRE_WAIT,
	      "unproven peers silent past the dead timer still block");
	/* a fresh peer does not count node2 alive: node2's heartbeats are a recording */
	hb = hb_from(1, 5, 2, &m);
	hb.n_echo = 1, hb.echo[0] = hb_echo_of(99);
	memset(hb.view, 0, sizeof(hb.view));
	view_set(hb.view, 0), view_set(hb.view, 1);
	membership_receive(&m, &hb, 600, &changed);
	CHECK(membership_may_acquire(&m, 600) == ACQUIRE_HOLDDOWN, "a recording refuted by a fresh peer blocks");
}

static void test_membership(void)
{
	struct membership m;
	struct heartbeat hb;
	bool changed, eligible[SV_MAX_NODES];

	cluster_of(4);
	membership_init(&m, &cfg, 0, digest, 1000);
	CHECK(!membership_may_acquire(&m, 1000), "acquires before hearing anyone");
	for (int i = 1; i < 4; i++) {
		hb = hb_from(i, 7, 1, &m);
		CHECK(membership_receive(&m, &hb, 1010, &changed) == HB_ACCEPTED && changed, "node %d joins", i);
	}
	CHECK(!membership_agreed(&m), "agreed although the others reported older views");
	for (int i = 1; i < 4; i++) {
		hb = hb_from(i, 7, 2, &m);
		membership_receive(&m, &hb, 1020, &changed);
	}
	CHECK(membership_agreed(&m) && membership_may_acquire(&m, 1020), "all heard and agreed: may acquire");
	hb = hb_from(1, 7, 2, &m);
	CHECK(membership_receive(&m, &hb, 1030, &changed) == HB_DUPLICATE && m.drops.replayed == 0,
	      "the last heartbeat again (its IPv6 copy): a duplicate, not a replay");
	hb = hb_from(1, 7, 1, &m);
	CHECK(membership_receive(&m, &hb, 1030, &changed) == HB_REPLAYED, "an older seq: replay");
	hb = hb_from(1, 6, 99, &m);
	CHECK(membership_receive(&m, &hb, 1030, &changed) == HB_REPLAYED, "older incarnation: replay");
	hb = hb_from(1, 8, 1, &m);
	CHECK(membership_receive(&m, &hb, 1030, &changed) == HB_ACCEPTED, "new incarnation accepted");
	hb = hb_from(9, 1, 1, &m);
	CHECK(membership_receive(&m, &hb, 1030, &changed) == HB_UNKNOWN_NODE, "unknown node");
	/* silence: dead after dead_after heartbeats (plus slack), not before */
	for (int i = 1; i < 4; i++) {
		hb = hb_from(i, 9, 100, &m);
		membership_receive(&m, &hb, 2000, &changed);
	}
	CHECK(!membership_tick(&m, 2300), "dead after exactly dead_after heartbeats");
	hb = hb_from(1, 9, 101, &m), membership_receive(&m, &hb, 2300, &changed);
	hb = hb_from(2, 9, 101, &m), membership_receive(&m, &hb, 2300, &changed);
	CHECK(membership_tick(&m, 2330) && !m.peers[3].alive && m.peers[1].alive, "node 3 silent for 330 ms: dead");
	membership_eligible(&m, eligible);
	CHECK(eligible[0] && eligible[1] && eligible[2] && !eligible[3], "eligible after a death");
	CHECK(membership_has_quorum(&m), "3 of 4: quorum");
	CHECK(!membership_agreed(&m), "the others have not reported the new view yet");
	CHECK(!membership_may_acquire(&m, 2340) && !membership_may_acquire(&m, 2330 + 3000),
	      "a peer it hears with another view blocks acquiring, however long");
	for (int i = 1; i < 3; i++) {
		hb = hb_from(i, 9, 102 + (uint64_t)i, &m);
		membership_receive(&m, &hb, 2340, &changed);
	}
	CHECK(membership_may_acquire(&m, 2340) == ACQUIRE_AGREED, "both survivors report the view: agreed");
	/* leave and drain */
	hb = hb_from(2, 9, 110, &m);
	hb.flags = HB_LEAVING;
	membership_receive(&m, &hb, 2400, &changed);
	CHECK(changed && !m.peers[2].alive && !membership_has_quorum(&m), "a leave is at once; 2 of 4 is no majority");
	hb = hb_from(1, 9, 111, &m);
	hb.flags = HB_DRAINING;
	membership_receive(&m, &hb, 2400, &changed);
	membership_eligible(&m, eligible);
	CHECK(changed && m.peers[1].alive && !eligible[1], "a draining node is alive but owns nothing");
	/* another config: alive, counted */
	hb = hb_from(1, 9, 112, &m);
	hb.digest[0] ^= 1;
	CHECK(membership_receive(&m, &hb, 2400, &changed) == HB_OTHER_CONFIG && m.peers[1].alive &&
		  m.drops.config_differs == 1,
	      "another config is counted and alive");
}

/* membership = corosync: the group's views and corosync's rings decide who is alive and
 * whether its quorum counts; no dead timer */
static void test_group(void)
{
	const struct ring_id r1 = { 1, 8 }, r2 = { 1, 12 };
	bool changed, members[SV_MAX_NODES] = { true, true, true }, two[SV_MAX_NODES] = { true, true };
	struct membership m;
	struct heartbeat hb;

	cluster_of(3);
	membership_init(&m, &cfg, 0, digest, 1000);
	m.group.mode = true;
	hb = hb_from(1, 7, 1, &m);
	CHECK(membership_receive(&m, &hb, 1000, &changed) == HB_UNKNOWN_NODE && !m.peers[1].alive,
	      "a heartbeat from a node not in the group's view: not heard");
	CHECK(membership_may_acquire(&m, 9000) == ACQUIRE_WAIT, "no view of the group yet: nothing taken, ever");
	membership_set_group(&m, members, false, 1000);
	membership_set_ring(&m, r1);
	membership_set_group_quorum(&m, true, r1);
	CHECK(membership_group_quorum(&m) == GROUP_QUORUM_YES, "the quorum of the ring the view is of counts");
	CHECK(membership_may_acquire(&m, 9000) == ACQUIRE_WAIT,
	      "members not heard yet: they are alive, so no hold-down gives their buckets away");
	for (int i = 1; i < 3; i++) {
		hb = hb_from(i, 7, 2, &m);
		membership_receive(&m, &hb, 1010, &changed);
	}
	for (int i = 1; i < 3; i++) {
		hb = hb_from(i, 7, 3, &m);
		membership_receive(&m, &hb, 1020, &changed);
	}
	CHECK(membership_may_acquire(&m, 1020) == ACQUIRE_AGREED, "every member heard, agreed: may acquire");
	CHECK(!membership_tick(&m, 60000) && m.peers[1].alive && membership_next_death(&m) == INT64_MAX,
	      "no dead timer with corosync: it says who left");
	/* node 2's node leaves the ring: until the new ring and its quorum are known, nothing
	 * is taken and nothing given up for want of quorum */
	membership_set_group(&m, two, true, 1100);
	CHECK(!m.peers[2].alive && membership_group_quorum(&m) == GROUP_QUORUM_PENDING && !membership_quorum_lost(&m) &&
		  membership_may_acquire(&m, 1100) == ACQUIRE_WAIT,
	      "a member's node left: quorum pending, nothing taken, nothing released for it");
	membership_set_group_quorum(&m, false, r2);
	CHECK(membership_group_quorum(&m) == GROUP_QUORUM_PENDING, "a quorum for a ring CPG has not shown yet waits");
	membership_set_ring(&m, r2);
	CHECK(membership_group_quorum(&m) == GROUP_QUORUM_NO && membership_quorum_lost(&m),
	      "the new ring without quorum: lost");
	membership_set_group_quorum(&m, true, r2);
	CHECK(membership_may_acquire(&m, 1344) == ACQUIRE_WAIT,
	      "node 2 left alive: its buckets wait for its lease, a dead timer after its last heartbeat (1020 + 325)");
	hb = hb_from(1, 7, 4, &m);
	membership_receive(&m, &hb, 1400, &changed);
	CHECK(membership_may_acquire(&m, 1400) == ACQUIRE_AGREED && membership_has_quorum(&m),
	      "quorate in the new ring, node 2's lease over, the survivor agrees: may acquire");
	/* a process that leaves (not its node) changes no ring */
	two[1] = false;
	membership_set_group(&m, two, false, 1500);
	CHECK(membership_group_quorum(&m) == GROUP_QUORUM_YES && !m.peers[1].alive,
	      "a daemon that left the group: dead at once, the quorum stands");
	CHECK(membership_may_acquire(&m, 1500) == ACQUIRE_WAIT && membership_may_acquire(&m, 1724) == ACQUIRE_WAIT &&
		  membership_may_acquire(&m, 1725) == ACQUIRE_AGREED,
	      "left without a word (crashed): its buckets wait until its lease has run out (1400 + 325)");
}

/* corosync mode: a member whose daemon hangs (its corosync still passes the token) is dead
 * once this node's own heartbeats have been delivered for a dead timer without one of its;
 * a stalled ring's backlog, arriving at once, is no time passing. */
static void test_group_hung(void)
{
	const struct ring_id r1 = { 1, 8 };
	bool changed, members[SV_MAX_NODES] = { true, true, true };
	struct membership m;
	struct heartbeat hb;
	uint64_t seq = 2;

	cluster_of(3);
	membership_init(&m, &cfg, 0, digest, 1000);
	m.group.mode = true;
	membership_set_group(&m, members, false, 1000);
	membership_set_ring(&m, r1);
	membership_set_group_quorum(&m, true, r1);
	for (int i = 1; i < 3; i++) {
		hb = hb_from(i, 7, seq, &m);
		membership_receive(&m, &hb, 1020, &changed);
	}
	seq++;
	/* node 2 hangs after 1020; node 1 and this node go on every 100 ms */
	for (int64_t t = 1100; t <= 1400; t += 100) {
		CHECK(!membership_group_flowed(&m, t), "own delivery at %lld: nobody silent for a dead timer yet",
		      (long long)t);
		hb = hb_from(1, 7, seq++, &m);
		membership_receive(&m, &hb, t + 50, &changed);
	}
	CHECK(!membership_group_flowed(&m, 1425) && m.peers[2].alive,
	      "node 2 silent while ours flowed 1100..1425: exactly a dead timer, not past it");
	CHECK(membership_group_flowed(&m, 1430) && !m.peers[2].alive && m.peers[2].silent && m.peers[1].alive,
	      "node 2 silent past a dead timer of our deliveries: dead; node 1, heard, alive");
	hb = hb_from(1, 7, seq++, &m);
	membership_receive(&m, &hb, 1440, &changed);
	CHECK(membership_may_acquire(&m, 1440) == ACQUIRE_AGREED,
	      "node 2 hung, its lease over (1020 + 325), node 1 agrees: may acquire");
	hb = hb_from(2, 7, seq++, &m);
	CHECK(membership_receive(&m, &hb, 1500, &changed) == HB_ACCEPTED && changed && m.peers[2].alive &&
		  !m.peers[2].silent,
	      "node 2 heard again: alive");
	/* the ring stalls from 2000 to 6000: then this node's backlog is delivered first */
	CHECK(!membership_group_flowed(&m, 2000), "own delivery before the stall");
	CHECK(!membership_group_flowed(&m, 6000) && !membership_group_flowed(&m, 6001) &&
		  !membership_group_flowed(&m, 6002) && m.peers[1].alive && m.peers[2].alive,
	      "after a stall of the ring our backlog arrives first: nobody called dead");
	for (int i = 1; i < 3; i++) {
		hb = hb_from(i, 7, seq, &m);
		membership_receive(&m, &hb, 6003, &changed);
	}
	CHECK(!membership_group_flowed(&m, 6100) && m.peers[1].alive && m.peers[2].alive,
	      "their backlog follows: everyone alive");
	/* a pause of our own deliveries just short of the limit still counts as flow */
	CHECK(!membership_group_flowed(&m, 6312) && membership_group_flowed(&m, 6429),
	      "pauses of up to a dead timer less an interval and an eighth count as flow");
	/* a member that has not heard this node's start yet (no proof of freshness) still sends */
	m.incarnation = 99;
	for (int64_t t = 6500; t <= 7000; t += 100) {
		hb = hb_from(1, 7, ++seq, &m);
		CHECK(membership_receive(&m, &hb, t + 50, &changed) == HB_UNPROVEN, "unproven at %lld", (long long)t);
		membership_group_flowed(&m, t + 60);
	}
	CHECK(!m.peers[1].silent, "a member sending unproven heartbeats is not hung");
}

int main(void)
{
	test_wire();
	test_fresh();
	test_membership();
	test_group();
	test_group_hung();
	return check_summary("test-membership");
}
