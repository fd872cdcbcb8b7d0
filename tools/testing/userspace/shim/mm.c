// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim: the page allocator over a reserved "direct map", vmalloc
 * over a second reserved range, kmalloc over malloc (include/shim/mm.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sched.h>
#include <malloc.h>
#include "../include/shim/kernel.h"
#include "shim.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHIM_ASAN 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#define SHIM_ASAN 1
#endif
/*
 * Free pages are poisoned for ASan, or for memcheck where the build maps
 * KASAN onto it; the core's KASAN poisoning of its arenas is undone when
 * their pages come back.
 */
#ifdef SHIM_ASAN
#include <sanitizer/asan_interface.h>
#define shim_poison(p, n)	ASAN_POISON_MEMORY_REGION(p, n)
#define shim_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#define shim_defined(p, n)	((void)(p), (void)(n))
#elif defined(CONFIG_KASAN_GENERIC)
#include <valgrind/memcheck.h>
#define shim_poison(p, n)	VALGRIND_MAKE_MEM_NOACCESS(p, n)
#define shim_unpoison(p, n)	VALGRIND_MAKE_MEM_UNDEFINED(p, n)
/* Bytes the shim wrote before poisoning them: memcheck forgot they were. */
#define shim_defined(p, n)	VALGRIND_MAKE_MEM_DEFINED(p, n)
#else
#define shim_poison(p, n)	((void)(p), (void)(n))
#define shim_unpoison(p, n)	((void)(p), (void)(n))
#define shim_defined(p, n)	((void)(p), (void)(n))
#endif

unsigned long shim_page_offset;
bool shim_init_on_alloc, shim_init_on_free;
unsigned long shim_fail_pages, shim_fail_kmalloc, shim_fail_vmalloc;

/* Whether the next allocation of a kind fails, as injected. */
static bool inject(unsigned long *left, gfp_t gfp)
{
	unsigned long n = READ_ONCE(*left);

	if (!n || (gfp & __GFP_NOFAIL))
		return false;
	return __atomic_compare_exchange_n(left, &n, n - 1, false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/*
 * A range of address space handed out in naturally aligned blocks of
 * 2^order pages, each order with its own free list (no merging: the shim's
 * clients use a few orders, and unused address space costs nothing).
 */
struct range {
	const char *name;
	unsigned long base, size, next;
	unsigned long live_pages;
	void *free[MAX_PAGE_ORDER + 12];
	pthread_mutex_t lock;
};

static struct range dm = { .name = "direct map", .lock = PTHREAD_MUTEX_INITIALIZER };
static struct range vm = { .name = "vmalloc", .lock = PTHREAD_MUTEX_INITIALIZER };
/* valgrind gives a process 32 GiB of address space: 8 + 16 of it. */
#define VMALLOC_BITS	34

static void range_init(struct range *r, unsigned int bits)
{
	/* Aligned to the largest block, as physical memory is. */
	unsigned long align = PAGE_SIZE << MAX_PAGE_ORDER;
	void *p = mmap(NULL, (1UL << bits) + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("shim: reserving address space");
		abort();
	}
	r->base = ALIGN((unsigned long)p, align);
	r->size = 1UL << bits;
	r->next = r->base;
}

void shim_mm_init(void)
{
	range_init(&dm, MAX_PHYSMEM_BITS);
	range_init(&vm, VMALLOC_BITS);
	shim_page_offset = dm.base;
}

/*
 * Both ends work under the range's lock from start to finish: a block's
 * protection and poisoning must not change after another thread took it.
 */
static void *range_alloc(struct range *r, unsigned int order)
{
	unsigned long len = PAGE_SIZE << order;
	void *p;

	if (order >= ARRAY_SIZE(r->free))
		return NULL;
	pthread_mutex_lock(&r->lock);
	p = r->free[order];
	if (p) {
		/* The free list's link is in the block's first word. */
		mprotect(p, len, PROT_READ | PROT_WRITE);
		shim_unpoison(p, len);
		shim_defined(p, sizeof(void *));
		r->free[order] = *(void **)p;
	} else {
		unsigned long at = ALIGN(r->next, len);

		if (at + len > r->base + r->size) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		r->next = at + len;
		p = (void *)at;
		mprotect(p, len, PROT_READ | PROT_WRITE);
		shim_unpoison(p, len);
	}
	/* Fresh or given back with MADV_DONTNEED: zero, like new pages. */
	*(void **)p = NULL;
	r->live_pages += 1UL << order;
	pthread_mutex_unlock(&r->lock);
	return p;
}

static void range_free(struct range *r, void *p, unsigned int order)
{
	unsigned long len = PAGE_SIZE << order;

	pthread_mutex_lock(&r->lock);
	shim_unpoison(p, len);
	madvise(p, len, MADV_DONTNEED);
	*(void **)p = r->free[order];
	r->free[order] = p;
	r->live_pages -= 1UL << order;
	/* The rest of the block faults until it is handed out again. */
	if (len > PAGE_SIZE)
		mprotect((char *)p + PAGE_SIZE, len - PAGE_SIZE, PROT_NONE);
	shim_poison(p, len);
	pthread_mutex_unlock(&r->lock);
}

/*
 * The kernel's pages hold whatever was there unless __GFP_ZERO asks (or
 * init_on_alloc); ours are fresh or given back with MADV_DONTNEED, so
 * zero.  Dirty the first word of a block nobody asked to zero, so that a
 * missing zeroing shows (at a large block's first byte, say) without
 * touching the block's other pages.
 */
#define SHIM_PAGE_POISON	0x6b6b6b6b6b6b6b6bULL

static void shim_dirty(void *p, gfp_t gfp)
{
	if (!(gfp & __GFP_ZERO) && !shim_init_on_alloc)
		*(u64 *)p = SHIM_PAGE_POISON;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	void *p;

	might_alloc(gfp);
	if (inject(&shim_fail_pages, gfp))
		return NULL;
	p = range_alloc(&dm, order);
	if (!p && (gfp & __GFP_NOFAIL)) {
		fprintf(stderr, "shim: out of direct map with __GFP_NOFAIL\n");
		abort();
	}
	if (p)
		shim_dirty(p, gfp);
	return p;
}

void __free_pages(struct page *page, unsigned int order)
{
	if (page)
		range_free(&dm, page_address(page), order);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	void *p = alloc_pages(gfp, order);

	if (p && (gfp & __GFP_ZERO))
		memset(p, 0, PAGE_SIZE << order);
	return (unsigned long)p;
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		__free_pages(virt_to_page(addr), order);
}

void *alloc_pages_exact(size_t size, gfp_t gfp)
{
	return (void *)__get_free_pages(gfp, get_order(size));
}

void free_pages_exact(void *virt, size_t size)
{
	free_pages((unsigned long)virt, get_order(size));
}

void memalloc_retry_wait(gfp_t gfp)
{
	might_sleep_if(gfpflags_allow_blocking(gfp));
	sched_yield();
}

unsigned long totalram_pages(void)
{
	/* What the test machines have: 24 GiB. */
	return (24UL << 30) >> PAGE_SHIFT;
}

unsigned long shim_pages_live(void)
{
	return READ_ONCE(dm.live_pages);
}

/* ---- vmalloc ----------------------------------------------------------- */

/* The order of a vmalloc area: a page more, left inaccessible as a guard. */
static unsigned int vm_order(unsigned long size)
{
	return get_order(PAGE_ALIGN(size) + PAGE_SIZE);
}

/* Each area's size, for vfree(): a chained hash keyed by address. */
struct vm_area {
	struct vm_area *next;
	unsigned long addr, size;
};

#define VM_HASH_BITS	12

static struct vm_area *vm_hash[1 << VM_HASH_BITS];

void *__vmalloc(unsigned long size, gfp_t gfp)
{
	struct vm_area *a, **head;
	unsigned int order;
	char *p;

	might_alloc(gfp);
	if (!size || inject(&shim_fail_vmalloc, gfp))
		return NULL;
	a = malloc(sizeof(*a));
	if (!a)
		return NULL;
	order = vm_order(size);
	p = range_alloc(&vm, order);
	if (!p) {
		free(a);
		return NULL;
	}
	mprotect(p + PAGE_ALIGN(size), (PAGE_SIZE << order) - PAGE_ALIGN(size),
		 PROT_NONE);
	shim_dirty(p, gfp);
	a->addr = (unsigned long)p;
	a->size = size;
	head = &vm_hash[hash_64(a->addr, VM_HASH_BITS)];
	pthread_mutex_lock(&vm.lock);
	a->next = *head;
	*head = a;
	pthread_mutex_unlock(&vm.lock);
	return p;
}

bool is_vmalloc_addr(const void *addr)
{
	return (unsigned long)addr - vm.base < vm.size;
}

void vfree(const void *addr)
{
	struct vm_area *a, **pa;

	if (!addr)
		return;
	pthread_mutex_lock(&vm.lock);
	for (pa = &vm_hash[hash_64((unsigned long)addr, VM_HASH_BITS)];
	     (a = *pa); pa = &a->next)
		if (a->addr == (unsigned long)addr)
			break;
	if (a)
		*pa = a->next;
	pthread_mutex_unlock(&vm.lock);
	if (!a) {
		shim_warn(__FILE__, __LINE__, "freeing what vmalloc never gave");
		return;
	}
	range_free(&vm, (void *)addr, vm_order(a->size));
	free(a);
}

void *kvmalloc_node(size_t size, gfp_t gfp, int node)
{
	void *p;

	if (size <= KMALLOC_MAX_CACHE_SIZE || !gfpflags_allow_blocking(gfp))
		return kmalloc(size, gfp);
	p = kmalloc(size, gfp | __GFP_NORETRY | __GFP_NOWARN);
	return p ? p : __vmalloc(size, gfp);
}

void kvfree(const void *addr)
{
	if (is_vmalloc_addr(addr))
		vfree(addr);
	else
		kfree(addr);
}

/* ---- kmalloc ----------------------------------------------------------- */

/*
 * The alignment SLUB's kmalloc caches give: objects of a cache's size laid
 * out from a page boundary, so the largest power of two that divides the
 * size (96 and 192 are caches of their own), at most a page.
 */
static size_t kmalloc_align(size_t size)
{
	size_t cache;

	if (size <= 8)
		return 8;
	if (size > 64 && size <= 96)
		return 32;
	if (size > 128 && size <= 192)
		return 64;
	cache = roundup_pow_of_two(size);
	return min(cache, PAGE_SIZE);
}

void *kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	might_alloc(gfp);
	if (!size)
		return ZERO_SIZE_PTR;
	if (inject(&shim_fail_kmalloc, gfp))
		return NULL;
	if (posix_memalign(&p, kmalloc_align(size), size))
		return NULL;
	if (gfp & __GFP_ZERO)
		memset(p, 0, size);
	return p;
}

void kfree(const void *p)
{
	if (!ZERO_OR_NULL_PTR(p))
		free((void *)p);
}

size_t ksize(const void *p)
{
	return ZERO_OR_NULL_PTR(p) ? 0 : malloc_usable_size((void *)p);
}

void *krealloc(const void *p, size_t size, gfp_t gfp)
{
	void *q;

	if (!size) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	q = kmalloc(size, gfp);
	if (q && !ZERO_OR_NULL_PTR(p)) {
		size_t old = ksize(p);

		memcpy(q, p, min(old, size));
		kfree(p);
	}
	return q;
}

void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p && len)
		memcpy(p, src, len);
	return p;
}

char *kstrdup(const char *s, gfp_t gfp)
{
	return s ? kmemdup(s, strlen(s) + 1, gfp) : NULL;
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, unsigned int flags,
				     void (*ctor)(void *))
{
	struct kmem_cache *s = malloc(sizeof(*s));

	if (s) {
		s->size = size;
		s->name = name;
	}
	return s;
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	free(s);
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return kmalloc(s->size, gfp);
}

void kmem_cache_free(struct kmem_cache *s, void *p)
{
	kfree(p);
}
