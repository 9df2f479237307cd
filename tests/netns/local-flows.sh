#!/bin/bash
# Flows a node opens itself from the VIP (a resolver's upstream queries, a proxy's
# back-end connections) work on every node: replies reach the node that opened them and
# no other node answers or resets them.
. "$(dirname "$0")/../lib.sh"

make_lan 1
for i in 1 2 3 4; do add_node; done
write_config "$TMP/c.ini" 4
apply_all "$TMP/c.ini"
bg cl ncat -lk "$UPSTREAM" 9000 --sh-exec 'echo upstream'
bg cl dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --listen-address="$UPSTREAM" \
	--bind-interfaces --port=53 --user=root --pid-file="$TMP/up.pid" --txt-record=up.test,upstream-udp
sleep 0.5
reset_counters
for i in 1 2 3 4; do
	for k in 1 2 3 4 5; do
		got=$(nd "$i" timeout 5 ncat -s "$VIP" --recv-only "$UPSTREAM" 9000 < /dev/null 2>&1)
		[ "$got" = upstream ] || fail "node$i: TCP from the VIP to upstream got '$got'"
		got=$(nd "$i" dig +short +tries=1 +time=2 -b "$VIP" @"$UPSTREAM" up.test TXT | tr -d '"')
		[ "$got" = upstream-udp ] || fail "node$i: UDP from the VIP to upstream got '$got'"
	done
done
[ "$(counter rst)" = 0 ] || fail "$(counter rst) resets"
[ "$(counter icmperr)" = 0 ] || fail "$(counter icmperr) ICMP errors: another node rejected a flow it did not open"
pass "TCP connections and DNS queries opened from the VIP work on all 4 nodes, no reset"
