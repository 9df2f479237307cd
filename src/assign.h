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

#endif
