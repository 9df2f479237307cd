/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_NOTIFY_H
#define SHAREDVIP_NOTIFY_H

#include <stdint.h>

/* systemd's notification protocol (sd_notify(3)), without libsystemd: a datagram to
 * $NOTIFY_SOCKET. Does nothing when not run by systemd. */
void notify(const char *state);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The watchdog interval systemd asks for ($WATCHDOG_USEC), in ms; 0 when none. */
int64_t notify_watchdog_ms(void);

#endif
