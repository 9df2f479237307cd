// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "hashmode.h"

#include <string.h>
#include <sys/socket.h>

const struct hash_mode hash_modes[AFFINITY_N] = {
	[AFFINITY_CLIENT] = { "client", 32, 128, false },
	[AFFINITY_NETWORK] = { "network", 24, 64, false },
	[AFFINITY_FLOW] = { "flow", 32, 128, true },
};

int hash_mode_by_name(const char *name)
{
	for (int i = 0; i < AFFINITY_N; i++)
		if (!strcmp(hash_modes[i].name, name))
			return i;
	return -1;
}

uint8_t hash_mode_prefix(const struct hash_mode *m, int family)
{
	return family == AF_INET ? m->prefix4 : m->prefix6;
}

uint32_t hash_mode_key(const struct hash_mode *m, const struct sv_addr *a, int port, uint8_t key[20])
{
	uint32_t len = (uint32_t)addr_len(a);
	unsigned prefix = hash_mode_prefix(m, a->family);

	memset(key, 0, 20);
	memcpy(key, a->b, len);
	for (unsigned bit = prefix; bit < len * 8; bit++)
		key[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	if (m->port && port >= 0) {
		key[len] = (uint8_t)(port >> 8);
		key[len + 1] = (uint8_t)port;
		len += 4;
	}
	return len;
}
