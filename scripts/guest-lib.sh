# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the in-guest scripts (guest-tests.sh, guest-bench.sh).  Source
# it, do not run it.

# vsvm_hmm_nodes MINOR...: make test_hmm's device nodes from /proc/devices
# should devtmpfs not have them, as the kernel's own test_hmm.sh does.
# Fails if test_hmm is not loaded.
vsvm_hmm_nodes()
{
	local major minor

	major=$(awk '$2 == "HMM_DMIRROR" { print $1 }' /proc/devices)
	[ -n "$major" ] || return 1
	for minor in "$@"; do
		[ -c "/dev/hmm_dmirror$minor" ] ||
			mknod "/dev/hmm_dmirror$minor" c "$major" "$minor"
	done
}
