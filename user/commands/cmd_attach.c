// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include "attach.h"
#include "commands.h"
#include "generation.h"
#include "live_map.h"
#include "progress.h"
#include "rules_file.h"

struct attach_config {
	int hook; /* enum pc_hook; 0 is PC_HOOK_XDP, the default */
	int xdp_mode; /* enum pc_xdp_mode; 0 is PC_XDP_MODE_AUTO */
	const char *rules;
	long limit_sources; /* 0: PC_LIMIT_SOURCES */
	long reply_sources; /* 0: PC_REPLY_SOURCES */
	long offender_sources; /* 0: PC_OFFENDER_SOURCES */
	long event_sources; /* 0: PC_EVENT_SOURCES */
};

static const struct pc_option attach_options[] = {
	PC_OPT_ENUM(struct attach_config, hook, "hook", "HOOK", pc_hook_names, PC_NHOOK,
		    "xdp (default: native XDP, packets arriving on IFACE),\n"
		    "xdp-generic (XDP in the stack, any driver),\n"
		    "tc-egress (packets leaving IFACE, e.g. from this host),\n"
		    "tc-ingress (packets arriving on IFACE)"),
	PC_OPT_ENUM(struct attach_config, xdp_mode, "xdp-mode", "MODE", pc_xdp_mode_names,
		    PC_NXDP_MODE,
		    "how the XDP hooks attach: auto (default: dispatcher,\n"
		    "or link when libxdp cannot load its dispatcher),\n"
		    "dispatcher (libxdp's, shared with other XDP programs),\n"
		    "link (portcullis's own bpf_link, alone on IFACE)"),
	PC_OPT_STRING(struct attach_config, rules, "rules", "FILE", "the policy to put in force"),
	PC_OPT_INTEGER(struct attach_config, limit_sources, "limit-sources", "N", 1, 1 << 24,
		       "sources that limit rules track, least recent out\n"
		       "(default 32768, about 100 bytes each); set at the first load"),
	PC_OPT_INTEGER(struct attach_config, reply_sources, "reply-sources", "N", 1, 1 << 24,
		       "sources whose answers to rejected packets are limited\n"
		       "(default 32768, about 100 bytes each); set at the first load"),
	PC_OPT_INTEGER(struct attach_config, offender_sources, "offender-sources", "N", 1, 1 << 24,
		       "sources of blocked, rejected or limited attempts that\n"
		       "each CPU keeps for portcullis top, least recent out\n"
		       "(default 8192, rounded up to a power of two; 72 bytes\n"
		       "each on each CPU); set at the first load"),
	PC_OPT_INTEGER(struct attach_config, event_sources, "event-sources", "N", 1, 1 << 24,
		       "sources whose logged attempts are limited to one event\n"
		       "a second (default 8192, about 100 bytes each); set at\n"
		       "the first load"),
	{ 0 },
};

/* One attach command at work. */
struct attach_run {
	const struct pc_cli *cli;
	const struct attach_config *cfg;
	struct pc_loaded l;
	struct pc_policy policy;
	struct pc_compiled compiled; /* no ports: nothing to put in force */
	struct pc_generation gen;    /* built before the lock, for --rules */
	__u64 built;                 /* the digest gen was built for; 0: none */
	int lock;
	bool created; /* this command loaded the programs */
};

/* Put the compiled policy, if any, in force; the one in force already is
 * left alone, counters and all. *applied: what pc_maps_apply() said, or -1
 * when there was nothing to put in force. */
static int put_in_force(struct attach_run *r, int *applied)
{
	struct pc_live_list live = { 0 };
	__u32 now = pc_boottime_s();
	int err;

	*applied = -1;
	if (!r->compiled.ports)
		return 0;
	/* The live entries of the tables it keeps join the policy; gen, built
	 * without them, serves only when there are none. */
	err = pc_carry_live(&r->l.maps, &r->compiled, &live, now);
	if (!err) {
		err = pc_live_stage(&r->l.maps, &live, &r->compiled, now);
		if (err)
			pr_warn("put the policy in force: recording the live table entries: %s\n",
				strerror(-err));
	}
	if (err) {
		pc_live_free(&live);
		return err;
	}
	pc_progress_begin("putting the policy in force", "prefixes", r->compiled.nprefixes);
	*applied = r->built == r->compiled.hdr.digest ?
			   pc_maps_apply_generation(&r->l.maps, &r->compiled, &r->gen) :
			   pc_maps_apply(&r->l.maps, &r->compiled);
	pc_progress_end();
	pc_live_free(&live);
	if (*applied < 0) {
		pr_warn("put the policy in force: %s\n", strerror(-*applied));
		return *applied;
	}
	return 0;
}

/* Said once everything is attached: a failed attach undoes it all. */
static void say_in_force(const struct attach_run *r, int applied)
{
	const char *rules = r->cfg->rules;
	char what[4096];

	if (applied < 0)
		return;
	if (rules)
		snprintf(what, sizeof(what), "policy %s", pc_rules_file_name(rules));
	else
		snprintf(what, sizeof(what), "the built-in default policy");
	pr_info("%s is in force%s\n", what, applied == PC_APPLY_UNCHANGED ? " already" : "");
}

static int check_interfaces(int n, char **names)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!if_nametoindex(names[i])) {
			pr_warn("no such interface '%s'\n", names[i]);
			return -ENODEV;
		}
	}
	return 0;
}

/* Maps are loaded once: a size asked of a load that is there already
 * cannot be had without detaching everything first. */
static void say_sizes_kept(const struct attach_run *r)
{
	struct pc_map_sizes have;

	pc_loaded_sizes(&r->l, &have);
	if (r->cfg->limit_sources && (__u32)r->cfg->limit_sources != have.limit_sources)
		pr_warn("--limit-sources %ld: the maps are loaded already; keeping %u sources (detach --all to change it)\n",
			r->cfg->limit_sources, have.limit_sources);
	if (r->cfg->reply_sources && (__u32)r->cfg->reply_sources != have.reply_sources)
		pr_warn("--reply-sources %ld: the maps are loaded already; keeping %u sources (detach --all to change it)\n",
			r->cfg->reply_sources, have.reply_sources);
	if (r->cfg->offender_sources &&
	    pc_offender_sources_rounded(r->cfg->offender_sources) != have.offender_sources)
		pr_warn("--offender-sources %ld: the maps are loaded already; keeping %u sources a CPU (detach --all to change it)\n",
			r->cfg->offender_sources, have.offender_sources);
	if (r->cfg->event_sources && (__u32)r->cfg->event_sources != have.event_sources)
		pr_warn("--event-sources %ld: the maps are loaded already; keeping %u sources (detach --all to change it)\n",
			r->cfg->event_sources, have.event_sources);
}

/* Lock the pin directory (made if need be) and load the programs, or open
 * those loaded already. */
static int load_locked(struct attach_run *r)
{
	struct pc_map_sizes sizes = { .limit_sources = r->cfg->limit_sources,
				      .reply_sources = r->cfg->reply_sources,
				      .offender_sources = r->cfg->offender_sources,
				      .event_sources = r->cfg->event_sources };
	const char *dir = r->cli->pin_dir;
	char label[128];
	int err;

	snprintf(label, sizeof(label), "waiting for the lock on %s", dir);
	pc_progress_begin(label, NULL, 0);
	r->lock = pc_pin_dir_lock(dir, LOCK_EX, true);
	pc_progress_end();
	if (r->lock < 0) {
		if (r->lock != -EXDEV) /* said why already */
			pr_warn("pin directory %s: %s\n", dir, strerror(-r->lock));
		return r->lock;
	}
	err = pc_load_pinned_sized(&r->l, dir, &sizes, &r->created);
	if (!err && !r->created)
		say_sizes_kept(r);
	if (err == -ESTALE)
		pc_warn_pins(dir, err);
	else if (err)
		pr_warn("load the BPF programs: %s (run with -v for libbpf's messages)\n",
			strerror(-err));
	return err;
}

/* Attach to every interface and put the policy in force. A program must
 * never run without a policy: a first policy goes in before anything is
 * attached. A new one for a running load goes in after, so that a failed
 * attach leaves the old one in force. fresh gets the interfaces that this
 * command attached to, for undoing them. */
static int attach_and_apply(struct attach_run *r, bool first, int n, char **names, char **fresh,
			    int *nfresh)
{
	int hook = r->cfg->hook, i, err = 0, applied = -1;
	bool already;

	if (first)
		err = put_in_force(r, &applied);
	for (i = 0; !err && i < n; i++) {
		err = pc_attach_one(&r->l, r->cli->pin_dir, names[i], hook, r->cfg->xdp_mode,
				    &already);
		if (err)
			break;
		if (!already)
			fresh[(*nfresh)++] = names[i];
		pr_info("%s %s on %s\n", already ? "already attached:" : "attached",
			pc_hook_name(hook), names[i]);
	}
	if (!err && !first)
		err = put_in_force(r, &applied);
	if (!err)
		say_in_force(r, applied);
	return err;
}

/* All or nothing: undo what this command attached before it failed. */
static void undo(const struct attach_run *r, char **fresh, int nfresh)
{
	int i;

	for (i = 0; i < nfresh; i++) {
		pc_detach_hook(&r->l, r->cli->pin_dir, if_nametoindex(fresh[i]), r->cfg->hook);
		pr_info("undone: %s on %s\n", pc_hook_name(r->cfg->hook), fresh[i]);
	}
}

/* Load, choose the policy, attach. Returns an exit status; *nfresh says
 * how many interfaces are attached fresh when it succeeds. */
static int attach_locked(struct attach_run *r, int argc, char **argv, char **fresh, int *nfresh)
{
	struct pc_policy_hdr hdr;
	__u32 slot;
	int err;

	if (load_locked(r))
		return PC_EXIT_FAIL;
	err = pc_maps_active(&r->l.maps, &slot, &hdr);
	if (err) {
		pr_warn("read the policy in force: %s\n", strerror(-err));
		return PC_EXIT_FAIL;
	}
	if (!r->cfg->rules && !hdr.generation && pc_compile_file(NULL, &r->policy, &r->compiled))
		return PC_EXIT_USAGE;
	err = attach_and_apply(r, !hdr.generation, argc, argv, fresh, nfresh);
	if (err) {
		undo(r, fresh, *nfresh);
		*nfresh = 0;
		return PC_EXIT_FAIL;
	}
	return PC_EXIT_OK;
}

static int run_attach(const struct pc_cli *cli, const void *config, int argc, char **argv)
{
	struct attach_run r = {
		.cli = cli, .cfg = config, .l = PC_LOADED_INIT, .gen = PC_GENERATION_INIT, .lock = -1,
	};
	char **fresh = NULL;
	int ret, nfresh = 0;

	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	/* Check everything before changing anything. */
	if (check_interfaces(argc, argv))
		return PC_EXIT_FAIL;
	if (r.cfg->rules && pc_compile_file(r.cfg->rules, &r.policy, &r.compiled))
		return PC_EXIT_USAGE;
	/* The slow part of putting the rules in force, without the lock. */
	if (r.cfg->rules) {
		if (pc_load_generation(r.cfg->rules, &r.compiled, &r.gen)) {
			pc_compiled_free(&r.compiled);
			pc_policy_free(&r.policy);
			return PC_EXIT_FAIL;
		}
		r.built = r.compiled.hdr.digest;
	}
	fresh = calloc(argc, sizeof(*fresh));
	if (fresh) {
		ret = attach_locked(&r, argc, argv, fresh, &nfresh);
	} else {
		pr_warn("out of memory\n");
		ret = PC_EXIT_FAIL;
	}
	/* A first load that attached nothing leaves nothing behind. */
	if (ret != PC_EXIT_OK && r.created && !nfresh) {
		pc_unpin_objects(cli->pin_dir);
		pc_pin_dir_remove(cli->pin_dir);
	}
	pc_close_locked(&r.l, r.lock);
	pc_generation_free(&r.gen);
	pc_compiled_free(&r.compiled);
	pc_policy_free(&r.policy);
	free(fresh);
	return ret;
}

const struct pc_command pc_cmd_attach = {
	.name = "attach",
	.summary = "load, pin and attach to interfaces",
	.operands = "IFACE...",
	.min_operands = 1,
	.max_operands = -1,
	.description = "Loads the programs and maps (once), pins them and attaches them to each\n"
		       "IFACE. XDP goes through libxdp's dispatcher, beside other XDP programs\n"
		       "(--xdp-mode). It puts FILE in force, or the built-in default policy when no\n"
		       "policy is in force yet. Attaching where portcullis is already attached\n"
		       "changes nothing. --limit-sources, --reply-sources, --offender-sources and\n"
		       "--event-sources size the maps of sources when they are first loaded; a\n"
		       "later attach keeps them.\n",
	.options = attach_options,
	.config_size = sizeof(struct attach_config),
	.run = run_attach,
};
