#!/bin/bash
# dracut module: sharedvip-apply, the config and the udev rule in the initramfs, so the
# MAC is shared from the moment the NIC appears. Run `dracut -f` after changing
# /etc/sharedvip.ini. dracut does not rename interfaces in early boot: sharedvip-apply
# --link recognises the interface by udev's predictable names too.

check() {
	require_binaries sharedvip-apply || return 1
	[ -r /etc/sharedvip.ini ] || return 255
	return 0
}

depends() {
	echo udev-rules
	return 0
}

installkernel() {
	instmods nf_tables
}

install() {
	inst_multiple sharedvip-apply
	inst_simple /etc/sharedvip.ini
	inst_rules 85-sharedvip.rules
}
