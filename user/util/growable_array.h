/* SPDX-License-Identifier: GPL-2.0 */
/* The one growable array of the code base: a pointer, a count and a
 * capacity, grown by doubling. Declare one as
 *
 *	struct pc_things { struct thing *v; size_t n, cap; };
 *
 * and add to it with pc_array_push(&things, thing). */
#ifndef PC_GROWABLE_ARRAY_H
#define PC_GROWABLE_ARRAY_H

#include <stddef.h>

/* Make room for at least want elements of size bytes. 0, or -1 when out
 * of memory (the array is then unchanged). */
int pc_array_reserve(void **v, size_t *cap, size_t want, size_t size);

#define pc_array_push(a, item)                                                             \
	(pc_array_reserve((void **)&(a)->v, &(a)->cap, (a)->n + 1, sizeof(*(a)->v)) ? -1 : \
									     ((a)->v[(a)->n++] = (item), 0))

#endif /* PC_GROWABLE_ARRAY_H */
