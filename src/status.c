// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "status.h"

#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "control.h"
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
	char reply[16384];
};

/* The daemon's line for a node: "peer NAME alive=.. eligible=.. heard_ms_ago=.. config=.." */
static const char *peer_line(const struct node_status *st, const char *name)
{
	char key[SV_MAX_NAME + 8];
	const char *p = st->reply;

	snprintf(key, sizeof(key), "peer %s ", name);
	while (p && *p) {
		if (!strncmp(p, key, strlen(key)))
			return p + strlen(key);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static bool member_alive(const struct node_status *st, const char *name)
{
	const char *l = st->daemon ? peer_line(st, name) : NULL;

	return !st->daemon || (l && !strncmp(l, "alive=1", 7));
}

static void read_status(const struct sv_config *cfg, struct node_status *st)
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
	st->daemon = !control_request(control_run_dir(NULL), "status", st->reply, sizeof(st->reply)) &&
		     !strncmp(st->reply, "mode daemon", 11);
	if (st->owned && nft_set_members(NFPROTO_INET, "owned", st->owned, cfg->buckets) >= 0)
		for (uint32_t b = 0; b < cfg->buckets; b++)
			st->n_owned += st->owned[b];
	int k = nft_counters(NFPROTO_NETDEV, st->counters, MAX_COUNTERS);
	st->n_counters = k > 0 ? k : 0;
	k = nft_counters(NFPROTO_INET, st->counters + st->n_counters, MAX_COUNTERS);
	st->n_counters += k > 0 ? k : 0;
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

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_peers_json(const struct sv_config *cfg, const struct node_status *st)
{
	const char *drops = strstr(st->reply, "drops ");
	unsigned long long f = 0, r = 0, u = 0, c = 0;

	printf(", \"peers\": [");
	for (int i = 0; i < cfg->n_nodes; i++) {
		const char *l = peer_line(st, cfg->nodes[i].name);
		int alive = 0, eligible = 0;
		long long heard = -1;
		char config[16] = "";
		if (l)
			sscanf(l, "alive=%d eligible=%d heard_ms_ago=%lld config=%15s", &alive, &eligible, &heard,
			       config);
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(cfg->nodes[i].name);
		printf(", \"alive\": %s, \"eligible\": %s, \"heard_ms_ago\": %lld, \"config\": \"%s\"}",
		       alive ? "true" : "false", eligible ? "true" : "false", heard, config);
	}
	if (drops)
		sscanf(drops, "drops forged=%llu replayed=%llu unknown=%llu config_differs=%llu", &f, &r, &u, &c);
	printf("], \"drops\": {\"forged\": %llu, \"replayed\": %llu, \"unknown\": %llu, \"config_differs\": %llu}", f,
	       r, u, c);
	printf(", \"draining\": %s", strstr(st->reply, "draining 1") ? "true" : "false");
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
	       st->link_found && (st->link.flags & 1) ? "true" : "false");
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
		printf("interface:  %s (%s, MAC %s%s)\n", cfg->interface, st->link.flags & 1 ? "up" : "down",
		       mac_str(st->link.mac, m),
		       memcmp(st->link.mac, cfg->shared_mac, 6) ? ", NOT the shared MAC" : "");
	else
		printf("interface:  %s (not present)\n", cfg->interface);
	printf("shared MAC: %s\n", mac_str(cfg->shared_mac, m));
	printf("VIPs:      ");
	for (int v = 0; v < cfg->n_vips; v++)
		printf(" %s%s", addr_str(&cfg->vips[v], a, false), st->vip_present[v] ? "" : " (missing)");
	printf("\nmode:       %s\nmembers:   ", st->daemon ? "daemon" : "static");
	for (int i = 0; i < n_members; i++)
		printf(" %s", members[i]);
	for (int i = 0; st->daemon && i < cfg->n_nodes; i++) {
		const char *l = peer_line(st, cfg->nodes[i].name);
		printf("\n  %-10s %.*s", cfg->nodes[i].name, l ? (int)strcspn(l, "\n") : 0, l ? l : "");
	}
	if (st->daemon && strstr(st->reply, "drops "))
		printf("\n  %.*s", (int)strcspn(strstr(st->reply, "drops "), "\n"), strstr(st->reply, "drops "));
	format_ranges(st->owned, cfg->buckets, ranges, sizeof(ranges));
	printf("\nbuckets:    %d of %u owned%s%s\n", st->n_owned, cfg->buckets, st->n_owned ? ": " : "",
	       st->n_owned ? ranges : "");
	if (!st->loaded)
		printf("ruleset:    not loaded (run sharedvip-apply)\n");
	for (int i = 0; i < st->n_counters; i++)
		printf("%-11s %llu packets, %llu bytes\n", st->counters[i].comment,
		       (unsigned long long)st->counters[i].packets, (unsigned long long)st->counters[i].bytes);
}

int status_show(const struct sv_config *cfg, int node, bool json)
{
	struct node_status st = { 0 };
	const char *members[SV_MAX_NODES];

	st.owned = calloc(cfg->buckets, sizeof(*st.owned));
	if (!st.owned)
		return EXIT_KERNEL;
	read_status(cfg, &st);
	int n_members = sorted_members(cfg, &st, members);
	if (json)
		print_json(cfg, node, &st, members, n_members);
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
	st.daemon = !control_request(control_run_dir(NULL), "status", st.reply, sizeof(st.reply)) &&
		    !strncmp(st.reply, "mode daemon", 11);
	for (int i = 0; i < cfg->n_nodes; i++) {
		const char *l = st.daemon ? peer_line(&st, cfg->nodes[i].name) : NULL;
		const char *end = l ? l + strcspn(l, "\n") : NULL, *e = l ? strstr(l, "eligible=1") : NULL;
		eligible[i] = !st.daemon || (e && e < end);
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
		printf("%s%s%.0d: bucket %u, owner %s\n", a, port >= 0 ? " port " : "", port >= 0 ? port : 0, bucket,
		       *name ? name : "(none)");
	}
	free(owner);
	return 0;
}
