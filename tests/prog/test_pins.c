// SPDX-License-Identifier: GPL-2.0
/*
 * Pins: a load pinned under a private directory of /sys/fs/bpf is found
 * again by opening its pins (through the skeleton, nothing loaded), a
 * policy written through one is read through the other, and unpinning
 * leaves nothing behind. Also the names the commands rely on: the link
 * pin format and the table count.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>

#include "prog_harness.h"

static char pin_dir[64];

/* A private pin directory, and the harness's unpinned load beside it:
 * the tests here must leave prog_loaded as they found it. */
static int setup(void **state)
{
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/pc-prog-test-%d", (int)getpid());
	if (mkdir(pin_dir, 0700)) {
		printf("# mkdir %s: %s\n", pin_dir, strerror(errno));
		return -1;
	}
	return prog_setup(state);
}

static int teardown(void **state)
{
	pc_unpin_objects(pin_dir);
	rmdir(pin_dir);
	return prog_teardown(state);
}

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_pinned_load_reopened(void **state)
{
	struct pc_loaded loaded, opened;
	struct pc_policy_hdr hdr;
	__u32 ntables, slot;
	bool created;

	(void)state;
	assert_false(pc_pins_loaded(pin_dir));
	assert_int_equal(pc_open_pinned(&opened, pin_dir), -ENOENT);
	assert_int_equal(pc_load_pinned(&loaded, pin_dir, &created), 0);
	assert_true(created);
	assert_true(pc_pins_loaded(pin_dir));
	/* 21 maps and 2 programs, each under its name. */
	assert_int_equal(dir_entries(pin_dir), 23);
	assert_int_equal(pc_open_pinned(&opened, pin_dir), 0);
	assert_int_equal(pc_prog_id(opened.tc_fd), pc_prog_id(loaded.tc_fd));

	/* written through the loader's maps, read through the opened ones */
	assert_int_equal(prog_apply_text_to(&loaded.maps,
					    "table <a> { 192.0.2.0/24 }\ntable <b> { 198.51.100.1 }\n"
					    "block proto tcp from <a> to <b> port 25\n"
					    "block proto tcp from { 203.0.113.1 } to port 26\n"),
			 0);
	assert_int_equal(pc_maps_count_tables(&opened.maps, &ntables), 0);
	assert_int_equal(ntables, 2); /* the inline list is a set, not a table */
	assert_int_equal(pc_maps_active(&opened.maps, &slot, &hdr), 0);
	assert_int_equal(hdr.generation, 1);
	assert_int_equal(hdr.nrules, 2);

	pc_loaded_close(&opened);
	pc_loaded_close(&loaded);
	assert_int_equal(pc_unpin_objects(pin_dir), 0);
	assert_false(pc_pins_loaded(pin_dir));
	assert_int_equal(dir_entries(pin_dir), 0);
}

/* A pinned load whose pin called name is then removed: a damaged load.
 * path gets that pin's path. */
static void pinned_load_without(const char *name, char *path, size_t size)
{
	struct pc_loaded l;
	bool created;

	assert_int_equal(pc_load_pinned(&l, pin_dir, &created), 0);
	pc_loaded_close(&l);
	snprintf(path, size, "%s/%s", pin_dir, name);
	assert_int_equal(unlink(path), 0);
}

static void test_missing_map_pin_is_stale(void **state)
{
	struct pc_loaded l;
	char path[128];

	(void)state;
	pinned_load_without("pc_sets", path, sizeof(path));
	assert_int_equal(pc_open_pinned(&l, pin_dir), -ESTALE);
	assert_int_equal(pc_unpin_objects(pin_dir), 0);
	assert_int_equal(dir_entries(pin_dir), 0);
}

/* A pinned load whose pin called name is replaced by a map of another
 * layout, as an older build left it: not read as this build's. */
static void older_layout_is_stale(const char *name, enum bpf_map_type type, __u32 key_size,
				  __u32 value_size, __u32 max_entries, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	struct pc_loaded l;
	char path[128];
	int fd;

	pinned_load_without(name, path, sizeof(path));
	fd = bpf_map_create(type, name, key_size, value_size, max_entries, &opts);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	assert_int_equal(pc_open_pinned(&l, pin_dir), -ESTALE);
	assert_int_equal(pc_unpin_objects(pin_dir), 0);
	assert_int_equal(dir_entries(pin_dir), 0);
}

/* pc_totals before it counted by reason: 8 counters. */
static void test_older_map_layout_is_stale(void **state)
{
	(void)state;
	older_layout_is_stale("pc_totals", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8 * 8, 1, 0);
}

/* pc_roots of another layout: one __u32 entry a value, not mmapable. */
static void test_older_index_roots_are_stale(void **state)
{
	(void)state;
	older_layout_is_stale("pc_roots", BPF_MAP_TYPE_ARRAY, 4, 4, PC_SLOTS * 2 * (1 << PC_ROOT_BITS),
			      0);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* An incomplete load (no prog_tc pin): the attach map alone is opened,
 * with its records, and pc_loaded_close() closes it as any other. */
static void test_attach_only_after_incomplete_load(void **state)
{
	struct pc_attach_key key = { .netns = 4096, .ifindex = 7, .hook = PC_HOOK_TC_EGRESS };
	struct pc_attach_val val = { .prog_id = 1 }, got;
	struct pc_loaded l;
	char path[128];
	bool created;
	int fd;

	(void)state;
	assert_int_equal(pc_load_pinned(&l, pin_dir, &created), 0);
	assert_int_equal(bpf_map_update_elem(l.maps.attach, &key, &val, BPF_ANY), 0);
	pc_loaded_close(&l);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, PC_PIN_PROG_TC);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(pc_open_pinned(&l, pin_dir), -ENOENT);

	assert_int_equal(pc_open_attach_only(&l, pin_dir), 0);
	assert_int_equal(bpf_map_lookup_elem(l.maps.attach, &key, &got), 0);
	assert_int_equal(got.prog_id, 1);
	assert_int_equal(l.maps.ctl, -1);
	assert_int_equal(l.xdp_fd, -1);
	assert_int_equal(l.tc_fd, -1);
	fd = l.maps.attach;
	pc_loaded_close(&l);
	assert_false(fd_open(fd));
	assert_int_equal(l.maps.attach, -1);

	assert_int_equal(pc_unpin_objects(pin_dir), 0);
	assert_int_equal(pc_open_attach_only(&l, pin_dir), -ENOENT);
	assert_int_equal(l.maps.attach, -1);
	assert_null(l.skel);
}

/* Every descriptor of an empty struct pc_loaded is -1, never 0 (stdin),
 * and closing it leaves it so; a map missing from PC_MAPS_NONE shows here. */
static void assert_no_fd(const struct pc_loaded *l)
{
	const int *fd = (const int *)&l->maps;
	size_t i;

	assert_null(l->skel);
	assert_false(l->progs_in_skel);
	for (i = 0; i < sizeof(l->maps) / sizeof(*fd); i++)
		assert_int_equal(fd[i], -1);
	assert_int_equal(l->xdp_fd, -1);
	assert_int_equal(l->tc_fd, -1);
}

static void test_loaded_init_holds_no_fd(void **state)
{
	struct pc_loaded l = PC_LOADED_INIT;

	(void)state;
	assert_no_fd(&l);
	pc_loaded_close(&l);
	assert_no_fd(&l);
}

/* After the tests above, the harness's own load still works. */
static void test_harness_load_untouched(void **state)
{
	struct pc_stats *s;

	(void)state;
	assert_int_equal(prog_apply_text("block proto tcp to port 25\n"), 0);
	s = stats_read();
	assert_int_equal(s->nrules, 1);
	free(s);
}

static void test_link_pin_name(void **state)
{
	char path[64];

	(void)state;
	assert_int_equal(pc_link_pin_path(path, sizeof(path), "/x", 4096, 7), 0);
	assert_string_equal(path, "/x/link_xdp_4096_7");
	assert_int_equal(pc_link_pin_path(path, 8, "/x", 4096, 7), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_load_reopened),
		cmocka_unit_test(test_missing_map_pin_is_stale),
		cmocka_unit_test(test_older_map_layout_is_stale),
		cmocka_unit_test(test_older_index_roots_are_stale),
		cmocka_unit_test(test_attach_only_after_incomplete_load),
		cmocka_unit_test(test_harness_load_untouched),
		cmocka_unit_test(test_link_pin_name),
		cmocka_unit_test(test_loaded_init_holds_no_fd),
	};

	prog_seed_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
