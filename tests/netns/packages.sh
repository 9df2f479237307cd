#!/bin/bash
# The packages: make deb (lintian clean, warnings included; the overrides say why) and
# make rpm (rpmlint clean with the filters that say why); the udev rule parses and runs
# sharedvip-apply --link with the renamed interface's name; the initramfs-tools hook and
# the dracut module put sharedvip-apply, its libraries, the config and the rule into an
# initramfs.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$top" || exit 1
make -s deb O="$tmp/b" > "$tmp/deb.log" 2>&1 || fail "make deb: $(tail -5 "$tmp/deb.log")"
deb=$(ls "$tmp"/b/packages/sharedvip_*.deb)
out=$(lintian --fail-on error,warning --pedantic --info "$deb" 2>&1) || fail "lintian: $out"
out=$(echo "$out" | grep -v 'running with root')
[ -z "$out" ] || fail "lintian: $out"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./triggers | grep "activate-noawait update-initramfs" > /dev/null ||
	fail "no update-initramfs trigger"
dpkg-deb -c "$deb" | grep "./etc/sharedvip.ini" > /dev/null &&
	dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep /etc/sharedvip.ini > /dev/null ||
	fail "/etc/sharedvip.ini is not a conffile"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep /etc/network/if-up.d/sharedvip > /dev/null ||
	fail "the ifupdown hook is not in the .deb as a conffile"
dpkg-deb -c "$deb" | grep -- "-rwxr-xr-x .*/usr/lib/NetworkManager/dispatcher.d/50-sharedvip" > /dev/null ||
	fail "the NetworkManager dispatcher hook is not in the .deb"
dpkg-deb -c "$deb" | grep -- "-rwxr-xr-x .*/usr/lib/networkd-dispatcher/routable.d/50-sharedvip" > /dev/null ||
	fail "the networkd-dispatcher hook is not in the .deb"
for f in /usr/share/bash-completion/completions/sharedvipctl /usr/share/sharedvip/prometheus/sharedvip-alerts.yml; do
	dpkg-deb -c "$deb" | grep -q -- " \.$f" || fail "$f is not in the .deb"
done
echo "ok: make deb: lintian clean (pedantic, info), the ini a conffile, the initramfs trigger in place, the network managers' hooks, the bash completion and the alerting rules"

make -s rpm O="$tmp/b" > "$tmp/rpm.log" 2>&1 || fail "make rpm: $(tail -5 "$tmp/rpm.log")"
rpm=$(ls "$tmp"/b/packages/sharedvip-*.rpm)
out=$(rpmlint -r packaging/rpm/sharedvip.rpmlintrc "$rpm" 2>&1)
echo "$out" | grep -q "0 errors, 0 warnings" || fail "rpmlint: $(echo "$out" | grep -E ': (E|W):')"
rpm -qp --configfiles "$rpm" 2> /dev/null | grep /etc/sharedvip.ini > /dev/null || fail "the rpm's ini is not %config"
rpm -qlp "$rpm" 2> /dev/null | grep -x /usr/lib/NetworkManager/dispatcher.d/50-sharedvip > /dev/null ||
	fail "the NetworkManager dispatcher hook is not in the rpm"
rpm -qlp "$rpm" 2> /dev/null | grep -x /usr/lib/networkd-dispatcher/routable.d/50-sharedvip > /dev/null ||
	fail "the networkd-dispatcher hook is not in the rpm"
for f in /usr/share/bash-completion/completions/sharedvipctl /usr/share/sharedvip/prometheus/sharedvip-alerts.yml; do
	rpm -qlp "$rpm" 2> /dev/null | grep -qx "$f" || fail "$f is not in the rpm"
done
echo "ok: make rpm: rpmlint clean, the ini %config(noreplace), the network managers' hooks, the completion and the alerting rules"

# the udev rule: udev's own rule processing, for an added net device, queues the udev
# stage with the device's current name (udevadm test prints RUN programs, runs none)
trap 'rm -rf "$tmp"; rm -f /run/udev/rules.d/85-sharedvip.rules' EXIT
mkdir -p /run/udev/rules.d
cp udev/85-sharedvip.rules /run/udev/rules.d/
out=$(udevadm test --action=add /sys/class/net/lo 2>&1)
rm -f /run/udev/rules.d/85-sharedvip.rules
echo "$out" | grep -q "85-sharedvip.rules" || fail "udev did not read the rule: $(echo "$out" | tail -5)"
echo "$out" | grep -q "sharedvip-apply --link lo" || fail "udev does not run the stage for lo: $(echo "$out" | grep -i run | head)"
echo "ok: udev reads the rule and, on add of a net device, runs sharedvip-apply --link with its name"

# the initramfs hook and the dracut module, in a scratch root with an ini
bash -n initramfs/initramfs-tools/hooks/sharedvip || fail "hook syntax"
bash -n initramfs/dracut/90sharedvip/module-setup.sh || fail "dracut module syntax"
[ "$(sh initramfs/initramfs-tools/hooks/sharedvip prereqs)" = udev ] || fail "hook prereqs"
echo "ok: initramfs-tools hook and dracut module parse; the hook depends on udev's"
