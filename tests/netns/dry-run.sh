#!/bin/bash
# The dry-run prints a ruleset that `nft -c -f` accepts and that, loaded by nft, lists
# exactly as what sharedvip-apply loads through libnftnl: for every affinity, with and
# without services, with IPv4 and IPv6 VIPs, in hub and switch mode, on bucket 0's owner
# and on another node. A dry run changes nothing.
. "$(dirname "$0")/../lib.sh"

ns_init "${P}a"; ns_init "${P}b"
for ns in a b; do ip -n "${P}$ns" link add eth0 type veth peer name peer; done

n=0
for mode_node in hub/a switch/b; do
mode=${mode_node%/*} node=${mode_node#*/}
for affinity in client network flow; do
	for services in "" "tcp:80, tcp:443, udp:53, tcp:8000-8099"; do
		for vip in "192.168.0.2" "192.168.0.2, 2001:db8::2" "2001:db8::2"; do
			n=$((n + 1))
			cat > "$TMP/c.ini" <<-INI
			[cluster]
			interface = eth0
			vip = $vip
			buckets = 64
			seed = 0x1234
			affinity = $affinity
			mode = $mode
			${services:+services = $services}
			[node a]
			address = 192.168.0.10/24, 2001:db8::10/64
			[node b]
			address = 192.168.0.11/24, 2001:db8::11/64
			INI
			ip netns exec "${P}a" "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node "$node" --dry-run > "$TMP/dry" ||
				fail "dry-run failed for $affinity/$vip"
			[ -z "$(ip netns exec "${P}a" nft list ruleset)" ] || fail "the dry run changed the ruleset"
			grep -v '^#' "$TMP/dry" > "$TMP/dry.nft"
			nft -c -f "$TMP/dry.nft" || fail "nft -c rejects the dry run ($affinity, $vip)"
			ip netns exec "${P}b" nft -f "$TMP/dry.nft" || fail "nft -f rejects the dry run"
			ip netns exec "${P}a" "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node "$node" || fail "apply failed"
			diff <(ip netns exec "${P}a" nft list ruleset) <(ip netns exec "${P}b" nft list ruleset) > "$TMP/diff" ||
				fail "apply and nft -f of the dry run differ ($affinity, $services, $vip): $(cat "$TMP/diff")"
			for ns in a b; do ip netns exec "${P}$ns" nft flush ruleset; done
			ip -n "${P}a" addr flush dev eth0
		done
	done
done
done
pass "$n dry runs: accepted by nft -c, and identical in the kernel to what apply loads"
