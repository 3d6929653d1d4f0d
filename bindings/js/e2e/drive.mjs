// Drives one browser session for scripts/browser_e2e.sh: headless Chromium
// (Debian's /usr/bin/chromium) through puppeteer-core opens the e2e page and
// writes what the page recorded (window.__e2e) as JSON.
//   node drive.mjs --url URL --out FILE [--timeout-s S] [--chromium PATH]
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
if (!args.url || !args.out) {
  console.error('usage: node drive.mjs --url URL --out FILE [--timeout-s S] [--chromium PATH]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
let puppeteer;
try {
  puppeteer = require('puppeteer-core');
} catch (e) {
  console.error(`drive.mjs: cannot load puppeteer-core (npm install -g puppeteer-core; NODE_PATH=$(npm root -g)): ${e.message}`);
  process.exit(77);
}
const timeoutMs = Number(args['timeout-s'] || 300) * 1000;
const profile = mkdtempSync(join(tmpdir(), 'streamopt-e2e-chromium-'));
const browser = await puppeteer.launch({
  executablePath: args.chromium || '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
});
let code = 0;
try {
  const page = await browser.newPage();
  const console_lines = [];
  page.on('console', (m) => console_lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console_lines.push(`pageerror: ${e.message}`));
  await page.goto(args.url, { waitUntil: 'load', timeout: timeoutMs });
  try {
    await page.waitForFunction('window.__e2e && window.__e2e.done', { timeout: timeoutMs, polling: 250 });
  } catch (e) {
    console.error(`drive.mjs: the page did not finish in ${timeoutMs / 1000} s`);
    code = 1;
  }
  const result = await page.evaluate(() => window.__e2e || null);
  if (result) result.console = console_lines.slice(-50);
  writeFileSync(args.out, JSON.stringify(result, null, 1));
  if (!result || result.error) {
    console.error(`drive.mjs: ${result ? result.error : 'no result'}; console: ${console_lines.slice(-10).join(' | ')}`);
    code = 1;
  }
} finally {
  const proc = browser.process();
  await browser.close().catch(() => {});
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  rmSync(profile, { recursive: true, force: true });
}
process.exit(code);
