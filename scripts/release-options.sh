# The configure options of the release build, shared by scripts/example.sh and
# scripts/test.sh. Every option the test suite relies on is set explicitly, so a cache
# left by an earlier configure (with other values) can never turn tests off.
EMBER_RELEASE_OPTIONS=(
  -DCMAKE_BUILD_TYPE=Release
  -DEMBER_BUILD_TESTS=ON
  -DEMBER_BUILD_EXAMPLES=ON
  -DEMBER_BUILD_REPL=ON
  -DEMBER_BUILD_JIT=ON
  -DEMBER_BUILD_ONNX=ON -DEMBER_BUILD_TENSORBOARD=ON -DEMBER_BUILD_DISTRIBUTED=ON
  -DEMBER_BUILD_BENCH=OFF
  -DEMBER_SANITIZE=OFF
)
