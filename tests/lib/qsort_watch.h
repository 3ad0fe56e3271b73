/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every test binary's qsort takes the place of the C library's and counts
 * the calls with a NULL array: undefined behaviour even for 0 elements,
 * which the C library lets pass but UBSan stops (make test-sanitize). A
 * test sets the count to 0, does what may sort nothing, and checks it.
 */
#ifndef PC_TEST_QSORT_WATCH_H
#define PC_TEST_QSORT_WATCH_H

extern unsigned pc_qsort_null_calls;

#endif /* PC_TEST_QSORT_WATCH_H */
