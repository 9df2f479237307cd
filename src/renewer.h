/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_RENEWER_H
#define SHAREDVIP_RENEWER_H

/* sharedvipd's lease renewals, committed by a thread of their own. A renewal is one
 * nftables transaction of one element; most take a fraction of a millisecond, but now and
 * then the kernel holds one 20-25 ms (measured at 10 ms heartbeats with four daemons), and
 * a heartbeat that waited for it would come late enough for the peers' dead timer at short
 * intervals. The loop asks for a renewal after each heartbeat and goes on; the thread
 * commits the latest one asked for and tells the loop through a pipe. */

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct renewal {
	int64_t sent_ms;	    /* the heartbeat it follows (the lease counts from it) */
	int64_t began_ms, ended_ms; /* the commit's, monotonic */
	int ret;		    /* 0, -ETIME (the lease had run out before it began), -errno */
	char what[160];		    /* what the kernel refused */
};

struct renewer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int done[2]; /* a pipe: a byte for each result */
	bool running, stopping, asked;
	char ifname[IFNAMSIZ];
	int64_t sent_ms, lease_ms; /* what is asked: a lease of lease_ms counted from sent_ms */
	struct renewal result;
	bool has_result;
};

int renewer_start(struct renewer *r); /* 0 or -errno */
/* Asks for a renewal (replacing one not begun yet). */
void renewer_ask(struct renewer *r, const char *ifname, int64_t sent_ms, int64_t lease_ms);
int renewer_fd(const struct renewer *r); /* readable when a result is there; -1 when not running */
/* The latest result, if one came: true and *out filled. */
bool renewer_result(struct renewer *r, struct renewal *out);
void renewer_stop(struct renewer *r);

#endif
