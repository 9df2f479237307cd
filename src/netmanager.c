// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers.
 *
 * The network managers' own runtime state, read only to give the admin exact advice:
 * systemd-networkd keeps /run/systemd/netif/links/IFINDEX (NETWORK_FILE=), NetworkManager
 * /run/NetworkManager/devices/IFINDEX (connection-uuid=).
 */
#include "netmanager.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The value of "key=" in file, or false. */
static bool state_value(const char *file, const char *key, char *value, size_t len)
{
	char line[512];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = snprintf(value, len, "%s", line + klen + 1) < (int)len && *value;
	}
	fclose(f);
	return found;
}

void netmanager_stable_ipv6_advice(int ifindex, const char *ifname, char *out, size_t len)
{
	char path[128], value[256];

	snprintf(path, sizeof(path), "/run/systemd/netif/links/%d", ifindex);
	if (state_value(path, "NETWORK_FILE", value, sizeof(value))) {
		snprintf(out, len,
			 "systemd-networkd: set IPv6LinkLocalAddressGenerationMode=stable-privacy in [Network] and "
			 "Token=prefixstable in [IPv6AcceptRA] of %s, then `networkctl reconfigure %s'; the link-local "
			 "address changes when the link next comes up",
			 value, ifname);
		return;
	}
	snprintf(path, sizeof(path), "/run/NetworkManager/devices/%d", ifindex);
	if (state_value(path, "connection-uuid", value, sizeof(value))) {
		snprintf(out, len,
			 "NetworkManager: `nmcli connection modify %s ipv6.addr-gen-mode stable-privacy', then "
			 "`nmcli connection up %s'",
			 value, value);
		return;
	}
	snprintf(out, len,
		 "make the network manager of %s derive IPv6 addresses from a stable secret (RFC 7217, "
		 "stable privacy), not from the MAC",
		 ifname);
}
