/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_APPLY_H
#define SHAREDVIP_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "config.h"

/* Whether ifname is the configured interface, by name or by one of udev's names for it. */
bool apply_is_interface(const struct sv_config *cfg, const char *ifname, const char *const *alt_names);
/* The udev stage: shared MAC and IPv6 link settings on ifname, if it is the configured
 * interface (by name or by one of udev's predictable names). */
int apply_link(const struct sv_config *cfg, const char *ifname, const char *const *alt_names);
/* How an apply is to run, and whose ownership it loads. */
struct apply_request {
	bool dry_run, verbose;
	bool force_static;	  /* --static: the static split although the daemon is configured */
	bool leave_link_down;	  /* sharedvipd: a link someone took down is theirs */
	bool no_wait;		  /* sharedvipd's loop: -EAGAIN rather than wait for another apply */
	const bool *owned, *held; /* sharedvipd's ownership, NULL otherwise */
	int64_t lease_ms;	  /* with owned: how long its lease has left */
};
/* Makes the system match the config for node; dry_run prints the plan instead. Ownership:
 * req->owned/held when given (sharedvipd); in a failover cluster (a [failover] section and
 * its key file) only what the running daemon leased, which ends by itself when it stops;
 * else the static split over all configured nodes. */
int apply_node(const struct sv_config *cfg, int node, const struct apply_request *req);
/* (apply_node returns 0, EXIT_CONFIG or EXIT_KERNEL; with no_wait also -EAGAIN, another
 * apply holds the lock, or -EINTR, a table kept changing while it was read.) */
/* Gives up every bucket this node owns, keeping its connections (held): reads no config. */
int apply_release(void);
void apply_warn_stale_initramfs(const char *config_path);
/* Which node this is, reading the interface's addresses: -1 after printing why not. */
int apply_identify(const struct sv_config *cfg, const char *opt_node);

#endif
