#!/bin/bash
# Dual stack on a hub, 4 nodes that forward IPv6 globally (as container hosts do): no DAD
# failure anywhere and unique link-local addresses although every node has the same MAC;
# each IPv6 client answered once by the node --who names; UDP and ping6 answered once; one
# node answers ARP and neighbour solicitations for the VIPs; no node forwards a packet;
# each node's own IPv6 traffic leaves from its own address.
. "$(dirname "$0")/../lib.sh"

IPV6=1
CLIENTS=${CLIENTS:-200}
make_lan "$CLIENTS"
for i in 1 2 3 4; do
	add_node
	nd "$i" sysctl -qw net.ipv6.conf.all.forwarding=1
done
write_config "$TMP/c.ini" 4
apply_all "$TMP/c.ini"
for i in 1 2 3 4; do
	for ((k = 0; k < 50; k++)); do nd "$i" ip addr show dev $IF | grep -q tentative || break; sleep 0.1; done
	nd "$i" ip addr show dev $IF | grep -q dadfailed && fail "node$i: DAD failed: $(nd "$i" ip addr show dev $IF)"
	nd "$i" ip -6 addr show dev $IF scope link | awk '/inet6/ {print $2}' >> "$TMP/ll"
done
[ "$(sort "$TMP/ll" | uniq -d)" = "" ] && [ "$(wc -l < "$TMP/ll")" = 4 ] || fail "link-local addresses: $(cat "$TMP/ll")"
pass "no DAD failure, 4 unique link-local addresses with one shared MAC"
start_servers

reset_counters
for ((i = 0; i < CLIENTS; i++)); do
	src=$(client_addr6 "$i")
	got=$(tcp_who6 "$src")
	want=$(who_says "$TMP/c.ini" "$src")
	[ "$got" = "$want" ] || fail "$src answered by '$got', --who says $want"
done
[ "$(counter synack)" = "$CLIENTS" ] || fail "$(counter synack) SYN-ACKs for $CLIENTS IPv6 connections"
[ "$(counter rst)" = 0 ] || fail "$(counter rst) resets"
pass "$CLIENTS IPv6 clients: one SYN-ACK each, no reset, --who agrees"

reset_counters
for ((i = 0; i < 30; i++)); do
	src=$(client_addr6 "$i")
	[ "$(udp_who6 "$src")" = "$(who_says "$TMP/c.ini" "$src")" ] || fail "UDP from $src"
	cl ping -6 -c1 -W2 -I "$src" "$VIP6" > /dev/null || fail "no ping6 reply for $src"
done
[ "$(counter udpans)" = 30 ] && [ "$(counter echoreply6)" = 30 ] ||
	fail "$(counter udpans) DNS answers, $(counter echoreply6) echo replies for 30 each"
[ "$(counter icmperr)" = 0 ] || fail "$(counter icmperr) ICMP errors"
pass "IPv6 DNS queries and ping6: each answered exactly once"

# one node answers neighbour solicitations and ARP for the VIPs
rt ip neigh flush dev lan
reset_counters
rt ping -c1 -W2 "$VIP6" > /dev/null || fail "router cannot reach $VIP6"
rt ping -c1 -W2 "$VIP" > /dev/null || fail "router cannot reach $VIP"
[ "$(counter nadvert)" = 1 ] || fail "$(counter nadvert) neighbour advertisements for one solicitation"
[ "$(counter arpreply arp)" = 1 ] || fail "$(counter arpreply arp) ARP replies for one request"
rt ip -6 neigh show "$VIP6" | grep -q 02:bf:c0:a8:00:02 || fail "router's neighbour entry: $(rt ip -6 neigh show "$VIP6")"
pass "one neighbour advertisement and one ARP reply for the VIPs; the router resolves the VIP to the shared MAC"

# the nodes hear each other's traffic (same MAC), yet none forwards anything
for i in 1 2 3 4; do
	rt ping -6 -c2 -i0.2 -W2 "2001:db8::$((10 + i))" > /dev/null || fail "node$i's own IPv6 address unreachable"
done
for i in 1 2 3 4; do
	fw=$(nd "$i" awk '/^Ip6OutForwDatagrams/ {print $2}' /proc/net/snmp6)
	[ "$fw" = 0 ] || fail "node$i forwarded $fw IPv6 packets"
done
pass "no node forwarded an IPv6 packet although global forwarding is on"

# a node's own connections leave from its own address, not the VIP
bg cl ncat -6 -lk "$UPSTREAM6" 9000 --sh-exec 'echo $NCAT_REMOTE_ADDR'
sleep 0.3
for i in 1 2 3 4; do
	got=$(nd "$i" timeout 5 ncat -6 --recv-only "$UPSTREAM6" 9000 < /dev/null)
	[ "$got" = "2001:db8::$((10 + i))" ] || fail "node$i's own connection came from '$got'"
done
pass "each node's own IPv6 connections use its own address"

# behaviour 11 for IPv6: flows a node opens from the VIP work on every node
reset_counters
for i in 1 2 3 4; do
	got=$(nd "$i" timeout 5 ncat -6 -s "$VIP6" --recv-only "$UPSTREAM6" 9000 < /dev/null)
	[ "$got" = "$VIP6" ] || fail "node$i: a connection from the VIP got '$got'"
done
[ "$(counter rst)" = 0 ] && [ "$(counter icmperr)" = 0 ] || fail "resets or ICMP errors for flows opened from the VIP"
pass "TCP connections opened from the IPv6 VIP work on all 4 nodes, no reset"
