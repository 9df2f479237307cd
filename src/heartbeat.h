/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_HEARTBEAT_H
#define SHAREDVIP_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HB_KEY_MIN    16
#define HB_DIGEST_LEN 16
#define HB_VIEW_BYTES 32 /* one bit per configured node, up to 256 */
#define HB_MAC_LEN    32
#define HB_LEN	      (4 + 1 + 1 + 2 + 8 + 8 + HB_DIGEST_LEN + HB_VIEW_BYTES + HB_MAC_LEN)

enum { HB_LEAVING = 1, HB_DRAINING = 2, HB_UNHEALTHY = 4 };

/* One heartbeat: who sends it, in which boot (incarnation) and order (seq), with which
 * config (digest), and which nodes it counts as alive (view). */
struct heartbeat {
	uint8_t flags;
	uint16_t node;
	uint64_t incarnation, seq;
	uint8_t digest[HB_DIGEST_LEN];
	uint8_t view[HB_VIEW_BYTES];
};

/* The whole message, HMAC-SHA256 (key) at the end. */
void hb_encode(const struct heartbeat *hb, const uint8_t *key, size_t key_len, uint8_t out[HB_LEN]);
/* 0, or -1 when the message is malformed or its HMAC is not the key's. */
int hb_decode(const uint8_t *msg, size_t len, const uint8_t *key, size_t key_len, struct heartbeat *hb);

static inline bool view_has(const uint8_t *view, int node)
{
	return view[node / 8] & (1u << (node % 8));
}
static inline void view_set(uint8_t *view, int node)
{
	view[node / 8] |= (uint8_t)(1u << (node % 8));
}

#endif
