/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_PLAN_H
#define SHAREDVIP_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

#define PLAN_MAX_ADDRS	 (SV_MAX_NODE_ADDRS + SV_MAX_VIPS)
#define PLAN_MAX_SYSCTLS 8

struct sysctl_setting {
	char key[96];
	char value[64];
};

/* The state one node should be in, computed from the config alone. */
struct plan {
	const struct sv_config *cfg;
	int node;
	uint8_t mac[6];
	struct sv_addr addrs[PLAN_MAX_ADDRS]; /* the node's own first, then the VIPs */
	bool is_vip[PLAN_MAX_ADDRS];
	int n_addrs;
	struct sysctl_setting sysctls[PLAN_MAX_SYSCTLS];
	int n_sysctls;
	bool *owned; /* [cfg->buckets] */
	int n_owned;
	bool arp_owner;
};

/* The link-stage settings: cluster-wide, or derived from the NIC's permanent MAC. */
int plan_link_sysctls(const struct sv_config *cfg, const uint8_t perm_mac[6], struct sysctl_setting *out, int max);
int plan_build(const struct sv_config *cfg, int node, struct plan *p);
void plan_free(struct plan *p);
/* Whether a (any prefix) is one of the addresses the plan puts on the interface. */
bool plan_has_addr(const struct plan *p, const struct sv_addr *a);
void plan_print(const struct plan *p, FILE *out);
/* "0-3, 7, 9-12" */
void format_ranges(const bool *members, uint32_t n, char *buf, size_t len);

#endif
