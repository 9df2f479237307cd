/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_CONTROL_H
#define SHAREDVIP_CONTROL_H

#include <stddef.h>

/* sharedvipd's control socket: one line in, the answer out, then the connection closes.
 * Commands: status, drain, resume. The directory is root's only. */
#define SV_RUN_DIR "/run/sharedvip"

const char *control_run_dir(const char *opt);
int control_listen(const char *run_dir);
/* -errno when no daemon answers */
int control_request(const char *run_dir, const char *cmd, char *reply, size_t len);

#endif
