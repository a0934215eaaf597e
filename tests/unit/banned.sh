#!/bin/sh
# banned.sh: the banned-function check (after curl's checksrc): fails if
# src/, cgi-bin/ or tools/ call strcpy strcat sprintf vsprintf gets atoi atol
# strtok strncpy system popen. snprintf, strtok_r and friends are fine.
# Run by `make check` with $top_srcdir set; defaults to this script's ../..
top_srcdir=${top_srcdir:-$(dirname "$0")/../..}

banned='strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|strncpy'
banned="$banned|system|popen"
# A call: the name, not inside a longer identifier, then blanks and '('.
pattern="(^|[^A-Za-z0-9_])($banned)[[:space:]]*\\("

status=0
for dir in src cgi-bin tools; do
	if [ ! -d "$top_srcdir/$dir" ]; then
		echo "banned.sh: no directory $top_srcdir/$dir" >&2
		exit 1
	fi
done

hits=$(cd "$top_srcdir" && grep -rnE --include='*.c' --include='*.h' \
    "$pattern" src cgi-bin tools)
rc=$?
if [ $rc -gt 1 ]; then
	echo "banned.sh: grep failed" >&2
	exit 1
fi
if [ -n "$hits" ]; then
	echo "banned.sh: banned functions used (see STYLE.md, Memory):" >&2
	echo "$hits" >&2
	status=1
fi
exit $status
