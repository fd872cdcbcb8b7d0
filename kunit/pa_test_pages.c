// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_pages: where memory comes from and goes back to: the large
 * path, arenas and their return, the high-order fallback, and named pools.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/spinlock.h>
#include <linux/sched.h>
#include <linux/rcupdate.h>
#include <linux/shrinker.h>
#include <linux/err.h>
#include "pa_test.h"

#define ARENA_PAGES	BIT(PA_ARENA_ORDER)
#define RUN_PAGES	BIT(PA_RUN_ORDER)

/* ---- Large requests ---------------------------------------------------- */

static void test_large_uses_vmalloc_when_caller_may_sleep(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "vlarge");
	size_t size = PA_TEST_CONTIG_MAX + 1;
	struct pa_stats st;
	void *p;

	p = pa_pool_alloc(pool, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), PAGE_ALIGN(size));
	/* All of the usable size is mapped; past the request, KASAN's redzone. */
	memset(p, 0x5a, size);
	pa_test_fill(p, 0x5a, PAGE_ALIGN(size));
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.large_live, 1ULL);
	KUNIT_EXPECT_EQ(test, st.large_bytes, (u64)PAGE_ALIGN(size));
	KUNIT_EXPECT_EQ(test, st.pages_held, (u64)(PAGE_ALIGN(size) >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, st.arenas_current, 0ULL);
	pa_free(p);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, st.pages_held, 0ULL);
}

/* An allocation, or a free, under a spinlock with interrupts off. */
static DEFINE_SPINLOCK(medium_lock);

static void *medium_alloc_atomic(struct pa_pool *pool, size_t size)
{
	unsigned long flags;
	void *p;

	spin_lock_irqsave(&medium_lock, flags);
	p = pa_pool_alloc(pool, size, GFP_ATOMIC);
	spin_unlock_irqrestore(&medium_lock, flags);
	return p;
}

static void medium_free_atomic(void *p)
{
	unsigned long flags;

	spin_lock_irqsave(&medium_lock, flags);
	pa_free(p);
	spin_unlock_irqrestore(&medium_lock, flags);
}

/*
 * Up to 32 KiB, a large request gets physically contiguous pages, whether
 * the caller may sleep or holds a spinlock with interrupts off: pages in
 * the direct map, one after the other, naturally aligned, all of them
 * usable and counted.
 */
static void test_medium_gets_contiguous_pages(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "medium");
	const size_t sizes[] = { pa_small_max + 1, 3 * PAGE_SIZE, 4 * PAGE_SIZE,
				 20000, PA_TEST_CONTIG_MAX };
	unsigned int i, k, atomic;
	char *p;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (atomic = 0; atomic < 2; atomic++) {
			size_t usable = pa_test_large_usable(sizes[i]);
			unsigned long pfn;
			struct pa_stats st;

			p = atomic ? medium_alloc_atomic(pool, sizes[i]) :
				     pa_pool_alloc(pool, sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(p));
			KUNIT_ASSERT_TRUE(test, virt_addr_valid(p));
			KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p,
							   usable));
			pfn = page_to_pfn(virt_to_page(p));
			for (k = 1; k < usable / PAGE_SIZE; k++)
				KUNIT_EXPECT_EQ(test, page_to_pfn(virt_to_page(p + k * PAGE_SIZE)),
						pfn + k);
			KUNIT_EXPECT_EQ(test, pa_usable_size(p), usable);
			memset(p, 0x5c, sizes[i]);
			st = pa_test_stats(pool);
			KUNIT_EXPECT_EQ(test, st.large_live, 1ULL);
			KUNIT_EXPECT_EQ(test, st.large_bytes, (u64)usable);
			KUNIT_EXPECT_EQ(test, st.pages_held,
					(u64)(usable >> PAGE_SHIFT));
			if (atomic)
				medium_free_atomic(p);
			else
				pa_free(p);
			KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held,
					0ULL);
		}
	}
}

/*
 * Fragmentation: when the page allocator has no page of the order a request
 * up to 32 KiB needs (fail_page_alloc fails every order from 1 for this
 * task), a caller that may sleep gets vmalloc memory of the same usable
 * size, without a warning, and an atomic caller NULL, counted.
 */
static void test_medium_falls_back_to_vmalloc(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "medium-frag");
	size_t size = 3 * PAGE_SIZE;
	struct pa_stats st;
	char *p, *q;

	/* A stashed page would answer: the page allocator must be asked. */
	pa_large_stash_drain(-1);
	pa_test_fail_pages(test, 1);
	current->make_it_fail = 1;
	p = pa_pool_alloc(pool, size, GFP_KERNEL);
	q = pa_pool_alloc(pool, size, GFP_ATOMIC);
	current->make_it_fail = 0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), pa_test_large_usable(size));
	memset(p, 0x5d, size);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.large_live, 1ULL);
	KUNIT_EXPECT_EQ(test, st.large_bytes, (u64)pa_test_large_usable(size));
	KUNIT_EXPECT_EQ(test, st.failures, 1ULL);
	pa_free(p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held, 0ULL);
}

/*
 * A freed block of up to 32 KiB leaves its pages in this CPU's stash,
 * counted in no pool and refused as a pointer; the next request of that
 * order on this CPU takes them back, zeroed when asked, even under a
 * spinlock; a caller that asks for memory cgroup accounting never does.
 * The shrinker gives stashed pages back, and counts them first.
 */
static void test_medium_stash_reuses_the_last_freed_pages(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "stash");
	size_t size = 3 * PAGE_SIZE, usable = pa_test_large_usable(size);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	char *p, *q, *r;

	p = pa_test_stash_block(test, pool, size);
	memset(p, 0xa5, size);
	pa_free(p);
	KUNIT_EXPECT_EQ(test, pa_large_stash_pages(), usable / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held, 0ULL);
	KUNIT_EXPECT_FALSE(test, pa_owns(p));

	q = pa_pool_alloc(pool, size, GFP_KERNEL_ACCOUNT);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	r = medium_alloc_atomic(pool, size);
	KUNIT_EXPECT_PTR_EQ(test, r, p);
	pa_free(r);
	r = pa_pool_alloc(pool, usable, GFP_KERNEL | __GFP_ZERO);
	KUNIT_EXPECT_PTR_EQ(test, r, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(r, 0, usable));
	KUNIT_EXPECT_EQ(test, pa_large_stash_pages(), 0UL);

	pa_free(r);
	pa_free(q);
	KUNIT_EXPECT_EQ(test, pa_large_stash_pages(), usable / PAGE_SIZE);
	KUNIT_EXPECT_GE(test, pa_reclaim_count(NULL, &sc), usable / PAGE_SIZE);
	sc.nr_to_scan = 1;
	KUNIT_EXPECT_GE(test, pa_reclaim_scan(NULL, &sc), usable / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pa_large_stash_pages(), 0UL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).invalid_frees, 0ULL);
}

/*
 * A block whose page someone else still holds (get_page()) is not stashed:
 * freeing it drops only pool_alloc's reference, as kfree() would, and the
 * page lives until the last put_page().
 */
static void test_medium_stash_skips_a_page_someone_holds(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "stash-held");
	size_t size = 3 * PAGE_SIZE;
	struct page *page;
	char *p, *q;

	p = pa_test_stash_block(test, pool, size);
	page = virt_to_page(p);
	get_page(page);
	memset(p, 0x6b, size);
	pa_free(p);
	KUNIT_EXPECT_EQ(test, pa_large_stash_pages(), 0UL);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	q = pa_pool_alloc(pool, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	/* The holder's data is intact. */
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(page), 0x6b, size));
	put_page(page);
	pa_free(q);
	pa_large_stash_drain(-1);
}

/*
 * One whole reaper pass on @cpu: a pass that finds the list of pools held
 * (another CPU's reaper) does nothing and asks for a retry.
 */
static void reap_pass(struct kunit *test, unsigned int cpu)
{
	unsigned int tries = 0;

	while (pa_reclaim_reap_now(cpu, false) != PA_REAP_INTERVAL)
		KUNIT_ASSERT_LT(test, ++tries, 100U);
}

/*
 * The reaper of a CPU gives back a stashed block that no allocation or
 * free of its order used since its previous pass: at its second pass.
 * The reaper's own timer may also fire between a free and the pass asked
 * for here, and then that pass is the second: up to three tries to see the
 * block survive a pass right after its free (the native test, with no
 * timer, checks it every time).
 */
static void test_medium_stash_is_reaped_when_idle(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "stash-reap");
	const unsigned long pages = PA_TEST_CONTIG_MAX / PAGE_SIZE;
	unsigned int cpu, tries;
	void *p;

	p = pa_test_stash_block(test, pool, PA_TEST_CONTIG_MAX);
	cpu = raw_smp_processor_id();
	for (tries = 0; tries < 3; tries++) {
		if (tries)
			p = pa_pool_alloc(pool, PA_TEST_CONTIG_MAX, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		pa_free(p);
		KUNIT_ASSERT_EQ(test, pa_large_stash_pages(), pages);
		reap_pass(test, cpu);
		if (pa_large_stash_pages() == pages)
			break;
	}
	KUNIT_EXPECT_LT(test, tries, 3U);
	reap_pass(test, cpu);
	KUNIT_EXPECT_EQ(test, pa_large_stash_pages(), 0UL);
}

/*
 * With a non-blocking gfp, under a spinlock with interrupts off, a large
 * request comes from the page allocator (never vmalloc), and both it and a
 * vmalloc block can be freed there.  DEBUG_ATOMIC_SLEEP reports any sleep.
 */
static void test_large_atomic_uses_pages(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "alarge");
	void *vmapped = pa_pool_alloc(pool, PA_TEST_CONTIG_MAX + PAGE_SIZE,
				      GFP_KERNEL);
	unsigned long flags;
	spinlock_t lock;	/* held across the atomic-context calls */
	void *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, vmapped);
	KUNIT_ASSERT_TRUE(test, is_vmalloc_addr(vmapped));
	spin_lock_init(&lock);
	spin_lock_irqsave(&lock, flags);
	p = pa_pool_alloc(pool, 16 * PAGE_SIZE, GFP_ATOMIC);
	q = pa_pool_alloc(pool, pa_small_max + 1, GFP_NOWAIT);
	if (p)
		memset(p, 1, 16 * PAGE_SIZE);
	pa_free(p);
	pa_free(q);
	pa_free(vmapped);
	spin_unlock_irqrestore(&lock, flags);

	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, q);
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(p));
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(q));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).invalid_frees, 0ULL);
}

/* An atomic request beyond the page allocator's largest order fails quietly. */
static void test_large_atomic_beyond_max_order_fails(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "huge");
	void *p;

	p = pa_pool_alloc(pool, 64UL << 20, GFP_ATOMIC);
	KUNIT_EXPECT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).failures, 1ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held, 0ULL);
}

/*
 * More live large allocations than the large table's first size holds (it
 * grows as they come): every one stays owned, with its own size, and the
 * counters follow; freeing every other one and destroying the pool frees
 * the rest.
 */
static void test_many_large_allocations_grow_the_table(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "many");
	/* The table starts with room for 256: it must double twice. */
	unsigned int n = 600, i;
	u64 requested = 0, bytes = 0;
	struct pa_stats st;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	for (i = 0; i < n; i++) {
		size_t size = pa_small_max + 1 + (i % 4) * PAGE_SIZE + i;

		blocks[i] = pa_pool_alloc(pool, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, blocks[i], "allocation %u", i);
		requested += size;
		bytes += pa_test_large_usable(size);
	}
	for (i = 0; i < n; i++) {
		size_t size = pa_small_max + 1 + (i % 4) * PAGE_SIZE + i;

		KUNIT_EXPECT_TRUE(test, pa_owns(blocks[i]));
		KUNIT_EXPECT_EQ(test, pa_usable_size(blocks[i]),
				pa_test_large_usable(size));
	}
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.large_live, (u64)n);
	KUNIT_EXPECT_EQ(test, st.large_bytes, bytes);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, requested);
	KUNIT_EXPECT_EQ(test, st.pages_held, bytes >> PAGE_SHIFT);

	for (i = 0; i < n; i += 2)
		pa_free(blocks[i]);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, pa_owns(blocks[i]), i % 2 == 1);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.large_live, (u64)n / 2);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	/* The other half goes with the pool (a leak report is expected). */
}

/*
 * A vmalloc'd block freed inside an RCU read-side section, where vfree()
 * must not sleep: the harness fails the run on a "sleeping function called
 * from invalid context" report.
 */
static void test_large_free_in_rcu_read_section(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "rcu");
	void *p = pa_pool_alloc(pool, PA_TEST_CONTIG_MAX + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, is_vmalloc_addr(p));
	rcu_read_lock();
	pa_free(p);
	rcu_read_unlock();
	KUNIT_EXPECT_FALSE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held, 0ULL);
}

/*
 * The deferred vfree() links the block through its first word: a block
 * shrunk to one byte, whose other bytes KASAN guards, is freed where
 * vfree() must not sleep without a report (the harness fails the run on
 * one).
 */
static void test_large_shrunk_free_in_rcu_read_section(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "rcu-shrunk");
	void *p = pa_pool_alloc(pool, PA_TEST_CONTIG_MAX + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, is_vmalloc_addr(p));
	KUNIT_ASSERT_PTR_EQ(test, pa_realloc(p, 1, GFP_KERNEL), p);
	rcu_read_lock();
	pa_free(p);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).large_live, 0ULL);
}

/* ---- Arenas ------------------------------------------------------------ */

/*
 * Blocks spread over several arenas; freeing them all returns every arena
 * but the one kept as hysteresis.
 */
static void test_arenas_returned_after_freeing_everything(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "return");
	unsigned int per_run = PA_RUN_SIZE / 4096;
	unsigned int n = 3 * PA_RUNS_PER_ARENA * per_run, i;
	struct pa_stats st;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	/* A migration would leave part of a run in another CPU's cache. */
	pa_test_pin(test);
	for (i = 0; i < n; i++) {
		blocks[i] = pa_pool_alloc(pool, 4096, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	st = pa_test_stats(pool);
	KUNIT_EXPECT_GE(test, st.arenas_current, 3ULL);
	KUNIT_EXPECT_EQ(test, st.runs_in_use, (u64)n / per_run);
	KUNIT_EXPECT_EQ(test, st.arenas_highwater, st.arenas_current);

	for (i = 0; i < n; i++)
		pa_free(blocks[i]);
	/* Freed blocks wait in per-CPU caches until a drain. */
	pa_cache_drain_all(pool);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.runs_in_use, 0ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 1ULL);
	KUNIT_EXPECT_LE(test, st.pages_held, (u64)ARENA_PAGES);
	KUNIT_EXPECT_EQ(test, st.arenas_reclaimed, st.arenas_allocated - 1);
}

/*
 * An alloc/free loop at an arena boundary does not thrash the page
 * allocator: each drain empties the only arena, which is kept.
 */
static void test_hysteresis_keeps_one_empty_arena(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "hyst");
	struct pa_stats st;
	unsigned int i;

	pa_test_pin(test);
	for (i = 0; i < 50; i++) {
		void *p = pa_pool_alloc(pool, 256, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		pa_free(p);
		pa_cache_drain_all(pool);
		KUNIT_ASSERT_EQ(test, pa_test_stats(pool).runs_in_use, 0ULL);
	}
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.arenas_allocated, 1ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_reclaimed, 0ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 1ULL);
}

/* A class allocates from its fullest run, so emptier runs can drain. */
static void test_allocation_prefers_fullest_run(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "fullest");
	unsigned int per_run = PA_RUN_SIZE / 1024, i;
	u8 *blocks[2 * (PA_RUN_SIZE / 1024)];
	u8 *p;

	pa_test_pin(test);
	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		blocks[i] = pa_pool_alloc(pool, 1024, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	/* Runs A (first half) and B (second half) are full; drain A most. */
	for (i = 0; i < per_run - 2; i++)
		pa_free(blocks[i]);
	for (i = per_run; i < per_run + 2; i++)
		pa_free(blocks[i]);
	pa_cache_drain_all(pool);

	p = pa_pool_alloc(pool, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* The block came from run B: the one with fewer free blocks. */
	KUNIT_EXPECT_EQ(test, (unsigned long)p / PA_RUN_SIZE,
			(unsigned long)blocks[per_run] / PA_RUN_SIZE);
	pa_free(p);
	for (i = per_run - 2; i < per_run; i++)
		pa_free(blocks[i]);
	for (i = per_run + 2; i < ARRAY_SIZE(blocks); i++)
		pa_free(blocks[i]);
}

/*
 * A new run comes from the arena with the fewest free runs: of a nearly
 * full arena and a nearly empty one, the nearly full one.
 */
static void test_new_run_prefers_fullest_arena(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "farena");
	unsigned int per_run = PA_RUN_SIZE / 4096;
	unsigned int n = (PA_RUNS_PER_ARENA + 1) * per_run, i;
	unsigned long arena_a, arena_b, arena_new;
	void **blocks;
	void *p;

	pa_test_pin(test);
	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	for (i = 0; i < n; i++) {
		blocks[i] = pa_pool_alloc(pool, 4096, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	KUNIT_ASSERT_EQ(test, pa_test_stats(pool).arenas_current, 2ULL);
	arena_a = (unsigned long)blocks[0] >> (PAGE_SHIFT + PA_ARENA_ORDER);
	arena_b = (unsigned long)blocks[n - 1] >> (PAGE_SHIFT + PA_ARENA_ORDER);
	KUNIT_ASSERT_NE(test, arena_a, arena_b);

	/* Free four runs of A: A has 4 free runs, B has 15. */
	for (i = 0; i < 4 * per_run; i++)
		pa_free(blocks[i]);
	pa_cache_drain_all(pool);
	/* A new class needs a new run. */
	p = pa_pool_alloc(pool, 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	arena_new = (unsigned long)p >> (PAGE_SHIFT + PA_ARENA_ORDER);
	KUNIT_EXPECT_EQ(test, arena_new, arena_a);
	pa_free(p);
	for (i = 4 * per_run; i < n; i++)
		pa_free(blocks[i]);
}

/*
 * When the page allocator fails every order above the run's, arenas fall
 * back to smaller orders instead of failing.
 */
static void test_arena_falls_back_when_high_orders_fail(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "fallback");
	struct pa_stats st;
	void *p, *q;

	pa_test_fail_pages(test, PA_RUN_ORDER + 1);
	pa_test_pin(test);
	current->make_it_fail = 1;
	p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	q = pa_pool_alloc(pool, 128, GFP_KERNEL);
	current->make_it_fail = 0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	st = pa_test_stats(pool);
	/* Two classes, two runs, and each arena is a single run. */
	KUNIT_EXPECT_EQ(test, st.runs_in_use, 2ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 2ULL);
	KUNIT_EXPECT_EQ(test, st.pages_held, 2 * RUN_PAGES);
	memset(p, 0, 64);
	memset(q, 0, 128);
	pa_free(p);
	pa_free(q);
	pa_cache_drain_all(pool);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 1ULL);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);

	/*
	 * Without fault injection: a new class takes the kept single-run
	 * arena, and the next one gets an arena of the full order.
	 */
	q = pa_pool_alloc(pool, 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held, RUN_PAGES);
	p = pa_pool_alloc(pool, 32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held,
			RUN_PAGES + ARENA_PAGES);
	pa_free(p);
	pa_free(q);
}

/* ---- Named pools ------------------------------------------------------- */

static void test_pool_create_rejects_bad_names_and_flags(struct kunit *test)
{
	char longest[PA_POOL_NAME_MAX], too_long[PA_POOL_NAME_MAX + 1];
	struct pa_pool *pool;

	memset(longest, 'x', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'y', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';

	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create(NULL, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create("", 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create(too_long, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create("a/b", 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create("..", 0)), -EINVAL);
	/* The first bit after PA_POOL_DEBUG, the only flag defined. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create("flags", 2)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create("flags", PA_POOL_DEBUG | 2)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create("flags", 0x80000000)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create("default", 0)), -EEXIST);

	pool = pa_pool_create(longest, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_EQ(test, PTR_ERR(pa_pool_create(longest, 0)), -EEXIST);
	pa_pool_destroy(pool);
	/* The name is free again once the pool is gone. */
	pool = pa_pool_create(longest, 0);
	KUNIT_EXPECT_FALSE(test, IS_ERR(pool));
	pa_pool_destroy(pool);
	pa_pool_destroy(NULL);
}

/*
 * Destroying a pool with live blocks frees them all: none is owned any more
 * and the allocator's pages go back to where they were.
 */
static void test_pool_destroy_frees_leaked_blocks(struct kunit *test)
{
	struct pa_stats base, st;
	unsigned int i, n = 300;
	struct pa_pool *pool;
	void **blocks;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_EQ(test, 0, pa_test_read_stats(PA_TEST_DEBUGFS "/stats",
						    &base));
	pool = pa_pool_create("leaky", 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	for (i = 0; i < n; i++) {
		size_t size = i % 10 ? 8 + i * 13 : pa_small_max + i * 100;

		blocks[i] = pa_pool_alloc(pool, size,
					  i % 3 ? GFP_KERNEL : GFP_ATOMIC);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, (u64)n);
	KUNIT_EXPECT_GT(test, st.large_live, 0ULL);

	pa_pool_destroy(pool);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, pa_owns(blocks[i]));
	KUNIT_ASSERT_EQ(test, 0, pa_test_read_stats(PA_TEST_DEBUGFS "/stats",
						    &st));
	KUNIT_EXPECT_EQ(test, st.pages_held, base.pages_held);
	KUNIT_EXPECT_EQ(test, st.live_blocks, base.live_blocks);
	KUNIT_EXPECT_EQ(test, st.arenas_current, base.arenas_current);
}

static void test_pool_stats_null_is_default_pool(struct kunit *test)
{
	struct pa_stats before, after;
	void *p;

	before = pa_test_stats(NULL);
	p = pa_alloc(40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	after = pa_test_stats(NULL);
	KUNIT_EXPECT_EQ(test, after.allocs, before.allocs + 1);
	pa_free(p);
	p = pa_pool_alloc(NULL, 40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).allocs, before.allocs + 2);
	pa_free(p);
}

static struct kunit_case pa_pages_cases[] = {
	KUNIT_CASE(test_large_uses_vmalloc_when_caller_may_sleep),
	KUNIT_CASE(test_medium_gets_contiguous_pages),
	KUNIT_CASE(test_medium_falls_back_to_vmalloc),
	KUNIT_CASE(test_medium_stash_reuses_the_last_freed_pages),
	KUNIT_CASE(test_medium_stash_skips_a_page_someone_holds),
	KUNIT_CASE(test_medium_stash_is_reaped_when_idle),
	KUNIT_CASE(test_large_atomic_uses_pages),
	KUNIT_CASE(test_large_atomic_beyond_max_order_fails),
	KUNIT_CASE(test_many_large_allocations_grow_the_table),
	KUNIT_CASE(test_large_free_in_rcu_read_section),
	KUNIT_CASE(test_large_shrunk_free_in_rcu_read_section),
	KUNIT_CASE(test_arenas_returned_after_freeing_everything),
	KUNIT_CASE(test_hysteresis_keeps_one_empty_arena),
	KUNIT_CASE(test_allocation_prefers_fullest_run),
	KUNIT_CASE(test_new_run_prefers_fullest_arena),
	KUNIT_CASE_SLOW(test_arena_falls_back_when_high_orders_fail),
	KUNIT_CASE(test_pool_create_rejects_bad_names_and_flags),
	KUNIT_CASE(test_pool_destroy_frees_leaked_blocks),
	KUNIT_CASE(test_pool_stats_null_is_default_pool),
	{}
};

static struct kunit_suite pa_pages_suite = {
	.name = "pool_alloc_pages",
	/* The pool backend's machinery: skipped under backend=kmalloc. */
	.init = pa_test_init_pool_backend,
	.test_cases = pa_pages_cases,
};

kunit_test_suite(pa_pages_suite);
