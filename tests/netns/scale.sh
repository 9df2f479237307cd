#!/bin/bash
# A cluster of SCALE_NODES (default 64) on one hub, at the default heartbeat_ms: every
# bucket owned once within seconds of the daemons' start; 20 s of idle with no death and no
# ownership change; a node killed under client load and its buckets owned once by the
# survivors within a second; no client connection answered twice.
# The kernel keeps one neighbour table for all namespaces of a machine (gc_thresh3 1024 by
# default): raised for the run, as separate machines would each have their own, and put back.
. "$(dirname "$0")/../lib.sh"

N=${SCALE_NODES:-64}
CLIENTS=${CLIENTS:-100}
thresh=/proc/sys/net/ipv4/neigh/default/gc_thresh3
old_thresh=$(cat "$thresh")
on_exit() { echo "$old_thresh" > "$thresh"; }
ON_CLEANUP=on_exit
echo $((old_thresh > 8192 ? old_thresh : 8192)) > "$thresh"

make_lan "$CLIENTS"
for ((i = 1; i <= N; i++)); do add_node; done
write_config "$TMP/c.ini" "$N"
write_failover "$TMP/c.ini"
apply_all "$TMP/c.ini"
start_servers
all=()
for ((i = 1; i <= N; i++)); do all+=("$i"); done
started=$(date +%s%N)
for ((i = 1; i <= N; i++)); do start_daemon "$i" "$TMP/c.ini"; done
owned_once 15 "${all[@]}" || fail "$N daemons, 15 s after the start: $(union_owned "${all[@]}") (buckets, doubles)"
converged_ms=$((($(date +%s%N) - started) / 1000000))
pass "$N daemons: every bucket owned once $converged_ms ms after the first started (the check itself reads $N tables)"

# idle: nobody dies, nothing moves
changes() { cat "$TMP"/d*.log | grep -c "membership:\|ownership:"; }
sleep 2
before=$(changes)
sleep 20
after=$(changes)
deaths=$(cat "$TMP"/d*.log | grep -c "is dead (")
[ "$after" = "$before" ] || fail "$((after - before)) membership or ownership changes in 20 s of idle: $(cat "$TMP"/d*.log | grep "membership:\|ownership:" | tail -3)"
[ "$deaths" = 0 ] || fail "$deaths deaths logged: $(cat "$TMP"/d*.log | grep "is dead (" | head -3)"
owned_once 1 "${all[@]}" || fail "after the idle: $(union_owned "${all[@]}")"
pass "20 s of idle: no death, no membership or ownership change"

# a node killed under load: its buckets owned once by the survivors within a second
victim=$((N / 2))
survivors=()
for ((i = 1; i <= N; i++)); do [ "$i" = "$victim" ] || survivors+=("$i"); done
reset_counters
synack_start
client_loop "$TMP/load" 6 & LOOP=$!
sleep 2
kill -9 "${DPID[$victim]}"
killed=$(date +%s%N)
sleep 1
# read from a second after the kill on: every survivor must show its new buckets by then
snapshot=$(union_owned "${survivors[@]}")
read_ms=$((($(date +%s%N) - killed) / 1000000))
[ "$snapshot" = "1024 0" ] || fail "1 s after node$victim was killed, the survivors own $snapshot (buckets, doubles)"
wait "$LOOP"
synack_stop
[ "$(synack_doubles)" = 0 ] || fail "$(synack_doubles) client connections answered twice"
taken=$(grep -h "after a death" "$TMP"/d*.log | wc -l)
pass "node$victim of $N killed under load: every bucket owned once by the $((N - 1)) survivors 1 s after ($taken took buckets; read from 1000 to $read_ms ms), $(synack_count) SYN-ACKs, no double"
