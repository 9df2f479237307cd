// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "identity.h"

static struct sv_config cfg;

/* Parses text; returns the error count and leaves the messages in errs. */
static int parse(const char *text, char *errs, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int ret = config_parse_string(text, "t.ini", &cfg, f);

	fclose(f);
	snprintf(errs, len, "%s", buf ? buf : "");
	free(buf);
	return ret;
}

#define GOOD                                                                                            \
	"[cluster]\ninterface = eth0\nvip = 192.168.0.2\ngateway = 192.168.0.1\n\n[node a]\naddress = " \
	"192.168.0.10/24\n"

static void expect_error(const char *text, int line, const char *needle)
{
	char errs[4096], want[64];

	snprintf(want, sizeof(want), "t.ini:%d: ", line);
	CHECK(parse(text, errs, sizeof(errs)) > 0, "accepted: %s", text);
	CHECK(strstr(errs, want) && strstr(errs, needle), "want line %d and `%s', got: %s", line, needle, errs);
}

static void test_full(void)
{
	char errs[4096];
	const char *text = "; the contract's example\n"
			   "[cluster]\n"
			   "  interface  = eth0                 ; the LAN interface (required)\n"
			   "vip        = 192.168.0.2, 2001:db8::2\r\n"
			   "shared_mac = auto\n"
			   "gateway    = 192.168.0.1, 2001:db8::1\n"
			   "buckets    = 4096\n"
			   "seed       = 0xdeadbeef\n"
			   "affinity   = flow\n"
			   "services   = tcp:80, tcp:443, udp:53, tcp:8000-8099\n"
			   "local_ports = 62000-62999\n"
			   "ping       = no\n"
			   "mode       = switch\n"
			   "# a comment\n"
			   "[node web1]\n"
			   "address  = 192.168.0.10/24, 2001:db8::10/64\n"
			   "weight   = 3\n"
			   "send_mac = 02:01:c0:a8:00:02\n"
			   "[node web2]\n"
			   "[failover]\n"
			   "heartbeat_ms = 30\n"
			   "dead_after = 5\n"
			   "port = 9999\n"
			   "key_file = /etc/k\n"
			   "quorum = majority\n";
	CHECK(parse(text, errs, sizeof(errs)) == 0, "errors: %s", errs);
	CHECK(!strcmp(cfg.interface, "eth0"), "interface %s", cfg.interface);
	CHECK(cfg.n_vips == 2 && cfg.vips[1].family == AF_INET6, "vips");
	CHECK(cfg.shared_mac[0] == 0x02 && cfg.shared_mac[1] == 0xbf && cfg.shared_mac[2] == 192 &&
		  cfg.shared_mac[5] == 2,
	      "auto MAC from the first IPv4 VIP");
	CHECK(cfg.n_gateways == 2 && cfg.buckets == 4096 && cfg.seed == 0xdeadbeef, "numbers");
	CHECK(cfg.affinity == AFFINITY_FLOW && cfg.mode == MODE_SWITCH && !cfg.ping, "choices");
	CHECK(cfg.n_services == 4 && cfg.services[3].lo == 8000 && cfg.services[3].hi == 8099 &&
		  cfg.services[2].proto == IPPROTO_UDP,
	      "services");
	CHECK(cfg.local_lo == 62000 && cfg.local_hi == 62999, "local_ports");
	CHECK(cfg.n_nodes == 2 && cfg.nodes[0].weight == 3 && cfg.nodes[1].weight == 1 && cfg.nodes[0].n_addrs == 2,
	      "nodes");
	CHECK(cfg.failover.heartbeat_ms == 30 && cfg.failover.dead_after == 5 && cfg.failover.port == 9999 &&
		  cfg.failover.quorum == QUORUM_MAJORITY && !strcmp(cfg.failover.key_file, "/etc/k"),
	      "failover");
	uint8_t mac[6];
	config_send_mac(&cfg, 1, mac);
	CHECK(mac[0] == 0x02 && mac[1] == 2 && mac[2] == 192, "web2's default send_mac");
	uint16_t lo, hi;
	config_local_slice(&cfg, 0, &lo, &hi);
	CHECK(lo == 62000 && hi == 62499, "slice 0: %u-%u", lo, hi);
	config_local_slice(&cfg, 1, &lo, &hi);
	CHECK(lo == 62500 && hi == 62999, "slice 1: %u-%u", lo, hi);
}

static void test_defaults(void)
{
	char errs[4096];

	CHECK(parse(GOOD, errs, sizeof(errs)) == 0, "errors: %s", errs);
	CHECK(cfg.buckets == 1024 && cfg.seed == 0 && cfg.affinity == AFFINITY_CLIENT && cfg.ping &&
		  cfg.mode == MODE_HUB,
	      "defaults");
	CHECK(cfg.n_services == 0 && cfg.local_lo == 61000 && cfg.local_hi == 65535, "default ports");
	CHECK(cfg.failover.heartbeat_ms == 100 && cfg.failover.dead_after == 3 && cfg.failover.port == 7946,
	      "failover defaults");
	CHECK(parse("[cluster]\ninterface = eth0\nvip = 2001:db8::a:b0c:d0e\n[node a]\n", errs, sizeof(errs)) == 0,
	      "%s", errs);
	CHECK(cfg.shared_mac[2] == 0x0b && cfg.shared_mac[3] == 0x0c && cfg.shared_mac[4] == 0x0d &&
		  cfg.shared_mac[5] == 0x0e,
	      "IPv6-only auto MAC: the last 4 bytes");
}

#define PK "mydPUfdgNft8b+YcSjsLnzeLoVTZHuyH0cX0gE7oDpc="

static void test_errors(void)
{
	expect_error("", 1, "missing section [cluster]");
	expect_error("[cluster]\nvip = 192.168.0.2\n[node a]\n", 1, "`interface'");
	expect_error("\n\n[cluster]\ninterface = eth0\n[node a]\n", 3, "`vip'");
	expect_error(GOOD "bogus = 1\n", 8, "unknown key `bogus'");
	expect_error(GOOD "[node a]\n", 8, "duplicate node `a'");
	expect_error(GOOD "[whatever]\n", 8, "unknown section");
	expect_error(GOOD "address = 192.168.0.11/24\n", 8, "duplicate key `address'");
	expect_error(GOOD "weight = -1\n", 8, "from 0 to 1000");
	expect_error(GOOD "send_mac = 01:00:5e:00:00:01\n", 8, "multicast");
	expect_error(GOOD "send_mac = 00:11:22:33:44:55\n", 8, "locally administered");
	expect_error(GOOD "weight = 1\nsend_mac = 02:bf:c0:a8:00:02\n", 9, "is the shared MAC");
	expect_error(GOOD "[node b]\nsend_mac = 02:01:c0:a8:00:02\n", 9, "also node a's");
	expect_error("[cluster]\ninterface = eth0\nvip = 192.168.0.2\ngateway = 192.168.0.1\n[node a]\nweight = 1\n"
		     "address = 10.0.0.1/24\n",
		     7, "not on the same subnet");
	expect_error(GOOD "[node b]\naddress = 192.168.0.10/24\n", 8, "also used by node a");
	expect_error(GOOD "[node b]\naddress = 192.168.0.2/24\n", 8, "is also a vip");
	expect_error(GOOD "[node c d]\n", 8, "bad node name");
	/* per-node keys: every node's public key; 44 characters of base64; at most two */
	expect_error(GOOD "[failover]\nkey_file = /k\nnode_key_file = /n\n", 6, "node a: no public_key");
	expect_error(GOOD "public_key = abc\n", 8, "public_key: `abc' is not a key");
	expect_error(GOOD "public_key = mydPUfdgNft8b+YcSjsLnzeLoVTZHuyH0cX0gE7oDpd=\n", 8, "is not a key");
	expect_error(GOOD "public_key = " PK ", " PK ", " PK "\n", 8, "at most two");
	expect_error(GOOD "[failover]\nkey_file = /k\nnode_key_file = n\n", 10, "not an absolute path");
	{
		char errs[4096];
		CHECK(parse(GOOD "[failover]\nmembership = corosync\n", errs, sizeof(errs)) == 0 &&
			  cfg.failover.membership == MEMBERSHIP_COROSYNC,
		      "membership = corosync refused: %s", errs);
	}
	expect_error(GOOD "[failover]\nmembership = heartbeats\n", 9, "not one of the choices");
	{
		char errs[4096];
		CHECK(parse(GOOD "public_key = " PK "\n[failover]\nkey_file = /k\nnode_key_file = /n\nmembership = "
				 "sharedvip\n",
			    errs, sizeof(errs)) == 0,
		      "per-node keys refused: %s", errs);
	}
	expect_error(GOOD "just words\n", 8, "expected `key = value'");
	expect_error(GOOD "[failover\n", 8, "without ']'");
	expect_error(GOOD "[failover]\nheartbeat_ms = 5\n", 9, "from 10 to 10000");
	expect_error(GOOD "[failover]\nkey_file = relative\n", 9, "absolute path");
	expect_error("k = v\n" GOOD, 1, "outside any section");
	expect_error("[cluster]\ninterface = eth0\nvip = 224.0.0.1\n[node a]\n", 3, "cannot be a service address");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1,,10.0.0.2\n[node a]\n", 3, "empty item");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1\nbuckets = 0\n[node a]\n", 4, "from 1 to 65536");
	expect_error("[cluster]\ninterface = a/b\nvip = 10.0.0.1\n[node a]\n", 2, "not a valid interface name");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1\nservices = tcp:0\n[node a]\n", 4, "services");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1\nservices = tcp:62000\n[node a]\n", 4, "overlaps");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1\nlocal_ports = 9-8\n[node a]\n", 4, "port range");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1\nping = maybe\n[node a]\n", 4, "neither yes nor no");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1\n[node a]\nweight = 0\n", 4, "weight 0");
	expect_error("[cluster]\ninterface = eth0\nvip = 10.0.0.1\n", 1, "at least one node");
	char errs[4096];
	CHECK(parse(GOOD "bogus = 1\n[node a]\nweight = x\n", errs, sizeof(errs)) == 2, "all errors counted: %s", errs);
}

static void test_identity(void)
{
	char errs[4096], why[512];
	struct sv_addr here;

	parse(GOOD "[node b]\naddress = 192.168.0.11/24\n", errs, sizeof(errs));
	addr_parse("192.168.0.11", &here, false);
	CHECK(node_identify(&cfg, "a", "b", &here, 1, "b", why, sizeof(why)) == 0, "--node first");
	CHECK(node_identify(&cfg, NULL, "a", &here, 1, "b", why, sizeof(why)) == 0, "then the environment");
	CHECK(node_identify(&cfg, NULL, NULL, &here, 1, "a", why, sizeof(why)) == 1, "then the address");
	CHECK(node_identify(&cfg, NULL, NULL, NULL, 0, "a", why, sizeof(why)) == 0, "then the host name");
	CHECK(node_identify(&cfg, NULL, NULL, NULL, 0, "zz", why, sizeof(why)) == -1 && strstr(why, "SHAREDVIP_NODE") &&
		  strstr(why, "`zz'"),
	      "nothing matches: %s", why);
	CHECK(node_identify(&cfg, "zz", NULL, NULL, 0, "a", why, sizeof(why)) == -1 && strstr(why, "--node zz"),
	      "a wrong --node is an error, not a fallback: %s", why);
}

static void test_eui64(void)
{
	const uint8_t shared[6] = { 0x02, 0xbf, 0x0a, 0x00, 0x02, 0x64 };
	struct sv_addr a;

	addr_parse("fe80::bf:aff:fe00:264", &a, false);
	CHECK(addr_is_eui64_of(&a, shared), "the link-local the kernel derives from 02:bf:0a:00:02:64");
	addr_parse("2001:db8::bf:aff:fe00:264", &a, false);
	CHECK(addr_is_eui64_of(&a, shared), "any prefix");
	addr_parse("fe80::756:23d0:ca13:32f4", &a, false);
	CHECK(!addr_is_eui64_of(&a, shared), "a stable-privacy address");
	addr_parse("fe80::2bf:aff:fe00:264", &a, false);
	CHECK(!addr_is_eui64_of(&a, shared), "the universal/local bit is flipped");
	addr_parse("10.0.2.100", &a, false);
	CHECK(!addr_is_eui64_of(&a, shared), "IPv4");
}

/* Loads a file through the file path; the error count, the messages in errs. */
static int load(const char *path, char *errs, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int ret = config_load(path, &cfg, f);

	fclose(f);
	snprintf(errs, len, "%s", buf ? buf : "");
	free(buf);
	return ret;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	fwrite(data, 1, len, f);
	fclose(f);
}

/* The file reader on the nasty inputs: a read error, /dev/zero, a NUL byte, a byte order
 * mark, CR-only line ends, a line longer than inih's buffer, a flood of bad lines. */
static void test_reader(void)
{
	static char errs[1 << 16], big[1 << 23];
	char path[] = "/tmp/sharedvip-test-config.XXXXXX";
	int fd = mkstemp(path);
	size_t off;

	close(fd);
	CHECK(load("/tmp", errs, sizeof(errs)) < 0 && strstr(errs, "Is a directory"), "a read error: %s", errs);
	CHECK(load("/dev/zero", errs, sizeof(errs)) < 0 && strstr(errs, "larger than"), "/dev/zero: %s", errs);
	write_file(path, GOOD "weight = 2\n\0\nweight = 3\n", sizeof(GOOD "weight = 2\n\0\nweight = 3\n") - 1);
	CHECK(load(path, errs, sizeof(errs)) > 0 && strstr(errs, ":9: a NUL byte"), "a NUL byte: %s", errs);
	write_file(path, "\xef\xbb\xbf" GOOD, sizeof("\xef\xbb\xbf" GOOD) - 1);
	CHECK(load(path, errs, sizeof(errs)) == 0 && cfg.n_nodes == 1, "a byte order mark: %s", errs);
	char cr[] = GOOD "weight = 7\n";
	for (char *c = cr; *c; c++)
		*c = *c == '\n' ? '\r' : *c;
	write_file(path, cr, strlen(cr));
	CHECK(load(path, errs, sizeof(errs)) == 0 && cfg.nodes[0].weight == 7, "CR-only line ends: %s", errs);
	/* 16 IPv6 VIPs on one line, far past inih's 200 characters */
	off = (size_t)snprintf(big, sizeof(big), "[cluster]\ninterface = eth0\nvip = ");
	for (int i = 0; i < 16; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "%s2001:db8:1234:5678:9abc:def0:1234:%x",
					i ? ", " : "", i + 1);
	snprintf(big + off, sizeof(big) - off, " ; sixteen\n\n[node a]\naddress = 2001:db8:1234:5678::10/64\n");
	write_file(path, big, strlen(big));
	CHECK(load(path, errs, sizeof(errs)) == 0 && cfg.n_vips == 16, "16 IPv6 VIPs on one line: %s", errs);
	/* a comment longer than inih's buffer is still a comment (the fuzzer found it) */
	memset(big, ';', 5000);
	snprintf(big + 5000, sizeof(big) - 5000, "\n" GOOD);
	write_file(path, big, strlen(big));
	CHECK(load(path, errs, sizeof(errs)) == 0, "a long comment: %s", errs);
	/* 200,000 bad lines: a bounded report */
	off = (size_t)snprintf(big, sizeof(big), GOOD);
	for (int i = 0; i < 200000; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "x%d\n", i % 10);
	write_file(path, big, off);
	int errors = load(path, errs, sizeof(errs)), lines = 0;
	for (char *c = errs; *c; c++)
		lines += *c == '\n';
	CHECK(errors > 0 && lines <= 52 && strstr(errs, "stopping"), "200,000 bad lines: %d errors, %d lines", errors,
	      lines);
	CHECK(parse(GOOD "weight = 010\n", errs, sizeof(errs)) == 0 && cfg.nodes[0].weight == 10, "010 is ten: %s",
	      errs);
	unlink(path);
}

/* The default send_mac of every position of 256 nodes: never the shared MAC, never twice
 * (the shared MAC's second byte is 0xbf: position 191 would have collided, 256 wrapped). */
static void test_send_macs(void)
{
	static char text[65536];
	uint8_t macs[SV_MAX_NODES][6];
	size_t off = (size_t)snprintf(text, sizeof(text), "[cluster]\ninterface = eth0\nvip = 192.168.0.2\n");
	bool unique = true;

	for (int i = 0; i < SV_MAX_NODES; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "[node n%d]\n", i);
	char errs[4096];
	CHECK(parse(text, errs, sizeof(errs)) == 0, "256 nodes: %s", errs);
	for (int i = 0; i < cfg.n_nodes; i++) {
		config_send_mac(&cfg, i, macs[i]);
		unique &= memcmp(macs[i], cfg.shared_mac, 6) != 0;
		for (int j = 0; j < i; j++)
			unique &= memcmp(macs[i], macs[j], 6) != 0;
	}
	CHECK(cfg.n_nodes == 256 && unique, "default send MACs: unique and never the shared one");
}

int main(void)
{
	test_full();
	test_send_macs();
	test_reader();
	test_defaults();
	test_errors();
	test_identity();
	test_eui64();
	return check_summary("test-config");
}
