// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "rtnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"

typedef int (*msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Sends one request and reads until its ACK or the end of its dump. */
static int rtnl_talk(struct nlmsghdr *nlh, msg_cb cb, void *data)
{
	return netlink_talk(NETLINK_ROUTE, nlh, (mnl_cb_t)cb, data);
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *li = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;

	li->ifindex = ifm->ifi_index;
	li->flags = ifm->ifi_flags;
	mnl_attr_for_each(attr, nlh, sizeof(*ifm))
	{
		uint16_t type = mnl_attr_get_type(attr), len = mnl_attr_get_payload_len(attr);
		if (type == IFLA_ADDRESS && len == 6)
			memcpy(li->mac, mnl_attr_get_payload(attr), 6);
		else if (type == IFLA_PERM_ADDRESS && len == 6) {
			memcpy(li->perm_mac, mnl_attr_get_payload(attr), 6);
			li->has_perm_mac = true;
		} else if (type == IFLA_IFNAME)
			snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(attr));
	}
	return MNL_CB_OK;
}

int rtnl_link_get(const char *name, struct link_info *li)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	memset(li, 0, sizeof(*li));
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return rtnl_talk(nlh, link_cb, li);
}

static int link_change(int ifindex, const uint8_t *mac, int up)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if (up >= 0) {
		ifm->ifi_change = IFF_UP;
		ifm->ifi_flags = up ? IFF_UP : 0;
	}
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return rtnl_talk(nlh, NULL, NULL);
}

int rtnl_link_set_mac(int ifindex, const uint8_t mac[6])
{
	return link_change(ifindex, mac, -1);
}
int rtnl_link_set_up(int ifindex, bool up)
{
	return link_change(ifindex, NULL, up);
}

struct addr_list {
	int ifindex;
	struct if_addr *out;
	int n, max;
};

/* An interrupted dump starts over from an empty list. */
static void addr_list_restart(void *data)
{
	((struct addr_list *)data)->n = 0;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct if_addr a = { .flags = ifa->ifa_flags, .preferred = INFINITY_LIFE_TIME };
	const void *local = NULL, *address = NULL;
	struct nlattr *attr;

	if ((int)ifa->ifa_index != l->ifindex || l->n == l->max)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		switch (mnl_attr_get_type(attr)) {
		case IFA_LOCAL: local = mnl_attr_get_payload(attr); break;
		case IFA_ADDRESS: address = mnl_attr_get_payload(attr); break;
		case IFA_FLAGS: a.flags = mnl_attr_get_u32(attr); break;
		case IFA_CACHEINFO:
			a.preferred = ((const struct ifa_cacheinfo *)mnl_attr_get_payload(attr))->ifa_prefered;
			break;
		}
	}
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links */
	if (local)
		address = local;
	if (!address)
		return MNL_CB_OK;
	a.a.family = ifa->ifa_family;
	a.a.prefix = ifa->ifa_prefixlen;
	memcpy(a.a.b, address, ifa->ifa_family == AF_INET ? 4 : 16);
	l->out[l->n++] = a;
	return MNL_CB_OK;
}

int rtnl_addr_list(int ifindex, struct if_addr *out, int max)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_list l = { ifindex, out, 0, max };
	struct ifaddrmsg *ifa;
	int ret;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ret = netlink_dump(NETLINK_ROUTE, nlh, (mnl_cb_t)addr_cb, &l, addr_list_restart);
	return ret < 0 ? ret : l.n;
}

static int addr_change(uint16_t type, int ifindex, const struct sv_addr *a, bool vip)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t len = (size_t)addr_len(a);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* For IPv4 on broadcast links both IFA_LOCAL and IFA_ADDRESS are the address. */
	if (a->family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, len, a->b);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->b);
	if (type == RTM_NEWADDR && a->family == AF_INET6 && vip) {
		/* Every node holds the VIP: DAD would fail it everywhere. Preferred lifetime 0
		 * keeps it a destination without making it the source of the node's own traffic. */
		struct ifa_cacheinfo ci = { .ifa_prefered = 0, .ifa_valid = INFINITY_LIFE_TIME };
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	}
	return rtnl_talk(nlh, NULL, NULL);
}

int rtnl_addr_add(int ifindex, const struct sv_addr *a, bool vip)
{
	return addr_change(RTM_NEWADDR, ifindex, a, vip);
}
int rtnl_addr_del(int ifindex, const struct sv_addr *a)
{
	return addr_change(RTM_DELADDR, ifindex, a, false);
}

struct route_list {
	int ifindex;
	struct if_route *out;
	int n, max, start; /* start: where this family's dump began */
};

static void route_list_restart(void *data)
{
	struct route_list *l = data;

	l->n = l->start;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *l = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct if_route r = { .protocol = rtm->rtm_protocol };
	bool on_link = false, has_gw = false;
	struct nlattr *attr;

	if (rtm->rtm_dst_len || rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST || l->n == l->max)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm))
	{
		switch (mnl_attr_get_type(attr)) {
		case RTA_OIF: on_link = (int)mnl_attr_get_u32(attr) == l->ifindex; break;
		case RTA_PRIORITY: r.priority = mnl_attr_get_u32(attr); break;
		case RTA_GATEWAY:
			has_gw = true;
			r.gw.family = rtm->rtm_family;
			memcpy(r.gw.b, mnl_attr_get_payload(attr), rtm->rtm_family == AF_INET ? 4 : 16);
			break;
		}
	}
	if (on_link && has_gw)
		l->out[l->n++] = r;
	return MNL_CB_OK;
}

int rtnl_default_routes(int ifindex, struct if_route *out, int max)
{
	char buf[512];
	struct route_list l = { ifindex, out, 0, max, 0 };
	int ret = 0;

	for (int f = 0; f < 2 && ret >= 0; f++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct rtmsg *rtm;
		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = f ? AF_INET6 : AF_INET;
		l.start = l.n;
		ret = netlink_dump(NETLINK_ROUTE, nlh, (mnl_cb_t)route_cb, &l, route_list_restart);
	}
	return ret < 0 ? ret : l.n;
}

int rtnl_default_route_add(int ifindex, const struct sv_addr *gw)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)gw->family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = SV_RTPROT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, (size_t)addr_len(gw), gw->b);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return rtnl_talk(nlh, NULL, NULL);
}
