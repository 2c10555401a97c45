#!/usr/bin/env bash
# Tests of ember-run, registered with CTest by tools/run/CMakeLists.txt:
#
#   test_ember_run.sh MODE EMBER_RUN SOURCE_DIR CXX WORK_DIR
#
#   mechanics  cache misses and hits (a compiler wrapper counts the compiles), arguments,
#              exit status, signals and exec, compile errors, edited sources and headers,
#              #! scripts, concurrent runs, the options
#   examples   examples/fit_curve.cpp and examples/fmnist_mlp.cpp (local headers)
#   installed  `cmake --install` into a scratch prefix (CMAKE_COMMAND and EMBER_BUILD_DIR
#              in the environment); that copy, through a symlink, and a moved prefix
set -u
mode=$1 ember_run=$2 source_dir=$3 real_cxx=$4 work=$5
testdata=$source_dir/tools/run/testdata

rm -rf -- "$work"
mkdir -p -- "$work/scripts"
cp -r -- "$testdata"/. "$work/scripts/"
cd "$work/scripts" || exit 1
export EMBER_RUN_CACHE=$work/cache
unset CXX EMBER_RUN_CXXFLAGS

# The compiler wrapper: every compile adds a line to cxx.log.
cat >"$work/cxx" <<EOF
#!/bin/sh
echo "\$*" >>"$work/cxx.log"
exec "$real_cxx" "\$@"
EOF
chmod +x "$work/cxx"
: >"$work/cxx.log"
compiles() { wc -l <"$work/cxx.log"; }

# go ARGS...: runs ember-run; sets out, err (its stdout and stderr) and rc.
go() {
  "$ember_run" "$@" >"$work/out" 2>"$work/err"
  rc=$?
  out=$(<"$work/out")
  err=$(<"$work/err")
}
fail() {
  printf 'FAIL: %s\n--- exit status: %s\n--- stdout:\n%s\n--- stderr:\n%s\n' "$1" "${rc:-}" "${out:-}" "${err:-}"
  exit 1
}
pass() { echo "ok: $1"; }
expect_rc() { [[ $rc == "$1" ]] || fail "$2: exit status $rc, expected $1"; }
expect_out() { [[ $out == "$1" ]] || fail "$2: stdout is not"$'\n'"$1"; }
expect_err_has() { [[ $err == *"$1"* ]] || fail "$2: stderr lacks '$1'"; }

# run_miss / run_hit DESCRIPTION ARGS...: a verbose run that must compile exactly once,
# or not at all and say the cache was hit.
run_miss() {
  local what=$1 before
  shift
  before=$(compiles)
  go -v "$@"
  (($(compiles) == before + 1)) || fail "$what: expected one compile, got $(($(compiles) - before))"
  [[ $err == *"ember-run: cache miss"* || $err == *"ember-run: rebuilding"* ]] || fail "$what: no 'cache miss' in stderr"
}
run_hit() {
  local what=$1 before
  shift
  before=$(compiles)
  go -v "$@"
  (($(compiles) == before)) || fail "$what: the compiler ran on a cache hit"
  expect_err_has "ember-run: cache hit" "$what"
}
# The line of FILE that holds TEXT, found independently of any compiler.
line_of() { grep -n -F -- "$2" "$1" | cut -d: -f1; }

mechanics() {
  export CXX=$work/cxx
  # The expected sum, computed here: ember::arange(5).sum().
  local sum=$((0 + 1 + 2 + 3 + 4))
  local args_out="argv0 [args.cpp]
argc 6
arg [a]
arg [b c]
arg []
arg [-v]
arg [--rebuild]
sum $sum"

  run_miss "first run" args.cpp a "b c" "" -v --rebuild
  expect_rc 0 "first run"
  expect_out "$args_out" "first run"
  run_hit "second run" args.cpp a "b c" "" -v --rebuild
  expect_rc 0 "second run"
  expect_out "$args_out" "second run"
  [[ $(find "$EMBER_RUN_CACHE" -name 'tmp.*' | wc -l) == 0 ]] || fail "temporary files left in the cache"
  pass "a miss compiles, a hit does not; arguments after the file reach the program"

  (cd "$work" && run_hit "from another folder" scripts/args.cpp) || exit 1
  pass "the same script by another path is a hit"

  run_hit "exit status" args.cpp --exit 7
  expect_rc 7 "exit status"
  run_hit "signal" args.cpp --signal 15
  expect_rc $((128 + 15)) "killed by SIGTERM"
  # exec: the program has ember-run's own process id.
  "$ember_run" args.cpp --pid >"$work/out" 2>"$work/err" &
  local pid=$!
  wait "$pid"
  rc=$? out=$(<"$work/out") err=$(<"$work/err")
  expect_rc 0 "exec"
  [[ $out == *"pid $pid"* ]] || fail "exec: the program's pid is not ember-run's ($pid)"
  pass "exit status and signals pass through; ember-run execs the program"

  local before_progs
  before_progs=$(find "$EMBER_RUN_CACHE" -name prog | wc -l)
  run_miss "compile error" broken.cpp
  [[ $rc != 0 ]] || fail "a compile error exits with status 0"
  expect_err_has "$work/scripts/broken.cpp:$(line_of broken.cpp 'the error'):" "compile error"
  [[ -z $out ]] || fail "compile error: the program ran"
  [[ $(find "$EMBER_RUN_CACHE" -name prog | wc -l) == "$before_progs" ]] || fail "a failed compile cached a binary"
  run_miss "compile error again" broken.cpp
  [[ $rc != 0 ]] || fail "the second compile error exits with status 0"
  pass "a compile error gives the file:line, a non-zero status, and caches nothing"

  run_miss "local header, first run" greet.cpp
  expect_out "hello" "local header, first run"
  run_hit "local header, second run" greet.cpp
  touch inc/greeting.hpp inc/punctuation.hpp greet.cpp
  run_hit "touched, not changed" greet.cpp
  sed -i 's/"hello"/"salut"/' inc/greeting.hpp
  run_miss "header edited" greet.cpp
  expect_out "salut" "header edited"
  expect_err_has "changed: $work/scripts/inc/greeting.hpp" "header edited"
  run_hit "header edited, second run" greet.cpp
  sed -i 's/#define EXCLAMATION ""/#define EXCLAMATION "?"/' inc/punctuation.hpp
  run_miss "nested header edited" greet.cpp
  expect_out "salut?" "nested header edited"
  sed -i 's/std::printf("%s\\n", greeting());/std::printf("%s %s\\n", greeting(), greeting());/' greet.cpp
  run_miss "source edited" greet.cpp
  expect_out "salut? salut?" "source edited"
  run_hit "source edited, second run" greet.cpp
  pass "editing the source, a header or a header it includes rebuilds; touching does not"

  run_miss "-D option" -DEXCLAIM greet.cpp
  expect_out "salut! salut!" "-D option"
  EMBER_RUN_CXXFLAGS="-DEXCLAIM -Wall" run_miss "EMBER_RUN_CXXFLAGS" greet.cpp
  expect_out "salut! salut!" "EMBER_RUN_CXXFLAGS"
  [[ $(tail -n 1 "$work/cxx.log") == *"-DEXCLAIM -Wall"* ]] || fail "EMBER_RUN_CXXFLAGS did not reach the compiler"
  run_miss "--debug" --debug greet.cpp
  [[ $(tail -n 1 "$work/cxx.log") == *"-O0 -g"* ]] || fail "--debug: no -O0 -g in the compile"
  run_miss "--rebuild" --rebuild greet.cpp
  expect_err_has "rebuilding" "--rebuild"
  run_miss "--force" --force greet.cpp
  run_hit "after --rebuild" greet.cpp
  pass "compiler options, EMBER_RUN_CXXFLAGS, --debug, --rebuild and --force"

  chmod +x shebang.cpp broken_shebang.cpp
  local before
  before=$(compiles)
  PATH=${ember_run%/*}:$PATH ./shebang.cpp x "y z" >"$work/out" 2>"$work/err"
  rc=$? out=$(<"$work/out") err=$(<"$work/err")
  expect_rc 0 "#! script"
  expect_out "salut? from a script: x y z" "#! script"
  (($(compiles) == before + 1)) || fail "#! script: expected one compile"
  run_hit "#! script, second run" shebang.cpp
  PATH=${ember_run%/*}:$PATH ./broken_shebang.cpp >"$work/out" 2>"$work/err"
  rc=$? out=$(<"$work/out") err=$(<"$work/err")
  [[ $rc != 0 ]] || fail "#! script with an error exits with status 0"
  expect_err_has "$work/scripts/broken_shebang.cpp:$(line_of broken_shebang.cpp 'the error'):" "#! script with an error"
  pass "#! scripts run, and their diagnostics keep the script's line numbers"

  # Two runs of a script not yet compiled: one compiles, the other waits and uses it.
  mkdir twice && cp args.cpp twice/
  before=$(compiles)
  "$ember_run" twice/args.cpp one >"$work/out1" 2>&1 &
  local first=$!
  "$ember_run" twice/args.cpp two >"$work/out2" 2>&1 &
  local second=$!
  wait "$first" || fail "concurrent run 1 failed: $(<"$work/out1")"
  wait "$second" || fail "concurrent run 2 failed: $(<"$work/out2")"
  grep -q -x "arg \[one\]" "$work/out1" && grep -q -x "sum $sum" "$work/out1" || fail "concurrent run 1: $(<"$work/out1")"
  grep -q -x "arg \[two\]" "$work/out2" && grep -q -x "sum $sum" "$work/out2" || fail "concurrent run 2: $(<"$work/out2")"
  (($(compiles) == before + 1)) || fail "concurrent runs compiled $(($(compiles) - before)) times, expected once"
  pass "two concurrent first runs compile once"

  go --help
  expect_rc 0 "--help"
  [[ $out == "usage: ember-run"* ]] || fail "--help prints no usage"
  go --bogus args.cpp
  expect_rc 2 "unknown option"
  expect_err_has "unknown option '--bogus'" "unknown option"
  go missing.cpp
  expect_rc 2 "missing file"
  expect_err_has "no such file: missing.cpp" "missing file"
  go
  expect_rc 2 "no file"
  expect_err_has "usage: ember-run" "no file"
  CXX=/nonexistent/c++ go args.cpp
  expect_rc 2 "missing compiler"
  expect_err_has "compiler not found: /nonexistent/c++" "missing compiler"
  pass "usage errors are named"

  mkdir "$EMBER_RUN_CACHE/keep-me"  # not named like an entry
  go -v --clean
  expect_rc 0 "--clean"
  [[ $(ls "$EMBER_RUN_CACHE") == $'CACHEDIR.TAG\nkeep-me' ]] || fail "--clean left: $(ls "$EMBER_RUN_CACHE")"
  run_miss "after --clean" args.cpp
  expect_rc 0 "after --clean"
  run_miss "--clean with a file" --clean args.cpp
  expect_rc 0 "--clean with a file"
  pass "--clean empties the cache and only removes its entries"
}

examples() {
  # The default compiler (the one ember was built with), without CXX.
  local fit=$source_dir/examples/fit_curve.cpp
  go -v "$fit"
  expect_rc 0 "fit_curve"
  expect_err_has "cache miss, compiling: $real_cxx " "fit_curve uses the configured compiler"
  [[ $err != *fmt* ]] || fail "fit_curve: fmt is in the compile command"
  local first_out=$out
  [[ $(grep -c '^step ' <<<"$out") == 21 ]] || fail "fit_curve: expected 21 step lines"
  awk '/^step/ { if (!first) first = $4; last = $4 }
       END { exit !(last < first / 10) }' <<<"$out" || fail "fit_curve: the loss did not fall tenfold"
  go -v "$fit"
  expect_rc 0 "fit_curve, second run"
  expect_err_has "cache hit" "fit_curve, second run"
  expect_out "$first_out" "fit_curve, second run (seeded, so the same)"
  pass "examples/fit_curve.cpp runs and its loss falls; the second run is a hit"

  local mlp=$source_dir/examples/fmnist_mlp.cpp
  go -v "$mlp" --help
  expect_rc 0 "fmnist_mlp --help"
  [[ $out == "fmnist_mlp: an MLP classifier for Fashion-MNIST"* ]] || fail "fmnist_mlp --help"
  local header
  for header in classifier.hpp flags.hpp progress.hpp; do
    grep -q -F " $source_dir/examples/common/$header" "$EMBER_RUN_CACHE"/*/deps ||
      fail "fmnist_mlp: $header is not among the checked headers"
  done
  go -v "$mlp" --epochs
  expect_rc 2 "fmnist_mlp with a bad flag"
  expect_err_has "cache hit" "fmnist_mlp, second run"
  expect_err_has "flag --epochs needs a value" "fmnist_mlp with a bad flag"
  pass "examples/fmnist_mlp.cpp compiles with its examples/common headers, which are checked"
}

installed() {
  local sum=$((0 + 1 + 2 + 3 + 4))  # ember::arange(5).sum()
  "$CMAKE_COMMAND" --install "$EMBER_BUILD_DIR" --prefix "$work/prefix" >"$work/install.log" ||
    { cat "$work/install.log"; fail "cmake --install failed"; }
  local prefix=$work/prefix
  ember_run=$prefix/bin/ember-run
  [[ -x $ember_run ]] || fail "no executable $ember_run"
  local libdir
  libdir=$(dirname "$(find "$prefix" -name 'libember.so' | head -n 1)")
  go -v args.cpp
  expect_rc 0 "installed"
  expect_out $'argv0 [args.cpp]\nargc 1\nsum '$sum "installed"
  expect_err_has "-I$prefix/include " "installed: headers"
  expect_err_has "-Wl,-rpath,$libdir" "installed: library"
  local prog=${err##*compiled: }
  readelf -d "$prog" | grep -F "[$libdir]" > /dev/null || fail "installed: the binary's runpath is not $libdir"
  [[ $err != *"-I$source_dir/include "* && $err != *"-L$EMBER_BUILD_DIR "* ]] || fail "installed: the build tree is used"
  pass "the installed ember-run uses the installed headers and library"

  mkdir -p "$work/bin"
  ln -s "$prefix/bin/ember-run" "$work/bin/ember-run"
  ember_run=$work/bin/ember-run
  go -v args.cpp
  expect_rc 0 "through a symlink"
  expect_err_has "cache hit" "through a symlink"
  pass "a symlink to the installed ember-run finds the same prefix"

  mv "$prefix" "$work/moved"
  ember_run=$work/moved/bin/ember-run
  go -v args.cpp
  expect_rc 0 "moved prefix"
  expect_err_has "-I$work/moved/include " "moved prefix"
  expect_out $'argv0 [args.cpp]\nargc 1\nsum '$sum "moved prefix"
  pass "a moved prefix works"
}

case $mode in
  mechanics | examples | installed) "$mode" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
echo "all $mode tests passed"
