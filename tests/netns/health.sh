#!/bin/bash
# Service health: a node whose service dies gives its buckets away within about a second,
# under load from 200 client addresses, with no double answer, no reset and no ICMP error
# from the VIP, its long-lived connections kept; it takes them back when the service
# returns. A command check that fails, hangs past its timeout and succeeds again; heartbeats
# keep their interval while it hangs; every node unhealthy: every bucket still owned once
# (fail open); a reload picks up a changed [health] section.
. "$(dirname "$0")/../lib.sh"

CLIENTS=${CLIENTS:-200}
make_lan "$CLIENTS"
cat > "$TMP/check.sh" <<EOF
case \$(cat "$TMP/mode-\$SHAREDVIP_NODE" 2> /dev/null) in
fail) exit 1 ;;
hang) sleep 10 ;;
esac
exit 0
EOF
health_section() {
	cat <<-EOF

	[health]
	listen = tcp:80, udp:53
	command = sh $TMP/check.sh
	interval_ms = 200
	timeout_ms = 500
	fall = 2
	rise = 2
	EOF
}
EXTRA_INI=$(health_section) SERVERS=1 daemon_cluster 3
for i in 1 2 3; do owned "$i" > "$TMP/base$i"; done
pass "3 daemons with health checks: every bucket owned once"

settled() { # settled SECONDS CHECK...: until CHECK holds
	local s=$1 k
	shift
	for ((k = 0; k < s * 20; k++)); do "$@" && return 0; sleep 0.05; done
	return 1
}
owns_nothing() { [ -z "$(owned "$1")" ]; }
owns_base() { diff -q <(owned "$1") "$TMP/base$1" > /dev/null; }

# 1. TCP: node2's web server dies under load; its long-lived connection (port 7) stays
long_connection "$(first_client_of node2 "$TMP/c.ini")"
reset_counters
synack_start
: > "$TMP/tcp"
client_loop "$TMP/tcp" 8 3 & LOOP=$! # 3 s: a SYN dropped by a node whose service is gone is retransmitted after 1 s
sleep 1
t0=$(date +%s%3N)
# (pkill would see every namespace's processes: only node2's listener on port 80)
kill $(ip netns pids "${P}n2" | xargs -r ps -o pid=,args= -p | awk -v v="$VIP" '$2 == "ncat" && $4 == v && $5 == 80 {print $1}')
settled 3 owns_nothing 2 || fail "node2 still owns $(owned 2 | wc -l) buckets 3 s after its web server died"
t=$(($(date +%s%3N) - t0))
owned_once 3 1 3 || fail "after node2 became unhealthy: $(union_owned 1 3)"
grep -q "UNHEALTHY (nothing listens on tcp:80)" "$TMP/d2.log" || fail "node2's log does not say why: $(tail -2 "$TMP/d2.log")"
wait "$LOOP"
synack_stop
failed=$(awk '$3 == "-"' "$TMP/tcp" | wc -l)
[ "$failed" -le 1 ] || fail "$failed client connections failed (at most the one in the dead server's queue)"
[ "$(synack_doubles)" = 0 ] || fail "$(synack_doubles) doubles"
# a connection caught in the killed server's accept queue is reset by its kernel: that one
[ "$(vip_resets)" -le 1 ] || fail "$(vip_resets) resets from the VIP (more than the dead server's queue)"
long_connection_echoes two || fail "the long-lived connection to node2 broke"
pass "node2's web server killed: it owned nothing $t ms later, $(wc -l < "$TMP/tcp") connections with $failed failed, no double, $(vip_resets) reset (the dead server's queue), its long-lived connection kept"
bg nd 2 ncat -lk "$VIP" 80 --sh-exec "echo node2"
settled 6 owns_base 2 || fail "node2 did not take its share back after its server returned: $(owned 2 | wc -l)"
owned_once 3 1 2 3 || fail "after node2 returned: $(union_owned 1 2 3)"
pass "node2's web server back: it took its share back"

# 2. UDP: node3's nameserver dies; no ICMP error reaches the router
reset_counters
: > "$TMP/dns"
dns_loop "$TMP/dns" 6 3 & LOOP=$!
sleep 1
kill "$(cat "$TMP/dnsmasq3.pid")"
settled 3 owns_nothing 3 || fail "node3 still owns $(owned 3 | wc -l) buckets after its nameserver died"
owned_once 3 1 2 || fail "after node3 became unhealthy: $(union_owned 1 2)"
wait "$LOOP"
[ "$(counter icmperr)" = 0 ] || fail "$(counter icmperr) ICMP errors reached the router"
failed=$(grep -cx -- - "$TMP/dns")
[ "$failed" = 0 ] || fail "$failed DNS queries failed"
pass "node3's nameserver killed: it gave its buckets away, $(wc -l < "$TMP/dns") queries answered, no ICMP error"
bg nd 3 dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --listen-address="$VIP" \
	--bind-interfaces --port=53 --user=root --pid-file="$TMP/dnsmasq3.pid" --txt-record=who.test,node3
settled 6 owns_base 3 || fail "node3 did not take its share back"

# 3. a command check that fails, one that hangs past its timeout (heartbeats go on), and
#    success again
echo fail > "$TMP/mode-node1"
settled 3 owns_nothing 1 || fail "node1's failing command did not make it give its buckets away"
grep -q "UNHEALTHY (the command exited with status 1)" "$TMP/d1.log" || fail "node1's log: $(tail -2 "$TMP/d1.log")"
echo ok > "$TMP/mode-node1"
settled 4 owns_base 1 || fail "node1 did not come back after its command succeeded"
echo hang > "$TMP/mode-node1"
nd 2 timeout 4 tcpdump -i "$IF" -nn -tt -l "udp dst port 7946 and src host 192.168.0.11" > "$TMP/hb" 2> /dev/null
gap=$(awk '{ if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { printf "%d", m * 1000 }' "$TMP/hb")
owns_nothing 1 || fail "node1's hanging command did not make it unhealthy"
grep -q "did not finish within 500 ms" "$TMP/d1.log" || fail "node1's log: $(tail -2 "$TMP/d1.log")"
[ "$gap" -lt 180 ] || fail "a heartbeat gap of $gap ms while the check command hangs"
echo ok > "$TMP/mode-node1"
settled 4 owns_base 1 || fail "node1 did not come back after its command stopped hanging"
pass "command checks: a failure and a hang (killed at 500 ms) give the buckets away, success takes them back; largest heartbeat gap $gap ms"

# 4. every node unhealthy: fail open, every bucket still owned once
for i in 1 2 3; do echo fail > "$TMP/mode-node$i"; done
sleep 1.5
for i in 1 2 3; do owns_base "$i" || fail "node$i gave its share away with every node unhealthy"; done
[ "$(union_owned 1 2 3)" = "1024 0" ] || fail "with every node unhealthy: $(union_owned 1 2 3)"
grep -q "FAIL OPEN" "$TMP/d1.log" || fail "no loud log line for the fail open"
for i in 1 2 3; do echo ok > "$TMP/mode-node$i"; done
out=$(nd 1 "$SV_BIN/sharedvip-status" -c "$TMP/c.ini" --node node1 --json)
echo "$out" | grep -q '"healthy": ' || fail "sharedvip-status --json has no \"healthy\": $out"
pass "every node unhealthy: each keeps its share (fail open, logged); sharedvip-status shows health"

# 5. a reload picks up a changed [health] section: nothing listens on tcp:81
sleep 1
sed -i 's/^listen = tcp:80, udp:53/listen = tcp:80, udp:53, tcp:81/' "$TMP/c.ini"
kill -HUP "${DPID[1]}"
settled 3 owns_nothing 1 || fail "node1 did not pick up the changed [health] section on reload"
grep -q "nothing listens on tcp:81" "$TMP/d1.log" || fail "node1's log: $(tail -2 "$TMP/d1.log")"
pass "reload: a changed [health] section is checked"
