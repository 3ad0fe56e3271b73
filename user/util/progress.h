/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A progress line for a slow command, such as an apply of a million
 * prefixes:
 *
 *	loading into the kernel... 400,000 of 1,000,000 prefixes (40%), 1.4 s
 *
 * The operation is a run of phases, one at a time: pc_progress_begin()
 * starts one (ending the one before), pc_progress_update() or
 * pc_progress_add() say how far it has gone, pc_progress_end() ends it.
 *
 * The line goes to stderr, redrawn in place with '\r' by a thread of its
 * own a few times a second, and is erased when the phase ends. It is drawn
 * only when stderr is a terminal, not with -q, and only once the operation
 * (from its first phase) has lasted more than a second: a quick command
 * prints nothing more, and pipes, logs and journald never see it.
 *
 * A phase that never reports a count still shows its label and how long
 * it has run, so a slow call can be wrapped from outside. Counting is
 * cheap enough for every item: a store, with no clock, lock or system
 * call. The calls come from one thread, the one that runs the command.
 */
#ifndef PC_PROGRESS_H
#define PC_PROGRESS_H

#include <stddef.h>

/* Begin a phase. label says what it does ("reading isp.rules"); unit
 * names what it counts ("prefixes"; NULL: nothing is counted); total is
 * how many there are, when that is known (0: not known). label and unit
 * are copied. */
void pc_progress_begin(const char *label, const char *unit, size_t total);
/* done of them so far, or n more. Without a phase these change nothing
 * that shows. */
void pc_progress_update(size_t done);
void pc_progress_add(size_t n);
/* End the phase and erase its line, if it was drawn. */
void pc_progress_end(void);

/* Around any other message on stderr while a phase runs (log.c does
 * this): the line is erased first, and drawn again afterwards. */
void pc_progress_hold(void);
void pc_progress_release(void);

/* The text of the line (no '\r'), for the tests:
 * "LABEL... [COUNTS, ]ELAPSED s", where COUNTS is "DONE of TOTAL UNIT
 * (PCT%)", "TOTAL UNIT" before anything is done, or "DONE UNIT" without a
 * total. Returns the length snprintf would give. */
int pc_progress_format(char *buf, size_t size, const char *label, const char *unit,
		       size_t done, size_t total, double elapsed_s);
/* n with a comma between thousands: "1,000,000". */
void pc_format_count(char *buf, size_t size, size_t n);

#endif /* PC_PROGRESS_H */
