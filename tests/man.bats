#!/usr/bin/env bats
# Man pages: lint-clean, installed, and in step with each program's --help.
bats_require_minimum_version 1.5.0
load helpers

# Programs and where they live.
progs="ds-fetch ds-transform ds-load ds-checkpoint ds-status ds-arg ds-run ds-pg ds-files"

prog_path() {
	case $1 in
	ds-run|ds-pg|ds-files) echo "$DS_TOP/scripts/$1" ;;
	*) echo "$DS_BIN/$1" ;;
	esac
}

@test "every man page is mandoc -Tlint clean" {
	run --separate-stderr mandoc -Tlint -Wwarning "$DS_TOP"/man/*.[1-9]
	assert_status 0
	assert_equal "$output" ""
}

@test "every program has a man page with the required sections" {
	for p in $progs; do
		m=$DS_TOP/man/$p.1
		[ -f "$m" ] || { echo "missing $m" >&2; return 1; }
		for s in SYNOPSIS DESCRIPTION "EXIT STATUS" ENVIRONMENT EXAMPLES "SEE ALSO"; do
			grep -q "^\.Sh $s" "$m" || { echo "$m lacks $s" >&2; return 1; }
		done
	done
	[ -f "$DS_TOP/man/ds.7" ]
}

@test "every option in each program's --help appears in its man page" {
	for p in $progs; do
		[ "$p" = ds-pg ] && continue
		help=$("$(prog_path "$p")" --help 2>&1) || true
		[ -n "$help" ] || { echo "$p --help printed nothing" >&2; return 1; }
		page=$(mandoc -Tascii "$DS_TOP/man/$p.1" | col -b)
		for o in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
			case "$page" in
			*"$o"*) ;;
			*) echo "$p: $o is in --help but not in man/$p.1" >&2; return 1 ;;
			esac
		done
	done
}

@test "make install puts programs, scripts and man pages under DESTDIR" {
	d=$(mktemp -d)
	run --separate-stderr make -C "$DS_TOP" -s install DESTDIR="$d" PREFIX=/usr/local
	assert_status 0
	for p in $progs; do
		[ -x "$d/usr/local/bin/$p" ] || { echo "not installed: $p" >&2; return 1; }
		[ -f "$d/usr/local/share/man/man1/$p.1" ] || { echo "no man page: $p" >&2; return 1; }
	done
	for h in ds-run-config ds-run-report; do
		[ -x "$d/usr/local/bin/$h" ] || { echo "not installed beside ds-run: $h" >&2; return 1; }
	done
	[ -f "$d/usr/local/bin/ds-lib.bash" ] || { echo "not installed beside ds-run: ds-lib.bash" >&2; return 1; }
	[ -f "$d/usr/local/share/man/man7/ds.7" ]
	rm -rf "$d"
}

# opts: the long options named on stdin, one per line, sorted.
opts() {
	grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# readme_synopsis PROG: the indented synopsis under README's "### PROG" heading.
readme_synopsis() {
	awk -v h="### $1 " 'index($0, h) == 1 { f = 1; next }
	    f && /^    / { print; g = 1; next } f && g { exit }' "$DS_TOP/README.md"
}

@test "ds-transform, ds-files and ds-mockapi name the same options in their usage, their man page's SYNOPSIS and README's synopsis" {
	for p in ds-transform ds-files ds-mockapi; do
		case $p in
		ds-files) u=$("$DS_TOP/scripts/ds-files" --help 2>&1) ;;
		*) u=$("$DS_BIN/$p" --help 2>&1) ;;
		esac
		want=$(printf '%s\n' "$u" | opts)
		[ "$(printf '%s\n' "$want" | wc -l)" -ge 6 ]
		assert_equal "$p README: $(readme_synopsis "$p" | opts | paste -sd' ')" "$p README: $(printf '%s\n' "$want" | paste -sd' ')"
		[ "$p" = ds-mockapi ] && continue	# not installed: no man page
		syn=$(mandoc -Tascii "$DS_TOP/man/$p.1" | col -b | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p')
		assert_equal "$p man: $(printf '%s\n' "$syn" | opts | paste -sd' ')" "$p man: $(printf '%s\n' "$want" | paste -sd' ')"
	done
}
