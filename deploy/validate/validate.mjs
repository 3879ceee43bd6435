// Validates deploy/ offline, with no cluster and no Docker engine:
// - the Kubernetes objects that deploy/k8s/kustomization.yaml applies, against the Kubernetes OpenAPI schemas
//   (kubernetes-models) and, strictly, against the same API's TypeScript types, so an unknown or misspelt field
//   is an error as with `kubectl apply --validate=strict`;
// - deploy/docker/compose.yaml against the Compose Specification schema and dclint's rules;
// - deploy/docker/Dockerfile with dockerfile-utils' linter.
// Prints every problem and exits 1 when there is one.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DCLinter } from "dclint";
import { validate as lintDockerfile } from "dockerfile-utils";
import ts from "typescript";
import YAML from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const deploy = path.dirname(here);
const problems = [];

function readYamlDocuments(file) {
  const text = fs.readFileSync(file, "utf8");
  const documents = YAML.parseAllDocuments(text, { strict: true, uniqueKeys: true, prettyErrors: true });
  for (const document of documents)
    for (const issue of [...document.errors, ...document.warnings])
      problems.push(`${relative(file)}: ${issue.message}`);
  return documents.map((document) => document.toJS()).filter((value) => value !== null);
}

function relative(file) {
  return path.relative(path.dirname(deploy), file);
}

// kubernetes-models lays out one module per kind under its API version: core v1 is "v1", others "group/version".
function modulePath(apiVersion, kind) {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function validateKubernetes() {
  const folder = path.join(deploy, "k8s");
  const [kustomization] = readYamlDocuments(path.join(folder, "kustomization.yaml"));
  const objects = [];
  for (const resource of kustomization?.resources ?? []) {
    const file = path.join(folder, resource);
    if (!fs.existsSync(file)) {
      problems.push(`${relative(file)}: listed in kustomization.yaml but missing`);
      continue;
    }
    readYamlDocuments(file).forEach((object, index) => objects.push({ file, index, object }));
  }

  for (const { file, object } of objects) {
    const where = `${relative(file)} (${object.kind} ${object.metadata?.name})`;
    let model;
    try {
      model = (await import(modulePath(object.apiVersion, object.kind)))[object.kind];
    } catch {
      problems.push(`${where}: unknown apiVersion/kind ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
  }

  problems.push(...typeCheck(objects));
  return objects.length;
}

// Each object becomes a typed TypeScript constant; the compiler's excess-property check rejects unknown fields,
// which the OpenAPI schemas (no additionalProperties: false) let through.
function typeCheck(objects) {
  const sources = new Map();
  const origins = new Map();
  for (const { file, index, object } of objects) {
    const name = path.join(here, `${path.basename(file)}.${index}.ts`);
    const type = `I${object.kind}`;
    sources.set(name,
      `import type { ${type} } from "${modulePath(object.apiVersion, object.kind)}";\n` +
      `export const manifest: ${type} = ${JSON.stringify(object, null, 2)};\n`);
    origins.set(name, `${relative(file)} (${object.kind} ${object.metadata?.name})`);
  }
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) =>
    sources.has(name) ? ts.createSourceFile(name, sources.get(name), language) : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ");
    const origin = diagnostic.file ? origins.get(diagnostic.file.fileName) ?? diagnostic.file.fileName : "typescript";
    if (!diagnostic.file || !origins.has(diagnostic.file.fileName))
      return `${origin}: ${message}`;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const text = diagnostic.file.text.split("\n")[line].trim();
    return `${origin}: ${message} (at ${text})`;
  });
}

function validateCompose() {
  const linter = new DCLinter({
    rules: {
      // Compose tags the image it builds with `image:`; the k8s manifests refer to that tag.
      "no-build-and-image": 0,
      // Merge keys (<<) read best first in a service, which this rule counts as out of order.
      "service-keys-order": 0,
      "require-quotes-in-ports": [1, { quoteType: "double" }],
    },
    quiet: false,
    debug: false,
    exclude: [],
  });
  const file = path.join(deploy, "docker", "compose.yaml");
  for (const result of linter.lintFiles([file], false))
    for (const message of result.messages)
      problems.push(`${relative(file)}:${message.line}: ${message.type} ${message.rule}: ${message.message}`);
  readYamlDocuments(path.join(deploy, "docker", "prometheus.yml"));
}

function validateDockerfile() {
  const file = path.join(deploy, "docker", "Dockerfile");
  for (const diagnostic of lintDockerfile(fs.readFileSync(file, "utf8")))
    problems.push(`${relative(file)}:${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
}

const count = await validateKubernetes();
validateCompose();
validateDockerfile();

if (problems.length > 0) {
  for (const problem of problems)
    console.error(problem);
  console.error(`${problems.length} problem(s) in deploy/`);
  process.exit(1);
}
console.log(`deploy/ is valid: ${count} Kubernetes objects (schema and strict types), compose.yaml, prometheus.yml, Dockerfile`);
