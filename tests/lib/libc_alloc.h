/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The allocator that a test's own malloc or calloc hands on to, when the
 * test takes the C library's place to make allocations fail: the C
 * library's own, or AddressSanitizer's in a sanitizer build (make
 * test-sanitize), whose free refuses blocks that it did not hand out.
 */
#ifndef PC_TEST_LIBC_ALLOC_H
#define PC_TEST_LIBC_ALLOC_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define PC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PC_ASAN 1
#endif
#endif

#ifdef PC_ASAN
extern void *__interceptor_malloc(size_t size);
extern void *__interceptor_calloc(size_t n, size_t size);
#define pc_libc_malloc __interceptor_malloc
#define pc_libc_calloc __interceptor_calloc
#else
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
#define pc_libc_malloc __libc_malloc
#define pc_libc_calloc __libc_calloc
#endif

#endif /* PC_TEST_LIBC_ALLOC_H */
