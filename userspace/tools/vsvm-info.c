// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * vsvm-info: list the vsvm devices and what DRM_IOCTL_VSVM_QUERY says of
 * each.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vsvm.h"

static void print_page_sizes(uint64_t sizes)
{
	static const struct {
		uint64_t size;
		const char *name;
	} names[] = {
		{ DRM_VSVM_PAGE_SIZE_4K, "4K" },
		{ DRM_VSVM_PAGE_SIZE_64K, "64K" },
		{ DRM_VSVM_PAGE_SIZE_2M, "2M" },
	};
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (sizes & names[i].size) {
			printf("%s%s", sep, names[i].name);
			sep = " ";
		}
	}
	printf(" (0x%" PRIx64 ")\n", sizes);
}

static void print_features(uint64_t features)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ DRM_VSVM_FEATURE_SVM, "svm" },
		{ DRM_VSVM_FEATURE_VRAM, "vram" },
	};
	uint64_t unknown = features;
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (features & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = " ";
			unknown &= ~names[i].bit;
		}
	}
	/* Bits added by a newer kernel are shown by number. */
	for (i = 0; i < 64; i++) {
		if (unknown & (1ULL << i)) {
			printf("%sbit%zu", sep, i);
			sep = " ";
		}
	}
	printf("%s(0x%" PRIx64 ")\n", features ? " " : "none ", features);
}

static int print_device(unsigned int index)
{
	struct drm_vsvm_query_device info;
	struct vsvm_device *dev;
	int ret;

	dev = vsvm_device_open(index);
	if (!dev) {
		fprintf(stderr, "vsvm-info: device %u: %s\n", index,
			strerror(errno));
		return 1;
	}
	ret = vsvm_query_device(dev, &info);
	if (ret) {
		fprintf(stderr, "vsvm-info: %s: query: %s\n",
			vsvm_device_path(dev), strerror(-ret));
		vsvm_device_close(dev);
		return 1;
	}
	printf("%s:\n", vsvm_device_path(dev));
	printf("  uapi version:  %u.%u\n", info.uapi_major, info.uapi_minor);
	printf("  device index:  %u\n", info.device_index);
	printf("  engines:       %u\n", info.num_engines);
	printf("  VRAM:          %llu MiB\n",
	       (unsigned long long)info.vram_size >> 20);
	printf("  GPU pages:     ");
	print_page_sizes(info.page_sizes);
	printf("  features:      ");
	print_features(info.features);
	vsvm_device_close(dev);
	return 0;
}

int main(void)
{
	int count = vsvm_device_count();
	int i, failed = 0;

	if (count < 0) {
		fprintf(stderr, "vsvm-info: %s\n", strerror(-count));
		return 1;
	}
	printf("%d vsvm device%s\n", count, count == 1 ? "" : "s");
	for (i = 0; i < count; i++)
		failed |= print_device(i);
	return failed || !count;
}
