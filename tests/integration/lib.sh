# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the integration tests (sourced, not run).
# Exit codes follow meson: 0 pass, 1 fail, 77 skip.

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
ok() { echo "ok - $*"; }

# need_env VAR...: every variable must be set by meson
need_env() {
	local v
	for v in "$@"; do
		[ -n "${!v:-}" ] || fail "$v is not set (run through meson test)"
	done
}

# need_testbus: the shared scripts, dbus-daemon and polkitd, as root
need_testbus() {
	[ -x "$TESTBUS/with-system-bus" ] || skip "testbus scripts not found in $TESTBUS"
	command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
	[ -x /usr/lib/polkit-1/polkitd ] || skip "polkitd is not installed"
	[ "$(id -u)" = 0 ] || skip "a private polkitd with test actions needs root (unshare -m)"
}

# has_owner: does org.ikebus.ike1 have an owner on the test system bus?
has_owner() {
	busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus NameHasOwner s org.ikebus.ike1 | grep -qx 'b true'
}

# wait_owner yes|no: wait up to 15 s (valgrind is slow to start) for the
# name to appear or vanish
wait_owner() {
	local i
	for i in $(seq 150); do
		if [ "$1" = yes ]; then has_owner && return 0
		else has_owner || return 0; fi
		sleep 0.1
	done
	return 1
}

daemon_pid() {
	busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus GetConnectionUnixProcessID s org.ikebus.ike1 | awk '{print $2}'
}
