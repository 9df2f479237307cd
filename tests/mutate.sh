#!/bin/bash
# Checks that the behaviour tests can fail: each mutant breaks one behaviour in a copy of
# the tree, and the test named with it must then fail. Run by hand (make mutants), as root.
cd "$(dirname "$0")/.." || exit 1
top=$PWD
work=$(mktemp -d /tmp/sharedvip-mutants.XXXXXX)
trap 'rm -rf "$work"' EXIT
survived=0 killed=0

# name @ file @ python expression on the source text s @ test that must fail
mutants=(
"no-seed@src/rulebuild.c@s.replace('nftnl_expr_set_u32(e, NFTNL_EXPR_HASH_SEED, key->seed);', '')@cluster"
"no-stray-drop@src/ruleset.c@s.replace('ret |= simple_rule(&rb, NF_DROP, \"stray\");', 'rb_end(&rb);')@established"
"no-established@src/ruleset.c@s.replace('m_ct_state(&rb, 0x6, \"established,related\");', 'm_ct_state(&rb, 0x0, \"established,related\");')@established"
"always-replace@src/apply.c@s.replace('replace[i] = !ret || strcmp(comment, rs->tables[i].comment);', 'replace[i] = 1;')@idempotent"
"no-announce@src/apply.c@s.replace('return announce_all(ap, mac);', 'return 0;')@session"
"no-snat@src/ruleset.c@s.replace('s_snat(&rb, &cfg->vips[i], lo, hi);', '')@local-flows"
"no-alt-names@src/apply.c@s.replace('if (**alt && !strcmp(cfg->interface, *alt))', 'if (0)')@link-stage"
"who-off-by-one@src/jhash.c@s.replace('return jhash_mod(key, len, cfg->seed, cfg->buckets);', 'return jhash_mod(key, len, cfg->seed + 1, cfg->buckets);')@cluster"
"no-iface-sysctl@src/plan.c@s.replace('\"net.ipv4.conf.%s.forwarding\", cfg->interface, \"0\");', '\"net.ipv4.conf.%s.forwarding\", cfg->interface, \"1\");')@idempotent"
"no-forwarding-guard@src/ruleset.c@s.replace('simple_rule(&rb, NF_DROP, \"not-local6\")', 'simple_rule(&rb, NF_ACCEPT, \"not-local6\")')@ipv6"
"no-nd-filter@src/ruleset.c@s.replace('m_not_bucket0(&rb, false, RS_SET_OWNED, sid(t, SET_OWNED));\n\t\tret |= simple_rule(&rb, NF_DROP, NULL);', 'm_not_bucket0(&rb, false, RS_SET_OWNED, sid(t, SET_OWNED));\n\t\tret |= simple_rule(&rb, NF_ACCEPT, NULL);')@ipv6"
"no-arp-filter@src/ruleset.c@s.replace('m_not_bucket0(&rb, true, RS_SET_OWNED, sid(t, SET_OWNED));\n\tret |= simple_rule(&rb, NF_DROP, NULL);', 'm_not_bucket0(&rb, true, RS_SET_OWNED, sid(t, SET_OWNED));\n\tret |= simple_rule(&rb, NF_ACCEPT, NULL);')@ipv6"
"no-nd-accept@src/ruleset.c@s.replace('ret |= nd_accept_rules(t, \"input\");', '')@ipv6"
"vip6-with-dad@src/rtnl.c@s.replace('mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);', '')@ipv6"
"shared-stable-secret@src/plan.c@s.replace('h[i] = jhash(perm_mac, 6, 0x5eed0000u + i);', 'h[i] = jhash(perm_mac, 0, 0x5eed0000u + i);')@ipv6"
"no-egress-rewrite@src/ruleset.c@s.replace('m_ether_saddr(&rb, cfg->shared_mac);', 'm_ether_saddr(&rb, send_mac);')@switch"
"no-link-egress@src/apply.c@s.replace('if (local->mode != MODE_SWITCH ||', 'if (1 ||')@switch"
"acquire-at-once@src/membership.c@s.replace('\tbool everyone = heard_everyone(m);\n', '\tbool everyone = heard_everyone(m);\n\treturn ACQUIRE_AGREED;\n')@failover"
"no-replay-check@src/membership.c@s.replace('if (p->known &&', 'if (0 &&')@failover"
"apply-grants-in-daemon-mode@src/ownership.c@s.replace('&& !force_static ? OWN_DAEMON', '&& !force_static && 0 ? OWN_DAEMON')@ownership"
"holddown-from-heard-peer@src/membership.c@s.replace('\tif (!membership_agreed(m) || unproven_may_serve(m, now))\n\t\treturn ACQUIRE_WAIT;', '\tif ((!membership_agreed(m) || unproven_may_serve(m, now)) && now - m->view_changed_ms < holddown_ms(m->cfg))\n\t\treturn ACQUIRE_WAIT;')@ownership"
"no-lease@src/ruleset.c@s.replace('if (in->leased) { /* the lease ran out', 'if (0) { /* the lease ran out')@ownership"
"no-stall-rejoin@src/daemon.c@s.replace('\t\t\tstalled(d, now_ms());', '\t\t\t(void)stalled;')@ownership"
"serve-without-link@src/daemon.c@s.replace('&& !d->stopping && d->watch.running &&', '&& !d->stopping &&')@ownership"
"no-instance-lock@src/daemon.c@s.replace('if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {', 'if (0) {')@ownership"
"no-release@src/apply.c@s.replace('\theld_after(k.held, k.owned, none, SV_MAX_BUCKETS);', '\tret = 0;\n\tgoto out;')@ownership"
"no-hmac-check@src/heartbeat.c@s.replace('if (sodium_memcmp(mac, msg + len - HB_MAC_LEN, HB_MAC_LEN))', 'if (0)')@failover"
"no-quorum@src/daemon.c@s.replace('(!quorum_rules(d) || !membership_quorum_lost(&d->m))', '(1)')@partition"
"corosync-no-quorum@src/daemon.c@s.replace('return d->corosync || d->cfg.failover.quorum == QUORUM_MAJORITY;', 'return d->cfg.failover.quorum == QUORUM_MAJORITY;')@corosync"
"corosync-dead-timer@src/membership.c@s.replace('\tif (m->group.mode)\n\t\treturn false; /* see membership_next_death */', '')@corosync"
"corosync-hung-kept@src/membership.c@s.replace('\tm->group.flowed = true, m->group.last_flow_ms = now;\n', '\tm->group.flowed = true, m->group.last_flow_ms = now;\n\treturn false;\n')@corosync"
"corosync-no-lost@src/daemon.c@s.replace('\t\t\t\tcorosync_lost(d, now_ms());', '\t\t\t\t(void)corosync_lost;')@corosync"
"agent-monitor-blind@ocf/sharedvip@s.replace('pid=\$(daemon_pid) || return \$OCF_NOT_RUNNING\n\tst=', 'pid=\$(daemon_pid) || return \$OCF_SUCCESS\n\tst=')@pacemaker"
"no-leave-announce@src/daemon.c@s.replace('send_heartbeats(d, HB_LEAVING);', 'send_heartbeats(d, 0);')@failover"
"drain-ignored@src/membership.c@s.replace('p->draining = (hb->flags & HB_DRAINING) != 0;', 'p->draining = false;')@failover"
"no-apply-lock@src/apply.c@s.replace('if (fd >= 0 && flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {', 'if (fd >= 0 && wait && 0) {')@netmanagers"
"no-link-up-hook@src/sharedvip-apply.c@s.replace('if (!apply_is_interface(&cfg, ifname, alt))', 'if (1)')@netmanagers"
"no-link-watch@src/daemon.c@s.replace('if (d->reapply_ms && now >= d->reapply_ms)', 'if (0)')@restore"
"raise-downed-link@src/daemon.c@s.replace('.leave_link_down = true', '.leave_link_down = false').replace('if (!d->watch.ifindex || !d->watch.up)', 'if (!d->watch.ifindex)')@restore"
"no-eui64-warning@src/apply.c@s.replace('\twarn_mac_derived(ap, p, addrs, n);', '\t(void)warn_mac_derived;')@link-stage"
"no-held-release@src/apply.c@s.replace('release_idle(&ap, owned, held);', '(void)release_idle;')@established"
"daemon-keeps-held@src/daemon.c@s.replace('if (ret <= 0 || d->ct_stale)', 'if (ret <= 0 || d->ct_stale || ret)')@restore"
"no-netlink-recovery@src/netlink.c@s.replace('if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)\n\t\ta->interrupted = true;', 'if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)\n\t\ta->interrupted = a->done = true;').replace('if (nlh->nlmsg_seq != seq)', 'if (nlh->nlmsg_seq != seq && 0)')@robust"
"control-timeout-is-success@src/control.c@s.replace('return got ? 0 : -ENODATA;', 'return 0;').replace('\t\treturn -ETIMEDOUT;', '\t\treturn 0;')@robust"
"blocking-apply-lock@src/daemon.c@s.replace('.no_wait = true', '.no_wait = false')@robust"
"no-fail-open@src/membership.c@s.replace('m->fail_open = !any_healthy;', 'm->fail_open = false;')@health"
"reset-where-service-gone@src/ruleset.c@s.replace('if (need_socket)\n\t\tm_socket_exists(&rb);', 'if (need_socket && 0)\n\t\tm_socket_exists(&rb);').replace('\t\tm_socket_exists(&rb);\n\t\tret |= simple_rule', '\t\tret |= simple_rule')@health"
"check-blocks-loop@src/daemon.c@s.replace('\td->check_pid = child_spawn(d->cfg.health.command, env);', '\td->check_pid = child_spawn(d->cfg.health.command, env);\n\tif (d->check_pid > 0)\n\t\twaitpid(d->check_pid, NULL, 0);')@health"
"incarnation-from-clock@src/daemon.c@s.replace('\tif (last >= next)\n\t\tnext = last + 1;', '\tif (last >= next && 0)\n\t\tnext = last + 1;')@freshness"
"heartbeat-from-anywhere@src/daemon.c@s.replace('if (!from_node(d, hb->node, from)) {', 'if (!from_node(d, hb->node, from) && 0) {')@failover"
"ingress-ignores-held@src/nft.c@s.replace(': owned[b] || (held && held[b]);', ': owned[b];')@established"
"no-echo-check@src/membership.c@s.replace('return m->incarnation ? echo == hb_echo_of(m->incarnation) : true;', 'return echo || true;')@attacks"
"no-node-signature@src/daemon.c@s.replace('\treturn !d->signs;\n}', '\treturn true;\n}')@attacks"
"no-accept-key@src/daemon.c@s.replace('(!access(path, F_OK) && read_key(path, &accept))', '(!access(path, F_OK) && 0)')@rotation"
"accept-bad-vip@src/config.c@s.replace('perr(p, p->lineno, \"vip: \`%s\\' is not an IPv4 or IPv6 address\", s);', '')@config-errors"
)
for m in "${mutants[@]}"; do
	IFS=@ read -r name file expr test <<< "$m"
	[ -z "${MUTANT:-}" ] || [ "$MUTANT" = "$name" ] || continue
	rm -rf "$work/tree" && mkdir "$work/tree"
	cp -r src tests ocf Makefile "$work/tree/"
	python3 -c "import sys; p=sys.argv[1]; s=open(p).read(); t=$expr; assert t != s, 'mutation did not apply'; open(p,'w').write(t)" \
		"$work/tree/$file" || { echo "BROKEN MUTANT $name"; survived=$((survived + 1)); continue; }
	if ! make -s -C "$work/tree" WERROR=1 all tools > "$work/log" 2>&1; then
		echo "killed by the compiler: $name"; killed=$((killed + 1)); continue
	fi
	if SV_BIN="$work/tree/build" bash "$top/tests/netns/$test.sh" > "$work/log" 2>&1; then
		echo "SURVIVED: $name (tests/netns/$test.sh passed on a broken build)"
		survived=$((survived + 1))
	else
		echo "killed: $name by $test: $(grep -m1 FAIL "$work/log")"
		killed=$((killed + 1))
	fi
done
echo "mutants: $killed killed, $survived survived"
[ "$survived" = 0 ]
