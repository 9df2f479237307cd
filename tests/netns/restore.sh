#!/bin/bash
# sharedvipd puts back what something else removes from the link (a network manager that
# reconfigures it, an admin's `ip addr flush`) once the link has settled: the VIP, the node
# address, the default route; and it leaves a link that someone took down alone.
. "$(dirname "$0")/../lib.sh"

make_lan 4
for i in 1 2; do add_node; done
write_config "$TMP/c.ini" 2
write_failover "$TMP/c.ini"
apply_all "$TMP/c.ini"
for i in 1 2; do start_daemon "$i" "$TMP/c.ini"; done
sleep 1

# wait_for WHAT COMMAND...: up to 4 s (the daemon waits 1 s for the link to settle)
wait_for() {
	local what=$1 t
	shift
	for t in $(seq 40); do "$@" && return 0; sleep 0.1; done
	fail "$what: not put back within 4 s; daemon: $(tail -3 "$TMP/d1.log")"
}
has_vip() { nd 1 ip -4 addr show dev eth0 | grep -q "inet $VIP/32"; }
has_addr() { nd 1 ip -4 addr show dev eth0 | grep -q "inet 192.168.0.11/24"; }
has_route() { nd 1 ip route show default | grep -q "via $GW dev eth0"; }

nd 1 ip addr del "$VIP/32" dev eth0
has_vip && fail "the VIP is still there: the test proves nothing"
wait_for "the VIP after ip addr del" has_vip
grep -q "eth0: an address was removed: applied the config again" "$TMP/d1.log" || fail "no log line: $(tail -3 "$TMP/d1.log")"
nd 1 ip route del default
wait_for "the default route after ip route del" has_route
nd 1 ip -4 addr flush dev eth0
wait_for "the node address after ip addr flush" has_addr
wait_for "the VIP after ip addr flush" has_vip
wait_for "the default route after ip addr flush" has_route
pass "the daemon put back the VIP, the node address and the default route after they were removed"

nd 1 ip link set eth0 down
nd 1 ip link set eth0 up
has_route && fail "the route survived the link going down: the test proves nothing"
wait_for "the default route after the link went down and up" has_route
cl ping -c 1 -W 2 "$VIP" > /dev/null || fail "the VIP does not answer after the link went down and up"
pass "the link down and up again (a network manager reconfiguring): the default route put back, the VIP answers"

nd 1 ip link set eth0 down
sleep 2
nd 1 ip link show eth0 | grep -q "state DOWN" && ! nd 1 ip link show eth0 | grep -q ",UP" ||
	fail "the daemon raised a link someone took down"
nd 1 ip link set eth0 up
wait_for "the default route after the link came up again" has_route
pass "a link taken down is left down (ifdown's to decide), and set up again when it comes back"
