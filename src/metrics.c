// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "metrics.h"

#include <string.h>

#include "version.h"

static void family(struct strbuf *o, const char *name, const char *type, const char *help)
{
	sb_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the format asks (backslash, quote, newline). */
static void label(struct strbuf *o, const char *value)
{
	for (; value && *value; value++) {
		if (*value == '\\' || *value == '"')
			sb_printf(o, "\\%c", *value);
		else if (*value == '\n')
			sb_printf(o, "\\n");
		else
			sb_printf(o, "%c", *value);
	}
}

static void sample(struct strbuf *o, const char *name, const char *key, const char *value, unsigned long long v)
{
	sb_printf(o, "%s", name);
	if (key) {
		sb_printf(o, "{%s=\"", key);
		label(o, value);
		sb_printf(o, "\"}");
	}
	sb_printf(o, " %llu\n", v);
}

static void gauge(struct strbuf *o, const char *name, const char *help, unsigned long long v)
{
	family(o, name, "gauge", help);
	sample(o, name, NULL, NULL, v);
}

static void per_node(struct strbuf *o, const struct metrics_input *in)
{
	const struct sv_config *cfg = in->cfg;
	const struct ctl_status *d = in->daemon;
	int alive = 0;

	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct ctl_peer *p = d ? ctl_status_peer(d, cfg->nodes[i].name) : NULL;
		alive += !d || (p && p->alive);
	}
	gauge(o, "sharedvip_members_alive", "Nodes this node counts as alive (all configured ones in static mode).",
	      (unsigned long long)alive);
	family(o, "sharedvip_node_up", "gauge", "1 if this node counts the node as alive.");
	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct ctl_peer *p = d ? ctl_status_peer(d, cfg->nodes[i].name) : NULL;
		sample(o, "sharedvip_node_up", "node", cfg->nodes[i].name, !d || (p && p->alive));
	}
	family(o, "sharedvip_node_healthy", "gauge", "1 if the node says it is healthy, as this node heard it.");
	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct ctl_peer *p = d ? ctl_status_peer(d, cfg->nodes[i].name) : NULL;
		sample(o, "sharedvip_node_healthy", "node", cfg->nodes[i].name, !d || (p && p->healthy));
	}
	family(o, "sharedvip_heartbeats_received_total", "counter", "Authentic heartbeats accepted from the node.");
	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct ctl_peer *p = d ? ctl_status_peer(d, cfg->nodes[i].name) : NULL;
		if (strcmp(cfg->nodes[i].name, in->node))
			sample(o, "sharedvip_heartbeats_received_total", "node", cfg->nodes[i].name,
			       p ? p->received : 0);
	}
}

void metrics_format(const struct metrics_input *in, struct strbuf *o)
{
	const struct ctl_status *d = in->daemon;
	const struct {
		const char *reason;
		unsigned long long n;
	} rejected[] = { { "forged", d ? d->forged : 0 },
			 { "replayed", d ? d->replayed : 0 },
			 { "unknown_node", d ? d->unknown : 0 },
			 { "config_differs", d ? d->config_differs : 0 },
			 { "wrong_address", d ? d->wrong_address : 0 },
			 { "unproven", d ? d->unproven : 0 } };

	family(o, "sharedvip_info", "gauge", "This node: its name, the version and the mode (static or daemon).");
	sb_printf(o, "sharedvip_info{node=\"");
	label(o, in->node);
	sb_printf(o, "\",version=\"%s\",mode=\"%s\"} 1\n", SHAREDVIP_VERSION, d ? "daemon" : "static");
	gauge(o, "sharedvip_daemon_up", "1 if sharedvipd runs and answers.", d != NULL);
	/* a constant; typed a counter so that its _total name lints clean (promtool check metrics) */
	family(o, "sharedvip_buckets_total", "counter", "Hash buckets in the cluster (constant for a config).");
	sample(o, "sharedvip_buckets_total", NULL, NULL, in->cfg->buckets);
	gauge(o, "sharedvip_buckets_owned", "Buckets this node takes new connections for, as loaded in the kernel.",
	      (unsigned long long)in->owned);
	gauge(o, "sharedvip_buckets_held", "Buckets given away that still hold connections here.",
	      (unsigned long long)in->held);
	per_node(o, in);
	family(o, "sharedvip_heartbeats_rejected_total", "counter", "Heartbeats dropped, by reason.");
	for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
		sample(o, "sharedvip_heartbeats_rejected_total", "reason", rejected[i].reason, rejected[i].n);
	family(o, "sharedvip_ownership_changes_total", "counter", "Changes of this node's ownership the daemon made.");
	sample(o, "sharedvip_ownership_changes_total", NULL, NULL, d ? d->ownership_changes : 0);
	gauge(o, "sharedvip_draining", "1 while this node is drained (sharedvipctl drain).", d && d->draining);
	gauge(o, "sharedvip_quorum", "1 while this node's group may take new connections (quorum).", !d || d->quorum);
	gauge(o, "sharedvip_healthy", "1 while this node's [health] checks pass (or there are none).",
	      !d || d->healthy);
	family(o, "sharedvip_packets_total", "counter", "Packets counted by sharedvip's rules, by rule.");
	for (int i = 0; i < in->n_counters; i++)
		sample(o, "sharedvip_packets_total", "counter", in->counters[i].name, in->counters[i].packets);
	family(o, "sharedvip_bytes_total", "counter", "Bytes counted by sharedvip's rules, by rule.");
	for (int i = 0; i < in->n_counters; i++)
		sample(o, "sharedvip_bytes_total", "counter", in->counters[i].name, in->counters[i].bytes);
}

enum http_route http_route(const char *head, size_t len)
{
	static const char get[] = "GET /metrics ";
	const char *end = memmem(head, len, "\r\n\r\n", 4);

	if (!end)
		end = memmem(head, len, "\n\n", 2);
	if (!end)
		return HTTP_INCOMPLETE;
	if ((size_t)(end - head) < 5 || memcmp(head, "GET ", 4))
		return HTTP_BAD;
	if ((size_t)(end - head) >= sizeof(get) - 1 && !memcmp(head, get, sizeof(get) - 1))
		return HTTP_METRICS;
	return HTTP_NOT_FOUND;
}
