// A local stand-in for a SageMaker real-time endpoint running an LLM container.
//
// Serves a real small model (SmolLM2-135M-Instruct, GGUF, via node-llama-cpp) on:
//   GET  /ping                                               container health
//   POST /invocations                                        container contract
//   POST /endpoints/{name}/invocations                       SageMaker Runtime InvokeEndpoint
//   POST /endpoints/{name}/invocations-response-stream       InvokeEndpointWithResponseStream
//                                                            (AWS event-stream frames, PayloadPart events)
// Payload formats (chosen per request by shape):
//   Hugging Face TGI  {"inputs", "parameters"}  -> [{"generated_text"}]
//                     stream: `data:{"token":{"text"}}` lines
//   Messages API      {"messages", "max_tokens", "temperature"} -> {"choices":[{"message":{"content"}}]}
//                     stream: `data: {"choices":[{"delta":{"content"}}]}` lines, then `data: [DONE]`
// Options (flags or env):
//   --port / PORT (8080), --model / MODEL_PATH, --endpoint-name / ENDPOINT_NAME (local-chat)
//   --deterministic / MODEL_DETERMINISTIC=1   no model: the reply is computed from the request, for
//                                              exact assertions in tests
//   --sigv4-secret / SIGV4_SECRET_ACCESS_KEY   check SigV4 signatures (service "sagemaker")
//   --delay-ms / MODEL_DELAY_MS               FAULT INJECTION: wait before answering (timeouts)
//   --garbage / MODEL_GARBAGE=1               FAULT INJECTION: answer 200 with a non-JSON body
//   --token-delay-ms / MODEL_TOKEN_DELAY_MS   deterministic mode: pause between streamed tokens
//   --max-input-tokens / MAX_INPUT_TOKENS     refuse prompts whose tokens (deterministic mode: estimated
//                                              as chars/4 + 4 per message) plus max_new_tokens exceed N,
//                                              as TGI does (422, relayed by SageMaker as 424 ModelError)
//   --stream-cut / MODEL_STREAM_CUT=1         FAULT INJECTION: streams end without their end marker
//   --stream-error / MODEL_STREAM_ERROR=1     FAULT INJECTION: an error line after the first token
// Deterministic mode also serves GET /_debug/last: the roles and contents of the last request as
// the endpoint parsed them (for the tests that show a message cannot forge a turn).
// Replies: finish_reason "length" (TGI: details.finish_reason "length") when cut at max tokens
// (deterministic mode: one token per word), with usage (TGI: details.generated_tokens).
// Errors follow SageMaker Runtime: a container failure is 424 ModelError; a bad request 400
// ValidationError; JSON bodies carry `message`.

import http from "node:http";
import crypto from "node:crypto";
import zlib from "node:zlib";
import {parseArgs} from "node:util";

const {values: opt} = parseArgs({
    options: {
        port: {type: "string", default: process.env.PORT ?? "8080"},
        host: {type: "string", default: "127.0.0.1"},
        model: {type: "string", default: process.env.MODEL_PATH ?? ""},
        "endpoint-name": {type: "string", default: process.env.ENDPOINT_NAME ?? "local-chat"},
        deterministic: {type: "boolean", default: process.env.MODEL_DETERMINISTIC === "1"},
        "sigv4-secret": {type: "string", default: process.env.SIGV4_SECRET_ACCESS_KEY ?? ""},
        "delay-ms": {type: "string", default: process.env.MODEL_DELAY_MS ?? "0"},
        garbage: {type: "boolean", default: process.env.MODEL_GARBAGE === "1"},
        "token-delay-ms": {type: "string", default: process.env.MODEL_TOKEN_DELAY_MS ?? "0"},
        threads: {type: "string", default: process.env.MODEL_THREADS ?? "2"},
        "max-input-tokens": {type: "string", default: process.env.MAX_INPUT_TOKENS ?? "0"},
        "stream-cut": {type: "boolean", default: process.env.MODEL_STREAM_CUT === "1"},
        "stream-error": {type: "boolean", default: process.env.MODEL_STREAM_ERROR === "1"},
    },
});
const log = (msg) => console.error(`[model] ${msg}`);

// ------------------------------------------------------------------ the model

const SYSTEM_DEFAULT = "You are a helpful assistant.";

/** ChatML, SmolLM2's template. */
export function chatml(messages) {
    let out = "";
    for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
    return out + "<|im_start|>assistant\n";
}

let generate; // (prompt, {maxTokens, temperature, onText}) => Promise<string>

if (opt.deterministic) {
    log("deterministic mode: no model; replies are computed from the request");
} else {
    if (!opt.model) throw new Error("--model (MODEL_PATH) is required unless --deterministic");
    const {getLlama, LlamaCompletion} = await import("node-llama-cpp");
    const started = Date.now();
    const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
    let last = -1;
    const model = await llama.loadModel({
        modelPath: opt.model,
        onLoadProgress(p) {
            const pct = Math.floor(p * 10) * 10;
            if (pct !== last) { last = pct; log(`loading model ${pct}%`); }
        },
    });
    const context = await model.createContext({contextSize: 2048, threads: Number(opt.threads)});
    const completion = new LlamaCompletion({contextSequence: context.getSequence()});
    log(`model loaded in ${Date.now() - started} ms (${opt.model})`);
    let queue = Promise.resolve();
    generate = (prompt, {maxTokens, temperature, onText}) => {
        const run = queue.then(() => completion.generateCompletion(prompt, {
            maxTokens, temperature, customStopTriggers: ["<|im_end|>", "<|im_start|>"],
            onTextChunk: onText,
        }));
        queue = run.catch(() => {});
        return run.then((text) => text.trim());
    };
}

/** Deterministic reply: names the number of user turns it saw and echoes the last one. */
function deterministicReply(messages) {
    const users = messages.filter((m) => m.role === "user");
    const system = messages.find((m) => m.role === "system");
    return `echo ${users.length} (${system ? "with system prompt" : "no system prompt"}): ${users.at(-1)?.content ?? ""}`;
}

/** Estimated prompt tokens: a quarter of the characters, plus each turn's markers. */
const estimateTokens = (messages) =>
    messages.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 0) + 3;

/** {text, finishReason: "stop"|"length", promptTokens, completionTokens}. */
async function respond(messages, {maxTokens, temperature}, onText) {
    if (opt.deterministic) {
        // One token per word; cut at maxTokens like a real model at its token limit.
        const all = deterministicReply(messages).match(/\S+\s*/g) ?? [];
        const pieces = all.slice(0, Math.max(0, maxTokens));
        const pause = Number(opt["token-delay-ms"]);
        if (onText) {
            for (const piece of pieces) {
                onText(piece);
                if (pause > 0) await sleep(pause);
            }
        }
        return {text: pieces.join("").trim(), finishReason: pieces.length < all.length ? "length" : "stop",
            promptTokens: estimateTokens(messages), completionTokens: pieces.length};
    }
    const text = await generate(chatml(messages), {maxTokens, temperature, onText});
    return {text, finishReason: "stop", promptTokens: estimateTokens(messages),
        completionTokens: Math.ceil(text.length / 4)};
}

// ------------------------------------------------------------------ payload formats

class ClientError extends Error {}

/** Parses either payload format into {format, messages, maxTokens, temperature}. */
function parsePayload(body) {
    let p;
    try { p = JSON.parse(body.toString("utf8")); } catch { throw new ClientError("body is not JSON"); }
    if (Array.isArray(p?.messages)) {
        for (const m of p.messages) {
            if (!["system", "user", "assistant"].includes(m?.role) || typeof m?.content !== "string")
                throw new ClientError("each message needs a role (system, user, assistant) and string content");
        }
        return {format: "messages", messages: p.messages, maxTokens: p.max_tokens ?? 256,
            temperature: p.temperature ?? 0.7};
    }
    if (typeof p?.inputs === "string") {
        // TGI takes a rendered prompt; recover the turns from ChatML for the deterministic mode.
        const messages = [...p.inputs.matchAll(/<\|im_start\|>(system|user|assistant)\n([\s\S]*?)<\|im_end\|>/g)]
            .map(([, role, content]) => ({role, content}));
        if (messages.length === 0) messages.push({role: "user", content: p.inputs});
        const params = p.parameters ?? {};
        return {format: "tgi", messages, prompt: p.inputs, maxTokens: params.max_new_tokens ?? 256,
            temperature: params.temperature ?? 0.7};
    }
    throw new ClientError('expected {"messages": [...]} or {"inputs": "...", "parameters": {...}}');
}

const usageOf = (r) => ({prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens,
    total_tokens: r.promptTokens + r.completionTokens});
const tgiDetails = (r) => ({finish_reason: r.finishReason === "length" ? "length" : "eos_token",
    generated_tokens: r.completionTokens});

function completionBody(format, r) {
    if (format === "tgi") return [{generated_text: r.text, details: tgiDetails(r)}];
    return {
        id: `chatcmpl-${crypto.randomUUID()}`, object: "chat.completion", model: "SmolLM2-135M-Instruct",
        created: Math.floor(Date.now() / 1000),
        choices: [{index: 0, message: {role: "assistant", content: r.text}, finish_reason: r.finishReason}],
        usage: usageOf(r),
    };
}

let tokenId = 0;
function streamLine(format, text) {
    if (format === "tgi")
        return `data:${JSON.stringify({token: {id: ++tokenId, text, special: false}, generated_text: null, details: null})}\n\n`;
    return `data: ${JSON.stringify({choices: [{index: 0, delta: {content: text}, finish_reason: null}]})}\n\n`;
}

/** The end of a stream: TGI's last token event with the whole text and details; Messages' final
 *  chunk (empty delta, finish_reason, usage) then `data: [DONE]`. */
function streamEnd(format, last, r) {
    if (format === "tgi") {
        const token = last === null ? {id: 2, text: "<|im_end|>", special: true} : {id: ++tokenId, text: last, special: false};
        return [`data:${JSON.stringify({token, generated_text: r.text, details: tgiDetails(r)})}\n\n`];
    }
    const lines = last === null ? [] : [streamLine(format, last)];
    lines.push(`data: ${JSON.stringify({choices: [{index: 0, delta: {}, finish_reason: r.finishReason}], usage: usageOf(r)})}\n\n`);
    lines.push("data: [DONE]\n\n");
    return lines;
}

// ------------------------------------------------------------------ AWS event-stream framing

function header(name, value) {
    const n = Buffer.from(name), v = Buffer.from(value);
    const b = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    b.writeUInt8(n.length, 0); n.copy(b, 1);
    b.writeUInt8(7, 1 + n.length); // string
    b.writeUInt16BE(v.length, 2 + n.length); v.copy(b, 4 + n.length);
    return b;
}

/** One event-stream message: prelude (lengths + CRC), headers, payload, message CRC. */
export function eventMessage(headers, payload) {
    const hs = Buffer.concat(Object.entries(headers).map(([k, v]) => header(k, v)));
    const total = 12 + hs.length + payload.length + 4;
    const prelude = Buffer.alloc(12);
    prelude.writeUInt32BE(total, 0);
    prelude.writeUInt32BE(hs.length, 4);
    prelude.writeUInt32BE(zlib.crc32(prelude.subarray(0, 8)), 8);
    const body = Buffer.concat([prelude, hs, payload]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body), 0);
    return Buffer.concat([body, crc]);
}

const payloadPart = (bytes) => eventMessage(
    {":event-type": "PayloadPart", ":content-type": "application/octet-stream", ":message-type": "event"}, bytes);
const modelStreamError = (message) => eventMessage(
    {":exception-type": "ModelStreamError", ":content-type": "application/json", ":message-type": "exception"},
    Buffer.from(JSON.stringify({message, ErrorCode: "ModelStreamError"})));

// ------------------------------------------------------------------ SigV4 (optional)

const sha256 = (d) => crypto.createHash("sha256").update(d).digest("hex");
const hmac = (k, d) => crypto.createHmac("sha256", k).update(d).digest();

/** Checks the Authorization header as AWS would (service "sagemaker"); returns an error or null. */
function checkSigV4(req, body) {
    const auth = req.headers.authorization ?? "";
    const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/);
    if (!m) return "missing or malformed Authorization header";
    const [, , date, region, service, signedHeaders, signature] = m;
    if (service !== "sagemaker") return `signed for service ${service}, not sagemaker`;
    const amzDate = req.headers["x-amz-date"] ?? "";
    const names = signedHeaders.split(";");
    if (!names.includes("host")) return "host is not signed";
    const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
    const [path, query = ""] = req.url.split("?");
    // Every service but S3 signs the path URI-encoded twice.
    const canonicalPath = path.split("/").map((s) => encodeURIComponent(encodeURIComponent(decodeURIComponent(s)))).join("/");
    const canonicalQuery = query.split("&").filter(Boolean).sort().join("&");
    const canonical = [req.method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, sha256(body)].join("\n");
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    let key = hmac(`AWS4${opt["sigv4-secret"]}`, date);
    for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
    const expected = hmac(key, toSign).toString("hex");
    return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature)) ? null : "signature does not match";
}

// ------------------------------------------------------------------ HTTP

function send(res, status, body, headers = {}) {
    const data = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    res.writeHead(status, {"content-type": "application/json", "content-length": data.length, ...headers});
    res.end(data);
}

const awsError = (res, status, type, message, extra = {}) =>
    send(res, status, {message, ...extra}, {"x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.coral.service/`});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let lastRequest = null; // deterministic mode: what the last invocation parsed to (GET /_debug/last)

async function handle(req, res, body) {
    const url = req.url.split("?")[0];
    if (req.method === "GET" && url === "/ping") return send(res, 200, {status: "Healthy"});
    if (req.method === "GET" && url === "/_debug/last" && opt.deterministic) return send(res, 200, lastRequest ?? {});

    const m = url.match(/^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/);
    const container = url === "/invocations";
    if (!m && !container) return awsError(res, 404, "UnknownOperationException", `no operation at ${url}`);
    if (req.method !== "POST") return awsError(res, 405, "UnknownOperationException", "use POST");
    if (m && opt["sigv4-secret"]) {
        const problem = checkSigV4(req, body);
        if (problem) return awsError(res, 403, "InvalidSignatureException", problem);
    }
    if (m && m[1] !== opt["endpoint-name"])
        return awsError(res, 400, "ValidationError", `Endpoint ${m[1]} of account 000000000000 not found.`);

    const delay = Number(opt["delay-ms"]);
    if (delay > 0) await sleep(delay);
    if (opt.garbage) return send(res, 200, "<html>this is not a model response</html>", {"content-type": "text/html"});

    let payload;
    try { payload = parsePayload(body); } catch (e) {
        if (!(e instanceof ClientError)) throw e;
        if (container) return send(res, 400, {error: e.message});
        // What SageMaker Runtime does when the container answers 4xx.
        return awsError(res, 424, "ModelError", `Received client error (400) from primary with message "${e.message}".`,
            {OriginalStatusCode: 400, OriginalMessage: e.message, ErrorCode: "CLIENT_ERROR_FROM_MODEL"});
    }

    if (opt.deterministic) {
        lastRequest = {format: payload.format, roles: payload.messages.map((m) => m.role),
            contents: payload.messages.map((m) => m.content), prompt: payload.prompt ?? null,
            input_tokens: estimateTokens(payload.messages), max_new_tokens: payload.maxTokens};
    }
    const limit = Number(opt["max-input-tokens"]);
    const inputTokens = estimateTokens(payload.messages);
    if (limit > 0 && inputTokens + payload.maxTokens > limit) {
        // TGI answers 422; SageMaker Runtime relays it as a 424 ModelError.
        const tgi = JSON.stringify({error: `Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= ${limit}. Given: ${inputTokens} \`inputs\` tokens and ${payload.maxTokens} \`max_new_tokens\``, error_type: "validation"});
        return awsError(res, 424, "ModelError", `Received client error (422) from primary with message "${tgi}". See CloudWatch logs for more information.`,
            {OriginalStatusCode: 422, OriginalMessage: tgi, ErrorCode: "CLIENT_ERROR_FROM_MODEL"});
    }

    const streaming = m?.[2] === "invocations-response-stream";
    if (!streaming) {
        const reply = await respond(payload.messages, payload);
        return send(res, 200, completionBody(payload.format, reply), {"x-amzn-invoked-production-variant": "AllTraffic"});
    }

    res.writeHead(200, {"content-type": "application/vnd.amazon.eventstream",
        "x-amzn-sagemaker-content-type": "text/event-stream", "x-amzn-invoked-production-variant": "AllTraffic"});
    // Each line goes out in two PayloadParts split mid-JSON, as real endpoints may do.
    const emit = (line) => {
        const bytes = Buffer.from(line);
        const cut = Math.max(1, Math.floor(bytes.length / 2));
        res.write(payloadPart(bytes.subarray(0, cut)));
        res.write(payloadPart(bytes.subarray(cut)));
    };
    try {
        // One piece is held back: the last one goes out with the end of the stream (TGI's way).
        let held = null, sent = 0;
        const result = await respond(payload.messages, payload, (text) => {
            if (held !== null) {
                emit(streamLine(payload.format, held));
                if (++sent === 1 && opt["stream-error"]) {
                    emit(payload.format === "tgi" ? `data:${JSON.stringify({error: "CUDA out of memory", error_type: "generation"})}\n\n`
                        : `data: ${JSON.stringify({error: {message: "CUDA out of memory", type: "generation"}})}\n\n`);
                }
            }
            held = text;
        });
        if (!opt["stream-cut"]) for (const line of streamEnd(payload.format, held, result)) emit(line);
        else if (held !== null) emit(streamLine(payload.format, held));
    } catch (e) {
        res.write(modelStreamError(String(e?.message ?? e)));
    }
    res.end();
}

const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
        handle(req, res, Buffer.concat(chunks)).catch((e) => {
            log(`error: ${e?.stack ?? e}`);
            if (!res.headersSent) awsError(res, 424, "ModelError", "the model failed", {OriginalStatusCode: 500});
            else res.end();
        });
    });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(opt.port), opt.host, () => {
    const {port} = server.address();
    log(`SageMaker-compatible endpoint '${opt["endpoint-name"]}' ready on http://${opt.host}:${port}`);
    console.log(`model: http://${opt.host}:${port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
