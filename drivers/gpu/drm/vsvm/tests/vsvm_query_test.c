// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>

#include <uapi/drm/vsvm_drm.h>

#include "../vsvm_drv.h"
#include "../vsvm_query.h"

#define VSVM_TEST_MIN_SIZE	40
#define VSVM_TEST_FULL_SIZE	56

static void vsvm_query_test_size_request(struct kunit *test)
{
	u32 copy_size = 0xdead;

	KUNIT_EXPECT_EQ(test, vsvm_query_negotiate_size(0, VSVM_TEST_MIN_SIZE,
							VSVM_TEST_FULL_SIZE,
							&copy_size), 0);
	KUNIT_EXPECT_EQ(test, copy_size, 0);
}

static void vsvm_query_test_too_small(struct kunit *test)
{
	u32 copy_size = 0xdead;

	KUNIT_EXPECT_EQ(test, vsvm_query_negotiate_size(1, VSVM_TEST_MIN_SIZE,
							VSVM_TEST_FULL_SIZE,
							&copy_size), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			vsvm_query_negotiate_size(VSVM_TEST_MIN_SIZE - 1,
						  VSVM_TEST_MIN_SIZE,
						  VSVM_TEST_FULL_SIZE,
						  &copy_size), -EINVAL);
	/* A failed negotiation leaves the output alone. */
	KUNIT_EXPECT_EQ(test, copy_size, 0xdead);
}

static void vsvm_query_test_older_user(struct kunit *test)
{
	u32 copy_size;

	/* Userspace built against the first version gets the first version. */
	KUNIT_EXPECT_EQ(test,
			vsvm_query_negotiate_size(VSVM_TEST_MIN_SIZE,
						  VSVM_TEST_MIN_SIZE,
						  VSVM_TEST_FULL_SIZE,
						  &copy_size), 0);
	KUNIT_EXPECT_EQ(test, copy_size, VSVM_TEST_MIN_SIZE);
}

static void vsvm_query_test_newer_user(struct kunit *test)
{
	u32 copy_size;

	/* A larger buffer gets everything this kernel knows, no more. */
	KUNIT_EXPECT_EQ(test,
			vsvm_query_negotiate_size(VSVM_TEST_FULL_SIZE + 64,
						  VSVM_TEST_MIN_SIZE,
						  VSVM_TEST_FULL_SIZE,
						  &copy_size), 0);
	KUNIT_EXPECT_EQ(test, copy_size, VSVM_TEST_FULL_SIZE);

	KUNIT_EXPECT_EQ(test,
			vsvm_query_negotiate_size(U32_MAX, VSVM_TEST_MIN_SIZE,
						  VSVM_TEST_FULL_SIZE,
						  &copy_size), 0);
	KUNIT_EXPECT_EQ(test, copy_size, VSVM_TEST_FULL_SIZE);
}

static void vsvm_query_test_fill_device(struct kunit *test)
{
	struct vsvm_device *vdev;
	struct drm_vsvm_query_device info;

	vdev = kunit_kzalloc(test, sizeof(*vdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vdev);
	vdev->config.index = 3;
	vdev->config.num_engines = 5;
	vdev->config.vram_size = 64 * SZ_1M;

	memset(&info, 0xa5, sizeof(info));
	vsvm_query_fill_device(vdev, &info);

	KUNIT_EXPECT_EQ(test, info.uapi_major, VSVM_UAPI_MAJOR);
	KUNIT_EXPECT_EQ(test, info.uapi_minor, VSVM_UAPI_MINOR);
	KUNIT_EXPECT_EQ(test, info.device_index, 3);
	KUNIT_EXPECT_EQ(test, info.num_engines, 5);
	KUNIT_EXPECT_EQ(test, info.vram_size, 64 * SZ_1M);
	KUNIT_EXPECT_EQ(test, info.page_sizes,
			DRM_VSVM_PAGE_SIZE_4K | DRM_VSVM_PAGE_SIZE_64K |
			DRM_VSVM_PAGE_SIZE_2M);
	KUNIT_EXPECT_EQ(test, info.features,
			DRM_VSVM_FEATURE_SVM | DRM_VSVM_FEATURE_VRAM);
}

static struct kunit_case vsvm_query_test_cases[] = {
	KUNIT_CASE(vsvm_query_test_size_request),
	KUNIT_CASE(vsvm_query_test_too_small),
	KUNIT_CASE(vsvm_query_test_older_user),
	KUNIT_CASE(vsvm_query_test_newer_user),
	KUNIT_CASE(vsvm_query_test_fill_device),
	{}
};

static struct kunit_suite vsvm_query_test_suite = {
	.name = "vsvm_query",
	.test_cases = vsvm_query_test_cases,
};

kunit_test_suite(vsvm_query_test_suite);
