// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>

#include "../vsvm_pt.h"

/* An address well inside the user range, 2 MiB aligned */
#define PT_TEST_BASE	0x7f0000000000ull
/*
 * Device addresses, given as 4 KiB page numbers, are only stored and
 * compared, never dereferenced.
 */
#define PT_TEST_PFN	0x12345ul

struct vsvm_pt_test {
	struct rw_semaphore lock;
	struct vsvm_pt pt;
};

static int vsvm_pt_test_init(struct kunit *test)
{
	struct vsvm_pt_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	init_rwsem(&t->lock);
	vsvm_pt_init(&t->pt, &t->lock);
	test->priv = t;
	return 0;
}

static void vsvm_pt_test_exit(struct kunit *test)
{
	struct vsvm_pt_test *t = test->priv;

	vsvm_pt_fini(&t->pt);
}

static bool pt_translate(struct vsvm_pt_test *t, u64 addr,
			 struct vsvm_pt_xlate *x)
{
	bool ret;

	down_read(&t->lock);
	ret = vsvm_pt_translate(&t->pt, addr, x);
	up_read(&t->lock);
	return ret;
}

static void pt_map(struct vsvm_pt_test *t, u64 addr, enum vsvm_pte_size size,
		   unsigned long pfn, bool writable)
{
	down_write(&t->lock);
	vsvm_pt_map(&t->pt, addr, size, (u64)pfn << PAGE_SHIFT,
		    writable ? VSVM_PTE_WRITE | VSVM_PTE_ATOMIC : 0);
	up_write(&t->lock);
}

static unsigned long pt_zap(struct vsvm_pt_test *t, u64 start, u64 end)
{
	unsigned long n;

	down_write(&t->lock);
	n = vsvm_pt_zap(&t->pt, start, end);
	up_write(&t->lock);
	return n;
}

static void vsvm_pt_test_empty(struct kunit *test)
{
	struct vsvm_pt_test *t = test->priv;
	struct vsvm_pt_xlate x;

	KUNIT_EXPECT_FALSE(test, pt_translate(t, PT_TEST_BASE, &x));
	KUNIT_ASSERT_EQ(test, vsvm_pt_prepare(&t->pt, PT_TEST_BASE,
					      PT_TEST_BASE + SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, t->pt.num_tables, 1);
	KUNIT_EXPECT_FALSE(test, pt_translate(t, PT_TEST_BASE, &x));
}

static void vsvm_pt_test_4k(struct kunit *test)
{
	struct vsvm_pt_test *t = test->priv;
	u64 addr = PT_TEST_BASE + 5 * SZ_4K;
	struct vsvm_pt_xlate x;

	KUNIT_ASSERT_EQ(test, vsvm_pt_prepare(&t->pt, addr, addr + SZ_4K), 0);
	pt_map(t, addr, VSVM_PTE_SIZE_4K, PT_TEST_PFN, true);

	KUNIT_ASSERT_TRUE(test, pt_translate(t, addr + 123, &x));
	KUNIT_EXPECT_EQ(test, x.daddr >> PAGE_SHIFT, PT_TEST_PFN);
	KUNIT_EXPECT_TRUE(test, x.writable);
	KUNIT_EXPECT_FALSE(test, x.devmem);
	KUNIT_EXPECT_EQ(test, x.size, VSVM_PTE_SIZE_4K);
	/* The neighbours stay unmapped. */
	KUNIT_EXPECT_FALSE(test, pt_translate(t, addr - SZ_4K, &x));
	KUNIT_EXPECT_FALSE(test, pt_translate(t, addr + SZ_4K, &x));
}

static void vsvm_pt_test_64k(struct kunit *test)
{
	struct vsvm_pt_test *t = test->priv;
	u64 addr = PT_TEST_BASE + SZ_64K;
	struct vsvm_pt_xlate x;
	int i;

	KUNIT_ASSERT_EQ(test, vsvm_pt_prepare(&t->pt, addr, addr + SZ_64K), 0);
	pt_map(t, addr, VSVM_PTE_SIZE_64K, 0x1000, false);

	for (i = 0; i < 16; i++) {
		KUNIT_ASSERT_TRUE(test, pt_translate(t, addr + i * SZ_4K, &x));
		KUNIT_EXPECT_EQ(test, x.daddr >> PAGE_SHIFT, 0x1000 + i);
		KUNIT_EXPECT_FALSE(test, x.writable);
		KUNIT_EXPECT_EQ(test, x.size, VSVM_PTE_SIZE_64K);
	}
	KUNIT_EXPECT_FALSE(test, pt_translate(t, addr + SZ_64K, &x));
}

static void vsvm_pt_test_2m(struct kunit *test)
{
	struct vsvm_pt_test *t = test->priv;
	u64 addr = PT_TEST_BASE + SZ_2M;
	struct vsvm_pt_xlate x;

	KUNIT_ASSERT_EQ(test, vsvm_pt_prepare(&t->pt, addr, addr + SZ_2M), 0);
	pt_map(t, addr, VSVM_PTE_SIZE_2M, 0x200000, true);

	KUNIT_ASSERT_TRUE(test, pt_translate(t, addr, &x));
	KUNIT_EXPECT_EQ(test, x.daddr >> PAGE_SHIFT, 0x200000);
	KUNIT_EXPECT_EQ(test, x.size, VSVM_PTE_SIZE_2M);
	/* Every 4 KiB page inside resolves through the one entry. */
	KUNIT_ASSERT_TRUE(test, pt_translate(t, addr + SZ_2M - 1, &x));
	KUNIT_EXPECT_EQ(test, x.daddr >> PAGE_SHIFT, 0x200000 + 511);
	KUNIT_ASSERT_TRUE(test, pt_translate(t, addr + 300 * SZ_4K + 7, &x));
	KUNIT_EXPECT_EQ(test, x.daddr >> PAGE_SHIFT, 0x200000 + 300);
	KUNIT_EXPECT_FALSE(test, pt_translate(t, addr + SZ_2M, &x));
	KUNIT_EXPECT_FALSE(test, pt_translate(t, addr - 1, &x));
}

static void vsvm_pt_test_zap(struct kunit *test)
{
	struct vsvm_pt_test *t = test->priv;
	u64 base = PT_TEST_BASE;
	struct vsvm_pt_xlate x;
	int i;

	KUNIT_ASSERT_EQ(test, vsvm_pt_prepare(&t->pt, base, base + SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, t->pt.num_tables, 2);
	for (i = 0; i < 32; i++)
		pt_map(t, base + i * SZ_4K, VSVM_PTE_SIZE_4K, 100 + i, true);
	pt_map(t, base + SZ_2M, VSVM_PTE_SIZE_2M, 0x400000, true);

	/* Zapping the middle leaves both sides. */
	KUNIT_EXPECT_EQ(test, pt_zap(t, base + 8 * SZ_4K, base + 16 * SZ_4K), 8);
	KUNIT_EXPECT_TRUE(test, pt_translate(t, base + 7 * SZ_4K, &x));
	KUNIT_EXPECT_FALSE(test, pt_translate(t, base + 8 * SZ_4K, &x));
	KUNIT_EXPECT_FALSE(test, pt_translate(t, base + 15 * SZ_4K, &x));
	KUNIT_EXPECT_TRUE(test, pt_translate(t, base + 16 * SZ_4K, &x));
	KUNIT_EXPECT_EQ(test, x.daddr >> PAGE_SHIFT, 116);

	/* A 2 MiB entry is one entry, gone at once. */
	KUNIT_EXPECT_EQ(test, pt_zap(t, base + SZ_2M, base + SZ_4M), 1);
	KUNIT_EXPECT_FALSE(test, pt_translate(t, base + SZ_2M + SZ_1M, &x));

	/* Zapping again finds nothing live. */
	KUNIT_EXPECT_EQ(test, pt_zap(t, base + SZ_2M, base + SZ_4M), 0);

	/* Release frees the empty table only. */
	down_write(&t->lock);
	vsvm_pt_release(&t->pt, base, base + SZ_4M);
	up_write(&t->lock);
	KUNIT_EXPECT_EQ(test, t->pt.num_tables, 1);
	KUNIT_EXPECT_TRUE(test, pt_translate(t, base, &x));
}

static void vsvm_pt_test_tlb_gen(struct kunit *test)
{
	struct vsvm_pt_test *t = test->priv;
	u64 gen = t->pt.tlb_gen;

	down_write(&t->lock);
	vsvm_pt_tlb_invalidate(&t->pt);
	up_write(&t->lock);
	KUNIT_EXPECT_EQ(test, t->pt.tlb_gen, gen + 1);
}

static struct kunit_case vsvm_pt_test_cases[] = {
	KUNIT_CASE(vsvm_pt_test_empty),
	KUNIT_CASE(vsvm_pt_test_4k),
	KUNIT_CASE(vsvm_pt_test_64k),
	KUNIT_CASE(vsvm_pt_test_2m),
	KUNIT_CASE(vsvm_pt_test_zap),
	KUNIT_CASE(vsvm_pt_test_tlb_gen),
	{}
};

static struct kunit_suite vsvm_pt_test_suite = {
	.name = "vsvm_pt",
	.init = vsvm_pt_test_init,
	.exit = vsvm_pt_test_exit,
	.test_cases = vsvm_pt_test_cases,
};

kunit_test_suite(vsvm_pt_test_suite);
