// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* sysctl(8)'s key to its file: dots separate the parts, and a slash stands for a dot within
 * one (net.ipv4.conf.eth0/100.forwarding is net/ipv4/conf/eth0.100/forwarding). */
static void sysctl_path(const char *key, char *path, size_t len)
{
	snprintf(path, len, "/proc/sys/%s", key);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
}

int sysctl_read(const char *key, char *value, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, value, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	value[n] = '\0';
	value[strcspn(value, "\n")] = '\0';
	return 0;
}

int sysctl_write(const char *key, const char *value)
{
	char path[256];
	int fd, ret = 0;

	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
