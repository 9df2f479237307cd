/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_CONNTRACK_H
#define SHAREDVIP_CONNTRACK_H

#include <pthread.h>
#include <stdbool.h>

#include "config.h"

/* Sets live[b] for every bucket with a TCP connection to a VIP in this node's connection
 * tracking that is not closing (TIME_WAIT and CLOSE need no answer any more): the buckets
 * a node must keep holding after giving them away. 0, or -errno (then live says nothing:
 * an interrupted dump, say, when the table changed while it was read). */
int conntrack_live_buckets(const struct sv_config *cfg, bool *live);

/* The same, from an event loop (sharedvipd). The kernel walks its whole connection
 * tracking hash, shared by every network namespace, under a lock per bucket, and in one
 * call if this namespace has few entries in it: 20-40 ms for 262,144 buckets on a small
 * VM, longer than a 10 ms heartbeat interval allows. So the dump runs in a thread of its
 * own, on its own copy of the config (a reload does not change it underneath), and the
 * loop only waits for ct_dump_fd to become readable. */
struct ct_dump {
	pthread_t thread;
	int done[2]; /* a pipe: the thread writes one byte when it is finished */
	int result;  /* the thread's: 0 or -errno */
	struct sv_config *cfg;
	bool *found, *live; /* the thread's, and the caller's (written when it is collected) */
};
int ct_dump_start(struct ct_dump *d, const struct sv_config *cfg, bool *live);
/* Readable once the dump is finished; -1 when none runs. */
int ct_dump_fd(const struct ct_dump *d);
/* 1 the dump is complete (live is final), 0 not yet, -errno it failed. Either end closes
 * the dump. */
int ct_dump_continue(struct ct_dump *d);
/* Waits for a running dump (it ends by itself) and frees it. */
void ct_dump_close(struct ct_dump *d);

#endif
