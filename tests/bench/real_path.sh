#!/bin/bash
# The real path: a TCP/25 SYN flood over a veth pair, into a receiver where
# a filter drops it, for each receiver configuration in turn, with the same
# flood and the same duration, in one run. Prints a markdown section on
# stdout (progress goes to stderr).
#
#   sudo tests/bench/real_path.sh            # 3 rounds of 4 s per receiver
#   BENCH_QUICK=1 tests/bench/real_path.sh   # 1 round of 1 s, to develop
#   sudo tests/bench/real_path.sh tables DIR...
#
# The second form is section 2's real path (table size): each DIR is a
# policy of tests/bench/run (isp.rules, its business.txt, and the sources
# that tests/bench/gen.py printed for it). The flood comes from that
# table's subscriber SUB4, in the pool and outside every business prefix,
# so each receiver drops it after looking the table up: portcullis XDP
# with DIR/isp.rules, nftables netdev ingress with the business prefixes
# in interval sets, and iptables raw PREROUTING with one rule a prefix
# (tests/bench/gen.py netfilter writes both). It prints on stdout, for
# tests/bench/run, a first line "info ROUNDS SECONDS IPTABLES_VERSION",
# then one line a receiver and table:
#   RECEIVER PREFIXES LOAD_MS DROPS_PER_S...   (one rate a round), or
#   RECEIVER PREFIXES skipped REASON
# iptables is skipped above BENCH_IPT_MAX prefixes (see below).
#
# Environment: BUILD (the build dir, default build; $BUILD/portcullis is
# the command under test, made if missing), BENCH_SECONDS, BENCH_ROUNDS,
# BENCH_GEN_CPU, BENCH_THREADED=1 with BENCH_RCV_CPU (default 1).
#
# The generator (flood_gen.c, flood_xdp.bpf.c) runs an XDP_TX program with
# BPF_PROG_TEST_RUN in live-frames mode in the sender namespace, pinned to
# one core. By default the receiving veth's NAPI runs where a veth runs it,
# in the generator's softirqs on the same core, so each rate is the sum of
# both costs per frame and ratios between receivers are compressed towards
# 1. BENCH_THREADED=1 runs the receiver as threaded NAPI on BENCH_RCV_CPU
# instead: the rate is then what the receiver alone keeps up with, but it
# is at the mercy of whatever else runs on that core (and the frames' pages
# are freed on a remote CPU). Drops are counted by each filter's own
# counters.
#
# Safety: everything lives in two namespaces pcflood-PID-{snd,rcv} (veths
# pcfPIDs/pcfPIDr, nft tables and iptables rules inside them), the pin dir
# /sys/fs/bpf/pcflood-PID and a temp dir; addresses are from 100.64.0.0/10
# and 203.0.113.0/24. A trap removes all of it, even on failure.
# It never runs from make test.

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PY=/usr/bin/python3

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
case ${BUILD:-build} in
/*) BUILD_DIR=${BUILD} ;;
*) BUILD_DIR=$ROOT/${BUILD:-build} ;;
esac
PC_BIN=$BUILD_DIR/portcullis

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SECONDS_EACH=${BENCH_SECONDS:-1}
	ROUNDS=${BENCH_ROUNDS:-1}
else
	SECONDS_EACH=${BENCH_SECONDS:-4}
	ROUNDS=${BENCH_ROUNDS:-3}
fi
GEN_CPU=${BENCH_GEN_CPU:-0}
RCV_CPU=${BENCH_RCV_CPU:-1}
# The count bound: no run sends more than this, whatever the rate.
MAX_FRAMES=$((SECONDS_EACH * 50000000))
[ "$MAX_FRAMES" -le 4000000000 ] || MAX_FRAMES=4000000000

ID=$$
SND=pcflood-$ID-snd
RCV=pcflood-$ID-rcv
SIF=pcf${ID}s
RIF=pcf${ID}r
SND_IP=100.64.0.2
RCV_IP=203.0.113.1
export PORTCULLIS_PIN_DIR=/sys/fs/bpf/pcflood-$ID
WORK=

log() { printf 'real_path: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# ---------------------------------------------------------------- cleanup

GEN_PID=
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$GEN_PID" ]; then
		kill -TERM "$GEN_PID" 2>/dev/null
		wait "$GEN_PID" 2>/dev/null
	fi
	if [ -e "/run/netns/$RCV" ] && [ -x "$PC_BIN" ]; then
		timeout 30 nsenter --net="/run/netns/$RCV" "$PC_BIN" -q detach --all >/dev/null 2>&1
	fi
	rm -rf "$PORTCULLIS_PIN_DIR" 2>/dev/null
	# Deleting the namespaces takes the veths with them, and their XDP
	# programs, nft tables and iptables rules.
	ip netns del "$SND" 2>/dev/null
	ip netns del "$RCV" 2>/dev/null
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- build

build_tools() {
	local v mult
	WORK=$(mktemp -d "/tmp/pcflood-$ID.XXXXXX") || die "mktemp"
	if [ ! -x "$PC_BIN" ]; then
		log "building $PC_BIN"
		make -C "$ROOT" BUILD="$BUILD_DIR" >&2 || die "make failed"
	fi
	mult=$(gcc -print-multiarch)
	for v in TX PASS DROP; do
		clang -O2 -g -target bpf -Wall -Wextra -Werror -Wno-unused-parameter \
			-I"/usr/include/$mult" -DFLOOD_VERDICT="XDP_$v" \
			-c "$HERE/flood_xdp.bpf.c" -o "$WORK/xdp_${v,,}.o" ||
			die "clang flood_xdp.bpf.c"
	done
	clang -O2 -g -target bpf -Wall -Wextra -Werror -Wno-unused-parameter \
		-I"/usr/include/$mult" -DFLOOD_VERDICT=XDP_TX -DFLOOD_SPREAD_BITS=16 \
		-c "$HERE/flood_xdp.bpf.c" -o "$WORK/xdp_tx_spread.o" ||
		die "clang flood_xdp.bpf.c (spread)"
	# shellcheck disable=SC2046
	gcc -O2 -Wall -Wextra -Werror -o "$WORK/flood_gen" "$HERE/flood_gen.c" \
		$(pkg-config --cflags --libs libbpf) || die "gcc flood_gen.c"
}

# ---------------------------------------------------------------- network

setup_network() {
	ip netns add "$SND" || die "ip netns add $SND"
	ip netns add "$RCV" || die "ip netns add $RCV"
	ip link add name "$SIF" netns "$SND" type veth peer name "$RIF" netns "$RCV" ||
		die "ip link add veth"
	ip -n "$SND" link set lo up
	ip -n "$RCV" link set lo up
	ip -n "$SND" link set "$SIF" up
	ip -n "$RCV" link set "$RIF" up
	ip -n "$SND" addr add "$SND_IP/10" dev "$SIF"
	ip -n "$RCV" addr add "$RCV_IP/24" dev "$RIF"
	ip -n "$RCV" route add 100.64.0.0/10 dev "$RIF"
	SND_MAC=$(ip -n "$SND" -br link show "$SIF" | awk '{print $3}')
	RCV_MAC=$(ip -n "$RCV" -br link show "$RIF" | awk '{print $3}')
	# Replies (the resets of the no-filter case) need no ARP.
	ip -n "$RCV" neigh replace "$SND_IP" lladdr "$SND_MAC" dev "$RIF"
}

# With BENCH_THREADED=1, the receiver's NAPI runs threaded, its kthreads
# (they come and go with the XDP programs) on RCV_CPU, away from the
# generator. Otherwise (or on a kernel that cannot) the veth's NAPI runs in
# the generator's softirqs, on its core. SHARED_CORE counts the floods that
# ran so.
SHARED_CORE=0
place_receiver() {
	local pid pinned=0
	if [ "${BENCH_THREADED:-0}" = 1 ]; then
		rcv sh -c "echo 1 > /sys/class/net/$RIF/threaded" 2>/dev/null
		for pid in $(ps -eo pid=,comm= | awk -v p="napi/$RIF-" 'index($2, p) == 1 { print $1 }'); do
			taskset -p -c "$RCV_CPU" "$pid" >/dev/null 2>&1 && pinned=1
		done
	else
		rcv sh -c "echo 0 > /sys/class/net/$RIF/threaded" 2>/dev/null
	fi
	[ "$pinned" = 1 ] || SHARED_CORE=$((SHARED_CORE + 1))
}

# xdp_on VERDICT (pass, drop) or xdp_off: the receiver's plain XDP program.
xdp_on() { ip -n "$RCV" link set dev "$RIF" xdpdrv obj "$WORK/xdp_$1.o" sec xdp; }
xdp_off() { ip -n "$RCV" link set dev "$RIF" xdpdrv off; }

rcv() { ip netns exec "$RCV" "$@"; }
pc() { timeout 60 nsenter --net="/run/netns/$RCV" "$PC_BIN" -q "$@"; }

# ethtool_stat NS IFACE NAME: one veth counter (0 when the veth has none
# yet: they appear with the first XDP frame).
ethtool_stat() {
	ip netns exec "$1" ethtool -S "$2" | awk -v k="$3:" '$1 == k { n = $2 } END { print n + 0 }'
}
# sender_offered: the frames the generator handed to the sender's veth,
# the receiver's ring took them or not.
sender_offered() {
	echo $(($(ethtool_stat "$SND" "$SIF" tx_queue_0_xdp_xmit) +
		$(ethtool_stat "$SND" "$SIF" tx_queue_0_xdp_xmit_errors)))
}

tcp_in_segs() {
	# shellcheck disable=SC2016 # awk's own $1
	rcv awk '$1 == "Tcp:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) col[$i] = i; next }
		$1 == "Tcp:" { print $col["InSegs"] }' /proc/net/snmp
}

# ---------------------------------------------------------------- cases
#
# Each receiver is three functions: CASE_up, CASE_count (its own counter
# of drops, a number) and CASE_down.

NFT_NETDEV="table netdev pcflood {
	chain ingress {
		type filter hook ingress device \"$RIF\" priority 0;
		tcp dport 25 counter drop
	}
}"
NFT_INET="table inet pcflood {
	chain prerouting {
		type filter hook prerouting priority 0;
		tcp dport 25 counter drop
	}
}"
nft_counter() { rcv nft list chain "$1" pcflood "$2" | grep -o 'packets [0-9]*' | awk '{ print $2 }'; }
ipt_counter() {
	rcv "$1" -w -t raw -L PREROUTING -v -x -n | awk 'NR == 3 { print $1 }'
}
pc_dropped() {
	pc stats --json >"$WORK/stats.json" &&
		$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["totals"]["dropped"])' \
			"$WORK/stats.json"
}

pc_xdp_up() { pc attach "$RIF" --hook xdp; }
pc_xdp_count() { pc_dropped; }
pc_xdp_down() { pc detach --all; }

# The ISP example: the source is a subscriber, not a business customer,
# so the business table is looked up before rule 3 drops the SYN. The
# example rejects; here rule 3 blocks, as the SPEC's target names a blocked
# SYN, and because a veth hands the generator's own pages to the receiver's
# XDP: a reset written into one would stay in the generator's page pool
# and be sent again and again instead of the SYN.
pc_isp_up() {
	sed 's/^reject  proto tcp from <subscribers>/block   proto tcp from <subscribers>/' \
		"$ROOT/examples/isp.rules" >"$WORK/isp.rules" &&
		grep -q '^block   proto tcp from <subscribers> to port 25$' "$WORK/isp.rules" &&
		cp "$ROOT/examples/business.txt" "$WORK/" &&
		pc attach "$RIF" --hook xdp --rules "$WORK/isp.rules"
}
pc_isp_count() { pc_dropped; }
pc_isp_down() { pc detach --all; }

# The same two with the flood from a /16 of subscribers (100.64.0.0/16,
# a source a frame in turn): every SYN adds to its source's offender
# entry, and 65,536 sources are more than the 8,192 that the one CPU
# receiving the flood keeps by default, so that each one replaces the
# least recent entry of its set, the dearest case. (One in 65,536 is the
# business customer 100.64.200.10, and passes.)
pc_isp_spread_up() { pc_isp_up; }
pc_isp_spread_count() { pc_dropped; }
pc_isp_spread_down() { pc_isp_down; }
xdp_drop_spread_up() { xdp_drop_up; }
xdp_drop_spread_count() { xdp_drop_count; }
xdp_drop_spread_down() { xdp_drop_down; }

pc_tc_up() { xdp_on pass && pc attach "$RIF" --hook tc-ingress; }
pc_tc_count() { pc_dropped; }
pc_tc_down() { pc detach --all; xdp_off; }

nft_netdev_up() { xdp_on pass && rcv nft -f - <<<"$NFT_NETDEV"; }
nft_netdev_count() { nft_counter netdev ingress; }
nft_netdev_down() { rcv nft delete table netdev pcflood; xdp_off; }

nft_inet_up() { xdp_on pass && rcv nft -f - <<<"$NFT_INET"; }
nft_inet_count() { nft_counter inet prerouting; }
nft_inet_down() { rcv nft delete table inet pcflood; xdp_off; }

IPT_RULE=(PREROUTING -p tcp --dport 25 -j DROP)
ipt_up() { xdp_on pass && rcv iptables -w -t raw -A "${IPT_RULE[@]}"; }
ipt_count() { ipt_counter iptables; }
ipt_down() { rcv iptables -w -t raw -D "${IPT_RULE[@]}"; xdp_off; }

xdp_drop_up() { xdp_on drop; }
xdp_drop_count() { ethtool_stat "$RCV" "$RIF" rx_queue_0_xdp_drops; }
xdp_drop_down() { xdp_off; }

# No filter: what the stack takes in (each SYN gets a reset back).
stack_up() { xdp_on pass; }
stack_count() { tcp_in_segs; }
stack_down() { xdp_off; }

CASES=(pc_xdp pc_isp pc_tc nft_netdev nft_inet ipt xdp_drop stack pc_isp_spread xdp_drop_spread)
declare -A LABEL=(
	[pc_xdp]="portcullis XDP (native, default policy)"
	[pc_isp]="portcullis XDP (native, examples/isp.rules, rule 3 as block)"
	[pc_tc]="portcullis tc-ingress (+ XDP_PASS)"
	[nft_netdev]="nftables netdev ingress \`tcp dport 25 drop\` (+ XDP_PASS)"
	[nft_inet]="nftables inet prerouting \`tcp dport 25 drop\` (+ XDP_PASS)"
	[ipt]="iptables raw PREROUTING \`--dport 25 -j DROP\` (+ XDP_PASS)"
	[xdp_drop]="empty XDP program returning XDP_DROP (the limit)"
	[stack]="no filter, XDP_PASS only (TCP segments the stack takes in)"
	[pc_isp_spread]="portcullis XDP (native, examples/isp.rules, rule 3 as block), sources over a /16"
	[xdp_drop_spread]="empty XDP program returning XDP_DROP, sources over a /16"
)

# ---------------------------------------------------------------- tables
#
# Section 2's receivers, on the table in TDIR (its netfilter files in NF).
# nftables and iptables are counted as the frames the receiver's XDP_PASS
# took less the TCP segments the stack took in: listing a rule's own
# counter makes nft and iptables read the whole table (minutes with
# 1,000,000 prefixes), and every frame that the policy does not drop gets
# to TCP (and a reset back).

TDIR="" NF=""
stack_dropped() { echo $(($(ethtool_stat "$RCV" "$RIF" rx_queue_0_xdp_packets) - $(tcp_in_segs))); }

t_pc_up() { pc attach "$RIF" --hook xdp --rules "$TDIR/isp.rules"; }
t_pc_count() { pc_dropped; }
t_pc_down() { pc detach --all; }

t_nft_up() { xdp_on pass && timeout 600 ip netns exec "$RCV" nft -f "$NF/nft.rules"; }
t_nft_count() { stack_dropped; }
t_nft_down() { rcv nft delete table netdev pcscale; xdp_off; }

t_ipt_up() {
	xdp_on pass &&
		timeout 600 ip netns exec "$RCV" iptables-restore "$NF/iptables.rules" &&
		timeout 600 ip netns exec "$RCV" ip6tables-restore "$NF/ip6tables.rules"
}
t_ipt_count() { stack_dropped; }
t_ipt_down() {
	rcv iptables -w -t raw -F PREROUTING
	rcv ip6tables -w -t raw -F PREROUTING
	xdp_off
}

# iptables walks its rules one by one, 35 to 50 ns a rule here: with
# 100,000 prefixes (50,000 IPv4 rules) a frame costs it about 2.5 ms, and
# the 64 frames of one NAPI poll hold the core's softirq for 0.16 s. With
# 1,000,000 a poll would hold it for over a second, and draining the veth's
# ring for about 5 s, on a machine that others share: so not by default.
# Loading is not what bounds it: iptables-restore takes about 3.5 s for
# 100,000 prefixes, and took 16 s for the 500,000 IPv4 rules of 1,000,000.
IPT_MAX=${BENCH_IPT_MAX:-100000}
T_CASES=(t_pc t_nft t_ipt)

tables_main() {
	local dir n c t0 t1 load round
	for dir in "$@"; do
		if ! [ -f "$dir/isp.rules" ] || ! [ -f "$dir/sources" ]; then
			die "$dir is not a policy directory"
		fi
	done
	echo "info $ROUNDS $SECONDS_EACH $(rcv iptables -V 2>/dev/null)"
	for dir in "$@"; do
		TDIR=$dir
		# shellcheck disable=SC1091
		. "$dir/sources" # SUB4 and the others
		n=$(grep -vc '^#' "$dir/business.txt")
		NF=$WORK/nf-$n
		mkdir -p "$NF"
		$PY "$HERE/gen.py" netfilter "$dir/business.txt" "$RIF" "$NF" ||
			die "gen.py netfilter $dir/business.txt"
		FLOOD_SRC=$SUB4
		for c in "${T_CASES[@]}"; do
			if [ "$c" = t_ipt ] && [ "$n" -gt "$IPT_MAX" ]; then
				echo "$c $n skipped over BENCH_IPT_MAX=$IPT_MAX"
				continue
			fi
			log "$c, $n prefixes: loading"
			t0=$EPOCHREALTIME
			case_up "$c" || { echo "$c $n skipped setup failed"; continue; }
			t1=$EPOCHREALTIME
			load=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
			unset "RATES[$c]"
			for ((round = 1; round <= ROUNDS; round++)); do flood_into "$c"; done
			"${c}_down" >/dev/null 2>&1
			echo "$c $n $load ${RATES[$c]:-}"
		done
	done
}

# ---------------------------------------------------------------- measure

# flood: runs the generator once, from FLOOD_SRC; sets GEN_FRAMES (0: cut
# by the time limit) and GEN_NS, the time it ran.
FLOOD_SRC=$SND_IP
# gen_start SECONDS: the generator in the background for SECONDS at most
# (and MAX_FRAMES), its PID in GEN_PID, its result in $WORK/gen.out.
gen_start() {
	# taskset execs the generator: GEN_PID is the generator itself.
	taskset -c "$GEN_CPU" "$WORK/flood_gen" --obj "$WORK/${GEN_OBJ:-xdp_tx.o}" \
		--netns "/run/netns/$SND" --ifname "$SIF" --dst-mac "$RCV_MAC" \
		--src "$FLOOD_SRC" --dst "$RCV_IP" --seconds "$1" \
		--max-frames "$MAX_FRAMES" >"$WORK/gen.out" 2>&1 </dev/null &
	GEN_PID=$!
}

flood() {
	local out
	gen_start "$SECONDS_EACH"
	# It stops itself after SECONDS_EACH; this is the bound if it does not.
	timeout $((SECONDS_EACH * 3 + 10)) tail --pid="$GEN_PID" -f /dev/null ||
		kill -KILL "$GEN_PID" 2>/dev/null
	wait "$GEN_PID" || {
		GEN_PID=
		return 1
	}
	GEN_PID=
	out=$(cat "$WORK/gen.out")
	read -r _ GEN_FRAMES _ GEN_NS <<<"$out"
	[[ "$GEN_FRAMES" =~ ^[0-9]+$ && "$GEN_NS" =~ ^[0-9]+$ && "$GEN_NS" -gt 0 ]]
}

# case_up CASE: sets that receiver up (and undoes it if that fails).
case_up() {
	if ! "${1}_up" >"$WORK/$1.up.log" 2>&1; then
		log "$1: setup failed: $(cat "$WORK/$1.up.log")"
		"${1}_down" >/dev/null 2>&1
		return 1
	fi
}

# flood_into CASE: one flood into that receiver, set up; appends drops per
# second to RATES[CASE] (a space-separated list, one a round).
declare -A RATES OFFERED
flood_into() {
	local c=$1 before after rate rx0 rx1 tx0 tx1
	place_receiver
	sleep 0.3
	rx0=$(ethtool_stat "$RCV" "$RIF" rx_queue_0_xdp_packets)
	tx0=$(sender_offered)
	before=$("${c}_count")
	if ! flood; then
		log "$c: the generator failed: $(cat "$WORK/gen.out")"
		return 1
	fi
	sleep 0.3 # the receiver's ring drains
	after=$("${c}_count")
	rx1=$(ethtool_stat "$RCV" "$RIF" rx_queue_0_xdp_packets)
	tx1=$(sender_offered)
	if ! [[ "$before" =~ ^[0-9]+$ && "$after" =~ ^[0-9]+$ ]]; then
		log "$c: no counter ('$before', '$after')"
		return 1
	fi
	rate=$(((after - before) * 1000000000 / GEN_NS))
	RATES[$c]="${RATES[$c]:-} $rate"
	OFFERED[$c]="${OFFERED[$c]:-} $(((tx1 - tx0) * 1000000000 / GEN_NS))"
	log "$c: $((after - before)) drops in $((GEN_NS / 1000000)) ms: $rate/s" \
		"(offered $((tx1 - tx0)), the receiver took $((rx1 - rx0)))"
}

# measure CASE: sets that receiver up, floods it once, takes it down. A
# CASE named *_spread gets the flood from a /16 of sources.
measure() {
	local GEN_OBJ=xdp_tx.o
	[[ $1 == *_spread ]] && GEN_OBJ=xdp_tx_spread.o
	case_up "$1" || return 1
	flood_into "$1"
	"${1}_down" >/dev/null 2>&1
}

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# ---------------------------------------------------------------- report

ns_per() { awk -v r="$1" 'BEGIN { if (r > 0) printf "%.0f", 1e9 / r; else print "n/a" }'; }
mpps() { awk -v r="$1" 'BEGIN { printf "%.2f M", r / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "n/a" }'; }
# target GOT BASE WANT WHAT: the ratio GOT/BASE, and whether it reaches WANT.
target() {
	awk -v a="$1" -v b="$2" -v w="$3" -v what="$4" 'BEGIN {
		if (b <= 0 || a == "") { printf "%s: n/a", what; exit }
		printf "%s: %.2f× (%s)", what, a / b, (a / b >= w ? "holds" : "misses") }'
}

# rounds LIST: each round's rate in millions, "3.91 4.02 3.88".
rounds() { tr ' ' '\n' <<<"$1" | grep . | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / 1e6 }'; }

receiver_note() {
	local floods=$((ROUNDS * ${#CASES[@]}))
	if [ "$SHARED_CORE" = 0 ]; then
		echo "The receiving veth's NAPI ran threaded on CPU $RCV_CPU, so a rate is what"
		echo "that receiver alone keeps up with; the generator offered"
		echo "$(mpps "$(median "${OFFERED[*]}")") frames per second (median), and what the"
		echo "receiver could not take was lost at the sender's veth."
	elif [ "$SHARED_CORE" -ge "$floods" ]; then
		echo "The receiving veth's NAPI ran, as a veth runs it, in the generator's softirqs"
		echo "on the same core: each rate is one over the sum of the generator's and the"
		echo "receiver's cost per frame, so the ratios are closer to 1 than the receivers'"
		echo "own costs are (ns/frame shows the sums; differences between rows are the"
		echo "receivers' differences). BENCH_THREADED=1 puts the receiver on its own core."
	else
		echo "The receiving veth's NAPI ran threaded on CPU $RCV_CPU in only"
		echo "$((floods - SHARED_CORE)) of $floods floods: mixed rates, do not compare them."
	fi
}

report() {
	local c med limit nft target_col
	declare -A MED
	for c in "${CASES[@]}"; do MED[$c]=$(median "${RATES[$c]:-}"); done
	limit=${MED[xdp_drop]:-}
	nft=${MED[nft_netdev]:-}
	echo "## The real path: a TCP/25 SYN flood over veth"
	echo
	echo "Drops per second, the median of $ROUNDS round(s) of ${SECONDS_EACH} s for each receiver"
	echo "(rounds interleaved), all with the same flood: an XDP_TX program in"
	echo "BPF_PROG_TEST_RUN live-frames mode (batch 64) pinned to CPU $GEN_CPU, sending one"
	echo "IPv4 TCP SYN from $SND_IP to $RCV_IP port 25, as fast as the receiver takes it."
	receiver_note
	echo "Other work on the machine makes absolute figures noisy: compare the ratios"
	echo "within this run."
	echo
	echo "| receiver | drops/s | ns/frame | × XDP_DROP | × nftables netdev | rounds (M/s) | SPEC target |"
	echo "|---|---|---|---|---|---|---|"
	for c in "${CASES[@]}"; do
		med=${MED[$c]}
		target_col=
		if [ "$c" = pc_xdp ]; then
			target_col="$(target "$med" "$limit" 0.9 "≥ 0.9× XDP_DROP"); $(target "$med" "$nft" 2 "≥ 2× nftables netdev")"
		elif [ "$c" = pc_isp_spread ]; then
			target_col="$(ratio "$med" "${MED[xdp_drop_spread]:-}") XDP_DROP with the same /16 flood"
		fi
		if [ -z "$med" ]; then
			echo "| ${LABEL[$c]} | failed | | | | | $target_col |"
		else
			echo "| ${LABEL[$c]} | $(mpps "$med") | $(ns_per "$med") | $(ratio "$med" "$limit") | $(ratio "$med" "$nft") |" \
				"$(rounds "${RATES[$c]}") | $target_col |"
		fi
	done
	echo
	echo "Counters: portcullis \`stats --json\` totals.dropped; the nft rule counters;"
	echo "\`$(rcv iptables -V 2>/dev/null)\` \`-L -v -x\`; the veth's rx_queue_0_xdp_drops"
	echo "for XDP_DROP; TcpInSegs for no filter (every SYN gets a reset back)."
}

# ---------------------------------------------------------------- main

# Sourced (tests/soak/run), it only defines the above: the caller builds,
# sets the network up and floods with them.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
[ "$(id -u)" = 0 ] || die "needs root"
case ${1:-} in
tables | "") ;;
*) die "usage: real_path.sh [tables DIR...]" ;;
esac
build_tools
setup_network
if [ "${1:-}" = tables ]; then
	shift
	log "$ROUNDS round(s) of ${SECONDS_EACH} s for each receiver and table"
	tables_main "$@"
	exit
fi
log "$ROUNDS round(s) of ${SECONDS_EACH} s for each of ${#CASES[@]} receivers"
for ((round = 1; round <= ROUNDS; round++)); do
	for c in "${CASES[@]}"; do measure "$c"; done
done
report
