// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt.h"
#include "igt_kmod.h"
#include "vsvm_igt.h"

static int vsvm_igt_is_vsvm(int fd)
{
	drmVersionPtr version = drmGetVersion(fd);
	int match;

	if (!version)
		return 0;
	match = !strcmp(version->name, VSVM_IGT_MODULE);
	drmFreeVersion(version);
	return match;
}

/* Opens render node @minor if it is a vsvm device, else returns -1. */
static int vsvm_igt_open_minor(int minor)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && !vsvm_igt_is_vsvm(fd)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Render minors are 128..191; vsvm devices are found by driver name. */
static int vsvm_igt_find(unsigned int index)
{
	int minor, fd;

	for (minor = 128; minor < 192; minor++) {
		fd = vsvm_igt_open_minor(minor);
		if (fd < 0)
			continue;
		if (!index--)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

/**
 * vsvm_igt_count_devices() - number of vsvm render nodes
 */
int vsvm_igt_count_devices(void)
{
	int count = 0;
	int fd;

	while ((fd = vsvm_igt_find(count)) >= 0) {
		close(fd);
		count++;
	}
	return count;
}

/**
 * __vsvm_igt_open() - open the @index-th vsvm render node
 * @index: from 0
 *
 * Returns: the fd, or -ENODEV if there is no such device.
 */
int __vsvm_igt_open(unsigned int index)
{
	return vsvm_igt_find(index);
}

/**
 * vsvm_igt_open() - open the @index-th vsvm render node, skipping the test if
 * it does not exist
 * @index: from 0
 */
int vsvm_igt_open(unsigned int index)
{
	int fd = __vsvm_igt_open(index);

	igt_require_f(fd >= 0, "no vsvm device %u\n", index);
	return fd;
}

/**
 * __vsvm_query() - DRM_IOCTL_VSVM_QUERY
 * @fd: a vsvm device
 * @query: the argument, updated by the kernel
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_query(int fd, struct drm_vsvm_query *query)
{
	if (igt_ioctl(fd, DRM_IOCTL_VSVM_QUERY, query))
		return -errno;
	errno = 0;
	return 0;
}

/**
 * vsvm_query_device() - fetch &struct drm_vsvm_query_device, asserting that
 * the kernel fills all of it
 * @fd: a vsvm device
 * @info: the answer
 */
void vsvm_query_device(int fd, struct drm_vsvm_query_device *info)
{
	struct drm_vsvm_query query = {
		.item = DRM_VSVM_QUERY_DEVICE,
		.data = to_user_pointer(info),
		.size = sizeof(*info),
	};

	memset(info, 0, sizeof(*info));
	igt_assert_eq(__vsvm_query(fd, &query), 0);
	igt_assert_eq_u32(query.size, sizeof(*info));
}

/**
 * vsvm_igt_module_param() - read a numeric parameter of the loaded module
 * @name: the parameter
 */
unsigned int vsvm_igt_module_param(const char *name)
{
	char path[128];
	unsigned int value;
	FILE *file;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 VSVM_IGT_MODULE, name);
	file = fopen(path, "r");
	igt_assert_f(file, "cannot read %s: %s\n", path, strerror(errno));
	ret = fscanf(file, "%u", &value);
	fclose(file);
	igt_assert_eq(ret, 1);
	return value;
}

/**
 * vsvm_igt_reload() - unload the vsvm module and load it with @options
 * @options: module parameters, or NULL for the defaults
 *
 * Returns: 0, or the negative errno of the failed load.
 */
int vsvm_igt_reload(const char *options)
{
	igt_assert_eq(igt_kmod_unload(VSVM_IGT_MODULE, 0), 0);
	return igt_kmod_load(VSVM_IGT_MODULE, options);
}

/**
 * vsvm_igt_module_use() - reload the vsvm module unless it runs as asked
 * @devices: the num_devices it must run with
 * @vram_mb: the vram_size_mb it must run with, or 0 for any
 * @changed: set to true before a reload, for vsvm_igt_module_restore()
 *
 * Unless the module runs with those already, reloads it with
 * "num_devices=@devices", "vram_size_mb=@vram_mb" unless @vram_mb is 0,
 * and the defaults of every other option.  The caller must have closed
 * its devices.
 */
void vsvm_igt_module_use(unsigned int devices, unsigned int vram_mb,
			 bool *changed)
{
	char options[64];
	int len;

	if (vsvm_igt_module_param("num_devices") == devices &&
	    (!vram_mb || vsvm_igt_module_param("vram_size_mb") == vram_mb))
		return;
	len = snprintf(options, sizeof(options), "num_devices=%u", devices);
	if (vram_mb)
		snprintf(options + len, sizeof(options) - len,
			 " vram_size_mb=%u", vram_mb);
	*changed = true;
	igt_assert_eq(vsvm_igt_reload(options), 0);
}

/**
 * vsvm_igt_module_restore() - reload the vsvm module with its defaults if
 * vsvm_igt_module_use() reloaded it
 * @changed: what vsvm_igt_module_use() set; false again afterwards
 *
 * The caller must have closed its devices.
 */
void vsvm_igt_module_restore(bool *changed)
{
	if (*changed) {
		igt_assert_eq(vsvm_igt_reload(NULL), 0);
		*changed = false;
	}
}

/**
 * vsvm_require_svm() - skip unless the device executes batches on the
 * process's memory
 * @fd: a vsvm device
 *
 * Returns: the device's number of engines.
 */
unsigned int vsvm_require_svm(int fd)
{
	struct drm_vsvm_query_device info;

	vsvm_query_device(fd, &info);
	igt_require_f(info.features & DRM_VSVM_FEATURE_SVM,
		      "the device has no DRM_VSVM_FEATURE_SVM\n");
	igt_assert_lt(0, (int)info.num_engines);
	return info.num_engines;
}

/**
 * vsvm_has_vram() - whether the device has VRAM that pages migrate to
 * @fd: a vsvm device
 *
 * Returns: true if the device reports DRM_VSVM_FEATURE_VRAM (uAPI 1.2):
 * MADVISE, ATTR_QUERY, PREFETCH and DRM_VSVM_RANGE_INFO_RESIDENCY work.
 */
bool vsvm_has_vram(int fd)
{
	struct drm_vsvm_query_device info;

	vsvm_query_device(fd, &info);
	return info.features & DRM_VSVM_FEATURE_VRAM;
}

/**
 * vsvm_require_vram() - skip unless the device has VRAM and SVM
 * @fd: a vsvm device
 *
 * Returns: the device's VRAM size in bytes.
 */
uint64_t vsvm_require_vram(int fd)
{
	struct drm_vsvm_query_device info;

	vsvm_require_svm(fd);
	vsvm_query_device(fd, &info);
	igt_require_f(info.features & DRM_VSVM_FEATURE_VRAM,
		      "the device has no DRM_VSVM_FEATURE_VRAM\n");
	igt_assert_lt(0, (int)(info.vram_size >> 20));
	return info.vram_size;
}

/**
 * vsvm_map_isolated() - map memory in a VMA of its own
 * @size: bytes, a multiple of 4 KiB
 * @align: alignment of the mapping, a power of two, at least 4 KiB
 * @prot: PROT_* of the mapping
 * @flags: MAP_* flags of the mapping (MAP_FIXED is added)
 * @fd: file to map, or -1
 * @offset: offset in @fd
 *
 * PROT_NONE guard mappings on both sides keep the mapping from merging
 * with its neighbours, so that its bounds, and with them the sizes the GPU
 * faults and migrates in, are known.  The guards stay until the process
 * exits.
 *
 * Returns: the mapping.
 */
void *vsvm_map_isolated(size_t size, size_t align, int prot, int flags,
			int fd, off_t offset)
{
	size_t guard = 0x10000;
	uintptr_t base, addr;
	void *p;

	p = mmap(NULL, size + align + 2 * guard, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(p != MAP_FAILED);
	base = (uintptr_t)p + guard;
	addr = (base + align - 1) & ~(uintptr_t)(align - 1);
	p = mmap((void *)addr, size, prot, flags | MAP_FIXED, fd, offset);
	igt_assert(p == (void *)addr);
	return p;
}

/**
 * vsvm_map_isolated_anon() - vsvm_map_isolated() of private anonymous memory
 * @size: bytes, a multiple of 4 KiB
 * @align: alignment of the mapping, a power of two, at least 4 KiB
 *
 * Returns: the read-write mapping.
 */
void *vsvm_map_isolated_anon(size_t size, size_t align)
{
	return vsvm_map_isolated(size, align, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/**
 * vsvm_map_anon() - map private anonymous memory
 * @size: bytes
 *
 * Returns: the read-write mapping; failing to map fails the test.
 */
void *vsvm_map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

/**
 * vsvm_map_hugetlb() - map private hugetlbfs memory
 * @size: bytes, a multiple of the default huge page size
 *
 * Returns: the mapping, or MAP_FAILED when no huge page is free.
 */
void *vsvm_map_hugetlb(size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
}

#define VSVM_NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

/**
 * vsvm_nr_hugepages() - the size of the default huge page pool
 *
 * Returns: the number of huge pages, or -1 if it cannot be read.
 */
int vsvm_nr_hugepages(void)
{
	FILE *file = fopen(VSVM_NR_HUGEPAGES, "r");
	int nr = -1;

	if (file) {
		if (fscanf(file, "%d", &nr) != 1)
			nr = -1;
		fclose(file);
	}
	return nr;
}

/**
 * vsvm_set_nr_hugepages() - resize the default huge page pool
 * @nr: the number of huge pages wanted; failing is not an error, the
 *	caller finds out when it maps
 */
void vsvm_set_nr_hugepages(int nr)
{
	FILE *file = fopen(VSVM_NR_HUGEPAGES, "w");

	if (file) {
		fprintf(file, "%d\n", nr);
		fclose(file);
	}
}

/**
 * vsvm_assert_file_pattern() - check a file against vsvm_pattern_fill()
 * @file: the file, read with pread() from offset 0
 * @size: bytes to check
 * @seed: the pattern's seed
 */
void vsvm_assert_file_pattern(int file, size_t size, uint32_t seed)
{
	void *data = malloc(size);

	igt_assert(data);
	igt_assert_eq(pread(file, data, size, 0), (ssize_t)size);
	vsvm_assert_pattern(data, size, seed);
	free(data);
}

/**
 * vsvm_now_ns() - the time, as WAIT counts it
 *
 * Returns: CLOCK_MONOTONIC now, in nanoseconds.
 */
int64_t vsvm_now_ns(void)
{
	struct timespec ts;

	igt_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/**
 * vsvm_deadline_ns() - a deadline for &drm_vsvm_wait.timeout_ns
 * @timeout_ms: milliseconds from now
 *
 * Returns: the absolute CLOCK_MONOTONIC time @timeout_ms from now, in ns.
 */
int64_t vsvm_deadline_ns(unsigned int timeout_ms)
{
	return vsvm_now_ns() + (int64_t)timeout_ms * 1000000ll;
}

/* Runs an ioctl; 0 or a negative errno value. */
static int vsvm_ioctl(int fd, unsigned long request, void *arg)
{
	if (igt_ioctl(fd, request, arg))
		return -errno;
	errno = 0;
	return 0;
}

/**
 * __vsvm_vm_create() - DRM_IOCTL_VSVM_VM_CREATE
 * @fd: a vsvm device
 * @create: the argument, updated by the kernel
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_vm_create(int fd, struct drm_vsvm_vm_create *create)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_VM_CREATE, create);
}

/**
 * vsvm_vm_create() - create a VM mirroring the calling process
 * @fd: a vsvm device
 *
 * Returns: the VM's id.
 */
uint32_t vsvm_vm_create(int fd)
{
	struct drm_vsvm_vm_create create = {};

	igt_assert_eq(__vsvm_vm_create(fd, &create), 0);
	igt_assert_neq(create.vm_id, 0);
	return create.vm_id;
}

/**
 * __vsvm_vm_destroy() - DRM_IOCTL_VSVM_VM_DESTROY
 * @fd: a vsvm device
 * @destroy: the argument
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_vm_destroy(int fd, struct drm_vsvm_vm_destroy *destroy)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_VM_DESTROY, destroy);
}

/**
 * vsvm_vm_destroy() - destroy a VM, asserting success
 * @fd: a vsvm device
 * @vm_id: the VM
 */
void vsvm_vm_destroy(int fd, uint32_t vm_id)
{
	struct drm_vsvm_vm_destroy destroy = { .vm_id = vm_id };

	igt_assert_eq(__vsvm_vm_destroy(fd, &destroy), 0);
}

/**
 * vsvm_igt_close() - destroy a VM and close its device file, if open
 * @fd: the device file, or a negative value; -1 afterwards
 * @vm_id: the VM on *@fd
 *
 * For clean-up: does nothing if *@fd is negative, and ignores whether the
 * VM could be destroyed.
 */
void vsvm_igt_close(int *fd, uint32_t vm_id)
{
	struct drm_vsvm_vm_destroy destroy = { .vm_id = vm_id };

	if (*fd < 0)
		return;
	__vsvm_vm_destroy(*fd, &destroy);
	close(*fd);
	*fd = -1;
}

/**
 * vsvm_batch_init() - start an empty batch in @buf
 * @batch: the batch
 * @buf: where the commands go, 8-byte aligned
 * @capacity: size of @buf in bytes
 */
void vsvm_batch_init(struct vsvm_batch *batch, void *buf, uint32_t capacity)
{
	igt_assert(((uintptr_t)buf & 7) == 0);
	batch->buf = buf;
	batch->capacity = capacity;
	batch->size = 0;
}

/**
 * vsvm_batch_reset() - empty the batch, to write a new one in its buffer
 * @batch: the batch, whose jobs must all have ended
 */
void vsvm_batch_reset(struct vsvm_batch *batch)
{
	batch->size = 0;
}

/**
 * vsvm_batch_emit() - reserve room for a command
 * @batch: the batch
 * @size: bytes, a multiple of 8
 *
 * Returns: the zeroed room, for the caller to fill in (possibly with a
 * malformed command).
 */
void *vsvm_batch_emit(struct vsvm_batch *batch, uint32_t size)
{
	void *cmd;

	igt_assert_eq(size % 8, 0);
	igt_assert_f(size <= batch->capacity - batch->size,
		     "batch full: %u + %u > %u bytes\n", batch->size, size,
		     batch->capacity);
	cmd = batch->buf + batch->size;
	memset(cmd, 0, size);
	batch->size += size;
	return cmd;
}

/* The offset of @cmd, which vsvm_batch_emit() just returned. */
static uint32_t vsvm_batch_offset(const struct vsvm_batch *batch,
				  const void *cmd)
{
	return (const uint8_t *)cmd - batch->buf;
}

/**
 * vsvm_batch_nop() - append a NOP
 * @batch: the batch
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_nop(struct vsvm_batch *batch)
{
	struct drm_vsvm_cmd_nop *cmd = vsvm_batch_emit(batch, sizeof(*cmd));

	cmd->header.opcode = DRM_VSVM_OP_NOP;
	return vsvm_batch_offset(batch, cmd);
}

static uint32_t vsvm_batch_store(struct vsvm_batch *batch, uint32_t flags,
				 uint64_t addr, uint64_t value)
{
	struct drm_vsvm_cmd_store *cmd = vsvm_batch_emit(batch, sizeof(*cmd));

	cmd->header.opcode = DRM_VSVM_OP_STORE;
	cmd->header.flags = flags;
	cmd->addr = addr;
	cmd->value = value;
	return vsvm_batch_offset(batch, cmd);
}

/**
 * vsvm_batch_store32() - append a 32-bit STORE
 * @batch: the batch
 * @addr: where, 4-byte aligned
 * @value: what
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_store32(struct vsvm_batch *batch, uint64_t addr,
			    uint32_t value)
{
	return vsvm_batch_store(batch, 0, addr, value);
}

/**
 * vsvm_batch_store64() - append a 64-bit STORE
 * @batch: the batch
 * @addr: where, 8-byte aligned
 * @value: what
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_store64(struct vsvm_batch *batch, uint64_t addr,
			    uint64_t value)
{
	return vsvm_batch_store(batch, DRM_VSVM_STORE_64BIT, addr, value);
}

/**
 * vsvm_batch_fill() - append a FILL
 * @batch: the batch
 * @addr: start, 4-byte aligned
 * @size: bytes, a multiple of 4
 * @pattern: the 32-bit word to repeat
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_fill(struct vsvm_batch *batch, uint64_t addr,
			 uint64_t size, uint32_t pattern)
{
	struct drm_vsvm_cmd_fill *cmd = vsvm_batch_emit(batch, sizeof(*cmd));

	cmd->header.opcode = DRM_VSVM_OP_FILL;
	cmd->addr = addr;
	cmd->size = size;
	cmd->pattern = pattern;
	return vsvm_batch_offset(batch, cmd);
}

/**
 * vsvm_batch_copy() - append a COPY
 * @batch: the batch
 * @dst: destination
 * @src: source
 * @size: bytes
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_copy(struct vsvm_batch *batch, uint64_t dst,
			 uint64_t src, uint64_t size)
{
	struct drm_vsvm_cmd_copy *cmd = vsvm_batch_emit(batch, sizeof(*cmd));

	cmd->header.opcode = DRM_VSVM_OP_COPY;
	cmd->dst = dst;
	cmd->src = src;
	cmd->size = size;
	return vsvm_batch_offset(batch, cmd);
}

/**
 * vsvm_batch_blit_copy() - append a BLIT2D that copies a rectangle
 * @batch: the batch
 * @dst: first destination pixel
 * @dst_pitch: bytes between destination rows
 * @src: first source pixel
 * @src_pitch: bytes between source rows
 * @width: pixels per row
 * @height: rows
 * @cpp: bytes per pixel
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_blit_copy(struct vsvm_batch *batch,
			      uint64_t dst, uint32_t dst_pitch,
			      uint64_t src, uint32_t src_pitch,
			      uint32_t width, uint32_t height, uint32_t cpp)
{
	struct drm_vsvm_cmd_blit2d *cmd = vsvm_batch_emit(batch, sizeof(*cmd));

	cmd->header.opcode = DRM_VSVM_OP_BLIT2D;
	cmd->dst = dst;
	cmd->src = src;
	cmd->dst_pitch = dst_pitch;
	cmd->src_pitch = src_pitch;
	cmd->width = width;
	cmd->height = height;
	cmd->cpp = cpp;
	return vsvm_batch_offset(batch, cmd);
}

/**
 * vsvm_batch_blit_fill() - append a BLIT2D that fills a rectangle
 * @batch: the batch
 * @dst: first destination pixel
 * @dst_pitch: bytes between destination rows
 * @width: pixels per row
 * @height: rows
 * @cpp: bytes per pixel
 * @color: the pixel value (its low @cpp bytes)
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_blit_fill(struct vsvm_batch *batch,
			      uint64_t dst, uint32_t dst_pitch,
			      uint32_t width, uint32_t height, uint32_t cpp,
			      uint32_t color)
{
	struct drm_vsvm_cmd_blit2d *cmd = vsvm_batch_emit(batch, sizeof(*cmd));

	cmd->header.opcode = DRM_VSVM_OP_BLIT2D;
	cmd->header.flags = DRM_VSVM_BLIT2D_FILL;
	cmd->dst = dst;
	cmd->dst_pitch = dst_pitch;
	cmd->width = width;
	cmd->height = height;
	cmd->cpp = cpp;
	cmd->color = color;
	return vsvm_batch_offset(batch, cmd);
}

/**
 * vsvm_batch_atomic() - append an ATOMIC
 * @batch: the batch
 * @op: DRM_VSVM_ATOMIC_ADD, ...
 * @flags: DRM_VSVM_ATOMIC_64BIT and DRM_VSVM_ATOMIC_RETURN
 * @addr: the word
 * @operand: the operand
 * @compare: the expected value of a CMPXCHG, else 0
 * @return_addr: where the old value goes with DRM_VSVM_ATOMIC_RETURN, else 0
 *
 * Returns: the command's byte offset in the batch.
 */
uint32_t vsvm_batch_atomic(struct vsvm_batch *batch, uint32_t op,
			   uint32_t flags, uint64_t addr, uint64_t operand,
			   uint64_t compare, uint64_t return_addr)
{
	struct drm_vsvm_cmd_atomic *cmd = vsvm_batch_emit(batch, sizeof(*cmd));

	cmd->header.opcode = DRM_VSVM_OP_ATOMIC;
	cmd->header.flags = flags;
	cmd->op = op;
	cmd->addr = addr;
	cmd->operand = operand;
	cmd->compare = compare;
	cmd->return_addr = return_addr;
	return vsvm_batch_offset(batch, cmd);
}

/**
 * __vsvm_exec() - DRM_IOCTL_VSVM_EXEC
 * @fd: a vsvm device
 * @exec: the argument, updated by the kernel
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_exec(int fd, struct drm_vsvm_exec *exec)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_EXEC, exec);
}

/**
 * vsvm_exec() - submit @batch, asserting that the kernel accepts it
 * @fd: a vsvm device
 * @vm_id: the VM
 * @engine: the engine
 * @batch: the batch, which must stay untouched until the job has ended
 *
 * Returns: the job's seqno.
 */
uint64_t vsvm_exec(int fd, uint32_t vm_id, uint32_t engine,
		   const struct vsvm_batch *batch)
{
	struct drm_vsvm_exec exec = {
		.vm_id = vm_id,
		.engine = engine,
		.batch_addr = to_user_pointer(batch->buf),
		.batch_size = batch->size,
	};

	igt_assert_eq(__vsvm_exec(fd, &exec), 0);
	igt_assert(exec.seqno != 0);
	return exec.seqno;
}

/**
 * __vsvm_wait() - DRM_IOCTL_VSVM_WAIT
 * @fd: a vsvm device
 * @wait: the argument, updated by the kernel
 *
 * Returns: 0 or a negative errno value (-ETIME on timeout, with @wait's
 * status set to DRM_VSVM_WAIT_STATUS_TIMEOUT).
 */
int __vsvm_wait(int fd, struct drm_vsvm_wait *wait)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_WAIT, wait);
}

/**
 * __vsvm_wait_job() - wait for job @seqno of VM @vm_id
 * @fd: a vsvm device
 * @vm_id: the VM
 * @seqno: the job
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline
 * @out: the kernel's answer
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_wait_job(int fd, uint32_t vm_id, uint64_t seqno,
		    int64_t deadline_ns, struct drm_vsvm_wait *out)
{
	memset(out, 0, sizeof(*out));
	out->vm_id = vm_id;
	out->seqno = seqno;
	out->timeout_ns = deadline_ns;
	return __vsvm_wait(fd, out);
}

/**
 * __vsvm_wait_job_default() - wait for job @seqno of VM @vm_id, as long as
 * a job may take
 * @fd: a vsvm device
 * @vm_id: the VM
 * @seqno: the job
 * @out: the kernel's answer
 *
 * __vsvm_wait_job() with a deadline VSVM_WAIT_TIMEOUT_MS from now: a job
 * that hangs ends with the kernel's job timeout before that.
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_wait_job_default(int fd, uint32_t vm_id, uint64_t seqno,
			    struct drm_vsvm_wait *out)
{
	return __vsvm_wait_job(fd, vm_id, seqno,
			       vsvm_deadline_ns(VSVM_WAIT_TIMEOUT_MS), out);
}

/**
 * __vsvm_wait_fence() - wait until (*@addr & @mask) @op (@value & @mask)
 * @fd: a vsvm device
 * @vm_id: the VM
 * @addr: the user fence, a 64-bit word
 * @op: DRM_VSVM_WAIT_EQ, ...
 * @value: the value to compare with
 * @mask: the bits compared
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline
 * @out: the kernel's answer
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_wait_fence(int fd, uint32_t vm_id, uint64_t addr, uint32_t op,
		      uint64_t value, uint64_t mask, int64_t deadline_ns,
		      struct drm_vsvm_wait *out)
{
	memset(out, 0, sizeof(*out));
	out->vm_id = vm_id;
	out->flags = DRM_VSVM_WAIT_USER_FENCE;
	out->addr = addr;
	out->op = op;
	out->value = value;
	out->mask = mask;
	out->timeout_ns = deadline_ns;
	return __vsvm_wait(fd, out);
}

/* Logs a job's end, at @level: for the log of a failing test. */
static void vsvm_wait_describe(enum igt_log_level level, int ret,
			       const struct drm_vsvm_wait *wait)
{
	igt_log(IGT_LOG_DOMAIN, level,
		"wait for job %llu: %d, status %u error %u fault_addr %#llx fault_access %#x error_offset %u\n",
		(unsigned long long)wait->seqno, ret, wait->status,
		wait->error, (unsigned long long)wait->fault_addr,
		wait->fault_access, wait->error_offset);
}

/**
 * vsvm_wait_job() - wait for a job, asserting that it completed
 * @fd: a vsvm device
 * @vm_id: the VM
 * @seqno: the job
 */
void vsvm_wait_job(int fd, uint32_t vm_id, uint64_t seqno)
{
	struct drm_vsvm_wait wait;
	int ret;

	ret = __vsvm_wait_job_default(fd, vm_id, seqno, &wait);
	if (ret || wait.status != DRM_VSVM_WAIT_STATUS_DONE)
		vsvm_wait_describe(IGT_LOG_INFO, ret, &wait);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(wait.status, DRM_VSVM_WAIT_STATUS_DONE);
	igt_assert_eq_u32(wait.error, 0);
}

/**
 * vsvm_wait_job_error() - wait for a job, asserting that it failed
 * @fd: a vsvm device
 * @vm_id: the VM
 * @seqno: the job
 *
 * Returns: the kernel's answer, for the test to check the error.
 */
struct drm_vsvm_wait vsvm_wait_job_error(int fd, uint32_t vm_id,
					 uint64_t seqno)
{
	struct drm_vsvm_wait wait;
	int ret;

	ret = __vsvm_wait_job_default(fd, vm_id, seqno, &wait);
	vsvm_wait_describe(ret || wait.status !=
			   DRM_VSVM_WAIT_STATUS_GPU_ERROR ?
			   IGT_LOG_INFO : IGT_LOG_DEBUG, ret, &wait);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u32(wait.status, DRM_VSVM_WAIT_STATUS_GPU_ERROR);
	return wait;
}

/**
 * vsvm_assert_gpu_error() - check the error a job ended with
 * @wait: the answer of a job wait, status DRM_VSVM_WAIT_STATUS_GPU_ERROR
 * @error: the expected positive errno
 * @fault_addr: the expected fault address, or VSVM_ANY_ADDR
 * @fault_access: the expected DRM_VSVM_ACCESS_* bits, or VSVM_ANY_U32
 * @error_offset: the expected offset of the failing command, or VSVM_ANY_U32
 */
void vsvm_assert_gpu_error(const struct drm_vsvm_wait *wait, uint32_t error,
			   uint64_t fault_addr, uint32_t fault_access,
			   uint32_t error_offset)
{
	igt_assert_eq_u32(wait->status, DRM_VSVM_WAIT_STATUS_GPU_ERROR);
	igt_assert_eq_u32(wait->error, error);
	if (fault_addr != VSVM_ANY_ADDR)
		igt_assert_eq_u64(wait->fault_addr, fault_addr);
	if (fault_access != VSVM_ANY_U32)
		igt_assert_eq_u32(wait->fault_access, fault_access);
	if (error_offset != VSVM_ANY_U32)
		igt_assert_eq_u32(wait->error_offset, error_offset);
}

/**
 * vsvm_run() - submit @batch and wait for it to complete
 * @fd: a vsvm device
 * @vm_id: the VM
 * @engine: the engine
 * @batch: the batch
 */
void vsvm_run(int fd, uint32_t vm_id, uint32_t engine,
	      const struct vsvm_batch *batch)
{
	vsvm_wait_job(fd, vm_id, vsvm_exec(fd, vm_id, engine, batch));
}

/**
 * vsvm_run_error() - submit @batch and wait for it to fail
 * @fd: a vsvm device
 * @vm_id: the VM
 * @engine: the engine
 * @batch: the batch
 *
 * Returns: the kernel's answer, for the test to check the error.
 */
struct drm_vsvm_wait vsvm_run_error(int fd, uint32_t vm_id, uint32_t engine,
				    const struct vsvm_batch *batch)
{
	return vsvm_wait_job_error(fd, vm_id,
				   vsvm_exec(fd, vm_id, engine, batch));
}

/**
 * vsvm_run_fill() - fill memory with a job, asserting that it completes
 * @fd: a vsvm device
 * @vm_id: the VM
 * @batch: the batch to use: reset, and written with one FILL
 * @dst: the memory, 4-byte aligned
 * @size: bytes, a multiple of 4
 * @word: the 32-bit word written
 *
 * The job runs on engine 0.
 */
void vsvm_run_fill(int fd, uint32_t vm_id, struct vsvm_batch *batch,
		   uint64_t dst, uint64_t size, uint32_t word)
{
	vsvm_batch_reset(batch);
	vsvm_batch_fill(batch, dst, size, word);
	vsvm_run(fd, vm_id, 0, batch);
}

/**
 * vsvm_run_copy() - copy memory with a job, asserting that it completes
 * @fd: a vsvm device
 * @vm_id: the VM
 * @batch: the batch to use: reset, and written with one COPY
 * @dst: where to
 * @src: where from
 * @size: bytes
 *
 * The job runs on engine 0.
 */
void vsvm_run_copy(int fd, uint32_t vm_id, struct vsvm_batch *batch,
		   uint64_t dst, uint64_t src, uint64_t size)
{
	vsvm_batch_reset(batch);
	vsvm_batch_copy(batch, dst, src, size);
	vsvm_run(fd, vm_id, 0, batch);
}

/**
 * __vsvm_range_info() - DRM_IOCTL_VSVM_RANGE_INFO
 * @fd: a vsvm device
 * @info: the argument
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_range_info(int fd, struct drm_vsvm_range_info *info)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_RANGE_INFO, info);
}

/**
 * vsvm_range_info() - how the GPU maps each page of [@start, @start + @size)
 * @fd: a vsvm device
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a multiple of 4 KiB
 * @data: receives one byte per page
 */
void vsvm_range_info(int fd, uint32_t vm_id, uint64_t start, uint64_t size,
		     uint8_t *data)
{
	struct drm_vsvm_range_info info = {
		.vm_id = vm_id,
		.start = start,
		.size = size,
		.data = to_user_pointer(data),
	};

	igt_assert_eq(__vsvm_range_info(fd, &info), 0);
}

/**
 * vsvm_residency_info() - where each page of [@start, @start + @size) is
 * @fd: a vsvm device with VRAM
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a multiple of 4 KiB, at most DRM_VSVM_RANGE_INFO_MAX_SIZE
 * @data: receives one byte per page, as RANGE_INFO with
 *	DRM_VSVM_RANGE_INFO_RESIDENCY writes it
 */
void vsvm_residency_info(int fd, uint32_t vm_id, uint64_t start,
			 uint64_t size, uint8_t *data)
{
	struct drm_vsvm_range_info info = {
		.vm_id = vm_id,
		.flags = DRM_VSVM_RANGE_INFO_RESIDENCY,
		.start = start,
		.size = size,
		.data = to_user_pointer(data),
	};

	igt_assert_eq(__vsvm_range_info(fd, &info), 0);
}

/**
 * vsvm_residency_of() - decode one residency entry
 * @entry: a byte written by RANGE_INFO with DRM_VSVM_RANGE_INFO_RESIDENCY
 *
 * Fails the test if the entry is not one the uAPI defines for residency.
 *
 * Returns: where the page is.
 */
enum vsvm_residency vsvm_residency_of(uint8_t entry)
{
	igt_assert_f(DRM_VSVM_RANGE_INFO_PTE(entry) == DRM_VSVM_PTE_NONE,
		     "residency entry %#04x has a PTE size\n", entry);
	switch (DRM_VSVM_RANGE_INFO_STATE(entry)) {
	case DRM_VSVM_PAGE_NOT_MIRRORED:
		return VSVM_RESIDENCY_NONE;
	case DRM_VSVM_PAGE_SYSTEM_RO:
	case DRM_VSVM_PAGE_SYSTEM_RW:
		return VSVM_RESIDENCY_SYSTEM;
	case DRM_VSVM_PAGE_VRAM:
		return VSVM_RESIDENCY_VRAM;
	}
	igt_assert_f(false, "residency entry %#04x: unknown state\n", entry);
	return VSVM_RESIDENCY_NONE;
}

static const char *vsvm_residency_name(enum vsvm_residency where)
{
	switch (where) {
	case VSVM_RESIDENCY_NONE:
		return "none";
	case VSVM_RESIDENCY_SYSTEM:
		return "system";
	case VSVM_RESIDENCY_VRAM:
		return "VRAM";
	}
	return "?";
}

/* The residency bytes of a span, in a buffer the caller frees. */
static uint8_t *vsvm_residency_alloc(int fd, uint32_t vm_id, uint64_t start,
				     uint64_t size)
{
	uint8_t *data = malloc(size / 4096 + 1);

	igt_assert(data);
	vsvm_residency_info(fd, vm_id, start, size, data);
	return data;
}

/**
 * vsvm_residency_count() - how many pages of a span are in one place
 * @fd: a vsvm device with VRAM
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a multiple of 4 KiB
 * @where: the place
 *
 * Returns: the number of pages of the span that are at @where.
 */
size_t vsvm_residency_count(int fd, uint32_t vm_id, uint64_t start,
			    uint64_t size, enum vsvm_residency where)
{
	uint8_t *data = vsvm_residency_alloc(fd, vm_id, start, size);
	size_t i, count = 0;

	for (i = 0; i < size / 4096; i++)
		count += vsvm_residency_of(data[i]) == where;
	free(data);
	return count;
}

/**
 * vsvm_assert_residency() - assert that every page of a span is in one place
 * @fd: a vsvm device with VRAM
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a multiple of 4 KiB
 * @where: the place
 */
void vsvm_assert_residency(int fd, uint32_t vm_id, uint64_t start,
			   uint64_t size, enum vsvm_residency where)
{
	uint8_t *data = vsvm_residency_alloc(fd, vm_id, start, size);
	size_t i, bad = 0, first = SIZE_MAX;

	for (i = 0; i < size / 4096; i++) {
		if (vsvm_residency_of(data[i]) == where)
			continue;
		if (first == SIZE_MAX)
			first = i;
		bad++;
	}
	igt_assert_f(!bad,
		     "[%#llx, %#llx): %zu of %llu pages not in %s, the first at %#llx in %s\n",
		     (unsigned long long)start,
		     (unsigned long long)(start + size), bad,
		     (unsigned long long)(size / 4096),
		     vsvm_residency_name(where),
		     (unsigned long long)(start + first * 4096),
		     first == SIZE_MAX ? "" :
		     vsvm_residency_name(vsvm_residency_of(data[first])));
	free(data);
}

/**
 * __vsvm_madvise() - DRM_IOCTL_VSVM_MADVISE
 * @fd: a vsvm device
 * @madvise: the argument
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_madvise(int fd, struct drm_vsvm_madvise *madvise)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_MADVISE, madvise);
}

/**
 * vsvm_madvise() - set the memory attributes of a span, asserting success
 * @fd: a vsvm device with VRAM
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a multiple of 4 KiB, not 0
 * @attrs: the attributes
 */
void vsvm_madvise(int fd, uint32_t vm_id, uint64_t start, uint64_t size,
		  const struct drm_vsvm_mem_attrs *attrs)
{
	struct drm_vsvm_madvise madvise = {
		.vm_id = vm_id,
		.start = start,
		.size = size,
		.attrs = *attrs,
	};

	igt_assert_eq(__vsvm_madvise(fd, &madvise), 0);
}

/**
 * vsvm_mem_attrs() - memory attributes for MADVISE
 * @loc: the preferred location, DRM_VSVM_LOC_*
 * @granularity: the migration granularity, 0 for the default
 * @policy: the atomic policy, DRM_VSVM_ATOMIC_*
 * @timeslice_ms: the atomic timeslice, 0 for the default
 *
 * Returns: the attributes, every other field 0.
 */
struct drm_vsvm_mem_attrs vsvm_mem_attrs(uint32_t loc, uint32_t granularity,
					 uint32_t policy,
					 uint32_t timeslice_ms)
{
	return (struct drm_vsvm_mem_attrs) {
		.preferred_loc = loc,
		.granularity = granularity,
		.atomic_policy = policy,
		.atomic_timeslice_ms = timeslice_ms,
	};
}

/**
 * vsvm_vm_default_attrs() - set the VM's default memory attributes
 * @fd: a vsvm device with VRAM
 * @vm_id: the VM
 * @attrs: the attributes that apply wherever no span was advised
 */
void vsvm_vm_default_attrs(int fd, uint32_t vm_id,
			   const struct drm_vsvm_mem_attrs *attrs)
{
	struct drm_vsvm_madvise madvise = {
		.vm_id = vm_id,
		.flags = DRM_VSVM_MADVISE_VM_DEFAULT,
		.attrs = *attrs,
	};

	igt_assert_eq(__vsvm_madvise(fd, &madvise), 0);
}

/**
 * vsvm_vm_prefer_system() - keep the VM's pages in system memory
 * @fd: a vsvm device
 * @vm_id: the VM
 *
 * Sets the VM's default preferred location to DRM_VSVM_LOC_SYSTEM, so that
 * the GPU mirrors system pages where they are instead of moving them to
 * VRAM.  Does nothing on a device without VRAM, where nothing moves anyway.
 */
void vsvm_vm_prefer_system(int fd, uint32_t vm_id)
{
	const struct drm_vsvm_mem_attrs system = {
		.preferred_loc = DRM_VSVM_LOC_SYSTEM,
	};

	if (vsvm_has_vram(fd))
		vsvm_vm_default_attrs(fd, vm_id, &system);
}

/**
 * __vsvm_attr_query() - DRM_IOCTL_VSVM_ATTR_QUERY
 * @fd: a vsvm device
 * @query: the argument, updated by the kernel
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_attr_query(int fd, struct drm_vsvm_attr_query *query)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_ATTR_QUERY, query);
}

/**
 * vsvm_attr_query() - the memory attributes at @addr, asserting success
 * @fd: a vsvm device with VRAM
 * @vm_id: the VM
 * @addr: the address
 *
 * Asserts that the span returned contains @addr.
 *
 * Returns: the kernel's answer.
 */
struct drm_vsvm_attr_query vsvm_attr_query(int fd, uint32_t vm_id,
					   uint64_t addr)
{
	struct drm_vsvm_attr_query query = {
		.vm_id = vm_id,
		.addr = addr,
	};

	igt_assert_eq(__vsvm_attr_query(fd, &query), 0);
	igt_debug("attributes at %#llx: [%#llx, +%#llx) advised %u: loc %u granularity %#x atomic %u timeslice %u\n",
		  (unsigned long long)addr, (unsigned long long)query.start,
		  (unsigned long long)query.size, query.advised,
		  query.attrs.preferred_loc, query.attrs.granularity,
		  query.attrs.atomic_policy, query.attrs.atomic_timeslice_ms);
	igt_assert_f(query.start <= addr && addr - query.start < query.size,
		     "%#llx not in [%#llx, +%#llx)\n",
		     (unsigned long long)addr,
		     (unsigned long long)query.start,
		     (unsigned long long)query.size);
	return query;
}

/**
 * __vsvm_prefetch() - DRM_IOCTL_VSVM_PREFETCH
 * @fd: a vsvm device
 * @prefetch: the argument, updated by the kernel
 *
 * Returns: 0 or a negative errno value.
 */
int __vsvm_prefetch(int fd, struct drm_vsvm_prefetch *prefetch)
{
	return vsvm_ioctl(fd, DRM_IOCTL_VSVM_PREFETCH, prefetch);
}

/**
 * vsvm_prefetch() - move a span to @region, asserting success
 * @fd: a vsvm device with VRAM
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a multiple of 4 KiB, not 0
 * @region: DRM_VSVM_REGION_SYSTEM or DRM_VSVM_REGION_VRAM
 *
 * Asserts that the out fields account for every page of the span.
 *
 * Returns: the kernel's answer, for the test to check the counts.
 */
struct drm_vsvm_prefetch vsvm_prefetch(int fd, uint32_t vm_id,
				       uint64_t start, uint64_t size,
				       uint32_t region)
{
	struct drm_vsvm_prefetch prefetch = {
		.vm_id = vm_id,
		.start = start,
		.size = size,
		.region = region,
	};

	igt_assert_eq(__vsvm_prefetch(fd, &prefetch), 0);
	igt_debug("prefetch [%#llx, +%#llx) to %s: moved %llu already %llu unmapped %llu unmovable %llu busy %llu no_memory %llu\n",
		  (unsigned long long)start, (unsigned long long)size,
		  region == DRM_VSVM_REGION_VRAM ? "VRAM" : "system",
		  (unsigned long long)prefetch.moved,
		  (unsigned long long)prefetch.already,
		  (unsigned long long)prefetch.unmapped,
		  (unsigned long long)prefetch.unmovable,
		  (unsigned long long)prefetch.busy,
		  (unsigned long long)prefetch.no_memory);
	igt_assert_eq_u64(prefetch.moved + prefetch.already +
			  prefetch.unmapped + prefetch.unmovable +
			  prefetch.busy + prefetch.no_memory, size / 4096);
	return prefetch;
}

/**
 * vsvm_has_counters() - whether the kernel exposes the debugfs counters
 *
 * Returns: true if VSVM_IGT_COUNTERS can be read.
 */
bool vsvm_has_counters(void)
{
	return access(VSVM_IGT_COUNTERS, R_OK) == 0;
}

/* Opens debugfs file @name of device @index, or returns NULL. */
static FILE *vsvm_debugfs_open(unsigned int index, const char *name,
			       const char *mode, char *path, size_t len)
{
	snprintf(path, len, VSVM_IGT_DEBUGFS "%u/%s", index, name);
	return fopen(path, mode);
}

/**
 * vsvm_counter() - the current value of a debugfs counter of device 0
 * @name: the counter, e.g. "faults_2m"
 *
 * Skips the test if the counters file does not exist; fails it if the
 * counter does not.  Counters are per device: use differences.
 *
 * Returns: the counter's value.
 */
uint64_t vsvm_counter(const char *name)
{
	return vsvm_counter_dev(0, name);
}

/**
 * vsvm_count_vms() - how many VMs of a process a device has, from debugfs
 * @index: the device
 * @pid: the process whose VMs count
 *
 * Returns: the number of VMs debugfs's vsvm_vms lists for @pid, or -1 if it
 * cannot be read.
 */
int vsvm_count_vms(unsigned int index, pid_t pid)
{
	char line[256], path[128];
	int owner, count = 0;
	unsigned int id;
	FILE *file;

	snprintf(path, sizeof(path), VSVM_IGT_DEBUGFS "%u/vsvm_vms", index);
	file = fopen(path, "r");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file))
		if (sscanf(line, "vm %u pid %d", &id, &owner) == 2 &&
		    owner == pid)
			count++;
	fclose(file);
	return count;
}

/**
 * vsvm_vm_dma_pages() - how many system pages a VM has mapped for the
 *	device's DMA now, from debugfs
 * @index: the device
 * @vm_id: the VM, of this process
 *
 * Skips the test if vsvm_vms cannot be read; fails it if the VM is not
 * listed.
 *
 * Returns: the VM's ``dma_pages``.
 */
long vsvm_vm_dma_pages(unsigned int index, uint32_t vm_id)
{
	char line[256], path[128];
	unsigned long tables;
	bool found = false;
	long pages = -1;
	unsigned int id;
	FILE *file;
	int pid;

	file = vsvm_debugfs_open(index, "vsvm_vms", "r", path, sizeof(path));
	igt_require_f(file, "cannot read %s: %s\n", path, strerror(errno));
	while (!found && fgets(line, sizeof(line), file))
		found = sscanf(line, "vm %u pid %d tables %lu dma_pages %ld",
			       &id, &pid, &tables, &pages) == 4 &&
			id == vm_id && pid == getpid();
	fclose(file);
	igt_assert_f(found, "VM %u of pid %d is not in %s\n", vm_id, getpid(),
		     path);
	return pages;
}

/**
 * vsvm_counter_dev() - the current value of a debugfs counter of a device
 * @index: the device, from 0
 * @name: the counter, e.g. "migrate_pages_to_vram"
 *
 * Skips the test if the counters file does not exist; fails it if the
 * counter does not.
 *
 * Returns: the counter's value.
 */
uint64_t vsvm_counter_dev(unsigned int index, const char *name)
{
	unsigned long long value;
	char key[64], path[96];
	bool found = false;
	FILE *file;

	file = vsvm_debugfs_open(index, "vsvm_counters", "r", path,
				 sizeof(path));
	igt_require_f(file, "cannot read %s: %s\n", path, strerror(errno));
	while (fscanf(file, "%63s %llu", key, &value) == 2) {
		if (!strcmp(key, name)) {
			found = true;
			break;
		}
	}
	fclose(file);
	igt_assert_f(found, "no counter %s in %s\n", name, path);
	return value;
}

/**
 * vsvm_stats_read() - take a snapshot of some debugfs counters of a device
 * @index: the device, from 0
 * @names: the counters, as vsvm_counter_dev() takes them
 * @n: how many, at most VSVM_STATS_MAX
 *
 * The snapshot keeps @index and @names (which must outlive it) for the
 * functions that compare the counters with it, which take the position of
 * a counter in @names.
 *
 * Returns: the counters' values, read in the order of @names.
 */
struct vsvm_stats vsvm_stats_read(unsigned int index,
				  const char * const *names, unsigned int n)
{
	struct vsvm_stats s = { .index = index, .names = names, .n = n };
	unsigned int i;

	igt_assert(n <= VSVM_STATS_MAX);
	for (i = 0; i < n; i++)
		s.value[i] = vsvm_counter_dev(index, names[i]);
	return s;
}

/**
 * vsvm_stat_delta() - how much a counter grew since a snapshot
 * @before: the snapshot
 * @which: the counter, its position in the snapshot's names
 *
 * Returns: the counter's current value minus its value in @before.
 */
uint64_t vsvm_stat_delta(const struct vsvm_stats *before, unsigned int which)
{
	igt_assert(which < before->n);
	return vsvm_counter_dev(before->index, before->names[which]) -
	       before->value[which];
}

/**
 * vsvm_stats_log() - log every counter that moved since a snapshot
 * @before: the snapshot
 */
void vsvm_stats_log(const struct vsvm_stats *before)
{
	struct vsvm_stats now = vsvm_stats_read(before->index, before->names,
						before->n);
	unsigned int i;

	for (i = 0; i < before->n; i++)
		if (now.value[i] != before->value[i])
			igt_info("device %u: %s +%llu\n", before->index,
				 before->names[i],
				 (unsigned long long)(now.value[i] -
						      before->value[i]));
}

/**
 * vsvm_assert_stat_grew() - assert that a counter grew since a snapshot
 * @before: the snapshot
 * @which: the counter, its position in the snapshot's names
 * @at_least: by how much it must have grown at least
 */
void vsvm_assert_stat_grew(const struct vsvm_stats *before,
			   unsigned int which, uint64_t at_least)
{
	uint64_t delta = vsvm_stat_delta(before, which);

	igt_assert_f(delta >= at_least,
		     "device %u: %s grew by %llu, expected at least %llu\n",
		     before->index, before->names[which],
		     (unsigned long long)delta, (unsigned long long)at_least);
}

/**
 * vsvm_assert_stat_same() - assert that a counter did not move
 * @before: the snapshot
 * @which: the counter, its position in the snapshot's names
 */
void vsvm_assert_stat_same(const struct vsvm_stats *before,
			   unsigned int which)
{
	uint64_t delta = vsvm_stat_delta(before, which);

	igt_assert_f(!delta, "device %u: %s grew by %llu\n", before->index,
		     before->names[which], (unsigned long long)delta);
}

/**
 * vsvm_vram_stat() - a value of the debugfs file vsvm_vram of a device
 * @index: the device, from 0
 * @key: "size", "used", "free" (bytes) or "allocations"
 *
 * Skips the test if the file does not exist; fails it if the key does not.
 *
 * Returns: the value.
 */
uint64_t vsvm_vram_stat(unsigned int index, const char *key)
{
	unsigned long long value;
	char line[256], name[64], path[96];
	bool found = false;
	FILE *file;

	file = vsvm_debugfs_open(index, "vsvm_vram", "r", path, sizeof(path));
	igt_require_f(file, "cannot read %s: %s\n", path, strerror(errno));
	while (!found && fgets(line, sizeof(line), file))
		found = sscanf(line, "%63s %llu", name, &value) == 2 &&
			!strcmp(name, key);
	fclose(file);
	igt_assert_f(found, "no \"%s\" in %s\n", key, path);
	return value;
}

/**
 * vsvm_vram_used() - bytes of a device's VRAM in use
 * @index: the device, from 0
 *
 * Returns: the "used" value of vsvm_vram.
 */
uint64_t vsvm_vram_used(unsigned int index)
{
	return vsvm_vram_stat(index, "used");
}

/**
 * vsvm_vram_wait_used() - wait until a device uses at most @at_most bytes
 * of VRAM
 * @index: the device, from 0
 * @at_most: bytes
 * @timeout_ms: how long to poll
 *
 * VRAM is freed asynchronously after the last page of an allocation goes:
 * poll for it, and let the caller judge the outcome.
 *
 * Returns: the last value of "used" read.
 */
uint64_t vsvm_vram_wait_used(unsigned int index, uint64_t at_most,
			     unsigned int timeout_ms)
{
	int64_t deadline = vsvm_deadline_ns(timeout_ms);
	uint64_t used;

	while ((used = vsvm_vram_used(index)) > at_most &&
	       vsvm_now_ns() < deadline)
		usleep(10000);
	return used;
}

/**
 * vsvm_vram_fail_alloc() - make the next @count VRAM allocations fail
 * @index: the device, from 0
 * @count: allocations, 0 to stop failing
 *
 * Writes the debugfs knob vram_fail_alloc; skips the test without it.
 */
void vsvm_vram_fail_alloc(unsigned int index, unsigned int count)
{
	char path[96];
	FILE *file;

	file = vsvm_debugfs_open(index, "vram_fail_alloc", "w", path,
				 sizeof(path));
	igt_require_f(file, "cannot write %s: %s\n", path, strerror(errno));
	igt_assert_lt(0, fprintf(file, "%u\n", count));
	igt_assert_eq(fclose(file), 0);
}

/**
 * vsvm_vram_fail_alloc_pending() - VRAM allocations still to fail
 * @index: the device, from 0
 *
 * Returns: the count the knob vram_fail_alloc reads back.
 */
unsigned int vsvm_vram_fail_alloc_pending(unsigned int index)
{
	unsigned int count;
	char path[96];
	FILE *file;
	int ret;

	file = vsvm_debugfs_open(index, "vram_fail_alloc", "r", path,
				 sizeof(path));
	igt_require_f(file, "cannot read %s: %s\n", path, strerror(errno));
	ret = fscanf(file, "%u", &count);
	fclose(file);
	igt_assert_eq(ret, 1);
	return count;
}

/**
 * vsvm_fdinfo_bytes() - a memory key of the device file's fdinfo
 * @fd: a vsvm device
 * @key: the key without the colon, e.g. "drm-total-vram"
 *
 * Understands the sizes of the DRM fdinfo format: a number followed by
 * nothing (bytes), "KiB" or "MiB".
 *
 * Returns: the value in bytes, or -1 if the key is not there.
 */
int64_t vsvm_fdinfo_bytes(int fd, const char *key)
{
	char path[64], line[256], unit[16];
	unsigned long long value;
	size_t len = strlen(key);
	int64_t bytes = -1;
	FILE *file;
	int n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	file = fopen(path, "r");
	igt_assert_f(file, "cannot read %s: %s\n", path, strerror(errno));
	while (bytes < 0 && fgets(line, sizeof(line), file)) {
		if (strncmp(line, key, len) || line[len] != ':')
			continue;
		unit[0] = 0;
		n = sscanf(line + len + 1, " %llu %15s", &value, unit);
		igt_assert_f(n >= 1, "%s: cannot parse %s", path, line);
		if (n == 1)
			bytes = value;
		else if (!strcmp(unit, "KiB"))
			bytes = value << 10;
		else if (!strcmp(unit, "MiB"))
			bytes = value << 20;
		else if (!strcmp(unit, "GiB"))
			bytes = value << 30;
		else
			igt_assert_f(false, "%s: unknown unit in %s", path,
				     line);
	}
	fclose(file);
	return bytes;
}

static void vsvm_trace_write(const char *file, const char *value)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), VSVM_IGT_TRACING "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	igt_assert_f(fd >= 0, "cannot open %s: %s\n", path, strerror(errno));
	igt_assert_eq(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

/**
 * vsvm_trace_has_event() - whether a vsvm trace event exists
 * @event: its name, e.g. "vsvm_migrate"
 *
 * Returns: true if the event can be enabled.
 */
bool vsvm_trace_has_event(const char *event)
{
	char path[160];

	snprintf(path, sizeof(path), VSVM_IGT_TRACING "/events/vsvm/%s/enable",
		 event);
	return access(path, W_OK) == 0;
}

/**
 * vsvm_trace_enable() - turn a vsvm trace event on or off
 * @event: its name, e.g. "vsvm_migrate"
 * @enable: on or off
 */
void vsvm_trace_enable(const char *event, bool enable)
{
	char file[128];

	snprintf(file, sizeof(file), "events/vsvm/%s/enable", event);
	vsvm_trace_write(file, enable ? "1" : "0");
}

/**
 * vsvm_trace_clear() - empty the trace buffer
 */
void vsvm_trace_clear(void)
{
	vsvm_trace_write("trace", "");
}

/**
 * vsvm_trace_read() - the trace buffer
 *
 * Returns: its text, as one string the caller frees.
 */
char *vsvm_trace_read(void)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	igt_assert(buf);
	fd = open(VSVM_IGT_TRACING "/trace", O_RDONLY);
	igt_assert_fd(fd);
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	return buf;
}

/**
 * vsvm_pattern_word() - word @index of the pattern named @seed
 * @seed: the pattern, not 0
 * @index: the word's index
 *
 * Every word differs from its neighbours, and patterns of different seeds
 * differ in every word.
 *
 * Returns: the word.
 */
uint32_t vsvm_pattern_word(uint32_t seed, size_t index)
{
	return ((uint32_t)index * 0x9e3779b1u) ^ seed;
}

/**
 * vsvm_pattern_fill() - write pattern @seed to @buf, any alignment
 * @buf: the buffer
 * @size: bytes; byte i is byte i % 4 (little-endian) of word i / 4
 * @seed: the pattern
 */
void vsvm_pattern_fill(void *buf, size_t size, uint32_t seed)
{
	uint8_t *p = buf;
	size_t i;
	uint32_t word;

	for (i = 0; i + 4 <= size; i += 4) {
		word = vsvm_pattern_word(seed, i / 4);
		memcpy(p + i, &word, 4);
	}
	word = vsvm_pattern_word(seed, i / 4);
	memcpy(p + i, &word, size - i);
}

/**
 * vsvm_pattern_check() - compare @buf with pattern @seed
 * @buf: the buffer
 * @size: bytes
 * @seed: the pattern
 *
 * Returns: the offset of the first byte that differs, or SIZE_MAX.
 */
size_t vsvm_pattern_check(const void *buf, size_t size, uint32_t seed)
{
	const uint8_t *p = buf;
	uint32_t word;
	size_t i, j;

	for (i = 0; i < size; i += 4) {
		word = vsvm_pattern_word(seed, i / 4);
		if (i + 4 <= size && !memcmp(p + i, &word, 4))
			continue;
		for (j = 0; j < 4 && i + j < size; j++)
			if (p[i + j] != ((uint8_t *)&word)[j])
				return i + j;
	}
	return SIZE_MAX;
}

/**
 * vsvm_assert_pattern() - assert that @buf holds pattern @seed
 * @buf: the buffer
 * @size: bytes
 * @seed: the pattern
 */
void vsvm_assert_pattern(const void *buf, size_t size, uint32_t seed)
{
	size_t bad = vsvm_pattern_check(buf, size, seed);
	uint32_t word;

	if (bad == SIZE_MAX)
		return;
	word = vsvm_pattern_word(seed, bad / 4);
	igt_assert_f(false,
		     "%p + %#zx (of %#zx): byte %#04x, pattern %#x has %#04x\n",
		     buf, bad, size, ((const uint8_t *)buf)[bad], seed,
		     ((uint8_t *)&word)[bad % 4]);
}

/**
 * vsvm_words_check() - compare @buf with the repeated 32-bit @word
 * @buf: the buffer, 4-byte aligned
 * @size: bytes, a multiple of 4
 * @word: the expected word
 *
 * Returns: the offset of the first word that differs, or SIZE_MAX.
 */
size_t vsvm_words_check(const void *buf, size_t size, uint32_t word)
{
	const uint32_t *p = buf;
	size_t i;

	for (i = 0; i < size / 4; i++)
		if (p[i] != word)
			return i * 4;
	return SIZE_MAX;
}

/**
 * vsvm_assert_words() - assert that @buf holds the repeated 32-bit @word
 * @buf: the buffer, 4-byte aligned
 * @size: bytes, a multiple of 4
 * @word: the expected word
 */
void vsvm_assert_words(const void *buf, size_t size, uint32_t word)
{
	size_t bad = vsvm_words_check(buf, size, word);

	igt_assert_f(bad == SIZE_MAX, "%p + %#zx (of %#zx): %#x, expected %#x\n",
		     buf, bad, size,
		     bad == SIZE_MAX ? 0 : ((const uint32_t *)buf)[bad / 4],
		     word);
}

/**
 * vsvm_assert_bytes() - assert that every byte of @buf is @byte
 * @buf: the buffer
 * @size: bytes
 * @byte: the expected value
 */
void vsvm_assert_bytes(const void *buf, size_t size, uint8_t byte)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < size; i++)
		igt_assert_f(p[i] == byte, "%p + %#zx (of %#zx): %#04x, expected %#04x\n",
			     buf, i, size, p[i], byte);
}

/**
 * vsvm_assert_pattern_range() - assert that part of @buf holds pattern @seed
 * @buf: the buffer the pattern was written to, 4-byte aligned
 * @off: where the checked part starts, a multiple of 4
 * @len: bytes checked, a multiple of 4
 * @seed: the pattern
 *
 * Word i of [@off, @off + @len) must be word i of the pattern written from
 * @buf itself, not from @buf + @off.
 */
void vsvm_assert_pattern_range(const void *buf, size_t off, size_t len,
			       uint32_t seed)
{
	const uint32_t *w = buf;
	size_t i;

	for (i = off / 4; i < (off + len) / 4; i++)
		igt_assert_f(w[i] == vsvm_pattern_word(seed, i),
			     "%p + %#zx: %#x, pattern %#x has %#x\n", buf,
			     i * 4, w[i], seed, vsvm_pattern_word(seed, i));
}

/**
 * vsvm_assert_same() - assert that two buffers hold the same bytes
 * @got: the buffer under test
 * @want: what it must hold
 * @size: bytes
 *
 * Fails the test at the first byte where @got and @want differ.
 */
void vsvm_assert_same(const void *got, const void *want, size_t size)
{
	const uint8_t *g = got, *w = want;
	size_t i;

	if (!memcmp(got, want, size))
		return;
	for (i = 0; g[i] == w[i]; i++)
		;
	igt_assert_f(false, "%p + %#zx (of %#zx): %#04x, expected %#04x\n",
		     got, i, size, g[i], w[i]);
}

/**
 * vsvm_snapshot() - copy a buffer, to compare with after it moved around
 * @buf: the buffer
 * @size: bytes
 *
 * Returns: a malloc()ed copy of @buf, for the caller to free().
 */
uint8_t *vsvm_snapshot(const void *buf, size_t size)
{
	uint8_t *copy = malloc(size);

	igt_assert(copy);
	memcpy(copy, buf, size);
	return copy;
}
