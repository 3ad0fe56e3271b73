#!/usr/bin/env bash
# stats --watch SECS: a snapshot every SECS seconds with the packets and
# connections a second since the one before.
#   - On a pipe, one block per snapshot, each headed by its RFC 3339 time;
#     with --json, one object a line. Frames sent during the watch show up
#     in the counts it prints, its rates are never negative, and they add
#     up (rate times interval, snapshot after snapshot) to those counts.
#   - A new policy generation during the watch is said, and its rules
#     have no rate (null) for that snapshot, while the ports keep theirs.
#   - SIGTERM and SIGINT end it with exit status 0.
#   - Detached and attached again between two snapshots, it reads the new
#     load, whose counters started again, and says so.
#   - On a terminal (a pseudo-terminal from Python's pty module, sized by
#     the test), each snapshot is drawn over the one before from the top
#     left, with no line wider than the terminal and nothing scrolled.
#   - Bad SECS are usage errors.
# Nothing here times anything: the watch runs at 0.2 s, and the test waits
# (bounded) for what it prints.
#
# Run as root; prints TAP. One namespace with a veth pair: frames are sent
# on one end, portcullis counts them in XDP on the other.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

NS=pcsw-$$
PC_NS=$NS
ns_add "$NS" || bail "create the namespace"
ip -n "$NS" link add name pcsw0 type veth peer name pcsw1 || bail "create the veth pair"
ip -n "$NS" link set pcsw0 up && ip -n "$NS" link set pcsw1 up
pc_cleanup_at_exit

printf 'block proto tcp to port 25\nmonitor proto tcp to port 587\n' >"$T/a.rules"
printf 'monitor proto tcp to port 587\nblock proto tcp to port 25\n' >"$T/b.rules"
check_rc "attach pcsw0 --rules a.rules" 0 pc attach pcsw0 --rules "$T/a.rules"
[ "$RC" -eq 0 ] || bail "cannot attach; stderr: $ERR"
MAC=$(mac_of "$NS" pcsw0)

# frames KIND N: N frames of KIND from pcsw1 to pcsw0's XDP.
frames() {
	local kind=$1 n=$2 i kinds=()
	for ((i = 0; i < n; i++)); do kinds+=("$kind"); done
	send_frames "$NS" pcsw1 "$MAC" 100.64.0.2 203.0.113.10 2001:db8:1000::2 2001:db8:2::10 \
		"${kinds[@]}" >/dev/null
}

# watch_bg NAME ARGS...: stats ARGS in the background, stdout to $T/NAME,
# stderr to $T/NAME.err; WATCH_PID is its PID (nsenter execs it).
watch_bg() {
	local name=$1
	shift
	nsenter --net="/run/netns/$NS" "$PC_BIN" stats "$@" >"$T/$name" 2>"$T/$name.err" </dev/null &
	WATCH_PID=$!
	on_exit "kill_pid $WATCH_PID"
}

# stop_watch SIGNAL: sends it to the watch and waits (at most 10 s) for
# it to end; WATCH_RC is its exit status (124: it did not end).
stop_watch() {
	local i
	kill "-$1" "$WATCH_PID"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$WATCH_PID" 2>/dev/null; then
		WATCH_RC=124
		kill -KILL "$WATCH_PID"
	fi
	wait "$WATCH_PID" && WATCH_RC=0 || WATCH_RC=${WATCH_RC:-$?}
}

# jlines FILE EXPR: EXPR (python, over d, as jget) for each whole JSON line
# of FILE, one result a line.
jlines() {
	$PY -c '
import json, sys
for line in open(sys.argv[1]).read().split("\n")[:-1]:
    d = json.loads(line)
    print(json.dumps(eval(sys.argv[2], {"d": d, "port": lambda pr, p: [x for x in d["ports"] if x["proto"] == pr and x["port"] == p][0], "rule": lambda n: d["rules"][n - 1]})))
' "$1" "$2"
}
last_line_has() { [ "$(jlines "$1" "$2" | tail -n 1)" == "$3" ]; }

# ---- --json on a pipe: counts, rates, a new generation, SIGTERM

watch_bg watch.json --json --watch 0.2
wait_for 10 last_line_has "$T/watch.json" 'd["totals"]["packets"]' 0
check_eq "--json --watch: its first line has no rates yet (null)" \
	"$(jlines "$T/watch.json" '[d["interval_seconds"], d["totals"]["packets_per_second"], port("tcp", 25)["packets_per_second"], rule(1)["connections_per_second"]]' | head -n 1)" \
	'[null, null, null, null]'
frames v4opt_syn25 7
frames q_v4_syn587 3
wait_for 10 last_line_has "$T/watch.json" '[port("tcp", 25)["dropped"]["packets"], port("tcp", 587)["passed"]["packets"]]' '[7, 3]'
check_eq "the watch prints the 7 SYNs to port 25 that were sent during it, dropped" \
	"$(jlines "$T/watch.json" '[port("tcp", 25)["dropped"][k] for k in ("packets", "connections")]' | tail -n 1)" '[7, 7]'
check_eq "... and the 3 to port 587, passed, on the rules that took them" \
	"$(jlines "$T/watch.json" '[port("tcp", 587)["passed"]["packets"], rule(1)["packets"], rule(2)["connections"]]' | tail -n 1)" '[3, 7, 3]'
# Rate times interval over the snapshots is what was counted, whatever
# the snapshots the frames fell into.
check_eq "... and its rates add up to those counts (packets/s and connections/s times the interval)" \
	"$($PY -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().split("\n")[:-1]]
def total(f):
    return round(sum(f(d) * d["interval_seconds"] for d in lines[1:]))
p25 = lambda d: [x for x in d["ports"] if x["port"] == 25][0]
print([total(lambda d: p25(d)["packets_per_second"]), total(lambda d: p25(d)["connections_per_second"]),
       total(lambda d: d["rules"][0]["packets_per_second"]), total(lambda d: d["rules"][1]["connections_per_second"])])
' "$T/watch.json")" '[7, 7, 7, 3]'

check_rc "apply b.rules during the watch (rules swapped: a new generation)" 0 pc apply "$T/b.rules"
wait_for 10 last_line_has "$T/watch.json" 'd["generation"]' 2
frames v4opt_syn25 2
wait_for 10 last_line_has "$T/watch.json" 'port("tcp", 25)["dropped"]["packets"]' 9
check_eq "the first line of the new generation says so, and its rules have no rate" \
	"$(jlines "$T/watch.json" '[d["generation_changed"], [r["packets_per_second"] for r in d["rules"]], [r["connections_per_second"] for r in d["rules"]]]' | grep true | sed -n 1p)" \
	'[true, [null, null], [null, null]]'
check_eq "... the lines before and after it do not" \
	"$(jlines "$T/watch.json" '[d["generation"], d["generation_changed"]]' | sort | uniq -c | awk '{ $1 = ""; print }' | tr -d ' ' | tr '\n' ' ')" \
	'[1,false] [2,false] [2,true] '
check_eq "... and the ports keep their rates through it" \
	"$(jlines "$T/watch.json" 'port("tcp", 25)["packets_per_second"] is None' | sort | uniq -c | awk '{ print ($1 > 1 ? "many" : "one"), $2 }' | tr '\n' ' ')" \
	'many false one true '
check_eq "... and the new generation's rules count the 2 SYNs sent since" \
	"$(jlines "$T/watch.json" 'rule(2)["packets"]' | tail -n 1)" 2
check_eq "no rate in any line is negative" \
	"$(jlines "$T/watch.json" '[v for x in d["ports"] + d["rules"] + [d["totals"]] for k, v in x.items() if k.endswith("_per_second") and v is not None and v < 0]' | sort -u)" \
	'[]'
check_eq "every line carries the rates of every port and rule, and the interval" \
	"$(jlines "$T/watch.json" 'all("packets_per_second" in x and "connections_per_second" in x for x in d["ports"] + d["rules"]) and "packets_per_second" in d["totals"] and "interval_seconds" in d' | sort -u)" \
	true
stop_watch TERM
check_eq "SIGTERM ends stats --json --watch with exit status 0" "$WATCH_RC" 0
check_eq "... having said nothing on stderr" "$(cat "$T/watch.json.err")" ''
check_eq "... and its last line is whole" "$(tail -c 1 "$T/watch.json" | od -An -c | tr -d ' ')" '\n'

# ---- text on a pipe: blocks headed by their time, SIGINT

watch_bg watch.txt --watch 0.2
wait_for 10 grep -q '^total ' "$T/watch.txt"
frames v4opt_syn25 4
# The dropped packets of tcp/25: 9 before, 4 now.
wait_for 10 grep -qE '^tcp/25 +0 +0 +13 +13 ' "$T/watch.txt"
stop_watch INT
check_eq "SIGINT ends stats --watch with exit status 0" "$WATCH_RC" 0
OUT=$(cat "$T/watch.txt")
check_match "the watch on a pipe prints the 13 SYNs to port 25, dropped" "$OUT" '^tcp/25 +0 +0 +13 +13 +0 +0 '
HEADS=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z  every 0\.2 s, ' <<<"$OUT")
check_num -ge "... in blocks, each headed by its RFC 3339 UTC time" "$HEADS" 2
check_eq "... one heading a block (a block ends with its total)" "$(grep -c '^total ' <<<"$OUT")" "$HEADS"
RATES=$(grep -oE '  every 0\.2 s, rates .*' <<<"$OUT")
check_eq "... the first without rates yet" "$(head -n 1 <<<"$RATES")" '  every 0.2 s, rates from the next snapshot on'
check_eq "... the others with those over the last interval" \
	"$(tail -n +2 <<<"$RATES" | grep -cvE '^  every 0\.2 s, rates over the last [0-9]+\.[0-9]{2} s$')" 0
check_match "... with PKTS/S and CONNS/S columns on ports and rules" "$OUT" '^RULE ACTION .* DROPPED +PKTS/S +CONNS/S  TEXT$'
check_eq "... the totals with their packets a second (- on the first)" \
	"$(grep '^total ' <<<"$OUT" | sed -E 's/.*; ([0-9]+\.[0-9]|-) packets\/s$/\1/; s/^[0-9.]+$/N/' | uniq | tr '\n' ' ')" '- N '
check_nomatch "... no rate negative" "$OUT" ' -[0-9]'
check_nomatch "... and no terminal sequences" "$OUT" $'\033'

# ---- on a terminal: drawn in place

# tty_watch OUT COLS ROWS ARGS...: stats ARGS with stdout on a COLS x ROWS
# pseudo-terminal (its own line discipline, "\n" written as "\r\n"); the
# bytes it got go to OUT. Sets RC.
tty_watch() {
	local out=$1 cols=$2 rows=$3
	shift 3
	RC=0
	timeout 60 "$PY" -c '
import fcntl, os, pty, struct, subprocess, sys, termios
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", int(sys.argv[3]), int(sys.argv[2]), 0, 0))
p = subprocess.Popen(sys.argv[4:], stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.DEVNULL)
os.close(slave)
got = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the command has closed the terminal
        break
    if not chunk:
        break
    got += chunk
open(sys.argv[1], "wb").write(got)
sys.exit(p.wait())
' "$out" "$cols" "$rows" nsenter --net="/run/netns/$NS" "$PC_BIN" stats "$@" </dev/null || RC=$?
}

# screen FILE COLS ROWS: what a COLS x ROWS terminal shows after those
# bytes (ESC[H home, ESC[K and ESC[J clear, "\r", "\n"; a line that would
# scroll or a row wider than COLS is reported), trailing blanks dropped;
# then "frames N" for the number of ESC[H.
screen() {
	"$PY" -c '
import re, sys
data, cols, rows = open(sys.argv[1], "rb").read().decode(), int(sys.argv[2]), int(sys.argv[3])
scr = [[" "] * cols for _ in range(rows)]
r = c = homes = 0
for tok in re.findall(r"\x1b\[[0-9;]*[A-Za-z]|.", data, re.S):
    if tok == "\x1b[H":
        r = c = 0; homes += 1
    elif tok == "\x1b[K":
        scr[r][c:] = [" "] * (cols - c)
    elif tok == "\x1b[J":
        scr[r][c:] = [" "] * (cols - c)
        for i in range(r + 1, rows): scr[i] = [" "] * cols
    elif tok.startswith("\x1b"):
        sys.exit("unexpected sequence %r" % tok)
    elif tok == "\r":
        c = 0
    elif tok == "\n":
        if r + 1 == rows: sys.exit("scrolled")
        r += 1
    else:
        if c == cols: sys.exit("wider than the terminal")
        scr[r][c] = tok; c += 1
print("\n".join("".join(row).rstrip() for row in scr).rstrip("\n"))
print("frames", homes)
' "$@"
}

tty_watch "$T/tty.out" 200 40 --watch 0.2 --count 3
check_eq "stats --watch 0.2 --count 3 on a terminal exits 0" "$RC" 0
SCREEN=$(screen "$T/tty.out" 200 40 2>&1)
check_match "... drawing 3 snapshots, each from the top left" "$SCREEN" '^frames 3$'
check_eq "... over each other: the screen shows one snapshot" "$(grep -c '^total ' <<<"$SCREEN")" 1
check_match "... the last, with its rates" "$SCREEN" '^[0-9T:.-]+Z  every 0\.2 s, rates over the last [0-9.]+ s$'
check_match "... and the counts" "$SCREEN" '^tcp/25 +0 +0 +13 +13 +0 +0 '
check_match "... headed on its first row by the time" "$(head -n 1 <<<"$SCREEN")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z  every'
check_nomatch "... never clearing the whole screen first (no flicker)" "$(od -An -c "$T/tty.out" | tr -d ' \n')" '033\[2J'

tty_watch "$T/small.out" 40 6 --watch 0.2 --count 2
check_eq "on a 40x6 terminal it exits 0" "$RC" 0
SCREEN=$(screen "$T/small.out" 40 6 2>&1)
check_match "... and draws both snapshots in place" "$SCREEN" '^frames 2$'
check_nomatch "... without scrolling or a row wider than 40" "$SCREEN" '^(scrolled|wider than the terminal|unexpected)'
check_eq "... its 6 rows the first 6 lines of the snapshot, cut at 40" \
	"$(head -n 6 <<<"$SCREEN" | awk '{ print length($0) <= 40, $1 }' | tr '\n' ' ')" \
	"1 $(head -n 1 <<<"$SCREEN" | awk '{ print $1 }') 1 policy 1  1 PORT 1 tcp/25 1 tcp/587 "
check_eq "... the last of them filled to the edge" "$(sed -n 6p <<<"$SCREEN" | awk '{ print length($0) }')" 40

# ---- detached and attached again during a watch

# The watch is stopped (SIGSTOP) while portcullis is detached and attached
# again, so that it cannot see the moment with nothing loaded; it goes on
# at once when continued, its next snapshot overdue.
stopped() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" == T ]; }
watch_bg reload.json --json --watch 0.2
wait_for 10 last_line_has "$T/reload.json" 'port("tcp", 25)["dropped"]["packets"]' 13
kill -STOP "$WATCH_PID"
check "the watch is stopped" wait_for 10 stopped "$WATCH_PID"
check_rc "detach --all during the watch" 0 pc detach --all
check_rc "... and attach again" 0 pc attach pcsw0 --rules "$T/a.rules"
frames v4opt_syn25 1
N=$(grep -c . "$T/reload.json")
kill -CONT "$WATCH_PID"
wait_for 10 last_line_has "$T/reload.json" 'port("tcp", 25)["dropped"]["packets"]' 1
check_eq "the watch reads the new load's counters (1 SYN), saying they started again, with no rate" \
	"$(jlines "$T/reload.json" '[port("tcp", 25)["dropped"]["packets"], d["counters_restarted"], d["interval_seconds"], d["totals"]["packets_per_second"], port("tcp", 25)["packets_per_second"], rule(1)["packets_per_second"]]' | tail -n +"$((N + 1))" | sed -n 1p)" \
	'[1, true, null, null, null, null]'
wait_for 10 last_line_has "$T/reload.json" 'd["interval_seconds"] is not None and not d["counters_restarted"]' true
check_eq "... and has rates again on the snapshot after" \
	"$(jlines "$T/reload.json" '[port("tcp", 25)["dropped"]["packets"], port("tcp", 25)["packets_per_second"] is not None, d["counters_restarted"]]' | tail -n 1)" \
	'[1, true, false]'
stop_watch TERM
check_eq "... and SIGTERM ends it with exit status 0" "$WATCH_RC" 0

# ---- bad SECS

for secs in 0 0.05 -1 86401 nan inf 1s ''; do
	check_rc "stats --watch '$secs' is a usage error (exit 2)" 2 pc stats --watch "$secs"
done
check_rc "stats --watch 0.5 --count 1 exits 0" 0 pc stats --watch 0.5 --count 1

done_testing
