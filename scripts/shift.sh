#!/usr/bin/env bash
# A cashier's shift on the real binary, by keyboard only (issue 14): start
# `till -demo` on a fresh database under a virtual X server, and with
# xdotool sign in, ring items up (typed at a person's speed, one scanned at
# a scanner's, a typed quantity "3*" then a scan, F2 quantity), pay cash by
# typing the sum handed over (change), pay by card (F2 in the payment),
# press the keys that must NOT take money (Enter in the empty field, Enter
# and F-keys under a dialog), return a sale by its receipt number (F11, the
# number, Enter, Enter)
# and refund it, print an X report (Ctrl+D, Tab, Space); screenshots on the
# way. Then the till is closed and its database (sqlite3) and the emulated
# register's fiscal memory (<db>.register, read with sqlite3's JSON) are
# checked against each other: receipts, payments, change, returns and the
# register's cash counter add up, and nothing was fiscalised that was not
# paid on purpose.
#
#   scripts/shift.sh BIN OUTDIR
#
# Needs xvfb-run, xdotool, ImageMagick's import and sqlite3 (make shift
# installs them). SHIFT_SIZE (default 1280x800) and SHIFT_LANG (en) change
# the screen and the language; SHIFT_LOGIN_DELAY (35 ms) is the login's
# typing speed. Not part of make test: it needs a display.
set -euo pipefail

bin=${1:?usage: shift.sh BIN OUTDIR}
out=${2:?usage: shift.sh BIN OUTDIR}
for tool in xvfb-run xdotool import sqlite3; do
	command -v "$tool" >/dev/null || { echo "shift.sh: $tool is missing (make shift installs it)" >&2; exit 1; }
done
bin=$(realpath "$bin")
mkdir -p "$out"
out=$(realpath "$out")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SHIFT_BIN=$bin SHIFT_TMP=$tmp SHIFT_OUT=$out SHIFT_LANG=${SHIFT_LANG:-en} SHIFT_LOGIN_DELAY=${SHIFT_LOGIN_DELAY:-35}
size=${SHIFT_SIZE:-1280x800}

xvfb-run -a -s "-screen 0 ${size}x24" bash -euo pipefail -c '
	HOME=$SHIFT_TMP/home XDG_CONFIG_HOME=$SHIFT_TMP/config "$SHIFT_BIN" -demo -db "$SHIFT_TMP/till.db" -lang "$SHIFT_LANG" \
		>"$SHIFT_TMP/till.log" 2>&1 &
	pid=$!
	stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	trap stop EXIT
	win=
	for _ in $(seq 1 120); do
		kill -0 "$pid" 2>/dev/null || { echo "shift.sh: the till exited:" >&2; cat "$SHIFT_TMP/till.log" >&2; exit 1; }
		win=$(xdotool search --onlyvisible --pid "$pid" 2>/dev/null | head -n1 || true)
		[ -n "$win" ] && break
		sleep 0.5
	done
	[ -n "$win" ] || { echo "shift.sh: no window" >&2; exit 1; }
	sleep 2
	n=0
	shot() { sleep 1; n=$((n + 1)); import -window "$win" "$SHIFT_OUT/$(printf %02d $n)-$1.png"; echo "shift.sh: $(printf %02d $n)-$1.png"; }
	key() { xdotool key "$@"; sleep 0.7; }
	typed() { xdotool type --delay 120 "$1"; sleep 0.3; }      # a person
	scanned() { xdotool type --delay 4 "$1"; xdotool key Return; sleep 0.8; } # a wedge scanner: a burst with Enter
	xdotool windowactivate --sync "$win" 2>/dev/null || xdotool windowfocus --sync "$win" || true

	# Sign in as the demo supervisor (returns are theirs); the login typed
	# fast, as a cashier who knows it does.
	xdotool type --delay "$SHIFT_LOGIN_DELAY" supervisor; key Return
	typed super123; key Return
	sleep 3
	shot signed-in

	# Sale 1: bread typed, milk scanned, "3*" typed then a scan, F2 = 2 on
	# the last line; pay cash 1000 typed over the prefilled amount.
	typed 4600000010007; key Return
	scanned 4600000010076
	typed "3*"; scanned 4600000010014
	key F2; typed 2; key Return
	shot sale-1
	key Return; key Return                     # Enter in the empty field: no money taken
	key F12; shot pay-1
	typed 1000; key Return
	shot paid-cash

	# Sale 2, paid by card; F9 under no parked bill, Escape in dialogs.
	typed 4600000010021; key Return
	key F11; key F12; key Return; key Escape   # keys under the Return dialog are its own
	key F12; key F2
	shot paid-card

	# Return the card sale by the number on the customer'"'"'s receipt (2): F11
	# has the cursor in the number, Enter finds it, Enter again starts its
	# return; then refund it in cash.
	key F11; typed 2; key Return; shot return-dialog
	key Return; shot return-bill
	key F12; key Return
	shot refunded

	# X report from the shift dialog by keyboard.
	key ctrl+d; shot shift-dialog
	key Tab; key space
	shot x-report
	key ctrl+l; sleep 1
' || { echo "shift.sh: the keyboard run failed; till log:" >&2; cat "$tmp/till.log" >&2; exit 1; }

db=$tmp/till.db
reg=$tmp/till.db.register
[ -f "$reg" ] || { echo "shift.sh: the register printed nothing (no $reg): did the sign-in fail? See $out" >&2; exit 1; }

# Every check prints the rows that break it; none may print anything.
checks=$(sqlite3 -readonly "$db" <<SQL
CREATE TEMP TABLE doc AS
SELECT json_extract(d.value, '$.Number') AS number, json_extract(d.value, '$.Type') AS type,
       json_extract(d.value, '$.Operation') AS op, json_extract(d.value, '$.Amount') AS amount,
       json_extract(d.value, '$.Change') AS change, json_extract(d.value, '$.Payments[0]') AS cash,
       (SELECT coalesce(sum(p.value), 0) FROM json_each(d.value, '$.Payments') p) AS paid
FROM json_each(readfile('$reg'), '$.Memory.Docs') d;
CREATE TEMP TABLE rec AS SELECT * FROM doc WHERE type = 3;
CREATE TEMP TABLE pay AS SELECT bill_id, sum(amount) AS paid, sum(CASE kind WHEN 1 THEN amount ELSE 0 END) AS cash FROM payments GROUP BY bill_id;

SELECT 'receipts on the register ' || (SELECT count(*) FROM rec) || ' <> fiscal documents in the journal ' || (SELECT count(*) FROM fiscal_docs)
 WHERE (SELECT count(*) FROM rec) <> (SELECT count(*) FROM fiscal_docs);
SELECT 'expected 2 sales and 1 return, the register has ' || group_concat(op) FROM rec
 HAVING sum(op = 1) <> 2 OR sum(op = 2) <> 1;
SELECT 'bill ' || b.id || ' is fiscalised without a register receipt' FROM bills b JOIN fiscal_docs f ON f.bill_id = b.id
 LEFT JOIN rec r ON r.number = f.number WHERE r.number IS NULL;
SELECT 'bill ' || id || ' was left Fiscalising' FROM bills WHERE state = 4;
SELECT 'bill ' || b.id || ' is Fiscalised with no fiscal document' FROM bills b LEFT JOIN fiscal_docs f ON f.bill_id = b.id
 WHERE b.state = 5 AND f.bill_id IS NULL;
SELECT 'receipt ' || number || ': paid ' || paid || ' - change ' || change || ' <> amount ' || amount FROM rec WHERE paid - change <> amount;
SELECT 'bill ' || f.bill_id || ': journal payments ' || coalesce(p.paid, 0) || ' <> register payments ' || r.paid
 FROM fiscal_docs f JOIN rec r ON r.number = f.number LEFT JOIN pay p ON p.bill_id = f.bill_id WHERE coalesce(p.paid, 0) <> r.paid;
SELECT 'bill ' || b.id || ' has payments but no receipt' FROM bills b JOIN pay p ON p.bill_id = b.id
 LEFT JOIN fiscal_docs f ON f.bill_id = b.id WHERE f.bill_id IS NULL;
SELECT 'cash sale: tendered ' || cash || ' but change ' || change FROM rec WHERE op = 1 AND cash > 0 AND (cash <> 100000 OR change <> 100000 - amount);
SELECT 'card sale: change ' || change FROM rec WHERE op = 1 AND cash = 0 AND change <> 0;
SELECT 'return bill ' || b.id || ' refunds ' || r.amount || ', more than sale ' || b.return_of || ' (' || rs.amount || ')'
 FROM bills b JOIN fiscal_docs f ON f.bill_id = b.id JOIN rec r ON r.number = f.number
 JOIN fiscal_docs fs ON fs.bill_id = b.return_of JOIN rec rs ON rs.number = fs.number
 WHERE b.kind = 2 AND (r.op <> 2 OR r.amount > rs.amount);
SELECT 'return bill ' || id || ' refers to no fiscalised sale' FROM bills WHERE kind = 2 AND state = 5
 AND (return_of IS NULL OR return_of NOT IN (SELECT bill_id FROM fiscal_docs));
SELECT 'register cash ' || json_extract(readfile('$reg'), '$.Memory.Cash') || ' <> sales cash ' ||
       (SELECT coalesce(sum(cash - change), 0) FROM rec WHERE op = 1) || ' - refunds ' || (SELECT coalesce(sum(cash), 0) FROM rec WHERE op = 2)
 WHERE json_extract(readfile('$reg'), '$.Memory.Cash') <>
       (SELECT coalesce(sum(cash - change), 0) FROM rec WHERE op = 1) - (SELECT coalesce(sum(cash), 0) FROM rec WHERE op = 2);
SQL
)
summary=$(sqlite3 -readonly "$db" "SELECT 'journal: ' || count(*) || ' bills, ' || (SELECT count(*) FROM fiscal_docs) || ' receipts, payments ' || (SELECT coalesce(sum(amount),0) FROM payments) FROM bills;")
echo "shift.sh: $summary"
if [ -n "$checks" ]; then
	echo "shift.sh: the database and the register do not add up:" >&2
	echo "$checks" >&2
	exit 1
fi
echo "shift.sh: receipts, payments, change, returns and the register's cash add up; screenshots in $out"
