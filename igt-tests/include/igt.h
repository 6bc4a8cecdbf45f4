/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * igt.h - the subset of IGT's public API used by the vsvm tests.
 *
 * Debian's intel-gpu-tools package ships IGT's core library (libigt.so.0,
 * version 1.27.1) but none of its headers.  This file declares, in our own
 * words, exactly the part of that API our tests use, so that the tests link
 * against the real library here and compile unchanged inside an upstream IGT
 * tree, where "igt.h" is IGT's own header.
 *
 * Everything below mirrors lib/igt_core.h, lib/drmtest.h,
 * lib/ioctl_wrappers.h or lib/igt_kmod.h of IGT 1.27.1 and must stay
 * ABI-identical with them: same function prototypes, same exported
 * variables, same enum values, and macros that expand onto the same library
 * entry points.  That is what makes subtest selection, --list-subtests,
 * exit codes and logging behave exactly as in any other IGT test.  Check
 * every new declaration with
 *   nm -D --defined-only /usr/lib/x86_64-linux-gnu/libigt.so.0
 * and do not add anything the tests do not need.
 */

#ifndef IGT_H
#define IGT_H

/*
 * Upstream igt.h reaches these through igt_core.h and drmtest.h; tests may
 * rely on them being there.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>
#include <xf86drm.h>

/* ------------------------------------------------------------------ */
/* Exit codes (lib/igt_core.h)                                          */
/* ------------------------------------------------------------------ */

/*
 * IGT_EXIT_*: process exit status of a test binary.  IGT 1.27 has no
 * separate "timeout" code; a runner detects timeouts itself.
 */
#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79	/* bad option or unknown subtest */
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

/* ------------------------------------------------------------------ */
/* Helpers the macros below are built from (lib/igt_core.h)             */
/* ------------------------------------------------------------------ */

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)	/* a test may define its own before this */
#endif

#define __igt_tokencat2(x, y) x ## y
#define igt_tokencat(x, y) __igt_tokencat2(x, y)
/* igt_unique - an identifier made unique per source line */
#define igt_unique(prefix) \
	igt_tokencat(igt_tokencat(__igt_unique__, prefix), __LINE__)

/*
 * Jump targets for igt_skip()/igt_fail()/igt_assert*() inside a fixture or
 * subtest.  Exported by libigt as plain jmp_buf objects, which glibc makes
 * the same type as sigjmp_buf.
 */
extern jmp_buf igt_subtest_jmpbuf;
extern jmp_buf igt_dynamic_jmpbuf;

/* ------------------------------------------------------------------ */
/* Test structure (lib/igt_core.h)                                      */
/* ------------------------------------------------------------------ */

/* Extra command line options handler, as in igt_main_args(). */
typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
__attribute__((noreturn)) void igt_exit(void);

/*
 * IGT_TEST_DESCRIPTION - describe the whole binary (--help-description).
 * libigt holds a weak reference to this variable.
 */
extern const char *__igt_test_description __attribute__((weak));
#define IGT_TEST_DESCRIPTION(str) const char *__igt_test_description = str

/*
 * igt_main - replaces main() of a test with subtests.  Parses the standard
 * IGT options (--list-subtests, --run-subtest, --debug, ...), runs the body,
 * and reports through igt_exit(), which must end every IGT test.
 */
#define igt_main \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv, NULL, NULL, NULL, \
					    NULL, NULL); \
		igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void igt_unique(__real_main)(void)

bool __igt_fixture(void);
void __igt_fixture_complete(void);

/*
 * igt_fixture - a block of setup/teardown code shared by the subtests.
 * It runs at most once, is skipped while only listing subtests, and a
 * skip or failure inside it applies to every following subtest.
 */
#define igt_fixture \
	for (volatile int igt_unique(__fixture) = 0; \
	     igt_unique(__fixture) < 1 && __igt_fixture() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_unique(__fixture)++, __igt_fixture_complete())

bool __igt_run_subtest(const char *subtest_name, const char *file,
		       const int line);
void igt_success(void);

/*
 * igt_subtest - a subtest block.  libigt decides whether it runs (name
 * listed, selected by --run-subtest, ...); igt_skip()/igt_fail() leave only
 * this block, and falling off its end records a success.
 */
#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_subtest_f(tmp, fmt...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), fmt), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

/* igt_subtest_f - igt_subtest() with a printf-formatted name */
#define igt_subtest_f(fmt...) __igt_subtest_f(igt_unique(__name), fmt)

__attribute__((format(printf, 1, 2)))
void igt_describe_f(const char *fmt, ...);

/* igt_describe - documentation of the next subtest (--describe) */
#define igt_describe(dsc) igt_describe_f("%s", dsc)

/* ------------------------------------------------------------------ */
/* Results: skip, fail, assert, require (lib/igt_core.h)                */
/* ------------------------------------------------------------------ */

__attribute__((noreturn, format(printf, 1, 2)))
void igt_skip(const char *f, ...);
__attribute__((noreturn, format(printf, 5, 6)))
void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *format, ...);
/* igt_fail - fail the current subtest with an IGT_EXIT_* code */
__attribute__((noreturn)) void igt_fail(int exitcode);
__attribute__((noreturn, format(printf, 6, 7)))
void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *format, ...);

/* igt_assert - fail the subtest unless @expr holds */
#define igt_assert(expr) do { \
	if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
				  __func__, #expr, NULL); \
} while (0)

/* igt_assert_f - igt_assert() with a printf-formatted explanation */
#define igt_assert_f(expr, f...) do { \
	if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
				  __func__, #expr, f); \
} while (0)

/*
 * Typed comparisons: both operands are converted to @type once, then
 * compared with @op; on failure both values are printed with @pfmt.
 */
#define __igt_assert_cmp(type, pfmt, n1, op, nop, n2) do { \
	type __n1 = (n1), __n2 = (n2); \
	if (!(__n1 op __n2)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
				  __func__, #n1 " " #op " " #n2, \
				  "error: " pfmt " " #nop " " pfmt "\n", \
				  __n1, __n2); \
} while (0)

#define igt_assert_cmpint(n1, op, nop, n2) \
	__igt_assert_cmp(int, "%d", n1, op, nop, n2)
#define igt_assert_cmpuint(n1, op, nop, n2) \
	__igt_assert_cmp(uint32_t, "%#x", n1, op, nop, n2)
#define igt_assert_cmpu64(n1, op, nop, n2) \
	__igt_assert_cmp(unsigned long long, "%#llx", n1, op, nop, n2)

#define igt_assert_eq(n1, n2)		igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2)		igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lt(n1, n2)		igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_lte(n1, n2)		igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_eq_u32(n1, n2)	igt_assert_cmpuint(n1, ==, !=, n2)
#define igt_assert_eq_u64(n1, n2)	igt_assert_cmpu64(n1, ==, !=, n2)

/*
 * igt_assert_fd - fail unless @fd is a valid descriptor.  The trailing
 * semicolon is upstream's: keeping it means code that compiles here also
 * compiles there (e.g. it cannot precede an "else").
 */
#define igt_assert_fd(fd) \
	igt_assert_f(fd >= 0, "file descriptor " #fd " failed\n");

/* igt_require - skip the subtest unless @expr holds */
#define igt_require(expr) do { \
	if (!(expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL); \
	else \
		igt_debug("Requirement met: %s\n", #expr); \
} while (0)

/* igt_require_f - igt_require() with a printf-formatted explanation */
#define igt_require_f(expr, f...) do { \
	if (!(expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, #expr, f); \
	else \
		igt_debug("Requirement met: %s\n", #expr); \
} while (0)

/* igt_skip_on - skip the subtest if @expr holds */
#define igt_skip_on(expr) do { \
	if ((expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, \
				 "!(" #expr ")", NULL); \
	else \
		igt_debug("Requirement met: !(%s)\n", #expr); \
} while (0)

/* igt_skip_on_f - igt_skip_on() with a printf-formatted explanation */
#define igt_skip_on_f(expr, f...) do { \
	if ((expr)) \
		__igt_skip_check(__FILE__, __LINE__, __func__, \
				 "!(" #expr ")", f); \
	else \
		igt_debug("Requirement met: !(%s)\n", #expr); \
} while (0)

/* ------------------------------------------------------------------ */
/* Logging (lib/igt_core.h)                                             */
/* ------------------------------------------------------------------ */

/* Order and values are ABI: igt_log() takes the level by value. */
enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};

__attribute__((format(printf, 3, 4)))
void igt_log(const char *domain, enum igt_log_level level,
	     const char *format, ...);

/*
 * igt_debug/igt_info go to stdout (debug only with --debug), igt_warn to
 * stderr.  libigt keeps a ring of recent lines and dumps it on failure.
 */
#define igt_debug(f...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, f)
#define igt_info(f...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, f)
#define igt_warn(f...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, f)

/* ------------------------------------------------------------------ */
/* Child processes (lib/igt_core.h)                                     */
/* ------------------------------------------------------------------ */

bool __igt_fork(void);
void igt_waitchildren(void);

/*
 * igt_fork - run the block in @num_children child processes, @child being
 * the index of each.  A failing assertion in a child is reported by
 * igt_waitchildren(), which every igt_fork() must be followed by.
 */
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))

/* ------------------------------------------------------------------ */
/* ioctl helpers (lib/ioctl_wrappers.h, lib/drmtest.h)                  */
/* ------------------------------------------------------------------ */

/*
 * igt_ioctl - the ioctl entry point all IGT helpers use; drmIoctl() by
 * default (restarts on EINTR/EAGAIN), swapped by igt_while_interruptible().
 */
extern int (*igt_ioctl)(int fd, unsigned long request, void *arg);

/* do_ioctl - assert that the ioctl succeeds */
#define do_ioctl(fd, ioc, ioc_data) do { \
	igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), 0); \
	errno = 0; \
} while (0)

/* to_user_pointer - a pointer as the __u64 that ioctl structures carry */
static inline uint64_t to_user_pointer(const void *ptr)
{
	return (uintptr_t)ptr;
}

/* from_user_pointer - the reverse of to_user_pointer() */
static inline void *from_user_pointer(uint64_t u64)
{
	return (void *)(uintptr_t)u64;
}

/* do_ioctl_err - assert that the ioctl fails with errno == @err */
#define do_ioctl_err(fd, ioc, ioc_data, err) do { \
	igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), -1); \
	igt_assert_eq(errno, err); \
	errno = 0; \
} while (0)

/* ------------------------------------------------------------------ */
/* Kernel modules (lib/igt_kmod.h; upstream igt.h does not include it)  */
/* ------------------------------------------------------------------ */

/*
 * igt_kmod_load - modprobe @mod_name (dependencies included) through
 * libkmod.  Returns 0 or -errno.  With @opts == NULL an already loaded
 * module is success; with options it is -EEXIST, since the options could
 * not be applied.
 */
int igt_kmod_load(const char *mod_name, const char *opts);

/*
 * igt_kmod_unload - remove @mod_name and, first, every module holding it.
 * @flags go straight to kmod_module_remove_module() (KMOD_REMOVE_* from
 * libkmod.h; 0 for a normal removal).  Returns 0 or -errno as given by
 * delete_module(2): -ENOENT if it was not loaded, -ENOSYS on a kernel
 * without module unloading.
 */
int igt_kmod_unload(const char *mod_name, unsigned int flags);

#endif /* IGT_H */
