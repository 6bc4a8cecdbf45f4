// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * vram-test: host-side unit test of libvsvm 1.2 (MADVISE, ATTR_QUERY,
 * PREFETCH and residency).  It needs no device: it checks the layout of the
 * uAPI 1.2 structures and ioctl numbers, and that the wrappers reject what
 * vsvm_drm.h forbids before they use the device.  The device passed is
 * NULL, so a check that is missing shows as a crash.  Prints TAP; exit
 * status 0 only if every test passed.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vsvm.h"

#include "tap.h"

_Static_assert(sizeof(struct drm_vsvm_mem_attrs) == 16, "mem_attrs size");
_Static_assert(sizeof(struct drm_vsvm_madvise) == 40, "madvise size");
_Static_assert(offsetof(struct drm_vsvm_madvise, attrs) == 24,
	       "madvise attrs offset");
_Static_assert(sizeof(struct drm_vsvm_attr_query) == 56, "attr_query size");
_Static_assert(offsetof(struct drm_vsvm_attr_query, attrs) == 32,
	       "attr_query attrs offset");
_Static_assert(sizeof(struct drm_vsvm_prefetch) == 80, "prefetch size");
_Static_assert(offsetof(struct drm_vsvm_prefetch, moved) == 32,
	       "prefetch moved offset");
_Static_assert(offsetof(struct drm_vsvm_prefetch, no_memory) == 72,
	       "prefetch no_memory offset");

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096ull

#define CHECK_EQ(got, want)						\
	do {								\
		long long got_ = (got), want_ = (want);			\
		if (got_ != want_) {					\
			printf("# %s:%d: %s is %lld, expected %s "	\
			       "(%lld)\n", __FILE__, __LINE__, #got,	\
			       got_, #want, want_);			\
			tap_failures++;					\
		}							\
	} while (0)

/* No device: every call below must fail its argument checks first. */
static struct vsvm_device *const nodev;

static void test_ioctl_numbers(void)
{
	CHECK_EQ(_IOC_NR(DRM_IOCTL_VSVM_MADVISE),
		 DRM_COMMAND_BASE + DRM_VSVM_MADVISE);
	CHECK_EQ(_IOC_DIR(DRM_IOCTL_VSVM_MADVISE), _IOC_WRITE);
	CHECK_EQ(_IOC_SIZE(DRM_IOCTL_VSVM_MADVISE),
		 sizeof(struct drm_vsvm_madvise));
	CHECK_EQ(_IOC_NR(DRM_IOCTL_VSVM_ATTR_QUERY),
		 DRM_COMMAND_BASE + DRM_VSVM_ATTR_QUERY);
	CHECK_EQ(_IOC_DIR(DRM_IOCTL_VSVM_ATTR_QUERY), _IOC_READ | _IOC_WRITE);
	CHECK_EQ(_IOC_NR(DRM_IOCTL_VSVM_PREFETCH),
		 DRM_COMMAND_BASE + DRM_VSVM_PREFETCH);
	CHECK_EQ(_IOC_DIR(DRM_IOCTL_VSVM_PREFETCH), _IOC_READ | _IOC_WRITE);
	CHECK_EQ(_IOC_SIZE(DRM_IOCTL_VSVM_PREFETCH),
		 sizeof(struct drm_vsvm_prefetch));
	/* uAPI rule: every structure is a multiple of 8 bytes. */
	CHECK_EQ(sizeof(struct drm_vsvm_madvise) % 8, 0);
	CHECK_EQ(sizeof(struct drm_vsvm_attr_query) % 8, 0);
	CHECK_EQ(sizeof(struct drm_vsvm_prefetch) % 8, 0);
}

/* Every span the uAPI rejects, for a function taking (start, size). */
static void check_bad_spans(int (*call)(uint64_t start, uint64_t size))
{
	CHECK_EQ(call(0x100000, 0), -EINVAL);
	CHECK_EQ(call(0x100800, PAGE), -EINVAL);
	CHECK_EQ(call(0x100000, PAGE + 4), -EINVAL);
	CHECK_EQ(call(0x100000, 100), -EINVAL);
	/* Wrapping: the span would end past the top of the address space. */
	CHECK_EQ(call(UINT64_MAX - PAGE + 1, 2 * PAGE), -EINVAL);
	CHECK_EQ(call(2 * PAGE, UINT64_MAX - PAGE + 1), -EINVAL);
}

static const struct drm_vsvm_mem_attrs good_attrs;

static int madvise_span(uint64_t start, uint64_t size)
{
	return vsvm_madvise(nodev, 1, start, size, &good_attrs);
}

static int prefetch_vram(uint64_t start, uint64_t size)
{
	return vsvm_prefetch(nodev, 1, start, size, DRM_VSVM_REGION_VRAM, NULL);
}

static int prefetch_system(uint64_t start, uint64_t size)
{
	struct drm_vsvm_prefetch out;

	return vsvm_prefetch(nodev, 1, start, size, DRM_VSVM_REGION_SYSTEM,
			     &out);
}

static uint8_t entries[16];

static int residency(uint64_t start, uint64_t size)
{
	return vsvm_residency(nodev, 1, start, size, entries);
}

static int range_info(uint64_t start, uint64_t size)
{
	return vsvm_range_info(nodev, 1, start, size, entries);
}

static void test_spans(void)
{
	check_bad_spans(madvise_span);
	check_bad_spans(prefetch_vram);
	check_bad_spans(prefetch_system);
	check_bad_spans(residency);
	check_bad_spans(range_info);
}

/* Attributes vsvm_drm.h forbids, one broken field each. */
static const struct drm_vsvm_mem_attrs bad_attrs[] = {
	{ .preferred_loc = DRM_VSVM_LOC_VRAM + 1 },
	{ .preferred_loc = UINT32_MAX },
	{ .granularity = 1 },
	{ .granularity = 8192 },
	{ .granularity = 1u << 20 },
	{ .granularity = 1u << 30 },
	{ .atomic_policy = DRM_VSVM_ATOMIC_VRAM_ONLY + 1 },
	/* A timeslice only goes with DRM_VSVM_ATOMIC_VRAM_ONLY. */
	{ .atomic_timeslice_ms = 1 },
	{
		.atomic_policy = DRM_VSVM_ATOMIC_VRAM_ONLY,
		.atomic_timeslice_ms = DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS + 1,
	},
};

static void test_attrs(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_attrs); i++) {
		CHECK_EQ(vsvm_madvise(nodev, 1, 0x200000, 0x200000,
				      &bad_attrs[i]), -EINVAL);
		CHECK_EQ(vsvm_vm_default_attrs(nodev, 1, &bad_attrs[i]),
			 -EINVAL);
	}
	CHECK_EQ(vsvm_madvise(nodev, 1, 0x200000, 0x200000, NULL), -EINVAL);
	CHECK_EQ(vsvm_vm_default_attrs(nodev, 1, NULL), -EINVAL);
}

static void test_prefetch_region(void)
{
	CHECK_EQ(vsvm_prefetch(nodev, 1, 0x200000, PAGE,
			       DRM_VSVM_REGION_VRAM + 1, NULL), -EINVAL);
	CHECK_EQ(vsvm_prefetch(nodev, 1, 0x200000, PAGE, UINT32_MAX, NULL),
		 -EINVAL);
}

static const struct tap_test tests[] = {
	{ "uAPI 1.2 ioctl numbers and sizes", test_ioctl_numbers },
	{ "spans: empty, misaligned, wrapping", test_spans },
	{ "memory attributes", test_attrs },
	{ "prefetch region", test_prefetch_region },
};

int main(void)
{
	return tap_run("vram-test", tests, ARRAY_SIZE(tests));
}
