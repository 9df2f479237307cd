/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The sharedvip developers. */
#ifndef SHAREDVIP_COMMON_H
#define SHAREDVIP_COMMON_H

/* The programs' exit statuses, as ip(8)'s: 0 done; 1 bad config or arguments (nothing
 * changed); 2 the system refused a change. Only mains and the functions that report to
 * the user return these; everything below them returns 0 or -errno. */
enum { EXIT_CONFIG = 1, EXIT_KERNEL = 2 };

/* The running program's name, for every message (each main sets it first). */
extern const char *sv_prog;

/* s as a JSON string, quotes and escapes included, on standard output. */
void json_string(const char *s);

/* A 32-byte key written as 44 characters of standard base64 (as wg(8) writes keys), with
 * surrounding blanks: 0, or -1 when s is anything else. */
int base64_decode32(const char *s, unsigned char out[32]);

#endif
