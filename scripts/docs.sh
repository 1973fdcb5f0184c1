#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make docs: build the KHO and live update documentation with Debian's
# Sphinx and the 6.12 tree's own Documentation/conf.py and extensions
# (kernel-doc included), and fail on any warning.
#
# Only our pages are built: they are copied from the patched tree
# (build/src/Documentation) into build/docs/src at their own paths, under
# an index of their own, so that cross references between them resolve and
# the build takes seconds, not the twenty minutes of "make htmldocs".
# Prints KTAP; the HTML lands in build/docs/html (start at index.html).
set -uo pipefail
. "$(dirname "$0")/common.sh"

# The pages of the series, relative to Documentation/
PAGES="admin-guide/mm/kho.rst
core-api/kho/index.rst
core-api/kho/abi.rst
core-api/kho/api.rst
userspace-api/liveupdate.rst"
# Where each is hooked into the kernel's own books
HOOKS="admin-guide/mm/index.rst:kho
core-api/index.rst:kho/index
userspace-api/index.rst:liveupdate"

out=$KHO_BUILD/docs

echo "KTAP version 1"
echo "# Subtest: docs"
if ! { "$KHO_TOP/scripts/setup.sh" && "$KHO_TOP/scripts/base.sh" &&
       python3 "$KHO_TOP/scripts/overlay.py" apply; } >&2; then
	echo "1..1"
	echo "not ok 1 docs_tree # the patched tree could not be made"
	exit 1
fi

doc=$KHO_SRC/Documentation
rm -rf "$out"
mkdir -p "$out/src"
missing=
for p in $PAGES; do
	if [ -f "$doc/$p" ]; then
		mkdir -p "$out/src/$(dirname "$p")"
		cp "$doc/$p" "$out/src/$p"
	else
		missing="$missing $p"
	fi
done
ktap_result "$([ -z "$missing" ]; echo $?)" pages_present "${missing:+missing:$missing}"

unhooked=
for h in $HOOKS; do
	grep -qE "^ +${h#*:}\$" "$doc/${h%%:*}" || unhooked="$unhooked ${h%%:*}"
done
ktap_result "$([ -z "$unhooked" ]; echo $?)" pages_in_the_kernel_toctrees \
	"${unhooked:+not listed in:$unhooked}"

{
	echo ".. SPDX-License-Identifier: GPL-2.0"
	echo
	echo "=================================="
	echo "Kexec HandOver and live update"
	echo "=================================="
	echo
	echo "The documentation of the KHO series alone (scripts/docs.sh)."
	echo
	echo ".. toctree::"
	echo "   :maxdepth: 2"
	echo
	echo "   admin-guide/mm/kho"
	echo "   core-api/kho/index"
	echo "   userspace-api/liveupdate"
} >"$out/src/index.rst"

# Every .. kernel-doc:: directive of our pages: kernel-doc must know the
# file, and find each identifier and DOC: section asked for
unresolved=
while IFS=: read -r page line file opt val; do
	[ -f "$KHO_SRC/$file" ] || { unresolved="$unresolved $page:$line:$file"; continue; }
	case "$opt" in
	identifiers|functions)
		for id in $val; do
			"$KHO_SRC/scripts/kernel-doc" -rst -function "$id" \
				"$KHO_SRC/$file" 2>/dev/null | grep -q . ||
				unresolved="$unresolved $page:$line:$id"
		done ;;
	doc)
		"$KHO_SRC/scripts/kernel-doc" -rst -function "$val" \
			"$KHO_SRC/$file" 2>/dev/null | grep -q . ||
			unresolved="$unresolved $page:$line:DOC:$val" ;;
	*)
		"$KHO_SRC/scripts/kernel-doc" -rst ${opt:+-$opt} \
			"$KHO_SRC/$file" 2>/dev/null | grep -q . ||
			unresolved="$unresolved $page:$line:$file:${opt:-all}" ;;
	esac
done < <(cd "$out/src" && awk '
	function flush() { if (file != "") print FILENAME ":" line ":" file ":" opt ":" val; file = "" }
	FNR == 1 { flush() }
	/^\.\. kernel-doc::/ { flush(); file = $3; line = FNR; opt = ""; val = ""; next }
	file != "" && /^   +:[a-z-]+:/ {
		sub(/^ +:/, ""); opt = $0; sub(/:.*/, "", opt); val = $0
		sub(/^[a-z-]+: */, "", val); cont = 1; next }
	file != "" && cont && /^          +[^ :]/ { sub(/^ +/, " "); val = val $0; next }
	file != "" && /^ *$/ { cont = 0; next }
	file != "" { flush() }
	END { flush() }' $PAGES)
directives=$(cd "$out/src" && cat $PAGES | grep -c '^\.\. kernel-doc::')
ktap_result "$([ -z "$unresolved" ]; echo $?)" kernel_doc_directives_resolve \
	"$directives directives${unresolved:+; unresolved:$unresolved}"

# kernel-doc's own complaints about the comments our pages pull in
kdoc_warn=
for f in $(cd "$out/src" && awk '/^\.\. kernel-doc::/ { print $3 }' $PAGES | sort -u); do
	w=$("$KHO_SRC/scripts/kernel-doc" -none -Wall "$KHO_SRC/$f" 2>&1)
	[ -n "$w" ] && { echo "$w" | sed 's/^/# /'; kdoc_warn="$kdoc_warn $f"; }
done
ktap_result "$([ -z "$kdoc_warn" ]; echo $?)" kernel_doc_comments_clean \
	"${kdoc_warn:+warnings in:$kdoc_warn}"

t0=$(date +%s.%N)
PYTHONDONTWRITEBYTECODE=1 nice -n 10 sphinx-build -b html -q \
	-c "$doc" -d "$out/doctrees" \
	-D kerneldoc_srctree="$KHO_SRC" \
	-D kerneldoc_bin="$KHO_SRC/scripts/kernel-doc" \
	-D version=6.12 -D release=6.12 \
	-w "$out/warnings.log" "$out/src" "$out/html" \
	>"$out/sphinx.log" 2>"$out/sphinx.err"
rc=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
ktap_result "$rc" sphinx_build "$(printf '%.1f' "$secs") s, sphinx-build $(sphinx-build --version 2>&1 | awk '{print $NF}'), exit $rc; log build/docs/sphinx.err"

# Sphinx's warnings and kernel-doc's (which reach stderr, not -w): every
# one that names our pages or the sources they pull in fails.  The only
# other one is the kernel conf's note that graphviz is not installed,
# which no page of ours needs.
ours=$(grep -hiE 'warning|error' "$out/warnings.log" "$out/sphinx.err" |
	grep -v 'dot(1) not found' | sort -u)
if [ -n "$ours" ]; then
	echo "$ours" | sed "s|$out/src/|Documentation/|; s|$KHO_SRC/||; s/^/# /"
fi
ktap_result "$([ -z "$ours" ]; echo $?)" no_warnings \
	"$(echo -n "$ours" | grep -c . ) warnings"

for p in $PAGES; do
	[ -s "$out/html/${p%.rst}.html" ] || missing="$missing ${p%.rst}.html"
done
ktap_result "$([ -z "$missing" ]; echo $?)" html_written "build/docs/html/index.html"

# The guide's message table against the code (scripts/docs-check.py)
msgs=$(python3 "$KHO_TOP/scripts/docs-check.py" messages)
grep '^# ' <<<"$msgs"
ktap_relay "" "$msgs"

echo "1..$KTAP_N"
exit $KTAP_FAILED
