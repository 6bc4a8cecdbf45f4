// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * TEST: vsvm basic
 * Category: Software emulated GPU
 * Description: Device discovery, DRM_IOCTL_VSVM_QUERY and its validation,
 *		module parameters and module reload.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "igt_kmod.h"
#include "vsvm_igt.h"

#define DRM_MAJOR_NUMBER	226
#define RENDER_MINOR_BASE	128
#define POISON			0xa5
#define VSVM_PLATFORM_DRIVER	"/sys/bus/platform/drivers/vsvm"

IGT_TEST_DESCRIPTION("Device discovery, queries and their validation, module parameters.");

static const uint64_t expected_page_sizes =
	DRM_VSVM_PAGE_SIZE_4K | DRM_VSVM_PAGE_SIZE_64K | DRM_VSVM_PAGE_SIZE_2M;

static struct drm_vsvm_query device_query(void *data, uint32_t size)
{
	struct drm_vsvm_query query = {
		.item = DRM_VSVM_QUERY_DEVICE,
		.data = to_user_pointer(data),
		.size = size,
	};

	return query;
}

static int query_errno(int fd, struct drm_vsvm_query query)
{
	return __vsvm_query(fd, &query);
}

static void test_open_by_name(int fd)
{
	drmVersionPtr version = drmGetVersion(fd);
	struct stat st;

	igt_assert(version);
	igt_assert_eq(strcmp(version->name, "vsvm"), 0);
	igt_assert_eq(version->version_major, 1);
	drmFreeVersion(version);

	igt_assert_eq(fstat(fd, &st), 0);
	igt_assert(S_ISCHR(st.st_mode));
	igt_assert_eq(major(st.st_rdev), DRM_MAJOR_NUMBER);
	igt_assert_lte(RENDER_MINOR_BASE, minor(st.st_rdev));
}

static void test_query_device(int fd)
{
	drmVersionPtr version = drmGetVersion(fd);
	struct drm_vsvm_query_device info;

	vsvm_query_device(fd, &info);
	igt_assert(version);
	igt_assert_eq_u32(info.uapi_major, version->version_major);
	igt_assert_eq_u32(info.uapi_minor, version->version_minor);
	drmFreeVersion(version);

	igt_assert_eq_u32(info.device_index, 0);
	igt_assert_eq_u32(info.num_engines,
			  vsvm_igt_module_param("num_engines"));
	igt_assert_eq_u64(info.vram_size,
			  (uint64_t)vsvm_igt_module_param("vram_size_mb") << 20);
	igt_assert_eq_u64(info.page_sizes, expected_page_sizes);
	/* uAPI 1.1 brought SVM, 1.2 VRAM */
	igt_assert_eq_u64(info.features,
			  DRM_VSVM_FEATURE_SVM |
			  (info.uapi_minor >= 2 ? DRM_VSVM_FEATURE_VRAM : 0));
}

static void test_query_size_probe(int fd)
{
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query query = device_query(&info, 0);
	uint8_t *bytes = (uint8_t *)&info;
	size_t i;

	memset(&info, POISON, sizeof(info));
	igt_assert_eq(__vsvm_query(fd, &query), 0);
	igt_assert_eq_u32(query.size, sizeof(info));
	for (i = 0; i < sizeof(info); i++)
		igt_assert_eq(bytes[i], POISON);
}

static void test_query_larger_buffer(int fd)
{
	struct {
		struct drm_vsvm_query_device info;
		uint8_t tail[40];
	} buf;
	struct drm_vsvm_query query = device_query(&buf, sizeof(buf));
	struct drm_vsvm_query_device expected;
	size_t i;

	vsvm_query_device(fd, &expected);
	memset(&buf, POISON, sizeof(buf));
	igt_assert_eq(__vsvm_query(fd, &query), 0);

	igt_assert_eq_u32(query.size, sizeof(buf.info));
	igt_assert_eq(memcmp(&buf.info, &expected, sizeof(expected)), 0);
	for (i = 0; i < sizeof(buf.tail); i++)
		igt_assert_eq(buf.tail[i], POISON);
}

static void test_reject_flags(int fd)
{
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query query = device_query(&info, sizeof(info));
	int bit;

	for (bit = 0; bit < 32; bit++) {
		query.flags = 1u << bit;
		igt_assert_eq(query_errno(fd, query), -EINVAL);
	}
}

static void test_reject_pad(int fd)
{
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query query = device_query(&info, sizeof(info));

	query.pad = 1;
	igt_assert_eq(query_errno(fd, query), -EINVAL);
	query.pad = 0x80000000u;
	igt_assert_eq(query_errno(fd, query), -EINVAL);
}

static void test_reject_item(int fd)
{
	static const uint32_t bad_items[] = { 1, 2, 0x100, 0xffffffffu };
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query query = device_query(&info, sizeof(info));
	size_t i;

	for (i = 0; i < sizeof(bad_items) / sizeof(bad_items[0]); i++) {
		query.item = bad_items[i];
		igt_assert_eq(query_errno(fd, query), -EINVAL);
	}
}

static void test_reject_short_size(int fd)
{
	static const uint32_t bad_sizes[] = {
		1, 4, 8, sizeof(struct drm_vsvm_query_device) - 8,
		sizeof(struct drm_vsvm_query_device) - 1,
	};
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query query = device_query(&info, 0);
	uint8_t *bytes = (uint8_t *)&info;
	size_t i, j;

	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		memset(&info, POISON, sizeof(info));
		query.size = bad_sizes[i];
		igt_assert_eq(query_errno(fd, query), -EINVAL);
		for (j = 0; j < sizeof(info); j++)
			igt_assert_eq(bytes[j], POISON);
	}
}

static void test_reject_bad_pointer(int fd)
{
	uint32_t size = sizeof(struct drm_vsvm_query_device);
	void *unmapped;

	igt_assert_eq(query_errno(fd, device_query(NULL, size)), -EFAULT);
	igt_assert_eq(query_errno(fd, device_query((void *)-4096l, size)),
		      -EFAULT);

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	igt_assert(unmapped != MAP_FAILED);
	igt_assert_eq(query_errno(fd, device_query(unmapped, size)), -EFAULT);
	igt_assert_eq(mprotect(unmapped, 4096, PROT_READ), 0);
	igt_assert_eq(query_errno(fd, device_query(unmapped, size)), -EFAULT);
	munmap(unmapped, 4096);
}

static void test_reject_unknown_ioctl(int fd)
{
	struct drm_vsvm_query query = {};
	unsigned long bad = DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
				     struct drm_vsvm_query);

	igt_assert_eq(igt_ioctl(fd, bad, &query), -1);
	igt_assert_eq(errno, EINVAL);
}

static void assert_device_count(int expected)
{
	igt_assert_eq(vsvm_igt_count_devices(), expected);
}

static void test_two_devices(void)
{
	struct drm_vsvm_query_device info;
	struct stat st0, st1;
	int fd0, fd1;

	igt_assert_eq(vsvm_igt_reload("num_devices=2"), 0);
	assert_device_count(2);

	fd0 = vsvm_igt_open(0);
	fd1 = vsvm_igt_open(1);
	igt_assert_eq(fstat(fd0, &st0), 0);
	igt_assert_eq(fstat(fd1, &st1), 0);
	igt_assert_neq(minor(st0.st_rdev), minor(st1.st_rdev));

	vsvm_query_device(fd0, &info);
	igt_assert_eq_u32(info.device_index, 0);
	vsvm_query_device(fd1, &info);
	igt_assert_eq_u32(info.device_index, 1);
	close(fd0);
	close(fd1);

	igt_assert_eq(vsvm_igt_reload(NULL), 0);
	assert_device_count(1);
}

static void test_module_params(void)
{
	struct drm_vsvm_query_device info;
	int fd;

	igt_assert_eq(vsvm_igt_reload("num_engines=5 vram_size_mb=64"), 0);
	fd = vsvm_igt_open(0);
	vsvm_query_device(fd, &info);
	igt_assert_eq_u32(info.num_engines, 5);
	igt_assert_eq_u64(info.vram_size, 64ull << 20);
	close(fd);

	igt_assert_eq(vsvm_igt_reload(NULL), 0);
}

static void test_job_timeout(void)
{
	const size_t size = 64ul << 20;
	uint64_t commands[8];
	struct vsvm_batch batch;
	struct drm_vsvm_wait wait;
	uint32_t *mem, vm;
	int fd;

	/*
	 * Filling 64 MiB of fresh memory faults it all in: far longer than
	 * a millisecond on any machine.
	 */
	igt_assert_eq(vsvm_igt_reload("job_timeout_ms=1"), 0);
	fd = vsvm_igt_open(0);
	vm = vsvm_vm_create(fd);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(mem != MAP_FAILED);

	vsvm_batch_init(&batch, commands, sizeof(commands));
	vsvm_batch_fill(&batch, to_user_pointer(mem), size, 0x71e0071e);
	wait = vsvm_run_error(fd, vm, 0, &batch);
	igt_assert_eq_u32(wait.error, ETIMEDOUT);
	igt_assert_eq_u32(wait.error_offset, 0);
	/* The job stopped: the last word was never written */
	igt_assert_eq_u32(mem[size / 4 - 1], 0);

	munmap(mem, size);
	close(fd);
	igt_assert_eq(vsvm_igt_reload(NULL), 0);
}

static void test_reject_module_params(void)
{
	static const char * const bad[] = {
		"num_devices=0", "num_devices=9", "num_engines=0",
		"num_engines=9", "vram_size_mb=0", "vram_size_mb=3",
		"vram_size_mb=4098", "job_timeout_ms=0",
		"job_timeout_ms=600001",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		igt_debug("loading with %s\n", bad[i]);
		igt_assert_eq(vsvm_igt_reload(bad[i]), -EINVAL);
		assert_device_count(0);
		igt_assert_eq(igt_kmod_load(VSVM_IGT_MODULE, NULL), 0);
	}
	assert_device_count(1);
}

static void write_sysfs(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);

	igt_assert_f(fd >= 0, "cannot open %s: %s\n", path, strerror(errno));
	igt_assert_eq(write(fd, value, strlen(value)), (int)strlen(value));
	close(fd);
}

static void test_unbind_open_file(void)
{
	struct drm_vsvm_query_device info;
	struct drm_vsvm_query query = device_query(&info, sizeof(info));
	int fd = vsvm_igt_open(0);

	vsvm_query_device(fd, &info);
	write_sysfs(VSVM_PLATFORM_DRIVER "/unbind", "vsvm.0");
	assert_device_count(0);

	/* The file outlives the device: it answers, but only -ENODEV. */
	igt_assert_eq(query_errno(fd, query), -ENODEV);
	close(fd);

	write_sysfs(VSVM_PLATFORM_DRIVER "/bind", "vsvm.0");
	assert_device_count(1);
	fd = vsvm_igt_open(0);
	vsvm_query_device(fd, &info);
	igt_assert_eq_u32(info.device_index, 0);
	close(fd);
}

static void test_module_reload(void)
{
	struct drm_vsvm_query_device info;
	int i, fd;

	for (i = 0; i < 5; i++) {
		igt_assert_eq(igt_kmod_unload(VSVM_IGT_MODULE, 0), 0);
		assert_device_count(0);
		igt_assert_eq(igt_kmod_load(VSVM_IGT_MODULE, NULL), 0);
		fd = vsvm_igt_open(0);
		vsvm_query_device(fd, &info);
		igt_assert_eq_u32(info.device_index, 0);
		close(fd);
	}
}

igt_main
{
	int fd = -1;

	igt_fixture
		fd = vsvm_igt_open(0);

	igt_describe("The device is found by driver name and is a render node.");
	igt_subtest("open-by-name")
		test_open_by_name(fd);

	igt_describe("QUERY_DEVICE reports the module's configuration.");
	igt_subtest("query-device")
		test_query_device(fd);

	igt_describe("A zero size asks for the item's size and copies nothing.");
	igt_subtest("query-size-probe")
		test_query_size_probe(fd);

	igt_describe("A larger buffer gets the known fields and the size written.");
	igt_subtest("query-larger-buffer")
		test_query_larger_buffer(fd);

	igt_describe("Every undefined flag bit is rejected.");
	igt_subtest("query-reject-flags")
		test_reject_flags(fd);

	igt_describe("A non-zero pad is rejected.");
	igt_subtest("query-reject-pad")
		test_reject_pad(fd);

	igt_describe("An unknown item is rejected.");
	igt_subtest("query-reject-item")
		test_reject_item(fd);

	igt_describe("A buffer smaller than the item's first version is rejected, untouched.");
	igt_subtest("query-reject-short-size")
		test_reject_short_size(fd);

	igt_describe("An unwritable buffer gets -EFAULT.");
	igt_subtest("query-reject-bad-pointer")
		test_reject_bad_pointer(fd);

	igt_describe("An ioctl number the driver does not define is rejected.");
	igt_subtest("reject-unknown-ioctl")
		test_reject_unknown_ioctl(fd);

	igt_fixture
		close(fd);

	igt_describe("num_devices=2 creates two independent devices.");
	igt_subtest("two-devices")
		test_two_devices();

	igt_describe("Module parameters reach the devices.");
	igt_subtest("module-params")
		test_module_params();

	igt_describe("Out-of-range module parameters make the load fail.");
	igt_subtest("module-reject-params")
		test_reject_module_params();

	igt_describe("Unbinding the device leaves open files answering -ENODEV; it binds again.");
	igt_subtest("unbind-with-open-file")
		test_unbind_open_file();

	igt_describe("A job that runs past job_timeout_ms ends with ETIMEDOUT.");
	igt_subtest("job-timeout")
		test_job_timeout();

	igt_describe("The module unloads and loads again, repeatedly.");
	igt_subtest("module-reload")
		test_module_reload();
}
