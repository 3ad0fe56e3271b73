#!/usr/bin/env bash
# Atomic apply: `kill -9` at any point of an `apply` leaves either the old
# policy or the new one wholly in force, never a mix and never none.
#
# OLD is small (block tcp/25 from a table of 10 prefixes); NEW has a table
# of 200,000 prefixes from 100.64.0.0/10 and other rules. The time T a
# full apply of NEW takes is measured once; then, 20 times, `apply NEW`
# runs in the background and is killed with SIGKILL after a delay from 0
# to T (and a few around T, where the switch happens). After each kill:
#   - `rules` prints exactly the canonical OLD or exactly the canonical NEW
#     (as printed after a clean apply of each), consistent with whether the
#     apply was killed or had finished, and `status --json` agrees;
#   - the XDP program, run with BPF_PROG_TEST_RUN (`bpftool prog run`) on a
#     crafted TCP SYN to port 25, gives the verdict of that same policy for a
#     source inside the big table and for one outside it (the two policies
#     disagree on both);
#   - the policy is reset to OLD for the next round.
# Also: a bad rules file leaves the policy in force (same `rules`, same
# generation), and `apply --check` of a good file changes nothing.
#
# Run as root from anywhere; prints TAP. No traffic is sent: the veth pair
# pcat0/pcat1 lives in a private namespace and only gives the program an
# interface to be attached to. There are no timing assertions.

# A private pin directory, whatever the caller's environment says.
export PORTCULLIS_PIN_DIR=/sys/fs/bpf/pc-atomic-$$

. "$(dirname "$0")/lib.sh"
require_root

ITER=20 # rounds of apply-and-kill

NS=pcat-$$
# shellcheck disable=SC2034 # used by pc() in lib.sh
PC_NS=$NS
ns_add "$NS" || bail "create the namespace $NS"
ip -n "$NS" link add name pcat0 type veth peer name pcat1 || bail "create the veth pair"
if ! ip -n "$NS" link set pcat0 up || ! ip -n "$NS" link set pcat1 up; then
	bail "bring the veth pair up"
fi
pc_cleanup_at_exit

# The background apply, if one is running: killed at exit whatever happens.
APPLY_PID=
# shellcheck disable=SC2016 # expanded at exit, not now
on_exit '[ -n "$APPLY_PID" ] && kill -KILL "$APPLY_PID"'

# ---------------------------------------------------------------- files

D=$T/rules
mkdir -p "$D"
OLD=$D/old.rules
NEW=$D/new.rules

cat >"$OLD" <<'EOF'
# OLD: subscribers' pools may not send to port 25.
table <pool> {
	100.64.0.0/16, 100.100.0.0/16, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
	198.18.0.0/15, 203.0.113.128/25, 2001:db8:1000::/36, 2001:db8:2000::/36, fd00::/8
}
block proto tcp from <pool> to port 25
EOF

# 200,000 distinct /32s: 100.64.0.0 to 100.67.13.63, all in 100.64.0.0/10.
NBIG=200000
awk -v n=$NBIG 'BEGIN { for (i = 0; i < n; i++)
	printf "100.%d.%d.%d\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$D/big.txt"
cat >"$NEW" <<'EOF'
# NEW: only the addresses of <big> may send to port 25.
table <big> file "big.txt"
pass    proto tcp from <big> to port 25
block   proto tcp to port 25
monitor proto tcp to port { 465, 587 }
EOF

# ---------------------------------------------------------------- frames

# frame4 SRC DST DPORT: Ethernet + IPv4 (no options) + TCP SYN, 54 bytes.
frame4() {
	local IFS=. s d
	read -r -a s <<<"$1"
	read -r -a d <<<"$2"
	# shellcheck disable=SC2059
	{
		printf '\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00'
		printf '\x45\x00\x00\x28\x1c\x46\x40\x00\x40\x06\x00\x00'
		printf "\\x$(printf %02x "${s[0]}")\\x$(printf %02x "${s[1]}")\\x$(printf %02x "${s[2]}")\\x$(printf %02x "${s[3]}")"
		printf "\\x$(printf %02x "${d[0]}")\\x$(printf %02x "${d[1]}")\\x$(printf %02x "${d[2]}")\\x$(printf %02x "${d[3]}")"
		printf "\\x9c\\x40\\x$(printf %02x $(($3 >> 8)))\\x$(printf %02x $(($3 & 255)))"
		printf '\x00\x00\x00\x01\x00\x00\x00\x00\x50\x02\xff\xff\x00\x00\x00\x00'
	}
}
SYN_IN=$T/syn-in.bin   # from inside <big> (and inside OLD's 100.64.0.0/16)
SYN_OUT=$T/syn-out.bin # from outside both
frame4 100.64.1.2 203.0.113.10 25 >"$SYN_IN"
frame4 192.0.2.1 203.0.113.10 25 >"$SYN_OUT"
check_eq "the crafted SYN frames are 54 bytes" "$(stat -c %s "$SYN_IN") $(stat -c %s "$SYN_OUT")" "54 54"

XDP_DROP=1
XDP_PASS=2
# verdict FRAME: the XDP program's return value for FRAME, or "error".
verdict() {
	local out
	out=$(timeout 30 bpftool -j prog run pinned "$PORTCULLIS_PIN_DIR/prog_xdp" data_in "$1" 2>&1) &&
		sed -n 's/.*"retval":\([0-9]*\).*/\1/p' <<<"$out" | grep . || echo "error: $out"
}
# What each policy does to each frame.
OLD_IN=$XDP_DROP OLD_OUT=$XDP_PASS
NEW_IN=$XDP_PASS NEW_OUT=$XDP_DROP

generation() { pc status --json >"$T/gen.json" && jget "$T/gen.json" 'd["generation"]'; }
prefixes() { pc status --json >"$T/pfx.json" && jget "$T/pfx.json" 'd["prefixes"]'; }

# ---------------------------------------------------------------- set up

check_rc "attach pcat0 --rules OLD" 0 pc attach pcat0 --rules "$OLD"
[ "$RC" -eq 0 ] || bail "cannot attach; stderr: $ERR"
check "the pins are in the private pin directory" test -e "$PORTCULLIS_PIN_DIR/prog_xdp"
check_rc "rules (OLD in force)" 0 pc rules
printf '%s\n' "$OUT" >"$T/old.canon"
check_eq "OLD in force: verdicts for SYNs from inside and outside the big table" \
	"$(verdict "$SYN_IN") $(verdict "$SYN_OUT")" "$OLD_IN $OLD_OUT"

check_rc "a clean apply NEW" 0 pc apply "$NEW"
check_rc "rules (NEW in force)" 0 pc rules
printf '%s\n' "$OUT" >"$T/new.canon"
check_eq "rules prints the $NBIG prefixes of NEW" \
	"$(grep -c '^[[:space:]]*100\.6[4-7]\.[0-9]*\.[0-9]*,\?$' "$T/new.canon")" "$NBIG"
check_eq "NEW in force: verdicts for SYNs from inside and outside the big table" \
	"$(verdict "$SYN_IN") $(verdict "$SYN_OUT")" "$NEW_IN $NEW_OUT"
check_eq "status counts NEW's prefixes" "$(prefixes)" "$NBIG"
differ() { ! cmp -s "$1" "$2"; }
check "the canonical forms of OLD and NEW differ" differ "$T/old.canon" "$T/new.canon"

check_rc "a clean apply OLD" 0 pc apply "$OLD"
pc rules >"$T/now.rules" 2>&1
check "rules after re-applying OLD is OLD's canonical form again" cmp -s "$T/now.rules" "$T/old.canon"
check_eq "OLD in force again: verdicts" "$(verdict "$SYN_IN") $(verdict "$SYN_OUT")" "$OLD_IN $OLD_OUT"

# Time a full apply of NEW as in the rounds below, where the slot it is
# written into still holds NEW's prefixes from before: the delays span it.
t0=$(date +%s%N)
check_rc "a timed apply NEW over the slot it used before" 0 timeout 120 "$PC_BIN" apply "$NEW"
t1=$(date +%s%N)
FULL_NS=$((t1 - t0))
diag "a full apply of NEW ($NBIG prefixes) took $((FULL_NS / 1000000)) ms"
check_rc "a clean apply OLD again" 0 pc apply "$OLD"

# ---------------------------------------------------------------- bad files, --check

# unchanged DESC GEN: the policy in force is still OLD, at generation GEN.
unchanged() {
	local desc=$1 gen=$2 g v
	pc rules >"$T/now.rules" 2>&1
	g=$(generation)
	v="$(verdict "$SYN_IN") $(verdict "$SYN_OUT")"
	if cmp -s "$T/now.rules" "$T/old.canon" && [ "$g" == "$gen" ] && [ "$v" == "$OLD_IN $OLD_OUT" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "generation $g, want $gen; verdicts $v, want $OLD_IN $OLD_OUT; rules diff:" \
			"$(diff "$T/old.canon" "$T/now.rules" | head -n 10)"
	fi
}

GEN=$(generation)
check_num -ge "status --json gives a generation" "$GEN" 1

printf 'table <t> { 192.0.2.0/24, 300.1.2.3 }\nblock proto tcp from <t> to port 99999\n' >"$D/bad.rules"
check_rc "apply of a file with syntax and value errors exits 2" 2 pc apply "$D/bad.rules"
check_match "... and reports FILE:LINE:COL: error:" "$ERR" 'bad\.rules:1:[0-9]+: error: '
unchanged "... and leaves OLD in force (rules, generation, verdicts)" "$GEN"

{
	echo "table <big> file \"big.txt\""
	for ((i = 0; i < 65; i++)); do echo "block proto tcp from <big> to port $((1000 + i))"; done
} >"$D/toomany.rules"
check_rc "apply of a file over the compiler's limits (65 rules) exits 2" 2 pc apply "$D/toomany.rules"
check_match "... and says why" "$ERR" 'toomany\.rules:66:1: error: too many rules'
unchanged "... and leaves OLD in force" "$GEN"

printf 'table <gone> file "no-such-file.txt"\nblock from <gone> to port 25\n' >"$D/nofile.rules"
check_rc "apply of a file whose table file is missing exits 2" 2 pc apply "$D/nofile.rules"
unchanged "... and leaves OLD in force" "$GEN"

check_rc "apply --check of NEW (a good file) exits 0" 0 pc apply "$NEW" --check
unchanged "apply --check changed nothing" "$GEN"
check_rc "apply --check of a bad file exits 2" 2 pc apply "$D/bad.rules" --check
unchanged "... and changes nothing either" "$GEN"

# ---------------------------------------------------------------- kill -9

n_old=0 n_new=0 n_killed=0
for ((i = 0; i < ITER; i++)); do
	# Rounds 1-14 spread over [0, T], T the time of a full apply; rounds
	# 15-20 go over [0.85 T, 1.1 T] again, around the switch at the end
	# (a background apply takes a little more or less than T).
	if ((i < 14)); then
		delay_ns=$((FULL_NS * i / 13))
	else
		delay_ns=$((FULL_NS * (85 + 5 * (i - 14)) / 100))
	fi
	delay=$(printf '%d.%09d' $((delay_ns / 1000000000)) $((delay_ns % 1000000000)))
	gen0=$(generation)

	# apply needs no network namespace: run it directly (not under nsenter
	# or timeout), so that $! is the portcullis process itself.
	"$PC_BIN" apply "$NEW" >"$T/bg.log" 2>&1 </dev/null &
	APPLY_PID=$!
	sleep "$delay"
	kill -KILL "$APPLY_PID" 2>/dev/null
	rc=0
	wait "$APPLY_PID" 2>/dev/null || rc=$?
	APPLY_PID=

	pc rules >"$T/now.rules" 2>"$T/rules.err"
	rrc=$?
	state=mix
	if [ $rrc -eq 0 ] && cmp -s "$T/now.rules" "$T/old.canon"; then
		state=old
	elif [ $rrc -eq 0 ] && cmp -s "$T/now.rules" "$T/new.canon"; then
		state=new
	fi
	g=$(generation)
	p=$(prefixes)
	what="round $((i + 1)), killed after $delay s (apply exit status $rc)"
	[ "$rc" -eq 137 ] && n_killed=$((n_killed + 1))
	if [ $state == old ] && [ $rc -eq 137 ]; then
		n_old=$((n_old + 1))
		check_eq "$what: OLD wholly in force (rules, generation, prefix count)" "$g $p" "$gen0 10"
	elif [ $state == new ] && { [ $rc -eq 137 ] || [ $rc -eq 0 ]; }; then
		n_new=$((n_new + 1))
		check_eq "$what: NEW wholly in force (rules, generation, prefix count)" "$g $p" "$((gen0 + 1)) $NBIG"
	elif [ $state != mix ]; then
		not_ok "$what: $state in force, but apply ended by itself with status $rc"
		diag "$(cat "$T/bg.log")"
	else
		not_ok "$what: rules prints neither OLD nor NEW (a mix or none)"
		diag "rules exit status $rrc: $(head -c 300 "$T/rules.err")" \
			"diff against OLD: $(diff "$T/old.canon" "$T/now.rules" | head -n 6)" \
			"diff against NEW: $(diff "$T/new.canon" "$T/now.rules" | head -n 6)"
	fi
	v="$(verdict "$SYN_IN") $(verdict "$SYN_OUT")"
	case $state in
	old) check_eq "$what: the program gives OLD's verdicts" "$v" "$OLD_IN $OLD_OUT" ;;
	new) check_eq "$what: the program gives NEW's verdicts" "$v" "$NEW_IN $NEW_OUT" ;;
	*) not_ok "$what: the program's verdicts ($v) belong to no policy" ;;
	esac

	# Back to OLD for the next round.
	run pc apply "$OLD"
	pc rules >"$T/now.rules" 2>&1
	if [ "$RC" -eq 0 ] && cmp -s "$T/now.rules" "$T/old.canon" &&
		[ "$(verdict "$SYN_IN") $(verdict "$SYN_OUT")" == "$OLD_IN $OLD_OUT" ]; then
		ok "round $((i + 1)): reset to OLD"
	else
		not_ok "round $((i + 1)): reset to OLD"
		diag "apply exit status $RC: $ERR"
	fi
done
diag "after kill -9: OLD in force $n_old times, NEW $n_new times (of $ITER)"
check_num -ge "at least one apply was killed before it finished" "$n_killed" 1

# ---------------------------------------------------------------- afterwards

# Whatever the killed applies left in the slot not in force, full applies
# still work both ways.
GEN=$(generation)
check_rc "a clean apply NEW after the rounds" 0 pc apply "$NEW"
pc rules >"$T/now.rules" 2>&1
check "... puts NEW's canonical form in force" cmp -s "$T/now.rules" "$T/new.canon"
check_eq "... with NEW's verdicts and the next generation" \
	"$(verdict "$SYN_IN") $(verdict "$SYN_OUT") $(generation)" "$NEW_IN $NEW_OUT $((GEN + 1))"
check_rc "a clean apply OLD after that" 0 pc apply "$OLD"
pc rules >"$T/now.rules" 2>&1
check "... puts OLD's canonical form in force" cmp -s "$T/now.rules" "$T/old.canon"
check_eq "... with OLD's verdicts and the next generation" \
	"$(verdict "$SYN_IN") $(verdict "$SYN_OUT") $(generation)" "$OLD_IN $OLD_OUT $((GEN + 2))"

check_rc "detach --all" 0 pc detach --all
check "no pin is left behind" test ! -e "$PORTCULLIS_PIN_DIR"

done_testing
