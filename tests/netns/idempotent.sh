#!/bin/bash
# A second apply with an unchanged config changes nothing in the kernel: no netlink event
# at all, the same addresses, routes, sysctls and ruleset (rule handles included).
. "$(dirname "$0")/../lib.sh"

make_lan 1
add_node; add_node
# node1 forwards for containers: sharedvip must leave the global switch alone
nd 1 sysctl -qw net.ipv4.ip_forward=1
nd 1 sysctl -qw net.ipv4.conf.$IFK.forwarding=1 net.ipv4.conf.$IFK.send_redirects=1 net.ipv6.conf.$IFK.forwarding=1
write_config "$TMP/c.ini" 2
apply_all "$TMP/c.ini"
[ "$(nd 1 sysctl -n net.ipv4.conf.$IFK.forwarding net.ipv4.conf.$IFK.send_redirects net.ipv6.conf.$IFK.forwarding | tr '\n' ' ')" = "0 0 0 " ] ||
	fail "interface sysctls not set: $(nd 1 sysctl net.ipv4.conf.$IFK.forwarding net.ipv4.conf.$IFK.send_redirects net.ipv6.conf.$IFK.forwarding)"
[ "$(nd 1 sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.forwarding | tr '\n' ' ')" = "1 1 " ] ||
	fail "the global forwarding switch was changed"
pass "forwarding and send_redirects off on $IF, the global forwarding switch left on"
# let duplicate address detection of the link-local addresses finish first
for ((k = 0; k < 50; k++)); do nd 1 ip addr show dev $IF | grep -q tentative || break; sleep 0.1; done
nd 1 ip addr show dev $IF | grep -q dadfailed && fail "duplicate address detection failed: $(nd 1 ip addr show dev $IF)"

snapshot() {
	nd 1 ip -d link show $IF
	nd 1 ip addr show dev $IF
	nd 1 ip route show table all
	nd 1 sysctl net.ipv4.conf.$IFK.forwarding net.ipv4.conf.$IFK.send_redirects net.ipv6.conf.$IFK.forwarding
	nd 1 nft -a list ruleset
}
snapshot > "$TMP/before"
nd 1 ip monitor all > "$TMP/ipmon" 2>&1 & PIDS+=($!)
nd 1 nft monitor > "$TMP/nftmon" 2>&1 & PIDS+=($!)
sleep 0.3
out=$(nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node node1 -v) || fail "second apply failed"
sleep 0.3
snapshot > "$TMP/after"
diff "$TMP/before" "$TMP/after" > "$TMP/diff" || fail "kernel state changed by a second apply: $(cat "$TMP/diff")"
[ ! -s "$TMP/ipmon" ] || fail "rtnetlink events during a second apply: $(cat "$TMP/ipmon")"
[ ! -s "$TMP/nftmon" ] || fail "nftables events during a second apply: $(cat "$TMP/nftmon")"
[ "$out" = "nothing to change" ] || fail "second apply says: $out"
pass "a second apply sends no change: no rtnetlink or nftables event, identical state"

# a change of ownership swaps set elements in one transaction and touches nothing else
write_config "$TMP/c2.ini" 2 1 3
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c2.ini" --node node1 || fail "apply of the changed config"
sleep 0.3
grep -q "delete element inet sharedvip owned" "$TMP/nftmon" || fail "changed ownership did not update the owned set: $(head -5 "$TMP/nftmon")"
! grep -q "table" "$TMP/nftmon" || fail "an ownership change replaced a table: $(grep table "$TMP/nftmon" | head -3)"
[ ! -s "$TMP/ipmon" ] || fail "an ownership change touched links, addresses or routes: $(cat "$TMP/ipmon")"
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c2.ini" --node node1 -v | grep -qx "nothing to change" ||
	fail "the apply after an ownership change is not idempotent"
pass "an ownership change swaps set elements only, in one transaction, and touches nothing else"
