// SPDX-License-Identifier: GPL-2.0
/* Opening what is pinned for a command: under the pin directory's lock, or
 * without it to read (stats, log). */
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "commands.h"

void pc_warn_pins(const char *dir, int err)
{
	if (err == -ENOENT)
		pr_warn("nothing loaded: no portcullis pins under %s (run 'portcullis attach' first)\n",
			dir);
	else if (err == -ESTALE)
		pr_warn("%s holds an incomplete set of pins (a damaged or older load): run 'portcullis detach --all', then attach again\n",
			dir);
	else
		pr_warn("cannot open the pins under %s: %s\n", dir, strerror(-err));
}

int pc_open_locked(const struct pc_cli *cli, struct pc_loaded *l, int how, int *lock_fd)
{
	int err;

	*lock_fd = -1;
	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	*lock_fd = pc_pin_dir_lock(cli->pin_dir, how, false);
	err = *lock_fd < 0 ? *lock_fd : pc_open_pinned(l, cli->pin_dir);
	if (err) {
		pc_warn_pins(cli->pin_dir, err);
		pc_pin_dir_unlock(*lock_fd);
		*lock_fd = -1;
		return PC_EXIT_FAIL;
	}
	return PC_EXIT_OK;
}

ino_t pc_load_id(const char *pin_dir)
{
	char path[4096];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/%s", pin_dir, PC_PIN_PROG_TC);

	return n > 0 && (size_t)n < sizeof(path) && !stat(path, &st) ? st.st_ino : 0;
}

int pc_open_for_reading(const struct pc_cli *cli, struct pc_loaded *l)
{
	int lock, ret;

	if (pc_require_privileges())
		return PC_EXIT_FAIL;
	if (!pc_open_pinned(l, cli->pin_dir))
		return PC_EXIT_OK;
	ret = pc_open_locked(cli, l, LOCK_SH, &lock);
	if (!ret)
		pc_pin_dir_unlock(lock);
	return ret;
}

void pc_close_locked(struct pc_loaded *l, int lock_fd)
{
	pc_loaded_close(l);
	pc_pin_dir_unlock(lock_fd);
}
