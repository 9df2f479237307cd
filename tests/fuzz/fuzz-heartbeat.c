// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for the heartbeat decoder and membership: each 144-byte piece of the
 * input is decoded as it came off the wire (the HMAC must reject it unless it is
 * authentic), then signed anew with the cluster's key and fed to membership and the
 * ownership step, as a key holder could send it; the invariants must hold whatever
 * arrives: the decoder rejects every change to an authentic message, this node is in its
 * own view unless draining or unhealthy, the assignment gives each bucket to one eligible
 * node, and nothing is acquired without agreement. In half the runs membership comes from
 * corosync (group views, rings and quorum verdicts drawn from the input too): then nothing
 * is acquired without a quorum known for the ring, and no node outside the group is alive. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "heartbeat.h"
#include "membership.h"
#include "ownership.h"

#define PIECE 144

static const uint8_t key[32] = "fuzzing key, thirty-two bytes!!";
static struct sv_config cfg;

static void setup(void)
{
	if (sodium_init() < 0)
		abort();
	cfg.n_nodes = 5;
	cfg.buckets = 64;
	cfg.failover.heartbeat_ms = 100, cfg.failover.dead_after = 3;
	for (int i = 0; i < cfg.n_nodes; i++)
		cfg.nodes[i].weight = (unsigned)i % 3, snprintf(cfg.nodes[i].name, sizeof(cfg.nodes[i].name), "n%d", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t digest[HB_DIGEST_LEN] = { 1 };
	static struct membership m;
	static struct ownership o;
	static bool ready;
	static uint8_t msg[HB_MAX_LEN];
	static struct heartbeat hb;
	size_t len;
	int64_t now = 0;
	bool changed, eligible[SV_MAX_NODES];

	if (!ready) {
		setup();
		if (ownership_init(&o, &cfg, 0))
			abort();
		ready = true;
	}
	membership_init(&m, &cfg, 0, digest, 0);
	m.incarnation = size % 2 ? 0 : 7; /* half the runs ask every heartbeat for an echo */
	m.group.mode = size % 4 >= 2;
	memset(o.installed, 0, cfg.buckets), memset(o.held, 0, cfg.buckets);
	for (size_t off = 0; off + PIECE <= size; off += PIECE) {
		memcpy(msg, data + off, PIECE);
		len = HB_HEADER_LEN + HB_MAC_LEN + msg[9] % 8 * 4;
		if (hb_decode(msg, len, key, sizeof(key), &hb) == 0) {
			/* authentic by chance: then any one changed byte must be refused */
			msg[off % len] ^= 1;
			if (hb_decode(msg, len, key, sizeof(key), &hb) == 0)
				abort();
			msg[off % len] ^= 1;
		}
		/* as a key holder would send it */
		memset(&hb, 0, sizeof(hb));
		hb.flags = msg[5], hb.node = (uint16_t)(msg[6] % 8), hb.incarnation = msg[7] % 4, hb.seq = msg[8];
		memcpy(hb.digest, msg[9] & 1 ? digest : msg + 10, HB_DIGEST_LEN);
		memcpy(hb.view, msg + 30, HB_VIEW_BYTES);
		hb.n_echo = msg[73] % 8;
		for (int i = 0; i < hb.n_echo; i++)
			hb.echo[i] = msg[74 + i] % 2 ? hb_echo_of(7) : msg[74 + i];
		len = hb_encode(&hb, key, sizeof(key), NULL, msg);
		if (hb_decode(msg, len, key, sizeof(key), &hb))
			abort();
		now += data[off + 70] * 10;
		membership_receive(&m, &hb, now, &changed);
		membership_tick(&m, now);
		if (data[off + 71] == 1)
			membership_set_draining(&m, data[off + 72] & 1, now);
		if (data[off + 71] == 2)
			membership_set_healthy(&m, data[off + 72] & 1, now);
		if (m.group.mode && data[off + 71] == 6)
			membership_group_flowed(&m, now); /* this node's own heartbeat delivered */
		if (m.group.mode && data[off + 71] >= 3 && data[off + 71] <= 5) {
			bool member[SV_MAX_NODES] = { true };
			struct ring_id ring = { 1, data[off + 72] % 4 };
			for (int i = 1; i < cfg.n_nodes; i++)
				member[i] = (data[off + 73] >> i) & 1;
			if (data[off + 71] == 3)
				membership_set_group(&m, member, data[off + 72] & 4, now);
			else if (data[off + 71] == 4)
				membership_set_ring(&m, ring);
			else
				membership_set_group_quorum(&m, data[off + 72] & 8, ring);
		}
		membership_eligible(&m, eligible);
		if (!m.self_draining && (!m.self_unhealthy || m.fail_open) && !eligible[0])
			abort();
		enum acquire_rule rule = membership_may_acquire(&m, now);
		if (m.group.mode && rule != ACQUIRE_WAIT && membership_group_quorum(&m) != GROUP_QUORUM_YES)
			abort(); /* with corosync: acquired without a quorum for the ring */
		for (int i = 1; m.group.mode && i < cfg.n_nodes; i++)
			if (m.peers[i].alive && (!m.group.known || !m.group.member[i]))
				abort(); /* alive outside corosync's group */
		struct own_step st;
		const int16_t *owner = ownership_assignment(&o, eligible);
		if (!owner || ownership_step(&o, eligible, true, rule, &st))
			abort();
		for (uint32_t b = 0; b < cfg.buckets; b++) {
			if (owner[b] >= 0 && !eligible[owner[b]])
				abort(); /* a bucket on a node that may not own */
			if (o.next[b] && !o.installed[b] && rule == ACQUIRE_WAIT)
				abort(); /* acquired without agreement */
			if (o.next[b] && owner[b] != 0)
				abort(); /* owns what is another's */
		}
		ownership_committed(&o);
	}
	return 0;
}
