// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "config.h"
#include "status.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-c FILE] [--node NAME] [--json | --prometheus] [--who ADDRESS [PORT]]\n"
		"Shows what this node has and sees: shared MAC, VIPs, members, buckets owned, counters.\n"
		"\n"
		"  -c, --config FILE  the config (default " SV_DEFAULT_CONFIG ")\n"
		"      --node NAME    this node's [node] section\n"
		"  -j, --json         one JSON object\n"
		"      --prometheus   the Prometheus text sharedvipd serves at /metrics (for node_exporter's\n"
		"                     textfile collector)\n"
		"      --who ADDRESS [PORT]\n"
		"                     which node owns new connections from client ADDRESS (PORT: its source\n"
		"                     port, needed with affinity = flow; without it, the owner of its pings)\n"
		"  -h, --help         this help\n"
		"      --version      the version\n",
		sv_prog);
}

int main(int argc, char **argv)
{
	enum { OPT_NODE = 256, OPT_WHO, OPT_VERSION, OPT_PROMETHEUS };
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "node", required_argument, NULL, OPT_NODE },
					      { "json", no_argument, NULL, 'j' },
					      { "prometheus", no_argument, NULL, OPT_PROMETHEUS },
					      { "who", required_argument, NULL, OPT_WHO },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, OPT_VERSION },
					      { NULL, 0, NULL, 0 } };
	const char *path = SV_DEFAULT_CONFIG, *node_name = NULL, *who = NULL;
	static struct sv_config cfg;
	bool json = false, prometheus = false;
	int c, node, port = -1;

	sv_prog = "sharedvip-status";
	while ((c = getopt_long(argc, argv, "c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case OPT_NODE: node_name = optarg; break;
		case 'j': json = true; break;
		case OPT_PROMETHEUS: prometheus = true; break;
		case OPT_WHO: who = optarg; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("sharedvip-status %s\n", SHAREDVIP_VERSION); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (who && optind < argc) {
		char *end;
		long p = strtol(argv[optind++], &end, 10);
		if (*end || p < 0 || p > 65535) {
			fprintf(stderr, "%s: `%s' is not a port\n", sv_prog, argv[optind - 1]);
			return EXIT_CONFIG;
		}
		port = (int)p;
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (config_load(path, &cfg, stderr))
		return EXIT_CONFIG;
	if (who) {
		struct sv_addr client;
		if (!addr_parse(who, &client, false)) {
			fprintf(stderr, "%s: `%s' is not an IPv4 or IPv6 address\n", sv_prog, who);
			return EXIT_CONFIG;
		}
		return status_who(&cfg, &client, port, json);
	}
	node = apply_identify(&cfg, node_name);
	if (node < 0)
		return EXIT_CONFIG;
	return status_show(&cfg, node, prometheus ? STATUS_PROMETHEUS : json ? STATUS_JSON : STATUS_TEXT);
}
