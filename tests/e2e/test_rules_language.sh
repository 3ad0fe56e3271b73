#!/usr/bin/env bash
# The rules language as an operator meets it, end to end:
#   - a rules file that is not a regular file (/dev/zero, a FIFO) or is too
#     big fails at once with exit 2; "apply -" reads standard input;
#   - warnings for likely mistakes, and none once there is an error;
#   - "rules > f; apply f" keeps the generation and the rule counters, with
#     repeats in a table, a table file and an inline list;
#   - address families as in pf: "block proto tcp to ! 198.51.100.0/24 port
#     25" refuses IPv4 mail to a foreign mx, not IPv6 mail;
#   - a rule without proto covers UDP too: "block from <bad>" drops UDP.
# Run as root; prints TAP.
#
#   pcsub-PID (subscriber) -- pcrtr-PID (router, portcullis on pcrtr0) -- pcnet-PID

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

SUB=pcsub-$$ RTR=pcrtr-$$ NET=pcnet-$$
PC_NS=$RTR
D=$T/rules # rules files; their names appear in the diagnostics
mkdir -p "$D"

generation() { pc status --json >"$T/gen.json" && jget "$T/gen.json" 'd["generation"]'; }

# run_stdin FILE CMD...: run() with FILE as standard input.
run_stdin() {
	local in=$1 o e
	shift
	o=$(mktemp) e=$(mktemp)
	RC=0
	"$@" >"$o" 2>"$e" <"$in" || RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# ---- files that cannot be rules files: at once, exit 2 (no state needed)

# Bounded by timeout: before, /dev/zero grew without end and a FIFO blocked.
check_rc "apply --check /dev/zero exits 2 at once" 2 timeout 10 "$PC_BIN" apply --check /dev/zero
check_eq "... and says it is not a regular file" "$ERR" \
	$'/dev/zero: error: cannot read rules file: not a regular file\n/dev/zero: 1 error; nothing was changed'
mkfifo "$D/fifo"
check_rc "apply --check of a FIFO exits 2 at once" 2 timeout 10 "$PC_BIN" apply --check "$D/fifo"
check_match "... and says it is not a regular file" "$ERR" \
	"^$D/fifo: error: cannot read rules file: not a regular file\$"
truncate -s 257M "$D/huge.rules" # sparse
check_rc "apply --check of a 257 MiB file exits 2" 2 timeout 10 "$PC_BIN" apply --check "$D/huge.rules"
check_match "... and names the cap" "$ERR" \
	"^$D/huge.rules: error: cannot read rules file: larger than 256 MiB, the limit for a rules or table file\$"
printf 'table <t> file "fifo"\nblock from <t>\n' >"$D/fifotable.rules"
check_rc "a FIFO as a table file: exit 2 at once" 2 timeout 10 "$PC_BIN" apply --check "$D/fifotable.rules"
check_match "... at the file name, saying why" "$ERR" \
	'fifotable\.rules:1:16: error: cannot read table file "fifo": not a regular file'

# ---- standard input

printf 'table <t> { 192.0.2.0/24 }\nblock proto tcp from <t> to port 25\n' >"$D/ok.rules"
run_stdin "$D/ok.rules" timeout 10 "$PC_BIN" apply --check -
check_eq "apply --check - reads the policy from standard input" "$RC $OUT" \
	"0 <stdin>: OK: 1 rule, 1 table, 1 prefix entry"
printf 'block proto tcp to port 25\nbogus\n' >"$D/bad.rules"
run_stdin "$D/bad.rules" timeout 10 "$PC_BIN" apply --check -
check_eq "... and names it <stdin> in diagnostics, exit 2" "$RC $ERR" \
	"2 <stdin>:2:1: error: unknown statement 'bogus'; expected table, set, pass, block, monitor, reject or limit
<stdin>: 1 error; nothing was changed"
(cd "$D" && printf '192.0.2.7\n' >list.txt)
printf 'table <l> file "list.txt"\nblock from <l>\n' >"$D/stdin-table.rules"
run_stdin "$D/stdin-table.rules" sh -c "cd '$D' && timeout 10 '$PC_BIN' apply --check -"
check_eq "... whose table files are relative to the current directory" "$RC" 0

# ---- warnings

printf 'block proto tcp to port 25\nblock proto tcp to port 25\npass proto tcp from 192.0.2.1 to port 25\n' \
	>"$D/warn.rules"
check_rc "a policy with likely mistakes still checks out (exit 0)" 0 "$PC_BIN" apply --check "$D/warn.rules"
check_eq "... with a warning for each, in line order" "$ERR" \
	"$D/warn.rules:2:1: warning: duplicate rule: the same as the rule at 1:1
$D/warn.rules:3:1: warning: this rule is shadowed: the rule at 1:1 matches every packet it would, first"
check_rc "with -q (errors only) it checks out too" 0 "$PC_BIN" apply --check "$D/warn.rules" -q
check_eq "... and prints no warning" "$ERR" ""
printf '# nothing yet\n' >"$D/empty.rules"
check_rc "an empty policy checks out (exit 0)" 0 "$PC_BIN" apply --check "$D/empty.rules"
check_eq "... with a warning" "$ERR" "$D/empty.rules: warning: the policy has no rules: every packet passes"
for i in $(seq 0 128); do printf 'table <t%d> { 10.%d.0.0/16 }\n' "$i" "$i"; done >"$D/tables.rules"
echo 'block from <t0> to port 25' >>"$D/tables.rules"
check_rc "129 tables: exit 2" 2 "$PC_BIN" apply --check "$D/tables.rules"
check_eq "... the one error, and none of the 128 'never used' warnings" "$ERR" \
	"$D/tables.rules:129:7: error: too many tables: the limit is 128
$D/tables.rules: 1 error; nothing was changed"

# ---- a policy in force: families, UDP, and the round trip

isp_topology "$SUB" "$RTR" "$NET" || bail "build the ISP topology"
pc_cleanup_at_exit
isp_servers "$NET" || bail "start the mail servers"
ok "topology and mail servers are up"

# Repeats everywhere: in a table, in a table file, in an inline list.
printf '%s\n' "$ISP_BIZ_V4" 203.0.113.0/24 "$ISP_BIZ_V4" >"$D/bad.txt"
cat >"$D/policy.rules" <<EOF
table <bad>  file "bad.txt"
table <dups> { 192.0.2.1, 192.0.2.1, 2001:db8:99::/48 }
block from <bad>
block proto tcp from <dups> to port 26
block proto tcp to { 203.0.113.10, 203.0.113.10 } port 2525
block proto tcp to ! 198.51.100.0/24 port 25
EOF
check_rc "attach pcrtr0 --rules policy.rules exits 0" 0 pc attach pcrtr0 --rules "$D/policy.rules"

mail_refused "IPv4 mail to the mx on 25 is refused by 'to ! 198.51.100.0/24'" "$SUB" $ISP_MX_V4 25
mail_delivered "IPv4 mail to the relay on 25 is delivered" "$SUB" $ISP_RELAY_V4 25
mail_delivered "IPv6 mail to the mx on 25 is delivered: the rule is IPv4 only" "$SUB" $ISP_MX_V6 25
mail_delivered "IPv6 mail to the relay on 25 is delivered" "$SUB" $ISP_RELAY_V6 25
mail_refused "mail to the mx on 2525 (a repeated inline address) is refused" "$SUB" $ISP_MX_V4 2525

# UDP from a <bad> address is dropped; from another, it arrives.
bg udp-recv ip netns exec "$NET" $PY -u -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'"$ISP_MX_V4"'", 9999))
while True:
    print(s.recv(64).decode())
'
wait_for 10 sh -c "ip netns exec '$NET' ss -Huan | grep -q '$ISP_MX_V4:9999'" || diag "the UDP receiver did not start"
udp_send() {
	nsx "$SUB" $PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(sys.argv[2].encode(), (sys.argv[3], 9999))
' "$1" "$2" "$ISP_MX_V4"
}
pc stats --json >"$T/udp0.json"
udp_send "$ISP_BIZ_V4" from-bad
udp_send "$ISP_SUB_V4" from-good
wait_for 10 grep -qx from-good "$T/udp-recv.log" || diag "the control datagram did not arrive"
check_eq "UDP from a <bad> address is dropped by 'block from <bad>', another arrives" \
	"$(cat "$T/udp-recv.log")" from-good
pc stats --json >"$T/udp1.json"
check_eq "... and counted by that rule: one packet" \
	"$(jdiff "$T/udp0.json" "$T/udp1.json" 'rule(1)["packets"]')" 1

# The round trip: "rules > f; apply f" is a no-op.
gen=$(generation)
pc stats --json >"$T/before.json"
run pc rules
printf '%s\n' "$OUT" >"$D/printed.rules"
check_eq "rules prints every table and list without repeats" \
	"$(grep -c -e '192.0.2.1, 192.0.2.1' -e '203.0.113.10, 203.0.113.10' "$D/printed.rules")" 0
check_rc "apply of the printed policy exits 0" 0 pc apply "$D/printed.rules"
check_match "... and says nothing changed" "$ERR" 'policy in force already.*nothing changed'
check_same "... and keeps the generation" "$(generation)" "$gen"
pc stats --json >"$T/after.json"
check_same "... and keeps the rule counters" \
	"$(jget "$T/after.json" '[r["packets"] for r in d["rules"]]')" \
	"$(jget "$T/before.json" '[r["packets"] for r in d["rules"]]')"
check_num -gt "... which counted something" "$(jget "$T/after.json" 'sum(r["packets"] for r in d["rules"])')" 0
run_stdin "$D/printed.rules" pc apply -
check_eq "apply - of the printed policy from standard input: no change either" \
	"$RC $(generation)" "0 $gen"

done_testing
