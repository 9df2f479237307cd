// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool addr_parse(const char *s, struct sv_addr *a, bool with_prefix)
{
	char buf[SV_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(buf) || (slash && !with_prefix))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &a->v6) == 1)
		a->family = AF_INET6;
	else
		return false;
	a->prefix = (uint8_t)(addr_len(a) * 8);
	if (slash) {
		char *end;
		long p = strtol(slash + 1, &end, 10);

		if (!slash[1] || *end || p < 0 || p > addr_len(a) * 8)
			return false;
		a->prefix = (uint8_t)p;
	}
	return true;
}

const char *addr_str(const struct sv_addr *a, char *buf, bool with_prefix)
{
	inet_ntop(a->family, a->b, buf, INET6_ADDRSTRLEN);
	if (with_prefix)
		sprintf(buf + strlen(buf), "/%u", a->prefix);
	return buf;
}

bool addr_equal(const struct sv_addr *a, const struct sv_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, (size_t)addr_len(a));
}

static bool bits_equal(const uint8_t *x, const uint8_t *y, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(x, y, full))
		return false;
	return !rest || !((x[full] ^ y[full]) & (0xff << (8 - rest)));
}

/* Whether a lies in the subnet of net (an address with its prefix). */
bool addr_in_subnet(const struct sv_addr *net, const struct sv_addr *a)
{
	return net->family == a->family && bits_equal(net->b, a->b, net->prefix);
}

/* For IPv4 subnets larger than /31, whether a is their network or broadcast address. */
bool addr_is_net_or_bcast(const struct sv_addr *net, const struct sv_addr *a)
{
	if (net->family != AF_INET || a->family != AF_INET || net->prefix >= 31 || !addr_in_subnet(net, a))
		return false;
	uint32_t host = ntohl(a->v4.s_addr) & (0xffffffffu >> net->prefix);
	return host == 0 || host == (0xffffffffu >> net->prefix);
}

bool addr_is_eui64_of(const struct sv_addr *a, const uint8_t mac[6])
{
	const uint8_t iid[8] = { (uint8_t)(mac[0] ^ 0x02), mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5] };

	return a->family == AF_INET6 && !memcmp(a->b + 8, iid, sizeof(iid));
}

bool mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

const char *mac_str(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}
