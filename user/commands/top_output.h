/* SPDX-License-Identifier: GPL-2.0 */
/* How `portcullis top` shows the offenders: a table, or JSON. */
#ifndef PC_TOP_OUTPUT_H
#define PC_TOP_OUTPUT_H

#include <stdio.h>
#include "offenders.h"

/* What top shows: the first shown entries of the sorted list, out of
 * matched that passed its filter, out of tracked in the map. */
struct pc_top_view {
	const struct pc_offender_list *list;
	size_t shown, matched, tracked;
};

void pc_top_print_table(FILE *out, const struct pc_top_view *v);
void pc_top_print_json(FILE *out, const struct pc_top_view *v);

#endif /* PC_TOP_OUTPUT_H */
