// SPDX-License-Identifier: GPL-2.0-or-later
/* The pure core of sharedvipd: heartbeat authentication, replay and membership rules. */
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

static void test_wire(void)
{
	struct heartbeat in = { .flags = HB_DRAINING, .node = 3, .incarnation = 0x1122334455667788ull, .seq = 42 }, out;
	uint8_t msg[HB_LEN];

	view_set(in.view, 0), view_set(in.view, 255);
	hb_encode(&in, key, sizeof(key) - 1, msg);
	CHECK(hb_decode(msg, HB_LEN, key, sizeof(key) - 1, &out) == 0, "own message rejected");
	CHECK(out.node == 3 && out.seq == 42 && out.incarnation == in.incarnation && out.flags == HB_DRAINING &&
		  view_has(out.view, 255) && !view_has(out.view, 1),
	      "fields");
	CHECK(hb_decode(msg, HB_LEN, (const uint8_t *)"another key, 16+", 16, &out) == -1, "wrong key accepted");
	for (int i = 0; i < HB_LEN; i++) {
		msg[i] ^= 0x40;
		CHECK(hb_decode(msg, HB_LEN, key, sizeof(key) - 1, &out) == -1, "byte %d changed, still accepted", i);
		msg[i] ^= 0x40;
	}
	CHECK(hb_decode(msg, HB_LEN - 1, key, sizeof(key) - 1, &out) == -1, "short message accepted");
}

static void test_membership(void)
{
	struct membership m;
	struct heartbeat hb;
	bool changed, eligible[SV_MAX_NODES];

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_nodes = 4;
	cfg.buckets = 64;
	cfg.failover.heartbeat_ms = 100;
	cfg.failover.dead_after = 3;
	for (int i = 0; i < 4; i++)
		cfg.nodes[i].weight = 1;
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

int main(void)
{
	test_wire();
	test_membership();
	return check_summary("test-membership");
}
