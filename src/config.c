// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"

enum section { SEC_NONE, SEC_CLUSTER, SEC_NODE, SEC_FAILOVER, SEC_HEALTH, SEC_METRICS, SEC_UNKNOWN };

#define MAX_KEYS 16

#define MAX_ERRORS	 50	   /* then one line saying so, and the reading stops */
#define CONFIG_MAX_BYTES (1 << 20) /* a config is a few KiB: more is not a config (/dev/zero) */
#define CONFIG_MAX_LINE	 65536

struct parse {
	struct sv_config *cfg;
	FILE *err;
	const char *text, *end; /* what is left to read */
	int lineno, errors;
	bool stop;
	enum section sec;
	int node;
	int cluster_line, failover_line, health_line, metrics_line;
	int key_line[5][MAX_KEYS]; /* cluster, current node, failover, health, metrics */
	int shared_mac_line, local_ports_line, services_line;
	bool mac_auto;
};

static void perr(struct parse *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (p->errors > MAX_ERRORS) {
		if (!p->stop)
			fprintf(p->err, "%s: %s:%d: more than %d errors; stopping here\n", sv_prog, p->cfg->file, line,
				MAX_ERRORS);
		p->stop = true;
		return;
	}
	fprintf(p->err, "%s: %s:%d: ", sv_prog, p->cfg->file, line);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

static bool valid_node_name(const char *s)
{
	if (!*s || strlen(s) >= SV_MAX_NAME)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static void section_begin(struct parse *p, char *name)
{
	char *arg = name + strcspn(name, " \t");

	if (*arg)
		*arg++ = '\0';
	arg += strspn(arg, " \t");
	memset(p->key_line[1], 0, sizeof(p->key_line[1]));
	if (!strcmp(name, "cluster") && !*arg) {
		p->sec = SEC_CLUSTER;
		if (p->cluster_line)
			perr(p, p->lineno, "duplicate section [cluster] (first at line %d)", p->cluster_line);
		else
			p->cluster_line = p->lineno;
	} else if (!strcmp(name, "failover") && !*arg) {
		p->sec = SEC_FAILOVER;
		if (p->failover_line)
			perr(p, p->lineno, "duplicate section [failover] (first at line %d)", p->failover_line);
		else
			p->failover_line = p->lineno;
		p->cfg->failover.enabled = true;
	} else if (!strcmp(name, "health") && !*arg) {
		p->sec = SEC_HEALTH;
		if (p->health_line)
			perr(p, p->lineno, "duplicate section [health] (first at line %d)", p->health_line);
		else
			p->health_line = p->lineno;
		p->cfg->health.enabled = true;
	} else if (!strcmp(name, "metrics") && !*arg) {
		p->sec = SEC_METRICS;
		if (p->metrics_line)
			perr(p, p->lineno, "duplicate section [metrics] (first at line %d)", p->metrics_line);
		else
			p->metrics_line = p->lineno;
	} else if (!strcmp(name, "node")) {
		p->sec = SEC_UNKNOWN;
		if (!valid_node_name(arg)) {
			perr(p, p->lineno, "bad node name `%s' (letters, digits, '-', '_', '.'; at most %d)", arg,
			     SV_MAX_NAME - 1);
			return;
		}
		for (int i = 0; i < p->cfg->n_nodes; i++)
			if (!strcmp(p->cfg->nodes[i].name, arg)) {
				perr(p, p->lineno, "duplicate node `%s' (first at line %d)", arg,
				     p->cfg->nodes[i].line);
				return;
			}
		if (p->cfg->n_nodes == SV_MAX_NODES) {
			perr(p, p->lineno, "too many nodes (at most %d)", SV_MAX_NODES);
			return;
		}
		struct sv_node *n = &p->cfg->nodes[p->cfg->n_nodes];
		snprintf(n->name, sizeof(n->name), "%s", arg);
		n->line = p->lineno;
		n->weight = 1;
		p->node = p->cfg->n_nodes++;
		p->sec = SEC_NODE;
	} else {
		p->sec = SEC_UNKNOWN;
		perr(p, p->lineno, "unknown section [%s%s%s]", name, *arg ? " " : "", arg);
	}
}

static bool is_blank_or_comment(const char *s)
{
	return !*s || *s == ';' || *s == '#';
}

static int handle_key(void *user, const char *section, const char *key, const char *value);

/* A `key = value' line longer than inih takes: split here as inih would (an inline
 * comment starts at a `;' after a blank) and handed to the same handler. */
static void long_line(struct parse *p, char *s)
{
	char *eq = strpbrk(s, "=:"), *value, *end;

	*eq = '\0';
	for (end = eq; end > s && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	value = eq + 1 + strspn(eq + 1, " \t");
	for (char *c = value; *c; c++)
		if (*c == ';' && c > value && isspace((unsigned char)c[-1])) {
			*c = '\0';
			break;
		}
	for (end = value + strlen(value); end > value && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	handle_key(p, "", s, value);
}

/* The next line of the text, its end (LF, CRLF or a lone CR) cut off; NULL at the end. */
static const char *next_line(struct parse *p, size_t *len)
{
	const char *s = p->text, *e = s;

	if (s >= p->end || p->stop)
		return NULL;
	while (e < p->end && *e != '\n' && *e != '\r')
		e++;
	*len = (size_t)(e - s);
	if (e < p->end && *e == '\r' && e + 1 < p->end && e[1] == '\n')
		e++;
	p->text = e < p->end ? e + 1 : e;
	return s;
}

/* inih's reader: counting lines here gives every handler call its line number, whatever
 * options the shared libinih was built with, and lets section headers be seen even when
 * a section has no keys. Leading blanks are dropped so indented keys are not taken for
 * inih's continuation lines; a line longer than inih's buffer is handled here. */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	static char line[CONFIG_MAX_LINE];
	size_t n;
	const char *text = next_line(p, &n);

	if (!text)
		return NULL;
	p->lineno++;
	str[0] = '\0';
	if (n >= sizeof(line)) {
		perr(p, p->lineno, "line too long (at most %zu characters)", sizeof(line) - 1);
		return str;
	}
	memcpy(line, text, n);
	line[n] = '\0';
	char *s = line + strspn(line, " \t");
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end) {
			perr(p, p->lineno, "section header without ']'");
			return str;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(end - s - 1), s + 1);
		section_begin(p, name);
	} else if (!is_blank_or_comment(s) && !strpbrk(s, "=:")) {
		perr(p, p->lineno, "expected `key = value', got `%s'", s);
		return str;
	} else if (strlen(s) + 2 > (size_t)num) {
		if (!is_blank_or_comment(s)) /* a long comment is still a comment */
			long_line(p, s);
		return str;
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

typedef bool (*item_fn)(struct parse *p, const char *item);

/* Calls fn for each comma-separated item; false if an item was empty or refused. */
static bool each_item(struct parse *p, const char *key, const char *value, item_fn fn)
{
	static char buf[CONFIG_MAX_LINE];
	bool ok = true;

	snprintf(buf, sizeof(buf), "%s", value);
	if (!*buf) {
		perr(p, p->lineno, "%s: empty value", key);
		return false;
	}
	for (char *tok = buf, *next; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		char *end = tok + strlen(tok);
		tok += strspn(tok, " \t");
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*tok) {
			perr(p, p->lineno, "%s: empty item in list", key);
			ok = false;
		} else if (!fn(p, tok)) {
			ok = false;
		}
	}
	return ok;
}

static bool parse_uint(struct parse *p, const char *key, const char *value, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	/* decimal, or hexadecimal with 0x (as nft prints a seed); `010' is ten, never eight */
	v = strtoul(value, &end, strncasecmp(value, "0x", 2) ? 10 : 16);
	if (!*value || *end || errno || value[0] == '-' || v < min || v > max) {
		perr(p, p->lineno, "%s: `%s' is not a number from %lu to %lu", key, value, min, max);
		return false;
	}
	*out = v;
	return true;
}

static bool parse_bool(struct parse *p, const char *key, const char *value, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(value, yes[i]))
			return (*out = true);
		if (!strcasecmp(value, no[i]))
			return !(*out = false);
	}
	perr(p, p->lineno, "%s: `%s' is neither yes nor no", key, value);
	return false;
}

static bool parse_choice(struct parse *p, const char *key, const char *value, const char *const *choices, int *out)
{
	for (int i = 0; choices[i]; i++)
		if (!strcmp(value, choices[i]))
			return (*out = i), true;
	perr(p, p->lineno, "%s: `%s' is not one of the choices (see sharedvip.ini(5))", key, value);
	return false;
}

static bool parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;

	if (end == s || a < 1 || a > 65535)
		return false;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t || b < a || b > 65535)
			return false;
	}
	if (*end)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

static bool mac_usable(struct parse *p, const char *key, const char *value, uint8_t mac[6])
{
	if (!mac_parse(value, mac)) {
		perr(p, p->lineno, "%s: `%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", key, value);
		return false;
	}
	if (mac[0] & 1) {
		perr(p, p->lineno, "%s: `%s' is a multicast (group) MAC address", key, value);
		return false;
	}
	if (!(mac[0] & 2)) {
		perr(p, p->lineno,
		     "%s: `%s' is not a locally administered MAC address (set bit 0x02 of the first byte)", key, value);
		return false;
	}
	return true;
}

static bool add_vip(struct parse *p, const char *s)
{
	struct sv_config *cfg = p->cfg;
	struct sv_addr a;

	if (!addr_parse(s, &a, false)) {
		perr(p, p->lineno, "vip: `%s' is not an IPv4 or IPv6 address", s);
		return false;
	}
	bool bad = a.family == AF_INET ? (IN_MULTICAST(ntohl(a.v4.s_addr)) || (ntohl(a.v4.s_addr) >> 24) == 127 ||
					  a.v4.s_addr == INADDR_ANY || a.v4.s_addr == INADDR_BROADCAST)
				       : (IN6_IS_ADDR_MULTICAST(&a.v6) || IN6_IS_ADDR_LOOPBACK(&a.v6) ||
					  IN6_IS_ADDR_UNSPECIFIED(&a.v6) || IN6_IS_ADDR_LINKLOCAL(&a.v6));
	if (bad) {
		perr(p, p->lineno, "vip: `%s' cannot be a service address", s);
		return false;
	}
	if (config_is_vip(cfg, &a)) {
		perr(p, p->lineno, "vip: `%s' is listed twice", s);
		return false;
	}
	if (cfg->n_vips == SV_MAX_VIPS) {
		perr(p, p->lineno, "vip: at most %d addresses", SV_MAX_VIPS);
		return false;
	}
	cfg->vips[cfg->n_vips++] = a;
	return true;
}

static bool add_gateway(struct parse *p, const char *s)
{
	struct sv_config *cfg = p->cfg;
	struct sv_addr a;

	if (!addr_parse(s, &a, false)) {
		perr(p, p->lineno, "gateway: `%s' is not an IPv4 or IPv6 address", s);
		return false;
	}
	for (int i = 0; i < cfg->n_gateways; i++)
		if (cfg->gateways[i].family == a.family) {
			perr(p, p->lineno, "gateway: only one gateway per address family");
			return false;
		}
	cfg->gateways[cfg->n_gateways++] = a;
	return true;
}

static bool add_service(struct parse *p, const char *s)
{
	struct sv_config *cfg = p->cfg;
	struct sv_service sv = { 0, 0, 65535 };
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n == 3 && !strncmp(s, "tcp", 3))
		sv.proto = IPPROTO_TCP;
	else if (n == 3 && !strncmp(s, "udp", 3))
		sv.proto = IPPROTO_UDP;
	if (!sv.proto || (colon && !parse_port_range(colon + 1, &sv.lo, &sv.hi))) {
		perr(p, p->lineno, "services: `%s' is not tcp[:PORT[-PORT]] or udp[:PORT[-PORT]]", s);
		return false;
	}
	if (cfg->n_services == SV_MAX_SERVICES) {
		perr(p, p->lineno, "services: at most %d entries", SV_MAX_SERVICES);
		return false;
	}
	cfg->services[cfg->n_services++] = sv;
	return true;
}

static bool add_node_address(struct parse *p, const char *s)
{
	struct sv_node *n = &p->cfg->nodes[p->node];
	struct sv_addr a;

	if (!addr_parse(s, &a, true) || !strchr(s, '/')) {
		perr(p, p->lineno, "address: `%s' is not an address with its prefix length (such as 192.168.0.10/24)",
		     s);
		return false;
	}
	if (n->n_addrs == SV_MAX_NODE_ADDRS) {
		perr(p, p->lineno, "address: at most %d addresses per node", SV_MAX_NODE_ADDRS);
		return false;
	}
	n->addrs[n->n_addrs++] = a;
	return true;
}

/* One handler per key: it parses the value and stores it, or reports why not. */
typedef void key_fn(struct parse *p, const char *key, const char *value);

static void k_interface(struct parse *p, const char *key, const char *value)
{
	if (!*value || strlen(value) >= IFNAMSIZ || strpbrk(value, "/: \t") || !strcmp(value, ".") ||
	    !strcmp(value, ".."))
		perr(p, p->lineno, "%s: `%s' is not a valid interface name", key, value);
	else
		snprintf(p->cfg->interface, sizeof(p->cfg->interface), "%s", value);
}

static void k_vip(struct parse *p, const char *key, const char *value)
{
	each_item(p, key, value, add_vip);
}

static void k_shared_mac(struct parse *p, const char *key, const char *value)
{
	p->shared_mac_line = p->lineno;
	p->mac_auto = !strcmp(value, "auto");
	if (!p->mac_auto)
		mac_usable(p, key, value, p->cfg->shared_mac);
}

static void k_gateway(struct parse *p, const char *key, const char *value)
{
	each_item(p, key, value, add_gateway);
}

static void k_buckets(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 1, SV_MAX_BUCKETS, &v))
		p->cfg->buckets = (uint32_t)v;
}

static void k_seed(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 0, UINT32_MAX, &v))
		p->cfg->seed = (uint32_t)v;
}

static void k_affinity(struct parse *p, const char *key, const char *value)
{
	int mode = hash_mode_by_name(value);

	if (mode >= 0)
		p->cfg->affinity = (enum sv_affinity)mode;
	else
		perr(p, p->lineno, "%s: `%s' is not one of the choices (client, network, flow)", key, value);
}

static void k_services(struct parse *p, const char *key, const char *value)
{
	p->services_line = p->lineno;
	each_item(p, key, value, add_service);
}

static void k_local_ports(struct parse *p, const char *key, const char *value)
{
	p->local_ports_line = p->lineno;
	if (!parse_port_range(value, &p->cfg->local_lo, &p->cfg->local_hi))
		perr(p, p->lineno, "%s: `%s' is not a port range such as 61000-65535", key, value);
}

static void k_ping(struct parse *p, const char *key, const char *value)
{
	parse_bool(p, key, value, &p->cfg->ping);
}

static void k_mode(struct parse *p, const char *key, const char *value)
{
	static const char *const modes[] = { "hub", "switch", NULL };
	int choice;

	if (parse_choice(p, key, value, modes, &choice))
		p->cfg->mode = (enum sv_mode)choice;
}

static void k_address(struct parse *p, const char *key, const char *value)
{
	p->cfg->nodes[p->node].address_line = p->lineno;
	each_item(p, key, value, add_node_address);
}

static void k_weight(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 0, 1000, &v))
		p->cfg->nodes[p->node].weight = (unsigned)v;
}

static bool add_public_key(struct parse *p, const char *s)
{
	struct sv_node *n = &p->cfg->nodes[p->node];

	if (n->n_public_keys == 2) {
		perr(p, p->lineno, "public_key: at most two (the old and the new one while a key changes)");
		return false;
	}
	if (base64_decode32(s, n->public_keys[n->n_public_keys]) < 0) {
		perr(p, p->lineno, "public_key: `%s' is not a key (44 characters of base64, from sharedvipctl pubkey)",
		     s);
		return false;
	}
	n->n_public_keys++;
	return true;
}

static void k_public_key(struct parse *p, const char *key, const char *value)
{
	each_item(p, key, value, add_public_key);
}

static void k_send_mac(struct parse *p, const char *key, const char *value)
{
	p->cfg->nodes[p->node].send_mac_line = p->lineno;
	mac_usable(p, key, value, p->cfg->nodes[p->node].send_mac);
}

static void k_heartbeat_ms(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 10, 10000, &v))
		p->cfg->failover.heartbeat_ms = (unsigned)v;
}

static void k_dead_after(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 1, 100, &v))
		p->cfg->failover.dead_after = (unsigned)v;
}

static void k_port(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 1, 65535, &v))
		p->cfg->failover.port = (uint16_t)v;
}

static void k_key_file(struct parse *p, const char *key, const char *value)
{
	if (value[0] != '/' || strlen(value) >= sizeof(p->cfg->failover.key_file))
		perr(p, p->lineno, "%s: `%s' is not an absolute path", key, value);
	else
		snprintf(p->cfg->failover.key_file, sizeof(p->cfg->failover.key_file), "%s", value);
}

static void k_node_key_file(struct parse *p, const char *key, const char *value)
{
	if (value[0] != '/' || strlen(value) >= sizeof(p->cfg->failover.node_key_file))
		perr(p, p->lineno, "%s: `%s' is not an absolute path", key, value);
	else
		snprintf(p->cfg->failover.node_key_file, sizeof(p->cfg->failover.node_key_file), "%s", value);
}

static void k_membership(struct parse *p, const char *key, const char *value)
{
	if (!strcmp(value, "corosync"))
		p->cfg->failover.membership = MEMBERSHIP_COROSYNC;
	else if (!strcmp(value, "sharedvip"))
		p->cfg->failover.membership = MEMBERSHIP_SHAREDVIP;
	else
		perr(p, p->lineno, "%s: `%s' is not one of the choices (see sharedvip.ini(5))", key, value);
}

static void k_notify(struct parse *p, const char *key, const char *value)
{
	if (!*value || strlen(value) >= sizeof(p->cfg->failover.notify))
		perr(p, p->lineno, "%s: empty, or longer than %zu characters", key,
		     sizeof(p->cfg->failover.notify) - 1);
	else
		snprintf(p->cfg->failover.notify, sizeof(p->cfg->failover.notify), "%s", value);
}

static void k_quorum(struct parse *p, const char *key, const char *value)
{
	static const char *const quorums[] = { "none", "majority", NULL };
	int choice;

	if (parse_choice(p, key, value, quorums, &choice))
		p->cfg->failover.quorum = (enum sv_quorum)choice;
}

static bool add_listen(struct parse *p, const char *s)
{
	struct sv_health_listen_parse {
		const char *name;
		uint8_t proto;
	} const protos[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP } };
	const char *colon = strchr(s, ':');
	char *end;
	unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
	uint8_t proto = 0;

	for (size_t i = 0; colon && i < sizeof(protos) / sizeof(protos[0]); i++)
		if ((size_t)(colon - s) == strlen(protos[i].name) &&
		    !strncmp(s, protos[i].name, strlen(protos[i].name)))
			proto = protos[i].proto;
	if (!proto || !isdigit((unsigned char)colon[1]) || *end || !port || port > 65535) {
		perr(p, p->lineno, "listen: `%s' is not tcp:PORT or udp:PORT", s);
		return false;
	}
	if (p->cfg->health.n_listen == SV_MAX_LISTEN) {
		perr(p, p->lineno, "listen: at most %d entries", SV_MAX_LISTEN);
		return false;
	}
	p->cfg->health.listen[p->cfg->health.n_listen++] = (struct sv_listen){ proto, (uint16_t)port };
	return true;
}

static void k_listen(struct parse *p, const char *key, const char *value)
{
	each_item(p, key, value, add_listen);
}

static void k_command(struct parse *p, const char *key, const char *value)
{
	if (!*value || strlen(value) >= sizeof(p->cfg->health.command))
		perr(p, p->lineno, "%s: empty, or longer than %zu characters", key, sizeof(p->cfg->health.command) - 1);
	else
		snprintf(p->cfg->health.command, sizeof(p->cfg->health.command), "%s", value);
}

static void k_interval_ms(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 10, 600000, &v))
		p->cfg->health.interval_ms = (unsigned)v;
}

static void k_timeout_ms(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 10, 600000, &v))
		p->cfg->health.timeout_ms = (unsigned)v;
}

static void k_fall(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 1, 100, &v))
		p->cfg->health.fall = (unsigned)v;
}

static void k_rise(struct parse *p, const char *key, const char *value)
{
	unsigned long v;

	if (parse_uint(p, key, value, 1, 100, &v))
		p->cfg->health.rise = (unsigned)v;
}

/* address:port, or [IPv6]:port */
static void k_metrics_listen(struct parse *p, const char *key, const char *value)
{
	char host[SV_ADDRSTRLEN + 2];
	const char *colon = strrchr(value, ':');
	char *end;
	unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
	size_t n = colon ? (size_t)(colon - value) : 0;

	if (n && value[0] == '[' && value[n - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), value + 1);
	else if (n < sizeof(host) && !memchr(value, ':', n))
		snprintf(host, sizeof(host), "%.*s", (int)n, value);
	else
		host[0] = '\0';
	if (!colon || !isdigit((unsigned char)colon[1]) || *end || !port || port > 65535 ||
	    !addr_parse(host, &p->cfg->metrics.addr, false)) {
		perr(p, p->lineno, "%s: `%s' is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)", key, value);
		return;
	}
	p->cfg->metrics.port = (uint16_t)port;
	p->cfg->metrics.enabled = true;
}

struct key_def {
	const char *name;
	bool required;
	key_fn *parse;
};

/* Every key of every section, with its handler: a key listed here is always handled. */
static const struct key_def cluster_keys[] = {
	{ "interface", true, k_interface },
	{ "vip", true, k_vip },
	{ "shared_mac", false, k_shared_mac },
	{ "gateway", false, k_gateway },
	{ "buckets", false, k_buckets },
	{ "seed", false, k_seed },
	{ "affinity", false, k_affinity },
	{ "services", false, k_services },
	{ "local_ports", false, k_local_ports },
	{ "ping", false, k_ping },
	{ "mode", false, k_mode },
	{ NULL, false, NULL },
};
static const struct key_def node_keys[] = {
	{ "address", false, k_address },       { "weight", false, k_weight }, { "send_mac", false, k_send_mac },
	{ "public_key", false, k_public_key }, { NULL, false, NULL },
};
static const struct key_def failover_keys[] = {
	{ "heartbeat_ms", false, k_heartbeat_ms },
	{ "dead_after", false, k_dead_after },
	{ "port", false, k_port },
	{ "key_file", false, k_key_file },
	{ "quorum", false, k_quorum },
	{ "notify", false, k_notify },
	{ "node_key_file", false, k_node_key_file },
	{ "membership", false, k_membership },
	{ NULL, false, NULL },
};
static const struct key_def health_keys[] = {
	{ "listen", false, k_listen },
	{ "command", false, k_command },
	{ "interval_ms", false, k_interval_ms },
	{ "timeout_ms", false, k_timeout_ms },
	{ "fall", false, k_fall },
	{ "rise", false, k_rise },
	{ NULL, false, NULL },
};
static const struct key_def metrics_keys[] = {
	{ "listen", true, k_metrics_listen },
	{ NULL, false, NULL },
};
static const struct {
	const char *name;
	const struct key_def *keys;
} sections[] = { { "[cluster]", cluster_keys },
		 { "[node]", node_keys },
		 { "[failover]", failover_keys },
		 { "[health]", health_keys },
		 { "[metrics]", metrics_keys } };
_Static_assert(sizeof(cluster_keys) / sizeof(cluster_keys[0]) <= MAX_KEYS, "key_line holds every key");

static int key_index(const struct key_def *keys, const char *name)
{
	for (int i = 0; keys[i].name; i++)
		if (!strcmp(keys[i].name, name))
			return i;
	return -1;
}

/* The line a key of a section was given at, 0 when absent (set: 0 cluster, 2 failover). */
static int key_line(const struct parse *p, int set, const char *name)
{
	int k = key_index(sections[set].keys, name);

	return k < 0 ? 0 : p->key_line[set][k];
}

static int handle_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	int set;

	(void)section; /* the reader tracks sections itself */
	switch (p->sec) {
	case SEC_NONE: perr(p, p->lineno, "`%s' is outside any section", key); return 1;
	case SEC_UNKNOWN: return 1;
	case SEC_CLUSTER: set = 0; break;
	case SEC_NODE: set = 1; break;
	case SEC_FAILOVER: set = 2; break;
	case SEC_HEALTH: set = 3; break;
	default: set = 4; break;
	}
	int k = key_index(sections[set].keys, key);
	if (k < 0) {
		perr(p, p->lineno, "unknown key `%s' in %s", key, sections[set].name);
		return 1;
	}
	if (p->key_line[set][k]) {
		perr(p, p->lineno, "duplicate key `%s' (first at line %d)", key, p->key_line[set][k]);
		return 1;
	}
	p->key_line[set][k] = p->lineno;
	sections[set].keys[k].parse(p, key, value);
	return 1;
}

static void set_defaults(struct sv_config *cfg)
{
	cfg->buckets = 1024;
	cfg->local_lo = 61000;
	cfg->local_hi = 65535;
	cfg->ping = true;
	cfg->failover.heartbeat_ms = 100;
	cfg->failover.dead_after = 3;
	cfg->failover.port = 7946;
	cfg->health.interval_ms = 500;
	cfg->health.timeout_ms = 1000;
	cfg->health.fall = 2;
	cfg->health.rise = 3;
	snprintf(cfg->failover.key_file, sizeof(cfg->failover.key_file), "/etc/sharedvip.key");
}

static void derive_shared_mac(struct sv_config *cfg)
{
	const struct sv_addr *src = NULL;

	for (int i = 0; i < cfg->n_vips && !src; i++)
		if (cfg->vips[i].family == AF_INET)
			src = &cfg->vips[i];
	if (!src && cfg->n_vips)
		src = &cfg->vips[0];
	if (!src)
		return;
	cfg->shared_mac[0] = 0x02;
	cfg->shared_mac[1] = 0xbf;
	memcpy(cfg->shared_mac + 2, src->b + addr_len(src) - 4, 4);
}

static void check_addresses(struct parse *p)
{
	struct sv_config *cfg = p->cfg;
	char s[SV_ADDRSTRLEN], g[SV_ADDRSTRLEN];

	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct sv_node *n = &cfg->nodes[i];
		for (int a = 0; a < n->n_addrs; a++) {
			const struct sv_addr *ad = &n->addrs[a];
			for (int v = 0; v < cfg->n_vips; v++) {
				if (addr_equal(ad, &cfg->vips[v]))
					perr(p, n->line, "node %s: address %s is also a vip", n->name,
					     addr_str(ad, s, false));
				else if (addr_is_net_or_bcast(ad, &cfg->vips[v]))
					perr(p, key_line(p, 0, "vip"),
					     "vip: %s is the network or broadcast address of %s",
					     addr_str(&cfg->vips[v], s, false), addr_str(ad, g, true));
			}
			for (int gw = 0; gw < cfg->n_gateways; gw++) {
				const struct sv_addr *gwa = &cfg->gateways[gw];
				if (gwa->family != ad->family ||
				    (gwa->family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&gwa->v6)))
					continue;
				if (!addr_in_subnet(ad, gwa))
					perr(p, n->address_line,
					     "node %s: address %s is not on the same subnet as gateway %s", n->name,
					     addr_str(ad, s, true), addr_str(gwa, g, false));
			}
			/* against every address before this one */
			for (int j = 0; j <= i; j++)
				for (int b = 0, upto = j < i ? cfg->nodes[j].n_addrs : a; b < upto; b++)
					if (addr_equal(ad, &cfg->nodes[j].addrs[b]))
						perr(p, n->line, "node %s: address %s is also used by node %s", n->name,
						     addr_str(ad, s, false), cfg->nodes[j].name);
		}
	}
}

static void check_ports(struct parse *p)
{
	struct sv_config *cfg = p->cfg;
	int line = p->local_ports_line ? p->local_ports_line : p->cluster_line;

	if (cfg->n_nodes && cfg->local_hi - cfg->local_lo + 1 < cfg->n_nodes)
		perr(p, line, "local_ports: %u-%u has fewer ports than there are nodes", cfg->local_lo, cfg->local_hi);
	for (int i = 0; i < cfg->n_services; i++) {
		const struct sv_service *sv = &cfg->services[i];
		if (sv->lo <= cfg->local_hi && sv->hi >= cfg->local_lo && (sv->lo || sv->hi != 65535))
			perr(p, p->services_line, "services: %s:%u-%u overlaps local_ports %u-%u",
			     sv->proto == IPPROTO_TCP ? "tcp" : "udp", sv->lo, sv->hi, cfg->local_lo, cfg->local_hi);
	}
}

/* In switch mode each node sends from its own MAC: never the shared one (the switch would
 * learn it), never another node's. */
static void check_send_macs(struct parse *p)
{
	const struct sv_config *cfg = p->cfg;
	uint8_t mac[SV_MAX_NODES][6];
	char m[18];

	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct sv_node *n = &cfg->nodes[i];
		int line = n->send_mac_line ? n->send_mac_line : n->line;
		config_send_mac(cfg, i, mac[i]);
		if (!memcmp(mac[i], cfg->shared_mac, 6))
			perr(p, line, "node %s: send_mac %s is the shared MAC", n->name, mac_str(mac[i], m));
		for (int j = 0; j < i; j++)
			if (!memcmp(mac[i], mac[j], 6))
				perr(p, line, "node %s: send_mac %s is also node %s's", n->name, mac_str(mac[i], m),
				     cfg->nodes[j].name);
	}
}

/* Per-node keys: every node's public key is needed to hear it. */
static void check_public_keys(struct parse *p)
{
	const struct sv_config *cfg = p->cfg;

	for (int i = 0; cfg->failover.node_key_file[0] && i < cfg->n_nodes; i++)
		if (!cfg->nodes[i].n_public_keys)
			perr(p, cfg->nodes[i].line, "node %s: no public_key, which node_key_file needs for every node",
			     cfg->nodes[i].name);
}

static void validate(struct parse *p)
{
	struct sv_config *cfg = p->cfg;
	int cl = p->cluster_line ? p->cluster_line : 1;
	unsigned total = 0;

	if (!p->cluster_line)
		perr(p, 1, "missing section [cluster]");
	for (int k = 0; cluster_keys[k].name; k++)
		if (cluster_keys[k].required && !p->key_line[0][k])
			perr(p, cl, "[cluster]: missing required key `%s'", cluster_keys[k].name);
	if (p->metrics_line && !p->key_line[4][0])
		perr(p, p->metrics_line, "[metrics]: missing required key `listen'");
	if (!cfg->n_nodes && p->cluster_line)
		perr(p, 1, "no [node NAME] section: at least one node is needed");
	for (int i = 0; i < cfg->n_nodes; i++)
		total += cfg->nodes[i].weight;
	if (cfg->n_nodes && !total)
		perr(p, cfg->nodes[0].line, "every node has weight 0: no node would take connections");
	if (p->mac_auto || !p->shared_mac_line)
		derive_shared_mac(cfg);
	check_addresses(p);
	check_ports(p);
	check_send_macs(p);
	check_public_keys(p);
}

static int parse_common(struct parse *p)
{
	struct sv_config *cfg = p->cfg;
	int ret;

	set_defaults(cfg);
	ret = ini_parse_stream(read_line, p, handle_key, p);
	if (ret == -2) {
		perr(p, p->lineno, "out of memory");
		return -1;
	}
	/* inih's own syntax errors were already reported by read_line. */
	validate(p);
	return p->errors;
}

/* Text, not binary: a NUL byte would end a line early and hide what follows it. */
static int check_text(struct parse *p)
{
	const char *nul = memchr(p->text, '\0', (size_t)(p->end - p->text));
	int line = 1;

	if (!nul)
		return 0;
	for (const char *c = p->text; c < nul; c++)
		line += *c == '\n';
	perr(p, line, "a NUL byte: this is not a text file");
	return -1;
}

int config_parse_buffer(const char *text, size_t len, const char *name, struct sv_config *cfg, FILE *err)
{
	struct parse p = { .cfg = cfg, .err = err, .text = text, .end = text + len };

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.text += 3; /* a UTF-8 byte order mark, as some editors write */
	if (check_text(&p))
		return p.errors;
	return parse_common(&p);
}

int config_parse_string(const char *text, const char *name, struct sv_config *cfg, FILE *err)
{
	return config_parse_buffer(text, strlen(text), name, cfg, err);
}

/* The whole file, or -errno: a read error is never taken for its end, and a file larger
 * than any config (/dev/zero, say) is refused rather than read forever. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	fcntl(fd, F_SETFL, 0); /* O_NONBLOCK only so that opening a FIFO cannot hang */
	while (got < len && (n = read(fd, buf + got, len - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			return -err;
		}
		got += (size_t)n;
	}
	close(fd);
	return got == len ? -EFBIG : (ssize_t)got;
}

int config_load(const char *path, struct sv_config *cfg, FILE *err)
{
	static char buf[CONFIG_MAX_BYTES + 1];
	ssize_t n = read_file(path, buf, sizeof(buf));

	memset(cfg, 0, sizeof(*cfg));
	if (n == -EFBIG) {
		fprintf(err, "%s: %s: larger than %d bytes: not a sharedvip config\n", sv_prog, path, CONFIG_MAX_BYTES);
		return -1;
	}
	if (n < 0) {
		fprintf(err, "%s: %s: %s\n", sv_prog, path, strerror((int)-n));
		return -1;
	}
	return config_parse_buffer(buf, (size_t)n, path, cfg, err);
}

void config_local_slice(const struct sv_config *cfg, int node, uint16_t *lo, uint16_t *hi)
{
	unsigned span = (unsigned)(cfg->local_hi - cfg->local_lo + 1);
	unsigned n = cfg->n_nodes ? (unsigned)cfg->n_nodes : 1, size = span / n;

	*lo = (uint16_t)(cfg->local_lo + (unsigned)node * size);
	*hi = (uint16_t)(node == (int)n - 1 ? cfg->local_hi : *lo + size - 1);
}

void config_send_mac(const struct sv_config *cfg, int node, uint8_t mac[6])
{
	static const uint8_t zero[6];

	if (memcmp(cfg->nodes[node].send_mac, zero, 6)) {
		memcpy(mac, cfg->nodes[node].send_mac, 6);
		return;
	}
	/* the shared MAC with its second byte set to the node's 1-based position; the third
	 * byte tells apart the positions that would collide: the shared MAC's own second byte,
	 * and 256 (which wraps to 0) */
	unsigned pos = (unsigned)node + 1;
	memcpy(mac, cfg->shared_mac, 6);
	mac[1] = (uint8_t)pos;
	if (pos == cfg->shared_mac[1])
		mac[2] ^= 0x02;
	else if (pos > 255)
		mac[2] ^= 0x01;
}

bool config_is_vip(const struct sv_config *cfg, const struct sv_addr *a)
{
	for (int i = 0; i < cfg->n_vips; i++)
		if (addr_equal(&cfg->vips[i], a))
			return true;
	return false;
}

bool config_node_has_addr(const struct sv_config *cfg, int node, const struct sv_addr *a)
{
	for (int i = 0; i < cfg->nodes[node].n_addrs; i++)
		if (addr_equal(&cfg->nodes[node].addrs[i], a))
			return true;
	return false;
}

bool config_has_vip_family(const struct sv_config *cfg, int family)
{
	for (int i = 0; i < cfg->n_vips; i++)
		if (cfg->vips[i].family == family)
			return true;
	return false;
}
