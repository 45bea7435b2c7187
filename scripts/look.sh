#!/usr/bin/env bash
# Look at the real window: start the till in demo mode under a virtual X
# server, screenshot the login screen, sign in as the demo cashier by typing
# (xdotool), screenshot the main screen, and stop the till.
#
#   scripts/look.sh BIN LOGIN.png [MAIN.png [SALE.png [PAID.png]]]
#
# MAIN.png defaults to main.png next to LOGIN.png. With SALE.png the
# cashier then types barcodes into the sale screen (LOOK_SCAN, each followed
# by Enter, at a person's speed so the keyboard wedge hands them to the
# field) and the bill is shot; with PAID.png F12 opens the payment with the
# exact amount, Enter takes it as cash and prints the receipt on the emulated
# register, and the screen with the change notice is shot. Environment:
#   LOOK_LANG      window language (en, ru, it; default en)
#   LOOK_SIZE      screen size (default 1280x800)
#   LOOK_ARGS      more flags for the till, e.g. -fullscreen
#   LOOK_DENY_PNG  with SALE.png: also press F4 and ask a 15 % line discount
#                  on the last line (over the demo cashier's 5 %) and shoot the
#                  denial with its reason and "Ask supervisor"
#   LOOK_SCAN      barcodes to ring up (default two demo items, one ×2, and
#                  a 455 g weight label of the demo apples)
#   LOOK_LOGIN / LOOK_PASSWORD   who signs in (default the demo cashier,
#                  store.DemoUsers; a test in cmd/till keeps them in step)
# Needs xvfb-run and ImageMagick's import; without xdotool only the login
# screen is taken. Each run uses a fresh demo database and HOME in a temp dir,
# so it never touches the developer's till.
set -euo pipefail

bin=${1:?usage: look.sh BIN LOGIN.png [MAIN.png]}
login_png=${2:?usage: look.sh BIN LOGIN.png [MAIN.png]}
main_png=${3:-$(dirname "$login_png")/main.png}
sale_png=${4:-}
paid_png=${5:-}
size=${LOOK_SIZE:-1280x800}

for tool in xvfb-run import; do
	command -v "$tool" >/dev/null || { echo "look.sh: $tool is missing (make look installs it)" >&2; exit 1; }
done

bin=$(realpath "$bin")
mkdir -p "$(dirname "$login_png")" "$(dirname "$main_png")"
login_png=$(realpath "$login_png")
main_png=$(realpath "$main_png")
[ -n "$sale_png" ] && sale_png=$(realpath "$sale_png")
[ -n "$paid_png" ] && paid_png=$(realpath "$paid_png")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export LOOK_BIN=$bin LOOK_TMP=$tmp LOOK_LOGIN_PNG=$login_png LOOK_MAIN_PNG=$main_png LOOK_SALE_PNG=$sale_png LOOK_PAID_PNG=$paid_png
export LOOK_DENY_PNG=${LOOK_DENY_PNG:-}
[ -n "$LOOK_DENY_PNG" ] && { mkdir -p "$(dirname "$LOOK_DENY_PNG")"; LOOK_DENY_PNG=$(realpath "$LOOK_DENY_PNG"); }
export LOOK_SCAN=${LOOK_SCAN:-"2*4600000010007 4600000010076 2200101004558"}
export LOOK_ARGS=${LOOK_ARGS:-} LOOK_LANG=${LOOK_LANG:-en} LOOK_LOGIN=${LOOK_LOGIN:-cashier} LOOK_PASSWORD=${LOOK_PASSWORD:-cashier1}

# Everything that needs the display runs inside one xvfb-run.
xvfb-run -a -s "-screen 0 ${size}x24" bash -euo pipefail -c '
	HOME=$LOOK_TMP/home XDG_CONFIG_HOME=$LOOK_TMP/config "$LOOK_BIN" -demo -db "$LOOK_TMP/till.db" -lang "$LOOK_LANG" $LOOK_ARGS \
		>"$LOOK_TMP/till.log" 2>&1 &
	pid=$!
	stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	trap stop EXIT

	# Wait for the window (first start seeds the demo database).
	win=
	for _ in $(seq 1 120); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "look.sh: the till exited:" >&2; cat "$LOOK_TMP/till.log" >&2; exit 1
		fi
		if command -v xdotool >/dev/null; then
			win=$(xdotool search --onlyvisible --pid "$pid" 2>/dev/null | head -n1 || true)
			[ -n "$win" ] && break
		elif xwininfo -root -tree 2>/dev/null | grep -q "\"Till\|\"Касса\|\"Cassa"; then
			break
		fi
		sleep 0.5
	done
	sleep 2 # first paint
	# The window alone when we know it; the whole screen otherwise.
	shot() { if [ -n "$win" ]; then import -window "$win" "$1"; else import -window root "$1"; fi; }
	shot "$LOOK_LOGIN_PNG"
	echo "look.sh: $LOOK_LOGIN_PNG"

	if [ -z "$win" ]; then
		echo "look.sh: no xdotool, so no main screen" >&2
		exit 0
	fi
	if [ -z "$LOOK_PASSWORD" ]; then
		echo "look.sh: set LOOK_PASSWORD to sign in" >&2
		exit 0
	fi
	xdotool windowactivate --sync "$win" 2>/dev/null || xdotool windowfocus --sync "$win" || true
	# The login field has the focus; Enter moves to the password, Enter signs in.
	xdotool type --delay 40 "$LOOK_LOGIN"
	xdotool key Return
	xdotool type --delay 40 "$LOOK_PASSWORD"
	xdotool key Return
	sleep 3 # argon2id, then the main screen and the first register poll
	shot "$LOOK_MAIN_PNG"
	echo "look.sh: $LOOK_MAIN_PNG"

	[ -n "$LOOK_SALE_PNG" ] || exit 0
	sleep 1 # let import release the display before typing
	xdotool windowactivate --sync "$win" 2>/dev/null || true
	for code in $LOOK_SCAN; do
		xdotool type --delay 120 "$code"
		xdotool key Return
		sleep 1
	done
	sleep 1
	shot "$LOOK_SALE_PNG"
	echo "look.sh: $LOOK_SALE_PNG"

	if [ -n "$LOOK_DENY_PNG" ]; then
		sleep 1
		xdotool key F4
		sleep 1
		xdotool type --delay 120 "15"
		xdotool key Return
		sleep 2
		shot "$LOOK_DENY_PNG"
		echo "look.sh: $LOOK_DENY_PNG"
		xdotool key Escape # clear the notice; the field has the focus again
		sleep 1
	fi

	[ -n "$LOOK_PAID_PNG" ] || exit 0
	xdotool key F12 # pay (Enter in the barcode field never pays)
	sleep 1
	xdotool key Return # the exact amount, cash
	sleep 3 # the receipt on the emulated register
	shot "$LOOK_PAID_PNG"
	echo "look.sh: $LOOK_PAID_PNG"
'
