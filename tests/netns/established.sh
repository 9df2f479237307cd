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
cl ncat -s "$src" "$VIP" 7 < "$TMP/in" > "$TMP/out" &
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
exec 3>&-
pass "bucket of $src moved $old -> $new: established connection kept on $old, new connection and UDP on $new, no reset"

# the old owner keeps the bucket out of its early drop until it no longer holds it
n=${old#node}
nd "$n" nft list set netdev sharedvip held | grep -q elements || fail "$old holds no buckets after giving some away"
pass "$old lists the buckets it gave away as held"
