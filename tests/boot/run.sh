#!/bin/bash
# The boot test: a minimal Debian bookworm booted headless in QEMU (TCG) with -kernel/-initrd,
# a virtio NIC on user-mode networking (restrict=on) and a serial console; for the freshly
# built .deb with initramfs-tools, and for the .rpm's files with dracut (run.sh deb,
# run.sh rpm; both without an argument). From the serial log:
#  1. the udev stage shared the MAC before anything raised the link: with initramfs-tools,
#     whose initramfs has the NIC, before the root filesystem was mounted; with dracut,
#     whose initramfs here has no network driver, at the NIC's first add, before
#     systemd-networkd started;
#  2. after boot, with systemd-networkd managing the link with its default settings: the
#     shared MAC, the VIP, the node address, the default route, the sysctls and the tables
#     are in place, sharedvip.service succeeded, and networkd never saw the link go down;
#  3. two NICs hot-added through the QEMU monitor (device_add): the configured one has the
#     shared MAC before networkd raises it, the other keeps its own and is not touched;
#  4. (.deb) rebooted with ifupdown raising the link (allow-hotplug, as Debian's installer
#     writes it): ifup and sharedvip.service both succeed and everything is in place, also
#     after ifdown + ifup; rebooted with NetworkManager: everything in place after its
#     activation, after `nmcli connection up` and after `nmcli device reapply`.
set -u
if [ $# = 0 ]; then
	bash "$0" deb && bash "$0" rpm
	exit
fi
kind=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${BOOT_WORK:-$(mktemp -d /tmp/sharedvip-boot.XXXXXX)}
mkdir -p "$work"
qemu_pid=
trap '[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; [ -n "${BOOT_KEEP:-}" ] || rm -rf "$work"' EXIT
log=$work/serial.log
fail() { echo "FAIL: $kind: $*"; [ -f "$log" ] && tail -40 "$log" | tr -d '\r' | sed 's/^/    /'; exit 1; }
cd "$top" || exit 1
if [ -z "${BOOT_IMAGE:-}" ]; then
	make -s "$kind" O="$work/b" > "$work/pkg.log" 2>&1 || fail "make $kind: $(tail -3 "$work/pkg.log")"
	pkg=$(ls "$work"/b/packages/sharedvip*."$kind" | grep -v dbgsym)
	bash tests/boot/build-image.sh "$pkg" "$work/vm" > "$work/image.log" 2>&1 ||
		fail "building the image: $(tail -5 "$work/image.log")"
	rm -rf "$work/b"
else
	mkdir -p "$work/vm" && cp "$BOOT_IMAGE"/* "$work/vm/" # an image kept from before, to iterate
fi

monitor() { printf '%s\n' "$@" | socat -t 2 - "UNIX-CONNECT:$work/monitor" > /dev/null; }
timeout 900 qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -kernel "$work/vm/vmlinuz" -initrd "$work/vm/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 loglevel=7" -drive "file=$work/vm/root.img,format=raw,if=virtio" \
	-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,addr=0x3,mac=52:54:00:12:34:56 \
	-monitor "unix:$work/monitor,server=on,wait=off" \
	-serial "file:$log" -display none > "$work/qemu.log" 2>&1 &
qemu_pid=$!
hotplugged=0
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ $hotplugged = 0 ] && grep -q "^HOTPLUG-READY" "$log" 2>/dev/null; then
		monitor "netdev_add user,id=n5,restrict=on" "device_add virtio-net-pci,netdev=n5,id=nic5,addr=0x5,mac=52:54:00:12:34:05" \
			"netdev_add user,id=n6,restrict=on" "device_add virtio-net-pci,netdev=n6,id=nic6,addr=0x6,mac=52:54:00:12:34:06"
		hotplugged=1
	elif [ $hotplugged = 1 ] && grep -q "^BOOTCHECK-END hotplug" "$log"; then
		monitor "device_del nic5" "device_del nic6" # the next phases are about ens3 alone
		hotplugged=2
	fi
	sleep 0.5
done
wait "$qemu_pid" || fail "qemu (or its 900 s timeout): $(cat "$work/qemu.log")"
qemu_pid=
tr -d '\r' < "$log" > "$log.txt"
log=$log.txt
grep -q "^BOOTCHECK-END networkd" "$log" || fail "the boot did not reach the check"

block() { sed -n "/^BOOTCHECK-BEGIN $1\$/,/^BOOTCHECK-END $1\$/p" "$log"; }
check() { block "$1" | grep -q -- "$2" || fail "$1: no '$2' in: $(block "$1" | grep -v '^addr')"; }
in_place() { # in_place PHASE: the node as the config wants it, sharedvip.service succeeded
	check "$1" "^service active success"
	check "$1" "link ens3 .*UP .*02:bf:0a:00:02:64"
	check "$1" "inet 10.0.2.15/24"
	check "$1" "inet 10.0.2.100/32"
	check "$1" "route default via 10.0.2.2 dev ens3"
	check "$1" "sysctl 0 0"
	check "$1" "nft table netdev sharedvip"
	check "$1" "nft table inet sharedvip"
	check "$1" '"vips_present": \["10.0.2.100"\]'
	# sharedvipd, under its unit's sandbox: alone in its cluster, it owns every bucket
	check "$1" "^daemon active"
	check "$1" '"mode": "daemon"'
	check "$1" '"owned": \[0, 1, 2, .*, 1023\]'
}
# monotonic seconds of the first line of LOG-PREFIX matching PATTERN in the block PHASE
mono() { block "$1" | grep -m1 "^$2 \[ *[0-9.]*\] .*$3" | sed "s/^$2 \[ *\([0-9.]*\)\].*/\1/"; }
before() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }

mac_t=$(mono networkd kmsg "sharedvip: [a-z0-9]* has the shared MAC 02:bf:0a:00:02:64")
up_t=$(grep -m1 "^networkd \[ *[0-9.]*\] .*ens3: Link UP" "$log" | sed 's/^networkd \[ *\([0-9.]*\)\].*/\1/')
before "$mac_t" "$up_t" ||
	fail "the MAC was not shared before systemd-networkd raised the link (shared at ${mac_t:-never} s, link up at ${up_t:-?} s)"
if [ "$kind" = deb ]; then
	# initramfs-tools has the NIC in the initramfs: the stage ran there
	mac_line=$(grep -n -m1 "sharedvip: [a-z0-9]* has the shared MAC" "$log" | cut -d: -f1)
	root_line=$(grep -n -m1 "EXT4-fs (vda): mounted" "$log" | cut -d: -f1)
	[ -n "$mac_line" ] && [ -n "$root_line" ] && [ "$mac_line" -lt "$root_line" ] ||
		fail "initramfs-tools: the MAC was not shared in the initramfs"
	echo "ok: deb: the MAC was shared in the initramfs, before the root was mounted, at $mac_t s; networkd raised the link at $up_t s"
else
	echo "ok: rpm/dracut: the MAC was shared at the NIC's first add, at $mac_t s; networkd raised the link at $up_t s"
fi
in_place networkd
! grep -q "ens3: Link DOWN" "$log" || fail "networkd saw the link go down"
# networkd's defaults derive IPv6 addresses from the (shared) MAC: apply says what to set, and
# with that set, the addresses are stable-privacy ones and apply says nothing
check networkd "^unit .*derives from the shared MAC.*IPv6LinkLocalAddressGenerationMode=stable-privacy"
block networkd-advice | grep -q "^addr6 .*inet6 fe80::" || fail "networkd-advice: no link-local address: $(block networkd-advice)"
! block networkd-advice | grep -E -q "^says|bf:aff:fe00:264" || fail "networkd-advice: $(block networkd-advice)"
echo "ok: $kind: apply said what networkd needs for IPv6 with one MAC on many nodes; with it set, no address derives from the MAC"
echo "ok: $kind: after boot with systemd-networkd: shared MAC, node address, VIP, default route, sysctls and tables in place; sharedvip.service succeeded; the link never went down"

check hotplug "link ens5 .*02:bf:0a:00:02:64"
check hotplug "link ens6 .*52:54:00:12:34:06"
mac_t=$(mono hotplug kmsg "sharedvip: ens5 has the shared MAC")
up_t=$(mono hotplug networkd "ens5: Link UP")
before "$mac_t" "$up_t" || fail "hot-added ens5: the MAC was not shared before networkd raised it (at ${mac_t:-never} s, up at ${up_t:-?} s)"
[ -n "$(mono hotplug networkd "ens6: Link UP")" ] || fail "hot-added ens6 never came up: the test proves nothing"
! block hotplug | grep -q "sharedvip: ens6" || fail "the udev stage acted on ens6, which is not configured"
echo "ok: $kind: hot-added NICs: the configured one had the shared MAC at $mac_t s, before networkd raised it at $up_t s; the other kept its MAC"
[ "$kind" = deb ] || exit 0

check ifupdown "manager ifup@ens3.service active success"
grep -q "^ifupdown-rc 0" "$log" || fail "ifdown + ifup failed (with sharedvipd watching the link)"
in_place ifupdown
in_place ifdown-ifup
echo "ok: deb: with ifupdown (allow-hotplug): ifup@ens3 and sharedvip.service succeeded, everything in place, also after ifdown + ifup"
check networkmanager "manager NetworkManager.service active"
in_place networkmanager
in_place nmcli-up
in_place nmcli-reapply
block nm-advice | grep -q "^addr6 .*inet6 fe80::" || fail "nm-advice: no link-local address: $(block nm-advice)"
! block nm-advice | grep -E -q "^says|bf:aff:fe00:264" || fail "nm-advice: $(block nm-advice)"
grep -q "^nm .*derives from the shared MAC.*nmcli connection modify [0-9a-f-]* ipv6.addr-gen-mode stable-privacy" "$log" ||
	fail "NetworkManager: apply did not say what to set for IPv6"
echo "ok: deb: with NetworkManager: everything in place after its activation, after nmcli connection up and after nmcli device reapply"
