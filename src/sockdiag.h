/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_SOCKDIAG_H
#define SHAREDVIP_SOCKDIAG_H

#include <stdint.h>

#include "config.h"

/* Whether something on this host takes proto traffic to port on a VIP: a TCP listener or a
 * bound UDP socket, on a VIP or on any address, asked over sock_diag (no connection made).
 * 1, 0, or -errno. */
int sockdiag_listens(const struct sv_config *cfg, uint8_t proto, uint16_t port);

#endif
