/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_IDENTITY_H
#define SHAREDVIP_IDENTITY_H

#include <stddef.h>

#include "config.h"

/* Which [node] this host is, in the contract's order: the --node option, then
 * $SHAREDVIP_NODE, then a node one of whose addresses is on the interface, then the host
 * name. Returns the index, or -1 with why[] saying what was tried. */
int node_identify(const struct sv_config *cfg, const char *opt_node, const char *env_node,
		  const struct sv_addr *if_addrs, int n_if_addrs, const char *hostname, char *why, size_t why_len);
int node_by_name(const struct sv_config *cfg, const char *name);

#endif
