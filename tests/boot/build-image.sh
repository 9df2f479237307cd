#!/bin/bash
# Builds a minimal Debian bookworm root for the boot test: the freshly built sharedvip .deb
# installed, a one-node sharedvip.ini and a key (so sharedvipd runs), systemd-networkd managing the NIC with its default
# settings (networkctl needs dbus; the .deb's image also has ifupdown and NetworkManager,
# off, for later phases), and boot-check.service, which reports to the serial console and
# reboots or powers off.
# Usage: build-image.sh PACKAGE OUTDIR   (OUTDIR gets root.img, vmlinuz, initrd.img)
# A .deb is installed with dpkg into an image with initramfs-tools; an .rpm's files are
# unpacked into an image with dracut (which conflicts with initramfs-tools).
set -eu
pkg=$(readlink -f "$1") out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
root=$out/root
rm -rf "$root"
case "$pkg" in
*.deb)
	initramfs=initramfs-tools
	install=(--customize-hook="copy-in $pkg /tmp" --customize-hook='chroot "$1" dpkg -i /tmp/'"$(basename "$pkg")")
	regenerate='chroot "$1" update-initramfs -u -k all'
	# the later phases bring the link up with ifupdown, then NetworkManager (off until then)
	managers=,ifupdown,network-manager
	managers_off='chroot "$1" systemctl disable -q NetworkManager.service NetworkManager-wait-online.service'
	;;
*.rpm)
	initramfs=dracut
	install=(--customize-hook='rpm2cpio '"$pkg"' | (cd "$1" && cpio -idm --quiet)'
		--customize-hook='echo "add_dracutmodules+=\" sharedvip \"" > "$1/etc/dracut.conf.d/sharedvip.conf"')
	regenerate='chroot "$1" dracut -f --regenerate-all'
	managers= managers_off=true
	;;
esac
mmdebstrap --quiet --variant=apt --mode=root \
	--include=systemd-sysv,udev,linux-image-amd64,$initramfs,iproute2,nftables,kmod,procps,libmnl0,libnftnl11,libinih1,libudev1,libsodium23,dbus$managers \
	"${install[@]}" \
	--customize-hook="copy-in $here/sharedvip.ini /etc" \
	--customize-hook="copy-in $here/10-lan.network /etc/systemd/network" \
	--customize-hook="copy-in $here/boot-check.service /etc/systemd/system" \
	--customize-hook="copy-in $here/boot-check /usr/local/sbin" \
	--customize-hook='echo sharedvip-boot > "$1/etc/hostname"' \
	--customize-hook='echo 5c2b1f0a9e8d4c3b2a1f0e9d8c7b6a59 > "$1/etc/machine-id"' \
	--customize-hook='head -c 32 /dev/urandom > "$1/etc/sharedvip.key" && chmod 600 "$1/etc/sharedvip.key"' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service boot-check.service sharedvip.service sharedvipd.service' \
	--customize-hook="$managers_off" \
	--customize-hook='chroot "$1" systemctl mask systemd-firstboot.service getty@tty1.service serial-getty@ttyS0.service' \
	--customize-hook="$regenerate" \
	bookworm "$root"
cp "$root"/boot/vmlinuz-* "$out/vmlinuz"
cp "$root"/boot/initrd.img-* "$out/initrd.img"
rm -f "$out/root.img"
mkfs.ext4 -q -d "$root" "$out/root.img" 1600M
rm -rf "$root"
