-- The page cache for lighttpd (mod_magnet): a catalog page the catalog
-- program kept as a file under $SHOP_DATA_DIR/pages/ (lib/shop/
-- pagecache.c) is served by lighttpd itself, without the FastCGI hop.
--
-- On the raw URL (magnet.attract-raw-url-to), a GET or HEAD of a known
-- address and query, from a client with no session cookie that did not
-- ask for JSON, is rewritten to the file's name under /_pages/ (its
-- gzip variant for a client that takes it), which lighttpd.conf maps to
-- the pages' directory, with the address itself as the query. There,
-- a file that is missing (not made yet, or removed by a change) is
-- rewritten back to that address (url.rewrite-if-not-file), and the
-- request, marked as tried, goes on to the program. The names are those
-- of pagecache_name() (lib/shop/pagecache.c); tests/server/
-- test_pagecache.py checks the two agree.

local r = lighty.r
local a = r.req_attr

-- ".S" and ".pN" for a list's query: "", "page=N", "sort=S" or
-- "sort=S&page=N"; nil for any other query.
local function list_suffix(q)
	if q == nil or q == "" then
		return ""
	end
	local out = ""
	local s, rest = q:match("^sort=([a-z%-]+)(.*)$")
	if s ~= nil then
		if #s > 20 then
			return nil
		end
		out = "." .. s
		if rest == "" then
			return out
		end
		q = rest:match("^&(.*)$")
		if q == nil then
			return nil
		end
	end
	local n = q:match("^page=([1-9][0-9]?[0-9]?[0-9]?[0-9]?)$")
	if n == nil then
		return nil
	end
	return out .. ".p" .. n
end

-- The file an address and query are kept in, or nil.
local function page_name(path, q)
	local base, slug
	if path == "/" then
		base = "index"
	elseif path == "/products" then
		base = "products"
	else
		slug = path:match("^/products/([a-z0-9%-]+)$")
		if slug ~= nil then
			if #slug > 80 or (q ~= nil and q ~= "") then
				return nil
			end
			return "products/" .. slug .. ".html"
		end
		slug = path:match("^/categories/([a-z0-9%-]+)$")
		if slug == nil or #slug > 80 then
			return nil
		end
		base = "categories/" .. slug
	end
	local suffix = list_suffix(q)
	if suffix == nil then
		return nil
	end
	return base .. suffix .. ".html"
end

local path = a["uri.path"]
local tried = r.req_env["SHOP_PAGE_TRIED"] ~= nil

if path:sub(1, 8) == "/_pages/" then
	-- Only ever reached through the rewrite below.
	if not tried then
		return 404
	end
	return 0
end
if tried then
	return 0
end
local m = a["request.method"]
if m ~= "GET" and m ~= "HEAD" then
	return 0
end
local h = r.req_header
local cookie = h["Cookie"]
if cookie ~= nil and cookie:find("sid=", 1, true) then
	return 0
end
local accept = h["Accept"]
if accept ~= nil and accept:find("application/json", 1, true) then
	return 0
end
local name = page_name(path, a["uri.query"])
if name == nil then
	return 0
end
local enc = h["Accept-Encoding"]
if enc ~= nil and enc:find("gzip", 1, true) then
	name = name .. ".gz"
end
-- The address itself rides along as the query, for the way back.
r.req_env["SHOP_PAGE_TRIED"] = "1"
a["request.uri"] = "/_pages/" .. name .. "?" .. a["request.uri"]
return lighty.RESTART_REQUEST
