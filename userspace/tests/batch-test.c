// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 *
 * batch-test: host-side unit test of libvsvm's batch builder.  It needs no
 * device: it checks the encoded commands against hand-built uAPI structures
 * and hand-written little-endian bytes, the size, count and alignment of the
 * buffer, argument checking, growth and the size limit.  Prints TAP; exit
 * status 0 only if every test passed.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsvm.h"

#include "tap.h"

_Static_assert(sizeof(struct drm_vsvm_cmd_nop) == 8, "nop size");
_Static_assert(sizeof(struct drm_vsvm_cmd_store) == 24, "store size");
_Static_assert(sizeof(struct drm_vsvm_cmd_fill) == 32, "fill size");
_Static_assert(sizeof(struct drm_vsvm_cmd_copy) == 32, "copy size");
_Static_assert(sizeof(struct drm_vsvm_cmd_blit2d) == 48, "blit2d size");
_Static_assert(sizeof(struct drm_vsvm_cmd_atomic) == 48, "atomic size");

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: %s\n", __FILE__, __LINE__,	\
			       #cond);					\
			tap_failures++;					\
		}							\
	} while (0)

#define CHECK_EQ(got, want)						\
	do {								\
		unsigned long long got_ = (got), want_ = (want);	\
		if (got_ != want_) {					\
			printf("# %s:%d: %s is 0x%llx, expected %s "	\
			       "(0x%llx)\n", __FILE__, __LINE__, #got,	\
			       got_, #want, want_);			\
			tap_failures++;					\
		}							\
	} while (0)

static const uint8_t *bytes(const struct vsvm_batch *batch)
{
	return vsvm_batch_data(batch);
}

/* Whether the batch holds exactly @size bytes at @offset equal to @want. */
static bool batch_has(const struct vsvm_batch *batch, size_t offset,
		      const void *want, size_t size)
{
	size_t i;

	if (offset + size > vsvm_batch_size(batch)) {
		printf("# batch of %zu bytes has nothing at %zu + %zu\n",
		       vsvm_batch_size(batch), offset, size);
		return false;
	}
	if (!memcmp(bytes(batch) + offset, want, size))
		return true;
	for (i = 0; i < size; i++)
		if (bytes(batch)[offset + i] != ((const uint8_t *)want)[i])
			printf("# byte %zu is 0x%02x, expected 0x%02x\n",
			       offset + i, bytes(batch)[offset + i],
			       ((const uint8_t *)want)[i]);
	return false;
}

#define CHECK_CMD(batch, offset, cmd) \
	CHECK(batch_has(batch, offset, &(cmd), sizeof(cmd)))

static bool aligned8(const struct vsvm_batch *batch)
{
	return !((uintptr_t)vsvm_batch_data(batch) % 8);
}

static void put_le(uint8_t *buf, size_t offset, uint64_t value, int size)
{
	int i;

	for (i = 0; i < size; i++)
		buf[offset + i] = value >> (8 * i);
}

static struct vsvm_batch *new_batch(size_t hint)
{
	struct vsvm_batch *batch = vsvm_batch_create(hint);

	if (!batch) {
		printf("Bail out! vsvm_batch_create: %s\n", strerror(errno));
		exit(1);
	}
	return batch;
}

static void test_empty(void)
{
	struct vsvm_batch *batch = new_batch(0);

	CHECK(vsvm_batch_data(batch) != NULL);
	CHECK(aligned8(batch));
	CHECK_EQ(vsvm_batch_size(batch), 0);
	CHECK_EQ(vsvm_batch_count(batch), 0);
	vsvm_batch_destroy(batch);
	vsvm_batch_destroy(NULL);
}

/* Literal bytes, independent of the structure definitions. */
static void test_raw_bytes(void)
{
	static const uint8_t nop[] = {
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t store64[] = {
		0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		0x0d, 0xf0, 0xfe, 0xca, 0xef, 0xbe, 0xad, 0xde,
	};
	static const uint8_t fill[] = {
		0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x10, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x44, 0x33, 0x22, 0x11, 0x00, 0x00, 0x00, 0x00,
	};
	struct vsvm_batch *batch = new_batch(0);
	uint8_t blit[48] = { 0 };

	CHECK_EQ(vsvm_batch_nop(batch), 0);
	CHECK_EQ(vsvm_batch_store64(batch, 0x1122334455667788ull,
				    0xdeadbeefcafef00dull), 0);
	CHECK_EQ(vsvm_batch_fill(batch, 0x7f0000001000ull, 0x10000,
				 0x11223344), 0);
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x7f0000002004ull, 2560, 10,
					40, 4, 0xff00ff00), 0);

	put_le(blit, 0, DRM_VSVM_OP_BLIT2D, 4);
	put_le(blit, 4, DRM_VSVM_BLIT2D_FILL, 4);
	put_le(blit, 8, 0x7f0000002004ull, 8);	/* dst */
	put_le(blit, 16, 0, 8);			/* src */
	put_le(blit, 24, 2560, 4);		/* dst_pitch */
	put_le(blit, 28, 0, 4);			/* src_pitch */
	put_le(blit, 32, 10, 4);		/* width */
	put_le(blit, 36, 40, 4);		/* height */
	put_le(blit, 40, 4, 4);			/* cpp */
	put_le(blit, 44, 0xff00ff00, 4);	/* color */

	CHECK(batch_has(batch, 0, nop, sizeof(nop)));
	CHECK(batch_has(batch, 8, store64, sizeof(store64)));
	CHECK(batch_has(batch, 32, fill, sizeof(fill)));
	CHECK(batch_has(batch, 64, blit, sizeof(blit)));
	CHECK_EQ(vsvm_batch_size(batch), 112);
	CHECK_EQ(vsvm_batch_count(batch), 4);
	vsvm_batch_destroy(batch);
}

static void test_store(void)
{
	struct vsvm_batch *batch = new_batch(0);
	struct drm_vsvm_cmd_store s32 = {
		.header = { .opcode = DRM_VSVM_OP_STORE, .flags = 0 },
		.addr = 0x1000,
		.value = 0xfeedf00d,
	};
	struct drm_vsvm_cmd_store s64 = {
		.header = {
			.opcode = DRM_VSVM_OP_STORE,
			.flags = DRM_VSVM_STORE_64BIT,
		},
		.addr = 0x2008,
		.value = 0x0123456789abcdefull,
	};

	CHECK_EQ(vsvm_batch_store32(batch, 0x1000, 0xfeedf00d), 0);
	CHECK_EQ(vsvm_batch_store64(batch, 0x2008, 0x0123456789abcdefull), 0);
	CHECK_CMD(batch, 0, s32);
	CHECK_CMD(batch, 24, s64);
	CHECK_EQ(vsvm_batch_size(batch), 48);
	CHECK_EQ(vsvm_batch_count(batch), 2);

	/* Natural alignment. */
	CHECK_EQ(vsvm_batch_store32(batch, 0x1002, 1), -EINVAL);
	CHECK_EQ(vsvm_batch_store64(batch, 0x2004, 1), -EINVAL);
	CHECK_EQ(vsvm_batch_store32(batch, 0x1004, 1), 0);
	CHECK_EQ(vsvm_batch_size(batch), 72);
	vsvm_batch_destroy(batch);
}

static void test_fill_copy(void)
{
	struct vsvm_batch *batch = new_batch(0);
	struct drm_vsvm_cmd_fill fill = {
		.header = { .opcode = DRM_VSVM_OP_FILL },
		.addr = 0x10004,
		.size = 12,
		.pattern = 0xa5a5a5a5,
	};
	struct drm_vsvm_cmd_copy copy = {
		.header = { .opcode = DRM_VSVM_OP_COPY },
		.dst = 0x30001,
		.src = 0x40003,
		.size = 7,
	};

	CHECK_EQ(vsvm_batch_fill(batch, 0x10004, 12, 0xa5a5a5a5), 0);
	CHECK_EQ(vsvm_batch_copy(batch, 0x30001, 0x40003, 7), 0);
	CHECK_CMD(batch, 0, fill);
	CHECK_CMD(batch, 32, copy);
	CHECK_EQ(vsvm_batch_size(batch), 64);

	CHECK_EQ(vsvm_batch_fill(batch, 0x10004, 0, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_fill(batch, 0x10002, 4, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_fill(batch, 0x10004, 6, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_copy(batch, 0x30000, 0x40000, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_size(batch), 64);
	CHECK_EQ(vsvm_batch_count(batch), 2);
	vsvm_batch_destroy(batch);
}

static void test_blit2d(void)
{
	struct vsvm_batch *batch = new_batch(0);
	struct drm_vsvm_cmd_blit2d copy = {
		.header = { .opcode = DRM_VSVM_OP_BLIT2D, .flags = 0 },
		.dst = 0x100000,
		.src = 0x200000,
		.dst_pitch = 2560,
		.src_pitch = 320,
		.width = 64,
		.height = 48,
		.cpp = 4,
		.color = 0,
	};
	struct drm_vsvm_cmd_blit2d fill = {
		.header = {
			.opcode = DRM_VSVM_OP_BLIT2D,
			.flags = DRM_VSVM_BLIT2D_FILL,
		},
		.dst = 0x100001,
		.src = 0,
		.dst_pitch = 7,
		.src_pitch = 0,
		.width = 3,
		.height = 5,
		.cpp = 2,
		.color = 0xbeef,
	};

	CHECK_EQ(vsvm_batch_blit2d_copy(batch, 0x100000, 2560, 0x200000, 320,
					64, 48, 4), 0);
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x100001, 7, 3, 5, 2, 0xbeef),
		 0);
	CHECK_CMD(batch, 0, copy);
	CHECK_CMD(batch, 48, fill);
	CHECK_EQ(vsvm_batch_size(batch), 96);

	/* cpp 1, 2 or 4; width and height not 0; pitch >= width * cpp. */
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x1000, 64, 16, 1, 3, 0),
		 -EINVAL);
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x1000, 64, 16, 1, 0, 0),
		 -EINVAL);
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x1000, 64, 0, 1, 4, 0),
		 -EINVAL);
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x1000, 64, 16, 0, 4, 0),
		 -EINVAL);
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x1000, 63, 16, 1, 4, 0),
		 -EINVAL);
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x1000, 64, 16, 1, 4, 0), 0);
	CHECK_EQ(vsvm_batch_blit2d_copy(batch, 0x1000, 64, 0x2000, 63, 16, 1,
					4), -EINVAL);
	CHECK_EQ(vsvm_batch_blit2d_copy(batch, 0x1000, 63, 0x2000, 64, 16, 1,
					4), -EINVAL);
	/* width * cpp must not wrap around 32 bits. */
	CHECK_EQ(vsvm_batch_blit2d_fill(batch, 0x1000, 0, 0x40000000, 1, 4, 0),
		 -EINVAL);
	CHECK_EQ(vsvm_batch_size(batch), 144);
	CHECK_EQ(vsvm_batch_count(batch), 3);
	vsvm_batch_destroy(batch);
}

static void test_atomic(void)
{
	struct vsvm_batch *batch = new_batch(0);
	struct drm_vsvm_cmd_atomic add = {
		.header = { .opcode = DRM_VSVM_OP_ATOMIC, .flags = 0 },
		.op = DRM_VSVM_ATOMIC_ADD,
		.pad = 0,
		.addr = 0x5004,
		.operand = 0xffffffff,
		.compare = 0,
		.return_addr = 0,
	};
	struct drm_vsvm_cmd_atomic cmpxchg = {
		.header = {
			.opcode = DRM_VSVM_OP_ATOMIC,
			.flags = DRM_VSVM_ATOMIC_64BIT | DRM_VSVM_ATOMIC_RETURN,
		},
		.op = DRM_VSVM_ATOMIC_CMPXCHG,
		.addr = 0x6008,
		.operand = 0x1111222233334444ull,
		.compare = 0x5555666677778888ull,
		.return_addr = 0x7010,
	};
	const uint32_t b64 = DRM_VSVM_ATOMIC_64BIT;
	const uint32_t ret = DRM_VSVM_ATOMIC_RETURN;

	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, 0, 0x5004,
				   0xffffffff, 0, 0), 0);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_CMPXCHG, b64 | ret,
				   0x6008, 0x1111222233334444ull,
				   0x5555666677778888ull, 0x7010), 0);
	CHECK_CMD(batch, 0, add);
	CHECK_CMD(batch, 48, cmpxchg);
	CHECK_EQ(vsvm_batch_size(batch), 96);

	/* Every operation is accepted with good operands. */
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_INC, 0, 0x5000, 0,
				   0, 0), 0);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_XCHG, ret, 0x5000,
				   7, 0, 0x5004), 0);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_UMIN, b64, 0x5008,
				   1ull << 40, 0, 0), 0);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_UMAX, 0, 0x5000, 9,
				   0, 0), 0);
	CHECK_EQ(vsvm_batch_count(batch), 6);

	/* Bad operands. */
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_UMAX + 1, 0, 0x5000,
				   0, 0, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, 1u << 2,
				   0x5000, 0, 0, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_INC, 0, 0x5000, 1,
				   0, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, 0, 0x5000, 1,
				   1, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, 0, 0x5000,
				   1ull << 32, 0, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_CMPXCHG, 0, 0x5000,
				   1, 1ull << 32, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, 0, 0x5002, 1,
				   0, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, b64, 0x5004, 1,
				   0, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, 0, 0x5000, 1,
				   0, 0x6000), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, ret, 0x5000, 1,
				   0, 0x6002), -EINVAL);
	CHECK_EQ(vsvm_batch_atomic(batch, DRM_VSVM_ATOMIC_ADD, b64 | ret,
				   0x5000, 1, 0, 0x6004), -EINVAL);
	CHECK_EQ(vsvm_batch_count(batch), 6);
	CHECK_EQ(vsvm_batch_size(batch), 6 * 48);
	vsvm_batch_destroy(batch);
}

/* Failed appends leave the bytes, size and count as they were. */
static void test_unchanged_on_error(void)
{
	struct vsvm_batch *batch = new_batch(0);
	uint8_t before[64];

	CHECK_EQ(vsvm_batch_nop(batch), 0);
	CHECK_EQ(vsvm_batch_fill(batch, 0x1000, 4, 0x12345678), 0);
	memcpy(before, bytes(batch), 40);
	CHECK_EQ(vsvm_batch_fill(batch, 0x1001, 4, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_append(batch, before, 12), -EINVAL);
	CHECK_EQ(vsvm_batch_size(batch), 40);
	CHECK_EQ(vsvm_batch_count(batch), 2);
	CHECK(batch_has(batch, 0, before, 40));
	vsvm_batch_destroy(batch);
}

static void test_append_raw(void)
{
	struct vsvm_batch *batch = new_batch(0);
	/* An opcode the library does not know, with a bad pad: unchecked. */
	struct {
		struct drm_vsvm_cmd_header header;
		uint64_t operand;
	} cmd = { { .opcode = 0x77, .flags = 0x8000 }, 0x0102030405060708 };

	CHECK_EQ(vsvm_batch_append(batch, &cmd, 0), -EINVAL);
	CHECK_EQ(vsvm_batch_append(batch, &cmd, 4), -EINVAL);
	CHECK_EQ(vsvm_batch_append(batch, &cmd, sizeof(cmd)), 0);
	CHECK_EQ(vsvm_batch_append(batch, &cmd, 8), 0);
	CHECK_CMD(batch, 0, cmd);
	CHECK(batch_has(batch, 16, &cmd, 8));
	CHECK_EQ(vsvm_batch_size(batch), 24);
	CHECK_EQ(vsvm_batch_count(batch), 2);
	vsvm_batch_destroy(batch);
}

/* A batch built from a tiny hint grows, and keeps what it held. */
static void test_growth(void)
{
	struct vsvm_batch *batch = new_batch(8);
	struct drm_vsvm_cmd_store want = {
		.header = {
			.opcode = DRM_VSVM_OP_STORE,
			.flags = DRM_VSVM_STORE_64BIT,
		},
	};
	unsigned int i, n = 5000;
	bool all_aligned = true;

	for (i = 0; i < n; i++) {
		CHECK_EQ(vsvm_batch_store64(batch, 0x100000 + 8 * i, i), 0);
		all_aligned &= aligned8(batch);
	}
	CHECK(all_aligned);
	CHECK_EQ(vsvm_batch_count(batch), n);
	CHECK_EQ(vsvm_batch_size(batch), n * sizeof(want));
	for (i = 0; i < n; i++) {
		want.addr = 0x100000 + 8 * i;
		want.value = i;
		if (!batch_has(batch, i * sizeof(want), &want, sizeof(want))) {
			CHECK(!"store survived growth");
			break;
		}
	}
	vsvm_batch_destroy(batch);
}

/* The builder stops at DRM_VSVM_BATCH_MAX_SIZE; reset empties it. */
static void test_max_size_and_reset(void)
{
	struct vsvm_batch *batch = new_batch((size_t)-1);
	struct drm_vsvm_cmd_nop nop = {
		.header = { .opcode = DRM_VSVM_OP_NOP },
	};
	struct drm_vsvm_cmd_fill fill = {
		.header = { .opcode = DRM_VSVM_OP_FILL },
		.addr = 0x8000,
		.size = 8,
		.pattern = 1,
	};
	unsigned int i, n = DRM_VSVM_BATCH_MAX_SIZE / 8;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = vsvm_batch_nop(batch);
	CHECK_EQ(ret, 0);
	CHECK_EQ(vsvm_batch_size(batch), DRM_VSVM_BATCH_MAX_SIZE);
	CHECK_EQ(vsvm_batch_count(batch), n);
	CHECK_EQ(vsvm_batch_nop(batch), -E2BIG);
	CHECK_EQ(vsvm_batch_size(batch), DRM_VSVM_BATCH_MAX_SIZE);
	CHECK_CMD(batch, DRM_VSVM_BATCH_MAX_SIZE - 8, nop);

	vsvm_batch_reset(batch);
	CHECK_EQ(vsvm_batch_size(batch), 0);
	CHECK_EQ(vsvm_batch_count(batch), 0);
	CHECK_EQ(vsvm_batch_fill(batch, 0x8000, 8, 1), 0);
	CHECK_CMD(batch, 0, fill);
	CHECK_EQ(vsvm_batch_size(batch), 32);
	CHECK(aligned8(batch));

	/* Filling up to 8 bytes short of the limit: a 32-byte fill fails. */
	vsvm_batch_reset(batch);
	for (i = 0, ret = 0; i < n - 1 && !ret; i++)
		ret = vsvm_batch_nop(batch);
	CHECK_EQ(ret, 0);
	CHECK_EQ(vsvm_batch_fill(batch, 0x8000, 8, 1), -E2BIG);
	CHECK_EQ(vsvm_batch_nop(batch), 0);
	vsvm_batch_destroy(batch);
}

static void test_helpers(void)
{
	int64_t a, b;
	uint64_t word;

	CHECK_EQ(vsvm_ptr(&word), (uintptr_t)&word);
	CHECK_EQ(vsvm_ptr(NULL), 0);
	CHECK_EQ(vsvm_deadline_ns(VSVM_DEADLINE_NEVER), VSVM_DEADLINE_NEVER);
	a = vsvm_deadline_ns(0);
	b = vsvm_deadline_ns(1000000000);
	CHECK(a > 0);
	CHECK(b - a >= 1000000000);
	CHECK(b - a < 1000000000 + 5000000000ll);
	CHECK(vsvm_deadline_ns(-1000) < vsvm_deadline_ns(0));
}

static const struct tap_test tests[] = {
	{ "empty batch", test_empty },
	{ "encoding, byte by byte", test_raw_bytes },
	{ "store32 and store64", test_store },
	{ "fill and copy", test_fill_copy },
	{ "blit2d copy and fill", test_blit2d },
	{ "atomic", test_atomic },
	{ "a failed append changes nothing", test_unchanged_on_error },
	{ "raw append", test_append_raw },
	{ "growth keeps the contents", test_growth },
	{ "size limit and reset", test_max_size_and_reset },
	{ "vsvm_ptr and vsvm_deadline_ns", test_helpers },
};

int main(void)
{
	return tap_run("batch-test", tests,
		       sizeof(tests) / sizeof(tests[0]));
}
