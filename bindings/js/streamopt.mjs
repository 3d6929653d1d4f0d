// streamopt's decision engine in JavaScript, compiled to WebAssembly
// (bindings/js/build.sh writes build/wasm/streamopt_wasm.mjs). Loading is
// asynchronous (the browser compiles the module once); every call after that
// is synchronous: a player asks for a rung and has it before it returns.
//
//   import { loadStreamopt } from './streamopt.mjs';
//   const engine = await loadStreamopt();                 // or loadStreamopt(factory)
//   const abr = engine.createController('robust_mpc', manifest);
//   const d = abr.decide({ now_s, buffer_s, next_segment, segments_left, last_rung });
//   abr.onDownload({ segment, rung, size_bytes, start_time_s, download_time_s });
//   abr.destroy();
//
// manifest: ladder.json's fields with inline sizes, or the short form
// { bitrates_bps: [...], segment_duration_s, segment_count, sizes_bytes?: [[...], ...] }.

export class StreamoptError extends Error {}

class Controller {
  constructor(engine, handle, spec) {
    this.engine = engine;
    this.handle = handle;
    this.spec = spec;
  }

  // Feeds one finished download; throws StreamoptError naming the bad field.
  onDownload(report) {
    this.#live();
    if (this.engine.onDownload(this.handle, JSON.stringify(report)) === 0) {
      throw new StreamoptError(`streamopt ${this.spec}: onDownload: ${this.engine.lastError()}`);
    }
  }

  // The decision for state.next_segment: {rung, delay_s, bitrate_bps, rule,
  // estimate_bps, conservative_bps, buffer_s, scores, plan, objective, playback_rate}.
  decide(state) {
    this.#live();
    const out = this.engine.decide(this.handle, JSON.stringify(state));
    if (out === null) throw new StreamoptError(`streamopt ${this.spec}: decide: ${this.engine.lastError()}`);
    return JSON.parse(out);
  }

  // The same, as the raw JSON text the engine wrote (for bit-exact comparisons).
  decideText(state) {
    this.#live();
    const out = this.engine.decide(this.handle, JSON.stringify(state));
    if (out === null) throw new StreamoptError(`streamopt ${this.spec}: decide: ${this.engine.lastError()}`);
    return out;
  }

  get rungCount() {
    this.#live();
    return this.engine.rungCount(this.handle);
  }

  destroy() {
    if (this.handle !== 0) this.engine.destroy(this.handle);
    this.handle = 0;
  }

  #live() {
    if (this.handle === 0) throw new StreamoptError(`streamopt ${this.spec}: controller used after destroy()`);
  }
}

// Wraps an instantiated emscripten module.
export function wrapModule(module) {
  const decide = module.cwrap('sjs_decide', 'number', ['number', 'string']);
  const engine = {
    version: module.cwrap('sjs_version', 'string', []),
    lastError: module.cwrap('sjs_last_error', 'string', []),
    create: module.cwrap('sjs_create', 'number', ['string', 'string', 'string']),
    onDownload: module.cwrap('sjs_on_download', 'number', ['number', 'string']),
    decide: (handle, state) => {
      const ptr = decide(handle, state);
      return ptr === 0 ? null : module.UTF8ToString(ptr);
    },
    rungCount: module.cwrap('sjs_rung_count', 'number', ['number']),
    destroy: module.cwrap('sjs_destroy', null, ['number']),
  };
  return {
    module,
    version: () => engine.version(),
    // Puts a file (a learned model: "imitation:model=/models/imitation.sopt")
    // into the module's in-memory file system; data: Uint8Array or string.
    writeFile(path, data) {
      const dir = path.substring(0, path.lastIndexOf('/'));
      if (dir) module.FS.mkdirTree(dir);
      module.FS.writeFile(path, data);
    },
    // A controller by registry spec ("bola", "robust_mpc:horizon=5", "dashjs", ...)
    // over a manifest (object or JSON text); qoe: the planning QoE spec ("lin" by default).
    createController(spec, manifest, qoe = 'lin') {
      const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
      const handle = engine.create(String(spec), text, qoe);
      if (handle === 0) throw new StreamoptError(`streamopt: cannot create '${spec}': ${engine.lastError()}`);
      return new Controller(engine, handle, String(spec));
    },
  };
}

// Instantiates the WebAssembly engine. factory: the default export of
// streamopt_wasm.mjs (given when a page imported it itself); otherwise it is
// imported from the build directory beside the repository's bindings/js.
export async function loadStreamopt(factory) {
  if (typeof process === 'object' && process.versions && process.versions.node) {
    // emscripten 3.1's ES6 output still reads CommonJS's __dirname and
    // require under node; an ES module has neither.
    const { createRequire } = await import('node:module');
    if (typeof globalThis.require === 'undefined') globalThis.require = createRequire(import.meta.url);
    if (typeof globalThis.__dirname === 'undefined') globalThis.__dirname = '.';
  }
  if (factory === undefined) {
    const url = new URL('../../build/wasm/streamopt_wasm.mjs', import.meta.url);
    factory = (await import(url.href)).default;
  }
  return wrapModule(await factory());
}
