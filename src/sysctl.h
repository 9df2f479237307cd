/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_SYSCTL_H
#define SHAREDVIP_SYSCTL_H

#include <stddef.h>

/* key in sysctl's dotted form, e.g. "net.ipv4.conf.eth0.forwarding" (the interface name
 * may itself hold no dots, which config validation ensures). */
int sysctl_read(const char *key, char *value, size_t len);
int sysctl_write(const char *key, const char *value);

#endif
