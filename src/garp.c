// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "garp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_frame(int ifindex, const void *frame, size_t len, uint16_t proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_protocol = htons(proto) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int garp(int ifindex, const uint8_t mac[6], const struct in_addr *ip)
{
	uint8_t f[42];

	/* clang-format off */
	memset(f, 0xff, 6);                 /* to everyone */
	memcpy(f + 6, mac, 6);              /* from the shared MAC */
	f[12] = 0x08, f[13] = 0x06;         /* ARP */
	f[14] = 0x00, f[15] = 0x01;         /* hardware: Ethernet */
	f[16] = 0x08, f[17] = 0x00;         /* protocol: IPv4 */
	f[18] = 6, f[19] = 4;               /* address lengths */
	f[20] = 0x00, f[21] = 0x01;         /* a request, which every stack updates its cache from */
	memcpy(f + 22, mac, 6);             /* sender MAC */
	memcpy(f + 28, ip, 4);              /* sender IP = target IP: gratuitous */
	memset(f + 32, 0, 6);               /* target MAC unknown */
	memcpy(f + 38, ip, 4);
	/* clang-format on */
	return send_frame(ifindex, f, sizeof(f), ETH_P_ARP);
}

static uint16_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static int unsolicited_na(int ifindex, const uint8_t mac[6], const struct in6_addr *ip)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	uint8_t f[14 + 40 + 32] = { 0 };
	uint8_t *ip6 = f + 14, *na = f + 54;
	uint32_t sum;

	/* clang-format off */
	f[0] = 0x33, f[1] = 0x33, f[5] = 0x01;   /* 33:33:00:00:00:01, all nodes */
	memcpy(f + 6, mac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	ip6[0] = 0x60;
	ip6[5] = 32;                               /* payload length */
	ip6[6] = IPPROTO_ICMPV6;
	ip6[7] = 255;                              /* hop limit ND requires */
	memcpy(ip6 + 8, ip, 16);
	memcpy(ip6 + 24, all_nodes, 16);
	na[0] = ND_NEIGHBOR_ADVERT;
	na[4] = 0x20;                              /* override, not solicited */
	memcpy(na + 8, ip, 16);
	na[24] = ND_OPT_TARGET_LINKADDR;
	na[25] = 1;
	memcpy(na + 26, mac, 6);
	/* clang-format on */
	/* checksum over the pseudo-header: addresses, length, next header */
	sum = csum_add(0, ip6 + 8, 32);
	sum = csum_add(sum + 32 + IPPROTO_ICMPV6, na, 32);
	sum = (uint16_t)~sum;
	na[2] = (uint8_t)(sum >> 8), na[3] = (uint8_t)sum;
	return send_frame(ifindex, f, sizeof(f), ETH_P_IPV6);
}

int announce_address(int ifindex, const uint8_t mac[6], const struct sv_addr *addr)
{
	return addr->family == AF_INET ? garp(ifindex, mac, &addr->v4) : unsolicited_na(ifindex, mac, &addr->v6);
}
