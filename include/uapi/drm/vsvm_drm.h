/* SPDX-License-Identifier: MIT */
/*
 * Copyright (c) 2026 The vsvm authors
 */

#ifndef _UAPI_VSVM_DRM_H_
#define _UAPI_VSVM_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: vsvm uAPI overview
 *
 * vsvm is a software-emulated GPU that works on the submitting process's own
 * virtual addresses (shared virtual memory).  Its device nodes are DRM render
 * nodes whose driver name, as reported by DRM_IOCTL_VERSION, is ``vsvm``.
 *
 * Every ioctl follows the same rules:
 *
 * - structures use only fixed-size types, are naturally aligned with
 *   explicit padding and have a size that is a multiple of 8 bytes;
 * - every flag not defined here and every non-zero pad or reserved field is
 *   rejected with -EINVAL, so that each can be given a meaning later;
 * - user pointers are passed as __u64;
 * - a device that has been unplugged answers -ENODEV, and its jobs end with
 *   ENODEV;
 * - a VM that has been destroyed is unknown (-ENOENT), also to a call that
 *   raced with its destruction.
 *
 * The uAPI version is the DRM driver version (DRM_IOCTL_VERSION) and is also
 * returned by &DRM_VSVM_QUERY_DEVICE.  Its minor number is raised for every
 * addition, see the changelog above the driver's struct drm_driver.
 */

/*
 * Ioctl numbers, relative to DRM_COMMAND_BASE.  Numbers are never reused.
 */
#define DRM_VSVM_QUERY			0x00
#define DRM_VSVM_VM_CREATE		0x01
#define DRM_VSVM_VM_DESTROY		0x02
#define DRM_VSVM_EXEC			0x03
#define DRM_VSVM_WAIT			0x04
#define DRM_VSVM_RANGE_INFO		0x05
#define DRM_VSVM_MADVISE		0x06
#define DRM_VSVM_ATTR_QUERY		0x07
#define DRM_VSVM_PREFETCH		0x08

#define DRM_IOCTL_VSVM_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_QUERY, struct drm_vsvm_query)
#define DRM_IOCTL_VSVM_VM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_VM_CREATE, struct drm_vsvm_vm_create)
#define DRM_IOCTL_VSVM_VM_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_VM_DESTROY, struct drm_vsvm_vm_destroy)
#define DRM_IOCTL_VSVM_EXEC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_EXEC, struct drm_vsvm_exec)
#define DRM_IOCTL_VSVM_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_WAIT, struct drm_vsvm_wait)
#define DRM_IOCTL_VSVM_RANGE_INFO \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_RANGE_INFO, struct drm_vsvm_range_info)
#define DRM_IOCTL_VSVM_MADVISE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VSVM_MADVISE, struct drm_vsvm_madvise)
#define DRM_IOCTL_VSVM_ATTR_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_ATTR_QUERY, struct drm_vsvm_attr_query)
#define DRM_IOCTL_VSVM_PREFETCH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VSVM_PREFETCH, struct drm_vsvm_prefetch)

/**
 * enum drm_vsvm_query_item - what &struct drm_vsvm_query asks for
 * @DRM_VSVM_QUERY_DEVICE: device information, returned as
 *	&struct drm_vsvm_query_device
 */
enum drm_vsvm_query_item {
	DRM_VSVM_QUERY_DEVICE = 0,
};

/**
 * struct drm_vsvm_query - argument of DRM_IOCTL_VSVM_QUERY
 *
 * Copies one information item (&enum drm_vsvm_query_item) to the user
 * buffer at @data, with size negotiation:
 *
 * - with @size 0 the kernel only writes the item's full size to @size;
 * - with @size smaller than the smallest size the item ever had, the call
 *   fails with -EINVAL;
 * - otherwise the kernel copies min(@size, item size) bytes and writes that
 *   number back to @size.  An older kernel thus fills the fields it knows of
 *   a newer, larger structure and says how many bytes are valid; bytes beyond
 *   the returned @size are left untouched.
 *
 * Errors: -EINVAL for an unknown @item, a non-zero @flags or @pad, or a
 * @size that is too small; -EFAULT if @data cannot be written.
 */
struct drm_vsvm_query {
	/** @item: one of &enum drm_vsvm_query_item */
	__u32 item;

	/** @flags: no flags are defined, must be zero */
	__u32 flags;

	/** @data: user pointer to the buffer that receives the item */
	__u64 data;

	/**
	 * @size: in: size of the buffer at @data in bytes, or 0 to ask for the
	 * item's size; out: the number of bytes written, or the item's size
	 */
	__u32 size;

	/** @pad: must be zero */
	__u32 pad;
};

/**
 * DRM_VSVM_PAGE_SIZE_4K - the 4 KiB GPU page size in &drm_vsvm_query_device.page_sizes
 */
#define DRM_VSVM_PAGE_SIZE_4K		(1ULL << 12)
/**
 * DRM_VSVM_PAGE_SIZE_64K - the 64 KiB GPU page size in &drm_vsvm_query_device.page_sizes
 */
#define DRM_VSVM_PAGE_SIZE_64K		(1ULL << 16)
/**
 * DRM_VSVM_PAGE_SIZE_2M - the 2 MiB GPU page size in &drm_vsvm_query_device.page_sizes
 */
#define DRM_VSVM_PAGE_SIZE_2M		(1ULL << 21)

/**
 * struct drm_vsvm_query_device - answer to &DRM_VSVM_QUERY_DEVICE
 *
 * Fields are only ever appended; a field lies within the valid part of the
 * answer if it ends at or before the @size returned by the query.
 */
struct drm_vsvm_query_device {
	/** @uapi_major: uAPI major version; incompatible changes raise it */
	__u32 uapi_major;

	/** @uapi_minor: uAPI minor version; every addition raises it */
	__u32 uapi_minor;

	/**
	 * @device_index: index of this device among the vsvm devices created
	 * by the module, from 0
	 */
	__u32 device_index;

	/** @num_engines: number of execution engines of the device */
	__u32 num_engines;

	/** @vram_size: size of the device's emulated VRAM in bytes */
	__u64 vram_size;

	/**
	 * @page_sizes: GPU page sizes the device's page tables can map, as a
	 * mask of sizes: bit n set means pages of 2^n bytes
	 * (DRM_VSVM_PAGE_SIZE_4K and so on)
	 */
	__u64 page_sizes;

	/**
	 * @features: mask of optional capabilities of the device, the
	 * DRM_VSVM_FEATURE_* bits.  Bits are added with later minor versions;
	 * userspace must ignore bits it does not know.
	 */
	__u64 features;
};

/**
 * DRM_VSVM_FEATURE_SVM - &drm_vsvm_query_device.features bit: the device
 * executes batches on the process's own virtual addresses (uAPI 1.1): VMs,
 * EXEC, WAIT and RANGE_INFO are available
 */
#define DRM_VSVM_FEATURE_SVM		(1ULL << 0)

/**
 * DRM_VSVM_FEATURE_VRAM - &drm_vsvm_query_device.features bit: the device
 * has VRAM that pages migrate to and from (uAPI 1.2): MADVISE, ATTR_QUERY,
 * PREFETCH and DRM_VSVM_RANGE_INFO_RESIDENCY are available
 */
#define DRM_VSVM_FEATURE_VRAM		(1ULL << 1)

/**
 * DOC: vsvm SVM uAPI
 *
 * A VM (&DRM_IOCTL_VSVM_VM_CREATE) is a GPU address space that mirrors the
 * CPU address space of the process that created it: GPU virtual address ==
 * CPU virtual address, for every user address.  Nothing is bound or
 * registered in advance; the GPU faults on first touch and the kernel mirrors
 * the CPU page tables on demand.  A VM belongs to the process (mm) that
 * created it: any ioctl that would touch that process's memory fails with
 * -EPERM in another process, even one that shares the file after fork() or
 * fd passing.
 *
 * Work is a batch of commands (&struct drm_vsvm_cmd_header and the command
 * structures that begin with it), written in ordinary process memory and
 * submitted with &DRM_IOCTL_VSVM_EXEC to one of the device's engines.  The
 * engine fetches the batch through the GPU page table as well.  Jobs on one
 * engine run in submission order; engines run in parallel.
 *
 * Completion is reported through memory (a batch's final STORE, a "user
 * fence") and &DRM_IOCTL_VSVM_WAIT, never through a dma_fence: jobs can page
 * fault, and a fault may allocate memory, so a fence that memory reclaim
 * could wait on would deadlock.
 */

/**
 * struct drm_vsvm_vm_create - argument of DRM_IOCTL_VSVM_VM_CREATE
 *
 * Creates a VM bound to the calling process's address space.  The memory
 * the VM's jobs make the kernel allocate is charged to the memory cgroup
 * the process is in at this call.
 *
 * Errors: -EINVAL for a non-zero @flags; -EFAULT, with no VM made, if the
 * argument cannot be written back.
 */
struct drm_vsvm_vm_create {
	/** @flags: no flags are defined, must be zero */
	__u32 flags;

	/**
	 * @vm_id: out: the VM's id, never 0, valid for this file; ignored on
	 * input
	 */
	__u32 vm_id;
};

/**
 * struct drm_vsvm_vm_destroy - argument of DRM_IOCTL_VSVM_VM_DESTROY
 *
 * Destroys a VM and returns without waiting: its id is unknown from then
 * on, its jobs still running end with ECANCELED at their next step, and
 * its mirror of the process's memory is torn down once the last of them
 * has ended.  Closing the file destroys its VMs in the same way.
 *
 * Errors: -EINVAL for a non-zero @pad; -ENOENT for an unknown @vm_id;
 * -EPERM from a process other than the VM's creator.
 */
struct drm_vsvm_vm_destroy {
	/** @vm_id: the VM to destroy */
	__u32 vm_id;

	/** @pad: must be zero */
	__u32 pad;
};

/**
 * enum drm_vsvm_opcode - the command opcodes of a batch
 * @DRM_VSVM_OP_NOP: &struct drm_vsvm_cmd_nop, does nothing
 * @DRM_VSVM_OP_STORE: &struct drm_vsvm_cmd_store, writes a 32- or 64-bit
 *	value; the usual way to signal completion (a user fence)
 * @DRM_VSVM_OP_FILL: &struct drm_vsvm_cmd_fill, repeats a 32-bit pattern
 * @DRM_VSVM_OP_COPY: &struct drm_vsvm_cmd_copy, copies bytes
 * @DRM_VSVM_OP_BLIT2D: &struct drm_vsvm_cmd_blit2d, copies or fills a
 *	rectangle of pixels
 * @DRM_VSVM_OP_ATOMIC: &struct drm_vsvm_cmd_atomic, an atomic
 *	read-modify-write, atomic also with respect to the CPU
 *
 * Opcode 0 is invalid, so that a batch running into zeroed memory fails.
 */
enum drm_vsvm_opcode {
	DRM_VSVM_OP_NOP = 1,
	DRM_VSVM_OP_STORE = 2,
	DRM_VSVM_OP_FILL = 3,
	DRM_VSVM_OP_COPY = 4,
	DRM_VSVM_OP_BLIT2D = 5,
	DRM_VSVM_OP_ATOMIC = 6,
};

/**
 * struct drm_vsvm_cmd_header - the start of every command
 *
 * Commands follow each other in the batch without gaps; the size of each is
 * that of its structure, given by the opcode.  A command that does not fit
 * in the batch, has an unknown opcode, unknown flags, non-zero pad or bad
 * operands ends the job with -EINVAL.
 */
struct drm_vsvm_cmd_header {
	/** @opcode: one of &enum drm_vsvm_opcode */
	__u32 opcode;

	/** @flags: flags of the command, defined per opcode */
	__u32 flags;
};

/**
 * struct drm_vsvm_cmd_nop - DRM_VSVM_OP_NOP
 */
struct drm_vsvm_cmd_nop {
	/** @header: opcode DRM_VSVM_OP_NOP, flags 0 */
	struct drm_vsvm_cmd_header header;
};

/** DRM_VSVM_STORE_64BIT - &drm_vsvm_cmd_store flag: store 64 bits, not 32 */
#define DRM_VSVM_STORE_64BIT		(1u << 0)

/**
 * struct drm_vsvm_cmd_store - DRM_VSVM_OP_STORE
 *
 * Writes the low 32 bits of @value, or all 64 with DRM_VSVM_STORE_64BIT, to
 * @addr, which must be naturally aligned.  The write is a single store, so a
 * CPU polling @addr never sees a torn value, and all earlier commands of the
 * job are complete when it becomes visible.
 */
struct drm_vsvm_cmd_store {
	/** @header: opcode DRM_VSVM_OP_STORE, flags DRM_VSVM_STORE_* */
	struct drm_vsvm_cmd_header header;

	/** @addr: where to store */
	__u64 addr;

	/** @value: what to store */
	__u64 value;
};

/**
 * struct drm_vsvm_cmd_fill - DRM_VSVM_OP_FILL
 *
 * Writes @pattern to every aligned 32-bit word of [@addr, @addr + @size).
 * @addr and @size must be multiples of 4, @size not 0.
 */
struct drm_vsvm_cmd_fill {
	/** @header: opcode DRM_VSVM_OP_FILL, flags 0 */
	struct drm_vsvm_cmd_header header;

	/** @addr: start of the destination */
	__u64 addr;

	/** @size: bytes to fill */
	__u64 size;

	/** @pattern: the 32-bit value to repeat */
	__u32 pattern;

	/** @pad: must be zero */
	__u32 pad;
};

/**
 * struct drm_vsvm_cmd_copy - DRM_VSVM_OP_COPY
 *
 * Copies @size bytes (not 0) from @src to @dst, any alignment.  Overlapping
 * source and destination are rejected.
 */
struct drm_vsvm_cmd_copy {
	/** @header: opcode DRM_VSVM_OP_COPY, flags 0 */
	struct drm_vsvm_cmd_header header;

	/** @dst: destination address */
	__u64 dst;

	/** @src: source address */
	__u64 src;

	/** @size: bytes to copy */
	__u64 size;
};

/**
 * DRM_VSVM_BLIT2D_FILL - &drm_vsvm_cmd_blit2d flag: fill the rectangle with
 * &drm_vsvm_cmd_blit2d.color instead of copying from the source
 */
#define DRM_VSVM_BLIT2D_FILL		(1u << 0)

/**
 * struct drm_vsvm_cmd_blit2d - DRM_VSVM_OP_BLIT2D
 *
 * Copies a rectangle of @width x @height pixels of @cpp bytes each from
 * @src to @dst, or with DRM_VSVM_BLIT2D_FILL fills it with the low @cpp
 * bytes of @color (then @src and @src_pitch must be 0).  Row y of the
 * rectangle starts at @dst + y * @dst_pitch (@src + y * @src_pitch).
 * @cpp is 1, 2 or 4; @width and @height are not 0; each pitch is at least
 * @width * @cpp.  Overlapping source and destination are rejected.
 */
struct drm_vsvm_cmd_blit2d {
	/** @header: opcode DRM_VSVM_OP_BLIT2D, flags DRM_VSVM_BLIT2D_* */
	struct drm_vsvm_cmd_header header;

	/** @dst: address of the destination's first pixel */
	__u64 dst;

	/** @src: address of the source's first pixel, 0 when filling */
	__u64 src;

	/** @dst_pitch: bytes from one destination row to the next */
	__u32 dst_pitch;

	/** @src_pitch: bytes from one source row to the next, 0 when filling */
	__u32 src_pitch;

	/** @width: pixels per row */
	__u32 width;

	/** @height: rows */
	__u32 height;

	/** @cpp: bytes per pixel: 1, 2 or 4 */
	__u32 cpp;

	/** @color: the fill value; its low @cpp bytes are used */
	__u32 color;
};

/**
 * enum drm_vsvm_atomic_op - operations of &struct drm_vsvm_cmd_atomic
 * @DRM_VSVM_ATOMIC_ADD: *addr += operand
 * @DRM_VSVM_ATOMIC_INC: *addr += 1 (operand must be 0)
 * @DRM_VSVM_ATOMIC_XCHG: *addr = operand
 * @DRM_VSVM_ATOMIC_CMPXCHG: if (*addr == compare) *addr = operand
 * @DRM_VSVM_ATOMIC_UMIN: *addr = min(*addr, operand), unsigned
 * @DRM_VSVM_ATOMIC_UMAX: *addr = max(*addr, operand), unsigned
 */
enum drm_vsvm_atomic_op {
	DRM_VSVM_ATOMIC_ADD = 0,
	DRM_VSVM_ATOMIC_INC = 1,
	DRM_VSVM_ATOMIC_XCHG = 2,
	DRM_VSVM_ATOMIC_CMPXCHG = 3,
	DRM_VSVM_ATOMIC_UMIN = 4,
	DRM_VSVM_ATOMIC_UMAX = 5,
};

/** DRM_VSVM_ATOMIC_64BIT - &drm_vsvm_cmd_atomic flag: 64-bit operands */
#define DRM_VSVM_ATOMIC_64BIT		(1u << 0)
/**
 * DRM_VSVM_ATOMIC_RETURN - &drm_vsvm_cmd_atomic flag: store the old value
 * at &drm_vsvm_cmd_atomic.return_addr
 */
#define DRM_VSVM_ATOMIC_RETURN		(1u << 1)

/**
 * struct drm_vsvm_cmd_atomic - DRM_VSVM_OP_ATOMIC
 *
 * An atomic read-modify-write of the 32-bit (or, with DRM_VSVM_ATOMIC_64BIT,
 * 64-bit) word at @addr, which must be naturally aligned.  It is atomic with
 * respect to the CPU and to other engines: a counter incremented by both ends
 * with the exact sum.  With DRM_VSVM_ATOMIC_RETURN the value before the
 * operation is stored at @return_addr (same size, naturally aligned);
 * without it @return_addr must be 0.  Operands of a 32-bit atomic must fit
 * in 32 bits.
 */
struct drm_vsvm_cmd_atomic {
	/** @header: opcode DRM_VSVM_OP_ATOMIC, flags DRM_VSVM_ATOMIC_* */
	struct drm_vsvm_cmd_header header;

	/** @op: one of &enum drm_vsvm_atomic_op */
	__u32 op;

	/** @pad: must be zero */
	__u32 pad;

	/** @addr: the word to operate on */
	__u64 addr;

	/** @operand: the operand of @op */
	__u64 operand;

	/** @compare: the expected value for CMPXCHG, otherwise 0 */
	__u64 compare;

	/** @return_addr: where the old value goes, see DRM_VSVM_ATOMIC_RETURN */
	__u64 return_addr;
};

/** DRM_VSVM_BATCH_MAX_SIZE - the largest batch &DRM_IOCTL_VSVM_EXEC accepts */
#define DRM_VSVM_BATCH_MAX_SIZE		(1u << 20)

/**
 * struct drm_vsvm_exec - argument of DRM_IOCTL_VSVM_EXEC
 *
 * Queues the batch at [@batch_addr, @batch_addr + @batch_size) of the
 * calling process to engine @engine and returns at once.  The engine reads
 * the batch when it runs the job, through the GPU page table, so the batch
 * must stay in place until the job is done.
 *
 * Errors: -EINVAL for a non-zero @flags, a @batch_size that is 0,
 * not a multiple of 8 or above DRM_VSVM_BATCH_MAX_SIZE, a @batch_addr that
 * is not 8-byte aligned or makes the batch wrap around; -ENOENT for an
 * unknown @vm_id (a VM destroyed while the call ran included) or @engine;
 * -EPERM from a process other than the VM's creator; -EFAULT, with no job
 * queued, if the argument cannot be written back.  An unmapped or
 * unreadable batch is not an ioctl error: the job ends with a GPU page
 * fault, reported by &DRM_IOCTL_VSVM_WAIT.
 */
struct drm_vsvm_exec {
	/** @vm_id: the VM whose address space the job works in */
	__u32 vm_id;

	/** @engine: the engine, from 0 to &drm_vsvm_query_device.num_engines - 1 */
	__u32 engine;

	/** @batch_addr: address of the first command */
	__u64 batch_addr;

	/** @batch_size: size of the batch in bytes */
	__u32 batch_size;

	/** @flags: no flags are defined, must be zero */
	__u32 flags;

	/**
	 * @seqno: out: the job's sequence number in its VM, from 1, for
	 * &DRM_IOCTL_VSVM_WAIT
	 */
	__u64 seqno;
};

/**
 * DRM_VSVM_WAIT_USER_FENCE - &drm_vsvm_wait flag: wait for a value in
 * memory instead of a job
 */
#define DRM_VSVM_WAIT_USER_FENCE	(1u << 0)

/**
 * enum drm_vsvm_wait_op - comparisons of a user-fence wait
 *
 * The wait ends when (*addr & mask) OP (value & mask) holds, comparing the
 * 64-bit words as unsigned numbers.
 *
 * @DRM_VSVM_WAIT_EQ: equal
 * @DRM_VSVM_WAIT_NEQ: not equal
 * @DRM_VSVM_WAIT_GT: greater than
 * @DRM_VSVM_WAIT_GTE: greater than or equal
 * @DRM_VSVM_WAIT_LT: less than
 * @DRM_VSVM_WAIT_LTE: less than or equal
 */
enum drm_vsvm_wait_op {
	DRM_VSVM_WAIT_EQ = 0,
	DRM_VSVM_WAIT_NEQ = 1,
	DRM_VSVM_WAIT_GT = 2,
	DRM_VSVM_WAIT_GTE = 3,
	DRM_VSVM_WAIT_LT = 4,
	DRM_VSVM_WAIT_LTE = 5,
};

/**
 * enum drm_vsvm_wait_status - &drm_vsvm_wait.status
 * @DRM_VSVM_WAIT_STATUS_DONE: the job completed, or the user fence signalled
 * @DRM_VSVM_WAIT_STATUS_GPU_ERROR: the job ended with an error, described by
 *	&drm_vsvm_wait.error, .fault_addr, .fault_access and .error_offset
 * @DRM_VSVM_WAIT_STATUS_TIMEOUT: the timeout passed first; the ioctl then
 *	also fails with -ETIME
 */
enum drm_vsvm_wait_status {
	DRM_VSVM_WAIT_STATUS_DONE = 0,
	DRM_VSVM_WAIT_STATUS_GPU_ERROR = 1,
	DRM_VSVM_WAIT_STATUS_TIMEOUT = 2,
};

/**
 * DRM_VSVM_ACCESS_READ - &drm_vsvm_wait.fault_access bit: a read (including
 * fetching the batch)
 */
#define DRM_VSVM_ACCESS_READ		(1u << 0)
/** DRM_VSVM_ACCESS_WRITE - &drm_vsvm_wait.fault_access bit: a write */
#define DRM_VSVM_ACCESS_WRITE		(1u << 1)
/** DRM_VSVM_ACCESS_ATOMIC - &drm_vsvm_wait.fault_access bit: an atomic */
#define DRM_VSVM_ACCESS_ATOMIC		(1u << 2)

/**
 * struct drm_vsvm_wait - argument of DRM_IOCTL_VSVM_WAIT
 *
 * Waits, interruptibly, until job @seqno of VM @vm_id has ended, or, with
 * DRM_VSVM_WAIT_USER_FENCE, until the 64-bit word at @addr (8-byte aligned)
 * satisfies @op against @value under @mask.  A job's status can be asked for
 * any number of times while its VM lives; a VM keeps the records of its
 * last 64 failed jobs.  When it drops an older record it can no longer
 * tell whether a job up to that one failed, so every job whose @seqno is
 * at most the dropped record's answers -ENODATA, even one that succeeded;
 * later jobs answer as usual.  A user fence written by a GPU job of any VM
 * of any vsvm device wakes the wait at once; one written by the CPU is seen
 * within 10 ms.
 *
 * @timeout_ns is an absolute CLOCK_MONOTONIC time, so a wait interrupted by
 * a signal restarts with the same deadline; a deadline in the past only
 * checks.  Fields marked "out" are ignored on input.
 *
 * Errors: -EINVAL for unknown @flags, a non-zero @pad, a @seqno of 0 or not
 * yet returned by EXEC, an unknown @op, a misaligned @addr, or user-fence
 * fields (@addr, @value, @mask, @op) set in a job wait or @seqno set in a
 * user-fence wait; -ENOENT for an unknown @vm_id; -EPERM for a user-fence
 * wait from a process other than the VM's creator; -EFAULT if @addr cannot
 * be read; -ENODATA for a job no newer than a dropped record; -ETIME when the
 * deadline passes first.
 */
struct drm_vsvm_wait {
	/** @vm_id: the VM */
	__u32 vm_id;

	/** @flags: DRM_VSVM_WAIT_* flags */
	__u32 flags;

	/** @seqno: the job to wait for, from &drm_vsvm_exec.seqno */
	__u64 seqno;

	/** @addr: the user fence's address */
	__u64 addr;

	/** @value: the value to compare with */
	__u64 value;

	/** @mask: the bits of the fence and of @value that are compared */
	__u64 mask;

	/** @op: the comparison, one of &enum drm_vsvm_wait_op */
	__u32 op;

	/** @pad: must be zero */
	__u32 pad;

	/** @timeout_ns: absolute CLOCK_MONOTONIC deadline in nanoseconds */
	__s64 timeout_ns;

	/** @status: out: one of &enum drm_vsvm_wait_status */
	__u32 status;

	/**
	 * @error: out: for DRM_VSVM_WAIT_STATUS_GPU_ERROR, a positive errno:
	 * EFAULT (GPU page fault on an address with no usable mapping), EACCES
	 * (access the mapping does not allow), EINVAL (malformed command),
	 * ETIMEDOUT (the job ran past the job timeout), ECANCELED (the VM was
	 * destroyed or its process exited), ENODEV (the device was unplugged),
	 * ENOMEM (also when the memory cgroup of the VM's process is full);
	 * otherwise 0
	 */
	__u32 error;

	/** @fault_addr: out: the faulting address of a GPU page fault, or 0 */
	__u64 fault_addr;

	/** @fault_access: out: DRM_VSVM_ACCESS_* bits of the faulting access */
	__u32 fault_access;

	/**
	 * @error_offset: out: byte offset within the batch of the command
	 * that failed
	 */
	__u32 error_offset;
};

/** DRM_VSVM_RANGE_INFO_MAX_SIZE - the largest span one RANGE_INFO reports */
#define DRM_VSVM_RANGE_INFO_MAX_SIZE	(1ull << 32)

/**
 * enum drm_vsvm_page_state - the residency part of a RANGE_INFO entry
 * @DRM_VSVM_PAGE_NOT_MIRRORED: the GPU has no mapping of the page
 * @DRM_VSVM_PAGE_SYSTEM_RO: mapped read-only to system memory
 * @DRM_VSVM_PAGE_SYSTEM_RW: mapped read-write to system memory
 * @DRM_VSVM_PAGE_VRAM: mapped to the device's VRAM
 */
enum drm_vsvm_page_state {
	DRM_VSVM_PAGE_NOT_MIRRORED = 0,
	DRM_VSVM_PAGE_SYSTEM_RO = 1,
	DRM_VSVM_PAGE_SYSTEM_RW = 2,
	DRM_VSVM_PAGE_VRAM = 3,
};

/**
 * enum drm_vsvm_pte_size - the GPU page size part of a RANGE_INFO entry
 * @DRM_VSVM_PTE_NONE: no GPU page table entry
 * @DRM_VSVM_PTE_4K: mapped by a 4 KiB entry
 * @DRM_VSVM_PTE_64K: mapped by a 64 KiB entry
 * @DRM_VSVM_PTE_2M: mapped by a 2 MiB entry
 */
enum drm_vsvm_pte_size {
	DRM_VSVM_PTE_NONE = 0,
	DRM_VSVM_PTE_4K = 1,
	DRM_VSVM_PTE_64K = 2,
	DRM_VSVM_PTE_2M = 3,
};

/**
 * DRM_VSVM_RANGE_INFO_STATE - the &enum drm_vsvm_page_state of an entry
 * @entry: one byte written by DRM_IOCTL_VSVM_RANGE_INFO
 */
#define DRM_VSVM_RANGE_INFO_STATE(entry)	((entry) & 0xf)
/**
 * DRM_VSVM_RANGE_INFO_PTE - the &enum drm_vsvm_pte_size of an entry
 * @entry: one byte written by DRM_IOCTL_VSVM_RANGE_INFO
 */
#define DRM_VSVM_RANGE_INFO_PTE(entry)		(((entry) >> 4) & 0xf)

/**
 * DRM_VSVM_RANGE_INFO_RESIDENCY - &drm_vsvm_range_info.flags: report where
 * the process's pages are, from the CPU page tables, instead of how the GPU
 * maps them.  A page in this device's VRAM is DRM_VSVM_PAGE_VRAM, a page in
 * system memory DRM_VSVM_PAGE_SYSTEM_RO or DRM_VSVM_PAGE_SYSTEM_RW (as the
 * CPU maps it), and a page not present or in another device's VRAM
 * DRM_VSVM_PAGE_NOT_MIRRORED.  The PTE size is always DRM_VSVM_PTE_NONE.
 * Nothing is faulted in or moved.
 */
#define DRM_VSVM_RANGE_INFO_RESIDENCY	(1u << 0)

/**
 * struct drm_vsvm_range_info - argument of DRM_IOCTL_VSVM_RANGE_INFO
 *
 * Reports, for each 4 KiB page of [@start, @start + @size), how the VM's GPU
 * page table maps it: one byte per page at @data, holding an &enum
 * drm_vsvm_page_state and an &enum drm_vsvm_pte_size (read them with
 * DRM_VSVM_RANGE_INFO_STATE() and DRM_VSVM_RANGE_INFO_PTE()).  It does not
 * fault anything in: it shows what the GPU would find now.
 *
 * Errors: -EINVAL for an unknown flag, a misaligned @start or @size, a
 * @size of 0 or above DRM_VSVM_RANGE_INFO_MAX_SIZE, or a span that wraps;
 * -ENOENT for an unknown @vm_id; -EPERM from a process other than the VM's
 * creator; -EFAULT if @data cannot be written.
 */
struct drm_vsvm_range_info {
	/** @vm_id: the VM */
	__u32 vm_id;

	/** @flags: DRM_VSVM_RANGE_INFO_* flags */
	__u32 flags;

	/** @start: first address, 4 KiB aligned */
	__u64 start;

	/** @size: bytes to report, a multiple of 4 KiB */
	__u64 size;

	/** @data: user pointer to @size / 4096 bytes */
	__u64 data;
};

/**
 * DOC: vsvm VRAM and migration uAPI
 *
 * A device with DRM_VSVM_FEATURE_VRAM has &drm_vsvm_query_device.vram_size
 * bytes of VRAM.  Pages of the process move into it and back without the
 * process seeing any change: the same pointer works on the CPU and the GPU
 * before, during and after a move.  A page is moved to VRAM
 *
 * - on a GPU page fault, when the memory attributes of its address prefer
 *   VRAM (&DRM_VSVM_LOC_VRAM, or &DRM_VSVM_LOC_AUTO, the default, on
 *   private anonymous memory), or when a GPU atomic needs it there
 *   (&DRM_VSVM_ATOMIC_VRAM_ONLY);
 * - by &DRM_IOCTL_VSVM_PREFETCH to &DRM_VSVM_REGION_VRAM.
 *
 * It moves back to system memory when the CPU touches it, by
 * &DRM_IOCTL_VSVM_PREFETCH to &DRM_VSVM_REGION_SYSTEM, when another device
 * needs it, and when VRAM is full and the device evicts the least recently
 * used allocation.  Pages move in units of the granularity (a 2 MiB chunk
 * by default), as far as the CPU mapping allows.  Memory that cannot move
 * (shared or file-backed mappings, hugetlbfs, mlock()ed memory, pinned
 * pages) stays in system memory and is used there.
 *
 * Memory attributes (&struct drm_vsvm_mem_attrs) are set on a span of the
 * address space with &DRM_IOCTL_VSVM_MADVISE and last until the span is
 * unmapped or advised again; elsewhere the VM's default attributes apply,
 * which MADVISE with DRM_VSVM_MADVISE_VM_DEFAULT sets.  They hold page by
 * page: each 4 KiB page follows the attributes of its own address, and new
 * attributes apply to memory the GPU has mapped already from its next
 * access on (the atomic policy included).
 *
 * A GPU access to a page works whenever the CPU could access that page,
 * whatever its neighbours are: pages around it that cannot be faulted in
 * (past the end of a file, missing pages only a userfaultfd handler can
 * fill) fail only the accesses to them.  Where userfaultfd is armed, the
 * GPU never faults a page in for a handler to fill: an access to a missing
 * page there ends the job with EFAULT.
 */

/**
 * enum drm_vsvm_mem_location - preferred location of memory
 * @DRM_VSVM_LOC_AUTO: the driver decides: private anonymous memory moves
 *	to VRAM when the GPU faults on it, other memory stays where it is
 * @DRM_VSVM_LOC_SYSTEM: stay in system memory; the GPU maps it there
 * @DRM_VSVM_LOC_VRAM: move to this device's VRAM when the GPU faults on
 *	it, if the mapping allows
 */
enum drm_vsvm_mem_location {
	DRM_VSVM_LOC_AUTO = 0,
	DRM_VSVM_LOC_SYSTEM = 1,
	DRM_VSVM_LOC_VRAM = 2,
};

/**
 * enum drm_vsvm_atomic_policy - where GPU atomics may run
 * @DRM_VSVM_ATOMIC_ANYWHERE: in system memory or VRAM
 * @DRM_VSVM_ATOMIC_VRAM_ONLY: only in VRAM: a GPU atomic on a page in
 *	system memory moves it to VRAM first, and the CPU cannot take it back
 *	for &drm_vsvm_mem_attrs.atomic_timeslice_ms, so that neither side can
 *	starve the other.  An atomic on memory that cannot move ends the job
 *	with EFAULT: memory of a kind that never moves (see
 *	&enum drm_vsvm_mem_location), and memory whose move fails, for
 *	instance pinned pages or a VRAM full of what cannot be evicted.
 */
enum drm_vsvm_atomic_policy {
	DRM_VSVM_ATOMIC_ANYWHERE = 0,
	DRM_VSVM_ATOMIC_VRAM_ONLY = 1,
};

/** DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS - the longest atomic timeslice */
#define DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS	1000

/**
 * struct drm_vsvm_mem_attrs - memory attributes of a span
 *
 * A zero-filled structure is the default: automatic placement, 2 MiB
 * granularity, atomics anywhere.
 */
struct drm_vsvm_mem_attrs {
	/** @preferred_loc: one of &enum drm_vsvm_mem_location */
	__u32 preferred_loc;

	/**
	 * @granularity: bytes that move together: DRM_VSVM_PAGE_SIZE_4K,
	 * DRM_VSVM_PAGE_SIZE_64K or DRM_VSVM_PAGE_SIZE_2M; 0 is 2 MiB
	 */
	__u32 granularity;

	/** @atomic_policy: one of &enum drm_vsvm_atomic_policy */
	__u32 atomic_policy;

	/**
	 * @atomic_timeslice_ms: with DRM_VSVM_ATOMIC_VRAM_ONLY, how long a
	 * page moved to VRAM for a GPU atomic stays there before a CPU
	 * access may take it back, at most DRM_VSVM_ATOMIC_TIMESLICE_MAX_MS;
	 * 0 is 5 ms.  Must be 0 with DRM_VSVM_ATOMIC_ANYWHERE.
	 */
	__u32 atomic_timeslice_ms;
};

/**
 * DRM_VSVM_MADVISE_VM_DEFAULT - &drm_vsvm_madvise.flags: set the VM's
 * default attributes, which apply wherever no span was advised;
 * &drm_vsvm_madvise.start and &drm_vsvm_madvise.size must be zero
 */
#define DRM_VSVM_MADVISE_VM_DEFAULT	(1u << 0)

/**
 * struct drm_vsvm_madvise - argument of DRM_IOCTL_VSVM_MADVISE
 *
 * Sets all memory attributes of [@start, @start + @size) at once,
 * replacing what earlier MADVISE calls set there.  The attributes apply to
 * the addresses, mapped or not, until that part of the span is unmapped
 * (munmap(), mremap() away, or a MAP_FIXED mapping over it); a new mapping
 * at the same addresses starts with the VM's defaults.  Pages already in
 * place do not move; the attributes steer the next GPU fault.
 *
 * A call applies whole or not at all.  A span that unmapped holes cut into
 * several pieces counts as several spans; pieces beyond
 * DRM_VSVM_MADVISE_MAX_SPANS fall back to the VM's defaults.
 *
 * Errors: -EINVAL for an unknown flag, a misaligned or
 * wrapping span, a @size of 0 (without DRM_VSVM_MADVISE_VM_DEFAULT), a span
 * beyond the user address space, or invalid attributes; -ENOENT for an
 * unknown @vm_id; -EPERM from a process other than the VM's creator;
 * -ENOSPC when the VM already has DRM_VSVM_MADVISE_MAX_SPANS spans;
 * -ENOMEM, with nothing changed.
 */
struct drm_vsvm_madvise {
	/** @vm_id: the VM */
	__u32 vm_id;

	/** @flags: DRM_VSVM_MADVISE_* flags */
	__u32 flags;

	/** @start: first address, 4 KiB aligned */
	__u64 start;

	/** @size: bytes, a multiple of 4 KiB */
	__u64 size;

	/** @attrs: the attributes */
	struct drm_vsvm_mem_attrs attrs;
};

/** DRM_VSVM_MADVISE_MAX_SPANS - advised spans a VM may have at once */
#define DRM_VSVM_MADVISE_MAX_SPANS	4096

/**
 * struct drm_vsvm_attr_query - argument of DRM_IOCTL_VSVM_ATTR_QUERY
 *
 * Returns the memory attributes that apply at @addr and the largest span
 * around it over which they apply unchanged: an advised span, or the gap
 * between advised spans, where the VM's defaults apply.
 *
 * Errors: -EINVAL for a non-zero @flags or @pad or an @addr beyond the user
 * address space; -ENOENT for an unknown @vm_id; -EPERM from a process other than the
 * VM's creator; -ENOMEM when the attributes of a span that was partly
 * unmapped could not be brought up to date.
 */
struct drm_vsvm_attr_query {
	/** @vm_id: the VM */
	__u32 vm_id;

	/** @flags: no flags are defined, must be zero */
	__u32 flags;

	/** @addr: the address asked about */
	__u64 addr;

	/** @start: out: first address of the span */
	__u64 start;

	/** @size: out: bytes of the span */
	__u64 size;

	/** @attrs: out: the attributes */
	struct drm_vsvm_mem_attrs attrs;

	/**
	 * @advised: out: 1 if a MADVISE span covers @addr, 0 if the VM's
	 * defaults apply there
	 */
	__u32 advised;

	/** @pad: must be zero */
	__u32 pad;
};

/**
 * enum drm_vsvm_region - where PREFETCH moves pages
 * @DRM_VSVM_REGION_SYSTEM: system memory
 * @DRM_VSVM_REGION_VRAM: this device's VRAM
 */
enum drm_vsvm_region {
	DRM_VSVM_REGION_SYSTEM = 0,
	DRM_VSVM_REGION_VRAM = 1,
};

/**
 * struct drm_vsvm_prefetch - argument of DRM_IOCTL_VSVM_PREFETCH
 *
 * Moves the pages of [@start, @start + @size) to @region now, in units of
 * the span's granularity, and reports what happened to each 4 KiB page: the
 * out fields add up to @size / 4096.  Pages that were never touched are
 * created in VRAM, zero-filled, by a prefetch to VRAM.  The GPU mapping is
 * not filled: the next GPU access faults it in where the pages are.
 * Moving to system memory takes the pages out of this device's VRAM only.
 *
 * Errors: -EINVAL for an unknown flag or @region, a non-zero @pad, a
 * misaligned, empty or wrapping span, or a span beyond the user address
 * space; -ENOENT for an unknown @vm_id; -EPERM from a process other than the
 * VM's creator; -EINTR when a signal arrives, -ENOENT when the VM is
 * destroyed and -ENODEV when the device is unplugged while the call runs
 * (in all three, the out fields count what was done).
 */
struct drm_vsvm_prefetch {
	/** @vm_id: the VM */
	__u32 vm_id;

	/** @flags: no flags are defined, must be zero */
	__u32 flags;

	/** @start: first address, 4 KiB aligned */
	__u64 start;

	/** @size: bytes, a multiple of 4 KiB */
	__u64 size;

	/** @region: one of &enum drm_vsvm_region */
	__u32 region;

	/** @pad: must be zero */
	__u32 pad;

	/** @moved: out: pages this call moved */
	__u64 moved;

	/** @already: out: pages that were already there */
	__u64 already;

	/** @unmapped: out: pages with no CPU mapping */
	__u64 unmapped;

	/**
	 * @unmovable: out: pages in a mapping that cannot move (shared,
	 * file-backed, hugetlbfs, mlock()ed, VM_IO/VM_PFNMAP)
	 */
	__u64 unmovable;

	/**
	 * @busy: out: pages the kernel would not let go this time: pinned,
	 * locked or changing under the migration, or, to VRAM, held by
	 * another device's VRAM that did not give them back
	 */
	__u64 busy;

	/** @no_memory: out: pages for which no VRAM or system memory was found */
	__u64 no_memory;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VSVM_DRM_H_ */
