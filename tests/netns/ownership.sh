#!/bin/bash
# Ownership you can trust: with sharedvipd and a steady load from 200 client addresses, no
# client connection is ever answered with two different SYN-ACKs (captured at the router),
# and no reset comes from the VIP, when a node reboots in the order of the package's units,
# dies and returns (its daemon started before and after its link comes up), has its daemon
# stopped (SIGSTOP) past the dead timer, or gets a second daemon; a daemon that stops for
# good leaves its node owning nothing (the unit's ExecStopPost).
. "$(dirname "$0")/../lib.sh"

CLIENTS=${CLIENTS:-200}
make_lan "$CLIENTS"
for i in 1 2 3 4; do add_node; done
write_config "$TMP/c.ini" 4
write_failover "$TMP/c.ini"
apply_all "$TMP/c.ini"
for i in 1 2 3 4; do
	[ -z "$(owned "$i")" ] || fail "node$i owns buckets after sharedvip-apply alone, with no daemon running"
done
pass "in a failover cluster sharedvip-apply alone grants no bucket"
start_servers
for i in 1 2 3 4; do start_daemon "$i" "$TMP/c.ini"; done
shares_settled 5 1 2 3 4 || fail "with everyone up: $(union_owned 1 2 3 4) (buckets, doubles)"
pass "4 daemons up: every bucket owned once"

# 1. a node reboots, in the order of the units: udev stage, link up, sharedvip-apply
#    (sharedvip.service), a pause, then sharedvipd
under_load 10
sleep 1
nd 2 ip link set $IF down
kill -9 "${DPID[2]}"
nd 2 nft flush ruleset # a reboot: nothing of the kernel's state survives
nd 2 ip addr flush dev $IF
sleep 1.5
nd 2 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --link $IF || fail "udev stage"
nd 2 ip link set $IF up
nd 2 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node node2 || fail "sharedvip.service's apply"
sleep 1
[ -z "$(owned 2)" ] || fail "the rebooting node owns $(owned 2 | wc -l) buckets before its daemon runs"
t0=$(date +%s%3N)
start_daemon 2 "$TMP/c.ini"
wait_converged 5 1 2 3 4 || fail "after the reboot: $(union_owned 1 2 3 4) (buckets, doubles), node2 owns $(owned 2 | wc -l)"
t=$(($(date +%s%3N) - t0))
load_done reboot
pass "a node reboots in a live cluster (units' order): it serves its share $t ms after its daemon started, $LOAD_SUMMARY"

# 2. a node dies and returns, its daemon started before its link comes up, then after
for order in before after; do
	under_load 8
	sleep 1
	nd 3 ip link set $IF down
	kill -9 "${DPID[3]}"
	sleep 1.5
	# for a second after node3 is back, the others do not hear it (its first heartbeats wait
	# on ARP, or are lost): it hears them, but must take nothing they still serve
	for i in 1 2 4; do
		nd "$i" nft add table inet mute
		nd "$i" nft add chain inet mute in '{ type filter hook input priority -400; }'
		nd "$i" nft add rule inet mute in ip saddr 192.168.0.13 udp dport 7946 drop
	done
	if [ $order = before ]; then
		start_daemon 3 "$TMP/c.ini"
		sleep 0.5
		[ -z "$(owned 3)" ] || fail "node3's daemon took buckets while its link was down"
		nd 3 ip link set $IF up
	else
		nd 3 ip link set $IF up
		nd 3 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node node3 || fail "apply on node3"
		sleep 0.3
		start_daemon 3 "$TMP/c.ini"
	fi
	sleep 1
	[ -z "$(owned 3)" ] || fail "node3 ($order) took $(owned 3 | wc -l) buckets while the others could not hear it"
	for i in 1 2 4; do nd "$i" nft delete table inet mute; done
	wait_converged 5 1 2 3 4 || fail "node3 returned ($order): $(union_owned 1 2 3 4) (buckets, doubles)"
	load_done "return $order"
	pass "node3 dies and returns, daemon started $order its link came up: $LOAD_SUMMARY"
done

# 3. a second daemon on a node refuses, and the first goes on undisturbed
lines=$(grep -c ownership "$TMP/d1.log")
out=$(nd 1 timeout 5 "$SV_BIN/sharedvipd" -c "$TMP/c.ini" --node node1 2>&1) && fail "a second sharedvipd started"
echo "$out" | grep -q "already runs" || fail "the second daemon did not say why it refused: $out"
out2=$(ip netns exec "${P}n1" env SHAREDVIP_RUN_DIR="$TMP/other" SHAREDVIP_STATE_DIR="$TMP/other" \
	timeout 5 "$SV_BIN/sharedvipd" -c "$TMP/c.ini" --node node1 2>&1) && fail "a second sharedvipd with another run dir started"
echo "$out2" | grep -q "another sharedvipd" || fail "the second daemon (another run dir) did not say why: $out2"
sleep 1
[ "$(grep -c ownership "$TMP/d1.log")" = "$lines" ] || fail "node1's daemon changed its ownership after a second start"
nd 1 "$SV_BIN/sharedvipctl" status > /dev/null || fail "sharedvipctl cannot reach node1's daemon any more"
converged 1 2 3 4 || fail "after a second start: $(union_owned 1 2 3 4)"
pass "a second sharedvipd refuses (\"$(echo "$out" | head -1 | cut -c1-60)...\"), the first goes on"

# 4. a daemon stopped for 4 s (SIGSTOP) and continued
under_load 9
sleep 1
kill -STOP "${DPID[4]}"
sleep 1
[ -z "$(owned 4)" ] || fail "a stopped daemon's node still owns $(owned 4 | wc -l) buckets after 1 s (no lease?)"
[ "$(union_owned 1 2 3)" = "1024 0" ] || fail "while node4 is stopped the others own $(union_owned 1 2 3)"
sleep 3
kill -CONT "${DPID[4]}"
wait_converged 5 1 2 3 4 || fail "after SIGCONT: $(union_owned 1 2 3 4) (buckets, doubles)"
grep -q "stalled [0-9]* ms, past the peers. dead timer" "$TMP/d4.log" || fail "node4 did not notice it had stalled"
load_done SIGSTOP
pass "sharedvipd stopped 4 s: its lease ran out, the others served, it rejoined: $LOAD_SUMMARY"

# 5. the daemon hangs and its unit stops it, and its restart fails (a config error): the
#    unit's ExecStopPost leaves the node owning nothing at once (not only when the lease runs
#    out), whatever the config says
kill -STOP "${DPID[1]}"
t0=$(date +%s%3N)
cp "$TMP/c.ini" "$TMP/bad.ini"
echo "bogus = 1" >> "$TMP/bad.ini"
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/bad.ini" --release > /dev/null || fail "sharedvip-apply --release failed"
left=$(owned 1 | wc -l)
t=$(($(date +%s%3N) - t0))
kill -9 "${DPID[1]}"
[ "$left" = 0 ] || fail "node1 still owns $left buckets after --release"
[ "$t" -lt 200 ] || fail "the check came $t ms after the stop: the lease may have run out by itself"
[ -n "$(nd 1 nft list set inet sharedvip held | grep elements)" ] || fail "node1's buckets are not held after --release"
nd 1 "$SV_BIN/sharedvipd" -c "$TMP/bad.ini" --node node1 > /dev/null 2>&1 && fail "sharedvipd started with a bad config"
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/bad.ini" --release > /dev/null || fail "sharedvip-apply --release failed"
[ -z "$(owned 1)" ] || fail "node1 owns buckets after its failed restart"
pass "a hung daemon stopped by its unit, its restart failing: --release (ExecStopPost) leaves the node owning nothing ${t} ms after the stop, connections held"
