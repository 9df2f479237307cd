/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_JOURNAL_H
#define SHAREDVIP_JOURNAL_H

#include "events.h"

/* One line for the event: to the journal's native socket with structured fields
 * (MESSAGE_ID, SHAREDVIP_EVENT, SHAREDVIP_NODE, SHAREDVIP_PEER, SHAREDVIP_OWNED) when it is
 * there, else to standard error. */
void journal_event(const struct event *e, const char *node);

#endif
