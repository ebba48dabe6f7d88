// The page of `appfiling serve`: plain script, no framework, no build step, nothing fetched
// from outside (the server's CSP allows only 'self'). The server is stateless: every call
// sends the chosen files again, so the page keeps the File objects and the form.
'use strict';

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// Opened as http://host/?token=…: the token goes in a header on every API call.
const token = new URLSearchParams(location.search).get('token');

const state = {
  files: [],        // File objects, in the order chosen
  packages: [],     // /api/inspect's packages
  unreadable: [],   // names of the files /api/inspect could not read: left out of the sheet
  pristine: true,   // the form holds only what /api/init wrote (no edit, no loaded file)
  previewTimer: 0,
  previewRequest: null,
  generation: 0,    // bumps on each change of files, so a late answer is dropped
};

const PLATFORM_NAMES = { android: '安卓 Android', ios: '苹果 iOS', harmonyos: '鸿蒙 HarmonyOS', unknown: '未知 Unknown' };
const SEVERITY_WORDS = { not_valid: '不可备案 not valid', review: '请核对 review', info: '提示 info' };
const CLASS_WORDS = { own: '自有 own', unknown: '未知 unknown', sdk: 'SDK', library: '库 library', reserved: '保留 reserved' };

// ---- small DOM helpers ----

/** An element with attributes and children (strings become text nodes: never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function announce(text) {
  const region = $('#announce');
  region.textContent = '';
  // A fresh text node so screen readers read it again when it repeats.
  setTimeout(() => { region.textContent = text; }, 30);
}

function setStatus(node, text, tone = '') {
  node.textContent = text;
  node.className = 'status' + (tone ? ' ' + tone : '');
}

// ---- API ----

/**
 * One multipart body: the chosen files, the password, and optional extra parts. The sheet
 * and init refuse the whole request for one unreadable file, so they get the readable ones;
 * the page names the others.
 */
function formData(extra = {}, { readableOnly = false } = {}) {
  const body = new FormData();
  for (const file of state.files) {
    if (!readableOnly || !state.unreadable.includes(file.name)) body.append('file', file, file.name);
  }
  const password = $('#password').value;
  if (password) body.append('password', password);
  for (const [name, value] of Object.entries(extra)) body.append(name, value);
  return body;
}

/**
 * POST with XMLHttpRequest, which (unlike fetch) reports upload progress.
 * Resolves to { status, body, headers }; the body is text or a Blob.
 */
function post(url, body, { responseType = 'text', onProgress = null, track = null } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.responseType = responseType;
    if (token) xhr.setRequestHeader('Authorization', 'Bearer ' + token);
    if (onProgress) xhr.upload.addEventListener('progress', onProgress);
    xhr.addEventListener('load', () => resolve({
      status: xhr.status,
      body: xhr.response,
      header: (name) => xhr.getResponseHeader(name),
    }));
    xhr.addEventListener('error', () => reject(new Error('网络错误 the server could not be reached')));
    xhr.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    if (track) track(xhr);
    xhr.send(body);
  });
}

/** The error of a non-200 answer, in words: the server's {"error": …} when it sent one. */
async function errorText(response) {
  let text = response.body;
  if (text instanceof Blob) text = await text.text();
  try {
    const parsed = JSON.parse(text);
    if (parsed && parsed.error) return `${response.status}: ${parsed.error}`;
  } catch (_) { /* not JSON: show the status alone */ }
  return `HTTP ${response.status}`;
}

// ---- files ----

function addFiles(list) {
  for (const file of list) {
    // The same name twice is one file chosen twice: keep the newer.
    state.files = state.files.filter((f) => f.name !== file.name);
    state.files.push(file);
  }
  filesChanged();
}

function renderFileList() {
  const ul = $('#file-list');
  ul.replaceChildren(...state.files.map((file) => el('li', {},
    el('span', { class: 'file-name' }, file.name), ' ',
    el('span', { class: 'muted' }, formatBytes(file.size)), ' ',
    el('button', {
      type: 'button', class: 'small', 'aria-label': `移除 Remove ${file.name}`,
      onclick: () => { state.files = state.files.filter((f) => f !== file); filesChanged(); },
    }, '移除 Remove'))));
  $('#clear').hidden = state.files.length === 0;
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

async function filesChanged() {
  renderFileList();
  const generation = ++state.generation;
  const status = $('#status');
  if (state.files.length === 0) {
    state.packages = [];
    for (const id of ['#packages', '#basic', '#preview-section']) $(id).hidden = true;
    setStatus(status, '');
    return;
  }
  const progress = $('#progress');
  progress.hidden = false;
  progress.value = 0;
  setStatus(status, '正在上传和读取 Uploading and reading…');
  let response;
  try {
    response = await post('/api/inspect?detect=1&verify=1', formData(), {
      onProgress: (event) => {
        if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
      },
    });
  } catch (error) {
    if (generation === state.generation) setStatus(status, error.message, 'bad');
    return;
  } finally {
    if (generation === state.generation) progress.hidden = true;
  }
  if (generation !== state.generation) return;
  if (response.status !== 200) {
    setStatus(status, await errorText(response), 'bad');
    return;
  }
  const report = JSON.parse(response.body);
  state.packages = report.packages;
  state.unreadable = report.errors.map((e) => e.path);
  const errors = report.errors.map((e) => e.message);
  // The CLI's advice names its options; here the remedy is the password field.
  if (report.errors.some((e) => e.code === 'password')) errors.push('请在“证书密码”中输入密码 type the password in the Password field above');
  setStatus(status, `已读取 Read: ${report.packages.length} 个安装包 packages` +
    (report.errors.length ? `; ${report.errors.length} 个错误 errors: ${errors.join('; ')}` : ''),
  errors.length ? 'bad' : 'good');
  renderPackages();
  const none = state.packages.length === 0;
  for (const id of ['#packages', '#basic', '#preview-section']) $(id).hidden = none;
  if (none) return;
  await prefill(generation);
  renderDomainChoices();
  schedulePreview(0);
}

// ---- per package ----

/** Why a package must not be filed, as the CLI's status line says it (src/report.rs). */
function reasonsNotToFile(p) {
  const reasons = p.warnings.filter((w) => w.severity === 'not_valid').map((w) => w.message);
  if (p.verification && !p.verification.verified) {
    reasons.push('签名校验不通过 the signature does not verify' +
      (p.verification.errors.length ? ': ' + p.verification.errors.map((e) => e.message).join('; ') : ''));
  }
  if (!p.filing && reasons.length === 0) {
    reasons.push(p.warnings.some((w) => w.code === 'several_aliases')
      ? '多个私钥，无法确定 several private keys: no single certificate to file'
      : '没有可备案的签名证书 no signing certificate to file');
  }
  return reasons;
}

function copyButton(label, value) {
  const button = el('button', {
    type: 'button', class: 'copy small', 'data-copy': value, 'aria-label': `复制 Copy ${label}`,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(value);
        announce(`已复制 Copied: ${label}`);
        // Seen as well as heard: the button says it for a moment.
        button.textContent = '已复制 Copied ✔';
        setTimeout(() => { button.textContent = '复制 Copy'; }, 1500);
      } catch (_) {
        announce('无法复制 Could not copy: select the value and copy it by hand');
      }
    },
  }, '复制 Copy');
  return button;
}

function valueRow(key, label, value) {
  return el('div', { class: 'value-row', 'data-key': key },
    el('dt', {}, label),
    el('dd', {}, el('code', { class: 'value' }, value), ' ', copyButton(label, value)));
}

/** The values to paste; labels as the portals name them, the form of each key in words. */
function filingValues(p) {
  const f = p.filing;
  const md5Label = f.signature_md5_algorithm === 'sha1' ? '签名MD5值 (SHA-1)' : '签名MD5值';
  const keyForm = { decimal: '十进制模数 decimal modulus', hex: '十六进制模数 hex modulus', ec_point: 'EC 公钥点 EC point' }[f.public_key_format] || '';
  return el('dl', { class: 'values', 'data-platform': f.platform, 'data-key-format': f.public_key_format },
    valueRow('platform', '应用运行平台 Platform', PLATFORM_NAMES[f.platform] || f.platform),
    valueRow('package_name', f.platform === 'ios' ? 'Bundle ID' : '包名 Package name', f.package_name),
    valueRow('public_key', `公钥 Public key${keyForm ? ' (' + keyForm + ')' : ''}`, f.public_key || ''),
    valueRow('signature_md5', md5Label, f.signature_md5_field));
}

function signersList(p) {
  if (p.signers.length === 0) return null;
  const chosen = p.filing ? p.filing.signer_sha256 : null;
  return el('details', { class: 'signers' },
    el('summary', {}, `签名者 Signers (${p.signers.length})`),
    p.filing ? el('p', {}, '选用 Chosen: ', p.filing.reason) : null,
    el('ul', {}, p.signers.map((s) => el('li', { class: s.certificate.sha256 === chosen ? 'chosen' : '' },
      s.certificate.sha256 === chosen ? el('strong', {}, '✔ 选用 chosen ') : null,
      `${s.scheme}${s.alias ? ' ' + s.alias : ''}: ${s.certificate.subject}`,
      el('br'),
      el('small', { class: 'mono' }, `SHA-256 ${s.certificate.sha256} · ${s.public_key.algorithm} ${s.public_key.bits || ''} · ${s.certificate.not_before.slice(0, 10)} – ${s.certificate.not_after.slice(0, 10)}`)))));
}

function detectionBlock(p) {
  const d = p.detection;
  if (!d) return null;
  const sdkRows = d.sdks.map((s) => el('tr', {},
    el('td', {}, s.vendor), el('td', {}, s.category), el('td', {}, s.name_zh, ' ', el('span', { lang: 'en', class: 'muted' }, s.name_en)),
    el('td', { class: 'mono small-text' }, s.evidence.join(', '))));
  const domains = d.domains.map((dom) => el('li', {},
    el('label', {},
      el('input', { type: 'checkbox', class: 'domain-choice', value: dom.host, onchange: domainTicked }),
      ' ', el('span', { class: 'mono' }, dom.host)),
    ' ', el('span', { class: 'tag tag-' + dom.class }, CLASS_WORDS[dom.class] || dom.class),
    ' ', el('small', { class: 'muted' }, dom.sources.join(', ') + (dom.third_party ? ' · ' + dom.third_party : '') +
      (dom.evidence.length ? ' · ' + dom.evidence.join(', ') : ''))));
  return el('details', { class: 'detection', open: true },
    el('summary', {}, '检测结果 Detection'),
    el('h4', {}, '第三方SDK Third-party SDKs'),
    d.sdks.length ? el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['服务厂商 Vendor', '功能类型 Type', 'SDK', '依据 Evidence'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, sdkRows)))
      : el('p', { class: 'muted' }, '未发现已知SDK None the rules know (they do not know every SDK)'),
    el('h4', {}, '域名 Domains'),
    domains.length ? el('ul', { class: 'domains' }, domains) : el('p', { class: 'muted' }, '未发现 None found'),
    el('h4', {}, '语言 Languages'),
    el('p', {}, d.languages.length ? d.languages.map((l) => `${l.language} (${l.locales.join(', ')})`).join('、') : '未发现 None found'));
}

function packageCard(p) {
  const reasons = reasonsNotToFile(p);
  const review = p.warnings.filter((w) => w.severity === 'review').length;
  const status = reasons.length
    ? el('p', { class: 'verdict bad' }, '✘ 不可备案 not valid for filing: ', reasons.join('; '))
    : el('p', { class: 'verdict good' }, '✔ 可备案 ready to file',
      review ? `; 请核对下面的 ${review} 条警告 review the ${review === 1 ? 'warning' : review + ' warnings'} below` : '');
  // Most serious first, as the CLI prints them.
  const order = { not_valid: 0, review: 1, info: 2 };
  const warnings = [...p.warnings].sort((a, b) => order[a.severity] - order[b.severity]);
  return el('article', { class: 'package', 'data-path': p.path, 'data-platform': p.platform },
    el('h3', {}, p.path, ' ', el('span', { class: 'tag' }, `${PLATFORM_NAMES[p.platform] || p.platform} · ${p.format}`)),
    el('p', { class: 'muted' }, [p.app_name, p.package_name, p.version_name].filter(Boolean).join(' · ')),
    status,
    p.filing ? filingValues(p) : null,
    warnings.length ? el('ul', { class: 'warnings' }, warnings.map((w) => el('li', { class: 'sev-' + w.severity },
      el('span', { class: 'tag' }, SEVERITY_WORDS[w.severity] || w.severity), ' ', w.message))) : null,
    signersList(p),
    detectionBlock(p));
}

function renderPackages() {
  $('#package-list').replaceChildren(...state.packages.map(packageCard));
}

// ---- filing.toml: the subset docs/filing-toml.md documents ----

/**
 * Parses TOML (tables, arrays of tables, strings, booleans, numbers, arrays, inline tables).
 * A loaded file is anyone's: tables have no prototype to pollute, and nesting is bounded.
 */
function parseToml(text) {
  let i = 0;
  let line = 1;
  let depth = 0;
  const table = () => Object.create(null);
  const root = table();
  let current = root;
  const fail = (message) => { throw new Error(`filing.toml line ${line}: ${message}`); };
  const peek = () => text[i];
  const skipSpace = () => { while (peek() === ' ' || peek() === '\t') i++; };
  const skipComment = () => { if (peek() === '#') while (i < text.length && peek() !== '\n') i++; };
  // Inside arrays: spaces, newlines and comments.
  const skipAll = () => {
    for (;;) {
      skipSpace(); skipComment();
      if (peek() === '\n' || peek() === '\r') { if (peek() === '\n') line++; i++; } else return;
    }
  };
  const key = () => {
    skipSpace();
    if (peek() === '"' || peek() === "'") return string();
    const start = i;
    while (i < text.length && /[A-Za-z0-9_-]/.test(peek())) i++;
    if (start === i) fail('a key was expected');
    return text.slice(start, i);
  };
  const keyPath = () => {
    const parts = [key()];
    for (skipSpace(); peek() === '.'; skipSpace()) { i++; parts.push(key()); }
    return parts;
  };
  function string() {
    const quote = text[i++];
    let out = '';
    for (;;) {
      if (i >= text.length || peek() === '\n') fail('an unterminated string');
      const c = text[i++];
      if (c === quote) return out;
      if (c === '\\' && quote === '"') {
        const e = text[i++];
        const simple = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' }[e];
        if (simple !== undefined) out += simple;
        else if (e === 'u' || e === 'U') {
          const width = e === 'u' ? 4 : 8;
          const hex = text.slice(i, i + width);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== width) fail('a bad \\u escape');
          out += String.fromCodePoint(parseInt(hex, 16));
          i += width;
        } else fail('an unknown escape \\' + e);
      } else out += c;
    }
  }
  function value() {
    skipSpace();
    const c = peek();
    if ((c === '[' || c === '{') && depth >= 16) fail('values nested too deep');
    if (c === '"' || c === "'") {
      if (text.startsWith(c.repeat(3), i)) fail('multi-line strings are not read here');
      return string();
    }
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (c === '[') {
      i++;
      depth++;
      const items = [];
      for (;;) {
        skipAll();
        if (peek() === ']') { i++; depth--; return items; }
        items.push(value());
        skipAll();
        if (peek() === ',') i++;
        else if (peek() !== ']') fail('"," or "]" was expected');
      }
    }
    if (c === '{') {
      i++;
      depth++;
      const inline = table();
      skipSpace();
      if (peek() === '}') { i++; depth--; return inline; }
      for (;;) {
        const path = keyPath();
        skipSpace();
        if (peek() !== '=') fail('"=" was expected');
        i++;
        assign(inline, path, value());
        skipSpace();
        if (peek() === ',') { i++; continue; }
        if (peek() === '}') { i++; depth--; return inline; }
        fail('"," or "}" was expected');
      }
    }
    const number = /^[+-]?\d[\d_]*/.exec(text.slice(i, i + 40));
    if (number) { i += number[0].length; return Number(number[0].replace(/_/g, '')); }
    fail('a value was expected');
  }
  function assign(into, path, v) {
    let t = into;
    for (const part of path.slice(0, -1)) {
      if (t[part] === undefined) t[part] = table();
      t = t[part];
      if (typeof t !== 'object' || Array.isArray(t)) fail(`"${part}" is not a table`);
    }
    const last = path[path.length - 1];
    if (Object.prototype.hasOwnProperty.call(t, last)) fail(`"${path.join('.')}" is set twice`);
    t[last] = v;
  }
  while (i < text.length) {
    skipAll();
    if (i >= text.length) break;
    if (peek() === '[') {
      const arrayTable = text[i + 1] === '[';
      i += arrayTable ? 2 : 1;
      const path = keyPath();
      skipSpace();
      if (text.slice(i, i + (arrayTable ? 2 : 1)) !== (arrayTable ? ']]' : ']')) fail('"]" was expected');
      i += arrayTable ? 2 : 1;
      let t = root;
      for (const part of path.slice(0, -1)) {
        if (t[part] === undefined) t[part] = table();
        t = Array.isArray(t[part]) ? t[part][t[part].length - 1] : t[part];
        if (typeof t !== 'object' || t === null || Array.isArray(t)) fail(`"${part}" is not a table`);
      }
      const last = path[path.length - 1];
      if (arrayTable) {
        if (t[last] === undefined) t[last] = [];
        if (!Array.isArray(t[last])) fail(`"${path.join('.')}" is not an array of tables`);
        current = table();
        t[last].push(current);
      } else {
        if (t[last] === undefined) t[last] = table();
        current = t[last];
        if (typeof current !== 'object' || Array.isArray(current)) fail(`"${path.join('.')}" is not a table`);
      }
    } else {
      const path = keyPath();
      skipSpace();
      if (peek() !== '=') fail('"=" was expected');
      i++;
      assign(current, path, value());
    }
    skipSpace();
    skipComment();
    if (i < text.length && peek() !== '\n' && peek() !== '\r') fail('the line goes on after its value');
  }
  return root;
}

/** `value` as a one-line TOML basic string, escaped as src/sheet/config.rs writes it. */
function tomlString(value) {
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      out += '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
    } else out += c;
  }
  return out + '"';
}

/** The keys of one [[app.uses_sdk]] row, as `key = value` pairs. */
function rowPairs(r) {
  const pairs = [];
  if (r.sdk) pairs.push(`sdk = ${tomlString(r.sdk)}`);
  pairs.push(`vendor = ${tomlString(r.vendor)}`, `type = ${tomlString(r.type)}`);
  if (r.evidence) pairs.push(`evidence = ${tomlString(r.evidence)}`);
  pairs.push(`confirmed = ${r.confirmed}`);
  return pairs;
}

const tomlList = (values) => '[' + values.map(tomlString).join(', ') + ']';

const splitList = (text) => text.split(/[、,，\n]/).map((s) => s.trim()).filter(Boolean);

// ---- the form ----

const PLATFORMS = ['android', 'ios', 'harmonyos'];

/** The form's content, as filing.toml keys; an empty field is an unset key. */
function readForm() {
  const value = (id) => $('#' + id).value.trim();
  const provides = $('input[name=provides_sdk]:checked');
  const rows = $$('#sdk-rows .sdk-row').map((tr) => ({
    confirmed: $('.sdk-confirmed', tr).checked,
    sdk: $('.sdk-name', tr).value.trim(),
    vendor: $('.sdk-vendor', tr).value.trim(),
    type: $('.sdk-type', tr).value.trim(),
    evidence: $('.sdk-evidence', tr).value.trim(),
  })).filter((r) => r.sdk || r.vendor || r.type);
  const platforms = {};
  for (const p of PLATFORMS) {
    const area = $(`#domains-${p}`);
    if (area) platforms[p] = splitList(area.value);
  }
  return {
    domains: splitList($('#domains').value),
    service_name: value('service_name'),
    service_content: value('service_content'),
    service_languages: splitList($('#service_languages').value),
    provides_sdk: provides && provides.value !== '' ? provides.value === 'true' : null,
    uses_sdk_none: $('#uses_sdk_none').checked,
    uses_sdk: rows,
    pre_approval: value('pre_approval'),
    remark: value('remark'),
    platforms,
  };
}

/** filing.toml from the form: only the keys a person (or init's evidence) set. */
function formToToml() {
  const f = readForm();
  const out = ['# filing.toml, written by the page of `appfiling serve`; docs/filing-toml.md describes every key.'];
  if (f.domains.length) out.push(`domains = ${tomlList(f.domains)}`);
  out.push('', '[app]');
  if (f.service_name) out.push(`service_name = ${tomlString(f.service_name)}`);
  if (f.service_content) out.push(`service_content = ${tomlString(f.service_content)}`);
  if (f.service_languages.length) out.push(`service_languages = ${tomlList(f.service_languages)}`);
  if (f.provides_sdk !== null) out.push(`provides_sdk = ${f.provides_sdk}`);
  if (f.pre_approval) out.push(`pre_approval = ${tomlString(f.pre_approval)}`);
  if (f.remark) out.push(`remark = ${tomlString(f.remark)}`);
  if (f.uses_sdk_none) {
    out.push('uses_sdk = []');
  } else if (f.uses_sdk.some((r) => !r.vendor && !r.type)) {
    // A name alone names an SDK the rules know (its vendor and type come from them): that
    // takes the array form, where names and rows can stand side by side.
    const items = f.uses_sdk.map((r) => (!r.vendor && !r.type ? tomlString(r.sdk) : `{ ${rowPairs(r).join(', ')} }`));
    out.push(`uses_sdk = [${items.join(', ')}]`);
  } else {
    for (const r of f.uses_sdk) out.push('', '[[app.uses_sdk]]', ...rowPairs(r));
  }
  for (const [platform, domains] of Object.entries(f.platforms)) {
    if (domains.length) out.push('', `[platforms.${platform}]`, `domains = ${tomlList(domains)}`);
  }
  return out.join('\n') + '\n';
}

/** "Uses none" and rows exclude each other: with the box ticked, the rows are put away. */
function showSdkRows() {
  const none = $('#uses_sdk_none').checked;
  $('#sdk-rows').hidden = none;
  $('#sdk-add').hidden = none;
}

/** One 使用外部SDK row: a small group of labelled fields, readable on a phone too. */
function sdkRow(row = {}) {
  const field = (cls, label, v, wide = false) => el('label', { class: wide ? 'wide' : '' },
    el('span', { class: 'sdk-label' }, label),
    el('input', { type: 'text', class: cls, value: v || '' }));
  const group = el('div', { class: 'sdk-row', role: 'group', 'aria-label': `SDK ${row.sdk || ''}` },
    el('label', { class: 'sdk-confirm' },
      el('input', { type: 'checkbox', class: 'sdk-confirmed', checked: !!row.confirmed }),
      ' 已确认 ', el('span', { lang: 'en' }, 'Confirmed')),
    field('sdk-name', 'SDK', row.sdk),
    field('sdk-vendor', '服务厂商 Vendor', row.vendor),
    field('sdk-type', '功能类型 Type', row.type),
    field('sdk-evidence', '依据 Evidence', row.evidence, true),
    el('button', {
      type: 'button', class: 'small', 'aria-label': `删除此行 Remove this row ${row.sdk || ''}`,
      onclick: () => { group.remove(); formEdited(); },
    }, '删除 Remove'));
  return group;
}

/** Puts a parsed filing.toml into the form; unknown keys are reported, as `sheet` refuses them. */
function fillForm(config) {
  const app = config.app || {};
  const known = new Set(['service_name', 'service_content', 'service_languages', 'provides_sdk', 'uses_sdk', 'pre_approval', 'remark']);
  const unknown = Object.keys(app).filter((k) => !known.has(k)).map((k) => 'app.' + k);
  for (const k of Object.keys(config)) if (!['app', 'domains', 'platforms'].includes(k)) unknown.push(k);
  const text = (v) => (typeof v === 'string' ? v : '');
  $('#service_name').value = text(app.service_name);
  $('#service_content').value = text(app.service_content);
  $('#service_languages').value = Array.isArray(app.service_languages) ? app.service_languages.join('、') : '';
  const provides = typeof app.provides_sdk === 'boolean' ? String(app.provides_sdk) : '';
  for (const radio of $$('input[name=provides_sdk]')) radio.checked = radio.value === provides;
  $('#pre_approval').value = text(app.pre_approval);
  $('#remark').value = text(app.remark);
  const rows = Array.isArray(app.uses_sdk) ? app.uses_sdk : [];
  $('#uses_sdk_none').checked = Array.isArray(app.uses_sdk) && rows.length === 0;
  showSdkRows();
  $('#sdk-rows').replaceChildren(...rows.map((r) => (typeof r === 'string'
    ? sdkRow({ sdk: r, confirmed: true })
    // A row written by hand is confirmed unless it says otherwise (docs/filing-toml.md).
    : sdkRow({ ...r, confirmed: r.confirmed !== false }))));
  $('#domains').value = Array.isArray(config.domains) ? config.domains.join('\n') : '';
  renderPlatformDomains(config.platforms || {});
  return unknown;
}

/** One domains box per platform of the packages (and any the loaded file names). */
function renderPlatformDomains(given = null) {
  const current = given || readForm().platforms;
  const present = new Set(state.packages.map((p) => p.platform).filter((p) => PLATFORMS.includes(p)));
  for (const p of Object.keys(current)) if (PLATFORMS.includes(p)) present.add(p);
  $('#platform-domains').replaceChildren(...PLATFORMS.filter((p) => present.has(p)).map((p) => {
    const domains = current[p] ? (Array.isArray(current[p]) ? current[p] : current[p].domains || []) : [];
    return el('div', { class: 'platform-domains' },
      el('label', { for: `domains-${p}` }, `仅${PLATFORM_NAMES[p]} 的域名 Domains for ${p} only`),
      // Edits reach formEdited through the form's own input listener.
      el('textarea', { id: `domains-${p}`, rows: 1 }, domains.join('\n')));
  }));
}

/** Fills the form from /api/init: a fresh form is replaced, an edited one only completed. */
async function prefill(generation) {
  let response;
  try {
    response = await post('/api/init', formData({}, { readableOnly: true }));
  } catch (error) {
    setStatus($('#form-status'), error.message, 'bad');
    return;
  }
  if (generation !== state.generation) return;
  if (response.status !== 200) {
    setStatus($('#form-status'), await errorText(response), 'bad');
    return;
  }
  let config;
  try {
    config = parseToml(response.body);
  } catch (error) {
    setStatus($('#form-status'), error.message, 'bad');
    return;
  }
  if (state.pristine) {
    fillForm(config);
    state.pristine = true;
    return;
  }
  // Keep the person's words; add what the new packages show and the form lacks.
  const app = config.app || {};
  if (!$('#service_languages').value.trim() && Array.isArray(app.service_languages)) {
    $('#service_languages').value = app.service_languages.join('、');
  }
  const have = new Set($$('#sdk-rows .sdk-row').map((tr) => $('.sdk-name', tr).value.trim() + '|' + $('.sdk-vendor', tr).value.trim()));
  for (const row of Array.isArray(app.uses_sdk) ? app.uses_sdk : []) {
    if (typeof row === 'object' && !have.has((row.sdk || '') + '|' + row.vendor)) {
      $('#sdk-rows').append(sdkRow({ ...row, confirmed: false }));
    }
  }
  renderPlatformDomains();
}

/** Ticks the domain checkboxes whose host is in the 域名 box. */
function renderDomainChoices() {
  const listed = new Set(splitList($('#domains').value).map((d) => d.toLowerCase()));
  for (const box of $$('.domain-choice')) box.checked = listed.has(box.value.toLowerCase());
  // The 服务名称 hint: the name the packages agree on is used unless the field says otherwise.
  const names = [...new Set(state.packages.map((p) => p.app_name).filter(Boolean))];
  const note = $('#service_name-note');
  $('#service_name').placeholder = names.length === 1 ? names[0] : '';
  note.textContent = names.length === 1
    ? `留空则用安装包中的名称 Empty: the packages' name is used: ${names[0]}`
    : names.length > 1
      ? `安装包名称不一致，请填写 The packages disagree (${names.join(', ')}): write the name to file`
      : '安装包中读不到名称，请填写 No name in the packages: write it';
}

function domainTicked(event) {
  const host = event.target.value;
  const domains = splitList($('#domains').value).filter((d) => d.toLowerCase() !== host.toLowerCase());
  if (event.target.checked) domains.push(host);
  $('#domains').value = domains.join('\n');
  formEdited();
}

function formEdited() {
  state.pristine = false;
  renderDomainChoices();
  schedulePreview();
}

// ---- preview ----

function schedulePreview(delay = 400) {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(updatePreview, delay);
}

function sheetUrl(format) {
  const query = new URLSearchParams({ provider: $('#provider').value, format, draft: $('#draft').checked ? '1' : '0' });
  return '/api/sheet?' + query;
}

async function updatePreview() {
  if (state.files.length === 0) return;
  // Only the newest answer counts: the one before is cancelled.
  if (state.previewRequest) state.previewRequest.abort();
  const preview = $('#preview');
  preview.setAttribute('aria-busy', 'true');
  let response;
  try {
    response = await post(sheetUrl('json'), formData({ filing: formToToml() }, { readableOnly: true }), {
      track: (xhr) => { state.previewRequest = xhr; },
    });
  } catch (error) {
    if (error.name !== 'AbortError') preview.replaceChildren(el('p', { class: 'status bad' }, error.message));
    return;
  }
  state.previewRequest = null;
  preview.removeAttribute('aria-busy');
  if (response.status !== 200) {
    preview.replaceChildren(el('p', { class: 'status bad problem' }, await errorText(response)));
    return;
  }
  renderPreview(JSON.parse(response.body));
}

/** Problems whose `field` names this label or source, each as a highlighted note. */
function problemsFor(sheet, field) {
  return [
    ...sheet.errors.filter((e) => e.field === field).map((e) => el('p', { class: 'problem error' }, '✘ ', e.message)),
    ...sheet.warnings.filter((w) => w.field === field).map((w) => el('p', { class: 'problem warning' }, '⚠ ', w.message)),
  ];
}

function sheetFieldRow(sheet, f) {
  const missing = f.required && f.value === '';
  return el('tr', { class: missing ? 'missing' : '', 'data-key': f.key },
    el('th', { scope: 'row' }, f.label, f.required ? el('span', { class: 'req' }, ' *') : null,
      // Huawei Cloud's filing API names some fields: shown for those who script it.
      f.api_name ? el('small', { class: 'mono api-name' }, f.api_name) : null),
    el('td', {}, missing ? el('span', { class: 'missing-word' }, '必填，未填 required, missing') : el('span', { class: 'value' }, f.value),
      problemsFor(sheet, f.label)));
}

function renderPreview(sheet) {
  const labels = new Set([...sheet.basic.map((f) => f.label), '域名']);
  for (const pl of sheet.platforms) for (const pk of pl.packages) labels.add(pk.source);
  // Problems with no field of their own (e.g. "filing.toml") are listed at the top.
  const general = [...sheet.errors.map((e) => ['error', e]), ...sheet.warnings.map((w) => ['warning', w])]
    .filter(([, p]) => !labels.has(p.field))
    .map(([kind, p]) => el('p', { class: 'problem ' + kind }, kind === 'error' ? '✘ ' : '⚠ ', `${p.field}: ${p.message}`));
  // A file left out is a problem too: the sheet does not hold everything given.
  const count = sheet.errors.length + state.unreadable.length;
  const verdict = count
    ? el('p', { class: 'verdict bad', id: 'sheet-verdict' }, `✘ ${count} 个问题，尚不能备案 problems: not yet fit to file`)
    : el('p', { class: 'verdict good', id: 'sheet-verdict' }, '✔ 可以备案 ready to file');
  const sdkTable = sheet.sdks.length ? el('div', {}, el('h4', {}, '使用外部SDK 明细 SDK rows'), el('table', { class: 'sheet-sdks' },
    el('thead', {}, el('tr', {}, ['功能类型', '服务厂商', 'SDK', '确认 Confirmed'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, sheet.sdks.map((s) => el('tr', { class: s.confirmed ? '' : 'missing' },
      el('td', {}, s.type), el('td', {}, s.vendor), el('td', {}, s.sdks.join('、')),
      el('td', {}, s.confirmed ? '✔' : '待确认 to confirm')))))) : null;
  const platforms = sheet.platforms.map((pl) => el('section', { class: 'sheet-platform', 'data-platform': pl.platform },
    el('h4', {}, pl.label),
    el('table', {}, el('tbody', {},
      el('tr', { class: pl.domains.length ? '' : 'missing' }, el('th', { scope: 'row' }, '域名'),
        el('td', {}, pl.domains.join('、') || el('span', { class: 'missing-word' }, '未填 none given'),
          problemsFor(sheet, '域名').filter((n) => n.textContent.includes(pl.label)))))),
    pl.packages.map((pk) => el('div', { class: 'sheet-package' },
      el('p', { class: 'muted' }, pk.source),
      pk.not_valid.length ? el('p', { class: 'verdict bad' }, '✘ 不可备案 not valid for filing: ', pk.not_valid.join('; ')) : null,
      el('table', {}, el('tbody', {}, pk.fields.map((f) => sheetFieldRow(sheet, f)))),
      problemsFor(sheet, pk.source)))));
  // Through el(), which leaves out the parts that are null (no SDK table, nothing left out).
  $('#preview').replaceChildren(el('div', {},
    el('p', { class: 'muted' }, sheet.provider_name, sheet.draft ? ' · 草稿 draft, not for filing' : ''),
    verdict,
    state.unreadable.length ? el('p', { class: 'problem error' },
      `✘ 无法读取，未计入 Could not be read, left out of the sheet: ${state.unreadable.join(', ')}`) : null,
    ...general,
    el('h4', {}, 'APP基础信息'),
    el('table', {}, el('tbody', {}, sheet.basic.map((f) => sheetFieldRow(sheet, f)))),
    sdkTable, ...platforms));
  $('#preview-status').textContent = verdict.textContent;
  markFormProblems(sheet);
}

/** The preview's problems, next to the form fields they are about. */
function markFormProblems(sheet) {
  const byKey = {};
  for (const f of sheet.basic) {
    const notes = [...sheet.errors, ...sheet.warnings].filter((p) => p.field === f.label).map((p) => p.message);
    if (f.required && f.value === '') notes.unshift('必填，未填 required, missing');
    byKey[f.key] = notes;
  }
  byKey.domains = sheet.warnings.filter((w) => w.field === '域名').concat(sheet.errors.filter((e) => e.field === '域名')).map((p) => p.message);
  for (const field of $$('#filing .field')) {
    const notes = byKey[field.dataset.key] || [];
    const note = $('.field-note', field);
    // The 服务名称 hint keeps its words when there is no problem to show.
    if (field.dataset.key === 'service_name' && notes.length === 0) { field.classList.remove('invalid'); continue; }
    note.textContent = notes.join(' · ');
    field.classList.toggle('invalid', notes.length > 0);
    for (const input of $$('input, textarea', field)) {
      if (notes.length) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    }
  }
}

// ---- downloads ----

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function download(format) {
  const status = $('#form-status');
  setStatus(status, `正在生成 Making the ${format} sheet…`);
  let response;
  try {
    response = await post(sheetUrl(format), formData({ filing: formToToml() }, { readableOnly: true }), { responseType: 'blob' });
  } catch (error) {
    setStatus(status, error.message, 'bad');
    return;
  }
  if (response.status !== 200) {
    setStatus(status, await errorText(response), 'bad');
    return;
  }
  const disposition = response.header('Content-Disposition') || '';
  const named = /filename="([^"]+)"/.exec(disposition);
  const ext = { markdown: 'md' }[format] || format;
  save(response.body, named ? named[1] : `filing-sheet.${ext}`);
  const problems = Number(response.header('X-Appfiling-Sheet-Errors') || 0);
  setStatus(status, problems
    ? `已下载，表中列出 ${problems} 个问题 Downloaded; the sheet lists ${problems} problems`
    : '已下载 Downloaded', problems ? 'bad' : 'good');
}

// ---- wiring ----

function wire() {
  const drop = $('#drop');
  $('#files').addEventListener('change', (event) => { addFiles(event.target.files); event.target.value = ''; });
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    addFiles(event.dataTransfer.files);
  });
  $('#clear').addEventListener('click', () => { state.files = []; filesChanged(); });
  // A new password may open a keystore that failed: read again, once typing stops.
  let passwordTimer = 0;
  $('#password').addEventListener('input', () => {
    clearTimeout(passwordTimer);
    if (state.files.length) passwordTimer = setTimeout(filesChanged, 600);
  });
  $('#filing').addEventListener('input', formEdited);
  $('#uses_sdk_none').addEventListener('change', showSdkRows);
  // Enter in a field must not reload the page.
  $('#filing').addEventListener('submit', (event) => event.preventDefault());
  $('#upload-form').addEventListener('submit', (event) => event.preventDefault());
  $('#sdk-add').addEventListener('click', () => {
    const row = sdkRow({ confirmed: true });
    $('#sdk-rows').append(row);
    $('.sdk-name', row).focus();
    formEdited();
  });
  $('#provider').addEventListener('change', () => schedulePreview(0));
  $('#draft').addEventListener('change', () => schedulePreview(0));
  $('#load-toml').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    event.target.value = '';
    if (!file) return;
    const status = $('#form-status');
    try {
      const unknown = fillForm(parseToml(await file.text()));
      state.pristine = false;
      setStatus(status, unknown.length
        ? `已载入，但这些键未知，已忽略 Loaded; unknown keys left out: ${unknown.join(', ')}`
        : `已载入 Loaded ${file.name}`, unknown.length ? 'bad' : 'good');
    } catch (error) {
      setStatus(status, `${file.name}: ${error.message}`, 'bad');
      return;
    }
    renderDomainChoices();
    schedulePreview(0);
  });
  for (const button of $$('.downloads button[data-format]')) {
    button.addEventListener('click', () => download(button.dataset.format));
  }
  $('#download-toml').addEventListener('click', () => {
    save(new Blob([formToToml()], { type: 'text/plain;charset=utf-8' }), 'filing.toml');
  });
}

wire();
