#!/bin/bash
# Coexistence with the network managers, through the package's hooks. ifupdown, for real:
# at boot ifup raises the link first and sharedvip-apply adds to it (ifup itself fails on an
# address or route already there, hence the unit's order); ifdown + ifup, which flushes
# every IPv4 address (the VIP too) and drops the link's routes, is followed by the if-up.d
# hook putting back the VIP, the node address and the default route (this machine's own
# hooks are hidden from the test). One apply at a time. The NetworkManager and
# networkd-dispatcher hooks, run as their dispatchers run them.
. "$(dirname "$0")/../lib.sh"
command -v ifup > /dev/null || fail "ifupdown is not installed (tests/install-deps.sh installs it)"
top=$(cd "$(dirname "$0")/../.." && pwd)

make_lan 1
add_node
write_config "$TMP/c.ini" 1
cat > "$TMP/interfaces" <<EOT
auto eth0
iface eth0 inet static
	address 192.168.0.11/24
	gateway $GW
EOT
mkdir -p "$TMP/state" "$TMP/hooks/if-up.d" "$TMP/hooks/empty"
# test_hook HOOK DEST: the package's hook, calling the build under test with the test's config
test_hook() {
	sed -e "s#/usr/sbin/sharedvip-apply --#$SV_BIN/sharedvip-apply -c $TMP/c.ini --#" \
		-e "s#-x /usr/sbin/sharedvip-apply#-x $SV_BIN/sharedvip-apply#" "$top/netmanager/$1" > "$2"
	chmod 755 "$2"
	grep -q "$TMP/c.ini" "$2" || fail "could not point $1 at the test's config"
}
test_hook ifupdown/sharedvip "$TMP/hooks/if-up.d/sharedvip"

# ifupdown ARGS: ifup/ifdown on node 1 with the test's interfaces file, state and hooks
# (bind mounts in the mount namespace of this one `ip netns exec` only)
ifupdown() {
	nd 1 sh -c "for d in if-pre-up.d if-down.d if-post-down.d; do mount --bind $TMP/hooks/empty /etc/network/\$d; done
		mount --bind $TMP/hooks/if-up.d /etc/network/if-up.d && $* -i $TMP/interfaces --state-dir=$TMP/state eth0"
}
in_place() {
	local what=$1 a
	a=$(nd 1 ip -4 -br addr show dev eth0)
	for want in 192.168.0.11/24 "$VIP/32"; do
		echo "$a" | grep -q "$want" || fail "$what: $want is not on eth0: $a"
	done
	nd 1 ip route show default | grep -q "via $GW dev eth0" || fail "$what: no default route: $(nd 1 ip route)"
	nd 1 ip -br link show eth0 | grep -q "02:bf:c0:a8:00:02" || fail "$what: not the shared MAC"
	cl ping -c 1 -W 2 "$VIP" > /dev/null || fail "$what: the VIP does not answer ping"
}

# boot: the udev stage, ifup (networking.service), then sharedvip.service
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --link eth0 || fail "--link eth0"
out=$(ifupdown ifup 2>&1) || fail "ifup at boot: $out"
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" || fail "sharedvip-apply after ifup"
in_place "boot"
pass "boot order: ifup raised the link, sharedvip-apply added the VIP; both succeeded"

out=$(ifupdown ifdown 2>&1) || fail "ifdown: $out"
nd 1 ip -4 -br addr show dev eth0 | grep -q "$VIP" && fail "ifdown left the VIP (the test proves nothing)"
out=$(ifupdown ifup 2>&1) || fail "ifup after ifdown: $out"
in_place "after ifdown and ifup"
out=$(ifupdown ifdown 2>&1) && out=$(ifupdown ifup 2>&1) || fail "ifdown and ifup again: $out"
in_place "after a second ifdown and ifup"
pass "ifdown + ifup: the if-up.d hook put back the VIP, node address and default route; the VIP answers"

# the hook leaves other interfaces alone, and so does --link-up
nd 1 ip link add other type veth peer name other1 || fail "cannot make a second interface"
before=$(nd 1 ip -d addr show other)
nd 1 env IFACE=other MODE=start PHASE=post-up "$TMP/hooks/if-up.d/sharedvip" || fail "the hook failed for other"
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --link-up other || fail "--link-up other"
[ "$(nd 1 ip -d addr show other)" = "$before" ] || fail "--link-up touched another interface"
pass "--link-up and the hook leave other interfaces alone"

# at boot the unit and ifup's hook may apply at the same moment: one waits for the other
# (while the lock is held, an apply changes nothing), and both succeed
nd 1 ip addr del "$VIP/32" dev eth0
mkdir -p "$TMP/run1"
nd 1 flock "$TMP/run1/apply.lock" sh -c "sleep 1; ip -4 addr show dev eth0 | grep -q 'inet $VIP/' && echo changed" \
	> "$TMP/held.log" 2>&1 &
holder=$!
sleep 0.3
nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" || fail "apply while another held the lock"
wait "$holder"
[ -s "$TMP/held.log" ] && fail "apply changed the link while another apply held the lock"
in_place "after waiting for the lock"
for round in $(seq 10); do
	nd 1 nft delete table inet sharedvip
	nd 1 nft delete table netdev sharedvip
	nd 1 ip addr del "$VIP/32" dev eth0
	for k in 1 2 3 4 5 6; do
		nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" > "$TMP/par$k.log" 2>&1 &
		par[$k]=$!
	done
	for k in 1 2 3 4 5 6; do wait "${par[$k]}" || fail "round $round: one of six applies at once failed: $(cat "$TMP/par$k.log")"; done
	in_place "six applies at once"
done
pass "one apply at a time: an apply waits for the one holding the lock; six at once, 10 times, all succeed"

# NetworkManager's dispatcher and networkd-dispatcher run the package's other hooks the
# same way: after the link went down and up (its routes gone, the VIP flushed), the hook
# for the configured interface puts everything back; other actions and interfaces: nothing.
for hook in NetworkManager/50-sharedvip networkd-dispatcher/50-sharedvip; do
	test_hook "$hook" "$TMP/hook"
	nd 1 ip -4 addr flush dev eth0
	nd 1 ip link set eth0 down
	nd 1 ip addr add 192.168.0.11/24 dev eth0 # what the network manager configures itself
	nd 1 ip link set eth0 up
	case $hook in
	NetworkManager/*)
		nd 1 "$TMP/hook" eth0 down && nd 1 "$TMP/hook" other up || fail "$hook failed"
		nd 1 ip -4 addr show dev eth0 | grep -q "$VIP" && fail "$hook acted on another action or interface"
		nd 1 "$TMP/hook" eth0 up || fail "$hook failed"
		;;
	*)
		nd 1 env IFACE=other STATE=routable "$TMP/hook" || fail "$hook failed"
		nd 1 ip -4 addr show dev eth0 | grep -q "$VIP" && fail "$hook acted on another interface"
		nd 1 env IFACE=eth0 STATE=routable "$TMP/hook" || fail "$hook failed"
		;;
	esac
	in_place "after $hook"
done
pass "the NetworkManager and networkd-dispatcher hooks put everything back on the configured interface only"
