// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
/* bench/flood: sends COUNT UDP frames to DST_IP:53 at DST_MAC from as many source addresses
 * (10.0.0.0/8 for IPv4, 2001:db8:ff::/48 for IPv6) through an AF_PACKET socket on IFACE.
 * Over a veth pair the receiving namespace processes each frame in the sender's context,
 * so the CPU time of this loop is the cost of sending plus receiving. Prints it per frame. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define FRAME 96

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t frame4(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, struct in_addr dst, uint32_t n)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint32_t src = htonl(0x0a000000u | (n * 2654435761u & 0x00ffffffu));

	memset(f, 0, FRAME);
	memcpy(f, dmac, 6), memcpy(f + 6, smac, 6), f[12] = 0x08, f[13] = 0x00;
	ip[0] = 0x45, ip[3] = 20 + 8 + 16, ip[8] = 64, ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src, 4), memcpy(ip + 16, &dst, 4);
	uint16_t c = htons(csum(ip, 20));
	memcpy(ip + 10, &c, 2);
	udp[0] = 0x30, udp[1] = 0x39, udp[3] = 53, udp[5] = 8 + 16; /* 12345 -> 53, no checksum */
	return 14 + 20 + 8 + 16;
}

static size_t frame6(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const struct in6_addr *dst, uint32_t n)
{
	uint8_t *ip = f + 14, *udp = ip + 40;
	uint32_t r = n * 2654435761u, sum = 0;

	memset(f, 0, FRAME);
	memcpy(f, dmac, 6), memcpy(f + 6, smac, 6), f[12] = 0x86, f[13] = 0xdd;
	ip[0] = 0x60, ip[5] = 8 + 16, ip[6] = IPPROTO_UDP, ip[7] = 64;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[12] = 0x00, ip[13] = 0xff;
	memcpy(ip + 20, &r, 4);
	memcpy(ip + 24, dst, 16);
	udp[0] = 0x30, udp[1] = 0x39, udp[3] = 53, udp[5] = 8 + 16;
	/* IPv6 requires the UDP checksum: pseudo-header, then the datagram */
	for (int i = 8; i < 40; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum += 8 + 16 + IPPROTO_UDP;
	for (int i = 0; i < 8 + 16; i += 2)
		sum += (uint32_t)(udp[i] << 8 | udp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	udp[6] = (uint8_t)(~sum >> 8), udp[7] = (uint8_t)~sum;
	return 14 + 40 + 8 + 16;
}

static int parse_mac(const char *s, uint8_t *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint8_t dmac[6], smac[6];
	struct in6_addr dst6;
	struct in_addr dst4;
	int fd, v6;

	if (argc != 6 || parse_mac(argv[2], dmac) || parse_mac(argv[3], smac)) {
		fprintf(stderr, "usage: flood IFACE DST_MAC SRC_MAC DST_IP COUNT\n");
		return 1;
	}
	v6 = strchr(argv[4], ':') != NULL;
	if (v6 ? inet_pton(AF_INET6, argv[4], &dst6) != 1 : inet_pton(AF_INET, argv[4], &dst4) != 1)
		return 1;
	unsigned long count = strtoul(argv[5], NULL, 10);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]) };
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || !sll.sll_ifindex) {
		perror("flood");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (unsigned long sent = 0; sent < count;) {
		int n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		for (int i = 0; i < n; i++) {
			uint32_t k = (uint32_t)(sent + (unsigned long)i);
			iov[i].iov_base = frames[i];
			iov[i].iov_len =
			    v6 ? frame6(frames[i], dmac, smac, &dst6, k) : frame4(frames[i], dmac, smac, dst4, k);
			msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &sll, .msg_namelen = sizeof(sll), .msg_iov = &iov[i], .msg_iovlen = 1
			};
		}
		int r = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (r < 0) {
			perror("sendmmsg");
			return 1;
		}
		sent += (unsigned long)r;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
	printf("%.0f\n", cpu / (double)count); /* ns of CPU per frame, sending and receiving */
	close(fd);
	return 0;
}
