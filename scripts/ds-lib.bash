# shellcheck shell=bash
# ds-lib.bash - what the ds scripts (ds-run, ds-run-config, ds-run-report)
# share: the logfmt writer (log, q, die: lines as lib/log.c writes them) and
# the atomic write (putfile). Sourced, never run; found beside the sourcing
# script, in the tree (scripts/) and installed ($PREFIX/bin).
# The sourcing script sets prog; loglevel (0 error, 1 warn, 2 info) is read
# here from DS_LOG_LEVEL, and a script may lower it later.

case ${DS_LOG_LEVEL:-} in
error) loglevel=0 ;;
warn) loglevel=1 ;;
*) loglevel=2 ;;
esac

# log LEVEL MSG [KEY=VALUE...]: one logfmt line on stderr, unless LEVEL is
# below loglevel; empty KEY=VALUE arguments are left out.
log() {
	local level=$1 msg=$2 ts kv='' a now
	shift 2
	case $level in
	info) [ "$loglevel" -ge 2 ] || return 0 ;;
	warn) [ "$loglevel" -ge 1 ] || return 0 ;;
	esac
	for a in "$@"; do
		[ -n "$a" ] && kv="$kv $a"
	done
	# one reading of the clock for the seconds and the milliseconds
	now=$EPOCHREALTIME
	TZ=UTC printf -v ts '%(%Y-%m-%dT%H:%M:%S)T' "${now%[.,]*}"
	msg=${msg//\\/\\\\}
	msg=${msg//\"/\\\"}
	# shellcheck disable=SC2154 # prog is set by the sourcing script
	printf 'ts=%s.%sZ level=%s prog=%s msg="%s"%s\n' "$ts" "${now: -6:3}" \
		"$level" "$prog" "$msg" "$kv" >&2
}

# q VALUE: VALUE as a logfmt value (quoted when it holds spaces, quotes or =).
q() {
	local v=$1
	case $v in
	'' | *[[:space:]\"=\\]*)
		v=${v//\\/\\\\}
		printf '"%s"' "${v//\"/\\\"}"
		;;
	*) printf '%s' "$v" ;;
	esac
}

# die STATUS MSG...: log MSG as an error and exit STATUS.
die() {
	local status=$1
	shift
	log error "$*"
	exit "$status"
}

# putfile FILE: replace FILE with stdin by a new temporary file (noclobber:
# created, never opened through a link) renamed over it, so a symbolic link
# at either name is replaced, never followed. On failure (status 1) the
# temporary file is removed and FILE is as it was.
putfile() {
	local tmp=$1.$BASHPID.tmp
	rm -f -- "$tmp" && (set -C && cat >"$tmp") && mv -f -- "$tmp" "$1" && return 0
	rm -f -- "$tmp"
	return 1
}
