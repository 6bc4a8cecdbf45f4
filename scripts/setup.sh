#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages vsvm needs (scripts/packages.txt) that are
# missing, and the kernel source package linux-source-$VSVM_KSRC_SERIES.
# Idempotent: does nothing, quickly, when all are present.
#
# Bookworm's own kernel source is 6.12; the kernel vsvm builds on comes from
# a newer suite of the same Debian archive.  Those suites are added as apt
# sources with a pin that keeps every package of theirs at priority -1
# (never installed, never an upgrade) except the kernel source package, so
# the rest of the machine stays bookworm's.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

missing_packages()
{
	local pkg

	grep -v '^#' "$VSVM_REPO/scripts/packages.txt" | while read -r pkg; do
		[ -n "$pkg" ] || continue
		dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null |
			grep -q "install ok installed" || echo "$pkg"
	done
}

install_packages()
{
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	local log

	log=$(mktemp)
	if ! { $sudo apt-get update -q &&
	       DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
			--no-install-recommends "$@"; } > "$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# Guests share the host's root read-only and mount their own kernel's
# modules on /lib/modules, which a host without module support lacks.
ensure_modules_mount_point()
{
	[ -d /lib/modules ] && return 0
	vsvm_log "setup: creating /lib/modules (mount point for the guests' modules)"
	if [ "$(id -u)" -eq 0 ]; then
		mkdir -p /lib/modules
	else
		sudo mkdir -p /lib/modules
	fi
}

VSVM_KSRC_SUITES="trixie-backports forky sid"
VSVM_APT_SOURCES=/etc/apt/sources.list.d/vsvm-linux-source.sources
VSVM_APT_PIN=/etc/apt/preferences.d/vsvm-linux-source

as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

kernel_source_sources()
{
	cat <<-EOS
	# Written by vsvm's scripts/setup.sh: newer suites for $VSVM_KSRC_PACKAGE only.
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: $VSVM_KSRC_SUITES
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOS
}

kernel_source_pin()
{
	local suite

	echo "# Written by vsvm's scripts/setup.sh: from these suites, only $VSVM_KSRC_PACKAGE."
	for suite in $VSVM_KSRC_SUITES; do
		printf 'Package: %s\nPin: release n=%s\nPin-Priority: 500\n\n' \
			"$VSVM_KSRC_PACKAGE" "$suite"
	done
	for suite in $VSVM_KSRC_SUITES; do
		printf 'Package: *\nPin: release n=%s\nPin-Priority: -1\n\n' \
			"$suite"
	done
}

# The newest linux-source-SERIES any of the pinned suites offers.
install_kernel_source()
{
	local candidate

	kernel_source_sources | as_root tee "$VSVM_APT_SOURCES" > /dev/null
	kernel_source_pin | as_root tee "$VSVM_APT_PIN" > /dev/null
	as_root apt-get update -q > /dev/null
	candidate=$(apt-cache policy "$VSVM_KSRC_PACKAGE" |
		    awk '/Candidate:/ { print $2 }')
	if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
		vsvm_die "none of the suites '$VSVM_KSRC_SUITES' has $VSVM_KSRC_PACKAGE; add a suite that has it to VSVM_KSRC_SUITES in scripts/setup.sh"
	fi
	vsvm_log "setup: installing $VSVM_KSRC_PACKAGE $candidate"
	install_packages "$VSVM_KSRC_PACKAGE"
}

main()
{
	local missing

	ensure_modules_mount_point
	if [ ! -f "$VSVM_KSRC_TARBALL" ]; then
		vsvm_phase "kernel source" install_kernel_source
	fi
	missing=$(missing_packages | tr '\n' ' ')
	if [ -z "$missing" ]; then
		vsvm_log "setup: all packages present"
		return 0
	fi
	vsvm_log "setup: installing $missing"
	# shellcheck disable=SC2086
	vsvm_phase "apt-get install" install_packages $missing
}

main "$@"
