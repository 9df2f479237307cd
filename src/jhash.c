// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "jhash.h"

#include <string.h>

#define JHASH_INITVAL 0xdeadbeefu

static inline uint32_t rol32(uint32_t w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

/* clang-format off: the rounds of lookup3, one line a step as Bob Jenkins wrote them */
#define MIX(a, b, c)               \
	do {                       \
		a -= c;            \
		a ^= rol32(c, 4);  \
		c += b;            \
		b -= a;            \
		b ^= rol32(a, 6);  \
		a += c;            \
		c -= b;            \
		c ^= rol32(b, 8);  \
		b += a;            \
		a -= c;            \
		a ^= rol32(c, 16); \
		c += b;            \
		b -= a;            \
		b ^= rol32(a, 19); \
		a += c;            \
		c -= b;            \
		c ^= rol32(b, 4);  \
		b += a;            \
	} while (0)

#define FINAL(a, b, c)             \
	do {                       \
		c ^= b;            \
		c -= rol32(b, 14); \
		a ^= c;            \
		a -= rol32(c, 11); \
		b ^= a;            \
		b -= rol32(a, 25); \
		c ^= b;            \
		c -= rol32(b, 16); \
		a ^= c;            \
		a -= rol32(c, 4);  \
		b ^= a;            \
		b -= rol32(a, 14); \
		c ^= b;            \
		c -= rol32(b, 24); \
	} while (0)

/* clang-format on */

static inline uint32_t cpu32(const uint8_t *k)
{
	uint32_t v;

	memcpy(&v, k, 4); /* the kernel reads whole words in CPU order */
	return v;
}

uint32_t jhash(const void *key, uint32_t length, uint32_t initval)
{
	const uint8_t *k = key;
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + length + initval;
	while (length > 12) {
		a += cpu32(k);
		b += cpu32(k + 4);
		c += cpu32(k + 8);
		MIX(a, b, c);
		length -= 12;
		k += 12;
	}
	/* The last block is read byte by byte, little-endian, whatever the CPU. */
	/* clang-format off */
	switch (length) {
	case 12: c += (uint32_t)k[11] << 24; /* fall through */
	case 11: c += (uint32_t)k[10] << 16; /* fall through */
	case 10: c += (uint32_t)k[9] << 8;   /* fall through */
	case 9:  c += k[8];                  /* fall through */
	case 8:  b += (uint32_t)k[7] << 24;  /* fall through */
	case 7:  b += (uint32_t)k[6] << 16;  /* fall through */
	case 6:  b += (uint32_t)k[5] << 8;   /* fall through */
	case 5:  b += k[4];                  /* fall through */
	case 4:  a += (uint32_t)k[3] << 24;  /* fall through */
	case 3:  a += (uint32_t)k[2] << 16;  /* fall through */
	case 2:  a += (uint32_t)k[1] << 8;   /* fall through */
	case 1:  a += k[0];
		FINAL(a, b, c);
		break;
	case 0:
		break;
	}
	/* clang-format on */
	return c;
}

uint32_t jhash_mod(const void *key, uint32_t length, uint32_t seed, uint32_t modulus)
{
	return (uint32_t)(((uint64_t)jhash(key, length, seed) * modulus) >> 32);
}

uint32_t client_bucket(const struct sv_config *cfg, const struct sv_addr *client, int port)
{
	uint8_t key[20];
	uint32_t len = hash_mode_key(&hash_modes[cfg->affinity], client, port, key);

	return jhash_mod(key, len, cfg->seed, cfg->buckets);
}
