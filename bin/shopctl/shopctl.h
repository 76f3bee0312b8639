/*
 * shopctl's commands: each is a function of the command table in main.c,
 * given the parsed global options and its own argv (argv[0] is its name).
 * It returns the exit status: 0 success, 1 failure or findings, 2 usage.
 */
#ifndef SHOPCTL_H
#define SHOPCTL_H

#include "core/config.h"
#include "data/db.h"

struct arena;

struct ctl {
	struct config	 cfg;
	struct arena	*arena;
	int		 quiet;
	struct db	*db[DB__MAX];
};

struct ctl_cmd {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*args;
	const char	*help;
};

/* Open a database once for the command; NULL after printing why. */
struct db	*ctl_open(struct ctl *, enum db_id, unsigned flags);
/* Progress on standard output unless -q. */
void		 ctl_say(const struct ctl *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* An error on standard error, prefixed "shopctl: ". */
void		 ctl_err(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

int		 ctl_seed(struct ctl *, int, char **);
int		 ctl_reconcile(struct ctl *, int, char **);
int		 ctl_audit(struct ctl *, int, char **);
int		 ctl_user(struct ctl *, int, char **);
int		 ctl_jobs(struct ctl *, int, char **);
int		 ctl_orders(struct ctl *, int, char **);
int		 ctl_refund(struct ctl *, int, char **);
int		 ctl_error_pages(struct ctl *, int, char **);
int		 ctl_export(struct ctl *, int, char **);
int		 ctl_export_orders(struct ctl *, int, char **);
int		 ctl_import(struct ctl *, int, char **);
int		 ctl_restore(struct ctl *, int, char **);
int		 ctl_cache(struct ctl *, int, char **);

#endif
