/* SPDX-License-Identifier: GPL-2.0 */
/* The pin directory: made on a bpffs (mounted if need be), locked while a
 * command works in it, and removed with what portcullis made for it. */
#ifndef PC_PIN_DIR_H
#define PC_PIN_DIR_H

#include <stdbool.h>

/* Make the pin directory (mode 0700), mounting bpffs if it is missing,
 * and lock it: LOCK_EX for commands that change state, LOCK_SH for those
 * that only read. Returns the lock's descriptor or -errno: -EXDEV, said
 * why, when bpffs would have to be mounted in a mount namespace that ends
 * with the command (ip netns exec). */
int pc_pin_dir_lock(const char *dir, int how, bool create);
void pc_pin_dir_unlock(int fd);

/* Remove the pin directory once it holds nothing, and the bpffs that
 * portcullis mounted on it: only what portcullis made (marked so inside
 * the directory when it made it). A directory that holds other pins, or
 * that was there before portcullis, stays. */
int pc_pin_dir_remove(const char *dir);

#endif /* PC_PIN_DIR_H */
