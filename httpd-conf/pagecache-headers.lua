-- The headers of a page the page cache served (httpd-conf/pagecache.lua),
-- at the start of its response (magnet.attract-response-start-to): the
-- catalog program's security headers and caching, and the encoding of a
-- gzip variant. A request that went on to the program keeps the
-- program's own headers: only a file under /_pages/ gets these.

local r = lighty.r
local path = r.req_attr["uri.path"]

if path:sub(1, 8) ~= "/_pages/" then
	return 0
end
local h = r.resp_header
h["Cache-Control"] = "public, max-age=1"
h["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; " ..
    "style-src 'self'; script-src 'self'; object-src 'none'; " ..
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
h["X-Content-Type-Options"] = "nosniff"
h["X-Frame-Options"] = "DENY"
h["Referrer-Policy"] = "same-origin"
h["Cross-Origin-Opener-Policy"] = "same-origin"
h["Vary"] = "Accept, Cookie, Accept-Encoding"
h["X-Page-Cache"] = "hit"
if path:sub(-3) == ".gz" then
	h["Content-Type"] = "text/html; charset=utf-8"
	h["Content-Encoding"] = "gzip"
end
return 0
