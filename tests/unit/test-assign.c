// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "check.h"

static struct sv_config cfg;

static void setup(int n, uint32_t buckets, const unsigned *weights)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.buckets = buckets;
	cfg.n_nodes = n;
	for (int i = 0; i < n; i++) {
		snprintf(cfg.nodes[i].name, sizeof(cfg.nodes[i].name), "node%d", i + 1);
		cfg.nodes[i].weight = weights ? weights[i] : 1;
	}
}

/* Every bucket one owner among the alive, each share within one bucket of its weight. */
static void check_shares(const int16_t *owner, const bool *alive, const char *what)
{
	unsigned count[SV_MAX_NODES] = { 0 }, total = 0;
	bool any_weight = false;

	for (int i = 0; i < cfg.n_nodes; i++)
		any_weight |= (!alive || alive[i]) && cfg.nodes[i].weight;
	for (int i = 0; i < cfg.n_nodes; i++)
		total += (!alive || alive[i]) ? (any_weight ? cfg.nodes[i].weight : 1) : 0;
	for (uint32_t b = 0; b < cfg.buckets; b++) {
		CHECK(owner[b] >= 0 && owner[b] < cfg.n_nodes, "%s: bucket %u has owner %d", what, b, owner[b]);
		if (owner[b] >= 0) {
			CHECK(!alive || alive[owner[b]], "%s: bucket %u owned by a dead node", what, b);
			count[owner[b]]++;
		}
	}
	for (int i = 0; i < cfg.n_nodes; i++) {
		unsigned w = (!alive || alive[i]) ? (any_weight ? cfg.nodes[i].weight : 1) : 0;
		double share = (double)cfg.buckets * w / total;
		CHECK(count[i] > share - 1 && count[i] < share + 1, "%s: node%d has %u buckets for a share of %.2f",
		      what, i + 1, count[i], share);
	}
}

static void test_shapes(void)
{
	static const unsigned w1[] = { 1, 2, 3, 1, 0, 1, 5 }, w2[] = { 1000, 1, 1 }, w3[] = { 0, 0, 1 };
	static const struct {
		int n;
		uint32_t buckets;
		const unsigned *w;
	} cases[] = {
		{ 1, 1024, NULL }, { 2, 1024, NULL }, { 3, 1024, NULL },   { 5, 1000, NULL }, { 7, 1024, w1 },
		{ 3, 7, w2 },	   { 3, 1, NULL },    { 64, 65536, NULL }, { 3, 16, w3 },     { 13, 997, NULL },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		int16_t *a = malloc(cases[k].buckets * sizeof(*a)), *b = malloc(cases[k].buckets * sizeof(*b));
		char what[64];
		setup(cases[k].n, cases[k].buckets, cases[k].w);
		snprintf(what, sizeof(what), "%d nodes, %u buckets", cases[k].n, cases[k].buckets);
		CHECK(assign_buckets(&cfg, NULL, a) == 0, "%s", what);
		check_shares(a, NULL, what);
		CHECK(assign_buckets(&cfg, NULL, b) == 0 && !memcmp(a, b, cases[k].buckets * sizeof(*a)),
		      "%s: not deterministic", what);
		free(a);
		free(b);
	}
}

/* A death moves exactly the dead node's buckets; the return moves exactly those back. */
static void test_failover(void)
{
	static const unsigned weights[] = { 1, 1, 2, 1, 0 };
	int16_t base[1024], down[1024], two[1024];
	bool alive[5] = { true, true, true, true, true };

	setup(5, 1024, weights);
	assign_buckets(&cfg, NULL, base);
	for (int dead = 0; dead < 4; dead++) {
		alive[dead] = false;
		assign_buckets(&cfg, alive, down);
		check_shares(down, alive, "one dead");
		for (int b = 0; b < 1024; b++)
			CHECK(base[b] == dead || down[b] == base[b], "node%d died: bucket %d moved from node%d",
			      dead + 1, b, base[b] + 1);
		alive[(dead + 1) % 4] = false;
		assign_buckets(&cfg, alive, two);
		check_shares(two, alive, "two dead");
		for (int b = 0; b < 1024; b++)
			CHECK(!alive[base[b]] || two[b] == base[b], "two died: bucket %d of a survivor moved", b);
		alive[(dead + 1) % 4] = true;
		alive[dead] = true;
		assign_buckets(&cfg, alive, down);
		CHECK(!memcmp(down, base, sizeof(base)), "node%d came back but the assignment differs", dead + 1);
	}
	/* standby (weight 0) takes over only when every weighted node is gone */
	for (int i = 0; i < 4; i++)
		alive[i] = false;
	assign_buckets(&cfg, alive, down);
	for (int b = 0; b < 1024; b++)
		CHECK(down[b] == 4, "standby does not own bucket %d", b);
	for (int i = 0; i < 5; i++)
		alive[i] = false;
	assign_buckets(&cfg, alive, down);
	CHECK(down[0] == -1 && down[1023] == -1, "nobody alive, yet buckets owned");
}

/* Adding a node to the config: measure how many buckets move beyond the minimum. */
static void test_growth(void)
{
	int16_t before[1024], after[1024];

	for (int n = 2; n <= 16; n++) {
		setup(n - 1, 1024, NULL);
		assign_buckets(&cfg, NULL, before);
		setup(n, 1024, NULL);
		assign_buckets(&cfg, NULL, after);
		int moved = 0;
		for (int b = 0; b < 1024; b++)
			moved += before[b] != after[b];
		int minimum = 1024 / n;
		CHECK(moved <= minimum * 2, "adding node %d moved %d buckets, the minimum is %d", n, moved, minimum);
	}
}

int main(void)
{
	test_shapes();
	test_failover();
	test_growth();
	return check_summary("test-assign");
}
