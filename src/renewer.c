// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "renewer.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlink.h"
#include "nft.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One renewal on the thread's own socket; the lease left is counted when it begins. */
static void renew(struct mnl_socket **nl, const char *ifname, int64_t sent_ms, int64_t lease_ms, struct renewal *out)
{
	bool broken = false;

	*out = (struct renewal){ .sent_ms = sent_ms, .began_ms = mono_ms() };
	if (lease_ms - (out->began_ms - sent_ms) <= 0) {
		out->ret = -ETIME;
	} else if (!*nl && !(*nl = netlink_open(NETLINK_NETFILTER, 0, false))) {
		out->ret = -errno;
		snprintf(out->what, sizeof(out->what), "open a netlink socket");
	} else {
		out->ret = nft_renew_lease_on(*nl, ifname, lease_ms - (out->began_ms - sent_ms), out->what,
					      sizeof(out->what), &broken);
	}
	out->ended_ms = mono_ms();
	if (broken) {
		mnl_socket_close(*nl);
		*nl = NULL;
	}
}

static void *work(void *arg)
{
	struct renewer *r = arg;
	struct mnl_socket *nl = NULL;
	struct renewal done;
	const char byte = 1;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->asked && !r->stopping)
			pthread_cond_wait(&r->wake, &r->lock);
		if (r->stopping)
			break;
		char ifname[IFNAMSIZ];
		int64_t sent = r->sent_ms, lease = r->lease_ms;
		memcpy(ifname, r->ifname, sizeof(ifname));
		r->asked = false;
		pthread_mutex_unlock(&r->lock);
		renew(&nl, ifname, sent, lease, &done);
		pthread_mutex_lock(&r->lock);
		r->result = done;
		r->has_result = true;
		while (write(r->done[1], &byte, 1) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&r->lock);
	if (nl)
		mnl_socket_close(nl);
	return NULL;
}

int renewer_start(struct renewer *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->done[0] = r->done[1] = -1;
	if (pipe2(r->done, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	if ((err = pthread_create(&r->thread, NULL, work, r))) {
		close(r->done[0]), close(r->done[1]);
		r->done[0] = r->done[1] = -1;
		return -err;
	}
	r->running = true;
	return 0;
}

void renewer_ask(struct renewer *r, const char *ifname, int64_t sent_ms, int64_t lease_ms)
{
	pthread_mutex_lock(&r->lock);
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->sent_ms = sent_ms, r->lease_ms = lease_ms;
	r->asked = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

int renewer_fd(const struct renewer *r)
{
	return r->running ? r->done[0] : -1;
}

bool renewer_result(struct renewer *r, struct renewal *out)
{
	char drain[64];
	bool got;

	while (read(r->done[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&r->lock);
	got = r->has_result;
	if (got)
		*out = r->result;
	r->has_result = false;
	pthread_mutex_unlock(&r->lock);
	return got;
}

void renewer_stop(struct renewer *r)
{
	if (!r->running)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	close(r->done[0]), close(r->done[1]);
	r->running = false;
}
