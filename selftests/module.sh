#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module lifecycle, as TAP: unload is refused while /dev/rsm is open, and
# load/unload cycles leave the node as they found it. Needs root and the
# module loaded from $RSM_KO (the QEMU cluster sets it up); SKIPs without.

ko=${RSM_KO:-build/$(uname -r)/rsm.ko}
cycles=${RSM_MODULE_CYCLES:-100}
n=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

echo "TAP version 13"
echo "1..3"
if [ "$(id -u)" != 0 ] || [ ! -e /dev/rsm ] || [ ! -f "$ko" ]; then
	for t in unload_refused_while_open reload_cycles module_works_after_reload; do
		skip "$t: needs root, /dev/rsm and $ko"
	done
	exit 0
fi

# A file held open pins the module.
exec 9</dev/rsm
if rmmod rsm 2>/dev/null; then
	not_ok "unload_refused_while_open"
	insmod "$ko"
else
	ok "unload_refused_while_open"
fi
exec 9<&-

i=0
fail=
while [ $i -lt "$cycles" ]; do
	rmmod rsm || { fail="rmmod failed in cycle $i"; break; }
	[ ! -e /dev/rsm ] || { fail="/dev/rsm survived unload"; break; }
	insmod "$ko" || { fail="insmod failed in cycle $i"; break; }
	[ -c /dev/rsm ] || { fail="no /dev/rsm after load $i"; break; }
	i=$((i + 1))
done
if [ -z "$fail" ]; then ok "reload_cycles ($cycles)"; else not_ok "reload_cycles: $fail"; fi

# A fresh module has no configuration: give it the cluster's again.
if [ -n "$RSM_NODE" ] && [ -x build/rsmadm/rsmadm ]; then
	build/rsmadm/rsmadm node set "$RSM_NODE"
	i=1
	while [ "$i" -le "${RSM_NODES:-1}" ]; do
		[ "$i" = "$RSM_NODE" ] ||
			build/rsmadm/rsmadm peer add "$i" addr "10.77.0.$i"
		i=$((i + 1))
	done
fi

# After the last load the module works as before: every ioctl test
# passes, including the one that finds each RDMA controller ($RSM_CTRL).
if build/selftests/ioctl >/dev/null 2>&1; then
	ok "module_works_after_reload"
else
	not_ok "module_works_after_reload"
fi
