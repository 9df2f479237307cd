// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "config.h"
#include "control.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-c FILE] [--node NAME] [--run-dir DIR] drain | resume | status\n"
		"  drain   this node takes no new connections; its established ones stay\n"
		"  resume  it takes new connections again\n"
		"  status  the daemon's view: members, last heard, drops\n",
		sv_prog);
}

int main(int argc, char **argv)
{
	enum { OPT_RUN_DIR = 256, OPT_NODE, OPT_VERSION };
	/* -c and --node are the common flags; the daemon is found by its control socket */
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },	     { "node", required_argument, NULL, OPT_NODE },
		{ "run-dir", required_argument, NULL, OPT_RUN_DIR }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },	     { NULL, 0, NULL, 0 }
	};
	const char *run_dir = NULL;
	char reply[16384];
	int c, ret;

	sv_prog = "sharedvipctl";
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case OPT_NODE: break;
		case OPT_RUN_DIR: run_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("sharedvipctl %s\n", SHAREDVIP_VERSION); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind + 1 != argc ||
	    (strcmp(argv[optind], "drain") && strcmp(argv[optind], "resume") && strcmp(argv[optind], "status"))) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	run_dir = control_run_dir(run_dir);
	ret = control_request(run_dir, argv[optind], reply, sizeof(reply));
	if (ret) {
		fprintf(stderr, "%s: cannot reach sharedvipd at %s/control: %s\n", sv_prog, run_dir, strerror(-ret));
		return EXIT_KERNEL;
	}
	fputs(reply, stdout);
	return strncmp(reply, "error", 5) ? 0 : EXIT_CONFIG;
}
