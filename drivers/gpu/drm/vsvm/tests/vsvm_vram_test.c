// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/sizes.h>

#include "../vsvm_vram.h"

/*
 * These tests run the VRAM allocator and its LRU without a device: the
 * VRAM has no struct pages, so nothing is ever migrated, and eviction
 * frees nothing.
 */

static int vsvm_vram_test_init(struct kunit *test)
{
	struct vsvm_vram *vram = kunit_kzalloc(test, sizeof(*vram), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vram);
	KUNIT_ASSERT_EQ(test, vsvm_vram_mm_init(vram, SZ_4M), 0);
	test->priv = vram;
	return 0;
}

static void vsvm_vram_test_exit(struct kunit *test)
{
	vsvm_vram_mm_fini(test->priv);
}

static unsigned int alloc_blocks(struct vsvm_vram_alloc *alloc,
				 u64 *smallest, u64 *largest)
{
	struct gpu_buddy_block *block;
	unsigned int n = 0;

	*smallest = U64_MAX;
	*largest = 0;
	list_for_each_entry(block, &alloc->blocks, link) {
		u64 size = gpu_buddy_block_size(&alloc->vram->mm, block);

		*smallest = min(*smallest, size);
		*largest = max(*largest, size);
		n++;
	}
	return n;
}

static struct vsvm_vram_alloc *test_alloc(struct kunit *test, u64 size)
{
	struct vsvm_vram_alloc *alloc = vsvm_vram_alloc(test->priv, size, NULL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(alloc));
	return alloc;
}

/* 2 MiB comes as one 2 MiB block, 4 KiB as one 4 KiB block */
static void vsvm_vram_test_block_sizes(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	struct vsvm_vram_alloc *big, *small;
	struct gpu_buddy_block *block;
	u64 lo, hi;

	big = test_alloc(test, SZ_2M);
	KUNIT_EXPECT_EQ(test, alloc_blocks(big, &lo, &hi), 1);
	KUNIT_EXPECT_EQ(test, hi, SZ_2M);
	block = list_first_entry(&big->blocks, struct gpu_buddy_block, link);
	KUNIT_EXPECT_EQ(test, gpu_buddy_block_offset(block) % SZ_2M, 0);

	small = test_alloc(test, SZ_4K);
	KUNIT_EXPECT_EQ(test, alloc_blocks(small, &lo, &hi), 1);
	KUNIT_EXPECT_EQ(test, hi, SZ_4K);

	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->used), SZ_2M + SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic_read(&vram->allocations), 2);
	vsvm_vram_alloc_put(big);
	vsvm_vram_alloc_put(small);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->used), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vram->allocations), 0);
}

/* Full VRAM that nothing can be evicted from gives -ENOSPC, no leak */
static void vsvm_vram_test_full(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	struct vsvm_vram_alloc *all, *more;

	all = test_alloc(test, SZ_4M);
	more = vsvm_vram_alloc(vram, SZ_4K, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(more), -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->used), SZ_4M);
	vsvm_vram_alloc_put(all);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->used), 0);
}

/* Fault injection fails exactly the asked number of allocations */
static void vsvm_vram_test_fail_alloc(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	struct vsvm_vram_alloc *alloc;

	atomic_set(&vram->fail_alloc, 2);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vsvm_vram_alloc(vram, SZ_4K, NULL)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vsvm_vram_alloc(vram, SZ_4K, NULL)),
			-ENOSPC);
	alloc = test_alloc(test, SZ_4K);
	vsvm_vram_alloc_put(alloc);
	vsvm_vram_flush(vram);
}

/*
 * With every other 4 KiB page taken, 2 MiB is still found, as 4 KiB
 * blocks: migration does not wait for contiguous VRAM.
 */
static void vsvm_vram_test_fragmented(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	struct vsvm_vram_alloc **pages, *big;
	unsigned int i, n = SZ_4M / SZ_4K;
	u64 lo, hi;

	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < n; i++)
		pages[i] = test_alloc(test, SZ_4K);
	for (i = 0; i < n; i += 2)
		vsvm_vram_alloc_put(pages[i]);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->used), SZ_2M);

	big = test_alloc(test, SZ_2M);
	KUNIT_EXPECT_EQ(test, alloc_blocks(big, &lo, &hi), SZ_2M / SZ_4K);
	KUNIT_EXPECT_EQ(test, hi, SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->used), SZ_4M);

	/* Once the holes are back, 2 MiB is one block again. */
	vsvm_vram_alloc_put(big);
	for (i = 1; i < n; i += 2)
		vsvm_vram_alloc_put(pages[i]);
	vsvm_vram_flush(vram);
	big = test_alloc(test, SZ_2M);
	KUNIT_EXPECT_EQ(test, alloc_blocks(big, &lo, &hi), 1);
	vsvm_vram_alloc_put(big);
	vsvm_vram_flush(vram);
}

/* Eviction takes the least recently used first; using moves to the end */
static void vsvm_vram_test_lru_order(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	struct vsvm_vram_alloc *a, *b, *c, *victim;
	struct vsvm_vram_alloc *expect[3];
	int i;

	a = test_alloc(test, SZ_4K);
	b = test_alloc(test, SZ_4K);
	c = test_alloc(test, SZ_4K);
	vsvm_vram_touch(a);
	expect[0] = b;
	expect[1] = c;
	expect[2] = a;
	for (i = 0; i < 3; i++) {
		victim = vsvm_vram_lru_pick(vram);
		KUNIT_EXPECT_PTR_EQ(test, victim, expect[i]);
		if (victim)
			vsvm_vram_alloc_put(victim);
	}
	KUNIT_EXPECT_NULL(test, vsvm_vram_lru_pick(vram));

	/* Picked allocations are off the LRU: touching does not return them. */
	vsvm_vram_touch(b);
	KUNIT_EXPECT_NULL(test, vsvm_vram_lru_pick(vram));

	vsvm_vram_alloc_put(a);
	vsvm_vram_alloc_put(b);
	vsvm_vram_alloc_put(c);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, atomic_read(&vram->allocations), 0);
}

/* Write a word naming each page of @alloc into it, or check that word */
static void backing_words(struct kunit *test, struct vsvm_vram_alloc *alloc,
			  bool check)
{
	struct vsvm_vram *vram = alloc->vram;
	struct gpu_buddy_block *block;
	unsigned long pfn, first, n;

	list_for_each_entry(block, &alloc->blocks, link) {
		first = vram->pfn_first +
			(gpu_buddy_block_offset(block) >> PAGE_SHIFT);
		n = gpu_buddy_block_size(&vram->mm, block) >> PAGE_SHIFT;
		for (pfn = first; pfn < first + n; pfn++) {
			unsigned long *word = vsvm_vram_pfn_vaddr(vram, pfn);

			if (check)
				KUNIT_EXPECT_EQ(test, *word, pfn);
			else
				*word = pfn;
		}
	}
}

/* The backing store is there for allocated chunks only, and distinct */
static void vsvm_vram_test_backing_follows_use(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	struct vsvm_vram_alloc *a, *b;

	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), 0);
	a = test_alloc(test, SZ_2M);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), SZ_2M);
	b = test_alloc(test, SZ_2M);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), SZ_4M);
	backing_words(test, a, false);
	backing_words(test, b, false);
	backing_words(test, a, true);
	backing_words(test, b, true);

	vsvm_vram_alloc_put(a);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), SZ_2M);
	backing_words(test, b, true);
	vsvm_vram_alloc_put(b);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), 0);
}

/* Small allocations share their chunk's backing store */
static void vsvm_vram_test_backing_per_chunk(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	struct vsvm_vram_alloc *pages[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pages); i++)
		pages[i] = test_alloc(test, SZ_4K);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), SZ_2M);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		backing_words(test, pages[i], false);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		backing_words(test, pages[i], true);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		vsvm_vram_alloc_put(pages[i]);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), 0);
}

/* Pages of @vram whose reverse map gives @owner (NULL: free pages) */
static unsigned int count_owned(struct vsvm_vram *vram,
				struct vsvm_vram_alloc *owner)
{
	unsigned int n = 0;
	u64 offset;

	for (offset = 0; offset < vram->size; offset += PAGE_SIZE)
		n += vsvm_vram_offset_alloc(vram, offset) == owner;
	return n;
}

/*
 * The reverse map gives every page of an allocation, in all its blocks and
 * chunks, and no other page; it forgets an allocation given back.
 */
static void vsvm_vram_test_owners(struct kunit *test)
{
	struct vsvm_vram *vram = test->priv;
	unsigned int total = vram->size >> PAGE_SHIFT;
	struct vsvm_vram_alloc *small, *big;
	u64 lo, hi;

	small = test_alloc(test, SZ_4K);
	big = test_alloc(test, SZ_2M + SZ_4K);
	KUNIT_EXPECT_EQ(test, alloc_blocks(big, &lo, &hi), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vram->backing_bytes), SZ_4M);
	KUNIT_EXPECT_EQ(test, count_owned(vram, small), 1);
	KUNIT_EXPECT_EQ(test, count_owned(vram, big), 513);
	KUNIT_EXPECT_EQ(test, count_owned(vram, NULL), total - 514);

	vsvm_vram_alloc_put(small);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, count_owned(vram, big), 513);
	KUNIT_EXPECT_EQ(test, count_owned(vram, NULL), total - 513);

	vsvm_vram_alloc_put(big);
	vsvm_vram_flush(vram);
	KUNIT_EXPECT_EQ(test, count_owned(vram, NULL), total);
}

static struct kunit_case vsvm_vram_test_cases[] = {
	KUNIT_CASE(vsvm_vram_test_backing_follows_use),
	KUNIT_CASE(vsvm_vram_test_backing_per_chunk),
	KUNIT_CASE(vsvm_vram_test_block_sizes),
	KUNIT_CASE(vsvm_vram_test_full),
	KUNIT_CASE(vsvm_vram_test_fail_alloc),
	KUNIT_CASE(vsvm_vram_test_fragmented),
	KUNIT_CASE(vsvm_vram_test_lru_order),
	KUNIT_CASE(vsvm_vram_test_owners),
	{}
};

static struct kunit_suite vsvm_vram_test_suite = {
	.name = "vsvm_vram",
	.init = vsvm_vram_test_init,
	.exit = vsvm_vram_test_exit,
	.test_cases = vsvm_vram_test_cases,
};

kunit_test_suite(vsvm_vram_test_suite);
