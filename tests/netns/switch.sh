#!/bin/bash
# mode = switch behind a learning switch: the switch never learns the shared MAC (every
# node sends from its own MAC), so it floods the VIP's traffic to every node, and every
# connection is answered exactly once. The same in hub mode must fail: the switch learns
# the shared MAC on one port and the other nodes never see their clients.
if [ "${1:-}" != case ]; then
	here=$(dirname "$0")
	bash "$0" case switch || exit 1
	if bash "$0" case hub > /dev/null 2>&1; then
		echo "FAIL: hub mode on a learning switch passed: the test cannot tell" >&2
		exit 1
	fi
	echo "ok: the same test fails in hub mode on a learning switch, as it must"
	exit 0
fi
. "$(dirname "$0")/../lib.sh"
MODE=$2
HUB_LEARNING=1
LINKUP_WAIT=2 # what the links send before the full apply must not show the shared MAC either
CLIENTS=${CLIENTS:-128}
make_lan "$CLIENTS"
for i in 1 2 3 4; do add_node; done
write_config "$TMP/c.ini" 4
apply_all "$TMP/c.ini"
start_servers
reset_counters
for ((i = 0; i < CLIENTS; i++)); do
	src=$(client_addr "$i")
	got=$(tcp_who "$src")
	[ "$got" = "$(who_says "$TMP/c.ini" "$src")" ] || fail "$MODE: $src answered by '$got'"
done
[ "$(counter synack)" = "$CLIENTS" ] || fail "$(counter synack) SYN-ACKs for $CLIENTS connections"
[ "$(counter rst)" = 0 ] || fail "$(counter rst) resets"
pass "$MODE mode on a learning switch: $CLIENTS connections, one SYN-ACK each, no reset"
! sw bridge fdb show br br0 | grep -q "02:bf:c0:a8:00:02" || fail "the switch learnt the shared MAC: $(sw bridge fdb show br br0 | grep 02:bf)"
rt ip neigh show "$VIP" | grep -q 02:bf:c0:a8:00:02 || fail "router's ARP entry for the VIP: $(rt ip neigh show "$VIP")"
for i in 1 2 3 4; do
	rt ping -c1 -W2 "192.168.0.$((10 + i))" > /dev/null || fail "node$i's own address unreachable"
	sw bridge fdb show br br0 | grep -q "02:0$i:c0:a8:00:02" || fail "node$i does not send from its own MAC"
done
pass "the switch never learnt the shared MAC; the router resolves the VIP to it; each node sends from its own MAC"

# the daemons' heartbeats work behind the switch too
write_failover "$TMP/c.ini"
for i in 1 2 3 4; do start_daemon "$i" "$TMP/c.ini"; done
sleep 1.5
[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "$MODE: daemons own $(union_owned 1 2 3 4)"
for i in 1 2 3 4; do grep -q "alive: node1 node2 node3 node4" "$TMP/d$i.log" || fail "node$i does not hear everyone"; done
! sw bridge fdb show br br0 | grep -q "02:bf:c0:a8:00:02" || fail "the heartbeats taught the switch the shared MAC"
pass "$MODE mode: the daemons hear each other and own every bucket once"
