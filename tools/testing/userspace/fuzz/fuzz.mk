# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer target (fuzz/pa_fuzz.c, model.c, ops.c), included by
# ../Makefile.
#
#   make fuzz           fuzz for FUZZ_SECONDS (default 60), starting from
#                       the seed corpus and the regression inputs, merged
#                       into build/userspace/fuzz-corpus/ (the tree stays
#                       clean); crashes go to build/userspace/fuzz-crashes/
#   make fuzz-regress   run every seed and regression input once
#
# FUZZ_FLAGS adds libFuzzer options; PA_FUZZ_PARAMS in the environment
# gives the core module parameters (pa_fuzz.c).

FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
fuzz_dir := $(here)/fuzz
fuzz_bin := $(out)/fuzz/pa_fuzz
fuzz_corpus := $(out)/fuzz-corpus
fuzz_crashes := $(out)/fuzz-crashes
fuzz_seeds := $(wildcard $(fuzz_dir)/corpus/*) $(wildcard $(fuzz_dir)/regressions/*)

fuzz_srcs := $(addprefix $(fuzz_dir)/,pa_fuzz.c model.c ops.c)

$(fuzz_bin): $(fuzz_srcs) $(fuzz_dir)/pa_fuzz.h $(out)/fuzz/libpa.a \
		$(here)/pa_user.h $(top)/pool_alloc.h $(fuzz_dir)/fuzz.mk
	$(CC_fuzz) $(KFLAGS) $(WARN) $(CFLAGS_asan) -fsanitize=fuzzer \
		-I$(here) $(fuzz_srcs) $(out)/fuzz/libpa.a $(LDLIBS) -o $@

# libFuzzer stops at the first crash and leaves the input in
# $(fuzz_crashes); the last line sums the run up.
fuzz: $(fuzz_bin)
	@mkdir -p $(fuzz_corpus) $(fuzz_crashes)
	@cp -n $(fuzz_seeds) $(fuzz_corpus)/ 2>/dev/null || true
	@before=$$(ls $(fuzz_crashes) | wc -l); start=$$(date +%s); \
	{ $(fuzz_bin) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(fuzz_crashes)/ $(FUZZ_FLAGS) $(fuzz_corpus) \
		2>&1; echo $$? > $(out)/fuzz.rc; } | tee $(out)/fuzz.log | \
		grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE)'; \
	rc=$$(cat $(out)/fuzz.rc); secs=$$(( $$(date +%s) - start )); \
	crashes=$$(( $$(ls $(fuzz_crashes) | wc -l) - before )); \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(out)/fuzz.log); \
	rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $(out)/fuzz.log); \
	cov=$$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' $(out)/fuzz.log | tail -1); \
	echo "fuzz: $$secs s, $${execs:-0} executions ($${rate:-0}/s), $$cov, $$crashes crashes (exit $$rc)"; \
	test $$rc = 0 -a $$crashes = 0

fuzz-regress: $(fuzz_bin)
	$(fuzz_bin) $(fuzz_seeds)

.PHONY: fuzz fuzz-regress
