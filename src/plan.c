// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "jhash.h"

/* Keys as sysctl(8) writes them: a dot in an interface's name (a VLAN, eth0.100) is a
 * slash there, since dots separate the key's parts. */
static void add_sysctl(struct sysctl_setting *out, int *n, int max, const char *fmt, const char *ifname,
		       const char *value)
{
	char name[IFNAMSIZ];

	if (*n == max)
		return;
	snprintf(name, sizeof(name), "%s", ifname);
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '/';
	snprintf(out[*n].key, sizeof(out[*n].key), fmt, name);
	snprintf(out[*n].value, sizeof(out[*n].value), "%s", value);
	(*n)++;
}

/* Every node has the same MAC, so EUI-64 link-local addresses would collide and fail DAD,
 * whether or not the cluster serves IPv6: a per-NIC stable_secret, set before the link
 * comes up, makes them unique. */
int plan_link_sysctls(const struct sv_config *cfg, const uint8_t perm_mac[6], struct sysctl_setting *out, int max)
{
	uint32_t h[4];
	char secret[64];
	int n = 0;

	for (uint32_t i = 0; i < 4; i++)
		h[i] = jhash(perm_mac, 6, 0x5eed0000u + i);
	snprintf(secret, sizeof(secret), "%x:%x:%x:%x:%x:%x:%x:%x", h[0] >> 16, h[0] & 0xffff, h[1] >> 16,
		 h[1] & 0xffff, h[2] >> 16, h[2] & 0xffff, h[3] >> 16, h[3] & 0xffff);
	add_sysctl(out, &n, max, "net.ipv6.conf.%s.stable_secret", cfg->interface, secret);
	add_sysctl(out, &n, max, "net.ipv6.conf.%s.addr_gen_mode", cfg->interface, "2");
	return n;
}

int plan_build(const struct sv_config *cfg, int node, struct plan *p)
{
	int16_t *owner;

	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->node = node;
	memcpy(p->mac, cfg->shared_mac, 6);
	for (int i = 0; i < cfg->nodes[node].n_addrs; i++)
		p->addrs[p->n_addrs++] = cfg->nodes[node].addrs[i];
	for (int i = 0; i < cfg->n_vips; i++) {
		p->addrs[p->n_addrs] = cfg->vips[i];
		p->addrs[p->n_addrs].prefix = (uint8_t)(addr_len(&cfg->vips[i]) * 8);
		p->is_vip[p->n_addrs++] = true;
	}
	/* The original design's settings, on this interface only: the global switches are
	 * what containers rely on. */
	add_sysctl(p->sysctls, &p->n_sysctls, PLAN_MAX_SYSCTLS, "net.ipv4.conf.%s.send_redirects", cfg->interface, "0");
	add_sysctl(p->sysctls, &p->n_sysctls, PLAN_MAX_SYSCTLS, "net.ipv4.conf.%s.forwarding", cfg->interface, "0");
	add_sysctl(p->sysctls, &p->n_sysctls, PLAN_MAX_SYSCTLS, "net.ipv6.conf.%s.forwarding", cfg->interface, "0");
	p->owned = calloc(cfg->buckets, sizeof(*p->owned));
	owner = malloc(cfg->buckets * sizeof(*owner));
	if (!p->owned || !owner || assign_buckets(cfg, NULL, owner)) {
		free(owner);
		plan_free(p);
		return -1;
	}
	for (uint32_t b = 0; b < cfg->buckets; b++) {
		p->owned[b] = owner[b] == node;
		p->n_owned += p->owned[b];
	}
	p->arp_owner = owner[0] == node;
	free(owner);
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->owned);
	p->owned = NULL;
}

void format_ranges(const bool *members, uint32_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t b = 0; b < n && off < len; b++) {
		if (!members[b])
			continue;
		uint32_t e = b;
		while (e + 1 < n && members[e + 1])
			e++;
		int w = e == b ? snprintf(buf + off, len - off, "%s%u", off ? ", " : "", b)
			       : snprintf(buf + off, len - off, "%s%u-%u", off ? ", " : "", b, e);
		if (w < 0 || (size_t)w >= len - off) {
			snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
			return;
		}
		off += (size_t)w;
		b = e;
	}
}

void plan_print(const struct plan *p, FILE *out)
{
	const struct sv_config *cfg = p->cfg;
	char a[SV_ADDRSTRLEN], m[18], ranges[4096];

	fprintf(out, "# sharedvip plan for node %s on %s\n", cfg->nodes[p->node].name, cfg->interface);
	fprintf(out, "# link %s address %s%s\n", cfg->interface, mac_str(p->mac, m),
		cfg->mode == MODE_SWITCH ? " (switch mode)" : "");
	for (int i = 0; i < p->n_addrs; i++)
		fprintf(out, "# address %s dev %s%s\n", addr_str(&p->addrs[i], a, true), cfg->interface,
			p->is_vip[i] ? (p->addrs[i].family == AF_INET6 ? " (vip, nodad, preferred_lft 0)" : " (vip)")
				     : "");
	for (int i = 0; i < cfg->n_gateways; i++)
		fprintf(out, "# route default via %s dev %s\n", addr_str(&cfg->gateways[i], a, false), cfg->interface);
	for (int i = 0; i < p->n_sysctls; i++)
		fprintf(out, "# sysctl %s = %s\n", p->sysctls[i].key, p->sysctls[i].value);
	format_ranges(p->owned, cfg->buckets, ranges, sizeof(ranges));
	fprintf(out, "# buckets owned: %d of %u: %s\n", p->n_owned, cfg->buckets, p->n_owned ? ranges : "none");
	fprintf(out, "# answers ARP for the VIPs: %s\n", p->arp_owner ? "yes" : "no");
}

bool plan_has_addr(const struct plan *p, const struct sv_addr *a)
{
	for (int i = 0; i < p->n_addrs; i++)
		if (addr_equal(&p->addrs[i], a))
			return true;
	return false;
}
