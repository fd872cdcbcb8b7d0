// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes and the size -> class lookup.
 *
 * Up to 512 bytes the classes are pymalloc's 64-bit ones: every multiple of
 * 16.  Above, each class is an eighth larger than the one before (so no
 * request is rounded up by more than 12.5%), in steps of at most
 * PA_COARSE_STEP_MAX bytes, up to small_max.  The table is built once at load
 * from small_max; lookup is one load indexed by size / 16, which gives the
 * class's place in a pool (pa_class_for()).
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <kunit/visibility.h>
#include "pa_internal.h"

/* pymalloc's last class, and where the coarse classes start. */
#define PA_FINE_MAX	512

unsigned int pa_small_max;
EXPORT_SYMBOL_IF_KUNIT(pa_small_max);
unsigned int pa_nr_classes;
EXPORT_SYMBOL_IF_KUNIT(pa_nr_classes);
unsigned int pa_class_size[PA_MAX_CLASSES];
EXPORT_SYMBOL_IF_KUNIT(pa_class_size);
u16 pa_size_to_class[PA_SMALL_MAX_MAX / PA_ALIGN + 1];
EXPORT_SYMBOL_IF_KUNIT(pa_size_to_class);

/*
 * The step from a coarse class of @size bytes to the next: an eighth of the
 * power of two at or below it, so the eight classes of each doubling are
 * evenly spaced, capped at PA_COARSE_STEP_MAX.
 */
static unsigned int coarse_step(unsigned int size)
{
	return min_t(unsigned int, rounddown_pow_of_two(size) / 8,
		     PA_COARSE_STEP_MAX);
}

/**
 * pa_small_max_is_class() - whether @size can be the largest class
 * @size: a proposed small_max
 *
 * Return: true when @size is in range and one of the class sizes.
 */
bool pa_small_max_is_class(unsigned int size)
{
	unsigned int c;

	if (size < PA_SMALL_MAX_MIN || size > PA_SMALL_MAX_MAX)
		return false;
	for (c = PA_FINE_MAX; c < size; c += coarse_step(c))
		;
	return c == size;
}

/**
 * pa_classes_init() - build the class table for @small_max
 * @small_max: largest request served from runs; a class boundary in
 *	[PA_SMALL_MAX_MIN, PA_SMALL_MAX_MAX]
 *
 * Return: 0, or -EINVAL when @small_max is out of range or not a class
 * boundary.
 */
int pa_classes_init(unsigned int small_max)
{
	unsigned int size, n = 0, i;

	if (small_max < PA_SMALL_MAX_MIN || small_max > PA_SMALL_MAX_MAX)
		return -EINVAL;

	for (size = PA_ALIGN; size <= PA_FINE_MAX; size += PA_ALIGN)
		pa_class_size[n++] = size;
	for (size = PA_FINE_MAX + coarse_step(PA_FINE_MAX); size <= small_max;
	     size += coarse_step(size)) {
		if (WARN_ON_ONCE(n == PA_MAX_CLASSES))
			return -EINVAL;
		pa_class_size[n++] = size;
	}
	if (pa_class_size[n - 1] != small_max)
		return -EINVAL;

	for (i = 0, size = PA_ALIGN; size <= small_max; size += PA_ALIGN) {
		while (pa_class_size[i] < size)
			i++;
		pa_size_to_class[size >> PA_ALIGN_SHIFT] =
			offsetof(struct pa_pool, classes) +
			i * sizeof(struct pa_class);
	}
	pa_nr_classes = n;
	pa_small_max = small_max;
	return 0;
}
