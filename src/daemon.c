// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */

/*
 * sharedvipd: a heartbeat broadcast on the LAN every heartbeat_ms, membership
 * from the authenticated heartbeats heard, and ownership of the buckets computed from the
 * config and the alive set. The event loop only wires: membership.c and ownership.c decide,
 * nft.c executes. A bucket is released at once and acquired only when every peer this node
 * hears reports the same view (so its previous owner has released it); the hold-down is
 * for peers never heard. Ownership lives in the nftables sets only, leased: new connections
 * are taken only while the lease set's one element lives, renewed right after each
 * heartbeat, so a hung or killed daemon's kernel stops taking them before its peers take
 * its buckets over.
 */
#include "daemon.h"
#include "corosync.h"
#include "renewer.h"
#include "identity.h"

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
#include <arpa/inet.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "assign.h"
#include "conntrack.h"
#include "control.h"
#include "child.h"
#include "common.h"
#include "ctlproto.h"
#include "events.h"
#include "journal.h"
#include "metrics.h"
#include "linkwatch.h"
#include "membership.h"
#include "nft.h"
#include "notify.h"
#include "ownership.h"
#include "health.h"
#include "sockdiag.h"

#define STATIC_MODE 100 /* setup's word for "nothing to do": exit 0 */
/* After something else changed the link, apply again once it has been quiet this long: a
 * network manager reconfigures in bursts, and ifup fails on a route already there, so it
 * must have finished raising the link before sharedvip adds anything. */
#define SETTLE_MS 1000
/* How often the buckets this node still holds are checked for connections left in them */
#define PRUNE_MS 5000
/* A re-apply that failed is tried again, after 1 s, then twice as long each time up to this */
#define REAPPLY_MAX_MS	30000
#define REAPPLY_BUSY_MS 200 /* an address or route table busy changing */
/* Drop reports, at most one line per cause (and per peer) every 10 s, with the count. */
#define DROP_LOG_MS 10000
struct drop_log {
	int64_t last_ms;
	unsigned long long since;
};

/* How long a notify command may run before it is killed */
#define NOTIFY_TIMEOUT_MS 10000

/* Metrics clients served at once, and how long one may take to ask and to read the answer */
#define HTTP_CLIENTS	8
#define HTTP_TIMEOUT_MS 2000

struct http_client {
	int fd; /* -1: a free slot */
	int64_t deadline_ms;
	char req[2048];
	size_t len;
	struct strbuf out; /* the answer, while it is being written */
	size_t sent;
};

/* Control clients served at once, and how long one may take to send its command */
#define CTL_CLIENTS    8
#define CTL_TIMEOUT_MS 1000

struct ctl_client {
	int fd; /* -1: a free slot */
	int64_t deadline_ms;
	char buf[128];
	size_t len;
};

struct key {
	uint8_t bytes[4096];
	size_t len; /* 0: none */
};

struct daemon {
	struct sv_config cfg;
	const char *config_path, *run_dir, *opt_node, *state_dir;
	int self;
	struct key key, accept;		    /* the key that signs; one also accepted during a rotation */
	uint8_t node_secret[HB_SECRET_LEN]; /* with per-node keys: this node's Ed25519 key */
	bool signs;
	uint8_t digest[HB_DIGEST_LEN];
	struct membership m;
	struct ownership own;
	uint8_t announced[HB_VIEW_BYTES]; /* the view the kernel is in step with: what heartbeats say */
	bool *live, *scratch;		  /* the conntrack dump's answer; a bucket set to compute in */
	int udp[2], ctl, sig, lock_fd;
	struct ctl_client clients[CTL_CLIENTS];
	struct drop_log forged_log, unknown_log, replay_log[SV_MAX_NODES], address_log[SV_MAX_NODES];
	struct drop_log unsigned_log[SV_MAX_NODES], unproven_log[SV_MAX_NODES], send_log;
	unsigned unproven_run[SV_MAX_NODES]; /* unproven heartbeats in a row, per peer */
	int http;
	struct http_client http_clients[HTTP_CLIENTS];
	struct health health;
	int64_t next_check_ms, check_deadline_ms;
	pid_t check_pid; /* the health command running now, 0: none */
	bool check_killed, listen_ok, logged_fail_open;
	unsigned long long ownership_changes;
	struct event_queue events;
	pid_t notify_pid; /* the notify command running now, 0: none */
	int64_t notify_deadline_ms;
	char listen_why[128];
	struct sv_addr source[2]; /* this node's own address heartbeats leave from, per family */
	unsigned long long send_errors;
	uint64_t incarnation, seq;
	int64_t hb_read_ms; /* the heartbeat sockets are not polled before (they gather) */
	int64_t last_hb_ms, next_hb_ms, next_watchdog_ms, watchdog_ms, last_renew_log_ms;
	bool stopping, pending, had_quorum, logged_differs[SV_MAX_NODES], was_alive[SV_MAX_NODES];
	struct linkwatch watch;
	int64_t reapply_ms;	    /* 0: nothing to put back */
	int64_t reapply_backoff_ms; /* after a failed re-apply: how long until the next try */
	bool reapply_busy;	    /* the last re-apply found the tables changing under its dumps */
	struct ct_dump ct;
	int64_t next_prune_ms;
	bool ct_stale; /* ownership changed while the dump ran: its answer may miss a connection */
	const char *reapply_why;
	/* membership = corosync: the process group, each node's corosync node id (0: not in
	 * corosync's node list), and when to try again after corosync went away */
	bool corosync, cs_waiting; /* cs_waiting: corosync unreachable, said once */
	struct cs_group cs;
	uint32_t cs_nodeid[SV_MAX_NODES];
	int64_t cs_retry_ms;
	struct renewer renewer;
	bool renewal_late; /* the last renewal took longer than the margin allows */
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	/* SHAREDVIP_LOG_TIMESTAMPS: each line starts with the wall clock in microseconds, for
	 * measuring takeovers from the daemons' own account (bench/failover) */
	static int stamps = -1;
	va_list va;

	if (stamps < 0)
		stamps = getenv("SHAREDVIP_LOG_TIMESTAMPS") != NULL;
	if (stamps) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "%lld.%06ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	}
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
/* A key file: a regular file of root's (or this daemon's), nobody else's to read, 16 to
 * 4096 bytes. 0, or -1 after saying what is wrong. */
static int read_key(const char *path, struct key *k)
{
	struct stat st;
	ssize_t n;
	/* O_NONBLOCK: a FIFO put there must not hang the daemon in open() */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		logf_("cannot read key_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		logf_("key_file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		logf_("key_file %s belongs to uid %u, neither root nor this daemon: chown root %s", path,
		      (unsigned)st.st_uid, path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		logf_("key_file %s is open to group or others (mode %04o): chmod 600 %s", path, st.st_mode & 07777,
		      path);
		close(fd);
		return -1;
	}
	if (st.st_size > (off_t)sizeof(k->bytes)) {
		logf_("key_file %s holds %lld bytes, more than %zu: not a key (make one: head -c 32 /dev/urandom > %s)",
		      path, (long long)st.st_size, sizeof(k->bytes), path);
		close(fd);
		return -1;
	}
	n = read(fd, k->bytes, sizeof(k->bytes));
	close(fd);
	if (n < HB_KEY_MIN) {
		logf_("key_file %s holds %zd bytes, fewer than %d (make one: head -c 32 /dev/urandom > %s)", path,
		      n < 0 ? 0 : n, HB_KEY_MIN, path);
		return -1;
	}
	k->len = (size_t)n;
	return 0;
}

/* node_key_file: this node's own Ed25519 key, as `sharedvipctl genkey' writes it (base64),
 * checked like the shared key and against this node's public_key in the config. */
static int read_node_key(const struct sv_config *cfg, int self, uint8_t secret[HB_SECRET_LEN])
{
	const char *path = cfg->failover.node_key_file;
	const struct sv_node *me = &cfg->nodes[self];
	struct key k;
	uint8_t seed[32], public[HB_PUBLIC_LEN];
	char b64[64];

	if (read_key(path, &k))
		return -1;
	k.bytes[k.len < sizeof(k.bytes) ? k.len : sizeof(k.bytes) - 1] = '\0';
	if (base64_decode32((const char *)k.bytes, seed)) {
		logf_("node_key_file %s is not a key written by `sharedvipctl genkey' (44 characters of base64)", path);
		sodium_memzero(&k, sizeof(k));
		return -1;
	}
	crypto_sign_seed_keypair(public, secret, seed);
	sodium_memzero(seed, sizeof(seed)), sodium_memzero(&k, sizeof(k));
	for (int i = 0; i < me->n_public_keys; i++)
		if (!memcmp(me->public_keys[i], public, HB_PUBLIC_LEN))
			return 0;
	sodium_bin2base64(b64, sizeof(b64), public, HB_PUBLIC_LEN, sodium_base64_VARIANT_ORIGINAL);
	logf_("node_key_file %s is not node %s's key: its public key is %s, which is not a public_key of [node %s]",
	      path, me->name, b64, me->name);
	return -1;
}

/* key_file signs and is accepted; KEY_FILE.accept, while it exists (a rotation), is
 * accepted too, never used to sign. Both read anew at reload: all or nothing. Rotating:
 * on every node put the new key in KEY_FILE.accept and reload; then on every node swap
 * the two files and reload; then remove KEY_FILE.accept and reload. At every step each
 * node verifies every other's heartbeats, and the config stays the same everywhere. */
static int load_keys(struct daemon *d, const struct sv_config *cfg)
{
	struct key sign, accept = { 0 };
	char path[sizeof(cfg->failover.key_file) + 8];
	uint8_t secret[HB_SECRET_LEN];

	snprintf(path, sizeof(path), "%s.accept", cfg->failover.key_file);
	/* corosync authenticates its own traffic (its crypto_* settings): a key is optional */
	if (cfg->failover.membership == MEMBERSHIP_COROSYNC && access(cfg->failover.key_file, F_OK))
		sign = (struct key){ .len = HB_KEY_MIN };
	else if (read_key(cfg->failover.key_file, &sign))
		return -1;
	if (!access(path, F_OK) && read_key(path, &accept))
		return -1;
	if (cfg->failover.node_key_file[0] && read_node_key(cfg, d->self, secret))
		return -1;
	d->key = sign;
	d->accept = accept;
	d->signs = cfg->failover.node_key_file[0] != '\0';
	memcpy(d->node_secret, secret, sizeof(secret));
	sodium_memzero(secret, sizeof(secret));
	return 0;
}

static int decode(const struct daemon *d, const uint8_t *msg, size_t len, struct heartbeat *hb)
{
	if (!hb_decode(msg, len, d->key.bytes, d->key.len, hb))
		return 0;
	return d->accept.len ? hb_decode(msg, len, d->accept.bytes, d->accept.len, hb) : -1;
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

/* A wildcard socket on the heartbeat port: it hears the broadcasts (IPv4) and the
 * all-nodes multicasts (IPv6) of every node. No SO_REUSEADDR: a second daemon on this
 * node must not share the port. */
static int open_udp(struct daemon *d, int family)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int zero = 0, one = 1, rcvbuf = 1 << 20, fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET, sin->sin_port = htons(d->cfg.failover.port);
		len = sizeof(*sin);
		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6, sin6->sin6_port = htons(d->cfg.failover.port);
		len = sizeof(*sin6);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero));
	}
	/* room for a few intervals of every node's heartbeats, whatever rmem_max says */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		logf_("cannot bind the heartbeat socket to %s port %u: %s%s", family == AF_INET ? "0.0.0.0" : "[::]",
		      d->cfg.failover.port, strerror(errno),
		      errno == EADDRINUSE ? " (another sharedvipd runs on this node?)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

/* Heartbeats go to every node at once: one datagram per family to the IPv4 limited
 * broadcast and the IPv6 all-nodes group ff02::1, sent from this node's own address. All
 * nodes share one MAC, so a unicast to one peer reaches every one of them anyway; one
 * broadcast per node per interval makes each node's receive work grow linearly with the
 * cluster instead of N(N-1) datagrams each seen by all N. Neither destination is a group
 * an IGMP or MLD snooping switch prunes, and neither needs ARP or neighbour entries. */
static int open_heartbeats(struct daemon *d)
{
	const struct sv_node *me = &d->cfg.nodes[d->self];

	d->udp[0] = d->udp[1] = -1;
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;
		for (int a = 0; a < me->n_addrs; a++)
			if (me->addrs[a].family == family) {
				d->source[f] = me->addrs[a];
				if ((d->udp[f] = open_udp(d, family)) < 0)
					return -1;
				break;
			}
	}
	if (d->udp[0] < 0 && d->udp[1] < 0) {
		logf_("node %s has no address to send heartbeats from", me->name);
		return -1;
	}
	return 0;
}

static void log_drop(struct drop_log *l, int64_t now, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One datagram to every node on the link, from this node's own address of that family. */
static void broadcast(struct daemon *d, int f, const uint8_t *msg, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(d->cfg.failover.port),
				   .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(d->cfg.failover.port),
				     .sin6_scope_id = (uint32_t)d->watch.ifindex };
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf };
	struct cmsghdr *cm = (struct cmsghdr *)control.buf;

	if (!f) {
		struct in_pktinfo pi = { .ipi_spec_dst = d->source[0].v4 };
		mh.msg_name = &sin, mh.msg_namelen = sizeof(sin);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IP, cm->cmsg_type = IP_PKTINFO, cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr = d->source[1].v6, .ipi6_ifindex = (unsigned)d->watch.ifindex };
		inet_pton(AF_INET6, "ff02::1", &sin6.sin6_addr);
		mh.msg_name = &sin6, mh.msg_namelen = sizeof(sin6);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IPV6, cm->cmsg_type = IPV6_PKTINFO, cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	if (sendmsg(d->udp[f], &mh, 0) < 0) {
		int err = errno;
		d->send_errors++;
		log_drop(&d->send_log, now_ms(), "heartbeats this node could not send over %s: %s (%llu so far)",
			 f ? "IPv6" : "IPv4", strerror(err), d->send_errors);
	}
}

static void stalled(struct daemon *d, int64_t now);
static void start_over(struct daemon *d, int64_t now);

static bool any_peer_alive(const struct daemon *d)
{
	for (int i = 0; i < d->cfg.n_nodes; i++)
		if (i != d->self && d->m.peers[i].alive)
			return true;
	return false;
}
static int update_kernel(struct daemon *d);

/* The lease, renewed right after each heartbeat is sent (sent_ms): the peers count this
 * node dead dead_after heartbeats and a quarter after the last one they heard, and the
 * renewed element times out a margin before that (ownership_lease_ms), counted from the
 * heartbeat: a renewal that starts late (the machine loaded) gets a shorter lease, ending
 * where a prompt one would have, never later. The commit runs in the renewal thread, so a
 * transaction the kernel holds for 20 ms never holds up the next heartbeat; the result
 * comes back through renewed(). */
static void renew_lease(struct daemon *d, int64_t sent_ms)
{
	if (!buckets_count(d->own.installed, d->cfg.buckets)) {
		ownership_renewed(&d->own, sent_ms);
		return;
	}
	renewer_ask(&d->renewer, d->cfg.interface, sent_ms, ownership_lease_ms(&d->cfg));
}

/* A renewal's result. A commit that took longer than the margin allows (the daemon was
 * preempted or stopped in the system call) may have set a lease that outlasts the peers'
 * patience: it is committed again at once with what is left, and if that one is slow too,
 * the buckets are given up and the node starts over. One the kernel refuses loses the
 * buckets (the lease runs out): they are taken again through agreement. One that could not
 * begin before the lease ran out changes nothing: the kernel takes no new connection
 * until the next renewal lands, a heartbeat later. */
static void renewed(struct daemon *d)
{
	struct renewal r;
	int64_t now = now_ms();

	if (!renewer_result(&d->renewer, &r) || r.ret == -ETIME)
		return;
	/* a slow commit matters only where a peer may take over: alone, nobody does (and a
	 * slow machine, a VM under emulation, commits slowly every time) */
	if (!r.ret && ownership_renewal_late(&d->cfg, r.ended_ms - r.began_ms) && any_peer_alive(d)) {
		if (!d->renewal_late) {
			d->renewal_late = true;
			renewer_ask(&d->renewer, d->cfg.interface, r.sent_ms, ownership_lease_ms(&d->cfg));
			return;
		}
		logf_("the lease renewal's commit took %lld ms, twice: giving the buckets up and starting over",
		      (long long)(r.ended_ms - r.began_ms));
		d->renewal_late = false;
		memset(d->own.next, 0, d->cfg.buckets * sizeof(bool));
		update_kernel(d);
		start_over(d, now);
		return;
	}
	d->renewal_late = false;
	if (r.ret) {
		if (now - d->last_renew_log_ms > 1000)
			logf_("nftables refused the lease renewal at \"%s\": %s; its buckets run out", r.what,
			      strerror(-r.ret));
		d->last_renew_log_ms = now;
		memset(d->own.next, 0, d->cfg.buckets * sizeof(bool));
		ownership_committed(&d->own);
		d->pending = true;
		return;
	}
	if (r.sent_ms + ownership_lease_ms(&d->cfg) > d->own.lease_until)
		ownership_renewed(&d->own, r.sent_ms);
}

/* Each heartbeat goes out as two copies, each with its own sequence number: one lost
 * packet is then never a missed heartbeat (20 % random loss becomes 4 %). It carries the
 * announced view: the one the kernel's ownership is in step with. */
static void send_heartbeats(struct daemon *d, uint8_t flags)
{
	static struct heartbeat hb;
	uint8_t msg[HB_MAX_LEN];
	bool taken = true;
	int64_t sent;

	hb.flags = flags, hb.node = (uint16_t)d->self, hb.incarnation = d->incarnation;
	if (d->m.self_draining)
		hb.flags |= HB_DRAINING;
	if (d->m.self_unhealthy)
		hb.flags |= HB_UNHEALTHY;
	memcpy(hb.digest, d->digest, HB_DIGEST_LEN);
	memcpy(hb.view, d->announced, HB_VIEW_BYTES);
	membership_echo(&d->m, &hb);
	/* corosync delivers each message to every member or tells them the sender left: one
	 * copy is enough there */
	for (int copy = 0; copy < (d->corosync ? 1 : 2); copy++) {
		hb.seq = ++d->seq;
		size_t len = hb_encode(&hb, d->key.bytes, d->key.len, d->signs ? d->node_secret : NULL, msg);
		if (d->corosync && d->cs.cpg && cs_send(&d->cs, msg, len)) {
			taken = false;
			d->send_errors++;
			log_drop(&d->send_log, now_ms(), "heartbeats corosync did not take (%llu so far)",
				 d->send_errors);
		}
		for (int f = 0; f < 2; f++)
			if (d->udp[f] >= 0)
				broadcast(d, f, msg, len);
	}
	sent = now_ms();
	d->next_hb_ms = sent + d->cfg.failover.heartbeat_ms;
	/* one corosync did not take is no heartbeat: the members call a node dead whose
	 * heartbeats stop while theirs flow, so no lease outlives it (a node that cannot send
	 * for a dead timer stalls, and starts over) */
	if (!taken)
		return;
	d->last_hb_ms = sent;
	if (!(flags & HB_LEAVING))
		renew_lease(d, sent);
}

/* A change the peers wait for (they acquire on agreement): a heartbeat now, but at most one
 * every eighth of an interval, so that a burst of changes coalesces (64 nodes starting:
 * every join is a change on every node, and each would otherwise broadcast once per join). */
#define HB_COALESCE_DIV 8
static void tell_peers(struct daemon *d, int64_t now)
{
	int64_t soonest = d->last_hb_ms + d->cfg.failover.heartbeat_ms / HB_COALESCE_DIV;

	if (now >= soonest)
		send_heartbeats(d, 0);
	else if (soonest < d->next_hb_ms)
		d->next_hb_ms = soonest;
}

/* An event: one structured line to the journal, and a turn of the notify command. */
static void emit(struct daemon *d, enum sv_event type, int peer)
{
	struct event e = { .type = type, .owned = buckets_count(d->own.installed, d->cfg.buckets) };

	if (peer >= 0)
		snprintf(e.peer, sizeof(e.peer), "%s", d->cfg.nodes[peer].name);
	journal_event(&e, d->cfg.nodes[d->self].name);
	if (d->cfg.failover.notify[0])
		event_push(&d->events, &e);
}

/* The notify command, one event at a time in order, each killed after NOTIFY_TIMEOUT_MS:
 * a slow command delays other events, never heartbeats or ownership. */
static void notify_next(struct daemon *d, int64_t now)
{
	char env[4][SV_MAX_NAME + 32], *envp[5] = { env[0], env[1], env[2], env[3], NULL };
	struct event e;

	if (d->notify_pid) {
		if (now >= d->notify_deadline_ms)
			kill(-d->notify_pid, SIGKILL);
		return;
	}
	if (!event_pop(&d->events, &e))
		return;
	snprintf(env[0], sizeof(env[0]), "SHAREDVIP_EVENT=%s", event_types[e.type].name);
	snprintf(env[1], sizeof(env[1]), "SHAREDVIP_NODE=%s", d->cfg.nodes[d->self].name);
	snprintf(env[2], sizeof(env[2]), "SHAREDVIP_PEER=%s", e.peer);
	snprintf(env[3], sizeof(env[3]), "SHAREDVIP_OWNED=%d", e.owned);
	d->notify_pid = child_spawn(d->cfg.failover.notify, envp);
	if (d->notify_pid < 0) {
		logf_("cannot run the notify command: %s", strerror((int)-d->notify_pid));
		d->notify_pid = 0;
	}
	d->notify_deadline_ms = now + NOTIFY_TIMEOUT_MS;
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
		else if (p->silent)
			snprintf(why, sizeof(why), "%s hangs (no heartbeat for %lld ms while corosync delivered ours)",
				 d->cfg.nodes[i].name, (long long)(now - p->last_heard_ms));
		else if (now - p->last_heard_ms <= (int64_t)d->cfg.failover.heartbeat_ms * d->cfg.failover.dead_after)
			snprintf(why, sizeof(why), "%s left", d->cfg.nodes[i].name);
		else {
			snprintf(why, sizeof(why), "%s is dead (no heartbeat for %lld ms)", d->cfg.nodes[i].name,
				 (long long)(now - p->last_heard_ms));
			lost++;
		}
		d->was_alive[i] = p->alive;
		log_members(d, why);
		emit(d, p->alive ? EV_MEMBER_UP : EV_MEMBER_DOWN, i);
	}
	for (int i = 0; i < d->cfg.n_nodes; i++)
		before += i != d->self && d->was_alive[i];
	if (lost > 1 || (lost && 2 * lost >= before + lost))
		logf_("SPLIT SUSPECTED: %d nodes went silent at once; quorum = %s: %s", lost,
		      d->cfg.failover.quorum == QUORUM_MAJORITY ? "majority" : "none",
		      d->cfg.failover.quorum == QUORUM_MAJORITY ? "only a group with more than half the weight serves"
								: "this group serves their buckets too");
}

/* What is left of the lease now: acquired buckets run out with the others. */
static int64_t lease_left(const struct daemon *d)
{
	int64_t left = d->own.lease_until - now_ms();

	return d->own.lease_until && left > 0 ? left : ownership_lease_ms(&d->cfg);
}

/* The kernel's owned sets become owned, its held set held: one transaction. Never with
 * ownership once the lease has run out (the loop notices and starts over). */
static int commit_sets(struct daemon *d, const bool *owned, const bool *held)
{
	char what[160];
	int ret;

	if (d->own.lease_until && now_ms() >= d->own.lease_until && buckets_count(owned, d->cfg.buckets))
		return -ETIME;
	ret = nft_set_buckets(owned, held, d->cfg.buckets, config_has_vip_family(&d->cfg, AF_INET), d->cfg.interface,
			      lease_left(d), what, sizeof(what));

	if (ret)
		logf_("nftables refused the ownership update at \"%s\": %s", what, strerror(-ret));
	return ret;
}

/* The kernel gets own.next; what it gives away stays held. */
static int update_kernel(struct daemon *d)
{
	int ret;

	memcpy(d->scratch, d->own.held, d->cfg.buckets * sizeof(bool));
	held_after(d->scratch, d->own.installed, d->own.next, d->cfg.buckets);
	d->ct_stale = true;
	ret = commit_sets(d, d->own.next, d->scratch);
	if (!ret)
		ownership_committed(&d->own);
	return ret;
}

/* A bucket given away stays held while this node has connections in it; once the last is
 * gone, its packets are dropped at ingress again. The dump runs a piece at a time in the
 * loop; if ownership changed meanwhile, a connection may have come and its answer is
 * thrown away. */
static void prune_start(struct daemon *d, int64_t now)
{
	int ret;

	d->next_prune_ms = now + PRUNE_MS;
	if (!buckets_count(d->own.held, d->cfg.buckets))
		return;
	d->ct_stale = false;
	if ((ret = ct_dump_start(&d->ct, &d->cfg, d->live)))
		logf_("cannot read the connection tracking table: %s", strerror(-ret));
}

static void prune_continue(struct daemon *d)
{
	int ret = ct_dump_continue(&d->ct), freed;

	if (ret <= 0 || d->ct_stale)
		return;
	memcpy(d->scratch, d->own.held, d->cfg.buckets * sizeof(bool));
	freed = held_release_idle(d->scratch, d->live, d->cfg.buckets);
	if (!freed || commit_sets(d, d->own.installed, d->scratch))
		return; /* the kernel keeps the old set, and so do we */
	memcpy(d->own.held, d->scratch, d->cfg.buckets * sizeof(bool));
	logf_("held: %d buckets have no connection here any more, %d still held", freed,
	      buckets_count(d->own.held, d->cfg.buckets));
}

static void note_fail_open(struct daemon *d);

/* Whether a group without quorum stops taking new connections: quorum = majority, and
 * always with corosync (votequorum decides, as it does for the rest of the cluster). */
static bool quorum_rules(const struct daemon *d)
{
	return d->corosync || d->cfg.failover.quorum == QUORUM_MAJORITY;
}

/* Release at once; acquire only when it is safe (membership_may_acquire). The heartbeats
 * announce the new view only once the kernel has let go of what it no longer owns. */
static void reconcile(struct daemon *d, int64_t now, const char *reason)
{
	bool eligible[SV_MAX_NODES], quorum = membership_has_quorum(&d->m), serve;
	enum acquire_rule rule = membership_may_acquire(&d->m, now);
	struct own_step st;

	if (quorum_rules(d) && quorum != d->had_quorum) {
		logf_("quorum %s: %s", quorum ? "regained" : "LOST",
		      quorum	    ? "taking new connections again"
		      : d->corosync ? "no new connections until votequorum says the group is quorate"
				    : "no new connections until more than half the weight is back");
		emit(d, quorum ? EV_QUORUM_REGAINED : EV_QUORUM_LOST, -1);
	}
	d->had_quorum = quorum;
	note_fail_open(d);
	membership_eligible(&d->m, eligible);
	/* without a link (or corosync) it can neither serve nor hear whether others took over */
	serve = (!quorum_rules(d) || !membership_quorum_lost(&d->m)) && !d->stopping && d->watch.running &&
		(!d->corosync || d->cs.cpg);
	if (ownership_step(&d->own, eligible, serve, rule, &st)) {
		logf_("cannot compute the assignment: %s", strerror(ENOMEM));
		return;
	}
	d->pending = st.pending;
	if (st.added || st.removed) {
		if (update_kernel(d))
			return; /* the view stays unannounced: nobody takes what the kernel still owns */
		d->ownership_changes++;
		emit(d, EV_OWNED, -1);
		logf_("ownership: %d buckets (+%d -%d) %s%s%s", buckets_count(d->own.installed, d->cfg.buckets),
		      st.added, st.removed, reason, st.added ? ", acquired " : "",
		      st.added ? acquire_rule_name(rule) : "");
		notify_status("owns %d of %u buckets", buckets_count(d->own.installed, d->cfg.buckets), d->cfg.buckets);
	}
	memcpy(d->announced, d->m.view, HB_VIEW_BYTES);
}

static void log_drop(struct drop_log *l, int64_t now, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void log_drop(struct drop_log *l, int64_t now, const char *fmt, ...)
{
	char what[256];
	va_list va;

	l->since++;
	if (l->last_ms && now - l->last_ms < DROP_LOG_MS)
		return;
	va_start(va, fmt);
	vsnprintf(what, sizeof(what), fmt, va);
	va_end(va);
	logf_("dropped %llu %s%s", l->since, what, l->last_ms ? " in the last 10 s" : "");
	l->last_ms = now, l->since = 0;
}

static bool from_node(const struct daemon *d, int node, const struct sockaddr_storage *ss)
{
	struct sv_addr a = { .family = ss->ss_family };

	if (ss->ss_family == AF_INET)
		a.v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		a.v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		return false;
	return config_node_has_addr(&d->cfg, node, &a);
}

/* One authentic heartbeat that came from its node's address. */
static bool heard(struct daemon *d, const struct heartbeat *hb, int64_t now)
{
	bool changed;
	enum hb_verdict v = membership_receive(&d->m, hb, now, &changed);
	const char *name = hb->node < d->cfg.n_nodes ? d->cfg.nodes[hb->node].name : "?";

	if (v == HB_REPLAYED)
		log_drop(&d->replay_log[hb->node], now, "replayed heartbeats of node %s (%llu so far)", name,
			 (unsigned long long)d->m.drops.replayed);
	/* a peer needs a heartbeat or two to echo this start: only more than that is news */
	if (v == HB_UNPROVEN && ++d->unproven_run[hb->node] > 2 * d->cfg.failover.dead_after)
		log_drop(&d->unproven_log[hb->node], now,
			 "heartbeats of node %s that do not echo this node's start (recorded, or it does not hear "
			 "this node; %llu so far)",
			 name, (unsigned long long)d->m.drops.unproven);
	if (v == HB_ACCEPTED || v == HB_OTHER_CONFIG)
		d->unproven_run[hb->node] = 0;
	if (v == HB_UNKNOWN_NODE)
		log_drop(&d->unknown_log, now, "heartbeats naming no other node (%llu so far)",
			 (unsigned long long)d->m.drops.unknown);
	if (v == HB_ACCEPTED || v == HB_OTHER_CONFIG) {
		bool differs = v == HB_OTHER_CONFIG;
		if (differs != d->logged_differs[hb->node])
			logf_("%s: node %s runs %s config (its buckets stay its own)",
			      differs ? "CONFIG MISMATCH" : "config agreement", name,
			      differs ? "a DIFFERENT" : "the same");
		if (differs && !d->logged_differs[hb->node])
			emit(d, EV_CONFIG_DIFFERS, hb->node);
		d->logged_differs[hb->node] = differs;
	}
	return changed;
}

/* After the heartbeat sockets were drained, they are read again a twentieth of an interval
 * later at the earliest (5 ms at the default 100): later than a heartbeat's arrival only
 * makes a peer's last heartbeat look later, so it is called dead later, never sooner. */
#define HB_GATHER_DIV 20

/* At most RECV_BATCH datagrams a wake-up: a flood faster than the daemon never starves
 * its heartbeats, its timers or the watchdog (the rest waits in the socket). */
#define RECV_BATCH 64

/* With per-node keys, a key holder signs only as itself: the heartbeat must carry a valid
 * signature by one of its node's public keys. */
static bool signed_by_node(const struct daemon *d, const struct heartbeat *hb, const uint8_t *msg, size_t len)
{
	const struct sv_node *n = &d->cfg.nodes[hb->node];

	for (int i = 0; d->signs && i < n->n_public_keys; i++)
		if (hb_signed_by(msg, len, n->public_keys[i]))
			return true;
	return !d->signs;
}

/* An authentic datagram, checked against the node it names: false (counted, logged) when
 * it does not come from that node's address or, with per-node keys, is not its signature. */
static bool from_named_node(struct daemon *d, const struct heartbeat *hb, const uint8_t *msg, size_t len,
			    const struct sockaddr_storage *from, int64_t now)
{
	if (hb->node >= d->cfg.n_nodes || hb->node == d->self)
		return true; /* membership counts it as naming no other node */
	/* a key holder speaks only for itself: a heartbeat counts from its node's address */
	if (!from_node(d, hb->node, from)) {
		d->m.drops.wrong_address++;
		log_drop(&d->address_log[hb->node], now, "heartbeats naming node %s from another address (%llu so far)",
			 d->cfg.nodes[hb->node].name, (unsigned long long)d->m.drops.wrong_address);
		return false;
	}
	if (!signed_by_node(d, hb, msg, len)) {
		d->m.drops.forged++;
		log_drop(&d->unsigned_log[hb->node], now,
			 "heartbeats naming node %s not signed by its key (%llu so far)", d->cfg.nodes[hb->node].name,
			 (unsigned long long)d->m.drops.forged);
		return false;
	}
	return true;
}

static void receive(struct daemon *d, int fd)
{
	static uint8_t buf[HB_MAX_LEN + 1];
	static struct heartbeat hb;
	struct sockaddr_storage from;
	bool any = false;
	int64_t now = now_ms();

	int k;

	for (k = 0; k < RECV_BATCH; k++) {
		socklen_t len = sizeof(from);
		ssize_t n;
		if ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len)) < 0)
			break;
		/* a broadcast comes back to its sender: not a heartbeat to hear */
		if (from_node(d, d->self, &from))
			continue;
		if (decode(d, buf, (size_t)n, &hb)) {
			d->m.drops.forged++;
			log_drop(&d->forged_log, now, "heartbeats that are not authentic (%llu so far)",
				 (unsigned long long)d->m.drops.forged);
			continue;
		}
		if (from_named_node(d, &hb, buf, (size_t)n, &from, now))
			any |= heard(d, &hb, now);
	}
	/* drained: let the next heartbeats gather a moment, so that one wake-up reads several
	 * (every node's, twice an interval, is a datagram every 0.8 ms at 64 nodes: woken
	 * for each, the cluster spends its time switching tasks) */
	if (k < RECV_BATCH)
		d->hb_read_ms = now + d->cfg.failover.heartbeat_ms / HB_GATHER_DIV;
	if (any) {
		note_membership(d, now);
		reconcile(d, now, "after a membership change");
		tell_peers(d, now); /* they wait for agreement */
	} else if (d->pending) {
		reconcile(d, now, "after agreement");
	}
}

/* membership = corosync: the heartbeats travel in corosync's process group instead of the
 * LAN's broadcast; its views say who is in the group, votequorum whether it is quorate. The
 * rest (agreement before acquiring, the dead timer for a member that hangs, the lease) is
 * the same as with sharedvip's own heartbeats. */
#define CS_GROUP    "sharedvip"
#define CS_RETRY_MS 1000

static int node_of_nodeid(const struct daemon *d, uint32_t nodeid)
{
	for (int i = 0; nodeid && i < d->cfg.n_nodes; i++)
		if (d->cs_nodeid[i] == nodeid)
			return i;
	return -1;
}

static void group_view(void *ctx, const uint32_t *nodeids, size_t n, bool nodedown)
{
	struct daemon *d = ctx;
	bool member[SV_MAX_NODES] = { false };
	int64_t now = now_ms();

	for (size_t k = 0; k < n; k++) {
		int i = node_of_nodeid(d, nodeids[k]);
		if (i >= 0)
			member[i] = true;
	}
	membership_set_group(&d->m, member, nodedown, now);
	note_membership(d, now);
	reconcile(d, now, "after corosync's new view");
	tell_peers(d, now);
}

static void group_ring(void *ctx, struct cs_ring ring)
{
	struct daemon *d = ctx;

	membership_set_ring(&d->m, (struct ring_id){ ring.nodeid, ring.seq });
	reconcile(d, now_ms(), "in corosync's new ring");
}

static void group_quorum(void *ctx, bool quorate, struct cs_ring ring)
{
	struct daemon *d = ctx;

	membership_set_group_quorum(&d->m, quorate, (struct ring_id){ ring.nodeid, ring.seq });
	reconcile(d, now_ms(), quorate ? "with votequorum's quorum" : "without votequorum's quorum");
}

static void group_message(void *ctx, uint32_t nodeid, const uint8_t *msg, size_t len)
{
	static struct heartbeat hb;
	struct daemon *d = ctx;
	int64_t now = now_ms();
	int from = node_of_nodeid(d, nodeid);

	if (from == d->self || nodeid == d->cs.local_nodeid) {
		/* its own, delivered to every member: the group's messages flow */
		if (membership_group_flowed(&d->m, now)) {
			note_membership(d, now);
			reconcile(d, now, "after a member hung");
			tell_peers(d, now);
		}
		return;
	}
	if (decode(d, msg, len, &hb)) {
		d->m.drops.forged++;
		log_drop(&d->forged_log, now, "heartbeats that are not authentic (%llu so far)",
			 (unsigned long long)d->m.drops.forged);
		return;
	}
	if (from < 0 || hb.node != from) {
		d->m.drops.wrong_address++;
		log_drop(&d->address_log[hb.node < d->cfg.n_nodes ? hb.node : 0], now,
			 "heartbeats naming another node than corosync's node id %u sends them from (%llu so far)",
			 nodeid, (unsigned long long)d->m.drops.wrong_address);
		return;
	}
	if (heard(d, &hb, now)) {
		note_membership(d, now);
		reconcile(d, now, "after a membership change");
		tell_peers(d, now);
	} else if (d->pending) {
		reconcile(d, now, "after agreement");
	}
}

/* corosync's node names against the config's (this node's is checked on joining); the
 * ones that do not match are reported whenever the match changes. */
static struct cs_node cs[CS_MAX_NODES]; /* corosync's node list, as last read */
static int n_cs;

static const char *cs_name(uint32_t nodeid)
{
	for (int k = 0; k < n_cs; k++)
		if (cs[k].nodeid == nodeid)
			return cs[k].name;
	return "(not in its node list)";
}

static int match_nodes(struct daemon *d, char *err, size_t len)
{
	uint32_t before[SV_MAX_NODES];
	int n = n_cs = cs_nodes(cs, CS_MAX_NODES, err, len);

	if (n < 0)
		return -1;
	memcpy(before, d->cs_nodeid, sizeof(before));
	memset(d->cs_nodeid, 0, sizeof(d->cs_nodeid));
	for (int k = 0; k < n; k++) {
		int i = node_by_name(&d->cfg, cs[k].name);
		if (i >= 0)
			d->cs_nodeid[i] = cs[k].nodeid;
	}
	if (!memcmp(before, d->cs_nodeid, sizeof(before)))
		return 0;
	for (int k = 0; k < n; k++)
		if (node_by_name(&d->cfg, cs[k].name) < 0)
			logf_("corosync's node %s (node id %u) is no [node] of %s: its sharedvipd is not heard",
			      cs[k].name, cs[k].nodeid, d->config_path);
	for (int i = 0; i < d->cfg.n_nodes; i++)
		if (!d->cs_nodeid[i])
			logf_("node %s of %s is not in corosync's node list (nodelist.node.N.name): it never counts "
			      "alive",
			      d->cfg.nodes[i].name, d->config_path);
	return 0;
}

/* 0 joined, -1 not now (tried again every CS_RETRY_MS; said once), 1 never: corosync
 * calls this node by another name than its [node]. */
static int corosync_connect(struct daemon *d, int64_t now)
{
	struct cs_events ev = { group_view, group_ring, group_quorum, group_message, d };
	char err[256] = "";
	bool said = d->cs_waiting;

	d->cs_retry_ms = now + CS_RETRY_MS;
	d->cs_waiting = true;
	if (match_nodes(d, err, sizeof(err)) || cs_open(&d->cs, CS_GROUP, &ev, err, sizeof(err))) {
		if (!said)
			logf_("%s; trying again every %d ms, owning nothing meanwhile", err, CS_RETRY_MS);
		return -1;
	}
	if (node_of_nodeid(d, d->cs.local_nodeid) != d->self) {
		if (!said)
			logf_("corosync calls this node %s (node id %u), but sharedvipd runs as node %s: the names in "
			      "corosync.conf's nodelist must be the [node] names of %s",
			      cs_name(d->cs.local_nodeid), d->cs.local_nodeid, d->cfg.nodes[d->self].name,
			      d->config_path);
		cs_close(&d->cs);
		return 1;
	}
	d->cs_waiting = false;
	logf_("corosync: joined process group %s as node id %u; votequorum decides the quorum", CS_GROUP,
	      d->cs.local_nodeid);
	return 0;
}

/* corosync stopped or restarted: the node cannot tell who else is alive, so it owns
 * nothing until it is back (the others saw it leave the group and took over). */
static void corosync_lost(struct daemon *d, int64_t now)
{
	bool none[SV_MAX_NODES] = { false };

	logf_("corosync went away: this node owns nothing until it is back");
	cs_close(&d->cs);
	d->cs_waiting = true;
	membership_set_group(&d->m, none, false, now);
	d->m.group.known = d->m.group.quorum_known = false;
	note_membership(d, now);
	reconcile(d, now, "without corosync");
	d->cs_retry_ms = now + CS_RETRY_MS;
}

static void save_draining(struct daemon *d, bool drain);

/* The daemon's view as the control protocol says it (also what the metrics are made of). */
static void fill_status(const struct daemon *d, struct ctl_status *st_out)
{
#define st (*st_out)
	int64_t now = now_ms();

	memset(&st, 0, sizeof(st));
	snprintf(st.node, sizeof(st.node), "%s", d->cfg.nodes[d->self].name);
	st.draining = d->m.self_draining;
	st.healthy = d->health.healthy;
	snprintf(st.health, sizeof(st.health), "%s", d->health.reason);
	st.owned = buckets_count(d->own.installed, d->cfg.buckets);
	st.held = buckets_count(d->own.held, d->cfg.buckets);
	st.quorum = !quorum_rules(d) || membership_has_quorum(&d->m);
	st.ownership_changes = d->ownership_changes;
	st.n_peers = d->cfg.n_nodes;
	for (int i = 0; i < d->cfg.n_nodes; i++) {
		const struct peer *p = &d->m.peers[i];
		struct ctl_peer *c = &st.peers[i];
		snprintf(c->name, sizeof(c->name), "%s", d->cfg.nodes[i].name);
		c->alive = p->alive;
		c->eligible = view_has(d->m.view, i);
		c->heard_ms_ago = i == d->self || !p->heard ? -1 : now - p->last_heard_ms;
		c->config_differs = p->config_differs;
		c->healthy = i == d->self ? d->health.healthy : !p->unhealthy;
		c->received = p->received;
	}
	st.forged = d->m.drops.forged, st.replayed = d->m.drops.replayed, st.wrong_address = d->m.drops.wrong_address;
	st.unproven = d->m.drops.unproven;
	st.unknown = d->m.drops.unknown, st.config_differs = d->m.drops.config_differs;
#undef st
}

static void ctl_status(struct daemon *d, char *out, size_t len)
{
	static struct ctl_status st;

	fill_status(d, &st);
	if (ctl_status_format(&st, out, len))
		snprintf(out, len, "error: the status does not fit in %zu bytes\n", len);
}

static void set_draining(struct daemon *d, bool drain)
{
	membership_set_draining(&d->m, drain, now_ms());
	save_draining(d, drain);
	logf_("%s", drain ? "draining: no new connections here, established ones stay" : "resumed");
	emit(d, drain ? EV_DRAIN : EV_RESUME, -1);
	reconcile(d, now_ms(), drain ? "after drain" : "after resume");
	send_heartbeats(d, 0);
}

static void ctl_drain(struct daemon *d, char *out, size_t len)
{
	set_draining(d, true);
	snprintf(out, len, "ok drain\n");
}

static void ctl_resume(struct daemon *d, char *out, size_t len)
{
	set_draining(d, false);
	snprintf(out, len, "ok resume\n");
}

static void (*const ctl_handlers[CTL_N_COMMANDS])(struct daemon *, char *, size_t) = {
	[CTL_STATUS] = ctl_status,
	[CTL_DRAIN] = ctl_drain,
	[CTL_RESUME] = ctl_resume,
};

/* A client's request is complete (a line, or as much as fits): answer it and hang up. The
 * socket is non-blocking and the answer fits its buffer, so nothing here waits. */
static void ctl_answer(struct daemon *d, struct ctl_client *c)
{
	static char reply[CTL_REPLY_MAX];
	int cmd;

	c->buf[c->len] = '\0';
	cmd = ctl_command_parse(c->buf);
	if (cmd < 0 || !ctl_handlers[cmd])
		snprintf(reply, sizeof(reply), "error: unknown command `%.*s'\n", (int)strcspn(c->buf, "\r\n"), c->buf);
	else
		ctl_handlers[cmd](d, reply, sizeof(reply));
	if (send(c->fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		logf_("control: %s", strerror(errno));
	close(c->fd);
	c->fd = -1;
}

/* New control connections: each waits in a slot, read as it becomes readable, until its
 * deadline; a client that connects and says nothing costs a slot, never the loop's time. */
static void ctl_accept(struct daemon *d, int64_t now)
{
	int fd;

	while ((fd = accept4(d->ctl, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct ctl_client *c = NULL;
		for (int i = 0; i < CTL_CLIENTS && !c; i++)
			if (d->clients[i].fd < 0)
				c = &d->clients[i];
		if (!c) {
			close(fd); /* all slots taken by clients that say nothing: this one waits its turn */
			continue;
		}
		*c = (struct ctl_client){ .fd = fd, .deadline_ms = now + CTL_TIMEOUT_MS };
	}
}

static void ctl_read(struct daemon *d, struct ctl_client *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->len += (size_t)n;
	if (n <= 0 || memchr(c->buf, '\n', c->len) || c->len == sizeof(c->buf) - 1)
		ctl_answer(d, c);
}

/* The metrics endpoint: GET /metrics over HTTP, from the loop. Each client has a slot and a
 * deadline: one that says nothing, or reads slowly, costs a descriptor until then, never
 * the loop's time. */
static int http_listen(const struct sv_config *cfg)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd = socket(cfg->metrics.addr.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (cfg->metrics.addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET, sin->sin_port = htons(cfg->metrics.port),
		sin->sin_addr = cfg->metrics.addr.v4;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6, sin6->sin6_port = htons(cfg->metrics.port);
		sin6->sin6_addr = cfg->metrics.addr.v6;
		len = sizeof(*sin6);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* a restart finds it in TIME_WAIT */
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16)) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void kernel_counters(struct metrics_counter *out, int *n, int max)
{
	struct nft_counter c[16];

	*n = 0;
	for (int f = 0; f < 2; f++) {
		int k = nft_counters(f ? NFPROTO_INET : NFPROTO_NETDEV, c, 16);
		for (int i = 0; i < k && *n < max; i++) {
			snprintf(out[*n].name, sizeof(out[*n].name), "%.*s", (int)sizeof(out[*n].name) - 1,
				 c[i].comment);
			out[*n].packets = c[i].packets, out[*n].bytes = c[i].bytes;
			(*n)++;
		}
	}
}

static void http_answer(struct daemon *d, struct http_client *c, enum http_route route)
{
	static struct ctl_status st;
	struct strbuf body = { 0 };

	if (route == HTTP_METRICS) {
		struct metrics_counter counters[32];
		int n;
		fill_status(d, &st);
		kernel_counters(counters, &n, 32);
		struct metrics_input in = { &d->cfg, d->cfg.nodes[d->self].name, &st, st.owned, st.held, counters, n };
		metrics_format(&in, &body);
	} else {
		sb_printf(&body, route == HTTP_NOT_FOUND ? "only GET /metrics is here\n" : "bad request\n");
	}
	sb_printf(&c->out,
		  "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: %zu\r\n"
		  "Connection: close\r\n\r\n%s",
		  route == HTTP_METRICS	    ? "200 OK"
		  : route == HTTP_NOT_FOUND ? "404 Not Found"
					    : "400 Bad Request",
		  body.len, sb_str(&body));
	sb_free(&body);
	c->sent = 0;
}

static void http_close(struct http_client *c)
{
	close(c->fd);
	sb_free(&c->out);
	*c = (struct http_client){ .fd = -1 };
}

static void http_accept(struct daemon *d, int64_t now)
{
	int fd;

	while ((fd = accept4(d->http, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct http_client *c = NULL;
		for (int i = 0; i < HTTP_CLIENTS && !c; i++)
			if (d->http_clients[i].fd < 0)
				c = &d->http_clients[i];
		if (!c) {
			close(fd); /* every slot taken by slow clients: this one tries again */
			continue;
		}
		*c = (struct http_client){ .fd = fd, .deadline_ms = now + HTTP_TIMEOUT_MS };
	}
}

/* Reads the request until its head is complete, then writes the answer as fast as the
 * client takes it. */
static void http_io(struct daemon *d, struct http_client *c)
{
	ssize_t n;

	if (!c->out.len) {
		n = read(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			http_close(c);
			return;
		}
		c->len += (size_t)n;
		enum http_route route = http_route(c->req, c->len);
		if (route == HTTP_INCOMPLETE && c->len < sizeof(c->req) - 1)
			return;
		http_answer(d, c, route == HTTP_INCOMPLETE ? HTTP_BAD : route);
	}
	n = send(c->fd, c->out.buf + c->sent, c->out.len - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->sent += (size_t)n;
	if (n <= 0 || c->sent == c->out.len)
		http_close(c);
}

static void ctl_expire(struct daemon *d, int64_t now)
{
	for (int i = 0; i < HTTP_CLIENTS; i++)
		if (d->http_clients[i].fd >= 0 && now >= d->http_clients[i].deadline_ms)
			http_close(&d->http_clients[i]);
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (d->clients[i].fd >= 0 && now >= d->clients[i].deadline_ms) {
			close(d->clients[i].fd);
			d->clients[i].fd = -1;
		}
}

/* The tables must be there; ownership in them is the daemon's. What the kernel owns may
 * be stale (a crash, an apply with --static): the others may own it now. Give it all up at
 * once (its connections stay, held) and take back what agreement gives. */
static int load_state(struct daemon *d)
{
	struct apply_request req;
	char comment[64];
	int ret;

	d->live = calloc(d->cfg.buckets, sizeof(bool));
	d->scratch = calloc(d->cfg.buckets, sizeof(bool));
	if (!d->live || !d->scratch || ownership_init(&d->own, &d->cfg, d->self))
		return EXIT_KERNEL;
	ret = nft_table_comment(NFPROTO_INET, comment, sizeof(comment));
	if (ret < 0) {
		logf_("cannot read nftables: %s", strerror(-ret));
		return EXIT_KERNEL;
	}
	nft_set_members(NFPROTO_INET, RS_SET_OWNED, d->own.held, d->cfg.buckets);
	nft_set_members(NFPROTO_NETDEV, RS_MAP_BUCKETS, d->own.held, d->cfg.buckets);
	nft_set_members(NFPROTO_INET, RS_SET_HELD, d->own.held, d->cfg.buckets);
	/* the tables as the config wants them (with the lease's timeouts), owning nothing */
	req = (struct apply_request){ .owned = d->own.installed, .held = d->own.held, .leave_link_down = true };
	return apply_node(&d->cfg, d->self, &req);
}

/* Files in the state directory are named after the node, so that nodes may share one. */
static void state_path(const struct daemon *d, const char *what, char *path, size_t len)
{
	snprintf(path, len, "%s/%s.%s", d->state_dir, d->cfg.nodes[d->self].name, what);
}

/* A drained node stays drained across a restart of its daemon, until resume. */
static void save_draining(struct daemon *d, bool drain)
{
	char path[512];
	int fd;

	state_path(d, "draining", path, sizeof(path));
	if (!drain) {
		if (unlink(path) && errno != ENOENT)
			logf_("cannot remove %s: %s", path, strerror(errno));
		return;
	}
	if (mkdir(d->state_dir, 0700) && errno != EEXIST)
		logf_("cannot create %s: %s", d->state_dir, strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		logf_("cannot write %s: %s (a restart will not remember the drain)", path, strerror(errno));
	else
		close(fd);
}

/* This life's incarnation: it only grows, across restarts and reboots, whatever the clock
 * does, so that a heartbeat of an earlier life is always a replay and this life's never
 * are. The last one is kept in the state directory, written (and synced) before use; the
 * clock only helps when that file is new or lost. */
static uint64_t next_incarnation(struct daemon *d)
{
	char path[512], tmp[520], text[32] = "";
	struct timespec ts;
	uint64_t last = 0, next;
	int fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	next = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	state_path(d, "incarnation", path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t n = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		last = strtoull(text, NULL, 10);
	}
	if (last >= next)
		next = last + 1;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (mkdir(d->state_dir, 0700) && errno != EEXIST)
		goto unsaved;
	int len = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)next);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool written = fd >= 0 && write(fd, text, (size_t)len) == len && !fsync(fd);
	if ((fd >= 0 && close(fd)) || !written || rename(tmp, path))
		goto unsaved;
	if ((fd = open(d->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return next;
unsaved:
	logf_("cannot keep the incarnation in %s: %s (a clock stepped back would make peers take this node's "
	      "heartbeats for replays)",
	      path, strerror(errno));
	return next;
}

/* One daemon per node: a second one would steal the control socket and the heartbeats'
 * port, and the peers would take the first one's heartbeats for replays. */
static int lock_instance(struct daemon *d)
{
	char path[512], pid[32] = "";
	ssize_t n;

	if (mkdir(d->run_dir, 0700) && errno != EEXIST) {
		logf_("cannot create %s: %s", d->run_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/sharedvipd.pid", d->run_dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		logf_("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		n = pread(d->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		logf_("another sharedvipd (pid %s) already runs for this node (%s is locked): not starting",
		      *pid ? pid : "?", path);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(d->lock_fd, 0) || pwrite(d->lock_fd, pid, (size_t)n, 0) != n)
		logf_("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int setup(struct daemon *d)
{
	char path[512];
	int ret;

	if (config_load(d->config_path, &d->cfg, stderr))
		return EXIT_CONFIG;
	d->self = apply_identify(&d->cfg, d->opt_node);
	if (d->self < 0)
		return EXIT_CONFIG;
	if (!d->cfg.failover.enabled) {
		/* static mode: sharedvip-apply loads the split, and a daemon would fight it */
		logf_("%s has no [failover] section: the node runs in static mode, and sharedvipd has nothing to do",
		      d->config_path);
		return STATIC_MODE;
	}
	d->corosync = d->cfg.failover.membership == MEMBERSHIP_COROSYNC;
	d->udp[0] = d->udp[1] = -1;
	if (sodium_init() < 0 || load_keys(d, &d->cfg) || config_digest(d->config_path, d->digest))
		return EXIT_CONFIG;
	/* before anything is touched: a second daemon must change nothing */
	if (lock_instance(d) || (!d->corosync && open_heartbeats(d)))
		return EXIT_CONFIG;
	if ((ret = load_state(d)))
		return ret;
	if ((ret = renewer_start(&d->renewer))) {
		logf_("cannot start the lease renewal thread: %s", strerror(-ret));
		return EXIT_KERNEL;
	}
	if ((ret = linkwatch_open(&d->watch, d->cfg.interface))) {
		logf_("cannot watch %s over rtnetlink: %s", d->cfg.interface, strerror(-ret));
		return EXIT_KERNEL;
	}
	if (d->cfg.metrics.enabled && (d->http = http_listen(&d->cfg)) < 0) {
		char a[SV_ADDRSTRLEN];
		logf_("cannot serve metrics at %s port %u: %s", addr_str(&d->cfg.metrics.addr, a, false),
		      d->cfg.metrics.port, strerror(-d->http));
		return EXIT_KERNEL;
	}
	d->ctl = control_listen(d->run_dir);
	if (d->ctl < 0) {
		logf_("cannot create the control socket in %s: %s", d->run_dir, strerror(-d->ctl));
		return EXIT_KERNEL;
	}
	d->incarnation = next_incarnation(d);
	membership_init(&d->m, &d->cfg, d->self, d->digest, now_ms());
	d->m.incarnation = d->incarnation;
	d->m.group.mode = d->corosync;
	if (d->corosync && corosync_connect(d, now_ms()) > 0)
		return EXIT_CONFIG;
	state_path(d, "draining", path, sizeof(path));
	if (!access(path, F_OK)) {
		membership_set_draining(&d->m, true, now_ms());
		logf_("draining, as before this start (%s): `sharedvipctl resume' takes connections again", path);
	}
	health_init(&d->health);
	memcpy(d->announced, d->m.view, HB_VIEW_BYTES);
	d->had_quorum = true;
	for (int i = 0; i < d->cfg.n_nodes; i++)
		d->was_alive[i] = i == d->self;
	logf_("node %s: %d nodes, heartbeats every %u ms, dead after %u, lease %lld ms, quorum %s, owns %d of %u "
	      "buckets",
	      d->cfg.nodes[d->self].name, d->cfg.n_nodes, d->cfg.failover.heartbeat_ms, d->cfg.failover.dead_after,
	      (long long)ownership_lease_ms(&d->cfg),
	      d->corosync				  ? "votequorum's"
	      : d->cfg.failover.quorum == QUORUM_MAJORITY ? "majority"
							  : "none",
	      buckets_count(d->own.installed, d->cfg.buckets), d->cfg.buckets);
	return 0;
}

/* SIGHUP: read the config again; a bad one is reported and the running one kept. */
/* The nodes as the assignment sees them (names, addresses, weights, MACs), whatever lines
 * they moved to. */
static bool same_nodes(const struct sv_config *a, const struct sv_config *b)
{
	if (a->n_nodes != b->n_nodes)
		return false;
	for (int i = 0; i < a->n_nodes; i++) {
		const struct sv_node *x = &a->nodes[i], *y = &b->nodes[i];
		if (strcmp(x->name, y->name) || x->n_addrs != y->n_addrs || x->weight != y->weight ||
		    memcmp(x->send_mac, y->send_mac, 6))
			return false;
		for (int k = 0; k < x->n_addrs; k++)
			if (!addr_equal(&x->addrs[k], &y->addrs[k]) || x->addrs[k].prefix != y->addrs[k].prefix)
				return false;
	}
	return true;
}

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
	if (load_keys(d, &fresh)) {
		logf_("reload: a key file is not right, keeping the running config and keys");
		notify("READY=1");
		return;
	}
	if (fresh.buckets != d->cfg.buckets || !same_nodes(&fresh, &d->cfg) ||
	    fresh.failover.membership != d->cfg.failover.membership) {
		logf_("reload: nodes, buckets or membership changed; restart sharedvipd to take them (keeping the "
		      "running config)");
		notify("READY=1");
		return;
	}
	d->cfg = fresh;
	ownership_config_changed(&d->own); /* weights may have changed */
	d->next_check_ms = now_ms();	   /* the [health] section as it is now */
	if (!d->cfg.health.enabled)
		health_init(&d->health); /* without [health], healthy while the daemon runs */
	config_digest(d->config_path, d->digest);
	membership_init(&d->m, &d->cfg, d->self, d->digest, now_ms());
	d->m.incarnation = d->incarnation;
	memcpy(d->m.peers, old.peers, sizeof(old.peers));
	d->m.started_ms = old.started_ms;
	d->m.drops = old.drops;
	d->m.group = old.group;
	membership_set_draining(&d->m, old.self_draining, now_ms());
	membership_set_healthy(&d->m, d->health.healthy, now_ms());
	d->reapply_ms = now_ms(); /* the link and tables as the new config says, from the loop */
	d->reapply_why = "the config was read again";
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
	for (int i = 0; i < (d->corosync ? 1 : 3); i++)
		send_heartbeats(d, HB_LEAVING);
	cs_close(&d->cs); /* the group's members see this node leave */
	logf_("left the cluster");
}

/* Every [health] listen entry has a socket that would take it (sock_diag, no connection). */
static void check_listens(struct daemon *d)
{
	d->listen_ok = true;
	d->listen_why[0] = '\0';
	for (int i = 0; i < d->cfg.health.n_listen && d->listen_ok; i++) {
		const struct sv_listen *l = &d->cfg.health.listen[i];
		const char *proto = l->proto == IPPROTO_TCP ? "tcp" : "udp";
		int ret = sockdiag_listens(&d->cfg, l->proto, l->port);
		d->listen_ok = ret > 0;
		if (ret < 0)
			snprintf(d->listen_why, sizeof(d->listen_why), "cannot ask sock_diag about %s:%u: %s", proto,
				 l->port, strerror(-ret));
		else if (!ret)
			snprintf(d->listen_why, sizeof(d->listen_why), "nothing listens on %s:%u", proto, l->port);
	}
}

/* The fail-open state, said loudly when it begins and ends. */
static void note_fail_open(struct daemon *d)
{
	bool any_unhealthy = d->m.self_unhealthy;

	for (int i = 0; i < d->cfg.n_nodes; i++)
		any_unhealthy |= i != d->self && d->m.peers[i].alive && d->m.peers[i].unhealthy;
	bool fail_open = d->m.fail_open && any_unhealthy;
	if (fail_open != d->logged_fail_open)
		logf_("%s", fail_open ? "FAIL OPEN: no alive node is healthy: every alive node keeps its share"
				      : "fail open over: a node is healthy again");
	d->logged_fail_open = fail_open;
}

static void health_result(struct daemon *d, bool ok, const char *why)
{
	int64_t now = now_ms();

	if (!health_round(&d->health, &d->cfg, ok, why))
		return;
	if (d->health.healthy)
		logf_("health: healthy again: taking its share back through agreement");
	else
		logf_("health: UNHEALTHY (%s): giving its buckets away; established connections stay", why);
	membership_set_healthy(&d->m, d->health.healthy, now);
	emit(d, d->health.healthy ? EV_HEALTHY : EV_UNHEALTHY, -1);
	reconcile(d, now, d->health.healthy ? "after the node became healthy" : "after the node became unhealthy");
	send_heartbeats(d, 0); /* the others take over at once, not after a dead timer */
}

static void start_check(struct daemon *d, int64_t now)
{
	d->next_check_ms = now + d->cfg.health.interval_ms;
	check_listens(d);
	if (!d->cfg.health.command[0]) {
		health_result(d, d->listen_ok, d->listen_why);
		return;
	}
	char node[SV_MAX_NAME + 16], *env[] = { node, NULL };
	snprintf(node, sizeof(node), "SHAREDVIP_NODE=%s", d->cfg.nodes[d->self].name);
	d->check_pid = child_spawn(d->cfg.health.command, env);
	d->check_killed = false;
	d->check_deadline_ms = now + d->cfg.health.timeout_ms;
	if (d->check_pid < 0) {
		d->check_pid = 0;
		health_result(d, false, "cannot start the command (fork failed)");
	}
}

static void reap_check(struct daemon *d)
{
	char why[128];
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == d->notify_pid)
			d->notify_pid = 0;
		if (pid != d->check_pid)
			continue;
		d->check_pid = 0;
		bool ok = !d->check_killed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (d->check_killed)
			snprintf(why, sizeof(why), "the command did not finish within %u ms", d->cfg.health.timeout_ms);
		else if (WIFEXITED(status))
			snprintf(why, sizeof(why), "the command exited with status %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "the command was killed by signal %d", WTERMSIG(status));
		health_result(d, d->listen_ok && ok, d->listen_ok ? why : d->listen_why);
	}
}

/* A round every interval_ms: the listen checks at once, the command as a child whose end
 * the loop hears; one that outlives timeout_ms is killed, and has failed. */
static void health_timers(struct daemon *d, int64_t now)
{
	if (!d->cfg.health.enabled)
		return;
	if (d->check_pid && now >= d->check_deadline_ms && !d->check_killed) {
		kill(-d->check_pid, SIGKILL);
		d->check_killed = true;
	}
	if (!d->check_pid && now >= d->next_check_ms)
		start_check(d, now);
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM), sigaddset(&set, SIGINT), sigaddset(&set, SIGHUP), sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else if (si.ssi_signo == SIGCHLD)
			reap_check(d);
		else
			d->stopping = true;
	}
}

/* Something else removed an address or a route, or raised the link again (a network
 * manager reconfiguring, an admin): once it has settled, put back what the config asks
 * for. A link left down is left to whoever took it down (ifdown, say). */
static void link_state(struct daemon *d, int64_t now);

static void link_changed(struct daemon *d, int64_t now)
{
	bool was_running = d->watch.running, again = linkwatch_read(&d->watch);

	if (d->watch.running != was_running)
		link_state(d, now);
	if (!again)
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
	struct apply_request req = { .owned = d->own.installed,
				     .held = d->own.held,
				     .lease_ms = lease_left(d),
				     .leave_link_down = true,
				     .no_wait = true };
	ret = apply_node(&d->cfg, d->self, &req);
	if (ret == -EAGAIN) {
		d->reapply_ms = now_ms() + 100; /* another apply holds the lock: never wait for it here */
		return;
	}
	if (ret == -EINTR) {
		/* the kernel's tables kept changing while they were read (NLM_F_DUMP_INTR, more
		 * often than netlink.c asks again): nothing is wrong, so no backoff. Read them
		 * again soon; say so once per busy spell. */
		if (!d->reapply_busy)
			logf_("%s: %s: the kernel's tables kept changing while read; trying again every %d ms",
			      d->cfg.interface, d->reapply_why, REAPPLY_BUSY_MS);
		d->reapply_busy = true;
		d->reapply_ms = now_ms() + REAPPLY_BUSY_MS;
		return;
	}
	d->reapply_busy = false;
	if (ret) {
		/* the kernel refused: try again, less often */
		d->reapply_backoff_ms = d->reapply_backoff_ms ? d->reapply_backoff_ms * 2 : SETTLE_MS;
		if (d->reapply_backoff_ms > REAPPLY_MAX_MS)
			d->reapply_backoff_ms = REAPPLY_MAX_MS;
		d->reapply_ms = now_ms() + d->reapply_backoff_ms;
		logf_("%s: %s: applying the config again failed; trying again in %lld ms", d->cfg.interface,
		      d->reapply_why, (long long)d->reapply_backoff_ms);
		return;
	}
	d->reapply_backoff_ms = 0;
	logf_("%s: %s: applied the config again", d->cfg.interface, d->reapply_why);
}

/* Start over as a returning node: what the peers said is stale (and so is what waits in
 * the sockets), they may have called this node dead and taken its buckets. Hear them
 * afresh; acquire through agreement. */
static void start_over(struct daemon *d, int64_t now)
{
	uint8_t buf[512];

	for (int f = 0; f < 2; f++)
		while (d->udp[f] >= 0 && recv(d->udp[f], buf, sizeof(buf), 0) >= 0)
			;
	membership_rejoin(&d->m, now);
	note_membership(d, now);
	reconcile(d, now, "rejoining");
	send_heartbeats(d, 0);
}

/* The daemon stalled (SIGSTOP, a VM paused, stuck in the kernel) past the peers' dead timer,
 * and so past its lease: its kernel took no new connection since. */
static void stalled(struct daemon *d, int64_t now)
{
	logf_("stalled %lld ms, past the peers' dead timer (%lld ms): this node owns nothing now; rejoining "
	      "through agreement",
	      (long long)(now - d->last_hb_ms), (long long)ownership_silence_ms(&d->cfg));
	memset(d->own.next, 0, d->cfg.buckets * sizeof(bool));
	ownership_committed(&d->own); /* what it owned is held now */
	d->own.lease_until = 0;
	commit_sets(d, d->own.installed, d->own.held);
	start_over(d, now);
}

/* The link lost its carrier or was taken down: the node can neither serve nor hear whether
 * the others took over, so it owns nothing; when it is back, it starts over. */
static void link_state(struct daemon *d, int64_t now)
{
	if (d->watch.running) {
		logf_("%s is up again: rejoining through agreement", d->cfg.interface);
		start_over(d, now);
		return;
	}
	logf_("%s is down: this node owns nothing until it is back and its peers agree", d->cfg.interface);
	reconcile(d, now, "after the link went down");
}

enum {
	FD_UDP4,
	FD_UDP6,
	FD_CTL,
	FD_SIG,
	FD_LINK,
	FD_CT,
	FD_HTTP,
	FD_GROUP,  /* corosync's process group */
	FD_QUORUM, /* votequorum */
	FD_RENEW,  /* the renewal thread's results */
	FD_CLIENT0,
	FD_HTTP0 = FD_CLIENT0 + CTL_CLIENTS,
	N_FDS = FD_HTTP0 + HTTP_CLIENTS
};

/* How long the loop may sleep: until the first thing that is due. */
static int64_t loop_wait(const struct daemon *d, int64_t now)
{
	int64_t death = membership_next_death(&d->m);
	const int64_t due[] = {
		d->next_hb_ms,
		d->hb_read_ms > now ? d->hb_read_ms : INT64_MAX, /* the heartbeats gathered meanwhile */
		death == INT64_MAX ? INT64_MAX : death + 1,	 /* a death when it is due, not at the next heartbeat */
		d->pending ? now + 10 : INT64_MAX,		 /* an acquisition waits for agreement */
		d->reapply_ms ? d->reapply_ms : INT64_MAX,
		ct_dump_fd(&d->ct) < 0 ? d->next_prune_ms : INT64_MAX,
		d->watchdog_ms ? d->next_watchdog_ms : INT64_MAX,	/* on its own timer, whatever the interval */
		d->corosync && !d->cs.cpg ? d->cs_retry_ms : INT64_MAX, /* corosync again */
		!d->cfg.health.enabled ? INT64_MAX
		: d->check_pid	       ? d->check_deadline_ms
				       : d->next_check_ms,
		d->notify_pid ? d->notify_deadline_ms
		: d->events.n ? now
			      : INT64_MAX,
	};
	int64_t first = INT64_MAX;

	for (size_t i = 0; i < sizeof(due) / sizeof(due[0]); i++)
		first = due[i] < first ? due[i] : first;
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (d->clients[i].fd >= 0 && d->clients[i].deadline_ms < first)
			first = d->clients[i].deadline_ms;
	for (int i = 0; i < HTTP_CLIENTS; i++)
		if (d->http_clients[i].fd >= 0 && d->http_clients[i].deadline_ms < first)
			first = d->http_clients[i].deadline_ms;
	return first - now < 0 ? 0 : first - now;
}

static void poll_fds(const struct daemon *d, struct pollfd *fds, int64_t now)
{
	bool gather = now < d->hb_read_ms;
	const int fd[FD_CLIENT0] = {
		gather ? -1 : d->udp[0],     gather ? -1 : d->udp[1], d->ctl,  d->sig,
		linkwatch_fd(&d->watch),     ct_dump_fd(&d->ct),      d->http, cs_fd(&d->cs, CS_FD_GROUP),
		cs_fd(&d->cs, CS_FD_QUORUM), renewer_fd(&d->renewer)
	};

	for (int i = 0; i < FD_CLIENT0; i++)
		fds[i] = (struct pollfd){ fd[i], POLLIN, 0 };
	for (int i = 0; i < CTL_CLIENTS; i++)
		fds[FD_CLIENT0 + i] = (struct pollfd){ d->clients[i].fd, POLLIN, 0 };
	for (int i = 0; i < HTTP_CLIENTS; i++) {
		const struct http_client *c = &d->http_clients[i];
		fds[FD_HTTP0 + i] = (struct pollfd){ c->fd, (short)(c->out.len ? POLLOUT : POLLIN), 0 };
	}
}

/* What is due whether or not anything arrived. */
static void timers(struct daemon *d, int64_t now)
{
	if (d->reapply_ms && now >= d->reapply_ms)
		reapply(d);
	if (ct_dump_fd(&d->ct) < 0 && now >= d->next_prune_ms)
		prune_start(d, now);
	if (membership_tick(&d->m, now)) {
		note_membership(d, now);
		reconcile(d, now, "after a death");
		tell_peers(d, now);
	} else if (d->pending || now - d->m.started_ms < 5000) {
		reconcile(d, now, "after the hold-down");
	}
	if (now >= d->next_hb_ms)
		send_heartbeats(d, 0);
	if (d->corosync && !d->cs.cpg && now >= d->cs_retry_ms)
		corosync_connect(d, now);
	ctl_expire(d, now);
	health_timers(d, now);
	notify_next(d, now);
	if (d->watchdog_ms && now >= d->next_watchdog_ms) {
		notify("WATCHDOG=1");
		d->next_watchdog_ms = now + d->watchdog_ms / 2;
	}
}

static void loop(struct daemon *d)
{
	struct pollfd fds[N_FDS];

	send_heartbeats(d, 0);
	while (!d->stopping) {
		poll_fds(d, fds, now_ms());
		poll(fds, N_FDS, (int)loop_wait(d, now_ms()));
		/* no heartbeat for longer than the peers' dead timer: they may have taken its
		 * buckets, and its lease has run out (the kernel took no new connection since) */
		if (d->last_hb_ms && now_ms() - d->last_hb_ms > ownership_silence_ms(&d->cfg))
			stalled(d, now_ms());
		for (int i = FD_UDP4; i <= FD_UDP6; i++)
			if (fds[i].revents & POLLIN)
				receive(d, fds[i].fd);
		if (fds[FD_CTL].revents & POLLIN)
			ctl_accept(d, now_ms());
		for (int i = 0; i < CTL_CLIENTS; i++)
			if (d->clients[i].fd >= 0 && fds[FD_CLIENT0 + i].fd == d->clients[i].fd &&
			    (fds[FD_CLIENT0 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				ctl_read(d, &d->clients[i]);
		if (fds[FD_HTTP].fd >= 0 && (fds[FD_HTTP].revents & POLLIN))
			http_accept(d, now_ms());
		for (int i = 0; i < HTTP_CLIENTS; i++)
			if (d->http_clients[i].fd >= 0 && fds[FD_HTTP0 + i].fd == d->http_clients[i].fd &&
			    fds[FD_HTTP0 + i].revents)
				http_io(d, &d->http_clients[i]);
		if (fds[FD_SIG].revents & POLLIN)
			on_signal(d);
		if (fds[FD_LINK].revents & POLLIN)
			link_changed(d, now_ms());
		if (fds[FD_CT].fd >= 0 && (fds[FD_CT].revents & (POLLIN | POLLERR)))
			prune_continue(d);
		if (fds[FD_RENEW].fd >= 0 && (fds[FD_RENEW].revents & POLLIN))
			renewed(d);
		for (int i = FD_GROUP; i <= FD_QUORUM; i++)
			if (fds[i].fd >= 0 && fds[i].fd == cs_fd(&d->cs, i == FD_GROUP ? CS_FD_GROUP : CS_FD_QUORUM) &&
			    (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    cs_dispatch(&d->cs, i == FD_GROUP ? CS_FD_GROUP : CS_FD_QUORUM))
				corosync_lost(d, now_ms());
		timers(d, now_ms());
	}
}

int daemon_run(const char *config_path, const char *opt_node, const char *run_dir, const char *state_dir)
{
	static struct daemon d;
	const char *env = getenv("SHAREDVIP_STATE_DIR");
	int ret;

	d.config_path = config_path;
	d.opt_node = opt_node;
	d.run_dir = run_dir;
	d.state_dir = state_dir ? state_dir : env && *env ? env : SV_STATE_DIR;
	for (int i = 0; i < CTL_CLIENTS; i++)
		d.clients[i].fd = -1;
	for (int i = 0; i < HTTP_CLIENTS; i++)
		d.http_clients[i].fd = -1;
	d.http = -1;
	signal(SIGPIPE, SIG_IGN); /* a control client that goes away must not kill the daemon */
	d.sig = open_signals();
	if ((ret = setup(&d)))
		return ret == STATIC_MODE ? 0 : ret;
	d.watchdog_ms = notify_watchdog_ms();
	notify("READY=1");
	loop(&d);
	leave(&d);
	renewer_stop(&d.renewer);
	linkwatch_close(&d.watch);
	ct_dump_close(&d.ct);
	close(d.ctl);
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];
	snprintf(path, sizeof(path), "%s/control", run_dir);
	unlink(path);
	return 0;
}
