// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include "common.h"

#include <stdio.h>

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
