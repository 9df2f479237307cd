// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "linkwatch.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "netlink.h"
#include "rtnl.h"

int linkwatch_open(struct linkwatch *w, const char *ifname)
{
	const unsigned groups =
	    RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	struct link_info li;

	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", ifname);
	if (rtnl_link_get(ifname, &li) == 0) {
		w->ifindex = li.ifindex;
		w->up = li.flags & IFF_UP;
		w->running = (li.flags & (IFF_UP | IFF_LOWER_UP)) == (IFF_UP | IFF_LOWER_UP);
	}
	w->nl = netlink_open(NETLINK_ROUTE, groups, true);
	return w->nl ? 0 : -errno;
}

int linkwatch_fd(const struct linkwatch *w)
{
	return mnl_socket_get_fd(w->nl);
}

static void changed(struct linkwatch *w, const char *why)
{
	if (!w->why)
		w->why = why;
}

static void on_link(struct linkwatch *w, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const char *name = NULL;

	mnl_attr_for_each(attr, nlh, sizeof(*ifi))
	{
		if (mnl_attr_get_type(attr) == IFLA_IFNAME)
			name = mnl_attr_get_str(attr);
	}
	if (ifi->ifi_index != w->ifindex) {
		/* the interface (again) under its configured name: a hot-plugged or recreated NIC */
		if (nlh->nlmsg_type != RTM_NEWLINK || !name || strcmp(name, w->name))
			return;
		w->ifindex = ifi->ifi_index;
		w->up = false;
	}
	if (nlh->nlmsg_type == RTM_DELLINK) {
		w->ifindex = 0;
		w->running = false;
		return;
	}
	if ((ifi->ifi_flags & IFF_UP) && !w->up)
		changed(w, "the link came up");
	w->up = ifi->ifi_flags & IFF_UP;
	w->running = (ifi->ifi_flags & (IFF_UP | IFF_LOWER_UP)) == (IFF_UP | IFF_LOWER_UP);
}

static void on_route(struct linkwatch *w, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (rtm->rtm_dst_len || rtm->rtm_table != RT_TABLE_MAIN)
		return;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm))
	{
		if (mnl_attr_get_type(attr) == RTA_OIF && (int)mnl_attr_get_u32(attr) == w->ifindex)
			changed(w, "a default route was removed");
	}
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct linkwatch *w = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: on_link(w, nlh); break;
	case RTM_DELADDR:
		if (w->ifindex && (int)((const struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index == w->ifindex)
			changed(w, "an address was removed");
		break;
	case RTM_DELROUTE:
		if (w->ifindex)
			on_route(w, nlh);
		break;
	}
	return MNL_CB_OK;
}

bool linkwatch_read(struct linkwatch *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	w->why = NULL;
	while ((n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)n, 0, 0, on_message, w);
	if (n < 0 && errno == ENOBUFS)
		changed(w, "notifications were lost"); /* look again rather than miss a removal */
	return w->why != NULL;
}

void linkwatch_close(struct linkwatch *w)
{
	if (w->nl)
		mnl_socket_close(w->nl);
	w->nl = NULL;
}
