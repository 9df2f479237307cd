// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "heartbeat.h"

#include <sodium.h>
#include <string.h>

static const uint8_t magic[4] = { 'S', 'V', 'H', 'B' };
#define HB_VERSION 1

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void hb_encode(const struct heartbeat *hb, const uint8_t *key, size_t key_len, uint8_t out[HB_LEN])
{
	uint8_t *p = out;

	memcpy(p, magic, 4), p += 4;
	*p++ = HB_VERSION;
	*p++ = hb->flags;
	*p++ = (uint8_t)(hb->node >> 8), *p++ = (uint8_t)hb->node;
	put64(p, hb->incarnation), p += 8;
	put64(p, hb->seq), p += 8;
	memcpy(p, hb->digest, HB_DIGEST_LEN), p += HB_DIGEST_LEN;
	memcpy(p, hb->view, HB_VIEW_BYTES), p += HB_VIEW_BYTES;
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, out, (unsigned long long)(p - out));
	crypto_auth_hmacsha256_final(&st, p);
}

int hb_decode(const uint8_t *msg, size_t len, const uint8_t *key, size_t key_len, struct heartbeat *hb)
{
	uint8_t mac[HB_MAC_LEN];
	const uint8_t *p = msg;

	if (len != HB_LEN || memcmp(msg, magic, 4) || msg[4] != HB_VERSION)
		return -1;
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, msg, HB_LEN - HB_MAC_LEN);
	crypto_auth_hmacsha256_final(&st, mac);
	if (sodium_memcmp(mac, msg + HB_LEN - HB_MAC_LEN, HB_MAC_LEN))
		return -1;
	p += 5;
	hb->flags = *p++;
	hb->node = (uint16_t)(p[0] << 8 | p[1]), p += 2;
	hb->incarnation = get64(p), p += 8;
	hb->seq = get64(p), p += 8;
	memcpy(hb->digest, p, HB_DIGEST_LEN), p += HB_DIGEST_LEN;
	memcpy(hb->view, p, HB_VIEW_BYTES);
	return 0;
}
