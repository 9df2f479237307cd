/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_METRICS_H
#define SHAREDVIP_METRICS_H

#include <stdint.h>

#include "config.h"
#include "ctlproto.h"
#include "strbuf.h"

/*
 * The Prometheus text exposition (format 0.0.4) of a node, defined once: sharedvipd serves
 * it at GET /metrics and `sharedvip-status --prometheus' prints the same text for
 * node_exporter's textfile collector. Both fill the input from the same sources: the
 * daemon's status (ctlproto.h) and the kernel's sets and counters.
 */
struct metrics_counter {
	char name[32];
	uint64_t packets, bytes;
};

struct metrics_input {
	const struct sv_config *cfg;
	const char *node;
	const struct ctl_status *daemon; /* NULL in static mode */
	int owned, held;		 /* as loaded in the kernel */
	const struct metrics_counter *counters;
	int n_counters;
};

void metrics_format(const struct metrics_input *in, struct strbuf *out);

/* What an HTTP request (its head, as received) asks for. */
enum http_route { HTTP_INCOMPLETE, HTTP_METRICS, HTTP_NOT_FOUND, HTTP_BAD };
enum http_route http_route(const char *head, size_t len);

#endif
