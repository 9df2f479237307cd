// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel's jhash is lookup3's hashlittle on little-endian machines: Bob Jenkins'
 * published vectors pin it down. That the kernel agrees is checked in tests/netns. */
#include <string.h>

#include "check.h"
#include "jhash.h"

int main(void)
{
	const char *s = "Four score and seven years ago";
	struct sv_config cfg = { .buckets = 1024, .seed = 0 };
	struct sv_addr a;

	CHECK(jhash("", 0, 0) == 0xdeadbeef, "empty key");
	CHECK(jhash("", 0, 0xdeadbeef) == 0xbd5b7dde, "empty key, seed");
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	CHECK(jhash(s, 30, 0) == 0x17770551, "got %08x", jhash(s, 30, 0));
	CHECK(jhash(s, 30, 1) == 0xcd628161, "got %08x", jhash(s, 30, 1));
#endif
	/* reciprocal_scale: the top bits, never past the modulus */
	CHECK(jhash_mod("abcd", 4, 0, 1) == 0, "mod 1");
	for (uint32_t m = 1; m < 3000; m += 7)
		CHECK(jhash_mod(&m, 4, 0, m) < m, "mod %u", m);
	/* IPv4 keys are read byte by byte: the same on every CPU */
	addr_parse("192.0.2.1", &a, false);
	uint32_t b = client_bucket(&cfg, &a, -1);
	CHECK(b == jhash_mod(a.b, 4, 0, 1024), "client bucket");
	cfg.affinity = AFFINITY_NETWORK;
	struct sv_addr a2;
	addr_parse("192.0.2.77", &a2, false);
	CHECK(client_bucket(&cfg, &a, -1) == client_bucket(&cfg, &a2, -1), "same /24, same bucket");
	cfg.affinity = AFFINITY_FLOW;
	uint8_t key[8] = { 192, 0, 2, 1, 0x30, 0x39, 0, 0 };
	CHECK(client_bucket(&cfg, &a, 12345) == jhash_mod(key, 8, 0, 1024), "flow key: address, port, padding");
	CHECK(client_bucket(&cfg, &a, -1) == jhash_mod(a.b, 4, 0, 1024), "flow affinity without a port");
	return check_summary("test-jhash");
}
