// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/sizes.h>

#include "../vsvm_gpusvm.h"

static const unsigned long chunks[] = { SZ_2M, SZ_64K, SZ_4K };

#define BASE	0x7f0000000000ul

static unsigned long chunk(unsigned long addr, unsigned long lo,
			   unsigned long hi)
{
	return vsvm_gpusvm_chunk_size(chunks, ARRAY_SIZE(chunks), addr, lo, hi);
}

static void vsvm_gpusvm_test_chunk_whole_vma(struct kunit *test)
{
	/* A 2 MiB aligned block inside the window gets the largest size. */
	KUNIT_EXPECT_EQ(test, chunk(BASE + 12345, BASE, BASE + SZ_4M), SZ_2M);
	KUNIT_EXPECT_EQ(test, chunk(BASE + SZ_2M, BASE, BASE + SZ_4M), SZ_2M);
	KUNIT_EXPECT_EQ(test, chunk(BASE + SZ_4M - 1, BASE, BASE + SZ_4M),
			SZ_2M);
}

static void vsvm_gpusvm_test_chunk_small_vma(struct kunit *test)
{
	/* A VMA of 1 MiB can only hold 64 KiB blocks. */
	KUNIT_EXPECT_EQ(test, chunk(BASE + SZ_64K + 5, BASE, BASE + SZ_1M),
			SZ_64K);
	/* A VMA starting off 64 KiB alignment: 4 KiB at its unaligned head. */
	KUNIT_EXPECT_EQ(test, chunk(BASE + SZ_4K, BASE + SZ_4K, BASE + SZ_1M),
			SZ_4K);
	KUNIT_EXPECT_EQ(test, chunk(BASE + SZ_64K, BASE + SZ_4K, BASE + SZ_1M),
			SZ_64K);
	/* A single page VMA. */
	KUNIT_EXPECT_EQ(test, chunk(BASE + SZ_4K, BASE + SZ_4K,
				    BASE + 2 * SZ_4K), SZ_4K);
}

static void vsvm_gpusvm_test_chunk_neighbours(struct kunit *test)
{
	/*
	 * A range ending at BASE + 72K below the fault and one starting at
	 * BASE + 256K above it shrink the window: the 2 MiB block does not
	 * fit, the 64 KiB block [128K, 192K) does.
	 */
	KUNIT_EXPECT_EQ(test, chunk(BASE + 130 * SZ_1K, BASE + 72 * SZ_1K,
				    BASE + 256 * SZ_1K), SZ_64K);
	/* The 64 KiB block [64K, 128K) would overlap the range below. */
	KUNIT_EXPECT_EQ(test, chunk(BASE + 100 * SZ_1K, BASE + 72 * SZ_1K,
				    BASE + 256 * SZ_1K), SZ_4K);
	/* Nothing fits in an empty window. */
	KUNIT_EXPECT_EQ(test, chunk(BASE, BASE + SZ_4K, BASE + SZ_4K), 0);
}

/* Records the chunks vsvm_gpusvm_split() produces */
struct split_record {
	int n;
	unsigned long start[64];
	unsigned long size[64];
};

static int split_collect(void *arg, unsigned long start, unsigned long end)
{
	struct split_record *r = arg;

	if (r->n == ARRAY_SIZE(r->start))
		return -ENOSPC;
	r->start[r->n] = start;
	r->size[r->n++] = end - start;
	return 0;
}

static void split(struct kunit *test, struct split_record *r,
		  unsigned long start, unsigned long end)
{
	memset(r, 0, sizeof(*r));
	KUNIT_ASSERT_EQ(test, vsvm_gpusvm_split(chunks, ARRAY_SIZE(chunks),
						start, end, split_collect, r),
			0);
}

static void vsvm_gpusvm_test_split_aligned(struct kunit *test)
{
	struct split_record r;

	split(test, &r, BASE, BASE + SZ_4M);
	KUNIT_ASSERT_EQ(test, r.n, 2);
	KUNIT_EXPECT_EQ(test, r.start[0], BASE);
	KUNIT_EXPECT_EQ(test, r.size[0], SZ_2M);
	KUNIT_EXPECT_EQ(test, r.start[1], BASE + SZ_2M);
	KUNIT_EXPECT_EQ(test, r.size[1], SZ_2M);
}

static void vsvm_gpusvm_test_split_around_hole(struct kunit *test)
{
	struct split_record r;
	unsigned long total = 0;
	int i;

	/*
	 * A 2 MiB range with its page at 12K unmapped: the part below is
	 * three 4 KiB ranges, the part above 12 x 4 KiB up to 64K and then
	 * 31 x 64 KiB.
	 */
	split(test, &r, BASE, BASE + 3 * SZ_4K);
	KUNIT_ASSERT_EQ(test, r.n, 3);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, r.size[i], SZ_4K);

	split(test, &r, BASE + 4 * SZ_4K, BASE + SZ_2M);
	KUNIT_ASSERT_EQ(test, r.n, 12 + 31);
	for (i = 0; i < r.n; i++) {
		KUNIT_EXPECT_EQ(test, r.size[i], i < 12 ? SZ_4K : SZ_64K);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(r.start[i], r.size[i]));
		if (i)
			KUNIT_EXPECT_EQ(test, r.start[i],
					r.start[i - 1] + r.size[i - 1]);
		total += r.size[i];
	}
	KUNIT_EXPECT_EQ(test, total, SZ_2M - 4 * SZ_4K);
}

static void vsvm_gpusvm_test_split_stops(struct kunit *test)
{
	struct split_record r = { .n = ARRAY_SIZE(r.start) };

	/* The callback's error stops the split and is returned. */
	KUNIT_EXPECT_EQ(test, vsvm_gpusvm_split(chunks, ARRAY_SIZE(chunks),
						BASE, BASE + SZ_4K,
						split_collect, &r), -ENOSPC);
}

static struct kunit_case vsvm_gpusvm_test_cases[] = {
	KUNIT_CASE(vsvm_gpusvm_test_chunk_whole_vma),
	KUNIT_CASE(vsvm_gpusvm_test_chunk_small_vma),
	KUNIT_CASE(vsvm_gpusvm_test_chunk_neighbours),
	KUNIT_CASE(vsvm_gpusvm_test_split_aligned),
	KUNIT_CASE(vsvm_gpusvm_test_split_around_hole),
	KUNIT_CASE(vsvm_gpusvm_test_split_stops),
	{}
};

static struct kunit_suite vsvm_gpusvm_test_suite = {
	.name = "vsvm_gpusvm",
	.test_cases = vsvm_gpusvm_test_cases,
};

kunit_test_suite(vsvm_gpusvm_test_suite);
