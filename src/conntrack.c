// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers.
 *
 * A dump of the connection tracking table over ctnetlink, reduced to the buckets of the
 * TCP connections to the VIPs. Only this node's own connections are in it: a packet of
 * another node's connection is dropped before conntrack confirms an entry for it.
 */
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <time.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jhash.h"
#include "netlink.h"

struct tuple {
	struct sv_addr src, dst;
	int proto, sport;
};

struct dump {
	const struct sv_config *cfg;
	bool *live;
};

static void parse_ip(const struct nlattr *nest, struct tuple *t)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
	{
		struct sv_addr *to = NULL;
		switch (mnl_attr_get_type(a)) {
		case CTA_IP_V4_SRC:
		case CTA_IP_V6_SRC: to = &t->src; break;
		case CTA_IP_V4_DST:
		case CTA_IP_V6_DST: to = &t->dst; break;
		default: continue;
		}
		uint16_t len = mnl_attr_get_payload_len(a);
		if (len != 4 && len != 16)
			continue;
		to->family = len == 4 ? AF_INET : AF_INET6;
		to->prefix = (uint8_t)(len * 8);
		memcpy(to->b, mnl_attr_get_payload(a), len);
	}
}

static void parse_proto(const struct nlattr *nest, struct tuple *t)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
	{
		if (mnl_attr_get_type(a) == CTA_PROTO_NUM)
			t->proto = mnl_attr_get_u8(a);
		else if (mnl_attr_get_type(a) == CTA_PROTO_SRC_PORT)
			t->sport = ntohs(mnl_attr_get_u16(a));
	}
}

/* The TCP state, or -1 */
static int tcp_state(const struct nlattr *protoinfo)
{
	const struct nlattr *tcp, *a;

	mnl_attr_for_each_nested(tcp, protoinfo)
	{
		if (mnl_attr_get_type(tcp) != CTA_PROTOINFO_TCP)
			continue;
		mnl_attr_for_each_nested(a, tcp)
		{
			if (mnl_attr_get_type(a) == CTA_PROTOINFO_TCP_STATE)
				return mnl_attr_get_u8(a);
		}
	}
	return -1;
}

static int on_entry(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct tuple t = { .proto = -1, .sport = -1 };
	const struct nlattr *a, *part;
	int state = -1;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) == CTA_PROTOINFO)
			state = tcp_state(a);
		if (mnl_attr_get_type(a) != CTA_TUPLE_ORIG)
			continue;
		mnl_attr_for_each_nested(part, a)
		{
			if (mnl_attr_get_type(part) == CTA_TUPLE_IP)
				parse_ip(part, &t);
			else if (mnl_attr_get_type(part) == CTA_TUPLE_PROTO)
				parse_proto(part, &t);
		}
	}
	if (t.proto != IPPROTO_TCP || !t.src.family || state == TCP_CONNTRACK_TIME_WAIT ||
	    state == TCP_CONNTRACK_CLOSE || !config_is_vip(d->cfg, &t.dst))
		return MNL_CB_OK;
	d->live[client_bucket(d->cfg, &t.src, hash_modes[d->cfg->affinity].port ? t.sport : -1)] = true;
	return MNL_CB_OK;
}

static struct nlmsghdr *dump_request(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC; /* both families */
	nfg->version = NFNETLINK_V0;
	return nlh;
}

/* On a socket and a buffer of its own (netlink_talk's are the loop's, and this runs in a
 * thread too): a fresh socket per dump holds no stale answer to skip. */
static int dump_alone(const struct sv_config *cfg, bool *found)
{
	char buf[65536];		     /* a dump message is at most 32 KiB; the thread has a stack of its own */
	struct timeval tv = { .tv_sec = 5 }; /* the kernel answers at once; silence means broken */
	struct nlmsghdr *nlh = dump_request(buf);
	struct dump state = { cfg, found };
	struct mnl_socket *nl = netlink_open(NETLINK_NETFILTER, 0, false);
	int ret = MNL_CB_OK;
	ssize_t n;

	if (!nl)
		return -errno;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint32_t seq = nlh->nlmsg_seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = MNL_CB_ERROR;
	while (ret == MNL_CB_OK && (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, on_entry, &state);
	int err = ret == MNL_CB_STOP ? 0 : errno ? -errno : -EPROTO;
	mnl_socket_close(nl);
	return err;
}

int conntrack_live_buckets(const struct sv_config *cfg, bool *live)
{
	memset(live, 0, cfg->buckets * sizeof(*live));
	return dump_alone(cfg, live);
}

static void *dump_thread(void *arg)
{
	struct ct_dump *d = arg;
	const char byte = 1;

	d->result = dump_alone(d->cfg, d->found);
	while (write(d->done[1], &byte, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void dump_free(struct ct_dump *d)
{
	for (int i = 0; i < 2; i++)
		if (d->done[i] >= 0)
			close(d->done[i]);
	free(d->cfg);
	free(d->found);
	*d = (struct ct_dump){ .done = { -1, -1 } };
}

int ct_dump_start(struct ct_dump *d, const struct sv_config *cfg, bool *live)
{
	int err;

	*d = (struct ct_dump){ .done = { -1, -1 }, .live = live };
	d->cfg = malloc(sizeof(*cfg));
	d->found = calloc(cfg->buckets, sizeof(bool));
	if (!d->cfg || !d->found || pipe2(d->done, O_CLOEXEC | O_NONBLOCK)) {
		err = errno;
		dump_free(d);
		return -err;
	}
	memcpy(d->cfg, cfg, sizeof(*cfg));
	if ((err = pthread_create(&d->thread, NULL, dump_thread, d))) {
		dump_free(d);
		return -err;
	}
	return 0;
}

int ct_dump_fd(const struct ct_dump *d)
{
	return d->cfg ? d->done[0] : -1;
}

int ct_dump_continue(struct ct_dump *d)
{
	char byte;
	int ret;

	if (!d->cfg)
		return -EBADF;
	if (read(d->done[0], &byte, 1) != 1)
		return 0;
	pthread_join(d->thread, NULL);
	ret = d->result;
	if (!ret)
		memcpy(d->live, d->found, d->cfg->buckets * sizeof(bool));
	dump_free(d);
	return ret ? ret : 1;
}

void ct_dump_close(struct ct_dump *d)
{
	if (!d->cfg)
		return;
	pthread_join(d->thread, NULL);
	dump_free(d);
}
