// SPDX-License-Identifier: GPL-2.0-or-later
/* The control protocol without a daemon: the command table, and the status reply written
 * and read back at the config's limits (256 nodes with the longest names) without a cut. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ctlproto.h"
#include "metrics.h"

static struct ctl_status in, out;
static char reply[CTL_REPLY_MAX];

static enum http_route route(const char *head)
{
	return http_route(head, strlen(head));
}

int main(void)
{
	CHECK(ctl_command_parse("status\n") == CTL_STATUS && ctl_command_parse("drain\r\n") == CTL_DRAIN &&
		  ctl_command_parse("resume") == CTL_RESUME && ctl_command_parse("stat") < 0 &&
		  ctl_command_parse("statusx") < 0,
	      "commands");
	for (int i = 0; i < CTL_N_COMMANDS; i++)
		CHECK(ctl_commands[i].name && ctl_commands[i].help, "command %d has a name and a help", i);
	snprintf(in.node, sizeof(in.node), "node-%058d", 7);
	in.draining = true, in.healthy = false, in.owned = 65536, in.held = 12, in.quorum = true;
	snprintf(in.health, sizeof(in.health), "nothing listens on tcp:80");
	in.ownership_changes = 18446744073709551615ull;
	in.n_peers = SV_MAX_NODES;
	for (int i = 0; i < SV_MAX_NODES; i++) {
		struct ctl_peer *p = &in.peers[i];
		snprintf(p->name, sizeof(p->name), "n%062d", i);
		p->alive = i % 2, p->eligible = i % 3 == 0, p->healthy = i % 5 != 0, p->config_differs = i == 9;
		p->heard_ms_ago = i == 0 ? -1 : 9223372036854775807ll, p->received = 18446744073709551615ull;
	}
	in.forged = in.replayed = in.unknown = in.config_differs = 18446744073709551615ull;
	in.wrong_address = in.unproven = 18446744073709551615ull;
	CHECK(ctl_status_format(&in, reply, sizeof(reply)) == 0, "256 nodes of the longest names fit in the reply");
	CHECK(ctl_status_format(&in, reply, 1000) == -ENOSPC, "a reply that does not fit is an error, never cut");
	ctl_status_format(&in, reply, sizeof(reply));
	CHECK(ctl_status_parse(reply, &out) == 0, "parsed back");
	CHECK(!memcmp(&in, &out, sizeof(in)), "the same status, field for field");
	CHECK(ctl_status_parse("ok drain\n", &out) == -EPROTO, "not a status");
	CHECK(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") == HTTP_METRICS, "GET /metrics");
	CHECK(route("GET /metric HTTP/1.1\r\n\r\n") == HTTP_NOT_FOUND, "another path: 404");
	CHECK(route("POST /metrics HTTP/1.1\r\n\r\n") == HTTP_BAD, "not GET");
	CHECK(route("GET /metrics HTTP/1.1\r\n") == HTTP_INCOMPLETE, "head not complete");
	return check_summary("test-ctlproto");
}
