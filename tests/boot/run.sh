#!/bin/bash
# The boot test: a minimal Debian bookworm with the freshly built .deb, booted headless in
# QEMU (TCG) with -kernel/-initrd, a virtio NIC on user-mode networking (restrict=on) and a
# serial console. From the serial log:
#  1. the initramfs stage ran sharedvip-apply --link and shared the MAC before the root
#     filesystem was mounted;
#  2. after boot, with systemd-networkd managing the link with its default settings: the
#     shared MAC, the VIP, the node address, the default route, the sysctls and the tables
#     are in place, sharedvip.service succeeded, and networkd never saw the link go down.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${BOOT_WORK:-$(mktemp -d /tmp/sharedvip-boot.XXXXXX)}
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; [ -f "$work/serial.log" ] && tail -40 "$work/serial.log" | tr -d '\r' | sed 's/^/    /'; exit 1; }
cd "$top" || exit 1
make -s deb O="$work/b" > "$work/deb.log" 2>&1 || fail "make deb: $(tail -3 "$work/deb.log")"
bash tests/boot/build-image.sh "$work"/b/packages/sharedvip_*_amd64.deb "$work/vm" > "$work/image.log" 2>&1 ||
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

mac_line=$(grep -n -m1 "sharedvip: ens3 has the shared MAC 02:bf:0a:00:02:64" "$log" | cut -d: -f1)
root_line=$(grep -n -m1 "EXT4-fs (vda): mounted" "$log" | cut -d: -f1)
[ -n "$mac_line" ] && [ -n "$root_line" ] && [ "$mac_line" -lt "$root_line" ] ||
	fail "the MAC was not shared in the initramfs (shared MAC at line ${mac_line:-never}, root mounted at line ${root_line:-?})"
echo "ok: the initramfs stage shared the MAC before the root filesystem was mounted"

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
echo "ok: after boot with systemd-networkd: shared MAC, node address, VIP, default route, sysctls and tables in place; sharedvip.service succeeded; the link never went down"
