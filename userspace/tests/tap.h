/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * tap.h: the runner the host-side unit tests share.  Each test counts its
 * failed checks in tap_failures; tap_run() runs them all and prints TAP.
 */

#ifndef VSVM_TESTS_TAP_H
#define VSVM_TESTS_TAP_H

#include <stddef.h>
#include <stdio.h>

static int tap_failures;

/**
 * struct tap_test - one test of a host-side unit test program
 * @name: what it checks, for the TAP line
 * @run: the test; it adds its failed checks to tap_failures
 */
struct tap_test {
	const char *name;
	void (*run)(void);
};

/**
 * tap_run() - run the tests and print TAP
 * @program: the program's name, for the summary line
 * @tests: the tests
 * @n: the number of tests
 *
 * Return: the exit status: 0 only if every test passed.
 */
static inline int tap_run(const char *program, const struct tap_test *tests,
			  size_t n)
{
	int failed = 0, before;
	size_t i;

	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		before = tap_failures;
		tests[i].run();
		if (tap_failures != before)
			failed++;
		printf("%sok %zu - %s\n", tap_failures != before ? "not " : "",
		       i + 1, tests[i].name);
	}
	printf("# %s: %zu passed, %d failed\n", program, n - failed, failed);
	return failed ? 1 : 0;
}

#endif /* VSVM_TESTS_TAP_H */
