#!/usr/bin/env bash
# Sharing the XDP hook: portcullis in libxdp's dispatcher beside
# xdp-filter, loaded in both orders, each dropping its own traffic with
# exact counters (TCP/25 for portcullis's default policy, TCP/9025 for
# xdp-filter), detaching either leaving the other at work, and status
# saying the mode. Then the fallback to portcullis's own link: forced by
# --xdp-mode link and by LIBXDP_SKIP_DISPATCHER (auto), and how it keeps
# out of another program's way. Where libxdp cannot load its dispatcher
# on this kernel (xdp-filter then runs alone, without one), the sharing
# checks are skipped, saying so, and --xdp-mode dispatcher must fail
# cleanly. Run as root; prints TAP.
#
#   pcxs-PID (sender): xs<PID>  --  xr<PID> :pcxr-PID (receiver: XDP here)

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

NSS=pcxs-$$ NSR=pcxr-$$
SND=xs$$ RCV=xr$$
N25=300 N9025=200
# libxdp's pins, xdp-filter's and portcullis's alike, in a directory of
# our own: xdp-filter's maps are global to its bpffs directory.
export LIBXDP_BPFFS=/sys/fs/bpf/pc-xdl-$$
mkdir -p "$LIBXDP_BPFFS" || bail "make $LIBXDP_BPFFS"
on_exit "rm -rf '$LIBXDP_BPFFS'"

ns_add "$NSS" || bail "create $NSS"
ns_add "$NSR" || bail "create $NSR"
veth "$NSS" "$SND" "$NSR" "$RCV" || bail "create $SND/$RCV"
MAC=$(mac_of "$NSR" "$RCV")
PC_NS=$NSR
pc_cleanup_at_exit
# xdp-filter's own cleanup, after portcullis's (registered later: runs first).
xfilter() { timeout 60 nsenter --net="/run/netns/$NSR" xdp-filter "$@"; }
on_exit "xfilter unload --all >/dev/null 2>&1"

# send DPORT COUNT: TCP SYNs from the sender to the receiver.
send() { send_segments "$NSS" "$SND" "$MAC" 192.0.2.1 192.0.2.2 "$1" "$2" >/dev/null; }
# xf_port_hits PORT: xdp-filter's hit counter of a filtered port.
xf_port_hits() { xfilter status 2>/dev/null | awk -v p="$1" '$1 == p && $2 ~ /tcp/ { print $3 }'; }
# xf_drops: xdp-filter's aggregate XDP_DROP packets.
xf_drops() { xfilter status 2>/dev/null | awk '$1 == "XDP_DROP" { print $2 }'; }
# pc_count FILE PORT VERDICT: a port counter of portcullis's stats --json.
pc_count() { jget "$1" "port('tcp', $2)['$3']['packets']"; }
# settle_xf PORT WANT: xdp-filter's counter of PORT reaches WANT (5 s).
settle_xf() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(xf_port_hits "$1")" == "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# components: the program names in the receiver's dispatcher, sorted.
components() {
	nsenter --net="/run/netns/$NSR" xdp-loader status "$RCV" 2>/dev/null |
		awk -v d="$RCV" '$1 == "=>" { print $3 }' | sort | tr '\n' ' '
}
att_mode() { pc status --json >"$T/st.json" && jget "$T/st.json" "att('$RCV')['mode']"; }
att_live() { pc status --json >"$T/st.json" && jget "$T/st.json" "att('$RCV')['live']"; }
no_pin_dir() { test ! -e "$PORTCULLIS_PIN_DIR"; }

# ================================================================ 0. can the dispatcher load here?

diag "0. --xdp-mode dispatcher on $RCV"
run pc attach "$RCV" --xdp-mode dispatcher
if [ "$RC" -eq 0 ]; then
	DISPATCHER=1
	ok "attach --xdp-mode dispatcher exits 0"
	check_eq "status --json: mode dispatcher" "$(att_mode)" dispatcher
	check_match "status: via libxdp's dispatcher, at its priority" "$(pc status)" \
		"$RCV \\(ifindex [0-9]+\\) xdp via libxdp's dispatcher \\(priority 20\\)"
	check_eq "xdp-loader sees portcullis in the dispatcher" "$(components)" "pc_xdp "
	check_rc "detach $RCV exits 0" 0 pc detach "$RCV"
	check_eq "no XDP program is left on $RCV" "$(xdp_mode "$NSR" "$RCV")" ""
else
	DISPATCHER=0
	check_eq "attach --xdp-mode dispatcher exits 1 where the dispatcher cannot load" "$RC" 1
	check_match "... and says why" "$ERR" "through libxdp's dispatcher: .*(kernel refuses|not supported|not permitted)"
	check_eq "... and leaves no XDP program on $RCV" "$(xdp_mode "$NSR" "$RCV")" ""
	check "... nor a pin directory (a first load that attached nothing)" no_pin_dir
	diag "libxdp's dispatcher cannot load on this kernel: the sharing checks are skipped"
fi
pc detach --all >/dev/null 2>&1

# ================================================================ 1-2. sharing, both orders

# share_round FIRST: FIRST (portcullis or xdp-filter) loads first, the
# other second; both drop their own traffic, with exact counters; then
# the one loaded first is detached and the other keeps working.
share_round() {
	local first=$1 s0=$T/s0.json s1=$T/s1.json s2=$T/s2.json before
	load_pc() { check_rc "attach $RCV (auto) exits 0" 0 pc attach "$RCV"; }
	load_xf() {
		check_rc "xdp-filter load -m native $RCV exits 0" 0 xfilter load -m native "$RCV"
		check_rc "xdp-filter port -p tcp 9025 exits 0" 0 xfilter port -p tcp 9025
	}
	if [ "$first" = portcullis ]; then load_pc; load_xf; else load_xf; load_pc; fi
	check_eq "status --json: mode dispatcher" "$(att_mode)" dispatcher
	check_eq "both are components of the dispatcher" "$(components)" "pc_xdp xdpfilt_alw_all "
	pc stats --json >"$s0" || bail "stats --json"
	before=$(xf_drops)
	send 25 "$N25"
	send 9025 "$N9025"
	stats_settle "$s1" "port('tcp', 25)['dropped']['packets'] - $(pc_count "$s0" 25 dropped)" "$N25"
	settle_xf 9025 "$N9025"
	check_eq "portcullis dropped every TCP/25 SYN ($N25)" \
		"$(($(pc_count "$s1" 25 dropped) - $(pc_count "$s0" 25 dropped)))" "$N25"
	check_eq "xdp-filter's hit counter of port 9025 is $N9025" "$(xf_port_hits 9025)" "$N9025"
	check_eq "xdp-filter dropped exactly those ($N9025)" "$(($(xf_drops) - before))" "$N9025"
	check_eq "portcullis never saw TCP/9025 (xdp-filter runs first, priority 10 < 20)" \
		"$(jget "$s1" "len([p for p in d['ports'] if p['port'] == 9025])")" 0

	if [ "$first" = portcullis ]; then
		check_rc "detach $RCV (portcullis) exits 0" 0 pc detach "$RCV"
		check_eq "xdp-filter alone is left in the dispatcher" "$(components)" "xdpfilt_alw_all "
		send 9025 "$N9025"
		check "xdp-filter still drops TCP/9025 (hits $((2 * N9025)))" settle_xf 9025 "$((2 * N9025))"
		check_rc "xdp-filter unload $RCV exits 0" 0 xfilter unload "$RCV"
	else
		check_rc "xdp-filter unload $RCV exits 0" 0 xfilter unload "$RCV"
		check_eq "portcullis alone is left in the dispatcher" "$(components)" "pc_xdp "
		check_eq "... and status still calls it live" "$(att_live)" true
		send 25 "$N25"
		stats_settle "$s2" "port('tcp', 25)['dropped']['packets'] - $(pc_count "$s1" 25 dropped)" "$N25"
		check_eq "portcullis still drops every TCP/25 SYN ($N25 more)" \
			"$(($(pc_count "$s2" 25 dropped) - $(pc_count "$s1" 25 dropped)))" "$N25"
		check_rc "detach --all exits 0" 0 pc detach --all
	fi
	check_eq "no XDP program is left on $RCV" "$(xdp_mode "$NSR" "$RCV")" ""
	check_eq "no dispatcher pins of libxdp are left" \
		"$(find "$LIBXDP_BPFFS" -name 'dispatch-*' 2>/dev/null | wc -l)" 0
	pc detach --all >/dev/null 2>&1
	xfilter unload --all >/dev/null 2>&1
}

for first in portcullis xdp-filter; do
	diag "$([ "$first" = portcullis ] && echo 1 || echo 2). $first loads first"
	if [ "$DISPATCHER" = 1 ]; then
		share_round "$first"
	else
		ok "$first first, then the other, both at work # SKIP libxdp's dispatcher cannot load on this kernel"
	fi
done

# ================================================================ 3. the fallback: link

diag "3. --xdp-mode link, and auto with LIBXDP_SKIP_DISPATCHER"
check_rc "attach $RCV --xdp-mode link exits 0" 0 pc attach "$RCV" --xdp-mode link
check_eq "status --json: mode link" "$(att_mode)" link
check_match "status: via its own link" "$(pc status)" "$RCV \\(ifindex [0-9]+\\) xdp via its own link"
check_eq "$RCV has native XDP" "$(xdp_mode "$NSR" "$RCV")" xdp
pc stats --json >"$T/l0.json" || bail "stats --json"
send 25 "$N25"
stats_settle "$T/l1.json" "port('tcp', 25)['dropped']['packets'] - $(pc_count "$T/l0.json" 25 dropped)" "$N25"
check_eq "portcullis through its link dropped every TCP/25 SYN ($N25)" \
	"$(($(pc_count "$T/l1.json" 25 dropped) - $(pc_count "$T/l0.json" 25 dropped)))" "$N25"
run xfilter load -m native "$RCV"
check_num -ne "xdp-filter cannot load beside the link" "$RC" 0
check_eq "... and portcullis's link is still the program there" "$(att_live)" true
check_rc "detach $RCV exits 0" 0 pc detach "$RCV"
check_eq "no XDP program is left on $RCV" "$(xdp_mode "$NSR" "$RCV")" ""

run env LIBXDP_SKIP_DISPATCHER=1 nsenter --net="/run/netns/$NSR" "$PC_BIN" attach "$RCV"
check_eq "attach (auto) with LIBXDP_SKIP_DISPATCHER=1 exits 0" "$RC" 0
check_match "... saying it falls back to its own link" "$ERR" "dispatcher cannot load .*own XDP link"
check_eq "status --json: mode link" "$(att_mode)" link
check_rc "detach --all exits 0" 0 pc detach --all
check "the pin directory is gone" no_pin_dir

# ================================================================ 4. a program that is no dispatcher

diag "4. beside a program that is not in a dispatcher"
# With LIBXDP_SKIP_DISPATCHER, xdp-filter takes the interface alone, as it
# does everywhere on a kernel where the dispatcher cannot load.
check_rc "xdp-filter load (alone, no dispatcher) exits 0" 0 \
	env LIBXDP_SKIP_DISPATCHER=1 nsenter --net="/run/netns/$NSR" xdp-filter load -m native "$RCV"
check_rc "xdp-filter port -p tcp 9025 exits 0" 0 xfilter port -p tcp 9025
xf_id=$(xdp_prog_id "$NSR" "$RCV")
for mode in auto link; do
	run pc attach "$RCV" --xdp-mode "$mode"
	check_eq "attach --xdp-mode $mode exits 1" "$RC" 1
	check_match "... saying the program is not its own" "$ERR" "did not attach"
	check_eq "... and xdp-filter's program is still the one there" "$(xdp_prog_id "$NSR" "$RCV")" "$xf_id"
done
send 9025 "$N9025"
check "xdp-filter still drops TCP/9025 (hits $N9025)" settle_xf 9025 "$N9025"
check_rc "xdp-filter unload exits 0" 0 xfilter unload "$RCV"

done_testing
