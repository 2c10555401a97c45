#!/bin/sh
# Doxygen INPUT_FILTER: ember's headers document declarations with plain `//` comments
# (light to read and to type at a prompt); this turns them into Doxygen comments on the
# fly, so the headers themselves stay as they are.
#   a line that is only a `//` comment          -> `///` (documents what follows)
#   code followed by `// comment` on one line   -> `///<` (documents that member)
# Lines that are already Doxygen comments, and `//` inside strings, are left alone.
#
# Doxygen reads an #include only for its macros, never for declarations, so the op table
# (include/ember/detail/ops.def, an X-macro list) is pasted in, without its comments,
# where a public header includes it: the functions and methods its rows declare are
# then documented like the others.
table="$(dirname "$0")/../../include/ember/detail/ops.def"
awk -v table="$table" '
  /^#include "ember\/detail\/ops\.def"/ {
    while ((getline line < table) > 0) if (line !~ /^[[:space:]]*\/\//) print line
    close(table)
    next
  }
  { print }' "$1" |
sed -E \
  -e 's#^([[:space:]]*)//([^/!]|$)#\1///\2#' \
  -e '/^[[:space:]]*\/\//!{/"[^"]*\/\/[^"]*"/!s#([;,{])[[:space:]]+//[[:space:]]?([^/<].*)$#\1  ///< \2#}'
