#!/usr/bin/env bash
# Attach and detach safety: attachments know their network namespace
# (two namespaces whose interfaces share name and ifindex), detach --all
# from another namespace or the root one, interfaces that were deleted,
# interfaces deleted, made again and attached again, all-or-nothing
# attach, two arriving hooks on one interface, attaching twice with the
# same rules, pin directories that hold other pins, that portcullis
# mounted itself or that the operator made, an incomplete set of pins,
# a namespace that went away while a new one took its number, and attach
# under ip netns exec. Run as root; prints TAP.
#
#   pcasa-PID: pcp<PID> -- pcq<PID> (same order: same ifindexes as in B)
#              pcd<PID> -- pce<PID> (deleted and made again)
#              pcg<PID> -- pch<PID>
#   pcasb-PID: pcp<PID> -- pcq<PID>, with a clsact qdisc and a u32 filter
#              of the test's own on pcp<PID>
#   pcasc-PID, then pcasd-PID (9.): pcp<PID> -- pcq<PID>

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

NSA=pcasa-$$ NSB=pcasb-$$
IF=pcp$$ PEER=pcq$$   # in both namespaces
DEL=pcd$$ DELP=pce$$  # in A, deleted
G0=pcg$$ G1=pch$$     # in A
PIN=$PORTCULLIS_PIN_DIR

ns_add "$NSA" || bail "create $NSA"
ns_add "$NSB" || bail "create $NSB"
for ns in "$NSA" "$NSB"; do
	ip -n "$ns" link add name "$IF" type veth peer name "$PEER" || bail "create the veth pair in $ns"
	ip -n "$ns" link set "$IF" up || bail "set $IF up in $ns"
	ip -n "$ns" link set "$PEER" up || bail "set $PEER up in $ns"
done
veth "$NSA" "$G0" "$NSA" "$G1" || bail "create $G0/$G1 in $NSA"
pc_cleanup_at_exit # after the namespaces: it runs before they go
D=$T/rules
mkdir -p "$D"

inA() { PC_NS=$NSA pc "$@"; }
inB() { PC_NS=$NSB pc "$@"; }
inRoot() { PC_NS='' pc "$@"; }

ifindex() { ip -n "$1" -o link show dev "$2" 2>/dev/null | cut -d: -f1; }
netns_ino() { stat -L -c %i "/run/netns/$1"; }
# pc_filter NS IF ingress|egress: portcullis's cls_bpf filter is there.
pc_filter() { tc -n "$1" filter show dev "$2" "$3" 2>/dev/null | grep -q 'bpf .*handle 0x2525'; }
# "None there" holds only for an interface that exists.
if_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
no_pc_filter() { if_exists "$1" "$2" && ! pc_filter "$@"; }
clsact() { tc -n "$1" qdisc show dev "$2" 2>/dev/null | grep -q '^qdisc clsact '; }
no_clsact() { if_exists "$1" "$2" && ! clsact "$@"; }
own_filter() { tc -n "$1" filter show dev "$2" ingress 2>/dev/null | grep -q 'pref 7 u32'; }
no_pin_dir() { test ! -e "$PIN"; }
mounted_bpf() { findmnt -rn -t bpf --mountpoint "$1" >/dev/null; }
# unmount DIR: takes off what is mounted on DIR (a bounded number of times).
# A function with its own counter: a loop in an on_exit string would
# clobber the variable that lib.sh's cleanup loop counts with.
unmount() {
	local n
	for ((n = 0; n < 3; n++)); do
		mountpoint -q "$1" || return 0
		umount -l "$1" || return 1
	done
}
foreign_pinned() { bpftool map show pinned "$1" >/dev/null 2>&1; }
# sj FILE [inA|inB|inRoot]: status --json (from A by default) into FILE.
sj() { local f=$1 w=${2:-inA}; $w status --json >"$f" 2>/dev/null; }
# live_hooks FILE IFNAME: sorted hooks of IFNAME's live attachments.
live_hooks() {
	jget "$1" "sorted(a['hook'] for a in d['attachments'] if a['interface'] == '$2' and a['live'] is True)"
}
n_att() { jget "$1" "len([a for a in d['attachments'] if a['interface'] == '$2'])"; }
generation() { sj "$T/gen.json" && jget "$T/gen.json" 'd["generation"]'; }

INO_A=$(netns_ino "$NSA") INO_B=$(netns_ino "$NSB")
if [ -z "$INO_A" ] || [ -z "$INO_B" ] || [ "$INO_A" = "$INO_B" ]; then
	bail "read the namespace inodes"
fi

# ================================================================ 1. namespaces

diag "1. an attachment in A, seen and detached from B (same name, same ifindex)"
check_same "$IF has the same ifindex in A and in B" "$(ifindex "$NSA" "$IF")" "$(ifindex "$NSB" "$IF")"
check "the private pin directory does not exist yet" no_pin_dir
tc -n "$NSB" qdisc add dev "$IF" clsact || bail "add B's own clsact qdisc"
tc -n "$NSB" filter add dev "$IF" ingress pref 7 protocol all u32 match u32 0 0 classid 1:1 ||
	bail "add B's own u32 filter"

check_rc "attach $IF --hook tc-ingress in A exits 0" 0 inA attach "$IF" --hook tc-ingress
check "A: portcullis's filter is on $IF ingress" pc_filter "$NSA" "$IF" ingress
check "A: a clsact qdisc is on $IF" clsact "$NSA" "$IF"
check "B: no portcullis filter on $IF ingress" no_pc_filter "$NSB" "$IF" ingress

check_rc "status --json from B exits 0" 0 inB status --json
S=$T/s1.json
printf '%s\n' "$OUT" >"$S"
check_eq "status from B: one attachment" "$(jget "$S" 'len(d["attachments"])')" 1
check_eq "status from B: interface, ifindex, hook" \
	"$(jget "$S" '[d["attachments"][0][k] for k in ("interface", "ifindex", "hook")]')" \
	"[\"$IF\", $(ifindex "$NSA" "$IF"), \"tc-ingress\"]"
check_eq "status from B: netns is A's ($INO_A)" "$(jget "$S" 'd["attachments"][0]["netns"]')" "$INO_A"
check_eq "status from B: live is true" "$(jget "$S" 'd["attachments"][0]["live"]')" true
check_rc "status (text) from B exits 0" 0 inB status
check_match "status from B names $IF in A's netns, by its name" "$OUT" "$IF in netns $NSA .*tc-ingress"
check_nomatch "status from B does not call it gone or unreachable" "$OUT" 'GONE|not reachable'

check_rc "detach $IF from B exits 1" 1 inB detach "$IF"
check_match "... saying it is not attached" "$ERR" 'not attached'
check "... and A's filter is still on $IF" pc_filter "$NSA" "$IF" ingress
sj "$T/s1b.json"
check_eq "... and status from A still shows it live" "$(live_hooks "$T/s1b.json" "$IF")" '["tc-ingress"]'
check "... and B's own clsact qdisc is still there" clsact "$NSB" "$IF"

ids=$(pinned_ids)
check_rc "detach --all from B exits 0" 0 inB detach --all
check "A: portcullis's filter is gone from $IF" no_pc_filter "$NSA" "$IF" ingress
check "A: the clsact qdisc portcullis created is gone" no_clsact "$NSA" "$IF"
check "B: its own clsact qdisc is still there" clsact "$NSB" "$IF"
check "B: its own u32 filter is still there" own_filter "$NSB" "$IF"
check "the pin directory is gone" no_pin_dir
check_all_gone "every pinned object is gone from the kernel" "$ids"

# ================================================================ 2. detach --all from the root namespace

diag "2. XDP in A and tc-egress in B, detach --all from the root namespace"
check_rc "attach $IF (xdp) in A exits 0" 0 inA attach "$IF"
check_eq "A: $IF has native XDP" "$(xdp_mode "$NSA" "$IF")" xdp
check_rc "attach $IF --hook tc-egress in B exits 0" 0 inB attach "$IF" --hook tc-egress
check "B: portcullis's filter is on $IF egress" pc_filter "$NSB" "$IF" egress
check_rc "status --json from the root namespace exits 0" 0 inRoot status --json
printf '%s\n' "$OUT" >"$T/s2.json"
check_eq "status from root: both attachments live, with their namespaces" \
	"$(jget "$T/s2.json" 'sorted([a["hook"], a["netns"], a["live"]] for a in d["attachments"])')" \
	"$(printf '[["tc-egress", %s, true], ["xdp", %s, true]]' "$INO_B" "$INO_A")"
ids=$(pinned_ids)
check_rc "detach --all from the root namespace exits 0" 0 inRoot detach --all
check_eq "A: no XDP program is left on $IF" "$(xdp_mode "$NSA" "$IF")" ""
check "B: portcullis's egress filter is gone" no_pc_filter "$NSB" "$IF" egress
check "B: its own clsact qdisc is still there" clsact "$NSB" "$IF"
check "B: its own u32 filter is still there" own_filter "$NSB" "$IF"
check "the pin directory is gone" no_pin_dir
check_all_gone "every pinned object is gone from the kernel" "$ids"

# ================================================================ 3. deleted interfaces

diag "3. an interface deleted under an attachment"
for hook in tc-ingress xdp; do
	veth "$NSA" "$DEL" "$NSA" "$DELP" || bail "create $DEL/$DELP in $NSA"
	check_rc "$hook: attach $DEL exits 0" 0 inA attach "$DEL" --hook "$hook"
	# link_xdp_<netns cookie>_<ifindex>
	link=$(compgen -G "$PIN/link_xdp_*_$(ifindex "$NSA" "$DEL")" | head -n 1)
	if [ "$hook" = xdp ]; then
		check "$hook: its link is pinned ($(basename "$link"))" test -e "$link"
	fi
	ip -n "$NSA" link del "$DEL" || bail "delete $DEL"
	check_rc "$hook: status after the interface went exits 0" 0 inA status
	check_match "$hook: status says $DEL is gone" "$OUT" "$DEL .*$hook.*GONE"
	sj "$T/s3.json"
	check_eq "$hook: status --json says it is not live" \
		"$(jget "$T/s3.json" "[a['live'] for a in d['attachments'] if a['interface'] == '$DEL']")" '[false]'
	check_rc "$hook: detach $DEL from B exits 1 (not B's)" 1 inB detach "$DEL"
	sj "$T/s3.json"
	check_eq "$hook: ... and the record stays" "$(n_att "$T/s3.json" "$DEL")" 1
	# A new interface by the same name does not hide the stale record.
	veth "$NSA" "$DEL" "$NSA" "$DELP" || bail "re-create $DEL/$DELP in $NSA"
	check_rc "$hook: detach $DEL (the old name, now a new interface) in A exits 0" 0 inA detach "$DEL"
	sj "$T/s3.json"
	check_eq "$hook: status no longer lists $DEL" "$(n_att "$T/s3.json" "$DEL")" 0
	check_eq "$hook: the new $DEL has no XDP program" "$(xdp_mode "$NSA" "$DEL")" ""
	if [ "$hook" = xdp ]; then
		check "$hook: the link pin is gone" test -n "$link" -a ! -e "$link"
	fi
	ip -n "$NSA" link del "$DEL" || bail "delete the new $DEL"
done
check_rc "detach --all exits 0" 0 inA detach --all
check "the pin directory is gone" no_pin_dir

diag "3b. an interface deleted, made again and attached again"
for hook in tc-ingress xdp; do
	veth "$NSA" "$DEL" "$NSA" "$DELP" || bail "create $DEL/$DELP in $NSA"
	check_rc "$hook: attach $DEL exits 0" 0 inA attach "$DEL" --hook "$hook"
	ip -n "$NSA" link del "$DEL" || bail "delete $DEL"
	veth "$NSA" "$DEL" "$NSA" "$DELP" || bail "re-create $DEL/$DELP in $NSA"
	check_rc "$hook: attach the new $DEL exits 0" 0 inA attach "$DEL" --hook "$hook"
	sj "$T/s3b.json"
	check_eq "$hook: status lists $DEL once, live (the gone record is cleared)" \
		"$(jget "$T/s3b.json" "[a['live'] for a in d['attachments'] if a['interface'] == '$DEL']")" '[true]'
	check_rc "$hook: status (text) exits 0" 0 inA status
	check_nomatch "$hook: ... and shows nothing GONE" "$OUT" 'GONE'
	if [ "$hook" = xdp ]; then
		check_eq "$hook: one link pin, the new one's" \
			"$(compgen -G "$PIN/link_xdp_*" | sed 's/.*_//')" "$(ifindex "$NSA" "$DEL")"
	fi
	check_rc "$hook: detach $DEL exits 0" 0 inA detach "$DEL"
	ip -n "$NSA" link del "$DEL" || bail "delete the new $DEL"
done
check_rc "detach --all exits 0" 0 inA detach --all
check "the pin directory is gone" no_pin_dir

diag "3c. a namespace deleted, made again by the same name and attached again"
NSE=pcase-$$
inE() { PC_NS=$NSE pc "$@"; }
for hook in tc-ingress xdp-generic; do
	ns_add "$NSE" || bail "create $NSE"
	veth "$NSE" "$DEL" "$NSE" "$DELP" || bail "create $DEL/$DELP in $NSE"
	check_rc "$hook: attach $DEL in $NSE exits 0" 0 inE attach "$DEL" --hook "$hook"
	ns_del "$NSE"
	ns_add "$NSE" || bail "re-create $NSE"
	veth "$NSE" "$DEL" "$NSE" "$DELP" || bail "re-create $DEL/$DELP in $NSE"
	check_rc "$hook: attach $DEL in the new $NSE exits 0" 0 inE attach "$DEL" --hook "$hook"
	sj "$T/s3c.json" inRoot
	check_eq "$hook: status lists $DEL once, live (the record of the gone namespace is cleared)" \
		"$(jget "$T/s3c.json" "[a['live'] for a in d['attachments'] if a['interface'] == '$DEL']")" '[true]'
	check_rc "$hook: detach $DEL exits 0" 0 inE detach "$DEL"
	ns_del "$NSE"
done
check_rc "detach --all exits 0" 0 inA detach --all
check "the pin directory is gone" no_pin_dir

# ================================================================ 4. all or nothing

diag "4. attach is all or nothing"
check "the pin directory does not exist" no_pin_dir
check_rc "attach $G0 $G1 lo (no native XDP on lo) exits 1" 1 inA attach "$G0" "$G1" lo
check_match "... and names lo" "$ERR" '\blo\b'
check_nomatch "... and never says a policy is in force" "$ERR" 'in force'
check_eq "... and leaves no XDP on $G0" "$(xdp_mode "$NSA" "$G0")" ""
check_eq "... and leaves no XDP on $G1" "$(xdp_mode "$NSA" "$G1")" ""
check "... and, as a first load that attached nothing, leaves no pin directory" no_pin_dir

check_rc "attach $IF exits 0" 0 inA attach "$IF"
pid=$(xdp_prog_id "$NSA" "$IF")
check_rc "then attach $G0 $G1 lo exits 1" 1 inA attach "$G0" "$G1" lo
check_eq "... and leaves no XDP on $G0" "$(xdp_mode "$NSA" "$G0")" ""
check_eq "... and leaves no XDP on $G1" "$(xdp_mode "$NSA" "$G1")" ""
check_same "... and $IF keeps its program" "$(xdp_prog_id "$NSA" "$IF")" "$pid"
check "... and the pin directory stays" test -e "$PIN/prog_tc"
sj "$T/s4.json"
check_eq "... and status lists only $IF" "$(jget "$T/s4.json" '[a["interface"] for a in d["attachments"]]')" "[\"$IF\"]"
check_rc "attach $G0 $G1 $IF --hook tc-ingress (XDP on $IF) exits 1" 1 inA attach "$G0" "$G1" "$IF" --hook tc-ingress
for i in "$G0" "$G1"; do
	check "... and leaves no portcullis filter on $i" no_pc_filter "$NSA" "$i" ingress
	check "... and removes the clsact qdisc it created on $i" no_clsact "$NSA" "$i"
done
check_same "... and $IF keeps its program" "$(xdp_prog_id "$NSA" "$IF")" "$pid"
sj "$T/s4.json"
check_eq "... and status lists only $IF" "$(jget "$T/s4.json" '[a["interface"] for a in d["attachments"]]')" "[\"$IF\"]"
check_rc "detach --all exits 0" 0 inA detach --all
check "the pin directory is gone" no_pin_dir

# ================================================================ 5. two arriving hooks

diag "5. two hooks that see arriving packets on one interface"
check_rc "attach $IF (xdp) exits 0" 0 inA attach "$IF"
pid=$(xdp_prog_id "$NSA" "$IF")
check_rc "attach $IF --hook tc-ingress as well exits 1" 1 inA attach "$IF" --hook tc-ingress
check_match "... and says why" "$ERR" "$IF.*(arriving|xdp)"
check "... and adds no ingress filter" no_pc_filter "$NSA" "$IF" ingress
check "... and no clsact qdisc" no_clsact "$NSA" "$IF"
check_rc "attach $IF --hook xdp-generic as well exits 1" 1 inA attach "$IF" --hook xdp-generic
check_same "... and $IF keeps its native program" "$(xdp_prog_id "$NSA" "$IF")" "$pid"
check_eq "... in native mode" "$(xdp_mode "$NSA" "$IF")" xdp
check_rc "attach $IF --hook tc-egress as well exits 0" 0 inA attach "$IF" --hook tc-egress
check "... and its egress filter is there" pc_filter "$NSA" "$IF" egress
sj "$T/s5.json"
check_eq "status --json: xdp and tc-egress on $IF, both live" "$(live_hooks "$T/s5.json" "$IF")" \
	'["tc-egress", "xdp"]'
check_rc "attach $G0 --hook tc-ingress exits 0" 0 inA attach "$G0" --hook tc-ingress
check_rc "attach $G0 (xdp) as well exits 1" 1 inA attach "$G0"
check_match "... and says why" "$ERR" "$G0.*(arriving|tc-ingress)"
check_eq "... and attaches no XDP to $G0" "$(xdp_mode "$NSA" "$G0")" ""
check_rc "detach $IF exits 0" 0 inA detach "$IF"
check_eq "... and removes XDP from $IF" "$(xdp_mode "$NSA" "$IF")" ""
check "... and its egress filter" no_pc_filter "$NSA" "$IF" egress
check "... and the clsact qdisc it created" no_clsact "$NSA" "$IF"
check_rc "detach --all exits 0" 0 inA detach --all
check "... and removes the filter on $G0" no_pc_filter "$NSA" "$G0" ingress
check "the pin directory is gone" no_pin_dir

# ================================================================ 6. same rules twice

diag "6. attach twice with the same rules; apply the same and another file"
printf 'block proto tcp to port 25\nmonitor proto tcp to port 587\n' >"$D/r1.rules"
printf 'block proto tcp to port 25\nmonitor proto tcp to port { 587, 2525 }\n' >"$D/r2.rules"
rule1() { inA stats --json >"$T/st.json" 2>/dev/null && counts "$T/st.json" 'rule(1)'; }
rule1_at_least() { local c; c=$(rule1) && [ "${c%% *}" -ge "$1" ]; }

check_rc "attach $IF --rules r1.rules exits 0" 0 inA attach "$IF" --rules "$D/r1.rules"
check_match "... and says, in a sentence, that it put r1.rules in force" "$ERR" \
	"^portcullis: policy $D/r1.rules is in force\$"
gen=$(generation)
check_eq "generation is 1" "$gen" 1
mac=$(mac_of "$NSA" "$IF")
send_frames "$NSA" "$PEER" "$mac" 100.64.0.2 203.0.113.10 2001:db8:1000::2 2001:db8:2::10 \
	v4opt_syn25 v4opt_syn25 v4opt_syn25 >/dev/null || bail "send frames to $IF"
check "the three SYNs to port 25 are counted on rule 1" wait_for 10 rule1_at_least 3
c1=$(rule1)
check_rc "attach $IF --rules r1.rules again exits 0" 0 inA attach "$IF" --rules "$D/r1.rules"
check_match "... and says that r1.rules was in force already" "$ERR" \
	"^portcullis: policy $D/r1.rules is in force already\$"
check_same "... and keeps the generation" "$(generation)" "$gen"
check_counts "... and keeps rule 1's counters" "$(rule1)" "$c1"
check_rc "apply r1.rules exits 0" 0 inA apply "$D/r1.rules"
check_match "... and says nothing changed" "$ERR" 'nothing changed'
check_same "... and keeps the generation" "$(generation)" "$gen"
check_counts "... and keeps rule 1's counters" "$(rule1)" "$c1"
check_rc "apply r2.rules exits 0" 0 inA apply "$D/r2.rules"
check_eq "... and makes generation $((gen + 1))" "$(generation)" "$((gen + 1))"
check_rc "detach --all exits 0" 0 inA detach --all
check "the pin directory is gone" no_pin_dir

# ================================================================ 7. pin directories

diag "7. a bpffs of our own holding a foreign pin; a pin dir portcullis mounts itself"
OWN=/tmp/pcbpf$$
mkdir "$OWN" || bail "mkdir $OWN"
on_exit "rmdir '$OWN'"
mount -t bpf bpf "$OWN" || bail "mount bpffs on $OWN"
on_exit "unmount '$OWN'"
bpftool map create "$OWN/foreign" type array key 4 value 4 entries 1 name foreign >/dev/null || bail "pin a foreign map"
on_exit "rm -f '$OWN/foreign'"
on_exit "PC_NS='' pc --pin-dir '$OWN' detach --all"
check_rc "attach $IF --pin-dir (own bpffs) exits 0" 0 inA --pin-dir "$OWN" attach "$IF"
check_eq "... and $IF has XDP" "$(xdp_mode "$NSA" "$IF")" xdp
check "... and the pins are in that directory" test -e "$OWN/prog_tc"
check_rc "detach --all --pin-dir (own bpffs) exits 0" 0 inA --pin-dir "$OWN" detach --all
check_eq "... and $IF has no XDP" "$(xdp_mode "$NSA" "$IF")" ""
check "... and the bpffs stays mounted" mounted_bpf "$OWN"
check "... and the foreign pin is still there" foreign_pinned "$OWN/foreign"
check_eq "... and nothing else is left in it" "$(find "$OWN" -mindepth 1 -maxdepth 1 ! -name maps.debug ! -name progs.debug -printf '%f\n')" foreign

FRESH=/tmp/pcX$$
test ! -e "$FRESH" || bail "$FRESH exists already"
on_exit "rmdir '$FRESH'"
on_exit "rmdir '$FRESH/pins'"
on_exit "unmount '$FRESH/pins'"
on_exit "PC_NS='' pc --pin-dir '$FRESH/pins' detach --all"
check_rc "attach $IF --pin-dir $FRESH/pins (a new plain directory) exits 0" 0 inA --pin-dir "$FRESH/pins" attach "$IF"
check "... and bpffs is mounted there" mounted_bpf "$FRESH/pins"
check_rc "detach --all --pin-dir $FRESH/pins exits 0" 0 inA --pin-dir "$FRESH/pins" detach --all
check_eq "... and $IF has no XDP" "$(xdp_mode "$NSA" "$IF")" ""
check "... and nothing is mounted there" test -z "$(findmnt -rn --mountpoint "$FRESH/pins")"
check "... and the directory is gone" test ! -e "$FRESH/pins"
[ -e "$FRESH" ] && diag "note: the parent $FRESH that attach created (mkdir -p) is left in place"

OPER=/sys/fs/bpf/pc-oper-$$
mkdir "$OPER" || bail "mkdir $OPER"
on_exit "rmdir '$OPER'"
on_exit "PC_NS='' pc --pin-dir '$OPER' detach --all"
check_rc "attach $IF --pin-dir $OPER (a directory the operator made) exits 0" 0 inA --pin-dir "$OPER" attach "$IF"
check "... and the pins are in it" test -e "$OPER/prog_tc"
check_rc "detach --all --pin-dir $OPER exits 0" 0 inA --pin-dir "$OPER" detach --all
check_eq "... and $IF has no XDP" "$(xdp_mode "$NSA" "$IF")" ""
check "... and the directory the operator made stays" test -d "$OPER"
check_eq "... and is empty" "$(find "$OPER" -mindepth 1 -printf '%f\n')" ""

# ================================================================ 8. incomplete pins

diag "8. an incomplete set of pins"
check_rc "attach $IF (xdp) exits 0" 0 inA attach "$IF"
check_rc "attach $G0 --hook tc-egress exits 0" 0 inA attach "$G0" --hook tc-egress
pid=$(xdp_prog_id "$NSA" "$IF")
ids=$(pinned_ids)
rm "$PIN/pc_sets" || bail "remove the pc_sets pin"
check_rc "attach $IF again exits 1" 1 inA attach "$IF"
check_match "... saying the pins are incomplete" "$ERR" 'incomplete'
check_match "... and to run detach --all" "$ERR" 'detach --all'
check_same "... and does not detach the working XDP program" "$(xdp_prog_id "$NSA" "$IF")" "$pid"
check "... nor the tc filter on $G0" pc_filter "$NSA" "$G0" egress
check_rc "attach $G1 exits 1 too" 1 inA attach "$G1"
check_eq "... and attaches nothing to $G1" "$(xdp_mode "$NSA" "$G1")" ""
check "... and leaves the other pins in place" test -e "$PIN/prog_tc"
check_rc "status exits 1" 1 inA status
check_match "... saying the pins are incomplete" "$ERR" 'incomplete'
check_rc "detach --all exits 0" 0 inA detach --all
check_eq "... and removes XDP from $IF" "$(xdp_mode "$NSA" "$IF")" ""
check "... and the tc filter on $G0" no_pc_filter "$NSA" "$G0" egress
check "... and the clsact qdisc it created on $G0" no_clsact "$NSA" "$G0"
check "... and the pin directory" no_pin_dir
check_all_gone "... and every pinned object, from the kernel" "$ids"

# ================================================================ 9. a namespace number reused

# The kernel reuses the inode number of a network namespace that went away
# (the lowest free one), so a record of a namespace that is gone may name
# a new namespace that portcullis never attached to. This one is the
# test's own: the record is acted on only once it holds that number (the
# loop gives up otherwise), and until then nothing runs detach: at exit,
# the pins are removed before pc_cleanup_at_exit's detach --all.
diag "9. a namespace that went away, its number taken by a new namespace"
NSC=pcasc-$$ NSD=pcasd-$$
ns_add "$NSC" || bail "create $NSC"
ip -n "$NSC" link add name "$IF" type veth peer name "$PEER" || bail "create the veth pair in $NSC"
ip -n "$NSC" link set "$IF" up && ip -n "$NSC" link set "$PEER" up
on_exit "rm -rf '$PIN'"
inC() { PC_NS=$NSC pc "$@"; }
check_rc "attach $IF --hook tc-ingress in a namespace C exits 0" 0 inC attach "$IF" --hook tc-ingress
[ "$RC" -eq 0 ] || bail "attach in $NSC"
ino_c=$(netns_ino "$NSC") idx_c=$(ifindex "$NSC" "$IF")
ns_del "$NSC"
on_exit "ns_del '$NSD'"
reused=
for ((t = 0; t < 50; t++)); do
	ip netns add "$NSD" || break
	if [ "$(netns_ino "$NSD")" = "$ino_c" ]; then
		reused=yes
		break
	fi
	ip netns del "$NSD"
	sleep 0.2
done
if [ -n "$reused" ]; then
	ip -n "$NSD" link set lo up
	ip -n "$NSD" link add name "$IF" type veth peer name "$PEER" || bail "create the veth pair in $NSD"
	ip -n "$NSD" link set "$IF" up && ip -n "$NSD" link set "$PEER" up
	tc -n "$NSD" qdisc add dev "$IF" clsact || bail "add D's own clsact qdisc"
	tc -n "$NSD" filter add dev "$IF" ingress pref 7 protocol all u32 match u32 0 0 classid 1:1 ||
		bail "add D's own u32 filter"
	diag "C is gone; D has its number $ino_c, and $IF has C's ifindex: $(ifindex "$NSD" "$IF") (C: $idx_c)"
	check_rc "detach --all from the root namespace exits 0" 0 inRoot detach --all
	check "D (never attached to): its own clsact qdisc is still there" clsact "$NSD" "$IF"
	check "D: its own u32 filter is still there" own_filter "$NSD" "$IF"
	check "the pin directory is gone" no_pin_dir
else
	ok "detach --all leaves a namespace that reuses a dead one's number alone # SKIP the number was not reused"
	rm -rf "$PIN"
fi

# ================================================================ 10. another instance, gone namespaces, detach A B

diag "10. a second portcullis (another pin dir) on the same tc hook"
PIN2=/sys/fs/bpf/pc-as2-$$
on_exit "PORTCULLIS_PIN_DIR='$PIN2' PC_NS='$NSA' pc detach --all >/dev/null 2>&1"
check_rc "attach $G0 --hook tc-ingress exits 0" 0 inA attach "$G0" --hook tc-ingress
prog1=$(tc -n "$NSA" filter show dev "$G0" ingress | sed -n 's/.* id \([0-9]*\).*/\1/p' | head -n 1)
check_num -gt "... and its filter has a program id" "${prog1:-0}" 0
run env PORTCULLIS_PIN_DIR="$PIN2" nsenter --net="/run/netns/$NSA" "$PC_BIN" attach "$G0" --hook tc-ingress
check_eq "a second portcullis attaching tc-ingress to $G0 exits 1" "$RC" 1
check_match "... and says the filter is not its own" "$ERR" 'did not attach'
prog2=$(tc -n "$NSA" filter show dev "$G0" ingress | sed -n 's/.* id \([0-9]*\).*/\1/p' | head -n 1)
check_eq "... and the first one's filter is still the one in place" "$prog2" "$prog1"

diag "10b. records left by a namespace that was deleted"
NSE=pcase-$$
ns_add "$NSE" || bail "create $NSE"
on_exit "ns_del '$NSE'"
ip -n "$NSE" link add name "$DEL" type veth peer name "$DELP" || bail "create $DEL in $NSE"
ip -n "$NSE" link set "$DEL" up && ip -n "$NSE" link set "$DELP" up
inE() { PC_NS=$NSE pc "$@"; }
check_rc "attach $DEL --hook tc-ingress in $NSE exits 0" 0 inE attach "$DEL" --hook tc-ingress
ns_del "$NSE"
sj "$T/s10.json"
check_eq "status still lists $DEL" "$(n_att "$T/s10.json" "$DEL")" 1
check_rc "detach $DEL (its namespace is gone) from A exits 0" 0 inA detach "$DEL"
sj "$T/s10.json"
check_eq "... and status no longer lists it" "$(n_att "$T/s10.json" "$DEL")" 0

diag "10c. detach A B is all or nothing"
check_rc "attach $G1 --hook tc-ingress exits 0" 0 inA attach "$G1" --hook tc-ingress
check_rc "detach $G0 pcnosuch$$ exits 1" 1 inA detach "$G0" "pcnosuch$$"
check "... and $G0 keeps its filter" pc_filter "$NSA" "$G0" ingress
check_rc "detach $G0 $G1 exits 0" 0 inA detach "$G0" "$G1"
check "... and $G0 has no filter" no_pc_filter "$NSA" "$G0" ingress
check "... nor $G1" no_pc_filter "$NSA" "$G1" ingress
check_rc "detach --all exits 0" 0 inA detach --all

diag "11. attach under ip netns exec, whose mount namespace ends with the command"
# ip netns exec mounts a /sys of its own, without bpffs: a bpffs that
# portcullis mounted there would go with the command, and the pins with
# it, leaving a tc filter that nothing can detach.
run timeout 60 ip netns exec "$NSA" "$PC_BIN" attach "$G0" --hook tc-ingress
check_eq "attach under ip netns exec exits 1" "$RC" 1
check_match "... and says to run it with nsenter --net" "$ERR" 'nsenter --net=/run/netns/NAME instead'
check "... and attaches nothing" no_pc_filter "$NSA" "$G0" ingress
check "... and makes no pin directory" no_pin_dir

done_testing
