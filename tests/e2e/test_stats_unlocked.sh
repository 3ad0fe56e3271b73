#!/usr/bin/env bash
# stats is not held up by a command that holds the pin directory's lock
# (an apply holds it while it switches generations): it reads the slot in
# force, which is consistent, without the lock. Commands that change state
# still wait for it. The lock is held here by flock(1) on the directory,
# as a command holds it, so that no timing is involved: stats must finish
# while the lock is held, and apply must not.
#
# Run as root from anywhere; prints TAP. No traffic is sent.

# Before the fix, stats waited for the lock, and timeout(1) ended it.
#
# A private pin directory, whatever the caller's environment says.
export PORTCULLIS_PIN_DIR=/sys/fs/bpf/pc-unlocked-$$

. "$(dirname "$0")/lib.sh"
require_root

NS=pcsu-$$
# shellcheck disable=SC2034 # used by pc() in lib.sh
PC_NS=$NS
ns_add "$NS" || bail "create the namespace $NS"
ip -n "$NS" link add name pcsu0 type veth peer name pcsu1 || bail "create the veth pair"
ip -n "$NS" link set pcsu0 up || bail "bring the veth up"
pc_cleanup_at_exit

HOLDER=
# shellcheck disable=SC2016 # expanded at exit, not now
on_exit '[ -n "$HOLDER" ] && kill "$HOLDER"'

printf 'block proto tcp to port 25\n' >"$T/a.rules"
printf 'block proto tcp to port 25\nmonitor proto tcp to port 587\n' >"$T/b.rules"
check_rc "attach pcsu0 --rules a.rules" 0 pc attach pcsu0 --rules "$T/a.rules"
[ "$RC" -eq 0 ] || bail "cannot attach; stderr: $ERR"

# Hold the lock exclusively, as apply does, until killed: the process
# that holds it is the one killed, so that killing it frees the lock.
(
	exec 9<"$PORTCULLIS_PIN_DIR"
	flock -x 9
	exec sleep 600
) &
HOLDER=$!
lock_held() { ! flock -n -s "$PORTCULLIS_PIN_DIR" true; }
# Wait until the holder has it.
for ((i = 0; i < 100; i++)); do
	lock_held && break
	sleep 0.1
done
check "the lock is held by another process" lock_held

check_rc "stats while the lock is held exits 0" 0 timeout 20 "$PC_BIN" stats
check_match "... and shows the rule in force" "$OUT" 'block proto tcp to port 25'
check_rc "stats --json while the lock is held exits 0" 0 timeout 20 "$PC_BIN" stats --json
check_match "... with the generation" "$OUT" '"generation": *1'
# apply waits for the lock: timeout(1) ends it (status 124) while it waits.
check_rc "apply while the lock is held waits for it" 124 timeout 3 "$PC_BIN" apply "$T/b.rules"

kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
HOLDER=
check_rc "once the lock is free, apply goes through" 0 pc apply "$T/b.rules"
check_rc "stats shows the new generation" 0 pc stats --json
check_match "... generation 2" "$OUT" '"generation": *2'

check_rc "detach --all" 0 pc detach --all
check_rc "stats with nothing loaded exits 1" 1 pc stats
check_match "... and says so" "$ERR" 'nothing loaded'

done_testing
