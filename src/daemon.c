// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */

/*
 * sharedvipd: heartbeats to every other node's own address every heartbeat_ms, membership
 * from the authenticated heartbeats heard, and ownership of the buckets computed from the
 * config and the alive set. A bucket is released at once and acquired only when every
 * alive peer reports the same view (so its previous owner has released it) or after a
 * hold-down of dead_after heartbeats. Ownership lives in the nftables sets only.
 */
#include "daemon.h"

#include <netinet/in.h> /* before linux/netfilter.h, which pulls in linux/in.h */
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "assign.h"
#include "conntrack.h"
#include "control.h"
#include "linkwatch.h"
#include "membership.h"
#include "nft.h"
#include "notify.h"

#define MAX_TARGETS (SV_MAX_NODES * 2)
/* After something else changed the link, apply again once it has been quiet this long: a
 * network manager reconfigures in bursts, and ifup fails on a route already there, so it
 * must have finished raising the link before sharedvip adds anything. */
#define SETTLE_MS 1000
/* How often the buckets this node still holds are checked for connections left in them */
#define PRUNE_MS 5000

struct daemon {
	struct sv_config cfg;
	const char *config_path, *run_dir, *opt_node;
	int self;
	uint8_t key[4096];
	size_t key_len;
	uint8_t digest[HB_DIGEST_LEN];
	struct membership m;
	bool *installed, *held, *desired, *next, *live;
	int16_t *owner;
	int udp[2], ctl, sig;
	struct sockaddr_storage targets[MAX_TARGETS];
	int target_sock[MAX_TARGETS], n_targets;
	uint64_t incarnation, seq;
	int64_t next_hb_ms, next_watchdog_ms, watchdog_ms, last_forged_log_ms;
	bool stopping, pending, had_quorum, logged_differs[SV_MAX_NODES], was_alive[SV_MAX_NODES];
	struct linkwatch watch;
	int64_t reapply_ms; /* 0: nothing to put back */
	struct ct_dump ct;
	int64_t next_prune_ms;
	bool ct_stale; /* ownership changed while the dump ran: its answer may miss a connection */
	const char *reapply_why;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list va;

	fprintf(stderr, "sharedvipd: ");
	va_start(va, fmt);
	vfprintf(stderr, fmt, va);
	va_end(va);
	fputc('\n', stderr);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The key must be the cluster's secret alone: refuse one that others can read. */
static int load_key(struct daemon *d)
{
	const char *path = d->cfg.failover.key_file;
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		logf_("cannot read key_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (st.st_mode & (S_IRWXG | S_IRWXO))) {
		logf_("key_file %s is open to group or others (mode %04o): chmod 600 %s", path, st.st_mode & 07777,
		      path);
		close(fd);
		return -1;
	}
	n = read(fd, d->key, sizeof(d->key));
	close(fd);
	if (n < HB_KEY_MIN) {
		logf_("key_file %s holds %zd bytes, fewer than %d (make one: head -c 32 /dev/urandom > %s)", path,
		      n < 0 ? 0 : n, HB_KEY_MIN, path);
		return -1;
	}
	d->key_len = (size_t)n;
	return 0;
}

/* A digest of the config file travels in every heartbeat: the file is the same on every
 * node, so a different digest means a node runs with another config. */
static int config_digest(const char *path, uint8_t digest[HB_DIGEST_LEN])
{
	uint8_t full[crypto_hash_sha256_BYTES], buf[4096];
	crypto_hash_sha256_state st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
	close(fd);
	crypto_hash_sha256_final(&st, full);
	memcpy(digest, full, HB_DIGEST_LEN);
	return n < 0 ? -1 : 0;
}

static int open_udp(struct daemon *d, const struct sv_addr *own)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd = socket(own->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (own->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET, sin->sin_port = htons(d->cfg.failover.port), sin->sin_addr = own->v4;
		len = sizeof(*sin);
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6, sin6->sin6_port = htons(d->cfg.failover.port), sin6->sin6_addr = own->v6;
		len = sizeof(*sin6);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		logf_("cannot bind heartbeat socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One socket per address family, bound to this node's own address; heartbeats go to the
 * own addresses of every other node: unicast, so no switch can split the cluster. */
static int open_heartbeats(struct daemon *d)
{
	const struct sv_node *me = &d->cfg.nodes[d->self];

	d->udp[0] = d->udp[1] = -1;
	d->n_targets = 0;
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		for (int a = 0; a < me->n_addrs && d->udp[f] < 0; a++)
			if (me->addrs[a].family == family && (d->udp[f] = open_udp(d, &me->addrs[a])) < 0)
				return -1;
	}
	for (int i = 0; i < d->cfg.n_nodes; i++) {
		const struct sv_node *n = &d->cfg.nodes[i];
		for (int a = 0; i != d->self && a < n->n_addrs && d->n_targets < MAX_TARGETS; a++) {
			int f = n->addrs[a].family == AF_INET6;
			struct sockaddr_storage *ss = &d->targets[d->n_targets];
			if (d->udp[f] < 0)
				continue;
			memset(ss, 0, sizeof(*ss));
			if (!f) {
				struct sockaddr_in *sin = (struct sockaddr_in *)ss;
				sin->sin_family = AF_INET, sin->sin_port = htons(d->cfg.failover.port);
				sin->sin_addr = n->addrs[a].v4;
			} else {
				struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
				sin6->sin6_family = AF_INET6, sin6->sin6_port = htons(d->cfg.failover.port);
				sin6->sin6_addr = n->addrs[a].v6;
			}
			d->target_sock[d->n_targets++] = d->udp[f];
		}
	}
	if (d->udp[0] < 0 && d->udp[1] < 0) {
		logf_("node %s has no address to send heartbeats from", me->name);
		return -1;
	}
	return 0;
}

/* Each heartbeat goes out as two copies, each with its own sequence number: one lost
 * packet is then never a missed heartbeat (20 % random loss becomes 4 %). */
static void send_heartbeats(struct daemon *d, uint8_t flags)
{
	struct heartbeat hb = { .flags = flags, .node = (uint16_t)d->self, .incarnation = d->incarnation };
	uint8_t msg[HB_LEN];

	if (d->m.self_draining)
		hb.flags |= HB_DRAINING;
	memcpy(hb.digest, d->digest, HB_DIGEST_LEN);
	memcpy(hb.view, d->m.view, HB_VIEW_BYTES);
	for (int copy = 0; copy < 2; copy++) {
		hb.seq = ++d->seq;
		hb_encode(&hb, d->key, d->key_len, msg);
		for (int i = 0; i < d->n_targets; i++)
			sendto(d->target_sock[i], msg, sizeof(msg), 0, (struct sockaddr *)&d->targets[i],
			       d->targets[i].ss_family == AF_INET ? sizeof(struct sockaddr_in)
								  : sizeof(struct sockaddr_in6));
	}
	d->next_hb_ms = now_ms() + d->cfg.failover.heartbeat_ms;
}

static int count(const bool *set, uint32_t n)
{
	int c = 0;

	for (uint32_t b = 0; b < n; b++)
		c += set[b];
	return c;
}

static void log_members(struct daemon *d, const char *why)
{
	char list[2048] = "";
	size_t off = 0;

	for (int i = 0; i < d->cfg.n_nodes && off < sizeof(list); i++)
		if (d->m.peers[i].alive)
			off += (size_t)snprintf(list + off, sizeof(list) - off, " %s%s", d->cfg.nodes[i].name,
						view_has(d->m.view, i) ? "" : "(draining)");
	logf_("membership: %s; alive:%s", why, list);
}

/* One line per membership change, with its reason. */
static void note_membership(struct daemon *d, int64_t now)
{
	int lost = 0, before = 0;

	for (int i = 0; i < d->cfg.n_nodes; i++) {
		const struct peer *p = &d->m.peers[i];
		char why[128];
		if (i == d->self || p->alive == d->was_alive[i])
			continue;
		before += d->was_alive[i];
		if (p->alive)
			snprintf(why, sizeof(why), "%s joined", d->cfg.nodes[i].name);
		else if (now - p->last_heard_ms <= (int64_t)d->cfg.failover.heartbeat_ms * d->cfg.failover.dead_after)
			snprintf(why, sizeof(why), "%s left", d->cfg.nodes[i].name);
		else {
			snprintf(why, sizeof(why), "%s is dead (no heartbeat for %lld ms)", d->cfg.nodes[i].name,
				 (long long)(now - p->last_heard_ms));
			lost++;
		}
		d->was_alive[i] = p->alive;
		log_members(d, why);
	}
	for (int i = 0; i < d->cfg.n_nodes; i++)
		before += i != d->self && d->was_alive[i];
	if (lost > 1 || (lost && 2 * lost >= before + lost))
		logf_("SPLIT SUSPECTED: %d nodes went silent at once; quorum = %s: %s", lost,
		      d->cfg.failover.quorum == QUORUM_MAJORITY ? "majority" : "none",
		      d->cfg.failover.quorum == QUORUM_MAJORITY ? "only a group with more than half the weight serves"
								: "this group serves their buckets too");
}

/* The kernel's owned sets become owned, its held set d->held: one transaction. */
static int commit_sets(struct daemon *d, const bool *owned)
{
	char what[160];
	int ret = nft_set_buckets(owned, d->held, d->cfg.buckets, config_has_vip_family(&d->cfg, AF_INET), what,
				  sizeof(what));

	if (ret)
		logf_("nftables refused the ownership update at \"%s\": %s", what, strerror(-ret));
	return ret;
}

static int update_kernel(struct daemon *d, const bool *next)
{
	for (uint32_t b = 0; b < d->cfg.buckets; b++)
		d->held[b] = (d->held[b] || d->installed[b]) && !next[b];
	d->ct_stale = true;
	return commit_sets(d, next);
}

/* A bucket given away stays held while this node has connections in it; once the last is
 * gone, its packets are dropped at ingress again. The dump runs a piece at a time in the
 * loop; if ownership changed meanwhile, a connection may have come and its answer is
 * thrown away. */
static void prune_start(struct daemon *d, int64_t now)
{
	int ret;

	d->next_prune_ms = now + PRUNE_MS;
	if (!count(d->held, d->cfg.buckets))
		return;
	d->ct_stale = false;
	if ((ret = ct_dump_start(&d->ct, &d->cfg, d->live)))
		logf_("cannot read the connection tracking table: %s", strerror(-ret));
}

static void prune_continue(struct daemon *d)
{
	bool *old = d->held;
	int ret = ct_dump_continue(&d->ct), freed = 0;

	if (ret <= 0 || d->ct_stale)
		return;
	for (uint32_t b = 0; b < d->cfg.buckets; b++) {
		freed += d->held[b] && !d->live[b];
		d->live[b] = d->live[b] && d->held[b]; /* what stays held */
	}
	if (!freed)
		return;
	d->held = d->live;
	d->live = old;
	if (commit_sets(d, d->installed)) {
		d->live = d->held; /* the kernel keeps the old set, and so do we */
		d->held = old;
		return;
	}
	logf_("held: %d buckets have no connection here any more, %d still held", freed,
	      count(d->held, d->cfg.buckets));
}

/* Release at once; acquire only when it is safe (membership_may_acquire). */
static void reconcile(struct daemon *d, int64_t now, const char *reason)
{
	bool eligible[SV_MAX_NODES], quorum = membership_has_quorum(&d->m), may;
	int added = 0, removed = 0;

	if (d->cfg.failover.quorum == QUORUM_MAJORITY && quorum != d->had_quorum)
		logf_("quorum %s: %s", quorum ? "regained" : "LOST",
		      quorum ? "taking new connections again"
			     : "no new connections until more than half the weight is back");
	d->had_quorum = quorum;
	membership_eligible(&d->m, eligible);
	assign_buckets(&d->cfg, eligible, d->owner);
	may = membership_may_acquire(&d->m, now);
	d->pending = false;
	for (uint32_t b = 0; b < d->cfg.buckets; b++) {
		d->desired[b] =
		    d->owner[b] == d->self && (d->cfg.failover.quorum == QUORUM_NONE || quorum) && !d->stopping;
		d->next[b] = d->desired[b] && (d->installed[b] || may);
		d->pending |= d->desired[b] && !d->next[b];
		added += d->next[b] && !d->installed[b];
		removed += !d->next[b] && d->installed[b];
	}
	if (!added && !removed)
		return;
	if (update_kernel(d, d->next))
		return;
	memcpy(d->installed, d->next, d->cfg.buckets * sizeof(bool));
	logf_("ownership: %d buckets (+%d -%d) %s", count(d->installed, d->cfg.buckets), added, removed, reason);
	notify_status("owns %d of %u buckets", count(d->installed, d->cfg.buckets), d->cfg.buckets);
}

static void receive(struct daemon *d, int fd)
{
	uint8_t buf[512];
	struct heartbeat hb;
	bool changed, any = false;
	ssize_t n;
	int64_t now = now_ms();

	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		if (hb_decode(buf, (size_t)n, d->key, d->key_len, &hb)) {
			d->m.drops.forged++;
			if (now - d->last_forged_log_ms > 1000)
				logf_("dropped a heartbeat that is not authentic (%llu so far)",
				      (unsigned long long)d->m.drops.forged);
			d->last_forged_log_ms = now;
			continue;
		}
		enum hb_verdict v = membership_receive(&d->m, &hb, now, &changed);
		if (v == HB_REPLAYED && d->m.drops.replayed % 100 == 1)
			logf_("dropped a replayed heartbeat of node %u (%llu so far)", hb.node,
			      (unsigned long long)d->m.drops.replayed);
		if (v != HB_UNKNOWN_NODE && v != HB_REPLAYED) {
			bool differs = v == HB_OTHER_CONFIG;
			if (differs != d->logged_differs[hb.node])
				logf_("%s: node %s runs %s config (its buckets stay its own)",
				      differs ? "CONFIG MISMATCH" : "config agreement", d->cfg.nodes[hb.node].name,
				      differs ? "a DIFFERENT" : "the same");
			d->logged_differs[hb.node] = differs;
		}
		any |= changed;
	}
	if (any) {
		note_membership(d, now);
		send_heartbeats(d, 0); /* tell the others at once: they wait for agreement */
		reconcile(d, now, "after a membership change");
	} else if (d->pending) {
		reconcile(d, now, "after agreement");
	}
}

static void status_reply(struct daemon *d, char *out, size_t len)
{
	int64_t now = now_ms();
	size_t off =
	    (size_t)snprintf(out, len, "mode daemon\nnode %s\ndraining %d\nowned %d\n", d->cfg.nodes[d->self].name,
			     d->m.self_draining, count(d->installed, d->cfg.buckets));
	for (int i = 0; i < d->cfg.n_nodes && off < len; i++) {
		const struct peer *p = &d->m.peers[i];
		off +=
		    (size_t)snprintf(out + off, len - off, "peer %s alive=%d eligible=%d heard_ms_ago=%lld config=%s\n",
				     d->cfg.nodes[i].name, p->alive, view_has(d->m.view, i),
				     i == d->self || !p->heard ? -1LL : (long long)(now - p->last_heard_ms),
				     p->config_differs ? "different" : "same");
	}
	if (off < len)
		snprintf(out + off, len - off, "drops forged=%llu replayed=%llu unknown=%llu config_differs=%llu\n",
			 (unsigned long long)d->m.drops.forged, (unsigned long long)d->m.drops.replayed,
			 (unsigned long long)d->m.drops.unknown, (unsigned long long)d->m.drops.config_differs);
}

static void control(struct daemon *d)
{
	char cmd[64] = "", reply[16384];
	struct timeval tv = { .tv_sec = 1 };
	ssize_t n;
	int fd = accept4(d->ctl, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = read(fd, cmd, sizeof(cmd) - 1);
	cmd[n > 0 ? n : 0] = '\0';
	cmd[strcspn(cmd, "\r\n")] = '\0';
	if (!strcmp(cmd, "status")) {
		status_reply(d, reply, sizeof(reply));
	} else if (!strcmp(cmd, "drain") || !strcmp(cmd, "resume")) {
		bool drain = !strcmp(cmd, "drain");
		membership_set_draining(&d->m, drain, now_ms());
		logf_("%s", drain ? "draining: no new connections here, established ones stay" : "resumed");
		send_heartbeats(d, 0);
		reconcile(d, now_ms(), drain ? "after drain" : "after resume");
		snprintf(reply, sizeof(reply), "ok %s\n", cmd);
	} else {
		snprintf(reply, sizeof(reply), "error: unknown command `%s' (status, drain, resume)\n", cmd);
	}
	if (send(fd, reply, strlen(reply), MSG_NOSIGNAL) < 0)
		logf_("control: %s", strerror(errno));
	close(fd);
}

static int alloc_sets(struct daemon *d)
{
	size_t n = d->cfg.buckets;

	free(d->installed), free(d->held), free(d->desired), free(d->next), free(d->owner), free(d->live);
	d->installed = calloc(n, sizeof(bool));
	d->live = calloc(n, sizeof(bool));
	d->held = calloc(n, sizeof(bool));
	d->desired = calloc(n, sizeof(bool));
	d->next = calloc(n, sizeof(bool));
	d->owner = calloc(n, sizeof(int16_t));
	return d->installed && d->held && d->desired && d->next && d->owner && d->live ? 0 : -1;
}

/* The tables must be there; ownership in them is the daemon's: a restart keeps what the
 * kernel has, a first start loads the tables owning nothing. */
static int load_state(struct daemon *d)
{
	char comment[64];
	int ret = nft_table_comment(NFPROTO_INET, comment, sizeof(comment));

	if (ret == 0) {
		ret = apply_node(&d->cfg, d->self, false, false, d->installed, d->held);
		if (ret)
			return ret;
	} else if (ret < 0) {
		logf_("cannot read nftables: %s", strerror(-ret));
		return EXIT_KERNEL;
	}
	nft_set_members(NFPROTO_INET, "owned", d->installed, d->cfg.buckets);
	nft_set_members(NFPROTO_NETDEV, "held", d->held, d->cfg.buckets);
	/* What the kernel owns may be stale (a static apply at boot, a crash): the others may
	 * own it now. Give it all up at once and take back what agreement gives. */
	if (count(d->installed, d->cfg.buckets)) {
		memset(d->next, 0, d->cfg.buckets * sizeof(bool));
		if (update_kernel(d, d->next))
			return EXIT_KERNEL;
		memset(d->installed, 0, d->cfg.buckets * sizeof(bool));
	}
	return 0;
}

static int setup(struct daemon *d)
{
	int ret;

	if (config_load(d->config_path, &d->cfg, stderr))
		return EXIT_CONFIG;
	d->self = apply_identify(&d->cfg, d->opt_node);
	if (d->self < 0)
		return EXIT_CONFIG;
	if (sodium_init() < 0 || load_key(d) || config_digest(d->config_path, d->digest))
		return EXIT_CONFIG;
	if (alloc_sets(d))
		return EXIT_KERNEL;
	if ((ret = load_state(d)))
		return ret;
	if (open_heartbeats(d))
		return EXIT_KERNEL;
	if ((ret = linkwatch_open(&d->watch, d->cfg.interface))) {
		logf_("cannot watch %s over rtnetlink: %s", d->cfg.interface, strerror(-ret));
		return EXIT_KERNEL;
	}
	d->ctl = control_listen(d->run_dir);
	if (d->ctl < 0) {
		logf_("cannot create the control socket in %s: %s", d->run_dir, strerror(-d->ctl));
		return EXIT_KERNEL;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* grows from boot to boot, so a heartbeat of an earlier life is a replay */
	d->incarnation = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	membership_init(&d->m, &d->cfg, d->self, d->digest, now_ms());
	d->had_quorum = true;
	for (int i = 0; i < d->cfg.n_nodes; i++)
		d->was_alive[i] = i == d->self;
	logf_("node %s: %d nodes, heartbeats every %u ms, dead after %u, quorum %s, owns %d of %u buckets",
	      d->cfg.nodes[d->self].name, d->cfg.n_nodes, d->cfg.failover.heartbeat_ms, d->cfg.failover.dead_after,
	      d->cfg.failover.quorum == QUORUM_MAJORITY ? "majority" : "none", count(d->installed, d->cfg.buckets),
	      d->cfg.buckets);
	return 0;
}

/* SIGHUP: read the config again; a bad one is reported and the running one kept. */
static void reload(struct daemon *d)
{
	static struct sv_config fresh;
	struct membership old = d->m;

	notify("RELOADING=1");
	if (config_load(d->config_path, &fresh, stderr)) {
		logf_("reload: the config has errors, keeping the running one");
		notify("READY=1");
		return;
	}
	if (fresh.buckets != d->cfg.buckets || fresh.n_nodes != d->cfg.n_nodes ||
	    memcmp(fresh.nodes, d->cfg.nodes, sizeof(fresh.nodes))) {
		logf_("reload: nodes or buckets changed; restart sharedvipd to take them (keeping the running config)");
		notify("READY=1");
		return;
	}
	d->cfg = fresh;
	config_digest(d->config_path, d->digest);
	membership_init(&d->m, &d->cfg, d->self, d->digest, now_ms());
	memcpy(d->m.peers, old.peers, sizeof(old.peers));
	d->m.started_ms = old.started_ms;
	d->m.drops = old.drops;
	membership_set_draining(&d->m, old.self_draining, now_ms());
	apply_node(&d->cfg, d->self, false, false, d->installed, d->held);
	logf_("reload: config read again");
	reconcile(d, now_ms(), "after reload");
	notify("READY=1");
}

/* Stop: give every bucket up (established connections stay, as held), then tell the
 * others, who take over at once instead of waiting for the dead timer. */
static void leave(struct daemon *d)
{
	notify("STOPPING=1");
	d->stopping = true;
	reconcile(d, now_ms(), "leaving");
	for (int i = 0; i < 3; i++)
		send_heartbeats(d, HB_LEAVING);
	logf_("left the cluster");
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM), sigaddset(&set, SIGINT), sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else
			d->stopping = true;
	}
}

/* Something else removed an address or a route, or raised the link again (a network
 * manager reconfiguring, an admin): once it has settled, put back what the config asks
 * for. A link left down is left to whoever took it down (ifdown, say). */
static void link_changed(struct daemon *d, int64_t now)
{
	if (!linkwatch_read(&d->watch))
		return;
	if (!d->reapply_ms)
		d->reapply_why = d->watch.why;
	d->reapply_ms = now + SETTLE_MS;
}

static void reapply(struct daemon *d)
{
	int ret;

	d->reapply_ms = 0;
	if (!d->watch.ifindex || !d->watch.up)
		return;
	ret = apply_node(&d->cfg, d->self, false, false, d->installed, d->held);
	logf_("%s: %s: %s", d->cfg.interface, d->reapply_why,
	      ret ? "applying the config again failed" : "applied the config again");
}

static void loop(struct daemon *d)
{
	struct pollfd fds[6] = { { d->udp[0], POLLIN, 0 },
				 { d->udp[1], POLLIN, 0 },
				 { d->ctl, POLLIN, 0 },
				 { d->sig, POLLIN, 0 },
				 { linkwatch_fd(&d->watch), POLLIN, 0 },
				 { -1, POLLIN, 0 } };

	send_heartbeats(d, 0);
	while (!d->stopping) {
		int64_t now = now_ms(), wait = d->next_hb_ms - now, death = membership_next_death(&d->m);
		if (death != INT64_MAX && death + 1 - now < wait)
			wait = death + 1 - now; /* notice a death when it is due, not at the next heartbeat */
		if (d->pending && wait > 10)
			wait = 10; /* an acquisition waits for agreement or the hold-down */
		if (d->reapply_ms && d->reapply_ms - now < wait)
			wait = d->reapply_ms - now;
		fds[5].fd = ct_dump_fd(&d->ct);
		if (fds[5].fd < 0 && d->next_prune_ms - now < wait)
			wait = d->next_prune_ms - now;
		if (wait < 0)
			wait = 0;
		poll(fds, 6, (int)wait);
		for (int i = 0; i < 2; i++)
			if (fds[i].revents & POLLIN)
				receive(d, fds[i].fd);
		if (fds[2].revents & POLLIN)
			control(d);
		if (fds[3].revents & POLLIN)
			on_signal(d);
		now = now_ms();
		if (fds[4].revents & POLLIN)
			link_changed(d, now);
		if (d->reapply_ms && now >= d->reapply_ms)
			reapply(d);
		if (fds[5].fd >= 0 && (fds[5].revents & (POLLIN | POLLERR)))
			prune_continue(d);
		else if (fds[5].fd < 0 && now >= d->next_prune_ms)
			prune_start(d, now);
		if (membership_tick(&d->m, now)) {
			note_membership(d, now);
			send_heartbeats(d, 0);
			reconcile(d, now, "after a death");
		} else if (d->pending || now - d->m.started_ms < 5000) {
			reconcile(d, now, "after the hold-down");
		}
		if (now >= d->next_hb_ms)
			send_heartbeats(d, 0);
		if (d->watchdog_ms && now >= d->next_watchdog_ms) {
			notify("WATCHDOG=1");
			d->next_watchdog_ms = now + d->watchdog_ms / 2;
		}
	}
}

int daemon_run(const char *config_path, const char *opt_node, const char *run_dir)
{
	static struct daemon d;
	int ret;

	d.config_path = config_path;
	d.opt_node = opt_node;
	d.run_dir = run_dir;
	signal(SIGPIPE, SIG_IGN); /* a control client that goes away must not kill the daemon */
	d.sig = open_signals();
	if ((ret = setup(&d)))
		return ret;
	d.watchdog_ms = notify_watchdog_ms();
	notify("READY=1");
	loop(&d);
	leave(&d);
	linkwatch_close(&d.watch);
	ct_dump_close(&d.ct);
	close(d.ctl);
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];
	snprintf(path, sizeof(path), "%s/control", run_dir);
	unlink(path);
	return 0;
}
