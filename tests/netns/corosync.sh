#!/bin/bash
# membership = corosync: three nodes of the simulated LAN, each running Debian's corosync 3
# (knet, votequorum) in a mount and UTS namespace of its own, and sharedvipd in corosync
# mode (no key file). Under client load (TCP from 200 client addresses, DNS), counted at the
# router: every bucket owned once; a node's corosync killed: the survivors own every bucket
# once after corosync's new view; it returns: its share comes back; a 1|2 partition (the
# node's corosync traffic cut, the router still reached): the minority, without quorum,
# takes no new connections while the two own every bucket; healed, its share comes back.
# Through all of it, no client connection answered with two different SYN-ACKs, no reset
# from the VIP, no DNS query answered twice.
. "$(dirname "$0")/../lib.sh"

command -v corosync > /dev/null || fail "corosync is not installed (tests/install-deps.sh installs it)"
CLIENTS=${CLIENTS:-200}
make_lan "$CLIENTS"
for i in 1 2 3; do add_node; done
write_config "$TMP/c.ini" 3
printf '[failover]\nmembership = corosync\n' >> "$TMP/c.ini"
apply_all "$TMP/c.ini"
start_servers
for i in 1 2 3; do stack_node "$i"; done
corosync_conf 3
for i in 1 2 3; do start_corosync "$i"; done
for ((k = 0; k < 200; k++)); do quorate 1 && quorate 2 && quorate 3 && break; sleep 0.1; done
quorate 1 && quorate 2 && quorate 3 || fail "corosync did not form a quorate membership: $(tail -5 "$TMP/cs1.log")"
for i in 1 2 3; do start_daemon_stack "$i" "$TMP/c.ini"; done
shares_settled 10 1 2 3 || fail "3 daemons in corosync mode: $(union_owned 1 2 3) (buckets, doubles); node1: $(tail -5 "$TMP/d1.log")"
grep -q "joined process group sharedvip" "$TMP/d1.log" || fail "node1 did not join corosync's process group"
pass "3 daemons with membership = corosync: every bucket owned once ($(for i in 1 2 3; do owned $i | wc -l; done | paste -sd' '))"

LOAD_MIN_SYNACKS=50

# 1. node3's corosync is killed: its sharedvipd loses corosync and owns nothing; the
#    others see it leave and own every bucket once; corosync back: node3's share returns
under_load 14
sleep 1
t0=$(date +%s%3N)
kill -9 "${CPID[3]}"
wait "${CPID[3]}" 2> /dev/null
for ((k = 0; k < 200; k++)); do [ "$(union_owned 1 2)" = "1024 0" ] && break; sleep 0.05; done
[ "$(union_owned 1 2)" = "1024 0" ] || fail "after node3's corosync died: nodes 1 and 2 own $(union_owned 1 2)"
t=$(($(date +%s%3N) - t0))
[ -z "$(owned 3)" ] || fail "node3 owns $(owned 3 | wc -l) buckets without corosync"
grep -q "corosync went away" "$TMP/d3.log" || fail "node3's daemon did not notice corosync went away"
sleep 1
start_corosync 3
wait_converged 15 1 2 3 || fail "node3's corosync back: $(union_owned 1 2 3); node3: $(tail -5 "$TMP/d3.log")"
load_done "corosync killed"
pass "node3's corosync killed: nodes 1 and 2 own every bucket once $t ms later; back: its share returns; $LOAD_SUMMARY"

# 2. a 1|2 partition: node1 hears neither node2 nor node3 (their corosync traffic dropped
#    both ways), the router and the clients still reach everyone
cut_node1() {
	nd 1 nft add table inet part
	nd 1 nft add chain inet part in '{ type filter hook input priority -400; }'
	nd 1 nft add chain inet part out '{ type filter hook output priority -400; }'
	nd 1 nft add rule inet part in ip saddr '{ 192.168.0.12, 192.168.0.13 }' drop
	nd 1 nft add rule inet part out ip daddr '{ 192.168.0.12, 192.168.0.13 }' drop
}
under_load 16
sleep 1
cut_node1
for ((k = 0; k < 200; k++)); do [ -z "$(owned 1)" ] && [ "$(union_owned 2 3)" = "1024 0" ] && break; sleep 0.05; done
[ -z "$(owned 1)" ] || fail "node1, cut off alone, still owns $(owned 1 | wc -l) buckets"
[ "$(union_owned 2 3)" = "1024 0" ] || fail "the majority owns $(union_owned 2 3)"
grep -q "quorum LOST" "$TMP/d1.log" || fail "node1 did not log its lost quorum"
sleep 2
[ -z "$(owned 1)" ] && [ "$(union_owned 2 3)" = "1024 0" ] || fail "during the partition: node1 $(owned 1 | wc -l), 2+3 $(union_owned 2 3)"
nd 1 nft delete table inet part
wait_converged 15 1 2 3 || fail "healed: $(union_owned 1 2 3); node1: $(tail -5 "$TMP/d1.log")"
load_done "partition"
pass "1|2 partition: node1 without quorum owned nothing, nodes 2 and 3 every bucket once; healed, its share returned; $LOAD_SUMMARY"

# 3. node2's sharedvipd stops (SIGTERM): it leaves the group, the others take over at once
under_load 8
sleep 1
kill -TERM "${DPID[2]}"
wait "${DPID[2]}" 2> /dev/null
owned_once 3 1 3 || fail "node2's daemon stopped: $(union_owned 1 3)"
start_daemon_stack 2 "$TMP/c.ini"
wait_converged 10 1 2 3 || fail "node2's daemon back: $(union_owned 1 2 3)"
load_done "daemon restart"
pass "node2's sharedvipd stopped and started again: taken over and given back; $LOAD_SUMMARY"

# 4. node1's sharedvipd hangs (SIGSTOP) while its corosync runs on: the group still counts
#    it a member, but nodes 2 and 3 get nothing from it while their own heartbeats are
#    delivered; after a dead timer of that it is dead to them, and its lease has run out, so
#    the two own every bucket once; continued, it finds it stalled, owns nothing, starts
#    over, and its share returns through agreement
under_load 10
sleep 1
t0=$(date +%s%3N)
kill -STOP "${DPID[1]}"
for ((k = 0; k < 100; k++)); do [ "$(union_owned 2 3)" = "1024 0" ] && break; sleep 0.05; done
[ "$(union_owned 2 3)" = "1024 0" ] || { kill -CONT "${DPID[1]}"; fail "node1's daemon hung: nodes 2 and 3 own $(union_owned 2 3)"; }
t=$(($(date +%s%3N) - t0))
[ -z "$(owned 1)" ] || { kill -CONT "${DPID[1]}"; fail "node1's daemon hung: its lease did not run out ($(owned 1 | wc -l) buckets)"; }
grep -q "node1 hangs" "$TMP/d2.log" || { kill -CONT "${DPID[1]}"; fail "node2 did not say node1 hangs: $(tail -3 "$TMP/d2.log")"; }
sleep 1
kill -CONT "${DPID[1]}"
wait_converged 10 1 2 3 || fail "node1's daemon continued: $(union_owned 1 2 3); node1: $(tail -5 "$TMP/d1.log")"
grep -q "stalled" "$TMP/d1.log" || fail "node1 did not notice it had stalled"
load_done "hung daemon"
pass "node1's sharedvipd hung (SIGSTOP), its corosync running: nodes 2 and 3 own every bucket once $t ms later; continued, it started over and its share returned; $LOAD_SUMMARY"

# 5. corosync's node names must be the [node] names: said clearly at start
sed 's/\[node node3\]/[node other]/' "$TMP/c.ini" > "$TMP/other.ini"
mkdir -p "$TMP/other-run"
out=$(in_stack 3 env SHAREDVIP_RUN_DIR="$TMP/other-run" timeout 10 "$SV_BIN/sharedvipd" -c "$TMP/other.ini" --node other 2>&1) && fail "a daemon whose name corosync does not know started"
echo "$out" | grep -q "corosync calls this node node3 (node id 3), but sharedvipd runs as node other" ||
	fail "the name mismatch was not said clearly: $out"
pass "a node whose [node] name is not corosync's: sharedvipd says so and exits"

# 6. without corosync installed: no program links its libraries (they are opened only in
#    this mode); with them missing, corosync mode says which and owns nothing meanwhile
for p in sharedvipd sharedvip-apply sharedvipctl sharedvip-status; do
	! readelf -d "$SV_BIN/$p" | grep -E 'NEEDED.*lib(cpg|quorum|cmap|corosync)' || fail "$p links corosync's libraries"
done
cpg=$(readlink -f "$(ldconfig -p | awk '/libcpg\.so\.4 /{ print $NF; exit }')")
[ -f "$cpg" ] || fail "libcpg.so.4 not found"
kill -TERM "${DPID[3]}"
wait "${DPID[3]}" 2> /dev/null
: > "$TMP/empty.so"
in_stack 3 unshare -m --propagation private sh -c "mount --bind '$TMP/empty.so' '$cpg' &&
	exec timeout 4 '$SV_BIN/sharedvipd' -c '$TMP/c.ini' --node node3" > "$TMP/nolib.log" 2>&1
grep -q "membership = corosync needs corosync's libraries (libcpg.so.4: .*apt-get install corosync); trying again" "$TMP/nolib.log" ||
	fail "corosync's libraries missing: not said clearly: $(cat "$TMP/nolib.log")"
[ -z "$(owned 3)" ] || fail "without corosync's libraries node3 owns $(owned 3 | wc -l) buckets"
pass "the programs do not link corosync's libraries; with libcpg missing, corosync mode names it and owns nothing"
