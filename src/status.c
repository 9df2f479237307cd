// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "status.h"

#include <linux/netfilter.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "control.h"
#include "ctlproto.h"
#include "metrics.h"
#include "ruleset.h"
#include "assign.h"
#include "jhash.h"
#include "nft.h"
#include "plan.h"
#include "rtnl.h"

#define MAX_COUNTERS 8

struct node_status {
	struct link_info link;
	bool link_found;
	bool vip_present[SV_MAX_VIPS];
	bool *owned;
	int n_owned;
	bool loaded; /* the inet table is there */
	struct nft_counter counters[MAX_COUNTERS * 2];
	int n_counters;
	bool daemon; /* sharedvipd answered: members and peers are its view */
	struct ctl_status *ctl;
};

/* The daemon's view, when one runs: 0 (st->daemon says whether), or -errno for a daemon
 * that does not answer, after saying so. */
static int read_daemon(struct node_status *st)
{
	static char reply[CTL_REPLY_MAX];
	static struct ctl_status ctl;
	const char *dir = control_run_dir(NULL);
	int ret = control_request(dir, "status", reply, sizeof(reply));

	st->ctl = &ctl;
	st->daemon = false;
	if (control_no_daemon(ret))
		return 0;
	if (!ret)
		ret = ctl_status_parse(reply, &ctl);
	if (ret) {
		fprintf(stderr, "%s: sharedvipd at %s/control does not answer: %s\n", sv_prog, dir, strerror(-ret));
		return ret;
	}
	st->daemon = true;
	return 0;
}

static bool member_alive(const struct node_status *st, const char *name)
{
	const struct ctl_peer *p = st->daemon ? ctl_status_peer(st->ctl, name) : NULL;

	return !st->daemon || (p && p->alive);
}

static int read_status(const struct sv_config *cfg, struct node_status *st)
{
	struct if_addr addrs[256];
	char comment[64];
	int n = 0;

	st->link_found = rtnl_link_get(cfg->interface, &st->link) == 0;
	if (st->link_found)
		n = rtnl_addr_list(st->link.ifindex, addrs, 256);
	for (int v = 0; v < cfg->n_vips; v++)
		for (int i = 0; i < n; i++)
			st->vip_present[v] |= addr_equal(&addrs[i].a, &cfg->vips[v]);
	st->loaded = nft_table_comment(NFPROTO_INET, comment, sizeof(comment)) > 0;
	if (read_daemon(st))
		return EXIT_KERNEL;
	if (st->owned && nft_set_members(NFPROTO_INET, RS_SET_OWNED, st->owned, cfg->buckets) >= 0)
		for (uint32_t b = 0; b < cfg->buckets; b++)
			st->n_owned += st->owned[b];
	int k = nft_counters(NFPROTO_NETDEV, st->counters, MAX_COUNTERS);
	st->n_counters = k > 0 ? k : 0;
	k = nft_counters(NFPROTO_INET, st->counters + st->n_counters, MAX_COUNTERS);
	st->n_counters += k > 0 ? k : 0;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The nodes counted as alive: all configured ones in static mode, else the daemon's. */
static int sorted_members(const struct sv_config *cfg, const struct node_status *st, const char **names)
{
	int n = 0;

	for (int i = 0; i < cfg->n_nodes; i++)
		if (member_alive(st, cfg->nodes[i].name))
			names[n++] = cfg->nodes[i].name;
	qsort(names, (size_t)n, sizeof(*names), by_name);
	return n;
}

static void print_peers_json(const struct sv_config *cfg, const struct node_status *st)
{
	const struct ctl_status *c = st->ctl;

	printf(", \"peers\": [");
	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct ctl_peer *p = ctl_status_peer(c, cfg->nodes[i].name);
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(cfg->nodes[i].name);
		printf(", \"alive\": %s, \"eligible\": %s, \"heard_ms_ago\": %lld, \"config\": \"%s\"}",
		       p && p->alive ? "true" : "false", p && p->eligible ? "true" : "false", p ? p->heard_ms_ago : -1,
		       !p		   ? ""
		       : p->config_differs ? "different"
					   : "same");
	}
	printf("], \"drops\": {\"forged\": %llu, \"replayed\": %llu, \"unknown\": %llu, \"config_differs\": %llu, "
	       "\"wrong_address\": %llu, \"unproven\": %llu}",
	       c->forged, c->replayed, c->unknown, c->config_differs, c->wrong_address, c->unproven);
	printf(", \"draining\": %s", c->draining ? "true" : "false");
	printf(", \"health\": ");
	json_string(c->health);
}

static void print_json(const struct sv_config *cfg, int node, const struct node_status *st, const char **members,
		       int n_members)
{
	char a[SV_ADDRSTRLEN], m[18];
	const char *sep = "";

	printf("{\"node\": ");
	json_string(cfg->nodes[node].name);
	printf(", \"interface\": ");
	json_string(cfg->interface);
	printf(", \"shared_mac\": \"%s\", \"link_mac\": \"%s\", \"link_up\": %s, \"vips\": [",
	       mac_str(cfg->shared_mac, m), st->link_found ? mac_str(st->link.mac, a) : "",
	       st->link_found && (st->link.flags & IFF_UP) ? "true" : "false");
	for (int v = 0; v < cfg->n_vips; v++)
		printf("%s\"%s\"", v ? ", " : "", addr_str(&cfg->vips[v], a, false));
	printf("], \"vips_present\": [");
	for (int v = 0; v < cfg->n_vips; v++)
		if (st->vip_present[v]) {
			printf("%s\"%s\"", sep, addr_str(&cfg->vips[v], a, false));
			sep = ", ";
		}
	printf("], \"buckets\": %u, \"owned\": [", cfg->buckets);
	sep = "";
	for (uint32_t b = 0; b < cfg->buckets; b++)
		if (st->owned[b]) {
			printf("%s%u", sep, b);
			sep = ", ";
		}
	printf("], \"members\": [");
	for (int i = 0; i < n_members; i++) {
		printf("%s", i ? ", " : "");
		json_string(members[i]);
	}
	printf("], \"mode\": \"%s\", \"loaded\": %s", st->daemon ? "daemon" : "static", st->loaded ? "true" : "false");
	printf(", \"healthy\": %s", !st->daemon || st->ctl->healthy ? "true" : "false");
	if (st->daemon)
		print_peers_json(cfg, st);
	printf(", \"counters\": {");
	for (int i = 0; i < st->n_counters; i++)
		printf("%s\"%s\": {\"packets\": %llu, \"bytes\": %llu}", i ? ", " : "", st->counters[i].comment,
		       (unsigned long long)st->counters[i].packets, (unsigned long long)st->counters[i].bytes);
	printf("}}\n");
}

static void print_text(const struct sv_config *cfg, int node, const struct node_status *st, const char **members,
		       int n_members)
{
	char a[SV_ADDRSTRLEN], m[18], ranges[2048];

	printf("node:       %s\n", cfg->nodes[node].name);
	if (st->link_found)
		printf("interface:  %s (%s, MAC %s%s)\n", cfg->interface, st->link.flags & IFF_UP ? "up" : "down",
		       mac_str(st->link.mac, m),
		       memcmp(st->link.mac, cfg->shared_mac, 6) ? ", NOT the shared MAC" : "");
	else
		printf("interface:  %s (not present)\n", cfg->interface);
	printf("shared MAC: %s\n", mac_str(cfg->shared_mac, m));
	printf("VIPs:      ");
	for (int v = 0; v < cfg->n_vips; v++)
		printf(" %s%s", addr_str(&cfg->vips[v], a, false), st->vip_present[v] ? "" : " (missing)");
	printf("\nmode:       %s\n", st->daemon ? "daemon" : "static");
	if (st->daemon)
		printf("health:     %s%s%s\n", st->ctl->healthy ? "healthy" : "UNHEALTHY",
		       st->ctl->health[0] ? ": " : "", st->ctl->health);
	printf("members:   ");
	for (int i = 0; i < n_members; i++)
		printf(" %s", members[i]);
	for (int i = 0; st->daemon && i < cfg->n_nodes; i++) {
		const struct ctl_peer *p = ctl_status_peer(st->ctl, cfg->nodes[i].name);
		printf("\n  %-10s", cfg->nodes[i].name);
		if (p)
			printf(" alive=%d eligible=%d heard_ms_ago=%lld config=%s", p->alive, p->eligible,
			       p->heard_ms_ago, p->config_differs ? "different" : "same");
	}
	if (st->daemon)
		printf("\n  drops forged=%llu replayed=%llu unknown=%llu config_differs=%llu wrong_address=%llu "
		       "unproven=%llu",
		       st->ctl->forged, st->ctl->replayed, st->ctl->unknown, st->ctl->config_differs,
		       st->ctl->wrong_address, st->ctl->unproven);
	format_ranges(st->owned, cfg->buckets, ranges, sizeof(ranges));
	printf("\nbuckets:    %d of %u owned%s%s\n", st->n_owned, cfg->buckets, st->n_owned ? ": " : "",
	       st->n_owned ? ranges : "");
	if (!st->loaded)
		printf("ruleset:    not loaded (run sharedvip-apply)\n");
	for (int i = 0; i < st->n_counters; i++)
		printf("%-11s %llu packets, %llu bytes\n", st->counters[i].comment,
		       (unsigned long long)st->counters[i].packets, (unsigned long long)st->counters[i].bytes);
}

/* The same text sharedvipd serves at /metrics, for node_exporter's textfile collector. */
static void print_prometheus(const struct sv_config *cfg, int node, const struct node_status *st)
{
	struct metrics_counter counters[MAX_COUNTERS * 2] = { 0 };
	struct strbuf out = { 0 };
	bool *held = calloc(cfg->buckets, sizeof(*held));
	int n_held = 0;

	if (held && nft_set_members(NFPROTO_INET, RS_SET_HELD, held, cfg->buckets) >= 0)
		for (uint32_t b = 0; b < cfg->buckets; b++)
			n_held += held[b];
	free(held);
	for (int i = 0; i < st->n_counters; i++) {
		snprintf(counters[i].name, sizeof(counters[i].name), "%s", st->counters[i].comment);
		counters[i].packets = st->counters[i].packets, counters[i].bytes = st->counters[i].bytes;
	}
	struct metrics_input in = { cfg,
				    st->daemon ? st->ctl->node : cfg->nodes[node].name,
				    st->daemon ? st->ctl : NULL,
				    st->n_owned,
				    st->daemon ? st->ctl->held : n_held,
				    counters,
				    st->n_counters };
	metrics_format(&in, &out);
	fputs(sb_str(&out), stdout);
	sb_free(&out);
}

int status_show(const struct sv_config *cfg, int node, enum status_format format)
{
	struct node_status st = { 0 };
	const char *members[SV_MAX_NODES];

	st.owned = calloc(cfg->buckets, sizeof(*st.owned));
	if (!st.owned)
		return EXIT_KERNEL;
	if (read_status(cfg, &st)) {
		free(st.owned);
		return EXIT_KERNEL;
	}
	int n_members = sorted_members(cfg, &st, members);
	if (format == STATUS_JSON)
		print_json(cfg, node, &st, members, n_members);
	else if (format == STATUS_PROMETHEUS)
		print_prometheus(cfg, node, &st);
	else
		print_text(cfg, node, &st, members, n_members);
	free(st.owned);
	return 0;
}

int status_who(const struct sv_config *cfg, const struct sv_addr *client, int port, bool json)
{
	int16_t *owner = malloc(cfg->buckets * sizeof(*owner));
	uint32_t bucket = client_bucket(cfg, client, port);
	static struct node_status st;
	bool eligible[SV_MAX_NODES];
	char a[SV_ADDRSTRLEN];
	const char *name;

	/* with sharedvipd, over the nodes it counts as eligible owners now */
	if (read_daemon(&st)) {
		free(owner);
		return EXIT_KERNEL;
	}
	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct ctl_peer *p = st.daemon ? ctl_status_peer(st.ctl, cfg->nodes[i].name) : NULL;
		eligible[i] = !st.daemon || (p && p->eligible);
	}
	if (!owner || assign_buckets(cfg, st.daemon ? eligible : NULL, owner)) {
		free(owner);
		return EXIT_KERNEL;
	}
	name = owner[bucket] >= 0 ? cfg->nodes[owner[bucket]].name : "";
	addr_str(client, a, false);
	if (json) {
		printf("{\"client\": \"%s\", ", a);
		if (port >= 0)
			printf("\"port\": %d, ", port);
		printf("\"bucket\": %u, \"owner\": ", bucket);
		json_string(name);
		printf("}\n");
	} else {
		if (port >= 0)
			printf("%s port %d: bucket %u, owner %s\n", a, port, bucket, *name ? name : "(none)");
		else
			printf("%s: bucket %u, owner %s\n", a, bucket, *name ? name : "(none)");
	}
	free(owner);
	return 0;
}
