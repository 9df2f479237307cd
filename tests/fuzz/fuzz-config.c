// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for the config file reader and everything computed from a valid
 * config: the bucket assignment, the plan and the ruleset (text and libnftnl objects).
 * The input goes through the file path (config_load on a file holding exactly these
 * bytes, NUL bytes and all), as a config on disk would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assign.h"
#include "config.h"
#include "plan.h"
#include "ruleset.h"

static struct sv_config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	FILE *devnull = fopen("/dev/null", "w"), *f;
	struct ruleset rs;
	struct plan p;

	if (!*path)
		snprintf(path, sizeof(path), "/tmp/sharedvip-fuzz.%d.ini", (int)getpid());
	f = fopen(path, "w");
	if (!f || !devnull || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (config_load(path, &cfg, devnull) == 0 && cfg.buckets <= 4096) {
		for (int node = 0; node < cfg.n_nodes && node < 3; node++) {
			if (plan_build(&cfg, node, &p))
				abort();
			struct ruleset_input in = { .cfg = &cfg, .node = node, .owned = p.owned };
			if (ruleset_build(&in, &rs) == 0)
				ruleset_free(&rs);
			plan_free(&p);
		}
	}
	fclose(devnull);
	return 0;
}
