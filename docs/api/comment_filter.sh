#!/bin/sh
# Doxygen INPUT_FILTER: ember's headers document declarations with plain `//` comments
# (light to read and to type at a prompt); this turns them into Doxygen comments on the
# fly, so the headers themselves stay as they are.
#   a line that is only a `//` comment          -> `///` (documents what follows)
#   code followed by `// comment` on one line   -> `///<` (documents that member)
# Lines that are already Doxygen comments, and `//` inside strings, are left alone.
exec sed -E \
  -e 's#^([[:space:]]*)//([^/!]|$)#\1///\2#' \
  -e '/^[[:space:]]*\/\//!{/"[^"]*\/\/[^"]*"/!s#([;,{])[[:space:]]+//[[:space:]]?([^/<].*)$#\1  ///< \2#}' \
  "$1"
