#!/usr/bin/env bats
# docker/: no Docker engine runs on these machines, so check what can be checked here.
bats_require_minimum_version 1.5.0
load helpers

@test "compose.yaml and cronjob.yaml parse as YAML with the expected services" {
	run --separate-stderr /usr/bin/python3 -c '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
print(" ".join(sorted(c["services"])))
print(c["services"]["ds-run"]["depends_on"]["postgres"]["condition"])
k = yaml.safe_load(open(sys.argv[2]))
print(k["kind"], k["spec"]["concurrencyPolicy"])
' "$DS_TOP/docker/compose.yaml" "$DS_TOP/docker/cronjob.yaml"
	assert_status 0
	assert_equal "$output" "ds-run mockapi postgres
service_healthy
CronJob Forbid"
}

@test "the runtime stage installs a package for every library the programs link" {
	pkgs=$(sed -n '/RUNTIME-PACKAGES-BEGIN/,/RUNTIME-PACKAGES-END/p' "$DS_TOP/docker/Dockerfile")
	missing="" seen=0
	for b in "$DS_BIN"/ds-fetch "$DS_BIN"/ds-transform "$DS_BIN"/ds-load \
	    "$DS_BIN"/ds-checkpoint "$DS_BIN"/ds-mockapi; do
		[ -x "$b" ] || continue
		seen=$((seen + 1))
		for lib in $(ldd "$b" | awk '/=>/ { print $3 }'); do
			pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1)
			[ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1)
			case "$pkg" in
			libc6|libgcc-s1|"") continue ;;
			esac
			# Libraries pulled in by another library come with its package.
			direct=$(objdump -p "$b" | awk '/NEEDED/ { print $2 }')
			case " $(echo "$direct" | tr '\n' ' ') " in
			*" $(basename "$lib") "*) ;;
			*) continue ;;
			esac
			case "$pkgs" in
			*" $pkg "*|*" $pkg"$'\n'*) ;;
			*) missing="$missing $(basename "$b"):$pkg" ;;
			esac
		done
	done
	assert_equal "$missing" ""
	[ "$seen" -eq 5 ] || { echo "only $seen programs built" >&2; return 1; }
}

@test "the build stage installs the same -dev packages make deps does" {
	for p in $(grep -o 'lib[a-z0-9-]*-dev' "$DS_TOP/docker/Dockerfile" | sort -u); do
		grep -q "$p" "$DS_TOP/scripts/ds-deps" || { echo "not in ds-deps: $p" >&2; return 1; }
	done
}
