#!/bin/bash
# Every config error: exit 1, "sharedvip-apply: FILE:LINE: message" on stderr, and nothing
# changed in the kernel.
. "$(dirname "$0")/../lib.sh"

ns_init "${P}n1"
ip -n "${P}n1" link add eth0 type veth peer name peer
NODES=1
good='[cluster]
interface = eth0
vip = 192.168.0.2
gateway = 192.168.0.1

[node a]
address = 192.168.0.10/24
'
snapshot() { nd 1 ip -d addr; nd 1 ip route show table all; nd 1 nft list ruleset; nd 1 sysctl -a 2>/dev/null | grep -E 'conf\.eth0\.(forwarding|send_redirects)'; }
snapshot > "$TMP/before"

# each case: the config text, the line the error must name, a word the message must hold
check() {
	local text=$1 line=$2 word=$3 err rc
	printf '%s' "$text" > "$TMP/bad.ini"
	for mode in "" --check --dry-run; do
		err=$(nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/bad.ini" --node a $mode 2>&1 >/dev/null); rc=$?
		[ "$rc" = 1 ] || fail "exit $rc, not 1, for ${mode:-apply} of: $text"
		echo "$err" | grep -q "^sharedvip-apply: $TMP/bad.ini:$line: .*$word" ||
			fail "expected line $line and '$word' for ${mode:-apply}, got: $err"
	done
}
check "${good/vip = 192.168.0.2/vip = 192.168.0.300}" 3 "not an IPv4 or IPv6 address"
check "${good/interface = eth0
/}" 1 "missing required key .interface"
check "${good}bogus = 1
" 8 "unknown key .bogus"
check "${good}[node a]
" 8 "duplicate node"
check "${good/gateway = 192.168.0.1/gateway = 192.168.0.1
gateway = 192.168.0.1}" 5 "duplicate key"
check "${good}[cluster2]
" 8 "unknown section"
check "${good/vip = 192.168.0.2/vip = 192.168.0.255}" 3 "network or broadcast"
check "${good/vip = 192.168.0.2/vip = 192.168.0.0}" 3 "network or broadcast"
check "${good/gateway = 192.168.0.1/gateway = 192.168.0.1
shared_mac = 03:00:00:00:00:01}" 5 "multicast"
check "${good/gateway = 192.168.0.1/gateway = 192.168.0.1
buckets = 65537}" 5 "from 1 to 65536"
check "${good/gateway = 192.168.0.1/gateway = 10.0.0.1}" 7 "not on the same subnet as gateway" # the address line
check "${good/address = 192.168.0.10\/24/address = 192.168.0.10}" 7 "prefix length"
check "${good/gateway = 192.168.0.1/gateway = 192.168.0.1
affinity = random}" 5 "not one of the choices"
check "${good/gateway = 192.168.0.1/gateway = 192.168.0.1
services = tcp:80, sctp:9}" 5 "sctp"
check "${good}weight = 1001
" 8 "from 0 to 1000"
check "[node a]
address = 192.168.0.10/24
" 1 "missing section \[cluster\]"
check "${good}
[failover]
quorum = some
" 10 "not one of the choices"
# several errors are all reported
printf '%s' "${good/vip = 192.168.0.2/vip = nope}bogus = 2
" > "$TMP/bad.ini"
n=$(nd 1 "$SV_BIN/sharedvip-apply" -c "$TMP/bad.ini" --check 2>&1 | grep -c "^sharedvip-apply: $TMP/bad.ini:")
[ "$n" = 2 ] || fail "two errors, $n reported"
snapshot > "$TMP/after"
diff "$TMP/before" "$TMP/after" > /dev/null || fail "a bad config changed the kernel: $(diff "$TMP/before" "$TMP/after")"
pass "every bad config: exit 1, FILE:LINE: message, all errors reported, kernel untouched"

# a node that cannot be identified is an error that says what was tried
printf '%s' "$good" > "$TMP/good.ini"
err=$(nd 1 env -u SHAREDVIP_NODE "$SV_BIN/sharedvip-apply" -c "$TMP/good.ini" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$err" | grep -q "SHAREDVIP_NODE" && echo "$err" | grep -q "host name" ||
	fail "no identity: exit $rc, $err"
# a kernel refusal: exit 2, naming the operation, the object and the errno text
err=$(nd 1 "$SV_BIN/sharedvip-apply" -c <(printf '%s' "${good/interface = eth0/interface = eth9}") --node a 2>&1); rc=$?
[ "$rc" = 2 ] && echo "$err" | grep -q "eth9: No such device" || fail "missing interface: exit $rc, $err"
snapshot > "$TMP/after"
diff "$TMP/before" "$TMP/after" > /dev/null || fail "a refused apply changed the kernel"
pass "unknown identity exits 1 naming what was tried; a kernel refusal exits 2 naming the operation and errno"

# --who with source port 0 names the port (it printed an empty one)
out=$(nd 1 "$SV_BIN/sharedvip-status" -c <(printf '%s\naffinity = flow\n' "${good%%\[node*}"; printf '%s' "[node${good#*\[node}") --who 10.9.0.1 0)
echo "$out" | grep -q "^10.9.0.1 port 0: bucket " || fail "--who ADDRESS 0: $out"
pass "--who ADDRESS 0 names port 0"
