// SPDX-License-Identifier: GPL-2.0
#include "clock.h"
#include "json_output.h"
#include "top_output.h"

static const char *proto_name(__u8 proto)
{
	return proto == PC_PROTO_UDP ? "udp" : "tcp";
}

void pc_top_print_table(FILE *out, const struct pc_top_view *v)
{
	const struct pc_offender_list *l = v->list;
	char src[64], first[32], last[32], port[16];
	size_t i;

	fprintf(out, "%-24s %10s %10s %10s %10s  %-20s  %-20s  %-9s %4s\n", "SOURCE", "ATTEMPTS",
		"BLOCKED", "REJECTED", "LIMITED", "FIRST SEEN", "LAST SEEN", "LAST PORT", "RULE");
	for (i = 0; i < v->shown; i++) {
		const struct pc_offender *e = &l->v[i];

		pc_offender_source_format(src, sizeof(src), e);
		pc_format_time(first, sizeof(first), pc_offender_realtime_ns(l, e->first_ns));
		pc_format_time(last, sizeof(last), pc_offender_realtime_ns(l, e->last_ns));
		snprintf(port, sizeof(port), "%s/%u", proto_name(e->last_proto),
			 e->last_port);
		fprintf(out, "%-24s %10llu %10llu %10llu %10llu  %-20s  %-20s  %-9s %4u\n", src,
			(unsigned long long)pc_offender_attempts(e),
			(unsigned long long)e->attempts[PC_OFF_BLOCKED],
			(unsigned long long)e->attempts[PC_OFF_REJECTED],
			(unsigned long long)e->attempts[PC_OFF_LIMITED], first, last, port,
			e->last_rule + 1);
	}
	fprintf(out, "%zu of %zu sources shown; %zu tracked, room for %u (%u on each CPU)\n",
		v->shown, v->matched, v->tracked, l->capacity, l->per_cpu);
}

static json_object *offender_json(const struct pc_offender_list *l,
				  const struct pc_offender *e)
{
	json_object *o = json_object_new_object();
	char src[64];

	pc_offender_source_format(src, sizeof(src), e);
	json_object_object_add(o, "source", json_object_new_string(src));
	json_object_object_add(o, "family",
			       json_object_new_string(e->family == PC_FAMILY_V6 ? "ipv6" : "ipv4"));
	json_object_object_add(o, "attempts", json_object_new_int64(pc_offender_attempts(e)));
	json_object_object_add(o, "blocked", json_object_new_int64(e->attempts[PC_OFF_BLOCKED]));
	json_object_object_add(o, "rejected",
			       json_object_new_int64(e->attempts[PC_OFF_REJECTED]));
	json_object_object_add(o, "limited", json_object_new_int64(e->attempts[PC_OFF_LIMITED]));
	json_object_object_add(o, "recent_attempts",
			       json_object_new_int64(e->window_attempts));
	pc_json_add_time(o, "first_seen", pc_offender_realtime_ns(l, e->first_ns));
	pc_json_add_time(o, "last_seen", pc_offender_realtime_ns(l, e->last_ns));
	json_object_object_add(o, "last_proto", json_object_new_string(proto_name(e->last_proto)));
	json_object_object_add(o, "last_port", json_object_new_int(e->last_port));
	/* Numbered from 1, as stats and log number the rules. */
	json_object_object_add(o, "last_rule", json_object_new_int(e->last_rule + 1));
	return o;
}

void pc_top_print_json(FILE *out, const struct pc_top_view *v)
{
	const struct pc_offender_list *l = v->list;
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < v->shown; i++)
		json_object_array_add(arr, offender_json(l, &l->v[i]));
	json_object_object_add(root, "offenders", arr);
	json_object_object_add(root, "matched", json_object_new_int64(v->matched));
	json_object_object_add(root, "tracked", json_object_new_int64(v->tracked));
	json_object_object_add(root, "capacity", json_object_new_int64(l->capacity));
	json_object_object_add(root, "capacity_per_cpu", json_object_new_int64(l->per_cpu));
	pc_json_add_time(root, "time", l->realtime_ns);
	pc_json_print(out, root, true);
}
