#!/bin/bash
# sharedvipd puts back what something else removes from the link (a network manager that
# reconfigures it, an admin's `ip addr flush`) once the link has settled: the VIP, the node
# address, the default route; and it leaves a link that someone took down alone. It lets go
# of the buckets it holds for connections once none is left in them.
. "$(dirname "$0")/../lib.sh"

make_lan 4
for i in 1 2; do add_node; done
write_config "$TMP/c.ini" 2
write_failover "$TMP/c.ini"
apply_all "$TMP/c.ini"
start_servers
for i in 1 2; do start_daemon "$i" "$TMP/c.ini"; done
sleep 1

# wait_for WHAT COMMAND...: up to 4 s (the daemon waits 1 s for the link to settle)
wait_for() {
	local what=$1 t
	shift
	for t in $(seq 40); do "$@" && return 0; sleep 0.1; done
	fail "$what: not put back within 4 s; daemon: $(tail -3 "$TMP/d1.log")"
}
has_vip() { nd 1 ip -4 addr show dev $IF | grep -q "inet $VIP/32"; }
has_addr() { nd 1 ip -4 addr show dev $IF | grep -q "inet 192.168.0.11/24"; }
has_route() { nd 1 ip route show default | grep -q "via $GW dev $IF"; }

nd 1 ip addr del "$VIP/32" dev $IF
has_vip && fail "the VIP is still there: the test proves nothing"
wait_for "the VIP after ip addr del" has_vip
wait_for "the log line" grep -q "$IF: an address was removed: applied the config again" "$TMP/d1.log"
nd 1 ip route del default
wait_for "the default route after ip route del" has_route
nd 1 ip -4 addr flush dev $IF
wait_for "the node address after ip addr flush" has_addr
wait_for "the VIP after ip addr flush" has_vip
wait_for "the default route after ip addr flush" has_route
pass "the daemon put back the VIP, the node address and the default route after they were removed"

nd 1 ip link set $IF down
nd 1 ip link set $IF up
has_route && fail "the route survived the link going down: the test proves nothing"
wait_for "the default route after the link went down and up" has_route
cl ping -c 1 -W 2 "$VIP" > /dev/null || fail "the VIP does not answer after the link went down and up"
pass "the link down and up again (a network manager reconfiguring): the default route put back, the VIP answers"

nd 1 ip link set $IF down
sleep 2
nd 1 ip link show $IF | grep -q "state DOWN" && ! nd 1 ip link show $IF | grep -q ",UP" ||
	fail "the daemon raised a link someone took down"
nd 1 ip link set $IF up
wait_for "the default route after the link came up again" has_route
pass "a link taken down is left down (ifdown's to decide), and set up again when it comes back"

# a drained node holds the buckets it gave away while it has connections in them: after a
# while only the bucket of its one open connection, and nothing once that one is closed
held() { nd 1 nft -j list set inet sharedvip held | grep -o '"elem": \[[^]]*\]' | grep -o '[0-9]\+' | tr '\n' ' '; }
for ((k = 0; k < 4; k++)); do
	src=$(client_addr "$k")
	[ "$(who_says "$TMP/c.ini" "$src")" = node1 ] && break
done
[ "$(who_says "$TMP/c.ini" "$src")" = node1 ] || fail "no client of node1 among the first four"
bucket=$("$SV_BIN/sharedvip-status" -c "$TMP/c.ini" --who "$src" --json | sed 's/.*"bucket": \([0-9]*\).*/\1/')
mkfifo "$TMP/in"
exec 3<> "$TMP/in"
ip netns exec "${P}c" ncat -s "$src" "$VIP" 7 < "$TMP/in" > "$TMP/out" &
client=$!
PIDS+=($client)
for ((k = 0; k < 50; k++)); do grep -qx node1 "$TMP/out" && break; sleep 0.1; done
grep -qx node1 "$TMP/out" || fail "no connection from $src to node1: $(cat "$TMP/out")"
released=$(grep -c "held: .* buckets have no connection here any more" "$TMP/d1.log")
out=$(nd 1 "$SV_BIN/sharedvipctl" drain 2>&1); echo "$out" | grep -q "ok drain" || fail "drain: $out"
for ((k = 0; k < 80; k++)); do [ "$(held)" = "$bucket " ] && break; sleep 0.1; done
[ "$(held)" = "$bucket " ] || fail "node1 holds [$(held)], not just bucket $bucket of its open connection"
[ "$(grep -c "held: .* buckets have no connection here any more" "$TMP/d1.log")" -gt "$released" ] ||
	fail "node1 logged no release after the drain: $(tail -3 "$TMP/d1.log")"
echo still >&3
for ((k = 0; k < 50; k++)); do grep -qx still "$TMP/out" && break; sleep 0.1; done
grep -qx still "$TMP/out" || fail "the connection in the held bucket broke"
{ kill "$client" && wait "$client"; } 2> /dev/null
for ((k = 0; k < 80; k++)); do [ -z "$(held)" ] && break; sleep 0.1; done
[ -z "$(held)" ] || fail "node1 still holds [$(held)] after its last connection closed"
pass "a drained node held just the bucket of its open connection (which kept working), and nothing once it closed"
