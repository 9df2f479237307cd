/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_RULEBUILD_H
#define SHAREDVIP_RULEBUILD_H

/* Builders that write each match both as nft text and as the expressions nft itself
 * would generate for that text, so `nft list` shows our rules as the dry-run prints them. */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ruleset.h"

struct rule_builder {
	struct rs_table *t;
	const char *chain;
	struct nftnl_rule *r;
	struct strbuf line;
	int failed;
	int l3; /* the family the rule has checked the packet is of (0: none yet) */
};

struct bucket_key {
	int family; /* AF_INET or AF_INET6 */
	enum sv_affinity affinity;
	bool with_port; /* flow affinity on TCP/UDP */
	uint32_t buckets, seed;
};

void rb_begin(struct rule_builder *rb, struct rs_table *t, const char *chain);
int rb_end(struct rule_builder *rb); /* appends the rule to t */

void m_iifname(struct rule_builder *rb, const char *ifname);
void m_iifname_not_in(struct rule_builder *rb, const char *set, uint32_t set_id);
void m_daddr_in(struct rule_builder *rb, int family, const char *set, uint32_t set_id);
void m_saddr_eq(struct rule_builder *rb, const struct sv_addr *a);
void m_daddr_eq(struct rule_builder *rb, const struct sv_addr *a);
void m_l4proto(struct rule_builder *rb, uint8_t proto);
void m_dport(struct rule_builder *rb, uint8_t proto, uint16_t lo, uint16_t hi);
void m_tcp_not_syn(struct rule_builder *rb);
void m_socket_exists(struct rule_builder *rb);
void m_ct_state(struct rule_builder *rb, uint32_t mask, const char *text);
void m_ct_reply(struct rule_builder *rb);
void m_icmp_echo(struct rule_builder *rb, int family);
void m_nd(struct rule_builder *rb, bool advert); /* a neighbour solicitation or advertisement */
void m_arp_request_for(struct rule_builder *rb, const char *set, uint32_t set_id);
void m_nfproto(struct rule_builder *rb, int family);
void m_nd_solicit_for(struct rule_builder *rb, const struct sv_addr *target);
void m_fib_daddr_type_not(struct rule_builder *rb, const uint32_t *types, const char *const *names, int n);
void m_ether_saddr(struct rule_builder *rb, const uint8_t mac[6]);
void s_ether_saddr_set(struct rule_builder *rb, const uint8_t mac[6]);
void m_bucket_in(struct rule_builder *rb, const struct bucket_key *key, const char *set, uint32_t set_id);
/* The verdict of the packet's bucket in a verdict map (`jhash ... vmap @map'). */
void v_bucket_vmap(struct rule_builder *rb, const struct bucket_key *key, const char *map, uint32_t map_id);
void m_th_dport_outside(struct rule_builder *rb, uint16_t lo, uint16_t hi);
void m_l4proto_not(struct rule_builder *rb, uint8_t proto);
void m_not_bucket0(struct rule_builder *rb, bool arp, const char *set, uint32_t set_id);
void s_counter(struct rule_builder *rb);
void s_snat(struct rule_builder *rb, const struct sv_addr *to, uint16_t lo, uint16_t hi);
void v_verdict(struct rule_builder *rb, int verdict);
void v_jump(struct rule_builder *rb, const char *chain);
void rb_comment(struct rule_builder *rb, const char *comment);

#endif
