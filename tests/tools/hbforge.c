// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
/* hbforge: the tests' attacker. Sends sharedvip heartbeats made to order (signed with any
 * key, naming any node, from any source address: IP_TRANSPARENT lets a socket send from an
 * address that is not its host's), once or as a flood, as fast as the machine can:
 *
 *   hbforge KEY_FILE [--sign NODE_KEY_FILE] --node N --nodes COUNT --incarnation I --seq S
 *           --from ADDR --to ADDR [--dev IFACE] [--port P] [--count N] [--view all]
 *
 * KEY_FILE is the shared key (raw bytes, as key_file); NODE_KEY_FILE a node key as
 * `sharedvipctl genkey' writes it. With --count, each datagram has the next seq. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "heartbeat.h"

static size_t read_file(const char *path, uint8_t *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (n <= 0) {
		fprintf(stderr, "hbforge: cannot read %s\n", path);
		exit(1);
	}
	close(fd);
	buf[n] = 0;
	return (size_t)n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sign", required_argument, NULL, 'k' },  { "node", required_argument, NULL, 'n' },
		{ "nodes", required_argument, NULL, 'N' }, { "incarnation", required_argument, NULL, 'i' },
		{ "seq", required_argument, NULL, 's' },   { "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },	   { "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' }, { "view", required_argument, NULL, 'v' },
		{ "dev", required_argument, NULL, 'd' },   { NULL, 0, NULL, 0 },
	};
	static struct heartbeat hb;
	static uint8_t key[4096], nodekey[256], msg[HB_MAX_LEN];
	uint8_t seed[32], public[HB_PUBLIC_LEN], secret[HB_SECRET_LEN];
	const char *from = NULL, *to = NULL, *sign = NULL, *dev = NULL;
	unsigned long count = 1, port = 7946;
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	size_t key_len;
	int c, one = 1, fd;

	if (sodium_init() < 0)
		return 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': sign = optarg; break;
		case 'n': hb.node = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'N': hb.n_echo = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'i': hb.incarnation = strtoull(optarg, NULL, 0); break;
		case 's': hb.seq = strtoull(optarg, NULL, 0); break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 0); break;
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'd': dev = optarg; break;
		case 'v': memset(hb.view, 0xff, sizeof(hb.view)); break;
		default: return 2;
		}
	}
	if (optind + 1 != argc || !from || !to || inet_pton(AF_INET, from, &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, to, &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: hbforge KEY_FILE [--sign NODE_KEY] --node N --nodes COUNT --incarnation I "
				"--seq S --from ADDR --to ADDR [--dev IFACE] [--port P] [--count N] [--view all]\n");
		return 2;
	}
	key_len = read_file(argv[optind], key, sizeof(key));
	if (sign) {
		read_file(sign, nodekey, sizeof(nodekey));
		if (base64_decode32((const char *)nodekey, seed)) {
			fprintf(stderr, "hbforge: %s is not a node key\n", sign);
			return 1;
		}
		crypto_sign_seed_keypair(public, secret, seed);
	}
	dst.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_TRANSPARENT, &one, sizeof(one)); /* sends from it too */
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	/* a broadcast from an address not the host's needs its device named */
	if (dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev))) {
		perror("hbforge: SO_BINDTODEVICE");
		return 1;
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		perror("hbforge: bind");
		return 1;
	}
	for (unsigned long k = 0; k < count; k++, hb.seq++) {
		size_t len = hb_encode(&hb, key, key_len, sign ? secret : NULL, msg);
		if (sendto(fd, msg, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0 && count == 1) {
			perror("hbforge: sendto");
			return 1;
		}
	}
	return 0;
}
