#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rsmadm against the loaded module, as TAP: show reports the node and
# peers the QEMU cluster configured (RSM_NODE, RSM_NODES, peers at
# 10.77.0.<i>); bad input is refused, by rsmadm or with the kernel's
# extended-ack message, and changes nothing; an unprivileged user can read
# but not change; apply makes the kernel's configuration equal to a file.
# The configuration found at the start is restored at the end. Needs root,
# /dev/rsm, build/rsmadm/rsmadm, python3 and RSM_NODE/RSM_NODES; SKIPs
# without. Exit status 1 if any test failed.

rsmadm=${RSMADM:-build/rsmadm/rsmadm}
tests="show_json show_text peer_show_one ctrl_show peer_ping
shorter_timeout_applies_at_once
node_id_0_refused node_id_65_refused timeout_out_of_range_refused
node_id_of_peer_refused peer_add_existing_refused peer_add_self_refused
peer_del_unknown_refused peer_set_unknown_refused peer_addr_5_bytes_refused
peer_addr_multicast_refused bad_usage unprivileged_show
unprivileged_change_refused apply_bad_file_changes_nothing apply_dry_run
apply_sets_state apply_again_changes_nothing apply_deletes_unlisted
config_restored"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

echo "TAP version 13"
# shellcheck disable=SC2086
set -- $tests
echo "1..$#"
if [ "$(id -u)" != 0 ] || [ ! -e /dev/rsm ] || [ ! -x "$rsmadm" ] ||
   [ -z "$RSM_NODE" ] || [ -z "$RSM_NODES" ] ||
   ! command -v python3 >/dev/null; then
	for t in $tests; do
		skip "$t: needs root, /dev/rsm, $rsmadm, python3, RSM_NODE and RSM_NODES"
	done
	exit 0
fi

tmp=$(mktemp -d) || exit 1

# Run a command; its status in $rc, its output in $tmp/out and $tmp/err.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# The configuration as one line: "node timeout peer=addr ...".
state() {
	"$rsmadm" -j show | python3 -c '
import json, sys
d = json.load(sys.stdin)
peers = sorted((p["node"], p["addr"]) for p in d["peers"])
print(d["node"]["id"], d["node"]["timeout_ms"],
      *["%d=%s" % p for p in peers])'
}

# The configuration file for a state() line.
conf_of() {
	# shellcheck disable=SC2086
	set -- $1
	[ "$1" = 0 ] || echo "node $1"
	echo "timeout $2"
	shift 2
	for p in "$@"; do
		echo "peer ${p%%=*} addr ${p#*=}"
	done
}

start=$(state)
# shellcheck disable=SC2317 # also called from the EXIT trap
restore() {
	conf_of "$start" >"$tmp/restore.conf"
	"$rsmadm" apply "$tmp/restore.conf"
}
trap 'restore >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# Another node, a node id nobody has, and an address nobody has.
other=1
[ "$RSM_NODE" != 1 ] || other=2
unknown=$((RSM_NODES + 1))
spare=10.77.0.$((200 + RSM_NODE))

# refused NAME PATTERN CMD...: CMD fails with status 1, its stderr matches
# the extended regular expression PATTERN, and the configuration is as
# before.
refused() {
	t=$1 pat=$2
	shift 2
	before=$(state)
	run "$@"
	after=$(state)
	if [ -z "$before" ] || [ -z "$after" ]; then
		not_ok "$t: cannot read the configuration"
	elif [ "$rc" != 1 ]; then
		not_ok "$t: exit status $rc"
	elif ! grep -Eq "$pat" "$tmp/err"; then
		not_ok "$t: stderr \"$(head -n1 "$tmp/err")\" does not match /$pat/"
	elif [ "$before" != "$after" ]; then
		not_ok "$t: configuration changed from \"$before\" to \"$after\""
	else
		ok "$t"
	fi
}

# 1. What the cluster set up, as JSON and as text.
run "$rsmadm" -j show
if [ "$rc" != 0 ]; then
	not_ok "show_json: exit status $rc: $(cat "$tmp/err")"
elif python3 -c '
import json, sys
node, nodes = int(sys.argv[1]), int(sys.argv[2])
d = json.load(open(sys.argv[3]))
assert d["node"]["id"] == node, "node id %s" % d["node"]["id"]
peers = {p["node"]: p["addr"] for p in d["peers"]}
want = {i: "10.77.0.%d" % i for i in range(1, nodes + 1) if i != node}
assert peers == want, "peers %s, not %s" % (peers, want)
assert any(c["name"] == "loopback" for c in d["controllers"])
' "$RSM_NODE" "$RSM_NODES" "$tmp/out" 2>"$tmp/err"; then
	ok "show_json"
else
	not_ok "show_json: $(tail -n1 "$tmp/err")"
fi

run "$rsmadm" show
fail=
grep -q "^node $RSM_NODE timeout [0-9]* port [0-9]*\$" "$tmp/out" ||
	fail="no node line"
i=1
while [ "$i" -le "$RSM_NODES" ]; do
	if [ "$i" != "$RSM_NODE" ] &&
	   ! grep -q "^peer $i addr 10\.77\.0\.$i state " "$tmp/out"; then
		fail="no line for peer $i"
	fi
	i=$((i + 1))
done
grep -q "^ctrl loopback id [0-9]* type loopback" "$tmp/out" ||
	fail="no loopback line"
if [ "$rc" = 0 ] && [ -z "$fail" ]; then
	ok "show_text"
else
	not_ok "show_text: status $rc ${fail}"
fi

run "$rsmadm" -j peer show "$other"
if [ "$rc" = 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 1 and d[0]["node"] == int(sys.argv[2])
assert set(d[0]["stats"]) >= {"connects", "disconnects", "timeouts",
    "rejects", "msgs_tx", "msgs_rx", "req_timeouts"}
' "$tmp/out" "$other" 2>/dev/null; then
	ok "peer_show_one"
else
	not_ok "peer_show_one: status $rc $(cat "$tmp/out" "$tmp/err")"
fi

run "$rsmadm" -j ctrl show
if [ "$rc" = 0 ] && python3 -c '
import json, sys
d = {c["name"]: c for c in json.load(open(sys.argv[1]))}
assert d["loopback"]["type"] == "loopback"
if sys.argv[2]:
    assert d[sys.argv[2]]["type"] == "rdma"
    assert len(d[sys.argv[2]]["hwaddr"]) == 19
' "$tmp/out" "$RSM_CTRL" 2>/dev/null; then
	ok "ctrl_show"
else
	not_ok "ctrl_show: status $rc $(cat "$tmp/out" "$tmp/err")"
fi

# Ping needs the channel up: wait for it (the other node may be slower).
i=0
until "$rsmadm" peer show "$other" | grep -q " state active "; do
	i=$((i + 1))
	[ "$i" -lt 30 ] || break
	sleep 0.5
done
if [ "$i" -ge 30 ]; then
	skip "peer_ping: channel to node $other not active within 15 s"
else
	run "$rsmadm" -j peer ping "$other" count 3
	if [ "$rc" = 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [p["seq"] for p in d] == [1, 2, 3]
assert all(p["rtt_ns"] > 0 for p in d)
' "$tmp/out" 2>/dev/null; then
		ok "peer_ping"
	else
		not_ok "peer_ping: status $rc $(cat "$tmp/out" "$tmp/err")"
	fi
fi

# A shorter failure detection time applies at once. With 600 s, a failed
# attempt to reach a peer that does not exist waits a period (150 s) before
# the next; after "node set timeout 1000" the next attempt comes within
# 250 ms. The channel to the other node, whose detection time is 5 s,
# stays up all along: heartbeats follow the shorter time of the two.
# in_state PEER STATE TENTHS: wait until PEER is in STATE, at most TENTHS/10 s.
in_state() {
	i=0
	until "$rsmadm" peer show "$1" | grep -Eq " state $2( |\$)"; do
		i=$((i + 1))
		[ "$i" -le "$3" ] || return 1
		sleep 0.1
	done
}
# Channels to the other node lost so far.
drops() {
	"$rsmadm" -j peer show "$other" | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats"]
print(s["timeouts"] + s["disconnects"])'
}
fail=
t0=${start#* }
t0=${t0%% *}
d0=$(drops)
"$rsmadm" node set timeout 600000 &&
	"$rsmadm" peer add "$unknown" addr "$spare" || fail="cannot configure"
[ -n "$fail" ] || in_state "$unknown" connecting 50 ||
	fail="peer $unknown not connecting"
[ -n "$fail" ] || in_state "$unknown" down 100 ||
	fail="peer $unknown still connecting after 10 s"
if [ -z "$fail" ]; then
	"$rsmadm" node set timeout 1000
	in_state "$unknown" connecting 20 ||
		fail="peer $unknown not retried within 2 s of the new timeout"
fi
"$rsmadm" peer del "$unknown" 2>/dev/null
"$rsmadm" node set timeout "$t0"
if [ -n "$fail" ]; then
	not_ok "shorter_timeout_applies_at_once: $fail"
elif [ "$(drops)" != "$d0" ]; then
	not_ok "shorter_timeout_applies_at_once: the channel to $other dropped"
else
	ok "shorter_timeout_applies_at_once"
fi

# 2. Bad input: refused by rsmadm itself, or by the kernel with its
# reason ("rsmadm: <strerror>: <extended ack message>").
refused node_id_0_refused 'node ids are 1 to 64' \
	"$rsmadm" node set 0
refused node_id_65_refused 'node ids are 1 to 64' \
	"$rsmadm" node set 65
refused timeout_out_of_range_refused 'must be 500 to 600000' \
	"$rsmadm" node set timeout 499
refused node_id_of_peer_refused '^rsmadm: Invalid argument: .+' \
	"$rsmadm" node set "$other"
refused peer_add_existing_refused '^rsmadm: File exists: .+' \
	"$rsmadm" peer add "$other" addr "$spare"
refused peer_add_self_refused '^rsmadm: Invalid argument: .+' \
	"$rsmadm" peer add "$RSM_NODE" addr "$spare"
refused peer_del_unknown_refused '^rsmadm: No such file or directory: .+' \
	"$rsmadm" peer del "$unknown"
refused peer_set_unknown_refused '^rsmadm: No such file or directory: .+' \
	"$rsmadm" peer set "$unknown" addr "$spare"
refused peer_addr_5_bytes_refused 'not an IPv4 or IPv6 address' \
	"$rsmadm" peer add "$unknown" addr 10.77.0.1.5
refused peer_addr_multicast_refused '^rsmadm: Invalid argument: .+' \
	"$rsmadm" peer add "$unknown" addr 224.0.0.1

run "$rsmadm" peer add "$unknown"
if [ "$rc" = 1 ] && [ ! -s "$tmp/out" ] && grep -q '^Usage: ' "$tmp/err"; then
	ok "bad_usage"
else
	not_ok "bad_usage: status $rc"
fi

# 3. Without CAP_NET_ADMIN: reading works, changing does not.
cp "$rsmadm" "$tmp/rsmadm"
chmod 755 "$tmp" "$tmp/rsmadm"
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/rsmadm" "$@"
}
if nobody -j show | python3 -c 'import json, sys; json.load(sys.stdin)' &&
   nobody peer show "$other" >/dev/null; then
	ok "unprivileged_show"
else
	not_ok "unprivileged_show"
fi
before=$(state)
fail=
for cmd in "node set $RSM_NODE" "node set timeout 1000" \
	   "peer add $unknown addr $spare" "peer set $other addr $spare" \
	   "peer del $other" "peer ping $other"; do
	# shellcheck disable=SC2086
	run nobody $cmd
	if [ "$rc" != 1 ] || ! grep -q "Operation not permitted" "$tmp/err"; then
		fail="$fail; $cmd: status $rc $(cat "$tmp/err")"
	fi
done
[ "$(state)" = "$before" ] || fail="$fail; configuration changed"
if [ -z "$fail" ]; then
	ok "unprivileged_change_refused"
else
	not_ok "unprivileged_change_refused${fail}"
fi

# 4. apply. The wanted configuration: this node, a new timeout, the real
# peers and one more that does not exist.
want_state() {
	printf '%s' "$RSM_NODE $1"
	i=1
	while [ "$i" -le "$RSM_NODES" ]; do
		[ "$i" = "$RSM_NODE" ] || printf ' %s' "$i=10.77.0.$i"
		i=$((i + 1))
	done
	[ -z "$2" ] || printf ' %s' "$2"
	echo
}
{
	echo "# written by selftests/rsmadm.sh"
	conf_of "$(want_state 3000 "$unknown=$spare")"
} >"$tmp/a.conf"

before=$(state)
{ cat "$tmp/a.conf"; echo "peer $unknown addr 10.77.0.250 # twice"; } >"$tmp/bad.conf"
run "$rsmadm" apply "$tmp/bad.conf"
line=$(wc -l <"$tmp/bad.conf")
if [ "$rc" = 1 ] && grep -q "^$tmp/bad.conf:$line: " "$tmp/err" &&
   [ "$(state)" = "$before" ]; then
	ok "apply_bad_file_changes_nothing"
else
	not_ok "apply_bad_file_changes_nothing: status $rc $(cat "$tmp/err")"
fi

run "$rsmadm" apply -n "$tmp/a.conf"
if [ "$rc" = 0 ] && grep -q "add or update peer $unknown addr $spare" "$tmp/out" &&
   [ "$(state)" = "$before" ]; then
	ok "apply_dry_run"
else
	not_ok "apply_dry_run: status $rc $(cat "$tmp/err")"
fi

# state() sorts peers as strings: compare sorted words.
words() { echo "$1" | tr ' ' '\n' | sort | tr '\n' ' '; }
run "$rsmadm" apply "$tmp/a.conf"
now=$(state)
want=$(want_state 3000 "$unknown=$spare")
if [ "$rc" = 0 ] && [ "$(words "$now")" = "$(words "$want")" ]; then
	ok "apply_sets_state"
else
	not_ok "apply_sets_state: status $rc, \"$now\", not \"$want\" $(cat "$tmp/err")"
fi

connects() {
	"$rsmadm" -j peer show "$other" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats"]["connects"])'
}
c0=$(connects)
run "$rsmadm" apply "$tmp/a.conf"
if [ "$rc" = 0 ] && [ "$(state)" = "$now" ] && [ "$(connects)" = "$c0" ]; then
	ok "apply_again_changes_nothing"
else
	not_ok "apply_again_changes_nothing: status $rc $(cat "$tmp/err")"
fi

conf_of "$(want_state 3000)" >"$tmp/b.conf"
run "$rsmadm" apply "$tmp/b.conf"
now=$(state)
want=$(want_state 3000)
if [ "$rc" = 0 ] && [ "$(words "$now")" = "$(words "$want")" ]; then
	ok "apply_deletes_unlisted"
else
	not_ok "apply_deletes_unlisted: status $rc, \"$now\", not \"$want\" $(cat "$tmp/err")"
fi

# 5. Leave the node as the harness configured it.
run restore
if [ "$rc" = 0 ] && [ "$(state)" = "$start" ]; then
	ok "config_restored"
else
	not_ok "config_restored: status $rc, \"$(state)\", not \"$start\""
fi
exit $failed
