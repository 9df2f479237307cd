/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_NETMANAGER_H
#define SHAREDVIP_NETMANAGER_H

#include <stddef.h>

/* What the admin must set so that the network manager in charge of the link derives IPv6
 * addresses from a stable secret instead of the (shared) MAC: one sentence, naming the
 * systemd-networkd file or the NetworkManager connection from their runtime state. */
void netmanager_stable_ipv6_advice(int ifindex, const char *ifname, char *out, size_t len);

#endif
