// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "health.h"

#include <stdio.h>
#include <string.h>

void health_init(struct health *h)
{
	memset(h, 0, sizeof(*h));
	h->healthy = true;
}

bool health_round(struct health *h, const struct sv_config *cfg, bool ok, const char *why)
{
	bool was = h->healthy;

	if (ok) {
		h->fails = 0;
		h->successes++;
		h->reason[0] = '\0';
		if (!h->healthy && h->successes >= cfg->health.rise)
			h->healthy = true;
	} else {
		h->successes = 0;
		h->fails++;
		snprintf(h->reason, sizeof(h->reason), "%s", why);
		if (h->healthy && h->fails >= cfg->health.fall)
			h->healthy = false;
	}
	return h->healthy != was;
}
