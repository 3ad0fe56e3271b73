#!/usr/bin/env bash
# End to end: a limit rule on an ISP router, with real mail (swaks to
# aiosmtpd) over IPv4 and IPv6. Run as root; prints TAP.
#
#   pcsub-PID (subscriber) -- pclrt-PID (router, portcullis XDP on pcrtr0) -- pcnet-PID
#
# With "rate 3/minute burst 3" per source on port 25:
#   - a subscriber's first 3 connections are delivered, the next fail;
#   - a second subscriber address is unaffected, and so is another IPv6
#     /64, while another address of the same /64 shares its bucket;
#   - the rest of a delivered connection is never limited;
#   - stats counts the limited SYNs as dropped, on the rule and the port,
#     and every delivered connection as passed;
#   - an apply of the same rule keeps its buckets; attach with another
#     --limit-sources says it keeps the loaded size.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root

SUB=pcsub-$$ RTR=pclrt-$$ NET=pcnet-$$
PC_NS=$RTR

isp_topology "$SUB" "$RTR" "$NET" || bail "build the ISP topology"
pc_cleanup_at_exit
isp_servers "$NET" || bail "start the mail servers"
ok "topology and mail servers are up"

cat >"$T/limit.rules" <<'RULES'
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
pass    proto tcp to 198.51.100.25 port 25
limit   proto tcp from <subscribers> to port 25 rate 3/minute burst 3
RULES
check_rc "attach with the limit policy and --limit-sources 1000" 0 \
	pc attach pcrtr0 --rules "$T/limit.rules" --limit-sources 1000
run pc stats --json
printf '%s\n' "$OUT" >"$T/s0.json"

# A second subscriber address of the same host: 100.64.0.3 and 2001:db8:1000::3.
ip -n "$SUB" addr add 100.64.0.3/24 dev pcsub0 || bail "add 100.64.0.3"
ip -n "$SUB" addr add 2001:db8:1000::3/64 dev pcsub0 nodad || bail "add 2001:db8:1000::3"

# A refill comes every 20 s; each failing connection takes about 3 s
# (a SYN and one retry), so the checks of an empty bucket come well
# within 20 s of its burst.
delivered=0
for i in 1 2 3; do
	mail_delivered "v4 connection $i of $ISP_SUB_V4 within the burst is delivered" \
		"$SUB" $ISP_MX_V4 25 $ISP_SUB_V4
	delivered=$((delivered + 1))
done
mail_refused "v4 connection 4 of $ISP_SUB_V4, beyond the burst, fails" "$SUB" $ISP_MX_V4 25 $ISP_SUB_V4
mail_delivered "a second subscriber address, 100.64.0.3, is unaffected" "$SUB" $ISP_MX_V4 25 100.64.0.3
delivered=$((delivered + 1))

# The same rule applied again, moved, beside another: the buckets stay.
cat >"$T/limit2.rules" <<'RULES'
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
monitor proto tcp to port 587
pass    proto tcp to 198.51.100.25 port 25
limit   proto tcp from <subscribers> to port 25 rate 3/minute burst 3
RULES
check_rc "apply of the same limit rule beside another" 0 pc apply "$T/limit2.rules"
before_apply=$delivered # rule counters start again with the generation
mail_refused "after the apply, connection 5 of $ISP_SUB_V4 fails too" "$SUB" $ISP_MX_V4 25 $ISP_SUB_V4
mail_delivered "and 100.64.0.3 still has attempts left" "$SUB" $ISP_MX_V4 25 100.64.0.3
delivered=$((delivered + 1))
mail_delivered "the relay, which a rule before the limit passes, still gets $ISP_SUB_V4's mail" \
	"$SUB" $ISP_RELAY_V4 25 $ISP_SUB_V4

for i in 1 2 3; do
	mail_delivered "v6 connection $i of $ISP_SUB_V6 within the burst is delivered" \
		"$SUB" $ISP_MX_V6 25 $ISP_SUB_V6
	delivered=$((delivered + 1))
done
mail_refused "v6 connection 4 of $ISP_SUB_V6, beyond the burst, fails" "$SUB" $ISP_MX_V6 25 $ISP_SUB_V6
mail_refused "2001:db8:1000::3, in the same /64, shares the bucket and fails" \
	"$SUB" $ISP_MX_V6 25 2001:db8:1000::3
mail_delivered "another /64 of the subscriber pool, $ISP_BIZ_V6, is unaffected" \
	"$SUB" $ISP_MX_V6 25 $ISP_BIZ_V6
delivered=$((delivered + 1))

run pc stats --json
printf '%s\n' "$OUT" >"$T/s1.json"
read -r pp _ pc <<<"$(counts "$T/s1.json" 'rule(3)')"
read -r dp _ dc <<<"$(counts "$T/s1.json" 'rule(3)["dropped"]')"
check_eq "since the apply, the limit rule passed one SYN per delivered connection" \
	"$((pc - dc))" $((delivered - before_apply))
check_num -ge "since the apply, it dropped a SYN or more per failed connection (3)" "$dc" 3
check_eq "every packet it dropped was a SYN" "$dp" "$dc"
check_num -gt "it passed the rest of the delivered connections (many packets)" \
	"$((pp - dp))" $(((delivered - before_apply) * 5))
read -r tp _ tc <<<"$(counts "$T/s1.json" 'port("tcp", 25)["dropped"]')"
check_num -ge "port 25 counts as dropped the SYNs of every failed connection (4), across the apply" \
	"$tc" $((dc + 1))
check_eq "port 25 dropped only SYNs" "$tp" "$tc"
check_eq "the totals count as dropped what port 25 dropped" \
	"$(jget "$T/s1.json" 'd["totals"]["dropped"]')" "$tp"
check_eq "the relay's rule drops nothing" \
	"$(jget "$T/s1.json" 'rule(2)["dropped"]["packets"]')" 0
check_eq "port 25 passed one SYN per delivered connection, the relay's included" \
	"$(jget "$T/s1.json" 'port("tcp", 25)["passed"]["connections"]')" $((delivered + 1))

# A limit without a burst, a reply limit of its own: rules prints both,
# and applying what it printed changes nothing.
cat >"$T/limit3.rules" <<'RULES'
table <subscribers> { 100.64.0.0/10, 2001:db8:1000::/36 }
set reply-limit 2/minute burst 4
limit   proto tcp from <subscribers> to port 25 rate 3/minute burst 3
limit   proto udp from <subscribers> to port 53 rate 20/hour
RULES
check_rc "apply of a policy with set reply-limit and a limit without a burst" 0 pc apply "$T/limit3.rules"
run pc rules
printf '%s\n' "$OUT" >"$T/printed.rules"
check_match "rules prints the limit rule with its rate and burst" "$OUT" \
	'^limit proto tcp from <subscribers> to port 25 rate 3/minute burst 3$'
check_match "rules prints the burst the limit without one got" "$OUT" \
	'^limit proto udp from <subscribers> to port 53 rate 20/hour burst 20$'
check_match "rules prints the reply limit" "$OUT" '^set reply-limit 2/minute burst 4$'
gen() { pc status --json >"$T/st.json" && jget "$T/st.json" 'd["generation"]'; }
g0=$(gen)
check_num -gt "status gives the generation in force" "$g0" 0
check_rc "apply of what rules printed" 0 pc apply "$T/printed.rules"
check_eq "... changes nothing: the generation stays" "$(gen)" "$g0"
run pc attach pcrtr0 --limit-sources 5000
check_match "attach with another --limit-sources says it keeps the loaded size" "$ERR" \
	'keeping 1000 sources'

done_testing
