"""ember-board's end-to-end checks, one mode per CTest entry:

  fixtures  the page made from event files written by write_events.py (an independent
            writer: struct + crcmod + PIL) holds exactly the values written
  errors    a missing log dir, one without event files and bad options exit with 2
  corrupt   a bad CRC warns naming the file and offset and keeps the records before it
  browser   chromium renders the page: a non-blank screenshot, every tag, run and the
            hparams table in the DOM, charts drawn by the page's script
  watch     --watch rewrites the page when the log grows

usage: check_board.py MODE EMBER_BOARD WORKDIR"""
import base64
import html
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import write_events as we  # noqa: E402


def fail(message):
    print('FAIL:', message)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def run_board(board, args, expect_rc=0):
    p = subprocess.run([board] + args, capture_output=True, text=True, timeout=60)
    if expect_rc is not None and p.returncode != expect_rc:
        fail(f'ember-board {args} exited with {p.returncode}, expected {expect_rc}\nstderr: {p.stderr}')
    return p


def page_data(page_html):
    m = re.search(r'<script type="application/json" id="board-data">(.*?)</script>', page_html, re.S)
    check(m, 'the page has no board-data script')
    return json.loads(m.group(1))


def close(a, b):
    return a == b or (a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))


def series_of(data, kind, tag):
    for entry in data[kind]:
        if entry['tag'] == tag:
            return {data['runs'][s['run']]: s for s in entry['series']}
    fail(f'no {kind} tag {tag!r} in the page data')


def mode_fixtures(board, work):
    logs = os.path.join(work, 'logs')
    expected = we.write_fixtures(logs)
    out = os.path.join(work, 'board.html')
    p = run_board(board, ['--out', out, '--title', 'Fixture board', logs])
    check('warning' not in p.stderr, 'a truncated last record must not warn: ' + p.stderr)
    text = open(out, encoding='utf-8').read()
    data = page_data(text)
    check(data['runs'] == expected['runs'], f"runs {data['runs']} != {expected['runs']}")
    check(data['watch'] is None, 'no reload without --watch')

    for tag, runs in expected['scalars'].items():
        got = series_of(data, 'scalars', tag)
        check(sorted(got) == sorted(runs), f'scalar {tag}: runs {sorted(got)} != {sorted(runs)}')
        for run, points in runs.items():
            s = got[run]
            check(s['steps'] == [p[0] for p in points], f'scalar {tag}/{run}: steps {s["steps"]}')
            # float32 values are shown as the shortest text of that float: equal as float32
            check(all(a == b[1] or (b[1] == we.f32(b[1]) and we.f32(a) == b[1]) for a, b in zip(s['values'], points)) and
                  len(s['values']) == len(points),
                  f'scalar {tag}/{run}: values {s["values"][:5]}... != {[p[1] for p in points][:5]}...')
    for tag, runs in expected['histograms'].items():
        got = series_of(data, 'histograms', tag)
        for run, steps in runs.items():
            s = got[run]
            check(s['steps'] == [st[0] for st in steps], f'histogram {tag}/{run}: steps {s["steps"]}')
            for buckets, (step, want) in zip(s['buckets'], steps):
                check(len(buckets) == len(want) and all(all(close(x, y) for x, y in zip(b, w))
                                                        for b, w in zip(buckets, want)),
                      f'histogram {tag}/{run} step {step}: {buckets} != {want}')
    for tag, runs in expected['images'].items():
        got = series_of(data, 'images', tag)
        for run, steps in runs.items():
            s = got[run]
            check(s['steps'] == [st[0] for st in steps], f'images {tag}/{run}: steps {s["steps"]}')
            for imgs, (step, pngs) in zip(s['images'], steps):
                srcs = [im['src'] for im in imgs]
                check(all(src.startswith('data:image/png;base64,') for src in srcs), f'images {tag}: not PNG data URIs')
                check([base64.b64decode(src.split(',', 1)[1]) for src in srcs] == pngs,
                      f'images {tag}/{run} step {step}: the PNG bytes differ')
    for tag, runs in expected['texts'].items():
        got = series_of(data, 'texts', tag)
        for run, steps in runs.items():
            check(got[run]['steps'] == [st[0] for st in steps] and got[run]['texts'] == [st[1] for st in steps],
                  f'text {tag}/{run}: {got[run]}')
    rows = {row['run']: row for row in data['hparams']['rows']}
    check(sorted(rows) == sorted(expected['hparams']), f'hparams rows {sorted(rows)}')
    for run, want in expected['hparams'].items():
        check(rows[run]['hparams'] == want['hparams'], f'hparams of {run}: {rows[run]["hparams"]} != {want["hparams"]}')
        check(rows[run]['metrics'] == want['metrics'], f'metrics of {run}: {rows[run]["metrics"]} != {want["metrics"]}')
    graphs = {g['run']: g['nodes'] for g in data['graphs']}
    for run, nodes in expected['graphs'].items():
        got = [[n['name'], n['op'], n['shapes']] for n in graphs.get(run, [])]
        check(got == nodes, f'graph of {run}: {got} != {nodes}')

    # The HTML itself (before any script runs) names every tag and run, escapes text, and
    # loads nothing from the network.
    visible = html.unescape(re.sub(r'<script.*?</script>', '', text, flags=re.S))
    for kind in ['scalars', 'histograms', 'images', 'texts']:
        for tag in expected[kind]:
            check(f'>{html.escape(tag)}<' in text, f'tag {tag!r} is not in the HTML as text')
    for run in expected['runs']:
        check(run in visible, f'run {run!r} is not in the HTML')
    check('<script>alert(1)' not in text, 'text was not escaped')
    check('&lt;script&gt;alert(1)&lt;/script&gt;' in text, 'the escaped text is missing')
    check('id="hparams-table"' in text, 'no hparams table')
    check(not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', text), 'the page refers to the network')
    check(text.count('class="node"') == 5, 'the graph does not draw its 5 nodes')

    # Several log dirs: run names get each dir's name in front.
    out2 = os.path.join(work, 'two.html')
    run_board(board, ['--out', out2, os.path.join(logs, 'run_a'), os.path.join(logs, 'run_b')])
    runs2 = page_data(open(out2, encoding='utf-8').read())['runs']
    check(runs2 == ['run_a', 'run_b'], f'runs of two log dirs: {runs2}')
    print('fixtures: ok')


def mode_errors(board, work):
    missing = os.path.join(work, 'no-such-dir')
    p = run_board(board, ['--out', os.path.join(work, 'x.html'), missing], expect_rc=2)
    check(missing in p.stderr and 'does not exist' in p.stderr, 'missing dir message: ' + p.stderr)
    empty = os.path.join(work, 'empty')
    os.makedirs(os.path.join(empty, 'sub'), exist_ok=True)
    open(os.path.join(empty, 'sub', 'notes.txt'), 'w').write('not events')
    p = run_board(board, ['--out', os.path.join(work, 'x.html'), empty], expect_rc=2)
    check(empty in p.stderr and 'no event files' in p.stderr, 'empty dir message: ' + p.stderr)
    check(not os.path.exists(os.path.join(work, 'x.html')), 'a page was written despite the error')
    p = run_board(board, [], expect_rc=2)
    check('usage' in p.stderr, 'no log dir: ' + p.stderr)
    good = os.path.join(work, 'good')
    we.write_file(good, [we.event(1.0, 0, [we.simple_value('a', 1.0)])])
    p = run_board(board, ['--interval', '0', good], expect_rc=2)
    check('--interval' in p.stderr, 'bad interval: ' + p.stderr)
    p = run_board(board, ['--bogus', good], expect_rc=2)
    check('--bogus' in p.stderr, 'unknown option: ' + p.stderr)
    p = run_board(board, ['--out', os.path.join(work, 'x.html'), good, missing], expect_rc=2)
    check(missing in p.stderr, 'one missing dir among several: ' + p.stderr)
    print('errors: ok')


def mode_corrupt(board, work):
    logs = os.path.join(work, 'logs')
    records = [we.event(1.0 + s, s, [we.simple_value('loss', 1.0 / (s + 1))]) for s in range(5)]
    path = we.write_file(os.path.join(logs, 'r'), records)
    offset = sum(len(we.frame(r)) for r in records[:2])
    blob = bytearray(open(path, 'rb').read())
    blob[offset + 12 + 3] ^= 0x20  # inside the third record's data
    open(path, 'wb').write(bytes(blob))
    out = os.path.join(work, 'board.html')
    p = run_board(board, ['--out', out, logs])
    check('warning' in p.stderr and path in p.stderr and f'offset {offset}' in p.stderr,
          f'the warning must name {path} and offset {offset}: {p.stderr}')
    s = series_of(page_data(open(out, encoding='utf-8').read()), 'scalars', 'loss')
    check(s['r']['steps'] == [0, 1], f'records before the bad one are kept, none after: {s["r"]["steps"]}')
    print('corrupt: ok')


def chromium():
    for name in ['chromium', 'chromium-browser', 'google-chrome']:
        path = shutil.which(name)
        if path:
            return path
    fail('no chromium found')


def mode_browser(board, work):
    from PIL import Image
    logs = os.path.join(work, 'logs')
    expected = we.write_fixtures(logs)
    out = os.path.join(work, 'board.html')
    run_board(board, ['--out', out, '--title', 'Fixture board', logs])
    shot = os.path.join(work, 'shot.png')
    if os.path.exists(shot):
        os.remove(shot)
    base = [chromium(), '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
            '--user-data-dir=' + os.path.join(work, 'profile'), '--window-size=1280,2000']
    env = dict(os.environ, HOME=work)
    url = 'file://' + os.path.abspath(out)
    subprocess.run(base + ['--screenshot=' + shot, url], capture_output=True, timeout=60, env=env)
    check(os.path.exists(shot), 'chromium wrote no screenshot')
    dom = subprocess.run(base + ['--dump-dom', url], capture_output=True, text=True, timeout=60, env=env).stdout

    img = Image.open(shot).convert('RGB')
    small = img.resize((img.width // 4, img.height // 4))
    pixels = list(small.getdata())
    colors = len(set(pixels))
    non_white = sum(1 for p in pixels if min(p) < 235) / len(pixels)
    print(f'screenshot {shot}: {img.width}x{img.height}, {colors} colours, {non_white:.1%} non-white')
    check(colors >= 64, f'the screenshot looks blank: {colors} colours')
    check(non_white >= 0.05, f'the screenshot looks blank: {non_white:.1%} non-white pixels')
    # The lines of run_a and run_b (their colours from the page data) show up in the picture.
    data = page_data(open(out, encoding='utf-8').read())
    all_pixels = list(img.getdata())
    for run in ['run_a', 'run_b']:
        hexcolor = data['colors'][data['runs'].index(run) % len(data['colors'])]
        want = tuple(int(hexcolor[i:i + 2], 16) for i in (1, 3, 5))
        hits = sum(1 for p in all_pixels if sum(abs(a - b) for a, b in zip(p, want)) < 40)
        check(hits > 300, f'the charts show few pixels of {run}\'s colour {hexcolor}: {hits}')

    text = html.unescape(dom)
    for kind in ['scalars', 'histograms', 'images', 'texts']:
        for tag in expected[kind]:
            check(tag in text, f'tag {tag!r} is not in the rendered DOM')
    for run in expected['runs']:
        check(run in text, f'run {run!r} is not in the rendered DOM')
    check('id="hparams-table"' in dom and 'optimizer' in dom and 'hparam/accuracy' in dom,
          'the hparams table is not in the DOM')
    # The page's script ran: each scalar and histogram chart got an SVG with paths.
    n_scalar_tags = len(expected['scalars'])
    drawn = dom.count('<svg viewBox="0 0 460 250"')
    check(drawn == n_scalar_tags, f'{drawn} scalar charts drawn, expected {n_scalar_tags}')
    check(dom.count('<polygon') >= 6, 'the histograms were not drawn')
    check(dom.count('<path') >= 2 * n_scalar_tags, 'the scalar lines were not drawn')
    print('browser: ok')


def mode_watch(board, work):
    logs = os.path.join(work, 'logs')
    path = we.write_file(os.path.join(logs, 'run'), [we.event(1.0, 0, [we.simple_value('early/tag', 1.0)])])
    out = os.path.join(work, 'board.html')
    if os.path.exists(out):
        os.remove(out)
    proc = subprocess.Popen([board, '--watch', '--interval', '0.2', '--out', out, logs],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def wait_for(pred, what, timeout=15):
            end = time.time() + timeout
            while time.time() < end:
                if os.path.exists(out):
                    t = open(out, encoding='utf-8').read()
                    if pred(t):
                        return t
                time.sleep(0.1)
            fail(f'timed out waiting for {what}')

        first = wait_for(lambda t: 'early/tag' in t, 'the first page')
        data = page_data(first)
        check(data['watch'] == 0.2, f'the watch page must reload itself: watch={data["watch"]}')
        check('location.reload' in first, 'no reload timer in the watch page')
        # Half a record, then the rest: the page gains the new tag once it is complete.
        rec = we.frame(we.event(2.0, 1, [we.simple_value('late/tag', 2.0)]))
        with open(path, 'ab') as f:
            f.write(rec[:10])
        time.sleep(0.6)
        check('late/tag' not in open(out, encoding='utf-8').read(), 'a half-written record was shown')
        with open(path, 'ab') as f:
            f.write(rec[10:])
        wait_for(lambda t: 'late/tag' in t, 'the page to show late/tag')
        # A new run appearing below the log dir is picked up too.
        we.write_file(os.path.join(logs, 'run2'), [we.event(3.0, 0, [we.simple_value('newrun/tag', 3.0)])])
        page = wait_for(lambda t: 'newrun/tag' in t, 'the page to show a new run')
        check(page_data(page)['runs'] == ['run', 'run2'], 'runs after a new one appeared')
        leftovers = [f for f in os.listdir(work) if '.tmp' in f]
        check(not leftovers, f'temporary files left behind: {leftovers}')
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail('ember-board --watch did not stop on SIGTERM')
    check(rc == 0, f'ember-board --watch exited with {rc}: {proc.stderr.read()}')
    print('watch: ok')


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    mode, board, work = sys.argv[1:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    {'fixtures': mode_fixtures, 'errors': mode_errors, 'corrupt': mode_corrupt,
     'browser': mode_browser, 'watch': mode_watch}[mode](board, work)


if __name__ == '__main__':
    main()
