/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SHAREDVIP_VERSION_H
#define SHAREDVIP_VERSION_H
#define SHAREDVIP_VERSION "0.1.0"
#endif
