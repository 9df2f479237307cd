// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */

/*
 * One request, its whole answer, and nothing left behind: after any error the rest of the
 * answer is still read to its end (an ACK, an error or NLMSG_DONE), messages of another
 * sequence number (a stale answer) are skipped, an interrupted dump (NLM_F_DUMP_INTR: the
 * table changed while it was read) is asked again, and a socket that failed or timed out
 * is closed and opened anew. This is what iproute2's lib/libnetlink.c does; a daemon that
 * runs for months must never be left reading an old answer.
 */
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BUS		 32
#define DUMP_RETRIES	 5
#define ANSWER_TIMEOUT_S 5 /* the kernel answers at once; a socket silent this long is broken */

static struct mnl_socket *socks[MAX_BUS];

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

struct mnl_socket *netlink_socket(int bus)
{
	struct timeval tv = { .tv_sec = ANSWER_TIMEOUT_S };

	if (bus < 0 || bus >= MAX_BUS) {
		errno = EINVAL;
		return NULL;
	}
	if (!socks[bus]) {
		socks[bus] = netlink_open(bus, 0, false);
		if (socks[bus])
			setsockopt(mnl_socket_get_fd(socks[bus]), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return socks[bus];
}

void netlink_reset(int bus)
{
	if (bus >= 0 && bus < MAX_BUS && socks[bus]) {
		mnl_socket_close(socks[bus]);
		socks[bus] = NULL;
	}
}

/* What one answer came to. */
struct answer {
	int error;	  /* the kernel's (negative errno), or 0 */
	int cb_error;	  /* the callback's, or 0: the answer is still read to its end */
	bool stopped;	  /* the callback asked for no more */
	bool done;	  /* its end: an ACK, an error or NLMSG_DONE */
	bool interrupted; /* NLM_F_DUMP_INTR: the dump is not consistent */
};

static void on_message(const struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct answer *a)
{
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		a->interrupted = true;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
			a->error = -EPROTO;
		else if (err->error)
			a->error = err->error;
		a->done = true;
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		a->done = true;
	} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && cb && !a->cb_error && !a->stopped) {
		int ret = cb(nlh, data);
		if (ret == MNL_CB_STOP)
			a->stopped = true;
		else if (ret < MNL_CB_STOP)
			a->cb_error = errno ? -errno : -EIO;
	}
}

/* Reads until the answer to seq ends; skips what belongs to another request. */
static int read_answer(struct mnl_socket *nl, uint32_t seq, mnl_cb_t cb, void *data, struct answer *a)
{
	static char buf[65536]; /* a dump's message is at most 32 KiB, nft's elements 64 KiB */

	while (!a->done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		int left = (int)n;
		for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq)
				continue; /* a stale answer to an earlier request */
			on_message(nlh, cb, data, a);
		}
	}
	return 0;
}

static int talk_once(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct answer *a)
{
	static uint32_t seq;
	struct mnl_socket *nl = netlink_socket(bus);
	int ret;

	if (!nl)
		return -errno;
	if (!seq)
		seq = (uint32_t)time(NULL);
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = -errno;
	else
		ret = read_answer(nl, nlh->nlmsg_seq, cb, data, a);
	if (ret)
		netlink_reset(bus); /* whatever is queued on it is unknown: start clean */
	return ret;
}

int netlink_dump(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, void (*restart)(void *data))
{
	struct answer a;

	for (int attempt = 0;; attempt++) {
		a = (struct answer){ 0 };
		int ret = talk_once(bus, nlh, cb, data, &a);
		if (ret)
			return ret;
		/* a dump the table changed under is asked again, from an empty result */
		if (!restart || !a.interrupted || a.error || a.cb_error || attempt == DUMP_RETRIES)
			break;
		restart(data);
	}
	if (a.error)
		return a.error;
	if (a.cb_error)
		return a.cb_error;
	return a.interrupted ? -EINTR : 0;
}

int netlink_talk(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	return netlink_dump(bus, nlh, cb, data, NULL);
}
