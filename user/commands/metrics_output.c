// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include "keywords.h"
#include "metrics_output.h"
#include "stats_output.h"

#define PREFIX "portcullis_"

/* Which of the three counts of a struct pc_count a family shows. */
enum count_field { PACKETS, BYTES, CONNECTIONS };

static unsigned long long field(const struct pc_count *c, enum count_field f)
{
	return f == PACKETS ? c->packets : f == BYTES ? c->bytes : c->connections;
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help, name, type);
}

/* portcullis_{packets,bytes,connections}_total{proto,port,verdict}: a
 * range is its port label "lo:hi", as the rules language writes it. */
static void port_family(FILE *out, const struct pc_stats *s, const char *name, const char *help,
			enum count_field f)
{
	char port[16];
	size_t i;
	int k;

	family(out, name, "counter", help);
	for (i = 0; i < s->nports; i++) {
		const struct pc_port_stat *p = &s->ports[i];

		if (p->lo == p->hi)
			snprintf(port, sizeof(port), "%u", p->lo);
		else
			snprintf(port, sizeof(port), "%u:%u", p->lo, p->hi);
		for (k = 0; k < PC_NVERDICT; k++)
			fprintf(out, PREFIX "%s{proto=\"%s\",port=\"%s\",verdict=\"%s\"} %llu\n", name,
				pc_proto_name(p->proto), port, pc_stats_verdict_name(k),
				field(&p->count.v[k], f));
	}
}

/* portcullis_rule_*_total{rule,action}: rule is the index that stats
 * shows, from 1. dropped: of the rule's own counts, those dropped. */
static void rule_family(FILE *out, const struct pc_stats *s, const char *name, const char *help,
			enum count_field f, bool dropped)
{
	size_t i;

	family(out, name, "counter", help);
	for (i = 0; i < s->nrules; i++) {
		const struct pc_rule_stat *r = &s->rules[i];

		fprintf(out, PREFIX "%s{rule=\"%zu\",action=\"%s\"} %llu\n", name, i + 1,
			pc_action_name(r->rule.action), field(dropped ? &r->dropped : &r->count, f));
	}
}

static void total(FILE *out, const char *name, const char *help, unsigned long long value)
{
	family(out, name, "counter", help);
	fprintf(out, PREFIX "%s %llu\n", name, value);
}

static void gauge(FILE *out, const char *name, const char *help, unsigned long long value)
{
	family(out, name, "gauge", help);
	fprintf(out, PREFIX "%s %llu\n", name, value);
}

void pc_metrics_print(FILE *out, const struct pc_stats *s, const struct pc_offender_summary *o)
{
	const struct pc_totals *t = &s->totals;
	const unsigned long long by_verdict[PC_NVERDICT] = {
		[PC_V_PASSED] = t->passed,
		[PC_V_DROPPED] = t->dropped,
		[PC_V_REJECTED] = t->rejected,
	};
	int k;

	family(out, "policy_generation", "gauge", "Generation of the policy in force (0: none yet).");
	fprintf(out, PREFIX "policy_generation %llu\n", (unsigned long long)s->hdr.generation);
	/* The generation counts applies on one router; the digest names the
	 * policy, so that a fleet can see whether every router runs the same. */
	family(out, "policy_info", "gauge",
	       "The policy in force, by the digest of its compiled form: equal digests, same policy.");
	fprintf(out, PREFIX "policy_info{digest=\"%016llx\"} 1\n", (unsigned long long)s->hdr.digest);
	family(out, "policy_applied_timestamp_seconds", "gauge",
	       "When the policy in force was applied, in seconds since the Unix epoch.");
	fprintf(out, PREFIX "policy_applied_timestamp_seconds %llu.%09llu\n",
		(unsigned long long)(s->hdr.applied_ns / 1000000000),
		(unsigned long long)(s->hdr.applied_ns % 1000000000));

	port_family(out, s, "packets_total", "Packets to a port that a rule names, by verdict.",
		    PACKETS);
	port_family(out, s, "bytes_total", "Bytes to a port that a rule names, by verdict.", BYTES);
	port_family(out, s, "connections_total",
		    "Connection attempts (TCP SYN without ACK, every UDP packet) to a port that a rule names, by verdict.",
		    CONNECTIONS);

	rule_family(out, s, "rule_packets_total",
		    "Packets that a rule decided, since its policy generation was applied.", PACKETS,
		    false);
	rule_family(out, s, "rule_bytes_total",
		    "Bytes that a rule decided, since its policy generation was applied.", BYTES, false);
	rule_family(out, s, "rule_connections_total",
		    "Connection attempts that a rule decided, since its policy generation was applied.",
		    CONNECTIONS, false);
	rule_family(out, s, "rule_dropped_packets_total",
		    "Packets that a rule dropped (a block rule's all, a limit rule's excess).", PACKETS,
		    true);
	rule_family(out, s, "rule_dropped_bytes_total", "Bytes that a rule dropped.", BYTES, true);
	rule_family(out, s, "rule_dropped_connections_total",
		    "Connection attempts that a rule dropped.", CONNECTIONS, true);

	total(out, "seen_packets_total", "Every packet the attached hooks saw.", t->packets);
	total(out, "seen_bytes_total", "Bytes of every packet the attached hooks saw.", t->bytes);
	family(out, "verdict_packets_total", "counter", "Every packet the attached hooks saw, by verdict.");
	for (k = 0; k < PC_NVERDICT; k++)
		fprintf(out, PREFIX "verdict_packets_total{verdict=\"%s\"} %llu\n",
			pc_stats_verdict_name(k), by_verdict[k]);
	total(out, "malformed_packets_total",
	      "Packets that claim TCP or UDP but cannot show their ports (also counted under their verdict).",
	      t->malformed);
	total(out, "fragment_packets_total", "Non-first fragments: no ports, passed.", t->fragments);
	total(out, "other_packets_total", "Packets not TCP or UDP over IP: passed untouched.",
	      t->other);

	gauge(out, "offenders", "Sources (IPv4 /32, IPv6 /64) with blocked, rejected or limited connection attempts that the kernel keeps for portcullis top.",
	      o->tracked);
	gauge(out, "offenders_capacity", "Sources the offenders' map holds, all CPUs together.",
	      o->capacity);
	gauge(out, "offender_recent_attempts_max",
	      "The most blocked, rejected or limited connection attempts from one source within its current 5-minute window.",
	      o->recent_max);

	total(out, "events_total",
	      "Connection attempts that rules with log sent to the event log (portcullis log).",
	      t->events_emitted);
	family(out, "events_lost_total", "counter",
	       "Connection attempts that rules with log could not send to the event log: the ring was full, or the source had had its event of the second.");
	fprintf(out, PREFIX "events_lost_total{reason=\"ring_full\"} %llu\n",
		(unsigned long long)t->events_lost_ring_full);
	fprintf(out, PREFIX "events_lost_total{reason=\"rate_limited\"} %llu\n",
		(unsigned long long)t->events_lost_rate_limited);
}
