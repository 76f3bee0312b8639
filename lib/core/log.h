/*
 * Logging: one line per event on standard error, which is the web
 * server's error log for a FastCGI process and the terminal or journal for
 * the command-line programs:
 *
 *   ts=2026-11-23T20:12:01Z level=error bin=catalog req=9f2c01ab msg="..."
 *
 * The request id is per thread and set by the request loop, so a line
 * logged deep inside a data-access call still names its request.
 */
#ifndef SHOP_LOG_H
#define SHOP_LOG_H

enum log_level {
	LL_DEBUG,
	LL_INFO,
	LL_WARN,
	LL_ERROR,
	LL_FATAL,
	LL__MAX
};

extern const char *const log_level_names[LL__MAX];

void	log_init(const char *bin);
void	log_set_req(const char *id);	/* NULL when between requests */
const char *log_req(void);
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LL_ERROR, __VA_ARGS__)

#endif
