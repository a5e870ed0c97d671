import { randomBytes } from "node:crypto";

/** Source of the simulator's ids and fault rolls; seeded runs repeat exactly. */
export type RandomSource = {
  /** A float in [0, 1). */
  next(): number;
  hex(length: number): string;
  uuid(): string;
};

export function createRandom(seed?: number): RandomSource {
  const next = seed === undefined ? cryptoFloat : mulberry32(seed);
  const hex = (length: number): string => {
    let out = "";
    while (out.length < length) out += Math.floor(next() * 16).toString(16);
    return out;
  };
  const uuid = (): string => {
    const h = hex(32);
    const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  return { next, hex, uuid };
}

function cryptoFloat(): number {
  return randomBytes(4).readUInt32BE(0) / 2 ** 32;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
