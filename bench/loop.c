// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/loop: what one pass of sharedvipd's loop costs at the worst, against the size of
 * the cluster, up to 65536 buckets x 256 nodes: the ownership step after a death (the
 * assignment for the new alive set, from the cached base) and an unchanged pass (the cache
 * hit), beside the base assignment the daemon computes once at start, and beside the
 * assignment as it was computed before (every pass, every pair of bucket and node sorted),
 * alternating the variants round by round. The two placements are checked equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assign.h"
#include "config.h"
#include "ownership.h"

/* The placement as it was: every pair sorted (for the figures and the equality check). */
struct old_pair {
	uint64_t score;
	uint32_t bucket;
	uint16_t node;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int by_score(const void *a, const void *b)
{
	const struct old_pair *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* The old base assignment, equal weights. */
static int old_base(const struct sv_config *cfg, int16_t *owner)
{
	size_t np = 0, n = (size_t)cfg->buckets * (size_t)cfg->n_nodes;
	struct old_pair *pairs = malloc(n * sizeof(*pairs));
	unsigned quota[SV_MAX_NODES], count[SV_MAX_NODES] = { 0 };

	if (!pairs)
		return -1;
	for (int i = 0; i < cfg->n_nodes; i++)
		quota[i] =
		    cfg->buckets / (unsigned)cfg->n_nodes + ((unsigned)i < cfg->buckets % (unsigned)cfg->n_nodes);
	for (int i = 0; i < cfg->n_nodes; i++) {
		uint64_t nh = name_hash(cfg->nodes[i].name);
		for (uint32_t b = 0; b < cfg->buckets; b++)
			pairs[np++] = (struct old_pair){ mix64(nh ^ mix64(b + 1)), b, (uint16_t)i };
	}
	qsort(pairs, np, sizeof(*pairs), by_score);
	for (uint32_t b = 0; b < cfg->buckets; b++)
		owner[b] = -1;
	for (size_t k = 0; k < np; k++)
		if (owner[pairs[k].bucket] < 0 && count[pairs[k].node] < quota[pairs[k].node]) {
			owner[pairs[k].bucket] = (int16_t)pairs[k].node;
			count[pairs[k].node]++;
		}
	free(pairs);
	return 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define ROUNDS 5

static struct sv_config cfg;

int main(void)
{
	static const uint32_t buckets[] = { 1024, 1024, 65536, 65536, 65536 };
	static const int nodes[] = { 4, 64, 16, 64, 256 };

	printf("%-16s %12s %12s %14s %14s %12s %8s\n", "buckets x nodes", "old pass ms", "base ms", "death pass ms",
	       "unchanged ms", "old/death", "equal");
	for (size_t c = 0; c < sizeof(nodes) / sizeof(nodes[0]); c++) {
		double old_ms[ROUNDS], base_ms[ROUNDS], death_ms[ROUNDS], same_ms[ROUNDS];
		bool equal = true, eligible[SV_MAX_NODES];
		int16_t *old = malloc(buckets[c] * sizeof(*old)), *base = malloc(buckets[c] * sizeof(*base));
		struct ownership o;
		struct own_step st;
		struct timespec t0;

		memset(&cfg, 0, sizeof(cfg));
		cfg.buckets = buckets[c];
		cfg.n_nodes = nodes[c];
		cfg.failover.heartbeat_ms = 100, cfg.failover.dead_after = 3;
		for (int i = 0; i < nodes[c]; i++) {
			cfg.nodes[i].weight = 1;
			snprintf(cfg.nodes[i].name, sizeof(cfg.nodes[i].name), "node%d", i + 1);
		}
		if (!old || !base || ownership_init(&o, &cfg, 0))
			return 1;
		for (int r = 0; r < ROUNDS; r++) {
			/* alternated: the old way, then the new, each round */
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if (old_base(&cfg, old))
				return 1;
			old_ms[r] = ms_since(&t0);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			assign_base(&cfg, base);
			base_ms[r] = ms_since(&t0);
			equal &= !memcmp(old, base, buckets[c] * sizeof(*old));
			for (int i = 0; i < nodes[c]; i++)
				eligible[i] = true;
			o.cache_valid = false;
			ownership_step(&o, eligible, true, ACQUIRE_AGREED, &st); /* start: the base, cached */
			eligible[1 + r % (nodes[c] - 1)] = false;		 /* a death */
			clock_gettime(CLOCK_MONOTONIC, &t0);
			ownership_step(&o, eligible, true, ACQUIRE_AGREED, &st);
			death_ms[r] = ms_since(&t0);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			ownership_step(&o, eligible, true, ACQUIRE_AGREED, &st);
			same_ms[r] = ms_since(&t0);
		}
		qsort(old_ms, ROUNDS, sizeof(double), cmp_double);
		qsort(base_ms, ROUNDS, sizeof(double), cmp_double);
		qsort(death_ms, ROUNDS, sizeof(double), cmp_double);
		qsort(same_ms, ROUNDS, sizeof(double), cmp_double);
		char size[32];
		snprintf(size, sizeof(size), "%u x %d", buckets[c], nodes[c]);
		printf("%-16s %12.2f %12.2f %14.3f %14.3f %11.0fx %8s\n", size, old_ms[ROUNDS / 2], base_ms[ROUNDS / 2],
		       death_ms[ROUNDS - 1], same_ms[ROUNDS - 1], old_ms[ROUNDS / 2] / death_ms[ROUNDS - 1],
		       equal ? "yes" : "NO");
		ownership_free(&o);
		free(old), free(base);
		if (!equal)
			return 1;
	}
	printf("medians of %d rounds (death and unchanged: the worst round); old pass: what every loop pass cost "
	       "before (the assignment sorted anew)\n",
	       ROUNDS);
	return 0;
}
