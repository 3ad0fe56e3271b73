// SPDX-License-Identifier: GPL-2.0
#include "clock.h"
#include "json_output.h"
#include "keywords.h"
#include "policy.h"
#include "stats_output.h"

static const char *const verdict_names[PC_NVERDICT] = {
	[PC_V_PASSED] = "passed",
	[PC_V_DROPPED] = "dropped",
	[PC_V_REJECTED] = "rejected",
};
static const char *const verdict_headers[PC_NVERDICT] = {
	[PC_V_PASSED] = "PASSED",
	[PC_V_DROPPED] = "DROPPED",
	[PC_V_REJECTED] = "REJECTED",
};

const char *pc_stats_verdict_name(int verdict)
{
	return verdict_names[verdict];
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

/* A port item's counters over every verdict. */
static struct pc_count port_sum(const struct pc_port_stat *p)
{
	struct pc_count sum = { 0 };
	int k;

	for (k = 0; k < PC_NVERDICT; k++) {
		sum.packets += p->count.v[k].packets;
		sum.bytes += p->count.v[k].bytes;
		sum.connections += p->count.v[k].connections;
	}
	return sum;
}

/* Packets a second since the earlier snapshot: of a port item, and of a
 * rule (only if the rules are the same generation's). */
static double port_rate(const struct pc_stats_view *v, const struct pc_port_stat *p)
{
	const struct pc_port_stat *b = earlier_port(v->before, p);

	return b ? rate(port_sum(p).packets, port_sum(b).packets, v->interval) : 0;
}

static double rule_rate(const struct pc_stats_view *v, size_t i)
{
	const struct pc_stats *b = v->before;

	if (!b || b->hdr.generation != v->now->hdr.generation || i >= b->nrules)
		return 0;
	return rate(v->now->rules[i].count.packets, b->rules[i].count.packets, v->interval);
}

/* "policy generation 3, applied T" and, under --watch, when this snapshot
 * was taken. */
static void print_header(FILE *out, const struct pc_stats_view *v)
{
	char when[32];

	pc_format_time(when, sizeof(when), v->now->hdr.applied_ns);
	fprintf(out, "policy generation %llu, applied %s", (unsigned long long)v->now->hdr.generation,
		when);
	if (v->watch) {
		pc_format_time(when, sizeof(when), v->snapshot_ns);
		fprintf(out, ", snapshot %s", when);
	}
	fputs("\n\n", out);
}

static void print_port_rows(FILE *out, const struct pc_stats_view *v)
{
	const struct pc_stats *s = v->now;
	char label[32];
	size_t i;
	int k;

	fprintf(out, "%-16s", "PORT");
	for (k = 0; k < PC_NVERDICT; k++)
		fprintf(out, " %12s %10s", verdict_headers[k], "CONNS");
	fprintf(out, " %14s%s\n", "BYTES", v->before ? "      PKTS/S" : "");
	for (i = 0; i < s->nports; i++) {
		const struct pc_port_stat *p = &s->ports[i];

		port_label(label, sizeof(label), p);
		fprintf(out, "%-16s", label);
		for (k = 0; k < PC_NVERDICT; k++)
			fprintf(out, " %12llu %10llu", (unsigned long long)p->count.v[k].packets,
				(unsigned long long)p->count.v[k].connections);
		fprintf(out, " %14llu", (unsigned long long)port_sum(p).bytes);
		if (v->before)
			fprintf(out, " %12.1f", port_rate(v, p));
		fputc('\n', out);
	}
}

static void print_rule_rows(FILE *out, const struct pc_stats_view *v)
{
	const struct pc_stats *s = v->now;
	size_t i;

	fprintf(out, "\n%4s %-8s %12s %14s %10s %12s%s  %s\n", "RULE", "ACTION", "PACKETS",
		"BYTES", "CONNS", "DROPPED", v->before ? "      PKTS/S" : "", "TEXT");
	for (i = 0; i < s->nrules; i++) {
		const struct pc_rule_stat *r = &s->rules[i];

		fprintf(out, "%4zu %-8s %12llu %14llu %10llu %12llu", i + 1,
			pc_action_name(r->rule.action), (unsigned long long)r->count.packets,
			(unsigned long long)r->count.bytes, (unsigned long long)r->count.connections,
			(unsigned long long)r->dropped.packets);
		if (v->before)
			fprintf(out, " %12.1f", rule_rate(v, i));
		fprintf(out, "  %s\n", v->texts[i]);
	}
}

void pc_stats_print_table(FILE *out, const struct pc_stats_view *v)
{
	const struct pc_totals *t = &v->now->totals;

	print_header(out, v);
	print_port_rows(out, v);
	print_rule_rows(out, v);
	fprintf(out, "\ntotal %llu packets, %llu bytes: %llu passed, %llu dropped, %llu rejected; "
		     "%llu malformed, %llu fragments, %llu other\n",
		(unsigned long long)t->packets, (unsigned long long)t->bytes,
		(unsigned long long)t->passed, (unsigned long long)t->dropped,
		(unsigned long long)t->rejected, (unsigned long long)t->malformed,
		(unsigned long long)t->fragments, (unsigned long long)t->other);
}

/* Packets, bytes and connections, added to o. */
static json_object *add_counts(json_object *o, const struct pc_count *c)
{
	json_object_object_add(o, "packets", json_object_new_uint64(c->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(c->bytes));
	json_object_object_add(o, "connections", json_object_new_uint64(c->connections));
	return o;
}

static json_object *port_json(const struct pc_stats_view *v, const struct pc_port_stat *p)
{
	json_object *o = json_object_new_object();
	int k;

	json_object_object_add(o, "proto", json_object_new_string(pc_proto_name(p->proto)));
	json_object_object_add(o, "port", json_object_new_int(p->lo));
	if (p->hi != p->lo)
		json_object_object_add(o, "port_end", json_object_new_int(p->hi));
	for (k = 0; k < PC_NVERDICT; k++)
		json_object_object_add(o, verdict_names[k], add_counts(json_object_new_object(), &p->count.v[k]));
	if (v->before)
		json_object_object_add(o, "packets_per_second", json_object_new_double(port_rate(v, p)));
	return o;
}

static json_object *rule_json(const struct pc_stats_view *v, size_t i)
{
	const struct pc_rule_stat *r = &v->now->rules[i];
	json_object *o = json_object_new_object();

	json_object_object_add(o, "rule", json_object_new_int(i + 1));
	json_object_object_add(o, "text", json_object_new_string(v->texts[i]));
	json_object_object_add(o, "action", json_object_new_string(pc_action_name(r->rule.action)));
	add_counts(o, &r->count);
	/* Of those, the dropped: a block rule's all, a limit rule's excess. */
	json_object_object_add(o, "dropped", add_counts(json_object_new_object(), &r->dropped));
	if (v->before)
		json_object_object_add(o, "packets_per_second", json_object_new_double(rule_rate(v, i)));
	return o;
}

static json_object *totals_json(const struct pc_totals *t)
{
	json_object *tot = json_object_new_object();

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
	return tot;
}

/* With an earlier snapshot (--watch), ports and rules also carry
 * "packets_per_second" since that snapshot. */
void pc_stats_print_json(FILE *out, const struct pc_stats_view *v, bool pretty)
{
	const struct pc_stats *s = v->now;
	json_object *root = json_object_new_object();
	json_object *ports = json_object_new_array();
	json_object *rules = json_object_new_array();
	size_t i;

	for (i = 0; i < s->nports; i++)
		json_object_array_add(ports, port_json(v, &s->ports[i]));
	for (i = 0; i < s->nrules; i++)
		json_object_array_add(rules, rule_json(v, i));
	json_object_object_add(root, "generation", json_object_new_uint64(s->hdr.generation));
	pc_json_add_time(root, "applied_at", s->hdr.applied_ns);
	pc_json_add_time(root, "snapshot_at", v->snapshot_ns);
	json_object_object_add(root, "ports", ports);
	json_object_object_add(root, "rules", rules);
	json_object_object_add(root, "totals", totals_json(&s->totals));
	pc_json_print(out, root, pretty);
}
