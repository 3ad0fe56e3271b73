// SPDX-License-Identifier: GPL-2.0
/*
 * The event log: a connection attempt that a rule with log decides is one
 * record in the ring pc_events with the packet's and the rule's fields;
 * a rule without log, or a packet that is no attempt, gives none; a
 * source (IPv4 /32, IPv6 /64) has one event a second, the rest counted
 * as lost to the rate limit; a full ring loses events, counted apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "prog_harness.h"

static const char POLICY[] = "table <subs> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
			     "reject proto tcp from <subs> to port 25 log\n"
			     "block proto tcp to port 26\n"
			     "pass proto udp to port 53 log\n"
			     "limit proto tcp to port 587 log rate 1/hour burst 1\n";
#define RULE_REJECT 0
#define RULE_UDP    2
#define RULE_LIMIT  3

#define MAX_EVENTS 8192

/* What the ring held, read by drain(). */
static struct pc_event events[MAX_EVENTS];
static size_t nevents;
static struct ring_buffer *ring;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	assert_int_equal(size, sizeof(struct pc_event));
	if (nevents < MAX_EVENTS)
		memcpy(&events[nevents], data, sizeof(events[0]));
	nevents++;
	return 0;
}

/* Take every record in the ring: their number, the records in events[]. */
static size_t drain(void)
{
	nevents = 0;
	assert_true(ring_buffer__consume(ring) >= 0);
	return nevents;
}

static __u64 boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The event counters: emitted, lost to a full ring, lost to the rate. */
struct fates {
	__u64 emitted, ring_full, rate_limited;
};

static struct fates fates_read(void)
{
	struct pc_stats *s = stats_read();
	struct fates f = { s->totals.events_emitted, s->totals.events_lost_ring_full,
			   s->totals.events_lost_rate_limited };

	free(s);
	return f;
}

static void assert_fates_gained(struct fates before, __u64 emitted, __u64 ring_full,
				__u64 rate_limited)
{
	struct fates now = fates_read();

	assert_int_equal(now.emitted - before.emitted, emitted);
	assert_int_equal(now.ring_full - before.ring_full, ring_full);
	assert_int_equal(now.rate_limited - before.rate_limited, rate_limited);
}

/* Run a frame from src:sport to dst:dport through XDP (xdp) or tc. */
static int send_one(int xdp, const char *src, __u16 sport, const char *dst, __u8 proto,
		    __u16 dport, __u8 flags)
{
	uint8_t frame[FRAME_CAP];
	struct pkt_desc d;
	size_t len;

	pkt_desc_l4(&d, src, dst, proto, dport, flags);
	d.sport = sport;
	len = pkt_build(&d, frame, sizeof(frame));
	assert_true(len > 0);
	return prog_run(xdp ? prog_loaded.xdp_fd : prog_loaded.tc_fd, xdp, frame, len);
}

/* A reject rule's verdict: answered, or dropped where it may not be. */
static bool refused(int v)
{
	return v == PC_V_REJECTED || v == PC_V_DROPPED;
}

static void event_limit_reset(void)
{
	struct pc_source_key k;
	int n = 0;

	while (!bpf_map_get_next_key(prog_loaded.maps.event_limit, NULL, &k) && n++ < (1 << 20))
		assert_int_equal(bpf_map_delete_elem(prog_loaded.maps.event_limit, &k), 0);
}

static __u64 generation_in_force(void)
{
	struct pc_policy_hdr hdr;
	__u32 slot;

	assert_int_equal(pc_maps_active(&prog_loaded.maps, &slot, &hdr), 0);
	return hdr.generation;
}

static int setup(void **state)
{
	(void)state;
	if (prog_apply_text(POLICY) < 0 || prog_limit_reset())
		return -1;
	event_limit_reset();
	drain();
	return 0;
}

static void assert_addr(const __u8 *got, const char *want)
{
	__u8 a[16] = { 0 };

	assert_true(pkt_addr(a, want) != 0);
	assert_memory_equal(got, a, 16);
}

/* The packet's fields of event e: as sent from src:sport to dst:dport. */
static void assert_packet(const struct pc_event *e, __u8 family, const char *src, __u16 sport,
			  const char *dst, __u16 dport)
{
	assert_int_equal(e->family, family);
	assert_int_equal(e->proto, PC_PROTO_TCP);
	assert_addr(e->saddr, src);
	assert_addr(e->daddr, dst);
	assert_int_equal(e->sport, sport);
	assert_int_equal(e->dport, dport);
	/* BPF_PROG_TEST_RUN runs on the loopback device. */
	assert_int_equal(e->ifindex, if_nametoindex("lo"));
}

/* A SYN to a rule with log: one record, every field as sent. */
static void test_syn_gives_event(void **state)
{
	struct fates before = fates_read();
	__u64 t0, t1;

	(void)state;
	t0 = boottime_ns();
	assert_int_equal(send_one(1, "100.64.0.1", 40001, "192.0.2.25", TCP, 25, PKT_SYN),
			 PC_V_REJECTED);
	t1 = boottime_ns();
	assert_int_equal(drain(), 1);
	assert_packet(&events[0], PC_FAMILY_V4, "100.64.0.1", 40001, "192.0.2.25", 25);
	assert_int_equal(events[0].rule, RULE_REJECT);
	assert_int_equal(events[0].reason, PC_R_REJECT_RULE);
	assert_int_equal(events[0].generation, generation_in_force());
	assert_int_equal(events[0].hook, PC_EVENT_HOOK_XDP);
	assert_in_range(events[0].boot_ns, t0, t1);
	assert_fates_gained(before, 1, 0, 0);

	/* IPv6, through tc. */
	assert_true(refused(send_one(0, "2001:db8:1000:1::7", 50000, "2001:db8:99::25", TCP, 25,
				     PKT_SYN)));
	assert_int_equal(drain(), 1);
	assert_packet(&events[0], PC_FAMILY_V6, "2001:db8:1000:1::7", 50000, "2001:db8:99::25", 25);
	assert_int_equal(events[0].rule, RULE_REJECT);
	assert_int_equal(events[0].hook, PC_EVENT_HOOK_TC);

	/* A UDP datagram is an attempt; a pass rule logs too. */
	assert_int_equal(send_one(1, "203.0.113.5", 5353, "198.51.100.53", UDP, 53, 0),
			 PC_V_PASSED);
	assert_int_equal(drain(), 1);
	assert_int_equal(events[0].proto, PC_PROTO_UDP);
	assert_int_equal(events[0].rule, RULE_UDP);
	assert_int_equal(events[0].reason, PC_R_PASS_RULE);
	assert_fates_gained(before, 3, 0, 0);
}

/* A rule without log, no rule at all, or no attempt: no record, and no
 * event counted. */
static void test_no_event(void **state)
{
	struct fates before = fates_read();

	(void)state;
	assert_int_equal(send_one(1, "100.64.0.1", 40001, "192.0.2.25", TCP, 26, PKT_SYN),
			 PC_V_DROPPED);
	assert_int_equal(send_one(1, "100.64.0.1", 40001, "192.0.2.25", TCP, 443, PKT_SYN),
			 PC_V_PASSED);
	/* The rest of a connection to a rule with log. */
	assert_true(refused(send_one(1, "100.64.0.3", 40001, "192.0.2.25", TCP, 25, PKT_ACK)));
	assert_true(refused(send_one(0, "100.64.0.3", 40001, "192.0.2.25", TCP, 25,
				     PKT_SYN | PKT_ACK)));
	assert_int_equal(drain(), 0);
	assert_fates_gained(before, 0, 0, 0);
	/* The ACK's source had no event: its first SYN has one. */
	assert_int_equal(send_one(1, "100.64.0.3", 40002, "192.0.2.25", TCP, 25, PKT_SYN),
			 PC_V_REJECTED);
	assert_int_equal(drain(), 1);
}

/* One event a second a source: the next attempts within the second are
 * counted as lost to the rate limit; another source has its own. */
static void test_rate_limited(void **state)
{
	struct fates before = fates_read();
	__u64 t0 = boottime_ns();
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		send_one(i & 1, "100.64.0.9", 40000 + i, "192.0.2.25", TCP, 25, PKT_SYN);
	if (boottime_ns() - t0 >= PC_EVENT_INTERVAL_NS)
		skip(); /* a second went by: a second event would be due */
	assert_int_equal(drain(), 1);
	assert_int_equal(events[0].sport, 40000);
	assert_fates_gained(before, 1, 0, 4);

	/* Another address, another bucket; the same /64, the same one. */
	send_one(1, "100.64.0.10", 40000, "192.0.2.25", TCP, 25, PKT_SYN);
	send_one(1, "2001:db8:1000:5::1", 40000, "2001:db8:99::25", TCP, 25, PKT_SYN);
	send_one(1, "2001:db8:1000:5:ffff::2", 40000, "2001:db8:99::25", TCP, 25, PKT_SYN);
	send_one(1, "2001:db8:1000:6::1", 40000, "2001:db8:99::25", TCP, 25, PKT_SYN);
	if (boottime_ns() - t0 >= PC_EVENT_INTERVAL_NS)
		skip();
	assert_int_equal(drain(), 3);
	assert_addr(events[0].saddr, "100.64.0.10");
	assert_addr(events[1].saddr, "2001:db8:1000:5::1");
	assert_addr(events[2].saddr, "2001:db8:1000:6::1");
	assert_fates_gained(before, 4, 0, 5);

	/* The limit is the event log's alone: a limit rule with log logs
	 * the attempt it passes and the one it drops, each source once. */
	assert_int_equal(send_one(1, "198.51.100.7", 40000, "192.0.2.1", TCP, 587, PKT_SYN),
			 PC_V_PASSED);
	assert_int_equal(send_one(1, "198.51.100.7", 40001, "192.0.2.1", TCP, 587, PKT_SYN),
			 PC_V_DROPPED);
	assert_int_equal(send_one(1, "198.51.100.8", 40000, "192.0.2.1", TCP, 587, PKT_SYN),
			 PC_V_PASSED);
	assert_int_equal(send_one(1, "198.51.100.7", 40002, "192.0.2.1", TCP, 587, PKT_SYN),
			 PC_V_DROPPED);
	if (boottime_ns() - t0 >= PC_EVENT_INTERVAL_NS)
		skip();
	assert_int_equal(drain(), 2);
	assert_int_equal(events[0].rule, RULE_LIMIT);
	assert_int_equal(events[0].reason, PC_R_PASS_RULE);
	assert_addr(events[1].saddr, "198.51.100.8");
	assert_fates_gained(before, 6, 0, 7);
}

/* A second later, the source has an event again. */
static void test_next_second(void **state)
{
	struct timespec pause = { 1, 100000000 };

	(void)state;
	send_one(1, "100.64.0.11", 40000, "192.0.2.25", TCP, 25, PKT_SYN);
	assert_int_equal(drain(), 1);
	nanosleep(&pause, NULL);
	send_one(1, "100.64.0.11", 40001, "192.0.2.25", TCP, 25, PKT_SYN);
	assert_int_equal(drain(), 1);
	assert_int_equal(events[0].sport, 40001);
}

/* Nobody reading: the ring fills, and the events that find no room are
 * counted as lost to a full ring, not to the rate; every event emitted
 * is in the ring. */
static void test_ring_full(void **state)
{
	const unsigned n = PC_EVENT_RING / (sizeof(struct pc_event) + 8) + 100;
	struct fates before = fates_read(), after;
	char src[32];
	unsigned i;

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "100.64.%u.%u", 100 + i / 250, 1 + i % 250);
		send_one(1, src, 40000, "192.0.2.25", TCP, 25, PKT_SYN);
	}
	after = fates_read();
	printf("# %u attempts: %llu emitted, %llu lost to a full ring\n", n,
	       (unsigned long long)(after.emitted - before.emitted),
	       (unsigned long long)(after.ring_full - before.ring_full));
	assert_int_equal(after.rate_limited - before.rate_limited, 0);
	assert_int_equal((after.emitted - before.emitted) + (after.ring_full - before.ring_full), n);
	assert_true(after.ring_full - before.ring_full >= 100);
	assert_int_equal(drain(), after.emitted - before.emitted);
	/* Room again once read. */
	send_one(1, "100.64.99.1", 40000, "192.0.2.25", TCP, 25, PKT_SYN);
	assert_int_equal(drain(), 1);
}

static int group_setup(void **state)
{
	if (prog_setup(state))
		return -1;
	ring = ring_buffer__new(prog_loaded.maps.events, on_event, NULL, NULL);
	return ring ? 0 : -1;
}

static int group_teardown(void **state)
{
	ring_buffer__free(ring);
	return prog_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_syn_gives_event, setup),
		cmocka_unit_test_setup(test_no_event, setup),
		cmocka_unit_test_setup(test_rate_limited, setup),
		cmocka_unit_test_setup(test_next_second, setup),
		cmocka_unit_test_setup(test_ring_full, setup),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
