/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_APPLY_H
#define SHAREDVIP_APPLY_H

#include <stdbool.h>

#include "config.h"

enum { EXIT_CONFIG = 1, EXIT_KERNEL = 2 };

/* Whether ifname is the configured interface, by name or by one of udev's names for it. */
bool apply_is_interface(const struct sv_config *cfg, const char *ifname, const char *const *alt_names);
/* The udev stage: shared MAC and IPv6 link settings on ifname, if it is the configured
 * interface (by name or by one of udev's predictable names). */
int apply_link(const struct sv_config *cfg, const char *ifname, const char *const *alt_names);
/* Makes the system match the config for node; dry_run prints the plan instead. Ownership:
 * owned_override/held_override when given (sharedvipd), else a running sharedvipd's (kept
 * as the kernel has it), else the static split over all configured nodes. */
int apply_node(const struct sv_config *cfg, int node, bool dry_run, bool verbose, const bool *owned_override,
	       const bool *held_override);
void apply_warn_stale_initramfs(const char *config_path);
/* Which node this is, reading the interface's addresses: -1 after printing why not. */
int apply_identify(const struct sv_config *cfg, const char *opt_node);

#endif
