#!/usr/bin/env bash
# End to end: portcullis on an ISP router, with examples/isp.rules, between
# a subscriber and "the internet", with real mail (swaks to aiosmtpd) over
# IPv4 and IPv6. Run as root; prints TAP.
#
#   pcsub-PID (subscriber) -- pcrtr-PID (router, portcullis on pcrtr0) -- pcnet-PID
#
# For each hook (native XDP, generic XDP, tc ingress) on pcrtr0:
#   - port 25 to a foreign mx is rejected ("connection refused" at once),
#     to the ISP relay delivered, 587 and 2525 delivered, 25 from a business
#     address delivered;
#   - stats --json counts exactly what tcpdump saw the subscriber send:
#     packets, bytes and SYNs, per rule and per port;
#   - crafted SYNs to 25 behind 802.1Q and QinQ tags, with IPv4 options, IPv6
#     extension headers or in a first fragment are rejected and counted;
#     malformed frames and a non-first fragment are counted as such;
#   - detach --all leaves nothing behind and port 25 works again.
# With native XDP also: rules round trip, a bad apply changes nothing, a
# new policy takes effect at once, and attaching again is a no-op.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

SUB=pcsub-$$ RTR=pcrtr-$$ NET=pcnet-$$
PC_NS=$RTR
RULES=$PC_ROOT/examples/isp.rules

isp_topology "$SUB" "$RTR" "$NET" || bail "build the ISP topology"
# So that the resets that XDP sends back on pcrtr0 reach the subscriber: a
# veth quirk (see xdp_pass in lib.sh).
xdp_pass "$SUB" pcsub0 || bail "attach an XDP_PASS program to the subscriber's veth"
# After the namespaces, so that it runs before they go: detach must run
# inside the router namespace.
pc_cleanup_at_exit
isp_servers "$NET" || bail "start the mail servers"
ok "topology and mail servers are up"

# What each rule of isp.rules matches, as predicates over the frames that
# tcpdump captured on the subscriber's side (see pcap_sum in lib.sh).
BIZ="('$ISP_BIZ_V4', '$ISP_BIZ_V6')"
RELAYS="('$ISP_RELAY_V4', '$ISP_RELAY_V6')"
R1="p.dport == 25 and p.src in $BIZ"
R2="p.dport == 25 and p.src not in $BIZ and p.dst in $RELAYS"
R3="p.dport == 25 and p.src not in $BIZ and p.dst not in $RELAYS"
R4="p.dport in (465, 587, 2525)"
CAPF='tcp and (dst port 25 or dst port 465 or dst port 587 or dst port 2525)'

generation() { pc status --json >"$T/gen.json" && jget "$T/gen.json" 'd["generation"]'; }

# The mail of one round, from the subscriber.
mail_round() {
	local h=$1
	mail_reset "$h: port 25 to the mx $ISP_MX_V4 is refused" "$SUB" $ISP_MX_V4 25
	mail_reset "$h: port 25 to the mx $ISP_MX_V6 is refused" "$SUB" $ISP_MX_V6 25
	mail_delivered "$h: port 25 to the relay $ISP_RELAY_V4 is delivered" "$SUB" $ISP_RELAY_V4 25
	mail_delivered "$h: port 25 to the relay $ISP_RELAY_V6 is delivered" "$SUB" $ISP_RELAY_V6 25
	mail_delivered "$h: port 587 to the mx $ISP_MX_V4 is delivered" "$SUB" $ISP_MX_V4 587
	mail_delivered "$h: port 587 to the mx $ISP_MX_V6 is delivered" "$SUB" $ISP_MX_V6 587
	mail_delivered "$h: port 2525 to the mx $ISP_MX_V6 is delivered" "$SUB" $ISP_MX_V6 2525
	mail_delivered "$h: port 25 from business $ISP_BIZ_V4 to the mx is delivered" \
		"$SUB" $ISP_MX_V4 25 $ISP_BIZ_V4
	mail_delivered "$h: port 25 from business $ISP_BIZ_V6 to the mx is delivered" \
		"$SUB" $ISP_MX_V6 25 $ISP_BIZ_V6
}

# check_stats HOOK STATS_JSON PCAP: the counters match the capture exactly.
check_stats() {
	local h=$1 j=$2 cap=$3 syns want
	check_eq "$h: stats numbers the rules 1 to 4" \
		"$(jget "$j" '[r["rule"] for r in d["rules"]]')" "[1, 2, 3, 4]"
	check_eq "$h: stats gives each rule its action" \
		"$(jget "$j" '[r["action"] for r in d["rules"]]')" '["pass", "pass", "reject", "monitor"]'
	check_eq "$h: stats lists the ports that the rules name, and only those" \
		"$(jget "$j" 'sorted([x["proto"], x["port"]] for x in d["ports"])')" \
		'[["tcp", 25], ["tcp", 465], ["tcp", 587], ["tcp", 2525]]'

	# "PACKETS BYTES SYNS" that the subscriber sent, rule by rule.
	check_counts "$h: rule 1 (business to 25) counts the packets, bytes and SYNs sent" \
		"$(counts "$j" 'rule(1)')" "$(pcap_sum "$cap" "$R1" "$STRIP")"
	check_counts "$h: rule 2 (to the relays on 25) counts the packets, bytes and SYNs sent" \
		"$(counts "$j" 'rule(2)')" "$(pcap_sum "$cap" "$R2" "$STRIP")"
	check_counts "$h: rule 3 (reject subscribers to 25) counts the SYNs sent, packets and bytes" \
		"$(counts "$j" 'rule(3)')" "$(pcap_sum "$cap" "$R3" "$STRIP")"
	check_counts "$h: rule 4 (monitor 465, 587, 2525) counts the packets, bytes and SYNs sent" \
		"$(counts "$j" 'rule(4)')" "$(pcap_sum "$cap" "$R4" "$STRIP")"

	syns=$(pcap_sum "$cap" "$R3" "$STRIP" | cut -d' ' -f3)
	check_num -eq "$h: the 2 refused attempts sent a SYN each" "$syns" 2
	check_eq "$h: tcp/25 rejected connections == SYNs captured" \
		"$(jget "$j" 'port("tcp", 25)["rejected"]["connections"]')" "$syns"
	check_counts "$h: tcp/25 rejected == what rule 3 saw (packets bytes connections)" \
		"$(counts "$j" 'port("tcp", 25)["rejected"]')" "$(pcap_sum "$cap" "$R3" "$STRIP")"
	check_counts "$h: tcp/25 passed == what went to the relays or came from business" \
		"$(counts "$j" 'port("tcp", 25)["passed"]')" "$(pcap_sum "$cap" "($R1) or ($R2)" "$STRIP")"
	check_counts "$h: tcp/25 dropped nothing" "$(counts "$j" 'port("tcp", 25)["dropped"]')" "0 0 0"
	want=$(pcap_sum "$cap" 'p.dport == 587' "$STRIP")
	check_num -gt "$h: tcp/587 passed packets > 0" "${want%% *}" 0
	check_counts "$h: tcp/587 passed == what was sent to 587" \
		"$(counts "$j" 'port("tcp", 587)["passed"]')" "$want"
	check_counts "$h: tcp/587 dropped nothing" "$(counts "$j" 'port("tcp", 587)["dropped"]')" "0 0 0"
	check_counts "$h: tcp/2525 passed == what was sent to 2525" \
		"$(counts "$j" 'port("tcp", 2525)["passed"]')" "$(pcap_sum "$cap" 'p.dport == 2525' "$STRIP")"
	check_eq "$h: tcp/465 saw nothing" \
		"$(jget "$j" 'sum(port("tcp", 465)[v][k] for v in ("passed", "dropped", "rejected") for k in ("packets", "bytes", "connections"))')" 0

	want=$(pcap_sum "$cap" "$R3" "$STRIP" | cut -d' ' -f1)
	check_eq "$h: totals: rejected == the packets rule 3 rejected" "$(jget "$j" 'd["totals"]["rejected"]')" "$want"
	check_eq "$h: totals: packets == passed + dropped + rejected" \
		"$(jget "$j" 'd["totals"]["packets"] == d["totals"]["passed"] + d["totals"]["dropped"] + d["totals"]["rejected"]')" true
	want=$(pcap_sum "$cap" "($R1) or ($R2) or ($R4)" "$STRIP" | cut -d' ' -f1)
	check_num -ge "$h: totals: passed >= the packets that the pass and monitor rules saw" \
		"$(jget "$j" 'd["totals"]["passed"]')" "$want"
	check_eq "$h: totals: nothing dropped, nothing malformed" \
		"$(jget "$j" '[d["totals"]["dropped"], d["totals"]["malformed"]]')" "[0, 0]"
}

# expect_frames LIST REGEX: "PACKETS BYTES CONNECTIONS" of the frames in
# LIST (the output of send_frames) whose kind matches REGEX; tagged frames
# are $STRIP bytes shorter for the hook.
expect_frames() {
	awk -v re="$2" -v strip="$STRIP" '$1 ~ re { n++; b += $2 - ($3 > 0 ? strip : 0) }
		END { printf "%d %d %d\n", n, b, n }' "$1"
}

# Crafted frames over the real path: VLAN tags, IPv4 options, IPv6
# extension headers, fragments and malformed headers.
frames_tests() {
	local h=$1 f0=$T/f0.json f1=$T/f1.json rmac want
	rmac=$(mac_of "$RTR" pcrtr0)
	pc stats --json >"$f0"
	if ! send_frames "$SUB" pcsub0 "$rmac" $ISP_SUB_V4 $ISP_MX_V4 $ISP_SUB_V6 $ISP_MX_V6 \
		q_v4_syn25 qinq_v6_syn25 v4opt_syn25 v6ext_syn25 v6frag0_syn25 q_v4_syn587 >"$T/frames"; then
		not_ok "$h: send crafted frames"
		return
	fi
	stats_settle "$f1" 'd["totals"]["rejected"]' "$(($(jget "$f0" 'd["totals"]["rejected"]') + 5))"
	want=$(expect_frames "$T/frames" '_syn25$')
	check_counts "$h: SYNs to 25 behind 802.1Q, QinQ, IPv4 options, IPv6 extension headers and in a first fragment are all rejected" \
		"$(jdiff "$f0" "$f1" 'port("tcp", 25)["rejected"]')" "$want"
	check_counts "$h: ... and counted by rule 3" "$(jdiff "$f0" "$f1" 'rule(3)')" "$want"
	check_counts "$h: ... and none passed" "$(jdiff "$f0" "$f1" 'port("tcp", 25)["passed"]')" "0 0 0"
	want=$(expect_frames "$T/frames" '_syn587$')
	check_counts "$h: a SYN to 587 behind 802.1Q passes, counted on tcp/587" \
		"$(jdiff "$f0" "$f1" 'port("tcp", 587)["passed"]')" "$want"
	check_counts "$h: ... and by rule 4" "$(jdiff "$f0" "$f1" 'rule(4)')" "$want"
	check_eq "$h: totals: 5 more rejected, none dropped, none malformed, no fragment" \
		"$(jdiff "$f0" "$f1" 'd["totals"]["rejected"]') $(jdiff "$f0" "$f1" 'd["totals"]["dropped"]') $(jdiff "$f0" "$f1" 'd["totals"]["malformed"]') $(jdiff "$f0" "$f1" 'd["totals"]["fragments"]')" \
		"5 0 0 0"

	frames_malformed "$h" block
}

# frames_malformed HOOK block|pass: two malformed frames and a non-first
# fragment, under "set malformed HOW".
frames_malformed() {
	local h=$1 how=$2 f0=$T/f0.json f1=$T/f1.json rmac
	rmac=$(mac_of "$RTR" pcrtr0)
	pc stats --json >"$f0"
	if ! send_frames "$SUB" pcsub0 "$rmac" $ISP_SUB_V4 $ISP_MX_V4 $ISP_SUB_V6 $ISP_MX_V6 \
		v4_doff4 v4_short v4_frag_later >"$T/frames"; then
		not_ok "$h: send crafted frames"
		return
	fi
	stats_settle "$f1" 'd["totals"]["fragments"]' "$(($(jget "$f0" 'd["totals"]["fragments"]') + 1))"
	check_eq "$h: set malformed $how: TCP doff 4 and a 2-byte TCP header are counted malformed" \
		"$(jdiff "$f0" "$f1" 'd["totals"]["malformed"]')" 2
	if [ "$how" = block ]; then
		check_eq "$h: set malformed block: ... and dropped" "$(jdiff "$f0" "$f1" 'd["totals"]["dropped"]')" 2
	else
		check_eq "$h: set malformed pass: ... and not dropped" "$(jdiff "$f0" "$f1" 'd["totals"]["dropped"]')" 0
		check_num -ge "$h: set malformed pass: ... but passed" "$(jdiff "$f0" "$f1" 'd["totals"]["passed"]')" 3
	fi
	check_counts "$h: set malformed $how: the malformed SYN to 25 is not counted as passed on tcp/25" \
		"$(jdiff "$f0" "$f1" 'port("tcp", 25)["passed"]')" "0 0 0"
	check_eq "$h: a non-first IPv4 fragment is counted as a fragment" \
		"$(jdiff "$f0" "$f1" 'd["totals"]["fragments"]')" 1
}

# Native XDP only: the policy commands, while attached.
policy_tests() {
	local h=$1 j=$2 gen before after cap

	# rules prints the policy in force; its rule lines are the rule texts of stats.
	run pc rules
	check_eq "$h: rules exits 0" "$RC" 0
	printf '%s\n' "$OUT" >"$T/rules1"
	check_match "$h: rules shows the relays table" "$OUT" '^table <relays> .*198\.51\.100\.25'
	check_match "$h: rules shows the business table read from business.txt" "$OUT" \
		'^table <business> .*2001:db8:1fff::/48'
	check_same "$h: the rule lines of rules are the rule texts of stats --json" \
		"$(grep -E '^(pass|block|monitor|reject|limit)( |$)' "$T/rules1")" \
		"$(jget "$j" '"\n".join(r["text"] for r in d["rules"])')"

	gen=$(generation)
	check_rc "$h: apply of the output of rules exits 0" 0 pc apply "$T/rules1"
	run pc rules
	check_same "$h: rules > f; apply f; rules prints the same text" "$OUT" "$(cat "$T/rules1")"
	check_eq "$h: applying the policy in force again changes nothing: same generation" \
		"$(generation)" "$gen"

	# A bad file: every error reported, nothing changes.
	gen=$(generation)
	pc stats --json >"$T/before.json"
	cat >"$T/bad.rules" <<-'EOF'
		table <relays> { 198.51.100.25 }
		pass proto tcp to <relays> port 25
		blok proto tcp to port 25
		pass proto tcp to port 70000
	EOF
	check_rc "$h: apply of a bad file exits 2" 2 pc apply "$T/bad.rules"
	check_match "$h: apply reports line 3 as FILE:LINE:COL: error:" "$ERR" 'bad\.rules:3:[0-9]+: error: '
	check_match "$h: apply reports line 4 as FILE:LINE:COL: error:" "$ERR" 'bad\.rules:4:[0-9]+: error: '
	run pc rules
	check_same "$h: after the bad apply, the policy in force is unchanged" "$OUT" "$(cat "$T/rules1")"
	check_same "$h: after the bad apply, the generation is unchanged" "$(generation)" "$gen"
	pc stats --json >"$T/after.json"
	check_same "$h: after the bad apply, the rule counters are unchanged" \
		"$(jget "$T/after.json" 'd["rules"]')" "$(jget "$T/before.json" 'd["rules"]')"
	check_same "$h: after the bad apply, the port counters are unchanged" \
		"$(jget "$T/after.json" 'd["ports"]')" "$(jget "$T/before.json" 'd["ports"]')"

	capture_start "$SUB" pcsub0 bad "$CAPF" || bail "start tcpdump"
	cap=$CAP_PID
	mail_reset "$h: after the bad apply, port 25 to the mx is still refused" "$SUB" $ISP_MX_V4 25
	capture_stop "$cap" "$SUB"
	pc stats --json >"$T/after.json"
	before=$(jget "$T/before.json" 'port("tcp", 25)["rejected"]["connections"]')
	after=$(jget "$T/after.json" 'port("tcp", 25)["rejected"]["connections"]')
	check_eq "$h: ... and tcp/25 rejected connections grew by the SYNs sent" \
		"$((after - before))" "$(pcap_sum "$T/bad.pcap" "$R3" | cut -d' ' -f3)"
	check_counts "$h: ... and rule 3 counted them, with packets and bytes" \
		"$(jdiff "$T/before.json" "$T/after.json" 'rule(3)')" "$(pcap_sum "$T/bad.pcap" "$R3")"

	# A new policy that lets port 25 through takes effect at once.
	cat >"$T/open.rules" <<-'EOF'
		# port 25 open to everyone again
		pass    proto tcp to port 25
		monitor proto tcp to port { 465, 587, 2525 }
	EOF
	gen=$(generation)
	cp "$T/after.json" "$T/before.json"
	check_rc "$h: apply of a policy that opens port 25 exits 0" 0 pc apply "$T/open.rules"
	check_eq "$h: that apply made a new generation" "$(generation)" "$((gen + 1))"
	capture_start "$SUB" pcsub0 open "$CAPF" || bail "start tcpdump"
	cap=$CAP_PID
	mail_delivered "$h: at once, port 25 to the mx $ISP_MX_V4 is delivered" "$SUB" $ISP_MX_V4 25
	mail_delivered "$h: at once, port 25 to the mx $ISP_MX_V6 is delivered" "$SUB" $ISP_MX_V6 25
	capture_stop "$cap" "$SUB"
	pc stats --json >"$T/after.json"
	check_counts "$h: the new rule 1 counts from zero: exactly the packets, bytes and SYNs sent" \
		"$(counts "$T/after.json" 'rule(1)')" "$(pcap_sum "$T/open.pcap" 'p.dport == 25')"
	check_eq "$h: the new policy has 2 rules in stats" "$(jget "$T/after.json" 'len(d["rules"])')" 2
	check_counts "$h: tcp/25 rejected counters survive the apply" \
		"$(counts "$T/after.json" 'port("tcp", 25)["rejected"]')" \
		"$(counts "$T/before.json" 'port("tcp", 25)["rejected"]')"
	before=$(jget "$T/before.json" 'port("tcp", 25)["passed"]["packets"]')
	after=$(jget "$T/after.json" 'port("tcp", 25)["passed"]["packets"]')
	check_eq "$h: tcp/25 passed packets grew by the packets sent" \
		"$((after - before))" "$(pcap_sum "$T/open.pcap" 'p.dport == 25' | cut -d' ' -f1)"

	# set malformed pass lets malformed packets through, still counted.
	sed 's/^set malformed block/set malformed pass/' "$RULES" >"$T/isp-pass.rules"
	cp "$(dirname "$RULES")/business.txt" "$T/"
	check_rc "$h: apply isp.rules with set malformed pass exits 0" 0 pc apply "$T/isp-pass.rules"
	frames_malformed "$h" pass

	# Back to the ISP policy; attaching again changes nothing.
	check_rc "$h: apply isp.rules again exits 0" 0 pc apply "$RULES"
	gen=$(generation)
	local id
	id=$(xdp_prog_id "$RTR" pcrtr0)
	check_rc "$h: attach where already attached exits 0" 0 pc attach pcrtr0 --hook xdp
	check_same "$h: ... and keeps the same XDP program" "$(xdp_prog_id "$RTR" pcrtr0)" "$id"
	check_same "$h: ... and keeps the policy generation" "$(generation)" "$gen"
	mail_reset "$h: ... and port 25 to the mx stays refused" "$SUB" $ISP_MX_V4 25
}

for hook in xdp xdp-generic tc-ingress; do
	# tc sees a tagged frame after the kernel took the outer VLAN tag out of
	# it (into the skb's metadata): 4 bytes fewer than on the wire.
	STRIP=0
	[ "$hook" = tc-ingress ] && STRIP=4
	check_rc "$hook: attach pcrtr0 --hook $hook --rules examples/isp.rules exits 0" 0 \
		pc attach pcrtr0 --hook $hook --rules "$RULES"
	if [ "$RC" -ne 0 ]; then
		pc detach --all >/dev/null 2>&1
		continue
	fi
	pid=
	if run pc status --json && [ "$RC" -eq 0 ]; then
		printf '%s\n' "$OUT" >"$T/status.json"
		pid=$(jget "$T/status.json" 'att("pcrtr0")["program_id"]')
		check_eq "$hook: status --json shows the hook on pcrtr0" \
			"$(jget "$T/status.json" 'att("pcrtr0")["hook"]')" "$hook"
	else
		not_ok "$hook: status --json exits 0"
		diag "$ERR"
	fi
	case $hook in
	xdp) check_eq "$hook: ip link shows portcullis as a native XDP program" \
		"$(xdp_mode "$RTR" pcrtr0) $(xdp_prog_id "$RTR" pcrtr0)" "xdp $pid" ;;
	xdp-generic) check_eq "$hook: ip link shows portcullis as a generic XDP program" \
		"$(xdp_mode "$RTR" pcrtr0) $(xdp_prog_id "$RTR" pcrtr0)" "xdpgeneric $pid" ;;
	tc-ingress) check_match "$hook: tc shows portcullis on ingress of pcrtr0" \
		"$(tc -n "$RTR" filter show dev pcrtr0 ingress)" "id $pid( |$)" ;;
	esac

	capture_start "$SUB" pcsub0 "$hook" "$CAPF" || bail "start tcpdump"
	cap=$CAP_PID
	mail_round "$hook"
	capture_stop "$cap" "$SUB"
	check_rc "$hook: stats --json exits 0" 0 pc stats --json
	printf '%s\n' "$OUT" >"$T/stats-$hook.json"
	check_stats "$hook" "$T/stats-$hook.json" "$T/$hook.pcap"
	frames_tests "$hook"

	[ "$hook" = xdp ] && policy_tests "$hook" "$T/stats-$hook.json"

	ids=$(pinned_ids)
	check_rc "$hook: detach --all exits 0" 0 pc detach --all
	check "$hook: detach --all removed the pin directory" test ! -e "$PORTCULLIS_PIN_DIR"
	check_eq "$hook: no XDP program is left on pcrtr0" "$(xdp_mode "$RTR" pcrtr0)$(xdp_prog_id "$RTR" pcrtr0)" ""
	check_eq "$hook: no tc filter or clsact qdisc is left on pcrtr0" \
		"$(tc -n "$RTR" filter show dev pcrtr0 ingress 2>/dev/null; tc -n "$RTR" qdisc show dev pcrtr0 | grep clsact)" ""
	check_all_gone "$hook: every program, map and link that was pinned is gone from the kernel" "$ids"
	mail_delivered "$hook: after detach, port 25 to the mx $ISP_MX_V4 is delivered again" "$SUB" $ISP_MX_V4 25
	mail_delivered "$hook: after detach, port 25 to the mx $ISP_MX_V6 is delivered again" "$SUB" $ISP_MX_V6 25
done

done_testing
