#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Tests of lu-memfd-holder that need no kexec, as KTAP: argument checks,
# memfds reachable through the printed paths, the control FIFOs, and
# preserve: refused with a clear reason where there is no /dev/liveupdate
# (a host), done where there is one (a guest booted with liveupdate=on),
# after which "stop" drops the session again.
#   test-lu-memfd-holder.sh [BINARY]   (default: lu-memfd-holder in PATH)
# Runs under busybox sh too.
bin=${1:-lu-memfd-holder}
dir=$(mktemp -d /tmp/lu-holder-test.XXXXXX)
n=0 failed=0
ok() {	# ok <0|1> name [diag]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2${3:+ # $3}"
	else failed=$((failed + 1)); echo "not ok $n $2${3:+ # $3}"; fi
}
# expect STATUS PATTERN NAME ARGS...: exit status STATUS and PATTERN on stderr
expect() {
	st=$1 pat=$2 name=$3
	shift 3
	"$bin" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	if [ "$got" -eq "$st" ] && grep -q -- "$pat" "$dir/err"; then
		ok 0 "$name"
	else
		ok 1 "$name" "status $got, stderr: $(head -1 "$dir/err")"
	fi
}
echo "KTAP version 1"
echo "# Subtest: lu-memfd-holder"

"$bin" --help >"$dir/out" 2>&1
ok $? help "$(grep -c . "$dir/out") lines"
grep -q "^usage: lu-memfd-holder" "$dir/out"; ok $? help_usage_line
expect 2 "no command" no_command
expect 2 'unknown command "frob"' unknown_command frob
expect 2 "start needs" start_too_few start "$dir/d"
expect 2 'is not NAME=SIZE' start_no_size start "$dir/d" s ram
expect 2 'bad size "12X"' start_bad_size start "$dir/d" s ram=12X
expect 2 'bad size "-1"' start_negative_size start "$dir/d" s ram=-1
expect 2 'bad size "99999999999G"' start_huge_size start "$dir/d" s ram=99999999999G
expect 2 'bad memfd name "a/b"' start_bad_name start "$dir/d" s a/b=1M
expect 2 'named twice' start_duplicate start "$dir/d" s ram=1M ram=2M
expect 2 'session name must be' start_long_session start "$dir/d" \
	0123456789012345678901234567890123456789012345678901234567890123 ram=1M
expect 2 'at most 16' start_too_many start "$dir/d" s a=1 b=1 c=1 d=1 e=1 \
	f=1 g=1 h=1 i=1 j=1 k=1 l=1 m=1 n=1 o=1 p=1 q=1
expect 2 'resume needs' resume_args resume "$dir/d"
expect 2 'preserve needs' preserve_args preserve
expect 1 'no daemon serves' preserve_no_daemon preserve "$dir/none"
expect 1 'no memfd x' path_unknown path "$dir/none" x

"$bin" start "$dir/d" lu-holder-test ram=4M state=0 >"$dir/paths" 2>"$dir/err"
ok $? start "$(tr '\n' ' ' <"$dir/paths")$(head -1 "$dir/err")"
ram=$(awk '$1 == "ram" { print $2 }' "$dir/paths")
state=$(awk '$1 == "state" { print $2 }' "$dir/paths")
[ "$("$bin" path "$dir/d" ram)" = "$ram" ]; ok $? path_matches_start "$ram"
[ "$(wc -c <"$ram")" -eq 4194304 ]; ok $? ram_size_through_path
echo hello-from-a-vmm >"$state"
[ "$(cat "$("$bin" path "$dir/d" state)")" = hello-from-a-vmm ]
ok $? state_written_and_read_through_path
expect 1 'already serves' start_twice start "$dir/d" s2 ram=1M
"$bin" status "$dir/d" >"$dir/out" 2>"$dir/err"
grep -q "session lu-holder-test 2 memfds not preserved" "$dir/out"
ok $? status "$(cat "$dir/out" "$dir/err")"
if [ -e /dev/liveupdate ]; then
	"$bin" preserve "$dir/d" >"$dir/out" 2>"$dir/err"
	ok $? preserve "$(cat "$dir/out" "$dir/err")"
	expect 1 'already preserved' preserve_twice preserve "$dir/d"
	grep -q lu-holder-test /sys/kernel/debug/liveupdate 2>/dev/null
	ok $? session_listed_in_debugfs
else
	expect 1 'kho=on liveupdate=on' preserve_without_liveupdate preserve "$dir/d"
fi
"$bin" stop "$dir/d" >/dev/null 2>&1
ok $? stop
sleep 0.2
[ ! -e "$ram" ]; ok $? memfds_gone_after_stop
expect 1 'no daemon serves' status_after_stop status "$dir/d"
if [ -e /dev/liveupdate ]; then
	# Outgoing session dropped with its daemon
	kho_not() { ! "$@"; }
	kho_not grep -q lu-holder-test /sys/kernel/debug/liveupdate 2>/dev/null
	ok $? session_dropped_on_stop
fi
expect 1 'cannot retrieve session' resume_unknown_session resume "$dir/r" no-such-session
rm -rf "$dir"
echo "1..$n"
[ "$failed" -eq 0 ]
