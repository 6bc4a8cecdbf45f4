#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh [options] [--] COMMAND...: run COMMAND in a fresh guest of the vsvm
# kernel and judge the run.
#
# The guest boots the cached kernel (scripts/build-kernel.sh) under QEMU with
# the host's root shared read-only as its root (so every host tool and
# library, and this repository at the same path, are there), loads the
# modules, runs COMMAND from the repository's top directory, unloads the
# modules and powers off.  The run fails if COMMAND fails, a module does not
# load or unload, the guest does not finish in time, or the kernel log shows a
# warning, BUG, oops, lockdep, KASAN or kmemleak report or taints the kernel
# -- even when COMMAND itself succeeded.
#
# Options:
#   --flavour F      kernel flavour, debug (default) or release
#   --modprobe SPEC  load "module [param=value...]" before COMMAND; may be
#                    repeated; default "vsvm"; "none" loads nothing
#   --timeout S      give up after S seconds (default 900)
#   --results DIR    keep console log, kernel log and results in DIR
#   --interactive    give a shell in the guest instead of COMMAND
#   --mem SIZE       guest memory (default 4G)
#
# Inside COMMAND, $VSVM_RESULTS is a writable directory that the host keeps.

set -uo pipefail
. "$(dirname "$0")/lib.sh"

FLAVOUR=debug
TIMEOUT=900
RESULTS=
INTERACTIVE=0
MEM=4G
MODULES=()

# Kernel log lines that mean a kernel bug, whatever COMMAND said.
BAD_KLOG='WARNING:|BUG:|Oops|Kernel panic|general protection fault|KASAN:|UBSAN:|ODEBUG:|list_(add|del) corruption|Bad page state|page dumped because|INFO: task .* blocked|soft lockup|rcu: INFO:|Call Trace:'
# Taint bits that a clean run may set: 18 (TAINT_TEST, set by KUnit).
ALLOWED_TAINT=$((1 << 18))

usage()
{
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

parse_args()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		--flavour) FLAVOUR=$2; shift 2 ;;
		--modprobe) MODULES+=("$2"); shift 2 ;;
		--timeout) TIMEOUT=$2; shift 2 ;;
		--results) RESULTS=$2; shift 2 ;;
		--interactive) INTERACTIVE=1; shift ;;
		--mem) MEM=$2; shift 2 ;;
		--) shift; break ;;
		-*) usage ;;
		*) break ;;
		esac
	done
	COMMAND=("$@")
	[ ${#MODULES[@]} -gt 0 ] || MODULES=(vsvm)
	[ "${MODULES[0]}" != none ] || MODULES=()
	[ $INTERACTIVE = 1 ] || [ ${#COMMAND[@]} -gt 0 ] || usage
}

write_job()
{
	local res=$1

	printf '%s\n' "${MODULES[@]}" > "$res/modules"
	{
		echo "export VSVM_RESULTS=/mnt/results/out"
		printf '%q ' "${COMMAND[@]}"
		echo
	} > "$res/command"
	cat > "$res/job.env" <<-ENV
		VSVM_REPO=$VSVM_REPO
		VSVM_MODROOT=$KDIR/modroot
		VSVM_INTERACTIVE=$INTERACTIVE
	ENV
	mkdir -p "$res/out"
}

# qemu_cmd ACCEL RESULTS: the QEMU command line of a guest.
qemu_cmd()
{
	local accel=$1 res=$2 serial

	if [ $INTERACTIVE = 1 ]; then
		serial=mon:stdio
	else
		serial="file:$res/console.log"
	fi
	QEMU=(qemu-system-x86_64 -machine q35 -smp 2 -m "$MEM"
	      -nodefaults -no-reboot -display none -serial "$serial"
	      -kernel "$KDIR/linux/arch/x86/boot/bzImage"
	      -append "console=ttyS0 loglevel=4 log_buf_len=4M root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro init=$VSVM_REPO/scripts/guest-init.sh panic=-1"
	      -virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap"
	      -virtfs "local,path=$res,mount_tag=results,security_model=none,multidevs=remap")
	if [ "$accel" = kvm ]; then
		QEMU+=(-accel kvm -cpu host)
	else
		# Single-threaded TCG: with thread=multi, 2 of about 25 debug
		# boots died in an early-boot interrupt (a KASAN wild access, an
		# unexpected int3 in sched_clock_idle_wakeup_event), the marks of
		# another vCPU running stale code while the kernel patches its
		# text.  No 5-level paging either: the first of those was seen
		# with it.
		QEMU+=(-accel "tcg,thread=single" -cpu "max,la57=off")
	fi
}

# KVM is used only where a guest really boots with it (nested KVM is broken
# on some hosts: guests hang or triple-fault).  The answer is cached per host
# kernel and QEMU version.
choose_accel()
{
	local key probe res

	if [ -n "${VSVM_ACCEL:-}" ]; then
		echo "$VSVM_ACCEL"
		return
	fi
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	key="$(uname -r)-$(qemu-system-x86_64 --version | head -1 | tr -c 'a-zA-Z0-9.\n' _)"
	probe="$VSVM_CACHE/kvm-probe-$key"
	if [ ! -f "$probe" ]; then
		# choose_accel runs in a subshell: the job can be replaced.
		MODULES=()
		COMMAND=(true)
		INTERACTIVE=0
		res=$(mktemp -d)
		write_job "$res"
		qemu_cmd kvm "$res"
		timeout -k 5 30 "${QEMU[@]}" < /dev/null > /dev/null 2>&1
		if [ "$(cat "$res/status" 2>/dev/null)" = 0 ]; then
			echo kvm > "$probe"
		else
			echo tcg > "$probe"
		fi
		rm -rf "$res"
	fi
	cat "$probe"
}

run_qemu()
{
	local res=$1 tail_pid rc

	if [ $INTERACTIVE = 1 ]; then
		"${QEMU[@]}"
		return
	fi
	: > "$res/console.log"
	tail -F -n +1 "$res/console.log" 2>/dev/null &
	tail_pid=$!
	timeout -k 10 "$TIMEOUT" "${QEMU[@]}" < /dev/null
	rc=$?
	sleep 0.2
	kill $tail_pid 2>/dev/null
	wait $tail_pid 2>/dev/null
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || echo timeout > "$res/timed_out"
	return 0
}

# judge RESULTS: print every reason the run failed; fail if there is one.
judge()
{
	local res=$1 bad=0 status unload taint klog

	if [ -f "$res/timed_out" ]; then
		vsvm_log "FAIL: the guest did not finish within $TIMEOUT s"
		bad=1
	fi
	status=$(cat "$res/status" 2>/dev/null || echo none)
	case "$status" in
	0) ;;
	125) vsvm_log "FAIL: loading the modules failed"; bad=1 ;;
	none) vsvm_log "FAIL: the guest died before the command finished"; bad=1 ;;
	*) vsvm_log "FAIL: the command exited with status $status"; bad=1 ;;
	esac
	unload=$(cat "$res/unload_status" 2>/dev/null || echo 0)
	if [ "$unload" != 0 ]; then
		vsvm_log "FAIL: unloading the modules failed"
		bad=1
	fi
	# The console also carries the command's output: read it only when the
	# guest died before saving its kernel log.
	klog="$res/dmesg"
	[ -f "$klog" ] || klog="$res/console.log"
	if grep -Eq "$BAD_KLOG" "$klog" 2>/dev/null; then
		vsvm_log "FAIL: the kernel log reports a kernel bug:"
		grep -E -m 20 -A 12 "$BAD_KLOG" "$klog" >&2
		bad=1
	fi
	# A panic after the kernel log was saved shows only on the console.
	if grep -q "Kernel panic - not syncing" "$res/console.log" 2>/dev/null; then
		vsvm_log "FAIL: the guest kernel panicked:"
		grep -A 3 "Kernel panic - not syncing" "$res/console.log" >&2
		bad=1
	fi
	if [ -s "$res/kmemleak" ]; then
		vsvm_log "FAIL: kmemleak found leaks:"
		head -n 60 "$res/kmemleak" >&2
		bad=1
	fi
	taint=$(cat "$res/tainted" 2>/dev/null || echo 0)
	if [ $((taint & ~ALLOWED_TAINT)) -ne 0 ]; then
		vsvm_log "FAIL: the kernel is tainted ($taint)"
		bad=1
	fi
	return $bad
}

main()
{
	local res accel

	parse_args "$@"
	KDIR=$(vsvm_kernel_dir "$FLAVOUR")
	[ -f "$KDIR/built" ] ||
		vsvm_die "no $FLAVOUR kernel: run scripts/build-kernel.sh $FLAVOUR"
	[ -d /lib/modules ] ||
		vsvm_die "/lib/modules is missing: run scripts/setup.sh"

	if [ -n "$RESULTS" ]; then
		rm -rf "$RESULTS"
		mkdir -p "$RESULTS"
		res=$(cd "$RESULTS" && pwd)
	else
		res=$(mktemp -d /tmp/vsvm-vm.XXXXXX)
	fi
	write_job "$res"
	accel=$(choose_accel)
	qemu_cmd "$accel" "$res"
	vsvm_log "booting $FLAVOUR kernel ($accel, $MEM), results in $res"
	run_qemu "$res"
	[ $INTERACTIVE = 0 ] || return 0
	if judge "$res"; then
		vsvm_log "guest run passed"
		return 0
	fi
	vsvm_log "guest run failed: see $res"
	return 1
}

main "$@"
