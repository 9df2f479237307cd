# SPDX-License-Identifier: GPL-2.0-or-later
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
MANDIR ?= $(PREFIX)/share/man
UDEVDIR ?= $(shell $(PKG_CONFIG) --variable=udevdir udev 2>/dev/null || echo /lib/udev)
INITRAMFSDIR ?= $(PREFIX)/share/initramfs-tools
DRACUTDIR ?= $(PREFIX)/lib/dracut/modules.d
# the network managers' hook directories are theirs, wherever sharedvip goes
IFUPDOWNDIR ?= $(SYSCONFDIR)/network/if-up.d
NMDISPATCHERDIR ?= /usr/lib/NetworkManager/dispatcher.d
NETWORKDDISPATCHERDIR ?= /usr/lib/networkd-dispatcher/routable.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DATADIR ?= $(PREFIX)/share/sharedvip
# the OCF resource agents' root is fixed (OCF_ROOT), wherever sharedvip goes
OCFDIR ?= /usr/lib/ocf/resource.d
SYSTEMDUNITDIR ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
PKG_CONFIG ?= pkg-config
ifeq ($(SANITIZE),1)
O ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
O ?= build
endif

VERSION := $(shell sed -n 's/.*SHAREDVIP_VERSION "\(.*\)"/\1/p' src/version.h)
LIBS := libmnl libnftnl inih libudev libsodium
CFLAGS ?= -O2 -g
# -Werror only where we build (make check, CI: WERROR=1): a newer compiler's new warning
# must not break a user's build
override CFLAGS += -std=gnu11 -pthread -Wall -Wextra -MMD -MP $(SANFLAGS) $(if $(filter 1,$(WERROR)),-Werror)
# each program loads only the libraries of the objects it uses (libsodium: the daemon's)
override LDFLAGS += $(SANFLAGS) -pthread -Wl,--as-needed
override CPPFLAGS += -D_GNU_SOURCE $(shell $(PKG_CONFIG) --cflags $(LIBS) 2>/dev/null)
override LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS) 2>/dev/null)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The pure core never touches the kernel; the kernel layer speaks netlink; mains wire them.
CORE := common strbuf addr hashmode config health metrics events assign jhash identity plan rulebuild ruleset heartbeat ownership membership ctlproto
KERNEL := netlink nft conntrack sockdiag child journal rtnl sysctl garp udevnames netmanager linkwatch corosync renewer control notify apply status daemon
CORE_OBJS := $(CORE:%=$(O)/%.o)
KERNEL_OBJS := $(KERNEL:%=$(O)/%.o)
PROGS := $(O)/sharedvip-apply $(O)/sharedvip-status $(O)/sharedvipd $(O)/sharedvipctl
# what the behaviour tests need besides the programs: hbforge, the attacker
TEST_TOOLS := $(O)/hbforge
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/%,$(wildcard tests/unit/test-*.c))

all: $(PROGS)

$(O)/%.o: src/%.c | $(O)
	@echo "  CC      $@"
	$(Q)$(COMPILE.c) -o $@ $<

$(O)/test-%.o: tests/unit/test-%.c | $(O)
	@echo "  CC      $@"
	$(Q)$(COMPILE.c) -Isrc -o $@ $<

# an archive, so that each program takes only the objects it needs
$(O)/libsharedvip.a: $(CORE_OBJS) $(KERNEL_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/sharedvip%: $(O)/sharedvip%.o $(O)/libsharedvip.a
	@echo "  LD      $@"
	$(Q)$(LINK.o) -o $@ $^ $(LDLIBS)

$(O)/test-%: $(O)/test-%.o $(CORE_OBJS)
	@echo "  LD      $@"
	$(Q)$(LINK.o) -o $@ $^ $(LDLIBS)

$(O)/hbforge: tests/tools/hbforge.c $(O)/heartbeat.o $(O)/common.o | $(O)
	@echo "  LD      $@"
	$(Q)$(LINK.c) -Isrc -o $@ $^ $(LDLIBS)

tools: $(TEST_TOOLS)

$(O):
	@mkdir -p $@

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do $$t; done

deps:
	./tests/install-deps.sh

# make check: dependencies, the build, unit tests with and without sanitizers, then the
# behaviour tests in network namespaces against the sanitizer build (tests/check.sh).
check: deps
	WERROR=1 ./tests/check.sh

# libFuzzer on every parser of untrusted input, FUZZ_SECONDS each: the config file reader
# and all it feeds (assignment, plan, ruleset); the heartbeat decoder, membership and the
# ownership step; the control protocol and the metrics endpoint's requests
FUZZ_SECONDS ?= 15
FUZZ_CC := clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc
FUZZ_SRCS := $(patsubst %,src/%.c,$(filter-out identity heartbeat membership,$(CORE)))
$(O)/fuzz-config: tests/fuzz/fuzz-config.c $(FUZZ_SRCS) | $(O)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $^ $(shell $(PKG_CONFIG) --cflags --libs libnftnl libmnl inih) -o $@
$(O)/fuzz-heartbeat: tests/fuzz/fuzz-heartbeat.c src/heartbeat.c src/membership.c src/ownership.c src/assign.c \
		src/config.c src/addr.c src/hashmode.c src/common.c src/strbuf.c | $(O)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $^ $(shell $(PKG_CONFIG) --cflags --libs libsodium inih) -o $@
$(O)/fuzz-control: tests/fuzz/fuzz-control.c src/ctlproto.c src/metrics.c src/common.c src/strbuf.c | $(O)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $^ -o $@
fuzz: $(O)/fuzz-config $(O)/fuzz-heartbeat $(O)/fuzz-control
	@mkdir -p $(O)/fuzz-corpus $(O)/fuzz-corpus-heartbeat $(O)/fuzz-corpus-control
	$(O)/fuzz-config -max_total_time=$(FUZZ_SECONDS) -max_len=2048 $(O)/fuzz-corpus tests/fuzz/corpus
	$(O)/fuzz-heartbeat -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(O)/fuzz-corpus-heartbeat
	$(O)/fuzz-control -max_total_time=$(FUZZ_SECONDS) -max_len=8192 $(O)/fuzz-corpus-control tests/fuzz/corpus-control

# clang-format and cppcheck stay quiet
lint:
	shellcheck -s sh ocf/sharedvip
	clang-format --dry-run --Werror src/*.c src/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/tools/*.c bench/flood.c bench/loop.c
	cppcheck --quiet --enable=warning,style,performance,portability --std=c11 --inline-suppr --error-exitcode=1 \
		-Isrc $(shell $(PKG_CONFIG) --cflags-only-I $(LIBS)) --suppress=missingIncludeSystem src tests/unit bench/flood.c bench/loop.c

# each behaviour test must fail on a build that breaks its behaviour
mutants: deps
	./tests/mutate.sh

bench: deps all
	./bench/apply
	./bench/loop
	./bench/drop
	./bench/egress
	./bench/failover
	./bench/scale
	./bench/serve

demo: deps all
	./tests/demo.sh $(O)

install: all
	install -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man7"
	install -m 0755 $(PROGS) "$(DESTDIR)$(SBINDIR)/"
	install -m 0644 man/*.8 "$(DESTDIR)$(MANDIR)/man8/"
	install -m 0644 man/*.5 "$(DESTDIR)$(MANDIR)/man5/"
	install -m 0644 man/*.7 "$(DESTDIR)$(MANDIR)/man7/"
	install -d "$(DESTDIR)$(OCFDIR)/sharedvip"
	sed 's|^SBIN=.*|SBIN=$${SHAREDVIP_SBIN:-$(SBINDIR)}|' ocf/sharedvip > "$(DESTDIR)$(OCFDIR)/sharedvip/sharedvip"
	chmod 0755 "$(DESTDIR)$(OCFDIR)/sharedvip/sharedvip"
	install -d "$(DESTDIR)$(SYSCONFDIR)"
	test -e "$(DESTDIR)$(SYSCONFDIR)/sharedvip.ini" || install -m 0644 etc/sharedvip.ini "$(DESTDIR)$(SYSCONFDIR)/sharedvip.ini"
	install -d "$(DESTDIR)$(SYSTEMDUNITDIR)" "$(DESTDIR)$(UDEVDIR)/rules.d" "$(DESTDIR)$(INITRAMFSDIR)/hooks" \
		"$(DESTDIR)$(DRACUTDIR)/90sharedvip" "$(DESTDIR)$(IFUPDOWNDIR)" "$(DESTDIR)$(NMDISPATCHERDIR)" \
		"$(DESTDIR)$(NETWORKDDISPATCHERDIR)"
	install -m 0644 systemd/sharedvip.service systemd/sharedvipd.service "$(DESTDIR)$(SYSTEMDUNITDIR)/"
	install -m 0644 udev/85-sharedvip.rules "$(DESTDIR)$(UDEVDIR)/rules.d/"
	install -m 0755 initramfs/initramfs-tools/hooks/sharedvip "$(DESTDIR)$(INITRAMFSDIR)/hooks/"
	install -m 0755 initramfs/dracut/90sharedvip/module-setup.sh "$(DESTDIR)$(DRACUTDIR)/90sharedvip/"
	install -m 0755 netmanager/ifupdown/sharedvip "$(DESTDIR)$(IFUPDOWNDIR)/"
	install -m 0755 netmanager/NetworkManager/50-sharedvip "$(DESTDIR)$(NMDISPATCHERDIR)/"
	install -m 0755 netmanager/networkd-dispatcher/50-sharedvip "$(DESTDIR)$(NETWORKDDISPATCHERDIR)/"
	install -d "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(DATADIR)/prometheus"
	install -m 0644 completion/sharedvip "$(DESTDIR)$(BASHCOMPDIR)/sharedvip-apply"
	for p in sharedvipd sharedvipctl sharedvip-status; do ln -sf sharedvip-apply "$(DESTDIR)$(BASHCOMPDIR)/$$p"; done
	install -m 0644 packaging/prometheus/sharedvip-alerts.yml "$(DESTDIR)$(DATADIR)/prometheus/"

# packages, built in a scratch copy of the tree; they land in $(O)/packages
deb:
	rm -rf $(O)/deb && mkdir -p $(O)/deb/src $(O)/packages
	git ls-files -z | xargs -0 cp --parents -t $(O)/deb/src
	cp -r packaging/debian $(O)/deb/src/debian
	cd $(O)/deb/src && dpkg-buildpackage -us -uc -b
	mv $(O)/deb/*.deb $(O)/packages/

rpm:
	rm -rf $(O)/rpm && mkdir -p $(O)/rpm/SOURCES $(O)/packages
	git ls-files -z | tar --null -T - --transform 's,^,sharedvip-$(VERSION)/,' -czf $(O)/rpm/SOURCES/sharedvip-$(VERSION).tar.gz
	rpmbuild -bb --nodeps --define "_topdir $(abspath $(O))/rpm" --define "version_ $(VERSION)" packaging/rpm/sharedvip.spec
	mv $(O)/rpm/RPMS/*/*.rpm $(O)/packages/

clean:
	rm -rf build build-san

.SECONDARY:
.PHONY: all tools unit deps check lint fuzz demo mutants bench install deb rpm clean
-include $(O)/*.d
