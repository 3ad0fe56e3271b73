#!/usr/bin/env bash
# End to end, the kernel side: on tc egress a GSO super-packet counts as
# the packets it goes on the wire as (#6). Run as root; prints TAP.
#
#   pcgso-PID (the host: portcullis on pcgso0, tc egress) -- pcgsosrv-PID (mail server)
#
# A 600 KB mail leaves the host on a veth with TSO on, so the stack hands
# tc super-packets of up to 64 KB. nftables in the host's output hook sees
# the same skbs, one count each. portcullis must count each as its
# segments: no counted packet is larger than a frame of the MTU, and so
# it counts more packets than nftables; its bytes stay what tc sees, the
# nftables bytes plus an Ethernet header per skb.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

HOST=pcgso-$$ SRV=pcgsosrv-$$
PC_NS=$HOST
H4=203.0.113.2 S4=203.0.113.10
ETH=14 FRAME=1514 # an Ethernet frame of the 1500-byte MTU

ns_add "$HOST" && ns_add "$SRV" || bail "create the namespaces"
veth "$HOST" pcgso0 "$SRV" pcgsosrv0 || bail "create the veth pair"
addr "$HOST" pcgso0 $H4/24 || bail "address the host"
addr "$SRV" pcgsosrv0 $S4/24 || bail "address the server"
nsx "$HOST" ethtool -K pcgso0 tso on gso on >/dev/null 2>&1 || bail "turn TSO on"
pc_cleanup_at_exit # after the namespaces: it runs before they go
smtp_server "$SRV" $S4 587 || bail "start aiosmtpd on $S4:587"
nsx "$HOST" nft -f - <<-'EOF2' || bail "set up nftables counters"
	table inet pcgso {
		counter all587 { }
		chain out {
			type filter hook output priority 0; policy accept;
			tcp dport 587 counter name "all587"
		}
	}
EOF2
ok "topology, mail server and counters are up"

check_rc "attach pcgso0 --hook tc-egress (default policy) exits 0" 0 pc attach pcgso0 --hook tc-egress
head -c 450000 /dev/urandom | base64 >"$T/big.txt"
rc=0
timeout 60 ip netns exec "$HOST" swaks --server $S4 --port 587 --to a@example.org \
	--from b@example.net --timeout 20 --helo client.example.net --body "@$T/big.txt" \
	>"$T/swaks.log" 2>&1 </dev/null || rc=$?
check_eq "a 600 KB mail to port 587 is delivered" "$rc" 0
wait_for 5 tcp_settled "$HOST"
sleep 0.3

check_rc "stats --json exits 0" 0 pc stats --json
J=$T/stats.json
printf '%s\n' "$OUT" >"$J"
read -r nft_p nft_b <<<"$(nsx "$HOST" nft list counter inet pcgso all587 |
	sed -n 's/.*packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p')"
read -r p b c <<<"$(counts "$J" 'port("tcp", 587)["passed"]')"
diag "nftables: $nft_p skbs, $nft_b bytes; portcullis: $p packets, $b bytes, $c connections"
check_num -gt "nftables saw super-packets (more bytes per skb than a frame)" \
	"$((nft_b / (nft_p ? nft_p : 1)))" $FRAME
check_eq "tcp/587 bytes are what tc sees (nftables bytes + an Ethernet header per skb)" \
	"$b" "$((nft_b + ETH * nft_p))"
check_num -le "no counted packet is larger than a frame (bytes <= $FRAME x packets)" \
	"$b" "$((FRAME * p))"
check_num -gt "tcp/587 counts more packets than skbs" "$p" "$nft_p"
check_eq "tcp/587: one connection attempt" "$c" 1
check_eq "rule 2 (monitor 587) counted the same packets" "$(jget "$J" 'rule(2)["packets"]')" "$p"
check_eq "totals: packets == passed + dropped + rejected" \
	"$(jget "$J" 'd["totals"]["packets"] == d["totals"]["passed"] + d["totals"]["dropped"] + d["totals"]["rejected"]')" true

check_rc "detach --all exits 0" 0 pc detach --all
done_testing
