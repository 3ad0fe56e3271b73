/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every BPF_PROG_TEST_RUN test of tests/prog/ shares: the programs
 * loaded unpinned, policies applied from text, one frame run through XDP
 * and tc, the counters read and compared with what the reference
 * classifier (refclass.c) says they must have gained. Needs root (or
 * CAP_BPF + CAP_NET_ADMIN).
 *
 * Include it after cmocka's prerequisites: it uses cmocka's assertions.
 */
#ifndef PC_TEST_PROG_HARNESS_H
#define PC_TEST_PROG_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/bpf.h>

#include "compiler.h"
#include "loader.h"
#include "pkt.h"
#include "refclass.h"

#define FRAME_CAP 2048
#define MAX_REPORT 5 /* mismatches printed in full per test */
#define NOT_RUN (-2) /* a verdict: the kernel would not run this frame */

#define TCP 6
#define UDP 17

/* The programs under test, loaded by prog_setup(). */
extern struct pc_loaded prog_loaded;
/* PC_SEED, or the time: printed first, so that a run can be repeated. */
extern uint64_t prog_seed;

/* ---- kernel test_progs.h style checks: false (and why, as a TAP comment)
 * when they fail, so that a test reads if (!ASSERT_EQ(...)) goto out; */
bool prog_check_u64(const char *what, uint64_t got, uint64_t want, const char *file, int line);
#define ASSERT_EQ(got, want, what) \
	prog_check_u64((what), (uint64_t)(got), (uint64_t)(want), __FILE__, __LINE__)
#define ASSERT_OK(err, what) ASSERT_EQ((err), 0, (what))

/* ---- setup ---- */

/* cmocka group setup and teardown: load and unload the programs. */
int prog_setup(void **state);
int prog_teardown(void **state);
/* Set the limit of answers to rejected frames per source, over what the
 * policies applied from then on say (set reply-limit), and in the one in
 * force; (0, 0): the defaults in force, the policy's from then on.
 * prog_setup() makes it one a nanosecond, which no test reaches, so that
 * the reference classifier's "answered" holds. 0, or -1. */
int prog_reply_limit(__u64 interval_ns, __u32 burst);
/* Read PC_SEED (or take the time) and print it; call first in main(). */
void prog_seed_init(void);

/* ---- policies ---- */

/* Parse text (errors on stderr). 0, or -1. */
int prog_parse_policy(const char *text, struct pc_policy *p);
/* Compile p and put it in force: 0, PC_APPLY_UNCHANGED, or < 0. */
int prog_apply_policy(const struct pc_policy *p);
/* Parse, compile and apply text; the result of pc_maps_apply. */
int prog_apply_text(const char *text);
/* The same into the maps m of another load than prog_loaded. */
int prog_apply_text_to(const struct pc_maps *m, const char *text);

/* ---- running frames ---- */

/* Run one frame once through the XDP (xdp != 0) or tc program: its
 * verdict, or -1 (with the cause printed). */
int prog_run(int fd, int xdp, const uint8_t *frame, size_t len);
/* The same through tc with an skb context (gso_segs, for instance). */
int prog_run_skb(const uint8_t *frame, size_t len, struct __sk_buff *ctx);
/* Run one frame once through the program fd: its return code (asserts
 * the run), and in out (FRAME_CAP bytes) the frame as the program left
 * it: the answer to a rejected one. */
__u32 prog_run_out(int fd, const uint8_t *frame, size_t len, uint8_t *out, __u32 *out_len);

const char *verdict_name(int v);
const char *class_name(int c);

/* ---- counters ---- */

struct port_expect {
	__u8 proto;
	__u16 lo, hi;
	struct pc_port_count c;
};

/* What the counters must have gained, from the reference results. */
struct expect {
	struct pc_totals t;
	struct pc_count rules[PC_MAX_RULES];
	struct pc_count rules_dropped[PC_MAX_RULES]; /* of those, dropped */
	struct port_expect ports[PC_MAX_PORT_ITEMS];
	size_t nports;
};

/* One run of one frame of len bytes, that goes on the wire as packets. */
void expect_add_packets(struct expect *e, const struct pc_ref_result *r, size_t len,
			__u64 packets);
void expect_add(struct expect *e, const struct pc_ref_result *r, size_t len);

/* Every counter, summed over CPUs (asserts success). Free with free(). */
struct pc_stats *stats_read(void);
/* The same right after an apply: per-rule counters must read zero. */
struct pc_stats *stats_read_fresh(void);
const struct pc_port_stat *find_port(const struct pc_stats *s, int proto, int lo, int hi);
/* The number of counters whose gain between two readings differs from e. */
int check_counters(const struct pc_stats *before, const struct pc_stats *after,
		   const struct expect *e, size_t nrules);

/* ---- one frame through both programs and the reference ---- */

struct outcome {
	struct pc_ref_result ref;    /* for the XDP run */
	struct pc_ref_result ref_tc; /* for the tc run after it (limits) */
	int xdp, tc;
};

/* Empty the buckets of limit rules, the kernel's and the reference's
 * (refclass.h): 0, or -1. */
int prog_limit_reset(void);

/* Frames that tc could not run (see classify_all); reset by the caller. */
extern size_t tc_not_run;

void classify_all(const struct pc_policy *p, const uint8_t *f, size_t len, struct outcome *o,
		  struct expect *e);
/* Do both programs act as verdict v wants? */
bool programs_agree(const struct outcome *o, int v);
void print_outcome(const char *what, const uint8_t *f, size_t len, const struct outcome *o);
/* A policy's text as TAP comments, so that a failure can be replayed. */
void print_commented(const char *text);

#endif /* PC_TEST_PROG_HARNESS_H */
