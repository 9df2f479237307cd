/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_LINKWATCH_H
#define SHAREDVIP_LINKWATCH_H

#include <libmnl/libmnl.h>
#include <net/if.h>
#include <stdbool.h>

/* rtnetlink's notifications about the configured interface, so that sharedvipd can put
 * back what something else (a network manager, an admin) removed. */
/* from linux/if.h, which clashes with net/if.h */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

struct linkwatch {
	struct mnl_socket *nl;
	int ifindex; /* 0 while the interface is missing */
	bool up;
	bool running; /* up with a carrier: the node can hear and be heard */
	char name[IFNAMSIZ];
	const char *why; /* the first reason since the last read, for the log */
};

int linkwatch_open(struct linkwatch *w, const char *ifname);
int linkwatch_fd(const struct linkwatch *w);
/* Reads every queued notification: true if the link came up (again, or as a new device of
 * that name) or lost an address or a default route since the last read; w->why says which. */
bool linkwatch_read(struct linkwatch *w);
void linkwatch_close(struct linkwatch *w);

#endif
