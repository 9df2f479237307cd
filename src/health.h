/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_HEALTH_H
#define SHAREDVIP_HEALTH_H

#include <stdbool.h>

#include "config.h"

/* Whether this node can serve, from its [health] checks: `fall' failed rounds in a row
 * make it unhealthy, `rise' good ones healthy again. It starts healthy. */
struct health {
	bool healthy;
	unsigned fails, successes;
	char reason[192]; /* why the last round failed, or "" */
};

void health_init(struct health *h);
/* One round's result (why: what failed, when not ok); true when the verdict changed. */
bool health_round(struct health *h, const struct sv_config *cfg, bool ok, const char *why);

#endif
