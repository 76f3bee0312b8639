/*
 * shop-fcgi: keep the FastCGI programs running for a web server that
 * only speaks FastCGI to sockets (Apache's mod_proxy_fcgi), as lighttpd's
 * bin-path and max-procs do for lighttpd.
 *
 *   shop-fcgi SOCKDIR CGIBIN [NAME=N ...]
 *
 * For each route family it listens on SOCKDIR/NAME.sock (mode 0660) and
 * keeps N processes of CGIBIN/NAME accepting on it, the socket as their
 * standard input (FastCGI's FCGI_LISTENSOCK_FILENO). Requests beyond the
 * processes wait in the socket's backlog, in the kernel, first come first
 * served, never in a sleep-and-retry loop. A process that exits is
 * started again (after a pause that doubles, up to 30 s, while it keeps
 * dying young). SIGHUP stops every process gracefully and starts new
 * ones beside them (new binaries after a deploy; the sockets stay, so
 * no request is refused meanwhile); SIGTERM and SIGINT stop them, at
 * most STOP_SECONDS, then exit.
 *
 * The programs get this process's environment: SHOP_DATA_DIR,
 * SHOP_TEMPLATE_DIR, SHOP_BASE_URL and SHOP_ENV_FILE at least.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define MAX_PROCS	64
#define BACKLOG		1024
#define STOP_SECONDS	10
#define PAUSE_MAX_MS	30000
/* A process that lived less than this died young. */
#define YOUNG_MS	2000

/* The route families and how many processes each has by default. */
static struct family {
	const char	*name;
	int		 n;		/* processes wanted */
	int		 fd;		/* the listening socket */
	char		 prog[4096];
	char		 sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	long long	 pause_ms;	/* before the next start after a death */
	long long	 not_before;	/* no start before this (ms) */
} fams[] = {
	{ "catalog", 4, -1, "", "", 0, 0 },
	{ "cart", 4, -1, "", "", 0, 0 },
	{ "account", 4, -1, "", "", 0, 0 },
	{ "admin", 2, -1, "", "", 0, 0 },
	{ "checkout", 4, -1, "", "", 0, 0 },
	{ "webhooks", 2, -1, "", "", 0, 0 },
	/* Threaded: one process holds every event stream. */
	{ "live", 1, -1, "", "", 0, 0 },
};
#define NFAMS	(sizeof(fams) / sizeof(fams[0]))

struct kid {
	pid_t		 pid;
	size_t		 fam;
	long long	 started;
	bool		 stopping;	/* sent SIGTERM; not started again */
};

static struct kid	kids[NFAMS * MAX_PROCS];

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: shop-fcgi SOCKDIR CGIBIN [NAME=N ...]\n"
	    "  keep N processes of CGIBIN/NAME serving FastCGI on "
	    "SOCKDIR/NAME.sock;\n  NAME=0 leaves a family out. Defaults:");
	for (i = 0; i < NFAMS; i++)
		fprintf(stderr, " %s=%d", fams[i].name, fams[i].n);
	fputc('\n', stderr);
}

/* NAME=N: 0 to MAX_PROCS processes of a known family. */
static int
count_arg(const char *arg)
{
	const char	*eq = strchr(arg, '=');
	size_t		 i, len;
	int		 n = 0;

	if (eq == NULL || eq[1] == '\0')
		return -1;
	len = (size_t)(eq - arg);
	for (i = 0; i < NFAMS; i++)
		if (strlen(fams[i].name) == len &&
		    strncmp(fams[i].name, arg, len) == 0)
			break;
	if (i == NFAMS)
		return -1;
	for (eq++; *eq != '\0'; eq++) {
		if (*eq < '0' || *eq > '9' || n > MAX_PROCS)
			return -1;
		n = n * 10 + (*eq - '0');
	}
	if (n > MAX_PROCS)
		return -1;
	fams[i].n = n;
	return 0;
}

/* Listen on f->sock, replacing a socket left by an earlier run. */
static int
listen_on(struct family *f)
{
	struct sockaddr_un	sa;
	struct stat		sb;

	if (lstat(f->sock, &sb) == 0 && S_ISSOCK(sb.st_mode))
		(void)unlink(f->sock);
	if ((f->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		log_error("socket: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, f->sock, strlen(f->sock) + 1);
	if (bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(f->sock, 0660) != 0 || listen(f->fd, BACKLOG) != 0) {
		log_error("%s: %s", f->sock, strerror(errno));
		return -1;
	}
	return 0;
}

static void
start(size_t fam, const sigset_t *old)
{
	struct family	*f = &fams[fam];
	struct kid	*k = NULL;
	size_t		 i;
	pid_t		 pid;
	int		 null;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i].pid == 0) {
			k = &kids[i];
			break;
		}
	if (k == NULL)
		return;
	if ((pid = fork()) < 0) {
		log_error("%s: fork: %s", f->name, strerror(errno));
		return;
	}
	if (pid == 0) {
		struct sigaction	 sa;
		char			*argv[2] = { f->prog, NULL };

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGCHLD, &sa, NULL);
		sigprocmask(SIG_SETMASK, old, NULL);
		if (dup2(f->fd, 0) != 0)
			_exit(126);
		if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0)
			(void)dup2(null, 1);
		execv(f->prog, argv);
		log_error("%s: %s", f->prog, strerror(errno));
		_exit(127);
	}
	k->pid = pid;
	k->fam = fam;
	k->started = now_ms();
	k->stopping = false;
}

static int
running(size_t fam, bool counting_stopping)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i].pid != 0 && kids[i].fam == fam &&
		    (counting_stopping || !kids[i].stopping))
			n++;
	return n;
}

/* Collect the processes that ended; a young death lengthens the pause. */
static void
reap(bool quiet)
{
	struct kid	*k;
	size_t		 i;
	pid_t		 pid;
	int		 st;
	long long	 t = now_ms();

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0, k = NULL; i < sizeof(kids) / sizeof(kids[0]); i++)
			if (kids[i].pid == pid)
				k = &kids[i];
		if (k == NULL)
			continue;
		if (!k->stopping && !quiet) {
			struct family *f = &fams[k->fam];

			if (WIFSIGNALED(st))
				log_error("%s (pid %ld) died of signal %d; "
				    "starting another", f->name, (long)pid,
				    WTERMSIG(st));
			else
				log_warn("%s (pid %ld) exited with status %d; "
				    "starting another", f->name, (long)pid,
				    WEXITSTATUS(st));
			if (t - k->started < YOUNG_MS) {
				f->pause_ms = f->pause_ms ? f->pause_ms * 2 :
				    250;
				if (f->pause_ms > PAUSE_MAX_MS)
					f->pause_ms = PAUSE_MAX_MS;
			} else
				f->pause_ms = 0;
			f->not_before = t + f->pause_ms;
		}
		k->pid = 0;
	}
}

static void
signal_all(int sig, long long fam)
{
	size_t	i;

	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i].pid != 0 && (fam < 0 || kids[i].fam == (size_t)fam)) {
			kids[i].stopping = true;
			(void)kill(kids[i].pid, sig);
		}
}

/* Wait for signals, at most ms; the one that came, or 0. */
static int
wait_signal(const sigset_t *set, long long ms)
{
	struct timespec	ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	int		sig;

	sig = sigtimedwait(set, NULL, &ts);
	return sig < 0 ? 0 : sig;
}

int
main(int argc, char *argv[])
{
	sigset_t	 set, old;
	size_t		 i;
	long long	 t, end, wake;
	int		 sig, k, total = 0;
	bool		 stop = false;

	log_init("shop-fcgi");
	if (argc < 3 || argv[1][0] == '-') {
		usage();
		return 2;
	}
	for (k = 3; k < argc; k++)
		if (count_arg(argv[k]) != 0) {
			fprintf(stderr, "shop-fcgi: not NAME=N (0 to %d) of a "
			    "route family: %s\n", MAX_PROCS, argv[k]);
			usage();
			return 2;
		}
	for (i = 0; i < NFAMS; i++) {
		struct family *f = &fams[i];

		if (f->n == 0)
			continue;
		if ((size_t)snprintf(f->prog, sizeof(f->prog), "%s/%s", argv[2],
		    f->name) >= sizeof(f->prog) ||
		    (size_t)snprintf(f->sock, sizeof(f->sock), "%s/%s.sock",
		    argv[1], f->name) >= sizeof(f->sock)) {
			fprintf(stderr, "shop-fcgi: path too long\n");
			return 2;
		}
		if (access(f->prog, X_OK) != 0) {
			fprintf(stderr, "shop-fcgi: %s: %s\n", f->prog,
			    strerror(errno));
			return 2;
		}
		total += f->n;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	if (mkdir(argv[1], 0750) != 0 && errno != EEXIST) {
		log_error("%s: %s", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < NFAMS; i++)
		if (fams[i].n > 0 && listen_on(&fams[i]) != 0)
			return 1;
	log_info("serving %d processes from %s on sockets in %s", total,
	    argv[2], argv[1]);

	while (!stop) {
		t = now_ms();
		wake = 1000;
		for (i = 0; i < NFAMS; i++) {
			if (fams[i].n == 0)
				continue;
			if (t < fams[i].not_before) {
				if (fams[i].not_before - t < wake)
					wake = fams[i].not_before - t;
				continue;
			}
			while (running(i, false) < fams[i].n &&
			    running(i, true) < MAX_PROCS)
				start(i, &old);
		}
		switch ((sig = wait_signal(&set, wake))) {
		case SIGCHLD:
			reap(false);
			break;
		case SIGHUP:
			/*
			 * The old processes finish what they serve; the new
			 * ones, started at the top of the loop, take the
			 * backlog.
			 */
			log_info("SIGHUP: starting every program anew");
			signal_all(SIGTERM, -1);
			break;
		case SIGTERM:
		case SIGINT:
			stop = true;
			break;
		default:
			break;
		}
	}

	log_info("stopping");
	signal_all(SIGTERM, -1);
	end = now_ms() + STOP_SECONDS * 1000;
	for (;;) {
		reap(true);
		for (i = 0, k = 0; i < NFAMS; i++)
			k += running(i, true);
		if (k == 0 || (t = now_ms()) >= end)
			break;
		(void)wait_signal(&set, end - t < 200 ? end - t : 200);
	}
	if (k > 0) {
		log_warn("%d processes did not stop in %d s: killed", k,
		    STOP_SECONDS);
		signal_all(SIGKILL, -1);
		while (waitpid(-1, NULL, 0) > 0)
			continue;
	}
	for (i = 0; i < NFAMS; i++)
		if (fams[i].fd >= 0) {
			close(fams[i].fd);
			(void)unlink(fams[i].sock);
		}
	return 0;
}
