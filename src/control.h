/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_CONTROL_H
#define SHAREDVIP_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

/* sharedvipd's control socket: one line in, the answer out, then the connection closes.
 * The commands and the status reply are ctlproto.h's. The directory is root's only. */
#define SV_RUN_DIR "/run/sharedvip"

const char *control_run_dir(const char *opt);
int control_listen(const char *run_dir);
#define CONTROL_TIMEOUT_S 2

/* One command and its whole answer: 0, or -errno: -ETIMEDOUT for a daemon that did not
 * answer within CONTROL_TIMEOUT_S, -ENODATA for one that hung up without an answer,
 * -EMSGSIZE for an answer larger than len, the socket's error otherwise. */
int control_request(const char *run_dir, const char *cmd, char *reply, size_t len);
/* Whether a control_request error means that no daemon runs (as opposed to one that does
 * not answer). */
bool control_no_daemon(int err);

#endif
