// ReLU fused with 2×2 max pooling, stride 2, one image (C, H, W) → (C, H/2, W/2).
//
// relu then max-pool equals max-pool then relu, and the gradient routing agrees with the
// reference (relu, then pool with the FIRST maximum in row-major window order (0,0), (0,1),
// (1,0), (1,1) winning, then relu's mask x > 0): when the window's maximum is positive the first
// raw maximum is the first relu'd maximum; when it is not, the reference's gradient dies in
// relu's mask and ours dies because the pooled value is 0.
//
//   forward:  out[o] = max(0, max of window), arg[o] = winner's position 0..3 (strict '>')
//   backward: dx (C, H, W) = dout[o] at each window's winner where out[o] > 0, 0 elsewhere
//             (writes every element of dx: no separate zeroing pass)

export function reluPoolForward(out: usize, arg: usize, x: usize, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const rowB = <usize>W << 2;
  let o: usize = 0;
  for (let c = 0; c < C; c++) {
    for (let oy = 0; oy < OH; oy++) {
      let p = x + ((<usize>(c * H + 2 * oy) * W) << 2);
      for (let ox = 0; ox < OW; ox++) {
        let best: u8 = 0;
        let bv = load<f32>(p);
        const v1 = load<f32>(p, 4);
        if (v1 > bv) { best = 1; bv = v1; }
        const v2 = load<f32>(p + rowB);
        if (v2 > bv) { best = 2; bv = v2; }
        const v3 = load<f32>(p + rowB, 4);
        if (v3 > bv) { best = 3; bv = v3; }
        store<f32>(out + (o << 2), bv > 0 ? bv : <f32>0);
        store<u8>(arg + o, best);
        o++;
        p += 8;
      }
    }
  }
}

export function reluPoolBackward(dx: usize, dout: usize, out: usize, arg: usize, C: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const rowB = <usize>W << 2;
  let o: usize = 0;
  for (let c = 0; c < C; c++) {
    for (let oy = 0; oy < OH; oy++) {
      let p = dx + ((<usize>(c * H + 2 * oy) * W) << 2);
      for (let ox = 0; ox < OW; ox++) {
        const g = load<f32>(out + (o << 2)) > 0 ? load<f32>(dout + (o << 2)) : <f32>0;
        const a = load<u8>(arg + o);
        store<f32>(p, a == 0 ? g : <f32>0);
        store<f32>(p, a == 1 ? g : <f32>0, 4);
        store<f32>(p + rowB, a == 2 ? g : <f32>0);
        store<f32>(p + rowB, a == 3 ? g : <f32>0, 4);
        o++;
        p += 8;
      }
    }
  }
}
