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

export SHAREDVIP_LOG_TIMESTAMPS=1 # the daemons' own account of the takeover
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
deaths() { cat "$TMP"/d*.log | grep -c "is dead ("; }
sleep 2
before=$(changes) d0=$(deaths)
sleep 20
after=$(changes) d1=$(deaths)
[ "$d1" = "$d0" ] || fail "$((d1 - d0)) deaths logged in 20 s of idle: $(cat "$TMP"/d*.log | grep "is dead (" | tail -3)"
[ "$after" = "$before" ] || fail "$((after - before)) membership or ownership changes in 20 s of idle: $(cat "$TMP"/d*.log | grep "membership:\|ownership:" | tail -3)"
owned_once 1 "${all[@]}" || fail "after the idle: $(union_owned "${all[@]}")"
pass "20 s of idle: no death, no membership or ownership change ($d0 deaths were logged while 64 daemons started at once)"

# a node killed under load: its buckets owned once by the survivors within a second, by
# the survivors' own clocks (the last one's takeover committed) and then in their tables
victim=$((N / 2))
survivors=()
for ((i = 1; i <= N; i++)); do
	[ "$i" = "$victim" ] || survivors+=("$i")
	skip[$i]=0
done
reset_counters
synack_start
client_loop "$TMP/load" 6 & LOOP=$!
sleep 2
for i in "${survivors[@]}"; do skip[$i]=$(wc -l < "$TMP/d$i.log"); done
killed=$EPOCHREALTIME
kill -9 "${DPID[$victim]}"
sleep 2
last=0 took=0
for i in "${survivors[@]}"; do
	t=$(tail -n +"$((skip[$i] + 1))" "$TMP/d$i.log" | grep -m1 "ownership: [0-9]* buckets (+[1-9]" | awk '{print $1}')
	[ -n "$t" ] || continue
	took=$((took + 1))
	last=$(echo "if ($t > $last) $t else $last" | bc -l)
done
took_ms=$(echo "($last - $killed) * 1000" | bc -l | xargs printf '%.0f')
[ "$took" -gt 0 ] && [ "$took_ms" -lt 1000 ] || fail "node$victim killed: $took survivors took buckets, the last ${took_ms} ms after"
owned_once 1 "${survivors[@]}" || fail "after node$victim was killed the survivors own $(union_owned "${survivors[@]}") (buckets, doubles)"
wait "$LOOP"
synack_stop
[ "$(synack_doubles)" = 0 ] || fail "$(synack_doubles) client connections answered twice"
pass "node$victim of $N killed under load: its buckets taken by $took survivors, the last $took_ms ms after the kill (their own clocks); every bucket owned once; $(synack_count) SYN-ACKs, no double"
