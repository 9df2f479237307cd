// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "control.h"
#include "ctlproto.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s [-c FILE] [--node NAME] [--run-dir DIR] COMMAND\n", sv_prog);
	for (int i = 0; i < CTL_N_COMMANDS; i++)
		fprintf(out, "  %-7s %s\n", ctl_commands[i].name, ctl_commands[i].help);
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
	static char reply[CTL_REPLY_MAX];
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
	if (optind + 1 != argc || ctl_command_parse(argv[optind]) < 0 || strchr(argv[optind], '\n')) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	run_dir = control_run_dir(run_dir);
	ret = control_request(run_dir, argv[optind], reply, sizeof(reply));
	if (ret) {
		fprintf(stderr, "%s: %s sharedvipd at %s/control: %s\n", sv_prog,
			ret == -ETIMEDOUT || ret == -ENODATA ? "no answer from" : "cannot reach", run_dir,
			strerror(-ret));
		return EXIT_KERNEL;
	}
	fputs(reply, stdout);
	return strncmp(reply, "error", 5) ? 0 : EXIT_CONFIG;
}
