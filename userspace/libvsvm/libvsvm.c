// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vsvm.h"

#define VSVM_DRI_DIR		"/dev/dri"
#define VSVM_RENDER_PREFIX	"renderD"
#define VSVM_MAX_RENDER_NODES	64

struct vsvm_device {
	int fd;
	char path[PATH_MAX];
};

static bool vsvm_fd_is_vsvm(int fd)
{
	drmVersionPtr version = drmGetVersion(fd);
	bool match;

	if (!version)
		return false;
	match = !strcmp(version->name, VSVM_DRIVER_NAME);
	drmFreeVersion(version);
	return match;
}

static int vsvm_compare_minor(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * libdrm's drmGetDevices2() skips platform devices that have no device-tree
 * node, which vsvm's are, so render nodes are listed from /dev/dri directly.
 */
static int vsvm_render_minors(int *minors, int max)
{
	size_t prefix_len = strlen(VSVM_RENDER_PREFIX);
	struct dirent *entry;
	DIR *dir;
	int n = 0;

	dir = opendir(VSVM_DRI_DIR);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;

	while ((entry = readdir(dir)) && n < max) {
		if (!strncmp(entry->d_name, VSVM_RENDER_PREFIX, prefix_len))
			minors[n++] = atoi(entry->d_name + prefix_len);
	}
	closedir(dir);
	qsort(minors, n, sizeof(*minors), vsvm_compare_minor);
	return n;
}

static int vsvm_open_minor(int minor, char *path, size_t size)
{
	int fd;

	snprintf(path, size, "%s/%s%d", VSVM_DRI_DIR, VSVM_RENDER_PREFIX,
		 minor);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!vsvm_fd_is_vsvm(fd)) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/*
 * Calls @found for each vsvm render node in order, with an open fd that
 * @found owns, until it returns non-zero.  Returns that value, 0 when all
 * were seen, or a negative errno.
 */
static int vsvm_for_each_node(int (*found)(int fd, const char *path, void *),
			      void *data)
{
	int minors[VSVM_MAX_RENDER_NODES];
	char path[PATH_MAX];
	int i, n, fd, ret;

	n = vsvm_render_minors(minors, VSVM_MAX_RENDER_NODES);
	for (i = 0; i < n; i++) {
		fd = vsvm_open_minor(minors[i], path, sizeof(path));
		if (fd < 0)
			continue;
		ret = found(fd, path, data);
		if (ret)
			return ret;
	}
	return n < 0 ? n : 0;
}

static int vsvm_count_one(int fd, const char *path, void *data)
{
	(void)path;
	close(fd);
	++*(int *)data;
	return 0;
}

int vsvm_device_count(void)
{
	int count = 0;
	int ret = vsvm_for_each_node(vsvm_count_one, &count);

	return ret < 0 ? ret : count;
}

struct vsvm_open_request {
	unsigned int index;
	struct vsvm_device *dev;
};

static int vsvm_open_one(int fd, const char *path, void *data)
{
	struct vsvm_open_request *req = data;

	if (req->index--) {
		close(fd);
		return 0;
	}
	req->dev = calloc(1, sizeof(*req->dev));
	if (!req->dev) {
		close(fd);
		return -ENOMEM;
	}
	req->dev->fd = fd;
	snprintf(req->dev->path, sizeof(req->dev->path), "%s", path);
	return 1;
}

struct vsvm_device *vsvm_device_open(unsigned int index)
{
	struct vsvm_open_request req = { .index = index };
	int ret = vsvm_for_each_node(vsvm_open_one, &req);

	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	if (!req.dev)
		errno = ENODEV;
	return req.dev;
}

void vsvm_device_close(struct vsvm_device *dev)
{
	if (!dev)
		return;
	close(dev->fd);
	free(dev);
}

int vsvm_device_fd(const struct vsvm_device *dev)
{
	return dev->fd;
}

const char *vsvm_device_path(const struct vsvm_device *dev)
{
	return dev->path;
}

int vsvm_query_device(struct vsvm_device *dev,
		      struct drm_vsvm_query_device *info)
{
	struct drm_vsvm_query query = {
		.item = DRM_VSVM_QUERY_DEVICE,
		.data = (uintptr_t)info,
		.size = sizeof(*info),
	};

	memset(info, 0, sizeof(*info));
	if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_QUERY, &query))
		return -errno;
	return 0;
}

int vsvm_vm_create(struct vsvm_device *dev, uint32_t *vm_id)
{
	struct drm_vsvm_vm_create args = { 0 };

	if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_VM_CREATE, &args))
		return -errno;
	*vm_id = args.vm_id;
	return 0;
}

int vsvm_vm_destroy(struct vsvm_device *dev, uint32_t vm_id)
{
	struct drm_vsvm_vm_destroy args = { .vm_id = vm_id };

	if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_VM_DESTROY, &args))
		return -errno;
	return 0;
}

int vsvm_exec(struct vsvm_device *dev, uint32_t vm_id, uint32_t engine,
	      const struct vsvm_batch *batch, uint64_t *seqno)
{
	struct drm_vsvm_exec args = {
		.vm_id = vm_id,
		.engine = engine,
		.batch_addr = vsvm_ptr(vsvm_batch_data(batch)),
		/* The builder never exceeds DRM_VSVM_BATCH_MAX_SIZE. */
		.batch_size = (uint32_t)vsvm_batch_size(batch),
	};

	if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_EXEC, &args))
		return -errno;
	if (seqno)
		*seqno = args.seqno;
	return 0;
}

int64_t vsvm_deadline_ns(int64_t relative_ns)
{
	struct timespec now;
	int64_t now_ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	if (relative_ns > 0 && now_ns > VSVM_DEADLINE_NEVER - relative_ns)
		return VSVM_DEADLINE_NEVER;
	return now_ns + relative_ns;
}

/*
 * One DRM_IOCTL_VSVM_WAIT.  drmIoctl() repeats it when a signal interrupts
 * it, which is right because the deadline is absolute.
 */
static int vsvm_wait(struct vsvm_device *dev, struct drm_vsvm_wait *args,
		     struct drm_vsvm_wait *out)
{
	int ret;

	if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_WAIT, args)) {
		ret = -errno;
		if (ret == -ETIME)
			args->status = DRM_VSVM_WAIT_STATUS_TIMEOUT;
	} else {
		switch (args->status) {
		case DRM_VSVM_WAIT_STATUS_DONE:
			ret = 0;
			break;
		case DRM_VSVM_WAIT_STATUS_GPU_ERROR:
			ret = -EIO;
			break;
		case DRM_VSVM_WAIT_STATUS_TIMEOUT:
			ret = -ETIME;
			break;
		default:
			ret = -EPROTO;
			break;
		}
	}
	if (out)
		*out = *args;
	return ret;
}

int vsvm_wait_job(struct vsvm_device *dev, uint32_t vm_id, uint64_t seqno,
		  int64_t deadline_ns, struct drm_vsvm_wait *out)
{
	struct drm_vsvm_wait args = {
		.vm_id = vm_id,
		.seqno = seqno,
		.timeout_ns = deadline_ns,
	};

	return vsvm_wait(dev, &args, out);
}

int vsvm_wait_fence(struct vsvm_device *dev, uint32_t vm_id,
		    const volatile uint64_t *addr, uint64_t value,
		    uint64_t mask, uint32_t op, int64_t deadline_ns)
{
	struct drm_vsvm_wait args = {
		.vm_id = vm_id,
		.flags = DRM_VSVM_WAIT_USER_FENCE,
		.addr = vsvm_ptr(addr),
		.value = value,
		.mask = mask,
		.op = op,
		.timeout_ns = deadline_ns,
	};

	return vsvm_wait(dev, &args, NULL);
}

#define VSVM_RANGE_PAGE_SIZE	4096ull

/* A non-empty span of whole 4 KiB pages that does not wrap around. */
static bool vsvm_span_valid(uint64_t start, uint64_t size)
{
	return size && !((start | size) % VSVM_RANGE_PAGE_SIZE) &&
	       size - 1 <= UINT64_MAX - start;
}

/* RANGE_INFO over any span, in pieces of DRM_VSVM_RANGE_INFO_MAX_SIZE. */
static int vsvm_range_query(struct vsvm_device *dev, uint32_t vm_id,
			    uint32_t flags, uint64_t start, uint64_t size,
			    uint8_t *entries)
{
	struct drm_vsvm_range_info args = { .vm_id = vm_id, .flags = flags };
	uint64_t chunk;

	if (!vsvm_span_valid(start, size))
		return -EINVAL;
	while (size) {
		chunk = size < DRM_VSVM_RANGE_INFO_MAX_SIZE ?
			size : DRM_VSVM_RANGE_INFO_MAX_SIZE;
		args.start = start;
		args.size = chunk;
		args.data = vsvm_ptr(entries);
		if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_RANGE_INFO, &args))
			return -errno;
		start += chunk;
		size -= chunk;
		entries += chunk / VSVM_RANGE_PAGE_SIZE;
	}
	return 0;
}

int vsvm_range_info(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		    uint64_t size, uint8_t *entries)
{
	return vsvm_range_query(dev, vm_id, 0, start, size, entries);
}

int vsvm_residency(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		   uint64_t size, uint8_t *entries)
{
	return vsvm_range_query(dev, vm_id, DRM_VSVM_RANGE_INFO_RESIDENCY,
				start, size, entries);
}

/* The rules of &struct drm_vsvm_mem_attrs in vsvm_drm.h. */
static bool vsvm_mem_attrs_valid(const struct drm_vsvm_mem_attrs *attrs)
{
	if (!attrs)
		return false;
	switch (attrs->preferred_loc) {
	case DRM_VSVM_LOC_AUTO:
	case DRM_VSVM_LOC_SYSTEM:
	case DRM_VSVM_LOC_VRAM:
		break;
	default:
		return false;
	}
	switch (attrs->granularity) {
	case 0:
	case DRM_VSVM_PAGE_SIZE_4K:
	case DRM_VSVM_PAGE_SIZE_64K:
	case DRM_VSVM_PAGE_SIZE_2M:
		break;
	default:
		return false;
	}
	switch (attrs->atomic_policy) {
	case DRM_VSVM_ATOMIC_ANYWHERE:
		return !attrs->atomic_timeslice_ms;
	case DRM_VSVM_ATOMIC_VRAM_ONLY:
		return attrs->atomic_timeslice_ms <=
		       DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS;
	default:
		return false;
	}
}

static int vsvm_madvise_ioctl(struct vsvm_device *dev,
			      struct drm_vsvm_madvise *args)
{
	if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_MADVISE, args))
		return -errno;
	return 0;
}

int vsvm_madvise(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		 uint64_t size, const struct drm_vsvm_mem_attrs *attrs)
{
	struct drm_vsvm_madvise args = {
		.vm_id = vm_id,
		.start = start,
		.size = size,
	};

	if (!vsvm_span_valid(start, size) || !vsvm_mem_attrs_valid(attrs))
		return -EINVAL;
	args.attrs = *attrs;
	return vsvm_madvise_ioctl(dev, &args);
}

int vsvm_vm_default_attrs(struct vsvm_device *dev, uint32_t vm_id,
			  const struct drm_vsvm_mem_attrs *attrs)
{
	struct drm_vsvm_madvise args = {
		.vm_id = vm_id,
		.flags = DRM_VSVM_MADVISE_VM_DEFAULT,
	};

	if (!vsvm_mem_attrs_valid(attrs))
		return -EINVAL;
	args.attrs = *attrs;
	return vsvm_madvise_ioctl(dev, &args);
}

int vsvm_attr_query(struct vsvm_device *dev, uint32_t vm_id, uint64_t addr,
		    struct drm_vsvm_attr_query *out)
{
	struct drm_vsvm_attr_query args = { .vm_id = vm_id, .addr = addr };

	if (drmIoctl(dev->fd, DRM_IOCTL_VSVM_ATTR_QUERY, &args))
		return -errno;
	*out = args;
	return 0;
}

int vsvm_prefetch(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		  uint64_t size, uint32_t region,
		  struct drm_vsvm_prefetch *out)
{
	struct drm_vsvm_prefetch args = {
		.vm_id = vm_id,
		.start = start,
		.size = size,
		.region = region,
	};
	int ret = 0;

	if (!vsvm_span_valid(start, size) ||
	    (region != DRM_VSVM_REGION_SYSTEM && region != DRM_VSVM_REGION_VRAM))
		return -EINVAL;
	/*
	 * ioctl(), not drmIoctl(): drmIoctl() would repeat the call after
	 * -EINTR with the counters of the interrupted call in its input, and
	 * those counts are the caller's to see.
	 */
	if (ioctl(dev->fd, DRM_IOCTL_VSVM_PREFETCH, &args))
		ret = -errno;
	if (out)
		*out = args;
	return ret;
}
