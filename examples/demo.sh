#!/usr/bin/env bash
# portcullis demo: a small ISP, built from network namespaces on this
# machine, whose router rejects outbound port 25 from its subscribers with
# examples/isp.rules. Real mail is sent (swaks to aiosmtpd), and the demo
# prints what got through, how fast a rejected attempt failed, and what
# portcullis counted.
#
#   subscriber --- router (portcullis, XDP on its subscriber side) --- internet
#   100.64.0.2                                                  203.0.113.10 (mx)
#   2001:db8:1000::2                                            2001:db8:2::10 (mx)
#   100.64.200.10 (business)                                    198.51.100.25 (ISP relay)
#
# Run it as root from the repository root with `make demo`. It touches none
# of this machine's own interfaces, and tears everything down on exit.

set -u
cd "$(dirname "$0")/.." || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: needs root, to create network namespaces and load BPF programs: sudo make demo" >&2
	exit 1
fi

# A pin directory of its own, so that the demo never touches a real
# deployment under /sys/fs/bpf/portcullis.
PC_PRIVATE_PIN_DIR=/sys/fs/bpf/pc-demo-$$
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh
if [ ! -x "$PC_BIN" ]; then
	echo "demo.sh: $PC_BIN is missing: run make demo (it builds first)" >&2
	exit 1
fi

SUB=pcdemo-sub-$$ RTR=pcdemo-rtr-$$ NET=pcdemo-net-$$
PC_NS=$RTR
UNEXPECTED=0

say() { printf '\n== %s\n' "$*"; }
die() {
	echo "demo.sh: $*" >&2
	exit 1
}
# show ARGS...: prints the command as an operator would type it, runs it.
show() {
	printf '$ portcullis %s\n' "$*"
	pc "$@"
}

# mail WHAT EXPECT NS SERVER PORT [SRC]: sends one message and prints one
# line: DELIVERED, REFUSED (a reset came back: "connection refused") or
# TIMED OUT. EXPECT is what should happen.
mail() {
	local what=$1 expect=$2 rc=0 got t0 ms
	shift 2
	t0=$(date +%s%N)
	send_mail "$@" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	case $rc in
	0) got=DELIVERED ;;
	2) got="TIMED OUT"
		grep -qi 'connection refused' "$T/swaks.log" && got=REFUSED ;;
	*) got="FAILED (swaks exit status $rc)" ;;
	esac
	# The time is swaks's whole run, its own start included.
	if [ "$got" = REFUSED ]; then
		printf '  %-58s REFUSED (%d ms) — rejected by portcullis\n' "$what:" "$ms"
	else
		printf '  %-58s %s (%d ms)\n' "$what:" "$got" "$ms"
	fi
	if [ "$got" != "$expect" ]; then
		UNEXPECTED=$((UNEXPECTED + 1))
		printf '    (unexpected: should be %s; swaks said:)\n' "$expect"
		tail -n 3 "$T/swaks.log" | sed 's/^/    /'
	fi
}

say "Building the ISP: subscriber, router and internet namespaces"
isp_topology "$SUB" "$RTR" "$NET" || die "could not build the namespaces"
# A veth quirk, not portcullis's: the resets that XDP sends back reach the
# subscriber's end of a veth only if that end runs an XDP program, so it
# gets one that passes everything. A real NIC needs nothing of the kind.
xdp_pass "$SUB" pcsub0 || die "could not attach an XDP_PASS program to the subscriber's veth"
pc_cleanup_at_exit # detach --all in the router namespace, before it goes
isp_servers "$NET" || die "could not start the mail servers (python3-aiosmtpd)"
echo "  mail servers listen on 203.0.113.10 and 2001:db8:2::10 (25, 587, 2525),"
echo "  and on the ISP relays 198.51.100.25 and 2001:db8:25::25 (25)"

say "Attaching portcullis to the router's subscriber-facing interface (XDP)"
show attach pcrtr0 --rules examples/isp.rules || die "attach failed"
echo
show rules || die "rules failed"

say "Sending mail from the subscriber (a rejected one fails as fast as a delivered one goes)"
mail "port 25 to 203.0.113.10 (mx), IPv4" REFUSED "$SUB" $ISP_MX_V4 25
mail "port 25 to 2001:db8:2::10 (mx), IPv6" REFUSED "$SUB" $ISP_MX_V6 25
mail "port 587 to 203.0.113.10 (mx submission), IPv4" DELIVERED "$SUB" $ISP_MX_V4 587
mail "port 587 to 2001:db8:2::10 (mx submission), IPv6" DELIVERED "$SUB" $ISP_MX_V6 587
mail "port 25 to 198.51.100.25 (the ISP relay), IPv4" DELIVERED "$SUB" $ISP_RELAY_V4 25
mail "port 25 to 2001:db8:25::25 (the ISP relay), IPv6" DELIVERED "$SUB" $ISP_RELAY_V6 25
mail "port 25 from 100.64.200.10 (business) to the mx, IPv4" DELIVERED \
	"$SUB" $ISP_MX_V4 25 $ISP_BIZ_V4
mail "port 25 from 2001:db8:1fff::10 (business) to the mx, IPv6" DELIVERED \
	"$SUB" $ISP_MX_V6 25 $ISP_BIZ_V6

say "What portcullis counted"
show stats || UNEXPECTED=$((UNEXPECTED + 1))
echo
show status || UNEXPECTED=$((UNEXPECTED + 1))

say "Detaching: port 25 is open again"
show detach --all || UNEXPECTED=$((UNEXPECTED + 1))
mail "port 25 to 203.0.113.10 (mx), IPv4, after detach" DELIVERED "$SUB" $ISP_MX_V4 25

say "Tearing the namespaces down"
if [ "$UNEXPECTED" -ne 0 ]; then
	echo "demo: $UNEXPECTED thing(s) did not behave as expected" >&2
	exit 1
fi
echo "demo: everything behaved as expected"
