#!/bin/bash
# The control plane against a LAN attacker and a compromised node, on a cluster with
# per-node keys (node_key_file, public_key): each node signs its heartbeats with its own key.
#  1. 4 s of node3's recorded heartbeats, replayed (tcpreplay) to node1's freshly restarted
#     daemon after node3 died: they do not echo node1's new start, so node1 never counts
#     node3 alive, and node3's buckets are owned once by the survivors.
#  2. A compromised node3 (the shared key and its own node key) sends a heartbeat naming
#     node1, from node1's address, with the largest incarnation: not node1's signature,
#     dropped and counted; node2 keeps hearing the real node1.
#  3. A flood of forged heartbeats at the rate this machine can send, to every node, for
#     5 s: no membership change, every bucket owned once, the forgeries counted.
. "$(dirname "$0")/../lib.sh"

make_lan 20
mkdir -p "$TMP/keydir"
head -c 32 /dev/urandom > "$TMP/shared"
for i in 1 2 3; do
	mkdir -p "$TMP/keys/node$i"
	install -m 600 "$TMP/shared" "$TMP/keys/node$i/key"
	"$SV_BIN/sharedvipctl" genkey > "$TMP/keys/node$i/node.key"
	chmod 600 "$TMP/keys/node$i/node.key"
	add_node
done
write_config "$TMP/c.ini" 3
for i in 1 2 3; do
	pub=$("$SV_BIN/sharedvipctl" pubkey < "$TMP/keys/node$i/node.key")
	sed -i "/^\[node node$i\]/a public_key = $pub" "$TMP/c.ini"
done
printf '\n[failover]\nkey_file = %s/keydir/key\nnode_key_file = %s/keydir/node.key\n' "$TMP" "$TMP" >> "$TMP/c.ini"
apply_all "$TMP/c.ini"
export KEYS_PER_NODE=1
for i in 1 2 3; do start_daemon "$i" "$TMP/c.ini"; done
owned_once 3 1 2 3 || fail "3 daemons with per-node keys: $(union_owned 1 2 3); $(tail -3 "$TMP/d1.log")"
alive_in() { nd "$1" "$SV_BIN/sharedvipctl" --json status | jq -r ".peers[] | select(.name == \"$2\") | .alive"; }
drops() { nd "$1" "$SV_BIN/sharedvipctl" --json status | jq -r ".drops.$2"; }
[ "$(drops 2 forged)" = 0 ] || fail "node2 drops node1's own signed heartbeats: $(drops 2 forged)"
pass "3 nodes, each signing with its own key: every bucket owned once, no heartbeat dropped"

# 1. a recording replayed to a freshly restarted peer
rt timeout 4 tcpdump -i lan -nn -w "$TMP/node3.pcap" "udp port 7946 and src host 192.168.0.13" 2> /dev/null
[ "$(tcpdump -nn -r "$TMP/node3.pcap" 2> /dev/null | wc -l)" -gt 40 ] || fail "no recording of node3's heartbeats"
# veth leaves the UDP checksum to "hardware" that is not there: put in what a wire carries
tcprewrite --fixcsum -i "$TMP/node3.pcap" -o "$TMP/replay.pcap" || fail "tcprewrite"
kill -9 "${DPID[3]}"
kill "${DPID[1]}"
for ((k = 0; k < 50; k++)); do kill -0 "${DPID[1]}" 2> /dev/null || break; sleep 0.1; done
start_daemon 1 "$TMP/c.ini"
rt tcpreplay -q -i lan "$TMP/replay.pcap" > /dev/null 2>&1 & REPLAY=$!
PIDS+=($REPLAY)
seen_alive=0 polls=0
while kill -0 "$REPLAY" 2> /dev/null; do
	a=$(alive_in 1 node3 2> /dev/null)
	[ "$a" = true ] && seen_alive=$((seen_alive + 1))
	[ -n "$a" ] && polls=$((polls + 1))
	sleep 0.1
done
[ "$polls" -gt 10 ] || fail "node1's status was not read during the replay ($polls times)"
[ "$seen_alive" = 0 ] || fail "node1 counted the dead node3 alive $seen_alive times of $polls during the replay"
owned_once 2 1 2 || fail "during the replay: node1 and node2 own $(union_owned 1 2)"
grep -q "heartbeats of node node3 that do not echo this node's start" "$TMP/d1.log" ||
	fail "node1 did not see the replay: $(tail -3 "$TMP/d1.log")"
pass "4 s of the dead node3's heartbeats replayed to node1's new start: node3 alive in none of $polls looks, its buckets owned once by node1 and node2"

# 2. a compromised node3 speaks for node1, from node1's address
start_daemon 3 "$TMP/c.ini"
owned_once 3 1 2 3 || fail "node3 back: $(union_owned 1 2 3)"
f0=$(drops 2 forged)
rt "$SV_BIN/hbforge" "$TMP/shared" --sign "$TMP/keys/node3/node.key" --node 0 --nodes 3 \
	--incarnation 0xffffffffffffff --seq 1 --view all --from 192.168.0.11 --to 255.255.255.255 --dev lan ||
	fail "hbforge could not send"
sleep 0.5
[ "$(drops 2 forged)" = $((f0 + 1)) ] || fail "node2's forged count: $f0 -> $(drops 2 forged)"
grep -q "naming node node1 not signed by its key" "$TMP/d2.log" || fail "node2 did not log the impersonation"
before=$(cat "$TMP"/d*.log | grep -c "membership:")
sleep 1
[ "$(alive_in 2 node1)" = true ] && [ "$(cat "$TMP"/d*.log | grep -c "membership:")" = "$before" ] ||
	fail "node2 stopped hearing node1 after node3's heartbeat in its name"
owned_once 1 1 2 3 || fail "after the impersonation: $(union_owned 1 2 3)"
pass "node3's key holder naming node1 from node1's address: dropped, counted and logged; node1 heard on"

# 3. a flood of forged heartbeats (a wrong key) at full speed, from the router
head -c 32 /dev/urandom > "$TMP/wrong"
before=$(cat "$TMP"/d*.log | grep -c "membership:")
f0=$(drops 1 forged)
for k in 1 2; do
	rt timeout 5 "$SV_BIN/hbforge" "$TMP/wrong" --node 1 --nodes 3 --incarnation 1 --seq 1 \
		--from 192.168.0.1 --to 255.255.255.255 --dev lan --count 100000000 & PIDS+=($!)
done
sleep 5.5
forged=$(($(drops 1 forged) - f0))
[ "$forged" -gt 10000 ] || fail "the flood reached node1 only $forged times"
[ "$(cat "$TMP"/d*.log | grep -c "membership:")" = "$before" ] ||
	fail "the flood changed the membership: $(grep "membership:" "$TMP"/d*.log | tail -3)"
owned_once 1 1 2 3 || fail "after the flood: $(union_owned 1 2 3)"
pass "a 5 s flood of forged heartbeats ($forged reached node1): no membership change, every bucket owned once"
