#!/usr/bin/env bats
# The build: `make` checks its libraries and never installs anything; `make
# deps` installs the build, test and demo packages; `make check` and `make
# demo` run `make deps` first. Each test works in its own copy of the source
# tree, with package managers replaced by recorders, so the real build
# directories and the machine's packages are never touched.
bats_require_minimum_version 1.5.0
load helpers

# Every command that could install or query a package: each records its call.
managers="apt-get apt aptitude dpkg dpkg-query sudo"

setup() {
	unset MAKEFLAGS MAKELEVEL MFLAGS
	tree=$BATS_TEST_TMPDIR/tree
	fake=$BATS_TEST_TMPDIR/fake
	calls=$BATS_TEST_TMPDIR/calls
	mkdir -p "$tree" "$fake"
	: >"$calls"
	# The source files as they are in the working tree (new ones included).
	if git -C "$DS_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$DS_TOP" && git ls-files -z -co --exclude-standard |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
			tar --null -T - -cf -) | tar -xf - -C "$tree"
	else
		(cd "$DS_TOP" && tar --exclude=./bin --exclude=./build -cf - .) |
			tar -xf - -C "$tree"
	fi
	for m in $managers; do
		printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 1\n' "$m" "$calls" >"$fake/$m"
		chmod +x "$fake/$m"
	done
	# Outside make deps's run as root the recorder must not even be asked.
	cat >"$fake/id" <<-EOF
		#!/bin/sh
		[ "\$1" = -u ] && { echo "\${FAKE_UID:-1000}"; exit 0; }
		exec /usr/bin/id "\$@"
	EOF
	chmod +x "$fake/id"
	PATH=$fake:$PATH
}

# fake_pkg_config: a pkg-config that knows no library at all.
fake_pkg_config() {
	printf '#!/bin/sh\nexit 1\n' >"$fake/pkg-config"
	chmod +x "$fake/pkg-config"
}

@test "make with every library missing calls no package manager and names each package" {
	fake_pkg_config
	run --separate-stderr make -C "$tree" --no-print-directory
	assert_status 2
	assert_equal "$output" ""
	for p in libcurl4-openssl-dev libpq-dev libzstd-dev libmicrohttpd-dev nettle-dev \
		zlib1g-dev libdeflate-dev libonig-dev; do
		assert_stderr_contains "install the Debian package $p"
	done
	assert_stderr_contains "missing build dependency libcurl: install the Debian package libcurl4-openssl-dev"
	assert_stderr_contains "ds-deps: as root: apt-get install libcurl4-openssl-dev libpq-dev"
	assert_equal "$(cat "$calls")" ""
	[ ! -e "$tree/build/obj/lib/buf.o" ] || { echo "compiled despite the check" >&2; return 1; }
}

@test "make with the compiler or libjq missing names build-essential, clang or libjq-dev" {
	run --separate-stderr make -C "$tree" --no-print-directory CC=/nonexistent/cc
	assert_status 2
	assert_stderr_contains "missing build dependency the C compiler /nonexistent/cc: install the Debian package build-essential"
	run --separate-stderr make -C "$tree" --no-print-directory CC=/nonexistent/clang-99
	assert_status 2
	assert_stderr_contains "missing build dependency the C compiler /nonexistent/clang-99: install the Debian package clang"
	# A compiler that finds no jq.h: libjq has no .pc file on Debian 12.
	printf '#!/bin/sh\necho "jq.h: No such file" >&2\nexit 1\n' >"$fake/nojqcc"
	chmod +x "$fake/nojqcc"
	run --separate-stderr make -C "$tree" --no-print-directory CC=nojqcc
	assert_status 2
	assert_stderr_contains "missing build dependency jq.h: install the Debian package libjq-dev"
	assert_stderr_lacks "libcurl4-openssl-dev"
	assert_equal "$(cat "$calls")" ""
}

@test "make with every library present builds every program and calls no package manager" {
	run --separate-stderr make -C "$tree" --no-print-directory -j2 CFLAGS=-O0
	assert_status 0
	assert_stderr_lacks "ds-deps"
	for p in ds-fetch ds-transform ds-load ds-checkpoint ds-status ds-mockapi ds-unit; do
		[ -x "$tree/bin/$p" ] || { echo "bin/$p not built" >&2; return 1; }
	done
	assert_equal "$(cat "$calls")" ""
	# Built already: make checks again and compiles nothing.
	run --separate-stderr make -C "$tree" --no-print-directory CFLAGS=-O0
	assert_status 0
	assert_equal "$output" ""
}

@test "make deps as root installs the build, test and demo packages with apt-get" {
	FAKE_UID=0 run --separate-stderr make -C "$tree" --no-print-directory deps
	# The recording apt-get fails, as a broken mirror would.
	assert_status 2
	assert_stderr_contains "ds-deps: installing: build-essential pkg-config"
	run grep -v '^dpkg-query ' "$calls"
	assert_equal "$output" "apt-get update -qq"
	# apt-get update succeeding: the install follows, with every package.
	printf '#!/bin/sh\necho "apt-get $*" >>"%s"\n' "$calls" >"$fake/apt-get"
	: >"$calls"
	FAKE_UID=0 run --separate-stderr make -C "$tree" --no-print-directory deps
	assert_status 0
	run grep '^apt-get install' "$calls"
	assert_output_contains "apt-get install -y -qq --no-install-recommends build-essential pkg-config"
	for p in libjq-dev libonig-dev postgresql postgresql-15-postgis-3 bats miller shellcheck \
		valgrind python3-yaml; do
		assert_output_contains " $p"
	done
}

@test "make deps as another user prints the apt-get line and installs nothing" {
	run --separate-stderr make -C "$tree" --no-print-directory deps
	assert_status 2
	assert_stderr_contains "ds-deps: missing packages; run as root:"
	assert_stderr_contains "apt-get update && apt-get install -y build-essential pkg-config"
	assert_stderr_contains " miller "
	run grep -v '^dpkg-query ' "$calls"
	assert_equal "$output" ""
}

@test "make check and make demo run make deps before building anything" {
	for goal in check demo; do
		run --separate-stderr make -C "$tree" --no-print-directory "$goal"
		assert_status 2
		assert_stderr_contains "ds-deps: missing packages; run as root:"
		[ ! -e "$tree/bin" ] || { echo "make $goal built before make deps" >&2; return 1; }
	done
	run grep -v '^dpkg-query ' "$calls"
	assert_equal "$output" ""
}
