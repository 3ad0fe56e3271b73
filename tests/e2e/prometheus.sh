# shellcheck shell=bash
# Helpers for the tests that check portcullis metrics against stats --json
# and run a real Prometheus (Debian's package). Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/prometheus.sh"
#
# It gives:
#   - promtool_ok, same_as_stats: an exposition (or what Prometheus
#     returns of it) checked against promtool and against stats --json;
#   - prom_start, prom_stop: a Prometheus on a namespace's loopback, with
#     a data directory under $T, killed at exit;
#   - promql, prom_query, prom_api: its HTTP API.

command -v promtool >/dev/null || bail "promtool is missing (Debian's prometheus package; make deps)"
command -v prometheus >/dev/null || bail "prometheus is missing (Debian's prometheus package; make deps)"
command -v curl >/dev/null || bail "curl is missing (make deps)"

# promtool_ok FILE: promtool check metrics accepts FILE (it lints as well).
promtool_ok() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) || { diag "$out"; return 1; }
}

# same_as_stats SAMPLES STATS_JSON: every sample that stats --json has
# equals its value there, and every value of stats --json has its sample;
# the offenders' samples equal what top --json says in the file beside
# STATS_JSON that ends in .top.json instead (written with it: see
# stats_snapshot); portcullis_policy_info is one sample of value 1 whose
# digest is 16 hex digits (stats --json does not show the digest). SAMPLES is an exposition,
# or the JSON answer of Prometheus to an instant query of the samples of
# one target (its target labels job, instance, router and site are left
# out). Prints what differs; fails then.
same_as_stats() {
	$PY - "$1" "$2" "${2%.json}.top.json" <<'EOF'
import datetime, json, re, sys
TARGET_LABELS = {"job", "instance", "router", "site"}
samples = {}
def add(name, labels, value):
    key = (name, tuple(sorted(labels.items())))
    if key in samples:
        sys.exit("# %s%s: twice" % (name, labels))
    samples[key] = float(value)
text = open(sys.argv[1]).read()
if text.startswith("{"):
    for r in json.loads(text)["data"]["result"]:
        labels = {k: v for k, v in r["metric"].items() if k not in TARGET_LABELS}
        add(labels.pop("__name__"), labels, r["value"][1])
else:
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r'^(\w+)(?:\{(.*)\})? (\S+)$', line)
        if not m:
            sys.exit("unparsed line: %r" % line)
        add(m.group(1), dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")), m.group(3))
d = json.load(open(sys.argv[2]))
want = {}
def put(name, value, **labels):
    want[("portcullis_" + name, tuple(sorted(labels.items())))] = float(value)
put("policy_generation", d["generation"])
for p in d["ports"]:
    port = str(p["port"]) + (":%d" % p["port_end"] if "port_end" in p else "")
    for v in ("passed", "dropped", "rejected"):
        for k in ("packets", "bytes", "connections"):
            put(k + "_total", p[v][k], proto=p["proto"], port=port, verdict=v)
for r in d["rules"]:
    for k in ("packets", "bytes", "connections"):
        put("rule_%s_total" % k, r[k], rule=str(r["rule"]), action=r["action"])
        put("rule_dropped_%s_total" % k, r["dropped"][k], rule=str(r["rule"]), action=r["action"])
t = d["totals"]
put("seen_packets_total", t["packets"])
put("seen_bytes_total", t["bytes"])
for v in ("passed", "dropped", "rejected"):
    put("verdict_packets_total", t[v], verdict=v)
put("malformed_packets_total", t["malformed"])
put("fragment_packets_total", t["fragments"])
put("other_packets_total", t["other"])
e = d["events"]
put("events_total", e["emitted"])
put("events_lost_total", e["lost_ring_full"], reason="ring_full")
put("events_lost_total", e["lost_rate_limited"], reason="rate_limited")
top = json.load(open(sys.argv[3]))
put("offenders", top["tracked"])
put("offenders_capacity", top["capacity"])
put("offender_recent_attempts_max", max([o["recent_attempts"] for o in top["offenders"]] + [0]))
bad = 0
for key, value in sorted(want.items()):
    if samples.get(key) != value:
        print("# %s%s: metrics %s, stats --json %s" % (key[0], dict(key[1]), samples.get(key), value))
        bad += 1
applied = samples.get(("portcullis_policy_applied_timestamp_seconds", ()))
at = datetime.datetime.strptime(d["applied_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
if applied is None or int(applied) != int(at.timestamp()):
    print("# applied: metrics %s, stats --json %s" % (applied, d["applied_at"]))
    bad += 1
info = [k for k in samples if k[0] == "portcullis_policy_info"]
labels = dict(info[0][1]) if len(info) == 1 else {}
if samples.get(info[0] if info else None) != 1 or list(labels) != ["digest"] or \
        not re.fullmatch(r"[0-9a-f]{16}", labels["digest"]):
    print("# portcullis_policy_info: %s, want one sample {digest=16 hex digits} 1" %
          [(dict(k[1]), samples[k]) for k in info])
    bad += 1
extra = set(samples) - set(want) - set(info) - {("portcullis_policy_applied_timestamp_seconds", ())}
for key in sorted(extra):
    print("# %s%s: in the metrics, not in stats --json" % (key[0], dict(key[1])))
    bad += 1
print("# %d values compared, %d differ" % (len(want) + 2, bad))
sys.exit(1 if bad else 0)
EOF
}

# stats_snapshot FILE CMD...: what same_as_stats compares the metrics
# with, from the portcullis command CMD (pc, or a function that runs it
# for one router): stats --json in FILE, top --json (every source) in
# FILE with .top.json for .json. Fails, and says why, if either fails.
stats_snapshot() {
	local file=$1
	shift
	"$@" stats --json >"$file" || { diag "stats --json failed"; return 1; }
	"$@" top --json -n 16777216 >"${file%.json}.top.json" || { diag "top --json failed"; return 1; }
}

# prom_start NS CONFIG ADDR:PORT: Prometheus with CONFIG, listening on
# ADDR:PORT in the namespace NS, its data under $T/prometheus-NS; waits
# (30 s at most) until it is ready. PROM_PID is its PID; prom_api and
# promql talk to it. Its log is $T/prometheus-NS.log.
PROM_PID='' PROM_NS='' PROM_URL=''
prom_start() {
	PROM_NS=$1 PROM_URL=http://$3
	mkdir -p "$T/prometheus-$1"
	bg "prometheus-$1" nsenter --net="/run/netns/$1" prometheus --config.file="$2" \
		--storage.tsdb.path="$T/prometheus-$1" --web.listen-address="$3"
	PROM_PID=$BG_PID
	wait_for 30 prom_api /-/ready || {
		diag "Prometheus is not ready after 30 s:" "$(tail -n 20 "$T/prometheus-$1.log")"
		return 1
	}
}

# prom_stop: ends that Prometheus (bounded; the exit trap would too).
prom_stop() { [ -z "$PROM_PID" ] || kill_pid "$PROM_PID"; }

# prom_api PATH [CURL ARGS...]: GET (or, with --data*, POST) PATH of its
# HTTP API; fails on an HTTP error.
prom_api() {
	local path=$1
	shift
	nsx "$PROM_NS" curl -sf --max-time 10 "$@" "$PROM_URL$path"
}

# prom_query EXPR: the JSON answer to an instant query.
prom_query() { prom_api /api/v1/query --data-urlencode "query=$1"; }

# promql EXPR: the value of the first sample of an instant query (empty:
# none yet).
promql() {
	prom_query "$1" | $PY -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}
