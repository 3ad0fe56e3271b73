// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <sys/socket.h>
#include "clock.h"
#include "json_output.h"
#include "keywords.h"
#include "log_output.h"
#include "stats_output.h"

static void address(char *buf, size_t size, const struct pc_event *ev, const __u8 *addr)
{
	if (!inet_ntop(ev->family == PC_FAMILY_V6 ? AF_INET6 : AF_INET, addr, buf, size))
		snprintf(buf, size, "?");
}

/* An address and port as a URL writes them: [2001:db8::1]:25 for IPv6. */
static void endpoint(char *buf, size_t size, const struct pc_event *ev, const __u8 *addr,
		     __u16 port)
{
	char a[INET6_ADDRSTRLEN];

	address(a, sizeof(a), ev, addr);
	snprintf(buf, size, ev->family == PC_FAMILY_V6 ? "[%s]:%u" : "%s:%u", a, port);
}

static const char *verdict_of(const struct pc_event *ev)
{
	int r = ev->reason < PC_NREASON ? ev->reason : PC_R_PASS_RULE;

	return pc_stats_verdict_name(PC_REASON_VERDICT(r));
}

void pc_log_print_text(FILE *out, const struct pc_log_entry *e)
{
	char when[40], src[64], dst[64];
	const struct pc_event *ev = e->ev;

	pc_format_time_ms(when, sizeof(when), e->realtime_ns);
	endpoint(src, sizeof(src), ev, ev->saddr, ev->sport);
	endpoint(dst, sizeof(dst), ev, ev->daddr, ev->dport);
	fprintf(out, "%s %s %s %s -> %s rule %u", when, verdict_of(ev), pc_proto_name(ev->proto),
		src, dst, ev->rule + 1);
	if (e->text)
		fprintf(out, ": %s", e->text);
	fputc('\n', out);
}

void pc_log_print_json(FILE *out, const struct pc_log_entry *e)
{
	const struct pc_event *ev = e->ev;
	json_object *o = json_object_new_object();
	char when[40], a[INET6_ADDRSTRLEN];

	pc_format_time_ms(when, sizeof(when), e->realtime_ns);
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_of(ev)));
	json_object_object_add(o, "action", e->action >= 0 ?
					    json_object_new_string(pc_action_name(e->action)) : NULL);
	json_object_object_add(o, "family",
			       json_object_new_string(ev->family == PC_FAMILY_V6 ? "ipv6" : "ipv4"));
	json_object_object_add(o, "proto", json_object_new_string(pc_proto_name(ev->proto)));
	address(a, sizeof(a), ev, ev->saddr);
	json_object_object_add(o, "src", json_object_new_string(a));
	json_object_object_add(o, "sport", json_object_new_int(ev->sport));
	address(a, sizeof(a), ev, ev->daddr);
	json_object_object_add(o, "dst", json_object_new_string(a));
	json_object_object_add(o, "dport", json_object_new_int(ev->dport));
	/* From 1, as stats numbers rules. */
	json_object_object_add(o, "rule", json_object_new_int(ev->rule + 1));
	json_object_object_add(o, "text", e->text ? json_object_new_string(e->text) : NULL);
	json_object_object_add(o, "generation", json_object_new_uint64(ev->generation));
	json_object_object_add(o, "ifindex", json_object_new_int64(ev->ifindex));
	json_object_object_add(o, "hook",
			       json_object_new_string(ev->hook == PC_EVENT_HOOK_TC ? "tc" : "xdp"));
	pc_json_print(out, o, false);
}
