;; The vector index's scan kernels: one dot product per stored vector, 128-bit SIMD.
;; Assembled into kernels-wasm.ts by `node scripts/build-vector-kernels.mjs`; kernels.test.ts checks the two agree.
;; The memory is imported (shared), so every worker scans the same index without copying it.
(module
  (import "env" "memory" (memory 1 65536 shared))

;; out[i] = Σ_d query[d] × codes[i][d], as int32, for `count` vectors of 4-bit codes, `bytes` bytes each (a
  ;; multiple of 16), stored back to back from `base`. Byte j of each 16-byte block holds dimension j of the block's 32
  ;; in its low nibble and dimension 16 + j in its high nibble; `query` holds the query as int16 in dimension order
  ;; (4 × bytes bytes). Each nibble half is widened to int16 and multiplied in pairs with i32x4.dot_i16x8_s (x86
  ;; pmaddwd): half the bytes of int8 codes to read, which is what a scan larger than the caches waits for.
  (func (export "dotU4") (param $query i32) (param $base i32) (param $count i32) (param $bytes i32) (param $out i32)
    (local $vector i32) (local $end i32) (local $d i32) (local $q i32)
    (local $a v128) (local $b v128) (local $packed v128) (local $low v128) (local $high v128)
    (local.set $end (i32.add (local.get $base) (i32.mul (local.get $count) (local.get $bytes))))
    (local.set $vector (local.get $base))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $vector) (local.get $end)))
        (local.set $a (v128.const i32x4 0 0 0 0))
        (local.set $b (v128.const i32x4 0 0 0 0))
        (local.set $d (i32.const 0))
        (local.set $q (local.get $query))
        (loop $blocks
          (local.set $packed (v128.load (i32.add (local.get $vector) (local.get $d))))
          (local.set $low (v128.and (local.get $packed) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
          (local.set $high (i8x16.shr_u (local.get $packed) (i32.const 4)))
          (local.set $a (i32x4.add (local.get $a)
            (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $low)) (v128.load (local.get $q)))))
          (local.set $b (i32x4.add (local.get $b)
            (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $low)) (v128.load offset=16 (local.get $q)))))
          (local.set $a (i32x4.add (local.get $a)
            (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $high)) (v128.load offset=32 (local.get $q)))))
          (local.set $b (i32x4.add (local.get $b)
            (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $high)) (v128.load offset=48 (local.get $q)))))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (br_if $blocks (i32.lt_u (local.get $d) (local.get $bytes))))
        (local.set $a (i32x4.add (local.get $a) (local.get $b)))
        (i32.store (local.get $out)
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $a)) (i32x4.extract_lane 1 (local.get $a)))
            (i32.add (i32x4.extract_lane 2 (local.get $a)) (i32x4.extract_lane 3 (local.get $a)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $vector (i32.add (local.get $vector) (local.get $bytes)))
        (br $vectors))))

    ;; out[i] = Σ_d query[d] × rows[i][d], as float32, for `count` float32 vectors of `dims` values each (dims a
  ;; multiple of 16) stored back to back from `base`. Four accumulators keep four multiply-adds in flight.
  (func (export "dotF32") (param $query i32) (param $base i32) (param $count i32) (param $dims i32) (param $out i32)
    (local $vector i32) (local $end i32) (local $stop i32) (local $p i32) (local $q i32) (local $bytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $bytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $end (i32.add (local.get $base) (i32.mul (local.get $count) (local.get $bytes))))
    (local.set $vector (local.get $base))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $vector) (local.get $end)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $p (local.get $vector))
        (local.set $q (local.get $query))
        (local.set $stop (i32.add (local.get $vector) (local.get $bytes)))
        (loop $dimensions
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $q)) (v128.load (local.get $p)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $q)) (v128.load offset=16 (local.get $p)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $q)) (v128.load offset=32 (local.get $p)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $q)) (v128.load offset=48 (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (br_if $dimensions (i32.lt_u (local.get $p) (local.get $stop))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store (local.get $out)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $vector (local.get $stop))
        (br $vectors)))))
