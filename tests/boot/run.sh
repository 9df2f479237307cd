#!/bin/bash
# The boot test: a minimal Debian bookworm booted headless in QEMU (TCG) with -kernel/-initrd,
# a virtio NIC on user-mode networking (restrict=on) and a serial console; twice: with the
# freshly built .deb and initramfs-tools, and with the .rpm's files and dracut (run.sh deb,
# run.sh rpm; both without an argument). From the serial log:
#  1. the udev stage shared the MAC before anything raised the link: with initramfs-tools,
#     whose initramfs has the NIC, before the root filesystem was mounted; with dracut,
#     whose initramfs here has no network driver, at the NIC's first add, before
#     systemd-networkd started;
#  2. after boot, with systemd-networkd managing the link with its default settings: the
#     shared MAC, the VIP, the node address, the default route, the sysctls and the tables
#     are in place, sharedvip.service succeeded, and networkd never saw the link go down.
set -u
if [ $# = 0 ]; then
	bash "$0" deb && bash "$0" rpm
	exit
fi
kind=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${BOOT_WORK:-$(mktemp -d /tmp/sharedvip-boot.XXXXXX)}
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; [ -f "$work/serial.log" ] && tail -40 "$work/serial.log" | tr -d '\r' | sed 's/^/    /'; exit 1; }
cd "$top" || exit 1
make -s "$kind" O="$work/b" > "$work/pkg.log" 2>&1 || fail "make $kind: $(tail -3 "$work/pkg.log")"
pkg=$(ls "$work"/b/packages/sharedvip*."$kind" | grep -v dbgsym)
bash tests/boot/build-image.sh "$pkg" "$work/vm" > "$work/image.log" 2>&1 ||
	fail "building the image: $(tail -5 "$work/image.log")"
rm -rf "$work/b"
timeout 400 qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -kernel "$work/vm/vmlinuz" -initrd "$work/vm/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 loglevel=7" -drive "file=$work/vm/root.img,format=raw,if=virtio" \
	-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,addr=0x3,mac=52:54:00:12:34:56 \
	-serial "file:$work/serial.log" -display none -no-reboot > "$work/qemu.log" 2>&1 ||
	fail "qemu: $(cat "$work/qemu.log")"
log=$work/serial.log
tr -d '\r' < "$log" > "$log.txt"
log=$log.txt
grep -q BOOTCHECK-END "$log" || fail "the boot did not reach the check"

# monotonic seconds of the first "shared MAC" kernel line and of networkd raising the link
mac_t=$(grep -m1 "^kmsg \[ *[0-9.]*\] .*sharedvip: [a-z0-9]* has the shared MAC 02:bf:0a:00:02:64" "$log" |
	sed 's/^kmsg \[ *\([0-9.]*\)\].*/\1/')
up_t=$(grep -m1 "^networkd \[ *[0-9.]*\] .*ens3: Link UP" "$log" | sed 's/^networkd \[ *\([0-9.]*\)\].*/\1/')
[ -n "$mac_t" ] && [ -n "$up_t" ] && awk -v a="$mac_t" -v b="$up_t" 'BEGIN {exit !(a < b)}' ||
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

check() { sed -n '/BOOTCHECK-BEGIN/,/BOOTCHECK-END/p' "$log" | grep -q -- "$1" || fail "after boot: no '$1'"; }
check "service active success"
check "link ens3 .*UP .*02:bf:0a:00:02:64"
check "inet 10.0.2.15/24"
check "inet 10.0.2.100/32"
check "route default via 10.0.2.2 dev ens3"
check "sysctl 0 0"
check "nft table netdev sharedvip"
check "nft table inet sharedvip"
check '"vips_present": \["10.0.2.100"\]'
! grep -q "ens3: Link DOWN" "$log" || fail "networkd saw the link go down"
echo "ok: $kind: after boot with systemd-networkd: shared MAC, node address, VIP, default route, sysctls and tables in place; sharedvip.service succeeded; the link never went down"
