// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether env has a NAME=... for the NAME of var (then var is not inherited). */
static bool overridden(const char *var, char *const *env)
{
	size_t len = strcspn(var, "=");

	for (; env && *env; env++)
		if (!strncmp(*env, var, len) && (*env)[len] == '=')
			return true;
	return false;
}

/* The environment is put together before fork(): sharedvipd has threads (its renewals, its
 * conntrack dumps), and after fork() in a threaded process only async-signal-safe calls
 * may run until exec; putenv(), which may allocate, is not one. */
pid_t child_spawn(const char *cmd, char *const *env)
{
	extern char **environ;
	size_t n = 0, k = 0;
	sigset_t none;

	for (char **e = environ; e && *e; e++)
		n++;
	for (char *const *e = env; e && *e; e++)
		n++;
	char **envp = calloc(n + 1, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	for (char *const *e = env; e && *e; e++)
		envp[k++] = *e;
	for (char **e = environ; e && *e; e++)
		if (!overridden(*e, env))
			envp[k++] = *e;
	char *const argv[] = { "sh", "-c", (char *)cmd, NULL };
	pid_t pid = fork();
	if (pid) {
		int err = errno;
		free(envp);
		return pid < 0 ? -err : pid;
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	execve("/bin/sh", argv, envp);
	_exit(127);
}
