#!/usr/bin/env bash
# The command line: --help, usage errors, exit statuses, diagnostics of bad
# rules files (FILE:LINE:COL: error:, every error, nothing changed), apply
# --check, attaching twice, nothing loaded, no privileges, status --json.
# Run as root; prints TAP. Uses one namespace with a veth pair to attach to.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

NS=pccli-$$
PC_NS=$NS
ns_add "$NS" || bail "create the namespace"
ip -n "$NS" link add name pccli0 type veth peer name pccli1 || bail "create the veth pair"
ip -n "$NS" link set pccli0 up && ip -n "$NS" link set pccli1 up
pc_cleanup_at_exit
D=$T/rules # rules files; their names appear in the diagnostics
mkdir -p "$D"

generation() { pc status --json >"$T/gen.json" && jget "$T/gen.json" 'd["generation"]'; }
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'

# ---- --help and usage errors (no state needed)

check_rc "--help exits 0" 0 pc --help
for cmd in attach detach apply rules stats status; do
	check_match "--help lists $cmd" "$OUT" "^  $cmd "
done
for cmd in attach detach apply rules stats status; do
	check_rc "$cmd --help exits 0" 0 pc $cmd --help
	check_match "$cmd --help prints the usage of $cmd" "$OUT" "^Usage: portcullis $cmd( |\$)"
done
check_rc "no command is a usage error (exit 2)" 2 pc
check_rc "an unknown command is a usage error (exit 2)" 2 pc frobnicate
check_rc "attach without an interface is a usage error (exit 2)" 2 pc attach
check_rc "attach --hook bogus is a usage error (exit 2)" 2 pc attach pccli0 --hook bogus
check_rc "stats --bogus is a usage error (exit 2)" 2 pc stats --bogus
check_rc "apply without a file is a usage error (exit 2)" 2 pc apply
check_match "... that says what is missing" "$ERR" "^portcullis apply: missing FILE\|-$"
check_match "apply --help names FILE|-" "$(pc apply --help)" '^Usage: portcullis apply FILE\|- '

# ---- options: one parser, errors that say why, options after operands

check_rc "stats --bogus: exit 2" 2 pc stats --bogus
check_match "... saying which option is unknown" "$ERR" "^portcullis stats: unknown option '--bogus'$"
check_rc "status -x: exit 2" 2 pc status -x
check_match "... saying which option is unknown" "$ERR" "^portcullis status: unknown option '-x'$"
check_rc "attach pccli0 --hook (no value): exit 2" 2 pc attach pccli0 --hook
check_match "... saying it needs a value, and which" "$ERR" '--hook needs a value: xdp\|xdp-generic\|tc-egress\|tc-ingress'
check_rc "attach pccli0 --hook bogus: exit 2" 2 pc attach pccli0 --hook bogus
check_match "... naming the hooks there are" "$ERR" "--hook wants one of xdp, xdp-generic, tc-egress, tc-ingress; 'bogus'"
check_rc "stats --watch soon: exit 2" 2 pc stats --watch soon
check_match "... saying it wants a number" "$ERR" "--watch wants a number from .*, not 'soon'"
check_rc "stats --watch 1 --count 0: exit 2" 2 pc stats --watch 1 --count 0
check_match "... saying it wants a whole number of at least 1" "$ERR" "--count wants a whole number of at least 1, not '0'"
check_rc "stats --count 2 without --watch: exit 2" 2 pc stats --count 2
check_match "... saying --count needs --watch" "$ERR" '--count needs --watch'
check_rc "apply --check=yes: exit 2" 2 pc apply --check=yes x.rules
check_match "... saying --check takes no value" "$ERR" '--check takes no value'
check_rc "apply a b: exit 2" 2 pc apply a.rules b.rules
check_match "... naming the extra operand" "$ERR" "unexpected operand 'b.rules'"
check_rc "rules x: exit 2" 2 pc rules x
check_rc "detach pccli0 --all: exit 2" 2 pc detach pccli0 --all
check_rc "detach (nothing): exit 2" 2 pc detach
check_rc "--version exits 0" 0 pc --version
check_match "... and prints the version" "$OUT" '^portcullis [0-9]+\.[0-9]+\.[0-9]+$'
check_rc "-vv --help exits 0" 0 pc -vv --help

# ---- pin directories must be absolute (a relative one mounted a bpffs
# under the current directory)

mkdir -p "$T/cwd"
on_exit "umount -l '$T/cwd/relpins'; umount -l '$T/cwd/relpins'"
on_exit "cd '$T/cwd' && PORTCULLIS_PIN_DIR=relpins nsenter --net=/run/netns/$NS '$PC_BIN' detach --all"
run sh -c "cd '$T/cwd' && exec timeout 60 nsenter --net=/run/netns/$NS '$PC_BIN' --pin-dir relpins status"
check_eq "--pin-dir relpins is a usage error (exit 2)" "$RC" 2
check_match "... saying the pin directory must be absolute" "$ERR" "^portcullis: --pin-dir wants an absolute path, not 'relpins'$"
run sh -c "cd '$T/cwd' && PORTCULLIS_PIN_DIR=relpins exec timeout 60 nsenter --net=/run/netns/$NS '$PC_BIN' attach pccli0"
check_eq "PORTCULLIS_PIN_DIR=relpins attach: exit 2" "$RC" 2
check_match "... saying PORTCULLIS_PIN_DIR must be absolute" "$ERR" "^portcullis: PORTCULLIS_PIN_DIR wants an absolute path, not 'relpins'$"
check "... and made nothing under the current directory" test ! -e "$T/cwd/relpins"
check_eq "... and attached nothing" "$(xdp_mode "$NS" pccli0)" ""

# ---- nothing loaded

check "the private pin directory does not exist yet" test ! -e "$PORTCULLIS_PIN_DIR"
for c in stats rules status; do
	check_rc "$c with nothing loaded exits 1" 1 pc $c
	check_eq "$c with nothing loaded says why on stderr" "$([ -n "$ERR" ] && echo said)" said
done
cp "$PC_ROOT/examples/isp.rules" "$PC_ROOT/examples/business.txt" "$D/"
check_rc "apply with nothing loaded exits 1" 1 pc apply "$D/isp.rules"
check_rc "detach --all with nothing loaded exits 0" 0 pc detach --all
check_rc "rules --default with nothing loaded exits 0" 0 pc rules --default
printf '%s\n' "$OUT" >"$D/default.rules"
check_match "rules --default blocks port 25" "$OUT" '^block .*port 25$'
check_match "rules --default monitors 465, 587 and 2525" "$OUT" '^monitor .*port \{ ?465, 587, 2525 ?\}$'
check_rc "apply --check of the rules --default output exits 0" 0 pc apply "$D/default.rules" --check
check_rc "apply --check of examples/isp.rules exits 0" 0 pc apply "$D/isp.rules" --check
check_rc "apply --check loaded nothing: stats still exits 1" 1 pc stats

# ---- attach failures

check_rc "attach to a missing interface exits 1" 1 pc attach pcnosuch0
check_match "... and names the interface" "$ERR" 'pcnosuch0'
check_nomatch "... and is no usage error" "$ERR" '^[Uu]sage'
check_rc "attach pccli0 pcnosuch0 exits 1" 1 pc attach pccli0 pcnosuch0
check_eq "... and attaches nothing, not even to pccli0" "$(xdp_mode "$NS" pccli0)" ""
printf 'pass proto tcp to port 99999\n' >"$D/badport.rules"
check_rc "attach --rules with a bad file exits 2" 2 pc attach pccli0 --rules "$D/badport.rules"
check_match "... and reports FILE:LINE:COL: error:" "$ERR" 'badport\.rules:1:24: error: '
check_eq "... and attaches nothing" "$(xdp_mode "$NS" pccli0)" ""

# ---- attach, status, attach again

check_rc "attach pccli0 exits 0" 0 pc attach pccli0
check_match "... and says, in a sentence, which policy it put in force" "$ERR" \
	'^portcullis: the built-in default policy is in force$'
check_eq "the default hook is native XDP" "$(xdp_mode "$NS" pccli0)" xdp
check_rc "status --json exits 0" 0 pc status --json
S=$T/status.json
printf '%s\n' "$OUT" >"$S"
check_eq "status: pin_dir" "$(jget "$S" 'd["pin_dir"]')" "$PORTCULLIS_PIN_DIR"
check_eq "status: generation is 1 after the first attach" "$(jget "$S" 'd["generation"]')" 1
check_match "status: applied_at is RFC 3339 UTC" "$(jget "$S" 'd["applied_at"]')" "$RFC3339"
check_eq "status: rules == 2 (the default policy)" "$(jget "$S" 'd["rules"]')" 2
check_eq "status: tables, prefixes are 0 and malformed is block" \
	"$(jget "$S" '[d["tables"], d["prefixes"], d["malformed"]]')" '[0, 0, "block"]'
check_eq "status: one attachment" "$(jget "$S" 'len(d["attachments"])')" 1
check_eq "status: attachment interface, ifindex, hook" \
	"$(jget "$S" '[d["attachments"][0][k] for k in ("interface", "ifindex", "hook")]')" \
	"[\"pccli0\", $(ip -n "$NS" -o link show pccli0 | cut -d: -f1), \"xdp\"]"
pid=$(xdp_prog_id "$NS" pccli0)
check_same "status: program_id is the XDP program on pccli0" "$(jget "$S" 'att("pccli0")["program_id"]')" "$pid"
check_match "status: attached_at is RFC 3339 UTC" "$(jget "$S" 'att("pccli0")["attached_at"]')" "$RFC3339"
check_rc "status (text) exits 0" 0 pc status
check_match "status (text) names pccli0" "$OUT" pccli0
check_rc "--pin-dir DIR works as PORTCULLIS_PIN_DIR does" 0 \
	env PORTCULLIS_PIN_DIR=/sys/fs/bpf/pc-none-$$ "$PC_BIN" --pin-dir "$PORTCULLIS_PIN_DIR" status --json
printf '%s\n' "$OUT" >"$T/s2.json"
check_eq "... and status shows that pin_dir" "$(jget "$T/s2.json" 'd["pin_dir"]')" "$PORTCULLIS_PIN_DIR"
check_rc "-q status exits 0" 0 pc -q status
check_rc "-v status exits 0" 0 pc -v status
check_rc "stats exits 0" 0 pc stats
check_rc "stats --json exits 0" 0 pc stats --json
printf '%s\n' "$OUT" >"$T/stats.json"
check_eq "stats --json has ports, rules, totals, events, the generation and the times" \
	"$(jget "$T/stats.json" 'sorted(d)')" \
	'["applied_at", "events", "generation", "ports", "rules", "snapshot_at", "totals"]'
pc status --json >"$S"
check_same "stats --json: the generation is status's" "$(jget "$T/stats.json" 'd["generation"]')" \
	"$(jget "$S" 'd["generation"]')"
check_same "stats --json: applied_at is status's" "$(jget "$T/stats.json" 'd["applied_at"]')" \
	"$(jget "$S" 'd["applied_at"]')"
check_match "stats --json: snapshot_at is RFC 3339 UTC" "$(jget "$T/stats.json" 'd["snapshot_at"]')" "$RFC3339"
check_rc "stats --json --watch 0.2 --count 2 exits 0" 0 pc stats --json --watch 0.2 --count 2
check_eq "... and prints two lines" "$(grep -c . <<<"$OUT")" 2
i=0
while read -r line; do
	i=$((i + 1))
	printf '%s\n' "$line" >"$T/w$i.json"
	check_eq "--watch line $i: the generation" "$(jget "$T/w$i.json" 'd["generation"]')" 1
	check_match "--watch line $i: applied_at" "$(jget "$T/w$i.json" 'd["applied_at"]')" "$RFC3339"
	check_match "--watch line $i: snapshot_at" "$(jget "$T/w$i.json" 'd["snapshot_at"]')" "$RFC3339"
done <<<"$OUT"
check_rc "stats --watch 0.2 --count 2 (text) exits 0" 0 pc stats --watch 0.2 --count 2
check_eq "... and each snapshot is headed by its time, then the generation and when it was applied" \
	"$(grep -A1 -E '^[0-9TZ:.-]+  every 0.2 s, ' <<<"$OUT" | grep -cE '^policy generation 1, applied [0-9TZ:-]+$')" 2
check_eq "stats --json: ports of the default policy" \
	"$(jget "$T/stats.json" 'sorted([x["proto"], x["port"]] for x in d["ports"])')" \
	'[["tcp", 25], ["tcp", 465], ["tcp", 587], ["tcp", 2525]]'
check_eq "stats --json: every counter key of a port" \
	"$(jget "$T/stats.json" 'sorted((k, sorted(v) if isinstance(v, dict) else 0) for k, v in port("tcp", 25).items())')" \
	'[["dropped", ["bytes", "connections", "packets"]], ["passed", ["bytes", "connections", "packets"]], ["port", 0], ["proto", 0], ["rejected", ["bytes", "connections", "packets"]]]'
check_eq "stats --json: the keys of a rule" "$(jget "$T/stats.json" 'sorted(rule(1))')" \
	'["action", "bytes", "connections", "dropped", "packets", "rule", "text"]'
check_eq "stats --json: a rule's dropped counts" "$(jget "$T/stats.json" 'sorted(rule(1)["dropped"])')" \
	'["bytes", "connections", "packets"]'
check_eq "stats --json: the keys of totals" "$(jget "$T/stats.json" 'sorted(d["totals"])')" \
	'["bytes", "dropped", "fragments", "malformed", "other", "packets", "passed", "rejected"]'
run pc rules
check_same "the policy in force is the default policy" "$OUT" "$(cat "$D/default.rules")"

gen=$(generation)
check_rc "attach pccli0 again exits 0" 0 pc attach pccli0
check_same "... and keeps the same program" "$(xdp_prog_id "$NS" pccli0)" "$pid"
check_same "... and keeps the generation" "$(generation)" "$gen"
check_rc "attach pccli0 --hook xdp again exits 0" 0 pc attach pccli0 --hook xdp
check_same "... and keeps the same program" "$(xdp_prog_id "$NS" pccli0)" "$pid"
pc status --json >"$S"
check_eq "... and status still lists one attachment" "$(jget "$S" 'len(d["attachments"])')" 1

check_rc "apply examples/isp.rules exits 0" 0 pc apply "$D/isp.rules"
check_eq "... and makes generation $((gen + 1))" "$(generation)" "$((gen + 1))"
check_rc "apply it again exits 0" 0 pc apply "$D/isp.rules"
check_match "... and says nothing changed" "$ERR" 'nothing changed'
check_rc "apply FILE -q (a global option after the operand) exits 0" 0 pc apply "$D/isp.rules" -q
check_eq "... and -q silences it" "$ERR" ""
check_rc "status --json --pin-dir DIR (after the command) exits 0" 0 \
	env PORTCULLIS_PIN_DIR=/sys/fs/bpf/pc-none-$$ "$PC_BIN" status --json --pin-dir "$PORTCULLIS_PIN_DIR"
printf '%s\n' "$OUT" >"$T/s3.json"
check_eq "... and status shows that pin_dir" "$(jget "$T/s3.json" 'd["pin_dir"]')" "$PORTCULLIS_PIN_DIR"
cp "$D/default.rules" "$D/-dash.rules"
run sh -c "cd '$D' && exec '$PC_BIN' apply --check -- -dash.rules"
check_eq "apply --check -- -dash.rules (-- ends the options) exits 0" "$RC" 0
check_match "... and checks the file named -dash.rules" "$OUT" '^-dash\.rules: OK'
pc status --json >"$S"
check_eq "status: 4 rules, 3 tables, 6 prefixes for isp.rules" \
	"$(jget "$S" '[d["rules"], d["tables"], d["prefixes"]]')" '[4, 3, 6]'
run pc rules
check_match "rules shows the ISP policy in force" "$OUT" '^reject proto tcp from <subscribers> to port 25$'
printf '%s\n' "$OUT" >"$D/inforce.rules"

# ---- bad rules files: every error, exit 2, nothing changes

# nothing_changed DESC: the policy in force and its generation are as saved.
nothing_changed() {
	run pc rules
	check_same "$1: the policy in force is unchanged" "$OUT" "$(cat "$D/inforce.rules")"
	check_same "$1: the generation is unchanged" "$(generation)" "$gen"
}
gen=$(generation)

cat >"$D/many.rules" <<'EOF'
# five mistakes, one on each line from 3 to 7
table <t> { 198.51.100.0/24 }
table <t> { 203.0.113.0/24 }
table <h> { 198.51.100.1/24 }
blok proto tcp to port 25
pass proto tcp to port 70000
pass proto tcp from <nosuch> to port 25
block proto tcp from <t> to port 25
EOF
check_rc "apply of a file with five errors exits 2" 2 pc apply "$D/many.rules"
errs=$ERR
check_match "duplicate table name: many.rules:3:COL: error:" "$errs" 'many\.rules:3:(1|7): error: .*(<t>|\bt\b)'
check_match "host bits set: many.rules:4:13: error:" "$errs" 'many\.rules:4:13: error: '
check_match "unknown action: many.rules:5:1: error:" "$errs" 'many\.rules:5:1: error: .*blok'
check_match "port out of range: many.rules:6:24: error:" "$errs" 'many\.rules:6:24: error: '
check_match "undefined table: many.rules:7:21: error:" "$errs" 'many\.rules:7:21: error: .*nosuch'
check_eq "exactly those five errors are reported" "$(grep -c ': error: ' <<<"$errs")" 5
nothing_changed "after five errors"

# check_bad NAME TEXT REGEX DESC: apply exits 2 with an error matching REGEX.
check_bad() {
	local name=$1 text=$2 re=$3 desc=$4
	printf '%s\n' "$text" >"$D/$name"
	check_rc "$desc: apply exits 2" 2 pc apply "$D/$name"
	check_match "$desc: $name reports $re" "$ERR" "$re"
	nothing_changed "$desc"
}
check_bad nofile.rules $'table <b> file "nosuch.txt"\nblock proto tcp from <b> to port 25' \
	'nofile\.rules:1:[0-9]+: error: .*nosuch\.txt' "a table file that does not exist"
printf '198.51.100.7\n2001:db8:1::1/48\n' >"$D/hostbits.txt"
check_bad tblfile.rules $'table <b> file "hostbits.txt"\nblock proto tcp from <b> to port 25' \
	'hostbits\.txt:2:1: error: ' "a table file line with host bits"
check_bad hostbits4.rules 'block proto tcp from 198.51.100.1/24 to port 25' \
	'hostbits4\.rules:1:22: error: ' "an IPv4 prefix with host bits"
check_bad hostbits6.rules 'block proto tcp from 2001:db8::1/32 to port 25' \
	'hostbits6\.rules:1:22: error: ' "an IPv6 prefix with host bits"
check_bad dup.rules $'table <x> { 198.51.100.0/24 }\ntable <x> { 203.0.113.0/24 }\nblock proto tcp from <x> to port 25' \
	'dup\.rules:2:[0-9]+: error: .*x' "duplicate table names"
check_bad limit.rules 'limit proto tcp to port 587' \
	"limit\\.rules:1:1: error: 'limit' without 'rate'" "limit without a rate"
check_bad replylimit.rules 'set reply-limit 3/fortnight' \
	"replylimit\\.rules:1:17: error: unknown rate unit 'fortnight'" "a reply limit in fortnights"
check_bad range.rules 'block proto tcp to port 30:20' \
	'range\.rules:1:[0-9]+: error: ' "a port range lo > hi"

# ---- apply --check changes nothing

check_rc "apply --check of a valid new policy exits 0" 0 pc apply "$D/default.rules" --check
nothing_changed "after apply --check"
check_rc "apply --check of a bad file exits 2" 2 pc apply "$D/many.rules" --check
check_same "apply --check reports the same five errors" "$ERR" "$errs"
nothing_changed "after apply --check of a bad file"

# ---- reject is accepted, and round trips

printf '%s\n' 'reject proto tcp from 100.64.0.0/10 to port 25' \
	'reject proto udp from 2001:db8:1000::/36 to port 5353' >"$D/reject.rules"
check_rc "apply --check of a reject policy exits 0" 0 pc apply "$D/reject.rules" --check
check_rc "apply of a reject policy exits 0" 0 pc apply "$D/reject.rules"
run pc rules
check_same "rules prints the reject rules back as written" \
	"$(grep -E '^(pass|block|monitor|reject|limit)( |$)' <<<"$OUT")" "$(cat "$D/reject.rules")"
pc stats --json >"$T/reject.json"
check_eq "stats --json gives both rules the action reject" \
	"$(jget "$T/reject.json" '[r["action"] for r in d["rules"]]')" '["reject", "reject"]'

# ---- log is accepted on every action, and round trips

printf '%s\n' 'block proto tcp from 100.64.0.0/10 to port 25 log' \
	'limit proto tcp to port 587 log rate 5/minute burst 5' \
	'pass proto udp to port 53 log' >"$D/log.rules"
check_rc "apply of a policy whose rules log exits 0" 0 pc apply "$D/log.rules"
run pc rules
check_same "rules prints log back where it was" \
	"$(grep -E '^(pass|block|monitor|reject|limit)( |$)' <<<"$OUT")" "$(cat "$D/log.rules")"

# ---- rules --default applies cleanly, and round trips

check_rc "apply of the rules --default output exits 0" 0 pc apply "$D/default.rules"
run pc rules
check_same "rules then prints the rules --default text" "$OUT" "$(cat "$D/default.rules")"
gen=$(generation)
cp "$D/default.rules" "$D/inforce.rules"

# ---- no privileges

# As nobody with no capabilities, from /. nsenter needs CAP_SYS_ADMIN, so
# it enters the namespace first, then setpriv drops everything.
nopriv() {
	(cd / && timeout 60 nsenter --net="/run/netns/$NS" setpriv --reuid=nobody --regid=nogroup \
		--clear-groups --inh-caps=-all \
		env PORTCULLIS_PIN_DIR="$PORTCULLIS_PIN_DIR" "$PC_BIN" "$@")
}
check_rc "as nobody, --help still exits 0" 0 nopriv --help
for c in "status" "stats" "rules" "apply $D/default.rules" "attach pccli1" "detach --all"; do
	# shellcheck disable=SC2086
	check_rc "as nobody, $c exits 1" 1 nopriv $c
	check_match "... and says it needs root or CAP_BPF and CAP_NET_ADMIN" "$ERR" \
		'root|CAP_BPF'
done
check_eq "as nobody, nothing was attached to pccli1" "$(xdp_mode "$NS" pccli1)" ""
nothing_changed "after the unprivileged attempts"
check_same "after the unprivileged attempts, pccli0 keeps its program" "$(xdp_prog_id "$NS" pccli0)" "$pid"

# ---- detach

check_rc "detach pcnosuch0 exits 1" 1 pc detach pcnosuch0
ids=$(pinned_ids)
check_rc "detach --all exits 0" 0 pc detach --all
check_eq "no XDP program is left on pccli0" "$(xdp_mode "$NS" pccli0)" ""
check "the pin directory is gone" test ! -e "$PORTCULLIS_PIN_DIR"
check_all_gone "every program, map and link that was pinned is gone from the kernel" "$ids"
check_rc "stats after detach --all exits 1 (nothing loaded)" 1 pc stats

done_testing
