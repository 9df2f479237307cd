#!/bin/bash
# Exactly one node answers each new TCP connection, UDP query and ping, for any number of
# nodes and weights; shares follow the weights; --who names the node that really answered;
# the management address of every node stays reachable.
. "$(dirname "$0")/../lib.sh"

CLIENTS=${CLIENTS:-120}
make_lan "$CLIENTS"

check_cluster() {
	local n=$1 i src got want cfg
	cfg=$TMP/c$n.ini
	shift
	write_config "$cfg" "$n" "$@"
	while [ "$NODES" -lt "$n" ]; do add_node; done
	apply_all "$cfg"
	# the servers bind the VIP, so (re)start them once it is there
	if [ "${STARTED:-0}" -lt "$n" ]; then start_servers $((${STARTED:-0} + 1)); STARTED=$n; fi
	reset_counters
	declare -A count=()
	for ((i = 0; i < CLIENTS; i++)); do
		src=$(client_addr "$i")
		got=$(tcp_who "$src")
		want=$(who_says "$cfg" "$src")
		[ -n "$got" ] || fail "N=$n: no answer for $src (owner should be $want)"
		[ "$got" = "$want" ] || fail "N=$n: $src answered by '$got', --who says $want"
		count[$got]=$(( ${count[$got]:-0} + 1 ))
	done
	[ "$(counter synack)" = "$CLIENTS" ] || fail "N=$n: $(counter synack) SYN-ACKs for $CLIENTS connections"
	[ "$(counter rst)" = 0 ] || fail "N=$n: $(counter rst) resets"
	[ "$(counter icmperr)" = 0 ] || fail "N=$n: $(counter icmperr) ICMP errors"
	pass "N=$n weights=${*:-equal}: $CLIENTS connections, one SYN-ACK each, no reset, --who agrees ($(for k in "${!count[@]}"; do printf '%s=%s ' "$k" "${count[$k]}"; done))"
	# the buckets themselves follow the weights to within one bucket
	local total=0 w sum_w=0
	for ((i = 1; i <= n; i++)); do w=${!i:-1}; sum_w=$((sum_w + w)); done
	for ((i = 1; i <= n; i++)); do
		local owned; owned=$(nd "$i" "$SV_BIN/sharedvip-status" -c "$cfg" --json | sed 's/.*"owned": \[\([^]]*\)\].*/\1/' | tr ',' '\n' | grep -c .)
		w=${!i:-1}
		local exact=$(( 1024 * w ))
		[ $(( owned * sum_w - exact )) -lt "$sum_w" ] && [ $(( exact - owned * sum_w )) -lt "$sum_w" ] ||
			fail "N=$n: node$i owns $owned buckets for weight $w of $sum_w"
		total=$((total + owned))
	done
	[ "$total" = 1024 ] || fail "N=$n: $total buckets owned in all, not 1024"
	for ((i = 1; i <= n; i++)); do
		rt ping -c1 -W2 "192.168.0.$((10 + i))" > /dev/null || fail "N=$n: node$i's own address unreachable"
	done
	pass "N=$n: every bucket owned once, shares within one bucket of the weights, every node address reachable"
}

check_udp_ping() {
	local cfg=$1 i src got want
	reset_counters
	for ((i = 0; i < 40; i++)); do
		src=$(client_addr "$i")
		got=$(udp_who "$src")
		want=$(who_says "$cfg" "$src")
		[ "$got" = "$want" ] || fail "UDP from $src answered by '$got', --who says $want"
		cl ping -c1 -W2 -I "$src" "$VIP" > /dev/null || fail "no ping reply for $src"
	done
	[ "$(counter udpans)" = 40 ] || fail "$(counter udpans) DNS answers for 40 queries"
	[ "$(counter echoreply)" = 40 ] || fail "$(counter echoreply) echo replies for 40 pings"
	pass "UDP queries and pings: each answered exactly once, by the node --who names"
}

check_cluster 2
check_cluster 3
check_cluster 4
check_udp_ping "$TMP/c4.ini"
check_cluster 5
check_cluster 7
check_cluster 7 1 2 3 1 0 1 5
check_udp_ping "$TMP/c7.ini"
