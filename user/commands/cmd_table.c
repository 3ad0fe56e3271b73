// SPDX-License-Identifier: GPL-2.0
/*
 * portcullis table NAME add|delete|show [ADDR...] [--ttl DURATION] [--json]
 *
 * Live entries of a table in force: kept in pc_live (live_map.h), and put
 * in force by building a new generation of the policy in force, read back
 * from the maps as `rules` reads it, with the live entries not yet lapsed,
 * switched in as apply switches (pc_load_generation,
 * pc_maps_apply_generation), under the lock. A timed entry lapses in the
 * kernel by itself (struct pc_leaf); the next edit or apply sweeps it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include "commands.h"
#include "generation.h"
#include "growable_array.h"
#include "live_map.h"
#include "rules_file.h"
#include "table_output.h"

struct table_config {
	const char *ttl;
	bool json;
};

static const struct pc_option table_options[] = {
	PC_OPT_STRING(struct table_config, ttl, "ttl", "DURATION",
		      "add: the entries lapse after DURATION, a number and s, m, h\n"
		      "or d (30s, 15m, 24h, 7d); without it they last until deleted"),
	PC_OPT_FLAG(struct table_config, json, "json", 0, "show: machine-readable output"),
	{ 0 },
};

enum table_action { TABLE_ADD, TABLE_DELETE, TABLE_SHOW };

/* A TTL beyond this is surely a mistake, and keeps until within 32 bits. */
#define MAX_TTL_S (10ULL * 366 * 86400)

/* "30s", "15m", "24h", "7d" -> seconds; -1 if it is none of those. */
static long long parse_duration(const char *s)
{
	static const struct { char unit; unsigned secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long long n = 0;
	const char *p = s;
	size_t i;

	for (; *p >= '0' && *p <= '9' && n <= MAX_TTL_S; p++)
		n = n * 10 + (*p - '0');
	if (p == s || !p[0] || p[1])
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*p == units[i].unit)
			return n && n <= MAX_TTL_S / units[i].secs ? (long long)(n * units[i].secs) : -1;
	return -1;
}

/* One address or prefix, by the rules language itself, so that its syntax
 * and checks (host bits, IPv4-mapped) are the same; the reason is said. */
static int parse_addr(const char *text, struct pc_prefix *out)
{
	struct pc_policy p = { 0 };
	struct pc_diag d = { .errors_only = true };
	char src[128];
	size_t i;
	int ok;

	ok = text[0] && strlen(text) < 64 && strspn(text, "0123456789abcdefABCDEF.:/") == strlen(text);
	if (ok) {
		snprintf(src, sizeof(src), "table <t> { %s }\n", text);
		ok = !pc_policy_parse_string(text, src, &p, &d) && p.ntables == 1 &&
		     p.tables[0].prefixes.n == 1;
	}
	if (ok)
		*out = p.tables[0].prefixes.v[0];
	else if (!d.list.n)
		pr_warn("invalid address '%s'; expected an IPv4 or IPv6 address or prefix\n", text);
	for (i = 0; i < d.list.n; i++)
		if (d.list.v[i].kind == PC_DIAG_ERROR)
			pr_warn("%s\n", d.list.v[i].text);
	pc_diag_free(&d);
	pc_policy_free(&p);
	return ok ? 0 : -1;
}

/* The table named so in the policy in force, or NULL after saying so. */
static const struct pc_table *find_table(const struct pc_policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ntables; i++)
		if (!strcmp(p->tables[i].name, name))
			return &p->tables[i];
	if (!p->ntables) {
		pr_warn("no table <%s>: the policy in force has no tables\n", name);
		return NULL;
	}
	pr_warn("no table <%s> in the policy in force; its tables:", name);
	for (i = 0; i < p->ntables; i++)
		fprintf(stderr, " <%s>", p->tables[i].name);
	fprintf(stderr, "\n");
	return NULL;
}

static int prefix_cmp(const void *a, const void *b)
{
	return pc_prefix_cmp(a, b);
}

static bool file_member(const struct pc_table *t, const struct pc_prefix *pfx)
{
	return t->prefixes.n &&
	       bsearch(pfx, t->prefixes.v, t->prefixes.n, sizeof(*pfx), prefix_cmp) != NULL;
}

/* The policy in force, its tables' members included, and its table t. */
static int read_in_force(const struct pc_loaded *l, struct pc_policy *p, const char *name,
			 const struct pc_table **t)
{
	int err = pc_maps_read_policy(&l->maps, p, PC_READ_TABLE_MEMBERS);

	if (err == -ENOENT)
		pr_warn("no policy in force (run 'portcullis apply' first)\n");
	else if (err)
		pr_warn("read the policy from the kernel: %s\n", strerror(-err));
	if (err)
		return -1;
	*t = find_table(p, name);
	return *t ? 0 : -1;
}

/* The edit of the live list that the command asks for; what it says
 * when it cannot be made. */
static int edit_list(struct pc_live_list *live, const struct pc_table *t, enum table_action act,
		     const struct pc_prefix *addrs, int n, long long ttl, __u32 now)
{
	/* live as read, sorted, for pc_live_find: what this edit adds goes
	 * after it, an address given twice twice, until pc_live_sort_unique */
	struct pc_live_list read = *live;
	struct pc_live_entry *e;
	char text[64];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct pc_live_key k = pc_live_key_of(t->name, &addrs[i]);
		/* now is rounded down: + 1, so that the entry lasts ttl at least. */
		struct pc_live_val v = { .until = ttl ? now + 1 + ttl : 0,
					 .added_ns = pc_realtime_ns() };

		pc_prefix_format(text, sizeof(text), &addrs[i]);
		read.v = live->v; /* pc_array_push may move it */
		e = pc_live_find(&read, &k);
		if (file_member(t, &addrs[i])) {
			pr_warn("%s is in <%s> from the policy file%s\n", text, t->name,
				act == TABLE_ADD ? " already" :
						   ", not a live entry: edit the file and apply it");
			bad++;
		} else if (act == TABLE_ADD && e) {
			e->val = v; /* a new TTL, or a lapsed entry back */
		} else if (act == TABLE_ADD) {
			if (live->n >= PC_MAX_LIVE || pc_array_push(live, ((struct pc_live_entry){ k, v }))) {
				pr_warn("%s: no room for more live entries (the limit is %d)\n", text,
					PC_MAX_LIVE);
				bad++;
			}
		} else if (!e || pc_live_lapsed(&e->val, now)) {
			pr_warn("%s is not a live entry of <%s>\n", text, t->name);
			bad++;
		} else {
			e->val.until = now; /* lapsed: left out of the generation */
		}
	}
	pc_live_sort_unique(live);
	return bad ? -1 : 0;
}

/* Put the policy in force with the live entries of live (pc_live as it
 * was, edited), the kept ones staged first for the generation's slot
 * (pc_live_stage), so that the switch puts both in force at once and the
 * lapsed, deleted and tableless ones are swept, as apply sweeps them. */
static int switch_to(const struct pc_loaded *l, const struct pc_policy *p,
		     const struct pc_live_list *live, __u32 now, const char *label)
{
	struct pc_generation g = PC_GENERATION_INIT;
	struct pc_compiled c = { 0 };
	struct pc_diag d = { 0 };
	int applied = -1, err = 0;

	if (pc_compile(p, &c, &d, 0)) {
		pc_diag_print(stderr, &d);
		pr_warn("%s: the policy in force does not compile again; nothing changed\n", label);
		goto out;
	}
	if (pc_compiled_set_live(&c, live, now) || pc_load_generation(label, &c, &g))
		goto out;
	err = pc_live_stage(&l->maps, live, &c, now);
	if (err) {
		pr_warn("%s: recording the live entries: %s; the policy in force is unchanged\n",
			label, strerror(-err));
		goto out;
	}
	applied = pc_maps_apply_generation(&l->maps, &c, &g);
	if (applied < 0)
		pr_warn("%s: %s; the policy in force is unchanged\n", label, strerror(-applied));
out:
	pc_diag_free(&d);
	pc_generation_free(&g);
	pc_compiled_free(&c);
	return applied < 0 || err ? -1 : 0;
}

static void report(const struct pc_loaded *l, const struct pc_live_list *live, const char *name,
		   enum table_action act, const struct pc_prefix *addrs, int n)
{
	struct pc_policy_hdr hdr;
	char text[64], until[48];
	__u32 slot;
	int i;

	for (i = 0; i < n; i++) {
		struct pc_live_key k = pc_live_key_of(name, &addrs[i]);
		const struct pc_live_entry *e = pc_live_find(live, &k);

		pc_prefix_format(text, sizeof(text), &addrs[i]);
		if (act == TABLE_DELETE) {
			pr_info("deleted %s from <%s>\n", text, name);
			continue;
		}
		pc_live_until_format(until, sizeof(until), e ? pc_live_expires_ns(&e->val) : 0);
		pr_info("added %s to <%s>, %s\n", text, name, until);
	}
	if (!pc_maps_active(&l->maps, &slot, &hdr))
		pr_info("generation %llu in force\n", (unsigned long long)hdr.generation);
}

static int run_edit(const struct pc_cli *cli, const char *name, enum table_action act,
		    const struct pc_prefix *addrs, int n, long long ttl)
{
	struct pc_live_list live = { 0 };
	struct pc_loaded l = PC_LOADED_INIT;
	struct pc_policy p = { 0 };
	const struct pc_table *t;
	char label[64];
	int lock, ret, err;
	__u32 now;

	ret = pc_open_locked(cli, &l, LOCK_EX, &lock);
	if (ret)
		return ret;
	ret = PC_EXIT_FAIL;
	now = pc_boottime_s();
	if (read_in_force(&l, &p, name, &t))
		goto out;
	err = pc_live_read(&l.maps, &live);
	if (err) {
		pr_warn("read the live table entries: %s\n", strerror(-err));
		goto out;
	}
	snprintf(label, sizeof(label), "table <%s>", name);
	if (!edit_list(&live, t, act, addrs, n, ttl, now) &&
	    !switch_to(&l, &p, &live, now, label)) {
		report(&l, &live, name, act, addrs, n);
		ret = PC_EXIT_OK;
	}
out:
	pc_live_free(&live);
	pc_policy_free(&p);
	pc_close_locked(&l, lock);
	return ret;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct pc_table_entry *x = a, *y = b;
	int c = pc_prefix_cmp(&x->prefix, &y->prefix);

	return c ? c : x->live - y->live;
}

static int run_show(const struct pc_cli *cli, const char *name, bool json)
{
	struct pc_live_list live = { 0 };
	struct pc_loaded l = PC_LOADED_INIT;
	struct pc_table_show show = { .name = name };
	struct pc_policy_hdr hdr;
	struct pc_policy p = { 0 };
	const struct pc_table *t;
	int lock, ret, err = 0;
	__u32 now, slot;
	size_t i;

	ret = pc_open_locked(cli, &l, LOCK_SH, &lock);
	if (ret)
		return ret;
	ret = PC_EXIT_FAIL;
	now = pc_boottime_s();
	if (read_in_force(&l, &p, name, &t) || pc_maps_active(&l.maps, &slot, &hdr))
		goto out;
	show.generation = hdr.generation;
	for (i = 0; !err && i < t->prefixes.n; i++)
		if (pc_array_push(&show, ((struct pc_table_entry){ .prefix = t->prefixes.v[i] })))
			err = -ENOMEM;
	if (!err)
		err = pc_live_read(&l.maps, &live);
	for (i = 0; !err && i < live.n; i++) {
		const struct pc_live_entry *e = &live.v[i];

		if (strncmp(e->key.table, name, PC_NAME_MAX) || pc_live_lapsed(&e->val, now))
			continue;
		if (pc_array_push(&show, ((struct pc_table_entry){
			    .prefix = pc_live_prefix(&e->key), .live = true,
			    .expires_ns = pc_live_expires_ns(&e->val),
			    .added_ns = e->val.added_ns })))
			err = -ENOMEM;
	}
	if (err) {
		pr_warn("read the entries of <%s>: %s\n", name, strerror(-err));
		goto out;
	}
	if (show.n)
		qsort(show.v, show.n, sizeof(*show.v), entry_cmp);
	if (json)
		pc_table_print_json(stdout, &show);
	else
		pc_table_print_list(stdout, &show);
	ret = PC_EXIT_OK;
out:
	free(show.v);
	pc_live_free(&live);
	pc_policy_free(&p);
	pc_close_locked(&l, lock);
	return ret;
}

/* "exempt" or "<exempt>" -> "exempt"; NULL if it cannot be a table name. */
static const char *table_name(const char *arg, char *buf, size_t size)
{
	size_t len = strlen(arg);

	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		arg++;
		len -= 2;
	}
	if (!len || len > PC_NAME_MAX || len >= size)
		return NULL;
	memcpy(buf, arg, len);
	buf[len] = '\0';
	return buf;
}

static int run_table(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	static const char *const actions[] = { [TABLE_ADD] = "add", [TABLE_DELETE] = "delete",
						[TABLE_SHOW] = "show" };
	const int nactions = sizeof(actions) / sizeof(actions[0]);
	const struct table_config *cfg = config;
	char name[PC_NAME_MAX + 1];
	struct pc_prefix *addrs;
	long long ttl = 0;
	int act, i, bad = 0, ret;

	if (!table_name(argv[0], name, sizeof(name)))
		return pc_usage_error(&pc_cmd_table, "a table name is 1 to 31 characters, with or without <>");
	for (act = 0; act < nactions && strcmp(argv[1], actions[act]); act++)
		;
	if (act == nactions)
		return pc_usage_error(&pc_cmd_table, "the action is add, delete or show");
	if (act == TABLE_SHOW && argc > 2)
		return pc_usage_error(&pc_cmd_table, "show takes no address");
	if (act != TABLE_SHOW && argc < 3)
		return pc_usage_error(&pc_cmd_table, "add and delete take one address or more");
	if (cfg->ttl && act != TABLE_ADD)
		return pc_usage_error(&pc_cmd_table, "--ttl goes with add only");
	if (cfg->json && act != TABLE_SHOW)
		return pc_usage_error(&pc_cmd_table, "--json goes with show only");
	if (cfg->ttl && (ttl = parse_duration(cfg->ttl)) < 0) {
		pr_warn("invalid duration '%s'; expected a number and s, m, h or d (30s, 15m, 24h, 7d), at most 10 years\n",
			cfg->ttl);
		return PC_EXIT_USAGE;
	}
	if (act == TABLE_SHOW)
		return run_show(cli, name, cfg->json);
	addrs = calloc(argc - 2, sizeof(*addrs));
	if (!addrs)
		return PC_EXIT_FAIL;
	for (i = 2; i < argc; i++)
		bad += parse_addr(argv[i], &addrs[i - 2]) < 0;
	ret = bad ? PC_EXIT_USAGE : run_edit(cli, name, act, addrs, argc - 2, ttl);
	free(addrs);
	return ret;
}

const struct pc_command pc_cmd_table = {
	.name = "table",
	.summary = "edit a table in force: live entries, with a TTL or without",
	.operands = "NAME add|delete|show [ADDR...]",
	.min_operands = 2,
	.max_operands = -1,
	.description =
		"add puts addresses or prefixes in the table NAME (with or without <>)\n"
		"of the policy in force at once, without an apply; with --ttl they lapse by\n"
		"themselves, in the kernel, with no daemon. Adding an entry again sets its\n"
		"TTL anew. delete ends live entries early; the file's entries change only\n"
		"by apply. show lists every entry, from the file and live, with its expiry.\n"
		"An apply that keeps a table of that name keeps its live entries that have\n"
		"not lapsed; one that drops the table drops them. Each edit builds and\n"
		"switches a new generation, as apply does: about 0.1 s for a small policy,\n"
		"2 s with a million prefixes.\n",
	.options = table_options,
	.config_size = sizeof(struct table_config),
	.run = run_table,
};
