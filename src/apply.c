// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "apply.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <unistd.h>

#include <libnftnl/set.h>
#include <net/if.h>

#include "conntrack.h"
#include "control.h"
#include "ctlproto.h"
#include "garp.h"
#include "identity.h"
#include "netmanager.h"
#include "nft.h"
#include "ownership.h"
#include "plan.h"
#include "rtnl.h"
#include "ruleset.h"
#include "sysctl.h"

#define MAX_IF_ADDRS 256

struct apply {
	const struct sv_config *cfg;
	struct link_info link;
	bool verbose;
	bool quiet_busy; /* sharedvipd's loop says "busy" itself, once */
	int changes;
	int err;	 /* the kernel's refusal that ended the apply (negative errno) */
	char done[2048]; /* what was applied so far, for the error message */
};

static void did(struct apply *ap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void did(struct apply *ap, const char *fmt, ...)
{
	char what[256];
	va_list va;
	size_t len = strlen(ap->done);

	va_start(va, fmt);
	vsnprintf(what, sizeof(what), fmt, va);
	va_end(va);
	if (ap->verbose)
		printf("%s\n", what);
	snprintf(ap->done + len, sizeof(ap->done) - len, "%s%s", len ? "; " : "", what);
	ap->changes++;
}

static int refused(struct apply *ap, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refused(struct apply *ap, int err, const char *fmt, ...)
{
	/* NLM_F_DUMP_INTR past netlink.c's retries: no refusal, a table busy changing */
	const char *why = err == -EINTR ? "the table kept changing while it was read" : strerror(-err);
	va_list va;

	ap->err = err;
	if (err == -EINTR && ap->quiet_busy)
		return EXIT_KERNEL;
	fprintf(stderr, "%s: ", sv_prog);
	va_start(va, fmt);
	vfprintf(stderr, fmt, va);
	va_end(va);
	fprintf(stderr, ": %s\n%s: already applied: %s\n", why, sv_prog, ap->done[0] ? ap->done : "nothing");
	return EXIT_KERNEL;
}

static int apply_sysctls(struct apply *ap, const struct sysctl_setting *s, int n)
{
	char cur[128];

	for (int i = 0; i < n; i++) {
		int ret = sysctl_read(s[i].key, cur, sizeof(cur));
		if (ret == -ENOENT && strstr(s[i].key, "ipv6"))
			continue; /* IPv6 disabled on this host */
		if (strstr(s[i].key, "stable_secret")) {
			/* Never replace a secret: the link-local addresses derive from it. EIO is
			 * the kernel's way of saying that none was set. */
			if (!ret)
				continue;
			if (ret == -EIO)
				ret = 0;
		}
		if (!ret && !strcmp(cur, s[i].value))
			continue;
		if (ret || (ret = sysctl_write(s[i].key, s[i].value)))
			return refused(ap, ret, "set sysctl %s = %s", s[i].key, s[i].value);
		did(ap, "sysctl %s = %s", s[i].key, s[i].value);
	}
	return 0;
}

static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 6);
}

/* A held bucket with no TCP connection left here (conntrack) goes back to being dropped at
 * ingress. Only after the commit: a bucket this node no longer owns takes no new
 * connection, so the dump cannot miss one. Best effort: a failure keeps what is held. */
static void release_idle(struct apply *ap, const bool *owned, bool *held)
{
	const struct sv_config *cfg = ap->cfg;
	char what[160];
	bool any = false, *live;
	int freed = 0;

	for (uint32_t b = 0; b < cfg->buckets; b++)
		any |= held[b];
	live = any ? calloc(cfg->buckets, sizeof(*live)) : NULL;
	if (!live || conntrack_live_buckets(cfg, live)) {
		free(live);
		return;
	}
	for (uint32_t b = 0; b < cfg->buckets; b++) {
		freed += held[b] && !live[b];
		held[b] = held[b] && live[b];
	}
	free(live);
	if (freed && nft_set_buckets(owned, held, cfg->buckets, config_has_vip_family(cfg, AF_INET), NULL, 0, what,
				     sizeof(what)) == 0)
		did(ap, "released %d held buckets without a connection left", freed);
}

/* Whether the kernel's copy of a bucket set holds exactly the wanted members (the verdict
 * map: accepts exactly those, and has every bucket). */
static int set_current(const struct sv_config *cfg, int family, const char *name, const bool *want)
{
	bool *have = calloc(cfg->buckets, sizeof(*have));
	int ret;

	if (!have)
		return -ENOMEM;
	ret = nft_set_members(family, name, have, cfg->buckets);
	if (ret >= 0)
		ret = !memcmp(have, want, cfg->buckets * sizeof(*have)) &&
		      (strcmp(name, RS_MAP_BUCKETS) || (uint32_t)ret == cfg->buckets);
	free(have);
	return ret;
}

/* For a table whose structure is current, the bucket sets whose elements are not. */
static int stale_sets(struct apply *ap, const struct rs_table *t, struct set_update *up, int *n_up)
{
	for (int k = 0; k < t->n_bucket_sets; k++) {
		struct nftnl_set *s = t->sets[t->bucket_sets[k]];
		const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		const bool *want = t->bucket_members[k];
		int ret;
		if (!want) {
			bool *empty = calloc(ap->cfg->buckets, sizeof(*empty));
			ret = empty ? set_current(ap->cfg, t->family, name, empty) : -ENOMEM;
			free(empty);
		} else {
			ret = set_current(ap->cfg, t->family, name, want);
		}
		if (ret < 0)
			return refused(ap, ret, "read set %s of table %s sharedvip", name, family_name(t->family));
		if (!ret)
			up[(*n_up)++] = (struct set_update){ t->family, s };
	}
	return 0;
}

/* -ERESTART, unreported, when something else committed since genid: read again. */
static int apply_ruleset(struct apply *ap, const struct ruleset *rs, uint32_t genid)
{
	static const int all[] = { NFPROTO_NETDEV, NFPROTO_INET, NFPROTO_ARP };
	bool replace[RS_MAX_TABLES] = { false }, any = false;
	struct set_update up[RS_MAX_TABLES * 2];
	int drop[3], n_drop = 0, n_up = 0, ret;
	char comment[64], what[160];

	for (int i = 0; i < rs->n_tables; i++) {
		ret = nft_table_comment(rs->tables[i].family, comment, sizeof(comment));
		if (ret < 0)
			return refused(ap, ret, "read table %s sharedvip", family_name(rs->tables[i].family));
		replace[i] = !ret || strcmp(comment, rs->tables[i].comment);
		any |= replace[i];
		if (!replace[i] && (ret = stale_sets(ap, &rs->tables[i], up, &n_up)))
			return ret;
	}
	for (int f = 0; f < 3; f++) {
		bool wanted = false;
		for (int i = 0; i < rs->n_tables; i++)
			wanted |= rs->tables[i].family == all[f];
		if (!wanted && nft_table_comment(all[f], comment, sizeof(comment)) > 0)
			drop[n_drop++] = all[f];
	}
	if (!any && !n_drop && !n_up)
		return 0;
	ret = nft_commit(rs, replace, drop, n_drop, up, n_up, genid, what, sizeof(what));
	if (ret == -ERESTART)
		return ret;
	if (ret)
		return refused(ap, ret, "nftables refused the transaction at \"%s\"", what);
	for (int i = 0; i < rs->n_tables; i++)
		if (replace[i])
			did(ap, "loaded table %s sharedvip", family_name(rs->tables[i].family));
	for (int i = 0; i < n_up; i++)
		did(ap, "updated set %s of table %s sharedvip", nftnl_set_get_str(up[i].set, NFTNL_SET_NAME),
		    family_name(up[i].family));
	for (int i = 0; i < n_drop; i++)
		did(ap, "deleted table %s sharedvip", family_name(drop[i]));
	return 0;
}

static int list_addrs(struct apply *ap, struct if_addr *addrs)
{
	int n = rtnl_addr_list(ap->link.ifindex, addrs, MAX_IF_ADDRS);

	if (n < 0)
		refused(ap, n, "list addresses of %s", ap->link.name);
	return n; /* -errno, reported */
}

static bool has_addr(const struct if_addr *addrs, int n, const struct sv_addr *a)
{
	for (int i = 0; i < n; i++)
		if (addr_equal(&addrs[i].a, a) && addrs[i].a.prefix == a->prefix)
			return true;
	return false;
}

static int announce_all(struct apply *ap, const uint8_t mac[6])
{
	struct if_addr addrs[MAX_IF_ADDRS];
	int n = list_addrs(ap, addrs);

	for (int i = 0; i < n; i++) {
		if (addrs[i].a.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&addrs[i].a.v6))
			continue;
		announce_address(ap->link.ifindex, mac, &addrs[i].a);
	}
	return n < 0 ? EXIT_KERNEL : 0;
}

/* What the link lost when it went down is put back as far as it goes; what could not be is
 * said, and the rest of the apply goes on (it adds the configured addresses again). */
static void put_back(struct apply *ap, const char *what, const struct sv_addr *a, int err)
{
	if (err && err != -EEXIST) {
		char text[SV_ADDRSTRLEN];
		fprintf(stderr, "%s: warning: put back %s %s on %s after the MAC change: %s\n", sv_prog, what,
			addr_str(a, text, true), ap->link.name, strerror(-err));
	}
}

/* Some drivers refuse a new MAC while the link is up. Then take it down and up again
 * with signals held off, and put back every address and default route it loses. */
static int bounce_for_mac(struct apply *ap, const uint8_t mac[6])
{
	struct if_addr addrs[MAX_IF_ADDRS], now[MAX_IF_ADDRS];
	struct if_route routes[16];
	sigset_t all, old;
	int n_addrs, n_routes, n_now, ret, ret2;

	n_addrs = list_addrs(ap, addrs);
	if (n_addrs < 0)
		return EXIT_KERNEL;
	n_routes = rtnl_default_routes(ap->link.ifindex, routes, 16);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	ret = rtnl_link_set_up(ap->link.ifindex, false);
	if (!ret) {
		/* coming up with the shared MAC: link-local addresses must not derive from it */
		struct sysctl_setting link[4];
		int n = plan_link_sysctls(ap->cfg, ap->link.has_perm_mac ? ap->link.perm_mac : ap->link.mac, link, 4);
		apply_sysctls(ap, link, n);
		ret = rtnl_link_set_mac(ap->link.ifindex, mac);
	}
	ret2 = rtnl_link_set_up(ap->link.ifindex, true);
	n_now = rtnl_addr_list(ap->link.ifindex, now, MAX_IF_ADDRS);
	for (int i = 0; i < n_addrs; i++)
		if (!(addrs[i].a.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&addrs[i].a.v6)) &&
		    !has_addr(now, n_now, &addrs[i].a))
			put_back(ap, "address", &addrs[i].a,
				 rtnl_addr_add(ap->link.ifindex, &addrs[i].a, config_is_vip(ap->cfg, &addrs[i].a)));
	for (int i = 0; i < n_routes; i++)
		put_back(ap, "default route via", &routes[i].gw,
			 rtnl_default_route_add(ap->link.ifindex, &routes[i].gw));
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ret || ret2)
		return refused(ap, ret ? ret : ret2, "set MAC address of %s (link down and up again)", ap->link.name);
	return 0;
}

static int apply_mac(struct apply *ap, const uint8_t mac[6])
{
	char m[18];
	int ret;

	if (mac_equal(ap->link.mac, mac))
		return 0;
	ret = rtnl_link_set_mac(ap->link.ifindex, mac);
	if (ret == -EBUSY && (ap->link.flags & IFF_UP))
		ret = bounce_for_mac(ap, mac);
	else if (ret)
		return refused(ap, ret, "set MAC address of %s to %s", ap->link.name, mac_str(mac, m));
	if (ret)
		return ret;
	did(ap, "link %s address %s", ap->link.name, mac_str(mac, m));
	memcpy(ap->link.mac, mac, 6);
	/* the router and the operator's own session follow the new MAC at once */
	if (ap->link.flags & IFF_UP)
		return announce_all(ap, mac);
	return 0;
}

/* Behaviour 10: whatever state the link was in, it is not left down. */
static int apply_up(struct apply *ap)
{
	int ret;

	if (ap->link.flags & IFF_UP)
		return 0;
	ret = rtnl_link_set_up(ap->link.ifindex, true);
	if (ret)
		return refused(ap, ret, "bring link %s up", ap->link.name);
	ap->link.flags |= IFF_UP;
	did(ap, "link %s up", ap->link.name);
	return 0;
}

/* addrs: the interface's addresses before (what remove_old_vips takes away is no plan's) */
static int apply_addrs(struct apply *ap, const struct plan *p, const struct if_addr *addrs, int n)
{
	char a[SV_ADDRSTRLEN];
	int ret;

	for (int i = 0; i < p->n_addrs; i++) {
		if (has_addr(addrs, n, &p->addrs[i]))
			continue;
		ret = rtnl_addr_add(ap->link.ifindex, &p->addrs[i], p->is_vip[i]);
		if (ret)
			return refused(ap, ret, "add address %s to %s", addr_str(&p->addrs[i], a, true), ap->link.name);
		did(ap, "address %s dev %s", addr_str(&p->addrs[i], a, true), ap->link.name);
		if (p->is_vip[i])
			announce_address(ap->link.ifindex, p->mac, &p->addrs[i]);
	}
	return 0;
}

/* A VIP dropped from the config: the old inet table still lists it. */
static int remove_old_vips(struct apply *ap, const struct plan *p, const struct sv_addr *old, int n_old,
			   const struct if_addr *addrs, int n)
{
	char a[SV_ADDRSTRLEN];

	for (int i = 0; i < n_old; i++) {
		struct sv_addr host = old[i];
		host.prefix = (uint8_t)(addr_len(&host) * 8);
		if (plan_has_addr(p, &old[i]) || !has_addr(addrs, n, &host))
			continue;
		int ret = rtnl_addr_del(ap->link.ifindex, &host);
		if (ret)
			return refused(ap, ret, "remove old vip %s from %s", addr_str(&host, a, false), ap->link.name);
		did(ap, "removed old vip %s from %s", addr_str(&host, a, false), ap->link.name);
	}
	return 0;
}

static int apply_routes(struct apply *ap)
{
	const struct sv_config *cfg = ap->cfg;
	struct if_route routes[16];
	char a[SV_ADDRSTRLEN];
	int n = rtnl_default_routes(ap->link.ifindex, routes, 16), ret;

	if (n < 0)
		return refused(ap, n, "list routes of %s", ap->link.name);
	for (int g = 0; g < cfg->n_gateways; g++) {
		bool have = false;
		for (int i = 0; i < n; i++)
			have |= addr_equal(&routes[i].gw, &cfg->gateways[g]);
		if (have)
			continue;
		ret = rtnl_default_route_add(ap->link.ifindex, &cfg->gateways[g]);
		if (ret)
			return refused(ap, ret, "add default route via %s dev %s",
				       addr_str(&cfg->gateways[g], a, false), ap->link.name);
		did(ap, "route default via %s dev %s", addr_str(&cfg->gateways[g], a, false), ap->link.name);
	}
	return 0;
}

/* One line to the kernel log: there is no syslog in an initramfs, and the journal takes
 * the kernel log in once it runs. syslog() when /dev/kmsg cannot be written. */
static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char text[240], line[256];
	va_list va;
	int fd, n;

	va_start(va, fmt);
	vsnprintf(text, sizeof(text), fmt, va);
	va_end(va);
	/* notice; the newline ends the record: without it the kernel keeps it open for a
	 * continuation, and no reader (the journal, dmesg) sees it until something else is
	 * logged */
	n = snprintf(line, sizeof(line), "<5>%s\n", text);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, line, (size_t)n) > 0) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	openlog("sharedvip", LOG_PID, LOG_DAEMON);
	syslog(LOG_INFO, "%s", text);
	closelog();
}

bool apply_is_interface(const struct sv_config *cfg, const char *ifname, const char *const *alt)
{
	if (!strcmp(cfg->interface, ifname))
		return true;
	for (; alt && *alt; alt++)
		if (**alt && !strcmp(cfg->interface, *alt))
			return true;
	return false;
}

/* The source MAC for switch mode before the node is known: the NIC's own. */
static void link_send_mac(const struct sv_config *cfg, const struct link_info *li, uint8_t mac[6])
{
	if (li->has_perm_mac)
		memcpy(mac, li->perm_mac, 6);
	else if (!mac_equal(li->mac, cfg->shared_mac))
		memcpy(mac, li->mac, 6);
	else if (getrandom(mac, 6, 0) == 6)
		mac[0] = (uint8_t)((mac[0] & ~1) | 2); /* unicast, locally administered */
}

/* In switch mode the egress rewrite must be there before the first frame leaves with the
 * shared MAC, or the switch learns it; a full table from sharedvip-apply is left alone. */
static int link_egress(struct apply *ap, const struct sv_config *local)
{
	uint8_t send_mac[6];
	bool replace[1] = { true };
	struct ruleset rs;
	char comment[64], what[160];
	int ret;

	if (local->mode != MODE_SWITCH || nft_table_comment(NFPROTO_NETDEV, comment, sizeof(comment)) > 0)
		return 0;
	link_send_mac(local, &ap->link, send_mac);
	if (ruleset_build_link(local, send_mac, &rs))
		return refused(ap, -ENOMEM, "build the egress rewrite");
	ret = nft_commit(&rs, replace, NULL, 0, NULL, 0, 0, what, sizeof(what));
	ruleset_free(&rs);
	if (ret)
		return refused(ap, ret, "nftables refused the transaction at \"%s\"", what);
	did(ap, "loaded table netdev sharedvip (egress rewrite)");
	return 0;
}

int apply_link(const struct sv_config *cfg, const char *ifname, const char *const *alt_names)
{
	struct apply ap = { .cfg = cfg };
	struct sysctl_setting s[4];
	struct sv_config local = *cfg;
	char m[18];
	int ret, n;

	if (!apply_is_interface(cfg, ifname, alt_names))
		return 0;
	ret = rtnl_link_get(ifname, &ap.link);
	if (ret)
		return refused(&ap, ret, "read link %s", ifname);
	/* sysctls and chains go by the current name, whichever name the config used */
	snprintf(local.interface, sizeof(local.interface), "%s", ifname);
	n = plan_link_sysctls(&local, ap.link.has_perm_mac ? ap.link.perm_mac : ap.link.mac, s, 4);
	if (!(ap.link.flags & IFF_UP) && (ret = apply_sysctls(&ap, s, n)))
		return ret;
	if ((ret = link_egress(&ap, &local)))
		return ret;
	if (!mac_equal(ap.link.mac, cfg->shared_mac)) {
		ret = rtnl_link_set_mac(ap.link.ifindex, cfg->shared_mac);
		if (ret == -EBUSY) {
			log_line("sharedvip: %s is already up and cannot change its MAC live; sharedvip-apply will",
				 ifname);
			return 0;
		}
		if (ret)
			return refused(&ap, ret, "set MAC address of %s to %s", ifname, mac_str(cfg->shared_mac, m));
		if (ap.link.flags & IFF_UP)
			announce_all(&ap, cfg->shared_mac);
	}
	log_line("sharedvip: %s has the shared MAC %s", ifname, mac_str(cfg->shared_mac, m));
	return 0;
}

/* The initramfs carries a copy of the config for the udev stage in early boot: say so when
 * that copy is older than the config (the running kernel's image, Debian's or dracut's
 * name; $SHAREDVIP_INITRAMFS names another, for tests). */
void apply_warn_stale_initramfs(const char *config_path)
{
	char path[512];
	struct utsname u;
	struct stat cfg, img;
	const char *env = getenv("SHAREDVIP_INITRAMFS");

	if (stat(config_path, &cfg) || uname(&u))
		return;
	if (env)
		snprintf(path, sizeof(path), "%s", env);
	else if (snprintf(path, sizeof(path), "/boot/initrd.img-%s", u.release) > 0 && access(path, F_OK))
		snprintf(path, sizeof(path), "/boot/initramfs-%s.img", u.release);
	if (stat(path, &img) || img.st_mtime >= cfg.st_mtime)
		return;
	fprintf(stderr,
		"%s: warning: %s is older than %s: the udev stage in early boot uses the copy inside it; "
		"refresh it with `update-initramfs -u' (or `dracut -f')\n",
		sv_prog, path, config_path);
}

int apply_identify(const struct sv_config *cfg, const char *opt_node)
{
	struct if_addr addrs[MAX_IF_ADDRS];
	struct sv_addr plain[MAX_IF_ADDRS];
	struct link_info li;
	char host[256] = "", why[512];
	int n = 0, node;

	if (rtnl_link_get(cfg->interface, &li) == 0)
		n = rtnl_addr_list(li.ifindex, addrs, MAX_IF_ADDRS);
	for (int i = 0; i < n; i++)
		plain[i] = addrs[i].a;
	gethostname(host, sizeof(host) - 1);
	node = node_identify(cfg, opt_node, getenv("SHAREDVIP_NODE"), plain, n > 0 ? n : 0, host, why, sizeof(why));
	if (node < 0)
		fprintf(stderr, "%s: %s\n", sv_prog, why);
	return node;
}

/* Every node has the shared MAC, so an address derived from it is every node's and
 * duplicate address detection fails it. The udev stage asks the kernel for stable-privacy
 * addresses; a network manager that chooses EUI-64 itself needs the admin's setting. */
static void warn_mac_derived(struct apply *ap, const struct plan *p, const struct if_addr *addrs, int n)
{
	char a[SV_ADDRSTRLEN], advice[512];

	for (int i = 0; i < n; i++) {
		if (plan_has_addr(p, &addrs[i].a) || !addr_is_eui64_of(&addrs[i].a, ap->cfg->shared_mac))
			continue;
		netmanager_stable_ipv6_advice(ap->link.ifindex, ap->link.name, advice, sizeof(advice));
		fprintf(stderr,
			"%s: warning: %s on %s derives from the shared MAC: every node has it, and duplicate "
			"address detection fails it. %s\n",
			sv_prog, addr_str(&addrs[i].a, a, false), ap->link.name, advice);
		return;
	}
}

/* One snapshot of sharedvip's bucket sets in the kernel, at generation genid. */
struct kernel_sets {
	bool *owned, *leased, *ingress, *held;
	uint32_t map_elements; /* the netdev map has one per bucket: the loaded config's count */
	int64_t lease_left_ms;
	uint32_t genid;
};

static void kernel_sets_free(struct kernel_sets *k)
{
	free(k->owned), free(k->leased), free(k->ingress), free(k->held);
}

static int kernel_sets_read(struct kernel_sets *k, uint32_t buckets)
{
	int ret;

	kernel_sets_free(k);
	memset(k, 0, sizeof(*k));
	k->owned = calloc(buckets, sizeof(bool));
	k->leased = calloc(buckets, sizeof(bool));
	k->ingress = calloc(buckets, sizeof(bool));
	k->held = calloc(buckets, sizeof(bool));
	if (!k->owned || !k->leased || !k->ingress || !k->held)
		return -ENOMEM;
	if ((ret = nft_genid(&k->genid)) < 0 ||
	    (ret = nft_owned_lease(k->owned, k->leased, buckets, &k->lease_left_ms)) < 0 ||
	    (ret = nft_set_members(NFPROTO_NETDEV, RS_MAP_BUCKETS, k->ingress, buckets)) < 0)
		return ret;
	k->map_elements = (uint32_t)ret;
	if ((ret = nft_set_members(NFPROTO_INET, RS_SET_HELD, k->held, buckets)) < 0)
		return ret;
	return 0;
}

/* Decides this node's owned and held buckets: sharedvipd's when it asks, else from the
 * source (the static split, or in daemon mode only what the daemon leased). */
static void decide_ownership(const struct apply_request *req, const struct plan *p, const struct kernel_sets *k,
			     bool *owned, bool *held, struct ruleset_input *in)
{
	const struct sv_config *cfg = in->cfg;
	struct own_kernel kv = { k->owned, k->leased, k->ingress, k->held, k->lease_left_ms };
	enum own_source src = ownership_source(cfg, access(cfg->failover.key_file, F_OK) == 0, req->force_static);

	in->owned = owned;
	in->held = held;
	in->leased = req->owned || src == OWN_DAEMON;
	if (req->owned) {
		memcpy(owned, req->owned, cfg->buckets * sizeof(*owned));
		memcpy(held, req->held, cfg->buckets * sizeof(*held));
		in->lease_ms = req->lease_ms;
		return;
	}
	in->lease_ms = ownership_for_apply(src, cfg->buckets, p->owned, &kv, owned, held);
}

/* A VIP that left the config goes before the commit that stops filtering it: no moment
 * with an unfiltered VIP on the interface, whatever kills the apply in between. */
static int remove_old_vips_first(struct apply *ap, const struct plan *p, const struct sv_addr *old, int n_old)
{
	struct if_addr addrs[MAX_IF_ADDRS];
	bool any = false;
	int n;

	for (int i = 0; i < n_old; i++)
		any |= !plan_has_addr(p, &old[i]);
	if (!any)
		return 0;
	if ((n = list_addrs(ap, addrs)) < 0)
		return EXIT_KERNEL;
	return remove_old_vips(ap, p, old, n_old, addrs, n);
}

/* Read the bucket sets, decide, build and commit; again if something else (sharedvipd
 * renewing its lease, say) committed in between, so nothing it set is overwritten with a
 * stale copy. */
static int load_ruleset(struct apply *ap, const struct apply_request *req, const struct plan *p, bool *owned,
			bool *held, struct ruleset_input *in)
{
	struct kernel_sets k = { 0 };
	struct ruleset rs;
	int ret = -ERESTART;

	for (int attempt = 0; attempt < 20 && ret == -ERESTART; attempt++) {
		if ((ret = kernel_sets_read(&k, ap->cfg->buckets))) {
			ret = refused(ap, ret, "read the bucket sets of the sharedvip tables");
			break;
		}
		decide_ownership(req, p, &k, owned, held, in);
		if (ruleset_build(in, &rs)) {
			ret = refused(ap, -ENOMEM, "build the nftables ruleset");
			break;
		}
		ret = apply_ruleset(ap, &rs, k.genid);
		ruleset_free(&rs);
	}
	if (ret == -ERESTART)
		ret = refused(ap, ret, "commit the sharedvip tables (the ruleset kept changing)");
	kernel_sets_free(&k);
	return ret;
}

static int apply_kernel(struct apply *ap, const struct apply_request *req, const struct plan *p,
			const struct sv_addr *old_vips, int n_old, bool *owned, bool *held, struct ruleset_input *in)
{
	struct if_addr addrs[MAX_IF_ADDRS];
	int ret, n;

	/* What the udev stage does, in case it did not run: only possible while the link is down. */
	if (!(ap->link.flags & IFF_UP)) {
		struct sysctl_setting link[4];
		n = plan_link_sysctls(ap->cfg, ap->link.has_perm_mac ? ap->link.perm_mac : ap->link.mac, link, 4);
		if ((ret = apply_sysctls(ap, link, n)))
			return ret;
	}

	/* Filter first, so the VIP never appears on a node that would answer for everyone. */
	if ((ret = apply_sysctls(ap, p->sysctls, p->n_sysctls)) ||
	    (ret = remove_old_vips_first(ap, p, old_vips, n_old)) ||
	    (ret = load_ruleset(ap, req, p, owned, held, in)) || (ret = apply_mac(ap, p->mac)) ||
	    (!req->leave_link_down && (ret = apply_up(ap))))
		return ret;
	/* one list of the addresses serves the steps that read them */
	if ((n = list_addrs(ap, addrs)) < 0)
		return EXIT_KERNEL;
	/* a link left down takes addresses but no route: sharedvipd adds it when it comes up */
	if ((ret = apply_addrs(ap, p, addrs, n)) || ((ap->link.flags & IFF_UP) && (ret = apply_routes(ap))))
		return ret;
	warn_mac_derived(ap, p, addrs, n);
	return 0;
}

/* At boot, sharedvip.service and a network manager's hook can apply at the same moment, each
 * planning against a state the other is changing: one at a time. Without a writable run
 * directory, go on unlocked. The lock goes with the descriptor. */
static int lock_apply(bool wait)
{
	const char *dir = control_run_dir(NULL);
	char path[256];
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	if (snprintf(path, sizeof(path), "%s/apply.lock", dir) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
		int err = errno;
		close(fd);
		return err == EWOULDBLOCK ? -EWOULDBLOCK : -1;
	}
	return fd;
}

static int dry_run(const struct apply_request *req, const struct plan *p, bool *owned, bool *held,
		   struct ruleset_input *in)
{
	struct kernel_sets k = { 0 };
	struct ruleset rs;
	int ret = 0;

	if (kernel_sets_read(&k, in->cfg->buckets) == -ENOMEM) {
		kernel_sets_free(&k);
		return -ENOMEM;
	}
	decide_ownership(req, p, &k, owned, held, in);
	kernel_sets_free(&k);
	if (ruleset_build(in, &rs))
		return -ENOMEM;
	plan_print(p, stdout);
	for (int i = 0; i < rs.n_tables; i++)
		printf("%s%s", i ? "\n" : "", sb_str(&rs.tables[i].text));
	ruleset_free(&rs);
	return ret;
}

static bool has_leased(const struct ruleset_input *in)
{
	return in->leased && buckets_count(in->owned, in->cfg->buckets);
}

/* In a failover cluster, a daemon that runs but does not answer is stuck: change nothing
 * behind its back (its lease ends its ownership by itself). None running is fine. */
static int daemon_answers(struct apply *ap)
{
	static char reply[CTL_REPLY_MAX];
	const char *dir = control_run_dir(NULL);
	int ret;

	if (!ap->cfg->failover.enabled)
		return 0;
	ret = control_request(dir, "status", reply, sizeof(reply));
	if (control_no_daemon(ret) || !ret)
		return 0;
	return refused(ap, ret, "ask sharedvipd at %s/control (it runs but does not answer; nothing changed)", dir);
}

int apply_node(const struct sv_config *cfg, int node, const struct apply_request *req)
{
	struct apply ap = { .cfg = cfg, .verbose = req->verbose, .quiet_busy = req->no_wait };
	struct ruleset_input in = { .cfg = cfg, .node = node };
	struct sv_addr old_vips[SV_MAX_VIPS * 2];
	struct plan p;
	bool *held, *owned;
	int ret, n_old = 0, lock_fd = -1;

	if (plan_build(cfg, node, &p))
		return refused(&ap, -ENOMEM, "compute the plan");
	held = calloc(cfg->buckets, sizeof(*held));
	owned = calloc(cfg->buckets, sizeof(*owned));
	if (!held || !owned) {
		ret = refused(&ap, -ENOMEM, "compute the plan");
		goto out;
	}
	if (req->dry_run) {
		ret = dry_run(req, &p, owned, held, &in);
		if (ret)
			ret = refused(&ap, ret, "build the nftables ruleset");
		goto out;
	}
	if (!req->owned && (ret = daemon_answers(&ap)))
		goto out;
	lock_fd = lock_apply(!req->no_wait);
	if (lock_fd == -EWOULDBLOCK) {
		ret = -EAGAIN; /* the caller (sharedvipd's loop) tries again later */
		goto out;
	}
	n_old = nft_vips(old_vips, SV_MAX_VIPS * 2);
	ret = rtnl_link_get(cfg->interface, &ap.link);
	if (ret == -ENODEV)
		ret = refused(&ap, ret, "find interface %s", cfg->interface);
	else if (ret)
		ret = refused(&ap, ret, "read link %s", cfg->interface);
	else
		ret = apply_kernel(&ap, req, &p, old_vips, n_old > 0 ? n_old : 0, owned, held, &in);
	/* a running daemon lets go of its own held buckets */
	if (!ret && !req->owned && !has_leased(&in))
		release_idle(&ap, owned, held);
	if (!ret && req->verbose && !ap.changes)
		printf("nothing to change\n");
	if (ret == EXIT_KERNEL && req->no_wait && ap.err == -EINTR)
		ret = -EINTR; /* sharedvipd's loop reads again soon, without backoff */
out:
	free(held);
	free(owned);
	plan_free(&p);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}

/* The unit's ExecStopPost, whatever stopped the daemon: this node owns nothing from now on
 * and keeps its established connections (what it owned becomes held). Reads no config, so
 * it works when the config is what failed. */
int apply_release(void)
{
	struct apply ap = { 0 };
	struct kernel_sets k = { 0 };
	char comment[64], what[160];
	int ret, lock_fd = lock_apply(true), n;
	bool *none = calloc(SV_MAX_BUCKETS, sizeof(bool));
	uint32_t buckets;

	ret = none ? nft_table_comment(NFPROTO_INET, comment, sizeof(comment)) : -ENOMEM;
	if (ret <= 0)
		goto out;
	if ((ret = kernel_sets_read(&k, SV_MAX_BUCKETS)))
		goto out;
	/* no config read: the map, one element per bucket, says how many there are */
	buckets = k.map_elements ? k.map_elements : SV_MAX_BUCKETS;
	held_after(k.held, k.owned, none, buckets);
	held_after(k.held, k.ingress, none, buckets);
	n = buckets_count(k.owned, buckets);
	ret = nft_set_buckets(none, k.held, buckets, nft_table_comment(NFPROTO_ARP, comment, sizeof(comment)) > 0, NULL,
			      0, what, sizeof(what));
	if (ret)
		ret = refused(&ap, ret, "nftables refused the release at \"%s\"", what);
	else
		printf("%s: released %d buckets; established connections stay\n", sv_prog, n);
out:
	if (ret < 0)
		ret = refused(&ap, ret, "read the sharedvip tables");
	kernel_sets_free(&k);
	free(none);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
