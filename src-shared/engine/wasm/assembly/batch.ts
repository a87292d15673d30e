// Batch assembly in the module: n raw 28×28 byte images → the network's input (n, 1, 32, 32),
// zero-padded by 2 on every side and normalised through a 256-entry lookup table (and, for the
// 'center' normalisation, minus the training mean image). The same computation as
// engine/batch.ts BatchWriter (the reference), which fills the table: x = lut[byte], or
// lut[byte] − mean[pixel] (one float32 subtraction); the padding is lut[0] (background), never
// mean-subtracted. Tested bit for bit against BatchWriter.
//
//   src   (n, 28, 28) bytes
//   lut   (256) float32
//   mean  (28, 28) float32, or 0 for none
//   x     (n, 1, 32, 32) float32

/** Writes images [0, n) of src into x. */
export function assembleImages(x: usize, src: usize, n: i32, lut: usize, mean: usize): void {
  const bg = load<f32>(lut);
  const bgv = f32x4.splat(bg);
  for (let i = 0; i < n; i++) {
    const img = x + (<usize>i << 12); // 1024 floats per image
    const px = src + <usize>i * 784;
    // Rows 0–1 and 30–31 are padding: 64 floats each, 16 vectors.
    for (let j: usize = 0; j < 256; j += 16) {
      v128.store(img + j, bgv);
      v128.store(img + 30 * 128 + j, bgv);
    }
    for (let r = 0; r < 28; r++) {
      const row = img + (<usize>(r + 2) << 7);
      const s = px + <usize>r * 28;
      store<f32>(row, bg); store<f32>(row, bg, 4);
      if (mean != 0) {
        const m = mean + (<usize>r * 28 << 2);
        for (let c = 0; c < 28; c++) {
          const o = <usize>c << 2;
          store<f32>(row + o, load<f32>(lut + (<usize>load<u8>(s + c) << 2)) - load<f32>(m + o), 8);
        }
      } else {
        for (let c = 0; c < 28; c++) store<f32>(row + (<usize>c << 2), load<f32>(lut + (<usize>load<u8>(s + c) << 2)), 8);
      }
      store<f32>(row, bg, 120); store<f32>(row, bg, 124);
    }
  }
}
