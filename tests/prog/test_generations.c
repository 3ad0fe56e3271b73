// SPDX-License-Identifier: GPL-2.0
/*
 * Generations and their prefix tries: each apply puts a new trie, sized
 * for its policy, in the slot it writes (pc_prefixes is an array of
 * maps), and once the switch is made the trie of the generation before is
 * released, so that two large policies never hold the kernel's memory at
 * once and no apply has to clear entries one by one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>

#include "prog_harness.h"

/* The trie in slot, or -ENOENT when the slot holds none. */
static int slot_trie(__u32 slot)
{
	__u32 id;

	if (bpf_map_lookup_elem(prog_loaded.maps.prefixes, &slot, &id))
		return -errno;
	return bpf_map_get_fd_by_id(id);
}

static __u32 trie_entries(int fd)
{
	struct pc_lpm_key key, *prev = NULL;
	__u32 n = 0;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		n++;
	}
	return n;
}

static __u32 trie_max_entries(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* Apply text; the trie in force must hold want entries and have room for
 * exactly that many (one at least), and the other slot must hold none. */
static void apply_and_check(const char *text, __u32 want)
{
	struct pc_policy_hdr hdr;
	__u32 slot;
	int fd;

	assert_int_equal(prog_apply_text(text), 0);
	assert_int_equal(pc_maps_active(&prog_loaded.maps, &slot, &hdr), 0);
	assert_int_equal(hdr.nprefixes, want);
	fd = slot_trie(slot);
	assert_true(fd >= 0);
	assert_int_equal(trie_entries(fd), want);
	assert_int_equal(trie_max_entries(fd), want ? want : 1);
	close(fd);
	assert_int_equal(slot_trie(!slot), -ENOENT);
}

static void test_older_generation_released(void **state)
{
	(void)state;
	apply_and_check("table <a> { 192.0.2.0/24, 198.51.100.7, 2001:db8::/32 }\n"
			"block proto tcp from <a> to port 25\n",
			3);
	apply_and_check("table <b> { 203.0.113.0/25, 203.0.113.128/25 }\n"
			"block proto tcp from <b> to port 25\n"
			"pass proto tcp to <b> port 587\n",
			4); /* two prefixes, in both directions */
	apply_and_check("block proto tcp to port 25\n", 0);
	apply_and_check("table <a> { 192.0.2.0/24, 198.51.100.7, 2001:db8::/32 }\n"
			"block proto tcp from <a> to port 25\n",
			3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_older_generation_released),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, prog_setup, prog_teardown);
}
