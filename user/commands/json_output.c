// SPDX-License-Identifier: GPL-2.0
#include "clock.h"
#include "json_output.h"

void pc_json_print(FILE *out, json_object *root, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
	fprintf(out, "%s\n", json_object_to_json_string_ext(root, flags));
	json_object_put(root);
}

void pc_json_add_time(json_object *obj, const char *key, __u64 realtime_ns)
{
	char when[32];

	pc_format_time(when, sizeof(when), realtime_ns);
	json_object_object_add(obj, key, json_object_new_string(when));
}
