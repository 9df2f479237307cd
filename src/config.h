/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_CONFIG_H
#define SHAREDVIP_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "common.h"
#include "hashmode.h"

#define SV_DEFAULT_CONFIG "/etc/sharedvip.ini"
#define SV_MAX_VIPS	  16
#define SV_MAX_GATEWAYS	  4
#define SV_MAX_NODES	  256
#define SV_MAX_NODE_ADDRS 8
#define SV_MAX_SERVICES	  64
#define SV_MAX_NAME	  64
#define SV_MAX_BUCKETS	  65536

enum sv_mode { MODE_HUB, MODE_SWITCH };
/* Who says which nodes are alive: sharedvipd's own heartbeats, or corosync (its closed
 * process groups carry the heartbeats, its views and votequorum's quorum decide). */
enum sv_membership { MEMBERSHIP_SHAREDVIP, MEMBERSHIP_COROSYNC };
enum sv_quorum { QUORUM_NONE, QUORUM_MAJORITY };

struct sv_service {
	uint8_t proto;	 /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t lo, hi; /* 0-65535 for the whole protocol */
};

/* A service the health check wants something listening on. */
struct sv_listen {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
};
#define SV_MAX_LISTEN 16

struct sv_node {
	char name[SV_MAX_NAME];
	struct sv_addr addrs[SV_MAX_NODE_ADDRS];
	int n_addrs;
	unsigned weight;
	uint8_t send_mac[6];
	int line;			 /* of the [node] header */
	int address_line, send_mac_line; /* of those keys, 0 when absent */
	/* with per-node keys: the Ed25519 public keys its heartbeats may be signed with (two
	 * while its key is being changed) */
	uint8_t public_keys[2][32];
	int n_public_keys;
};

struct sv_config {
	char file[256];
	char interface[IFNAMSIZ];
	struct sv_addr vips[SV_MAX_VIPS];
	int n_vips;
	uint8_t shared_mac[6];
	struct sv_addr gateways[SV_MAX_GATEWAYS];
	int n_gateways;
	uint32_t buckets;
	uint32_t seed;
	enum sv_affinity affinity;
	struct sv_service services[SV_MAX_SERVICES];
	int n_services; /* 0: all TCP and UDP */
	uint16_t local_lo, local_hi;
	bool ping;
	enum sv_mode mode;
	struct sv_node nodes[SV_MAX_NODES];
	int n_nodes;
	struct {
		bool enabled; /* a [failover] section: ownership is the daemon's (with its key) */
		unsigned heartbeat_ms, dead_after;
		uint16_t port;
		char key_file[256];
		char node_key_file[256]; /* this node's own signing key; "" for the shared key alone */
		enum sv_quorum quorum;
		enum sv_membership membership;
		char notify[1024]; /* run by /bin/sh -c on every event; "" for none */
	} failover;
	struct {
		bool enabled; /* a [health] section: without it a node is healthy while its daemon runs */
		struct sv_listen listen[SV_MAX_LISTEN];
		int n_listen;
		char command[1024];
		unsigned interval_ms, timeout_ms, fall, rise;
	} health;
	struct {
		bool enabled; /* [metrics] listen: sharedvipd serves GET /metrics there */
		struct sv_addr addr;
		uint16_t port;
	} metrics;
};

/* Parses and validates; every error goes to err as "PROG: FILE:LINE: message".
 * Returns 0, or the number of errors (-1 if the file cannot be read). */
int config_load(const char *path, struct sv_config *cfg, FILE *err);
int config_parse_string(const char *text, const char *name, struct sv_config *cfg, FILE *err);
/* The same for len bytes that may hold anything (a NUL byte is an error). */
int config_parse_buffer(const char *text, size_t len, const char *name, struct sv_config *cfg, FILE *err);

/* Whether a is one of the VIPs; whether any VIP is of family (AF_INET, AF_INET6). */
bool config_is_vip(const struct sv_config *cfg, const struct sv_addr *a);
/* Whether a is one of node's configured addresses. */
bool config_node_has_addr(const struct sv_config *cfg, int node, const struct sv_addr *a);
bool config_has_vip_family(const struct sv_config *cfg, int family);
/* The node's slice of local_ports, by its position in the file. */
void config_local_slice(const struct sv_config *cfg, int node, uint16_t *lo, uint16_t *hi);
/* The source MAC a node sends from in switch mode. */
void config_send_mac(const struct sv_config *cfg, int node, uint8_t mac[6]);

#endif
