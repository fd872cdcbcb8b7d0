// SPDX-License-Identifier: GPL-2.0
/*
 * The native suite's runner: each case in a forked child with a fresh load
 * of the core, one line per case ("ok name" or "not ok name: reason"),
 * then "N passed, N failed".  Arguments, if any, select the cases whose
 * names contain one of them; PA_TEST_VERBOSE=1 shows the core's messages.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "pa_tests.h"

/*
 * Exit codes a child may end with besides 0 and 1: the Makefile tells
 * ASan and UBSan to exit with 98, valgrind with 99.
 */
#define EXIT_SANITIZER		98
#define EXIT_VALGRIND		99
/* A case that runs this long hangs: valgrind runs the longest in ~10 s. */
#define CASE_TIMEOUT_S		120
#define REASON_MAX		512

static const struct pa_case *const suites[] = {
	pa_api_cases, pa_owner_cases, pa_pages_cases, pa_pcpu_cases,
	pa_debug_cases, pa_hook_cases, pa_trace_cases, pa_bulk_cases,
};

static int fail_fd = -1;

void pa_fail(const char *file, int line, const char *fmt, ...)
{
	char reason[REASON_MAX];
	va_list ap;
	int n;

	n = snprintf(reason, sizeof(reason), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(reason + n, sizeof(reason) - n, fmt, ap);
	va_end(ap);
	if (fail_fd >= 0 && write(fail_fd, reason, strlen(reason)) < 0)
		perror("write");
	_exit(1);
}

static void __noreturn run_child(const struct pa_case *c)
{
	const char *verbose = getenv("PA_TEST_VERBOSE");
	unsigned long pages;
	int err;

	alarm(CASE_TIMEOUT_S);
	pa_user_quiet(!(verbose && *verbose == '1'));
	pa_user_abort_on_warn(true);
	/* The same shuffles every run: a failure replays. */
	pa_user_seed(1);
	if (c->params) {
		err = pa_user_load(c->params);
		if (err)
			pa_fail(__FILE__, __LINE__, "load(\"%s\") = %d",
				c->params, err);
	}
	c->run();
	/* Whatever a case left, unload gives every page back. */
	pa_user_unload();
	pages = pa_user_pages();
	if (pages)
		pa_fail(__FILE__, __LINE__,
			"%lu pages still held after unload", pages);
	exit(0);
}

/* Run one case in a child: its verdict line, and whether it passed. */
static bool run_case(const struct pa_case *c)
{
	char reason[REASON_MAX] = "";
	size_t len = 0;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds)) {
		perror("pipe");
		exit(2);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!pid) {
		close(fds[0]);
		fail_fd = fds[1];
		run_child(c);
	}
	close(fds[1]);
	while (len < sizeof(reason) - 1 &&
	       (n = read(fds[0], reason + len, sizeof(reason) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += n;
	}
	reason[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status) && !len) {
		printf("ok %s\n", c->name);
		return true;
	}
	if (len)
		;
	else if (WIFSIGNALED(status))
		snprintf(reason, sizeof(reason), "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == EXIT_SANITIZER)
		snprintf(reason, sizeof(reason), "sanitizer report");
	else if (WEXITSTATUS(status) == EXIT_VALGRIND)
		snprintf(reason, sizeof(reason), "valgrind errors");
	else
		snprintf(reason, sizeof(reason), "exit status %d",
			 WEXITSTATUS(status));
	printf("not ok %s: %s\n", c->name, reason);
	return false;
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0;
	const struct pa_case *c;
	size_t s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (s = 0; s < ARRAY_SIZE(suites); s++) {
		for (c = suites[s]; c->name; c++) {
			if (!selected(c->name, argc, argv))
				continue;
			if (run_case(c))
				passed++;
			else
				failed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
