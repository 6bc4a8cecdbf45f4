#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh FLAVOUR: build the guest kernel of FLAVOUR (debug or
# release) with vsvm in it, and bring the vsvm modules up to date.
#
# The tree, its objects and its installed modules are cached in
# $VSVM_CACHE/kernel-FLAVOUR-KEY/, KEY hashing the Debian source version, the
# config fragments, the driver's Kconfig and kernel-tree.sh.  A fresh clone on
# the same machine reuses them; a change to the driver's code rebuilds only
# the vsvm modules (seconds).  Prints the directory on stdout.

set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$VSVM_REPO/scripts/kernel-tree.sh"

kmake()
{
	make -C "$TREE" -j"$VSVM_JOBS" CC="ccache gcc" \
		KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" KBUILD_BUILD_USER=vsvm \
		KBUILD_BUILD_HOST=vsvm "$@" >&2
}

setup_ccache()
{
	export CCACHE_DIR="$VSVM_CACHE/ccache"
	export CCACHE_BASEDIR="$DIR"
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
	export CCACHE_NOHASHDIR=1
}

# Old trees of this flavour are 3-4 GiB each: keep only the current one.
prune_old_trees()
{
	local old

	for old in "$VSVM_CACHE/kernel-$FLAVOUR"-*; do
		[ -d "$old" ] && [ "$old" != "$DIR" ] || continue
		vsvm_log "removing stale kernel tree $old"
		rm -rf "$old"
	done
}

full_build()
{
	rm -rf "$DIR"
	mkdir -p "$DIR"
	vsvm_phase "unpack kernel source ($(vsvm_ksrc_version))" \
		vsvm_tree_unpack "$DIR"
	vsvm_tree_hook "$TREE"
	vsvm_tree_sync "$TREE"
	vsvm_phase "configure $FLAVOUR kernel" vsvm_tree_configure "$TREE" "$FLAVOUR"
	vsvm_phase "build $FLAVOUR kernel (-j$VSVM_JOBS)" \
		kmake -s bzImage modules
	vsvm_phase "install modules" \
		kmake -s INSTALL_MOD_PATH="$DIR/modroot" INSTALL_MOD_STRIP=1 \
		modules_install
	make -C "$TREE" -s kernelrelease > "$DIR/kernelrelease"
	touch "$DIR/built"
	prune_old_trees
}

# Rebuild the vsvm modules from the synced sources and install them.
module_build()
{
	local krel mdir

	krel=$(cat "$DIR/kernelrelease")
	mdir="$DIR/modroot/lib/modules/$krel/kernel/drivers/gpu/drm/vsvm"
	vsvm_tree_sync "$TREE"
	# Single in-tree module targets: built with M= they would be marked
	# out-of-tree and taint the kernel when loaded.
	kmake -s $VSVM_MODULE_TARGETS
	mkdir -p "$mdir/tests"
	install -m 0644 "$TREE/drivers/gpu/drm/vsvm/vsvm.ko" "$mdir/"
	install -m 0644 "$TREE/drivers/gpu/drm/vsvm/tests/vsvm_test.ko" \
		"$mdir/tests/"
	depmod -b "$DIR/modroot" "$krel"
}

main()
{
	FLAVOUR=${1:-debug}
	[ -f "$VSVM_REPO/scripts/kconfig/$FLAVOUR.config" ] ||
		vsvm_die "unknown kernel flavour '$FLAVOUR'"
	[ -f "$VSVM_KSRC_TARBALL" ] ||
		vsvm_die "$VSVM_KSRC_TARBALL missing: run scripts/setup.sh"

	DIR=$(vsvm_kernel_dir "$FLAVOUR")
	TREE="$DIR/linux"
	mkdir -p "$VSVM_CACHE"
	setup_ccache

	if [ ! -f "$DIR/built" ]; then
		vsvm_log "no cached $FLAVOUR kernel for this configuration: building it"
		full_build
	fi
	vsvm_phase "build vsvm modules" module_build
	echo "$DIR"
}

main "$@"
