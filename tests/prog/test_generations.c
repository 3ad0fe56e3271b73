// SPDX-License-Identifier: GPL-2.0
/*
 * Generations and their address indexes: each apply puts new banks of
 * nodes and leaves, as many as its policy needs, and a members array
 * sized for it, in the slot it writes (arrays of maps), and once the
 * switch is made those of the generation before are released, so that two
 * large policies never hold the kernel's memory at once and no apply has
 * to clear entries one by one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>

#include "prog_harness.h"

/* The inner map at key of an outer array of maps, or -ENOENT. */
static int inner_map(int outer, __u32 key)
{
	__u32 id;

	if (bpf_map_lookup_elem(outer, &key, &id))
		return -errno;
	return bpf_map_get_fd_by_id(id);
}

static __u32 max_entries(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* How many banks of outer slot holds; they must be its first ones. */
static __u32 banks_in_slot(int outer, __u32 slot)
{
	__u32 i, n = 0;
	int fd;

	for (i = 0; i < PC_MAX_BANKS; i++) {
		fd = inner_map(outer, slot * PC_MAX_BANKS + i);
		if (fd < 0)
			continue;
		assert_int_equal(i, n);
		n++;
		close(fd);
	}
	return n;
}

/* Apply text; the slot in force must hold the banks and members its
 * header names, the members sized exactly, and the other slot none. */
static void apply_and_check(const char *text, __u32 members)
{
	const struct pc_maps *m = &prog_loaded.maps;
	struct pc_policy_hdr hdr;
	__u32 slot;
	int fd;

	assert_int_equal(prog_apply_text(text), 0);
	assert_int_equal(pc_maps_active(m, &slot, &hdr), 0);
	assert_int_equal(hdr.nmembers, members);
	assert_int_equal(banks_in_slot(m->index_banks, slot), hdr.banks);
	fd = inner_map(m->members, slot);
	assert_true(fd >= 0);
	assert_int_equal(max_entries(fd), members ? members : 1);
	close(fd);
	assert_int_equal(banks_in_slot(m->index_banks, !slot), 0);
	assert_int_equal(inner_map(m->members, !slot), -ENOENT);
}

/* A table of n pairs of neighbouring addresses in 100.64.0.0/10: each
 * pair a node of the address index and its leaves, so that they take
 * more than one bank. */
static char *big_policy(unsigned n)
{
	size_t size = 64 + n * 40;
	char *text = malloc(size), *p = text;
	unsigned i, a;

	assert_non_null(text);
	p += sprintf(p, "table <big> {");
	for (i = 0; i < n; i++) {
		a = (100u << 24 | 64u << 16) + ((i * 2654435761u) & 0x3fffff & ~3u);
		p += sprintf(p, "%s %u.%u.%u.%u, %u.%u.%u.%u", i ? "," : "", a >> 24, a >> 16 & 255,
			     a >> 8 & 255, a & 255, a >> 24, a >> 16 & 255, a >> 8 & 255,
			     (a & 255) + 1);
	}
	sprintf(p, " }\nblock proto tcp from <big> to port 25\n");
	return text;
}

static void test_older_generation_released(void **state)
{
	struct pc_policy_hdr hdr;
	char *big = big_policy(20000);
	__u32 slot;

	(void)state;
	apply_and_check("table <a> { 192.0.2.0/24, 198.51.100.7, 2001:db8::/32 }\n"
			"block proto tcp from <a> to port 25\n",
			3);
	apply_and_check("table <b> { 203.0.113.0/25, 203.0.113.128/25 }\n"
			"block proto tcp from <b> to port 25\n"
			"pass proto tcp to <b> port 587\n",
			2); /* two prefixes, in both directions, listed once */
	apply_and_check(big, 40000);
	assert_int_equal(pc_maps_active(&prog_loaded.maps, &slot, &hdr), 0);
	assert_true(hdr.banks > 1);
	apply_and_check("block proto tcp to port 25\n", 0);
	apply_and_check(big, 40000);
	apply_and_check("table <a> { 192.0.2.0/24, 198.51.100.7, 2001:db8::/32 }\n"
			"block proto tcp from <a> to port 25\n",
			3);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_older_generation_released),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
