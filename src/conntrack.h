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

#endif
