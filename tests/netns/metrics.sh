#!/bin/bash
# Operations: on three nodes with sharedvipd, GET /metrics answers 200 text/plain that
# promtool accepts, agrees with sharedvip-status, and shows a death within 2 s; only GET
# /metrics is served (404 otherwise); sharedvip-status --prometheus prints the same
# families; the notify command hears member-down and owned, in order, while sleeping
# seconds delays no heartbeat; ten silent HTTP clients delay no heartbeat either;
# sharedvipctl status --json is JSON; the bash completion completes flags, verbs and node
# names; the alerting rules pass promtool's check and its unit test.
. "$(dirname "$0")/../lib.sh"

make_lan 4
for i in 1 2 3; do add_node; done
write_config "$TMP/c.ini" 3
cat > "$TMP/notify.sh" <<EOF
echo "\$SHAREDVIP_EVENT \$SHAREDVIP_PEER \$SHAREDVIP_OWNED" >> "$TMP/events-\$SHAREDVIP_NODE"
sleep 2
EOF
write_failover "$TMP/c.ini" "notify=sh $TMP/notify.sh"
printf '\n[metrics]\nlisten = 127.0.0.1:9477\n' >> "$TMP/c.ini"
apply_all "$TMP/c.ini"
for i in 1 2 3; do start_daemon "$i" "$TMP/c.ini"; done
for ((k = 0; k < 60; k++)); do [ "$(union_owned 1 2 3)" = "1024 0" ] && break; sleep 0.05; done
sleep 0.5

scrape() { # scrape I [PATH]: the whole HTTP answer of node I
	printf 'GET %s HTTP/1.0\r\nHost: x\r\n\r\n' "${2:-/metrics}" | nd "$1" timeout 3 ncat 127.0.0.1 9477
}
body() { scrape "$@" | sed '1,/^\r$/d'; }
value() { # value I NAME{LABELS}: one sample's value
	body "$1" | awk -v n="$2" '$1 == n {print $2}'
}
for i in 1 2 3; do
	out=$(scrape "$i")
	echo "$out" | head -1 | grep -q "^HTTP/1.0 200" || fail "node$i: GET /metrics: $(echo "$out" | head -1)"
	echo "$out" | grep -qi "^Content-Type: text/plain" || fail "node$i: no text/plain"
	check=$(echo "$out" | sed '1,/^\r$/d' | promtool check metrics 2>&1) || fail "node$i: promtool check metrics: $check"
	[ -z "$check" ] || fail "node$i: promtool check metrics: $check"
	owned=$(nd "$i" "$SV_BIN/sharedvip-status" -c "$TMP/c.ini" --node "node$i" --json | grep -o '"owned": \[[^]]*\]' |
		tr -cd ',0-9' | tr ',' '\n' | grep -c .)
	[ "$(value "$i" sharedvip_buckets_owned)" = "$owned" ] ||
		fail "node$i: sharedvip_buckets_owned $(value "$i" sharedvip_buckets_owned), sharedvip-status $owned"
	[ "$(value "$i" sharedvip_members_alive)" = 3 ] || fail "node$i: members_alive $(value "$i" sharedvip_members_alive)"
done
a=$(value 1 'sharedvip_heartbeats_received_total{node="node2"}')
sleep 1
b=$(value 1 'sharedvip_heartbeats_received_total{node="node2"}')
[ "$b" -gt "$a" ] || fail "heartbeat counters do not grow: $a then $b"
scrape 1 /other | head -1 | grep -q "^HTTP/1.0 404" || fail "GET /other: $(scrape 1 /other | head -1)"
prom=$(nd 1 "$SV_BIN/sharedvip-status" -c "$TMP/c.ini" --node node1 --prometheus)
echo "$prom" | promtool check metrics || fail "sharedvip-status --prometheus: promtool objects"
diff <(echo "$prom" | grep '^# TYPE') <(body 1 | grep '^# TYPE') || fail "sharedvip-status --prometheus and /metrics differ in families"
pass "GET /metrics on 3 nodes: 200 text/plain, promtool clean, owned agrees with sharedvip-status, 3 alive, heartbeats counted ($a -> $b); 404 elsewhere; sharedvip-status --prometheus the same families"

json=$(nd 1 "$SV_BIN/sharedvipctl" status --json)
echo "$json" | jq -e '.node == "node1" and (.members | length) == 3 and (.peers | length) == 3 and .healthy' > /dev/null ||
	fail "sharedvipctl status --json: $json"
pass "sharedvipctl status --json: the daemon's view as JSON"

# node3 dies: node1's metrics show it within 2 s, and its notify command (sleeping 2 s a
# time) hears member-down and owned
before=$(value 1 sharedvip_buckets_owned)
nd 3 ip link set "$IF" down
kill -9 "${DPID[3]}"
t0=$(date +%s%3N)
seen=
for ((k = 0; k < 40; k++)); do
	[ "$(value 1 'sharedvip_node_up{node="node3"}')" = 0 ] && { seen=$(($(date +%s%3N) - t0)); break; }
	sleep 0.05
done
[ -n "$seen" ] && [ "$seen" -le 2000 ] || fail "node1's metrics do not show node3 down within 2 s"
for ((k = 0; k < 20; k++)); do [ "$(value 1 sharedvip_buckets_owned)" -gt "$before" ] && break; sleep 0.1; done
after=$(value 1 sharedvip_buckets_owned)
[ "$after" -gt "$before" ] || fail "node1 owns $after buckets after node3's death, $before before"
# while the notify command works through its queue: ten silent HTTP clients, heartbeats on time
for k in $(seq 10); do
	ip netns exec "${P}n1" socat TCP:127.0.0.1:9477 SYSTEM:'sleep 6' & PIDS+=($!)
done
nd 2 timeout 3 tcpdump -i "$IF" -nn -tt -l "udp dst port 7946 and src host 192.168.0.11" > "$TMP/hb" 2> /dev/null
gap=$(awk '{ if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { printf "%d", m * 1000 }' "$TMP/hb")
[ "$gap" -lt 180 ] || fail "a heartbeat gap of $gap ms with a sleeping notify command and ten silent HTTP clients"
for ((k = 0; k < 300; k++)); do
	grep -q "^member-down node3 " "$TMP/events-node1" 2> /dev/null && grep -q "^owned  $after$" "$TMP/events-node1" && break
	sleep 0.1
done
grep -q "^member-down node3 " "$TMP/events-node1" || fail "no member-down event: $(cat "$TMP/events-node1")"
grep -q "^owned  $after$" "$TMP/events-node1" || fail "no owned event with $after: $(cat "$TMP/events-node1")"
awk '/^member-down node3/ {d = NR} /^owned / && d {o = NR} END {exit !(d && o > d)}' "$TMP/events-node1" ||
	fail "events out of order: $(cat "$TMP/events-node1")"
pass "node3 dies: node1's metrics show it down after $seen ms and $after buckets (was $before); its notify command heard member-down, then owned $after; largest heartbeat gap $gap ms (notify sleeping, ten silent HTTP clients)"

# the bash completion
comp=$(dirname "$0")/../../completion/sharedvip
complete_words() { # complete_words CONFIG WORDS...: what the completion offers for the last word
	bash -c '. /usr/share/bash-completion/bash_completion 2> /dev/null; . "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sharedvip; echo "${COMPREPLY[*]}"' _ "$comp" "${@:2}"
}
[ "$(complete_words x sharedvipctl dr)" = drain ] || fail "sharedvipctl dr: $(complete_words x sharedvipctl dr)"
for verb in $("$SV_BIN/sharedvipctl" --help | awk '/^  [a-z]/ {print $1}'); do
	complete_words x sharedvipctl "" | grep -qw "$verb" || fail "the completion does not offer sharedvipctl $verb"
done
[ "$(complete_words x sharedvip-apply -c "$TMP/c.ini" --node node)" = "node1 node2 node3" ] ||
	fail "--node names: $(complete_words x sharedvip-apply -c "$TMP/c.ini" --node node)"
complete_words x sharedvip-apply --rel | grep -qx -- --release || fail "sharedvip-apply --rel"
complete_words x sharedvip-status --pro | grep -qx -- --prometheus || fail "sharedvip-status --pro"
pass "bash completion: flags, sharedvipctl's verbs (all of its --help), --node names from the config"

out=$(promtool check rules "$(dirname "$0")/../../packaging/prometheus/sharedvip-alerts.yml" 2>&1) || fail "promtool check rules: $out"
out=$(cd "$(dirname "$0")/../prometheus" && promtool test rules sharedvip-alerts-test.yml 2>&1) || fail "promtool test rules: $out"
pass "the alerting rules: promtool check rules and test rules pass"
