# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the ikebus-applet tests (sourced after lib.sh, not run): a
# private Xvfb, the applet with --dump-state and --test-control on a fifo,
# waiting on its JSON state, screenshots into the build dir, and adding
# connections through the real ikebusd.

xvfb_pid="" applet_pid="" applet_tmp="" daemon_pid=""
applet_cleanup() {
	[ -n "$applet_pid" ] && kill "$applet_pid" 2>/dev/null && wait "$applet_pid" 2>/dev/null
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
	exec 7>&- 2>/dev/null
	[ -n "$applet_tmp" ] && rm -rf "$applet_tmp"
}

# applet_init: inside the private bus; a scratch dir removed on exit
applet_init() {
	applet_tmp=$(mktemp -d /tmp/ikebus-applet-test.XXXXXX)
	chmod 755 "$applet_tmp"
	applet_log="$applet_tmp/applet.log"
	trap applet_cleanup EXIT
	cd /  # an unprivileged applet must be able to stay in the working directory
}

# applet_need_tools: skip unless Xvfb, import and jq are there
applet_need_tools() {
	command -v Xvfb >/dev/null || skip "Xvfb is not installed"
	command -v import >/dev/null || skip "ImageMagick (import) is not installed"
	command -v jq >/dev/null || skip "jq is not installed"
	command -v busctl >/dev/null || skip "busctl is not installed"
}

# start_xvfb: a private X server; sets DISPLAY
start_xvfb() {
	local i disp
	Xvfb -displayfd 3 -screen 0 640x720x24 -nolisten tcp \
		3>"$applet_tmp/display" </dev/null >"$applet_tmp/xvfb.log" 2>&1 &
	xvfb_pid=$!
	for i in $(seq 100); do [ -s "$applet_tmp/display" ] && break; sleep 0.05; done
	disp=$(head -n1 "$applet_tmp/display" 2>/dev/null)
	[ -n "$disp" ] || fail "Xvfb did not start: $(cat "$applet_tmp/xvfb.log")"
	export DISPLAY=":$disp"
	unset WAYLAND_DISPLAY
}

# start_applet [runuser -u USER --]: the applet reads commands from fd 7;
# its output is in $applet_log
start_applet() {
	mkfifo "$applet_tmp/ctl"
	chmod 666 "$applet_tmp/ctl"
	# cairo renders the same everywhere; no accessibility bus; an
	# unreachable session bus so GApplication runs non-unique
	env GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1 \
		DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/ikebus-test-bus \
		XDG_CONFIG_HOME="$applet_tmp/config" \
		"$@" "$IKEBUS_APPLET" --dump-state --test-control \
		<"$applet_tmp/ctl" >"$applet_log" 2>&1 &
	applet_pid=$!
	exec 7>"$applet_tmp/ctl"
}

# send COMMAND...: one --test-control command
send() { echo "$*" >&7; }

# last_state: the last complete JSON the applet printed (a line still being
# written does not end in "}")
last_state() { grep '^state: .*}$' "$applet_log" | tail -n1 | cut -c8-; }

# wait_state JQ-EXPRESSION [SECONDS]: until the last state satisfies it
wait_state() {
	local i s
	for i in $(seq $((${2:-15} * 10))); do
		# jq 1.6 -e succeeds on empty input: check there is a state first
		s=$(last_state)
		[ -n "$s" ] && printf '%s\n' "$s" | jq -e "$1" >/dev/null 2>&1 && return 0
		kill -0 "$applet_pid" 2>/dev/null || fail "the applet exited: $(cat "$applet_log")"
		sleep 0.1
	done
	echo "--- last state:" >&2
	last_state | jq . >&2
	echo "--- applet log (tail):" >&2
	grep -v '^state: ' "$applet_log" | tail -n 20 >&2
	fail "timed out waiting for: $1"
}

# state_get JQ-EXPRESSION: a value from the last state (raw)
state_get() { last_state | jq -r "$1"; }

# screenshot NAME: $OUT_DIR/NAME.png, checked to be a real image
screenshot() {
	local png="$OUT_DIR/$1.png" colors
	sleep 0.5 # let the frame clock draw
	import -window root "$png" || fail "import failed for $png"
	colors=$(identify -format '%k' "$png" 2>/dev/null) || fail "$png is not an image"
	[ "${colors:-0}" -gt 8 ] || fail "$png looks blank ($colors colours)"
	echo "  screenshot: $png ($colors colours)"
}

# add_connection NAME PEER [extra busctl a{sv} entries as COUNT-less words]:
# Manager.AddConnection through busctl; prints busctl's error on failure
add_connection() {
	local name=$1 peer=$2
	busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager \
		AddConnection 'sa{sv}a{sv}' "$name" 5 left-host s %defaultroute \
		right-host s "$peer" psk b true encrypt b true right-subnet as 1 "$3" 0 2>&1
}

# skip_unless_served OUTPUT WHAT: skip when the daemon does not offer WHAT yet
skip_unless_served() {
	case "$1" in
	*UnknownMethod*|*NotSupported*|*UnknownObject*|*UnknownInterface*|*"Unknown method"*)
		skip "ikebusd does not serve $2 yet: $1" ;;
	esac
}

# audit_seen CALL: did ikebusd log an authorized CALL (Interface.Method)?
audit_seen() { grep -q "audit: .*call=org.ikebus.ike1.$1" "$daemon_log" 2>/dev/null; }

# wait_audit CALL [SECONDS]
wait_audit() {
	local i
	for i in $(seq $((${2:-10} * 10))); do
		audit_seen "$1" && return 0
		sleep 0.1
	done
	return 1
}

# start_daemon: ikebusd started by hand (not activated), so that its log
# (with the audit lines) is ours and its connection store is a scratch dir
daemon_log=""
start_daemon() {
	daemon_log="$applet_tmp/ikebusd.log"
	mkdir -p "$applet_tmp/state"
	"$IKEBUSD" --state-dir "$applet_tmp/state" ${IKEBUSD_ARGS:-} >>"$daemon_log" 2>&1 &
	daemon_pid=$!
	wait_owner yes || fail "ikebusd did not start: $(cat "$daemon_log")"
}

# stop_daemon: Manager.Shutdown, then wait for the process
stop_daemon() {
	busctl --system call org.ikebus.ike1 /org/ikebus/ike1 org.ikebus.ike1.Manager \
		Shutdown 'a{sv}' 0 >/dev/null 2>&1 || fail "Shutdown failed"
	wait_owner no || fail "ikebusd did not leave the bus"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=""
}
