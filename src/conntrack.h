/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_CONNTRACK_H
#define SHAREDVIP_CONNTRACK_H

#include <stdbool.h>

#include "config.h"

/* Sets live[b] for every bucket with a TCP connection to a VIP in this node's connection
 * tracking that is not closing (TIME_WAIT and CLOSE need no answer any more): the buckets
 * a node must keep holding after giving them away. 0, or -errno (then live says nothing:
 * an interrupted dump, say, when the table changed while it was read). */
int conntrack_live_buckets(const struct sv_config *cfg, bool *live);

/* The same, read a piece at a time from an event loop (sharedvipd): the kernel sends the
 * next piece of a dump only when the previous one has been read, so even a table of
 * millions of connections never holds up the loop. */
struct ct_dump {
	struct mnl_socket *nl;
	uint32_t seq, portid;
	const struct sv_config *cfg;
	bool *live;
};
int ct_dump_start(struct ct_dump *d, const struct sv_config *cfg, bool *live);
int ct_dump_fd(const struct ct_dump *d);
/* Reads what has come: 1 the dump is complete (live is final), 0 more to come, -errno it
 * failed. Either end closes the dump. */
int ct_dump_continue(struct ct_dump *d);
void ct_dump_close(struct ct_dump *d);

#endif
