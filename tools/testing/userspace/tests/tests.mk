# SPDX-License-Identifier: GPL-2.0
#
# The native test suite (tests/): included by ../Makefile.
#
#   make test-asan       the runner linked with lib-asan, run natively;
#                        any ASan or UBSan report fails its case
#   make test-valgrind   the runner linked with lib-valgrind, run under
#                        valgrind; any memcheck error fails its case
#
# TESTS="name ..." runs only the cases whose names contain one of them.

test_srcs := runner helpers api owner pages pcpu debug hook trace bulk
test_hdrs := $(here)/tests/pa_tests.h $(here)/pa_user.h $(top)/pool_alloc.h

# The library's flags, but the programs' own include path.
TFLAGS := -std=gnu11 -pthread -I$(here)/include -I$(here) -I$(top) $(WARN)

define test_flavour
$(out)/$(1)/tests/%.o: $(here)/tests/%.c $(test_hdrs) $(here)/tests/tests.mk
	@mkdir -p $$(@D)
	$(CC_$(1)) $(TFLAGS) $(CFLAGS_$(1)) -c $$< -o $$@

$(out)/$(1)/pa_tests: $(test_srcs:%=$(out)/$(1)/tests/%.o) $(out)/$(1)/libpa.a
	$(CC_$(1)) $(CFLAGS_$(1)) -o $$@ $$^ $(LDLIBS)
endef
$(foreach f,asan valgrind,$(eval $(call test_flavour,$(f))))

# Any report ends its process with a code the runner names (runner.c):
# 98 for the sanitizers (LeakSanitizer included: each case unloads the
# core, which frees all it took), 99 for valgrind.
ASAN_ENV := ASAN_OPTIONS=halt_on_error=1:exitcode=98:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98

test-asan: $(out)/asan/pa_tests
	$(ASAN_ENV) $< $(TESTS)

test-valgrind: $(out)/valgrind/pa_tests
	valgrind --error-exitcode=99 --leak-check=no -q $< $(TESTS)

.PHONY: test-asan test-valgrind
