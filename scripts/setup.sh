#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages vsvm needs (scripts/packages.txt) that are
# missing.  Idempotent: does nothing, quickly, when all are present.

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

main()
{
	local missing

	ensure_modules_mount_point
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
