/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_UDEVNAMES_H
#define SHAREDVIP_UDEVNAMES_H

#include <net/if.h>

#define UDEV_MAX_NAMES 6

/* The predictable names udev computed for a net device (ID_NET_NAME_*): from the event's
 * environment when run by udev, else from the udev database. Empty strings when unknown. */
void udev_net_names(const char *ifname, char names[UDEV_MAX_NAMES][IFNAMSIZ]);

#endif
