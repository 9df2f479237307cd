// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "heartbeat.h"

#include <sodium.h>
#include <string.h>

static const uint8_t magic[4] = { 'S', 'V', 'H', 'B' };
#define HB_VERSION 2

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

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void hmac(const uint8_t *msg, size_t len, const uint8_t *key, size_t key_len, uint8_t out[HB_MAC_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, msg, (unsigned long long)len);
	crypto_auth_hmacsha256_final(&st, out);
}

uint32_t hb_echo_of(uint64_t incarnation)
{
	uint32_t low = (uint32_t)incarnation;

	return low ? low : 1;
}

size_t hb_encode(const struct heartbeat *hb, const uint8_t *key, size_t key_len, const uint8_t *secret, uint8_t *out)
{
	uint8_t *p = out;
	uint16_t n_echo = hb->n_echo > HB_MAX_NODES ? HB_MAX_NODES : hb->n_echo;
	uint8_t flags = (uint8_t)((hb->flags & ~HB_SIGNED) | (secret ? HB_SIGNED : 0));

	memcpy(p, magic, 4), p += 4;
	*p++ = HB_VERSION;
	*p++ = flags;
	*p++ = (uint8_t)(hb->node >> 8), *p++ = (uint8_t)hb->node;
	*p++ = (uint8_t)(n_echo >> 8), *p++ = (uint8_t)n_echo;
	put64(p, hb->incarnation), p += 8;
	put64(p, hb->seq), p += 8;
	memcpy(p, hb->digest, HB_DIGEST_LEN), p += HB_DIGEST_LEN;
	memcpy(p, hb->view, HB_VIEW_BYTES), p += HB_VIEW_BYTES;
	for (int i = 0; i < n_echo; i++, p += 4)
		put32(p, hb->echo[i]);
	if (secret) {
		crypto_sign_detached(p, NULL, out, (unsigned long long)(p - out), secret);
		p += HB_SIG_LEN;
	}
	hmac(out, (size_t)(p - out), key, key_len, p);
	return (size_t)(p - out) + HB_MAC_LEN;
}

/* The length a message of this header must have (0: none can be right). */
static size_t expected_len(const uint8_t *msg, size_t len)
{
	size_t n_echo;

	if (len < HB_HEADER_LEN + HB_MAC_LEN || len > HB_MAX_LEN || memcmp(msg, magic, 4) || msg[4] != HB_VERSION)
		return 0;
	n_echo = (size_t)msg[8] << 8 | msg[9];
	if (n_echo > HB_MAX_NODES)
		return 0;
	return HB_HEADER_LEN + 4 * n_echo + (msg[5] & HB_SIGNED ? HB_SIG_LEN : 0) + HB_MAC_LEN;
}

int hb_decode(const uint8_t *msg, size_t len, const uint8_t *key, size_t key_len, struct heartbeat *hb)
{
	uint8_t mac[HB_MAC_LEN];
	const uint8_t *p = msg;

	/* only the framing is looked at before the HMAC; it is covered by the HMAC too */
	if (expected_len(msg, len) != len)
		return -1;
	hmac(msg, len - HB_MAC_LEN, key, key_len, mac);
	if (sodium_memcmp(mac, msg + len - HB_MAC_LEN, HB_MAC_LEN))
		return -1;
	p += 5;
	hb->flags = *p++;
	hb->node = (uint16_t)(p[0] << 8 | p[1]), p += 2;
	hb->n_echo = (uint16_t)(p[0] << 8 | p[1]), p += 2;
	hb->incarnation = get64(p), p += 8;
	hb->seq = get64(p), p += 8;
	memcpy(hb->digest, p, HB_DIGEST_LEN), p += HB_DIGEST_LEN;
	memcpy(hb->view, p, HB_VIEW_BYTES), p += HB_VIEW_BYTES;
	for (int i = 0; i < hb->n_echo; i++, p += 4)
		hb->echo[i] = get32(p);
	return 0;
}

bool hb_signed_by(const uint8_t *msg, size_t len, const uint8_t *public)
{
	size_t signed_len;

	if (expected_len(msg, len) != len || !(msg[5] & HB_SIGNED))
		return false;
	signed_len = len - HB_MAC_LEN - HB_SIG_LEN;
	return crypto_sign_verify_detached(msg + signed_len, msg, (unsigned long long)signed_len, public) == 0;
}
