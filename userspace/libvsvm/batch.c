// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * The batch builder: encodes the commands of vsvm_drm.h into a growing,
 * 8-byte aligned buffer of ordinary process memory.
 */

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vsvm.h"

/* The size of the buffer when the caller gives no hint. */
#define VSVM_BATCH_DEFAULT_SIZE	4096
/* The smallest buffer allocated, whatever the hint. */
#define VSVM_BATCH_MIN_SIZE	64

/* malloc() and realloc() return memory aligned for max_align_t. */
_Static_assert(alignof(max_align_t) >= 8,
	       "malloc() must return 8-byte aligned batch buffers");

struct vsvm_batch {
	/* The encoded commands; malloc()ed, never NULL. */
	void *data;
	/* Bytes in use, a multiple of 8. */
	size_t size;
	/* Bytes allocated, a multiple of 8. */
	size_t capacity;
	/* Commands appended. */
	unsigned int count;
};

static size_t vsvm_batch_clamp(size_t size)
{
	if (size < VSVM_BATCH_MIN_SIZE)
		return VSVM_BATCH_MIN_SIZE;
	if (size > DRM_VSVM_BATCH_MAX_SIZE)
		return DRM_VSVM_BATCH_MAX_SIZE;
	return (size + 7) & ~(size_t)7;
}

struct vsvm_batch *vsvm_batch_create(size_t size_hint)
{
	struct vsvm_batch *batch;

	batch = calloc(1, sizeof(*batch));
	if (!batch)
		return NULL;
	batch->capacity = vsvm_batch_clamp(size_hint ? size_hint :
					   VSVM_BATCH_DEFAULT_SIZE);
	batch->data = malloc(batch->capacity);
	if (!batch->data) {
		free(batch);
		errno = ENOMEM;
		return NULL;
	}
	return batch;
}

void vsvm_batch_destroy(struct vsvm_batch *batch)
{
	if (!batch)
		return;
	free(batch->data);
	free(batch);
}

void vsvm_batch_reset(struct vsvm_batch *batch)
{
	batch->size = 0;
	batch->count = 0;
}

const void *vsvm_batch_data(const struct vsvm_batch *batch)
{
	return batch->data;
}

size_t vsvm_batch_size(const struct vsvm_batch *batch)
{
	return batch->size;
}

unsigned int vsvm_batch_count(const struct vsvm_batch *batch)
{
	return batch->count;
}

/* Makes room for @size more bytes, doubling the buffer up to the limit. */
static int vsvm_batch_reserve(struct vsvm_batch *batch, size_t size)
{
	size_t need, capacity;
	void *data;

	if (size > DRM_VSVM_BATCH_MAX_SIZE - batch->size)
		return -E2BIG;
	need = batch->size + size;
	if (need <= batch->capacity)
		return 0;
	capacity = batch->capacity;
	while (capacity < need)
		capacity *= 2;
	if (capacity > DRM_VSVM_BATCH_MAX_SIZE)
		capacity = DRM_VSVM_BATCH_MAX_SIZE;
	data = realloc(batch->data, capacity);
	if (!data)
		return -ENOMEM;
	batch->data = data;
	batch->capacity = capacity;
	return 0;
}

int vsvm_batch_append(struct vsvm_batch *batch, const void *cmd, size_t size)
{
	int ret;

	if (!size || size % 8)
		return -EINVAL;
	ret = vsvm_batch_reserve(batch, size);
	if (ret)
		return ret;
	memcpy((char *)batch->data + batch->size, cmd, size);
	batch->size += size;
	batch->count++;
	return 0;
}

static bool vsvm_aligned(uint64_t value, uint64_t alignment)
{
	return !(value & (alignment - 1));
}

int vsvm_batch_nop(struct vsvm_batch *batch)
{
	struct drm_vsvm_cmd_nop cmd = {
		.header.opcode = DRM_VSVM_OP_NOP,
	};

	return vsvm_batch_append(batch, &cmd, sizeof(cmd));
}

static int vsvm_batch_store(struct vsvm_batch *batch, uint32_t flags,
			    uint64_t addr, uint64_t value)
{
	struct drm_vsvm_cmd_store cmd = {
		.header.opcode = DRM_VSVM_OP_STORE,
		.header.flags = flags,
		.addr = addr,
		.value = value,
	};

	if (!vsvm_aligned(addr, flags & DRM_VSVM_STORE_64BIT ? 8 : 4))
		return -EINVAL;
	return vsvm_batch_append(batch, &cmd, sizeof(cmd));
}

int vsvm_batch_store32(struct vsvm_batch *batch, uint64_t addr,
		       uint32_t value)
{
	return vsvm_batch_store(batch, 0, addr, value);
}

int vsvm_batch_store64(struct vsvm_batch *batch, uint64_t addr,
		       uint64_t value)
{
	return vsvm_batch_store(batch, DRM_VSVM_STORE_64BIT, addr, value);
}

int vsvm_batch_fill(struct vsvm_batch *batch, uint64_t addr, uint64_t size,
		    uint32_t pattern)
{
	struct drm_vsvm_cmd_fill cmd = {
		.header.opcode = DRM_VSVM_OP_FILL,
		.addr = addr,
		.size = size,
		.pattern = pattern,
	};

	if (!size || !vsvm_aligned(addr, 4) || !vsvm_aligned(size, 4))
		return -EINVAL;
	return vsvm_batch_append(batch, &cmd, sizeof(cmd));
}

int vsvm_batch_copy(struct vsvm_batch *batch, uint64_t dst, uint64_t src,
		    uint64_t size)
{
	struct drm_vsvm_cmd_copy cmd = {
		.header.opcode = DRM_VSVM_OP_COPY,
		.dst = dst,
		.src = src,
		.size = size,
	};

	if (!size)
		return -EINVAL;
	return vsvm_batch_append(batch, &cmd, sizeof(cmd));
}

static bool vsvm_blit2d_valid(uint32_t pitch, uint32_t width, uint32_t height,
			      uint32_t cpp)
{
	if (cpp != 1 && cpp != 2 && cpp != 4)
		return false;
	return width && height && (uint64_t)width * cpp <= pitch;
}

int vsvm_batch_blit2d_copy(struct vsvm_batch *batch,
			   uint64_t dst, uint32_t dst_pitch,
			   uint64_t src, uint32_t src_pitch,
			   uint32_t width, uint32_t height, uint32_t cpp)
{
	struct drm_vsvm_cmd_blit2d cmd = {
		.header.opcode = DRM_VSVM_OP_BLIT2D,
		.dst = dst,
		.src = src,
		.dst_pitch = dst_pitch,
		.src_pitch = src_pitch,
		.width = width,
		.height = height,
		.cpp = cpp,
	};

	if (!vsvm_blit2d_valid(dst_pitch, width, height, cpp) ||
	    !vsvm_blit2d_valid(src_pitch, width, height, cpp))
		return -EINVAL;
	return vsvm_batch_append(batch, &cmd, sizeof(cmd));
}

int vsvm_batch_blit2d_fill(struct vsvm_batch *batch,
			   uint64_t dst, uint32_t dst_pitch,
			   uint32_t width, uint32_t height, uint32_t cpp,
			   uint32_t color)
{
	struct drm_vsvm_cmd_blit2d cmd = {
		.header.opcode = DRM_VSVM_OP_BLIT2D,
		.header.flags = DRM_VSVM_BLIT2D_FILL,
		.dst = dst,
		.dst_pitch = dst_pitch,
		.width = width,
		.height = height,
		.cpp = cpp,
		.color = color,
	};

	if (!vsvm_blit2d_valid(dst_pitch, width, height, cpp))
		return -EINVAL;
	return vsvm_batch_append(batch, &cmd, sizeof(cmd));
}

static bool vsvm_atomic_valid(uint32_t op, uint32_t flags, uint64_t addr,
			      uint64_t operand, uint64_t compare,
			      uint64_t return_addr)
{
	uint64_t size = flags & DRM_VSVM_ATOMIC_64BIT ? 8 : 4;

	if (flags & ~(DRM_VSVM_ATOMIC_64BIT | DRM_VSVM_ATOMIC_RETURN))
		return false;
	if (op > DRM_VSVM_ATOMIC_UMAX)
		return false;
	if (op == DRM_VSVM_ATOMIC_INC && operand)
		return false;
	if (op != DRM_VSVM_ATOMIC_CMPXCHG && compare)
		return false;
	if (size == 4 && (operand > UINT32_MAX || compare > UINT32_MAX))
		return false;
	if (!vsvm_aligned(addr, size))
		return false;
	if (flags & DRM_VSVM_ATOMIC_RETURN)
		return vsvm_aligned(return_addr, size);
	return !return_addr;
}

int vsvm_batch_atomic(struct vsvm_batch *batch, uint32_t op, uint32_t flags,
		      uint64_t addr, uint64_t operand, uint64_t compare,
		      uint64_t return_addr)
{
	struct drm_vsvm_cmd_atomic cmd = {
		.header.opcode = DRM_VSVM_OP_ATOMIC,
		.header.flags = flags,
		.op = op,
		.addr = addr,
		.operand = operand,
		.compare = compare,
		.return_addr = return_addr,
	};

	if (!vsvm_atomic_valid(op, flags, addr, operand, compare, return_addr))
		return -EINVAL;
	return vsvm_batch_append(batch, &cmd, sizeof(cmd));
}
