/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_RTNL_H
#define SHAREDVIP_RTNL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

/* sharedvip's mark on the routes it installs (rtm_protocol), as iproute2 shows it. */
#define SV_RTPROT	   0x53
#define INFINITY_LIFE_TIME 0xFFFFFFFFu

struct link_info {
	int ifindex;
	unsigned flags; /* IFF_UP, ... */
	uint8_t mac[6];
	uint8_t perm_mac[6];
	bool has_perm_mac;
	char name[IFNAMSIZ];
};

struct if_addr {
	struct sv_addr a;
	uint32_t flags;	    /* IFA_F_* */
	uint32_t preferred; /* seconds, INFINITY_LIFE_TIME for forever */
};

struct if_route {
	struct sv_addr gw;
	uint8_t protocol;
	uint32_t priority;
};

int rtnl_link_get(const char *name, struct link_info *li);
int rtnl_link_set_mac(int ifindex, const uint8_t mac[6]);
int rtnl_link_set_up(int ifindex, bool up);
int rtnl_addr_list(int ifindex, struct if_addr *out, int max);
int rtnl_addr_add(int ifindex, const struct sv_addr *a, bool vip);
int rtnl_addr_del(int ifindex, const struct sv_addr *a);
/* Default routes through ifindex, both families. */
int rtnl_default_routes(int ifindex, struct if_route *out, int max);
int rtnl_default_route_add(int ifindex, const struct sv_addr *gw);

#endif
