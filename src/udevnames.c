// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "udevnames.h"

#include <libudev.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const props[UDEV_MAX_NAMES] = { "ID_NET_NAME",      "ID_NET_NAME_ONBOARD",
						   "ID_NET_NAME_SLOT", "ID_NET_NAME_PATH",
						   "ID_NET_NAME_MAC",  "ID_NET_NAME_FROM_DATABASE" };

void udev_net_names(const char *ifname, char names[UDEV_MAX_NAMES][IFNAMSIZ])
{
	struct udev_device *dev = NULL;
	struct udev *udev = NULL;
	bool from_env = getenv("ACTION") && getenv("SUBSYSTEM");

	memset(names, 0, UDEV_MAX_NAMES * IFNAMSIZ);
	if (!from_env && (udev = udev_new()))
		dev = udev_device_new_from_subsystem_sysname(udev, "net", ifname);
	for (int i = 0; i < UDEV_MAX_NAMES; i++) {
		const char *v = from_env ? getenv(props[i])
				: dev	 ? udev_device_get_property_value(dev, props[i])
					 : NULL;
		if (v)
			snprintf(names[i], IFNAMSIZ, "%s", v);
	}
	if (dev)
		udev_device_unref(dev);
	if (udev)
		udev_unref(udev);
}
