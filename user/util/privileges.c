// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include "log.h"
#include "privileges.h"

/* Effective capability bits, from /proc/self/status. */
static unsigned long long cap_effective(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

int pc_require_privileges(void)
{
	const unsigned long long net_admin = 1ULL << 12, sys_admin = 1ULL << 21, bpf = 1ULL << 39;
	unsigned long long caps = cap_effective();

	/* CAP_BPF exists since 5.8; CAP_SYS_ADMIN stands in for it before. */
	if ((caps & net_admin) && (caps & (bpf | sys_admin)))
		return 0;
	pr_warn("this command needs root, or CAP_BPF plus CAP_NET_ADMIN\n");
	return -EPERM;
}
