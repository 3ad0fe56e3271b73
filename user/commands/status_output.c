// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "attach.h"
#include "clock.h"
#include "json_output.h"
#include "log.h"
#include "policy.h"
#include "status_output.h"

/* Where an attachment lives, when not in status's own namespace. */
static void format_where(char *buf, size_t size, const struct pc_status *s,
			 const struct pc_status_attachment *a)
{
	if (a->key.netns == s->netns)
		buf[0] = '\0';
	else if (a->netns_name[0])
		snprintf(buf, size, " in netns %s", a->netns_name);
	else
		snprintf(buf, size, " in netns net:[%llu]", (unsigned long long)a->val.netns_ino);
}

static const char *liveness(int live)
{
	return live > 0 ? "" :
	       live < 0 ? " (its network namespace is gone, or out of reach)" :
			  " (GONE: run 'portcullis detach' on it)";
}

/* How an XDP attachment runs: in libxdp's dispatcher, at its priority,
 * or alone through its own link. */
static void format_mode(char *buf, size_t size, const struct pc_status_attachment *a)
{
	const char *mode = pc_attach_mode_name(&a->key, &a->val);

	if (!strcmp(mode, "dispatcher"))
		snprintf(buf, size, " via libxdp's dispatcher (priority %d)", PC_XDP_RUN_PRIO);
	else if (!strcmp(mode, "link"))
		snprintf(buf, size, " via its own link");
	else
		buf[0] = '\0';
}

void pc_status_print_table(FILE *out, const struct pc_status *s)
{
	const struct pc_policy_hdr *h = &s->hdr;
	char applied[32], since[32], where[300], mode[64];
	int i;

	pc_format_time(applied, sizeof(applied), h->applied_ns);
	fprintf(out, "pin dir     %s\n", s->pin_dir);
	fprintf(out, "programs    xdp id %u, tc id %u\n", s->xdp_prog_id, s->tc_prog_id);
	fprintf(out, "policy      generation %llu, applied %s\n", (unsigned long long)h->generation,
		applied);
	fprintf(out, "            %u rule%s, %u table%s, %u prefix entr%s, malformed packets: %s\n",
		h->nrules, pc_plural(h->nrules, "", "s"), s->tables, pc_plural(s->tables, "", "s"),
		h->nprefixes, pc_plural(h->nprefixes, "y", "ies"), pc_action_name(h->malformed));
	if (!s->natt)
		fprintf(out, "attached    nowhere\n");
	for (i = 0; i < s->natt; i++) {
		const struct pc_status_attachment *a = &s->att[i];

		format_where(where, sizeof(where), s, a);
		pc_format_time(since, sizeof(since), a->val.attached_ns);
		format_mode(mode, sizeof(mode), a);
		fprintf(out, "%-11s %s%s (ifindex %u) %s%s, program %u, since %s%s\n",
			i ? "" : "attached", a->val.ifname, where, a->key.ifindex,
			pc_hook_name(a->key.hook), mode, a->val.prog_id, since, liveness(a->live));
	}
}

static json_object *attachment_json(const struct pc_status_attachment *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "interface", json_object_new_string(a->val.ifname));
	json_object_object_add(o, "ifindex", json_object_new_int64(a->key.ifindex));
	json_object_object_add(o, "hook", json_object_new_string(pc_hook_name(a->key.hook)));
	json_object_object_add(o, "mode",
			       json_object_new_string(pc_attach_mode_name(&a->key, &a->val)));
	json_object_object_add(o, "program_id", json_object_new_int64(a->val.prog_id));
	pc_json_add_time(o, "attached_at", a->val.attached_ns);
	json_object_object_add(o, "netns", json_object_new_uint64(a->val.netns_ino));
	json_object_object_add(o, "netns_cookie", json_object_new_uint64(a->key.netns));
	if (a->netns_name[0])
		json_object_object_add(o, "netns_name", json_object_new_string(a->netns_name));
	json_object_object_add(o, "live", a->live < 0 ? NULL : json_object_new_boolean(a->live));
	return o;
}

void pc_status_print_json(FILE *out, const struct pc_status *s)
{
	const struct pc_policy_hdr *h = &s->hdr;
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	json_object *progs = json_object_new_object();
	int i;

	json_object_object_add(root, "pin_dir", json_object_new_string(s->pin_dir));
	json_object_object_add(progs, "xdp", json_object_new_int64(s->xdp_prog_id));
	json_object_object_add(progs, "tc", json_object_new_int64(s->tc_prog_id));
	json_object_object_add(root, "programs", progs);
	json_object_object_add(root, "generation", json_object_new_uint64(h->generation));
	pc_json_add_time(root, "applied_at", h->applied_ns);
	json_object_object_add(root, "rules", json_object_new_int64(h->nrules));
	json_object_object_add(root, "tables", json_object_new_int64(s->tables));
	json_object_object_add(root, "prefixes", json_object_new_int64(h->nprefixes));
	json_object_object_add(root, "malformed", json_object_new_string(pc_action_name(h->malformed)));
	for (i = 0; i < s->natt; i++)
		json_object_array_add(arr, attachment_json(&s->att[i]));
	json_object_object_add(root, "attachments", arr);
	pc_json_print(out, root, true);
}
