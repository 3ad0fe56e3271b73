// SPDX-License-Identifier: GPL-2.0
#include <json-c/json.h>
#include "clock.h"
#include "policy.h"
#include "stats_output.h"

static const char *const verdict_names[PC_NVERDICT] = { "passed", "dropped", "rejected" };

const char *pc_proto_name(int proto)
{
	return proto == PC_PROTO_UDP ? "udp" : "tcp";
}

static void port_label(char *buf, size_t size, const struct pc_port_stat *p)
{
	if (p->lo == p->hi)
		snprintf(buf, size, "%s/%u", pc_proto_name(p->proto), p->lo);
	else
		snprintf(buf, size, "%s/%u:%u", pc_proto_name(p->proto), p->lo, p->hi);
}

static double rate(__u64 now, __u64 before, double interval)
{
	return interval > 0 && now >= before ? (now - before) / interval : 0;
}

/* The same port item in an earlier snapshot, if it was there. */
static const struct pc_port_stat *earlier_port(const struct pc_stats *before,
					       const struct pc_port_stat *p)
{
	size_t i;

	for (i = 0; before && i < before->nports; i++)
		if (before->ports[i].proto == p->proto && before->ports[i].lo == p->lo &&
		    before->ports[i].hi == p->hi)
			return &before->ports[i];
	return NULL;
}

static __u64 port_packets(const struct pc_port_stat *p)
{
	return p->count.v[0].packets + p->count.v[1].packets + p->count.v[2].packets;
}

void pc_stats_print_table(FILE *out, const struct pc_stats_view *v)
{
	const struct pc_stats *s = v->now;
	const struct pc_totals *t = &s->totals;
	bool rates = v->before && v->before->hdr.generation == s->hdr.generation;
	char label[32], when[32];
	size_t i;

	pc_format_time(when, sizeof(when), s->hdr.applied_ns);
	fprintf(out, "policy generation %llu, applied %s\n\n", (unsigned long long)s->hdr.generation,
		when);
	fprintf(out, "%-16s %12s %10s %12s %10s %12s %10s %14s%s\n", "PORT", "PASSED", "CONNS",
		"DROPPED", "CONNS", "REJECTED", "CONNS", "BYTES", v->before ? "      PKTS/S" : "");
	for (i = 0; i < s->nports; i++) {
		const struct pc_port_stat *p = &s->ports[i];
		const struct pc_port_stat *b = earlier_port(v->before, p);
		const struct pc_count *c = p->count.v;

		port_label(label, sizeof(label), p);
		fprintf(out, "%-16s %12llu %10llu %12llu %10llu %12llu %10llu %14llu", label,
			(unsigned long long)c[0].packets, (unsigned long long)c[0].connections,
			(unsigned long long)c[1].packets, (unsigned long long)c[1].connections,
			(unsigned long long)c[2].packets, (unsigned long long)c[2].connections,
			(unsigned long long)(c[0].bytes + c[1].bytes + c[2].bytes));
		if (v->before)
			fprintf(out, " %12.1f", b ? rate(port_packets(p), port_packets(b), v->interval) : 0);
		fputc('\n', out);
	}
	fprintf(out, "\n%4s %-8s %12s %14s %10s%s  %s\n", "RULE", "ACTION", "PACKETS", "BYTES",
		"CONNS", v->before ? "      PKTS/S" : "", "TEXT");
	for (i = 0; i < s->nrules; i++) {
		const struct pc_rule_stat *r = &s->rules[i];

		fprintf(out, "%4zu %-8s %12llu %14llu %10llu", i + 1, pc_action_name(r->rule.action),
			(unsigned long long)r->count.packets, (unsigned long long)r->count.bytes,
			(unsigned long long)r->count.connections);
		if (v->before)
			fprintf(out, " %12.1f",
				rates && i < v->before->nrules ?
					rate(r->count.packets, v->before->rules[i].count.packets, v->interval) :
					0);
		fprintf(out, "  %s\n", v->texts[i]);
	}
	fprintf(out, "\ntotal %llu packets, %llu bytes: %llu passed, %llu dropped, %llu rejected; "
		     "%llu malformed, %llu fragments, %llu other\n",
		(unsigned long long)t->packets, (unsigned long long)t->bytes,
		(unsigned long long)t->passed, (unsigned long long)t->dropped,
		(unsigned long long)t->rejected, (unsigned long long)t->malformed,
		(unsigned long long)t->fragments, (unsigned long long)t->other);
}

static json_object *count_json(const struct pc_count *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_uint64(c->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(c->bytes));
	json_object_object_add(o, "connections", json_object_new_uint64(c->connections));
	return o;
}

/* With an earlier snapshot (--watch), ports and rules also carry
 * "packets_per_second" since that snapshot. */
void pc_stats_print_json(FILE *out, const struct pc_stats_view *v, bool pretty)
{
	const struct pc_stats *s = v->now;
	const struct pc_totals *t = &s->totals;
	json_object *root = json_object_new_object();
	json_object *ports = json_object_new_array();
	json_object *rules = json_object_new_array();
	json_object *tot = json_object_new_object();
	bool rates = v->before && v->before->hdr.generation == s->hdr.generation;
	size_t i;
	int k;

	for (i = 0; i < s->nports; i++) {
		const struct pc_port_stat *p = &s->ports[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "proto", json_object_new_string(pc_proto_name(p->proto)));
		json_object_object_add(o, "port", json_object_new_int(p->lo));
		if (p->hi != p->lo)
			json_object_object_add(o, "port_end", json_object_new_int(p->hi));
		for (k = 0; k < PC_NVERDICT; k++)
			json_object_object_add(o, verdict_names[k], count_json(&p->count.v[k]));
		if (v->before) {
			const struct pc_port_stat *b = earlier_port(v->before, p);

			json_object_object_add(o, "packets_per_second",
					       json_object_new_double(b ? rate(port_packets(p),
									port_packets(b),
									v->interval) : 0));
		}
		json_object_array_add(ports, o);
	}
	for (i = 0; i < s->nrules; i++) {
		const struct pc_rule_stat *r = &s->rules[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "rule", json_object_new_int(i + 1));
		json_object_object_add(o, "text", json_object_new_string(v->texts[i]));
		json_object_object_add(o, "action",
				       json_object_new_string(pc_action_name(r->rule.action)));
		json_object_object_add(o, "packets", json_object_new_uint64(r->count.packets));
		json_object_object_add(o, "bytes", json_object_new_uint64(r->count.bytes));
		json_object_object_add(o, "connections", json_object_new_uint64(r->count.connections));
		if (v->before)
			json_object_object_add(o, "packets_per_second",
					       json_object_new_double(rates && i < v->before->nrules ?
						       rate(r->count.packets, v->before->rules[i].count.packets,
							    v->interval) : 0));
		json_object_array_add(rules, o);
	}
#define TOTAL(f) json_object_object_add(tot, #f, json_object_new_uint64(t->f))
	TOTAL(packets);
	TOTAL(bytes);
	TOTAL(passed);
	TOTAL(dropped);
	TOTAL(rejected);
	TOTAL(malformed);
	TOTAL(fragments);
	TOTAL(other);
#undef TOTAL
	json_object_object_add(root, "ports", ports);
	json_object_object_add(root, "rules", rules);
	json_object_object_add(root, "totals", tot);
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(root, JSON_C_TO_STRING_NOSLASHESCAPE | (pretty ? JSON_C_TO_STRING_PRETTY |
								      JSON_C_TO_STRING_SPACED :
							      JSON_C_TO_STRING_PLAIN)));
	json_object_put(root);
}
