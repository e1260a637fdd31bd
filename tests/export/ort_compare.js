// ONNX Runtime (the onnxruntime-node npm package) on a model written by `expt export --onnx`:
// its logits on the first N images of a gzipped IDX file must equal expt's (from
// `expt predict --json` on the same images as PNGs, in file-name order) within 1e-4 relative.
// Plain CommonJS for Node 18 (Debian 12's).
//
// Usage: node ort_compare.js ORT_PACKAGE_DIR MODEL.onnx IMAGES_IDX_GZ PREDICT_JSON N
'use strict';
const fs = require('fs');
const zlib = require('zlib');

async function main() {
  const [packageDir, modelPath, idxPath, predictPath, countText] = process.argv.slice(2);
  const ort = require(packageDir);
  const count = Number(countText);
  const idx = zlib.gunzipSync(fs.readFileSync(idxPath));
  const rows = idx.readUInt32BE(8), cols = idx.readUInt32BE(12);
  const pixels = new Float32Array(count * rows * cols);
  for (let i = 0; i < pixels.length; ++i) pixels[i] = idx[16 + i];

  const session = await ort.InferenceSession.create(modelPath);
  const feeds = {pixels: new ort.Tensor('float32', pixels, [count, 1, rows, cols])};
  const logits = (await session.run(feeds)).logits;

  const predictions = JSON.parse(fs.readFileSync(predictPath, 'utf8')).predictions;
  if (predictions.length !== count) throw new Error(`expt predicted ${predictions.length} images, not ${count}`);
  const classes = logits.dims[1];
  let worst = 0;
  for (let i = 0; i < count; ++i) {
    const expected = predictions[i].logits;
    for (let k = 0; k < classes; ++k) {
      const got = logits.data[i * classes + k];
      // Relative to the image's largest logit, so a logit near zero is not held to 1e-4 of itself.
      const scale = Math.max(...expected.map(Math.abs), 1e-6);
      worst = Math.max(worst, Math.abs(got - expected[k]) / scale);
    }
  }
  console.log(`${modelPath}: ${count} images x ${classes} logits, largest relative difference ${worst.toExponential(2)}`);
  if (!(worst <= 1e-4)) {
    console.error('onnxruntime and expt disagree by more than 1e-4 relative');
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
