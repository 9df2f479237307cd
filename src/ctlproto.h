/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_CTLPROTO_H
#define SHAREDVIP_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/*
 * sharedvipd's control protocol, defined once: the commands (one line in), and the status
 * reply, written by the daemon and read by sharedvipctl, sharedvip-status and
 * sharedvip-apply with the same two functions. The reply is lines of text:
 *
 *   mode daemon
 *   node NAME
 *   draining 0|1
 *   healthy 0|1
 *   health REASON          (why the last health round failed; absent when it did not)
 *   owned N
 *   held N
 *   quorum 0|1
 *   ownership_changes N
 *   peer NAME alive=0|1 eligible=0|1 heard_ms_ago=MS config=same|different healthy=0|1
 *        received=N        (every node; received: authentic heartbeats heard from it)
 *   drops forged=N replayed=N unknown=N config_differs=N wrong_address=N unproven=N
 *
 * A command's answer is `ok COMMAND' or `error: ...'.
 */

enum ctl_command { CTL_STATUS, CTL_DRAIN, CTL_RESUME, CTL_N_COMMANDS };

struct ctl_command_info {
	const char *name, *help;
};
extern const struct ctl_command_info ctl_commands[CTL_N_COMMANDS];

/* The command a request line names (its line end ignored), or -1. */
int ctl_command_parse(const char *line);

struct ctl_peer {
	char name[SV_MAX_NAME];
	bool alive, eligible, config_differs, healthy;
	long long heard_ms_ago; /* -1: never heard (or this node) */
	unsigned long long received;
};

struct ctl_status {
	char node[SV_MAX_NAME];
	bool draining, healthy;
	char health[192];
	int owned, held;
	bool quorum;
	unsigned long long ownership_changes;
	int n_peers;
	struct ctl_peer peers[SV_MAX_NODES];
	unsigned long long forged, replayed, unknown, config_differs, wrong_address, unproven;
};

/* Room for the longest reply: every node's line at its longest. */
#define CTL_PEER_LINE_MAX (SV_MAX_NAME + 128)
#define CTL_REPLY_MAX	  (SV_MAX_NODES * CTL_PEER_LINE_MAX + 512)

/* The reply's text; -ENOSPC (nothing cut silently) when it does not fit in len. */
int ctl_status_format(const struct ctl_status *st, char *out, size_t len);
/* 0, or -EPROTO when the text is not a daemon's status reply. */
int ctl_status_parse(const char *reply, struct ctl_status *st);
/* The peer line for name, or NULL. */
const struct ctl_peer *ctl_status_peer(const struct ctl_status *st, const char *name);

#endif
