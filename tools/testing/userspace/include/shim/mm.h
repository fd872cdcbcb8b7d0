/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: gfp flags, the page allocator, kmalloc, vmalloc.
 *
 * The direct map is a reserved range of 2^MAX_PHYSMEM_BITS bytes of address
 * space (PAGE_OFFSET is its start): alloc_pages() hands out naturally aligned
 * blocks of it (shim/mm.c) and the run map indexes it as in the kernel.  A
 * struct page * is the page's own address.  Freed pages are unmapped
 * (PROT_NONE), so a late access faults.  vmalloc memory comes from a second
 * reserved range, so is_vmalloc_addr() is a range check; kmalloc is malloc.
 * Every allocation can be made to fail (shim_fail_*), for the paths the
 * kernel takes when memory is short.
 */
#ifndef _SHIM_MM_H
#define _SHIM_MM_H

#include <string.h>
#include "cpu.h"

/* gfp.h: the bits the core tests, with the kernel's meaning. */
#define __GFP_DMA		0x01u
#define __GFP_HIGHMEM		0x02u
#define __GFP_DMA32		0x04u
#define __GFP_MOVABLE		0x08u
#define GFP_ZONEMASK		(__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)
#define __GFP_RECLAIMABLE	0x10u
#define __GFP_HIGH		0x20u
#define __GFP_IO		0x40u
#define __GFP_FS		0x80u
#define __GFP_ZERO		0x100u
#define __GFP_DIRECT_RECLAIM	0x400u
#define __GFP_KSWAPD_RECLAIM	0x800u
#define __GFP_WRITE		0x1000u
#define __GFP_NOWARN		0x2000u
#define __GFP_RETRY_MAYFAIL	0x4000u
#define __GFP_NOFAIL		0x8000u
#define __GFP_NORETRY		0x10000u
#define __GFP_MEMALLOC		0x20000u
#define __GFP_COMP		0x40000u
#define __GFP_NOMEMALLOC	0x80000u
#define __GFP_HARDWALL		0x100000u
#define __GFP_THISNODE		0x200000u
#define __GFP_ACCOUNT		0x400000u
#define __GFP_NOLOCKDEP		0x800000u
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER		(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA			__GFP_DMA
#define GFP_DMA32		__GFP_DMA32
#define GFP_HIGHUSER		(GFP_USER | __GFP_HIGHMEM)

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return !!(gfp & __GFP_DIRECT_RECLAIM);
}

#define might_alloc(gfp)	might_sleep_if(gfpflags_allow_blocking(gfp))

/* sched/mm.h: no scoped NOFS/NOIO here. */
#define current_gfp_context(gfp)	(gfp)
/* The kernel sleeps a moment before retrying an allocation. */
void memalloc_retry_wait(gfp_t gfp);
#define memalloc_noreclaim_save()	0
#define memalloc_noreclaim_restore(f)	((void)(f))

/* The init_on_alloc/init_on_free boot options, set by the harness. */
extern bool shim_init_on_alloc, shim_init_on_free;
static inline bool want_init_on_alloc(gfp_t gfp)
{
	return shim_init_on_alloc || (gfp & __GFP_ZERO);
}

static inline bool want_init_on_free(void)
{
	return shim_init_on_free;
}

/* Pages. */
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)		ALIGN(x, PAGE_SIZE)
#define PAGE_ALIGNED(x)		IS_ALIGNED((unsigned long)(x), PAGE_SIZE)
#define MAX_PAGE_ORDER		10
#define PAGE_ALLOC_COSTLY_ORDER	3
#define MAX_PHYSMEM_BITS	33
extern unsigned long shim_page_offset;
#define PAGE_OFFSET		shim_page_offset
#define __pa(x)			((unsigned long)(x) - PAGE_OFFSET)
#define __va(x)			((void *)((unsigned long)(x) + PAGE_OFFSET))
#define virt_addr_valid(x) \
	((unsigned long)(x) - PAGE_OFFSET < (1UL << MAX_PHYSMEM_BITS))

struct page;
#define page_address(page)	((void *)(page))
#define virt_to_page(addr)	((struct page *)((unsigned long)(addr) & PAGE_MASK))
#define get_order(size)	\
	((size) <= PAGE_SIZE ? 0 : fls_long(((size) - 1) >> PAGE_SHIFT))

/*
 * One memory node, no memory cgroup charges a page, no page allocator
 * debugging, and no one else takes a reference on a page.
 */
#define page_to_nid(page)	((void)(page), 0)
#define numa_mem_id()		0
#define PageMemcgKmem(page)	((void)(page), false)
#define page_ref_count(page)	((void)(page), 1)
#define debug_pagealloc_enabled_static()	false
#define page_poisoning_enabled_static()		false
#define debug_check_no_locks_freed(from, len)	((void)(from), (void)(len))

struct page *alloc_pages(gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
#define __get_free_page(gfp)	__get_free_pages(gfp, 0)
#define free_page(addr)		free_pages(addr, 0)
void *alloc_pages_exact(size_t size, gfp_t gfp);
void free_pages_exact(void *virt, size_t size);
unsigned long totalram_pages(void);

/* slab.h: kmalloc is the C library's malloc. */
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
#define KMALLOC_SHIFT_HIGH	(PAGE_SHIFT + 1)
#define KMALLOC_MAX_CACHE_SIZE	(1UL << KMALLOC_SHIFT_HIGH)
#define KMALLOC_MAX_SIZE	(1UL << (MAX_PAGE_ORDER + PAGE_SHIFT))
#define ARCH_KMALLOC_MINALIGN	8

void *kmalloc(size_t size, gfp_t gfp);
void *krealloc(const void *p, size_t size, gfp_t gfp);
void kfree(const void *p);
size_t ksize(const void *p);
#define kmalloc_noprof		kmalloc
#define kzalloc(size, gfp)	kmalloc(size, (gfp) | __GFP_ZERO)
#define kmalloc_node(s, g, n)	kmalloc(s, g)
#define kzalloc_node(s, g, n)	kzalloc(s, g)
#define kmalloc_array(n, s, g)	kmalloc(size_mul(n, s), g)
#define kcalloc(n, s, g)	kmalloc_array(n, s, (g) | __GFP_ZERO)
#define krealloc_array(p, n, s, g) krealloc(p, size_mul(n, s), g)
#define kmalloc_size_roundup(s)	(s)
void *kmemdup(const void *src, size_t len, gfp_t gfp);
char *kstrdup(const char *s, gfp_t gfp);

void *__vmalloc(unsigned long size, gfp_t gfp);
#define vmalloc(size)		__vmalloc(size, GFP_KERNEL)
#define vzalloc(size)		__vmalloc(size, GFP_KERNEL | __GFP_ZERO)
void vfree(const void *addr);
bool is_vmalloc_addr(const void *addr);
void *kvmalloc_node(size_t size, gfp_t gfp, int node);
#define kvmalloc(size, gfp)	kvmalloc_node(size, gfp, -1)
#define kvzalloc(size, gfp)	kvmalloc(size, (gfp) | __GFP_ZERO)
#define kvmalloc_array(n, s, g)	kvmalloc(size_mul(n, s), g)
#define kvcalloc(n, s, g)	kvzalloc(size_mul(n, s), g)
void kvfree(const void *addr);

struct kmem_cache {
	size_t size;
	const char *name;
};
#define SLAB_HWCACHE_ALIGN	0x1u
#define SLAB_PANIC		0x2u
#define SLAB_ACCOUNT		0x4u
#define SLAB_NOLEAKTRACE	0x8u
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, unsigned int flags,
				     void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *s);
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
#define kmem_cache_zalloc(s, g)	kmem_cache_alloc(s, (g) | __GFP_ZERO)
void kmem_cache_free(struct kmem_cache *s, void *p);

/*
 * Fault injection at the shim's own allocators: the next @n calls of a kind
 * fail (those without __GFP_NOFAIL).  Set by the harness and the fuzzer.
 */
extern unsigned long shim_fail_pages, shim_fail_kmalloc, shim_fail_vmalloc;

#endif /* _SHIM_MM_H */
