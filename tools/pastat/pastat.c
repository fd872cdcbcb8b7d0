// SPDX-License-Identifier: GPL-2.0
/*
 * pastat: show what pool_alloc holds, as slabtop shows the slab caches.
 *
 *   pastat [--root DIR] [-p NAME] [-s KEY] [-V] [--once | -d SECONDS [-n N]]
 *   pastat [--root DIR] [-p NAME] [-V] --json
 *
 * Documentation/pool_alloc.rst, "pastat", is the manual.  Exit status: 0,
 * 1 when the files cannot be read (debugfs not mounted, pool_alloc not
 * loaded, a file that does not parse), 2 for a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "pastat.h"

#define DEBUGFS_DIR	"/sys/kernel/debug"
#define DEFAULT_ROOT	DEBUGFS_DIR "/pool_alloc"
/* debugfs's f_type, DEBUGFS_MAGIC of include/uapi/linux/magic.h. */
#define DEBUGFS_MAGIC_NR	0x64626720
/* slabtop's default refresh interval, in seconds. */
#define DEFAULT_DELAY	3.0
/* The longest interval accepted: a day, far beyond any use. */
#define MAX_DELAY	86400.0

static const char usage[] =
"usage: pastat [options]\n"
"  -r, --root DIR      read DIR instead of " DEFAULT_ROOT "\n"
"  -p, --pool NAME     one pool: its classes, call sites and arenas\n"
"  -s, --sort KEY      sort pools and classes by KEY: held (default),\n"
"                      name, size, used, free, runs, requested, waste, use\n"
"  -o, --once          print the tables once and exit\n"
"  -d, --delay SECS    refresh every SECS seconds (default 3); q quits\n"
"  -n, --count N       stop after N refreshes\n"
"  -j, --json          print one JSON document and exit\n"
"  -V, --validate      also read each pool's validate file (checks every\n"
"                      block of a debug pool: slow on big pools)\n"
"  -h, --help          this text\n";

static struct termios saved_tty;
static bool tty_changed;

static void tty_restore(void)
{
	if (tty_changed)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_changed = false;
}

/* Keys without Enter and without echo, so that q quits at once. */
static void tty_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
		tty_changed = true;
		atexit(tty_restore);
	}
}

/*
 * Wait @secs seconds; true when the user asked to quit meanwhile (q on the
 * terminal, SIGINT or SIGTERM).  The signals are blocked in live mode and
 * read from @sigfd, so one that comes while the tables are read or printed
 * ends the loop at the next wait, and the terminal is always restored.
 */
static bool wait_or_quit(double secs, int sigfd)
{
	struct pollfd pfd[2] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	struct timespec end, now, left;
	int nfds = tty_changed ? 2 : 1;
	char ch;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)secs;
	end.tv_nsec += (long)((secs - (time_t)secs) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			return false;
		if (ppoll(pfd, nfds, &left, NULL) <= 0)
			continue;
		if (pfd[0].revents)
			return true;
		if (pfd[1].revents) {
			if (read(STDIN_FILENO, &ch, 1) != 1)
				nfds = 1;
			else if (ch == 'q' || ch == 'Q')
				return true;
		}
	}
}

/*
 * When @root itself is the trouble, say why in pastat_err in words a user
 * can act on; leave a file's own error alone otherwise.  The default root
 * tells apart debugfs not mounted and pool_alloc not loaded.
 */
static void explain_root(const char *root, bool is_default)
{
	struct statfs sfs;
	struct stat st;
	char *stats;

	if (is_default) {
		if (statfs(DEBUGFS_DIR, &sfs)) {
			set_err("%s: %s", DEBUGFS_DIR, strerror(errno));
			return;
		}
		if (sfs.f_type != DEBUGFS_MAGIC_NR) {
			set_err("debugfs is not mounted on %s (mount -t debugfs none %s)",
				DEBUGFS_DIR, DEBUGFS_DIR);
			return;
		}
		if (stat(root, &st) && errno == ENOENT) {
			set_err("pool_alloc is not loaded: no %s (modprobe pool_alloc)",
				root);
			return;
		}
	}
	if (stat(root, &st)) {
		set_err("%s: %s", root, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err("%s: not a directory", root);
		return;
	}
	if (asprintf(&stats, "%s/stats", root) < 0)
		return;
	if (access(stats, R_OK))
		set_err("%s: not pool_alloc's debugfs directory nor a copy of it (%s: %s)",
			root, stats, strerror(errno));
	free(stats);
}

static int parse_sort(const char *arg, enum sort_key *key)
{
	int i;

	for (i = 0; i < SORT_COUNT; i++) {
		if (!strcmp(arg, sort_key_names[i])) {
			*key = i;
			return 0;
		}
	}
	return -1;
}

static int parse_delay(const char *arg, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(arg, &end);
	return errno || *end || end == arg || !(*secs > 0) ||
	       *secs > MAX_DELAY ? -1 : 0;
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "pastat: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "pool", required_argument, NULL, 'p' },
		{ "sort", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, 'o' },
		{ "delay", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "validate", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct show_opts sopts = { .root = DEFAULT_ROOT, .sort = SORT_HELD };
	struct read_opts ropts = { };
	bool once = false, json = false, delay_set = false, tty;
	double delay = DEFAULT_DELAY;
	long count = 0, round;
	int sigfd = -1;
	sigset_t block;
	struct snap snap;
	char *end;
	int opt, ret = 0;

	while ((opt = getopt_long(argc, argv, "r:p:s:od:n:jVh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'r':
			sopts.root = optarg;
			break;
		case 'p':
			sopts.only_pool = optarg;
			break;
		case 's':
			if (parse_sort(optarg, &sopts.sort))
				return bad_usage("-s %s: not a sort key", optarg);
			break;
		case 'o':
			once = true;
			break;
		case 'd':
			if (parse_delay(optarg, &delay))
				return bad_usage("-d %s: not a number of seconds above 0",
						 optarg);
			delay_set = true;
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || count < 1)
				return bad_usage("-n %s: not a count above 0",
						 optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'V':
			sopts.validate = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		return bad_usage("%s: unexpected argument", argv[optind]);
	if (json && (delay_set || count))
		return bad_usage("%s: --json prints one document, not with -d or -n",
				 "--json");
	if (once && (delay_set || count))
		return bad_usage("%s: not with -d or -n", "--once");
	once = once || json;
	ropts.only_pool = sopts.only_pool;
	ropts.validate = sopts.validate;

	/* Live, SIGINT and SIGTERM end the loop at the next wait. */
	if (!once) {
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigprocmask(SIG_BLOCK, &block, NULL);
		sigfd = signalfd(-1, &block, SFD_CLOEXEC);
		if (sigfd < 0) {
			perror("pastat: signalfd");
			return 1;
		}
		tty_raw();
	}
	tty = isatty(STDOUT_FILENO);
	for (round = 0; ; round++) {
		if (snap_read(sopts.root, &ropts, &snap)) {
			/* Why the root cannot be read says more, if it is that. */
			explain_root(sopts.root,
				     !strcmp(sopts.root, DEFAULT_ROOT));
			fprintf(stderr, "pastat: %s\n", pastat_err);
			ret = 1;
			break;
		}
		if (!once && tty)
			/* Home and clear, as slabtop redraws. */
			fputs("\033[H\033[2J", stdout);
		else if (round)
			putchar('\n');
		if (json ? show_json(&snap, &sopts) :
			   show_tables(&snap, &sopts)) {
			fprintf(stderr, "pastat: writing: %s\n",
				pastat_err[0] ? pastat_err : strerror(errno));
			ret = 1;
		}
		snap_free(&snap);
		fflush(stdout);
		if (ret || once || (count && round + 1 >= count))
			break;
		if (wait_or_quit(delay, sigfd))
			break;
	}
	tty_restore();
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
