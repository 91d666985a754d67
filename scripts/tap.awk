# SPDX-License-Identifier: GPL-2.0
#
# Turn the TAP of selftests/run (kselftest harness blocks, shell-test TAP
# and "ok - PROGRAM finished" lines), optionally prefixed "[nodeN] " by the
# QEMU cluster, into one line per result for scripts/check:
#	PASS|FAIL|SKIP <label> <name>[ # reason]
# where label is -v label=... plus the node. Other lines pass through
# untouched on stderr so the log stays complete.

{
	sub(/\r$/, "")
	node = ""
	if (match($0, /^\[node[0-9]+\] /)) {
		node = substr($0, 2, RLENGTH - 3)
		$0 = substr($0, RLENGTH + 1)
	}
	where = label (node == "" ? "" : "/" node)
}

/^# selftest / { prog[node] = $3; test[node] = ""; print > "/dev/stderr"; next }
/^# +RUN +/ { test[node] = $3; print > "/dev/stderr"; next }
/^ok - / { print "PASS " where " " substr($0, 6); next }
/^not ok - / { print "FAIL " where " " substr($0, 10); next }
/^ok [0-9]+ # SKIP/ {
	r = $0; sub(/^ok [0-9]+ # SKIP */, "", r)
	print "SKIP " where " " prog[node] (test[node] == "" ? "" : ":" test[node]) " # " r
	test[node] = ""
	next
}
/^(not )?ok [0-9]+ / {
	st = /^not/ ? "FAIL" : "PASS"
	n = $0; sub(/^(not )?ok [0-9]+ /, "", n)
	print st " " where " " prog[node] ":" n
	test[node] = ""
	next
}
{ print > "/dev/stderr" }
