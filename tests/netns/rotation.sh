#!/bin/bash
# Key rotation without an outage, node by node, on a running cluster under load: the new
# key accepted everywhere (KEY_FILE.accept), then signing with it, then the old one gone;
# each step a reload (SIGHUP). No heartbeat is taken for a forgery, no membership changes,
# no client connection is answered twice. A bad key file at reload is refused and the
# running keys kept.
. "$(dirname "$0")/../lib.sh"

CLIENTS=${CLIENTS:-200}
make_lan "$CLIENTS"
mkdir -p "$TMP/keydir"
head -c 32 /dev/urandom > "$TMP/old"
head -c 32 /dev/urandom > "$TMP/new"
for i in 1 2 3; do
	mkdir -p "$TMP/keys/node$i"
	install -m 600 "$TMP/old" "$TMP/keys/node$i/key"
done
for i in 1 2 3; do add_node; done
write_config "$TMP/c.ini" 3
printf '\n[failover]\nkey_file = %s/keydir/key\n' "$TMP" >> "$TMP/c.ini"
apply_all "$TMP/c.ini"
start_servers
export KEYS_PER_NODE=1
for i in 1 2 3; do start_daemon "$i" "$TMP/c.ini"; done
owned_once 3 1 2 3 || fail "3 daemons: $(union_owned 1 2 3)"
changes=$(cat "$TMP"/d*.log | grep -c "membership:")

reload() { kill -HUP "${DPID[$1]}"; sleep 0.4; }
reset_counters
synack_start
client_loop "$TMP/load" 9 & LOOP=$!
for i in 1 2 3; do install -m 600 "$TMP/new" "$TMP/keys/node$i/key.accept"; reload "$i"; done
for i in 1 2 3; do
	mv "$TMP/keys/node$i/key" "$TMP/keys/node$i/swap"
	mv "$TMP/keys/node$i/key.accept" "$TMP/keys/node$i/key"
	mv "$TMP/keys/node$i/swap" "$TMP/keys/node$i/key.accept"
	reload "$i"
done
for i in 1 2 3; do rm "$TMP/keys/node$i/key.accept"; reload "$i"; done
wait "$LOOP"
synack_stop
for i in 1 2 3; do
	forged=$(nd "$i" "$SV_BIN/sharedvipctl" status | grep -o 'forged=[0-9]*')
	[ "$forged" = forged=0 ] || fail "node$i took heartbeats for forgeries during the rotation: $forged"
done
[ "$(cat "$TMP"/d*.log | grep -c "membership:")" = "$changes" ] || fail "the membership changed during the rotation"
[ "$(synack_doubles)" = 0 ] || fail "$(synack_doubles) doubles during the rotation"
owned_once 1 1 2 3 || fail "after the rotation: $(union_owned 1 2 3)"
cmp -s "$TMP/keys/node1/key" "$TMP/new" || fail "the test did not rotate"
pass "key rotation, node by node, under load: no forged drops, no membership change, $(synack_count) SYN-ACKs, no double"

# a bad key file at reload: refused, the running keys kept
chmod 644 "$TMP/keys/node1/key"
reload 1
grep -q "reload: a key file is not right" "$TMP/d1.log" || fail "a bad key file at reload was not refused: $(tail -2 "$TMP/d1.log")"
sleep 0.5
forged=$(nd 2 "$SV_BIN/sharedvipctl" status | grep -o 'forged=[0-9]*')
[ "$forged" = forged=0 ] || fail "node1 signs with something else after a refused reload: node2 $forged"
pass "a key file open to others at reload: refused, the running keys kept"
