/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_NETLINK_H
#define SHAREDVIP_NETLINK_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

/* Sends one request (setting its sequence number) on the process's socket for bus
 * (NETLINK_ROUTE, NETLINK_NETFILTER) and reads its answers to the ACK or the end of the
 * dump, always to the end, whatever failed. 0, or -errno: the kernel's for a refused
 * request, the callback's, -ETIMEDOUT for a socket that stopped answering (it is opened
 * anew), -EINTR for a dump the table changed under (NLM_F_DUMP_INTR). */
int netlink_talk(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* The same for a dump, asked again (up to 5 times) when it was interrupted, restart(data)
 * emptying what the callback gathered first. */
int netlink_dump(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, void (*restart)(void *data));
/* Closes the process's socket for bus: the next request opens a new one. */
void netlink_reset(int bus);
/* The process's socket for bus, opened on first use and kept to the end: closing a
 * netfilter socket after a transaction that deleted anything waits for an RCU grace
 * period (5-20 ms), once per socket. NULL (errno set) if it cannot be opened. */
struct mnl_socket *netlink_socket(int bus);
/* A socket of the caller's own on bus, bound to the multicast groups (0 for none),
 * nonblocking if asked. NULL (errno set) if it cannot be had. */
struct mnl_socket *netlink_open(int bus, unsigned groups, bool nonblock);

#endif
