/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_ADDR_H
#define SHAREDVIP_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address with an optional prefix length. */
struct sv_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t prefix;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	};
};

#define SV_ADDRSTRLEN (INET6_ADDRSTRLEN + 4)

static inline int addr_len(const struct sv_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}
bool addr_parse(const char *s, struct sv_addr *a, bool with_prefix);
const char *addr_str(const struct sv_addr *a, char *buf, bool with_prefix);
bool addr_equal(const struct sv_addr *a, const struct sv_addr *b);
bool addr_in_subnet(const struct sv_addr *net, const struct sv_addr *a);
bool addr_is_net_or_bcast(const struct sv_addr *net, const struct sv_addr *a);
/* Whether a's interface identifier is the modified EUI-64 of mac (RFC 4291, appendix A),
 * as the kernel and most network managers derive link-local and SLAAC addresses. */
bool addr_is_eui64_of(const struct sv_addr *a, const uint8_t mac[6]);
bool mac_parse(const char *s, uint8_t mac[6]);
const char *mac_str(const uint8_t mac[6], char buf[18]);

#endif
