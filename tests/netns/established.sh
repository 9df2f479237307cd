#!/bin/bash
# A re-apply that moves a client's bucket to another node keeps that client's established
# TCP connection on its old node (no reset anywhere), while its new connections and its
# UDP queries go to the new owner.
. "$(dirname "$0")/../lib.sh"

make_lan 60
add_node; add_node; add_node
write_config "$TMP/a.ini" 3 1 1 1
write_config "$TMP/b.ini" 3 1 3 1
apply_all "$TMP/a.ini"
start_servers

src=
for ((i = 0; i < 60; i++)); do
	s=$(client_addr "$i")
	if [ "$(who_says "$TMP/a.ini" "$s")" != "$(who_says "$TMP/b.ini" "$s")" ]; then src=$s; break; fi
done
[ -n "$src" ] || fail "no client changes owner between the two configs"
old=$(who_says "$TMP/a.ini" "$src")
new=$(who_says "$TMP/b.ini" "$src")

reset_counters
mkfifo "$TMP/in"
exec 3<> "$TMP/in"   # read-write: opening it never blocks
ip netns exec "${P}c" ncat -s "$src" "$VIP" 7 < "$TMP/in" > "$TMP/out" &
client=$!
PIDS+=($!)
wait_for() { local k; for ((k = 0; k < 50; k++)); do grep -qx "$1" "$TMP/out" && return 0; sleep 0.1; done; return 1; }
wait_for "$old" || fail "long-lived connection from $src not answered by $old: $(cat "$TMP/out")"
echo before >&3
wait_for before || fail "no echo before the re-apply"

apply_all "$TMP/b.ini"
[ "$(tcp_who "$src")" = "$new" ] || fail "new connection from $src not answered by its new owner $new"
echo after >&3
wait_for after || fail "the established connection to $old broke when its bucket moved to $new"
[ "$(udp_who "$src")" = "$new" ] || fail "UDP from $src not answered by the new owner $new"
[ "$(counter rst)" = 0 ] || fail "$(counter rst) resets seen"
pass "bucket of $src moved $old -> $new: established connection kept on $old, new connection and UDP on $new, no reset"

# the old owner keeps exactly the bucket with its open connection out of its early drop
# (the buckets it gave away without connections go back to being dropped at ingress)
n=${old#node}
bucket=$("$SV_BIN/sharedvip-status" -c "$TMP/b.ini" --who "$src" --json | sed 's/.*"bucket": \([0-9]*\).*/\1/')
held() { nd "$n" nft -j list set inet sharedvip held | grep -o '"elem": \[[^]]*\]' | grep -o '[0-9]\+' | sort -n | tr '\n' ' '; }
[ "$(held)" = "$bucket " ] || fail "$old holds [$(held)], not just bucket $bucket of its open connection"
pass "$old holds just bucket $bucket, that of its open connection, of those it gave away"
exec 3>&-

# once that connection is closed (conntrack: TIME_WAIT), the next apply lets it go too
{ kill "$client" && wait "$client"; } 2> /dev/null
for ((k = 0; k < 50; k++)); do
	nd "$n" conntrack -L -p tcp --orig-src "$src" 2> /dev/null | grep -q -E "ESTABLISHED|CLOSE_WAIT|LAST_ACK|FIN_WAIT" ||
		break
	sleep 0.1
done
nd "$n" "$SV_BIN/sharedvip-apply" -c "$TMP/b.ini" --node "$old" || fail "re-apply on $old"
[ -z "$(held)" ] || fail "$old still holds [$(held)] after the last connection closed: $(nd "$n" conntrack -L -p tcp 2>&1)"
pass "after the connection closed, the next apply on $old held nothing any more"
