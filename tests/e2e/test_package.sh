#!/usr/bin/env bash
# The Debian package on this machine: make deb builds it, dpkg -i installs
# it, its files are where they belong, the unit passes systemd-analyze
# verify, its commands (run as systemd would, in a namespace) put the
# policy file in force, reload it without a gap and detach, the demo runs
# against the installed /usr/sbin/portcullis, and dpkg --purge leaves
# nothing behind. The package is purged at exit, even on failure.
. "$(dirname "$0")/lib.sh"
require_root

PKG=portcullis
VERSION=$(cat "$PC_ROOT/VERSION")
ARCH=$(dpkg --print-architecture)
case ${BUILD:-build} in
/*) DEB_DIR=$BUILD ;;
*) DEB_DIR=$PC_ROOT/${BUILD:-build} ;;
esac
DEB=$DEB_DIR/${PKG}_${VERSION}_$ARCH.deb
UNIT=/lib/systemd/system/portcullis.service
COMPLETIONS=$(pkg-config --variable=completionsdir bash-completion)

# The places a package could leave something in, and what they hold now;
# of the pins, those of the unit's pin directory (other tests' come and go).
leftovers() {
	find /etc /lib/systemd /usr /var/lib/systemd /var/lib/dpkg/info \
		-maxdepth 6 -name '*portcullis*' 2>/dev/null | sort
	ls -d /sys/fs/bpf/portcullis 2>/dev/null
}

if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed'; then
	bail "the $PKG package is installed on this machine already; this test would purge it"
fi
for f in /etc/default/portcullis /etc/portcullis /usr/sbin/portcullis "$UNIT"; do
	[ -e "$f" ] && bail "$f exists already (make install?); dpkg -i would clash with it"
done

# ---------------------------------------------------------------- build

# The Build-Depends keep up with the Makefile: each pkg-config module it
# builds with is there by its -dev package, and make deb-deps installs
# each of them.
make_var() {
	make -s -C "$PC_ROOT" -f Makefile -f - BUILD="$DEB_DIR" pc-print-var V="$1" <<'EOF'
pc-print-var: ; @echo $($(V))
EOF
}
build_depends=$(awk '/^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, "") }
	on && /^[^ \t]/ && !/^Build-Depends:/ { on = 0 } on' "$PC_ROOT/packaging/debian/control" |
	tr ',' '\n' | sed 's/(.*)//; s/[[:space:]]//g' | grep . | sort)
missing=
for m in $(make_var PKGS); do
	dev=$(dpkg -S "$(pkg-config --path "$m")" 2>/dev/null | sed -n '1s/[:,].*//p')
	grep -qxF -- "${dev:-?}" <<<"$build_depends" || missing+=" $m (${dev:-no package})"
done
check_eq "Build-Depends has the -dev package of each pkg-config module of PKGS" "$missing" ""
missing= deb_deps=" $(make_var DEB_BUILD_PKGS) "
for p in $(grep -vx 'debhelper-compat' <<<"$build_depends"); do
	[[ $deb_deps == *" $p "* ]] || missing+=" $p"
done
check_eq "make deb-deps installs each of the Build-Depends" "$missing" ""

# Always from the tree as it is, so that the package tested is this tree's.
make -C "$PC_ROOT" BUILD="$DEB_DIR" deb >"$T/deb.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || [ ! -s "$DEB" ]; then
	diag "$(tail -n 30 "$T/deb.log")"
	bail "make deb (status $rc) made no $DEB"
fi
ok "make deb built $(basename "$DEB")"
check_nomatch "lintian reports no error or warning" "$(cat "$T/deb.log")" '^[EW]: '
check_nomatch "the package ships no .o file (the BPF object is inside the binary)" \
	"$(dpkg-deb -c "$DEB")" '\.o$'

before=$(leftovers)

# ---------------------------------------------------------------- install

on_exit "dpkg --purge $PKG"
run dpkg -i "$DEB"
if [ "$RC" -ne 0 ]; then
	diag "$OUT" "$ERR"
	bail "dpkg -i failed (status $RC)"
fi
ok "dpkg -i installed it"

check_eq "the installed portcullis is this version" "$(/usr/sbin/portcullis --version)" "portcullis $VERSION"
check "the man page is installed, and man finds it" test "$(man -w portcullis 2>/dev/null)" == \
	/usr/share/man/man8/portcullis.8.gz
check "bash completion is in bash-completion's completionsdir ($COMPLETIONS)" \
	test -s "$COMPLETIONS/portcullis"
check "the systemd unit is in /lib/systemd/system" test -s "$UNIT"
check "the example policy is in /usr/share/doc/portcullis/examples" \
	test -s /usr/share/doc/portcullis/examples/isp.rules
check_match "/etc/default/portcullis is a conffile" \
	"$(dpkg-query -W -f='${Conffiles}' "$PKG")" '^ /etc/default/portcullis [0-9a-f]{32}$'
check "the unit is not enabled at install (it needs PORTCULLIS_IFACES first)" \
	test -z "$(find /etc/systemd/system -name portcullis.service)"

run systemd-analyze verify "$UNIT"
if [ "$RC" -eq 0 ] && ! grep -q portcullis <<<"$OUT$ERR"; then
	ok "systemd-analyze verify accepts the unit"
else
	not_ok "systemd-analyze verify accepts the unit"
	diag "status $RC" "$OUT" "$ERR"
fi
for key in 'Before=network-pre.target' 'Wants=network-pre.target' 'DefaultDependencies=no' \
	'Documentation=man:portcullis(8)' 'Conflicts=shutdown.target'; do
	check_match "the unit has $key (as nftables.service)" "$(cat "$UNIT")" \
		"^$(sed 's/[.()]/\\&/g' <<<"$key")( |\$)"
done

# The installed completion, through bash's own loader.
got=$(PATH=/usr/sbin:$PATH bash -c '. "$1/portcullis"; COMP_WORDS=(portcullis att); COMP_CWORD=1
	_portcullis; echo "${COMPREPLY[*]}"' sh "$COMPLETIONS")
check_eq "the installed completion completes 'portcullis att'" "$got" attach

# ---------------------------------------------------------------- the unit's commands

# unit_lines KEY: the unit's KEY= lines (ExecStart...), their values.
unit_lines() { sed -n "s/^$1=//p" "$UNIT"; }

# unit_env: the unit's Environment= then its EnvironmentFile=, as systemd
# reads them, into this shell.
unit_env() {
	local assign
	for assign in $(unit_lines Environment); do export "${assign?}"; done
	set -a
	# shellcheck disable=SC1090
	. "$(unit_lines EnvironmentFile)"
	set +a
}

# unit_run HOW LINE: runs an Exec line as systemd would expand it ($VAR
# split into words, ${VAR} one word), with HOW (nsenter or netns) in the
# namespace $RTR. Status and output as run() sets them.
unit_run() {
	local how=$1 w name words=()
	set -f
	for w in $2; do
		if [[ $w =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
			name=${BASH_REMATCH[1]}
			# shellcheck disable=SC2206 # split into words, as systemd does
			words+=(${!name})
			continue
		fi
		while [[ $w =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
			name=${BASH_REMATCH[1]}
			w=${w//"\${$name}"/${!name}}
		done
		words+=("$w")
	done
	set +f
	case $how in
	nsenter) run timeout 60 nsenter --net="/run/netns/$RTR" "${words[@]}" ;;
	# ip netns exec mounts the namespace's own /sys: /sys/class/net is its.
	netns) run timeout 60 ip netns exec "$RTR" "${words[@]}" ;;
	esac
}

SUB=pcpkg-sub-$$ RTR=pcpkg-rtr-$$ NET=pcpkg-net-$$
isp_topology "$SUB" "$RTR" "$NET" || bail "could not build the namespaces"
PC_NS=$RTR PC_BIN=/usr/sbin/portcullis
pc_cleanup_at_exit

# The operator's part: the interface, and the example policy as the
# policy file. Then the unit's commands, in its order.
install -d /etc/portcullis
cp /usr/share/doc/portcullis/examples/isp.rules /usr/share/doc/portcullis/examples/business.txt /etc/portcullis/
mv /etc/portcullis/isp.rules /etc/portcullis/rules
sed -i 's/^PORTCULLIS_IFACES=.*/PORTCULLIS_IFACES="pcrtr0"/' /etc/default/portcullis
unit_env
check_eq "the unit's settings come from /etc/default/portcullis" \
	"$PORTCULLIS_IFACES $PORTCULLIS_HOOK $PORTCULLIS_RULES" "pcrtr0 xdp /etc/portcullis/rules"

unit_run netns "$(unit_lines ExecStartPre)"
check_eq "ExecStartPre finds the interface" "$RC $ERR" "0 "
unit_run nsenter "$(unit_lines ExecStart)"
check_eq "ExecStart attaches with the policy file (status)" "$RC" 0
[ "$RC" -eq 0 ] || diag "$OUT" "$ERR"
pc status --json >"$T/status1.json"
check_eq "it is attached to pcrtr0 in xdp" "$(jget "$T/status1.json" 'att("pcrtr0")["hook"]')" xdp
pc rules >"$T/rules1"
check_eq "the policy in force is the policy file: its 4 rules" \
	"$(grep -cE '^(pass|reject|monitor)' "$T/rules1")" 4
prog1=$(xdp_prog_id "$RTR" pcrtr0)
gen1=$(jget "$T/status1.json" 'd["generation"]')

# A reload, with a rule more in the policy file: in force, same program.
echo 'block proto tcp to port 2525' >>/etc/portcullis/rules
n=0
while read -r line; do
	unit_run nsenter "$line"
	[ "$RC" -eq 0 ] || { diag "$line: status $RC" "$ERR"; n=$((n + 1)); }
done < <(unit_lines ExecReload)
check_eq "every ExecReload command succeeds" "$n" 0
pc status --json >"$T/status2.json"
check_eq "the reload put a new generation in force" \
	"$(jget "$T/status2.json" 'd["generation"]')" "$((gen1 + 1))"
check_match "the new rule is in force" "$(pc rules)" '^block proto tcp to port 2525$'
check_same "the reload kept the program attached (no gap)" "$(xdp_prog_id "$RTR" pcrtr0)" "$prog1"

unit_run nsenter "$(unit_lines ExecStop)"
check_eq "ExecStop detaches (status)" "$RC" 0
check_eq "no XDP program is left on pcrtr0" "$(xdp_mode "$RTR" pcrtr0)" ""
check "its pin directory is gone" test ! -e "$PORTCULLIS_PIN_DIR"

# A bad policy file at boot: the start fails, and attaches nothing.
cp /etc/portcullis/rules "$T/rules.good"
echo 'blok proto tcp to port 25' >>/etc/portcullis/rules
unit_run nsenter "$(unit_lines ExecStart)"
check_match "ExecStart with a bad policy file fails with status 2, saying where" "$RC $ERR" \
	'^2 /etc/portcullis/rules:[0-9]+:1: error: unknown statement'
check_eq "and attaches nothing" "$(xdp_mode "$RTR" pcrtr0)" ""
cp "$T/rules.good" /etc/portcullis/rules

# The wait of ExecStartPre: an interface that comes late, one that never
# does, and no interface set.
(sleep 1; ip -n "$RTR" link add pclate0 type veth peer name pclate1) &
late=$!
PORTCULLIS_IFACES="pcrtr0 pclate0" PORTCULLIS_WAIT=20 unit_run netns "$(unit_lines ExecStartPre)"
wait "$late"
check_eq "ExecStartPre waits for an interface that comes late" "$RC $ERR" "0 "
PORTCULLIS_IFACES="pcrtr0 pcnone0" PORTCULLIS_WAIT=1 unit_run netns "$(unit_lines ExecStartPre)"
check_eq "ExecStartPre gives up on a missing interface, naming it" "$RC $ERR" \
	"1 portcullis: no such interface after 1 s: pcnone0 (PORTCULLIS_IFACES in /etc/default/portcullis)"
PORTCULLIS_IFACES=" " unit_run netns "$(unit_lines ExecStartPre)"
check_match "ExecStartPre refuses an empty PORTCULLIS_IFACES" "$RC $ERR" '^2 .*PORTCULLIS_IFACES is empty'

# ---------------------------------------------------------------- the demo

run env PC_BIN=/usr/sbin/portcullis "$PC_ROOT/examples/demo.sh"
if [ "$RC" -eq 0 ] && grep -q 'everything behaved as expected' <<<"$OUT"; then
	ok "the demo runs against the installed /usr/sbin/portcullis"
else
	not_ok "the demo runs against the installed /usr/sbin/portcullis"
	diag "status $RC" "$(tail -n 20 <<<"$OUT")" "$ERR"
fi

# ---------------------------------------------------------------- purge

run dpkg --purge "$PKG"
check_eq "dpkg --purge removes it (status)" "$RC" 0
check "dpkg knows it no more" bash -c "! dpkg-query -W -f='\${Status}' $PKG 2>/dev/null | grep -q installed"
check "/etc/portcullis is gone, the operator's policy with it" test ! -e /etc/portcullis
check "/etc/default/portcullis is gone" test ! -e /etc/default/portcullis
check_eq "nothing else is left behind (files, unit links, pins)" "$(leftovers)" "$before"
check "nor any pin of the test's" test ! -e "$PORTCULLIS_PIN_DIR"

done_testing
