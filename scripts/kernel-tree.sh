# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# How a vsvm kernel tree is made: unpack Debian's kernel source, hook the
# driver into drivers/gpu/drm and configure a flavour.  Sourced by
# build-kernel.sh.  This file is part of the kernel cache key: changing it
# rebuilds the kernel.

# vsvm_tree_unpack DIR: unpack the kernel source into DIR/linux.
vsvm_tree_unpack()
{
	local dir=$1 tmp

	tmp=$(mktemp -d "$dir.unpack.XXXXXX")
	tar -C "$tmp" -xf "$VSVM_KSRC_TARBALL"
	mv "$tmp"/linux-source-* "$dir/linux"
	rmdir "$tmp"
}

# vsvm_tree_hook TREE: make drivers/gpu/drm build and configure vsvm.
vsvm_tree_hook()
{
	local tree=$1

	grep -q 'drm/vsvm/Kconfig' "$tree/drivers/gpu/drm/Kconfig" ||
		echo 'source "drivers/gpu/drm/vsvm/Kconfig"' \
			>> "$tree/drivers/gpu/drm/Kconfig"
	grep -q 'DRM_VSVM' "$tree/drivers/gpu/drm/Makefile" ||
		echo 'obj-$(CONFIG_DRM_VSVM) += vsvm/' \
			>> "$tree/drivers/gpu/drm/Makefile"
}

# vsvm_tree_sync TREE: copy the driver and its uAPI header into TREE.
# Unchanged files keep their time stamps, so make rebuilds only what changed.
vsvm_tree_sync()
{
	local tree=$1

	rsync -r --checksum --delete \
		--exclude '*.o' --exclude '*.ko' --exclude '*.cmd' \
		--exclude '*.mod*' --exclude 'modules.order' \
		--exclude 'Module.symvers' --exclude '.*.d' \
		"$VSVM_REPO/drivers/gpu/drm/vsvm/" "$tree/drivers/gpu/drm/vsvm/"
	rsync --checksum "$VSVM_REPO/include/uapi/drm/vsvm_drm.h" \
		"$tree/include/uapi/drm/vsvm_drm.h"
}

# vsvm_tree_configure TREE FLAVOUR: defconfig + kvm_guest + our fragments.
vsvm_tree_configure()
{
	local tree=$1 flavour=$2
	local frags=("$VSVM_REPO/scripts/kconfig/base.config"
		     "$VSVM_REPO/scripts/kconfig/$flavour.config")

	make -C "$tree" -s defconfig kvm_guest.config
	(cd "$tree" && scripts/kconfig/merge_config.sh -m .config \
		"${frags[@]}" >/dev/null)
	make -C "$tree" -s olddefconfig
	vsvm_tree_check_config "$tree" "${frags[@]}"
}

# vsvm_tree_check_config TREE FRAGMENT...: every option a fragment sets must
# be in the final .config, so that a dependency that silently dropped it is
# caught here rather than in a confusing test failure.
vsvm_tree_check_config()
{
	local tree=$1 line bad=0
	shift

	while read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$tree/.config" && continue ;;
		"# CONFIG_"*" is not set")
			local opt=${line#\# }
			opt=${opt%% *}
			grep -q "^$opt=" "$tree/.config" || continue ;;
		*)
			continue ;;
		esac
		vsvm_log "config: '$line' did not stick"
		bad=1
	done < <(cat "$@")
	return $bad
}
