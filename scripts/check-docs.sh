#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-docs.sh KERNEL_TREE: every kernel-doc directive in
# Documentation/gpu/vsvm.rst must name an existing file and, for ":doc:",
# ":functions:" and ":identifiers:", something that produces text.  Prints
# each broken directive; silent when all are fine.

set -uo pipefail
. "$(dirname "$0")/lib.sh"

TREE=${1:?usage: check-docs.sh KERNEL_TREE}
RST="$VSVM_REPO/Documentation/gpu/vsvm.rst"

# render FILE OPTION VALUE: the reStructuredText kernel-doc makes of it.
render()
{
	local file=$1 opt=$2 value=$3

	case "$opt" in
	doc) "$TREE/scripts/kernel-doc" -rst -function "$value" "$file" ;;
	functions|identifiers)
		local args=() name
		for name in $value; do args+=(-function "$name"); done
		"$TREE/scripts/kernel-doc" -rst "${args[@]}" "$file" ;;
	*) "$TREE/scripts/kernel-doc" -rst "$file" ;;
	esac 2>/dev/null
}

main()
{
	local file="" line opt value

	[ -f "$RST" ] || { echo "$RST is missing"; exit 1; }
	while IFS= read -r line; do
		case "$line" in
		".. kernel-doc:: "*)
			file="$VSVM_REPO/${line#.. kernel-doc:: }"
			[ -f "$file" ] || echo "vsvm.rst: no file ${line#.. kernel-doc:: }"
			;;
		"   :"*":"*)
			[ -n "$file" ] && [ -f "$file" ] || continue
			[[ $line =~ ^\ +:([a-z-]+):\ *(.*)$ ]] || continue
			opt=${BASH_REMATCH[1]}
			value=${BASH_REMATCH[2]}
			render "$file" "$opt" "$value" | grep '[[:alnum:]]' > /dev/null ||
				echo "vsvm.rst: '$opt: $value' of ${file#"$VSVM_REPO"/} renders nothing"
			;;
		esac
	done < "$RST"
}

main
