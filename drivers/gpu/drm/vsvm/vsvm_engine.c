// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include <uapi/drm/vsvm_drm.h>

#include "vsvm_engine.h"
#include "vsvm_exec.h"
#include "vsvm_mmu.h"

/**
 * DOC: Command processor
 *
 * An engine runs a job by fetching its batch command by command, decoding
 * and executing each one (NOP, STORE, FILL, COPY, BLIT2D, ATOMIC), and
 * reaches every byte, the batch's included, through its emulated MMU (see
 * "DOC: Emulated MMU").  Each access is cut at page boundaries; for each
 * piece the engine has the MMU translate the addresses it needs
 * (vsvm_mmu_translate(), which services the GPU page faults on the way
 * and returns with the VM's notifier lock held for reading), then copies,
 * fills or operates on the memory through the kernel address of each page
 * (vsvm_mmu_kmap()).  Once done with a span it reads or writes (a
 * command's, a BLIT2D row's, a fetch's), it lets invalidations in again
 * (vsvm_mmu_release()).
 *
 * Atomics run as CPU atomic instructions on the same physical memory the
 * process uses, so they are atomic against the CPU as well.  A STORE is one
 * aligned store, ordered after everything the job wrote before it.
 *
 * Between commands, and in the MMU between pieces, the engine checks
 * whether the job must stop: its VM closed (-ECANCELED), its device
 * unplugged (-ENODEV) or its time is up (-ETIMEDOUT).
 */

/* Bytes from @addr to the end of its page, at most @len */
static size_t vsvm_page_chunk(u64 addr, u64 len)
{
	return min_t(u64, len, PAGE_SIZE - offset_in_page(addr));
}

/*
 * Copy @len bytes between @buf and the GPU address @addr: into @buf for a
 * DRM_VSVM_ACCESS_READ, out of it for a DRM_VSVM_ACCESS_WRITE.
 */
static int vsvm_engine_rw(struct vsvm_job *job, u64 addr, void *buf,
			  size_t len, u32 access)
{
	struct vsvm_access a = { .access = access };

	while (len) {
		size_t chunk = vsvm_page_chunk(addr, len);
		void *vaddr;
		int ret;

		a.addr = addr;
		ret = vsvm_mmu_translate(job, &a, 1);
		if (ret)
			return ret;
		vaddr = vsvm_mmu_kmap(job, &a);
		if (access & DRM_VSVM_ACCESS_WRITE)
			memcpy(vaddr + offset_in_page(addr), buf, chunk);
		else
			memcpy(buf, vaddr + offset_in_page(addr), chunk);
		vsvm_mmu_kunmap(&a, vaddr);
		addr += chunk;
		buf += chunk;
		len -= chunk;
	}
	vsvm_mmu_release(job);
	return 0;
}

/* Fill @len bytes at @dst with @pattern of @plen bytes, starting at @phase */
static void vsvm_fill_bytes(u8 *dst, size_t len, const u8 *pattern, u32 plen,
			    u32 phase)
{
	size_t i;

	if (plen == 1) {
		memset(dst, pattern[0], len);
		return;
	}
	if (!phase && !(len % plen) && IS_ALIGNED((unsigned long)dst, plen)) {
		if (plen == 4) {
			memset32((u32 *)dst, get_unaligned((u32 *)pattern),
				 len / 4);
			return;
		}
		if (plen == 2) {
			memset16((u16 *)dst, get_unaligned((u16 *)pattern),
				 len / 2);
			return;
		}
	}
	for (i = 0; i < len; i++)
		dst[i] = pattern[(phase + i) % plen];
}

/* Repeat @pattern (1, 2 or 4 bytes) over [@addr, @addr + @len) */
static int vsvm_engine_fill(struct vsvm_job *job, u64 addr, u64 len,
			    const u8 *pattern, u32 plen)
{
	struct vsvm_access a = { .access = DRM_VSVM_ACCESS_WRITE };
	u64 done = 0;

	while (done < len) {
		size_t chunk = vsvm_page_chunk(addr + done, len - done);
		void *vaddr;
		int ret;

		a.addr = addr + done;
		ret = vsvm_mmu_translate(job, &a, 1);
		if (ret)
			return ret;
		vaddr = vsvm_mmu_kmap(job, &a);
		vsvm_fill_bytes(vaddr + offset_in_page(a.addr), chunk, pattern,
				plen, done % plen);
		vsvm_mmu_kunmap(&a, vaddr);
		done += chunk;
	}
	vsvm_mmu_release(job);
	return 0;
}

static int vsvm_engine_copy(struct vsvm_job *job, u64 dst, u64 src, u64 len)
{
	struct vsvm_access a[2] = {
		{ .access = DRM_VSVM_ACCESS_READ },
		{ .access = DRM_VSVM_ACCESS_WRITE },
	};

	while (len) {
		size_t chunk = min(vsvm_page_chunk(src, len),
				   vsvm_page_chunk(dst, len));
		void *from, *to;
		int ret;

		a[0].addr = src;
		a[1].addr = dst;
		ret = vsvm_mmu_translate(job, a, 2);
		if (ret)
			return ret;
		from = vsvm_mmu_kmap(job, &a[0]);
		to = vsvm_mmu_kmap(job, &a[1]);
		memcpy(to + offset_in_page(dst), from + offset_in_page(src),
		       chunk);
		vsvm_mmu_kunmap(&a[1], to);
		vsvm_mmu_kunmap(&a[0], from);
		src += chunk;
		dst += chunk;
		len -= chunk;
	}
	vsvm_mmu_release(job);
	return 0;
}

/* [a, a + alen) and [b, b + blen) overlap; both spans are known not to wrap */
static bool vsvm_spans_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* The span is non-empty and does not wrap */
static bool vsvm_span_ok(u64 addr, u64 len)
{
	u64 end;

	return len && !check_add_overflow(addr, len, &end);
}

static int vsvm_cmd_store(struct vsvm_job *job,
			  const struct drm_vsvm_cmd_store *cmd)
{
	bool is64 = cmd->header.flags & DRM_VSVM_STORE_64BIT;
	u32 size = is64 ? 8 : 4;
	struct vsvm_access a = {
		.addr = cmd->addr,
		.access = DRM_VSVM_ACCESS_WRITE,
	};
	void *vaddr, *p;
	int ret;

	if ((cmd->header.flags & ~DRM_VSVM_STORE_64BIT) ||
	    !IS_ALIGNED(cmd->addr, size))
		return -EINVAL;

	ret = vsvm_mmu_translate(job, &a, 1);
	if (ret)
		return ret;
	/* Everything the job wrote before is visible before the value. */
	smp_wmb();
	vaddr = vsvm_mmu_kmap(job, &a);
	p = vaddr + offset_in_page(cmd->addr);
	if (is64)
		WRITE_ONCE(*(u64 *)p, cmd->value);
	else
		WRITE_ONCE(*(u32 *)p, (u32)cmd->value);
	vsvm_mmu_kunmap(&a, vaddr);
	vsvm_mmu_release(job);
	vsvm_fence_signal();
	return 0;
}

static int vsvm_cmd_fill(struct vsvm_job *job,
			 const struct drm_vsvm_cmd_fill *cmd)
{
	u8 pattern[4];

	if (cmd->header.flags || cmd->pad || !IS_ALIGNED(cmd->addr, 4) ||
	    !IS_ALIGNED(cmd->size, 4) || !vsvm_span_ok(cmd->addr, cmd->size))
		return -EINVAL;

	put_unaligned(cmd->pattern, (u32 *)pattern);
	return vsvm_engine_fill(job, cmd->addr, cmd->size, pattern, 4);
}

static int vsvm_cmd_copy(struct vsvm_job *job,
			 const struct drm_vsvm_cmd_copy *cmd)
{
	if (cmd->header.flags || !vsvm_span_ok(cmd->dst, cmd->size) ||
	    !vsvm_span_ok(cmd->src, cmd->size) ||
	    vsvm_spans_overlap(cmd->dst, cmd->size, cmd->src, cmd->size))
		return -EINVAL;

	return vsvm_engine_copy(job, cmd->dst, cmd->src, cmd->size);
}

/* Bytes from the first pixel to the end of the last row, 0 if it wraps */
static u64 vsvm_blit_extent(u64 addr, u32 pitch, u32 height, u32 row_bytes)
{
	u64 extent = (u64)pitch * (height - 1) + row_bytes;

	return vsvm_span_ok(addr, extent) ? extent : 0;
}

static int vsvm_blit2d_validate(const struct drm_vsvm_cmd_blit2d *cmd,
				u32 *row_bytes)
{
	bool fill = cmd->header.flags & DRM_VSVM_BLIT2D_FILL;
	u64 dst_extent, src_extent;

	if ((cmd->header.flags & ~DRM_VSVM_BLIT2D_FILL) ||
	    (cmd->cpp != 1 && cmd->cpp != 2 && cmd->cpp != 4) ||
	    !cmd->width || !cmd->height ||
	    check_mul_overflow(cmd->width, cmd->cpp, row_bytes) ||
	    cmd->dst_pitch < *row_bytes)
		return -EINVAL;

	dst_extent = vsvm_blit_extent(cmd->dst, cmd->dst_pitch, cmd->height,
				      *row_bytes);
	if (!dst_extent)
		return -EINVAL;

	if (fill)
		return cmd->src || cmd->src_pitch ? -EINVAL : 0;

	if (cmd->src_pitch < *row_bytes)
		return -EINVAL;
	src_extent = vsvm_blit_extent(cmd->src, cmd->src_pitch, cmd->height,
				      *row_bytes);
	if (!src_extent ||
	    vsvm_spans_overlap(cmd->dst, dst_extent, cmd->src, src_extent))
		return -EINVAL;
	return 0;
}

static int vsvm_cmd_blit2d(struct vsvm_job *job,
			   const struct drm_vsvm_cmd_blit2d *cmd)
{
	bool fill = cmd->header.flags & DRM_VSVM_BLIT2D_FILL;
	u32 row_bytes, y;
	u8 color[4];
	int ret;

	ret = vsvm_blit2d_validate(cmd, &row_bytes);
	if (ret)
		return ret;

	put_unaligned_le32(cmd->color, color);
	for (y = 0; y < cmd->height; y++) {
		u64 dst = cmd->dst + (u64)y * cmd->dst_pitch;

		if (fill)
			ret = vsvm_engine_fill(job, dst, row_bytes, color,
					       cmd->cpp);
		else
			ret = vsvm_engine_copy(job, dst,
					       cmd->src + (u64)y * cmd->src_pitch,
					       row_bytes);
		if (ret)
			return ret;
	}
	return 0;
}

static u64 vsvm_atomic_apply(u32 op, u64 old, u64 operand, u64 compare)
{
	switch (op) {
	case DRM_VSVM_ATOMIC_ADD:
		return old + operand;
	case DRM_VSVM_ATOMIC_INC:
		return old + 1;
	case DRM_VSVM_ATOMIC_XCHG:
		return operand;
	case DRM_VSVM_ATOMIC_CMPXCHG:
		return old == compare ? operand : old;
	case DRM_VSVM_ATOMIC_UMIN:
		return min(old, operand);
	default: /* DRM_VSVM_ATOMIC_UMAX */
		return max(old, operand);
	}
}

/* The read-modify-write itself, on the kernel mapping of the page */
static u64 vsvm_atomic_rmw(void *p, bool is64,
			   const struct drm_vsvm_cmd_atomic *cmd)
{
	u32 old32;

	if (is64) {
		u64 old = READ_ONCE(*(u64 *)p);

		while (!try_cmpxchg((u64 *)p, &old,
				    vsvm_atomic_apply(cmd->op, old,
						      cmd->operand,
						      cmd->compare)))
			;
		return old;
	}

	old32 = READ_ONCE(*(u32 *)p);
	while (!try_cmpxchg((u32 *)p, &old32,
			    (u32)vsvm_atomic_apply(cmd->op, old32, cmd->operand,
						   cmd->compare)))
		;
	return old32;
}

static int vsvm_atomic_validate(const struct drm_vsvm_cmd_atomic *cmd)
{
	u32 flags = cmd->header.flags;
	bool is64 = flags & DRM_VSVM_ATOMIC_64BIT;
	u32 size = is64 ? 8 : 4;

	if ((flags & ~(DRM_VSVM_ATOMIC_64BIT | DRM_VSVM_ATOMIC_RETURN)) ||
	    cmd->pad || cmd->op > DRM_VSVM_ATOMIC_UMAX ||
	    !IS_ALIGNED(cmd->addr, size))
		return -EINVAL;
	if (cmd->op == DRM_VSVM_ATOMIC_INC && cmd->operand)
		return -EINVAL;
	if (cmd->op != DRM_VSVM_ATOMIC_CMPXCHG && cmd->compare)
		return -EINVAL;
	if (!is64 && (upper_32_bits(cmd->operand) ||
		      upper_32_bits(cmd->compare)))
		return -EINVAL;
	if (flags & DRM_VSVM_ATOMIC_RETURN)
		return IS_ALIGNED(cmd->return_addr, size) ? 0 : -EINVAL;
	return cmd->return_addr ? -EINVAL : 0;
}

static int vsvm_cmd_atomic(struct vsvm_job *job,
			   const struct drm_vsvm_cmd_atomic *cmd)
{
	bool is64 = cmd->header.flags & DRM_VSVM_ATOMIC_64BIT;
	struct vsvm_access a = {
		.addr = cmd->addr,
		.access = DRM_VSVM_ACCESS_ATOMIC | DRM_VSVM_ACCESS_WRITE,
	};
	void *vaddr;
	u64 old;
	int ret;

	ret = vsvm_atomic_validate(cmd);
	if (ret)
		return ret;

	ret = vsvm_mmu_translate(job, &a, 1);
	if (ret)
		return ret;
	vaddr = vsvm_mmu_kmap(job, &a);
	old = vsvm_atomic_rmw(vaddr + offset_in_page(cmd->addr), is64, cmd);
	vsvm_mmu_kunmap(&a, vaddr);
	vsvm_mmu_release(job);

	if (cmd->header.flags & DRM_VSVM_ATOMIC_RETURN) {
		u32 old32 = old;

		ret = vsvm_engine_rw(job, cmd->return_addr,
				     is64 ? (void *)&old : (void *)&old32,
				     is64 ? 8 : 4, DRM_VSVM_ACCESS_WRITE);
	}
	vsvm_fence_signal();
	return ret;
}

/**
 * union vsvm_cmd - room for any command
 * @header: the common header
 * @store: DRM_VSVM_OP_STORE
 * @fill: DRM_VSVM_OP_FILL
 * @copy: DRM_VSVM_OP_COPY
 * @blit2d: DRM_VSVM_OP_BLIT2D
 * @atomic: DRM_VSVM_OP_ATOMIC
 */
union vsvm_cmd {
	struct drm_vsvm_cmd_header header;
	struct drm_vsvm_cmd_store store;
	struct drm_vsvm_cmd_fill fill;
	struct drm_vsvm_cmd_copy copy;
	struct drm_vsvm_cmd_blit2d blit2d;
	struct drm_vsvm_cmd_atomic atomic;
};

/* Size of a command by opcode, 0 for an unknown opcode */
static u32 vsvm_cmd_size(u32 opcode)
{
	switch (opcode) {
	case DRM_VSVM_OP_NOP:
		return sizeof(struct drm_vsvm_cmd_nop);
	case DRM_VSVM_OP_STORE:
		return sizeof(struct drm_vsvm_cmd_store);
	case DRM_VSVM_OP_FILL:
		return sizeof(struct drm_vsvm_cmd_fill);
	case DRM_VSVM_OP_COPY:
		return sizeof(struct drm_vsvm_cmd_copy);
	case DRM_VSVM_OP_BLIT2D:
		return sizeof(struct drm_vsvm_cmd_blit2d);
	case DRM_VSVM_OP_ATOMIC:
		return sizeof(struct drm_vsvm_cmd_atomic);
	default:
		return 0;
	}
}

static int vsvm_cmd_execute(struct vsvm_job *job, const union vsvm_cmd *cmd)
{
	switch (cmd->header.opcode) {
	case DRM_VSVM_OP_NOP:
		return cmd->header.flags ? -EINVAL : 0;
	case DRM_VSVM_OP_STORE:
		return vsvm_cmd_store(job, &cmd->store);
	case DRM_VSVM_OP_FILL:
		return vsvm_cmd_fill(job, &cmd->fill);
	case DRM_VSVM_OP_COPY:
		return vsvm_cmd_copy(job, &cmd->copy);
	case DRM_VSVM_OP_BLIT2D:
		return vsvm_cmd_blit2d(job, &cmd->blit2d);
	case DRM_VSVM_OP_ATOMIC:
		return vsvm_cmd_atomic(job, &cmd->atomic);
	default:
		return -EINVAL;
	}
}

/* Fetch the command at @offset of the batch into @cmd */
static int vsvm_cmd_fetch(struct vsvm_job *job, u32 offset,
			  union vsvm_cmd *cmd, u32 *size)
{
	u32 left = job->batch_size - offset;
	int ret;

	if (left < sizeof(cmd->header))
		return -EINVAL;
	ret = vsvm_engine_rw(job, job->batch_addr + offset, &cmd->header,
			     sizeof(cmd->header), DRM_VSVM_ACCESS_READ);
	if (ret)
		return ret;

	*size = vsvm_cmd_size(cmd->header.opcode);
	if (!*size || *size > left)
		return -EINVAL;
	return vsvm_engine_rw(job,
			      job->batch_addr + offset + sizeof(cmd->header),
			      (void *)cmd + sizeof(cmd->header),
			      *size - sizeof(cmd->header), DRM_VSVM_ACCESS_READ);
}

/**
 * vsvm_engine_run_batch() - execute a job's batch
 * @job: the job, on its engine's workqueue
 *
 * Return: 0, or the error that ended the job; &vsvm_job.cmd_offset then
 * says which command, and for a GPU fault &vsvm_job.fault_addr and
 * &vsvm_job.fault_access say where and how.
 */
int vsvm_engine_run_batch(struct vsvm_job *job)
{
	union vsvm_cmd cmd;
	u32 offset = 0, size;
	int ret;

	while (offset < job->batch_size) {
		job->cmd_offset = offset;
		ret = vsvm_job_check(job);
		if (ret)
			return ret;
		ret = vsvm_cmd_fetch(job, offset, &cmd, &size);
		if (ret)
			return ret;
		ret = vsvm_cmd_execute(job, &cmd);
		if (ret)
			return ret;
		offset += size;
	}
	return 0;
}
