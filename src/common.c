// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *sv_prog = "sharedvip";

void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int base64_value(char c)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(alphabet, c) : NULL;

	return at ? (int)(at - alphabet) : -1;
}

int base64_decode32(const char *s, unsigned char out[32])
{
	unsigned long bits = 0;
	int n_bits = 0, n = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (int i = 0; i < 43; i++) {
		int v = base64_value(s[i]);
		if (v < 0)
			return -1;
		bits = bits << 6 | (unsigned)v, n_bits += 6;
		if (n_bits >= 8)
			out[n++] = (unsigned char)(bits >> (n_bits -= 8));
	}
	/* 43 characters carry 258 bits: the last 2 must be zero, then one '=' */
	if ((bits & 3) || s[43] != '=')
		return -1;
	for (s += 44; isspace((unsigned char)*s); s++)
		;
	return *s ? -1 : 0;
}
