// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */

/*
 * What sharedvip puts in nftables, decided from the config alone (plus which buckets this
 * node owns and still holds). Three tables named sharedvip:
 *   netdev: at ingress on the interface, drop traffic for the VIPs whose bucket this node
 *           neither owns nor still holds, before conntrack spends anything on it;
 *   inet:   accept new connections (TCP SYN, UDP, ICMP echo) for owned buckets, established
 *           TCP whatever the ownership, and replies to flows the node opened itself (which
 *           are source-NATed into the node's slice of local_ports);
 *   arp:    only the owner of bucket 0 answers ARP for the VIPs.
 * Which buckets the node owns and holds lives in sets only: changing ownership (apply or
 * sharedvipd) swaps set elements and never replaces a rule.
 */
#include "ruleset.h"

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "rulebuild.h"

enum { SET_VIP4 = 1, SET_VIP6, SET_OWNED, SET_HELD, SET_BUCKETS, SET_LEASE };

const struct rs_bucket_set rs_bucket_sets[RS_N_BUCKET_SETS] = {
	{ NFPROTO_INET, RS_SET_OWNED, RS_OWNED },
	{ NFPROTO_INET, RS_SET_HELD, RS_HELD },
	{ NFPROTO_NETDEV, RS_MAP_BUCKETS, RS_OWNED_OR_HELD },
	{ NFPROTO_ARP, RS_SET_OWNED, RS_OWNED },
};

const char *family_name(int family)
{
	return family == NFPROTO_INET ? "inet" : family == NFPROTO_NETDEV ? "netdev" : "arp";
}

/* What nft stores for `typeof meta length` and for address sets, so that `nft list`
 * prints our sets as it prints its own. */
static const uint8_t udata_typeof_u32[] = { 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x03, 0x0e, 0x00, 0x04, 0x09,
					    0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t udata_big_endian[] = { 0x00, 0x04, 0x02, 0x00, 0x00, 0x00 };
/* `typeof iifname' (the meta expression, key NFT_META_IIFNAME) */
static const uint8_t udata_typeof_ifname[] = { 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x03, 0x0e, 0x00, 0x04, 0x09,
					       0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x04, 0x06, 0x00, 0x00, 0x00 };
#define TYPE_INTEGER 4
#define TYPE_IFNAME  41
/* and for `typeof meta length : verdict' */
static const uint8_t udata_typeof_u32_verdict[] = { 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00,
						    0x00, 0x03, 0x0e, 0x00, 0x04, 0x09, 0x00, 0x00, 0x00, 0x01, 0x06,
						    0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x04, 0x08, 0x00, 0x04, 0x01,
						    0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };

static uint32_t sid(const struct rs_table *t, uint32_t id);

/* A set of the table; id is its SET_* number, made unique across tables by sid(). */
static struct nftnl_set *new_set(struct rs_table *t, const char *name, uint32_t id, uint32_t type, uint32_t len)
{
	struct nftnl_set *s;

	if (t->n_sets == RS_MAX_SETS || !(s = nftnl_set_alloc()))
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, SV_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)t->family);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, sid(t, id));
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, 0);
	if (type == TYPE_INTEGER)
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, udata_typeof_u32, sizeof(udata_typeof_u32));
	else if (type == TYPE_IFNAME)
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, udata_typeof_ifname, sizeof(udata_typeof_ifname));
	else
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, udata_big_endian, sizeof(udata_big_endian));
	t->sets[t->n_sets++] = s;
	return s;
}

struct nftnl_set_elem *rs_bucket_elem(uint32_t bucket, enum rs_members members, bool member)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return NULL;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &bucket, sizeof(bucket));
	if (members == RS_OWNED_OR_HELD) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, member ? NF_ACCEPT : (uint32_t)NFT_GOTO);
		if (!member)
			nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, RS_CHAIN_FOREIGN);
	}
	return e;
}

struct nftnl_set_elem *rs_lease_elem(const char *ifname, int64_t timeout_ms)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	char name[IFNAMSIZ] = { 0 };

	if (!e)
		return NULL;
	strncpy(name, ifname, sizeof(name) - 1);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, name, sizeof(name));
	nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, (uint64_t)(timeout_ms > 0 ? timeout_ms : 1));
	return e;
}

static int add_elem(struct nftnl_set *s, const void *key, uint32_t len, int64_t timeout_ms)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return -1;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	if (timeout_ms > 0)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, (uint64_t)timeout_ms);
	nftnl_set_elem_add(s, e);
	return 0;
}

static int vip_set(struct rs_table *t, struct strbuf *body, const struct sv_config *cfg, int family)
{
	const char *name = family == AF_INET ? RS_SET_VIP4 : RS_SET_VIP6;
	struct nftnl_set *s = new_set(t, name, family == AF_INET ? SET_VIP4 : SET_VIP6, family == AF_INET ? 7 : 8,
				      family == AF_INET ? 4 : 16);
	char a[SV_ADDRSTRLEN];
	const char *sep = "";

	if (!s)
		return -1;
	sb_printf(body, "%s\tset %s {\n\t\ttype %s\n\t\telements = { ", body->len ? "\n" : "", name,
		  family == AF_INET ? "ipv4_addr" : "ipv6_addr");
	for (int i = 0; i < cfg->n_vips; i++) {
		if (cfg->vips[i].family != family)
			continue;
		if (add_elem(s, cfg->vips[i].b, (uint32_t)addr_len(&cfg->vips[i]), 0))
			return -1;
		sb_printf(body, "%s%s", sep, addr_str(&cfg->vips[i], a, false));
		sep = ", ";
	}
	sb_printf(body, " }\n\t}\n");
	return 0;
}

static int vip_sets(struct rs_table *t, struct strbuf *body, const struct sv_config *cfg)
{
	int ret = 0;

	for (int f = 0; f < 2; f++)
		if (config_has_vip_family(cfg, f ? AF_INET6 : AF_INET))
			ret |= vip_set(t, body, cfg, f ? AF_INET6 : AF_INET);
	return ret;
}

/* A set of bucket numbers. */
static int bucket_set(struct rs_table *t, struct strbuf *body, const char *name, uint32_t id, const bool *members,
		      uint32_t buckets)
{
	struct nftnl_set *s = new_set(t, name, id, TYPE_INTEGER, 4);
	const char *sep = "";
	int n = 0;

	if (!s)
		return -1;
	t->bucket_sets[t->n_bucket_sets] = t->n_sets - 1;
	t->bucket_members[t->n_bucket_sets++] = members;
	sb_printf(body, "%s\tset %s {\n\t\ttypeof meta length\n", body->len ? "\n" : "", name);
	t->elem_start[t->n_elem_ranges] = body->len;
	for (uint32_t b = 0; members && b < buckets; b++) {
		if (!members[b])
			continue;
		if (add_elem(s, &b, sizeof(b), 0))
			return -1;
		sb_printf(body, "%s%u", n++ ? sep : "\t\telements = { ", b);
		sep = ", ";
	}
	sb_printf(body, "%s", n ? " }\n" : "");
	t->elem_end[t->n_elem_ranges++] = body->len;
	sb_printf(body, "\t}\n");
	return 0;
}

/* sharedvipd's lease: one element, the interface's name, that times out unless renewed.
 * The rules that accept new connections look it up, so a daemon that hangs stops taking
 * them when it runs out, and renewing costs one element, not one per owned bucket. */
static int lease_set(struct rs_table *t, struct strbuf *body, const struct ruleset_input *in)
{
	struct nftnl_set *s = new_set(t, RS_SET_LEASE, SET_LEASE, TYPE_IFNAME, IFNAMSIZ);
	struct nftnl_set_elem *e;
	int64_t timeout = in->lease_ms > 0 ? in->lease_ms : 1;

	if (!s || !(e = rs_lease_elem(in->cfg->interface, timeout)))
		return -1;
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT);
	nftnl_set_elem_add(s, e);
	sb_printf(body, "\n\tset %s {\n\t\ttypeof iifname\n\t\tflags timeout\n", RS_SET_LEASE);
	t->elem_start[t->n_elem_ranges] = body->len;
	sb_printf(body, "\t\telements = { \"%s\" timeout %lldms }\n", in->cfg->interface, (long long)timeout);
	t->elem_end[t->n_elem_ranges++] = body->len;
	sb_printf(body, "\t}\n");
	return 0;
}

/* A chain; a base chain when hook_text names its hook. */
static int add_chain(struct rs_table *t, struct strbuf *body, const char *name, const char *hook_text, int hook,
		     int prio, const char *type, const char *dev, const char *prio_text)
{
	struct nftnl_chain *c;

	if (t->n_chains == RS_MAX_CHAINS || !(c = nftnl_chain_alloc()))
		return -1;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, SV_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, (uint32_t)t->family);
	if (body->len)
		sb_printf(body, "\n");
	sb_printf(body, "\tchain %s {\n", name);
	if (hook_text) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		if (dev)
			nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, dev);
		sb_printf(body, "\t\ttype %s hook %s", type, hook_text);
		if (dev)
			sb_printf(body, " device \"%s\"", dev);
		sb_printf(body, " priority %s; policy accept;\n", prio_text);
	}
	t->chains[t->n_chains++] = c;
	return 0;
}

static void close_chain(struct strbuf *body)
{
	sb_printf(body, "\t}\n");
}

/* Set IDs name sets within one transaction, which may hold all three tables. */
static uint32_t sid(const struct rs_table *t, uint32_t id)
{
	_Static_assert(SET_BUCKETS < 16, "set numbers fit below the family offset");
	return id + (uint32_t)t->family * 16;
}

static struct bucket_key key_for(const struct sv_config *cfg, int family, bool with_port)
{
	return (struct bucket_key){ family, cfg->affinity, with_port, cfg->buckets, cfg->seed };
}

/* A bucket rule; for flow affinity, TCP and UDP hash with the source port and every other
 * protocol (ICMP echo) with the address alone, which is what `--who ADDRESS` reports. With
 * need_socket (new connections), only if a socket here would take the packet: a SYN for a
 * service that is not running is dropped, never reset, and so is a datagram (no ICMP
 * error), so the client's retransmission reaches the bucket's next owner. */
static int bucket_rule(struct rs_table *t, const char *chain, const struct sv_config *cfg, int family, uint8_t proto,
		       const char *set, uint32_t id, bool need_socket, int verdict, const char *comment)
{
	struct rule_builder rb;
	struct bucket_key key = key_for(cfg, family, proto && hash_modes[cfg->affinity].port);

	rb_begin(&rb, t, chain);
	if (proto)
		m_l4proto(&rb, proto);
	m_bucket_in(&rb, &key, set, sid(t, id));
	if (need_socket)
		m_socket_exists(&rb);
	if (comment)
		s_counter(&rb); /* a named rule is counted, as simple_rule's */
	v_verdict(&rb, verdict);
	if (comment)
		rb_comment(&rb, comment);
	return rb_end(&rb);
}

static int simple_rule(struct rule_builder *rb, int verdict, const char *comment)
{
	if (comment)
		s_counter(rb);
	v_verdict(rb, verdict);
	if (comment)
		rb_comment(rb, comment);
	return rb_end(rb);
}

static int jump_rules(struct rs_table *t, const struct sv_config *cfg, const char *chain, bool match_if)
{
	struct rule_builder rb;
	int ret = 0;

	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		if (!config_has_vip_family(cfg, family))
			continue;
		rb_begin(&rb, t, chain);
		if (match_if)
			m_iifname(&rb, cfg->interface);
		m_daddr_in(&rb, family, f ? RS_SET_VIP6 : RS_SET_VIP4, sid(t, f ? SET_VIP6 : SET_VIP4));
		v_jump(&rb, f ? RS_SET_VIP6 : RS_SET_VIP4);
		ret |= rb_end(&rb);
	}
	return ret;
}

static int local_port_rules(struct rs_table *t, const struct sv_config *cfg, const char *chain, int verdict)
{
	struct rule_builder rb;
	int ret = 0;

	for (int i = 0; i < 2; i++) {
		rb_begin(&rb, t, chain);
		m_dport(&rb, i ? IPPROTO_UDP : IPPROTO_TCP, cfg->local_lo, cfg->local_hi);
		ret |= simple_rule(&rb, verdict, NULL);
	}
	return ret;
}

/* A node's own neighbour solicitations may leave from the VIP (the kernel takes the source
 * of the packet that needs the neighbour), so the answers come back to the VIP on every
 * node. Which node answers solicitations for the VIP is decided by nd_rules(). */
static int nd_accept_rules(struct rs_table *t, const char *chain)
{
	struct rule_builder rb;
	int ret = 0;

	for (int advert = 0; advert < 2; advert++) {
		rb_begin(&rb, t, chain);
		m_nd(&rb, advert);
		ret |= simple_rule(&rb, NF_ACCEPT, NULL);
	}
	return ret;
}

/* One rule of the ingress chain: a VIP of family (compared, when it is the only one: that
 * costs less than a set lookup), then the rest from the caller. */
static void ingress_rule(struct rule_builder *rb, struct rs_table *t, const struct sv_config *cfg, int family)
{
	const struct sv_addr *only = NULL;
	int n = 0;

	for (int i = 0; i < cfg->n_vips; i++)
		if (cfg->vips[i].family == family)
			only = &cfg->vips[i], n++;
	rb_begin(rb, t, "ingress");
	if (n == 1)
		m_daddr_eq(rb, only);
	else
		m_daddr_in(rb, family, family == AF_INET ? RS_SET_VIP4 : RS_SET_VIP6,
			   sid(t, family == AF_INET ? SET_VIP4 : SET_VIP6));
}

static int ingress_vmap(struct rule_builder *rb, struct rs_table *t, const struct sv_config *cfg, int family,
			bool with_port)
{
	struct bucket_key key = key_for(cfg, family, with_port);

	v_bucket_vmap(rb, &key, RS_MAP_BUCKETS, sid(t, SET_BUCKETS));
	return rb_end(rb);
}

/* A foreign packet takes one rule: its VIP, the slice of local_ports that replies to this
 * node's own flows come back to, and one lookup of its bucket in the verdict map. With
 * flow affinity, TCP and UDP hash with the source port and the rest with the address
 * alone. For IPv6, neighbour discovery for the VIP is let through (a node's own
 * solicitations may leave from the VIP, so the answers come to all), after the rule that
 * takes everything but ICMPv6, so that it costs the common packet nothing. */
static int ingress_rules(struct rs_table *t, const struct sv_config *cfg, int family)
{
	struct rule_builder rb;
	int ret = 0;

	for (int i = 0; hash_modes[cfg->affinity].port && i < 2; i++) {
		ingress_rule(&rb, t, cfg, family);
		m_l4proto(&rb, i ? IPPROTO_UDP : IPPROTO_TCP);
		m_th_dport_outside(&rb, cfg->local_lo, cfg->local_hi);
		ret |= ingress_vmap(&rb, t, cfg, family, true);
	}
	if (!hash_modes[cfg->affinity].port) {
		ingress_rule(&rb, t, cfg, family);
		if (family == AF_INET6)
			m_l4proto_not(&rb, IPPROTO_ICMPV6);
		m_th_dport_outside(&rb, cfg->local_lo, cfg->local_hi);
		ret |= ingress_vmap(&rb, t, cfg, family, false);
	}
	for (int advert = 0; family == AF_INET6 && advert < 2; advert++) {
		ingress_rule(&rb, t, cfg, family);
		m_nd(&rb, advert);
		ret |= simple_rule(&rb, NF_ACCEPT, NULL);
	}
	/* what is left: with flow affinity all but TCP and UDP; else ICMPv6 (IPv6 only) */
	if (hash_modes[cfg->affinity].port || family == AF_INET6) {
		ingress_rule(&rb, t, cfg, family);
		if (hash_modes[cfg->affinity].port)
			m_l4proto_not(&rb, IPPROTO_TCP), m_l4proto_not(&rb, IPPROTO_UDP);
		else
			m_l4proto(&rb, IPPROTO_ICMPV6);
		ret |= ingress_vmap(&rb, t, cfg, family, false);
	}
	return ret;
}

/* The verdict map of every bucket: accepted when this node owns or holds it, else to the
 * foreign chain, which counts and drops. */
static int bucket_map(struct rs_table *t, struct strbuf *body, const struct ruleset_input *in)
{
	const struct sv_config *cfg = in->cfg;
	struct nftnl_set *s = new_set(t, RS_MAP_BUCKETS, SET_BUCKETS, TYPE_INTEGER, 4);

	if (!s || !(t->accepted = calloc(cfg->buckets, sizeof(bool))))
		return -1;
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 0);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, udata_typeof_u32_verdict, sizeof(udata_typeof_u32_verdict));
	t->bucket_sets[t->n_bucket_sets] = t->n_sets - 1;
	t->bucket_members[t->n_bucket_sets++] = t->accepted;
	sb_printf(body, "%s\tmap %s {\n\t\ttypeof meta length : verdict\n", body->len ? "\n" : "", RS_MAP_BUCKETS);
	t->elem_start[t->n_elem_ranges] = body->len;
	for (uint32_t b = 0; b < cfg->buckets; b++) {
		struct nftnl_set_elem *e;
		t->accepted[b] = (in->owned && in->owned[b]) || (in->held && in->held[b]);
		if (!(e = rs_bucket_elem(b, RS_OWNED_OR_HELD, t->accepted[b])))
			return -1;
		nftnl_set_elem_add(s, e);
		sb_printf(body, "%s%u : %s", b ? ", " : "\t\telements = { ", b,
			  t->accepted[b] ? "accept" : "goto " RS_CHAIN_FOREIGN);
	}
	sb_printf(body, "%s", cfg->buckets ? " }\n" : "");
	t->elem_end[t->n_elem_ranges++] = body->len;
	sb_printf(body, "\t}\n");
	return 0;
}

/* Switch mode: every frame leaves with the node's own source MAC, so a learning switch
 * never sees the shared MAC as a source and keeps flooding frames addressed to it. */
static int egress_chain(struct rs_table *t, struct strbuf *body, const struct sv_config *cfg, const uint8_t send_mac[6])
{
	struct rule_builder rb;
	int ret;

	ret = add_chain(t, body, "egress", "egress", NF_NETDEV_EGRESS, 0, "filter", cfg->interface, "0");
	rb_begin(&rb, t, "egress");
	m_ether_saddr(&rb, cfg->shared_mac);
	s_ether_saddr_set(&rb, send_mac);
	ret |= rb_end(&rb);
	close_chain(body);
	return ret;
}

static int build_netdev(struct rs_table *t, struct strbuf *body, const struct ruleset_input *in)
{
	const struct sv_config *cfg = in->cfg;
	struct rule_builder rb;
	int ret = 0;

	ret |= vip_sets(t, body, cfg);
	ret |= add_chain(t, body, RS_CHAIN_FOREIGN, NULL, 0, 0, NULL, NULL, NULL);
	rb_begin(&rb, t, RS_CHAIN_FOREIGN);
	ret |= simple_rule(&rb, NF_DROP, "foreign");
	close_chain(body);
	ret |= bucket_map(t, body, in);
	ret |= add_chain(t, body, "ingress", "ingress", NF_NETDEV_INGRESS, -500, "filter", cfg->interface, "-500");
	for (int f = 0; f < 2; f++)
		if (config_has_vip_family(cfg, f ? AF_INET6 : AF_INET))
			ret |= ingress_rules(t, cfg, f ? AF_INET6 : AF_INET);
	close_chain(body);
	if (cfg->mode == MODE_SWITCH) {
		uint8_t send_mac[6];
		config_send_mac(cfg, in->node, send_mac);
		ret |= egress_chain(t, body, cfg, send_mac);
	}
	return ret;
}

static int service_rules(struct rs_table *t, const struct sv_config *cfg, const char *chain, int family)
{
	struct bucket_key key;
	struct rule_builder rb;
	int ret = 0;

	if (!cfg->n_services) {
		ret |= bucket_rule(t, chain, cfg, family, IPPROTO_TCP, RS_SET_OWNED, SET_OWNED, true, NF_ACCEPT, "new");
		ret |= bucket_rule(t, chain, cfg, family, IPPROTO_UDP, RS_SET_OWNED, SET_OWNED, true, NF_ACCEPT, "new");
	}
	for (int i = 0; i < cfg->n_services; i++) {
		const struct sv_service *sv = &cfg->services[i];
		key = key_for(cfg, family, hash_modes[cfg->affinity].port);
		rb_begin(&rb, t, chain);
		if (sv->lo == 0 && sv->hi == 65535)
			m_l4proto(&rb, sv->proto);
		else
			m_dport(&rb, sv->proto, sv->lo, sv->hi);
		m_bucket_in(&rb, &key, RS_SET_OWNED, sid(t, SET_OWNED));
		m_socket_exists(&rb);
		ret |= simple_rule(&rb, NF_ACCEPT, "new");
	}
	if (cfg->ping) {
		key = key_for(cfg, family, false);
		rb_begin(&rb, t, chain);
		m_icmp_echo(&rb, family);
		m_bucket_in(&rb, &key, RS_SET_OWNED, sid(t, SET_OWNED));
		ret |= simple_rule(&rb, NF_ACCEPT, "new");
	}
	return ret;
}

static int inet_vip_chain(struct rs_table *t, struct strbuf *body, const struct ruleset_input *in, int family)
{
	const struct sv_config *cfg = in->cfg;
	const char *chain = family == AF_INET ? RS_SET_VIP4 : RS_SET_VIP6;
	struct rule_builder rb;
	int ret;

	ret = add_chain(t, body, chain, NULL, 0, 0, NULL, NULL, NULL);
	rb_begin(&rb, t, chain);
	m_ct_reply(&rb);
	ret |= simple_rule(&rb, NF_ACCEPT, NULL);
	ret |= local_port_rules(t, cfg, chain, NF_DROP);
	rb_begin(&rb, t, chain);
	m_l4proto(&rb, IPPROTO_TCP);
	m_ct_state(&rb, 0x6, "established,related");
	ret |= simple_rule(&rb, NF_ACCEPT, NULL);
	rb_begin(&rb, t, chain);
	m_tcp_not_syn(&rb);
	ret |= simple_rule(&rb, NF_DROP, "stray");
	if (in->leased) { /* the lease ran out: no new connection, whatever the owned set says */
		rb_begin(&rb, t, chain);
		m_iifname_not_in(&rb, RS_SET_LEASE, sid(t, SET_LEASE));
		ret |= simple_rule(&rb, NF_DROP, "not-owned");
	}
	ret |= service_rules(t, cfg, chain, family);
	rb_begin(&rb, t, chain);
	ret |= simple_rule(&rb, NF_DROP, "not-owned");
	close_chain(body);
	return ret;
}

static int snat_rules(struct rs_table *t, struct strbuf *body, const struct ruleset_input *in)
{
	const struct sv_config *cfg = in->cfg;
	struct rule_builder rb;
	uint16_t lo, hi;
	int ret;

	config_local_slice(cfg, in->node, &lo, &hi);
	ret = add_chain(t, body, "postrouting", "postrouting", NF_INET_POST_ROUTING, 110, "nat", NULL, "srcnat + 10");
	for (int i = 0; i < cfg->n_vips; i++)
		for (int p = 0; p < 2; p++) {
			rb_begin(&rb, t, "postrouting");
			m_saddr_eq(&rb, &cfg->vips[i]);
			m_l4proto(&rb, p ? IPPROTO_UDP : IPPROTO_TCP);
			s_snat(&rb, &cfg->vips[i], lo, hi);
			ret |= rb_end(&rb);
		}
	close_chain(body);
	return ret;
}

/* Like ARP, neighbour solicitations for the VIPs are answered by the owner of bucket 0 only. */
static int nd_rules(struct rs_table *t, const struct ruleset_input *in)
{
	const struct sv_config *cfg = in->cfg;
	struct rule_builder rb;
	int ret = 0;

	for (int i = 0; i < cfg->n_vips; i++) {
		if (cfg->vips[i].family != AF_INET6)
			continue;
		rb_begin(&rb, t, "input");
		m_nd_solicit_for(&rb, &cfg->vips[i]);
		m_not_bucket0(&rb, false, RS_SET_OWNED, sid(t, SET_OWNED));
		ret |= simple_rule(&rb, NF_DROP, NULL);
		if (!in->leased)
			continue;
		rb_begin(&rb, t, "input");
		m_nd_solicit_for(&rb, &cfg->vips[i]);
		m_iifname_not_in(&rb, RS_SET_LEASE, sid(t, SET_LEASE));
		ret |= simple_rule(&rb, NF_DROP, NULL);
	}
	return ret;
}

/* IPv6 forwarding follows only the global switch, which containers turn on: then every
 * node would forward what it hears for the other nodes back onto the LAN. Drop IPv6 from
 * the interface that is not for this host, before conntrack. */
static int forwarding_guard(struct rs_table *t, struct strbuf *body, const struct sv_config *cfg)
{
	static const uint32_t types[] = { RTN_LOCAL, RTN_MULTICAST, RTN_ANYCAST };
	static const char *const names[] = { "local", "multicast", "anycast" };
	struct rule_builder rb;
	int ret;

	ret = add_chain(t, body, "prerouting", "prerouting", NF_INET_PRE_ROUTING, -300, "filter", NULL, "raw");
	rb_begin(&rb, t, "prerouting");
	m_iifname(&rb, cfg->interface);
	m_nfproto(&rb, AF_INET6);
	m_fib_daddr_type_not(&rb, types, names, 3);
	ret |= simple_rule(&rb, NF_DROP, "not-local6");
	close_chain(body);
	return ret;
}

static int build_inet(struct rs_table *t, struct strbuf *body, const struct ruleset_input *in)
{
	const struct sv_config *cfg = in->cfg;
	int ret = 0;

	ret |= vip_sets(t, body, cfg);
	ret |= bucket_set(t, body, RS_SET_OWNED, SET_OWNED, in->owned, cfg->buckets);
	if (in->leased)
		ret |= lease_set(t, body, in);
	/* which buckets are held: no rule looks at it (the netdev map does the work) */
	ret |= bucket_set(t, body, RS_SET_HELD, SET_HELD, in->held, cfg->buckets);
	ret |= add_chain(t, body, "input", "input", NF_INET_LOCAL_IN, -10, "filter", NULL, "filter - 10");
	ret |= nd_rules(t, in);
	if (config_has_vip_family(cfg, AF_INET6))
		ret |= nd_accept_rules(t, "input");
	ret |= jump_rules(t, cfg, "input", true);
	close_chain(body);
	ret |= forwarding_guard(t, body, cfg);
	for (int f = 0; f < 2; f++)
		if (config_has_vip_family(cfg, f ? AF_INET6 : AF_INET))
			ret |= inet_vip_chain(t, body, in, f ? AF_INET6 : AF_INET);
	ret |= snat_rules(t, body, in);
	return ret;
}

static int build_arp(struct rs_table *t, struct strbuf *body, const struct ruleset_input *in)
{
	struct rule_builder rb;
	int ret;

	ret = vip_set(t, body, in->cfg, AF_INET);
	ret |= bucket_set(t, body, RS_SET_OWNED, SET_OWNED, in->owned, in->cfg->buckets);
	ret |= add_chain(t, body, "input", "input", NF_ARP_IN, 0, "filter", NULL, "filter");
	rb_begin(&rb, t, "input");
	m_arp_request_for(&rb, RS_SET_VIP4, sid(t, SET_VIP4));
	m_not_bucket0(&rb, true, RS_SET_OWNED, sid(t, SET_OWNED));
	ret |= simple_rule(&rb, NF_DROP, NULL);
	close_chain(body);
	return ret;
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* The digest of everything but the bucket sets' elements. */
static uint64_t structure_digest(const struct rs_table *t, const struct strbuf *body)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t from = 0;

	for (int i = 0; i < t->n_elem_ranges; i++) {
		h = fnv1a(h, body->buf + from, t->elem_start[i] - from);
		from = t->elem_end[i];
	}
	return fnv1a(h, body->buf + from, body->len - from);
}

static int finish_table(struct rs_table *t)
{
	struct strbuf body = t->text;
	struct nftnl_udata_buf *u;

	t->text = (struct strbuf){ 0 };
	if (body.failed) {
		sb_free(&body);
		return -1;
	}
	snprintf(t->comment, sizeof(t->comment), "sharedvip %016llx", (unsigned long long)structure_digest(t, &body));
	sb_printf(&t->text, "table %s %s {\n\tcomment \"%s\"\n%s}\n", family_name(t->family), SV_TABLE, t->comment,
		  sb_str(&body));
	sb_free(&body);
	t->table = nftnl_table_alloc();
	u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!t->table || !u || !nftnl_udata_put_strz(u, NFTNL_UDATA_TABLE_COMMENT, t->comment)) {
		nftnl_udata_buf_free(u);
		return -1;
	}
	nftnl_table_set_str(t->table, NFTNL_TABLE_NAME, SV_TABLE);
	nftnl_table_set_u32(t->table, NFTNL_TABLE_FAMILY, (uint32_t)t->family);
	nftnl_table_set_u32(t->table, NFTNL_TABLE_FLAGS, 0);
	nftnl_table_set_data(t->table, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	return t->text.failed ? -1 : 0;
}

int ruleset_build(const struct ruleset_input *in, struct ruleset *rs)
{
	static const int families[] = { NFPROTO_NETDEV, NFPROTO_INET, NFPROTO_ARP };
	int (*const build[])(struct rs_table *, struct strbuf *,
			     const struct ruleset_input *) = { build_netdev, build_inet, build_arp };

	memset(rs, 0, sizeof(*rs));
	for (int i = 0; i < 3; i++) {
		struct rs_table *t = &rs->tables[rs->n_tables];

		if (families[i] == NFPROTO_ARP && !config_has_vip_family(in->cfg, AF_INET))
			continue;
		t->family = families[i];
		rs->n_tables++;
		if (build[i](t, &t->text, in) || finish_table(t)) {
			ruleset_free(rs);
			return -1;
		}
	}
	return 0;
}

int ruleset_build_link(const struct sv_config *cfg, const uint8_t send_mac[6], struct ruleset *rs)
{
	struct rs_table *t = &rs->tables[0];

	memset(rs, 0, sizeof(*rs));
	if (cfg->mode != MODE_SWITCH)
		return 0;
	t->family = NFPROTO_NETDEV;
	rs->n_tables = 1;
	if (egress_chain(t, &t->text, cfg, send_mac) || finish_table(t)) {
		ruleset_free(rs);
		return -1;
	}
	return 0;
}

void ruleset_free(struct ruleset *rs)
{
	for (int i = 0; i < rs->n_tables; i++) {
		struct rs_table *t = &rs->tables[i];
		if (t->table)
			nftnl_table_free(t->table);
		for (int k = 0; k < t->n_sets; k++)
			nftnl_set_free(t->sets[k]);
		for (int k = 0; k < t->n_chains; k++)
			nftnl_chain_free(t->chains[k]);
		for (int k = 0; k < t->n_rules; k++)
			nftnl_rule_free(t->rules[k]);
		free(t->rules);
		free(t->accepted);
		sb_free(&t->text);
	}
	rs->n_tables = 0;
}
