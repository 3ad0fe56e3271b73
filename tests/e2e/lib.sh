# shellcheck shell=bash disable=SC2034
# Shared helpers for the end-to-end tests and the demo. Source it:
#
#   . "$(dirname "$0")/lib.sh"
#
# It gives:
#   - TAP output: ok/not_ok/check*/diag/done_testing, with a counter;
#   - a cleanup registry run by an EXIT trap, even on failure or ^C;
#   - network namespace and veth builders (everything is created inside
#     namespaces that the caller names; nothing in the root namespace is
#     touched);
#   - SMTP server start/wait (aiosmtpd) and client (swaks) helpers;
#   - `pc`, which runs build/portcullis in the namespace $PC_NS with
#     nsenter (not `ip netns exec`, which would hide the bpffs pins);
#   - JSON and pcap readers built on Debian's /usr/bin/python3.
#
# Safety: test traffic uses only 198.51.100.0/24, 203.0.113.0/24,
# 100.64.0.0/10 and 2001:db8::/32, inside namespaces whose names start with
# "pc" and end with the PID of the test, so parallel runs never collide.

set -u

PC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The command under test: $PC_BIN, or the one that make built (make exports
# BUILD to its recipes when it is given on its command line).
case ${BUILD:-build} in
/*) PC_BIN=${PC_BIN:-$BUILD/portcullis} ;;
*) PC_BIN=${PC_BIN:-$PC_ROOT/${BUILD:-build}/portcullis} ;;
esac
PY=/usr/bin/python3 # Debian's python, which has aiosmtpd (not the one on PATH)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Every run gets its own pin directory, so that it never touches a real
# deployment under /sys/fs/bpf/portcullis (even when PORTCULLIS_PIN_DIR is
# set in the caller's environment), nor another run's pins.
export PORTCULLIS_PIN_DIR=${PC_PRIVATE_PIN_DIR:-/sys/fs/bpf/pc-e2e-$$}

# ---------------------------------------------------------------- TAP

T_N=0
T_FAIL=0

# diag LINE...: each argument, and each line in it, as a TAP comment.
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
ok() { T_N=$((T_N + 1)); printf 'ok %d - %s\n' "$T_N" "$*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); printf 'not ok %d - %s\n' "$T_N" "$*"; }

# check DESC CMD...: passes when CMD exits 0.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got:  '$2'" "want: '$3'"
	fi
}

# check_same DESC GOT WANT: like check_eq, but an empty WANT (a failed
# lookup) is a failure, so that two failures never compare equal.
check_same() {
	if [ -n "$3" ] && [ "$2" == "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "got:  '$2'" "want: '$3'"
	fi
}

# check_counts DESC GOT WANT: two "PACKETS BYTES CONNECTIONS" triples are
# equal (and both are triples: two failed lookups never compare equal).
check_counts() {
	local re='^[0-9]+ [0-9]+ [0-9]+$'
	if [[ "$2" =~ $re ]] && [ "$2" == "$3" ]; then
		ok "$1 ($2)"
	else
		not_ok "$1"
		diag "got:  '$2'" "want: '$3'"
	fi
}

# check_num OP DESC GOT WANT: numeric comparison (-gt, -ge, -eq...); a
# non-number is a failure.
check_num() {
	local op=$1 desc=$2 got=$3 want=$4
	if [[ "$got" =~ ^-?[0-9]+$ ]] && test "$got" "$op" "$want"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "got: '$got', want: $op $want"
	fi
}

# check_match DESC TEXT REGEX (extended regex, grep -E, any line)
check_match() {
	if grep -qE -- "$3" <<<"$2"; then
		ok "$1"
	else
		not_ok "$1"
		diag "no line matches /$3/ in:" "$2"
	fi
}

check_nomatch() {
	grep -qE -- "$3" <<<"$2"
	if [ $? -eq 1 ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "unexpected /$3/ in:" "$2"
	fi
}

# run CMD...: runs CMD, sets RC, OUT (stdout) and ERR (stderr). Never
# fails itself.
RC=0 OUT='' ERR=''
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	RC=0
	"$@" >"$o" 2>"$e" </dev/null || RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# check_rc DESC WANT_RC CMD...: runs CMD with run() and checks its status.
check_rc() {
	local desc=$1 want=$2
	shift 2
	run "$@"
	if [ "$RC" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command: $*" "exit status $RC, want $want" "stdout: $OUT" "stderr: $ERR"
	fi
}

# Ends the test: prints the plan and returns non-zero if anything failed.
done_testing() {
	printf '1..%d\n' "$T_N"
	if [ "$T_FAIL" -ne 0 ]; then
		diag "$T_FAIL of $T_N checks failed"
		return 1
	fi
	return 0
}

# Give up on the whole test: one failure, then exit (the trap cleans up).
bail() {
	not_ok "$*"
	done_testing
	exit 1
}

# ---------------------------------------------------------------- cleanup

_PC_CLEANUP=()
# on_exit 'shell command': run at exit, most recent first.
on_exit() { _PC_CLEANUP+=("$1"); }

_pc_run_cleanup() {
	local i
	trap - EXIT INT TERM HUP
	for ((i = ${#_PC_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${_PC_CLEANUP[i]}" >/dev/null 2>&1 || true
	done
	_PC_CLEANUP=()
}
trap _pc_run_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A private scratch directory.
T=$(mktemp -d /tmp/pc-e2e.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"

# kill_pid PID: ends one process we started, and waits (bounded) for it.
kill_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# bg NAME CMD...: starts CMD (an external command, not a shell function,
# so that BG_PID is the process itself) in the background, logs to
# $T/NAME.log, registers it for killing at exit; BG_PID is its PID.
BG_PID=
bg() {
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>&1 </dev/null &
	BG_PID=$!
	on_exit "kill_pid $BG_PID"
}

# wait_for SECS CMD...: polls CMD every 0.1 s until it succeeds or SECS
# seconds have passed.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- root

require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root"
		diag "run as root"
		exit 1
	fi
	if [ ! -x "$PC_BIN" ]; then
		bail "$PC_BIN is missing; run make first"
	fi
}

# ---------------------------------------------------------------- namespaces

# ns_add NAME: a new network namespace, with lo up, removed at exit.
ns_add() {
	local ns=$1
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns" || return 1
	on_exit "ns_del '$ns'"
	ip -n "$ns" link set lo up
}

# ns_del NAME: kills what still runs inside (only our namespaces), deletes.
ns_del() {
	local ns=$1 pid
	[ -e "/run/netns/$ns" ] || return 0
	for pid in $(ip netns pids "$ns" 2>/dev/null); do kill_pid "$pid"; done
	ip netns del "$ns"
}

# nsx NS CMD...: runs an ordinary command in a namespace.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ns_sysctl NS KEY VALUE: a per-namespace sysctl (net.* only), written
# through /proc so that no procps is needed.
ns_sysctl() {
	local ns=$1 key=$2 val=$3
	case $key in
	net.*) ;;
	*) echo "ns_sysctl: refusing non-net key $key" >&2; return 1 ;;
	esac
	nsenter --net="/run/netns/$ns" sh -c "echo '$val' > /proc/sys/${key//.//}"
}

# veth NS1 IF1 NS2 IF2: a veth pair created directly inside the two
# namespaces (never in the root namespace), both ends up, offloads that
# would merge or split frames turned off so that tcpdump on one end sees
# the very frames the other end receives.
veth() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4
	ip link add name "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" || return 1
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
	nsx "$ns1" ethtool -K "$if1" tso off gso off gro off >/dev/null 2>&1 || true
	nsx "$ns2" ethtool -K "$if2" tso off gso off gro off >/dev/null 2>&1 || true
}

# addr NS IF ADDR/LEN...: IPv6 addresses are added with nodad.
addr() {
	local ns=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" -6 addr add "$a" dev "$dev" nodad || return 1 ;;
		*) ip -n "$ns" addr add "$a" dev "$dev" || return 1 ;;
		esac
	done
}

# ---------------------------------------------------------------- portcullis

# pc ARGS...: runs the command in the namespace $PC_NS (the root namespace
# when PC_NS is empty). nsenter keeps the root mount namespace, so the
# pins under /sys/fs/bpf stay visible.
# Each run is bounded: a command that hangs fails with status 124.
PC_NS=
pc() {
	if [ -n "$PC_NS" ]; then
		timeout 60 nsenter --net="/run/netns/$PC_NS" "$PC_BIN" "$@"
	else
		timeout 60 "$PC_BIN" "$@"
	fi
}

# Registers the removal of everything portcullis pinned under our pin dir.
pc_cleanup_at_exit() {
	on_exit "pc detach --all; rm -rf '$PORTCULLIS_PIN_DIR' 2>/dev/null"
}

# ---------------------------------------------------------------- JSON

# jget FILE EXPR: evaluates a python expression over the JSON document d in
# FILE and prints the result (JSON for lists and dicts). Helpers:
#   port(proto, port)  the "ports" entry of that port (or range start)
#   rule(n)            the "rules" entry with "rule" == n
#   att(ifname)        the "attachments" entry of that interface
#   ts(text)           an RFC 3339 UTC time ("...Z") as Unix seconds
# Prints nothing and fails if the expression fails.
_PC_JSON_PY='
import calendar, json, sys, time
def ts(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
def helpers(d):
    def port(proto, p):
        m = [x for x in d["ports"] if x["proto"] == proto and x["port"] == p]
        if len(m) != 1:
            raise KeyError("%d entries for %s/%d" % (len(m), proto, p))
        return m[0]
    def rule(n):
        m = [x for x in d["rules"] if x["rule"] == n]
        if len(m) != 1:
            raise KeyError("%d entries for rule %d" % (len(m), n))
        return m[0]
    def att(ifname):
        m = [x for x in d["attachments"] if x["interface"] == ifname]
        if len(m) != 1:
            raise KeyError("%d attachments on %s" % (len(m), ifname))
        return m[0]
    return {"d": d, "port": port, "rule": rule, "att": att, "ts": ts}
def value(path, expr):
    return eval(expr, helpers(json.load(open(path))))
def show(v):
    if isinstance(v, (dict, list)):
        print(json.dumps(v, sort_keys=True))
    elif isinstance(v, bool):
        print("true" if v else "false")
    else:
        print(v)
'
jget() {
	$PY -c "$_PC_JSON_PY"'
try:
    show(value(sys.argv[1], sys.argv[2]))
except Exception as e:
    sys.exit("jget: %s: %r" % (sys.argv[2], e))
' "$1" "$2"
}

# jdiff BEFORE AFTER EXPR: how much a counter grew between two stats --json
# files. EXPR gives a number, or an object of packets, bytes and
# connections, printed then as "PACKETS BYTES CONNECTIONS".
jdiff() {
	$PY -c "$_PC_JSON_PY"'
try:
    a, b = value(sys.argv[1], sys.argv[3]), value(sys.argv[2], sys.argv[3])
    if isinstance(a, dict):
        print(" ".join(str(b[k] - a[k]) for k in ("packets", "bytes", "connections")))
    else:
        print(b - a)
except Exception as e:
    sys.exit("jdiff: %s: %r" % (sys.argv[3], e))
' "$1" "$2" "$3"
}

# ---------------------------------------------------------------- pcap

# pcap_sum FILE PREDICATE [STRIP]: reads a pcap written by tcpdump -w and
# prints "PACKETS BYTES SYNS" for the TCP frames over IPv4 or IPv6 for which
# the python PREDICATE over p holds. p has: src, dst (compressed text),
# sport, dport, syn (SYN without ACK), tags (VLAN tags), len (frame length
# on the wire). STRIP bytes are taken off the length of each tagged frame
# (4 for a hook that sees the outer tag moved out of the frame, as tc does).
pcap_sum() {
	$PY - "$1" "$2" "${3:-0}" <<'EOF'
import ipaddress, struct, sys
class P: pass
data = open(sys.argv[1], "rb").read()
magic = struct.unpack("<I", data[:4])[0]
end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
linktype = struct.unpack(end + "I", data[20:24])[0]
if linktype != 1:
    sys.exit("pcap_sum: link type %d is not Ethernet" % linktype)
off, n, nbytes, nsyn = 24, 0, 0, 0
while off + 16 <= len(data):
    _, _, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
    f = data[off + 16:off + 16 + incl]
    off += 16 + incl
    et, l3 = struct.unpack("!H", f[12:14])[0], 14
    p = P()
    p.tags = 0
    while et in (0x8100, 0x88a8):
        et, l3 = struct.unpack("!H", f[l3 + 2:l3 + 4])[0], l3 + 4
        p.tags += 1
    if et == 0x0800:
        if f[l3 + 9] != 6:
            continue
        p.src = str(ipaddress.ip_address(f[l3 + 12:l3 + 16]))
        p.dst = str(ipaddress.ip_address(f[l3 + 16:l3 + 20]))
        l4 = l3 + (f[l3] & 15) * 4
    elif et == 0x86dd:
        if f[l3 + 6] != 6:
            continue
        p.src = str(ipaddress.ip_address(f[l3 + 8:l3 + 24]))
        p.dst = str(ipaddress.ip_address(f[l3 + 24:l3 + 40]))
        l4 = l3 + 40
    else:
        continue
    p.sport, p.dport = struct.unpack("!HH", f[l4:l4 + 4])
    p.syn = (f[l4 + 13] & 0x12) == 0x02
    p.len = orig - (int(sys.argv[3]) if p.tags else 0)
    if eval(sys.argv[2], {"p": p}):
        n += 1
        nbytes += p.len
        nsyn += p.syn
print(n, nbytes, nsyn)
EOF
}

# capture_start NS IF NAME FILTER: tcpdump in a namespace, writing
# $T/NAME.pcap packet by packet; waits until it listens. CAP_PID is its PID.
CAP_PID=
capture_start() {
	local ns=$1 dev=$2 name=$3 filter=$4
	rm -f "$T/$name.pcap"
	bg "tcpdump-$name" ip netns exec "$ns" tcpdump -i "$dev" -n -U --immediate-mode -s 256 -w "$T/$name.pcap" "$filter"
	CAP_PID=$BG_PID
	wait_for 10 grep -q 'listening on' "$T/tcpdump-$name.log"
}

# tcp_settled NS: no TCP connection in NS is open or closing (TIME-WAIT is
# fine: its last ACK is sent).
tcp_settled() { [ -z "$(nsx "$1" ss -Htan state connected exclude time-wait)" ]; }

# capture_stop PID [NS]: stops tcpdump so that its file is complete. With
# NS, first waits (at most 5 s) until the TCP connections of NS are done, so
# that their last packets are in the capture too.
capture_stop() {
	if [ -n "${2:-}" ]; then
		wait_for 5 tcp_settled "$2"
		sleep 0.3
	fi
	kill -INT "$1" 2>/dev/null || true
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill_pid "$1"
}

# ---------------------------------------------------------------- SMTP

# listening NS ADDR PORT: is there a TCP listener on ADDR:PORT?
listening() {
	local ns=$1 a=$2 port=$3
	case $a in *:*) a="[$a]" ;; esac
	nsx "$ns" ss -Hltn "src $a:$port" 2>/dev/null | grep -q LISTEN
}

# smtp_server NS ADDR PORT: aiosmtpd on ADDR:PORT, accepting and
# discarding every message; waits until it listens.
smtp_server() {
	local ns=$1 a=$2 port=$3
	bg "smtpd-$ns-$a-$port" ip netns exec "$ns" $PY -m aiosmtpd -n -l "$a:$port" -c aiosmtpd.handlers.Sink
	wait_for 20 listening "$ns" "$a" "$port" || {
		diag "aiosmtpd on $a:$port in $ns did not start:" "$(cat "$T/smtpd-$ns-$a-$port.log")"
		return 1
	}
}

# send_mail NS SERVER PORT [LOCAL_ADDR]: one message with swaks from the
# namespace NS; exit status 0 when delivered. Output in $T/swaks.log.
send_mail() {
	local ns=$1 server=$2 port=$3 src=${4:-}
	local args=(--server "$server" --port "$port" --to a@example.org
		--from b@example.net --timeout 5 --helo client.example.net)
	[ -n "$src" ] && args+=(--local-interface "$src")
	timeout 30 ip netns exec "$ns" swaks "${args[@]}" >"$T/swaks.log" 2>&1 </dev/null
}

# ---------------------------------------------------------------- topologies

# isp_topology SUB RTR NET: three namespaces.
#
#   SUB (subscriber)            RTR (ISP router)             NET (internet)
#   pcsub0 --------------------- pcrtr0  pcrtr1 -------------- pcnet0
#   100.64.0.2/24                100.64.0.1/24  203.0.113.1/24 203.0.113.10/24 (mx)
#   100.64.200.10/24 (business)  100.64.200.1/24               lo: 198.51.100.25 (relay)
#   2001:db8:1000::2/64          2001:db8:1000::1/64  2001:db8:2::1/64
#   2001:db8:1fff::10/64 (biz)   2001:db8:1fff::1/64           2001:db8:2::10/64 (mx)
#                                                              lo: 2001:db8:25::25 (relay)
#
# RTR forwards (its own per-namespace sysctls). portcullis goes on pcrtr0,
# where the subscribers' packets arrive.
ISP_SUB_V4=100.64.0.2 ISP_SUB_V6=2001:db8:1000::2
ISP_BIZ_V4=100.64.200.10 ISP_BIZ_V6=2001:db8:1fff::10
ISP_MX_V4=203.0.113.10 ISP_MX_V6=2001:db8:2::10
ISP_RELAY_V4=198.51.100.25 ISP_RELAY_V6=2001:db8:25::25
isp_topology() {
	local sub=$1 rtr=$2 net=$3
	ns_add "$sub" && ns_add "$rtr" && ns_add "$net" || return 1
	veth "$sub" pcsub0 "$rtr" pcrtr0 || return 1
	veth "$rtr" pcrtr1 "$net" pcnet0 || return 1
	addr "$sub" pcsub0 100.64.0.2/24 100.64.200.10/24 2001:db8:1000::2/64 2001:db8:1fff::10/64 || return 1
	addr "$rtr" pcrtr0 100.64.0.1/24 100.64.200.1/24 2001:db8:1000::1/64 2001:db8:1fff::1/64 || return 1
	addr "$rtr" pcrtr1 203.0.113.1/24 2001:db8:2::1/64 || return 1
	addr "$net" pcnet0 203.0.113.10/24 2001:db8:2::10/64 || return 1
	addr "$net" lo 198.51.100.25/32 2001:db8:25::25/128 || return 1
	ip -n "$sub" route add default via 100.64.0.1 src 100.64.0.2 || return 1
	ip -n "$sub" -6 route add default via 2001:db8:1000::1 src 2001:db8:1000::2 || return 1
	ip -n "$rtr" route add 198.51.100.25/32 via 203.0.113.10 || return 1
	ip -n "$rtr" -6 route add 2001:db8:25::/64 via 2001:db8:2::10 || return 1
	ip -n "$net" route add default via 203.0.113.1 || return 1
	ip -n "$net" -6 route add default via 2001:db8:2::1 || return 1
	ns_sysctl "$rtr" net.ipv4.ip_forward 1 || return 1
	ns_sysctl "$rtr" net.ipv6.conf.all.forwarding 1 || return 1
	# A blocked connect() gives up after about 3 s (a few SYNs), well within
	# the 5 s timeout of send_mail.
	ns_sysctl "$sub" net.ipv4.tcp_syn_retries 1 || return 1
}

# send_frames NS IF DST_MAC SRC4 DST4 SRC6 DST6 KIND...: sends crafted
# Ethernet frames, one per KIND, from IF in NS through an AF_PACKET socket,
# and prints "KIND LENGTH TAGS" for each. Kinds (TCP unless said):
#   q_v4_syn25     802.1Q tag 100, IPv4 SYN to port 25
#   qinq_v6_syn25  802.1ad tag 200 then 802.1Q tag 300, IPv6 SYN to 25
#   q_v4_syn587    802.1Q tag 100, IPv4 SYN to 587
#   v4opt_syn25    IPv4 with 8 bytes of options (IHL 7), SYN to 25
#   v6ext_syn25    IPv6 with hop-by-hop, destination options and routing
#                  (type 4, no segments left) headers, SYN to 25
#   v6frag0_syn25  IPv6 first fragment (offset 0, M=1) holding the whole
#                  TCP header of a SYN to 25
#   v4_doff4       IPv4 SYN to 25 whose TCP data offset is 4 (malformed)
#   v4_short       IPv4 that claims TCP but carries 2 bytes of it (malformed)
#   v4_frag_later  IPv4 non-first fragment (offset 8 bytes) of TCP
send_frames() {
	local ns=$1
	shift
	PYTHONPATH=$PC_ROOT/tests/e2e ip netns exec "$ns" $PY - "$@" <<'EOF'
import socket, struct, sys
from inet_checksum import csum
ifname, dmac, src4, dst4, src6, dst6 = sys.argv[1:7]

def tcp(v6, dport, doff=5):
    hdr = struct.pack("!HHIIBBHHH", 40000 + dport, dport, 12345, 0, doff << 4, 0x02, 64240, 0, 0)
    if v6:
        ph = socket.inet_pton(socket.AF_INET6, src6) + socket.inet_pton(socket.AF_INET6, dst6) + \
            struct.pack("!I3xB", len(hdr), 6)
    else:
        ph = socket.inet_aton(src4) + socket.inet_aton(dst4) + struct.pack("!xBH", 6, len(hdr))
    return hdr[:16] + struct.pack("!H", csum(ph + hdr)) + hdr[18:]

def ip4(payload, opts=b"", frag=0):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), 1, frag, 64, 6, 0,
                    socket.inet_aton(src4), socket.inet_aton(dst4)) + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def ip6(nxt, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), nxt, 64) + \
        socket.inet_pton(socket.AF_INET6, src6) + socket.inet_pton(socket.AF_INET6, dst6) + payload

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
smac = s.getsockname()[4][:6]
for kind in sys.argv[7:]:
    tags = ()
    if kind == "q_v4_syn25":
        tags, et, l3 = ((0x8100, 100),), 0x0800, ip4(tcp(False, 25))
    elif kind == "qinq_v6_syn25":
        tags, et, l3 = ((0x88a8, 200), (0x8100, 300)), 0x86dd, ip6(6, tcp(True, 25))
    elif kind == "q_v4_syn587":
        tags, et, l3 = ((0x8100, 100),), 0x0800, ip4(tcp(False, 587))
    elif kind == "v4opt_syn25":
        et, l3 = 0x0800, ip4(tcp(False, 25), opts=b"\x01" * 7 + b"\x00")
    elif kind == "v6ext_syn25":
        hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])        # PadN; next: destination options
        dst = bytes([43, 0, 1, 4, 0, 0, 0, 0])        # PadN; next: routing
        rt = bytes([6, 0, 4, 0, 0, 0, 0, 0])          # type 4, 0 segments left; next: TCP
        et, l3 = 0x86dd, ip6(0, hbh + dst + rt + tcp(True, 25))
    elif kind == "v6frag0_syn25":
        fh = struct.pack("!BBHI", 6, 0, 0x0001, 0xabcd)  # offset 0, M=1; next: TCP
        et, l3 = 0x86dd, ip6(44, fh + tcp(True, 25) + b"\0" * 4)
    elif kind == "v4_doff4":
        t = bytearray(tcp(False, 25))
        t[12] = 4 << 4
        et, l3 = 0x0800, ip4(bytes(t))
    elif kind == "v4_short":
        et, l3 = 0x0800, ip4(struct.pack("!H", 40025))
    elif kind == "v4_frag_later":
        et, l3 = 0x0800, ip4(b"\0" * 8, frag=1)
    else:
        sys.exit("send_frames: unknown kind " + kind)
    frame = bytes(int(x, 16) for x in dmac.split(":")) + smac
    for tpid, vid in tags:
        frame += struct.pack("!HH", tpid, vid)
    frame += struct.pack("!H", et) + l3
    s.send(frame)
    print(kind, len(frame), len(tags))
EOF
}

# send_segments NS IF DST_MAC SRC DST DPORT COUNT [FLAGS]: sends COUNT
# TCP segments (FLAGS: syn, the default, or ack) from SRC, IPv4 or IPv6,
# to DST port DPORT, each from its own source port, as raw frames out of
# IF in NS, a little at a time so that no veth ring overflows. Prints the
# milliseconds the send took.
send_segments() {
	local ns=$1
	shift
	PYTHONPATH=$PC_ROOT/tests/e2e nsx "$ns" $PY - "$@" <<'EOF'
import socket, struct, sys, time
from inet_checksum import csum
ifname, dmac, src, dst, dport, count = sys.argv[1:7]
dport, count = int(dport), int(count)
flags = {"syn": 0x02, "ack": 0x10}[sys.argv[7] if len(sys.argv) > 7 else "syn"]
v6 = ":" in src
fam = socket.AF_INET6 if v6 else socket.AF_INET
sa, da = socket.inet_pton(fam, src), socket.inet_pton(fam, dst)

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
eth = bytes(int(x, 16) for x in dmac.split(":")) + s.getsockname()[4][:6]
frames = []
for i in range(count):
    t = struct.pack("!HHIIBBHHH", 20000 + i % 40000, dport, 1000 + i, 0, 5 << 4, flags, 64240, 0, 0)
    if v6:
        ph = sa + da + struct.pack("!I3xB", len(t), 6)
        l3 = struct.pack("!IHBB", 0x60000000, len(t), 6, 64) + sa + da
        et = b"\x86\xdd"
    else:
        ph = sa + da + struct.pack("!xBH", 6, len(t))
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(t), i & 0xffff, 0, 64, 6, 0, sa, da)
        l3 = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        et = b"\x08\x00"
    t = t[:16] + struct.pack("!H", csum(ph + t)) + t[18:]
    frames.append(eth + et + l3 + t)
t0 = time.monotonic()
for i, f in enumerate(frames):
    s.send(f)
    if i % 100 == 99:
        time.sleep(0.001)
print(int((time.monotonic() - t0) * 1000) + 1)
EOF
}

# mac_of NS IF: the MAC address of an interface.
mac_of() { ip -n "$1" link show dev "$2" | awk '/link\/ether/ { print $2 }'; }

# isp_servers NET: mail servers in the internet namespace: the mx on 25,
# 587 and 2525 (IPv4 and IPv6) and the ISP relay on 25.
isp_servers() {
	local net=$1 a p
	for a in $ISP_MX_V4 $ISP_MX_V6; do
		for p in 25 587 2525; do smtp_server "$net" "$a" "$p" || return 1; done
	done
	smtp_server "$net" $ISP_RELAY_V4 25 || return 1
	smtp_server "$net" $ISP_RELAY_V6 25 || return 1
}

# mail_delivered DESC NS SERVER PORT [LOCAL_ADDR]: a check that swaks
# delivers a message.
mail_delivered() {
	local desc=$1 rc=0
	shift
	send_mail "$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "swaks exit status $rc, want 0 (delivered); its last lines:" "$(tail -n 4 "$T/swaks.log")"
	fi
}

# mail_refused DESC NS SERVER PORT [LOCAL_ADDR]: a check that swaks cannot
# even connect (its exit status 2), as when portcullis drops the SYNs.
mail_refused() {
	local desc=$1 rc=0
	shift
	send_mail "$@" || rc=$?
	if [ "$rc" -eq 2 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "swaks exit status $rc, want 2 (could not connect); its last lines:" "$(tail -n 4 "$T/swaks.log")"
	fi
}

# mail_reset DESC NS SERVER PORT [LOCAL_ADDR]: a check that swaks fails at
# once with "connection refused", as when reject answers the SYN with a
# reset (a dropped SYN makes it time out instead).
mail_reset() {
	local desc=$1 rc=0
	shift
	send_mail "$@" || rc=$?
	if [ "$rc" -eq 2 ] && grep -qi 'connection refused' "$T/swaks.log"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "swaks exit status $rc, want 2 with \"connection refused\"; its last lines:" \
			"$(tail -n 4 "$T/swaks.log")"
	fi
}

# xdp_pass NS IF: an XDP program that passes every frame
# (tests/bench/empty.bpf.c), attached in native mode to IF. A veth hands
# the frames that an XDP program on its peer sends back with XDP_TX (the
# reset of a reject) to IF only when IF runs an XDP program itself
# (FACTS.md): a quirk of veth, which a real NIC does not share. It goes
# with the interface, when the namespace is deleted.
xdp_pass() {
	local ns=$1 dev=$2 obj=$T/xdp_pass.bpf.o
	if [ ! -s "$obj" ]; then
		clang -O2 -target bpf -idirafter "/usr/include/$(gcc -print-multiarch)" \
			-c "$PC_ROOT/tests/bench/empty.bpf.c" -o "$obj" || return 1
	fi
	ip -n "$ns" link set dev "$dev" xdpdrv obj "$obj" sec xdp
}

# stats_settle FILE EXPR WANT: stats --json into FILE until EXPR (see jget)
# is WANT, for at most 5 s: frames sent raw are counted by a softirq after
# the send.
stats_settle() {
	local i
	for ((i = 0; i < 50; i++)); do
		pc stats --json >"$1" && [ "$(jget "$1" "$2")" == "$3" ] && return 0
		sleep 0.1
	done
}

# counts FILE EXPR: "PACKETS BYTES CONNECTIONS" of a stats --json object,
# in the order pcap_sum prints them, e.g. counts stats.json 'rule(3)' or
# counts stats.json 'port("tcp", 25)["dropped"]'.
counts() {
	jget "$1" "'%d %d %d' % tuple(($2)[k] for k in ('packets', 'bytes', 'connections'))"
}

# prog_exists ID: is there a BPF program with that id?
prog_exists() { bpftool prog show id "$1" >/dev/null 2>&1; }

# xdp_prog_id NS IF: the id of the XDP program attached to IF, if any.
xdp_prog_id() {
	ip -n "$1" link show dev "$2" 2>/dev/null | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n 1
}

# xdp_mode NS IF: "xdp" (native), "xdpgeneric", ... or nothing, from the
# flags that ip link prints.
# A missing interface prints "no-such-interface", so that a check for "no
# XDP" cannot pass by looking in the wrong place.
xdp_mode() {
	local line
	line=$(ip -n "$1" link show dev "$2" 2>/dev/null | head -n 1)
	if [ -z "$line" ]; then
		echo no-such-interface
		return 1
	fi
	grep -oE ' xdp[a-z]* ' <<<"$line" | tr -d ' '
}

# pinned_ids: "KIND ID" (KIND: prog, map or link) of every BPF object that
# is pinned under the pin directory, from bpftool.
pinned_ids() {
	local kind
	for kind in prog map link; do
		bpftool -f -j "$kind" show 2>/dev/null | $PY -c '
import json, sys
kind, top = sys.argv[1], sys.argv[2].rstrip("/") + "/"
for o in json.load(sys.stdin) or []:
    if any(p.startswith(top) for p in o.get("pinned", [])):
        print(kind, o["id"])
' "$kind" "$PORTCULLIS_PIN_DIR"
	done
}

# all_gone "KIND ID" lines: none of these objects is left in the kernel.
all_gone() {
	local kind id
	while read -r kind id; do
		[ -n "$kind" ] || continue
		bpftool "$kind" show id "$id" >/dev/null 2>&1 && return 1
	done <<<"$1"
	return 0
}

# check_all_gone DESC IDS: waits (at most 10 s: the kernel frees objects
# after an RCU grace period) until all_gone; the IDS must not be empty.
check_all_gone() {
	local desc=$1 ids=$2 n left
	n=$(grep -c . <<<"$ids")
	if [ "$n" -lt 3 ]; then
		not_ok "$desc"
		diag "only $n pinned objects were found before: '$ids'"
	elif wait_for 10 all_gone "$ids"; then
		ok "$desc ($n objects)"
	else
		not_ok "$desc"
		left=$(while read -r k i; do bpftool "$k" show id "$i" 2>/dev/null; done <<<"$ids")
		diag "still in the kernel:" "$left"
	fi
}
