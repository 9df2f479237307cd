/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_JHASH_H
#define SHAREDVIP_JHASH_H

#include <stdint.h>

#include "config.h"

/* The kernel's jhash() (Bob Jenkins' lookup3) as nft_hash uses it. */
uint32_t jhash(const void *key, uint32_t length, uint32_t initval);
/* What `jhash KEY mod N seed S` yields: reciprocal_scale(jhash, N). */
uint32_t jhash_mod(const void *key, uint32_t length, uint32_t seed, uint32_t modulus);

/* The bucket of a client, as sharedvip's rules compute it for cfg's affinity.
 * port < 0: traffic without ports (ICMP echo), or affinity client/network. */
uint32_t client_bucket(const struct sv_config *cfg, const struct sv_addr *client, int port);

#endif
