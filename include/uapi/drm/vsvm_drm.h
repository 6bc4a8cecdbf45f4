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
 * - a device that has been unplugged answers -ENODEV.
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
 * Creates a VM bound to the calling process's address space.
 *
 * Errors: -EINVAL for a non-zero @flags.
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
 * Destroys a VM: its jobs still running end with -ECANCELED, and its mirror
 * of the process's memory is torn down before the call returns.
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
 * unknown @vm_id or @engine; -EPERM from a process other than the VM's
 * creator.  An unmapped or unreadable batch is not an ioctl error: the job
 * ends with a GPU page fault, reported by &DRM_IOCTL_VSVM_WAIT.
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
 * any number of times while its VM lives.
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
 * be read; -ETIME when the deadline passes first.
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
	 * destroyed or its process exited), ENOMEM; otherwise 0
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
 * struct drm_vsvm_range_info - argument of DRM_IOCTL_VSVM_RANGE_INFO
 *
 * Reports, for each 4 KiB page of [@start, @start + @size), how the VM's GPU
 * page table maps it: one byte per page at @data, holding an &enum
 * drm_vsvm_page_state and an &enum drm_vsvm_pte_size (read them with
 * DRM_VSVM_RANGE_INFO_STATE() and DRM_VSVM_RANGE_INFO_PTE()).  It does not
 * fault anything in: it shows what the GPU would find now.
 *
 * Errors: -EINVAL for a non-zero @flags, a misaligned @start or @size, a
 * @size of 0 or above DRM_VSVM_RANGE_INFO_MAX_SIZE, or a span that wraps;
 * -ENOENT for an unknown @vm_id; -EPERM from a process other than the VM's
 * creator; -EFAULT if @data cannot be written.
 */
struct drm_vsvm_range_info {
	/** @vm_id: the VM */
	__u32 vm_id;

	/** @flags: no flags are defined, must be zero */
	__u32 flags;

	/** @start: first address, 4 KiB aligned */
	__u64 start;

	/** @size: bytes to report, a multiple of 4 KiB */
	__u64 size;

	/** @data: user pointer to @size / 4096 bytes */
	__u64 data;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VSVM_DRM_H_ */
