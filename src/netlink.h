/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_NETLINK_H
#define SHAREDVIP_NETLINK_H

#include <libmnl/libmnl.h>

/* Sends one request (setting its sequence number) on the process's socket for bus
 * (NETLINK_ROUTE, NETLINK_NETFILTER) and reads its answers to the ACK or the end of the
 * dump. 0, or -errno (the kernel's, for a refused request). */
int netlink_talk(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
