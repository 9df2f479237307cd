#!/bin/bash
# The systemd units pass systemd-analyze verify against a `make install` tree, and the
# installed programs, manuals and units are where the contract says.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
make -s -C "$top" install DESTDIR="$root" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system > /dev/null || { echo "FAIL: make install"; exit 1; }
for p in sharedvip-apply sharedvipd sharedvipctl sharedvip-status; do
	[ -x "$root/usr/sbin/$p" ] || { echo "FAIL: no /usr/sbin/$p"; exit 1; }
done
for m in man8/sharedvip-apply.8 man8/sharedvipd.8 man8/sharedvip-status.8 man8/sharedvipctl.8 man5/sharedvip.ini.5; do
	[ -f "$root/usr/share/man/$m" ] || { echo "FAIL: no manual $m"; exit 1; }
	out=$(man --warnings -l "$root/usr/share/man/$m" 2>&1 > /dev/null)
	[ -z "$out" ] || { echo "FAIL: $m: $out"; exit 1; }
done
# verified against this host's units, with the programs where the install put them
mkdir "$root/verify"
for u in "$root"/lib/systemd/system/sharedvip*.service; do sed "s|/usr/sbin/|$root/usr/sbin/|g" "$u" > "$root/verify/${u##*/}"; done
out=$(systemd-analyze verify --man=no "$root"/verify/*.service 2>&1)
[ -z "$out" ] || { echo "FAIL: systemd-analyze verify: $out"; exit 1; }
# the daemon's unit: the node gives its buckets up however the daemon stops, and the unit
# never lands in failed for restarting too often
d="$root/lib/systemd/system/sharedvipd.service"
grep -qx 'ExecStopPost=/usr/sbin/sharedvip-apply --release' "$d" || { echo "FAIL: no ExecStopPost --release"; exit 1; }
grep -qx 'StartLimitIntervalSec=0' "$d" || { echo "FAIL: the daemon's unit has a start limit"; exit 1; }
grep -qx 'Restart=always' "$d" && ! grep -qx 'RestartSec=0' "$d" || { echo "FAIL: restart policy"; exit 1; }
# both units sandboxed: systemd-analyze security's exposure at most 3.0 ("OK")
scores=
for u in sharedvip sharedvipd; do
	score=$(systemd-analyze security --offline=yes "$root/verify/$u.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	[ -n "$score" ] && awk -v s="$score" 'BEGIN {exit !(s <= 3.0)}' || { echo "FAIL: $u.service exposure ${score:-unknown}"; exit 1; }
	scores="$scores $u.service $score"
done
echo "ok: programs in /usr/sbin, manuals clean under man --warnings, units pass systemd-analyze verify; the daemon's unit releases on stop and restarts without limit; exposure:$scores"
