// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/file.h>
#include <json-c/json.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "commands.h"
#include "netns.h"

static const char usage_text[] =
	"Usage: portcullis status [--json]\n"
	"\n"
	"What is attached where and on which hook, the program ids, and the\n"
	"policy in force: its generation, rules, tables and prefix entries.\n";

static __u32 count_tables(const struct pc_loaded *l, __u32 slot, __u32 nsets)
{
	struct pc_set set;
	__u32 i, n = 0, key;

	for (i = 0; i < nsets; i++) {
		key = slot * PC_MAX_SETS + i;
		if (!bpf_map_lookup_elem(l->maps.sets, &key, &set) && (set.flags & PC_SET_TABLE))
			n++;
	}
	return n;
}

int do_status(const struct pc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct pc_attach_key keys[PC_MAX_ATTACH];
	struct pc_attach_val vals[PC_MAX_ATTACH];
	struct pc_loaded l = { .skel = NULL };
	struct pc_policy_hdr hdr;
	char applied[32], since[32];
	int c, lock, ret, n, i, err, live;
	__u64 netns = pc_current_netns();
	bool json = false;
	__u32 slot, tables;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			return pc_usage(usage_text, false);
		default:
			return pc_usage(usage_text, true);
		}
	}
	if (optind != argc)
		return pc_usage(usage_text, true);
	ret = pc_open_locked(cli, &l, LOCK_SH, &lock);
	if (ret)
		return ret;
	err = pc_maps_active(&l.maps, &slot, &hdr);
	if (err) {
		pr_warn("read the policy header: %s\n", strerror(-err));
		ret = PC_EXIT_FAIL;
		goto out;
	}
	tables = count_tables(&l, slot, hdr.nsets);
	pc_format_time(applied, sizeof(applied), hdr.applied_ns);
	n = pc_attachments(&l, keys, vals, PC_MAX_ATTACH);

	if (json) {
		json_object *root = json_object_new_object(), *arr = json_object_new_array();
		json_object *progs = json_object_new_object();

		json_object_object_add(root, "pin_dir", json_object_new_string(cli->pin_dir));
		json_object_object_add(progs, "xdp", json_object_new_int64(pc_prog_id(l.xdp_fd)));
		json_object_object_add(progs, "tc", json_object_new_int64(pc_prog_id(l.tc_fd)));
		json_object_object_add(root, "programs", progs);
		json_object_object_add(root, "generation", json_object_new_uint64(hdr.generation));
		json_object_object_add(root, "applied_at", json_object_new_string(applied));
		json_object_object_add(root, "rules", json_object_new_int64(hdr.nrules));
		json_object_object_add(root, "tables", json_object_new_int64(tables));
		json_object_object_add(root, "prefixes", json_object_new_int64(hdr.nprefixes));
		json_object_object_add(root, "malformed",
				       json_object_new_string(pc_action_name(hdr.malformed)));
		for (i = 0; i < n; i++) {
			json_object *o = json_object_new_object();
			char name[256];

			pc_format_time(since, sizeof(since), vals[i].attached_ns);
			json_object_object_add(o, "interface", json_object_new_string(vals[i].ifname));
			json_object_object_add(o, "ifindex", json_object_new_int64(keys[i].ifindex));
			json_object_object_add(o, "hook", json_object_new_string(pc_hook_name(keys[i].hook)));
			json_object_object_add(o, "program_id", json_object_new_int64(vals[i].prog_id));
			json_object_object_add(o, "attached_at", json_object_new_string(since));
			live = pc_attachment_live(&l, &keys[i], &vals[i]);
			json_object_object_add(o, "netns", json_object_new_uint64(vals[i].netns_ino));
			json_object_object_add(o, "netns_cookie", json_object_new_uint64(keys[i].netns));
			if (!pc_netns_name(vals[i].netns_ino, name, sizeof(name)))
				json_object_object_add(o, "netns_name", json_object_new_string(name));
			json_object_object_add(o, "live", live < 0 ? NULL : json_object_new_boolean(live));
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, "attachments", arr);
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
									    JSON_C_TO_STRING_SPACED |
									    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
		goto out;
	}
	printf("pin dir     %s\n", cli->pin_dir);
	printf("programs    xdp id %u, tc id %u\n", pc_prog_id(l.xdp_fd), pc_prog_id(l.tc_fd));
	printf("policy      generation %llu, applied %s\n", (unsigned long long)hdr.generation,
	       applied);
	printf("            %u rule%s, %u table%s, %u prefix entr%s, malformed packets: %s\n",
	       hdr.nrules, pc_plural(hdr.nrules, "", "s"), tables, pc_plural(tables, "", "s"), hdr.nprefixes,
	       pc_plural(hdr.nprefixes, "y", "ies"), pc_action_name(hdr.malformed));
	if (!n)
		printf("attached    nowhere\n");
	for (i = 0; i < n; i++) {
		char where[300] = "", name[256];

		if (keys[i].netns != netns && !pc_netns_name(vals[i].netns_ino, name, sizeof(name)))
			snprintf(where, sizeof(where), " in netns %s", name);
		else if (keys[i].netns != netns)
			snprintf(where, sizeof(where), " in netns net:[%llu]",
				 (unsigned long long)vals[i].netns_ino);
		live = pc_attachment_live(&l, &keys[i], &vals[i]);
		pc_format_time(since, sizeof(since), vals[i].attached_ns);
		printf("%-11s %s%s (ifindex %u) %s, program %u, since %s%s\n", i ? "" : "attached",
		       vals[i].ifname, where, keys[i].ifindex, pc_hook_name(keys[i].hook),
		       vals[i].prog_id, since,
		       live > 0 ? "" : live < 0 ? " (its network namespace is gone, or out of reach)" :
				      " (GONE: run 'portcullis detach' on it)");
	}
out:
	pc_loaded_close(&l);
	pc_pin_dir_unlock(lock);
	return ret;
}
