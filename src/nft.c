// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netlink.h"

typedef void (*build_fn)(struct nlmsghdr *nlh, void *obj);
typedef int (*parse_fn)(const struct nlmsghdr *nlh, void *data);

/* One request and its answers, read to the end; a missing object comes back as -ENOENT.
 * A dump the ruleset changed under is asked again after restart(data). */
static int nft_request(uint16_t type, int family, uint16_t flags, build_fn build, void *obj, parse_fn cb, void *data,
		       void (*restart)(void *data))
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, (uint16_t)family, (uint16_t)(NLM_F_ACK | flags), 0);

	build(nlh, obj);
	return netlink_dump(NETLINK_NETFILTER, nlh, (mnl_cb_t)cb, data, restart);
}

/* Marking set members again is harmless; the generation an apply commits at catches an
 * element that went away meanwhile. */
static void restart_nothing(void *data)
{
	(void)data;
}

static void build_table(struct nlmsghdr *nlh, void *obj)
{
	nftnl_table_nlmsg_build_payload(nlh, obj);
}
static void build_set(struct nlmsghdr *nlh, void *obj)
{
	nftnl_set_elems_nlmsg_build_payload(nlh, obj);
}
static void build_rule(struct nlmsghdr *nlh, void *obj)
{
	nftnl_rule_nlmsg_build_payload(nlh, obj);
}

struct comment_out {
	char *buf;
	size_t len;
	int found;
};

static int udata_comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **out = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT || nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		*out = nftnl_udata_get(attr);
	return 0;
}

static const char *udata_comment(const void *data, uint32_t len)
{
	const char *comment = NULL;

	if (data)
		nftnl_udata_parse(data, len, udata_comment_cb, &comment);
	return comment;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct comment_out *out = data;
	struct nftnl_table *t = nftnl_table_alloc();
	uint32_t len = 0;

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		const void *udata = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
		const char *c = udata_comment(udata, len);
		snprintf(out->buf, out->len, "%s", c ? c : "");
		out->found = 1;
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int nft_table_comment(int family, char *comment, size_t len)
{
	struct comment_out out = { comment, len, 0 };
	struct nftnl_table *t = nftnl_table_alloc();
	int ret;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, SV_TABLE);
	ret = nft_request(NFT_MSG_GETTABLE, family, 0, build_table, t, table_cb, &out, NULL);
	nftnl_table_free(t);
	if (ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : out.found;
}

struct members_out {
	bool *members;
	uint32_t buckets;
	int elements; /* how many there are */
};

/* An interrupted dump starts again: count from nothing (members are only ever marked) */
static void members_restart(void *data)
{
	((struct members_out *)data)->elements = 0;
}

static int elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct members_out *out = data;
	uint32_t len = 0, key = 0;
	const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	if (!k || len != sizeof(key))
		return 0;
	memcpy(&key, k, sizeof(key));
	if (key >= out->buckets)
		return 0;
	out->elements++;
	/* in the verdict map, only the accepted buckets */
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT) &&
	    nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT) != NF_ACCEPT)
		return 0;
	out->members[key] = true;
	return 0;
}

/* The lease's element: the time it has left (ms); the kernel lists no expired element. */
static int lease_cb(struct nftnl_set_elem *e, void *data)
{
	int64_t *left_ms = data;

	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
		*left_ms = (int64_t)nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);
	return 0;
}

struct elems_walk {
	int (*cb)(struct nftnl_set_elem *e, void *data);
	void *data;
	void (*restart)(void *data);
};

static void walk_restart(void *data)
{
	struct elems_walk *walk = data;

	walk->restart(walk->data);
}

static int setelem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elems_walk *walk = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, walk->cb, walk->data);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* Calls cb for every element of sharedvip's set in family; -ENOENT when the set is absent. */
static int set_elements(int family, const char *set, int (*cb)(struct nftnl_set_elem *, void *), void *data,
			void (*restart)(void *data))
{
	struct elems_walk walk = { cb, data, restart };
	struct nftnl_set *s = nftnl_set_alloc();
	int ret;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, SV_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)family);
	ret = nft_request(NFT_MSG_GETSETELEM, family, NLM_F_DUMP, build_set, s, setelem_cb, &walk, walk_restart);
	nftnl_set_free(s);
	return ret;
}

int nft_set_members(int family, const char *set, bool *members, uint32_t buckets)
{
	struct members_out out = { members, buckets, 0 };
	int ret = set_elements(family, set, elem_cb, &out, members_restart);

	return ret == -ENOENT ? 0 : ret < 0 ? ret : out.elements;
}

int nft_owned_lease(bool *owned, bool *leased, uint32_t buckets, int64_t *left_ms)
{
	struct members_out out = { owned, buckets, 0 };
	int ret = set_elements(NFPROTO_INET, RS_SET_OWNED, elem_cb, &out, restart_nothing);

	*left_ms = -1;
	memset(leased, 0, buckets * sizeof(*leased));
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	ret = set_elements(NFPROTO_INET, RS_SET_LEASE, lease_cb, left_ms, restart_nothing);
	if (ret == -ENOENT) { /* no lease: ownership set by sharedvip-apply alone */
		*left_ms = 0;
		return 0;
	}
	if (ret < 0)
		return ret;
	if (*left_ms < 0) /* the lease ran out: the kernel takes no new connection */
		memset(owned, 0, buckets * sizeof(*owned));
	else
		memcpy(leased, owned, buckets * sizeof(*leased));
	*left_ms = *left_ms < 0 ? 0 : *left_ms;
	return 0;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *gen = nftnl_gen_alloc();

	if (!gen)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, gen) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	nftnl_gen_free(gen);
	return MNL_CB_OK;
}

static void build_nothing(struct nlmsghdr *nlh, void *obj)
{
	(void)nlh, (void)obj;
}

int nft_genid(uint32_t *genid)
{
	*genid = 0;
	return nft_request(NFT_MSG_GETGEN, NFPROTO_UNSPEC, 0, build_nothing, NULL, gen_cb, genid, NULL);
}

struct counters_out {
	struct nft_counter *c;
	int n, max;
};

static int counter_expr_cb(struct nftnl_expr *e, void *data)
{
	struct nft_counter *c = data;

	if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter")) {
		c->packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		c->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counters_out *out = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nft_counter sum = { 0 };
	uint32_t len = 0;
	const char *comment;
	int i;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	const void *udata = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	comment = udata_comment(udata, len);
	if (!comment)
		goto out;
	nftnl_expr_foreach(r, counter_expr_cb, &sum);
	for (i = 0; i < out->n && strcmp(out->c[i].comment, comment); i++)
		;
	if (i == out->n) {
		if (out->n == out->max)
			goto out;
		snprintf(out->c[out->n++].comment, sizeof(out->c[0].comment), "%s", comment);
	}
	out->c[i].packets += sum.packets;
	out->c[i].bytes += sum.bytes;
out:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static void counters_restart(void *data)
{
	struct counters_out *out = data;

	memset(out->c, 0, sizeof(*out->c) * (size_t)out->max);
	out->n = 0;
}

int nft_counters(int family, struct nft_counter *c, int max)
{
	struct counters_out out = { c, 0, max };
	struct nftnl_rule *r = nftnl_rule_alloc();
	int ret;

	if (!r)
		return -ENOMEM;
	memset(c, 0, sizeof(*c) * (size_t)max);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, SV_TABLE);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)family);
	ret = nft_request(NFT_MSG_GETRULE, family, NLM_F_DUMP, build_rule, r, rule_cb, &out, counters_restart);
	nftnl_rule_free(r);
	if (ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : out.n;
}

/* The batch: messages written back to back into one growing buffer, sent in one sendmsg
 * so that the kernel applies them as one transaction. */
struct batch {
	char *buf;
	size_t len, cap;
	uint32_t seq, first_seq, genid;
	char (*what)[96]; /* what each message does, by seq - first_seq, for error messages */
	size_t n_what;
};

static struct nlmsghdr *batch_msg(struct batch *b, size_t room)
{
	if (b->len + room > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + room)
			cap *= 2;
		char *p = realloc(b->buf, cap);
		if (!p)
			return NULL;
		memset(p + b->cap, 0, cap - b->cap);
		b->buf = p;
		b->cap = cap;
	}
	return (struct nlmsghdr *)(b->buf + b->len);
}

static int batch_note(struct batch *b, struct nlmsghdr *nlh, const char *fmt, const char *a, const char *c)
{
	size_t i = nlh->nlmsg_seq - b->first_seq;

	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	if (i >= b->n_what) {
		size_t n = b->n_what ? b->n_what * 2 : 64;
		while (n <= i)
			n *= 2;
		void *p = realloc(b->what, n * sizeof(*b->what));
		if (!p)
			return -ENOMEM;
		b->what = p;
		b->n_what = n;
	}
	snprintf(b->what[i], sizeof(b->what[i]), fmt, a, c);
	return 0;
}

static struct nlmsghdr *batch_hdr(struct batch *b, uint16_t type, int family, uint16_t flags, size_t room)
{
	struct nlmsghdr *nlh = batch_msg(b, room);

	return nlh ? nftnl_nlmsg_build_hdr((char *)nlh, type, (uint16_t)family, (uint16_t)(flags | NLM_F_ACK), b->seq++)
		   : NULL;
}

static int batch_table(struct batch *b, uint16_t type, int family, struct nftnl_table *t, const char *what)
{
	struct nlmsghdr *nlh = batch_hdr(b, type, family, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, 4096);

	if (!nlh)
		return -ENOMEM;
	nftnl_table_nlmsg_build_payload(nlh, t);
	return batch_note(b, nlh, what, family_name(family), "");
}

/* NEWSETELEM messages for every element of s; libnftnl ends a message before its element
 * list would overflow 64 KiB. */
static int batch_set_elems(struct batch *b, int family, struct nftnl_set *s)
{
	const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	struct nftnl_set_elems_iter *it;
	int more = 1, ret = 0;

	it = nftnl_set_elems_iter_create(s);
	if (!it)
		return -ENOMEM;
	if (!nftnl_set_elems_iter_cur(it)) {
		nftnl_set_elems_iter_destroy(it);
		return 0;
	}
	while (more > 0 && !ret) {
		struct nlmsghdr *nlh = batch_hdr(b, NFT_MSG_NEWSETELEM, family, NLM_F_CREATE, 80 * 1024);
		if (!nlh) {
			ret = -ENOMEM;
			break;
		}
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		ret = batch_note(b, nlh, "add elements to set %s of table %s sharedvip", name, family_name(family));
	}
	nftnl_set_elems_iter_destroy(it);
	return more < 0 ? -EINVAL : ret;
}

static int batch_set(struct batch *b, int family, struct nftnl_set *s)
{
	struct nlmsghdr *nlh = batch_hdr(b, NFT_MSG_NEWSET, family, NLM_F_CREATE, 4096);

	if (!nlh)
		return -ENOMEM;
	nftnl_set_nlmsg_build_payload(nlh, s);
	if (batch_note(b, nlh, "add set %s of table %s sharedvip", nftnl_set_get_str(s, NFTNL_SET_NAME),
		       family_name(family)))
		return -ENOMEM;
	return batch_set_elems(b, family, s);
}

/* Replaces the elements of an existing set: a DELSETELEM without elements flushes it. */
static int batch_set_replace_elems(struct batch *b, int family, struct nftnl_set *s)
{
	struct nftnl_set *flush = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!flush)
		return -ENOMEM;
	nftnl_set_set_str(flush, NFTNL_SET_TABLE, SV_TABLE);
	nftnl_set_set_str(flush, NFTNL_SET_NAME, nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_set_u32(flush, NFTNL_SET_FAMILY, (uint32_t)family);
	nlh = batch_hdr(b, NFT_MSG_DELSETELEM, family, 0, 4096);
	if (!nlh) {
		nftnl_set_free(flush);
		return -ENOMEM;
	}
	nftnl_set_elems_nlmsg_build_payload(nlh, flush);
	nftnl_set_free(flush);
	ret = batch_note(b, nlh, "flush set %s of table %s sharedvip", nftnl_set_get_str(s, NFTNL_SET_NAME),
			 family_name(family));
	return ret ? ret : batch_set_elems(b, family, s);
}

static int batch_table_contents(struct batch *b, const struct rs_table *t)
{
	struct nlmsghdr *nlh;
	int ret = 0;

	ret |= batch_table(b, NFT_MSG_NEWTABLE, t->family, t->table, "add table %s sharedvip%s");
	ret |= batch_table(b, NFT_MSG_DELTABLE, t->family, t->table, "delete table %s sharedvip%s");
	ret |= batch_table(b, NFT_MSG_NEWTABLE, t->family, t->table, "add table %s sharedvip%s");
	/* chains before sets: the verdict map's elements name the foreign chain */
	for (int i = 0; i < t->n_chains && !ret; i++) {
		nlh = batch_hdr(b, NFT_MSG_NEWCHAIN, t->family, NLM_F_CREATE, 4096);
		if (!nlh)
			return -ENOMEM;
		nftnl_chain_nlmsg_build_payload(nlh, t->chains[i]);
		ret = batch_note(b, nlh, "add chain %s of table %s sharedvip",
				 nftnl_chain_get_str(t->chains[i], NFTNL_CHAIN_NAME), family_name(t->family));
	}
	for (int i = 0; i < t->n_sets && !ret; i++)
		ret = batch_set(b, t->family, t->sets[i]);
	for (int i = 0; i < t->n_rules && !ret; i++) {
		nlh = batch_hdr(b, NFT_MSG_NEWRULE, t->family, NLM_F_CREATE | NLM_F_APPEND, 8192);
		if (!nlh)
			return -ENOMEM;
		nftnl_rule_nlmsg_build_payload(nlh, t->rules[i]);
		ret = batch_note(b, nlh, "add a rule to chain %s of table %s sharedvip",
				 nftnl_rule_get_str(t->rules[i], NFTNL_RULE_CHAIN), family_name(t->family));
	}
	return ret ? -ENOMEM : 0;
}

static int batch_build(struct batch *b, const struct ruleset *rs, const bool *replace, const int *drop, int n_drop,
		       const struct set_update *up, int n_up)
{
	struct nlmsghdr *nlh;
	int ret = 0;

	nlh = batch_msg(b, 64);
	if (!nlh)
		return -ENOMEM;
	nftnl_batch_begin((char *)nlh, b->seq++);
	/* the kernel refuses the batch with ERESTART if anything committed since genid */
	if (b->genid)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(b->genid));
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->first_seq = b->seq;
	for (int i = 0; i < rs->n_tables && !ret; i++)
		if (replace[i])
			ret = batch_table_contents(b, &rs->tables[i]);
	for (int i = 0; i < n_up && !ret; i++)
		ret = batch_set_replace_elems(b, up[i].family, up[i].set);
	for (int i = 0; i < n_drop && !ret; i++) {
		struct nftnl_table *t = nftnl_table_alloc();
		if (!t)
			return -ENOMEM;
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, SV_TABLE);
		nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, (uint32_t)drop[i]);
		ret = batch_table(b, NFT_MSG_NEWTABLE, drop[i], t, "add table %s sharedvip%s");
		ret |= batch_table(b, NFT_MSG_DELTABLE, drop[i], t, "delete table %s sharedvip%s");
		nftnl_table_free(t);
	}
	if (ret)
		return ret;
	nlh = batch_msg(b, 64);
	if (!nlh)
		return -ENOMEM;
	nftnl_batch_end((char *)nlh, b->seq++);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return 0;
}

/* The kernel runs the whole batch inside sendmsg(), so every answer is queued when it
 * returns: read without blocking until the socket is empty, which leaves nothing behind
 * for the next request on the process's shared socket. The receive buffer is sized for
 * one answer per message (acknowledgements capped to their header), and answers that did
 * not fit (ENOBUFS) are an error, never taken for success. */
/* *broken: the socket's state is unknown (a send or a read failed): open another */
static int batch_send_on(struct mnl_socket *nl, char *buf, size_t buf_len, struct batch *b, char *what, size_t what_len,
			 bool *broken)
{
	int ret = 0, one = 1, sndbuf = (int)b->len + 4096, rcvbuf = (int)(b->seq - b->first_seq) * 1024 + 65536, fd;
	ssize_t n;

	if (!nl)
		goto fail;
	fd = mnl_socket_get_fd(nl);
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (rcvbuf > 212992)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (b->len > 200000)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	if (mnl_socket_sendto(nl, b->buf, b->len) < 0)
		goto fail;
	while ((n = recv(fd, buf, buf_len, MSG_DONTWAIT)) > 0) {
		int left = (int)n;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_type != NLMSG_ERROR || !err->error || ret || nlh->nlmsg_seq < b->first_seq - 1 ||
			    nlh->nlmsg_seq >= b->seq)
				continue;
			ret = err->error;
			size_t i = nlh->nlmsg_seq - b->first_seq;
			snprintf(what, what_len, "%s", i < b->n_what ? b->what[i] : "nftables transaction");
		}
	}
	if (n < 0 && errno != EAGAIN && !ret) {
		ret = -errno;
		snprintf(what, what_len, "read the answers to the nftables transaction");
		*broken = true;
	}
	return ret;
fail:
	ret = -errno;
	snprintf(what, what_len, "send the nftables transaction");
	*broken = true;
	return ret;
}

static int batch_send(struct batch *b, char *what, size_t what_len)
{
	static char buf[65536];
	bool broken = false;
	int ret = batch_send_on(netlink_socket(NETLINK_NETFILTER), buf, sizeof(buf), b, what, what_len, &broken);

	if (broken)
		netlink_reset(NETLINK_NETFILTER);
	return ret;
}

int nft_commit(const struct ruleset *rs, const bool *replace, const int *drop_families, int n_drop,
	       const struct set_update *updates, int n_updates, uint32_t genid, char *what, size_t what_len)
{
	struct batch b = { .seq = (uint32_t)time(NULL), .genid = genid };
	int ret;

	ret = batch_build(&b, rs, replace, drop_families, n_drop, updates, n_updates);
	if (ret)
		snprintf(what, what_len, "build the nftables transaction");
	else
		ret = batch_send(&b, what, what_len);
	free(b.buf);
	free(b.what);
	return ret;
}

struct vips_out {
	struct sv_addr *out;
	int n, max, start; /* start: where this set's elements began */
};

static void vips_restart(void *data)
{
	struct vips_out *v = data;

	v->n = v->start;
}

static int vip_elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct vips_out *v = data;
	uint32_t len = 0;
	const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	if (!k || (len != 4 && len != 16) || v->n == v->max)
		return 0;
	struct sv_addr *a = &v->out[v->n++];
	memset(a, 0, sizeof(*a));
	a->family = len == 4 ? AF_INET : AF_INET6;
	a->prefix = (uint8_t)(len * 8);
	memcpy(a->b, k, len);
	return 0;
}

int nft_vips(struct sv_addr *out, int max)
{
	struct vips_out v = { out, 0, max, 0 };

	for (int i = 0; i < 2; i++) {
		v.start = v.n;
		int ret = set_elements(NFPROTO_INET, i ? RS_SET_VIP6 : RS_SET_VIP4, vip_elem_cb, &v, vips_restart);
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	return v.n;
}

static struct nftnl_set *update_obj(int family, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, SV_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)family);
	return s;
}

/* The new elements of one of the bucket sets (the map: every bucket, with its verdict). */
static struct nftnl_set *bucket_set_obj(const struct rs_bucket_set *layout, const bool *owned, const bool *held,
					uint32_t buckets)
{
	struct nftnl_set *s = update_obj(layout->family, layout->name);

	for (uint32_t b = 0; s && b < buckets; b++) {
		bool member = layout->members == RS_OWNED  ? owned[b]
			      : layout->members == RS_HELD ? held && held[b]
							   : owned[b] || (held && held[b]);
		if (!member && layout->members != RS_OWNED_OR_HELD)
			continue;
		struct nftnl_set_elem *e = rs_bucket_elem(b, layout->members, member);
		if (!e) {
			nftnl_set_free(s);
			return NULL;
		}
		nftnl_set_elem_add(s, e);
	}
	return s;
}

/* The lease set's one element, afresh. */
static struct nftnl_set *lease_obj(const char *ifname, int64_t lease_ms)
{
	struct nftnl_set *s = update_obj(NFPROTO_INET, RS_SET_LEASE);
	struct nftnl_set_elem *e = s ? rs_lease_elem(ifname, lease_ms) : NULL;

	if (!e) {
		nftnl_set_free(s);
		return NULL;
	}
	nftnl_set_elem_add(s, e);
	return s;
}

static int commit_updates(struct set_update *up, int n, char *what, size_t what_len)
{
	struct ruleset none = { 0 };
	int ret = nft_commit(&none, NULL, NULL, 0, up, n, 0, what, what_len);

	for (int i = 0; i < n; i++)
		nftnl_set_free(up[i].set);
	return ret;
}

int nft_set_buckets(const bool *owned, const bool *held, uint32_t buckets, bool arp, const char *lease_ifname,
		    int64_t lease_ms, char *what, size_t what_len)
{
	struct set_update up[RS_N_BUCKET_SETS + 1];
	int n = 0;

	for (int i = 0; i < RS_N_BUCKET_SETS; i++) {
		if (rs_bucket_sets[i].family == NFPROTO_ARP && !arp)
			continue;
		up[n].family = rs_bucket_sets[i].family;
		if (!(up[n].set = bucket_set_obj(&rs_bucket_sets[i], owned, held, buckets)))
			goto nomem;
		n++;
	}
	if (lease_ifname) {
		up[n].family = NFPROTO_INET;
		if (!(up[n].set = lease_obj(lease_ifname, lease_ms)))
			goto nomem;
		n++;
	}
	return commit_updates(up, n, what, what_len);
nomem:
	snprintf(what, what_len, "build the ownership update");
	for (int i = 0; i < n; i++)
		nftnl_set_free(up[i].set);
	return -ENOMEM;
}

int nft_renew_lease_on(struct mnl_socket *nl, const char *ifname, int64_t lease_ms, char *what, size_t what_len,
		       bool *broken)
{
	struct set_update up = { NFPROTO_INET, lease_obj(ifname, lease_ms) };
	struct ruleset none = { 0 };
	struct batch b = { .seq = (uint32_t)time(NULL) };
	int ret = up.set ? batch_build(&b, &none, NULL, NULL, 0, &up, 1) : -ENOMEM;

	if (!ret) {
		char buf[8192]; /* the answers to four messages */
		ret = batch_send_on(nl, buf, sizeof(buf), &b, what, what_len, broken);
	} else {
		snprintf(what, what_len, "build the lease renewal");
	}
	nftnl_set_free(up.set);
	free(b.buf);
	free(b.what);
	return ret;
}
