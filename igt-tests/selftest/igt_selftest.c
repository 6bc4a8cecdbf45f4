// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * igt_selftest - one subtest per outcome scripts/igt_runner.py must tell
 * apart.  It needs no GPU; scripts/igt_runner_selftest.sh runs it through
 * the runner and checks each result.  Most subtests are meant to fail: do
 * not put this binary in a real test list.
 */

#include <fcntl.h>
#include <signal.h>
#include <time.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Self-test of the IGT runner: every kind of result.");

/* A value the compiler cannot fold, so assertions are checked at run time. */
static volatile int forty_two = 42;

/* Exercise every assertion flavour on values that satisfy it. */
static void check_assertions(void)
{
	uint64_t big = (uint64_t)forty_two << 40;
	int fd = open("/dev/null", O_RDONLY);

	igt_assert(forty_two);
	igt_assert_f(forty_two > 0, "forty_two=%d\n", forty_two);
	igt_assert_eq(forty_two, 42);
	igt_assert_neq(forty_two, 0);
	igt_assert_lt(forty_two, 43);
	igt_assert_lte(forty_two, 42);
	igt_assert_eq_u32((uint32_t)forty_two, 42u);
	igt_assert_eq_u64(big, 42ull << 40);
	igt_assert_fd(fd);
	close(fd);

	/* Requirements that hold must not skip. */
	igt_require(forty_two == 42);
	igt_require_f(forty_two, "unreachable\n");
	igt_skip_on(forty_two != 42);
	igt_skip_on_f(!forty_two, "unreachable\n");
}

/* Write one record at @level to the kernel log; false if not allowed. */
static bool kmsg_write(int level, const char *msg)
{
	char buf[128];
	int fd, len;
	bool ok;

	fd = open("/dev/kmsg", O_WRONLY);
	if (fd < 0)
		return false;
	len = snprintf(buf, sizeof(buf), "<%d>vsvm-selftest: %s\n", level, msg);
	ok = write(fd, buf, len) == len;
	close(fd);
	return ok;
}

igt_main
{
	int fixture_value = 0;

	igt_fixture {
		fixture_value = forty_two;
	}

	igt_describe("Passes: every assertion and requirement holds.");
	igt_subtest("pass") {
		igt_assert_eq(fixture_value, 42);
		check_assertions();
		igt_info("all assertions held\n");
	}

	igt_describe("Passes: igt_fork() children that all succeed.");
	igt_subtest("pass-fork") {
		igt_fork(child, 3)
			igt_assert_lt(child, 3);
		igt_waitchildren();
	}

	for (int i = 1; i <= 2; i++) {
		igt_describe("Passes: a subtest named with igt_subtest_f().");
		igt_subtest_f("pass-formatted-%d", i)
			igt_assert_lte(i, 2);
	}

	igt_describe("Fails: igt_assert_eq() on unequal values.");
	igt_subtest("fail-assert") {
		igt_debug("about to fail on purpose\n");
		igt_assert_eq(forty_two, 43);
	}

	igt_describe("Fails: one igt_fork() child fails its assertion.");
	igt_subtest("fail-fork") {
		igt_fork(child, 2)
			igt_assert_eq(child, 0);
		igt_waitchildren();
	}

	igt_describe("Skips: an igt_require() that does not hold.");
	igt_subtest("skip-require")
		igt_require_f(forty_two == 0, "skipping on purpose\n");

	igt_describe("Passes, but logs a KERN_WARNING: reported as dmesg-warn.");
	igt_subtest("dmesg-warn") {
		if (!kmsg_write(4, "intentional warning from igt_selftest"))
			igt_info("/dev/kmsg not writable, nothing logged\n");
		check_assertions();
	}

	igt_describe("Never finishes on its own: the runner reports timeout.");
	igt_subtest("hang") {
		/* Bounded, so that running it by hand does not block forever. */
		for (int i = 0; i < 600; i++)
			sleep(1);
		igt_fail(IGT_EXIT_FAILURE);
	}

	igt_describe("Dies from a signal: the runner reports crash.");
	igt_subtest("crash") {
		signal(SIGKILL, SIG_DFL);
		raise(SIGKILL);
	}
}
