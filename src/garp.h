/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_GARP_H
#define SHAREDVIP_GARP_H

#include <stdint.h>

#include "addr.h"

/* Announces that addr lives at mac: a gratuitous ARP request for IPv4, an unsolicited
 * neighbour advertisement to all nodes for IPv6. */
int announce_address(int ifindex, const uint8_t mac[6], const struct sv_addr *addr);

#endif
