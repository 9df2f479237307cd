#!/bin/bash
# Freshness without trusting the clock: a daemon restarted with its clock an hour back
# (libfaketime) is heard at once, not taken for a replay, and every bucket is owned once;
# its incarnation, kept in the state directory, only grows.
. "$(dirname "$0")/../lib.sh"

make_lan 4
daemon_cluster 2
first=$(cat "$TMP/state2/node2.incarnation")

# node2's daemon restarts with its clock an hour back
kill "${DPID[2]}"
for ((k = 0; k < 50; k++)); do kill -0 "${DPID[2]}" 2> /dev/null || break; sleep 0.1; done
kill -9 "${DPID[2]}" 2> /dev/null
lib=$(find /usr/lib -name libfaketime.so.1 | head -1)
[ -n "$lib" ] || fail "no libfaketime"
(exec ip netns exec "${P}n2" env SHAREDVIP_RUN_DIR="$TMP/run2" SHAREDVIP_STATE_DIR="$TMP/state2" \
	LD_PRELOAD="$lib" FAKETIME="-1h" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	"$SV_BIN/sharedvipd" -c "$TMP/c.ini" --node node2 >> "$TMP/d2.log" 2>&1) &
DPID[2]=$!
PIDS+=($!)
sleep 0.5
second=$(cat "$TMP/state2/node2.incarnation")
[ "$second" -gt "$first" ] || fail "the incarnation did not grow: $first, then $second"
for ((k = 0; k < 60; k++)); do [ "$(union_owned 1 2)" = "1024 0" ] && [ -n "$(owned 2)" ] && break; sleep 0.05; done
[ "$(union_owned 1 2)" = "1024 0" ] && [ -n "$(owned 2)" ] || fail "after the restart an hour back: $(union_owned 1 2), node2 owns $(owned 2 | wc -l)"
replays=$(nd 1 "$SV_BIN/sharedvipctl" status | grep -o 'replayed=[0-9]*')
[ "$replays" = replayed=0 ] || fail "node1 took node2's heartbeats for replays: $replays"
sleep 1
[ "$(union_owned 1 2)" = "1024 0" ] || fail "a second later: $(union_owned 1 2)"
pass "a daemon restarted with its clock an hour back: heard at once (no replay), every bucket owned once; incarnation $first -> $second"
