#!/bin/sh
# Print the input limits of lib/core/limits.h that the web servers
# enforce too, as NAME=value lines, for make to fill in the server
# configurations (httpd-conf/*.in: @MAX_BODY@, @MAX_BODY_KIB@, and
# @MAX_UPLOAD_BODY@, @MAX_UPLOAD_BODY_KIB@ for the image upload route)
# and for the tests to do the same. The header stays the one place they are set.
# usage: limits.sh [lib/core/limits.h]
set -eu
h=${1:-$(dirname "$0")/../lib/core/limits.h}
eval_limit() {	# NAME: the macro's value, evaluated by the preprocessor and sh
	v=$(printf '#include "%s"\n%s\n' "$(cd "$(dirname "$h")" && pwd)/$(basename "$h")" "$1" |
	    ${CPP:-cc -E} -P - | tail -n 1)
	echo $(($v))
}
body=$(eval_limit SHOP_MAX_BODY)
echo "MAX_BODY=$body"
echo "MAX_BODY_KIB=$(( (body + 1023) / 1024 ))"
upload=$(eval_limit SHOP_MAX_UPLOAD_BODY)
echo "MAX_UPLOAD_BODY=$upload"
echo "MAX_UPLOAD_BODY_KIB=$(( (upload + 1023) / 1024 ))"
