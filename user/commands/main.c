// SPDX-License-Identifier: GPL-2.0
/* portcullis [--pin-dir DIR] [-v|-q] COMMAND [ARGS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "libbpf_log.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/portcullis"

static const struct pc_command *const commands[] = {
	&pc_cmd_attach, &pc_cmd_detach, &pc_cmd_apply, &pc_cmd_rules, &pc_cmd_stats, &pc_cmd_status,
	&pc_cmd_table, &pc_cmd_metrics, &pc_cmd_top, &pc_cmd_log,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The global options, accepted before the command and after it. */
struct global_config {
	const char *pin_dir;
	int verbose;
	bool quiet;
	bool version;
};

static const struct pc_option global_options[] = {
	PC_OPT_STRING(struct global_config, pin_dir, "pin-dir", "DIR",
		      "where pins live, an absolute path\n"
		      "(default $PORTCULLIS_PIN_DIR or " DEFAULT_PIN_DIR ")"),
	PC_OPT_COUNT(struct global_config, verbose, "verbose", 'v',
		     "more messages (-vv: libbpf debug output too)"),
	PC_OPT_FLAG(struct global_config, quiet, "quiet", 'q', "errors only"),
	PC_OPT_FLAG(struct global_config, version, "version", 0, "the version"),
	{ 0 },
};

static int print_version(void)
{
	printf("portcullis %s\n", PC_VERSION);
	return PC_EXIT_OK;
}

static int usage(bool error)
{
	FILE *out = error ? stderr : stdout;
	size_t i;

	fputs("Usage: portcullis", out);
	pc_options_synopsis(out, global_options);
	fputs(" COMMAND [ARGS]\n\neBPF port-policy enforcer for outbound SMTP.\n\nCommands:\n", out);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nOptions (before or after the command):\n", out);
	pc_options_help(out, global_options, "this help; 'portcullis COMMAND --help' for a command");
	return error ? PC_EXIT_USAGE : PC_EXIT_OK;
}

static void command_synopsis(FILE *out, const struct pc_command *cmd)
{
	fprintf(out, "Usage: portcullis %s%s%s", cmd->name, cmd->operands ? " " : "",
		cmd->operands ? cmd->operands : "");
	pc_options_synopsis(out, cmd->options);
	fputc('\n', out);
}

static int command_help(const struct pc_command *cmd)
{
	command_synopsis(stdout, cmd);
	printf("\n%s\nOptions:\n", cmd->description);
	pc_options_help(stdout, cmd->options, "this help");
	printf("\nThe global options (--pin-dir, -v, -q) may come before or after %s.\n",
	       cmd->name);
	return PC_EXIT_OK;
}

int pc_usage_error(const struct pc_command *cmd, const char *why)
{
	if (why)
		fprintf(stderr, "portcullis %s: %s\n", cmd->name, why);
	command_synopsis(stderr, cmd);
	fprintf(stderr, "Try 'portcullis %s --help'.\n", cmd->name);
	return PC_EXIT_USAGE;
}

static int check_operands(const struct pc_command *cmd, int n, char **operands)
{
	char why[512];

	if (n < cmd->min_operands) {
		snprintf(why, sizeof(why), "missing %s", cmd->operands);
		return pc_usage_error(cmd, why);
	}
	if (cmd->max_operands >= 0 && n > cmd->max_operands) {
		snprintf(why, sizeof(why), "unexpected operand '%s'", operands[cmd->max_operands]);
		return pc_usage_error(cmd, why);
	}
	return PC_EXIT_OK;
}

/* The global options in force: the pin directory and the verbosity. A
 * relative pin directory is refused: it would depend on where the command
 * runs, and a bpffs would be mounted there. */
static int apply_globals(const struct global_config *g, struct pc_cli *cli)
{
	const char *env = getenv("PORTCULLIS_PIN_DIR");

	cli->pin_dir = g->pin_dir ? g->pin_dir : env && *env ? env : DEFAULT_PIN_DIR;
	if (cli->pin_dir[0] != '/') {
		fprintf(stderr, "portcullis: %s wants an absolute path, not '%s'\n",
			g->pin_dir ? "--pin-dir" : "PORTCULLIS_PIN_DIR", cli->pin_dir);
		return PC_EXIT_USAGE;
	}
	pc_verbosity = g->quiet ? -1 : g->verbose;
	return PC_EXIT_OK;
}

static const struct pc_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i]->name))
			return commands[i];
	return NULL;
}

/* The command's own options and operands, and the global ones again. */
static int run_command(const struct pc_command *cmd, struct global_config *g, int argc,
		       char **argv, int from)
{
	char who[64], **operands = calloc(argc, sizeof(*operands));
	void *config = calloc(1, cmd->config_size);
	struct pc_option_set sets[] = { { cmd->options, config }, { global_options, g } };
	struct pc_parsed parsed = { .operands = operands };
	struct pc_cli cli;
	int ret;

	if (!operands || !config) {
		pr_warn("out of memory\n");
		ret = PC_EXIT_FAIL;
		goto out;
	}
	snprintf(who, sizeof(who), "portcullis %s", cmd->name);
	if (pc_options_parse(who, sets, 2, argc, argv, from, false, &parsed)) {
		ret = pc_usage_error(cmd, NULL);
		goto out;
	}
	if (parsed.help || g->version) {
		ret = parsed.help ? command_help(cmd) : print_version();
		goto out;
	}
	ret = check_operands(cmd, parsed.noperands, operands);
	if (!ret)
		ret = apply_globals(g, &cli);
	if (!ret) {
		pc_setup_libbpf_logging();
		ret = cmd->run(&cli, config, parsed.noperands, operands);
	}
out:
	free(operands);
	free(config);
	return ret;
}

int main(int argc, char **argv)
{
	struct global_config g = { 0 };
	struct pc_option_set sets[] = { { global_options, &g } };
	struct pc_parsed parsed = { 0 };
	const struct pc_command *cmd;

	if (pc_options_parse("portcullis", sets, 1, argc, argv, 1, true, &parsed))
		return usage(true);
	if (parsed.help)
		return usage(false);
	if (g.version)
		return print_version();
	if (parsed.next >= argc) {
		fprintf(stderr, "portcullis: which command?\n");
		return usage(true);
	}
	cmd = find_command(argv[parsed.next]);
	if (!cmd) {
		fprintf(stderr, "portcullis: unknown command '%s'\n", argv[parsed.next]);
		return usage(true);
	}
	return run_command(cmd, &g, argc, argv, parsed.next + 1);
}
