// SPDX-License-Identifier: GPL-2.0
/* portcullis [--pin-dir DIR] [-v|-q] COMMAND [ARGS] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "libbpf_log.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/portcullis"

static const struct {
	const char *name;
	int (*run)(const struct pc_cli *cli, int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "attach", do_attach, "load, pin and attach to interfaces" },
	{ "detach", do_detach, "detach from interfaces, or everything with --all" },
	{ "apply", do_apply, "replace the policy in force atomically (--check: validate only)" },
	{ "rules", do_rules, "print the policy in force (--default: the built-in one)" },
	{ "stats", do_stats, "counters by port, by rule and in total" },
	{ "status", do_status, "what is attached where, and the policy in force" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int usage(bool error)
{
	FILE *out = error ? stderr : stdout;
	size_t i;

	fprintf(out, "Usage: portcullis [--pin-dir DIR] [-v|-q] COMMAND [ARGS]\n\n"
		     "eBPF port-policy enforcer for outbound SMTP.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nOptions:\n"
		     "  --pin-dir DIR  where pins live (default $PORTCULLIS_PIN_DIR or %s)\n"
		     "  -v, --verbose  more messages (-vv: libbpf debug output too)\n"
		     "  -q, --quiet    errors only\n"
		     "  -h, --help     this help; 'portcullis COMMAND --help' for a command\n"
		     "  --version      the version\n",
		DEFAULT_PIN_DIR);
	return error ? PC_EXIT_USAGE : PC_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct pc_cli cli = { .pin_dir = getenv("PORTCULLIS_PIN_DIR") };
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			cli.pin_dir = optarg;
			break;
		case 'v':
			pc_verbosity++;
			break;
		case 'q':
			pc_verbosity = -1;
			break;
		case 'h':
			return usage(false);
		case 'V':
			printf("portcullis %s\n", PC_VERSION);
			return PC_EXIT_OK;
		default:
			return usage(true);
		}
	}
	if (!cli.pin_dir || !*cli.pin_dir)
		cli.pin_dir = DEFAULT_PIN_DIR;
	if (optind >= argc)
		return usage(true);
	pc_setup_libbpf_logging();
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		argv += optind;
		argc -= optind;
		optind = 0; /* restart getopt for the command's own options */
		return commands[i].run(&cli, argc, argv);
	}
	fprintf(stderr, "portcullis: unknown command '%s'\n", argv[optind]);
	return usage(true);
}
