#!/bin/bash
# sharedvipd: a killed node's buckets move to the survivors within a fraction of a second,
# with no double answer and no reset; only they move back when it returns; graceful stop
# and drain; heartbeat loss; forged, replayed and other-config heartbeats are rejected.
. "$(dirname "$0")/../lib.sh"

CLIENTS=${CLIENTS:-200}
make_lan "$CLIENTS"
for i in 1 2 3 4; do add_node; done
write_config "$TMP/c.ini" 4
write_failover "$TMP/c.ini"
apply_all "$TMP/c.ini"
start_servers
for i in 1 2 3 4; do start_daemon "$i" "$TMP/c.ini"; done
sleep 1
for i in 1 2 3 4; do owned "$i" > "$TMP/base$i"; done
[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "with everyone up: $(union_owned 1 2 3 4) (buckets, doubles)"
nd 1 "$SV_BIN/sharedvip-status" -c "$TMP/c.ini" --json | grep -q '"mode": "daemon", ' || fail "status does not show the daemon"
pass "4 daemons up: every bucket owned once"

# a long-lived connection to node1, which stays up throughout
mkfifo "$TMP/in"; exec 3<> "$TMP/in"
for ((i = 0; i < CLIENTS; i++)); do src=$(client_addr "$i"); [ "$(who_says "$TMP/c.ini" "$src")" = node1 ] && break; done
cl ncat -s "$src" "$VIP" 7 < "$TMP/in" > "$TMP/long" & PIDS+=($!)
echo one >&3
sleep 0.3
grep -qx one "$TMP/long" || fail "no long-lived connection to node1"

# node2 dies (its daemon killed with -9 and its link cut) while clients connect
reset_counters
synack_start
client_loop "$TMP/load" 4 & LOOP=$!
sleep 1
t0=$(date +%s%3N)
nd 2 ip link set $IF down # first: nothing leaves the dead node any more
kill -9 "${DPID[2]}"
done_ms=
while [ $(( $(date +%s%3N) - t0 )) -lt 3000 ]; do
	if [ "$(union_owned 1 3 4)" = "1024 0" ]; then done_ms=$(( $(date +%s%3N) - t0 )); break; fi
	sleep 0.01
done
wait $LOOP
synack_stop
[ -n "$done_ms" ] || fail "after node2's death the survivors own: $(union_owned 1 3 4)"
for i in 1 3 4; do
	comm -23 "$TMP/base$i" <(owned "$i") | grep -q . && fail "node$i gave up buckets when node2 died"
done
ok=$(awk '$3 != "-"' "$TMP/load" | wc -l)
[ "$(synack_doubles)" = 0 ] || fail "$(synack_doubles) client connections answered with two different SYN-ACKs"
[ "$(vip_resets)" = 0 ] || fail "$(vip_resets) resets from the VIP during the failover"
awk '$3 == "node2"' "$TMP/load" | awk -v t="$t0" '$1 > t + 50' | grep -q . && fail "node2 answered after its death"
gap=$(awk -v t="$t0" '$3 == "-" && $1 >= t {print $1 - t}' "$TMP/load" | sort -n | tail -1)
pass "kill -9 node2: every bucket has one live owner again after ${done_ms} ms (last unanswered client at ${gap:-0} ms), only node2's buckets moved, $ok connections answered, $(synack_count) SYN-ACKs, no double, no reset from the VIP"

# node2 comes back: exactly its buckets move back
reset_counters
synack_start
client_loop "$TMP/load2" 3 & LOOP=$!
sleep 0.5
# as after a reboot: the daemon starts (it trusts no ownership it finds), the link comes up,
# sharedvip-apply puts the route back and leaves ownership to the daemon
# for a moment the others do not hear node2 yet (they still serve its buckets): it must
# take nothing before they agree or the hold-down has passed
for i in 1 3 4; do
	nd "$i" nft add table inet mute
	nd "$i" nft add chain inet mute in '{ type filter hook input priority -400; }'
	nd "$i" nft add rule inet mute in ip saddr 192.168.0.12 udp dport 7946 drop
done
start_daemon 2 "$TMP/c.ini"
sleep 0.1
nd 2 ip link set $IF up
sleep 0.12
early=$(owned 2 | wc -l)
for i in 1 3 4; do nd "$i" nft delete table inet mute; done
[ "$early" = 0 ] || fail "node2 took $early buckets while the others could not hear it yet"
out=$(nd 2 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node node2 2>&1) || fail "apply on the returning node2: $out"
for ((k = 0; k < 300; k++)); do
	[ "$(owned 2 | wc -l)" = "$(wc -l < "$TMP/base2")" ] && [ "$(union_owned 1 2 3 4)" = "1024 0" ] && break
	sleep 0.01
done
for i in 1 2 3 4; do diff -q <(owned "$i") "$TMP/base$i" > /dev/null || fail "node$i does not own its own buckets after node2's return"; done
wait $LOOP
synack_stop
[ "$(synack_doubles)" = 0 ] && [ "$(vip_resets)" = 0 ] ||
	fail "node2's return: $(synack_doubles) doubles, $(vip_resets) resets from the VIP ($(counter rst) in all)"
echo two >&3; sleep 0.3
grep -qx two "$TMP/long" || fail "the long-lived connection to node1 broke"
pass "node2 returned: exactly its buckets moved back, $(synack_count) SYN-ACKs, no double, no reset from the VIP ($(counter rst) from clients that gave up), the connection to node1 is unharmed"

# graceful stop: the others take over at once, without the dead timer
t0=$(date +%s%3N)
kill -TERM "${DPID[3]}"
for ((k = 0; k < 300; k++)); do [ "$(union_owned 1 2 4)" = "1024 0" ] && break; sleep 0.005; done
took=$(( $(date +%s%3N) - t0 ))
[ "$(union_owned 1 2 4)" = "1024 0" ] && [ "$(owned 3 | wc -l)" = 0 ] || fail "after node3's stop: $(union_owned 1 2 4), node3 owns $(owned 3 | wc -l)"
[ "$took" -lt 250 ] || fail "graceful stop took $took ms, as long as a death"
grep -q "node3 left" "$TMP/d1.log" || fail "node1 did not log node3's leave"
pass "systemctl stop (SIGTERM) on node3: the others took over in $took ms"
start_daemon 3 "$TMP/c.ini"
sleep 1

# drain and resume
echo three >&3
out=$(nd 1 "$SV_BIN/sharedvipctl" drain 2>&1); echo "$out" | grep -q "ok drain" || fail "drain: $out"
sleep 0.5
[ "$(owned 1 | wc -l)" = 0 ] && [ "$(union_owned 2 3 4)" = "1024 0" ] || fail "after drain: node1 owns $(owned 1 | wc -l), others $(union_owned 2 3 4)"
echo four >&3; sleep 0.3
grep -qx four "$TMP/long" || fail "the established connection to the drained node1 broke"
[ "$(tcp_who "$src")" != node1 ] || fail "a drained node took a new connection"
out=$(nd 1 "$SV_BIN/sharedvipctl" resume 2>&1); echo "$out" | grep -q "ok resume" || fail "resume: $out; node1 log: $(tail -30 "$TMP/d1.log")"
sleep 0.5
diff -q <(owned 1) "$TMP/base1" > /dev/null || fail "node1 did not get its buckets back after resume"
pass "drain: node1 took no new connections and kept its established one; resume gave its buckets back"

# 20 % heartbeat loss: no flapping
for i in 1 2 3 4; do nd "$i" nft add table inet loss; nd "$i" nft add chain inet loss in '{ type filter hook input priority -400; }'
	nd "$i" nft add rule inet loss in udp dport 7946 numgen random mod 100 '<' 20 drop; done
before=$(cat "$TMP"/d*.log | grep -c membership)
sleep 5
flaps=$(( $(cat "$TMP"/d*.log | grep -c membership) - before ))
[ "$flaps" = 0 ] || fail "$flaps membership changes with 20 % heartbeat loss"
pass "20 % heartbeat loss for 5 s: no membership change"
for i in 1 2 3 4; do nd "$i" nft flush chain inet loss in; nd "$i" nft add rule inet loss in udp dport 7946 numgen random mod 100 '<' 50 drop; done
before=$(cat "$TMP"/d*.log | grep -c membership)
sleep 5
flaps=$(( $(cat "$TMP"/d*.log | grep -c membership) - before ))
for i in 1 2 3 4; do nd "$i" nft delete table inet loss; done
sleep 1
[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "after the loss: $(union_owned 1 2 3 4)"
pass "50 % heartbeat loss for 5 s: $flaps membership changes; all settled once it stopped"

# forged and replayed heartbeats: capture one of node2's to node1, send it again as it is
# and with one byte changed
nd 1 timeout 2 tcpdump -c1 -nn -x -i $IF "udp dst port 7946 and src host 192.168.0.12" 2> /dev/null |
	awk '/0x/ {for (i = 2; i <= NF; i++) printf "%s", $i}' > "$TMP/hb.hex"
hblen=$((74 + 4 * 4 + 32)) # header, an echo per node, HMAC
tail -c $((hblen * 2)) "$TMP/hb.hex" | perl -ne 'print pack("H*", $_)' > "$TMP/hb"
[ "$(wc -c < "$TMP/hb")" = $hblen ] || fail "could not capture a heartbeat"
perl -0777 -pe 'substr($_, 20, 1) ^= "\x01"' "$TMP/hb" > "$TMP/hb.forged"
drops() {
	local k v
	for ((k = 0; k < 20; k++)); do
		v=$(nd 1 "$SV_BIN/sharedvipctl" status | grep -o "$1=[0-9]*" | grep -o '[0-9]*$')
		[ -n "$v" ] && { echo "$v"; return; }
		sleep 0.1
	done
	echo "none"
}
f0=$(drops forged); r0=$(drops replayed); w0=$(drops wrong_address)
nd 2 ncat -u --send-only -s 192.168.0.12 192.168.0.11 7946 < "$TMP/hb" # node2's own, again: a replay
rt ncat -u --send-only 192.168.0.11 7946 < "$TMP/hb.forged"
rt ncat -u --send-only 192.168.0.11 7946 < "$TMP/hb" # authentic, naming node2, from the router
sleep 0.2
[ "$(drops forged)" = $((f0 + 1)) ] && [ "$(drops replayed)" = $((r0 + 1)) ] &&
	[ "$(drops wrong_address)" = $((w0 + 1)) ] ||
	fail "forged $f0 -> $(drops forged), replayed $r0 -> $(drops replayed), wrong address $w0 -> $(drops wrong_address)"
[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "the bad heartbeats changed ownership"
pass "a forged, a replayed, and an authentic heartbeat from another address than its node's: rejected and counted"

# reload (SIGHUP): a config with errors is reported and the running one kept; a good one read
cp "$TMP/c.ini" "$TMP/c.ini.good"
echo "bogus = 1" >> "$TMP/c.ini"
kill -HUP "${DPID[1]}"; sleep 0.3
grep -q "reload: the config has errors, keeping the running one" "$TMP/d1.log" || fail "a bad config on reload was not reported"
cp "$TMP/c.ini.good" "$TMP/c.ini"
kill -HUP "${DPID[1]}"; sleep 0.3
grep -q "reload: config read again" "$TMP/d1.log" || fail "reload did not read the config"
[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "after reload: $(union_owned 1 2 3 4)"
pass "reload: a bad config is reported and ignored, a good one read, ownership unchanged"

# a node with another config: alive, loudly reported, its buckets never taken over
kill -TERM "${DPID[4]}"; sleep 0.5
{ cat "$TMP/c.ini"; echo "; a different config"; } > "$TMP/other.ini"
start_daemon 4 "$TMP/other.ini"
sleep 1.5
grep -q "CONFIG MISMATCH: node node4" "$TMP/d1.log" || fail "node1 did not report node4's config"
[ "$(drops config_differs)" != none ] && [ "$(drops config_differs)" -gt 0 ] || fail "node4's heartbeats were not counted as another config"
diff -q <(owned 4) "$TMP/base4" > /dev/null || fail "node4 does not own its buckets"
[ "$(union_owned 1 2 3 4)" = "1024 0" ] || fail "with node4 on another config: $(union_owned 1 2 3 4)"
pass "node4 with another config: reported, counted, alive, and its buckets are its own"
