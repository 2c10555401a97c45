// Runs every model ember exported in ONNX Runtime (the onnxruntime-node package) on the
// inputs in cases.json and compares the outputs with ember's within 1e-5.
//   node tests/onnx/run_onnxruntime.js DIR ORT_MODULE_DIR
const fs = require('fs');
const path = require('path');
const [dir, ortDir] = process.argv.slice(2);
const ort = require(path.resolve(ortDir, 'node_modules', 'onnxruntime-node'));

function toTensor(t) {
  if (t.dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(t.data.map(BigInt)), t.shape);
  if (t.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(t.data), t.shape);
  if (t.dtype === 'float64') return new ort.Tensor('float64', Float64Array.from(t.data), t.shape);
  return new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
}

(async () => {
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json')));
  if (cases.length === 0) throw new Error('no cases');
  let failed = 0;
  for (const c of cases) {
    const session = await ort.InferenceSession.create(path.join(dir, c.file));
    const feeds = {};
    session.inputNames.forEach((name, i) => { feeds[name] = toTensor(c.inputs[i]); });
    const results = await session.run(feeds);
    let worst = 0;
    session.outputNames.forEach((name, i) => {
      const got = results[name], want = c.outputs[i];
      if (JSON.stringify(Array.from(got.dims)) !== JSON.stringify(want.shape))
        throw new Error(`${c.name}: output ${i} has shape ${got.dims}, ember ${want.shape}`);
      got.data.forEach((v, k) => {
        const w = want.data[k];
        const err = Math.abs(Number(v) - w) / Math.max(1, Math.abs(w));
        worst = Math.max(worst, err);
      });
    });
    const ok = worst <= 1e-5;
    if (!ok) failed++;
    console.log(`${c.name}: ${ok ? 'ok' : 'MISMATCH'} (largest difference ${worst.toExponential(2)})`);
  }
  if (failed) { console.error(`${failed} of ${cases.length} models differ from ember`); process.exit(1); }
  console.log(`${cases.length} models run in ONNX Runtime ${ort.env.versions.common} and match ember within 1e-5`);
})().catch((e) => { console.error(e); process.exit(1); });
