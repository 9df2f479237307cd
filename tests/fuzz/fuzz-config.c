// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for the config parser and everything computed from a valid config:
 * the bucket assignment, the plan and the ruleset (text and libnftnl objects). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "config.h"
#include "plan.h"
#include "ruleset.h"

static struct sv_config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	FILE *devnull = fopen("/dev/null", "w");
	struct ruleset rs;
	struct plan p;

	if (!text || !devnull)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse_string(text, "fuzz.ini", &cfg, devnull) == 0 && cfg.buckets <= 4096) {
		for (int node = 0; node < cfg.n_nodes && node < 3; node++) {
			if (plan_build(&cfg, node, &p))
				abort();
			struct ruleset_input in = { &cfg, node, p.owned, NULL };
			if (ruleset_build(&in, &rs) == 0)
				ruleset_free(&rs);
			plan_free(&p);
		}
	}
	fclose(devnull);
	free(text);
	return 0;
}
