#!/usr/bin/env bash
# End to end: portcullis on a host's tc egress, as a VPS operator uses it to
# stop local programs from sending on port 25, with the built-in default
# policy. Run as root; prints TAP.
#
#   pchost-PID (the host: portcullis on pchost0, tc egress) -- pcsrv-PID (mail servers)
#
# The host's mail to 25 is refused and to 587 delivered, over IPv4 and IPv6.
# Counters are checked against nftables counters in the host's output hook:
# they see every packet the host sends before tc egress does (tcpdump on
# pchost0 would not see the ones that portcullis drops at tc egress).
# detach --all removes the clsact qdisc that portcullis created, and keeps
# one that was there before.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

HOST=pchost-$$ SRV=pcsrv-$$
PC_NS=$HOST
H4=203.0.113.2 H6=2001:db8:3::2
S4=203.0.113.10 S6=2001:db8:3::10
ETH=14 # Ethernet header: tc sees the frame, the output hook the IP packet

ns_add "$HOST" && ns_add "$SRV" || bail "create the namespaces"
veth "$HOST" pchost0 "$SRV" pcsrv0 || bail "create the veth pair"
addr "$HOST" pchost0 $H4/24 $H6/64 || bail "address the host"
addr "$SRV" pcsrv0 $S4/24 $S6/64 || bail "address the server"
ns_sysctl "$HOST" net.ipv4.tcp_syn_retries 1 || bail "set tcp_syn_retries"
pc_cleanup_at_exit # after the namespaces: it runs before they go
for a in $S4 $S6; do
	for p in 25 587; do smtp_server "$SRV" $a $p || bail "start aiosmtpd on $a:$p"; done
done
ok "topology and mail servers are up"

# Fresh counters in the host's output hook.
nft_setup() {
	nsx "$HOST" nft delete table inet pccount 2>/dev/null
	nsx "$HOST" nft -f - <<-'EOF'
		table inet pccount {
			counter all25 { }
			counter syn25 { }
			counter all587 { }
			counter syn587 { }
			chain out {
				type filter hook output priority 0; policy accept;
				tcp dport 25 counter name "all25"
				tcp dport 25 tcp flags & (syn | ack) == syn counter name "syn25"
				tcp dport 587 counter name "all587"
				tcp dport 587 tcp flags & (syn | ack) == syn counter name "syn587"
			}
		}
	EOF
}
nft_counter() { # NAME -> "PACKETS BYTES"
	nsx "$HOST" nft list counter inet pccount "$1" |
		sed -n 's/.*packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p'
}
# nft_expect PORT: "PACKETS BYTES SYNS" as tc egress sees them.
nft_expect() {
	local p b s
	read -r p b <<<"$(nft_counter "all$1")"
	read -r s _ <<<"$(nft_counter "syn$1")"
	echo "$p $((b + ETH * p)) $s"
}

# A missing interface prints "no-such-interface": "no qdisc" must not pass
# by looking in the wrong place.
clsact() {
	ip -n "$HOST" link show dev pchost0 >/dev/null 2>&1 || { echo no-such-interface; return; }
	tc -n "$HOST" qdisc show dev pchost0 | grep -w clsact
}
egress_filters() { tc -n "$HOST" filter show dev pchost0 egress; }

# ---- 1. attach with the default policy, no qdisc before

check_eq "no clsact qdisc on pchost0 before attach" "$(clsact)" ""
check_rc "attach pchost0 --hook tc-egress (default policy) exits 0" 0 pc attach pchost0 --hook tc-egress
[ "$RC" -eq 0 ] || bail "cannot attach; nothing else can work"
check_rc "rules exits 0" 0 pc rules
in_force=$OUT
check_rc "rules --default exits 0" 0 pc rules --default
check_same "the policy in force is the built-in default policy" "$in_force" "$OUT"
check_match "the policy in force blocks tcp port 25" "$in_force" '^block( proto tcp)? to port 25$'

check_rc "status --json exits 0" 0 pc status --json
printf '%s\n' "$OUT" >"$T/status.json"
check_eq "status --json: tc-egress on pchost0" "$(jget "$T/status.json" 'att("pchost0")["hook"]')" tc-egress
pid=$(jget "$T/status.json" 'att("pchost0")["program_id"]')
check_match "tc shows the portcullis program on egress of pchost0" "$(egress_filters)" "id $pid( |$)"
check_match "attach created a clsact qdisc" "$(clsact)" clsact

nft_setup || bail "set up nftables counters"
mail_refused "port 25 to $S4 from the host is refused" "$HOST" $S4 25
mail_refused "port 25 to $S6 from the host is refused" "$HOST" $S6 25
mail_delivered "port 587 to $S4 from the host is delivered" "$HOST" $S4 587
mail_delivered "port 587 to $S6 from the host is delivered" "$HOST" $S6 587

# Let the last connections close, so that nothing is sent between the two
# readings below.
wait_for 5 tcp_settled "$HOST"
sleep 0.3
check_rc "stats --json exits 0" 0 pc stats --json
J=$T/stats.json
printf '%s\n' "$OUT" >"$J"
want25=$(nft_expect 25)
want587=$(nft_expect 587)
check_num -ge "the host tried at least 2 SYNs to port 25" "$(cut -d' ' -f3 <<<"$want25")" 2
check_counts "tcp/25 dropped: the packets, frame bytes and SYNs the host sent" \
	"$(counts "$J" 'port("tcp", 25)["dropped"]')" "$want25"
check_counts "tcp/25 passed nothing" "$(counts "$J" 'port("tcp", 25)["passed"]')" "0 0 0"
check_counts "rule 1 (block tcp/25) counted the same" "$(counts "$J" 'rule(1)')" "$want25"
check_eq "rule 1 is a block" "$(jget "$J" 'rule(1)["action"]')" block
check_num -gt "the host sent packets to port 587" "${want587%% *}" 0
check_counts "tcp/587 passed: the packets, frame bytes and SYNs the host sent" \
	"$(counts "$J" 'port("tcp", 587)["passed"]')" "$want587"
check_counts "rule 2 (monitor 465, 587, 2525) counted the same" "$(counts "$J" 'rule(2)')" "$want587"
check_eq "rule 2 is a monitor" "$(jget "$J" 'rule(2)["action"]')" monitor
check_eq "totals: dropped == the packets to port 25" \
	"$(jget "$J" 'd["totals"]["dropped"]')" "${want25%% *}"
check_eq "totals: packets == passed + dropped + rejected" \
	"$(jget "$J" 'd["totals"]["packets"] == d["totals"]["passed"] + d["totals"]["dropped"] + d["totals"]["rejected"]')" true

ids=$(pinned_ids)
check_rc "detach --all exits 0" 0 pc detach --all
check_eq "detach --all removed the clsact qdisc it created" "$(clsact)" ""
check_eq "no filter is left on egress of pchost0" "$(egress_filters)" ""
check "detach --all removed the pin directory" test ! -e "$PORTCULLIS_PIN_DIR"
check_all_gone "every program, map and link that was pinned is gone from the kernel" "$ids"
mail_delivered "after detach, port 25 to $S4 is delivered" "$HOST" $S4 25
mail_delivered "after detach, port 25 to $S6 is delivered" "$HOST" $S6 25

# ---- 2. a clsact qdisc that was there before stays

tc -n "$HOST" qdisc add dev pchost0 clsact || bail "add a clsact qdisc"
check_rc "attach pchost0 --hook tc-egress beside an existing clsact qdisc exits 0" 0 \
	pc attach pchost0 --hook tc-egress
mail_refused "with the shared qdisc, port 25 to $S4 is refused" "$HOST" $S4 25
check_rc "detach --all exits 0" 0 pc detach --all
check_match "detach --all kept the clsact qdisc it had not created" "$(clsact)" clsact
check_eq "no filter is left on egress of pchost0" "$(egress_filters)" ""
check "detach --all removed the pin directory" test ! -e "$PORTCULLIS_PIN_DIR"
mail_delivered "after detach, port 25 to $S4 is delivered" "$HOST" $S4 25
tc -n "$HOST" qdisc del dev pchost0 clsact

# ---- 3. detach of one interface

check_rc "attach pchost0 --hook tc-egress again exits 0" 0 pc attach pchost0 --hook tc-egress
check_rc "detach pchost0 exits 0" 0 pc detach pchost0
check_eq "detach pchost0 removed the filter" "$(egress_filters)" ""
check_eq "detach pchost0 removed the clsact qdisc it created" "$(clsact)" ""
check_rc "status --json exits 0 after detach pchost0" 0 pc status --json
printf '%s\n' "$OUT" >"$T/status.json"
check_eq "status --json lists no attachment" "$(jget "$T/status.json" 'd["attachments"]')" "[]"
mail_delivered "after detach pchost0, port 25 to $S6 is delivered" "$HOST" $S6 25
check_rc "detach --all exits 0" 0 pc detach --all
check "detach --all removed the pin directory" test ! -e "$PORTCULLIS_PIN_DIR"

done_testing
