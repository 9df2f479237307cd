# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the behaviour tests and the demo: a simulated cluster in network namespaces.
#
#   client (10.9.0.0/16, hundreds of addresses) -- router -- hub -- node1..nodeN
#
# The hub is a Linux bridge in its own namespace with learning off on every port, so it
# floods every frame like a hub; with HUB_LEARNING=1 it is a learning switch instead.
# Nothing here touches the root namespace.

set -u
SV_BIN=${SV_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}
# the nodes' LAN interface; SV_IFACE=eth0.100 runs a test with a VLAN-style name (a dot)
IF=${SV_IFACE:-eth0}
IFK=${IF//./\/} # as sysctl(8) names it in a key
P=sv$$-
TMP=$(mktemp -d /tmp/sharedvip-test.XXXXXX)
VIP=192.168.0.2
GW=192.168.0.1
VIP6=2001:db8::2
GW6=2001:db8::1
UPSTREAM=10.9.255.253   # a server on the client side, for flows the nodes open themselves
UPSTREAM6=2001:db8:9::fffd
NODES=0
PIDS=()

rt() { ip netns exec "${P}r" "$@"; }
cl() { ip netns exec "${P}c" "$@"; }
sw() { ip netns exec "${P}sw" "$@"; }
# on node i; its sharedvipd's control socket lives in a directory of its own
nd() { local i=$1; shift; ip netns exec "${P}n$i" env SHAREDVIP_RUN_DIR="$TMP/run$i" SHAREDVIP_STATE_DIR="$TMP/state$i" "$@"; }
client_addr() { echo "10.9.$(( $1 / 250 )).$(( $1 % 250 + 1 ))"; }
client_addr6() { printf '2001:db8:9::%x\n' $(( $1 + 1 )); }

cleanup() {
	[ -z "${KEEP_LOGS:-}" ] || cp -r "$TMP" "$KEEP_LOGS"
	local pid ns
	# a test that changed something outside its namespaces puts it back here
	[ -z "${ON_CLEANUP:-}" ] || "$ON_CLEANUP"
	# a stopped process (a test's SIGSTOP) takes its SIGTERM only once continued
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; kill -CONT "$pid" 2>/dev/null; done
	# whatever has not ended after 5 s is killed: a test never hangs on its cleanup (seen:
	# a sanitizer build's daemon spinning in LeakSanitizer's exit check, now and then)
	local k alive
	for ((k = 0; k < 50; k++)); do
		alive=
		for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do pkill -9 -P "$pid" 2>/dev/null; kill -9 "$pid" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep "^${P}"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
bg() { "$@" & PIDS+=($!); }

# ns_init NAME: a namespace with loopback up and the IPv4 values the tests rely on
# (new namespaces inherit some of the root namespace's IPv4 sysctls).
ns_init() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.send_redirects=1 \
		net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.send_redirects=1
}

# make_lan N_CLIENTS: router, client, hub; nodes come from add_node.
make_lan() {
	local n=$1 i batch
	ns_init "${P}sw"; ns_init "${P}r"; ns_init "${P}c"
	sw ip link add br0 type bridge
	sw ip link set br0 up
	# a hub, not a firewall: bridged frames skip iptables/nftables where br_netfilter is loaded
	sw sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
		net.bridge.bridge-nf-call-arptables=0 2> /dev/null || true
	ip -n "${P}r" link add lan type veth peer name p0 netns "${P}sw"
	sw ip link set p0 master br0 up
	[ "${HUB_LEARNING:-0}" = 1 ] || sw bridge link set dev p0 learning off
	rt ip addr add "$GW/24" dev lan
	rt ip addr add "$GW6/64" dev lan nodad
	rt ip link set lan up
	ip -n "${P}r" link add wan type veth peer name c0 netns "${P}c"
	rt ip addr add 10.9.255.254/16 dev wan
	rt ip addr add 2001:db8:9::ffff/64 dev wan nodad
	rt ip link set wan up
	rt sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	cl ip link set c0 up
	batch=$TMP/client-addrs
	: > "$batch"
	for ((i = 0; i < n; i++)); do
		echo "addr add $(client_addr "$i")/16 dev c0" >> "$batch"
		echo "addr add $(client_addr6 "$i")/64 dev c0 nodad" >> "$batch"
	done
	echo "addr add $UPSTREAM/16 dev c0" >> "$batch"
	echo "addr add $UPSTREAM6/64 dev c0 nodad" >> "$batch"
	cl ip -batch "$batch"
	cl ip route add default via 10.9.255.254
	cl ip -6 route add default via 2001:db8:9::ffff
	# The router counts what crosses it towards the clients.
	rt nft -f "$(dirname "${BASH_SOURCE[0]}")/router-count.nft"
}

counter() { rt nft list counter "${2:-inet}" count "$1" | awk '/packets/ {print $2}'; }
reset_counters() { rt nft reset counters table inet count > /dev/null; rt nft reset counters table arp count > /dev/null; }

# add_node: node$NODES with a veth $IF on the hub, link down as at boot.
add_node() {
	NODES=$((NODES + 1))
	local i=$NODES
	ns_init "${P}n$i"
	ip -n "${P}n$i" link add $IF type veth peer name p$i netns "${P}sw"
	sw ip link set "p$i" master br0 up
	[ "${HUB_LEARNING:-0}" = 1 ] || sw bridge link set dev "p$i" learning off
	nd "$i" sysctl -qw net.ipv4.conf.$IFK.forwarding=0 net.ipv4.conf.$IFK.send_redirects=1 2>/dev/null || true
}

# write_config FILE N [WEIGHTS...]: the cluster's ini, identical on every node.
write_config() {
	local file=$1 n=$2 i
	shift 2
	{
		echo "[cluster]"
		echo "interface = $IF"
		if [ "${IPV6:-0}" = 1 ]; then echo "vip = $VIP, $VIP6"; echo "gateway = $GW, $GW6"
		else echo "vip = $VIP"; echo "gateway = $GW"; fi
		[ -n "${MODE:-}" ] && echo "mode = $MODE"
		echo "buckets = ${BUCKETS:-1024}"
		echo "seed = ${SEED:-0}"
		[ -n "${AFFINITY:-}" ] && echo "affinity = $AFFINITY"
		[ -n "${SERVICES:-}" ] && echo "services = $SERVICES"
		for ((i = 1; i <= n; i++)); do
			echo
			echo "[node node$i]"
			if [ "${IPV6:-0}" = 1 ]; then echo "address = 192.168.0.$((10 + i))/24, 2001:db8::$((10 + i))/64"
			else echo "address = 192.168.0.$((10 + i))/24"; fi
			[ $# -ge "$i" ] && echo "weight = ${!i}"
		done
	} > "$file"
}

# write_failover FILE [KEY=VALUE...]: adds a [failover] section and a key to a config.
write_failover() {
	local file=$1 kv
	shift
	[ -f "$TMP/key" ] || { head -c 32 /dev/urandom > "$TMP/key"; chmod 600 "$TMP/key"; }
	{
		echo
		echo "[failover]"
		echo "key_file = $TMP/key"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >> "$file"
}

# start_daemon I CONFIG: sharedvipd on node I, its log in $TMP/d$I.log
start_daemon() {
	# exec all the way down, so that $! is the daemon itself (kill -9 must hit it); with
	# KEYS_PER_NODE=1 the daemon sees $TMP/keys/nodeI at $TMP/keydir (a mount of its own,
	# in the mount namespace ip netns exec makes), as separate machines have their own keys
	local bind=
	[ "${KEYS_PER_NODE:-0}" = 1 ] && bind="mount --bind $TMP/keys/node$1 $TMP/keydir && "
	(exec ip netns exec "${P}n$1" env SHAREDVIP_RUN_DIR="$TMP/run$1" SHAREDVIP_STATE_DIR="$TMP/state$1" \
		sh -c "${bind}exec \"\$0\" \"\$@\"" "$SV_BIN/sharedvipd" -c "$2" --node "node$1" \
		>> "$TMP/d$1.log" 2>&1) &
	DPID[$1]=$!
	PIDS+=($!)
}

# owned I: the buckets node I's kernel accepts new connections for, one a line, sorted: the
# owned set's members, and none once sharedvipd's lease (the lease set's one element, which
# the kernel stops listing when it expires) has run out
owned() {
	nd "$1" nft list table inet sharedvip 2>/dev/null | tr -d '\n' |
		sed -n '/set lease {[^}]*flags timeout[[:space:]]*}/q; s/.*set owned {[^}]*elements = {\([^}]*\)}.*/\1/p' |
		tr ',' '\n' | awk 'NF {print $1}' | sort
}

# synack_start: capture the VIP's SYN-ACKs, resets and DNS answers at the router (towards the clients) until synack_stop
synack_start() {
	SYNACK_LOG=$TMP/synack.$RANDOM
	# exec all the way down, so that $! is tcpdump itself
	(exec ip netns exec "${P}r" tcpdump -i lan -nn -S -l -tt -Q in \
		"(src host $VIP and (tcp[13] & 18 == 18 or tcp[13] & 4 != 0 or udp src port 53)) or
		 (src host $VIP6 and (ip6[53] & 18 == 18 or ip6[53] & 4 != 0))" \
		> "$SYNACK_LOG" 2> /dev/null) &
	SYNACK_PID=$!
	PIDS+=($SYNACK_PID)
	sleep 0.3
}
synack_stop() { sleep 0.3; kill "$SYNACK_PID" 2> /dev/null; wait "$SYNACK_PID" 2> /dev/null; }
# synack_doubles: client connections answered with two different SYN-ACK sequence numbers.
# A connection is the client's address, port and initial sequence number (the SYN-ACK
# acknowledges it; absolute numbers, -S): a retransmitted SYN-ACK repeats its number, and
# a port the client reuses a moment later is another connection, with another ISN.
synack_doubles() {
	awk '/Flags \[S\.\]/ { for (i = 1; i <= NF; i++) {
	         if ($i == "seq") { seq = $(i + 1); sub(",", "", seq) }
	         if ($i == "ack") { ack = $(i + 1); sub(",", "", ack) } }
	       key = $5 " " ack
	       if (key in last && last[key] != seq) d++
	       last[key] = seq }
	     END { print d + 0 }' "$SYNACK_LOG"
}
synack_count() { grep -c 'Flags \[S\.\]' "$SYNACK_LOG"; }
# vip_resets: resets the VIP sent (a client's own reset, for a SYN-ACK that came after it gave
# up, is not one)
vip_resets() { grep -c 'Flags \[R' "$SYNACK_LOG"; }
# dns_doubles: DNS queries (client address, port and query id) answered more than once
dns_doubles() { awk '/\.53 > / { id = $6; sub(/[^0-9].*/, "", id); n[$5 " " id]++ } END { for (k in n) if (n[k] > 1) d++; print d + 0 }' "$SYNACK_LOG"; }

# apply_all CONFIG [ARGS]: on every node the udev stage with the link down and the link up,
# then (after LINKUP_WAIT seconds) the full apply.
apply_all() {
	local cfg=$1 i
	shift
	for ((i = 1; i <= NODES; i++)); do
		nd "$i" "$SV_BIN/sharedvip-apply" -c "$cfg" --link $IF || fail "node$i: --link"
		nd "$i" ip link set $IF up
	done
	# as at boot, the link may be up a while before the full apply runs
	[ -z "${LINKUP_WAIT:-}" ] || sleep "$LINKUP_WAIT"
	for ((i = 1; i <= NODES; i++)); do
		nd "$i" "$SV_BIN/sharedvip-apply" -c "$cfg" --node "node$i" "$@" || fail "node$i: apply"
	done
}

# start_servers [FROM]: on every node (from node FROM on), TCP 80 answers the node's name, TCP 7 says the name and
# then echoes, and dnsmasq answers who.test TXT with the name on UDP 53.
start_servers() {
	local i from=${1:-1}
	local v6=() k
	[ "${IPV6:-0}" = 1 ] && v6=(--listen-address="$VIP6")
	for ((i = from; i <= NODES; i++)); do
		bg nd "$i" ncat -lk "$VIP" 80 --sh-exec "echo node$i"
		bg nd "$i" ncat -lk "$VIP" 7 --sh-exec "echo node$i; exec cat"
		if [ "${IPV6:-0}" = 1 ]; then
			bg nd "$i" ncat -lk "$VIP6" 80 --sh-exec "echo node$i"
			for ((k = 0; k < 50; k++)); do nd "$i" ip -6 addr show dev $IF | grep -q tentative || break; sleep 0.1; done
		fi
		bg nd "$i" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
			--listen-address="$VIP" "${v6[@]}" --bind-interfaces --port=53 --user=root \
			--pid-file="$TMP/dnsmasq$i.pid" --txt-record=who.test,"node$i"
	done
	for ((i = from; i <= NODES; i++)); do
		wait_listen "$i" 80 t; wait_listen "$i" 7 t; wait_listen "$i" 53 u
	done
}

wait_listen() {
	local i=$1 port=$2 proto=$3 k
	for ((k = 0; k < 100; k++)); do
		nd "$i" ss -Hln"$proto" "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	fail "node$i: nothing listens on $proto $port"
}

# tcp_who SRC: the name of the node that answered a TCP connection from SRC to the VIP.
tcp_who() { cl timeout 5 ncat -s "$1" --recv-only "$VIP" 80 2>/dev/null < /dev/null; }
udp_who() { cl dig +short +tries=1 +time=2 -b "$1" @"$VIP" who.test TXT 2>/dev/null | tr -d '"'; }
tcp_who6() { cl timeout 5 ncat -6 -s "$1" --recv-only "$VIP6" 80 2>/dev/null < /dev/null; }
udp_who6() { cl dig +short +tries=1 +time=2 -b "$1" @"$VIP6" who.test TXT 2>/dev/null | tr -d '"'; }
who_says() { "$SV_BIN/sharedvip-status" -c "$1" --who "$2" | sed 's/.*owner //'; }

# client_loop FILE SECONDS [TIMEOUT]: connects round-robin from CLIENTS sources, as fast as
# it can (inside the client namespace, with socat, whose start is ~10 ms against ncat's
# ~70), logging "ms source answer" (answer "-" when none came within TIMEOUT, 0.5 s)
client_loop() {
	cl bash -c '
		file=$1 end=$((SECONDS + $2)) clients=$3 vip=$4 wait=$5 i=0
		while [ $SECONDS -lt $end ]; do
			n=$((i % clients))
			src="10.9.$((n / 250)).$((n % 250 + 1))"
			got=$(timeout "$wait" socat -u "TCP:$vip:80,bind=$src" STDOUT 2> /dev/null)
			echo "$(date +%s%3N) $src ${got:--}" >> "$file"
			i=$((i + 1))
		done' _ "$1" "$2" "$CLIENTS" "$VIP" "${3:-0.5}"
}

# owned_once SECONDS NODES...: until every bucket is owned exactly once by NODES
owned_once() {
	local s=$1 k
	shift
	for ((k = 0; k < s * 20; k++)); do [ "$(union_owned "$@")" = "1024 0" ] && return 0; sleep 0.05; done
	return 1
}

# daemon_cluster N [KEY=VALUE...]: N nodes with a [failover] section (the KEY=VALUEs in it),
# applied, each with its sharedvipd, every bucket owned once; the config is $TMP/c.ini
daemon_cluster() {
	local n=$1 i
	shift
	for ((i = 1; i <= n; i++)); do add_node; done
	write_config "$TMP/c.ini" "$n"
	write_failover "$TMP/c.ini" "$@"
	[ -z "${EXTRA_INI:-}" ] || printf '%s\n' "$EXTRA_INI" >> "$TMP/c.ini"
	apply_all "$TMP/c.ini"
	[ "${SERVERS:-0}" = 1 ] && start_servers
	for ((i = 1; i <= n; i++)); do start_daemon "$i" "$TMP/c.ini"; done
	local all=()
	for ((i = 1; i <= n; i++)); do all+=("$i"); done
	owned_once 3 "${all[@]}" || fail "$n daemons: $(union_owned "${all[@]}") (buckets, doubles)"
}

# long_connection SRC: an echo connection from client SRC to the VIP's port 7, fed from fd 3
long_connection() {
	mkfifo "$TMP/in"
	exec 3<> "$TMP/in"
	cl ncat -s "$1" "$VIP" 7 < "$TMP/in" > "$TMP/long" & PIDS+=($!)
	echo one >&3
	sleep 0.3
	grep -qx one "$TMP/long" || fail "no long-lived connection from $1"
}
long_connection_echoes() { echo "$1" >&3; sleep 0.3; grep -qx "$1" "$TMP/long"; }

# first_client_of NODE CONFIG: a client address whose bucket NODE owns
first_client_of() {
	local i src
	for ((i = 0; i < CLIENTS; i++)); do
		src=$(client_addr "$i")
		[ "$(who_says "$2" "$src")" = "$1" ] && { echo "$src"; return; }
	done
}

# dns_loop FILE SECONDS [TRIES]: DNS queries round-robin from the clients, one line each
dns_loop() {
	cl bash -c '
		file=$1 end=$((SECONDS + $2)) clients=$3 vip=$4 tries=$5 i=0
		while [ $SECONDS -lt $end ]; do
			n=$((i % clients))
			got=$(dig +short +tries=$tries +time=1 -b "10.9.$((n / 250)).$((n % 250 + 1))" @"$vip" who.test TXT 2> /dev/null)
			echo "${got:--}" >> "$file"
			i=$((i + 1))
		done' _ "$1" "$2" "$CLIENTS" "$VIP" "${3:-1}"
}

# union_owned NODES...: "total distinct-buckets duplicates" over the given nodes' owned sets
union_owned() {
	local i
	for i in "$@"; do owned "$i"; done | sort -n | uniq -c | awk '{n++; if ($1 > 1) d++} END {print n + 0, d + 0}'
}

# --- corosync (and Pacemaker) on the simulated LAN -------------------------------------
# stack_node I: node I gets a mount and UTS namespace of its own, held by a sleeping process
# (its pid in HOLD[I]): corosync and Pacemaker keep state at fixed paths, so each node has
# its own /run, /dev/shm (libqb's rings), /etc/corosync, /var/lib/corosync, Pacemaker's
# directories, and the host name nodeI. Its processes run through in_stack.
declare -A HOLD
# With OCF_DIR, that directory is the node's /usr/lib/ocf/resource.d (its resource agents).
stack_node() {
	local i=$1 d=$TMP/stack$1 ocf=
	mkdir -p "$d"/{etc,lib,pcmk/cib,pcmk/pengine,pcmk/blackbox,pcmk/cores,pcmklog}
	if getent passwd hacluster > /dev/null; then
		chown -R hacluster:haclient "$d/pcmk" "$d/pcmklog"
		chmod 0750 "$d"/pcmk/*
	fi
	[ -z "${OCF_DIR:-}" ] || ocf="mount --bind $OCF_DIR /usr/lib/ocf/resource.d &&"
	(exec ip netns exec "${P}n$i" unshare -m -u --propagation private sh -c "
		mount -t tmpfs tmpfs /run && mkdir -p /run/corosync &&
		mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
		mount --bind $d/etc /etc/corosync && mount --bind $d/lib /var/lib/corosync &&
		{ [ ! -d /var/lib/pacemaker ] || mount --bind $d/pcmk /var/lib/pacemaker; } &&
		{ [ ! -d /var/log/pacemaker ] || mount --bind $d/pcmklog /var/log/pacemaker; } && $ocf
		hostname node$i && exec sleep infinity") &
	HOLD[$i]=$!
	PIDS+=($!)
	local k
	for ((k = 0; k < 50; k++)); do [ "$(nsenter -t "${HOLD[$i]}" -u hostname 2>/dev/null)" = "node$i" ] && return; sleep 0.05; done
	fail "node$i's mount and UTS namespace did not come up"
}
# in_stack I CMD...: CMD in node I's network, mount and UTS namespaces, with node I's
# sharedvip run and state directories
in_stack() {
	local i=$1
	shift
	nsenter -t "${HOLD[$i]}" -m -u -n env SHAREDVIP_RUN_DIR="$TMP/run$i" SHAREDVIP_STATE_DIR="$TMP/state$i" "$@"
}
# corosync_conf N [TOKEN_MS]: corosync.conf for nodes 1..N (knet, votequorum) on every node
corosync_conf() {
	local n=$1 i k
	for ((i = 1; i <= n; i++)); do
		{
			printf 'totem {\n\tversion: 2\n\tcluster_name: sharedvip\n\ttransport: knet\n'
			printf '\tcrypto_cipher: none\n\tcrypto_hash: none\n\ttoken: %s\n}\nnodelist {\n' "${2:-1000}"
			for ((k = 1; k <= n; k++)); do
				printf '\tnode {\n\t\tring0_addr: 192.168.0.%d\n\t\tname: node%d\n\t\tnodeid: %d\n\t}\n' $((10 + k)) "$k" "$k"
			done
			printf '}\nquorum {\n\tprovider: corosync_votequorum\n}\nlogging {\n\tto_stderr: yes\n\tto_syslog: no\n}\n'
		} > "$TMP/stack$i/etc/corosync.conf"
	done
}
# start_corosync I: corosync in the foreground on node I (its pid in CPID[I], log in $TMP/cs$I.log)
declare -A CPID
start_corosync() {
	(exec nsenter -t "${HOLD[$1]}" -m -u -n corosync -f >> "$TMP/cs$1.log" 2>&1) &
	CPID[$1]=$!
	PIDS+=($!)
}
# quorate I: node I's corosync counts itself in a quorate membership
quorate() { in_stack "$1" corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate: *Yes'; }
# start_daemon_stack I CONFIG: sharedvipd on node I in its stack namespaces (DPID[I], $TMP/dI.log)
start_daemon_stack() {
	(exec nsenter -t "${HOLD[$1]}" -m -u -n env SHAREDVIP_RUN_DIR="$TMP/run$1" SHAREDVIP_STATE_DIR="$TMP/state$1" \
		SHAREDVIP_LOG_TIMESTAMPS=1 "$SV_BIN/sharedvipd" -c "$2" --node "node$1" >> "$TMP/d$1.log" 2>&1) &
	DPID[$1]=$!
	PIDS+=($!)
}

# converged NODES...: every bucket owned once by them, each its base share ($TMP/baseI,
# written by the test once everyone is up); wait_converged SECONDS NODES...: until then
converged() {
	local i
	[ "$(union_owned "$@")" = "1024 0" ] || return 1
	for i in "$@"; do diff -q <(owned "$i") "$TMP/base$i" > /dev/null || return 1; done
}
# shares_settled SECONDS NODES...: until every bucket is owned once with each of NODES owning some
# (not the first daemon up owning all, before the others joined), and the same when read
# again; their shares are then the base ($TMP/baseI) converged compares with
shares_settled() {
	local s=$1 k i some
	shift
	for ((k = 0; k < s * 20; k++)); do
		some=1
		for i in "$@"; do owned "$i" > "$TMP/base$i"; [ -s "$TMP/base$i" ] || some=0; done
		[ $some = 1 ] && converged "$@" && return 0
		sleep 0.05
	done
	return 1
}
wait_converged() {
	local s=$1 k
	shift
	for ((k = 0; k < s * 20; k++)); do converged "$@" && return 0; sleep 0.05; done
	return 1
}

# under_load SECONDS: TCP and DNS load in the background; load_done checks the strict count
# (with LOAD_MIN_SYNACKS, also that the load ran: at least that many SYN-ACKs)
under_load() {
	reset_counters
	synack_start
	: > "$TMP/tcp" && : > "$TMP/dns"
	client_loop "$TMP/tcp" "$1" & TCP_LOOP=$!
	dns_loop "$TMP/dns" "$1" & DNS_LOOP=$!
}
load_done() {
	wait "$TCP_LOOP" "$DNS_LOOP"
	synack_stop
	local doubles queries answers
	doubles=$(synack_doubles)
	queries=$(wc -l < "$TMP/dns")
	answers=$(counter udpans)
	[ "$doubles" = 0 ] || fail "$1: $doubles client connections answered with two different SYN-ACKs"
	[ "$(vip_resets)" = 0 ] || fail "$1: $(vip_resets) resets from the VIP"
	[ "$(dns_doubles)" = 0 ] || fail "$1: $(dns_doubles) DNS queries answered twice ($answers answers for $queries queries)"
	[ "$answers" -le "$queries" ] || fail "$1: $answers DNS answers for $queries queries"
	[ "$(synack_count)" -ge "${LOAD_MIN_SYNACKS:-0}" ] || fail "$1: only $(synack_count) SYN-ACKs: the load did not run"
	LOAD_SUMMARY="$(synack_count) SYN-ACKs, 0 doubles, no reset, $answers DNS answers for $queries queries"
}
