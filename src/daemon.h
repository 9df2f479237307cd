/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_DAEMON_H
#define SHAREDVIP_DAEMON_H

#define SV_STATE_DIR "/var/lib/sharedvip"

/* Runs sharedvipd until SIGTERM: 0, or the exit status of a failed start. state_dir: the
 * --state-dir option or NULL ($SHAREDVIP_STATE_DIR, else SV_STATE_DIR). */
int daemon_run(const char *config_path, const char *opt_node, const char *run_dir, const char *state_dir);

#endif
