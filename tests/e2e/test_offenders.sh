#!/usr/bin/env bash
# End to end: portcullis top, the offenders. Run as root; prints TAP.
#
#   pcosub-PID (subscribers) -- pcort-PID (router, portcullis XDP on pcrtr0) -- pconet-PID
#
# Subscriber sources send known numbers of raw SYNs, each to a port that a
# block, a reject or a limit rule stops:
#   - top --json ranks the sources by their stopped attempts, with exactly
#     those counts, by action, and the port and rule of each one's last;
#   - two addresses of one IPv6 /64 are one source;
#   - what is not a stopped connection attempt adds nothing: ACKs to a
#     blocked port, SYNs that a pass rule lets through, SYNs within a
#     limit's rate;
#   - -n and --port narrow the list; the times are RFC 3339 UTC, within
#     the test's run; the text table shows the same sources;
#   - metrics shows how many sources are tracked, the room for them and
#     the most attempts of one, and names none;
#   - attach with another --offender-sources says it keeps the loaded size.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

SUB=pcosub-$$ RTR=pcort-$$ NET=pconet-$$
PC_NS=$RTR

isp_topology "$SUB" "$RTR" "$NET" || bail "build the ISP topology"
pc_cleanup_at_exit
ok "topology is up"

cat >"$T/top.rules" <<'RULES'
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
pass    proto tcp to 198.51.100.25 port 25
block   proto tcp from <subscribers> to port 25
reject  proto tcp from <subscribers> to port 2525
limit   proto tcp from <subscribers> to port 587 rate 2/minute burst 2
RULES
check_rc "attach with --offender-sources 1000" 0 \
	pc attach pcrtr0 --rules "$T/top.rules" --offender-sources 1000
start=$(date -u +%s)
# 1000 a CPU, rounded up to 1024, on each possible CPU.
possible=$(awk -F, '{ for (i = 1; i <= NF; i++) { split($i, r, "-"); n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } } END { print n }' /sys/devices/system/cpu/possible)
ROOM=$((1024 * possible))

MAC=$(mac_of "$RTR" pcrtr0)
A=100.64.0.2 B=100.64.0.3 C=100.64.0.4
V6A=2001:db8:1000::2 V6B=2001:db8:1000::3
burst() { send_segments "$SUB" pcsub0 "$MAC" "$@" >/dev/null || bail "send $*"; }
burst $A $ISP_MX_V4 25 7
burst $A $ISP_MX_V4 25 5 ack           # not attempts
burst $A $ISP_RELAY_V4 25 4            # passed: the relay
burst $B $ISP_MX_V4 25 3
burst $B $ISP_MX_V4 2525 2             # rejected, and B's last
burst $C $ISP_MX_V4 587 5              # 2 within the rate, 3 limited
burst $V6A $ISP_MX_V6 25 4
burst $V6B $ISP_MX_V6 25 5
stats_settle "$T/s.json" 'sum(port("tcp", 25)[v]["connections"] for v in ("passed", "dropped"))' 23 ||
	bail "the router never counted the 23 SYNs to port 25"

check_rc "top --json" 0 pc top --json
printf '%s\n' "$OUT" >"$T/top.json"
# last_rule is numbered as stats and log number the rules, from 1: the
# block rule is 2, reject 3, limit 4.
row() { jget "$T/top.json" "[[o['source'], o['attempts'], o['blocked'], o['rejected'], o['limited'], o['last_proto'], o['last_port'], o['last_rule']] for o in d['offenders']][$1]"; }
check_eq "the IPv6 /64 first: 9 blocked attempts from two addresses" \
	"$(row 0)" '["2001:db8:1000::/64", 9, 9, 0, 0, "tcp", 25, 2]'
check_eq "then $A: 7 blocked (no ACK, no SYN to the relay counted)" \
	"$(row 1)" '["100.64.0.2/32", 7, 7, 0, 0, "tcp", 25, 2]'
check_eq "then $B: 3 blocked and 2 rejected, the last to 2525 by rule 3" \
	"$(row 2)" '["100.64.0.3/32", 5, 3, 2, 0, "tcp", 2525, 3]'
check_eq "then $C: 3 limited, the 2 within the rate not counted" \
	"$(row 3)" '["100.64.0.4/32", 3, 0, 0, 3, "tcp", 587, 4]'
check_eq "four sources tracked, all shown, room for 1024 on each of $possible CPUs" \
	"$(jget "$T/top.json" '[len(d["offenders"]), d["matched"], d["tracked"], d["capacity"], d["capacity_per_cpu"]]')" \
	"[4, 4, 4, $ROOM, 1024]"
check_eq "the families" "$(jget "$T/top.json" '[o["family"] for o in d["offenders"]]')" \
	'["ipv6", "ipv4", "ipv4", "ipv4"]'
now=$(date -u +%s)
times_ok=$(jget "$T/top.json" "all($start - 2 <= ts(o['first_seen']) <= ts(o['last_seen']) <= $now + 2 for o in d['offenders'])")
check_eq "first and last seen are RFC 3339 UTC times within the run, first <= last" "$times_ok" true
check_eq "every attempt is in the current 5-minute window" \
	"$(jget "$T/top.json" '[o["recent_attempts"] for o in d["offenders"]]')" '[9, 7, 5, 3]'

check_rc "top -n 2 --json" 0 pc top -n 2 --json
printf '%s\n' "$OUT" >"$T/top2.json"
check_eq "-n 2: the two with the most attempts" \
	"$(jget "$T/top2.json" '[o["source"] for o in d["offenders"]] + [d["matched"]]')" \
	'["2001:db8:1000::/64", "100.64.0.2/32", 4]'
check_rc "top --port 2525 --json" 0 pc top --port 2525 --json
printf '%s\n' "$OUT" >"$T/top3.json"
check_eq "--port 2525: the source whose last attempt went there" \
	"$(jget "$T/top3.json" '[o["source"] for o in d["offenders"]] + [d["matched"], d["tracked"]]')" \
	'["100.64.0.3/32", 1, 4]'

check_rc "top (text)" 0 pc top
check_match "the text table heads its columns" "$OUT" '^SOURCE +ATTEMPTS +BLOCKED +REJECTED +LIMITED +FIRST SEEN +LAST SEEN +LAST PORT +RULE'
check_match "... and shows $B with its counts and last port" "$OUT" \
	'100\.64\.0\.3/32 +5 +3 +2 +0 +[0-9T:-]+Z +[0-9T:-]+Z +tcp/2525 +3$'
check_match "... and says how many it shows of how many" "$OUT" "^4 of 4 sources shown; 4 tracked, room for $ROOM \\(1024 on each CPU\\)\$"

check_rc "metrics --once" 0 pc metrics --once
check_eq "metrics: the offenders tracked, the map's room and the most recent attempts of one, no source named" \
	"$(grep -E '^portcullis_offender' <<<"$OUT" | sort | tr '\n' ' ')" \
	"portcullis_offender_recent_attempts_max 9 portcullis_offenders 4 portcullis_offenders_capacity $ROOM "
check_nomatch "... no sample carries an address" "$OUT" '100\.64\.|2001:db8'

run pc attach pcrtr0 --offender-sources 5000
check_match "attach with another --offender-sources keeps the loaded size, and says so" \
	"$ERR" 'keeping 1024 sources a CPU'
check_rc "top -n 0 is refused as a usage error" 2 pc top -n 0

done_testing
