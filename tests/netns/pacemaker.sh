#!/bin/bash
# The OCF resource agent ocf:sharedvip:sharedvip: it passes ocf-tester and the OCF
# meta-data DTD, and runs under a real Pacemaker (Debian's pacemaker on corosync 3, three
# nodes of the simulated LAN, each in its own mount and UTS namespace) as an anonymous
# clone: started on every node, every bucket owned once; a node in standby gives its
# buckets to the others; a killed sharedvipd is found by the monitor and Pacemaker starts
# it again. All under client load: no connection answered with two different SYN-ACKs, no
# reset from the VIP, no DNS query answered twice.
. "$(dirname "$0")/../lib.sh"

for p in corosync pacemakerd ocf-tester crm_mon xmllint; do
	command -v "$p" > /dev/null || fail "$p is not installed (tests/install-deps.sh installs it)"
done
AGENT=$(cd "$SV_BIN/.." && pwd)/ocf/sharedvip # the agent of the tree under test

# the meta-data against the OCF DTD
"$AGENT" meta-data > "$TMP/meta.xml"
xmllint --noout --dtdvalid /usr/share/resource-agents/ra-api-1.dtd "$TMP/meta.xml" 2> "$TMP/dtd" ||
	fail "the meta-data is not valid against ra-api-1.dtd: $(cat "$TMP/dtd")"
pass "the agent's meta-data is valid against the OCF resource agent DTD"

CLIENTS=${CLIENTS:-200}
make_lan "$CLIENTS"
for i in 1 2 3; do add_node; done
write_config "$TMP/c.ini" 3
printf '[failover]\nmembership = corosync\n' >> "$TMP/c.ini"
apply_all "$TMP/c.ini" # the servers need the VIP; the agent's start applies it again
start_servers
for i in 1 2 3; do
	# the agent as this node has it installed: its programs from this build, and the run and
	# state directories separate machines would each have (Pacemaker passes no environment)
	mkdir -p "$TMP/stack$i/ocf/sharedvip" "$TMP/run$i" "$TMP/state$i"
	sed -e "s|^SBIN=.*|SBIN=$SV_BIN|" \
		-e "s|^RUN_DIR=.*|RUN_DIR=$TMP/run$i; export SHAREDVIP_RUN_DIR=$TMP/run$i SHAREDVIP_STATE_DIR=$TMP/state$i|" \
		"$AGENT" > "$TMP/stack$i/ocf/sharedvip/sharedvip"
	chmod 0755 "$TMP/stack$i/ocf/sharedvip/sharedvip"
	OCF_DIR=$TMP/stack$i/ocf stack_node "$i"
done
corosync_conf 3
for i in 1 2 3; do start_corosync "$i"; done
for ((k = 0; k < 200; k++)); do quorate 1 && quorate 2 && quorate 3 && break; sleep 0.1; done
quorate 1 && quorate 2 && quorate 3 || fail "corosync did not form a quorate membership"

# ocf-tester on node1, with corosync running and Pacemaker not yet
out=$(in_stack 1 ocf-tester -n vip -o config="$TMP/c.ini" -o node=node1 -o logfile="$TMP/d1.log" \
	/usr/lib/ocf/resource.d/sharedvip/sharedvip 2>&1) || fail "ocf-tester: $out"
echo "$out" | grep -q "passed all tests" || fail "ocf-tester: $out"
[ -z "$(owned 1)" ] || fail "node1 owns $(owned 1 | wc -l) buckets after ocf-tester stopped the agent"
pass "ocf-tester: the agent passed all tests (start, monitor, stop, validate-all, meta-data; twice each where it asks)"

# Pacemaker on every node, then the clone
for i in 1 2 3; do (exec nsenter -t "${HOLD[$i]}" -m -u -n pacemakerd > "$TMP/pcmk$i.log" 2>&1) & PIDS+=($!); done
crm() { in_stack 1 "$@"; }
for ((k = 0; k < 600; k++)); do
	crm crm_mon -1 2> /dev/null | grep -q "Online: \[ node1 node2 node3 \]" && crm crm_mon -1 | grep -q "Current DC: node" && break
	sleep 0.1
done
crm crm_mon -1 | grep -q "Online: \[ node1 node2 node3 \]" || fail "Pacemaker did not come up: $(crm crm_mon -1 2>&1 | head -20)"
crm crm_attribute -t crm_config -n stonith-enabled -v false
crm cibadmin -C -o resources -X "<clone id=\"vip-clone\"><primitive id=\"vip\" class=\"ocf\" provider=\"sharedvip\" type=\"sharedvip\">
	<instance_attributes id=\"vip-params\"><nvpair id=\"vip-config\" name=\"config\" value=\"$TMP/c.ini\"/></instance_attributes>
	<operations><op id=\"vip-monitor\" name=\"monitor\" interval=\"2s\" timeout=\"20s\"/></operations>
	</primitive></clone>" || fail "cibadmin refused the clone"
shares_settled 30 1 2 3 || fail "the clone started: $(union_owned 1 2 3); $(crm crm_mon -1 2>&1 | tail -8)"
pass "Pacemaker runs the agent as a clone on node1..node3: every bucket owned once"

LOAD_MIN_SYNACKS=50

# a node in standby: its instance stops, the others own every bucket; back online: its share returns
under_load 20
sleep 1
crm crm_attribute -t nodes -N node2 -n standby -v on
for ((k = 0; k < 200; k++)); do [ -z "$(owned 2)" ] && [ "$(union_owned 1 3)" = "1024 0" ] && break; sleep 0.1; done
[ -z "$(owned 2)" ] && [ "$(union_owned 1 3)" = "1024 0" ] ||
	fail "node2 in standby: it owns $(owned 2 | wc -l), nodes 1 and 3 $(union_owned 1 3)"
crm crm_attribute -t nodes -N node2 -n standby -v off
wait_converged 30 1 2 3 || fail "node2 online again: $(union_owned 1 2 3)"
load_done standby
pass "node2 in standby: its buckets moved to nodes 1 and 3; online again, its share returned; $LOAD_SUMMARY"

# a killed daemon: the monitor finds it, Pacemaker recovers the instance
under_load 20
sleep 1
pid=$(cat "$TMP/run3/sharedvipd.pid")
kill -9 "$pid"
for ((k = 0; k < 300; k++)); do
	new=$(cat "$TMP/run3/sharedvipd.pid" 2> /dev/null)
	[ -n "$new" ] && [ "$new" != "$pid" ] && kill -0 "$new" 2> /dev/null && converged 1 2 3 && break
	sleep 0.1
done
[ -n "$new" ] && [ "$new" != "$pid" ] || fail "Pacemaker did not start node3's sharedvipd again: $(crm crm_mon -1 2>&1 | tail -8)"
wait_converged 30 1 2 3 || fail "after the recovery: $(union_owned 1 2 3)"
crm crm_mon -1 2>&1 | grep -q "vip.*node3.*not running\|Failed Resource Actions" ||
	fail "Pacemaker saw no failed monitor on node3: $(crm crm_mon -1 2>&1 | tail -8)"
load_done recovery
pass "node3's sharedvipd killed: the monitor found it, Pacemaker started it again (pid $pid -> $new), its share returned; $LOAD_SUMMARY"
