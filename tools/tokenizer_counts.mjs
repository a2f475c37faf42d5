// Count the tokens four tokenizers make of the same texts, and print data/tokenizer-counts.csv.
//
// Chapter 13 converts per-token prices between tokenizers with these counts. The tokenizers:
// Llama 1 and 2's 32K SentencePiece vocabulary (llama-tokenizer-js), Llama 3's 128K vocabulary
// (llama3-tokenizer-js), and OpenAI's cl100k_base and o200k_base (js-tiktoken). Counts are
// without BOS/EOS tokens; words are whitespace-separated runs.
//
// Run it outside the repository, with the packages pinned:
//   cd "$(mktemp -d)" && npm init -y >/dev/null
//   npm install js-tiktoken@1.0.21 llama-tokenizer-js@1.2.2 llama3-tokenizer-js@1.2.0
//   node /path/to/repo/tools/tokenizer_counts.mjs \
//     /usr/share/common-licenses/GPL-3 /usr/share/common-licenses/Apache-2.0 \
//     > /path/to/repo/data/tokenizer-counts.csv
// The packages are resolved from the current directory's node_modules.
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { createRequire } from 'module';
import { pathToFileURL } from 'url';

const here = createRequire(path.join(process.cwd(), 'noop.js'));
const load = async (name) => import(pathToFileURL(here.resolve(name)).href);
const version = (name) => {
  const file = path.join(process.cwd(), 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
};

const { getEncoding } = await load('js-tiktoken');
const llama2 = (await load('llama-tokenizer-js')).default;
const llama3 = (await load('llama3-tokenizer-js')).default;
const cl100k = getEncoding('cl100k_base');
const o200k = getEncoding('o200k_base');
const tokenizers = [
  ['llama-2', 'llama-tokenizer-js', (t) => llama2.encode(t, false, false).length],
  ['llama-3', 'llama3-tokenizer-js', (t) => llama3.encode(t, { bos: false, eos: false }).length],
  ['cl100k_base', 'js-tiktoken', (t) => cl100k.encode(t).length],
  ['o200k_base', 'js-tiktoken', (t) => o200k.encode(t).length],
];

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node tokenizer_counts.mjs TEXT_FILE...');
  process.exit(2);
}
const packages = ['js-tiktoken', 'llama-tokenizer-js', 'llama3-tokenizer-js'];
const today = new Date().toISOString().slice(0, 10);
console.log(
  `# source: tools/tokenizer_counts.mjs of this repository, run ${today}, node ${process.version}, ` +
    packages.map((p) => `${p} ${version(p)}`).join(', ')
);
console.log(
  '# tokens that four tokenizers make of the same English texts, without BOS/EOS tokens; ' +
    'words are whitespace-separated runs; text is the file read, text_sha256 its SHA-256'
);
console.log(
  '# llama-2: the 32K SentencePiece vocabulary of Llama 1 and 2; llama-3: the 128K vocabulary ' +
    'of Llama 3; cl100k_base and o200k_base: OpenAI encodings (js-tiktoken maps ' +
    'gpt-3.5-turbo to cl100k_base, gpt-4o-mini and gpt-5-mini to o200k_base)'
);
console.log('text,text_sha256,chars,words,tokenizer,package,tokens');
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  const sha = crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  const chars = [...text].length;
  const words = text.split(/\s+/).filter(Boolean).length;
  for (const [name, pkg, count] of tokenizers) {
    console.log([f, sha, chars, words, name, `${pkg} ${version(pkg)}`, count(text)].join(','));
  }
}
