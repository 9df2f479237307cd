/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_RULESET_H
#define SHAREDVIP_RULESET_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "strbuf.h"

#define SV_TABLE "sharedvip"

/* The layout of sharedvip's tables, defined once: the sets' names, and which table holds
 * which bucket set (the inet owned set says which buckets take new connections, while the
 * one element of the inet lease set lives; the inet held set keeps which buckets are held;
 * netdev's verdict map of every bucket decides the early drop in one lookup; arp's owner
 * of bucket 0 answers ARP). */
#define RS_SET_VIP4	 "vip4"
#define RS_SET_VIP6	 "vip6"
#define RS_SET_OWNED	 "owned"
#define RS_SET_HELD	 "held"
#define RS_SET_LEASE	 "lease"
#define RS_MAP_BUCKETS	 "buckets"
#define RS_CHAIN_FOREIGN "foreign"

enum rs_members {
	RS_OWNED,	  /* a set of the owned buckets */
	RS_HELD,	  /* a set of the held buckets */
	RS_OWNED_OR_HELD, /* a verdict map of every bucket: accept if owned or held, else
			   * goto foreign (which counts and drops) */
};
struct rs_bucket_set {
	int family;
	const char *name;
	enum rs_members members;
};
#define RS_N_BUCKET_SETS 4
extern const struct rs_bucket_set rs_bucket_sets[RS_N_BUCKET_SETS];
#define RS_MAX_TABLES 3
#define RS_MAX_SETS   8
#define RS_MAX_CHAINS 8

struct nftnl_table;
struct nftnl_set;
struct nftnl_chain;
struct nftnl_rule;

/* One of sharedvip's tables, as nft text and as libnftnl objects in batch order. */
struct rs_table {
	int family;	  /* NFPROTO_INET, NFPROTO_NETDEV or NFPROTO_ARP */
	char comment[40]; /* "sharedvip DIGEST": the kernel copy tells whether it is current */
	struct strbuf text;
	/* The bucket sets' elements change with ownership alone: they are left out of the
	 * digest and compared with the kernel's copy element by element. */
	size_t elem_start[3], elem_end[3]; /* and the lease's element, whose timeout varies */
	int n_elem_ranges;
	int bucket_sets[2]; /* indexes into sets[] of the bucket sets (owned, held or the map) */
	const bool *bucket_members[2];
	bool *accepted; /* the map's accepted buckets: owned or held */
	int n_bucket_sets;
	struct nftnl_table *table;
	struct nftnl_set *sets[RS_MAX_SETS];
	int n_sets;
	struct nftnl_chain *chains[RS_MAX_CHAINS];
	int n_chains;
	struct nftnl_rule **rules;
	int n_rules, cap_rules;
};

struct ruleset {
	struct rs_table tables[RS_MAX_TABLES];
	int n_tables;
};

struct ruleset_input {
	const struct sv_config *cfg;
	int node;
	const bool *owned; /* [cfg->buckets]: new connections this node accepts */
	const bool *held;  /* [cfg->buckets] or NULL: buckets it may still hold connections in */
	/* sharedvipd's ownership: new connections are taken only while the one element of the
	 * inet lease set (the interface's name, flags timeout) lives, loaded with lease_ms left;
	 * the daemon renews that one element, whatever the number of buckets it owns */
	bool leased;
	int64_t lease_ms;
};

int ruleset_build(const struct ruleset_input *in, struct ruleset *rs);
/* One element of a bucket set of that layout: for the map, every bucket with its verdict;
 * for a set, a member. NULL when out of memory. */
struct nftnl_set_elem;
struct nftnl_set_elem *rs_bucket_elem(uint32_t bucket, enum rs_members members, bool member);
/* The lease set's one element: the interface's name, timing out after timeout_ms. */
struct nftnl_set_elem *rs_lease_elem(const char *ifname, int64_t timeout_ms);
/* What the udev stage loads before the link is up: in switch mode, the egress rewrite to
 * send_mac (derived from the NIC, since the udev stage knows no node); else nothing. */
int ruleset_build_link(const struct sv_config *cfg, const uint8_t send_mac[6], struct ruleset *rs);
void ruleset_free(struct ruleset *rs);
const char *family_name(int family);

#endif
