// Browser tests of the page of `appfiling serve` in Debian's headless Chromium.
// scripts/browser-tests.sh starts the server and sets APPFILING_URL, APPFILING_ROOT, APPFILING_BIN.
// The values on the page are checked against samples/EXPECTED*.tsv, written by independent
// tools (apksigner, keytool, openssl), never against appfiling's own output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const URL_BASE = process.env.APPFILING_URL;
const ROOT = process.env.APPFILING_ROOT;
const BIN = process.env.APPFILING_BIN;
// The temporary folder of the script's server: a server a test starts uses it too, so the
// script's check that it is empty at the end covers both.
const SERVER_TMPDIR = process.env.APPFILING_SERVER_TMPDIR;
if (!URL_BASE || !ROOT || !BIN || !SERVER_TMPDIR) {
  throw new Error('run through scripts/browser-tests.sh (APPFILING_URL, APPFILING_ROOT, APPFILING_BIN, APPFILING_SERVER_TMPDIR)');
}
const samples = (...names) => names.map((n) => join(ROOT, 'samples', n));
const SHOTS = join(ROOT, 'target', 'browser');
mkdirSync(SHOTS, { recursive: true });

// Every sample the portals' values can be checked for, in one upload (the API takes 32 files).
// debug.keystore is left out: its password is not the others'.
const ALL = samples(
  'sample-debug.apk', 'sample-rotation.apk', 'sample-two-signers.apk', 'sample-v1-only-target34.apk',
  'sample-v1-only.apk', 'sample-v1v2v3-rsa.apk', 'sample-v2-ec.apk', 'detect/sample-detect.apk',
  'bundles/sample.aab', 'bundles/sample.apks', 'bundles/sample.xapk', 'bundles/sample.apkm',
  'ios/sample.ipa', 'ios/sample.mobileprovision', 'ios/sample-development.mobileprovision',
  'ios/sample-distribution.cer', 'ios/sample-distribution.p12',
  'harmony/sample.hap', 'harmony/sample.app', 'harmony/sample-release.p7b', 'harmony/sample-debug.hap',
  'keystores/release.jks', 'keystores/release.jceks');
const PASSWORD = 'appfiling';
// One package per platform, for the form, the preview and the downloads.
const SMALL = samples('detect/sample-detect.apk', 'ios/sample.ipa', 'harmony/sample.app');

// ---- the independent tools' values ----

function tsv(path) {
  const lines = readFileSync(join(ROOT, 'samples', path), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const head = lines[0].split('\t');
  return lines.slice(1).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [head[i], v])));
}

// Android: apksigner's certificate MD5 and public-key SHA-256 (of the SubjectPublicKeyInfo),
// keytool's MD5 and modulus for keystores. iOS and HarmonyOS: openssl's SHA-1 and key.
const android = new Map(); // MD5 → { spkiSha256 } | { modulusHex }
// A row of '-': apksigner refused the file (v1 only for a target it does not install on).
const apksigned = tsv('EXPECTED.tsv').filter((r) => r.cert_md5 !== '-');
for (const row of apksigned) {
  const md5s = row.cert_md5.split(';');
  const keys = row.pubkey_sha256.split(';');
  md5s.forEach((md5, i) => android.set(md5, { spkiSha256: keys[i] }));
}
for (const row of tsv('keystores/EXPECTED-keystores.tsv')) {
  if (row.modulus !== '-') android.set(row.md5, { modulusHex: row.modulus });
}
const apple = new Map(tsv('ios/EXPECTED-ios.tsv').map((r) => [r.sha1, r.modulus]));
const harmony = new Map(tsv('harmony/EXPECTED-harmony.tsv').map((r) => [r.sha1, r.ec_point]));
const expectedByFile = new Map(apksigned.map((r) => [r.file, r.cert_md5.split(';')]));

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
function hexBytes(hex) { return Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex'); }

/** SHA-256 of the SubjectPublicKeyInfo made from the key as the page shows it (node's OpenSSL). */
function spkiSha256(publicKey, format) {
  let jwk;
  if (format === 'ec_point') {
    const point = hexBytes(publicKey);
    assert.equal(point[0], 4, 'an uncompressed EC point');
    const half = (point.length - 1) / 2;
    const crv = { 32: 'P-256', 48: 'P-384', 66: 'P-521' }[half];
    jwk = { kty: 'EC', crv, x: b64url(point.subarray(1, 1 + half)), y: b64url(point.subarray(1 + half)) };
  } else {
    // The samples' keys have the exponent keytool and openssl give by default, 65537.
    const n = format === 'decimal' ? BigInt(publicKey).toString(16) : publicKey;
    jwk = { kty: 'RSA', n: b64url(hexBytes(n)), e: 'AQAB' };
  }
  const der = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').toUpperCase();
}

// ---- the browser ----

let context;
let userData;
const problems = []; // console errors, page errors and CSP violations, from every page

before(async () => {
  userData = mkdtempSync(join(tmpdir(), 'appfiling-chromium-'));
  context = await chromium.launchPersistentContext(userData, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(URL_BASE).origin });
  // Runs before the page's own script: records what the CSP refused.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
});

after(async () => {
  await context?.close();
  if (userData) rmSync(userData, { recursive: true, force: true });
  assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
});

async function openPage({ width = 1280, colorScheme = 'light', url = URL_BASE } = {}) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 900 });
  await page.emulateMedia({ colorScheme });
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'] || '', /script-src 'self'/);
  return page;
}

/** The clipboard, once the page has written to it (the tests first put '-' there). */
async function clipboardOnceSet(page) {
  let text = '-';
  for (let i = 0; i < 50 && text === '-'; i++) {
    text = await page.evaluate(() => navigator.clipboard.readText());
    if (text === '-') await page.waitForTimeout(50);
  }
  return text;
}

async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations);
}

/** Uploads through the file input and waits until every package is shown. */
async function upload(page, files, password = '') {
  if (password) await page.fill('#password', password);
  await page.setInputFiles('#files', files);
  await page.waitForFunction((n) => document.querySelectorAll('article.package').length === n, files.length,
    { timeout: 60_000 });
  // The preview (or its error) comes after the form's pre-fill.
  await page.waitForSelector('#preview > *', { timeout: 60_000 });
}

async function shownValues(page) {
  return page.$$eval('article.package', (cards) => cards.map((card) => {
    const value = (key) => card.querySelector(`.value-row[data-key="${key}"] code.value`)?.textContent ?? null;
    const values = card.querySelector('dl.values');
    return {
      path: card.dataset.path,
      platform: values?.dataset.platform ?? null,
      keyFormat: values?.dataset.keyFormat ?? null,
      md5: value('signature_md5'),
      publicKey: value('public_key'),
      packageName: value('package_name'),
    };
  }));
}

test('every 签名MD5值 and 公钥 on the page is the independent tools\' value', async () => {
  const page = await openPage();
  await upload(page, ALL, PASSWORD);
  const shown = await shownValues(page);
  const names = ALL.map((p) => p.split('/').pop());
  assert.deepEqual(shown.map((s) => s.path).sort(), names.sort(), 'a card per file, named by its file name');
  let checked = 0;
  for (const s of shown) {
    if (s.md5 === null) continue;
    if (s.platform === 'android') {
      const expected = android.get(s.md5);
      assert.ok(expected, `${s.path}: 签名MD5值 ${s.md5} is no certificate apksigner or keytool saw`);
      if (expectedByFile.has(s.path)) assert.ok(expectedByFile.get(s.path).includes(s.md5), `${s.path}: ${s.md5}`);
      if (expected.modulusHex) assert.equal(s.publicKey, BigInt('0x' + expected.modulusHex).toString(10), `${s.path}: 公钥`);
      else assert.equal(spkiSha256(s.publicKey, s.keyFormat), expected.spkiSha256, `${s.path}: 公钥`);
    } else if (s.platform === 'ios') {
      assert.ok(apple.has(s.md5), `${s.path}: 签名MD5值 (SHA-1) ${s.md5} is no certificate openssl saw`);
      assert.equal(s.publicKey, apple.get(s.md5), `${s.path}: 公钥`);
    } else if (s.platform === 'harmonyos') {
      assert.ok(harmony.has(s.md5), `${s.path}: 签名MD5值 (SHA-1) ${s.md5} is no certificate openssl saw`);
      assert.equal(s.publicKey, harmony.get(s.md5), `${s.path}: 公钥`);
    } else {
      assert.fail(`${s.path}: unexpected platform ${s.platform}`);
    }
    checked++;
  }
  assert.ok(checked >= 20, `values checked for ${checked} packages`);
  // The values the portals refuse are marked as such, with the reason.
  const debug = page.locator('article.package[data-path="sample-debug.apk"] .verdict');
  await assert.doesNotReject(debug.filter({ hasText: '不可备案' }).waitFor());
  assert.match(await debug.textContent(), /debug/i);
  const release = page.locator('article.package[data-path="sample.ipa"] .verdict');
  assert.match(await release.textContent(), /可备案 ready to file/);
  assert.deepEqual(await cspViolations(page), []);
  await page.close();
});

test('each copy button puts its value on the clipboard', async () => {
  const page = await openPage();
  await upload(page, SMALL);
  const buttons = page.locator('article.package button.copy');
  const count = await buttons.count();
  assert.equal(count, 3 * 4, 'four values for each of three packages');
  for (let i = 0; i < count; i++) {
    const button = buttons.nth(i);
    const value = await button.locator('xpath=preceding-sibling::code').textContent();
    await page.evaluate(() => navigator.clipboard.writeText('-'));
    await button.click();
    assert.equal(await clipboardOnceSet(page), value);
    await page.locator('#announce', { hasText: '已复制 Copied' }).waitFor();
    await page.evaluate(() => { document.querySelector('#announce').textContent = ''; });
  }
  await page.close();
});

test('the form fills the preview, and the downloads read back', async () => {
  const page = await openPage();
  await upload(page, SMALL);
  // Pre-filled from the packages only: the languages, the SDK rows unconfirmed, nothing else.
  assert.equal(await page.inputValue('#service_languages'), '中文简体、中文繁体、英语');
  assert.equal(await page.inputValue('#service_content'), '');
  assert.equal(await page.inputValue('#pre_approval'), '');
  assert.equal(await page.locator('input[name=provides_sdk][value=""]').isChecked(), true);
  const rows = page.locator('#sdk-rows .sdk-row');
  assert.ok(await rows.count() >= 4, 'the detected SDKs as rows');
  assert.equal(await page.locator('#sdk-rows .sdk-confirmed:checked').count(), 0, 'none confirmed by the page');
  // The preview says what is missing, next to the field.
  const content = page.locator('#preview tr[data-key="service_content"]');
  assert.match(await content.getAttribute('class'), /missing/);
  assert.match(await page.textContent('.field[data-key="service_content"] .field-note'), /required/);
  assert.match(await page.textContent('#sheet-verdict'), /not yet fit to file/);
  // Nothing the page left unset shows as a word of JavaScript.
  for (const part of ['#package-list', '#preview']) {
    assert.doesNotMatch(await page.textContent(part), /null|undefined|NaN|\[object /, part);
  }

  await page.fill('#service_name', '示例笔记');
  await page.fill('#service_content', '个人笔记与待办');
  await page.check('input[name=provides_sdk][value=false]');
  for (const box of await page.locator('#sdk-rows .sdk-confirmed').all()) await box.check();
  await page.fill('#pre_approval', '无');
  for (const box of await page.locator('article.package .domain-choice').all()) {
    if (/appfiling\.dev$/.test(await box.getAttribute('value'))) await box.check();
  }
  await page.locator('#preview tr[data-key="service_content"]', { hasText: '个人笔记与待办' }).waitFor();
  await page.locator('#sheet-verdict.good').waitFor();
  assert.equal(await page.locator('#preview tr.missing').count(), 0);

  // The provider's labels, and Huawei's API names.
  await page.selectOption('#provider', 'huawei');
  await page.locator('#preview .api-name', { hasText: 'signatureKey' }).first().waitFor();
  await page.selectOption('#provider', 'tencent');
  await page.locator('#preview', { hasText: '腾讯云' }).waitFor();

  // XLSX: read back with node's zlib, the values in its shared strings.
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('button[data-format=xlsx]')]);
  assert.equal(xlsx.suggestedFilename(), 'filing-sheet.xlsx');
  const strings = xlsxStrings(readFileSync(await xlsx.path()));
  for (const value of ['个人笔记与待办', '示例笔记', 'dev.appfiling.detect', '7968DB9B00295F591264B807E65BE754',
    'A14C704B2B9AE5E9350D31009E17575D3EDDA36B', '348CF14AD33B075D7D983803DBFAFC559ABF23C4']) {
    assert.ok(strings.some((s) => s.includes(value)), `the XLSX holds ${value}`);
  }
  for (const [format, name, word] of [['csv', 'filing-sheet.csv', '个人笔记与待办'], ['markdown', 'filing-sheet.md', '个人笔记与待办'],
    ['html', 'filing-sheet.html', '个人笔记与待办'], ['json', 'filing-sheet.json', '"provider": "tencent"']]) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-format=${format}]`)]);
    assert.equal(file.suggestedFilename(), name);
    assert.ok(readFileSync(await file.path(), 'utf8').includes(word), `${name} holds ${word}`);
  }

  // filing.toml from the form: the CLI takes it and makes a sheet without a problem.
  const [toml] = await Promise.all([page.waitForEvent('download'), page.click('#download-toml')]);
  const dir = mkdtempSync(join(tmpdir(), 'appfiling-toml-'));
  try {
    const config = join(dir, 'filing.toml');
    copyFileSync(await toml.path(), config);
    const text = readFileSync(config, 'utf8');
    assert.match(text, /^service_content = "个人笔记与待办"$/m);
    assert.match(text, /^confirmed = true$/m);
    assert.doesNotMatch(text, /^confirmed = false$/m);
    execFileSync(BIN, ['sheet', '--config', config, '--format', 'json', ...SMALL], { stdio: ['ignore', 'ignore', 'pipe'] });

    // And loaded back into a fresh page, it fills the form again.
    const again = await openPage();
    await upload(again, SMALL);
    await again.setInputFiles('#load-toml', config);
    await again.locator('#form-status', { hasText: 'filing.toml' }).waitFor();
    assert.equal(await again.inputValue('#service_content'), '个人笔记与待办');
    assert.equal(await again.locator('input[name=provides_sdk][value=false]').isChecked(), true);
    await again.locator('#sheet-verdict.good').waitFor();
    // A file with a key no one knows is reported, not silently taken.
    writeFileSync(config, '[app]\nservice_contnet = "x"\n__proto__ = "y"\n');
    await again.setInputFiles('#load-toml', config);
    await again.locator('#form-status', { hasText: 'app.service_contnet, app.__proto__' }).waitFor();
    assert.equal(await again.evaluate(() => ({}).y), undefined, 'no prototype is polluted');
    // Nesting past the bound is refused with its line, and the form keeps what it had.
    writeFileSync(config, `[app]\nremark = "x"\ndomains = ${'['.repeat(40)}${']'.repeat(40)}\n`);
    await again.setInputFiles('#load-toml', config);
    await again.locator('#form-status', { hasText: 'line 3: values nested too deep' }).waitFor();
    assert.equal(await again.inputValue('#remark'), '', 'nothing of the refused file is taken');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(await cspViolations(page), []);
  await page.close();
});

test('filing.toml goes through the form unchanged: escapes, SDKs named alone, rows, platforms', async () => {
  const page = await openPage();
  await upload(page, SMALL);
  const dir = mkdtempSync(join(tmpdir(), 'appfiling-toml-'));
  try {
    const given = join(dir, 'given.toml');
    writeFileSync(given, [
      '# a comment',
      'domains = [ "api.appfiling.dev", # inline comment',
      '  "例子.中国" ]',
      '[app]',
      'service_name = "名\\"称\\u0041\\t尾"',
      "service_content = 'literal \\ text'",
      'provides_sdk = true',
      'uses_sdk = ["wechat-opensdk", { sdk = "x", vendor = "v", type = "推送", confirmed = false }]',
      '[platforms.ios]',
      'domains = ["ios.appfiling.dev"]',
      '',
    ].join('\n'));
    await page.setInputFiles('#load-toml', given);
    await page.locator('#form-status', { hasText: 'given.toml' }).waitFor();
    assert.equal(await page.inputValue('#service_name'), '名"称A\t尾');
    assert.equal(await page.inputValue('#service_content'), 'literal \\ text');
    assert.equal(await page.inputValue('#domains-ios'), 'ios.appfiling.dev');
    const [toml] = await Promise.all([page.waitForEvent('download'), page.click('#download-toml')]);
    const written = join(dir, 'filing.toml');
    copyFileSync(await toml.path(), written);
    // The CLI reads what the page wrote: the same values back.
    const sheet = (config) => {
      const run = spawnSync(BIN, ['sheet', '--config', config, '--format', 'json', ...SMALL], { encoding: 'utf8' });
      assert.ok(run.status === 0 || run.status === 1, `sheet --config ${config}: exit ${run.status}: ${run.stderr}`);
      const out = JSON.parse(run.stdout);
      return { basic: out.basic, sdks: out.sdks, platforms: out.platforms.map((p) => [p.platform, p.domains]) };
    };
    assert.deepEqual(sheet(written), sheet(given));
    assert.match(readFileSync(written, 'utf8'), /^uses_sdk = \["wechat-opensdk", \{ sdk = "x", vendor = "v", type = "推送", confirmed = false \}\]$/m);
    // "Uses none" puts the rows away, and is written as the explicit empty list.
    await page.check('#uses_sdk_none');
    assert.equal(await page.locator('#sdk-rows').isHidden(), true);
    const [none] = await Promise.all([page.waitForEvent('download'), page.click('#download-toml')]);
    const text = readFileSync(await none.path(), 'utf8');
    assert.match(text, /^uses_sdk = \[\]$/m);
    assert.doesNotMatch(text, /wechat|app\.uses_sdk/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await page.close();
});

test('a file that cannot be read is named and left out; the password field opens it', async () => {
  const page = await openPage();
  await page.setInputFiles('#files', [...SMALL, ...samples('ios/sample-distribution.p12')]);
  await page.locator('#status', { hasText: 'sample-distribution.p12' }).waitFor();
  assert.match(await page.textContent('#status'), /1 个错误 errors.*Password field/);
  // The sheet is made of the others, and says what it left out.
  await page.locator('#preview', { hasText: 'left out of the sheet: sample-distribution.p12' }).waitFor();
  assert.equal(await page.locator('article.package').count(), 3);
  await page.fill('#password', PASSWORD);
  await page.waitForFunction(() => document.querySelectorAll('article.package').length === 4);
  const sha1 = await page.textContent('article.package[data-path="sample-distribution.p12"] .value-row[data-key="signature_md5"] code');
  assert.ok(apple.has(sha1), `the p12's SHA-1 ${sha1} is openssl's`);
  await page.locator('#preview p.problem', { hasText: 'left out' }).waitFor({ state: 'detached' });
  await page.close();
});

test('files dropped on the drop zone are read; a slow upload shows its progress', async () => {
  const page = await openPage();
  // A slow link (16 KB/s up), so the upload takes seconds.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 16 * 1024 });
  const bytes = readFileSync(SMALL[1]).toString('base64');
  const dataTransfer = await page.evaluateHandle((b64) => {
    const transfer = new DataTransfer();
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    transfer.items.add(new File([data], 'sample.ipa'));
    return transfer;
  }, bytes);
  await page.dispatchEvent('#drop', 'dragover', { dataTransfer });
  assert.match(await page.getAttribute('#drop', 'class'), /over/);
  await page.dispatchEvent('#drop', 'drop', { dataTransfer });
  // Part-way: the bar is shown and moves before the upload ends.
  await page.waitForFunction(() => {
    const bar = document.querySelector('#progress');
    return !bar.hidden && bar.value > 0 && bar.value < 100;
  }, null, { timeout: 20_000 });
  await page.locator('article.package[data-path="sample.ipa"]').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('#progress').isHidden(), true);
  await cdp.detach();
  await page.close();
});

test('the keyboard alone chooses the files and copies a value', async () => {
  const page = await openPage();
  // The first Tab stop is the file picker; the space bar opens it.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'files');
  // The input is hidden behind its label, which shows the focus.
  assert.notEqual(await page.$eval('label[for=files]', (l) => getComputedStyle(l).outlineStyle), 'none');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
  await chooser.setFiles(SMALL);
  await page.waitForSelector('#sheet-verdict', { timeout: 60_000 });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  // Tab on to the first copy button; every stop on the way shows its focus.
  let copy = false;
  for (let i = 0; i < 30 && !copy; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const e = document.activeElement;
      const style = getComputedStyle(e);
      return { copy: e.classList.contains('copy'), outline: style.outlineStyle, tag: e.tagName };
    });
    assert.notEqual(focus.outline, 'none', `a visible focus on ${focus.tag}`);
    copy = focus.copy;
  }
  assert.ok(copy, 'a copy button is reached with Tab');
  const value = await page.evaluate(() => document.activeElement.dataset.copy);
  await page.evaluate(() => navigator.clipboard.writeText('-'));
  await page.keyboard.press('Enter');
  assert.equal(await clipboardOnceSet(page), value);
  assert.deepEqual(await cspViolations(page), []);
  await page.close();
});

test('opened with ?token=, the page sends the token on every API call', async () => {
  const token = 'browser-test-token';
  const server = spawn(BIN, ['serve', '--bind', '127.0.0.1:0', '--token', token], {
    env: { ...process.env, TMPDIR: SERVER_TMPDIR }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const base = await new Promise((resolve, reject) => {
      let text = '';
      server.stderr.on('data', (chunk) => {
        text += chunk;
        const m = /appfiling serve: listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`the token server stopped (${code}): ${text}`)));
    });
    // The page's <script src> and <link href> cannot carry the token: they hold no data.
    for (const asset of ['app.js', 'app.css']) {
      assert.equal((await fetch(base + asset)).status, 200, `${asset} is served without the token`);
    }
    const page = await openPage({ url: `${base}?token=${token}` });
    const calls = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) calls.push([request.url(), request.headers().authorization]);
    });
    await upload(page, SMALL);
    assert.equal(await page.locator('article.package dl.values').count(), 3);
    const paths = calls.map(([url]) => new URL(url).pathname);
    for (const route of ['/api/inspect', '/api/init', '/api/sheet']) assert.ok(paths.includes(route), `${route} was called`);
    for (const [url, authorization] of calls) {
      assert.equal(authorization, `Bearer ${token}`, `${url} carries the token in its header`);
      assert.ok(!url.includes(token), `${url}: the token stays out of the API's URLs`);
    }
    await page.close();
    // Without it, the server refuses the page itself.
    const refused = await fetch(`${base}?token=wrong`);
    assert.equal(refused.status, 401);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.on('exit', resolve)));
  }
});

test('screenshots at 1280 px and 390 px, light and dark', async () => {
  for (const [width, scheme] of [[1280, 'light'], [390, 'light'], [1280, 'dark']]) {
    const page = await openPage({ width, colorScheme: scheme });
    await upload(page, SMALL);
    // Nothing wider than the screen: a phone scrolls down, never sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${width} px: the page is ${overflow} px too wide`);
    // The system's colour scheme is followed: a dark page in dark mode, a light one otherwise.
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    const light = (r + g + b) / 3 > 128;
    assert.equal(light, scheme === 'light', `${scheme}: background ${background}`);
    const name = `serve-${width}${scheme === 'dark' ? '-dark' : ''}`;
    await page.screenshot({ path: join(SHOTS, `${name}-full.png`), fullPage: true });
    // The first screens, with the values to paste: the pictures docs/serve.md shows.
    const height = Math.min(width === 390 ? 1800 : 1400, await page.evaluate(() => document.documentElement.scrollHeight));
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width, height } });
    await page.close();
  }
});

// ---- XLSX: a zip of XML; the values are in xl/sharedStrings.xml (or inline in a sheet) ----

function zipEntries(zip) {
  // The end of central directory record: its signature, searched from the end.
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'the XLSX is a zip');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

function xlsxStrings(zip) {
  const entries = zipEntries(zip);
  const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const out = [];
  for (const [name, data] of entries) {
    if (name === 'xl/sharedStrings.xml' || name.startsWith('xl/worksheets/')) {
      for (const m of data.toString('utf8').matchAll(/<t(?: [^>]*)?>([^<]*)<\/t>/g)) out.push(unescape(m[1]));
    }
  }
  assert.ok(out.length > 0, 'the XLSX has text');
  return out;
}
