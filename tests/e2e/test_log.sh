#!/usr/bin/env bash
# End to end: the event log of a rule with log, followed by
# `portcullis log`. Run as root; prints TAP.
#
#   pcsub-PID (subscriber) -- pcgrt-PID (router, portcullis XDP on pcrtr0) -- pcnet-PID
#
#   - `log --json`, in the background, writes one JSON line per attempt to
#     a block rule with log, with the attempt's fields; an attempt to a
#     rule without log, and a packet that is no attempt, write none;
#   - a flood of 200 SYNs from one source gives at most one event per
#     second it lasts, and stats counts the rest as lost to the rate limit;
#   - metrics shows the same counts; attach --event-sources sizes the map
#     of sources at the first load, and a later attach says it keeps it;
#   - the text lines, and a new generation's events with its rule numbers
#     and texts;
#   - SIGTERM and SIGINT end log with status 0; without pins or without
#     privilege, it fails with a message that says why.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

SUB=pcsub-$$ RTR=pcgrt-$$ NET=pcnet-$$
PC_NS=$RTR
FLOOD=200

isp_topology "$SUB" "$RTR" "$NET" || bail "build the ISP topology"
pc_cleanup_at_exit
ok "topology is up"

cat >"$T/log.rules" <<'RULES'
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
pass    proto tcp to port 587
block   proto tcp from <subscribers> to port 25 log
RULES
RULE_TEXT='block proto tcp from <subscribers> to port 25 log'
check_rc "attach with a block rule that logs, --event-sources 1000" 0 \
	pc attach pcrtr0 --rules "$T/log.rules" --event-sources 1000
check_eq "... which sizes the event log's map of sources" \
	"$(bpftool -j map show pinned "$PORTCULLIS_PIN_DIR/pc_event_limit" | $PY -c 'import json, sys; print(json.load(sys.stdin)["max_entries"])')" 1000
check_rc "attach again with --event-sources 2000 exits 0" 0 pc attach pcrtr0 --event-sources 2000
check_match "... and says it keeps the loaded size" "$ERR" "--event-sources 2000: .*keeping 1000 sources"
run pc rules
check_match "rules prints log back" "$OUT" "^$RULE_TEXT\$"
IFINDEX=$(ip -n "$RTR" -o link show dev pcrtr0 | cut -d: -f1)
RTR_MAC=$(mac_of "$RTR" pcrtr0)

# syns SRC DST DPORT FIRST_SPORT N [FLAGS [GAP]]: N TCP segments (SYN
# unless FLAGS, e.g. 0x10 for an ACK) from SRC to DST:DPORT, source ports
# from FIRST_SPORT on, GAP seconds apart (default 0), sent raw from pcsub0
# to the router's MAC; prints the seconds from the first send to the last.
syns() {
	ip netns exec "$SUB" $PY - "$RTR_MAC" "$@" <<'EOF'
import socket, struct, sys, time
dmac, src, dst, dport, sport, n = sys.argv[1:7]
flags = int(sys.argv[7], 0) if len(sys.argv) > 7 else 0x02
gap = float(sys.argv[8]) if len(sys.argv) > 8 else 0
v6 = ":" in src
fam = socket.AF_INET6 if v6 else socket.AF_INET
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("pcsub0", 0))
smac = s.getsockname()[4][:6]
def frame(sp):
    tcp = struct.pack("!HHIIBBHHH", sp, int(dport), 1, 0, 5 << 4, flags, 64240, 0, 0)
    if v6:
        l3 = struct.pack("!IHBB", 0x60000000, len(tcp), 6, 64) + \
            socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) + tcp
        et = 0x86dd
    else:
        l3 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                         socket.inet_aton(src), socket.inet_aton(dst)) + tcp
        et = 0x0800
    return bytes(int(x, 16) for x in dmac.split(":")) + smac + struct.pack("!H", et) + l3
t0 = time.monotonic()
for i in range(int(n)):
    if i and gap:
        time.sleep(gap)
    s.send(frame(int(sport) + i))
print("%.3f" % (time.monotonic() - t0))
EOF
}

# events FILE [SRC]: how many events FILE holds (from SRC).
events() {
	$PY - "$@" <<'EOF'
import json, sys
src = sys.argv[2] if len(sys.argv) > 2 else None
print(sum(1 for l in open(sys.argv[1]) if src is None or json.loads(l)["src"] == src))
EOF
}

# log_start NAME ARGS...: `portcullis log ARGS` in the background, its
# output in $T/NAME.out, its errors in $T/NAME.err; LOG_PID is its PID.
log_start() {
	local name=$1
	shift
	"$PC_BIN" log "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	LOG_PID=$!
	on_exit "kill_pid $LOG_PID"
	# Following once its ring is mapped: /proc shows the map's anon inode.
	wait_for 10 sh -c "ls -l /proc/$LOG_PID/fd | grep -q bpf-map" ||
		diag "log did not start:" "$(cat "$T/$name.err")"
	sleep 0.2
}

# log_stop DESC SIGNAL: sends SIGNAL to log, checks that it ends with 0.
log_stop() {
	local rc=0
	kill -"$2" "$LOG_PID"
	wait "$LOG_PID" || rc=$?
	check_eq "$1" "$rc" 0
}

# ------------------------------------------------------- known attempts

run pc stats --json
printf '%s\n' "$OUT" >"$T/s0.json"
log_start json --json
START=$(date +%s)
syns 100.64.0.2 203.0.113.10 25 41000 1 >/dev/null
syns 2001:db8:1000::2 2001:db8:2::10 25 41001 1 >/dev/null
syns 100.64.0.2 203.0.113.10 587 41002 1 >/dev/null            # a rule without log
syns 100.64.0.5 203.0.113.10 25 41003 1 0x10 >/dev/null        # an ACK: no attempt
syns 203.0.113.99 203.0.113.10 25 41004 1 >/dev/null           # no rule: not a subscriber
wait_for 5 sh -c "[ \$(wc -l <'$T/json.out') -ge 2 ]"
sleep 0.5 # what else would come
END=$(date +%s)
check_eq "log --json wrote one line per logged attempt: 2" "$(wc -l <"$T/json.out")" 2
check_eq "... nothing on stderr" "$(cat "$T/json.err")" ""

# check_event N SRC DST SPORT FAMILY: line N of the JSON output.
check_event() {
	local n=$1 src=$2 dst=$3 sport=$4 family=$5 got
	got=$($PY - "$T/json.out" "$n" "$START" "$END" <<'EOF'
import datetime, json, sys
e = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])
t = datetime.datetime.strptime(e.pop("time"), "%Y-%m-%dT%H:%M:%S.%fZ")
t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
e["time_in_test"] = int(sys.argv[3]) - 1 <= t <= int(sys.argv[4]) + 1
e.pop("generation")
print(json.dumps(e, sort_keys=True))
EOF
)
	check_eq "event $n: $src:$sport -> $dst:25, its rule and its time" "$got" \
		"$(printf '{"action": "block", "dport": 25, "dst": "%s", "family": "%s", "hook": "xdp", "ifindex": %s, "proto": "tcp", "rule": 2, "sport": %s, "src": "%s", "text": "%s", "time_in_test": true, "verdict": "dropped"}' \
			"$dst" "$family" "$IFINDEX" "$sport" "$src" "$RULE_TEXT")"
}
check_event 1 100.64.0.2 203.0.113.10 41000 ipv4
check_event 2 2001:db8:1000::2 2001:db8:2::10 41001 ipv6
check_eq "... of the generation in force" \
	"$(head -n 1 "$T/json.out" | $PY -c 'import json, sys; print(json.load(sys.stdin)["generation"])')" \
	"$(jget "$T/s0.json" 'd["generation"]')"

stats_settle "$T/s1.json" 'd["events"]["emitted"] - '"$(jget "$T/s0.json" 'd["events"]["emitted"]')" 2
check_eq "stats --json counts the 2 events emitted, none lost" \
	"$(jget "$T/s1.json" '[d["events"][k] - '"$(jget "$T/s0.json" 'd["events"]')"'[k] for k in ("emitted", "lost_ring_full", "lost_rate_limited")]')" \
	"[2, 0, 0]"

# ------------------------------------------------------------------ flood

# All from a source that has had no event yet, over about 1.5 s, so that
# the limit lets more than one through.
ELAPSED=$(syns 100.64.0.9 203.0.113.10 25 20000 $FLOOD 0x02 0.0075)
diag "$FLOOD SYNs from 100.64.0.9 in $ELAPSED s"
MAX=$((${ELAPSED%.*} + 1)) # whole seconds, and the one it began in
stats_settle "$T/s2.json" \
	'd["events"]["emitted"] + d["events"]["lost_rate_limited"] - '"$(jget "$T/s1.json" 'd["events"]["emitted"] + d["events"]["lost_rate_limited"]')" \
	$FLOOD
EMITTED=$(jget "$T/s2.json" 'd["events"]["emitted"] - '"$(jget "$T/s1.json" 'd["events"]["emitted"]')")
LIMITED=$(jget "$T/s2.json" 'd["events"]["lost_rate_limited"] - '"$(jget "$T/s1.json" 'd["events"]["lost_rate_limited"]')")
wait_for 5 sh -c "[ \$(wc -l <'$T/json.out') -ge $((2 + EMITTED)) ]"
FROM_FLOOD=$(events "$T/json.out" 100.64.0.9)
check_num -ge "the flood gave an event" "$FROM_FLOOD" 1
check_num -le "... and at most one a second it lasted ($FROM_FLOOD for ${ELAPSED} s, at most $MAX)" \
	"$FROM_FLOOD" "$MAX"
check_eq "... each of them in stats' emitted count" "$EMITTED" "$FROM_FLOOD"
check_eq "stats counts the rest as lost to the rate limit ($FLOOD - $FROM_FLOOD)" \
	"$LIMITED" $((FLOOD - FROM_FLOOD))
check_eq "... and none lost to a full ring" \
	"$(jget "$T/s2.json" 'd["events"]["lost_ring_full"] - '"$(jget "$T/s0.json" 'd["events"]["lost_ring_full"]')")" 0
check_eq "the rule dropped every SYN of the flood" \
	"$(jget "$T/s2.json" 'rule(2)["connections"]')" $((FLOOD + 2))

run pc metrics --once
check_eq "metrics: portcullis_events_total is stats' emitted" \
	"$(printf '%s\n' "$OUT" | sed -n 's/^portcullis_events_total \([0-9]*\)$/\1/p')" \
	"$(jget "$T/s2.json" 'd["events"]["emitted"]')"
check_eq "metrics: ... events_lost_total{reason=\"rate_limited\"} is stats' lost_rate_limited" \
	"$(printf '%s\n' "$OUT" | sed -n 's/^portcullis_events_lost_total{reason="rate_limited"} \([0-9]*\)$/\1/p')" \
	"$(jget "$T/s2.json" 'd["events"]["lost_rate_limited"]')"
check_match "metrics: events_lost_total has its HELP and TYPE lines" "$OUT" \
	'^# TYPE portcullis_events_lost_total counter$'
run pc stats
check_match "stats shows the event counts" "$OUT" \
	"^events $(jget "$T/s2.json" 'd["events"]["emitted"]') logged; lost 0 to a full ring, $(jget "$T/s2.json" 'd["events"]["lost_rate_limited"]') to the rate limit\$"

log_stop "SIGTERM ends log --json with status 0" TERM

# ------------------------------------------------------------ text lines

log_start text
syns 100.64.0.10 203.0.113.10 25 42000 1 >/dev/null
wait_for 5 sh -c "[ -s '$T/text.out' ]"
check_match "log prints a line: time, verdict, proto, src -> dst:port, rule and text" \
	"$(cat "$T/text.out")" \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z dropped tcp 100\.64\.0\.10:42000 -> 203\.0\.113\.10:25 rule 2: $RULE_TEXT\$"
# A new generation while log runs: its events carry their rule's new
# number and text.
cat >"$T/log2.rules" <<'RULES'
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
pass    proto tcp to port 587
block   proto tcp to port 2525
reject  proto tcp from <subscribers> to port 25 log
RULES
check_rc "apply of a policy whose rule 3 logs, while log runs" 0 pc apply "$T/log2.rules"
syns 100.64.0.11 203.0.113.10 25 42001 1 >/dev/null
wait_for 5 sh -c "[ \$(wc -l <'$T/text.out') -ge 2 ]"
check_match "... its event names rule 3 and its text" "$(sed -n 2p "$T/text.out")" \
	"Z rejected tcp 100\.64\.0\.11:42001 -> 203\.0\.113\.10:25 rule 3: reject proto tcp from <subscribers> to port 25 log\$"
log_stop "SIGINT ends log with status 0" INT

# ---------------------------------------------------------------- errors

run env PORTCULLIS_PIN_DIR=/sys/fs/bpf/pc-e2e-none-$$ timeout 10 "$PC_BIN" log
check_eq "log without pins exits 1" "$RC" 1
check_match "... and says nothing is loaded" "$ERR" "nothing loaded"
run timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups "$PC_BIN" log
check_eq "log without privilege exits 1" "$RC" 1
check_match "... and says what it needs" "$ERR" "needs root"
check_rc "log --help exits 0" 0 "$PC_BIN" log --help
run "$PC_BIN" log --help
check_match "... and says the ring has one reader" "$OUT" "one reader"

done_testing
