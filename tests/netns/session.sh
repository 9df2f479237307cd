#!/bin/bash
# The operator's session to a node's own address survives the first apply, which changes
# the MAC of the up link (the node announces it, so the router follows at once), and
# traffic to the node's own address is always accepted.
. "$(dirname "$0")/../lib.sh"

make_lan 1
add_node; add_node
write_config "$TMP/c.ini" 2
for i in 1 2; do
	nd "$i" ip link set $IF up
	nd "$i" ip addr add "192.168.0.1$i/24" dev $IF
done
bg nd 1 ncat -lk 192.168.0.11 22 --sh-exec 'echo ssh; exec cat'
sleep 0.3
mkfifo "$TMP/in"
exec 3<> "$TMP/in"
rt ncat 192.168.0.11 22 < "$TMP/in" > "$TMP/out" &
PIDS+=($!)
wait_for() { local k; for ((k = 0; k < 30; k++)); do grep -qx "$1" "$TMP/out" && return 0; sleep 0.1; done; return 1; }
echo one >&3
wait_for one || fail "no session before the apply"
old=$(rt ip neigh show 192.168.0.11 | awk '{print $5}')
for i in 1 2; do nd "$i" "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node "node$i" || fail "apply on node$i"; done
new=$(rt ip neigh show 192.168.0.11 | awk '{print $5}')
[ "$new" = 02:bf:c0:a8:00:02 ] || fail "the router still has $new (was $old) for node1 after the MAC change"
echo two >&3
wait_for two || fail "the session to node1's own address died in the apply"
[ "$(counter rst)" = 0 ] || fail "resets seen"
pass "operator session survived the MAC change (router learnt $old -> $new from the announcement)"
