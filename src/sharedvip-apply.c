// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "config.h"
#include "identity.h"
#include "udevnames.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-c FILE] [--node NAME] [-v] [--static]\n"
		"       [--check | --dry-run | --link IFACE | --link-up IFACE | --release]\n"
		"Makes this node's link, addresses, route, sysctls and nftables tables match the config.\n"
		"\n"
		"  -c, --config FILE  the config (default " SV_DEFAULT_CONFIG ")\n"
		"      --node NAME    this node's [node] section (default: $SHAREDVIP_NODE, the node whose\n"
		"                     address is on the interface, the node named as the host)\n"
		"      --check        validate the config only\n"
		"  -n, --dry-run      print the plan and the nftables ruleset; change nothing\n"
		"      --link IFACE   the udev stage: shared MAC and IPv6 link settings on IFACE, if configured\n"
		"      --link-up IFACE  a network manager raised IFACE: if configured, apply everything again\n"
		"      --release      give up every bucket this node owns, keep its connections (the\n"
		"                     daemon's unit runs it when the daemon stops); reads no config\n"
		"      --static       load the static split although [failover] and its key are there\n"
		"                     (a cluster run without sharedvipd); otherwise only the daemon grants\n"
		"  -v, --verbose      say what is changed\n"
		"  -h, --help         this help\n"
		"      --version      the version\n"
		"\nExit status: 0 done, 1 bad config or arguments (nothing changed), 2 the kernel refused a change.\n",
		sv_prog);
}

int main(int argc, char **argv)
{
	enum { OPT_NODE = 256, OPT_CHECK, OPT_LINK, OPT_LINK_UP, OPT_VERSION, OPT_RELEASE, OPT_STATIC };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },    { "node", required_argument, NULL, OPT_NODE },
		{ "check", no_argument, NULL, OPT_CHECK },     { "dry-run", no_argument, NULL, 'n' },
		{ "link", required_argument, NULL, OPT_LINK }, { "link-up", required_argument, NULL, OPT_LINK_UP },
		{ "verbose", no_argument, NULL, 'v' },	       { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION }, { "release", no_argument, NULL, OPT_RELEASE },
		{ "static", no_argument, NULL, OPT_STATIC },   { NULL, 0, NULL, 0 }
	};
	const char *path = SV_DEFAULT_CONFIG, *node_name = NULL, *link = NULL, *link_up = NULL;
	bool check = false, release = false;
	struct apply_request req = { 0 };
	static struct sv_config cfg;
	int c, node;

	sv_prog = "sharedvip-apply";
	while ((c = getopt_long(argc, argv, "c:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case OPT_NODE: node_name = optarg; break;
		case OPT_CHECK: check = true; break;
		case 'n': req.dry_run = true; break;
		case OPT_LINK: link = optarg; break;
		case OPT_LINK_UP: link_up = optarg; break;
		case 'v': req.verbose = true; break;
		case OPT_RELEASE: release = true; break;
		case OPT_STATIC: req.force_static = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("sharedvip-apply %s\n", SHAREDVIP_VERSION); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind < argc || check + req.dry_run + !!link + !!link_up + release > 1) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (release)
		return apply_release();
	if (config_load(path, &cfg, stderr))
		return EXIT_CONFIG;
	if (check)
		return 0;
	if (link || link_up) {
		const char *ifname = link ? link : link_up;
		char names[UDEV_MAX_NAMES][IFNAMSIZ];
		const char *alt[UDEV_MAX_NAMES + 1];
		udev_net_names(ifname, names);
		for (int i = 0; i < UDEV_MAX_NAMES; i++)
			alt[i] = names[i];
		alt[UDEV_MAX_NAMES] = NULL;
		if (link)
			return apply_link(&cfg, ifname, alt);
		/* ifupdown's and NetworkManager's hooks call this for every interface they raise */
		if (!apply_is_interface(&cfg, ifname, alt))
			return 0;
	}
	node = apply_identify(&cfg, node_name);
	if (node < 0)
		return EXIT_CONFIG;
	if (!req.dry_run)
		apply_warn_stale_initramfs(path);
	return apply_node(&cfg, node, &req);
}
