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
	struct timeval tv = { .tv_sec = CONTROL_TIMEOUT_S };
	char line[128];
	size_t got = 0;
	ssize_t n = 0;
	int fd, ret, line_len;

	if ((ret = control_addr(run_dir, &sun)))
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* the command and its newline in one piece: the daemon answers as soon as it reads */
	line_len = snprintf(line, sizeof(line), "%s\n", cmd);
	if (line_len >= (int)sizeof(line) || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    send(fd, line, (size_t)line_len, MSG_NOSIGNAL) < 0) {
		ret = line_len >= (int)sizeof(line) ? -EINVAL : -errno;
		close(fd);
		return ret;
	}
	while (got + 1 < len && (n = read(fd, reply + got, len - got - 1)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	ret = n < 0 ? -errno : 0;
	close(fd);
	/* a daemon too busy (or hung) to answer in time has not answered: never success */
	if (ret == -EAGAIN || ret == -EWOULDBLOCK)
		return -ETIMEDOUT;
	if (ret)
		return ret;
	if (got + 1 >= len)
		return -EMSGSIZE;
	return got ? 0 : -ENODATA;
}

bool control_no_daemon(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED;
}
