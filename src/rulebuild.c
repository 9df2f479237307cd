// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "rulebuild.h"

#include <arpa/inet.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Any allocation that failed (the rule's or an expression's) marks the rule failed, and
 * rb_end reports it: nothing is ever added to a rule that is not there. */
static void add_expr(struct rule_builder *rb, struct nftnl_expr *e)
{
	if (!e || !rb->r) {
		if (e)
			nftnl_expr_free(e);
		rb->failed = 1;
		return;
	}
	nftnl_rule_add_expr(rb->r, e);
}

static struct nftnl_expr *expr(const char *name)
{
	return nftnl_expr_alloc(name);
}

static void e_meta(struct rule_builder *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	}
	add_expr(rb, e);
}

static void e_cmp(struct rule_builder *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add_expr(rb, e);
}

static void e_payload(struct rule_builder *rb, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	}
	add_expr(rb, e);
}

/* A set lookup; with a map, dreg takes the element's data (NFT_REG_VERDICT: its verdict). */
static void e_lookup_into(struct rule_builder *rb, uint32_t sreg, const char *set, uint32_t set_id, uint32_t flags,
			  bool map, uint32_t dreg)
{
	struct nftnl_expr *e = expr("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
		if (map)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
		if (flags)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, flags);
	}
	add_expr(rb, e);
}

static void e_lookup_flags(struct rule_builder *rb, uint32_t sreg, const char *set, uint32_t set_id, uint32_t flags)
{
	e_lookup_into(rb, sreg, set, set_id, flags, false, 0);
}

static void e_lookup(struct rule_builder *rb, uint32_t sreg, const char *set, uint32_t set_id)
{
	e_lookup_flags(rb, sreg, set, set_id, 0);
}

static void e_bitwise(struct rule_builder *rb, uint32_t reg, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	add_expr(rb, e);
}

static void e_immediate(struct rule_builder *rb, uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	}
	add_expr(rb, e);
}

/* nft checks the protocol a payload needs before it loads the payload. */
static void need_l3(struct rule_builder *rb, int family)
{
	/* nft checks the protocol once a rule, as its first match needs it */
	if (rb->l3 == family)
		return;
	rb->l3 = family;
	if (rb->t->family == NFPROTO_NETDEV) {
		uint16_t proto = htons(family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
		e_meta(rb, NFT_META_PROTOCOL, NFT_REG_1);
		e_cmp(rb, NFT_CMP_EQ, &proto, sizeof(proto));
	} else {
		uint8_t nfproto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
		e_meta(rb, NFT_META_NFPROTO, NFT_REG_1);
		e_cmp(rb, NFT_CMP_EQ, &nfproto, sizeof(nfproto));
	}
}

void rb_begin(struct rule_builder *rb, struct rs_table *t, const char *chain)
{
	memset(rb, 0, sizeof(*rb));
	rb->t = t;
	rb->chain = chain;
	rb->r = nftnl_rule_alloc();
	if (!rb->r) {
		rb->failed = 1;
		return;
	}
	nftnl_rule_set_u32(rb->r, NFTNL_RULE_FAMILY, (uint32_t)t->family);
	nftnl_rule_set_str(rb->r, NFTNL_RULE_TABLE, SV_TABLE);
	nftnl_rule_set_str(rb->r, NFTNL_RULE_CHAIN, chain);
}

int rb_end(struct rule_builder *rb)
{
	struct rs_table *t = rb->t;

	if (rb->failed || rb->line.failed)
		goto fail;
	if (t->n_rules == t->cap_rules) {
		int cap = t->cap_rules ? t->cap_rules * 2 : 16;
		struct nftnl_rule **p = realloc(t->rules, sizeof(*p) * (size_t)cap);
		if (!p)
			goto fail;
		t->rules = p;
		t->cap_rules = cap;
	}
	t->rules[t->n_rules++] = rb->r;
	/* drop the trailing blank of the last token */
	if (rb->line.len && rb->line.buf[rb->line.len - 1] == ' ')
		rb->line.buf[--rb->line.len] = '\0';
	sb_printf(&t->text, "\t\t%s\n", sb_str(&rb->line));
	sb_free(&rb->line);
	return 0;
fail:
	if (rb->r)
		nftnl_rule_free(rb->r);
	sb_free(&rb->line);
	return -1;
}

void m_iifname(struct rule_builder *rb, const char *ifname)
{
	char name[IFNAMSIZ] = { 0 };

	strncpy(name, ifname, sizeof(name) - 1);
	e_meta(rb, NFT_META_IIFNAME, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, name, sizeof(name));
	sb_printf(&rb->line, "iifname \"%s\" ", ifname);
}

void m_iifname_not_in(struct rule_builder *rb, const char *set, uint32_t set_id)
{
	e_meta(rb, NFT_META_IIFNAME, NFT_REG_1);
	e_lookup_flags(rb, NFT_REG_1, set, set_id, NFT_LOOKUP_F_INV);
	sb_printf(&rb->line, "iifname != @%s ", set);
}

void m_daddr_in(struct rule_builder *rb, int family, const char *set, uint32_t set_id)
{
	need_l3(rb, family);
	if (family == AF_INET)
		e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
	else
		e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, NFT_REG_1);
	e_lookup(rb, NFT_REG_1, set, set_id);
	sb_printf(&rb->line, "%s daddr @%s ", family == AF_INET ? "ip" : "ip6", set);
}

static void addr_eq(struct rule_builder *rb, const struct sv_addr *a, bool dest)
{
	char s[SV_ADDRSTRLEN];
	uint32_t offset = a->family == AF_INET ? (dest ? 16 : 12) : (dest ? 24 : 8);

	need_l3(rb, a->family);
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, offset, (uint32_t)addr_len(a), NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, a->b, (uint32_t)addr_len(a));
	sb_printf(&rb->line, "%s %s %s ", a->family == AF_INET ? "ip" : "ip6", dest ? "daddr" : "saddr",
		  addr_str(a, s, false));
}

void m_saddr_eq(struct rule_builder *rb, const struct sv_addr *a)
{
	addr_eq(rb, a, false);
}

void m_daddr_eq(struct rule_builder *rb, const struct sv_addr *a)
{
	addr_eq(rb, a, true);
}

static void l4proto_only(struct rule_builder *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &proto, 1);
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP	 ? "tcp"
	       : proto == IPPROTO_UDP	 ? "udp"
	       : proto == IPPROTO_ICMPV6 ? "ipv6-icmp"
					 : "icmp";
}

void m_l4proto(struct rule_builder *rb, uint8_t proto)
{
	l4proto_only(rb, proto);
	sb_printf(&rb->line, "meta l4proto %s ", proto_name(proto));
}

void m_dport(struct rule_builder *rb, uint8_t proto, uint16_t lo, uint16_t hi)
{
	uint16_t nlo = htons(lo), nhi = htons(hi);

	l4proto_only(rb, proto);
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	if (lo == hi) {
		e_cmp(rb, NFT_CMP_EQ, &nlo, 2);
		sb_printf(&rb->line, "%s dport %u ", proto_name(proto), lo);
	} else {
		e_cmp(rb, NFT_CMP_GTE, &nlo, 2);
		e_cmp(rb, NFT_CMP_LTE, &nhi, 2);
		sb_printf(&rb->line, "%s dport %u-%u ", proto_name(proto), lo, hi);
	}
}

/* The loose TCP pickup turns a stray ACK into a new conntrack entry: only a bare SYN opens. */
/* A socket on this host would take the packet (a TCP listener, a bound UDP socket): nft's
 * `socket' expression finds none and the rule does not match. transparent is 0 or 1 for
 * any socket found (Linux 4.18 and later have it). */
void m_socket_exists(struct rule_builder *rb)
{
	struct nftnl_expr *e = expr("socket");
	uint8_t one = 1;

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_TRANSPARENT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
	}
	add_expr(rb, e);
	e_cmp(rb, NFT_CMP_LTE, &one, sizeof(one));
	sb_printf(&rb->line, "socket transparent <= 1 ");
}

void m_tcp_not_syn(struct rule_builder *rb)
{
	uint8_t mask = 0x17, syn = 0x02; /* fin|syn|rst|ack */

	l4proto_only(rb, IPPROTO_TCP);
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
	e_bitwise(rb, NFT_REG_1, &mask, 1);
	e_cmp(rb, NFT_CMP_NEQ, &syn, 1);
	sb_printf(&rb->line, "tcp flags & (fin | syn | rst | ack) != syn ");
}

static void e_ct(struct rule_builder *rb, uint32_t key)
{
	struct nftnl_expr *e = expr("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	add_expr(rb, e);
}

void m_ct_state(struct rule_builder *rb, uint32_t mask, const char *text)
{
	uint32_t zero = 0;

	e_ct(rb, NFT_CT_STATE);
	e_bitwise(rb, NFT_REG_1, &mask, 4);
	e_cmp(rb, NFT_CMP_NEQ, &zero, 4);
	sb_printf(&rb->line, "ct state %s ", text);
}

void m_ct_reply(struct rule_builder *rb)
{
	uint8_t reply = 1; /* IP_CT_DIR_REPLY */

	e_ct(rb, NFT_CT_DIRECTION);
	e_cmp(rb, NFT_CMP_EQ, &reply, 1);
	sb_printf(&rb->line, "ct direction reply ");
}

static void icmp_type(struct rule_builder *rb, int family, uint8_t type, const char *name)
{
	need_l3(rb, family);
	l4proto_only(rb, family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &type, 1);
	sb_printf(&rb->line, "%s type %s ", family == AF_INET ? "icmp" : "icmpv6", name);
}

void m_icmp_echo(struct rule_builder *rb, int family)
{
	icmp_type(rb, family, family == AF_INET ? 8 : 128, "echo-request");
}

void m_nd(struct rule_builder *rb, bool advert)
{
	icmp_type(rb, AF_INET6, advert ? 136 : 135, advert ? "nd-neighbor-advert" : "nd-neighbor-solicit");
}

void m_arp_request_for(struct rule_builder *rb, const char *set, uint32_t set_id)
{
	uint16_t request = htons(1);

	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 6, 2, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &request, 2);
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 24, 4, NFT_REG_1);
	e_lookup(rb, NFT_REG_1, set, set_id);
	sb_printf(&rb->line, "arp operation request arp daddr ip @%s ", set);
}

void m_nfproto(struct rule_builder *rb, int family)
{
	uint8_t nfproto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	e_meta(rb, NFT_META_NFPROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &nfproto, sizeof(nfproto));
	sb_printf(&rb->line, "meta nfproto %s ", family == AF_INET ? "ipv4" : "ipv6");
}

/* A neighbour solicitation for target: nft 1.0.6 has no name for the target field, so it
 * is the raw 128 bits after the ICMPv6 header's first 8 bytes. */
void m_nd_solicit_for(struct rule_builder *rb, const struct sv_addr *target)
{
	uint8_t type = 135;

	need_l3(rb, AF_INET6);
	l4proto_only(rb, IPPROTO_ICMPV6);
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &type, 1);
	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, target->b, 16);
	sb_printf(&rb->line, "icmpv6 type nd-neighbor-solicit @th,64,128 0x");
	for (int i = 0; i < 16; i++)
		sb_printf(&rb->line, "%02x", target->b[i]);
	sb_printf(&rb->line, " ");
}

void m_fib_daddr_type_not(struct rule_builder *rb, const uint32_t *types, const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		struct nftnl_expr *e = expr("fib");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		}
		add_expr(rb, e);
		e_cmp(rb, NFT_CMP_NEQ, &types[i], 4);
		sb_printf(&rb->line, "fib daddr type != %s ", names[i]);
	}
}

static void need_ether(struct rule_builder *rb)
{
	uint16_t ether = 1; /* ARPHRD_ETHER */

	e_meta(rb, NFT_META_IIFTYPE, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &ether, sizeof(ether));
}

void m_ether_saddr(struct rule_builder *rb, const uint8_t mac[6])
{
	char m[18];

	need_ether(rb);
	e_payload(rb, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, mac, 6);
	sb_printf(&rb->line, "ether saddr %s ", mac_str(mac, m));
}

/* Rewrites the Ethernet source only: ARP replies and neighbour advertisements keep the
 * shared MAC in their payload, so the router still resolves the VIP to it. */
void s_ether_saddr_set(struct rule_builder *rb, const uint8_t mac[6])
{
	struct nftnl_expr *e;
	char m[18];

	e_immediate(rb, NFT_REG_1, mac, 6);
	e = expr("payload");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_LL_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 6);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 6);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE, NFT_PAYLOAD_CSUM_NONE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_OFFSET, 0);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_FLAGS, 0);
	}
	add_expr(rb, e);
	sb_printf(&rb->line, "ether saddr set %s ", mac_str(mac, m));
}

/* The leading prefix bits of len bytes set, as a bitwise mask. */
static void prefix_mask(uint8_t *mask, uint32_t len, unsigned prefix)
{
	for (uint32_t i = 0; i < len; i++)
		mask[i] = prefix >= (i + 1) * 8 ? 0xff : prefix <= i * 8 ? 0 : (uint8_t)(0xff << (8 - prefix % 8));
}

/* jhash over the client's source address (masked to what the mode counts) and, when the
 * mode counts ports and the rule is for TCP or UDP, its source port in the next 32-bit
 * register, as nft lays out a concatenation: the same key as hash_mode_key(). */
/* The bucket of the packet's source, into register 1. */
static void bucket_hash(struct rule_builder *rb, const struct bucket_key *key)
{
	const struct hash_mode *mode = &hash_modes[key->affinity];
	bool v4 = key->family == AF_INET;
	uint32_t alen = v4 ? 4 : 16, len = alen;
	unsigned prefix = hash_mode_prefix(mode, key->family);
	char mask_text[SV_ADDRSTRLEN + 4] = "";
	struct nftnl_expr *e;

	need_l3(rb, key->family);
	e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER,
		  v4 ? offsetof(struct iphdr, saddr) : offsetof(struct ip6_hdr, ip6_src), alen, NFT_REG_2);
	if (prefix < alen * 8) {
		struct sv_addr m = { .family = key->family };
		uint8_t mask[16];
		prefix_mask(mask, alen, prefix);
		memcpy(m.b, mask, alen);
		e_bitwise(rb, NFT_REG_2, mask, alen);
		snprintf(mask_text, sizeof(mask_text), " & %s", addr_str(&m, (char[SV_ADDRSTRLEN]){ 0 }, false));
	}
	if (key->with_port) {
		e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG32_04 + alen / 4);
		len += 4;
	}
	e = expr("hash");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_TYPE, NFT_HASH_JENKINS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SREG, NFT_REG_2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_MODULUS, key->buckets);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SEED, key->seed); /* never let the kernel pick one */
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_OFFSET, 0);
	}
	add_expr(rb, e);
	sb_printf(&rb->line, "jhash %s saddr%s%s mod %u seed 0x%x ", v4 ? "ip" : "ip6", mask_text,
		  key->with_port ? " . th sport" : "", key->buckets, key->seed);
}

void m_bucket_in(struct rule_builder *rb, const struct bucket_key *key, const char *set, uint32_t set_id)
{
	bucket_hash(rb, key);
	e_lookup(rb, NFT_REG_1, set, set_id);
	sb_printf(&rb->line, "@%s ", set);
}

void v_bucket_vmap(struct rule_builder *rb, const struct bucket_key *key, const char *map, uint32_t map_id)
{
	bucket_hash(rb, key);
	e_lookup_into(rb, NFT_REG_1, map, map_id, 0, true, NFT_REG_VERDICT);
	sb_printf(&rb->line, "vmap @%s ", map);
}

/* Any transport header's destination port outside lo-hi (`th dport != lo-hi'): for TCP and
 * UDP the port; for other protocols two bytes that mean something else, which only ever
 * lets a packet on to the inet table, whose rules decide it again. */
void m_th_dport_outside(struct rule_builder *rb, uint16_t lo, uint16_t hi)
{
	uint16_t nlo = htons(lo), nhi = htons(hi);
	struct nftnl_expr *e;

	e_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	e = expr("range");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_NEQ);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &nlo, 2);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &nhi, 2);
	}
	add_expr(rb, e);
	sb_printf(&rb->line, "th dport != %u-%u ", lo, hi);
}

void m_l4proto_not(struct rule_builder *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_NEQ, &proto, 1);
	sb_printf(&rb->line, "meta l4proto != %s ", proto_name(proto));
}

/* True when this node does not own bucket 0. `jhash ADDR mod 1` is 0 whatever ADDR is,
 * so the rule follows the owned set as ownership changes, with no rule to replace. */
void m_not_bucket0(struct rule_builder *rb, bool arp, const char *set, uint32_t set_id)
{
	struct nftnl_expr *e;

	if (arp)
		e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 24, 4, NFT_REG_2);
	else
		e_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_2);
	e = expr("hash");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_TYPE, NFT_HASH_JENKINS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SREG, NFT_REG_2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_LEN, arp ? 4 : 16);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_MODULUS, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SEED, 0);
		nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_OFFSET, 0);
	}
	add_expr(rb, e);
	e_lookup_flags(rb, NFT_REG_1, set, set_id, NFT_LOOKUP_F_INV);
	sb_printf(&rb->line, "jhash %s mod 1 seed 0x0 != @%s ", arp ? "arp daddr ip" : "ip6 saddr", set);
}

void s_counter(struct rule_builder *rb)
{
	add_expr(rb, expr("counter"));
	sb_printf(&rb->line, "counter ");
}

void s_snat(struct rule_builder *rb, const struct sv_addr *to, uint16_t lo, uint16_t hi)
{
	uint16_t nlo = htons(lo), nhi = htons(hi);
	char s[SV_ADDRSTRLEN];
	bool v4 = to->family == AF_INET;
	struct nftnl_expr *e;

	e_immediate(rb, NFT_REG_1, to->b, (uint32_t)addr_len(to));
	e_immediate(rb, NFT_REG_2, &nlo, 2);
	e_immediate(rb, NFT_REG_3, &nhi, 2);
	e = expr("nat");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_SNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG_3);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	}
	add_expr(rb, e);
	addr_str(to, s, false);
	sb_printf(&rb->line, v4 ? "snat ip to %s:%u-%u " : "snat ip6 to [%s]:%u-%u ", s, lo, hi);
}

static void e_verdict(struct rule_builder *rb, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
		if (chain)
			nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	}
	add_expr(rb, e);
}

void v_verdict(struct rule_builder *rb, int verdict)
{
	e_verdict(rb, verdict, NULL);
	sb_printf(&rb->line, "%s ", verdict == NF_ACCEPT ? "accept" : "drop");
}

void v_jump(struct rule_builder *rb, const char *chain)
{
	e_verdict(rb, NFT_JUMP, chain);
	sb_printf(&rb->line, "jump %s ", chain);
}

void rb_comment(struct rule_builder *rb, const char *comment)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

	if (!u || !rb->r || !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment)) {
		rb->failed = 1;
	} else {
		nftnl_rule_set_data(rb->r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	}
	nftnl_udata_buf_free(u);
	sb_printf(&rb->line, "comment \"%s\" ", comment);
}
