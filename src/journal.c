// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "journal.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

void journal_event(const struct event *e, const char *node)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char text[256], msg[1024];
	int fd, n;

	event_text(e, text, sizeof(text));
	n = snprintf(msg, sizeof(msg),
		     "MESSAGE=%s: %s\nMESSAGE_ID=%s\nPRIORITY=%d\nSYSLOG_IDENTIFIER=%s\nSHAREDVIP_EVENT=%s\n"
		     "SHAREDVIP_NODE=%s\nSHAREDVIP_PEER=%s\nSHAREDVIP_OWNED=%d\n",
		     sv_prog, text, event_types[e->type].message_id, event_types[e->type].priority, sv_prog,
		     event_types[e->type].name, node, e->peer, e->owned);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", JOURNAL_SOCKET);
	fd = access(JOURNAL_SOCKET, W_OK) ? -1 : socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && n > 0 && n < (int)sizeof(msg) &&
	    sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sun, sizeof(sun)) == n) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	fprintf(stderr, "%s: %s\n", sv_prog, text);
}
