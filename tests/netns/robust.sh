#!/bin/bash
# sharedvipd never wedges: netlink dumps interrupted by address churn leave nothing behind
# (the daemon still restores the VIP, answers and agrees with its peer); a daemon that
# accepts but never answers is an error for sharedvipctl, sharedvip-status and
# sharedvip-apply (nothing changed); idle control clients and a held apply lock delay no
# heartbeat (gaps measured at the peer).
. "$(dirname "$0")/../lib.sh"

make_lan 4
daemon_cluster 2
has_vip() { nd 1 ip -4 addr show dev "$IF" | grep -q "inet $VIP/32"; }
wait_vip() {
	local k
	for ((k = 0; k < 50; k++)); do has_vip && return 0; sleep 0.1; done
	fail "$1: the VIP was not put back; daemon: $(tail -3 "$TMP/d1.log")"
}

# 1. address churn on another interface while the VIP is deleted by hand, over and over:
#    the daemon's address dumps are interrupted (NLM_F_DUMP_INTR) again and again
nd 1 ip link add churn0 type veth peer name churn1
nd 1 ip link set churn0 up
for ((i = 0; i < 3000; i++)); do echo "addr add 10.77.$((i / 250)).$((i % 250 + 1))/32 dev churn0"; done > "$TMP/many"
nd 1 ip -batch "$TMP/many"
for ((i = 0; i < 400; i++)); do echo "addr add 10.78.$((i / 250)).$((i % 250 + 1))/32 dev churn0"; done > "$TMP/add"
sed 's/^addr add/addr del/' "$TMP/add" > "$TMP/del"
(end=$((SECONDS + 8)); while [ $SECONDS -lt $end ]; do nd 1 ip -batch "$TMP/add"; nd 1 ip -batch "$TMP/del"; done) &
CHURN=$!
PIDS+=($CHURN)
for ((k = 0; k < 5; k++)); do
	nd 1 ip addr del "$VIP/32" dev "$IF" 2> /dev/null
	sleep 1.4
done
wait "$CHURN"
nd 1 ip addr del "$VIP/32" dev "$IF" 2> /dev/null
wait_vip "after the churn"
out=$(nd 1 "$SV_BIN/sharedvipctl" status) || fail "sharedvipctl status after the churn: $out"
echo "$out" | grep -q "peer node2 alive=1" || fail "node1 no longer hears node2: $out"
[ "$(union_owned 1 2)" = "1024 0" ] || fail "after the churn: $(union_owned 1 2)"
intr=$(grep -c "applied the config again" "$TMP/d1.log")
pass "address churn under the daemon's dumps: it still restores the VIP ($intr re-applies), answers, agrees with its peer"

# 2. a daemon that accepts but never answers
mkdir -p "$TMP/hung"
socat UNIX-LISTEN:"$TMP/hung/control",fork SYSTEM:'sleep 30' & PIDS+=($!)
for ((k = 0; k < 50; k++)); do [ -S "$TMP/hung/control" ] && break; sleep 0.05; done
before=$(nd 2 nft list table inet sharedvip | grep comment)
out=$(nd 2 env SHAREDVIP_RUN_DIR="$TMP/hung" "$SV_BIN/sharedvipctl" status 2>&1) && fail "sharedvipctl status succeeded against a silent daemon: $out"
echo "$out" | grep -q "no answer" || fail "sharedvipctl: no clear error: $out"
out=$(nd 2 env SHAREDVIP_RUN_DIR="$TMP/hung" "$SV_BIN/sharedvipctl" drain 2>&1) && fail "sharedvipctl drain succeeded against a silent daemon"
out=$(nd 2 env SHAREDVIP_RUN_DIR="$TMP/hung" "$SV_BIN/sharedvip-status" -c "$TMP/c.ini" --node node2 2>&1) &&
	fail "sharedvip-status succeeded against a silent daemon"
echo "$out" | grep -q "does not answer" || fail "sharedvip-status: no clear error: $out"
nd 2 sysctl -qw "net.ipv4.conf.$IFK.send_redirects=1" # an apply would set it to 0
out=$(nd 2 env SHAREDVIP_RUN_DIR="$TMP/hung" "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --node node2 2>&1)
st=$?
[ $st = 2 ] || fail "sharedvip-apply against a silent daemon: exit $st, $out"
echo "$out" | grep -q "does not answer" || fail "sharedvip-apply: no clear error: $out"
[ "$(nd 2 sysctl -n "net.ipv4.conf.$IFK.send_redirects")" = 1 ] || fail "sharedvip-apply changed something (a sysctl)"
[ "$(nd 2 nft list table inet sharedvip | grep comment)" = "$before" ] || fail "sharedvip-apply changed the tables"
pass "a daemon that accepts and never answers: sharedvipctl, sharedvip-status and sharedvip-apply fail clearly, nothing changed"

# 3. three idle control clients and a held apply lock: heartbeats keep their interval
for k in 1 2 3; do socat UNIX-CONNECT:"$TMP/run1/control" SYSTEM:'sleep 6' & PIDS+=($!); done
flock "$TMP/run1/apply.lock" sleep 6 & PIDS+=($!)
sleep 0.2
nd 1 ip addr del "$VIP/32" dev "$IF" # the daemon re-applies after 1 s: the lock is held
nd 2 timeout 4 tcpdump -i "$IF" -nn -tt -l "udp dst port 7946 and src host 192.168.0.11" > "$TMP/hb" 2> /dev/null
gap=$(awk '{ if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { printf "%d", m * 1000 }' "$TMP/hb")
n=$(wc -l < "$TMP/hb")
[ "$n" -gt 40 ] || fail "only $n heartbeats seen in 4 s"
[ "$gap" -lt 180 ] || fail "a heartbeat gap of $gap ms with idle control clients and a held apply lock"
out=$(nd 1 "$SV_BIN/sharedvipctl" status) || fail "sharedvipctl status with idle clients waiting: $out"
wait_vip "once the lock was released"
pass "3 idle control clients and a held apply lock: largest heartbeat gap $gap ms over $n packets, status answered, VIP put back after"
