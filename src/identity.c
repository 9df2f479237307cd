// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "identity.h"

#include <stdio.h>
#include <string.h>

int node_by_name(const struct sv_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n_nodes; i++)
		if (!strcmp(cfg->nodes[i].name, name))
			return i;
	return -1;
}

static int node_by_address(const struct sv_config *cfg, const struct sv_addr *if_addrs, int n)
{
	for (int i = 0; i < cfg->n_nodes; i++)
		for (int a = 0; a < cfg->nodes[i].n_addrs; a++)
			for (int k = 0; k < n; k++)
				if (addr_equal(&cfg->nodes[i].addrs[a], &if_addrs[k]))
					return i;
	return -1;
}

int node_identify(const struct sv_config *cfg, const char *opt_node, const char *env_node,
		  const struct sv_addr *if_addrs, int n_if_addrs, const char *hostname, char *why, size_t why_len)
{
	int i;

	if (opt_node && *opt_node) {
		if ((i = node_by_name(cfg, opt_node)) < 0)
			snprintf(why, why_len, "--node %s: no [node %s] in %s", opt_node, opt_node, cfg->file);
		return i;
	}
	if (env_node && *env_node) {
		if ((i = node_by_name(cfg, env_node)) < 0)
			snprintf(why, why_len, "SHAREDVIP_NODE=%s: no [node %s] in %s", env_node, env_node, cfg->file);
		return i;
	}
	if ((i = node_by_address(cfg, if_addrs, n_if_addrs)) >= 0)
		return i;
	if (hostname && (i = node_by_name(cfg, hostname)) >= 0)
		return i;
	snprintf(why, why_len,
		 "cannot tell which node this is: no --node given, SHAREDVIP_NODE is not set, no [node] address is "
		 "configured on %s, and the host name `%s' names no [node] in %s",
		 cfg->interface, hostname ? hostname : "", cfg->file);
	return -1;
}
