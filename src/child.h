/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_CHILD_H
#define SHAREDVIP_CHILD_H

#include <sys/types.h>

/* Runs `/bin/sh -c cmd' as a child in a process group of its own (so that a timeout kills
 * all of it: kill(-pid, SIGKILL)), stdin from /dev/null, every signal unblocked, with the
 * NAME=VALUE strings of env (NULL-terminated) added to its environment. The caller reaps
 * it (sharedvipd: SIGCHLD in its loop). Its pid, or -errno. */
pid_t child_spawn(const char *cmd, char *const *env);

#endif
