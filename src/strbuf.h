/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_STRBUF_H
#define SHAREDVIP_STRBUF_H

#include <stddef.h>

/* A growable string; on allocation failure it sets failed and stops growing. */
struct strbuf {
	char *buf;
	size_t len, cap;
	int failed;
};

void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct strbuf *sb);
static inline const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

#endif
