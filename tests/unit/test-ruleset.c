// SPDX-License-Identifier: GPL-2.0-or-later
/* The ruleset, without the kernel: every set lookup names a set of its own table by name
 * and by ID, the bucket sets carry the lease only in daemon mode, and the nft text and the
 * libnftnl expressions equal golden files (tests/unit/golden/; SV_UPDATE_GOLDEN=1 writes
 * them anew, for a change meant to alter the ruleset). */
#include <netinet/in.h> /* before linux/netfilter.h, which pulls in linux/in.h */
#include <stdio.h>	/* before libnftnl's headers, which use FILE */

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "plan.h"
#include "ruleset.h"

struct lookups {
	const struct rs_table *t;
	int n;
};

static int check_lookup(struct nftnl_expr *e, void *data)
{
	struct lookups *l = data;
	const char *set;
	uint32_t id;
	bool found = false;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "lookup"))
		return 0;
	set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
	id = nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SET_ID);
	for (int i = 0; i < l->t->n_sets; i++)
		found |= !strcmp(nftnl_set_get_str(l->t->sets[i], NFTNL_SET_NAME), set) &&
			 nftnl_set_get_u32(l->t->sets[i], NFTNL_SET_ID) == id;
	CHECK(found, "a lookup of set %s (id %u) in table %s names no set of it", set, id, family_name(l->t->family));
	l->n++;
	return 0;
}

/* The text and every rule's expressions, as libnftnl prints them. */
static char *describe(const struct ruleset *rs)
{
	char *buf = NULL, rule[4096];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (int i = 0; i < rs->n_tables; i++) {
		const struct rs_table *t = &rs->tables[i];
		fprintf(f, "%s", sb_str(&t->text));
		for (int k = 0; k < t->n_rules; k++) {
			nftnl_rule_snprintf(rule, sizeof(rule), t->rules[k], NFTNL_OUTPUT_DEFAULT, 0);
			fprintf(f, "# %s\n", rule);
		}
	}
	fclose(f);
	return buf;
}

static void golden(const char *name, const char *got)
{
	char path[256], *want = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "tests/unit/golden/%s", name);
	if (getenv("SV_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		CHECK(f && fputs(got, f) >= 0, "cannot write %s", path);
		if (f)
			fclose(f);
		return;
	}
	f = fopen(path, "r");
	CHECK(f != NULL, "no golden file %s (SV_UPDATE_GOLDEN=1 writes it)", path);
	if (!f)
		return;
	if (getdelim(&want, &len, '\0', f) < 0)
		want = NULL;
	fclose(f);
	CHECK(want && !strcmp(want, got), "%s differs from what is built now (SV_UPDATE_GOLDEN=1 writes it anew)",
	      path);
	free(want);
}

static void check_config(const char *name, const char *text, bool leased)
{
	static struct sv_config cfg;
	struct ruleset rs;
	struct plan p;
	char errs[1024] = "";
	FILE *err = fmemopen(errs, sizeof(errs), "w");

	CHECK(config_parse_string(text, name, &cfg, err) == 0, "%s: %s", name, errs);
	fclose(err);
	CHECK(plan_build(&cfg, 1, &p) == 0, "%s: plan", name);
	struct ruleset_input in = { .cfg = &cfg, .node = 1, .owned = p.owned, .held = p.owned, .leased = leased };
	CHECK(ruleset_build(&in, &rs) == 0, "%s: ruleset", name);
	for (int i = 0; i < rs.n_tables; i++) {
		struct lookups l = { &rs.tables[i], 0 };
		for (int k = 0; k < rs.tables[i].n_rules; k++)
			nftnl_expr_foreach(rs.tables[i].rules[k], check_lookup, &l);
		CHECK(l.n > 0, "%s: table %s has no lookup", name, family_name(rs.tables[i].family));
		bool timeout = false;
		for (int k = 0; k < rs.tables[i].n_sets; k++)
			timeout |= nftnl_set_get_u32(rs.tables[i].sets[k], NFTNL_SET_FLAGS) & NFT_SET_TIMEOUT;
		CHECK(timeout == (leased && rs.tables[i].family == NFPROTO_INET),
		      "%s: the lease is on the inet owned set only", name);
	}
	char *got = describe(&rs);
	char file[64];
	snprintf(file, sizeof(file), "%s.nft", name);
	golden(file, got);
	free(got);
	ruleset_free(&rs);
	plan_free(&p);
}

#define CLUSTER                                                                                              \
	"[cluster]\ninterface = eth0.100\nvip = 192.168.0.2, 2001:db8::2\ngateway = 192.168.0.1\nseed = 7\n" \
	"buckets = 64\n"
#define NODES "[node a]\naddress = 192.168.0.10/24\n[node b]\naddress = 192.168.0.11/24\n"

int main(void)
{
	check_config("static", CLUSTER NODES, false);
	check_config("daemon", CLUSTER "services = tcp:53, udp:53, tcp:8000-8099\n" NODES, true);
	check_config("network", CLUSTER "affinity = network\n" NODES, false);
	check_config("flow-switch", CLUSTER "affinity = flow\nmode = switch\nping = no\n" NODES, false);
	return check_summary("test-ruleset");
}
