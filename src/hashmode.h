/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_HASHMODE_H
#define SHAREDVIP_HASHMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* The affinity modes, defined once: the config's word, which bits of the client's source
 * address the hash reads, and whether its source port joins them. The config parser, the
 * user-space hash (--who, conntrack), and the rule builder all read this table. */
enum sv_affinity { AFFINITY_CLIENT, AFFINITY_NETWORK, AFFINITY_FLOW, AFFINITY_N };

struct hash_mode {
	const char *name;
	uint8_t prefix4, prefix6; /* the leading bits of the address that count */
	bool port;		  /* the source port counts too (TCP and UDP; ICMP hashes without) */
};
extern const struct hash_mode hash_modes[AFFINITY_N];

/* The mode named name, or -1. */
int hash_mode_by_name(const char *name);
/* The bits of a's family that count. */
uint8_t hash_mode_prefix(const struct hash_mode *m, int family);
/* The hash's key as nft lays out its registers: the masked address, then (with port >= 0
 * and a mode that counts it) the 2-byte port zero-padded to a 4-byte register. Its length. */
uint32_t hash_mode_key(const struct hash_mode *m, const struct sv_addr *a, int port, uint8_t key[20]);

#endif
