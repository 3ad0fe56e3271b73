#!/usr/bin/env bash
# End to end: reject. A rejected TCP connection attempt fails at once with
# "connection refused" (swaks to aiosmtpd), where block makes it wait for
# its timeout; a rejected UDP datagram gets an ICMP or ICMPv6 port
# unreachable; the answers are limited per source. Run as root; prints TAP.
#
#   router:  pcsub-PID (subscriber) -- pcrtr-PID (portcullis on pcrtr0,
#            native XDP or tc ingress) -- pcnet-PID (mail servers)
#   host:    pchost-PID (the host: the client, portcullis on tc egress of
#            pchost0) -- pcsrv-PID (mail servers)
#
# For each case, in IPv4 and IPv6:
#   - swaks to port 25 fails with "connection refused", mail to 587 is
#     delivered; with block instead, swaks hits its 5 s timeout;
#   - a connected UDP socket sending to a rejected port reads ECONNREFUSED,
#     and tcpdump on the client's side sees the port unreachable;
#   - stats --json counts them as rejected.
# With XDP also: 1,000 SYNs from one source get no more resets than the
# reply limit (10 a second, a burst of 20) allows, and all 1,000 are counted
# as rejected.
# How long each attempt took is printed as a comment ("# reject xdp v4:
# swaks refused after ..."); no check depends on a time.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

SUB=pcsub-$$ RTR=pcrtr-$$ NET=pcnet-$$ HOST=pchost-$$ SRV=pcsrv-$$
UDP_PORT=5300
HOST_V4=192.0.2.1 SRV_V4=192.0.2.25 HOST_V6=2001:db8:5::1 SRV_V6=2001:db8:5::25

# The policies: the clients may not send on 25, nor to UDP_PORT.
cat >"$T/reject.rules" <<EOF
table <clients> { 100.64.0.0/10, 2001:db8:1000::/36, $HOST_V4, $HOST_V6 }
reject proto tcp from <clients> to port 25
reject proto udp from <clients> to port $UDP_PORT
EOF
sed 's/^reject /block  /' "$T/reject.rules" >"$T/block.rules"

# ---------------------------------------------------------------- helpers

# now_ms: a monotonic-enough wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# detach_at_exit NS: detach --all in NS at exit, before NS goes.
detach_at_exit() { on_exit "PC_NS='$1'; pc detach --all"; }

# try_mail NS SERVER PORT: one message with swaks; sets MAIL (delivered,
# refused, timeout or "failed (exit N)") and MAIL_MS (how long swaks ran,
# its own start included).
MAIL='' MAIL_MS=0
try_mail() {
	local rc=0 t0
	t0=$(now_ms)
	send_mail "$@" || rc=$?
	MAIL_MS=$(($(now_ms) - t0))
	MAIL="failed (exit $rc)"
	if [ "$rc" -eq 0 ]; then
		MAIL=delivered
	elif [ "$rc" -eq 2 ] && grep -qi 'connection refused' "$T/swaks.log"; then
		MAIL=refused
	elif [ "$rc" -eq 2 ] && grep -qiE 'timed? ?out' "$T/swaks.log"; then
		MAIL=timeout
	fi
}

# connect_ms NS ADDR PORT: one connect() from NS, timed in the process
# itself: prints "refused MS", "timeout MS" or "connected MS".
connect_ms() {
	nsx "$1" $PY - "$2" "$3" <<'EOF'
import socket, sys, time
a, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(5)
t0 = time.monotonic()
try:
    s.connect((a, port))
    what = "connected"
except ConnectionRefusedError:
    what = "refused"
except (socket.timeout, TimeoutError):
    what = "timeout"
print("%s %.2f" % (what, (time.monotonic() - t0) * 1000))
EOF
}

# udp_probe NS ADDR PORT: a connected UDP socket sends one datagram and
# reads: prints "refused" (ECONNREFUSED: an ICMP port unreachable came
# back), "answered" (a datagram came back) or "timeout" (nothing in 3 s).
udp_probe() {
	nsx "$1" $PY - "$2" "$3" <<'EOF'
import socket, sys
a, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((a, port))
s.send(b"portcullis reject probe")
try:
    s.recv(512)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except (socket.timeout, TimeoutError):
    print("timeout")
EOF
}

# udp_echo NS ADDR PORT: a UDP echo server, so that a datagram that gets
# through is answered, and no ICMP error can come from the server's kernel.
udp_echo() {
	bg "udpecho-$1-$2" ip netns exec "$1" $PY -c '
import socket, sys
a, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a, port))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
' "$2" "$3"
	wait_for 10 sh -c "ip netns exec '$1' ss -Huln | grep -q ':$3 '"
}

# icmp_unreach PCAP v4|v6: how many ICMP port unreachables (type 3 code
# 3) or ICMPv6 ones (type 1 code 4) for UDP_PORT the capture holds.
icmp_unreach() {
	local re="^[0-9:.]+ IP .*: ICMP .* udp port $UDP_PORT unreachable"
	[ "$2" = v6 ] && re="^[0-9:.]+ IP6 .*: ICMP6, destination unreachable, unreachable port, .* udp port $UDP_PORT,"
	tcpdump -r "$1" -nn 2>/dev/null | grep -cE "$re"
}

# servers NS ADDR...: aiosmtpd on 25 and 587 and a UDP echo on UDP_PORT of
# each address.
servers() {
	local ns=$1 a
	shift
	for a in "$@"; do
		smtp_server "$ns" "$a" 25 && smtp_server "$ns" "$a" 587 && udp_echo "$ns" "$a" $UDP_PORT || return 1
	done
}

# ---------------------------------------------------------------- the cases

# tcp_case NAME CLIENT_NS SERVER_V4 SERVER_V6: swaks and connect() to 25
# refused at once, 587 delivered; then with block, a timeout.
tcp_case() {
	local name=$1 ns=$2 v4=$3 v6=$4 fam srv s0=$T/s0.json s1=$T/s1.json line
	pc stats --json >"$s0"
	for fam in v4 v6; do
		srv=$v4
		[ $fam = v6 ] && srv=$v6
		try_mail "$ns" "$srv" 25
		check_eq "$name $fam: swaks to port 25 fails with \"connection refused\"" "$MAIL" refused
		[ "$MAIL" = refused ] || diag "$(tail -n 4 "$T/swaks.log")"
		line="reject $name $fam: swaks $MAIL after $MAIL_MS ms"
		run connect_ms "$ns" "$srv" 25
		check_match "$name $fam: connect() to port 25 is refused" "$OUT" '^refused '
		line="$line (connect(): ${OUT/ / after } ms)"
		try_mail "$ns" "$srv" 587
		check_eq "$name $fam: mail to 587 is still delivered" "$MAIL" delivered
		line="$line; delivered on 587 in $MAIL_MS ms"
		eval "TIMING_$fam=\$line"
	done
	pc stats --json >"$s1"
	# swaks and connect(), in each family: one SYN each.
	check_eq "$name: tcp/25 counts the 4 attempts as rejected connections" \
		"$(jdiff "$s0" "$s1" 'port("tcp", 25)["rejected"]["connections"]')" 4
	check_eq "$name: tcp/25 dropped nothing" \
		"$(jdiff "$s0" "$s1" 'port("tcp", 25)["dropped"]["packets"]')" 0

	check_rc "$name: apply the same policy with block" 0 pc apply "$T/block.rules"
	for fam in v4 v6; do
		srv=$v4
		[ $fam = v6 ] && srv=$v6
		try_mail "$ns" "$srv" 25
		check_eq "$name $fam: with block, swaks to port 25 hits its timeout (not a refusal)" "$MAIL" timeout
		[ "$MAIL" = timeout ] || diag "$(tail -n 4 "$T/swaks.log")"
		eval "line=\$TIMING_$fam"
		diag "$line; block $name $fam: swaks $MAIL after $MAIL_MS ms"
	done
	check_rc "$name: apply the reject policy again" 0 pc apply "$T/reject.rules"
}

# udp_case NAME CLIENT_NS CLIENT_IF SERVER_V4 SERVER_V6
udp_case() {
	local name=$1 ns=$2 dev=$3 v4=$4 v6=$5 s0=$T/s0.json s1=$T/s1.json cap
	capture_start "$ns" "$dev" "udp-${name// /-}" 'icmp or icmp6' || bail "start tcpdump"
	cap=$CAP_PID
	pc stats --json >"$s0"
	check_eq "$name v4: a connected UDP socket to a rejected port reads ECONNREFUSED" \
		"$(udp_probe "$ns" "$v4" $UDP_PORT)" refused
	check_eq "$name v6: a connected UDP socket to a rejected port reads ECONNREFUSED" \
		"$(udp_probe "$ns" "$v6" $UDP_PORT)" refused
	capture_stop "$cap"
	pc stats --json >"$s1"
	check_eq "$name v4: tcpdump on the client's side saw one ICMP port unreachable" \
		"$(icmp_unreach "$T/udp-${name// /-}.pcap" v4)" 1
	check_eq "$name v6: tcpdump on the client's side saw one ICMPv6 port unreachable" \
		"$(icmp_unreach "$T/udp-${name// /-}.pcap" v6)" 1
	check_eq "$name: udp/$UDP_PORT counts both datagrams as rejected" \
		"$(jdiff "$s0" "$s1" "port(\"udp\", $UDP_PORT)[\"rejected\"][\"packets\"]")" 2
	# The echo server answers what gets through: with the policy gone, the
	# same probe is answered, so the refusal above came from portcullis.
	check_rc "$name: apply a policy without the UDP rule" 0 pc apply "$T/tcp-only.rules"
	check_eq "$name v4: without the rule, the probe is answered by the server" \
		"$(udp_probe "$ns" "$v4" $UDP_PORT)" answered
	check_rc "$name: apply the reject policy again" 0 pc apply "$T/reject.rules"
}
grep -v '^reject proto udp' "$T/reject.rules" >"$T/tcp-only.rules"

# limit_case: 1,000 SYNs from one subscriber, sent as raw frames, get at
# most the reply limit's burst of resets plus what refills while they go.
limit_case() {
	local s0=$T/s0.json s1=$T/s1.json cap ms resets max src=100.64.0.77
	capture_start "$SUB" pcsub0 limit "tcp and src port 25 and tcp[tcpflags] & tcp-rst != 0" || bail "start tcpdump"
	cap=$CAP_PID
	pc stats --json >"$s0"
	ms=$(send_segments "$SUB" pcsub0 "$(mac_of "$RTR" pcrtr0)" $src $ISP_MX_V4 25 1000)
	stats_settle "$s1" 'port("tcp", 25)["rejected"]["packets"]' \
		"$(($(jget "$s0" 'port("tcp", 25)["rejected"]["packets"]') + 1000))"
	sleep 0.5
	capture_stop "$cap"
	resets=$(tcpdump -r "$T/limit.pcap" -nn 2>/dev/null | grep -c "$ISP_MX_V4.25 > $src")
	# A burst of 20, then one every 100 ms of the send, and one for the edge.
	max=$((20 + (ms + 99) / 100 + 1))
	diag "reply limit: 1000 SYNs sent in $ms ms got $resets resets (at most $max allowed)"
	check_num -gt "limit: the SYNs from one source get resets" "$resets" 0
	check_num -le "limit: ... but no more than the burst of 20 and 10 a second allow ($max)" "$resets" "$max"
	check_counts "limit: stats --json counts all 1,000 SYNs as rejected on tcp/25 (packets, bytes, connections)" \
		"$(jdiff "$s0" "$s1" 'port("tcp", 25)["rejected"]')" "1000 54000 1000"
	check_counts "limit: ... and on the reject rule" "$(jdiff "$s0" "$s1" 'rule(1)')" "1000 54000 1000"
}

# ---------------------------------------------------------------- router

isp_topology "$SUB" "$RTR" "$NET" || bail "build the router topology"
PC_NS=$RTR
on_exit "rm -rf '$PORTCULLIS_PIN_DIR'"
detach_at_exit "$RTR"
# Let swaks's own timeout end a blocked attempt (isp_topology shortens the
# kernel's SYN retries), so that block shows the wait that reject spares.
ns_sysctl "$SUB" net.ipv4.tcp_syn_retries 6 || bail "reset tcp_syn_retries"
# A veth quirk (see xdp_pass in lib.sh): without it, the resets that XDP
# sends back on pcrtr0 never reach the subscriber.
xdp_pass "$SUB" pcsub0 || bail "attach an XDP_PASS program to the subscriber's veth"
servers "$NET" $ISP_MX_V4 $ISP_MX_V6 || bail "start the servers"
ok "router: topology and servers are up"

for hook in xdp tc-ingress; do
	name=$hook
	[ $hook = xdp ] || name="$hook router"
	check_rc "$name: attach pcrtr0 --hook $hook with the reject policy" 0 \
		pc attach pcrtr0 --hook $hook --rules "$T/reject.rules"
	[ "$RC" -eq 0 ] || continue
	tcp_case "$name" "$SUB" $ISP_MX_V4 $ISP_MX_V6
	udp_case "$name" "$SUB" pcsub0 $ISP_MX_V4 $ISP_MX_V6
	[ $hook = xdp ] && limit_case
	check_rc "$name: detach --all" 0 pc detach --all
done

# ---------------------------------------------------------------- host

# host_topology: HOST (pchost0: HOST_V4, HOST_V6) -- SRV (pcsrv0: SRV_V4, SRV_V6).
host_topology() {
	ns_add "$HOST" && ns_add "$SRV" || return 1
	veth "$HOST" pchost0 "$SRV" pcsrv0 || return 1
	addr "$HOST" pchost0 $HOST_V4/24 $HOST_V6/64 || return 1
	addr "$SRV" pcsrv0 $SRV_V4/24 $SRV_V6/64
}

host_topology || bail "build the host topology"
servers "$SRV" $SRV_V4 $SRV_V6 || bail "start the host's servers"
PC_NS=$HOST
detach_at_exit "$HOST"
name="tc-egress host"
check_rc "$name: attach pchost0 --hook tc-egress with the reject policy" 0 \
	pc attach pchost0 --hook tc-egress --rules "$T/reject.rules"
if [ "$RC" -eq 0 ]; then
	tcp_case "$name" "$HOST" $SRV_V4 $SRV_V6
	udp_case "$name" "$HOST" pchost0 $SRV_V4 $SRV_V6
	check_rc "$name: detach --all" 0 pc detach --all
fi

done_testing
