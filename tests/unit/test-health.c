// SPDX-License-Identifier: GPL-2.0-or-later
/* Service health without root: the [health] keys, fall and rise, and the view: an
 * unhealthy node owns nothing unless no alive node is healthy (fail open). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "health.h"
#include "heartbeat.h"
#include "membership.h"

static struct sv_config cfg;
static const uint8_t digest[HB_DIGEST_LEN] = { 3 };

static void test_config(void)
{
	char errs[2048] = "";
	FILE *err = fmemopen(errs, sizeof(errs), "w");
	int ret = config_parse_string("[cluster]\ninterface = eth0\nvip = 10.0.0.2\n[node a]\n[health]\n"
				      "listen = tcp:80, udp:53\ncommand = /usr/local/sbin/check-dns --quick\n"
				      "interval_ms = 250\ntimeout_ms = 900\nfall = 1\nrise = 4\n",
				      "h.ini", &cfg, err);

	fclose(err);
	CHECK(ret == 0, "[health]: %s", errs);
	CHECK(cfg.health.enabled && cfg.health.n_listen == 2 && cfg.health.listen[0].port == 80 &&
		  cfg.health.listen[1].proto == 17 &&
		  !strcmp(cfg.health.command, "/usr/local/sbin/check-dns --quick") && cfg.health.interval_ms == 250 &&
		  cfg.health.timeout_ms == 900 && cfg.health.fall == 1 && cfg.health.rise == 4,
	      "[health] keys");
	err = fmemopen(errs, sizeof(errs), "w");
	ret = config_parse_string("[cluster]\ninterface = eth0\nvip = 10.0.0.2\n[node a]\n[health]\nlisten = sctp:80\n",
				  "h.ini", &cfg, err);
	fclose(err);
	CHECK(ret > 0 && strstr(errs, "h.ini:6: listen: `sctp:80' is not tcp:PORT or udp:PORT"), "bad listen: %s",
	      errs);
	config_parse_string("[cluster]\ninterface = eth0\nvip = 10.0.0.2\n[node a]\n", "h.ini", &cfg, stderr);
	CHECK(!cfg.health.enabled && cfg.health.interval_ms == 500 && cfg.health.timeout_ms == 1000 &&
		  cfg.health.fall == 2 && cfg.health.rise == 3,
	      "defaults");
}

static void test_fall_rise(void)
{
	struct health h;

	cfg.health.fall = 2, cfg.health.rise = 3;
	health_init(&h);
	CHECK(h.healthy, "starts healthy");
	CHECK(!health_round(&h, &cfg, false, "nothing listens on tcp:80") && h.healthy, "one failure: still healthy");
	CHECK(health_round(&h, &cfg, false, "nothing listens on tcp:80") && !h.healthy && strstr(h.reason, "tcp:80"),
	      "two: unhealthy, with the reason");
	CHECK(!health_round(&h, &cfg, true, "") && !health_round(&h, &cfg, true, "") && !h.healthy,
	      "two good: not yet");
	CHECK(!health_round(&h, &cfg, false, "x") && !h.healthy && h.successes == 0, "a failure starts the count over");
	for (int i = 0; i < 2; i++)
		health_round(&h, &cfg, true, "");
	CHECK(health_round(&h, &cfg, true, "") && h.healthy && !h.reason[0], "three good in a row: healthy");
}

static void test_view(void)
{
	struct membership m;
	struct heartbeat hb = { .incarnation = 1 };
	bool changed, eligible[SV_MAX_NODES];

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_nodes = 3, cfg.buckets = 64, cfg.failover.heartbeat_ms = 100, cfg.failover.dead_after = 3;
	for (int i = 0; i < 3; i++)
		cfg.nodes[i].weight = 1;
	membership_init(&m, &cfg, 0, digest, 0);
	memcpy(hb.digest, digest, sizeof(digest));
	for (int i = 1; i < 3; i++) {
		hb.node = (uint16_t)i, hb.seq = 1;
		membership_receive(&m, &hb, 1, &changed);
	}
	membership_set_healthy(&m, false, 2);
	membership_eligible(&m, eligible);
	CHECK(!eligible[0] && eligible[1] && eligible[2] && !m.fail_open, "unhealthy: owns nothing, the others do");
	hb.node = 1, hb.seq = 2, hb.flags = HB_UNHEALTHY;
	membership_receive(&m, &hb, 3, &changed);
	membership_eligible(&m, eligible);
	CHECK(changed && !eligible[1] && eligible[2], "a peer that says it is unhealthy owns nothing");
	hb.node = 2, hb.seq = 2, hb.flags = HB_UNHEALTHY;
	membership_receive(&m, &hb, 4, &changed);
	membership_eligible(&m, eligible);
	CHECK(m.fail_open && eligible[0] && eligible[1] && eligible[2], "no alive node healthy: all keep their share");
	membership_set_healthy(&m, true, 5);
	membership_eligible(&m, eligible);
	CHECK(!m.fail_open && eligible[0] && !eligible[1] && !eligible[2], "one healthy again: only it serves");
}

int main(void)
{
	test_config();
	test_fall_rise();
	test_view();
	return check_summary("test-health");
}
