#!/usr/bin/env bash
# The progress line of apply and attach --rules (user/util/progress.c): on
# a terminal, each phase (reading, compiling, loading into the kernel,
# waiting for the lock, switching) draws one line on stderr, redrawn in
# place with '\r' and erased when the phase ends, so that what is left on
# the screen is exactly what a pipe gets. Never on a pipe, never with -q.
#
# stderr is put on a pseudo-terminal (Python's pty module, in raw mode so
# that the terminal adds no '\r' of its own). PORTCULLIS_PROGRESS_AFTER_MS=0
# (for tests only) draws each phase as it begins, instead of after the
# first second, so that nothing here depends on timing.
#
# Run as root; prints TAP. Uses one namespace with a veth pair to attach to.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

NS=pcprog-$$
PC_NS=$NS
ns_add "$NS" || bail "create the namespace"
ip -n "$NS" link add name pcprog0 type veth peer name pcprog1 || bail "create the veth pair"
ip -n "$NS" link set pcprog0 up && ip -n "$NS" link set pcprog1 up
pc_cleanup_at_exit

# tty_run OUT CMD...: runs CMD (bounded) with stderr on a pseudo-terminal
# and stdout on a pipe; the bytes the terminal got go to OUT, stdout to
# OUT.stdout. Sets RC.
tty_run() {
	local out=$1
	shift
	RC=0
	timeout 60 "$PY" -c '
import os, pty, subprocess, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)  # no "\n" -> "\r\n": every "\r" is the command'"'"'s own
with open(sys.argv[1] + ".stdout", "wb") as stdout:
    p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=stdout, stderr=slave)
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
' "$out" "$@" </dev/null || RC=$?
}

# shown FILE: the bytes with each "\r" written as <CR>, on one line per "\n".
shown() { sed 's/\r/<CR>/g' "$1"; }

# screen FILE: what a terminal shows after those bytes: "\r" goes back to
# the start of the line and what follows overwrites it; trailing blanks
# dropped.
screen() {
	"$PY" -c '
import sys
rows, row, col = [], [], 0
for ch in open(sys.argv[1], "rb").read().decode():
    if ch == "\r":
        col = 0
    elif ch == "\n":
        rows.append("".join(row).rstrip()); row, col = [], 0
    else:
        row[col:col + 1] = [ch]
        col += 1
if row:
    rows.append("".join(row).rstrip())
print("\n".join(rows))
' "$1"
}

printf 'block proto tcp to port 25\n' >"$T/a.rules"
# A table file, so that reading and loading have prefixes to count.
for i in $(seq 0 255); do echo "100.64.$i.0/24"; done >"$T/business.txt"
printf 'table <business> file "business.txt"\npass proto tcp from <business> to port 25\nblock proto tcp to port 25\n' >"$T/b.rules"
printf 'table <x> { 192.0.2.1 }\nblock proto icmp to port 25\n' >"$T/bad.rules"

check_rc "attach pcprog0 --rules a.rules" 0 pc attach pcprog0 --rules "$T/a.rules"
[ "$RC" -eq 0 ] || bail "cannot attach; stderr: $ERR"

export PORTCULLIS_PROGRESS_AFTER_MS=0

# ---- apply on a terminal

tty_run "$T/apply.tty" "$PC_BIN" apply "$T/b.rules"
check_eq "apply with stderr on a terminal exits 0" "$RC" 0
RAW=$(shown "$T/apply.tty")
for label in "reading $T/b.rules\\.\\.\\. " "compiling\\.\\.\\. 256 prefixes, " \
	"loading into the kernel\\.\\.\\. 256 prefixes, " \
	"waiting for the lock on $PORTCULLIS_PIN_DIR\\.\\.\\. " "switching\\.\\.\\. "; do
	check_match "the terminal gets the line '${label//\\/}', drawn from the start of the line" \
		"$RAW" "<CR>${label}[0-9]+\\.[0-9] s"
done
check_match "... each phase redrawn over the one before, on one row" "$RAW" \
	'^(<CR>[^<]*){6,}portcullis: applied'
check_match "... and erased (blanks, back to the start) before the next message" "$RAW" \
	'<CR> +<CR>portcullis: applied '
# The same policy twice, so that both say the same thing.
run "$PC_BIN" apply "$T/a.rules"
run "$PC_BIN" apply "$T/a.rules"
PIPED=$ERR
tty_run "$T/again.tty" "$PC_BIN" apply "$T/a.rules"
check_same "what is left on the screen is what a pipe gets, line for line" \
	"$(screen "$T/again.tty")" "$PIPED"
check_nomatch "... and the pipe gets no progress line" "${PIPED//$'\r'/<CR>}" \
	'<CR>|\.\.\. [0-9.]+ s|loading into|switching'

# ---- never on a pipe or a file, never with -q

run "$PC_BIN" apply "$T/b.rules"
check_eq "apply with stderr on a pipe exits 0" "$RC" 0
check_nomatch "... and stderr on a pipe has no progress line" "${ERR//$'\r'/<CR>}" \
	'<CR>|reading|compiling|loading into|switching'
"$PC_BIN" apply "$T/a.rules" 2>"$T/apply.err" >/dev/null </dev/null
check_nomatch "stderr in a file (a log) has no progress line" "$(shown "$T/apply.err")" \
	'<CR>|reading|compiling|loading into|switching'
tty_run "$T/quiet.tty" "$PC_BIN" -q apply "$T/b.rules"
check_eq "apply -q on a terminal exits 0" "$RC" 0
check_eq "... and writes nothing to the terminal" "$(shown "$T/quiet.tty")" ""
tty_run "$T/quiet2.tty" "$PC_BIN" apply "$T/a.rules" -q
check_eq "apply FILE -q on a terminal writes nothing either" "$(shown "$T/quiet2.tty")" ""

# ---- the other ways in

tty_run "$T/check.tty" "$PC_BIN" apply --check "$T/b.rules"
check_eq "apply --check on a terminal exits 0" "$RC" 0
check_match "... shows reading and compiling" "$(shown "$T/check.tty")" \
	"<CR>reading $T/b.rules\\.\\.\\. .*<CR>compiling\\.\\.\\. "
check_nomatch "... and no loading: nothing goes into the kernel" "$(shown "$T/check.tty")" \
	'loading into|switching'
check_eq "... and stdout, a pipe, has the verdict alone" "$(cat "$T/check.tty.stdout")" \
	"$T/b.rules: OK: 2 rules, 1 table, 256 prefix entries"

tty_run "$T/stdin.tty" sh -c "exec '$PC_BIN' apply - <'$T/a.rules'"
check_eq "apply - from a pipe on a terminal exits 0" "$RC" 0
check_match "... shows reading <stdin>" "$(shown "$T/stdin.tty")" '<CR>reading <stdin>\.\.\. '

tty_run "$T/bad.tty" "$PC_BIN" apply "$T/bad.rules"
check_eq "a bad rules file on a terminal exits 2" "$RC" 2
run "$PC_BIN" apply "$T/bad.rules"
check_same "... and its diagnostics on the screen are those of a pipe" \
	"$(screen "$T/bad.tty")" "$ERR"

# ---- waiting for the lock, then ^C

HOLDER=
# shellcheck disable=SC2016 # expanded at exit, not now
on_exit '[ -n "$HOLDER" ] && kill "$HOLDER"'
# Hold the lock as another command would, until killed (as
# test_stats_unlocked.sh does).
(
	exec 9<"$PORTCULLIS_PIN_DIR"
	flock -x 9
	exec sleep 600
) &
HOLDER=$!
lock_held() { ! flock -n -s "$PORTCULLIS_PIN_DIR" true; }
for ((i = 0; i < 100; i++)); do
	lock_held && break
	sleep 0.1
done
check "the lock is held by another process" lock_held
# apply waits for the lock until timeout(1) sends it SIGINT, as ^C would.
tty_run "$T/lock.tty" timeout -s INT 3 "$PC_BIN" apply "$T/b.rules"
check_eq "apply waiting for the lock, ended by SIGINT (timeout says 124)" "$RC" 124
check_match "... said it was waiting for the lock" "$(shown "$T/lock.tty")" \
	"<CR>waiting for the lock on $PORTCULLIS_PIN_DIR\\.\\.\\. [0-9]+\\.[0-9] s"
check_eq "... and erased its line as SIGINT ended it" "$(screen "$T/lock.tty")" ""
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
HOLDER=

pc detach --all >/dev/null 2>&1
tty_run "$T/attach.tty" nsenter --net="/run/netns/$NS" "$PC_BIN" attach pcprog0 --rules "$T/b.rules"
check_eq "attach --rules on a terminal exits 0" "$RC" 0
check_match "... shows reading, compiling and putting the policy in force" \
	"$(shown "$T/attach.tty")" \
	'<CR>reading .*<CR>compiling\.\.\. .*<CR>putting the policy in force\.\.\. 256 prefixes, '
# The next message: "attached", or first, where libxdp's dispatcher
# cannot load, the word that XDP falls back to portcullis's own link.
check_match "... erased before the next message" "$(shown "$T/attach.tty")" \
	'<CR> +<CR>portcullis: (attached xdp on pcprog0|pcprog0: libxdp.s dispatcher cannot load)'

done_testing
