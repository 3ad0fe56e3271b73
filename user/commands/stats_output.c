// SPDX-License-Identifier: GPL-2.0
#include <string.h>
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

/* Under --watch, the rate columns: "-" for a rate not known. */
static void print_rate(FILE *out, const struct pc_rate *r)
{
	if (r->known)
		fprintf(out, " %10.1f %10.1f", r->packets, r->connections);
	else
		fprintf(out, " %10s %10s", "-", "-");
}

#define RATE_HEADERS "     PKTS/S    CONNS/S"

/* Under --watch, each snapshot is headed by when it was taken, how often
 * and over how long its rates are, and what they lack. */
static void print_watch_heading(FILE *out, const struct pc_stats_view *v)
{
	const struct pc_stats_rates *r = v->rates;
	char when[40];

	if (v->every != (long)v->every)
		pc_format_time_ms(when, sizeof(when), v->snapshot_ns);
	else
		pc_format_time(when, sizeof(when), v->snapshot_ns);
	fprintf(out, "%s  every %g s, ", when, v->every);
	if (r->interval > 0)
		fprintf(out, "rates over the last %.2f s\n", r->interval);
	else
		fputs("rates from the next snapshot on\n", out);
}

static void print_watch_notes(FILE *out, const struct pc_stats_view *v)
{
	if (v->reloaded)
		fputs("portcullis was detached and loaded again since the last snapshot: "
		      "its counters started again, rates from the next snapshot on\n", out);
	if (v->rates->new_generation)
		fprintf(out, "new policy generation since the last snapshot (was %llu): the rule "
			     "counters started again, rule rates from the next snapshot on\n",
			(unsigned long long)v->before_generation);
	if (v->rates->restarted)
		fputs("counters shown with rate - started again since the last snapshot: "
		      "their rates from the next snapshot on\n", out);
}

/* "policy generation 3, applied T"; under --watch, headed by when this
 * snapshot was taken. */
static void print_header(FILE *out, const struct pc_stats_view *v)
{
	char when[32];

	if (v->rates)
		print_watch_heading(out, v);
	pc_format_time(when, sizeof(when), v->now->hdr.applied_ns);
	fprintf(out, "policy generation %llu, applied %s\n", (unsigned long long)v->now->hdr.generation,
		when);
	if (v->rates)
		print_watch_notes(out, v);
	fputc('\n', out);
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
	fprintf(out, " %14s%s\n", "BYTES", v->rates ? RATE_HEADERS : "");
	for (i = 0; i < s->nports; i++) {
		const struct pc_port_stat *p = &s->ports[i];

		port_label(label, sizeof(label), p);
		fprintf(out, "%-16s", label);
		for (k = 0; k < PC_NVERDICT; k++)
			fprintf(out, " %12llu %10llu", (unsigned long long)p->count.v[k].packets,
				(unsigned long long)p->count.v[k].connections);
		fprintf(out, " %14llu", (unsigned long long)port_sum(p).bytes);
		if (v->rates)
			print_rate(out, &v->rates->ports[i]);
		fputc('\n', out);
	}
}

static void print_rule_rows(FILE *out, const struct pc_stats_view *v)
{
	const struct pc_stats *s = v->now;
	size_t i;

	fprintf(out, "\n%4s %-8s %12s %14s %10s %12s%s  %s\n", "RULE", "ACTION", "PACKETS",
		"BYTES", "CONNS", "DROPPED", v->rates ? RATE_HEADERS : "", "TEXT");
	for (i = 0; i < s->nrules; i++) {
		const struct pc_rule_stat *r = &s->rules[i];

		fprintf(out, "%4zu %-8s %12llu %14llu %10llu %12llu", i + 1,
			pc_action_name(r->rule.action), (unsigned long long)r->count.packets,
			(unsigned long long)r->count.bytes, (unsigned long long)r->count.connections,
			(unsigned long long)r->dropped.packets);
		if (v->rates)
			print_rate(out, &v->rates->rules[i]);
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
		     "%llu malformed, %llu fragments, %llu other",
		(unsigned long long)t->packets, (unsigned long long)t->bytes,
		(unsigned long long)t->passed, (unsigned long long)t->dropped,
		(unsigned long long)t->rejected, (unsigned long long)t->malformed,
		(unsigned long long)t->fragments, (unsigned long long)t->other);
	if (v->rates && v->rates->totals.known)
		fprintf(out, "; %.1f packets/s", v->rates->totals.packets);
	else if (v->rates)
		fputs("; - packets/s", out);
	fprintf(out, "\nevents %llu logged; lost %llu to a full ring, %llu to the rate limit\n",
		(unsigned long long)t->events_emitted, (unsigned long long)t->events_lost_ring_full,
		(unsigned long long)t->events_lost_rate_limited);
}

/* Packets, bytes and connections, added to o. */
static json_object *add_counts(json_object *o, const struct pc_count *c)
{
	json_object_object_add(o, "packets", json_object_new_uint64(c->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(c->bytes));
	json_object_object_add(o, "connections", json_object_new_uint64(c->connections));
	return o;
}

/* A rate, to the thousandth, or null when it is not known. */
static json_object *rate_json(bool known, double rate)
{
	char buf[32];

	if (!known)
		return NULL;
	snprintf(buf, sizeof(buf), "%.3f", rate);
	return json_object_new_double_s(rate, buf);
}

/* Under --watch: "packets_per_second" and "connections_per_second". */
static void add_rates(json_object *o, const struct pc_rate *r)
{
	json_object_object_add(o, "packets_per_second", rate_json(r->known, r->packets));
	json_object_object_add(o, "connections_per_second", rate_json(r->known, r->connections));
}

static json_object *port_json(const struct pc_stats_view *v, size_t i)
{
	const struct pc_port_stat *p = &v->now->ports[i];
	json_object *o = json_object_new_object();
	int k;

	json_object_object_add(o, "proto", json_object_new_string(pc_proto_name(p->proto)));
	json_object_object_add(o, "port", json_object_new_int(p->lo));
	if (p->hi != p->lo)
		json_object_object_add(o, "port_end", json_object_new_int(p->hi));
	for (k = 0; k < PC_NVERDICT; k++)
		json_object_object_add(o, verdict_names[k], add_counts(json_object_new_object(), &p->count.v[k]));
	if (v->rates)
		add_rates(o, &v->rates->ports[i]);
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
	if (v->rates)
		add_rates(o, &v->rates->rules[i]);
	return o;
}

static json_object *totals_json(const struct pc_stats_view *v)
{
	const struct pc_totals *t = &v->now->totals;
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
	if (v->rates)
		json_object_object_add(tot, "packets_per_second",
				       rate_json(v->rates->totals.known, v->rates->totals.packets));
	return tot;
}

/* The event log's attempts by fate (the `log` command reads the events). */
static json_object *events_json(const struct pc_totals *t)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "emitted", json_object_new_uint64(t->events_emitted));
	json_object_object_add(ev, "lost_ring_full", json_object_new_uint64(t->events_lost_ring_full));
	json_object_object_add(ev, "lost_rate_limited",
			       json_object_new_uint64(t->events_lost_rate_limited));
	return ev;
}

/* Under --watch, the rates since the snapshot before: "interval_seconds"
 * (null on the first), "generation_changed", "counters_restarted", and on
 * each port, rule and the totals "packets_per_second" (ports and rules
 * also "connections_per_second"), null where not known. */
void pc_stats_print_json(FILE *out, const struct pc_stats_view *v, bool pretty)
{
	const struct pc_stats *s = v->now;
	json_object *root = json_object_new_object();
	json_object *ports = json_object_new_array();
	json_object *rules = json_object_new_array();
	size_t i;

	for (i = 0; i < s->nports; i++)
		json_object_array_add(ports, port_json(v, i));
	for (i = 0; i < s->nrules; i++)
		json_object_array_add(rules, rule_json(v, i));
	json_object_object_add(root, "generation", json_object_new_uint64(s->hdr.generation));
	pc_json_add_time(root, "applied_at", s->hdr.applied_ns);
	pc_json_add_time(root, "snapshot_at", v->snapshot_ns);
	if (v->rates) {
		json_object_object_add(root, "interval_seconds",
				       rate_json(v->rates->interval > 0, v->rates->interval));
		json_object_object_add(root, "generation_changed",
				       json_object_new_boolean(v->rates->new_generation));
		json_object_object_add(root, "counters_restarted",
				       json_object_new_boolean(v->rates->restarted || v->reloaded));
	}
	json_object_object_add(root, "ports", ports);
	json_object_object_add(root, "rules", rules);
	json_object_object_add(root, "totals", totals_json(v));
	json_object_object_add(root, "events", events_json(&s->totals));
	pc_json_print(out, root, pretty);
}

void pc_stats_redraw(FILE *tty, const char *text, size_t len, int cols, int rows)
{
	const char *line = text, *end = text + len, *nl;
	int row, col;

	fputs("\033[H", tty);
	for (row = 0; line < end && row < rows; row++, line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			nl = end;
		/* Cut at cols characters: UTF-8 continuation bytes take none. */
		for (col = 0; line < nl; line++) {
			if ((*line & 0xc0) != 0x80 && col++ == cols)
				break;
			fputc(*line, tty);
		}
		/* A full row needs no clearing: at its last column, a terminal
		 * would clear that column too. */
		if (col < cols)
			fputs("\033[K", tty);
		/* No newline after the last row: it would scroll. */
		if (row + 1 < rows)
			fputc('\n', tty);
	}
	if (row < rows)
		fputs("\033[J", tty);
}
