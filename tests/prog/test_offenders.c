// SPDX-License-Identifier: GPL-2.0
/*
 * The offenders, through BPF_PROG_TEST_RUN: each connection attempt that
 * a block, reject or limit rule stops adds to its source's entry (IPv4
 * /32, IPv6 /64), by offence, with the port and rule of its last and its
 * times; what passes, and what is not an attempt, adds nothing; the
 * entries of a source on two CPUs add up; a new source takes the place
 * of the least recent one of its set, and a policy applied keeps the
 * map's sets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "offenders.h"
#include "prog_harness.h"
#include "qsort_watch.h"

static const char POLICY[] = "table <subs> { 100.64.0.0/10, 2001:db8:1000::/36 }\n"
			     "pass proto tcp to port 443\n"
			     "limit proto tcp from <subs> to port 587 rate 1/hour burst 2\n"
			     "reject proto tcp from <subs> to port 2525\n"
			     "block proto tcp to port 25\n";
#define LIMIT_RULE 1
#define REJECT_RULE 2
#define BLOCK_RULE 3

/* n frames from src to port through the program fd. */
static void send_n(int fd, const char *src, int port, uint8_t flags, unsigned n)
{
	const char *dst = strchr(src, ':') ? "2001:db8:99::1" : "192.0.2.1";
	uint8_t frame[FRAME_CAP];
	struct pkt_desc d;
	size_t len;
	unsigned i;

	pkt_desc_l4(&d, src, dst, TCP, port, flags);
	len = pkt_build(&d, frame, FRAME_CAP);
	assert_true(len > 0);
	for (i = 0; i < n; i++)
		assert_true(prog_run(fd, 1, frame, len) >= 0);
}

static void send_syns(const char *src, int port, unsigned n)
{
	send_n(prog_loaded.xdp_fd, src, port, PKT_SYN, n);
}

/* The entry whose source prints as text ("100.64.1.1/32"), or NULL. */
static const struct pc_offender *find(const struct pc_offender_list *l, const char *text)
{
	char buf[64];
	size_t i;

	for (i = 0; i < l->n; i++) {
		pc_offender_source_format(buf, sizeof(buf), &l->v[i]);
		if (!strcmp(buf, text))
			return &l->v[i];
	}
	return NULL;
}

static struct pc_offender_list read_all(const struct pc_maps *m)
{
	struct pc_offender_list l = { 0 };

	assert_int_equal(pc_offenders_read(m, &l), 0);
	return l;
}

static void assert_attempts(const struct pc_offender *o, __u64 blocked, __u64 rejected,
			    __u64 limited)
{
	assert_non_null(o);
	assert_int_equal(o->attempts[PC_OFF_BLOCKED], blocked);
	assert_int_equal(o->attempts[PC_OFF_REJECTED], rejected);
	assert_int_equal(o->attempts[PC_OFF_LIMITED], limited);
}

static int setup(void **state)
{
	(void)state;
	if (prog_apply_text(POLICY) < 0)
		return -1;
	return prog_limit_reset();
}

static void test_each_offence(void **state)
{
	struct pc_offender_list l;
	const struct pc_offender *o;

	(void)state;
	send_syns("100.64.1.1", 25, 3);
	l = read_all(&prog_loaded.maps);
	o = find(&l, "100.64.1.1/32");
	assert_attempts(o, 3, 0, 0);
	assert_int_equal(o->last_port, 25);
	assert_int_equal(o->last_proto, PC_PROTO_TCP);
	assert_int_equal(o->last_rule, BLOCK_RULE);
	assert_int_equal(o->window_attempts, 3);
	assert_true(o->first_ns > 0 && o->first_ns <= o->last_ns && o->last_ns <= l.now_ns);
	pc_offenders_free(&l);

	/* Rejected, then limited (2 within the rate are not offences). */
	send_syns("100.64.1.1", 2525, 2);
	send_syns("100.64.1.1", 587, 5);
	l = read_all(&prog_loaded.maps);
	o = find(&l, "100.64.1.1/32");
	assert_attempts(o, 3, 2, 3);
	assert_int_equal(o->last_port, 587);
	assert_int_equal(o->last_rule, LIMIT_RULE);
	assert_int_equal(o->window_attempts, 8);
	assert_int_equal(pc_offender_attempts(o), 8);
	pc_offenders_free(&l);
}

static void test_no_offence(void **state)
{
	struct pc_offender_list l;

	(void)state;
	send_syns("100.64.2.1", 443, 4);                                  /* passed */
	send_n(prog_loaded.xdp_fd, "100.64.2.2", 25, PKT_ACK, 4);         /* no attempt */
	send_n(prog_loaded.xdp_fd, "100.64.2.2", 25, PKT_SYN | PKT_ACK, 2); /* no attempt */
	send_syns("100.64.2.3", 587, 2);                                  /* within the rate */
	l = read_all(&prog_loaded.maps);
	assert_null(find(&l, "100.64.2.1/32"));
	assert_null(find(&l, "100.64.2.2/32"));
	assert_null(find(&l, "100.64.2.3/32"));
	pc_offenders_free(&l);
}

static void test_v6_per_64(void **state)
{
	struct pc_offender_list l;

	(void)state;
	send_syns("2001:db8:1000:1::1", 25, 2);
	send_syns("2001:db8:1000:1:ffff::2", 25, 3);
	send_syns("2001:db8:1000:2::1", 25, 1);
	l = read_all(&prog_loaded.maps);
	assert_attempts(find(&l, "2001:db8:1000:1::/64"), 5, 0, 0);
	assert_attempts(find(&l, "2001:db8:1000:2::/64"), 1, 0, 0);
	pc_offenders_free(&l);
}

/* A source's attempts on two CPUs are one entry, their sum. */
static void test_sum_over_cpus(void **state)
{
	struct pc_offender_list l;
	cpu_set_t set, old;
	int cpu;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	for (cpu = 0; cpu < 2; cpu++) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
		send_syns("100.64.3.1", 25, 2 + cpu);
	}
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
	l = read_all(&prog_loaded.maps);
	assert_attempts(find(&l, "100.64.3.1/32"), 5, 0, 0);
	pc_offenders_free(&l);
}

/* Fifty sources, one attempt each, all kept: the policies applied since
 * the load kept the map's sets in force (one set would hold two); then
 * fifty that differ only in their second byte, all kept too: every bit of
 * a source picks its set, not only its last ones. */
static void test_many_sources(void **state)
{
	struct pc_offender_list l;
	char src[32];
	int i, found = 0;

	(void)state;
	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "100.64.4.%d", i + 1);
		send_syns(src, 25, 1);
	}
	l = read_all(&prog_loaded.maps);
	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "100.64.4.%d/32", i + 1);
		found += find(&l, src) != NULL;
	}
	assert_int_equal(found, 50);
	pc_offenders_free(&l);

	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "100.%d.0.5", 64 + i);
		send_syns(src, 25, 1);
	}
	l = read_all(&prog_loaded.maps);
	for (i = found = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "100.%d.0.5/32", 64 + i);
		found += find(&l, src) != NULL;
	}
	assert_int_equal(found, 50);
	pc_offenders_free(&l);
}

/* A load that no offender has reached yet: no entries, the map's whole
 * capacity, and no qsort of a NULL array on the way (reading or sorting
 * them for top): an empty map made one, which make test-sanitize caught. */
static void test_none_yet(void **state)
{
	struct pc_offender_summary sum;
	struct pc_offender_list l;
	struct pc_loaded other;
	char dir[64];
	bool created;

	(void)state;
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/pc-prog-offenders-none-%d", (int)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(pc_load_pinned(&other, dir, &created), 0);
	pc_qsort_null_calls = 0;
	l = read_all(&other.maps);
	assert_int_equal(l.n, 0);
	assert_true(l.capacity > 0);
	pc_offenders_sort(&l); /* as top does */
	pc_offenders_free(&l);
	assert_int_equal(pc_offenders_summarize(&other.maps, &sum), 0);
	assert_int_equal(sum.tracked, 0);
	assert_int_equal(sum.recent_max, 0);
	assert_int_equal(pc_qsort_null_calls, 0);
	pc_loaded_close(&other);
	assert_int_equal(pc_unpin_objects(dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* A load with --offender-sources 2: one set of two. A third source takes
 * the place of the least recent. */
static void test_least_recent_goes(void **state)
{
	struct pc_map_sizes sizes = { .offender_sources = 2 };
	struct pc_offender_list l;
	struct pc_loaded other;
	char dir[64];
	bool created;
	cpu_set_t set, old;

	(void)state;
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/pc-prog-offenders-%d", (int)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(pc_load_pinned_sized(&other, dir, &sizes, &created), 0);
	assert_true(prog_apply_text_to(&other.maps, POLICY) >= 0);
	/* One CPU, so that one set sees all three. */
	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	send_n(other.xdp_fd, "100.64.5.1", 25, PKT_SYN, 3);
	usleep(20000); /* a tick or more apart: the coarse clock moves */
	send_n(other.xdp_fd, "100.64.5.2", 25, PKT_SYN, 1);
	usleep(20000);
	send_n(other.xdp_fd, "100.64.5.1", 25, PKT_SYN, 1); /* now .2 is the least recent */
	usleep(20000);
	send_n(other.xdp_fd, "100.64.5.3", 25, PKT_SYN, 2);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
	l = read_all(&other.maps);
	assert_int_equal(l.n, 2);
	assert_attempts(find(&l, "100.64.5.1/32"), 4, 0, 0);
	assert_null(find(&l, "100.64.5.2/32"));
	assert_attempts(find(&l, "100.64.5.3/32"), 2, 0, 0);
	pc_offenders_free(&l);
	pc_loaded_close(&other);
	assert_int_equal(pc_unpin_objects(dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_each_offence, setup),
		cmocka_unit_test_setup(test_no_offence, setup),
		cmocka_unit_test_setup(test_v6_per_64, setup),
		cmocka_unit_test_setup(test_sum_over_cpus, setup),
		cmocka_unit_test_setup(test_many_sources, setup),
		cmocka_unit_test(test_least_recent_goes),
		cmocka_unit_test(test_none_yet),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
