/* SPDX-License-Identifier: GPL-2.0 */
/* What every --json output shares: how an object is printed, and times as
 * RFC 3339 UTC strings. */
#ifndef PC_JSON_OUTPUT_H
#define PC_JSON_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include <linux/types.h>

/* Print root (pretty: indented, else on one line) and free it. */
void pc_json_print(FILE *out, json_object *root, bool pretty);

/* obj[key] = the time realtime_ns, e.g. "2026-11-27T22:40:01Z". */
void pc_json_add_time(json_object *obj, const char *key, __u64 realtime_ns);

#endif /* PC_JSON_OUTPUT_H */
