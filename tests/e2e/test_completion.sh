#!/usr/bin/env bash
# Bash completion (packaging/portcullis.bash-completion) against the built
# command: COMPREPLY for the commands, the options, the hooks, interface
# names, files and the tables of the policy in force.
. "$(dirname "$0")/lib.sh"
require_root

# shellcheck source=packaging/portcullis.bash-completion
. "$PC_ROOT/packaging/portcullis.bash-completion"

# completes WORD...: COMPREPLY, one line, sorted, for the command line
# "portcullis WORD...", the cursor at the end of the last WORD. It runs in
# the router's namespace, as the operator's shell would.
completes() {
	COMP_WORDS=("$PC_BIN" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_portcullis
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
}

check_eq "complete registers _portcullis for portcullis" "$(complete -p portcullis)" \
	"complete -F _portcullis portcullis"

check_eq "the commands" "$(completes '')" "apply attach detach log metrics rules stats status table top"
check_eq "the commands that start with st" "$(completes st)" "stats status"
check_eq "after a global option and its value, the commands" \
	"$(completes --pin-dir /tmp s)" "stats status"
check_eq "the global options" "$(completes --p)" "--pin-dir"
check_eq "apply's options, with the global ones" "$(completes apply --)" \
	"--check --help --pin-dir --quiet --verbose --version"
check_eq "stats's options" "$(completes stats --w)" "--watch"
check_eq "top's short option" "$(completes top -n)" "-n"
check_eq "the hooks" "$(completes attach pcrtr0 --hook '')" "tc-egress tc-ingress xdp xdp-generic"
check_eq "the hooks that start with xdp" "$(completes attach --hook xdp)" "xdp xdp-generic"
check_eq "the XDP modes" "$(completes attach pcrtr0 --xdp-mode '')" "auto dispatcher link"
check_eq "nothing for a number" "$(completes attach --limit-sources '')" ""
check_eq "table's actions" "$(completes table exempt '')" "add delete show"
check_eq "nothing for an address" "$(completes table exempt add '')" ""

echo 'block proto tcp to port 25' >"$T/policy.rules"
check_eq "--rules: files" "$(completes attach --rules "$T/pol")" "$T/policy.rules"
check_eq "apply: a file" "$(completes apply "$T/pol")" "$T/policy.rules"
check_eq "apply: one file only" "$(completes apply "$T/policy.rules" "$T/pol")" ""

# Interfaces and tables: in a namespace of our own, with a policy in force.
NS=pccomp-$$
ns_add "$NS" || bail "could not make the namespace"
veth "$NS" pccomp0 "$NS" pccomp1 || bail "could not make the veth pair"
PC_NS=$NS
pc_cleanup_at_exit
# nsenter keeps the root mount namespace, and so the root /sys: the
# namespace's interfaces are those of ip netns exec, which mounts its own.
ifaces=$(ip netns exec "$NS" bash -c '. "$1"; COMP_WORDS=("$2" attach pcc); COMP_CWORD=2; _portcullis
	printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " "' sh \
	"$PC_ROOT/packaging/portcullis.bash-completion" "$PC_BIN")
check_eq "attach: the interface names" "$ifaces" "pccomp0 pccomp1"
ifaces=$(ip netns exec "$NS" bash -c '. "$1"; COMP_WORDS=("$2" detach pccomp0 ""); COMP_CWORD=3; _portcullis
	printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " "' sh \
	"$PC_ROOT/packaging/portcullis.bash-completion" "$PC_BIN")
check_eq "detach: the interface names, less those given" "$ifaces" "lo pccomp1"

check_eq "no tables while nothing is loaded" "$(completes table '')" ""
cat >"$T/tables.rules" <<'EOF'
table <exempt> { }
table <subscribers> { 100.64.0.0/10 }
table <servers> { 203.0.113.0/24 }
pass proto tcp from <exempt> to port 25
pass proto tcp to <servers> port 25
block proto tcp from <subscribers> to port 25
EOF
check_rc "attach with three tables" 0 pc attach pccomp0 --rules "$T/tables.rules"
check_eq "the tables in force" "$(completes table '')" "exempt servers subscribers"
check_eq "the tables in force that start with s" "$(completes table s)" "servers subscribers"
check_eq "the tables of the --pin-dir given" "$(completes --pin-dir /nonexistent table '')" ""

done_testing
