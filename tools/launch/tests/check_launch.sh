#!/usr/bin/env bash
# ember-launch as a user runs it: the environment each rank gets, the first failing
# status returned and the other ranks stopped, Ctrl-C passed on, and usage errors.
#   check_launch.sh EMBER_LAUNCH WORK_DIR
set -euo pipefail
launch="$1"
work="$2"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Three ranks, each writes the variables it got.
cat > rank.sh <<'S'
#!/usr/bin/env bash
echo "$RANK $LOCAL_RANK $WORLD_SIZE $LOCAL_WORLD_SIZE $MASTER_ADDR $MASTER_PORT $*" > "out.$RANK"
S
chmod +x rank.sh
"$launch" --nproc 3 ./rank.sh a b || fail "three good ranks: exit status $?"
for r in 0 1 2; do
  read -r rank local world lworld addr port a b < "out.$r" || fail "rank $r wrote nothing"
  [ "$rank $local $world $lworld $addr $a $b" = "$r $r 3 3 127.0.0.1 a b" ] || fail "rank $r got: $(cat "out.$r")"
  [ "$port" -gt 0 ] || fail "rank $r got no MASTER_PORT"
done
[ "$(cut -d' ' -f6 out.0 out.1 out.2 | sort -u | wc -l)" = 1 ] || fail "the ranks got different ports"
"$launch" --nproc 1 --master-port 31234 ./rank.sh && grep -q ' 31234 ' out.0 || fail "--master-port not passed on"

# 2. Rank 1 fails with 3 while the others would run for a minute: ember-launch returns 3
#    within seconds and no rank is left running.
cat > fails.sh <<'S'
#!/usr/bin/env bash
echo $$ > "pid.$RANK"
if [ "$RANK" = 1 ]; then sleep 0.3; exit 3; fi
exec sleep 60
S
chmod +x fails.sh
start=$SECONDS
set +e
"$launch" --nproc 3 --grace 2 ./fails.sh 2> fails.err
code=$?
set -e
[ "$code" = 3 ] || fail "a rank exited with 3, ember-launch with $code"
[ $((SECONDS - start)) -lt 15 ] || fail "ember-launch took $((SECONDS - start)) s to stop the others"
grep -q "rank 1 .* status 3" fails.err || fail "no message naming rank 1: $(cat fails.err)"
for r in 0 2; do
  ! kill -0 "$(cat "pid.$r")" 2>/dev/null || fail "rank $r is still running"
done

# 3. SIGINT to ember-launch reaches every rank; the status says so (128 + 2).
cat > waits.sh <<'S'
#!/usr/bin/env bash
trap 'echo interrupted > "int.$RANK"; exit 130' INT
echo ready > "ready.$RANK"
while true; do sleep 0.05; done
S
chmod +x waits.sh
"$launch" --nproc 2 ./waits.sh &
pid=$!
for _ in $(seq 100); do [ -e ready.0 ] && [ -e ready.1 ] && break; sleep 0.05; done
kill -INT "$pid"
set +e
wait "$pid"
code=$?
set -e
[ "$code" = 130 ] || fail "after Ctrl-C ember-launch exited with $code, expected 130"
[ -e int.0 ] && [ -e int.1 ] || fail "Ctrl-C did not reach every rank"

# 4. Mistakes: exit status 2 and a message.
set +e
"$launch" ./rank.sh 2> e1; c1=$?
"$launch" --nproc 0 ./rank.sh 2> e2; c2=$?
"$launch" --nproc 2 2> e3; c3=$?
"$launch" --nproc 1 ./does-not-exist 2> e4; c4=$?
set -e
[ "$c1" = 2 ] && grep -q -- "--nproc N is required" e1 || fail "no --nproc: $c1 $(cat e1)"
[ "$c2" = 2 ] && grep -q "whole number >= 1" e2 || fail "--nproc 0: $c2 $(cat e2)"
[ "$c3" = 2 ] && grep -q "no program" e3 || fail "no program: $c3 $(cat e3)"
[ "$c4" = 127 ] && grep -q "cannot start ./does-not-exist" e4 || fail "missing program: $c4 $(cat e4)"
echo "ok: ember-launch"
