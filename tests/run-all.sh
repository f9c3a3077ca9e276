#!/bin/bash
# Installs what ikebus needs (Debian 12, as root), builds it three ways and runs
# every test suite, then prints one closing line "N passed, N failed[, N skipped]"
# counted from meson's own results.  This is the README's test command and
# exactly what CI runs (.ci/run).
#
#   1. main build (gcc, -Dwarning_level=3 -Dwerror=true): suites unit, fuzz
#      (corpus replay), integration (real dbus-daemon + polkitd, netns),
#      interop (strongSwan and Libreswan peers in network namespaces)
#   2. ASan+UBSan build: suite unit
#   3. valgrind over the unit suite of build 1
#   4. clang libFuzzer build: the fuzzer runs for a bounded time
#
# Environment: FUZZ_SECONDS (default 60), SKIP_INSTALL=1 to skip apt.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
jobs=$(nproc)

note() { printf '\n=== %s\n' "$*"; }

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
	note "installing Debian packages (debian-packages.txt)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || exit 1
	# shellcheck disable=SC2046
	apt-get install -y -q --no-install-recommends $(grep -v '^#' debian-packages.txt) || exit 1
	# real peers for tests/interop: strongSwan, Libreswan (unpacked), tshark
	if [ -x ../shared/interop/install-deps ]; then
		note "installing interop peers (../shared/interop/install-deps)"
		../shared/interop/install-deps || exit 1
	fi
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# run_suite NAME BUILDDIR [meson test args...]: runs meson test and keeps its
# JSON log so that the counts come from meson, not from us.
run_suite() {
	local name=$1 dir=$2 rc log
	shift 2
	note "meson test: $name"
	rm -f "$dir"/meson-logs/testlog*.json
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs" "$@"
	rc=$?
	# meson names the log after the wrapper (testlog-valgrind.json)
	log=$(ls "$dir"/meson-logs/testlog*.json 2>/dev/null | head -n 1)
	if [ -n "$log" ] && [ -s "$log" ]; then
		cp "$log" "$results/$name.json"
	elif [ $rc -ne 0 ]; then
		# meson itself failed before running anything: count it
		echo '{"name": "'"$name"'", "result": "FAIL"}' > "$results/$name.json"
	fi
}

record() { # record NAME RESULT: for steps that are not meson tests
	echo '{"name": "'"$1"'", "result": "'"$2"'"}' >> "$results/steps.json"
}

build() { # build DIR [meson setup args...]
	local dir=$1
	shift
	note "building $dir $*"
	if meson setup --wipe "$dir" "$@" >"$results/setup-$(basename "$dir").log" 2>&1 ||
	   meson setup "$dir" "$@" >"$results/setup-$(basename "$dir").log" 2>&1; then
		ninja -C "$dir" -j "$jobs" && return 0
	else
		cat "$results/setup-$(basename "$dir").log"
	fi
	record "build-$(basename "$dir")" FAIL
	return 1
}

if build _build-ci -Dwarning_level=3 -Dwerror=true; then
	run_suite main _build-ci --suite unit --suite fuzz --suite integration --suite interop
	if command -v valgrind >/dev/null; then
		IKEBUS_TEST_TIME_SCALE=20 run_suite valgrind _build-ci --suite unit --no-suite timers \
			--timeout-multiplier 10 \
			--wrapper 'valgrind --error-exitcode=99 --leak-check=no --quiet'
	fi
fi

if build _build-asan -Dwarning_level=3 -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false -Dapplet=disabled; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_suite asan _build-asan --suite unit
fi

if command -v clang >/dev/null; then
	if CC=clang build _build-fuzz -Dfuzzing=enabled -Dapplet=disabled -Dwarning_level=3 -Dwerror=true; then
		run_suite fuzz-replay-clang _build-fuzz --suite fuzz
		if [ -x tests/fuzz/run-fuzzer ]; then
			note "libFuzzer for ${FUZZ_SECONDS}s"
			if tests/fuzz/run-fuzzer --build _build-fuzz --time "$FUZZ_SECONDS"; then
				record libfuzzer-ike-message OK
			else
				record libfuzzer-ike-message FAIL
			fi
		fi
	fi
fi

note "summary"
python3 - "$results" <<'PY'
import json, os, sys
passed = failed = skipped = 0
for f in sorted(os.listdir(sys.argv[1])):
    if not f.endswith('.json'):
        continue
    p = q = s = 0
    for line in open(os.path.join(sys.argv[1], f)):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line).get('result')
        if r in ('OK', 'EXPECTEDFAIL'):
            p += 1
        elif r == 'SKIP':
            s += 1
        else:
            q += 1
    print(f"  {f[:-5]:<20} {p} passed, {q} failed, {s} skipped")
    passed += p; failed += q; skipped += s
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
PY
