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
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
		--no-install-recommends "$@"
}

main()
{
	local missing

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
