// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The --run-dir option, else $SHAREDVIP_RUN_DIR (one per node in the tests), else /run/sharedvip. */
const char *control_run_dir(const char *opt)
{
	const char *env = getenv("SHAREDVIP_RUN_DIR");

	return opt ? opt : env && *env ? env : SV_RUN_DIR;
}

static int control_addr(const char *run_dir, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/control", run_dir) >= (int)sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int control_listen(const char *run_dir)
{
	struct sockaddr_un sun;
	int fd, ret;

	if ((ret = control_addr(run_dir, &sun)))
		return ret;
	if (mkdir(run_dir, 0700) && errno != EEXIST)
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || chmod(sun.sun_path, 0600) || listen(fd, 8)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int control_request(const char *run_dir, const char *cmd, char *reply, size_t len)
{
	struct sockaddr_un sun;
	struct timeval tv = { .tv_sec = 2 };
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	if ((ret = control_addr(run_dir, &sun)))
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* the command and its newline in one piece: the daemon answers as soon as it reads */
	char line[128];
	int line_len = snprintf(line, sizeof(line), "%s\n", cmd);

	if (line_len >= (int)sizeof(line) || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    send(fd, line, (size_t)line_len, MSG_NOSIGNAL) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (got + 1 < len && (n = read(fd, reply + got, len - got - 1)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	close(fd);
	return 0;
}
