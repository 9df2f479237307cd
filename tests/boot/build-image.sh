#!/bin/bash
# Builds a minimal Debian bookworm root for the boot test: the freshly built sharedvip .deb
# installed, a one-node sharedvip.ini, systemd-networkd managing the NIC with its default
# settings, and boot-check.service, which reports to the serial console and powers off.
# Usage: build-image.sh DEB OUTDIR   (OUTDIR gets root.img, vmlinuz, initrd.img)
set -eu
deb=$(readlink -f "$1") out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
root=$out/root
rm -rf "$root"
mmdebstrap --quiet --variant=apt --mode=root \
	--include=systemd-sysv,udev,linux-image-amd64,initramfs-tools,iproute2,nftables,kmod,procps,libmnl0,libnftnl11,libinih1,libudev1,libsodium23 \
	--customize-hook="copy-in $deb /tmp" \
	--customize-hook='chroot "$1" dpkg -i /tmp/'"$(basename "$deb")" \
	--customize-hook="copy-in $here/sharedvip.ini /etc" \
	--customize-hook="copy-in $here/10-lan.network /etc/systemd/network" \
	--customize-hook="copy-in $here/boot-check.service /etc/systemd/system" \
	--customize-hook="copy-in $here/boot-check /usr/local/sbin" \
	--customize-hook='echo sharedvip-boot > "$1/etc/hostname"' \
	--customize-hook='echo 5c2b1f0a9e8d4c3b2a1f0e9d8c7b6a59 > "$1/etc/machine-id"' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service boot-check.service sharedvip.service' \
	--customize-hook='chroot "$1" systemctl mask systemd-firstboot.service getty@tty1.service serial-getty@ttyS0.service' \
	--customize-hook='chroot "$1" update-initramfs -u -k all' \
	bookworm "$root"
cp "$root"/boot/vmlinuz-* "$out/vmlinuz"
cp "$root"/boot/initrd.img-* "$out/initrd.img"
rm -f "$out/root.img"
mkfs.ext4 -q -d "$root" "$out/root.img" 1600M
rm -rf "$root"
