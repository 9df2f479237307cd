/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_STATUS_H
#define SHAREDVIP_STATUS_H

#include <stdbool.h>

#include "config.h"

enum status_format { STATUS_TEXT, STATUS_JSON, STATUS_PROMETHEUS };
int status_show(const struct sv_config *cfg, int node, enum status_format format);
int status_who(const struct sv_config *cfg, const struct sv_addr *client, int port, bool json);

#endif
