#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# harness-selftest.sh [FAULT...]: prove that "make check" catches a broken
# driver.  For each fault, a copy of this repository gets the fault planted
# in the driver, runs scripts/check.sh, and must fail with the expected
# reason.  Faults:
#
#   warn   a WARN_ON(1) in DRM_IOCTL_VSVM_QUERY      -> "kernel log reports"
#   leak   a leaked allocation in the same ioctl      -> "kmemleak found leaks"
#   kunit  a KUnit expectation made false             -> "kunit vsvm_query"
#
# The copies share the kernel cache, so each costs a module rebuild and one
# guest boot.  Prints "harness-selftest: N passed, N failed".

set -uo pipefail
. "$(dirname "$0")/lib.sh"

QUERY_C=drivers/gpu/drm/vsvm/vsvm_query.c
QUERY_TEST_C=drivers/gpu/drm/vsvm/tests/vsvm_query_test.c
IOCTL_ANCHOR='	switch (args->item) {'

# plant FAULT COPY: edit the copy's driver to contain FAULT.
plant()
{
	local fault=$1 copy=$2 code

	case "$fault" in
	warn) code='	WARN_ON(1);' ;;
	leak) code='	args->pad = !kmalloc(64, GFP_KERNEL);' ;;
	kunit)
		sed -i 's/KUNIT_EXPECT_EQ(test, copy_size, VSVM_TEST_MIN_SIZE);/KUNIT_EXPECT_EQ(test, copy_size, VSVM_TEST_FULL_SIZE);/' \
			"$copy/$QUERY_TEST_C"
		return ;;
	*) vsvm_die "unknown fault $fault" ;;
	esac
	python3 - "$copy/$QUERY_C" "$IOCTL_ANCHOR" "$code" <<-'PY'
		import sys
		path, anchor, code = sys.argv[1:]
		text = open(path).read()
		assert anchor in text, "anchor not found"
		text = text.replace(anchor, code + "\n" + anchor, 1)
		text = text.replace("#include <linux/minmax.h>\n",
				    "#include <linux/minmax.h>\n#include <linux/slab.h>\n", 1)
		open(path, "w").write(text)
	PY
}

expected_reason()
{
	case "$1" in
	warn) echo "the kernel log reports a kernel bug" ;;
	leak) echo "kmemleak found leaks" ;;
	kunit) echo "FAILED: kunit vsvm_query" ;;
	esac
}

# try FAULT: 0 if check.sh failed for the expected reason.
try()
{
	local fault=$1 copy log reason

	# Not under /tmp: the guest has its own tmpfs there.
	copy="$VSVM_REPO/build/harness/$fault"
	rm -rf "$copy"
	mkdir -p "$copy"
	git -C "$VSVM_REPO" ls-files -co --exclude-standard -z |
		(cd "$VSVM_REPO" && xargs -0 cp --parents -t "$copy")
	plant "$fault" "$copy"
	log="$copy/check.log"
	vsvm_log "harness: fault '$fault': running check.sh on a broken copy"
	if "$copy/scripts/check.sh" > "$log" 2>&1; then
		vsvm_log "harness: fault '$fault': check.sh PASSED a broken driver"
		return 1
	fi
	reason=$(expected_reason "$fault")
	if ! grep -qF "$reason" "$log"; then
		vsvm_log "harness: fault '$fault': failed, but not with '$reason'; see $log"
		return 1
	fi
	vsvm_log "harness: fault '$fault': caught: $reason"
	grep -F "$reason" "$log" | head -3 | sed 's/^/    /' >&2
	rm -rf "$copy"
}

main()
{
	local faults=("$@") fault passed=0 failed=0

	[ ${#faults[@]} -gt 0 ] || faults=(warn leak kunit)
	for fault in "${faults[@]}"; do
		if try "$fault"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	# Put the real driver back into the shared kernel tree.
	"$VSVM_REPO/scripts/build-kernel.sh" debug > /dev/null
	echo "harness-selftest: $passed passed, $failed failed"
	[ $failed -eq 0 ]
}

main "$@"
