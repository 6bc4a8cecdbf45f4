/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness, for the hmm-tests that "make check" runs.
 *
 * scripts/check.sh builds the kernel's hmm-tests with this directory first
 * in the quoted-include path (-iquote), so hmm-tests.c gets this file for
 * "kselftest_harness.h".  It takes the kernel's harness unchanged and
 * changes one thing: the time limit of a test that sets none, 30 s in the
 * harness, which is VSVM_HMM_TESTS_TIMEOUT seconds here.  The harness's 30 s
 * is meant for real machines; under TCG, in the debug kernel (KASAN,
 * lockdep, DEBUG_VM), some tests need longer, and a test that goes past the
 * longer limit still fails as "terminated by timeout".
 */
#ifndef _VSVM_KSELFTEST_HARNESS_H
#define _VSVM_KSELFTEST_HARNESS_H

#include_next "kselftest_harness.h"

#ifndef VSVM_HMM_TESTS_TIMEOUT
#error "build with -DVSVM_HMM_TESTS_TIMEOUT=SECONDS (scripts/check.sh)"
#endif

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT VSVM_HMM_TESTS_TIMEOUT

#endif /* _VSVM_KSELFTEST_HARNESS_H */
