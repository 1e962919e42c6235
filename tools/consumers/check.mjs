// Feeds one report to the tool that consumes it, as a user of that tool would:
//   node check.mjs cucumber FILE   Cucumber's converter must accept FILE; prints the
//                                  implementations whose schema it matched.
//   node check.mjs junit FILE      libxml2 (xmllint) must validate FILE against junit-10.xsd.
// Exit 0 accepted, 1 rejected (the tool's own words on stderr), 2 usage.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { convert, convertMulti } from '@cucumber/cucumber-json-converter';
import xmllint from 'xmllint-wasm';

const here = dirname(fileURLToPath(import.meta.url));
const [kind, file] = process.argv.slice(2);

async function cucumber(path) {
  const data = JSON.parse(await readFile(path, 'utf8'));
  // convert() also checks that every schema the file matched converts it the same way.
  convert(data);
  const implementations = convertMulti(data).map((c) => c.implementation);
  console.log(JSON.stringify({ accepted: true, implementations }));
}

async function junit(path) {
  const [xml, schema] = await Promise.all([
    readFile(path, 'utf8'),
    readFile(join(here, 'junit-10.xsd'), 'utf8'),
  ]);
  const result = await xmllint.validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [schema],
    maxMemoryPages: 16 * xmllint.memoryPages.MiB,
  });
  if (!result.valid) {
    throw new Error(result.rawOutput || JSON.stringify(result.errors));
  }
  console.log(JSON.stringify({ accepted: true, schema: 'junit-10.xsd' }));
}

const checks = { cucumber, junit };
if (!checks[kind] || !file) {
  console.error('usage: node check.mjs cucumber|junit FILE');
  process.exit(2);
}
try {
  await checks[kind](file);
} catch (e) {
  console.error(`${kind}: ${file} rejected:\n${e.message}`);
  process.exit(1);
}
