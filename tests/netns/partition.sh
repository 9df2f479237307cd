#!/bin/bash
# Partitions: nodes that cannot hear each other but all still reach the router.
# quorum = majority: only a group with more than half the weight takes new connections, so
# no bucket is answered twice (3|1: the three serve everything; 2|2: nobody does).
# quorum = none: each group serves what it cannot hear, so every bucket has an owner.
. "$(dirname "$0")/../lib.sh"

make_lan 1
for i in 1 2 3 4; do add_node; done
write_config "$TMP/base.ini" 4
apply_all "$TMP/base.ini"

# cut NODE from the heartbeats of the nodes listed after it
cut() {
	local i=$1 j
	shift
	nd "$i" nft add table inet cut 2> /dev/null
	nd "$i" nft add chain inet cut in '{ type filter hook input priority -400; }' 2> /dev/null
	for j in "$@"; do nd "$i" nft add rule inet cut in ip saddr "192.168.0.$((10 + j))" udp dport 7946 drop; done
}
heal() { local i; for i in 1 2 3 4; do nd "$i" nft delete table inet cut 2> /dev/null; done; }
settle() { sleep 1.5; }
start_all() { local i; for i in 1 2 3 4; do start_daemon "$i" "$1"; done; sleep 1; }
stop_all() {
	local i k
	for i in 1 2 3 4; do kill -TERM "${DPID[$i]}"; done
	for ((k = 0; k < 50; k++)); do
		for i in 1 2 3 4; do kill -0 "${DPID[$i]}" 2> /dev/null && break; done
		kill -0 "${DPID[$i]}" 2> /dev/null || break
		sleep 0.1
	done
	for i in 1 2 3 4; do kill -9 "${DPID[$i]}" 2> /dev/null; done
	wait "${DPID[@]}" 2> /dev/null
}

for quorum in majority none; do
	cp "$TMP/base.ini" "$TMP/$quorum.ini"
	write_failover "$TMP/$quorum.ini" quorum="$quorum"
	start_all "$TMP/$quorum.ini"
	[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "$quorum: before the split: $(union_owned 1 2 3 4)"

	cut 4 1 2 3; cut 1 4; cut 2 4; cut 3 4
	settle
	three=$(union_owned 1 2 3) one=$(owned 4 | wc -l)
	if [ $quorum = majority ]; then
		[ "$three" = "1024 0" ] && [ "$one" = 0 ] || fail "majority 3|1: the three own $three, node4 owns $one"
	else
		[ "$three" = "1024 0" ] && [ "$one" = 1024 ] || fail "none 3|1: the three own $three, node4 owns $one"
	fi
	grep -q "SPLIT SUSPECTED" "$TMP/d4.log" || fail "$quorum 3|1: node4 did not report a suspected split"
	heal
	settle
	[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "$quorum: after healing 3|1: $(union_owned 1 2 3 4)"
	pass "quorum = $quorum, 3|1: the three own $three (buckets, doubles), node4 owns $one; healed: each bucket once"

	cut 1 3 4; cut 2 3 4; cut 3 1 2; cut 4 1 2
	settle
	a=$(union_owned 1 2) b=$(union_owned 3 4)
	if [ $quorum = majority ]; then
		[ "$a" = "0 0" ] && [ "$b" = "0 0" ] || fail "majority 2|2: groups own $a and $b"
	else
		[ "$a" = "1024 0" ] && [ "$b" = "1024 0" ] || fail "none 2|2: groups own $a and $b"
	fi
	heal
	settle
	[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "$quorum: after healing 2|2: $(union_owned 1 2 3 4)"
	pass "quorum = $quorum, 2|2: the groups own $a and $b; healed: each bucket once"
	stop_all
done
