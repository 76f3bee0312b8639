/*
 * The request context (see ctx.h).
 */
#include <stddef.h>

#include "web/ctx.h"
#include "web/http.h"

struct db *
req_db(const struct req *r, enum db_id id)
{
	return r->shop != NULL ? r->shop->db[id] : NULL;
}

const struct config *
req_cfg(const struct req *r)
{
	return r->shop != NULL ? r->shop->cfg : NULL;
}
