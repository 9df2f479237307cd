// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "netlink.h"

struct listens {
	const struct sv_config *cfg;
	int family;
	uint16_t port;
	bool found;
};

static bool takes_vip(const struct listens *l, const struct inet_diag_msg *m)
{
	struct sv_addr a = { .family = l->family };
	static const uint8_t any[16];

	memcpy(a.b, m->id.idiag_src, l->family == AF_INET ? 4 : 16);
	if (!memcmp(a.b, any, l->family == AF_INET ? 4 : 16))
		return true; /* bound to any address */
	if (l->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a.v6)) {
		memmove(a.b, a.b + 12, 4);
		a.family = AF_INET;
	}
	return config_is_vip(l->cfg, &a);
}

static int on_socket(const struct nlmsghdr *nlh, void *data)
{
	struct listens *l = data;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY && ntohs(m->id.idiag_sport) == l->port && takes_vip(l, m))
		l->found = true;
	return MNL_CB_OK;
}

static void restart(void *data)
{
	((struct listens *)data)->found = false;
}

int sockdiag_listens(const struct sv_config *cfg, uint8_t proto, uint16_t port)
{
	struct listens l = { cfg, 0, port, false };
	char buf[256];

	for (int f = 0; f < 2 && !l.found; f++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct inet_diag_req_v2 *req;
		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		req->sdiag_family = (uint8_t)(l.family = f ? AF_INET6 : AF_INET);
		req->sdiag_protocol = proto;
		/* a TCP service listens; a UDP one is bound (its state is TCP_CLOSE) */
		req->idiag_states = proto == IPPROTO_TCP ? 1u << TCP_LISTEN : 1u << TCP_CLOSE;
		req->id.idiag_sport = htons(port);
		int ret = netlink_dump(NETLINK_SOCK_DIAG, nlh, on_socket, &l, restart);
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	return l.found;
}
