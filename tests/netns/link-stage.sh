#!/bin/bash
# The udev stage: sets the shared MAC while the link is down, never raises or lowers a
# link, needs no node identity, recognises the interface by udev's predictable names,
# logs one line, and leaves other interfaces alone.
. "$(dirname "$0")/../lib.sh"

ns_init "${P}n1"
NODES=1
ip -n "${P}n1" link add eth0 type veth peer name other
cat > "$TMP/c.ini" <<INI
[cluster]
interface = ens2
vip = 192.168.0.2, 2001:db8::2
[node a]
address = 192.168.0.10/24
INI
before=$(nd 1 ip -br link show other)
nd 1 env ACTION=add SUBSYSTEM=net "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --link other || fail "--link other failed"
[ "$(nd 1 ip -br link show other)" = "$before" ] || fail "--link touched an interface that is not configured"
mac=$(nd 1 ip -br link show eth0 | awk '{print $3}')
nd 1 env ACTION=add SUBSYSTEM=net "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --link eth0 || fail "--link eth0 failed"
[ "$(nd 1 ip -br link show eth0 | awk '{print $3}')" = "$mac" ] || fail "--link changed eth0, whose names are not ens2"
nd 1 env ACTION=add SUBSYSTEM=net ID_NET_NAME_SLOT=ens2 "$SV_BIN/sharedvip-apply" -c "$TMP/c.ini" --link eth0 ||
	fail "--link eth0 (ens2) failed"
nd 1 ip -br link show eth0 | grep -q "02:bf:c0:a8:00:02" || fail "the shared MAC is not set: $(nd 1 ip -br link show eth0)"
nd 1 ip -br link show eth0 | grep -q DOWN || fail "--link raised the link"
[ "$(nd 1 sysctl -n net.ipv6.conf.eth0.addr_gen_mode)" = 2 ] || fail "no stable-privacy link-local addresses"
pass "--link: shared MAC set on the down link found by its predictable name, other links untouched"

# a config newer than the initramfs copy: the full apply says how to refresh it
touch -d '1 hour ago' "$TMP/initrd.img"
cat > "$TMP/full.ini" <<INI
[cluster]
interface = eth0
vip = 192.168.0.2
[node a]
address = 192.168.0.10/24
INI
err=$(nd 1 env SHAREDVIP_INITRAMFS="$TMP/initrd.img" "$SV_BIN/sharedvip-apply" -c "$TMP/full.ini" --node a 2>&1) ||
	fail "apply: $err"
echo "$err" | grep -q "initrd.img is older than .*update-initramfs -u" || fail "no warning about the stale initramfs: $err"
touch "$TMP/initrd.img"
err=$(nd 1 env SHAREDVIP_INITRAMFS="$TMP/initrd.img" "$SV_BIN/sharedvip-apply" -c "$TMP/full.ini" --node a 2>&1)
[ -z "$err" ] || fail "a warning although the initramfs is current: $err"
pass "apply warns, naming the command, when the initramfs holds an older config"

# A network manager that derives IPv6 addresses from the MAC (EUI-64) undoes the udev stage's
# stable privacy, and every node gets the same link-local address: apply says so, and what
# to set. With the udev stage's settings, it says nothing.
ns_init "${P}n2"
ip -n "${P}n2" link add eth0 type veth peer name peer0
nd 2 ip link set peer0 up
nd 2 "$SV_BIN/sharedvip-apply" -c "$TMP/full.ini" --link eth0 || fail "node 2: --link eth0"
nd 2 ip link set eth0 up
ll_wait() { for _ in $(seq 50); do nd 2 ip -6 addr show dev eth0 scope link | grep -q fe80 && return; sleep 0.1; done; }
ll_wait
err=$(nd 2 "$SV_BIN/sharedvip-apply" -c "$TMP/full.ini" --node a 2>&1) || fail "apply on node 2: $err"
[ -z "$err" ] || fail "a warning with stable-privacy addresses: $err"
nd 2 ip link set eth0 down
nd 2 sysctl -qw net.ipv6.conf.eth0.addr_gen_mode=0
nd 2 ip link set eth0 up
ll_wait
nd 2 ip -6 addr show dev eth0 | grep -q "fe80::bf:c0ff:fea8:2/64" || fail "no EUI-64 link-local: the test proves nothing"
err=$(nd 2 "$SV_BIN/sharedvip-apply" -c "$TMP/full.ini" --node a 2>&1) || fail "apply on node 2: $err"
echo "$err" | grep -q "warning: fe80::bf:c0ff:fea8:2 on eth0 derives from the shared MAC.*stable privacy" ||
	fail "no warning about the link-local address derived from the shared MAC: $err"
pass "apply warns, saying what to set, when a network manager derives IPv6 addresses from the shared MAC"

# the stage's line reaches the kernel log as a whole record at once (dmesg, the journal),
# not only when something else is logged after it
ip -n "${P}n2" link add "svl$$" type veth peer name "svp$$"
sed "s/^interface = eth0/interface = svl$$/" "$TMP/full.ini" > "$TMP/log.ini"
nd 2 "$SV_BIN/sharedvip-apply" -c "$TMP/log.ini" --link "svl$$" || fail "--link svl$$"
dmesg | grep -q "sharedvip: svl$$ has the shared MAC" || fail "the stage's line is not in the kernel log: $(dmesg | tail -3)"
pass "the stage's line is in the kernel log at once"
