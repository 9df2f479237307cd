#!/bin/sh
# Installs what building and testing sharedvip needs on Debian, if anything is missing.
set -e
pkgs="build-essential pkg-config libmnl-dev libnftnl-dev libinih-dev libudev-dev libsodium-dev nftables iproute2 ncat socat
      ifupdown dnsutils dnsmasq-base conntrack iputils-ping procps psmisc tcpdump bc systemd man-db udev
      debhelper devscripts lintian fakeroot dpkg-dev rpm rpmlint bzip2
      prometheus bash-completion jq faketime tcpreplay
      corosync libcpg-dev libquorum-dev libcmap-dev libcorosync-common-dev pacemaker pacemaker-cli-utils resource-agents
      shellcheck libxml2-utils
      mmdebstrap qemu-system-x86 qemu-utils e2fsprogs initramfs-tools-core clang-format cppcheck clang libclang-rt-14-dev"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing > /dev/null
