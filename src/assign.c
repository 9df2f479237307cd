// SPDX-License-Identifier: GPL-2.0-or-later
/* Copyright (C) 2026 The sharedvip developers. */

/*
 * Bucket assignment.
 *
 * Shares: each node gets floor or ceil of buckets * weight / total weight (largest
 * remainder), so it is always within one bucket of its weighted share.
 *
 * Placement: every (bucket, node) pair has a pseudo-random affinity that depends only on
 * the bucket number and the node's name. Pairs are taken in order of falling affinity and
 * a bucket goes to the first node that still has room. This is the "base" assignment over
 * all configured nodes.
 *
 * With a smaller alive set, each alive node keeps every bucket it has in the base (its
 * quota for the alive set is chosen to be at least that), and only the buckets of dead
 * nodes are placed again by the same greedy rule. So a node's death moves exactly its own
 * buckets, and its return moves exactly those back.
 */
#include "assign.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pair {
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
	const struct pair *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* Largest-remainder quotas over the nodes in set; nodes holding more than their floor in
 * keep[] get the extra bucket first, which is always possible (see the header comment). */
static void quotas(const struct sv_config *cfg, const unsigned *weight, const unsigned *keep, unsigned *quota)
{
	uint64_t total = 0, given = 0;
	int n = cfg->n_nodes;

	for (int i = 0; i < n; i++)
		total += weight[i];
	if (!total) {
		memset(quota, 0, sizeof(*quota) * (size_t)n);
		return;
	}
	for (int i = 0; i < n; i++) {
		quota[i] = (unsigned)((uint64_t)cfg->buckets * weight[i] / total);
		given += quota[i];
	}
	for (int pass = 0; pass < 2 && given < cfg->buckets; pass++) {
		while (given < cfg->buckets) {
			int best = -1;
			uint64_t best_rem = 0;
			for (int i = 0; i < n; i++) {
				uint64_t rem = (uint64_t)cfg->buckets * weight[i] % total;
				uint64_t floor_q = (uint64_t)cfg->buckets * weight[i] / total;
				if (!weight[i] || quota[i] > floor_q)
					continue;
				if (pass == 0 && !(keep && keep[i] > floor_q))
					continue;
				if (best < 0 || rem > best_rem)
					best = i, best_rem = rem;
			}
			if (best < 0)
				break;
			quota[best]++;
			given++;
		}
	}
}

/* Places every bucket with owner[b] < 0 on the node of highest affinity with room left. */
static int place(const struct sv_config *cfg, const unsigned *quota, unsigned *count, int16_t *owner)
{
	size_t free_buckets = 0, np = 0, n_pairs;
	struct pair *pairs;
	int eligible = 0;

	for (uint32_t b = 0; b < cfg->buckets; b++)
		free_buckets += owner[b] < 0;
	for (int i = 0; i < cfg->n_nodes; i++)
		eligible += quota[i] > count[i];
	if (!free_buckets || !eligible)
		return 0;
	n_pairs = free_buckets * (size_t)eligible;
	pairs = malloc(n_pairs * sizeof(*pairs));
	if (!pairs)
		return -ENOMEM;
	for (int i = 0; i < cfg->n_nodes; i++) {
		if (quota[i] <= count[i])
			continue;
		uint64_t nh = name_hash(cfg->nodes[i].name);
		for (uint32_t b = 0; b < cfg->buckets; b++)
			if (owner[b] < 0)
				pairs[np++] = (struct pair){ mix64(nh ^ mix64(b + 1)), b, (uint16_t)i };
	}
	qsort(pairs, np, sizeof(*pairs), by_score);
	for (size_t k = 0; k < np; k++) {
		struct pair *pr = &pairs[k];
		if (owner[pr->bucket] < 0 && count[pr->node] < quota[pr->node]) {
			owner[pr->bucket] = (int16_t)pr->node;
			count[pr->node]++;
		}
	}
	free(pairs);
	return 0;
}

static int base_assignment(const struct sv_config *cfg, int16_t *owner, unsigned *quota, unsigned *count)
{
	unsigned weight[SV_MAX_NODES];

	for (int i = 0; i < cfg->n_nodes; i++)
		weight[i] = cfg->nodes[i].weight;
	quotas(cfg, weight, NULL, quota);
	memset(count, 0, sizeof(*count) * (size_t)cfg->n_nodes);
	for (uint32_t b = 0; b < cfg->buckets; b++)
		owner[b] = -1;
	return place(cfg, quota, count, owner);
}

int assign_buckets(const struct sv_config *cfg, const bool *alive, int16_t *owner)
{
	unsigned weight[SV_MAX_NODES], quota[SV_MAX_NODES], count[SV_MAX_NODES];
	unsigned alive_weight = 0;
	int ret, n_alive = 0;

	ret = base_assignment(cfg, owner, quota, count);
	if (ret || !alive)
		return ret;
	for (int i = 0; i < cfg->n_nodes; i++) {
		n_alive += alive[i];
		alive_weight += alive[i] ? cfg->nodes[i].weight : 0;
	}
	/* Standby nodes (weight 0) serve only when no weighted node is alive. */
	for (int i = 0; i < cfg->n_nodes; i++)
		weight[i] = !alive[i] ? 0 : alive_weight ? cfg->nodes[i].weight : 1;
	memset(count, 0, sizeof(count));
	for (uint32_t b = 0; b < cfg->buckets; b++) {
		if (owner[b] >= 0 && alive[owner[b]])
			count[owner[b]]++;
		else
			owner[b] = -1;
	}
	if (!n_alive)
		return 0;
	quotas(cfg, weight, count, quota);
	/* Should a node still hold more than its quota, release its highest buckets. */
	for (uint32_t b = cfg->buckets; b-- > 0;)
		if (owner[b] >= 0 && count[owner[b]] > quota[owner[b]]) {
			count[owner[b]]--;
			owner[b] = -1;
		}
	return place(cfg, quota, count, owner);
}
