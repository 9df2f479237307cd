/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal test harness: CHECK counts, and the summary line is what CI reads. */
#ifndef SHAREDVIP_TEST_CHECK_H
#define SHAREDVIP_TEST_CHECK_H

#include <stdio.h>

static int checks_passed, checks_failed;

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (cond) {                                                                \
			checks_passed++;                                                   \
		} else {                                                                   \
			checks_failed++;                                                   \
			fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
		}                                                                          \
	} while (0)

static inline int check_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, checks_passed, checks_failed);
	return checks_failed ? 1 : 0;
}

#endif
