// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "apply.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-c FILE] [--node NAME] [--run-dir DIR] [--state-dir DIR]\n"
		"The failover daemon: authenticated heartbeats, membership, bucket ownership. Runs in the\n"
		"foreground (systemd: Type=notify); SIGHUP reads the config again, SIGTERM leaves the cluster.\n"
		"\n"
		"  -c, --config FILE  the config (default " SV_DEFAULT_CONFIG ")\n"
		"      --node NAME    this node's [node] section\n"
		"      --run-dir DIR  where the control socket lives (default $SHAREDVIP_RUN_DIR, else " SV_RUN_DIR
		")\n"
		"      --state-dir DIR  what survives a restart: the drain (default $SHAREDVIP_STATE_DIR,\n"
		"                     else " SV_STATE_DIR ")\n"
		"  -h, --help         this help\n"
		"      --version      the version\n",
		sv_prog);
}

int main(int argc, char **argv)
{
	enum { OPT_NODE = 256, OPT_RUN_DIR, OPT_STATE_DIR, OPT_VERSION };
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "node", required_argument, NULL, OPT_NODE },
					      { "run-dir", required_argument, NULL, OPT_RUN_DIR },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, OPT_VERSION },
					      { "state-dir", required_argument, NULL, OPT_STATE_DIR },
					      { NULL, 0, NULL, 0 } };
	const char *path = SV_DEFAULT_CONFIG, *node = NULL, *run_dir = NULL, *state_dir = NULL;
	int c;

	sv_prog = "sharedvipd";
	setvbuf(stderr, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case OPT_NODE: node = optarg; break;
		case OPT_RUN_DIR: run_dir = optarg; break;
		case OPT_STATE_DIR: state_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("sharedvipd %s\n", SHAREDVIP_VERSION); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	return daemon_run(path, node, control_run_dir(run_dir), state_dir);
}
