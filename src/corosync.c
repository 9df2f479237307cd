// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers.
 *
 * The corosync client of membership = corosync. The libraries are opened with dlopen when
 * the mode starts: the headers are a build dependency, corosync a run-time dependency of
 * this mode only (a package without it installed runs the heartbeats as before).
 */
#include "corosync.h"

#include <corosync/cmap.h>
#include <corosync/cpg.h>
#include <corosync/quorum.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

/* What sharedvipd calls, found in the libraries at run time. */
static struct {
	bool loaded;
	cs_error_t (*cpg_model_initialize)(cpg_handle_t *, cpg_model_t, cpg_model_data_t *, void *);
	cs_error_t (*cpg_join)(cpg_handle_t, const struct cpg_name *);
	cs_error_t (*cpg_fd_get)(cpg_handle_t, int *);
	cs_error_t (*cpg_dispatch)(cpg_handle_t, cs_dispatch_flags_t);
	cs_error_t (*cpg_mcast_joined)(cpg_handle_t, cpg_guarantee_t, const struct iovec *, unsigned int);
	cs_error_t (*cpg_local_get)(cpg_handle_t, unsigned int *);
	cs_error_t (*cpg_context_get)(cpg_handle_t, void **);
	cs_error_t (*cpg_finalize)(cpg_handle_t);
	cs_error_t (*quorum_model_initialize)(quorum_handle_t *, quorum_model_t, quorum_model_data_t *, uint32_t *,
					      void *);
	cs_error_t (*quorum_trackstart)(quorum_handle_t, unsigned int);
	cs_error_t (*quorum_fd_get)(quorum_handle_t, int *);
	cs_error_t (*quorum_dispatch)(quorum_handle_t, cs_dispatch_flags_t);
	cs_error_t (*quorum_context_get)(quorum_handle_t, const void **);
	cs_error_t (*quorum_finalize)(quorum_handle_t);
	cs_error_t (*cmap_initialize)(cmap_handle_t *);
	cs_error_t (*cmap_get_string)(cmap_handle_t, const char *, char **);
	cs_error_t (*cmap_get_uint32)(cmap_handle_t, const char *, uint32_t *);
	cs_error_t (*cmap_finalize)(cmap_handle_t);
} lib;

struct symbol {
	const char *library, *name;
	void **to;
};

#define SYM(library, name)                         \
	{                                          \
		library, #name, (void **)&lib.name \
	}
static const struct symbol symbols[] = {
	SYM("libcpg.so.4", cpg_model_initialize),
	SYM("libcpg.so.4", cpg_join),
	SYM("libcpg.so.4", cpg_fd_get),
	SYM("libcpg.so.4", cpg_dispatch),
	SYM("libcpg.so.4", cpg_mcast_joined),
	SYM("libcpg.so.4", cpg_local_get),
	SYM("libcpg.so.4", cpg_context_get),
	SYM("libcpg.so.4", cpg_finalize),
	SYM("libquorum.so.5", quorum_model_initialize),
	SYM("libquorum.so.5", quorum_trackstart),
	SYM("libquorum.so.5", quorum_fd_get),
	SYM("libquorum.so.5", quorum_dispatch),
	SYM("libquorum.so.5", quorum_context_get),
	SYM("libquorum.so.5", quorum_finalize),
	SYM("libcmap.so.4", cmap_initialize),
	SYM("libcmap.so.4", cmap_get_string),
	SYM("libcmap.so.4", cmap_get_uint32),
	SYM("libcmap.so.4", cmap_finalize),
};

static void say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list va;

	va_start(va, fmt);
	vsnprintf(err, len, fmt, va);
	va_end(va);
}

static int load(char *err, size_t len)
{
	for (size_t i = 0; !lib.loaded && i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *h = dlopen(symbols[i].library, RTLD_NOW | RTLD_LOCAL);
		if (!h || !(*symbols[i].to = dlsym(h, symbols[i].name))) {
			say(err, len,
			    "membership = corosync needs corosync's libraries (%s: %s; apt-get install corosync)",
			    symbols[i].library, dlerror());
			return -1;
		}
	}
	lib.loaded = true;
	return 0;
}

/* corosync's errors as people meet them */
static const char *cs_text(cs_error_t e)
{
	switch (e) {
	case CS_ERR_LIBRARY: return "corosync does not answer (is it running?)";
	case CS_ERR_TRY_AGAIN: return "corosync is busy (try again)";
	case CS_ERR_ACCESS: return "corosync refused access";
	case CS_ERR_NOT_EXIST: return "no such object";
	case CS_ERR_NO_MEMORY: return "out of memory";
	case CS_ERR_BAD_HANDLE: return "the connection to corosync is gone";
	default: return "corosync error";
	}
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid, uint32_t pid, void *msg,
		       size_t len)
{
	struct cs_group *g = NULL;

	(void)group, (void)pid;
	if (lib.cpg_context_get(h, (void **)&g) == CS_OK && g)
		g->ev.message(g->ev.ctx, nodeid, msg, len);
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *group, const struct cpg_address *members,
		       size_t n_members, const struct cpg_address *left, size_t n_left,
		       const struct cpg_address *joined, size_t n_joined)
{
	uint32_t ids[CPG_MEMBERS_MAX];
	struct cs_group *g = NULL;
	bool nodedown = false;
	size_t n = 0;

	(void)group, (void)joined, (void)n_joined;
	if (lib.cpg_context_get(h, (void **)&g) != CS_OK || !g)
		return;
	for (size_t i = 0; i < n_members && n < CPG_MEMBERS_MAX; i++)
		ids[n++] = members[i].nodeid;
	for (size_t i = 0; i < n_left; i++)
		nodedown |= left[i].reason == CPG_REASON_NODEDOWN;
	g->ev.view(g->ev.ctx, ids, n, nodedown);
}

static void on_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n, const uint32_t *members)
{
	struct cs_group *g = NULL;

	(void)n, (void)members;
	if (lib.cpg_context_get(h, (void **)&g) == CS_OK && g)
		g->ev.ring(g->ev.ctx, (struct cs_ring){ ring.nodeid, ring.seq });
}

static void on_quorum(quorum_handle_t h, uint32_t quorate, struct quorum_ring_id ring, uint32_t n,
		      const uint32_t *members)
{
	const struct cs_group *g = NULL;

	(void)n, (void)members;
	if (lib.quorum_context_get(h, (const void **)&g) == CS_OK && g)
		g->ev.quorum(g->ev.ctx, quorate != 0, (struct cs_ring){ ring.nodeid, ring.seq });
}

int cs_open(struct cs_group *g, const char *group, const struct cs_events *ev, char *err, size_t len)
{
	cpg_model_v1_data_t callbacks = { .model = CPG_MODEL_V1,
					  .cpg_deliver_fn = on_deliver,
					  .cpg_confchg_fn = on_confchg,
					  .cpg_totem_confchg_fn = on_totem,
					  .flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF };
	quorum_model_v1_data_t quorum_callbacks = { .model = QUORUM_MODEL_V1, .quorum_notify_fn = on_quorum };
	struct cpg_name name = { 0 };
	uint32_t quorum_type;
	cs_error_t e;
	const char *what;

	memset(g, 0, sizeof(*g));
	g->ev = *ev;
	if (load(err, len))
		return -1;
	name.length = (uint32_t)snprintf(name.value, sizeof(name.value), "%s", group);
	what = "connect to its process groups (cpg)";
	if ((e = lib.cpg_model_initialize(&g->cpg, CPG_MODEL_V1, (cpg_model_data_t *)&callbacks, g)) != CS_OK)
		goto fail;
	what = "ask for the local node id";
	if ((e = lib.cpg_local_get(g->cpg, &g->local_nodeid)) != CS_OK)
		goto fail;
	what = "connect to its quorum service";
	if ((e = lib.quorum_model_initialize(&g->quorum, QUORUM_MODEL_V1, (quorum_model_data_t *)&quorum_callbacks,
					     &quorum_type, g)) != CS_OK)
		goto fail;
	what = "track the quorum";
	if ((e = lib.quorum_trackstart(g->quorum, CS_TRACK_CHANGES | CS_TRACK_CURRENT)) != CS_OK)
		goto fail;
	what = "join the process group";
	if ((e = lib.cpg_join(g->cpg, &name)) != CS_OK)
		goto fail;
	return 0;
fail:
	say(err, len, "corosync: cannot %s: %s (error %d)", what, cs_text(e), (int)e);
	cs_close(g);
	return -1;
}

int cs_nodes(struct cs_node *out, int max, char *err, size_t len)
{
	cmap_handle_t h;
	cs_error_t e;
	int n = 0;

	if (load(err, len))
		return -1;
	if ((e = lib.cmap_initialize(&h)) != CS_OK) {
		say(err, len, "corosync: cannot read its node list (cmap): %s (error %d)", cs_text(e), (int)e);
		return -1;
	}
	for (int i = 0; n < max; i++) {
		char key[64], *name = NULL;
		uint32_t id;
		snprintf(key, sizeof(key), "nodelist.node.%d.nodeid", i);
		if (lib.cmap_get_uint32(h, key, &id) != CS_OK)
			break;
		/* corosync names a node by its name, or else by its first ring address */
		snprintf(key, sizeof(key), "nodelist.node.%d.name", i);
		if (lib.cmap_get_string(h, key, &name) != CS_OK) {
			snprintf(key, sizeof(key), "nodelist.node.%d.ring0_addr", i);
			if (lib.cmap_get_string(h, key, &name) != CS_OK)
				name = NULL;
		}
		out[n].nodeid = id;
		snprintf(out[n].name, sizeof(out[n].name), "%s", name ? name : "");
		free(name);
		n++;
	}
	lib.cmap_finalize(h);
	return n;
}

int cs_fd(const struct cs_group *g, enum cs_fd which)
{
	int fd = -1;

	if (which == CS_FD_GROUP && g->cpg && lib.cpg_fd_get(g->cpg, &fd) != CS_OK)
		fd = -1;
	if (which == CS_FD_QUORUM && g->quorum && lib.quorum_fd_get(g->quorum, &fd) != CS_OK)
		fd = -1;
	return fd;
}

int cs_dispatch(struct cs_group *g, enum cs_fd which)
{
	cs_error_t e = which == CS_FD_GROUP ? lib.cpg_dispatch(g->cpg, CS_DISPATCH_ALL)
					    : lib.quorum_dispatch(g->quorum, CS_DISPATCH_ALL);

	if (e == CS_OK || e == CS_ERR_TRY_AGAIN)
		return 0;
	cs_close(g);
	return -1;
}

int cs_send(struct cs_group *g, const void *msg, size_t len)
{
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };

	return g->cpg && lib.cpg_mcast_joined(g->cpg, CPG_TYPE_AGREED, &iov, 1) == CS_OK ? 0 : -1;
}

void cs_close(struct cs_group *g)
{
	if (g->cpg)
		lib.cpg_finalize(g->cpg);
	if (g->quorum)
		lib.quorum_finalize(g->quorum);
	g->cpg = g->quorum = 0;
}
