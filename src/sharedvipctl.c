// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "control.h"
#include "ctlproto.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s [-c FILE] [--node NAME] [--run-dir DIR] [--json] COMMAND\n", sv_prog);
	for (int i = 0; i < CTL_N_COMMANDS; i++)
		fprintf(out, "  %-7s %s\n", ctl_commands[i].name, ctl_commands[i].help);
	fprintf(out, "  genkey  print a new node key (for node_key_file)\n"
		     "  pubkey  print the public_key of the node key read from standard input\n");
}

/* Per-node keys, as wg(8) makes them: genkey prints a random Ed25519 seed, pubkey reads one
 * and prints its public key, both as 44 characters of base64. */
static int genkey(void)
{
	uint8_t seed[32];
	char b64[64];

	if (sodium_init() < 0)
		return EXIT_KERNEL;
	randombytes_buf(seed, sizeof(seed));
	sodium_bin2base64(b64, sizeof(b64), seed, sizeof(seed), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(seed, sizeof(seed));
	puts(b64);
	sodium_memzero(b64, sizeof(b64));
	return 0;
}

static int pubkey(void)
{
	uint8_t seed[32], public[crypto_sign_PUBLICKEYBYTES], secret[crypto_sign_SECRETKEYBYTES];
	char line[256], b64[64];

	if (sodium_init() < 0)
		return EXIT_KERNEL;
	if (!fgets(line, sizeof(line), stdin) || base64_decode32(line, seed)) {
		fprintf(stderr, "%s: standard input is not a node key (44 characters of base64, from %s genkey)\n",
			sv_prog, sv_prog);
		return EXIT_CONFIG;
	}
	crypto_sign_seed_keypair(public, secret, seed);
	sodium_memzero(seed, sizeof(seed)), sodium_memzero(secret, sizeof(secret)), sodium_memzero(line, sizeof(line));
	sodium_bin2base64(b64, sizeof(b64), public, sizeof(public), sodium_base64_VARIANT_ORIGINAL);
	puts(b64);
	return 0;
}

/* The daemon's view as one JSON object (schema: sharedvipctl(8)). */
static int print_json(const char *reply)
{
	static struct ctl_status st;

	if (ctl_status_parse(reply, &st)) {
		fprintf(stderr, "%s: sharedvipd's answer is not a status: %.80s\n", sv_prog, reply);
		return EXIT_KERNEL;
	}
	printf("{\"node\": ");
	json_string(st.node);
	printf(", \"mode\": \"daemon\", \"draining\": %s, \"healthy\": %s, \"health\": ",
	       st.draining ? "true" : "false", st.healthy ? "true" : "false");
	json_string(st.health);
	printf(", \"owned\": %d, \"held\": %d, \"quorum\": %s, \"ownership_changes\": %llu, \"members\": [", st.owned,
	       st.held, st.quorum ? "true" : "false", st.ownership_changes);
	for (int i = 0, n = 0; i < st.n_peers; i++)
		if (st.peers[i].alive) {
			printf("%s", n++ ? ", " : "");
			json_string(st.peers[i].name);
		}
	printf("], \"peers\": [");
	for (int i = 0; i < st.n_peers; i++) {
		const struct ctl_peer *p = &st.peers[i];
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(p->name);
		printf(
		    ", \"alive\": %s, \"eligible\": %s, \"healthy\": %s, \"heard_ms_ago\": %lld, \"config\": \"%s\", "
		    "\"heartbeats_received\": %llu}",
		    p->alive ? "true" : "false", p->eligible ? "true" : "false", p->healthy ? "true" : "false",
		    p->heard_ms_ago, p->config_differs ? "different" : "same", p->received);
	}
	printf("], \"drops\": {\"forged\": %llu, \"replayed\": %llu, \"unknown\": %llu, \"config_differs\": %llu, "
	       "\"wrong_address\": %llu, \"unproven\": %llu}}\n",
	       st.forged, st.replayed, st.unknown, st.config_differs, st.wrong_address, st.unproven);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_RUN_DIR = 256, OPT_NODE, OPT_VERSION, OPT_JSON };
	/* -c and --node are the common flags; the daemon is found by its control socket */
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "node", required_argument, NULL, OPT_NODE },
					      { "run-dir", required_argument, NULL, OPT_RUN_DIR },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, OPT_VERSION },
					      { "json", no_argument, NULL, OPT_JSON },
					      { NULL, 0, NULL, 0 } };
	const char *run_dir = NULL;
	static char reply[CTL_REPLY_MAX];
	bool json = false;
	int c, ret;

	sv_prog = "sharedvipctl";
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case OPT_NODE: break;
		case OPT_RUN_DIR: run_dir = optarg; break;
		case OPT_JSON: json = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("sharedvipctl %s\n", SHAREDVIP_VERSION); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind + 1 == argc && !strcmp(argv[optind], "genkey"))
		return genkey();
	if (optind + 1 == argc && !strcmp(argv[optind], "pubkey"))
		return pubkey();
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
	if (json && ctl_command_parse(argv[optind]) == CTL_STATUS)
		return print_json(reply);
	fputs(reply, stdout);
	return strncmp(reply, "error", 5) ? 0 : EXIT_CONFIG;
}
