#!/bin/sh
# The peer baseline, step 1: what a hurried engineer writes. One curl per community, 8 at a
# time (xargs -P), no retries, the id scraped from the answer with sed.
#   curl-communities.sh URL TOKEN < communities.tsv (handle<TAB>json) > community-ids.tsv
export URL="$1" TOKEN="$2"
xargs -d '\n' -P "${PARALLEL:-8}" -n 1 sh -c '
  handle=${1%%	*}
  body=${1#*	}
  id=$(curl -s -X POST "$URL/api/thirdparty/community/create" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "$body" \
    | sed -n "s/.*\"community_id\":\"\([^\"]*\)\".*/\1/p")
  printf "%s\t%s\n" "$handle" "$id"
' sh
