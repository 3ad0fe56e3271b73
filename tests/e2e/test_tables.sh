#!/usr/bin/env bash
# End to end: live table entries (`portcullis table`), on the ISP router
# topology of lib.sh, with real mail (swaks to aiosmtpd). Run as root;
# prints TAP.
#
#   pcsub-PID (subscriber) -- pcrtr-PID (router, XDP on pcrtr0) -- pcnet-PID (mx)
#
# The policy passes port 25 from <exempt> before it blocks it from
# <subscribers>:
#   - `table exempt add SUB --ttl 3s` exempts the subscriber at once, an
#     apply in between keeps the entry, and once it has lapsed (polled with
#     `table show`, no command sweeping it) the kernel blocks port 25 again;
#   - an entry without a TTL lasts until `delete`; `rules` marks it, and
#     `rules > f; apply f` keeps it live rather than making it the file's;
#     so does `attach --rules` of another policy on the running load;
#   - `show --json` gives each entry's source and expiry;
#   - an apply that drops the table drops its live entries;
#   - timed entries nest at most PC_LIVE_CHAIN (4) deep;
#   - bad addresses, durations, unknown tables, file entries and no load
#     are errors with the SPEC's exit statuses, and change nothing.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

SUB=pcsub-$$ RTR=pcrtr-$$ NET=pcnet-$$
PC_NS=$RTR

isp_topology "$SUB" "$RTR" "$NET" || bail "build the ISP topology"
pc_cleanup_at_exit
smtp_server "$NET" $ISP_MX_V4 25 || bail "start the mail server"
smtp_server "$NET" $ISP_MX_V6 25 || bail "start the mail server"
ok "topology and mail servers are up"

RULES=$T/tables.rules
cat >"$RULES" <<EOF
table <exempt>      { 192.0.2.99 }
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
pass  proto tcp from <exempt> to port 25
block proto tcp from <subscribers> to port 25
EOF
# The same without <exempt>.
NOEXEMPT=$T/noexempt.rules
cat >"$NOEXEMPT" <<EOF
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
block proto tcp from <subscribers> to port 25
EOF

check_rc "attach with the policy" 0 pc attach pcrtr0 --rules "$RULES"
check_rc "table show before anything is added" 0 pc table exempt show
check_match "show lists the file's entry as the file's" "$OUT" '^192\.0\.2\.99 +file +never$'

mail_refused "port 25 from the subscriber is blocked" "$SUB" $ISP_MX_V4 25

# ---- a timed entry: in force at once, kept by apply, lapses by itself

start=$(date +%s%N)
check_rc "table exempt add $ISP_SUB_V4 --ttl 3s" 0 pc table exempt add $ISP_SUB_V4 --ttl 3s
diag "table add took $((($(date +%s%N) - start) / 1000000)) ms"
check_match "add says until when" "$ERR" "added $ISP_SUB_V4 to <exempt>, until 20[0-9-]+T[0-9:]+Z"
mail_delivered "the exempted subscriber's mail on 25 is delivered at once" "$SUB" $ISP_MX_V4 25
check_rc "apply the same policy file" 0 pc apply "$RULES"
check_rc "table show after the apply" 0 pc table exempt show
check_match "the apply kept the live entry" "$OUT" "^$ISP_SUB_V4 +live +20"
mail_delivered "after the apply, the subscriber's mail is still delivered" "$SUB" $ISP_MX_V4 25

# Poll until the entry has lapsed, as show sees it (bounded: 20 s).
lapsed() { pc table exempt show | grep -q "^$ISP_SUB_V4 "; [ $? -eq 1 ]; }
check "the entry lapses within 20 s" wait_for 20 lapsed
diag "show stopped listing it $((($(date +%s%N) - start) / 1000000)) ms after the add"
mail_refused "once lapsed, port 25 from the subscriber is blocked again, with no sweep" \
	"$SUB" $ISP_MX_V4 25
check_rc "rules once the entry has lapsed" 0 pc rules
check_nomatch "rules no longer shows the lapsed entry" "$OUT" "$ISP_SUB_V4"

# ---- an entry without a TTL, through rules > f; apply f, and delete

# pc_live still holds the lapsed entry: nothing swept it yet. Its
# entries belong to a slot each; those of the slot in force are live.
active_slot() {
	bpftool -j map dump pinned "$PORTCULLIS_PIN_DIR/pc_ctl" |
		$PY -c 'import json, sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["active"] & 1)'
}
live_count() {
	bpftool -j map dump pinned "$PORTCULLIS_PIN_DIR/pc_live" |
		$PY -c 'import json, sys
print(sum(e["formatted"]["key"]["slot"] == int(sys.argv[1]) for e in json.load(sys.stdin)))' "$(active_slot)"
}
check_eq "the lapsed entry is still in pc_live" "$(live_count)" 1
check_rc "table '<exempt>' add $ISP_SUB_V6 (no TTL)" 0 pc table '<exempt>' add $ISP_SUB_V6
check_eq "the next edit swept the lapsed entry from pc_live" "$(live_count)" 1

# An edit killed after it staged its entries for the slot not in force,
# before its switch, leaves them out of force: written here by hand.
key_hex() { # TABLE SLOT: pc_live_key of 100.64.0.9/32 in TABLE, for SLOT
	$PY -c 'import sys
t = sys.argv[1].encode().ljust(32, b"\0")
k = t + bytes([4, 100, 64, 0, 9]) + bytes(12) + bytes([32, int(sys.argv[2]), 0])
print(" ".join("%02x" % b for b in k))' "$1" "$2"
}
staged=$((1 - $(active_slot)))
# shellcheck disable=SC2046
check "an entry staged for the slot not in force, by hand" \
	bpftool map update pinned "$PORTCULLIS_PIN_DIR/pc_live" key hex $(key_hex exempt $staged) \
	value hex 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
check_rc "table show" 0 pc table exempt show
check_nomatch "does not list the staged entry" "$OUT" '100\.64\.0\.9'
check_rc "rules" 0 pc rules
check_nomatch "nor does rules" "$OUT" '100\.64\.0\.9'
check_rc "an apply of the same file" 0 pc apply "$RULES"
check_rc "table show after the apply" 0 pc table exempt show
check_nomatch "did not put the staged entry in force" "$OUT" '100\.64\.0\.9'
check_match "and kept the live one" "$OUT" "^$ISP_SUB_V6 +live"
mail_delivered "IPv6: the exempted subscriber's mail is delivered" "$SUB" $ISP_MX_V6 25
check_rc "rules" 0 pc rules
check_match "rules marks the live entry as a comment after its table" "$OUT" \
	"^# live: $ISP_SUB_V6 until deleted$"
printf '%s\n' "$OUT" >"$T/roundtrip.rules"
check_rc "apply the output of rules" 0 pc apply "$T/roundtrip.rules"
check_match "it changes nothing" "$ERR" "policy in force already"
sed 's/{ 192.0.2.99 }/{ 192.0.2.98, 192.0.2.99 }/' "$RULES" >"$T/other.rules"
check_rc "attach --rules of another policy on the running load" 0 \
	pc attach pcrtr0 --rules "$T/other.rules"
mail_delivered "IPv6: the new generation kept the live entry" "$SUB" $ISP_MX_V6 25
check_rc "apply the first policy again" 0 pc apply "$RULES"
check_rc "table show --json" 0 pc table exempt show --json
printf '%s\n' "$OUT" >"$T/show.json"
check_eq "show --json: the table's name" "$(jget "$T/show.json" 'd["table"]')" "exempt"
check_eq "show --json: the entries, their source and expiry" \
	"$(jget "$T/show.json" '[[e["address"], e["source"], e["expires"]] for e in d["entries"]]')" \
	"[[\"192.0.2.99\", \"file\", null], [\"$ISP_SUB_V6\", \"live\", null]]"
check_match "show --json: a live entry has when it was added" \
	"$(jget "$T/show.json" 'd["entries"][1]["added"]')" '^20[0-9-]+T[0-9:]+Z$'
check_rc "a timed entry for --json" 0 pc table exempt add 100.64.77.0/24 --ttl 7d
check_rc "table show --json" 0 pc table exempt show --json
printf '%s\n' "$OUT" >"$T/show.json"
check_match "show --json: expires is an RFC 3339 UTC time" \
	"$(jget "$T/show.json" '[e["expires"] for e in d["entries"] if e["address"] == "100.64.77.0/24"][0]')" \
	'^20[0-9-]+T[0-9:]+Z$'
check_rc "table exempt delete 100.64.77.0/24" 0 pc table exempt delete 100.64.77.0/24
check_rc "table exempt delete $ISP_SUB_V6" 0 pc table exempt delete $ISP_SUB_V6
mail_refused "IPv6: after delete, port 25 from the subscriber is blocked" "$SUB" $ISP_MX_V6 25

# ---- an apply that drops the table drops its live entries

check_rc "add again, with a TTL" 0 pc table exempt add $ISP_SUB_V4 --ttl 1h
check_rc "apply a policy without <exempt>" 0 pc apply "$NOEXEMPT"
check_rc "apply the policy with <exempt> again" 0 pc apply "$RULES"
check_rc "table show" 0 pc table exempt show
check_nomatch "the live entry went with the table" "$OUT" "$ISP_SUB_V4"
mail_refused "and the subscriber is blocked" "$SUB" $ISP_MX_V4 25

# ---- the nesting cap

for len in 16 20 24 28; do
	pc table exempt add 100.64.0.0/$len --ttl $((len))m >/dev/null 2>&1
done
check_rc "four nested timed entries with different expiries" 0 pc table exempt show
check_num -eq "all four are in" "$(grep -c '^100\.64\.0\.0/' <<<"$OUT")" 4
check_rc "a fifth nested one with another expiry is refused" 1 \
	pc table exempt add 100.64.0.0/30 --ttl 30m
check_match "saying why" "$ERR" "more than 4 different expiries"
check_rc "table show" 0 pc table exempt show
check_nomatch "the refused add is not in" "$OUT" '100\.64\.0\.0/30'
check_rc "delete the four" 0 pc table exempt delete 100.64.0.0/16 100.64.0.0/20 100.64.0.0/24 \
	100.64.0.0/28

# ---- the whole room at once: 65,536 entries (PC_MAX_LIVE) in one add
# and one delete (the times are printed, never asserted)

check_eq "no live entry before" "$(live_count)" 0
check_rc "an address given twice" 0 pc -q table exempt add 100.79.0.2 100.79.0.2
check_eq "is one entry" "$(live_count)" 1
check_rc "delete it" 0 pc -q table exempt delete 100.79.0.2
many=$($PY -c 'print(" ".join(f"100.{80 + i // 65536}.{i // 256 % 256}.{i % 256}" for i in range(65536)))')
start=$(date +%s%N)
check_rc "65,536 entries in one add" 0 pc -q table exempt add $many --ttl 1h
ms=$((($(date +%s%N) - start) / 1000000))
diag "table add of 65,536 entries took $ms ms"
check_rc "one more has no room" 1 pc table exempt add 100.79.0.1
check_match "and says so" "$ERR" "no room for more live entries \(the limit is 65536\)"
check_rc "table show" 0 pc table exempt show
check_match "65,536 of them" "$OUT" "^table <exempt>: 65537 entries, 1 from the policy file, 65536 live$"
start=$(date +%s%N)
check_rc "and all deleted in one go" 0 pc -q table exempt delete $many
ms=$((($(date +%s%N) - start) / 1000000))
diag "table delete of 65,536 entries took $ms ms"
check_eq "no live entry left" "$(live_count)" 0

# ---- errors change nothing

gen() { pc status --json >"$T/st.json" && jget "$T/st.json" 'd["generation"]'; }
g0=$(gen)
check_rc "an unknown table is an error (1)" 1 pc table nosuch add 100.64.1.1
check_match "naming the tables there are" "$ERR" "no table <nosuch>.*<exempt> <subscribers>"
check_rc "a bad address is a usage error (2)" 2 pc table exempt add 100.64.1.256
check_rc "host bits are an error, as in the rules language" 2 pc table exempt add 100.64.1.1/24
check_match "with the fix" "$ERR" "did you mean 100\.64\.1\.0/24"
check_rc "an IPv4-mapped address is refused" 2 pc table exempt add ::ffff:100.64.1.1
check_rc "a bad duration is a usage error" 2 pc table exempt add 100.64.1.1 --ttl 3
check_rc "delete of a file entry is an error" 1 pc table exempt delete 192.0.2.99
check_match "that says it is the file's" "$ERR" "from the policy file"
check_rc "delete of an entry not there is an error" 1 pc table exempt delete 100.64.1.1
check_rc "add of a file entry is an error" 1 pc table exempt add 192.0.2.99
check_rc "one bad address among good ones adds none" 1 pc table exempt add 100.64.1.1 192.0.2.99
check_rc "--ttl with delete is a usage error" 2 pc table exempt delete 100.64.1.1 --ttl 1h
check_rc "an unknown action is a usage error" 2 pc table exempt flush
check_eq "no error changed the generation" "$(gen)" "$g0"
check_rc "table show" 0 pc table exempt show
check_nomatch "and no error added anything" "$OUT" '100\.64\.1\.1'
check_rc "with nothing loaded, table is an error (1)" 1 \
	env PORTCULLIS_PIN_DIR=/sys/fs/bpf/pc-none-$$ "$PC_BIN" table exempt show

done_testing
