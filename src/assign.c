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

/* A (bucket, node) pair and its affinity. Pairs are taken in falling affinity, ties by
 * bucket, then node: the order that makes the assignment the same on every node. */
struct pair {
	uint64_t score;
	uint32_t bucket;
	uint16_t node;
};

static bool before(const struct pair *x, const struct pair *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket;
	return x->node < y->node;
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

/* The best pair of bucket b among the nodes with room left; false when none has room. */
static bool best_pair(const struct sv_config *cfg, const uint64_t *nh, const unsigned *quota, const unsigned *count,
		      uint32_t b, struct pair *out)
{
	bool found = false;
	uint64_t mb = mix64(b + 1);

	for (int i = 0; i < cfg->n_nodes; i++) {
		if (quota[i] <= count[i])
			continue;
		struct pair pr = { mix64(nh[i] ^ mb), b, (uint16_t)i };
		if (!found || before(&pr, out))
			*out = pr, found = true;
	}
	return found;
}

/* A binary heap of pairs, the first in order on top. */
static void heap_push(struct pair *h, size_t *n, struct pair pr)
{
	size_t i = (*n)++;

	for (; i && before(&pr, &h[(i - 1) / 2]); i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = pr;
}

static struct pair heap_pop(struct pair *h, size_t *n)
{
	struct pair top = h[0], last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

/*
 * Places every bucket with owner[b] < 0 on the node of highest affinity with room left:
 * the pairs are taken in order and a bucket goes to the first node that still has room.
 * Rather than sort every pair (buckets x nodes: 400 MB and seconds at 65536 x 256), each
 * free bucket waits in a heap with its best pair; a popped pair whose node has filled up
 * meanwhile is replaced by the bucket's next best. Nodes only fill, so a bucket's best
 * valid pair never improves, and the first pair popped that is still valid is the first
 * valid pair of the whole order: the same result as the sort, in memory of one pair per
 * bucket.
 */
static int place(const struct sv_config *cfg, const unsigned *quota, unsigned *count, int16_t *owner)
{
	uint64_t nh[SV_MAX_NODES];
	struct pair *heap, pr;
	size_t n = 0;

	heap = malloc(cfg->buckets * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	for (int i = 0; i < cfg->n_nodes; i++)
		nh[i] = name_hash(cfg->nodes[i].name);
	for (uint32_t b = 0; b < cfg->buckets; b++)
		if (owner[b] < 0 && best_pair(cfg, nh, quota, count, b, &pr))
			heap_push(heap, &n, pr);
	while (n) {
		pr = heap_pop(heap, &n);
		if (count[pr.node] < quota[pr.node]) {
			owner[pr.bucket] = (int16_t)pr.node;
			count[pr.node]++;
		} else if (best_pair(cfg, nh, quota, count, pr.bucket, &pr)) {
			heap_push(heap, &n, pr);
		}
	}
	free(heap);
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

int assign_base(const struct sv_config *cfg, int16_t *base)
{
	unsigned quota[SV_MAX_NODES], count[SV_MAX_NODES];

	return base_assignment(cfg, base, quota, count);
}

int assign_alive(const struct sv_config *cfg, const int16_t *base, const bool *alive, int16_t *owner)
{
	unsigned weight[SV_MAX_NODES], quota[SV_MAX_NODES], count[SV_MAX_NODES];
	unsigned alive_weight = 0;
	int n_alive = 0;

	memcpy(owner, base, cfg->buckets * sizeof(*owner));
	if (!alive)
		return 0;
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

int assign_buckets(const struct sv_config *cfg, const bool *alive, int16_t *owner)
{
	int16_t *base = malloc(cfg->buckets * sizeof(*base));
	int ret = base ? assign_base(cfg, base) : -ENOMEM;

	if (!ret)
		ret = assign_alive(cfg, base, alive, owner);
	free(base);
	return ret;
}
