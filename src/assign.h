/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_ASSIGN_H
#define SHAREDVIP_ASSIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Fills owner[0..cfg->buckets) with the owning node's index, or -1 when no node is alive.
 * alive may be NULL (static mode: every node counts). Returns 0, or -ENOMEM. */
int assign_buckets(const struct sv_config *cfg, const bool *alive, int16_t *owner);
/* The two halves of it, for whoever keeps the base (over all nodes, once per config) and
 * computes the alive set's from it: each alive node keeps its base buckets, only the dead
 * nodes' are placed again. */
int assign_base(const struct sv_config *cfg, int16_t *base);
int assign_alive(const struct sv_config *cfg, const int16_t *base, const bool *alive, int16_t *owner);

#endif
