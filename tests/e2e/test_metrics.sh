#!/usr/bin/env bash
# End to end: portcullis metrics, the Prometheus exporter. Run as root;
# prints TAP.
#
#   pcmh-PID (the host: portcullis on tc egress of pcmh0, the exporter on
#   its loopback) -- pcms-PID (an SMTP server on 587)
#
# After known traffic (mail to 587, connection attempts to 25, datagrams to
# a blocked UDP port, a connection to a port of a range), every value of
# the exposition equals stats --json, whether printed (--once), written
# (--textfile) or scraped over HTTP; promtool check metrics accepts each.
# The server answers 200 on /metrics only, 404 elsewhere, 405 to POST,
# survives garbage and 50 concurrent scrapes, says 503 while nothing is
# loaded and serves again after an attach, and ends with status 0 on
# SIGTERM and SIGINT. A user that cannot read the pins is told so; one
# that may only read them (no privilege) gets the metrics.
# A real Prometheus scrapes the exporter, and its HTTP API returns the
# values of stats --json.

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
# shellcheck source=tests/e2e/prometheus.sh
. "$(dirname "$0")/prometheus.sh"

HOST=pcmh-$$ SRV=pcms-$$
PC_NS=$HOST
H4=203.0.113.2 S4=203.0.113.10
UDP_PORT=5300 RANGE_PORT=2000
URL=http://127.0.0.1:9433

ns_add "$HOST" && ns_add "$SRV" || bail "create the namespaces"
veth "$HOST" pcmh0 "$SRV" pcms0 || bail "create the veth pair"
addr "$HOST" pcmh0 $H4/24 || bail "address the host"
addr "$SRV" pcms0 $S4/24 || bail "address the server"
ns_sysctl "$HOST" net.ipv4.tcp_syn_retries 1 || bail "set tcp_syn_retries"
# A quiet link, so that the counters change only with the test's traffic:
# no IPv6 on it (router solicitations, MLD), fixed neighbours (no ARP).
ns_sysctl "$HOST" net.ipv6.conf.pcmh0.disable_ipv6 1 || bail "turn IPv6 off on pcmh0"
ns_sysctl "$SRV" net.ipv6.conf.pcms0.disable_ipv6 1 || bail "turn IPv6 off on pcms0"
mac() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }
ip -n "$HOST" neigh replace $S4 lladdr "$(mac "$SRV" pcms0)" dev pcmh0 nud permanent &&
	ip -n "$SRV" neigh replace $H4 lladdr "$(mac "$HOST" pcmh0)" dev pcms0 nud permanent ||
	bail "fix the neighbours"
pc_cleanup_at_exit
smtp_server "$SRV" $S4 587 || bail "start aiosmtpd on $S4:587"

cat >"$T/host.rules" <<EOF
block   proto tcp to port 25
monitor proto tcp to port 587
block   proto udp to port $UDP_PORT
pass    proto tcp to port 1024:65535
EOF

# ---------------------------------------------------------------- helpers

# exporter NAME ARGS...: portcullis metrics ARGS in the host's namespace,
# in the background; EXP_PID is its PID. Waits until it answers.
EXP_PID=
exporter() {
	local name=$1
	shift
	bg "$name" nsenter --net="/run/netns/$HOST" "$PC_BIN" metrics "$@"
	EXP_PID=$BG_PID
	wait_for 10 http_code /metrics
}

# http_code PATH [CURL ARGS...]: the status of a request to the exporter.
http_code() {
	local path=$1
	shift
	nsx "$HOST" curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$URL$path"
}

# scrape FILE: GET /metrics into FILE; fails unless the status is 200.
scrape() { [ "$(nsx "$HOST" curl -s -o "$1" -w '%{http_code}' --max-time 10 "$URL/metrics")" = 200 ]; }

# stopped_with PID STATUS: PID ends within 5 s with STATUS.
stopped_with() {
	local i rc
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && return 1
	wait "$1"
	rc=$?
	[ "$rc" -eq "$2" ] || { diag "exit status $rc, want $2"; return 1; }
}

# sample FILE NAME LABELS: the value of one sample, e.g.
# sample f portcullis_packets_total 'proto="udp",port="5300",verdict="dropped"'
sample() { sed -n "s/^$2{$3} //p; s/^$2 //p" "$1" | head -n 1; }

# ---------------------------------------------------------------- usage

check_rc "--once --textfile is a usage error" 2 pc metrics --once --textfile "$T/x"
check_rc "--listen with --once is a usage error" 2 pc metrics --listen 127.0.0.1:9 --once
check_rc "--listen without a port is a usage error" 2 pc metrics --listen 127.0.0.1
check_rc "--listen with a host name is a usage error" 2 pc metrics --listen localhost:9433
check_rc "--listen without an address is a usage error" 2 pc metrics --listen :9433
check_rc "--listen with a port above 65535 is a usage error" 2 pc metrics --listen 127.0.0.1:99999
check_match "... and says which ports are" "$ERR" 'a port from 1 to 65535'
check_rc "--listen with port 0 is a usage error" 2 pc metrics --listen 127.0.0.1:0
check_rc "metrics with nothing loaded exits 1" 1 pc metrics --once
check_match "... and says so" "$ERR" 'nothing loaded'
check_rc "the server with nothing loaded exits 1 at once" 1 pc metrics

# ---------------------------------------------------------------- traffic

check_rc "attach pcmh0 --hook tc-egress --rules host.rules" 0 pc attach pcmh0 --hook tc-egress --rules "$T/host.rules"
[ "$RC" -eq 0 ] || bail "cannot attach; stderr: $ERR"

check "mail to 587 is delivered" send_mail "$HOST" $S4 587
# Connection attempts to 25 (dropped: each times out after its retry),
# datagrams to the blocked UDP port, and a connection to a port of the
# range (refused by the server: passed).
nsx "$HOST" $PY - $S4 $UDP_PORT $RANGE_PORT <<'EOF'
import socket, sys
addr, udp, rng = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for _ in range(3):
    s = socket.socket()
    s.settimeout(4)
    try:
        s.connect((addr, 25))
    except OSError:
        pass
    s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    u.sendto(b"x" * (10 + i), (addr, udp))
s = socket.socket()
s.settimeout(4)
try:
    s.connect((addr, rng))
except OSError:
    pass
EOF
wait_for 5 tcp_settled "$HOST"
sleep 0.3

check "stats --json and top --json" stats_snapshot "$T/stats.json" pc
check_rc "metrics --once exits 0" 0 pc metrics --once
printf '%s\n' "$OUT" >"$T/once.prom"
check "promtool check metrics accepts --once" promtool_ok "$T/once.prom"
check "every value of --once equals stats --json" same_as_stats "$T/once.prom" "$T/stats.json"
check_eq "... the 5 datagrams to udp/$UDP_PORT are dropped" \
	"$(sample "$T/once.prom" portcullis_packets_total "proto=\"udp\",port=\"$UDP_PORT\",verdict=\"dropped\"")" 5
check_eq "... counted as 5 connection attempts" \
	"$(sample "$T/once.prom" portcullis_connections_total "proto=\"udp\",port=\"$UDP_PORT\",verdict=\"dropped\"")" 5
check_eq "... of 5 * 42 + 0+1+2+3+4 bytes (frames of 52 to 56 bytes)" \
	"$(sample "$T/once.prom" portcullis_bytes_total "proto=\"udp\",port=\"$UDP_PORT\",verdict=\"dropped\"")" 270
check_eq "... and by their rule, 3 (block)" \
	"$(sample "$T/once.prom" portcullis_rule_dropped_packets_total 'rule="3",action="block"')" 5
check_num -ge "the attempts to tcp/25 are dropped connections (3, or more with retries)" \
	"$(sample "$T/once.prom" portcullis_connections_total 'proto="tcp",port="25",verdict="dropped"')" 3
check_num -ge "the mail to 587 passed" \
	"$(sample "$T/once.prom" portcullis_packets_total 'proto="tcp",port="587",verdict="passed"')" 5
check_num -ge "a range is one port label, 1024:65535" \
	"$(sample "$T/once.prom" portcullis_connections_total 'proto="tcp",port="1024:65535",verdict="passed"')" 1
check_match "every family has # HELP" "$(grep -c '^# HELP' "$T/once.prom")" '^[12][0-9]$'
check_eq "... and # TYPE, as many" "$(grep -c '^# TYPE' "$T/once.prom")" "$(grep -c '^# HELP' "$T/once.prom")"
check_nomatch "no label names an address" "$(cat "$T/once.prom")" "$H4|$S4"

# ---------------------------------------------------------------- textfile

mkdir "$T/tf"
check_rc "--textfile exits 0" 0 pc metrics --textfile "$T/tf/portcullis.prom"
check_eq "... and leaves the file alone in its directory, no temporary file" "$(ls -A "$T/tf")" portcullis.prom
check_eq "... readable by the collector (0644)" "$(stat -c %a "$T/tf/portcullis.prom")" 644
check "promtool check metrics accepts it" promtool_ok "$T/tf/portcullis.prom"
check "... every value equals stats --json" same_as_stats "$T/tf/portcullis.prom" "$T/stats.json"
check_rc "--textfile over an existing file exits 0" 0 pc metrics --textfile "$T/tf/portcullis.prom"
check_eq "... still one file" "$(ls -A "$T/tf")" portcullis.prom
check_rc "--textfile into a missing directory exits 1" 1 pc metrics --textfile "$T/nodir/portcullis.prom"
check_match "... and says why" "$ERR" 'cannot write .*nodir'

# ---------------------------------------------------------------- HTTP

exporter http
check "the exporter answers on 127.0.0.1:9433 by default" kill -0 "$EXP_PID"
check "GET /metrics" scrape "$T/http.prom"
check "promtool check metrics accepts the scrape" promtool_ok "$T/http.prom"
check "... every value equals stats --json" same_as_stats "$T/http.prom" "$T/stats.json"
check_match "Content-Type is the text format 0.0.4" \
	"$(nsx "$HOST" curl -s -D - -o /dev/null --max-time 10 "$URL/metrics")" \
	'^Content-Type: text/plain; version=0.0.4; charset=utf-8'
check_eq "HEAD /metrics: 200" "$(http_code /metrics -I)" 200
check_eq "GET /: 404" "$(http_code /)" 404
check_eq "GET /metrics/x: 404" "$(http_code /metrics/x)" 404
check_eq "GET /metricsx: 404" "$(http_code /metricsx)" 404
check_eq "GET /metrics?x=1: 200 (the query is not the path)" "$(http_code '/metrics?x=1')" 200
check_eq "POST /metrics: 405" "$(http_code /metrics -X POST -d a=b)" 405
check_match "... with Allow: GET, HEAD" \
	"$(nsx "$HOST" curl -s -D - -o /dev/null -X PUT -d a --max-time 10 "$URL/metrics")" '^Allow: GET, HEAD'
check_eq "DELETE /metrics: 405" "$(http_code /metrics -X DELETE)" 405

# Garbage: random bytes, a bad request line, a huge header, a request
# never finished, connections closed at once.
nsx "$HOST" $PY - <<'EOF'
import os, socket
def send(data, read=True):
    s = socket.create_connection(("127.0.0.1", 9433), timeout=5)
    try:
        s.sendall(data)
        if read:
            s.recv(4096)
    except OSError:
        pass
    s.close()
for _ in range(20):
    send(os.urandom(512) + b"\r\n\r\n")
send(os.urandom(512), read=False)
send(b"GET\r\n\r\n")
send(b"GET /metrics HTTP/9.9\r\n\r\n")
send(b"\r\n\r\n\r\n")
send(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 200000 + b"\r\n\r\n")
send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n", read=False)
send(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nabc", read=False)
send(b"", read=False)
EOF
check "after garbage, the exporter still runs" kill -0 "$EXP_PID"
check "... and serves /metrics" scrape "$T/after-garbage.prom"

# 50 scrapes at once.
pids=()
for ((i = 0; i < 50; i++)); do
	nsx "$HOST" curl -s -o "$T/c$i.prom" -w '%{http_code}\n' --max-time 30 "$URL/metrics" >"$T/c$i.code" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
n200=0 nsame=0
for ((i = 0; i < 50; i++)); do
	[ "$(cat "$T/c$i.code")" = 200 ] && n200=$((n200 + 1))
	same_as_stats "$T/c$i.prom" "$T/stats.json" >"$T/c$i.diff" && nsame=$((nsame + 1))
done
check_eq "50 concurrent scrapes: all 200" "$n200" 50
check_eq "... all whole, equal to stats --json" "$nsame" 50
[ "$nsame" = 50 ] || diag "$(cat "$T/c0.diff")"
check "... and the exporter still runs" kill -0 "$EXP_PID"

# Detached and attached again while it serves: it follows the new load.
check_rc "detach --all while the exporter runs" 0 pc detach --all
check_eq "a scrape with nothing loaded: 503" "$(http_code /metrics)" 503
check_rc "attach again" 0 pc attach pcmh0 --hook tc-egress --rules "$T/host.rules"
check "a scrape after the attach: 200" scrape "$T/reattached.prom"
check_eq "... of the new load (its rules' counters start again)" \
	"$(sample "$T/reattached.prom" portcullis_rule_dropped_packets_total 'rule="3",action="block"')" 0

# ---------------------------------------------------------------- Prometheus

# A real Prometheus on the host's loopback scrapes the exporter each
# second; its HTTP API returns what stats --json shows.
nsx "$HOST" $PY - $S4 $UDP_PORT <<'EOF'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(7):
    u.sendto(b"y" * 20, (sys.argv[1], int(sys.argv[2])))
EOF
check_rc "stats --json after 7 more datagrams" 0 pc stats --json
printf '%s\n' "$OUT" >"$T/stats2.json"
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: portcullis
    static_configs:
      - targets: ['127.0.0.1:9433']
        labels: {router: '$HOST'}
EOF
check_rc "promtool check config accepts the test's configuration" 0 promtool check config "$T/prometheus.yml"
check "Prometheus starts on the host's loopback" prom_start "$HOST" "$T/prometheus.yml" 127.0.0.1:9090
has_value() { [ -n "$(promql "$1")" ]; }
UDP_Q="portcullis_packets_total{proto=\"udp\",port=\"$UDP_PORT\",verdict=\"dropped\",router=\"$HOST\"}"
check "Prometheus scraped the exporter" wait_for 30 has_value "$UDP_Q"
check_eq "... up is 1" "$(promql 'up{job="portcullis"}')" 1
check_same "... udp/$UDP_PORT dropped packets equal stats --json" "$(promql "$UDP_Q")" \
	"$(jget "$T/stats2.json" "port('udp', $UDP_PORT)['dropped']['packets']")"
check_eq "... which are the 7 datagrams" "$(promql "$UDP_Q")" 7
check_same "... its rule's dropped bytes equal stats --json" \
	"$(promql 'portcullis_rule_dropped_bytes_total{rule="3",action="block"}')" \
	"$(jget "$T/stats2.json" 'rule(3)["dropped"]["bytes"]')"
check_same "... the policy generation equals stats --json" "$(promql portcullis_policy_generation)" \
	"$(jget "$T/stats2.json" 'd["generation"]')"
check_same "... sum by (verdict) of the dropped packets by port equals the dropped total" \
	"$(promql 'sum by (verdict) (portcullis_packets_total{verdict="dropped"})')" \
	"$(jget "$T/stats2.json" 'd["totals"]["dropped"]')"
prom_stop

kill -TERM "$EXP_PID"
check "SIGTERM ends the exporter with status 0" stopped_with "$EXP_PID" 0
exporter sigint --listen 127.0.0.1:9433
kill -INT "$EXP_PID"
check "SIGINT ends it with status 0" stopped_with "$EXP_PID" 0
exporter v6 --listen '[::1]:9433'
check_eq "--listen [::1]:9433 serves over IPv6" \
	"$(nsx "$HOST" curl -s -o /dev/null -w '%{http_code}' --max-time 10 'http://[::1]:9433/metrics')" 200
check_rc "a second exporter on the same address exits 1" 1 pc metrics --listen '[::1]:9433'
check_match "... and says why" "$ERR" 'cannot listen on \[::1\]:9433'
kill_pid "$EXP_PID"

# ---------------------------------------------------------------- access

check_rc "a user that cannot read the pins: exit 1" 1 \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PC_BIN" metrics --once
check_match "... told that metrics needs read access to them" "$ERR" \
	"cannot read the pins under $PORTCULLIS_PIN_DIR: Permission denied; metrics needs read access"

# A second load, on a second veth pair, in a pin directory that a user may
# read (and not write): metrics needs nothing more.
RO_PINS=$T/ro-pins
ip -n "$HOST" link add pcmd0 type veth peer name pcmd1 && ip -n "$HOST" link set pcmd0 up ||
	bail "add a second veth pair"
on_exit "PC_NS='$HOST'; pc --pin-dir '$RO_PINS' detach --all"
check_rc "attach pcmd0 with its own pin directory" 0 pc --pin-dir "$RO_PINS" attach pcmd0 --hook tc-egress
chmod o+rx "$RO_PINS" && chmod o+r,o-w "$RO_PINS"/* || bail "let others read the pins"
check_rc "a user that may only read the pins: metrics --once exits 0" 0 \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PC_BIN" --pin-dir "$RO_PINS" metrics --once
printf '%s\n' "$OUT" >"$T/ro.prom"
check "... and promtool check metrics accepts what it prints" promtool_ok "$T/ro.prom"
check_eq "... the built-in policy's rules" \
	"$(sample "$T/ro.prom" portcullis_rule_packets_total 'rule="1",action="block"')" 0

done_testing
