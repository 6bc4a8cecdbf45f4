# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Common definitions for the vsvm scripts.  Source it, do not run it.

VSVM_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VSVM_CACHE=${VSVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vsvm}
VSVM_KSRC_SERIES=7.2
VSVM_KSRC_TARBALL=/usr/src/linux-source-$VSVM_KSRC_SERIES.tar.xz
VSVM_KSRC_PACKAGE=linux-source-$VSVM_KSRC_SERIES
VSVM_JOBS=${VSVM_JOBS:-$(($(nproc) + 1))}
# drm_buddy.ko is not ours but is listed so that modpost, which a single-module
# build runs on the listed modules only, knows the symbols vsvm uses from it.
VSVM_MODULE_TARGETS="drivers/gpu/drm/drm_buddy.ko drivers/gpu/drm/vsvm/vsvm.ko drivers/gpu/drm/vsvm/tests/vsvm_test.ko"

vsvm_log()
{
	printf '[vsvm] %s\n' "$*" >&2
}

vsvm_die()
{
	printf '[vsvm] error: %s\n' "$*" >&2
	exit 1
}

# vsvm_phase NAME COMMAND...: run COMMAND and say how long it took.
vsvm_phase()
{
	local name=$1 start end rc
	shift
	start=$(date +%s.%N)
	vsvm_log "$name ..."
	"$@"
	rc=$?
	end=$(date +%s.%N)
	vsvm_log "$(awk -v n="$name" -v s="$start" -v e="$end" -v rc=$rc \
		'BEGIN { printf "%s: %.1f s%s", n, e - s, rc ? " (failed: " rc ")" : "" }')"
	return $rc
}

# The Debian version of the kernel source package, e.g. 7.2.12-1.
vsvm_ksrc_version()
{
	dpkg-query -W -f '${Version}' "$VSVM_KSRC_PACKAGE" 2>/dev/null
}

# The cache key of a kernel flavour: everything that changes its .config.
vsvm_kernel_key()
{
	local flavour=$1

	{
		vsvm_ksrc_version
		cat "$VSVM_REPO/scripts/kconfig/base.config" \
		    "$VSVM_REPO/scripts/kconfig/$flavour.config" \
		    "$VSVM_REPO/drivers/gpu/drm/vsvm/Kconfig" \
		    "$VSVM_REPO/scripts/kernel-tree.sh"
	} | sha256sum | cut -c1-12
}

# Where the unpacked and built kernel tree of a flavour lives.
vsvm_kernel_dir()
{
	echo "$VSVM_CACHE/kernel-$1-$(vsvm_kernel_key "$1")"
}

# vsvm_build_hmm_tests TREE OUTDIR TIMEOUT: build the kernel's hmm-tests
# from kernel tree TREE, against its headers, as OUTDIR/hmm-tests, with a
# limit of TIMEOUT seconds for each test that sets none of its own (the
# harness's is 30 s; see scripts/hmm-tests/kselftest_harness.h).
vsvm_build_hmm_tests()
{
	local tree=$1 out=$2 timeout=$3

	mkdir -p "$out"
	make -s -C "$tree" headers &&
	make -s -C "$tree/tools/testing/selftests/mm" \
		EXTRA_CFLAGS="-iquote $VSVM_REPO/scripts/hmm-tests -DVSVM_HMM_TESTS_TIMEOUT=$timeout" \
		OUTPUT="$out" "$out/hmm-tests"
}
