/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_NFT_H
#define SHAREDVIP_NFT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "addr.h"
#include "ruleset.h"

/* The comment of sharedvip's table in family: 1 if the table exists, 0 if not, -errno. */
int nft_table_comment(int family, char *comment, size_t len);
/* Marks members[b] for every element b < buckets of the named set (of the verdict map:
 * the elements that accept); returns how many elements it has (0 when absent), or -errno. */
int nft_set_members(int family, const char *set, bool *members, uint32_t buckets);
/* The buckets the inet table takes new connections for, those of them sharedvipd leased
 * (all, while the lease set's element lives; none without a lease set), and the time the
 * lease has left (ms). With the lease run out, none is owned. */
int nft_owned_lease(bool *owned, bool *leased, uint32_t buckets, int64_t *left_ms);
/* The ruleset's generation now, for nft_commit: a commit made with it fails with -ERESTART
 * if anything else committed in between. */
int nft_genid(uint32_t *genid);

/* A set whose elements are to be replaced by those of set. */
struct set_update {
	int family;
	struct nftnl_set *set;
};

/* In one transaction: replace the tables marked in replace[] by their ruleset version,
 * replace the elements of the sets in updates[], and delete sharedvip's table in each
 * family of drop_families; only if nothing else committed since genid (0: whatever
 * happened). On error, what[] names the object the kernel refused. */
int nft_commit(const struct ruleset *rs, const bool *replace, const int *drop_families, int n_drop,
	       const struct set_update *updates, int n_updates, uint32_t genid, char *what, size_t what_len);

/* The VIPs the loaded inet table filters for (what a previous apply configured). */
int nft_vips(struct sv_addr *out, int max);

/* One transaction: the owned sets of every table and the inet held set get exactly the
 * given members, and the netdev verdict map accepts exactly the owned and held buckets
 * (sharedvipd's ownership changes); with lease_ifname, the lease's element too, running
 * out after lease_ms. */
int nft_set_buckets(const bool *owned, const bool *held, uint32_t buckets, bool arp, const char *lease_ifname,
		    int64_t lease_ms, char *what, size_t what_len);
/* One transaction of one element: sharedvipd renews its lease for lease_ms, on a netlink
 * socket of the caller's (its renewal thread's): nothing of the process's shared socket is
 * touched; *broken: a send or read failed, open another. */
struct mnl_socket;
int nft_renew_lease_on(struct mnl_socket *nl, const char *ifname, int64_t lease_ms, char *what, size_t what_len,
		       bool *broken);

struct nft_counter {
	char comment[32];
	uint64_t packets, bytes;
};
/* Sums the counters of the rules of sharedvip's table in family by rule comment. */
int nft_counters(int family, struct nft_counter *out, int max);

#endif
