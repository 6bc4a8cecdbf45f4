// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>

#include "../vsvm_config.h"

static const struct vsvm_config vsvm_test_good_config = {
	.num_devices = 2,
	.num_engines = 2,
	.vram_size = 256 * SZ_1M,
	.job_timeout_ms = 10000,
};

static void vsvm_config_test_accepts_valid(struct kunit *test)
{
	struct vsvm_config config = vsvm_test_good_config;
	const char *reason = NULL;

	KUNIT_EXPECT_EQ(test, vsvm_config_validate(&config, &reason), 0);
	KUNIT_EXPECT_NULL(test, reason);

	/* The limits themselves are valid. */
	config.num_devices = VSVM_MAX_DEVICES;
	config.num_engines = VSVM_MAX_ENGINES;
	config.vram_size = VSVM_MAX_VRAM_SIZE;
	config.job_timeout_ms = VSVM_MAX_JOB_TIMEOUT_MS;
	KUNIT_EXPECT_EQ(test, vsvm_config_validate(&config, &reason), 0);

	config.num_devices = 1;
	config.num_engines = 1;
	config.vram_size = VSVM_VRAM_ALIGN;
	config.job_timeout_ms = 1;
	KUNIT_EXPECT_EQ(test, vsvm_config_validate(&config, &reason), 0);
}

/**
 * struct vsvm_config_case - one invalid configuration
 * @name: what is wrong with it
 * @num_devices: &vsvm_config.num_devices
 * @num_engines: &vsvm_config.num_engines
 * @vram_size: &vsvm_config.vram_size
 * @job_timeout_ms: &vsvm_config.job_timeout_ms
 */
struct vsvm_config_case {
	const char *name;
	u32 num_devices;
	u32 num_engines;
	u64 vram_size;
	u32 job_timeout_ms;
};

static const struct vsvm_config_case vsvm_config_bad_cases[] = {
	{ "no devices", 0, 2, SZ_256M, 10000 },
	{ "too many devices", VSVM_MAX_DEVICES + 1, 2, SZ_256M, 10000 },
	{ "no engines", 1, 0, SZ_256M, 10000 },
	{ "too many engines", 1, VSVM_MAX_ENGINES + 1, SZ_256M, 10000 },
	{ "no vram", 1, 2, 0, 10000 },
	{ "too much vram", 1, 2, VSVM_MAX_VRAM_SIZE + VSVM_VRAM_ALIGN, 10000 },
	{ "vram not 2M aligned", 1, 2, SZ_1M, 10000 },
	{ "vram 2M + 4K", 1, 2, SZ_2M + SZ_4K, 10000 },
	{ "no job timeout", 1, 2, SZ_256M, 0 },
	{ "job timeout too long", 1, 2, SZ_256M, VSVM_MAX_JOB_TIMEOUT_MS + 1 },
};

static void vsvm_config_case_desc(const struct vsvm_config_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vsvm_config_bad, vsvm_config_bad_cases, vsvm_config_case_desc);

static void vsvm_config_test_rejects_invalid(struct kunit *test)
{
	const struct vsvm_config_case *c = test->param_value;
	const struct vsvm_config config = {
		.num_devices = c->num_devices,
		.num_engines = c->num_engines,
		.vram_size = c->vram_size,
		.job_timeout_ms = c->job_timeout_ms,
	};
	const char *reason = NULL;

	KUNIT_EXPECT_EQ(test, vsvm_config_validate(&config, &reason), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, reason);
}

static void vsvm_config_test_for_device(struct kunit *test)
{
	struct vsvm_device_config dev_config;

	vsvm_config_for_device(&vsvm_test_good_config, 1, &dev_config);
	KUNIT_EXPECT_EQ(test, dev_config.index, 1);
	KUNIT_EXPECT_EQ(test, dev_config.num_engines,
			vsvm_test_good_config.num_engines);
	KUNIT_EXPECT_EQ(test, dev_config.vram_size,
			vsvm_test_good_config.vram_size);
	KUNIT_EXPECT_EQ(test, dev_config.job_timeout_ms,
			vsvm_test_good_config.job_timeout_ms);
}

static struct kunit_case vsvm_config_test_cases[] = {
	KUNIT_CASE(vsvm_config_test_accepts_valid),
	KUNIT_CASE_PARAM(vsvm_config_test_rejects_invalid,
			 vsvm_config_bad_gen_params),
	KUNIT_CASE(vsvm_config_test_for_device),
	{}
};

static struct kunit_suite vsvm_config_test_suite = {
	.name = "vsvm_config",
	.test_cases = vsvm_config_test_cases,
};

kunit_test_suite(vsvm_config_test_suite);

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_DESCRIPTION("KUnit tests for the vsvm driver");
MODULE_LICENSE("GPL");
