#!/bin/bash
# Everything `make check` runs: the build, the unit tests of the pure core with and without
# AddressSanitizer and UndefinedBehaviorSanitizer, then the behaviour tests in network
# namespaces against the sanitizer build. The last line counts them all.
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 failures=()

run() {
	local name=$1
	shift
	local start=$SECONDS
	if "$@" > "$log" 2>&1; then
		passed=$((passed + 1))
		grep -h '^ok:\|passed' "$log" | sed 's/^/    /'
		echo "PASS $name ($((SECONDS - start)) s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		sed 's/^/    /' "$log" | tail -30
		echo "FAIL $name ($((SECONDS - start)) s)"
	fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

export WERROR=${WERROR:-1} # every build here fails on a warning
make -s all || { echo "0 passed, 1 failed"; exit 1; }
make -s tools && make -s SANITIZE=1 all tools ||
	{ echo "0 passed, 1 failed"; exit 1; }
run "lint (clang-format, cppcheck)" make -s lint
run "fuzz the config reader, the heartbeats and the control protocol (${FUZZ_SECONDS:-15} s each)" make -s fuzz
for san in 0 1; do
	b=$([ $san = 1 ] && echo build-san || echo build)
	for t in tests/unit/test-*.c; do
		name=$(basename "$t" .c)
		make -s SANITIZE=$san "$b/$name" || { failed=$((failed + 1)); continue; }
		run "$name ($b)" "$b/$name"
	done
done
if [ "$(id -u)" = 0 ]; then
	for t in tests/netns/*.sh; do
		# scale runs the plain build: 64 sanitizer daemons (300 MB and several times the
		# CPU each) do not fit two cores; its code runs under the sanitizers everywhere else
		b=$([ "$t" = tests/netns/scale.sh ] && echo build || echo build-san)
		run "$(basename "$t" .sh)" env SV_BIN="$PWD/$b" bash "$t"
	done
	# again where the interface has a VLAN-style name (a dot: sysctl keys, chains, logs)
	for t in cluster idempotent failover ownership restore robust; do
		run "$t (interface eth0.100)" env SV_BIN="$PWD/build-san" SV_IFACE=eth0.100 bash "tests/netns/$t.sh"
	done
	# the boot test in a VM: the package, udev, initramfs and systemd together
	[ "${SKIP_BOOT:-0}" = 1 ] || run "boot (QEMU)" bash tests/boot/run.sh
else
	echo "SKIP behaviour tests: they need root (network namespaces)"
fi
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
