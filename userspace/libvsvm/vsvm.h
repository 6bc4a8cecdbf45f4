/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * libvsvm: userspace access to vsvm devices.
 *
 * Conventions: functions returning int return 0 or a negative errno value;
 * functions returning a pointer return NULL and set errno on failure.
 */

#ifndef LIBVSVM_VSVM_H
#define LIBVSVM_VSVM_H

#include <stddef.h>
#include <stdint.h>

#include <vsvm_drm.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The driver name of vsvm devices, as DRM_IOCTL_VERSION reports it. */
#define VSVM_DRIVER_NAME "vsvm"

/** An open vsvm device (a render node). */
struct vsvm_device;

/**
 * vsvm_device_count() - number of vsvm render nodes in /dev/dri
 *
 * Return: the count (possibly 0), or a negative errno value.
 */
int vsvm_device_count(void);

/**
 * vsvm_device_open() - open the @index-th vsvm render node
 * @index: from 0, in render-node order
 *
 * The device is found by driver name: other DRM devices are skipped.
 *
 * Return: the device, or NULL with errno set (ENODEV if there is no such
 * vsvm device).
 */
struct vsvm_device *vsvm_device_open(unsigned int index);

/** vsvm_device_close() - close a device; NULL is allowed. */
void vsvm_device_close(struct vsvm_device *dev);

/** vsvm_device_fd() - the device's file descriptor, for raw ioctls. */
int vsvm_device_fd(const struct vsvm_device *dev);

/** vsvm_device_path() - the device node's path, e.g. "/dev/dri/renderD128". */
const char *vsvm_device_path(const struct vsvm_device *dev);

/**
 * vsvm_query_device() - fetch the device's &struct drm_vsvm_query_device
 * @dev: the device
 * @info: filled in; fields the kernel does not know are left zero
 *
 * Return: 0 or a negative errno value.
 */
int vsvm_query_device(struct vsvm_device *dev,
		      struct drm_vsvm_query_device *info);

/*
 * Shared virtual memory (libvsvm 1.1, for devices with DRM_VSVM_FEATURE_SVM).
 *
 * The GPU works on this process's own pointers: a GPU address is a CPU
 * address.  The typical sequence is vsvm_vm_create(), a &struct vsvm_batch
 * built with the vsvm_batch_*() functions and ending with a STORE to a user
 * fence, vsvm_exec(), then vsvm_wait_fence() or vsvm_wait_job().
 */

/**
 * vsvm_ptr() - the GPU address of a pointer
 * @ptr: any pointer into this process's memory
 *
 * In a VM, GPU virtual address == CPU virtual address; this only converts
 * the type.
 *
 * Return: @ptr as a 64-bit address.
 */
static inline uint64_t vsvm_ptr(const volatile void *ptr)
{
	return (uint64_t)(uintptr_t)ptr;
}

/**
 * vsvm_vm_create() - create a VM mirroring this process's address space
 * @dev: the device
 * @vm_id: out: the new VM's id (never 0), valid for @dev's file
 *
 * Nothing needs to be bound: the GPU faults pages in on first touch.  The VM
 * belongs to the calling process.
 *
 * Return: 0 or a negative errno value.
 */
int vsvm_vm_create(struct vsvm_device *dev, uint32_t *vm_id);

/**
 * vsvm_vm_destroy() - destroy a VM
 * @dev: the device
 * @vm_id: the VM, from vsvm_vm_create()
 *
 * Jobs of the VM still running end with ECANCELED.
 *
 * Return: 0, -ENOENT for an unknown @vm_id, or another negative errno
 * value.
 */
int vsvm_vm_destroy(struct vsvm_device *dev, uint32_t vm_id);

/**
 * struct vsvm_batch - a batch of GPU commands being built (opaque)
 *
 * The commands are encoded, exactly as &struct drm_vsvm_cmd_header and the
 * command structures of vsvm_drm.h describe, into one buffer of ordinary
 * malloc()ed memory, 8-byte aligned, which the GPU reads through the VM
 * when the job runs.  Appending may realloc() the buffer, which moves it.
 *
 * Lifetime rule: from vsvm_exec() until that job has ended (vsvm_wait_job()
 * returned 0 or -EIO, or the batch's final user fence signalled), do not
 * append to, reset or destroy the batch: the GPU would read freed or changed
 * memory.  A batch that is not modified may be executed any number of times,
 * on several engines at once.  A batch is not thread-safe.
 *
 * Each vsvm_batch_*() append function checks its operands against the rules
 * vsvm_drm.h states for that command alone (non-zero sizes, alignment,
 * flags, cpp, pitches, operand widths) and returns -EINVAL, leaving the
 * batch unchanged, if one is broken.  What depends on memory -- whether an
 * address is mapped, whether source and destination overlap -- is found by
 * the GPU and reported by vsvm_wait_job().
 */
struct vsvm_batch;

/**
 * vsvm_batch_create() - create an empty batch
 * @size_hint: the expected size in bytes, to allocate once; 0 for a default.
 *	The batch grows as needed anyway.
 *
 * Return: the batch, or NULL with errno set to ENOMEM.
 */
struct vsvm_batch *vsvm_batch_create(size_t size_hint);

/**
 * vsvm_batch_destroy() - free a batch and its buffer; NULL is allowed
 * @batch: the batch, not in use by a job (see &struct vsvm_batch)
 */
void vsvm_batch_destroy(struct vsvm_batch *batch);

/**
 * vsvm_batch_reset() - empty a batch, keeping its buffer for reuse
 * @batch: the batch, not in use by a job (see &struct vsvm_batch)
 */
void vsvm_batch_reset(struct vsvm_batch *batch);

/**
 * vsvm_batch_data() - the batch's encoded commands
 * @batch: the batch
 *
 * Return: the start of the buffer, 8-byte aligned and never NULL; valid
 * until the next append, reset or destroy.
 */
const void *vsvm_batch_data(const struct vsvm_batch *batch);

/**
 * vsvm_batch_size() - the size of the batch's encoded commands
 * @batch: the batch
 *
 * Return: the size in bytes, a multiple of 8, at most
 * DRM_VSVM_BATCH_MAX_SIZE.
 */
size_t vsvm_batch_size(const struct vsvm_batch *batch);

/**
 * vsvm_batch_count() - the number of commands in the batch
 * @batch: the batch
 *
 * Return: the number of successful appends since creation or the last
 * vsvm_batch_reset().
 */
unsigned int vsvm_batch_count(const struct vsvm_batch *batch);

/**
 * vsvm_batch_append() - append one raw, already encoded command
 * @batch: the batch
 * @cmd: the command, starting with a &struct drm_vsvm_cmd_header
 * @size: its size in bytes, a non-zero multiple of 8
 *
 * Copies @cmd as it is, unchecked: for commands this library has no
 * function for, or deliberately malformed ones.
 *
 * Return: 0; -EINVAL for a bad @size; -E2BIG if the batch would exceed
 * DRM_VSVM_BATCH_MAX_SIZE; -ENOMEM.
 */
int vsvm_batch_append(struct vsvm_batch *batch, const void *cmd, size_t size);

/**
 * vsvm_batch_nop() - append a DRM_VSVM_OP_NOP
 * @batch: the batch
 *
 * Return: 0, -E2BIG or -ENOMEM (see vsvm_batch_append()).
 */
int vsvm_batch_nop(struct vsvm_batch *batch);

/**
 * vsvm_batch_store32() - append a 32-bit DRM_VSVM_OP_STORE
 * @batch: the batch
 * @addr: where to store, 4-byte aligned
 * @value: the value
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int vsvm_batch_store32(struct vsvm_batch *batch, uint64_t addr,
		       uint32_t value);

/**
 * vsvm_batch_store64() - append a 64-bit DRM_VSVM_OP_STORE
 * @batch: the batch
 * @addr: where to store, 8-byte aligned
 * @value: the value
 *
 * The store is a single write that becomes visible only after all earlier
 * commands of the job are complete: the usual user fence for
 * vsvm_wait_fence().
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int vsvm_batch_store64(struct vsvm_batch *batch, uint64_t addr,
		       uint64_t value);

/**
 * vsvm_batch_fill() - append a DRM_VSVM_OP_FILL
 * @batch: the batch
 * @addr: start of the destination, 4-byte aligned
 * @size: bytes to fill, a non-zero multiple of 4
 * @pattern: the 32-bit value written to every word
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int vsvm_batch_fill(struct vsvm_batch *batch, uint64_t addr, uint64_t size,
		    uint32_t pattern);

/**
 * vsvm_batch_copy() - append a DRM_VSVM_OP_COPY
 * @batch: the batch
 * @dst: destination address, any alignment
 * @src: source address, any alignment; must not overlap the destination
 * @size: bytes to copy, not 0
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int vsvm_batch_copy(struct vsvm_batch *batch, uint64_t dst, uint64_t src,
		    uint64_t size);

/**
 * vsvm_batch_blit2d_copy() - append a DRM_VSVM_OP_BLIT2D that copies
 * @batch: the batch
 * @dst: address of the destination rectangle's first pixel
 * @dst_pitch: bytes from one destination row to the next, >= @width * @cpp
 * @src: address of the source rectangle's first pixel; the two rectangles
 *	must not overlap
 * @src_pitch: bytes from one source row to the next, >= @width * @cpp
 * @width: pixels per row, not 0
 * @height: rows, not 0
 * @cpp: bytes per pixel: 1, 2 or 4
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int vsvm_batch_blit2d_copy(struct vsvm_batch *batch,
			   uint64_t dst, uint32_t dst_pitch,
			   uint64_t src, uint32_t src_pitch,
			   uint32_t width, uint32_t height, uint32_t cpp);

/**
 * vsvm_batch_blit2d_fill() - append a DRM_VSVM_OP_BLIT2D that fills
 * @batch: the batch
 * @dst: address of the rectangle's first pixel
 * @dst_pitch: bytes from one row to the next, >= @width * @cpp
 * @width: pixels per row, not 0
 * @height: rows, not 0
 * @cpp: bytes per pixel: 1, 2 or 4
 * @color: the pixel value; its low @cpp bytes are used, in memory order
 *	(the pixel is written as a little-endian @cpp-byte integer)
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int vsvm_batch_blit2d_fill(struct vsvm_batch *batch,
			   uint64_t dst, uint32_t dst_pitch,
			   uint32_t width, uint32_t height, uint32_t cpp,
			   uint32_t color);

/**
 * vsvm_batch_atomic() - append a DRM_VSVM_OP_ATOMIC
 * @batch: the batch
 * @op: one of &enum drm_vsvm_atomic_op
 * @flags: DRM_VSVM_ATOMIC_64BIT and/or DRM_VSVM_ATOMIC_RETURN
 * @addr: the word, naturally aligned for its size
 * @operand: the operand; 0 for DRM_VSVM_ATOMIC_INC; at most 32 bits
 *	without DRM_VSVM_ATOMIC_64BIT
 * @compare: the expected value for DRM_VSVM_ATOMIC_CMPXCHG, otherwise 0
 * @return_addr: with DRM_VSVM_ATOMIC_RETURN, where the old value is
 *	stored (naturally aligned); otherwise 0
 *
 * Return: 0, -EINVAL, -E2BIG or -ENOMEM.
 */
int vsvm_batch_atomic(struct vsvm_batch *batch, uint32_t op, uint32_t flags,
		      uint64_t addr, uint64_t operand, uint64_t compare,
		      uint64_t return_addr);

/**
 * vsvm_exec() - queue a batch to an engine
 * @dev: the device
 * @vm_id: the VM whose address space the job works in
 * @engine: the engine, below &drm_vsvm_query_device.num_engines
 * @batch: the batch; it must stay unmodified until the job has ended
 * @seqno: out: the job's sequence number in the VM, for vsvm_wait_job();
 *	may be NULL
 *
 * Returns at once; the engine reads the batch when it runs the job.  Jobs
 * on one engine run in submission order.  A GPU page fault or malformed
 * command is not an error here: the job ends with an error that
 * vsvm_wait_job() reports.
 *
 * Return: 0; -EINVAL (for instance for an empty batch); -ENOENT for an
 * unknown VM or engine; -EPERM in a process other than the VM's creator;
 * or another negative errno value.
 */
int vsvm_exec(struct vsvm_device *dev, uint32_t vm_id, uint32_t engine,
	      const struct vsvm_batch *batch, uint64_t *seqno);

/** VSVM_DEADLINE_NEVER - a deadline for the wait functions that never passes */
#define VSVM_DEADLINE_NEVER	INT64_MAX

/**
 * vsvm_deadline_ns() - an absolute deadline for the wait functions
 * @relative_ns: nanoseconds from now; 0 or negative for "only check"
 *
 * Return: CLOCK_MONOTONIC now + @relative_ns in nanoseconds, saturated at
 * VSVM_DEADLINE_NEVER.
 */
int64_t vsvm_deadline_ns(int64_t relative_ns);

/**
 * vsvm_wait_job() - wait until a job has ended
 * @dev: the device
 * @vm_id: the job's VM
 * @seqno: the job, from vsvm_exec()
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline (vsvm_deadline_ns()); one
 *	in the past only checks; VSVM_DEADLINE_NEVER waits forever
 * @out: if not NULL, receives the kernel's answer, with the error details
 *	(&drm_vsvm_wait.error, .fault_addr, .fault_access, .error_offset)
 *	when the job failed; meaningful when the return value is 0, -EIO or
 *	-ETIME
 *
 * Signals do not end the wait early: it restarts with the same deadline.
 * A job can be waited for any number of times while its VM lives.
 *
 * Return: 0 if the job completed; -EIO if it ended with a GPU error (see
 * @out); -ETIME if the deadline passed first; -EINVAL for a @seqno that was
 * never returned; -ENOENT for an unknown VM; or another negative errno
 * value.
 */
int vsvm_wait_job(struct vsvm_device *dev, uint32_t vm_id, uint64_t seqno,
		  int64_t deadline_ns, struct drm_vsvm_wait *out);

/**
 * vsvm_wait_fence() - wait until a user fence in memory reaches a value
 * @dev: the device
 * @vm_id: a VM of this process
 * @addr: the 64-bit fence word, 8-byte aligned, typically the target of a
 *	batch's final vsvm_batch_store64()
 * @value: the value to compare with
 * @mask: the bits of the fence and of @value that are compared; ~0 for all
 * @op: the comparison, one of &enum drm_vsvm_wait_op: the wait ends when
 *	(*@addr & @mask) @op (@value & @mask), unsigned
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline, as for vsvm_wait_job()
 *
 * The kernel does not know which job writes the fence: if that job fails,
 * the fence is never written and this waits until the deadline.  Check the
 * job with vsvm_wait_job() then.
 *
 * Return: 0 once the condition holds; -ETIME if the deadline passed first;
 * -EINVAL for a misaligned @addr or unknown @op; -EFAULT if @addr cannot be
 * read; or another negative errno value.
 */
int vsvm_wait_fence(struct vsvm_device *dev, uint32_t vm_id,
		    const volatile uint64_t *addr, uint64_t value,
		    uint64_t mask, uint32_t op, int64_t deadline_ns);

/**
 * vsvm_range_info() - how the VM's GPU page table maps a range now
 * @dev: the device
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB; larger than
 *	DRM_VSVM_RANGE_INFO_MAX_SIZE is fine, the range is queried in pieces
 * @entries: out: one byte per 4 KiB page, @size / 4096 of them; read each
 *	with DRM_VSVM_RANGE_INFO_STATE() (&enum drm_vsvm_page_state) and
 *	DRM_VSVM_RANGE_INFO_PTE() (&enum drm_vsvm_pte_size)
 *
 * Faults nothing in: it shows what the GPU would find now.
 *
 * Return: 0; -EINVAL for a misaligned, empty or wrapping range; -ENOENT for
 * an unknown VM; -EPERM in a process other than the VM's creator; or another
 * negative errno value.
 */
int vsvm_range_info(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		    uint64_t size, uint8_t *entries);

/*
 * VRAM and migration (libvsvm 1.2, for devices with DRM_VSVM_FEATURE_VRAM).
 *
 * Pages of the process move between system memory and the device's VRAM
 * behind the same pointers.  Memory attributes (&struct drm_vsvm_mem_attrs)
 * steer where a GPU fault puts them: set them on a span with
 * vsvm_madvise(), or as the VM's defaults with vsvm_vm_default_attrs(), and
 * read them back with vsvm_attr_query().  vsvm_prefetch() moves a span now,
 * and vsvm_residency() shows where its pages are.
 *
 * These functions check their arguments against the rules vsvm_drm.h
 * states before they use @dev, and return -EINVAL without calling the
 * kernel if one is broken.  A kernel without DRM_VSVM_FEATURE_VRAM answers
 * -EINVAL too (DRM's answer to an ioctl or flag it does not know).
 */

/**
 * vsvm_madvise() - set the memory attributes of a span of the address space
 * @dev: the device
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB; the span must not wrap
 * @attrs: the attributes, valid as &struct drm_vsvm_mem_attrs says: a
 *	known &enum drm_vsvm_mem_location and &enum drm_vsvm_atomic_policy,
 *	a granularity of 0, 4 KiB, 64 KiB or 2 MiB, and an atomic timeslice
 *	of at most DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS that is 0 unless the
 *	policy is DRM_VSVM_ATOMIC_VRAM_ONLY
 *
 * Replaces whatever earlier calls set on the span.  The attributes last
 * until that part of the span is unmapped; pages already in place do not
 * move, the attributes steer the next GPU fault.
 *
 * Return: 0; -EINVAL for a bad span or bad attributes; -ENOENT for an
 * unknown VM; -EPERM in a process other than the VM's creator; -ENOSPC when
 * the VM already has DRM_VSVM_MADVISE_MAX_SPANS spans; or another negative
 * errno value.
 */
int vsvm_madvise(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		 uint64_t size, const struct drm_vsvm_mem_attrs *attrs);

/**
 * vsvm_vm_default_attrs() - set the VM's default memory attributes
 * @dev: the device
 * @vm_id: the VM
 * @attrs: the attributes, valid as for vsvm_madvise(); a zero-filled
 *	structure restores the driver's defaults (DRM_VSVM_LOC_AUTO, 2 MiB
 *	granularity, atomics anywhere)
 *
 * The defaults apply wherever no span was advised with vsvm_madvise().
 *
 * Return: 0; -EINVAL for bad attributes; -ENOENT for an unknown VM; -EPERM
 * in a process other than the VM's creator; or another negative errno
 * value.
 */
int vsvm_vm_default_attrs(struct vsvm_device *dev, uint32_t vm_id,
			  const struct drm_vsvm_mem_attrs *attrs);

/**
 * vsvm_attr_query() - the memory attributes that apply at an address
 * @dev: the device
 * @vm_id: the VM
 * @addr: the address asked about, any alignment
 * @out: out: the kernel's answer: &drm_vsvm_attr_query.attrs, the span
 *	around @addr over which they apply unchanged (.start, .size), and
 *	whether an advised span (.advised 1) or the VM's defaults (0) apply
 *
 * Return: 0; -EINVAL for an address beyond the user address space; -ENOENT
 * for an unknown VM; -EPERM in a process other than the VM's creator; or
 * another negative errno value.
 */
int vsvm_attr_query(struct vsvm_device *dev, uint32_t vm_id, uint64_t addr,
		    struct drm_vsvm_attr_query *out);

/**
 * vsvm_prefetch() - move the pages of a span to system memory or VRAM now
 * @dev: the device
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB; the span must not wrap
 * @region: DRM_VSVM_REGION_VRAM or DRM_VSVM_REGION_SYSTEM
 * @out: if not NULL, receives the kernel's answer, whose counters say what
 *	happened to each 4 KiB page: &drm_vsvm_prefetch.moved, .already,
 *	.unmapped, .unmovable, .busy and .no_memory add up to @size / 4096;
 *	meaningful when the return value is 0 or -EINTR
 *
 * Pages move in units of the span's granularity.  Untouched pages are
 * created in VRAM, zero-filled, by a prefetch to VRAM.  The GPU mapping is
 * not filled: the next GPU access faults it in where the pages are.  Pages
 * that cannot move are not an error: they are counted in @out.
 *
 * Unlike the other calls, a prefetch interrupted by a signal is not
 * restarted: the work done so far is kept and counted.
 *
 * Return: 0; -EINTR if a signal arrived first (@out counts what was done;
 * call again to move the rest); -EINVAL for a bad span or @region; -ENOENT
 * for an unknown VM; -EPERM in a process other than the VM's creator; or
 * another negative errno value.
 */
int vsvm_prefetch(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		  uint64_t size, uint32_t region,
		  struct drm_vsvm_prefetch *out);

/**
 * vsvm_residency() - where the pages of a range are now
 * @dev: the device
 * @vm_id: the VM
 * @start: first address, 4 KiB aligned
 * @size: bytes, a non-zero multiple of 4 KiB; larger than
 *	DRM_VSVM_RANGE_INFO_MAX_SIZE is fine, the range is queried in pieces
 * @entries: out: one byte per 4 KiB page, @size / 4096 of them, read with
 *	DRM_VSVM_RANGE_INFO_STATE(): DRM_VSVM_PAGE_VRAM for a page in this
 *	device's VRAM, DRM_VSVM_PAGE_SYSTEM_RO or _RW for a page in system
 *	memory (as the CPU maps it), DRM_VSVM_PAGE_NOT_MIRRORED for a page
 *	that is not present or is in another device's VRAM.  The PTE size is
 *	always DRM_VSVM_PTE_NONE.
 *
 * vsvm_range_info() with DRM_VSVM_RANGE_INFO_RESIDENCY: it reads the CPU
 * page tables, not the GPU's, and faults nothing in and moves nothing.
 *
 * Return: 0; -EINVAL for a misaligned, empty or wrapping range; -ENOENT for
 * an unknown VM; -EPERM in a process other than the VM's creator; or another
 * negative errno value.
 */
int vsvm_residency(struct vsvm_device *dev, uint32_t vm_id, uint64_t start,
		   uint64_t size, uint8_t *entries);

#ifdef __cplusplus
}
#endif

#endif /* LIBVSVM_VSVM_H */
