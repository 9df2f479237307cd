// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>

struct mnl_socket *netlink_open(int bus, unsigned groups, bool nonblock)
{
	struct mnl_socket *nl = mnl_socket_open(bus);

	if (nl && (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0 ||
		   (nonblock && fcntl(mnl_socket_get_fd(nl), F_SETFL, O_NONBLOCK) < 0))) {
		int err = errno;
		mnl_socket_close(nl);
		errno = err;
		nl = NULL;
	}
	return nl;
}

/* One socket per bus for the process: requests go strictly one after the other, each read
 * to its end, so no answer is ever left behind for the next. */
struct mnl_socket *netlink_socket(int bus)
{
	static struct mnl_socket *socks[32];

	if (bus < 0 || bus >= 32) {
		errno = EINVAL;
		return NULL;
	}
	if (!socks[bus])
		socks[bus] = netlink_open(bus, 0, false);
	return socks[bus];
}

int netlink_talk(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static uint32_t seq;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = netlink_socket(bus);
	uint32_t portid;
	int ret;

	if (!nl)
		return -errno;
	if (!seq)
		seq = (uint32_t)time(NULL);
	nlh->nlmsg_seq = ++seq;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)ret, nlh->nlmsg_seq, portid, cb, data);
		if (ret <= 0)
			break;
	}
	return ret < 0 ? -errno : 0;
}
