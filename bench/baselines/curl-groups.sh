#!/bin/sh
# The peer baseline, step 2: each group's body gets its community's id from step 1's output
# (awk join), then one curl per group, 8 at a time, no retries.
#   curl-groups.sh URL TOKEN community-ids.tsv < groups.tsv (handle<TAB>key<TAB>json) > group-ids.tsv
export URL="$1" TOKEN="$2"
awk -F '\t' 'NR == FNR { id[$1] = $2; next }
  id[$1] != "" { printf "%s/%s\t{\"community_id\":\"%s\",%s\n", $1, $2, id[$1], substr($3, 2) }' "$3" - |
xargs -d '\n' -P "${PARALLEL:-8}" -n 1 sh -c '
  key=${1%%	*}
  body=${1#*	}
  id=$(curl -s -X POST "$URL/api/thirdparty/group/create" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d "$body" \
    | sed -n "s/.*\"group_id\":\"\([^\"]*\)\".*/\1/p")
  printf "%s\t%s\n" "$key" "$id"
' sh
