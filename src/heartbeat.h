/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_HEARTBEAT_H
#define SHAREDVIP_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HB_KEY_MIN    16
#define HB_DIGEST_LEN 16
#define HB_MAX_NODES  256
#define HB_VIEW_BYTES (HB_MAX_NODES / 8) /* one bit per configured node */
#define HB_MAC_LEN    32		 /* HMAC-SHA256 with the cluster's key */
#define HB_SIG_LEN    64		 /* Ed25519, with per-node keys */
#define HB_PUBLIC_LEN 32
#define HB_SECRET_LEN 64
#define HB_HEADER_LEN (4 + 1 + 1 + 2 + 2 + 8 + 8 + HB_DIGEST_LEN + HB_VIEW_BYTES)
/* 256 echoes and a signature: 1194 bytes, one datagram on any Ethernet */
#define HB_MAX_LEN (HB_HEADER_LEN + 4 * HB_MAX_NODES + HB_SIG_LEN + HB_MAC_LEN)

/* HB_SIGNED is the encoder's: an Ed25519 signature by the sender's own key precedes the HMAC. */
enum { HB_LEAVING = 1, HB_DRAINING = 2, HB_UNHEALTHY = 4, HB_SIGNED = 8 };

/* One heartbeat: who sends it, in which boot (incarnation) and order (seq), with which
 * config (digest), which nodes it counts as alive (view), and for every node the low 32
 * bits of the incarnation it last heard from it (echo, 0: none): a heartbeat proves itself
 * fresh to a receiver by echoing the receiver's present incarnation, which no recording
 * made before the receiver started can hold. */
struct heartbeat {
	uint8_t flags;
	uint16_t node, n_echo;
	uint64_t incarnation, seq;
	uint8_t digest[HB_DIGEST_LEN];
	uint8_t view[HB_VIEW_BYTES];
	uint32_t echo[HB_MAX_NODES];
};

/* The whole message into out (HB_MAX_LEN bytes): signed with secret (HB_SECRET_LEN bytes,
 * libsodium's Ed25519 secret key) when it is not NULL, then HMAC-SHA256 (key) over all of
 * it. Returns its length. */
size_t hb_encode(const struct heartbeat *hb, const uint8_t *key, size_t key_len, const uint8_t *secret, uint8_t *out);
/* 0, or -1 when the message is malformed or its HMAC is not the key's: then no field of it
 * has been read. */
int hb_decode(const uint8_t *msg, size_t len, const uint8_t *key, size_t key_len, struct heartbeat *hb);
/* For a message hb_decode accepted: whether it carries a valid signature by public. */
bool hb_signed_by(const uint8_t *msg, size_t len, const uint8_t *public);
/* The low 32 bits of an incarnation, as echoed (never 0, which means "not heard"). */
uint32_t hb_echo_of(uint64_t incarnation);

static inline bool view_has(const uint8_t *view, int node)
{
	return view[node / 8] & (1u << (node % 8));
}
static inline void view_set(uint8_t *view, int node)
{
	view[node / 8] |= (uint8_t)(1u << (node % 8));
}

#endif
