#!/bin/bash
# make demo: four nodes share one VIP on a hub; 24 clients connect over TCP, ask DNS over
# UDP and ping; the table shows who answered what, and what --who predicted.
. "$(dirname "$0")/lib.sh"
SV_BIN=$(cd "${1:-build}" && pwd)
CLIENTS=${CLIENTS:-24}

echo "Building the simulated LAN: router, $CLIENTS client addresses, hub, 4 nodes..."
make_lan "$CLIENTS"
for i in 1 2 3 4; do add_node; done
write_config "$TMP/sharedvip.ini" 4
apply_all "$TMP/sharedvip.ini"
start_servers
echo
echo "The config every node shares:"
sed 's/^/    /' "$TMP/sharedvip.ini"
echo
echo "node1 says (sharedvip-status):"
nd 1 "$SV_BIN/sharedvip-status" -c "$TMP/sharedvip.ini" | sed 's/^/    /' | cut -c1-110
echo
reset_counters
printf '%-12s %-10s %-10s %-6s %-10s\n' client "TCP:80" "DNS:53" ping "--who"
printf '%-12s %-10s %-10s %-6s %-10s\n' ------ ------ ------ ---- -----
declare -A tcp_count=()
for ((i = 0; i < CLIENTS; i++)); do
	src=$(client_addr "$i")
	t=$(tcp_who "$src"); u=$(udp_who "$src")
	p=$(cl ping -c1 -W2 -I "$src" "$VIP" > /dev/null 2>&1 && echo yes || echo NO)
	w=$(who_says "$TMP/sharedvip.ini" "$src")
	printf '%-12s %-10s %-10s %-6s %-10s\n' "$src" "${t:-NONE}" "${u:-NONE}" "$p" "$w"
	tcp_count[${t:-NONE}]=$(( ${tcp_count[${t:-NONE}]:-0} + 1 ))
done
echo
echo "Connections per node: $(for k in $(printf '%s\n' "${!tcp_count[@]}" | sort); do printf '%s=%s ' "$k" "${tcp_count[$k]}"; done)"
echo "Seen at the router: $(counter synack) SYN-ACKs for $CLIENTS connections, $(counter rst) resets," \
	"$(counter udpans) DNS answers for $CLIENTS queries, $(counter echoreply) echo replies for $CLIENTS pings."
for i in 1 2 3 4; do
	nd "$i" "$SV_BIN/sharedvip-status" -c "$TMP/sharedvip.ini" --json |
		sed -n 's/.*"node": "\([^"]*\)".*"foreign": {"packets": \([0-9]*\).*"new": {"packets": \([0-9]*\).*/\1: accepted \3 new flows, dropped \2 packets of others at ingress/p'
done
