// SPDX-License-Identifier: GPL-2.0
#include "clock.h"
#include "json_output.h"
#include "table_output.h"

void pc_live_until_format(char *buf, size_t size, __u64 expires_ns)
{
	char when[32];

	if (!expires_ns) {
		snprintf(buf, size, "until deleted");
		return;
	}
	pc_format_time(when, sizeof(when), expires_ns);
	snprintf(buf, size, "until %s", when);
}

void pc_table_print_list(FILE *out, const struct pc_table_show *t)
{
	char addr[64], when[32];
	size_t i, live = 0;

	for (i = 0; i < t->n; i++)
		live += t->v[i].live;
	fprintf(out, "table <%s>: %zu entr%s, %zu from the policy file, %zu live\n", t->name, t->n,
		t->n == 1 ? "y" : "ies", t->n - live, live);
	if (!t->n)
		return;
	fprintf(out, "%-44s %-6s %s\n", "ADDRESS", "SOURCE", "EXPIRES");
	for (i = 0; i < t->n; i++) {
		const struct pc_table_entry *e = &t->v[i];

		pc_prefix_format(addr, sizeof(addr), &e->prefix);
		if (e->expires_ns)
			pc_format_time(when, sizeof(when), e->expires_ns);
		fprintf(out, "%-44s %-6s %s\n", addr, e->live ? "live" : "file",
			e->expires_ns ? when : e->live ? "never (until deleted)" : "never");
	}
}

void pc_table_print_json(FILE *out, const struct pc_table_show *t)
{
	json_object *root = json_object_new_object(), *entries = json_object_new_array();
	char addr[64];
	size_t i;

	json_object_object_add(root, "table", json_object_new_string(t->name));
	json_object_object_add(root, "generation", json_object_new_int64(t->generation));
	pc_json_add_time(root, "snapshot_at", pc_realtime_ns());
	for (i = 0; i < t->n; i++) {
		const struct pc_table_entry *e = &t->v[i];
		json_object *o = json_object_new_object();

		pc_prefix_format(addr, sizeof(addr), &e->prefix);
		json_object_object_add(o, "address", json_object_new_string(addr));
		json_object_object_add(o, "family", json_object_new_int(e->prefix.family));
		json_object_object_add(o, "source", json_object_new_string(e->live ? "live" : "file"));
		if (e->expires_ns)
			pc_json_add_time(o, "expires", e->expires_ns);
		else
			json_object_object_add(o, "expires", NULL);
		if (e->added_ns)
			pc_json_add_time(o, "added", e->added_ns);
		else
			json_object_object_add(o, "added", NULL);
		json_object_array_add(entries, o);
	}
	json_object_object_add(root, "entries", entries);
	pc_json_print(out, root, true);
}
