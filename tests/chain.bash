#!/usr/bin/env bash
# chain.bash - helpers for tests that run ds-run against ds-mockapi: a run in
# the foreground or in a session of its own, its stages, and the table against
# the mock's manifest. Loaded after helpers.bash; uses STATE, T and DATABASE_URL.
# shellcheck disable=SC2034 # BG, BG_OUT, BG_ERR and status are read by the tests

# ds_run ARGS...: ds-run on this test's database and state directory.
ds_run() {
	run --separate-stderr ds-run --state-dir "$STATE" --db "$DATABASE_URL" "$@"
}

# start_bg ARGS...: ds-run in a session of its own, in the background; sets
# BG (its pid), BG_OUT and BG_ERR.
start_bg() {
	BG_OUT=$T/bg.out BG_ERR=$T/bg.err
	# A background job of a script starts with SIGINT ignored: undo that.
	setsid env --default-signal=INT ds-run --state-dir "$STATE" --db "$DATABASE_URL" "$@" >"$BG_OUT" 2>"$BG_ERR" &
	BG=$!
	BG_PIDS="${BG_PIDS:-} $BG"
}

# wait_bg: wait for $BG; set status like run does.
wait_bg() {
	status=0
	wait "$BG" || status=$?
}

# wait_for_stage NAME: wait (up to 20 s) until the stage runs in $BG's session; print its pid.
wait_for_stage() {
	local _ p
	for _ in $(seq 1 200); do
		for p in $(session_pids "$BG"); do
			if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ]; then
				echo "$p"
				return 0
			fi
		done
		sleep 0.1
	done
	echo "$1 never ran" >&2
	return 1
}

# ids_match MANIFEST: the table holds exactly the manifest's valid ids.
ids_match() {
	awk -F '\t' '$1 == "valid" { print $2 }' "$1" | LC_ALL=C sort >"$T/want"
	sql "select id from events" | LC_ALL=C sort >"$T/got"
	if ! cmp -s "$T/want" "$T/got"; then
		echo "ids differ (< manifest, > table):" >&2
		diff "$T/want" "$T/got" | head -n 20 >&2
		return 1
	fi
}
